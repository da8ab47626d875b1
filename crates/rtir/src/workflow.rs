//! The workflow actions of RTIR's screens as library calls, for the web UI
//! and REST to share: create a report, create an Incident from reports,
//! launch an Investigation, create a Countermeasure, quick resolve and
//! reject, bulk reject, abandon, split, merge, and "Set Due to N days
//! from now" (`$OverdueAfter`). Replying to an Incident's children is in
//! [`crate::reply`]. Linking and unlinking are in
//! [`crate::links`].
//!
//! Each takes the caller's [`Tx`], so it runs with the session user's
//! rights and inside the caller's DB transaction: a refusal changes
//! nothing. What the scrips do afterwards (activating a report linked to
//! an Incident, closing children with their Incident...) happens when the
//! scrips run, as for any change.

use chrono::{DateTime, Duration, Utc};
use rt_core::customfield::CfObject;
use rt_core::{
    CustomFieldId, Error, LinkEnd, LinkRights, LinkType, MimeEntity, NewTicket, QueueId, Result, Role, TicketId,
    TicketUpdate, Tx, rights,
};

use crate::constituency::{constituency_of, constituency_queue, queue_name};
use crate::kind::{Kind, rtir_kind, ticket_kind};
use crate::links::{
    children_of, in_other_active_incident, incidents_of, is_active, require_incident, require_same_constituency,
    take_or_steal,
};

/// What an Incident Report is created with.
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    /// The ticket: subject, requestors, message, SLA level, owner...; its
    /// queue must hold reports (`None`: RTIR's Incident Reports queue).
    pub ticket: NewTicket,
    /// `How Reported` (`Email`, `Telephone`...); when `None`, a scrip sets
    /// it from the interface the report came through.
    pub how_reported: Option<String>,
    /// `Reporter Type` (`customer`, `police`...).
    pub reporter_type: Option<String>,
    /// Values of the `IP` field: addresses, CIDR blocks or ranges.
    pub ips: Vec<String>,
    /// Incidents the report joins.
    pub incidents: Vec<TicketId>,
}

/// Creates an Incident Report.
pub fn create_report(tx: &mut Tx<'_>, report: NewReport) -> Result<TicketId> {
    let NewReport { mut ticket, how_reported, reporter_type, ips, incidents } = report;
    let queue = queue_for(tx, Kind::Report, ticket.queue, incidents.first().copied())?;
    for (name, values) in [
        ("How Reported", how_reported.into_iter().collect::<Vec<_>>()),
        ("Reporter Type", reporter_type.into_iter().collect()),
        ("IP", ips),
    ] {
        if !values.is_empty() {
            ticket.custom_fields.push((field_in_queue(tx, queue, name)?, values));
        }
    }
    create_child(tx, Kind::Report, NewTicket { queue: Some(queue), ..ticket }, &incidents)
}

/// Creates an Incident and makes `children` (reports, usually) its
/// members. Linking needs `ModifyTicket` on each child. The subject and
/// owner default to the first child's.
pub fn create_incident(tx: &mut Tx<'_>, mut ticket: NewTicket, children: &[TicketId]) -> Result<TicketId> {
    let mut first = None;
    for &id in children {
        let child = tx.ticket(id)?;
        if ticket_kind(tx, &child)? == Some(Kind::Incident) {
            return Err(Error::invalid("link", format!("Incident #{id} cannot be a child of another Incident")));
        }
        tx.require(rights::MODIFY_TICKET, child.acl_object())?;
        first.get_or_insert(child);
    }
    if let Some(child) = &first {
        if ticket.subject.trim().is_empty() {
            ticket.subject = child.subject.clone();
        }
        if ticket.owner.is_none() && child.owner != tx.system().nobody {
            ticket.owner = Some(child.owner);
        }
    }
    let queue = queue_for(tx, Kind::Incident, ticket.queue, children.first().copied())?;
    for &id in children {
        let child = tx.ticket(id)?;
        require_same_constituency(tx, &child, queue)?;
    }
    let incident = tx.create_ticket(NewTicket { queue: Some(queue), ..ticket })?;
    for &child in children {
        join(tx, child, incident)?;
    }
    Ok(incident)
}

