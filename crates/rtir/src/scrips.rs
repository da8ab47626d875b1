//! RTIR's scrip conditions and actions (RTIR's `@ScripConditions` and
//! `@ScripActions`), written in Rust and registered by name through
//! [`rt_scrips::registry`]; [`crate::install`] attaches RTIR's scrips that
//! use them to the RTIR queues. They run in rt-scrips' engine like RT's
//! own: as `RT_System`, after the change that fired them, each in a
//! savepoint, their changes firing further scrips (an Incident resolved
//! resolves its reports, whose status changes recompute the Incident's
//! Due...).
//!
//! RTIR also narrows RT's `AutoOpen` and `AutoOpenInactive` (the actions
//! of `On Correspond Open Inactive Tickets`): they do nothing to Incident
//! Reports and Countermeasures, which open by RTIR's own rules (a report
//! when it joins an Incident, a countermeasure by
//! [`SET_COUNTERMEASURE_STATUS`]). [`register`] puts those narrowed
//! actions in place under RT's names.
//!
//! The detection actions (`RTIR parse message for IPs/Domains/CVEs`) put
//! what [`crate::detect`] finds in a message into the ticket's `IP`,
//! `Domain` and `CVE ID` fields; the merging ones (`RTIR merge
//! IPs/Domains/CVEs`) copy those values to the Incident a ticket joins or
//! the ticket it is merged into. Both skip values already there and stay
//! within the field's `MaxValues`.
//!
//! [`CHANGE_CHILD_CONSTITUENCIES`] moves an Incident's children along when
//! the Incident moves to another constituency's queue (with `[rtir]
//! strict_constituency_linking` on, as RTIR).

use chrono::{DateTime, Utc};
use rt_core::acl::Role;
use rt_core::customfield::{CfObject, CustomField};
use rt_core::lifecycles::{Lifecycle, StatusClass};
use rt_core::transaction::header_value;
use rt_core::{LinkType, Message, OwnerChange, PrincipalId, QueueId, Result, TicketId, TicketUpdate, Tx, UserId};
use rt_scrips::conditions::Subject;
use rt_scrips::registry::{self, Action, Condition};

use rt_core::ip::IpRange;

use crate::constituency::{constituency_of, constituency_queue, queue_constituency};
use crate::detect;
use crate::kind::{Kind, ticket_kind};
use crate::links::{children_of, in_other_active_incident, incidents_of, is_active};

/// Condition: correspondence from someone outside the duty teams.
pub const CUSTOMER_RESPONSE: &str = "RTIR Customer Response";
/// Condition: correspondence from a duty team member.
pub const STAFF_RESPONSE: &str = "RTIR Staff Response";
/// Condition: the ticket goes from an initial or active status to an
/// inactive one.
pub const CLOSE_TICKET: &str = "RTIR Close Ticket";
/// Condition: the ticket goes from an inactive status to an initial or
/// active one.
pub const REOPEN_TICKET: &str = "RTIR Reopen Ticket";
/// Condition: the Incidents' Due may have to change (a link added or
/// removed, the Due set, the ticket closed).
pub const REQUIRE_DUE_CHANGE: &str = "RTIR Require Due Change";
/// Condition: the ticket joins an Incident (created in one, linked to one,
/// or merged while in one).
pub const LINKING_TO_INCIDENT: &str = "RTIR Linking To Incident";
/// Condition: the ticket was merged into another.
pub const MERGE: &str = "RTIR Merge";
/// Condition: a reply should activate the report.
pub const REQUIRE_REPORT_ACTIVATION: &str = "RTIR Require IRs Activation";

