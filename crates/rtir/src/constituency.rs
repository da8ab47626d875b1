//! Constituencies: the parts of the community an RTIR team serves, each
//! with its own queues, addresses and people (RTIR's `add_constituency`).
//!
//! A constituency is a value of the queue field `RTIR Constituency` and the
//! RTIR queues that carry it, one per kind, named `<kind's queue> - NAME`
//! (`Incident Reports - EDUNET`). [`add_constituency`] creates them from the
//! base queue of each kind (the oldest queue with its lifecycle): its
//! settings, the fields, templates and scrips applied to it; and the groups
//! `DutyTeam NAME` (the handlers, with RTIR's DutyTeam rights on the new
//! queues and their AdminCc) and `ReadOnly NAME` (may look, not touch). The
//! base `DutyTeam` gets no rights on a constituency's queues: each team sees
//! its own tickets only. Running it again completes what is missing and
//! updates the addresses; [`rename_constituency`] renames the value, the
//! queues and the groups.
//!
//! A ticket's constituency is its queue's ([`constituency_of`]). With
//! `[rtir] strict_constituency_linking` (the default) tickets of different
//! constituencies are not linked ([`crate::links`]), and an Incident moved to
//! another constituency's queue takes its children along
//! ([`crate::scrips::CHANGE_CHILD_CONSTITUENCIES`]).

use rt_core::customfield::{CfObject, CustomField};
use rt_core::queue::{Queue, QueueUpdate};
use rt_core::{
    AclObject, Error, Grantee, GroupId, LookupType, NewQueue, NewTemplate, QueueId, Result, Role, Ticket, Tx,
};

use crate::install::{DUTY_TEAM, DUTY_TEAM_QUEUE_RIGHTS, OWNER_QUEUE_RIGHTS, everyone_rights};
use crate::kind::{Kind, rtir_kind};

/// The queue field that holds a queue's constituency.
pub const FIELD: &str = "RTIR Constituency";

/// The group of read-only members of a constituency is `ReadOnly NAME`.
pub const READ_ONLY: &str = "ReadOnly";

/// Rights of `ReadOnly NAME` on its constituency's queues.
pub const READ_ONLY_QUEUE_RIGHTS: &[&str] = &["ShowTicket", "ShowTicketComments", "Watch", "SeeQueue", "ShowTemplate"];

/// Rights of `DutyTeam NAME` on the fields of RTIR's queues and on
/// `RTIR Constituency`.
pub const DUTY_TEAM_FIELD_RIGHTS: &[&str] = &["SeeCustomField", "ModifyCustomField"];

/// Rights of `ReadOnly NAME` on the same fields.
pub const READ_ONLY_FIELD_RIGHTS: &[&str] = &["SeeCustomField"];

/// What [`add_constituency`] made or found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constituency {
    /// Its name, as stored (spaces trimmed and collapsed).
    pub name: String,
    /// Its queue of each kind, in [`Kind::ALL`]'s order.
    pub queues: Vec<(Kind, QueueId)>,
    /// `DutyTeam NAME`.
    pub duty_team: GroupId,
    /// `ReadOnly NAME`.
    pub read_only: GroupId,
}

/// The queue of `kind` a constituency has: `Incidents - EDUNET`.
pub fn queue_name(kind: Kind, constituency: &str) -> String {
    format!("{} - {constituency}", kind.default_queue())
}