/// Launches an Investigation: a conversation with its requestors (the
/// correspondents, required) about `incident`, whose first message is
/// sent to them by the Investigations autoreply. The text of the
/// `attach_reports` (their creation and replies, not comments) is
/// attached to that message, one file per report.
pub fn launch_investigation(
    tx: &mut Tx<'_>,
    mut ticket: NewTicket,
    incident: Option<TicketId>,
    attach_reports: &[TicketId],
) -> Result<TicketId> {
    if ticket.requestors.iter().all(|r| r.trim().is_empty()) {
        return Err(Error::invalid("requestors", "an Investigation needs a correspondent to launch it to"));
    }
    if !attach_reports.is_empty() {
        let mut parts = ticket.content.take().into_iter().collect::<Vec<_>>();
        for &report in attach_reports {
            parts.push(report_transcript(tx, report)?);
        }
        ticket.content = Some(MimeEntity::multipart(parts));
    }
    create_child(tx, Kind::Investigation, ticket, &incident.into_iter().collect::<Vec<_>>())
}

/// Creates a Countermeasure in `incidents` (at least one: RTIR refuses a
/// countermeasure without an Incident).
pub fn create_countermeasure(tx: &mut Tx<'_>, ticket: NewTicket, incidents: &[TicketId]) -> Result<TicketId> {
    create_child(tx, Kind::Countermeasure, ticket, incidents)
}

/// RTIR's Quick Resolve (Quick Remove for a Countermeasure): the
/// lifecycle's action of that name, without a message. Returns the new
/// status.
pub fn quick_resolve(tx: &mut Tx<'_>, id: TicketId) -> Result<String> {
    let ticket = tx.ticket(id)?;
    let label = match ticket_kind(tx, &ticket)? {
        Some(Kind::Countermeasure) => "Quick Remove",
        _ => "Quick Resolve",
    };
    lifecycle_action(tx, id, label)
}

/// RTIR's Quick Reject of an Incident Report: take (or steal) it, then
/// reject it.
pub fn quick_reject(tx: &mut Tx<'_>, id: TicketId) -> Result<String> {
    lifecycle_action(tx, id, "Quick Reject")
}

/// Runs the action labelled `label` of the ticket's lifecycle from its
/// current status (taking or stealing the ticket first when the action
/// says so). Returns the new status.
pub fn lifecycle_action(tx: &mut Tx<'_>, id: TicketId, label: &str) -> Result<String> {
    let ticket = tx.ticket(id)?;
    let lifecycle = tx.queue_lifecycle(ticket.queue)?.clone();
    let action =
        lifecycle.actions_from(&ticket.status).find(|a| a.label.eq_ignore_ascii_case(label)).ok_or_else(|| {
            Error::invalid("status", format!("{label} is not possible for ticket #{id} in status {}", ticket.status))
        })?;
    if action.take_or_steal_first {
        take_or_steal(tx, &ticket)?;
    }
    tx.set_status(id, &action.to)?;
    Ok(action.to.clone())
}

/// What rejecting one report of a bulk reject did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    /// The report was in an Incident that is not abandoned (RTIR warns).
    pub had_incident: bool,
    /// The report was unowned and the user took it.
    pub took: bool,
}

/// RTIR's bulk reject of Incident Reports: each report the user owns or
/// nobody owns is taken if unowned and rejected; one owned by someone else
/// is refused. Each report succeeds or fails alone.
pub fn bulk_reject(tx: &mut Tx<'_>, reports: &[TicketId]) -> Vec<(TicketId, Result<Rejected>)> {
    reports.iter().map(|&id| (id, tx.savepoint(|tx| reject_one(tx, id)))).collect()
}

fn reject_one(tx: &mut Tx<'_>, id: TicketId) -> Result<Rejected> {
    let ticket = tx.ticket(id)?;
    if ticket_kind(tx, &ticket)? != Some(Kind::Report) {
        return Err(Error::invalid("ticket", format!("ticket #{id} is not an Incident Report")));
    }
    let (me, nobody) = (tx.current_user().id, tx.system().nobody);
    if ticket.owner != me && ticket.owner != nobody {
        return Err(Error::invalid("owner", "you may not reject tickets that belong to another user"));
    }
    let had_incident = incidents_of(tx, id)?.iter().any(|i| i.status != "abandoned");
    let took = ticket.owner == nobody;
    if took {
        tx.take(id)?;
    }
    tx.set_status(id, "rejected")?;
    Ok(Rejected { had_incident, took })
}