/// Action: the Incident's Due becomes the earliest Due of its active
/// children.
pub const SET_INCIDENT_DUE: &str = "RTIR Set Incident Due";
/// Action: `How Reported` from the interface the ticket was created
/// through.
pub const SET_HOW_REPORTED: &str = "RTIR Set How Reported";
/// Action: close an Incident's children with the Incident.
pub const RESOLVE_CHILDREN: &str = "RTIR Resolve Children";
/// Action: the Incident's owner becomes its children's.
pub const CHANGE_CHILD_OWNERSHIP: &str = "RTIR Change Child Ownership";
/// Action: a child's owner becomes its Incidents'.
pub const CHANGE_PARENT_OWNERSHIP: &str = "RTIR Change Parent Ownership";
/// Action: a reopened child reopens its closed Incidents.
pub const OPEN_PARENT: &str = "RTIR Open Parent";
/// Action: a reply moves a Countermeasure along its lifecycle.
pub const SET_COUNTERMEASURE_STATUS: &str = "RTIR Set Countermeasure Status";
/// Action: `Resolution` defaulted when an Incident closes, cleared when it
/// reopens.
pub const SET_INCIDENT_RESOLUTION: &str = "RTIR Set Incident Resolution";
/// Action: an Incident moved to another constituency moves its children
/// of its old constituency to the new one's queues of their kind.
pub const CHANGE_CHILD_CONSTITUENCIES: &str = "RTIR Change Child Constituencies";
/// Action: the ticket moves to its first active status.
pub const ACTIVATE: &str = "RTIR Activate Ticket";
/// Action: IP addresses and ranges of the message into the `IP` field.
pub const FIND_IPS: &str = "RTIR parse message for IPs";
/// Action: domains of the message into the `Domain` field.
pub const FIND_DOMAINS: &str = "RTIR parse message for Domains";
/// Action: CVE ids of the message into the `CVE ID` field.
pub const FIND_CVES: &str = "RTIR parse message for CVEs";
/// Action: the ticket's `IP` values to the Incident it joins or the ticket
/// it is merged into.
pub const MERGE_IPS: &str = "RTIR merge IPs";
/// Action: the same for `Domain`.
pub const MERGE_DOMAINS: &str = "RTIR merge Domains";
/// Action: the same for `CVE ID`.
pub const MERGE_CVES: &str = "RTIR merge CVEs";

/// The comment a child still in another active Incident gets when one of
/// its Incidents closes.
pub fn still_linked_comment(incident: TicketId) -> String {
    format!("Linked Incident #{incident} was resolved, but ticket still has unresolved linked Incidents.\n")
}

/// The `Resolution` an Incident closed in `status` gets when it has none
/// (RTIR's `%RTIR_CustomFieldsDefaults`).
pub fn default_resolution(status: &str) -> Option<&'static str> {
    match status {
        "resolved" => Some("successfully resolved"),
        "rejected" => Some("no resolution reached"),
        _ => None,
    }
}

/// Registers RTIR's conditions and actions, and its narrowing of RT's
/// `AutoOpen` and `AutoOpenInactive`, for this process. Idempotent.
pub fn register() {
    registry::register_condition(CUSTOMER_RESPONSE, Response { staff: false });
    registry::register_condition(STAFF_RESPONSE, Response { staff: true });
    registry::register_condition(CLOSE_TICKET, StatusChange("old: initial, active; new: inactive"));
    registry::register_condition(REOPEN_TICKET, StatusChange("old: inactive; new: initial, active"));
    registry::register_condition(REQUIRE_DUE_CHANGE, RequireDueChange);
    registry::register_condition(LINKING_TO_INCIDENT, LinkingToIncident);
    registry::register_condition(MERGE, Merge);
    registry::register_condition(REQUIRE_REPORT_ACTIVATION, RequireReportActivation);
    registry::register_action(SET_INCIDENT_DUE, SetIncidentDue);
    registry::register_action(SET_HOW_REPORTED, SetHowReported);
    registry::register_action(RESOLVE_CHILDREN, ResolveChildren);
    registry::register_action(CHANGE_CHILD_OWNERSHIP, ChangeChildOwnership);
    registry::register_action(CHANGE_PARENT_OWNERSHIP, ChangeParentOwnership);
    registry::register_action(OPEN_PARENT, OpenParent);
    registry::register_action(SET_COUNTERMEASURE_STATUS, SetCountermeasureStatus);
    registry::register_action(SET_INCIDENT_RESOLUTION, SetIncidentResolution);
    registry::register_action(ACTIVATE, Activate);
    registry::register_action(CHANGE_CHILD_CONSTITUENCIES, ChangeChildConstituencies);
    for detected in [Detected::Ip, Detected::Domain, Detected::Cve] {
        registry::register_action(detected.find_action(), Find(detected));
        registry::register_action(detected.merge_action(), MergeValues(detected));
    }
    for name in ["Open Tickets", "AutoOpen", "Open Inactive Tickets", "AutoOpenInactive"] {
        registry::register_action(name, NarrowedAutoOpen(name));
    }
}

