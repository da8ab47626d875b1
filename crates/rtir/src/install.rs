//! What RTIR creates on first start (RTIR's `etc/initialdata`): its four
//! queues, custom fields, the `DutyTeam` group, the default rights, its
//! templates and its scrips. [`install`] does it once, in one DB
//! transaction, and marks the database with the `RTIRInstalled` system
//! attribute so that later starts (and other nodes) leave it alone.

use rt_core::acl::{Grantee, Role};
use rt_core::attribute::AttributeObject;
use rt_core::{
    AclObject, CfType, CustomFieldId, Error, Interface, LookupType, NewCustomField, NewQueue, NewScrip, NewTemplate,
    QueueId, Result, Rt, Tx,
};

use crate::kind::Kind;
use crate::scrips;

/// The system attribute that says RTIR's data is installed.
pub const MARKER: &str = "RTIRInstalled";

/// The group of incident handlers RTIR creates.
pub const DUTY_TEAM: &str = "DutyTeam";

/// Rights of `DutyTeam` on each RTIR queue. Not `ModifyTicket`: owners
/// modify their tickets.
pub const DUTY_TEAM_QUEUE_RIGHTS: &[&str] = &[
    "CreateTicket",
    "ShowTemplate",
    "OwnTicket",
    "CommentOnTicket",
    "SeeQueue",
    "ShowTicket",
    "ShowTicketComments",
    "StealTicket",
    "TakeTicket",
    "Watch",
    "ShowOutgoingEmail",
    "ForwardMessage",
];

/// Rights of the Owner role on each RTIR queue: owners modify their
/// tickets.
pub const OWNER_QUEUE_RIGHTS: &[&str] = &["ModifyTicket"];

/// Rights of `DutyTeam` on the whole system.
pub const DUTY_TEAM_GLOBAL_RIGHTS: &[&str] = &[
    "ModifySelf",
    "CreateSavedSearch",
    "EditSavedSearches",
    "LoadSavedSearch",
    "ShowSavedSearches",
    "ShowArticlesMenu",
];

/// Rights of `Everyone` on the queue of each kind: anyone may report an
/// incident by mail and answer a report, an investigation or a
/// countermeasure.
pub fn everyone_rights(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Report => &["CreateTicket", "ReplyToTicket"],
        Kind::Incident => &[],
        Kind::Investigation | Kind::Countermeasure => &["ReplyToTicket"],
    }
}

/// One of RTIR's custom fields.
struct Field {
    name: &'static str,
    kind: CfType,
    /// 1 for a single value, 0 for any number.
    max_values: i64,
    /// The kinds of queue it applies to; empty: a queue field, applied to
    /// every queue.
    queues: &'static [Kind],
    values: &'static [&'static str],
    description: &'static str,
    link_value_to: &'static str,
}

const ALL_KINDS: &[Kind] = &Kind::ALL;