/// What abandoning an Incident did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Abandoned {
    /// Children closed with it (each with the status the lifecycles' maps
    /// give for `abandoned`).
    pub closed: Vec<TicketId>,
    /// Children that could not be closed, and why.
    pub refused: Vec<(TicketId, String)>,
    /// Whether the Incident is now abandoned: only when no child is left
    /// active (children also in another active Incident do not count).
    pub abandoned: bool,
}

/// RTIR's Abandon: closes the Incident's active children that belong to no
/// other active Incident, then abandons the Incident if none is left
/// active.
pub fn abandon(tx: &mut Tx<'_>, incident: TicketId) -> Result<Abandoned> {
    let ticket = tx.ticket(incident)?;
    require_incident(tx, &ticket)?;
    let incident_lifecycle = tx.queue_lifecycle(ticket.queue)?.name.clone();
    let mut outcome = Abandoned::default();
    let mut left_active = false;
    for (_, child) in children_of(tx, incident)? {
        if !is_active(tx, &child)? || in_other_active_incident(tx, child.id, incident)? {
            continue;
        }
        let lifecycle = tx.queue_lifecycle(child.queue)?.name.clone();
        let Some(status) = tx.lifecycles().map_status(&incident_lifecycle, &lifecycle, "abandoned") else {
            left_active = true;
            continue;
        };
        match tx.savepoint(|tx| tx.set_status(child.id, &status)) {
            Ok(_) => outcome.closed.push(child.id),
            Err(e) => {
                left_active = true;
                outcome.refused.push((child.id, e.to_string()));
            }
        }
    }
    if !left_active {
        tx.set_status(incident, "abandoned")?;
        outcome.abandoned = true;
    }
    Ok(outcome)
}

/// RTIR's "Set to N days from now" beside a ticket's Due: Due becomes now
/// plus `$OverdueAfter` days (`[rtir] overdue_after_days`). For Incident
/// Reports, Investigations and Countermeasures; an Incident's Due is its
/// children's earliest, so it is refused there. Needs `ModifyTicket`.
/// Returns the new Due.
pub fn due_after_overdue_days(tx: &mut Tx<'_>, id: TicketId) -> Result<DateTime<Utc>> {
    let ticket = tx.ticket(id)?;
    match ticket_kind(tx, &ticket)? {
        Some(Kind::Incident) => {
            return Err(Error::invalid("Due", format!("Incident #{id} is due when its most urgent child is")));
        }
        Some(_) => {}
        None => return Err(Error::invalid("Due", format!("ticket #{id} is not in an RTIR queue"))),
    }
    let due = tx.now() + Duration::days(i64::from(tx.config().rtir.overdue_after_days));
    tx.update_ticket(id, &TicketUpdate { due: Some(Some(due)), ..TicketUpdate::default() })?;
    Ok(due)
}

/// What a split-off ticket differs in from the ticket it is split from.
#[derive(Debug, Clone, Default)]
pub struct Split {
    /// Its subject; the original's when `None`.
    pub subject: Option<String>,
    /// Its first message.
    pub content: Option<MimeEntity>,
    /// The Incidents a child joins; the original's when `None`.
    pub incidents: Option<Vec<TicketId>>,
}