/// RT's `FirstActiveStatus`: the first active status a ticket in `status`
/// may move to, or `None` when it is in the lifecycle's first active
/// status already (or the lifecycle has none).
pub fn first_active_status(lifecycle: &Lifecycle, status: &str) -> Option<String> {
    let first = lifecycle.active.first()?;
    if first.eq_ignore_ascii_case(status) {
        return None;
    }
    lifecycle.transitions_from(status).iter().find(|to| lifecycle.class_of(to) == Some(StatusClass::Active)).cloned()
}

/// RTIR's staff test: a member (directly or through nested groups) of a
/// group whose name contains `DutyTeam`, in any case (`DutyTeam EDUNET`
/// counts).
pub fn is_staff(tx: &mut Tx<'_>, user: UserId) -> Result<bool> {
    for group in tx.visible_groups()? {
        if group.name.to_lowercase().contains("dutyteam") && tx.is_group_member(group.group_id(), user.into())? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// RT's `IsInbound`: the transaction was made by one of the ticket's
/// requestors.
fn is_inbound(tx: &mut Tx<'_>, s: &Subject<'_>) -> Result<bool> {
    let actor = PrincipalId::from(s.txn.creator);
    Ok(tx.ticket_role_members(s.ticket.id, Role::Requestor)?.contains(&actor))
}

fn is_status_change(s: &Subject<'_>) -> bool {
    s.txn.kind == "Status" || (s.txn.kind == "Set" && s.txn.field.as_deref() == Some("Status"))
}

/// A ticket custom field by name, if it applies to the ticket's queue.
fn ticket_field(tx: &mut Tx<'_>, ticket: TicketId, name: &str) -> Result<Option<CustomField>> {
    Ok(tx.custom_fields_for(CfObject::Ticket(ticket))?.into_iter().find(|f| f.name.eq_ignore_ascii_case(name)))
}

/// Runs `f` in a savepoint; a failure is logged and undone, as RTIR logs
/// a child it could not change and goes on with the others.
fn each<T>(tx: &mut Tx<'_>, what: &str, ticket: TicketId, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Option<T> {
    match tx.savepoint(f) {
        Ok(done) => Some(done),
        Err(e) => {
            tracing::info!(%ticket, "{what}: {e}");
            None
        }
    }
}

struct Response {
    staff: bool,
}

impl Condition for Response {
    fn holds(&self, tx: &mut Tx<'_>, s: &Subject<'_>) -> Result<bool> {
        Ok(s.txn.kind == "Correspond" && is_staff(tx, s.txn.creator)? == self.staff)
    }
}

/// RT's `StatusChange` condition module with a fixed argument.
struct StatusChange(&'static str);

impl Condition for StatusChange {
    fn holds(&self, tx: &mut Tx<'_>, s: &Subject<'_>) -> Result<bool> {
        rt_scrips::conditions::holds(tx, "StatusChange", Some(self.0), s)
    }
}

struct RequireDueChange;

impl Condition for RequireDueChange {
    fn holds(&self, tx: &mut Tx<'_>, s: &Subject<'_>) -> Result<bool> {
        let txn = s.txn;
        if matches!(txn.kind.as_str(), "AddLink" | "DeleteLink")
            || (txn.kind == "Set" && txn.field.as_deref() == Some("Due"))
        {
            return Ok(true);
        }
        if !is_status_change(s) {
            return Ok(false);
        }
        let lifecycle = tx.queue_lifecycle(s.ticket.queue)?;
        let inactive =
            |v: &Option<String>| v.as_deref().and_then(|v| lifecycle.class_of(v)) == Some(StatusClass::Inactive);
        Ok(!inactive(&txn.old_value) && inactive(&txn.new_value))
    }
}

struct LinkingToIncident;

impl Condition for LinkingToIncident {
    fn holds(&self, tx: &mut Tx<'_>, s: &Subject<'_>) -> Result<bool> {
        let txn = s.txn;
        match (txn.kind.as_str(), txn.field.as_deref()) {
            ("Create", _) | ("AddLink", Some("MergedInto")) => Ok(!incidents_of(tx, s.ticket.id)?.is_empty()),
            ("AddLink", Some("MemberOf")) => {
                let Some(uri) = txn.new_value.as_deref() else { return Ok(false) };
                let target = tx.links(s.ticket.id)?.into_iter().find(|l| l.kind == "MemberOf" && l.target == uri);
                let Some(parent) = target.and_then(|l| l.local_target) else { return Ok(false) };
                let parent = tx.ticket(parent)?;
                Ok(ticket_kind(tx, &parent)? == Some(Kind::Incident))
            }
            _ => Ok(false),
        }
    }
}

struct Merge;

impl Condition for Merge {
    fn holds(&self, _: &mut Tx<'_>, s: &Subject<'_>) -> Result<bool> {
        Ok(s.txn.kind == "AddLink" && s.txn.field.as_deref() == Some(LinkType::MergedInto.as_str()))
    }
}

/// Like RT's AutoOpen, except that a report in its initial status opens
/// only once it is in an Incident, and never by its requestor's mail.
struct RequireReportActivation;

impl Condition for RequireReportActivation {
    fn holds(&self, tx: &mut Tx<'_>, s: &Subject<'_>) -> Result<bool> {
        if s.txn.kind != "Correspond" {
            return Ok(false);
        }
        let lifecycle = tx.queue_lifecycle(s.ticket.queue)?.clone();
        if first_active_status(&lifecycle, &s.ticket.status).is_none() {
            return Ok(false);
        }
        if lifecycle.class_of(&s.ticket.status) == Some(StatusClass::Initial)
            && (incidents_of(tx, s.ticket.id)?.is_empty() || is_inbound(tx, s)?)
        {
            return Ok(false);
        }
        let no_autoopen =
            header_value(s.headers(), "RT-Control").is_some_and(|v| v.to_ascii_lowercase().contains("no-autoopen"));
        Ok(!no_autoopen)
    }
}

struct SetIncidentDue;

impl Action for SetIncidentDue {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let ticket = s.ticket;
        let incidents: Vec<TicketId> = if ticket_kind(tx, ticket)? == Some(Kind::Incident) {
            vec![ticket.id]
        } else if s.txn.kind == "DeleteLink" && s.txn.field.as_deref() == Some("MemberOf") {
            // The Incident the ticket just left.
            let uri = s.txn.old_value.clone().unwrap_or_default();
            local_ticket(tx, &uri).into_iter().collect()
        } else {
            incidents_of(tx, ticket.id)?.into_iter().map(|i| i.id).collect()
        };
        let mut done = Vec::new();
        for incident in incidents {
            if let Some(Some(due)) = each(tx, "setting the Incident's Due", incident, |tx| update_due(tx, incident)) {
                done.push(format!("Incident #{incident} due {due}"));
            }
        }
        Ok((!done.is_empty()).then(|| done.join(", ")))
    }
}

/// Sets an Incident's Due to the earliest Due of its active children, or
/// unsets it; returns the new value when it changed.
fn update_due(tx: &mut Tx<'_>, incident: TicketId) -> Result<Option<String>> {
    let incident = tx.ticket(incident)?;
    if ticket_kind(tx, &incident)? != Some(Kind::Incident) {
        return Ok(None);
    }
    let mut earliest: Option<DateTime<Utc>> = None;
    for (_, child) in children_of(tx, incident.id)? {
        if let Some(due) = child.due
            && is_active(tx, &child)?
        {
            earliest = Some(earliest.map_or(due, |e| e.min(due)));
        }
    }
    if earliest == incident.due {
        return Ok(None);
    }
    tx.update_ticket(incident.id, &TicketUpdate { due: Some(earliest), ..TicketUpdate::default() })?;
    Ok(Some(earliest.map_or_else(|| "unset".to_string(), |d| d.to_rfc3339())))
}

/// The local ticket one of our ticket URIs names.
fn local_ticket(tx: &mut Tx<'_>, uri: &str) -> Option<TicketId> {
    let prefix = tx.ticket_uri(TicketId(0));
    let prefix = prefix.strip_suffix('0')?;
    uri.strip_prefix(prefix)?.parse().ok().map(TicketId)
}

struct ChangeChildConstituencies;

impl Action for ChangeChildConstituencies {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        if !tx.config().rtir.strict_constituency_linking || s.txn.field.as_deref() != Some("Queue") {
            return Ok(None);
        }
        let queue = |value: Option<&str>| value.and_then(|v| v.parse().ok()).map(QueueId);
        let (Some(old), Some(new)) = (queue(s.txn.old_value.as_deref()), queue(s.txn.new_value.as_deref())) else {
            return Ok(None);
        };
        let (from, to) = (queue_constituency(tx, old)?, queue_constituency(tx, new)?);
        if from == to {
            return Ok(None);
        }
        let mut done = Vec::new();
        for (kind, child) in children_of(tx, s.ticket.id)? {
            // Children put in a constituency of their own stay there.
            if constituency_of(tx, &child)? != from {
                continue;
            }
            let name = tx.queue(child.queue)?.name;
            let preferred = name.replacen(from.as_deref().unwrap_or_default(), to.as_deref().unwrap_or_default(), 1);
            let Some(target) = constituency_queue(tx, kind, to.as_deref(), &preferred)? else { continue };
            if each(tx, "moving a child to the Incident's constituency", child.id, |tx| {
                tx.set_queue(child.id, target.queue_id())
            })
            .is_some()
            {
                done.push(format!("#{}", child.id));
            }
        }
        let to = to.unwrap_or_else(|| "no constituency".into());
        Ok((!done.is_empty()).then(|| format!("{} moved to {to}", done.join(", "))))
    }
}

struct SetHowReported;

impl Action for SetHowReported {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let Some(cf) = ticket_field(tx, s.ticket.id, "How Reported")? else { return Ok(None) };
        let object = CfObject::Ticket(s.ticket.id);
        if !tx.cf_values(object, cf.id)?.is_empty() {
            return Ok(None);
        }
        let interface = s.txn.interface.as_str();
        if !tx.custom_field_options(cf.id)?.iter().any(|(name, _)| name == interface) {
            return Ok(None);
        }
        tx.add_cf_value(object, cf.id, interface)?;
        Ok(Some(format!("How Reported set to {interface}")))
    }
}