const FIELDS: &[Field] = &[
    Field {
        name: "RTIR Constituency",
        kind: CfType::Select,
        max_values: 1,
        queues: &[],
        values: &[],
        description: "Associates RTIR queues with constituencies",
        link_value_to: "",
    },
    Field {
        name: "RTIR default WHOIS server",
        kind: CfType::Freeform,
        max_values: 1,
        queues: &[],
        values: &[],
        description: "If set, defines the default WHOIS server for an RTIR Queue",
        link_value_to: "",
    },
    Field {
        name: "Description",
        kind: CfType::Freeform,
        max_values: 1,
        queues: &[Kind::Incident],
        values: &[],
        description: "Description for Incidents RTIR queue",
        link_value_to: "",
    },
    Field {
        name: "Resolution",
        kind: CfType::Select,
        max_values: 1,
        queues: &[Kind::Incident],
        values: &[
            "successfully resolved",
            "no resolution reached",
            "no response from customer",
            "no response from other ISP",
        ],
        description: "Resolution for Incidents RTIR queue",
        link_value_to: "",
    },
    Field {
        name: "Function",
        kind: CfType::Select,
        max_values: 1,
        queues: &[Kind::Incident],
        values: &["AbuseDesk", "IncidentCoord"],
        description: "Function for Incidents RTIR queue",
        link_value_to: "",
    },
    Field {
        name: "Classification",
        kind: CfType::Select,
        max_values: 1,
        queues: &[Kind::Incident],
        values: &["Spam", "System Compromise", "Query", "Scan", "Denial of Service", "Piracy"],
        description: "Classification for Incidents RTIR queue",
        link_value_to: "",
    },
    Field {
        name: "CVE ID",
        kind: CfType::Freeform,
        max_values: 0,
        queues: ALL_KINDS,
        values: &[],
        description: "CVE ID for RTIR queues",
        link_value_to: "https://nvd.nist.gov/vuln/detail/__CustomField__#vulnCurrentDescriptionTitle",
    },
    Field {
        name: "How Reported",
        kind: CfType::Select,
        max_values: 1,
        queues: &[Kind::Report],
        values: &["API", "CLI", "Email", "REST", "REST2", "Web", "Telephone", "Other"],
        description: "How the incident was reported for Incident Reports RTIR queue",
        link_value_to: "",
    },
    Field {
        name: "Reporter Type",
        kind: CfType::Select,
        max_values: 1,
        queues: &[Kind::Report],
        values: &["customer", "external individual", "other ISP", "police", "other IRT", "other"],
        description: "Reporter type for Incident Reports RTIR queue",
        link_value_to: "",
    },
    Field {
        name: "IP",
        kind: CfType::IpAddressRange,
        max_values: 0,
        queues: ALL_KINDS,
        values: &[],
        description: "IP address for RTIR queues",
        link_value_to: "__WebPath__/RTIR/Tools/Lookup.html?type=ip&q=__CustomField__&ticket=__id__",
    },
    Field {
        name: "Netmask",
        kind: CfType::Freeform,
        max_values: 1,
        queues: &[Kind::Countermeasure],
        values: &[],
        description: "Network mask for Countermeasures",
        link_value_to: "",
    },
    Field {
        name: "Port",
        kind: CfType::Freeform,
        max_values: 1,
        queues: &[Kind::Countermeasure],
        values: &[],
        description: "Port for Countermeasures",
        link_value_to: "",
    },
    Field {
        name: "Where Blocked",
        kind: CfType::Freeform,
        max_values: 1,
        queues: &[Kind::Countermeasure],
        values: &[],
        description: "Where the block is placed for Countermeasures",
        link_value_to: "",
    },
    Field {
        name: "Customer",
        kind: CfType::Select,
        max_values: 0,
        queues: &[Kind::Report],
        values: &[],
        description: "Customer for Incident Reports RTIR queue",
        link_value_to: "",
    },
    Field {
        name: "Customer",
        kind: CfType::Select,
        max_values: 1,
        queues: &[Kind::Investigation],
        values: &[],
        description: "Customer for Investigations RTIR queue",
        link_value_to: "",
    },
    Field {
        name: "Domain",
        kind: CfType::Freeform,
        max_values: 0,
        queues: ALL_KINDS,
        values: &[],
        description: "Domain for RTIR queues",
        link_value_to: "__WebPath__/RTIR/Tools/Lookup.html?type=host&q=__CustomField__&ticket=__id__",
    },
];

/// RTIR's queue templates: (queue, name, description, source).
const TEMPLATES: &[(Kind, &str, &str, &str)] = &[
    (
        Kind::Countermeasure,
        "Autoreply",
        "Sent when a countermeasure is created",
        include_str!("../templates/countermeasure-autoreply.tera"),
    ),
    (
        Kind::Countermeasure,
        "CountermeasureRemoved",
        "Sent when a countermeasure is removed",
        include_str!("../templates/countermeasure-removed.tera"),
    ),
    (
        Kind::Investigation,
        "Autoreply",
        "Sent when an investigation is launched",
        include_str!("../templates/investigation-autoreply.tera"),
    ),
];

/// One of RTIR's scrips and the kinds of queue it is attached to.
struct Scrip {
    description: &'static str,
    condition: &'static str,
    action: &'static str,
    template: &'static str,
    queues: &'static [Kind],
}

const CHILDREN: &[Kind] = &Kind::CHILDREN;