/// RTIR's Split: a new ticket of the same type in the same queue, with
/// the original's status, owner, requestors, Ccs, AdminCcs, priorities,
/// Starts, Due and custom-field values, and (a child) in the same
/// Incidents unless others are given, by the kind's rules (an
/// Investigation needs a correspondent). Needs `ModifyTicket` on the
/// original ("You are not allowed to split this ...") and what creating
/// the ticket needs.
pub fn split(tx: &mut Tx<'_>, id: TicketId, split: Split) -> Result<TicketId> {
    let original = tx.ticket(id)?;
    let Some(kind) = ticket_kind(tx, &original)? else {
        return Err(Error::invalid("ticket", format!("ticket #{id} is not in an RTIR queue")));
    };
    if !tx.has_right(rights::MODIFY_TICKET, original.acl_object())? {
        return Err(Error::denied(
            rights::MODIFY_TICKET,
            format!("You are not allowed to split this {}.", kind.label()),
        ));
    }
    let object = CfObject::Ticket(id);
    let mut custom_fields = Vec::new();
    for field in tx.custom_fields_for(object)? {
        let values: Vec<String> = tx.cf_values(object, field.id)?.into_iter().map(|v| v.content).collect();
        if !values.is_empty() {
            custom_fields.push((field.id, values));
        }
    }
    let nobody = tx.system().nobody;
    let ticket = NewTicket {
        queue: Some(original.queue),
        subject: split.subject.unwrap_or_else(|| original.subject.clone()),
        status: Some(original.status.clone()),
        owner: (original.owner != nobody).then_some(original.owner),
        requestors: tx.role_addresses(id, Role::Requestor)?,
        cc: tx.role_addresses(id, Role::Cc)?,
        admin_cc: tx.role_addresses(id, Role::AdminCc)?,
        initial_priority: Some(original.initial_priority),
        final_priority: Some(original.final_priority),
        starts: original.starts,
        due: original.due,
        content: split.content,
        custom_fields,
        ..NewTicket::default()
    };
    if kind == Kind::Incident {
        return create_incident(tx, ticket, &[]);
    }
    let incidents = match split.incidents {
        Some(given) => given,
        None => incidents_of(tx, id)?.into_iter().map(|t| t.id).collect(),
    };
    if kind == Kind::Investigation && ticket.requestors.is_empty() {
        return Err(Error::invalid("Requestors", "You must enter a correspondent"));
    }
    create_child(tx, kind, ticket, &incidents)
}

/// RTIR's Merge: `source` is merged into `into` when both are of the same
/// type, or one is an Incident Report and the other an Investigation (the
/// report always goes into the Investigation); with strict constituency
/// linking, both of the same constituency. The user becomes the owner of
/// both first. Returns the ticket that remains. RTIR's scrips then copy
/// the IP, Domain and CVE values into it.
pub fn merge(tx: &mut Tx<'_>, source: TicketId, into: TicketId) -> Result<TicketId> {
    let (a, b) = (tx.ticket(source)?, tx.ticket(into)?);
    let failed = |why: &str| Error::invalid("MergeInto", format!("Merge failed: Ticket #{into} {why}"));
    let (from, to) = match (ticket_kind(tx, &a)?, ticket_kind(tx, &b)?) {
        (Some(Kind::Investigation), Some(Kind::Report)) => (b, a),
        (Some(x), Some(y)) if x == y || (x, y) == (Kind::Report, Kind::Investigation) => (a, b),
        _ => return Err(failed("is not the right type")),
    };
    if tx.config().rtir.strict_constituency_linking && constituency_of(tx, &from)? != constituency_of(tx, &to)? {
        return Err(failed("is associated with a different constituency"));
    }
    for ticket in [&from, &to] {
        take_or_steal(tx, ticket)?;
    }
    tx.merge_tickets(from.id, to.id)?;
    Ok(to.id)
}

/// Creates a child of `kind` in `incidents`, by its kind's rule.
fn create_child(tx: &mut Tx<'_>, kind: Kind, ticket: NewTicket, incidents: &[TicketId]) -> Result<TicketId> {
    if let Some(rule) = kind.child_rule() {
        if rule.required && incidents.is_empty() {
            return Err(Error::invalid("incident", format!("a {} needs an Incident", kind.label())));
        }
        if !rule.multiple && incidents.len() > 1 {
            return Err(Error::invalid("incident", format!("a {} belongs to one Incident only", kind.label())));
        }
    }
    let queue = queue_for(tx, kind, ticket.queue, incidents.first().copied())?;
    for &id in incidents {
        let incident = tx.ticket(id)?;
        require_incident(tx, &incident)?;
        require_same_constituency(tx, &incident, queue)?;
    }
    let id = tx.create_ticket(NewTicket { queue: Some(queue), ..ticket })?;
    for &incident in incidents {
        join(tx, id, incident)?;
    }
    Ok(id)
}