/// A constituency's name as RTIR stores it: trimmed, inner spaces
/// collapsed.
pub fn normalize(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Creates constituency `name`, or completes it and updates its addresses
/// (those given) when it exists. Needs the rights of an administrator.
pub fn add_constituency(
    tx: &mut Tx<'_>,
    name: &str,
    correspond: Option<&str>,
    comment: Option<&str>,
) -> Result<Constituency> {
    let name = normalize(name);
    if name.is_empty() {
        return Err(Error::invalid("name", "a constituency needs a name"));
    }
    let field = constituency_field(tx)?;
    if !tx.custom_field_options(field.id)?.iter().any(|(value, _)| *value == name) {
        let order = tx.custom_field_options(field.id)?.len() as i64 + 1;
        tx.add_custom_field_option(field.id, &name, order, "")?;
    }
    let duty_team = group(tx, &format!("{DUTY_TEAM} {name}"), "Duty Team Members of constituency")?;
    let read_only = group(tx, &format!("{READ_ONLY} {name}"), "Read-only members of constituency")?;
    let mut queues = Vec::new();
    let mut fields = vec![field.id];
    for kind in Kind::ALL {
        let base = base_queue(tx, kind)?;
        let queue = clone_queue(tx, &base, &queue_name(kind, &name), correspond, comment)?;
        if queue_constituency(tx, queue)?.as_deref() != Some(name.as_str()) {
            tx.add_cf_value(CfObject::Queue(queue), field.id, name.as_str())?;
        }
        for cf in tx.custom_fields_applied_to(base.queue_id())? {
            tx.apply_custom_field(cf.id, Some(queue))?;
            if !fields.contains(&cf.id) {
                fields.push(cf.id);
            }
        }
        grant_queue_rights(tx, kind, queue, duty_team, read_only)?;
        if !tx.queue_watchers(queue, Role::AdminCc)?.contains(&duty_team.into()) {
            tx.add_queue_watcher(queue, Role::AdminCc, duty_team.into())?;
        }
        queues.push((kind, queue));
    }
    for id in fields {
        let object = AclObject::CustomField(id);
        for right in DUTY_TEAM_FIELD_RIGHTS {
            tx.grant(Grantee::Group(duty_team), right, object)?;
        }
        for right in READ_ONLY_FIELD_RIGHTS {
            tx.grant(Grantee::Group(read_only), right, object)?;
        }
    }
    Ok(Constituency { name, queues, duty_team, read_only })
}

/// Renames constituency `old` to `new`: the field's value, the value its
/// queues hold, their names (`Incidents - OLD` → `Incidents - NEW`) and the
/// groups `DutyTeam OLD` and `ReadOnly OLD`. Refused when `old` does not
/// exist or `new` does.
pub fn rename_constituency(tx: &mut Tx<'_>, old: &str, new: &str) -> Result<()> {
    let (old, new) = (normalize(old), normalize(new));
    if new.is_empty() {
        return Err(Error::invalid("rename", "a constituency needs a name"));
    }
    let field = constituency_field(tx)?;
    let values = tx.custom_field_options(field.id)?;
    if !values.iter().any(|(value, _)| *value == old) {
        return Err(Error::not_found("constituency", &old));
    }
    if values.iter().any(|(value, _)| *value == new) {
        return Err(Error::Conflict(format!("constituency {new} already exists")));
    }
    tx.rename_custom_field_option(field.id, &old, &new)?;
    for queue in queues_of(tx, &old)? {
        tx.add_cf_value(CfObject::Queue(queue.queue_id()), field.id, new.as_str())?;
        tx.rename_queue(queue.queue_id(), &queue.name.replacen(&old, &new, 1))?;
    }
    for prefix in [DUTY_TEAM, READ_ONLY] {
        match tx.group_by_name(&format!("{prefix} {old}")) {
            Ok(group) => tx.rename_group(group.group_id(), &format!("{prefix} {new}"))?,
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A queue's constituency, if it has one. Reading it needs `SeeQueue` and
/// `SeeCustomField` on `RTIR Constituency` (the duty teams have it); a
/// queue whose constituency the user may not see has none for them.
pub fn queue_constituency(tx: &mut Tx<'_>, queue: QueueId) -> Result<Option<String>> {
    let object = CfObject::Queue(queue);
    let Some(field) = tx.custom_fields_for(object)?.into_iter().find(|f| f.name.eq_ignore_ascii_case(FIELD)) else {
        return Ok(None);
    };
    match tx.cf_values(object, field.id) {
        Ok(values) => Ok(values.into_iter().next().map(|v| v.content).filter(|v| !v.is_empty())),
        Err(Error::PermissionDenied { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A ticket's constituency: its queue's (RTIR's `ConstituencyFor`).
pub fn constituency_of(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<Option<String>> {
    queue_constituency(tx, ticket.queue)
}

/// The queues whose constituency is `name`.
pub fn queues_of(tx: &mut Tx<'_>, name: &str) -> Result<Vec<Queue>> {
    let mut found = Vec::new();
    for queue in tx.queues()? {
        if queue_constituency(tx, queue.queue_id())?.as_deref() == Some(name) {
            found.push(queue);
        }
    }
    Ok(found)
}

/// The queue of `kind` in `constituency` (`None`: the queues of no
/// constituency) the user may see: the one named `preferred` if it is
/// one, else the oldest.
pub fn constituency_queue(
    tx: &mut Tx<'_>,
    kind: Kind,
    constituency: Option<&str>,
    preferred: &str,
) -> Result<Option<Queue>> {
    let mut found: Option<Queue> = None;
    for queue in tx.queues()? {
        if rtir_kind(&queue) != Some(kind) || queue_constituency(tx, queue.queue_id())?.as_deref() != constituency {
            continue;
        }
        if queue.name.eq_ignore_ascii_case(preferred) {
            return Ok(Some(queue));
        }
        if found.as_ref().is_none_or(|f| queue.id < f.id) {
            found = Some(queue);
        }
    }
    Ok(found)
}

/// The queue field `RTIR Constituency`.
fn constituency_field(tx: &mut Tx<'_>) -> Result<CustomField> {
    tx.visible_custom_fields()?
        .into_iter()
        .find(|f| f.lookup == LookupType::Queue && f.name.eq_ignore_ascii_case(FIELD))
        .ok_or_else(|| Error::not_found("custom field", FIELD))
}

/// The base queue of a kind: the oldest queue with its lifecycle.
fn base_queue(tx: &mut Tx<'_>, kind: Kind) -> Result<Queue> {
    tx.queues()?
        .into_iter()
        .filter(|q| rtir_kind(q) == Some(kind))
        .min_by_key(|q| q.id)
        .ok_or_else(|| Error::not_found("queue", format!("a queue for {}s", kind.label())))
}

/// A user-defined group by name, created if missing.
fn group(tx: &mut Tx<'_>, name: &str, description: &str) -> Result<GroupId> {
    match tx.group_by_name(name) {
        Ok(group) => Ok(group.group_id()),
        Err(Error::NotFound { .. }) => tx.create_group(name, description),
        Err(e) => Err(e),
    }
}

/// Queue `name` made like `base` (created, or its addresses and SLA flag
/// brought up to date), with `base`'s templates and scrips.
fn clone_queue(
    tx: &mut Tx<'_>,
    base: &Queue,
    name: &str,
    correspond: Option<&str>,
    comment: Option<&str>,
) -> Result<QueueId> {
    let queue = match tx.queue_by_name(name) {
        Ok(existing) => {
            let update = QueueUpdate {
                correspond_address: correspond.map(String::from),
                comment_address: comment.map(String::from),
                sla_disabled: Some(base.sla_disabled),
                ..QueueUpdate::default()
            };
            tx.update_queue(existing.queue_id(), &update)?;
            existing.queue_id()
        }
        Err(Error::NotFound { .. }) => tx.create_queue(NewQueue {
            name: name.into(),
            correspond_address: correspond.unwrap_or_default().into(),
            comment_address: comment.unwrap_or_default().into(),
            lifecycle: base.lifecycle.clone(),
            initial_priority: base.initial_priority,
            final_priority: base.final_priority,
            default_due_in: base.default_due_in,
            sla: base.sla.clone(),
            sla_disabled: base.sla_disabled,
            ..NewQueue::default()
        })?,
        Err(e) => return Err(e),
    };
    let have = tx.templates(Some(queue))?;
    for template in tx.templates(Some(base.queue_id()))? {
        if !have.iter().any(|t| t.name.eq_ignore_ascii_case(&template.name)) {
            let copy = NewTemplate {
                queue: Some(queue),
                name: template.name,
                description: template.description,
                content: template.content,
            };
            tx.create_template(&copy)?;
        }
    }
    let applied = tx.queue_scrips(queue)?;
    for (scrip, order) in tx.queue_scrips(base.queue_id())? {
        if !applied.iter().any(|(s, _)| *s == scrip) {
            tx.apply_scrip(scrip, Some(queue), order)?;
        }
    }
    let excluded = tx.excluded_scrips(queue)?;
    for scrip in tx.excluded_scrips(base.queue_id())? {
        if !excluded.contains(&scrip) {
            tx.exclude_scrip(scrip, queue)?;
        }
    }
    Ok(queue)
}

/// RTIR's rights on a constituency's queue of `kind`: the DutyTeam rights
/// to its `DutyTeam`, looking to its `ReadOnly`, and the Owner's and
/// Everyone's as on the base queues.
fn grant_queue_rights(
    tx: &mut Tx<'_>,
    kind: Kind,
    queue: QueueId,
    duty_team: GroupId,
    read_only: GroupId,
) -> Result<()> {
    let object = AclObject::Queue(queue);
    let everyone = tx.system().everyone;
    let grants = [
        (Grantee::Group(duty_team), DUTY_TEAM_QUEUE_RIGHTS),
        (Grantee::Group(read_only), READ_ONLY_QUEUE_RIGHTS),
        (Grantee::Role(Role::Owner), OWNER_QUEUE_RIGHTS),
        (Grantee::Group(everyone), everyone_rights(kind)),
    ];
    for (grantee, rights) in grants {
        for right in rights {
            tx.grant(grantee, right, object)?;
        }
    }
    Ok(())
}