/// RTIR's scrips (RTIR's `@Scrips`), in RTIR's order, then the
/// autoreplies of Investigations and Countermeasures.
const SCRIPS: &[Scrip] = &[
    Scrip {
        description: "SetHowReported",
        condition: "On Create",
        action: scrips::SET_HOW_REPORTED,
        template: "Blank",
        queues: &[Kind::Report],
    },
    Scrip {
        description: "On Correspond Change Status of the Countermeasure",
        condition: "On Correspond",
        action: scrips::SET_COUNTERMEASURE_STATUS,
        template: "Blank",
        queues: &[Kind::Countermeasure],
    },
    Scrip {
        description: "On Linking To Incident Activate Report",
        condition: scrips::LINKING_TO_INCIDENT,
        action: scrips::ACTIVATE,
        template: "Blank",
        queues: &[Kind::Report],
    },
    Scrip {
        description: "On Correspond (not every) Activate Report",
        condition: scrips::REQUIRE_REPORT_ACTIVATION,
        action: scrips::ACTIVATE,
        template: "Blank",
        queues: &[Kind::Report],
    },
    Scrip {
        description: "Set Due Date On Incident",
        condition: scrips::REQUIRE_DUE_CHANGE,
        action: scrips::SET_INCIDENT_DUE,
        template: "Blank",
        queues: CHILDREN,
    },
    Scrip {
        description: "ResolveAllChildren",
        condition: "On Status Change",
        action: scrips::RESOLVE_CHILDREN,
        template: "Blank",
        queues: &[Kind::Incident],
    },
    Scrip {
        description: "Propagate Constituency Changes",
        condition: "On Queue Change",
        action: scrips::CHANGE_CHILD_CONSTITUENCIES,
        template: "Blank",
        queues: &[Kind::Incident],
    },
    Scrip {
        description: "FixOwnership",
        condition: "On Owner Change",
        action: scrips::CHANGE_CHILD_OWNERSHIP,
        template: "Blank",
        queues: &[Kind::Incident],
    },
    Scrip {
        description: "FixOwnership",
        condition: "On Owner Change",
        action: scrips::CHANGE_PARENT_OWNERSHIP,
        template: "Blank",
        queues: CHILDREN,
    },
    Scrip {
        description: "ReopenIncident",
        condition: "On Status Change",
        action: scrips::OPEN_PARENT,
        template: "Blank",
        queues: CHILDREN,
    },
    Scrip {
        description: "SetDefaultIncidentResolution",
        condition: "On Status Change",
        action: scrips::SET_INCIDENT_RESOLUTION,
        template: "Blank",
        queues: &[Kind::Incident],
    },
    Scrip {
        description: "On Linking To Incident Copy IPs",
        condition: scrips::LINKING_TO_INCIDENT,
        action: scrips::MERGE_IPS,
        template: "Blank",
        queues: &[Kind::Report],
    },
    Scrip {
        description: "SetIPFromContent",
        condition: "On Correspond",
        action: scrips::FIND_IPS,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "SetIPFromContent",
        condition: "On Create",
        action: scrips::FIND_IPS,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "MergeIPs",
        condition: scrips::MERGE,
        action: scrips::MERGE_IPS,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "On Linking To Incident Copy Domains",
        condition: scrips::LINKING_TO_INCIDENT,
        action: scrips::MERGE_DOMAINS,
        template: "Blank",
        queues: &[Kind::Report],
    },
    Scrip {
        description: "SetDomainFromContent",
        condition: "On Correspond",
        action: scrips::FIND_DOMAINS,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "SetDomainFromContent",
        condition: "On Create",
        action: scrips::FIND_DOMAINS,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "MergeDomains",
        condition: scrips::MERGE,
        action: scrips::MERGE_DOMAINS,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "On Linking To Incident Copy CVEs",
        condition: scrips::LINKING_TO_INCIDENT,
        action: scrips::MERGE_CVES,
        template: "Blank",
        queues: &[Kind::Report],
    },
    Scrip {
        description: "SetCVEFromContent",
        condition: "On Correspond",
        action: scrips::FIND_CVES,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "SetCVEFromContent",
        condition: "On Create",
        action: scrips::FIND_CVES,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "MergeCVEs",
        condition: scrips::MERGE,
        action: scrips::MERGE_CVES,
        template: "Blank",
        queues: ALL_KINDS,
    },
    Scrip {
        description: "NotifyOnClose",
        condition: scrips::CLOSE_TICKET,
        action: "Notify Requestors",
        template: "CountermeasureRemoved",
        queues: &[Kind::Countermeasure],
    },
    Scrip {
        description: AUTOREPLY,
        condition: "On Create",
        action: "Autoreply To Requestors",
        template: "Autoreply",
        queues: &[Kind::Investigation, Kind::Countermeasure],
    },
];

/// RT's global autoreply scrip, which RTIR's own replaces in the queues
/// whose `Autoreply` template it uses.
const AUTOREPLY: &str = "On Create Autoreply To Requestors";

/// Registers RTIR's scrip conditions and actions and, when `[rtir]
/// enabled` is on and the database has no RTIR data yet, creates it.
/// Returns whether it created it. Run it after RT's own defaults
/// ([`rt_scrips::defaults::install`]): RTIR's autoreply scrips replace
/// RT's global one in their queues. Nodes starting together on a new
/// database race; the one that loses leaves the install to the other.
pub fn install(rt: &Rt) -> Result<bool> {
    if !rt.config().rtir.enabled {
        return Ok(false);
    }
    scrips::register();
    let created = rt.system_session(Interface::Api).write(|tx| {
        if !tx.attributes(AttributeObject::System, MARKER)?.is_empty() {
            return Ok(false);
        }
        create(tx)?;
        tx.add_attribute(AttributeObject::System, MARKER, "RTIR's initial data", "5.0", "text/plain")?;
        Ok(true)
    });
    match created {
        Err(Error::Conflict(_)) => Ok(false),
        other => other,
    }
}