/// Links a child to an Incident as creation does: `ModifyTicket` on either
/// end, nobody's ownership changed.
fn join(tx: &mut Tx<'_>, child: TicketId, incident: TicketId) -> Result<()> {
    tx.add_link_with(child, LinkType::MemberOf, LinkEnd::Ticket(incident), LinkRights::EitherEnd)
}

/// The queue a new ticket of `kind` goes to: the one given, which must hold
/// that kind; else, for a ticket made from or for `like`, that ticket's
/// constituency's (RTIR's constituency inheritance); else the one RTIR
/// created for it (else the first visible queue with its lifecycle).
/// Creating a ticket needs `CreateTicket` there, not `SeeQueue`: reporters
/// who write in cannot see the queue.
fn queue_for(tx: &mut Tx<'_>, kind: Kind, given: Option<QueueId>, like: Option<TicketId>) -> Result<QueueId> {
    let holds = |tx: &mut Tx<'_>, id: QueueId| -> Result<bool> {
        Ok(Kind::from_lifecycle(&tx.queue_lifecycle(id)?.name) == Some(kind))
    };
    if let Some(id) = given {
        if !holds(tx, id)? {
            return Err(Error::invalid("queue", format!("queue {id} does not hold {}s", kind.label())));
        }
        return Ok(id);
    }
    if let Some(like) = like {
        let like = tx.ticket(like)?;
        if let Some(name) = constituency_of(tx, &like)?
            && let Some(queue) = constituency_queue(tx, kind, Some(&name), &queue_name(kind, &name))?
        {
            return Ok(queue.queue_id());
        }
    }
    if let Ok(id) = tx.resolve_queue(kind.default_queue())
        && holds(tx, id)?
    {
        return Ok(id);
    }
    tx.queues()?
        .into_iter()
        .find(|q| rtir_kind(q) == Some(kind))
        .map(|q| q.queue_id())
        .ok_or_else(|| Error::not_found("queue", format!("a queue for {}s", kind.label())))
}

/// A ticket custom field of a queue, by name.
fn field_in_queue(tx: &mut Tx<'_>, queue: QueueId, name: &str) -> Result<CustomFieldId> {
    tx.ticket_custom_fields_in_queue(queue)?
        .into_iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .map(|f| f.id)
        .ok_or_else(|| Error::invalid(name, format!("the custom field {name} does not apply to queue {queue}")))
}

/// A report's messages (its creation and replies) as one text file.
fn report_transcript(tx: &mut Tx<'_>, id: TicketId) -> Result<MimeEntity> {
    let report = tx.ticket(id)?;
    let mut text = format!("Incident Report #{}: {}\n", report.id, report.subject);
    for txn in tx.history(id)? {
        if !matches!(txn.kind.as_str(), "Create" | "Correspond") {
            continue;
        }
        for part in tx.transaction_attachments(txn.id)? {
            if part.content_type == "text/plain" && part.filename.is_none() {
                let (_, body) = tx.attachment(part.id)?;
                text.push_str(&format!("\n--- {} {}\n\n", txn.kind, txn.created.format("%Y-%m-%d %H:%M:%S UTC")));
                text.push_str(&String::from_utf8_lossy(&body));
                text.push('\n');
            }
        }
    }
    Ok(MimeEntity::attachment(&format!("incident-report-{id}.txt"), "text/plain", text.into_bytes()))
}

/// The current values of a ticket's custom field, by name (empty when the
/// field does not apply).
pub fn field_values(tx: &mut Tx<'_>, ticket: TicketId, name: &str) -> Result<Vec<String>> {
    let object = CfObject::Ticket(ticket);
    let Some(field) = tx.custom_fields_for(object)?.into_iter().find(|f| f.name.eq_ignore_ascii_case(name)) else {
        return Ok(Vec::new());
    };
    Ok(tx.cf_values(object, field.id)?.into_iter().map(|v| v.content).collect())
}