struct ResolveChildren;

impl Action for ResolveChildren {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let incident = s.ticket;
        let lifecycle = tx.queue_lifecycle(incident.queue)?.clone();
        let closing = s.txn.new_value.as_deref().and_then(|v| lifecycle.class_of(v)) == Some(StatusClass::Inactive);
        if !is_status_change(s) || !closing || lifecycle.class_of(&incident.status) != Some(StatusClass::Inactive) {
            return Ok(None);
        }
        let mut done = Vec::new();
        for (_, child) in children_of(tx, incident.id)? {
            if !is_active(tx, &child)? {
                continue;
            }
            if in_other_active_incident(tx, child.id, incident.id)? {
                let note = Message::text(&still_linked_comment(incident.id));
                each(tx, "commenting on a child", child.id, |tx| tx.comment(child.id, note));
                continue;
            }
            let child_lifecycle = tx.queue_lifecycle(child.queue)?.name.clone();
            let Some(status) = tx.lifecycles().map_status(&lifecycle.name, &child_lifecycle, &incident.status) else {
                continue;
            };
            if status != child.status
                && each(tx, "closing a child", child.id, |tx| tx.set_status(child.id, &status)).is_some()
            {
                done.push(format!("#{} {status}", child.id));
            }
        }
        Ok((!done.is_empty()).then(|| format!("children closed: {}", done.join(", "))))
    }
}