fn create(tx: &mut Tx<'_>) -> Result<()> {
    let mut queues = Vec::new();
    for kind in Kind::ALL {
        let queue = tx.create_queue(NewQueue {
            name: kind.default_queue().into(),
            lifecycle: kind.lifecycle().into(),
            initial_priority: if kind == Kind::Incident { 50 } else { 0 },
            // An Incident's Due comes from its children, not from an SLA.
            sla_disabled: kind == Kind::Incident,
            ..NewQueue::default()
        })?;
        queues.push((kind, queue));
    }
    let queue_of = |kind: Kind| queues.iter().find(|(k, _)| *k == kind).map(|(_, q)| *q);
    let duty_team = tx.create_group(DUTY_TEAM, "Duty Team Members")?;
    for field in FIELDS {
        let id = create_field(tx, field, &queues)?;
        for right in ["SeeCustomField", "ModifyCustomField"] {
            tx.grant(Grantee::Group(duty_team), right, AclObject::CustomField(id))?;
        }
    }
    let everyone = tx.system().everyone;
    for &(kind, queue) in &queues {
        let object = AclObject::Queue(queue);
        for right in OWNER_QUEUE_RIGHTS {
            tx.grant(Grantee::Role(Role::Owner), right, object)?;
        }
        for right in DUTY_TEAM_QUEUE_RIGHTS {
            tx.grant(Grantee::Group(duty_team), right, object)?;
        }
        for right in everyone_rights(kind) {
            tx.grant(Grantee::Group(everyone), right, object)?;
        }
    }
    for right in DUTY_TEAM_GLOBAL_RIGHTS {
        tx.grant(Grantee::Group(duty_team), right, AclObject::System)?;
    }
    for &(kind, name, description, source) in TEMPLATES {
        let template = NewTemplate {
            queue: queue_of(kind),
            name: name.into(),
            description: description.into(),
            content: source.into(),
        };
        rt_scrips::template::save(tx, &template)?;
    }
    create_scrips(tx, &queues)
}

fn create_field(tx: &mut Tx<'_>, field: &Field, queues: &[(Kind, QueueId)]) -> Result<CustomFieldId> {
    let lookup = if field.queues.is_empty() { LookupType::Queue } else { LookupType::Ticket };
    let id = tx.create_custom_field(NewCustomField {
        lookup,
        max_values: field.max_values,
        description: field.description.into(),
        link_value_to: field.link_value_to.into(),
        ..NewCustomField::ticket(field.name, field.kind)
    })?;
    for (order, value) in field.values.iter().enumerate() {
        tx.add_custom_field_option(id, value, order as i64 + 1, "")?;
    }
    if field.queues.is_empty() {
        // Queue fields apply to every queue (rt-core applies them no other
        // way); RTIR's WHOIS server field is meant for its own queues.
        tx.apply_custom_field(id, None)?;
    }
    for (_, queue) in queues.iter().filter(|(kind, _)| field.queues.contains(kind)) {
        tx.apply_custom_field(id, Some(*queue))?;
    }
    Ok(id)
}

fn create_scrips(tx: &mut Tx<'_>, queues: &[(Kind, QueueId)]) -> Result<()> {
    let global_autoreply = tx.all_scrips()?.into_iter().find(|s| s.description == AUTOREPLY);
    for (order, scrip) in SCRIPS.iter().enumerate() {
        let mut targets = queues.iter().filter(|(kind, _)| scrip.queues.contains(kind)).map(|(_, q)| *q);
        let Some(first) = targets.next() else { continue };
        let order = order as i64;
        let new = NewScrip {
            queue: Some(first),
            sort_order: order,
            ..NewScrip::new(scrip.description, scrip.condition, scrip.action, scrip.template)
        };
        let id = tx.create_scrip(&new)?;
        for queue in targets {
            tx.apply_scrip(id, Some(queue), order)?;
        }
        if scrip.description == AUTOREPLY
            && let Some(global) = &global_autoreply
        {
            for (_, queue) in queues.iter().filter(|(kind, _)| scrip.queues.contains(kind)) {
                tx.exclude_scrip(global.id, *queue)?;
            }
        }
    }
    Ok(())
}