/// The owner a transaction set, from its `Owner` change.
fn new_owner(s: &Subject<'_>) -> Option<UserId> {
    s.txn.new_value.as_deref()?.parse().ok().map(UserId)
}

struct ChangeChildOwnership;

impl Action for ChangeChildOwnership {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let Some(owner) = new_owner(s) else { return Ok(None) };
        let mut done = Vec::new();
        for (_, child) in children_of(tx, s.ticket.id)? {
            if child.owner != owner
                && each(tx, "changing a child's owner", child.id, |tx| {
                    tx.set_owner(child.id, owner, OwnerChange::Force)
                })
                .is_some()
            {
                done.push(format!("#{}", child.id));
            }
        }
        Ok((!done.is_empty()).then(|| format!("owner of {} set to user {owner}", done.join(", "))))
    }
}

struct ChangeParentOwnership;

impl Action for ChangeParentOwnership {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let Some(owner) = new_owner(s) else { return Ok(None) };
        let mut done = Vec::new();
        for incident in incidents_of(tx, s.ticket.id)? {
            if incident.owner != owner
                && each(tx, "changing an Incident's owner", incident.id, |tx| {
                    tx.set_owner(incident.id, owner, OwnerChange::Force)
                })
                .is_some()
            {
                done.push(format!("#{}", incident.id));
            }
        }
        Ok((!done.is_empty()).then(|| format!("owner of {} set to user {owner}", done.join(", "))))
    }
}

struct OpenParent;

impl Action for OpenParent {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let lifecycle = tx.queue_lifecycle(s.ticket.queue)?;
        let new = s.txn.new_value.as_deref().unwrap_or("");
        if !is_status_change(s) || lifecycle.class_of(new) == Some(StatusClass::Inactive) {
            return Ok(None);
        }
        let mut done = Vec::new();
        for incident in incidents_of(tx, s.ticket.id)? {
            let incident_lifecycle = tx.queue_lifecycle(incident.queue)?.clone();
            if incident_lifecycle.class_of(&incident.status) != Some(StatusClass::Inactive) {
                continue;
            }
            let Some(status) = first_active_status(&incident_lifecycle, &incident.status) else { continue };
            if each(tx, "reopening an Incident", incident.id, |tx| tx.set_status(incident.id, &status)).is_some() {
                done.push(format!("Incident #{} {status}", incident.id));
            }
        }
        Ok((!done.is_empty()).then(|| done.join(", ")))
    }
}

struct SetCountermeasureStatus;

impl Action for SetCountermeasureStatus {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let ticket = s.ticket;
        let lifecycle = tx.queue_lifecycle(ticket.queue)?.clone();
        let mut new = None;
        if is_inbound(tx, s)? {
            new = match ticket.status.as_str() {
                "pending activation" => Some("active".to_string()),
                "pending removal" => Some("removed".to_string()),
                _ => None,
            };
        }
        if new.is_none() && lifecycle.class_of(&ticket.status) == Some(StatusClass::Inactive) {
            new = first_active_status(&lifecycle, &ticket.status);
        }
        let Some(new) = new else { return Ok(None) };
        tx.set_status(ticket.id, &new)?;
        Ok(Some(format!("status set to {new}")))
    }
}

struct SetIncidentResolution;

impl Action for SetIncidentResolution {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let ticket = s.ticket;
        let Some(cf) = ticket_field(tx, ticket.id, "Resolution")? else { return Ok(None) };
        let object = CfObject::Ticket(ticket.id);
        let lifecycle = tx.queue_lifecycle(ticket.queue)?.clone();
        let current = tx.cf_values(object, cf.id)?;
        match lifecycle.class_of(&ticket.status) {
            Some(StatusClass::Active) => {
                let was_inactive =
                    s.txn.old_value.as_deref().and_then(|v| lifecycle.class_of(v)) == Some(StatusClass::Inactive);
                let Some(value) = current.first().filter(|_| is_status_change(s) && was_inactive) else {
                    return Ok(None);
                };
                tx.delete_cf_value(object, cf.id, &value.content)?;
                Ok(Some("Resolution cleared".into()))
            }
            Some(StatusClass::Inactive) => {
                let Some(value) = default_resolution(&ticket.status).filter(|_| current.is_empty()) else {
                    return Ok(None);
                };
                tx.add_cf_value(object, cf.id, value)?;
                Ok(Some(format!("Resolution set to {value}")))
            }
            _ => Ok(None),
        }
    }
}

struct Activate;

impl Action for Activate {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let lifecycle = tx.queue_lifecycle(s.ticket.queue)?.clone();
        let Some(status) = first_active_status(&lifecycle, &s.ticket.status) else { return Ok(None) };
        tx.set_status(s.ticket.id, &status)?;
        Ok(Some(format!("status set to {status}")))
    }
}

/// RT's AutoOpen or AutoOpenInactive (by the built-in name it stands in
/// for), doing nothing to Incident Reports and Countermeasures.
struct NarrowedAutoOpen(&'static str);

impl Action for NarrowedAutoOpen {
    fn run(&self, tx: &mut Tx<'_>, template: &str, s: &Subject<'_>) -> Result<Option<String>> {
        if matches!(ticket_kind(tx, s.ticket)?, Some(Kind::Report | Kind::Countermeasure)) {
            return Ok(None);
        }
        rt_scrips::actions::run(tx, self.0, None, template, s)
    }
}

/// What the detection actions find, and the field each fills.
#[derive(Clone, Copy)]
enum Detected {
    Ip,
    Domain,
    Cve,
}

impl Detected {
    fn field(self) -> &'static str {
        match self {
            Detected::Ip => "IP",
            Detected::Domain => "Domain",
            Detected::Cve => "CVE ID",
        }
    }

    fn find_action(self) -> &'static str {
        match self {
            Detected::Ip => FIND_IPS,
            Detected::Domain => FIND_DOMAINS,
            Detected::Cve => FIND_CVES,
        }
    }

    fn merge_action(self) -> &'static str {
        match self {
            Detected::Ip => MERGE_IPS,
            Detected::Domain => MERGE_DOMAINS,
            Detected::Cve => MERGE_CVES,
        }
    }

    /// Of `candidates`, those `current` (a field's values as shown) lacks,
    /// as many as `max_values` leaves room for, as they are to be stored.
    fn to_add(self, current: &[String], candidates: Vec<String>, max_values: i64) -> Vec<String> {
        match self {
            Detected::Ip => {
                let parse = |v: &String| IpRange::parse(v).ok();
                let current: Vec<IpRange> = current.iter().filter_map(parse).collect();
                let found: Vec<IpRange> = candidates.iter().filter_map(parse).collect();
                detect::values_to_add(&current, found, max_values).iter().map(ToString::to_string).collect()
            }
            Detected::Domain | Detected::Cve => detect::values_to_add(current, candidates, max_values),
        }
    }
}

/// Adds to a ticket's field `cf` (of `what`) the values it lacks, within
/// its `MaxValues`; what was added.
fn add_values(
    tx: &mut Tx<'_>,
    ticket: TicketId,
    cf: &CustomField,
    what: Detected,
    candidates: Vec<String>,
) -> Result<Vec<String>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let object = CfObject::Ticket(ticket);
    let current: Vec<String> = tx.cf_values(object, cf.id)?.into_iter().map(|v| v.content).collect();
    let add = what.to_add(&current, candidates, cf.max_values);
    for value in &add {
        tx.add_cf_value(object, cf.id, value.as_str())?;
    }
    Ok(add)
}

/// The text parts of the transaction's message to scan: its main content
/// (the first text part that is not a file) first, then, for IPs only, as
/// RTIR, its other text parts in order.
fn message_parts(tx: &mut Tx<'_>, s: &Subject<'_>, all: bool) -> Result<Vec<String>> {
    let text = |a: &&rt_core::Attachment| a.content_type.starts_with("text/");
    let main = s.attachments.iter().filter(text).find(|a| a.filename.is_none()).map(|a| a.id);
    let mut ids: Vec<_> = main.into_iter().collect();
    if all {
        ids.extend(s.attachments.iter().filter(text).map(|a| a.id).filter(|id| Some(*id) != main));
    }
    let mut parts = Vec::with_capacity(ids.len());
    for id in ids {
        let (_, body) = tx.attachment(id)?;
        parts.push(String::from_utf8_lossy(&body).into_owned());
    }
    Ok(parts)
}

/// `RTIR parse message for IPs/Domains/CVEs`.
struct Find(Detected);

impl Action for Find {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let what = self.0;
        let Some(cf) = ticket_field(tx, s.ticket.id, what.field())? else { return Ok(None) };
        let parts = message_parts(tx, s, matches!(what, Detected::Ip))?;
        let parts = parts.iter().map(String::as_str);
        let found: Vec<String> = match what {
            Detected::Ip => detect::find_in_parts(parts, detect::find_ips).iter().map(ToString::to_string).collect(),
            Detected::Domain => detect::find_in_parts(parts, |t| detect::find_domains(t, true)),
            Detected::Cve => detect::find_in_parts(parts, detect::find_cves),
        };
        let added = add_values(tx, s.ticket.id, &cf, what, found)?;
        Ok((!added.is_empty()).then(|| format!("{} added: {}", what.field(), added.join(", "))))
    }
}

/// `RTIR merge IPs/Domains/CVEs`: the ticket's values to the ticket it was
/// merged into or the Incident it joined (every Incident it is in, when
/// it was created in them).
struct MergeValues(Detected);

impl Action for MergeValues {
    fn run(&self, tx: &mut Tx<'_>, _: &str, s: &Subject<'_>) -> Result<Option<String>> {
        let what = self.0;
        let targets: Vec<TicketId> = match s.txn.kind.as_str() {
            "AddLink" => s.txn.new_value.as_deref().and_then(|uri| local_ticket(tx, uri)).into_iter().collect(),
            _ => incidents_of(tx, s.ticket.id)?.into_iter().map(|t| t.id).collect(),
        };
        let Some(cf) = ticket_field(tx, s.ticket.id, what.field())? else { return Ok(None) };
        let values: Vec<String> =
            tx.cf_values(CfObject::Ticket(s.ticket.id), cf.id)?.into_iter().map(|v| v.content).collect();
        if values.is_empty() {
            return Ok(None);
        }
        let mut done = Vec::new();
        for target in targets.into_iter().filter(|t| *t != s.ticket.id) {
            let copied = values.clone();
            let copy = |tx: &mut Tx<'_>| match ticket_field(tx, target, what.field())? {
                Some(cf) => add_values(tx, target, &cf, what, copied),
                None => Ok(Vec::new()),
            };
            if let Some(added) = each(tx, "copying values", target, copy)
                && !added.is_empty()
            {
                done.push(format!("#{target}: {}", added.join(", ")));
            }
        }
        Ok((!done.is_empty()).then(|| format!("{} copied to {}", what.field(), done.join("; "))))
    }
}
