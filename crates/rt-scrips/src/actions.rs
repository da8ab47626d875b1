//! Scrip actions: RT 5's, by name (any case), RT's action modules
//! (`EscalatePriority`, `Notify` with its recipients...) with their
//! arguments, and declarative user-defined field changes stored with the
//! scrip as JSON.
//!
//! Notifications follow RT's rules: requestors go in `To`, Ccs in `Cc`,
//! owner and AdminCcs in `Bcc`; the person who made the change is not
//! mailed about it unless `notify_actor` is set (autoreplies do reach
//! them); addresses the message asked to squelch (`RT-Squelch-Replies-To`,
//! set on automatic mail) get nothing; "Other Recipients" are the one-time
//! `RT-Send-Cc` / `RT-Send-Bcc` addresses of the update. The mail is built
//! by rt-mail (RT's headers, threading, the tag) and put in the outbox in
//! the engine's DB transaction.

use std::collections::HashMap;

use regex::Regex;
use rt_core::acl::Role;
use rt_core::lifecycles::StatusClass;
use rt_core::transaction::header_value;
use rt_core::{Error, Result, Ticket, TicketUpdate, Tx, UserId};
use rt_mail::{ComposedMail, MailClass, MailFile, TicketMail};
use serde::Deserialize;

use crate::conditions::Subject;
use crate::context;
use crate::template::{self, Rendered};

/// The action names this crate knows, as RT spells them.
pub const NAMES: &[&str] = &[
    "Autoreply To Requestors",
    "Notify Requestors",
    "Notify Owner",
    "Notify Ccs",
    "Notify AdminCcs",
    "Notify Owner and AdminCcs",
    "Notify Requestors and Ccs",
    "Notify Owner, Requestors, Ccs and AdminCcs",
    "Notify Other Recipients",
    "Notify Requestors as Comment",
    "Notify Owner as Comment",
    "Notify Ccs as Comment",
    "Notify AdminCcs as Comment",
    "Notify Owner and AdminCcs as Comment",
    "Notify Requestors and Ccs as Comment",
    "Notify Owner, Requestors, Ccs and AdminCcs as Comment",
    "Notify Other Recipients as Comment",
    "Notify Owner or AdminCcs",
    "Open Tickets",
    "Open Inactive Tickets",
    "Extract Subject Tag",
    "Set starts date according to SLA",
    "Set due date according to SLA",
    "Webhook",
    "Clear Custom Field Value Template",
    "User Defined",
    // RT's other action modules, for sites' own scrips and rt-crontool
    // (`--action SetPriority --action-arg 50`); the argument is the
    // scrip's action rule.
    "SetPriority",
    "AddPriority",
    "EscalatePriority",
    "SetStatus",
    "SetCustomFieldToNow",
    "RecordComment",
    "RecordCorrespondence",
    "LinearEscalate",
    "OpenOnStarted",
    "UpdateParentTimeWorked",
    "NotifyGroup",
    "NotifyGroupAsComment",
    // RT's action modules that the names above stand for, for rt-crontool
    // (`--action RT::Action::Notify --action-arg Owner`).
    "Notify",
    "NotifyAsComment",
    "Autoreply",
    "NotifyOwnerOrAdminCc",
    "AutoOpen",
    "AutoOpenInactive",
    "ExtractSubjectTag",
    "SLA_SetStarts",
    "SLA_SetDue",
    "ClearCustomFieldValues",
];

/// Whether `name` is an action this crate knows or a program registered.
pub fn is_known(name: &str) -> bool {
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(name.trim())) || crate::registry::action(name).is_some()
}

/// A user-defined action: the ticket fields to set (all optional).
///
/// ```json
/// {"status": "open", "priority": 80, "owner": "alice", "queue": "Network",
///  "subject": "…", "custom_fields": {"Severity": "High"}}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rule {
    /// A new status.
    pub status: Option<String>,
    /// A new priority.
    pub priority: Option<i64>,
    /// A new owner, by user name.
    pub owner: Option<String>,
    /// Another queue, by name.
    pub queue: Option<String>,
    /// A new subject.
    pub subject: Option<String>,
    /// Custom field values to set (one value each), by field name.
    pub custom_fields: std::collections::BTreeMap<String, String>,
}

/// Parses a user-defined action, for saving and for running.
pub fn parse_rule(json: &str) -> Result<Rule> {
    serde_json::from_str(json).map_err(|e| Error::invalid("action", e.to_string()))
}

/// A notification action (`Autoreply To Requestors`, `Notify ...`), read
/// from its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The roles whose members get it.
    pub roles: Vec<Role>,
    /// From the correspond or the comment address.
    pub class: MailClass,
    /// An autoreply: reaches the actor too, never answers automatic mail.
    pub autoreply: bool,
    /// Adds the update's one-time Cc and Bcc (`RT-Send-Cc`, `RT-Send-Bcc`).
    pub other_recipients: bool,
    /// Groups whose members get it in `To` (RT's NotifyGroup), by name or id.
    pub groups: Vec<String>,
}

/// The notification action `name` (with its argument `rule`) stands for,
/// if it is one.
pub fn notification(tx: &mut Tx<'_>, name: &str, rule: Option<&str>, ticket: &Ticket) -> Result<Option<Notification>> {
    let lower = name.trim().to_ascii_lowercase();
    let (base, class) = match lower.strip_suffix(" as comment").or_else(|| lower.strip_suffix("ascomment")) {
        Some(base) => (base.to_string(), MailClass::Comment),
        None => (lower.clone(), MailClass::Correspond),
    };
    if base == "notify" {
        return notify_roles(argument(rule)?, class).map(Some);
    }
    if base == "notifygroup" {
        let groups: Vec<String> =
            argument(rule)?.split(',').map(|g| g.trim().to_string()).filter(|g| !g.is_empty()).collect();
        return Ok(Some(Notification { roles: Vec::new(), class, autoreply: false, other_recipients: false, groups }));
    }
    let roles = match base.as_str() {
        "autoreply to requestors" | "autoreply" | "notify requestors" => vec![Role::Requestor],
        "notify owner" => vec![Role::Owner],
        "notify ccs" => vec![Role::Cc],
        "notify adminccs" => vec![Role::AdminCc],
        "notify owner and adminccs" => vec![Role::Owner, Role::AdminCc],
        "notify requestors and ccs" => vec![Role::Requestor, Role::Cc],
        "notify owner, requestors, ccs and adminccs" => vec![Role::Owner, Role::Requestor, Role::Cc, Role::AdminCc],
        "notify other recipients" => Vec::new(),
        "notify owner or adminccs" | "notifyowneroradmincc" => {
            let nobody = tx.user_by_name("Nobody")?.user_id();
            vec![if ticket.owner == nobody { Role::AdminCc } else { Role::Owner }]
        }
        _ => return Ok(None),
    };
    Ok(Some(Notification {
        roles,
        class,
        autoreply: matches!(base.as_str(), "autoreply to requestors" | "autoreply"),
        other_recipients: base == "notify other recipients",
        groups: Vec::new(),
    }))
}

/// RT's Notify action module: its argument names whom to tell (`Owner`,
/// `Requestor`, `Cc`, `AdminCc`, `All` for those four, `OtherRecipients`),
/// separated by commas.
fn notify_roles(arg: &str, class: MailClass) -> Result<Notification> {
    let mut plan =
        Notification { roles: Vec::new(), class, autoreply: false, other_recipients: false, groups: Vec::new() };
    for item in arg.split(',').map(|i| i.trim().trim_matches(['\'', '"'])).filter(|i| !i.is_empty()) {
        let roles: &[Role] = match item.to_ascii_lowercase().as_str() {
            "owner" => &[Role::Owner],
            "requestor" => &[Role::Requestor],
            "cc" => &[Role::Cc],
            "admincc" => &[Role::AdminCc],
            "all" => &[Role::Owner, Role::Requestor, Role::Cc, Role::AdminCc],
            "otherrecipients" => {
                plan.other_recipients = true;
                &[]
            }
            _ => {
                let known = "Owner, Requestor, Cc, AdminCc, All or OtherRecipients";
                return Err(Error::invalid("action", format!("Notify cannot send to {item:?}: use {known}")));
            }
        };
        for role in roles {
            if !plan.roles.contains(role) {
                plan.roles.push(*role);
            }
        }
    }
    Ok(plan)
}

/// Runs action `name` for one transaction. Returns what it did, in words
/// (for the scrip log), or `None` when there was nothing to do.
pub fn run(
    tx: &mut Tx<'_>,
    name: &str,
    rule: Option<&str>,
    template_name: &str,
    s: &Subject<'_>,
) -> Result<Option<String>> {
    let ticket = s.ticket;
    if let Some(plan) = notification(tx, name, rule, ticket)? {
        let recipients = recipients(tx, s, &plan)?;
        return notify(tx, template_name, s, &plan, recipients);
    }
    match name.trim().to_ascii_lowercase().as_str() {
        "open tickets" | "autoopen" => open(tx, s, true),
        "open inactive tickets" | "autoopeninactive" => open(tx, s, false),
        "extract subject tag" | "extractsubjecttag" => extract_subject_tag(tx, ticket, s.message_subject()),
        "set starts date according to sla" | "sla_setstarts" => crate::sla::set_starts(tx, ticket),
        "set due date according to sla" | "sla_setdue" => crate::sla::set_due(tx, ticket),
        "webhook" => crate::webhook::run(tx, rule, s),
        "clear custom field value template" | "clearcustomfieldvalues" => clear_field(tx, ticket, argument(rule)?),
        "setpriority" => {
            let value = argument(rule)?.parse().map_err(|_| Error::invalid("action", "SetPriority needs a number"))?;
            set_priority(tx, ticket, value)
        }
        "addpriority" => {
            let delta: i64 = match rule.map(str::trim).filter(|r| !r.is_empty()) {
                Some(r) => r.parse().map_err(|_| Error::invalid("action", "AddPriority needs a number"))?,
                None => 1,
            };
            set_priority(tx, ticket, ticket.priority + delta)
        }
        "escalatepriority" => escalate_priority(tx, ticket),
        "linearescalate" => linear_escalate(tx, ticket),
        "openonstarted" => {
            let initial = tx.queue_lifecycle(ticket.queue)?.class_of(&ticket.status) == Some(StatusClass::Initial);
            if ticket.started.is_some() && initial { open(tx, s, false) } else { Ok(None) }
        }
        "updateparenttimeworked" => update_parent_time_worked(tx, s),
        "setstatus" => set_status(tx, ticket, argument(rule)?),
        "setcustomfieldtonow" => {
            let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
            set_field(tx, ticket, argument(rule)?, &now)
        }
        "recordcomment" | "recordcorrespondence" => {
            let comment = name.trim().eq_ignore_ascii_case("recordcomment");
            record_message(tx, template_name, s, comment)
        }
        "user defined" => set_fields(tx, ticket, &parse_rule(rule.unwrap_or("{}"))?),
        _ => Err(Error::invalid("action", format!("no action named {name:?}"))),
    }
}

/// Whether action `name` can do anything for this transaction: a cheap
/// check the engine makes while preparing, so that actions sure to find
/// nothing to do (no SLA level, no other system's tag in the subject, an
/// already active ticket) do not take a turn of the write lock. `true`
/// for any action it knows nothing about.
pub fn may_act(tx: &mut Tx<'_>, name: &str, s: &Subject<'_>) -> Result<bool> {
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "set starts date according to sla" | "sla_setstarts" | "set due date according to sla" | "sla_setdue" => {
            s.ticket.sla.is_some()
        }
        "extract subject tag" | "extractsubjecttag" => {
            s.message_subject().is_some_and(|subject| subject_tag_pattern().is_match(subject))
        }
        "open tickets" | "autoopen" | "open inactive tickets" | "autoopeninactive" => {
            tx.queue_lifecycle(s.ticket.queue)?.class_of(&s.ticket.status) != Some(StatusClass::Active)
        }
        _ => true,
    })
}

/// `[<tag> #<number>]`, the subject tag of any RT.
fn subject_tag_pattern() -> &'static Regex {
    static TAG: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    TAG.get_or_init(|| Regex::new(r"\[[^\]]+? #\d+\]").expect("a valid pattern"))
}

/// An action's argument (its rule, as plain text), required.
fn argument(rule: Option<&str>) -> Result<&str> {
    rule.map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| Error::invalid("action", "this action needs an argument"))
}

fn set_priority(tx: &mut Tx<'_>, ticket: &Ticket, value: i64) -> Result<Option<String>> {
    if value == ticket.priority {
        return Ok(None);
    }
    tx.update_ticket(ticket.id, &TicketUpdate { priority: Some(value), ..TicketUpdate::default() })?;
    Ok(Some(format!("priority set to {value}")))
}

/// RT's SetStatus: the argument is a status, or `initial`, `active` or
/// `inactive` for the first status of that class the lifecycle allows
/// from here. A move the lifecycle does not allow is left undone, as in RT
/// (logged); a status the lifecycle does not know is an error.
fn set_status(tx: &mut Tx<'_>, ticket: &Ticket, arg: &str) -> Result<Option<String>> {
    let lifecycle = tx.queue_lifecycle(ticket.queue)?;
    let class = match arg.to_ascii_lowercase().as_str() {
        "initial" => Some(StatusClass::Initial),
        "active" => Some(StatusClass::Active),
        "inactive" => Some(StatusClass::Inactive),
        _ => None,
    };
    let target = arg.to_ascii_lowercase();
    let next = match class {
        Some(class) => {
            lifecycle.transitions_from(&ticket.status).iter().find(|st| lifecycle.class_of(st) == Some(class))
        }
        None if !lifecycle.is_valid(&target) => {
            return Err(Error::invalid(
                "action",
                format!("SetStatus: {arg:?} is no status of this ticket's lifecycle"),
            ));
        }
        None if target == ticket.status => return Ok(None),
        None => Some(&target).filter(|st| lifecycle.is_transition(&ticket.status, st)),
    };
    let Some(status) = next.cloned() else {
        tracing::info!(ticket = %ticket.id, from = %ticket.status, to = %arg, "SetStatus: the lifecycle allows no such move");
        return Ok(None);
    };
    tx.set_status(ticket.id, &status)?;
    Ok(Some(format!("status set to {status}")))
}

/// RT's EscalatePriority: moves the priority toward the final priority.
/// Without a Due date, by one; with one, by the gap divided by the whole
/// days left; less than a day before Due or past it, to the final
/// priority. Its `RecordTransaction: 0` and `UpdateLastUpdated: 0`
/// arguments are not followed: every change here is recorded.
fn escalate_priority(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<Option<String>> {
    let gap = ticket.final_priority - ticket.priority;
    if gap == 0 {
        return Ok(None);
    }
    let value = match ticket.due {
        None => ticket.priority + gap.signum(),
        Some(due) => match (due - tx.now()).num_days() {
            days if days > 0 => ticket.priority + gap / days,
            _ => ticket.final_priority,
        },
    };
    set_priority(tx, ticket, value)
}

/// RT's LinearEscalate: with a Due date, the priority follows a straight
/// line from the initial priority at Starts (or Created) to the final one
/// at Due, never past the final priority nor back from it. As with
/// EscalatePriority, the change is always recorded.
fn linear_escalate(tx: &mut Tx<'_>, ticket: &Ticket) -> Result<Option<String>> {
    let Some(due) = ticket.due else { return Ok(None) };
    let (initial, last) = (ticket.initial_priority, ticket.final_priority);
    let span = last - initial;
    if span == 0 || (span > 0 && ticket.priority >= last) || (span < 0 && ticket.priority <= last) {
        return Ok(None);
    }
    let starts = ticket.starts.unwrap_or(ticket.created);
    let now = tx.now();
    if starts > now {
        return Ok(None);
    }
    let total = (due - starts).num_seconds().max(1);
    let elapsed = (now - starts).num_seconds();
    let value = initial + span * elapsed / total;
    let value = if span > 0 { value.min(last) } else { value.max(last) };
    set_priority(tx, ticket, value)
}

/// RT's UpdateParentTimeWorked: time worked on this transaction is added
/// to every ticket this one is a member of.
fn update_parent_time_worked(tx: &mut Tx<'_>, s: &Subject<'_>) -> Result<Option<String>> {
    let minutes = s.txn.time_taken;
    if minutes == 0 {
        return Ok(None);
    }
    let parents: Vec<rt_core::TicketId> = tx
        .links(s.ticket.id)?
        .into_iter()
        .filter(|l| l.kind == "MemberOf" && l.local_base == Some(s.ticket.id))
        .filter_map(|l| l.local_target)
        .collect();
    for parent in &parents {
        let worked = tx.ticket(*parent)?.time_worked;
        tx.update_ticket(*parent, &TicketUpdate { time_worked: Some(worked + minutes), ..TicketUpdate::default() })?;
    }
    Ok((!parents.is_empty()).then(|| format!("{minutes} minutes added to {} parent(s)", parents.len())))
}

fn field_named(tx: &mut Tx<'_>, ticket: &Ticket, name: &str) -> Result<rt_core::CustomFieldId> {
    let object = rt_core::customfield::CfObject::Ticket(ticket.id);
    tx.custom_fields_for(object)?
        .into_iter()
        .find(|f| f.name.eq_ignore_ascii_case(name) || f.id.to_string() == name)
        .map(|f| f.id)
        .ok_or_else(|| Error::not_found("custom field", name))
}

/// RT's ClearCustomFieldValues: the field (by name or id) loses its values.
fn clear_field(tx: &mut Tx<'_>, ticket: &Ticket, name: &str) -> Result<Option<String>> {
    let field = field_named(tx, ticket, name)?;
    let object = rt_core::customfield::CfObject::Ticket(ticket.id);
    if tx.cf_values(object, field)?.is_empty() {
        return Ok(None);
    }
    tx.set_cf_values(object, field, &[])?;
    Ok(Some(format!("{name} cleared")))
}

fn set_field(tx: &mut Tx<'_>, ticket: &Ticket, name: &str, value: &str) -> Result<Option<String>> {
    let field = field_named(tx, ticket, name)?;
    tx.set_cf_values(rt_core::customfield::CfObject::Ticket(ticket.id), field, &[value])?;
    Ok(Some(format!("{name} = {value}")))
}

/// The scrip's template (the queue's own, else the global one) rendered
/// for this transaction; `None` when it renders to nothing.
fn render_for(tx: &mut Tx<'_>, template_name: &str, s: &Subject<'_>) -> Result<Option<Rendered>> {
    if template_name.trim().is_empty() {
        return Err(Error::invalid("template", "this action needs a template"));
    }
    let Some(template) = tx.template_for(s.ticket.queue, template_name)? else {
        return Err(Error::not_found("template", template_name));
    };
    let vars = context::build(tx, s, &template.content)?;
    template::render(&template.name, &template.content, &vars).map_err(|e| Error::invalid("template", e.to_string()))
}

/// RT's RecordComment / RecordCorrespondence: the rendered template is
/// added to the ticket as a comment or a reply (by RT_System); a reply
/// then notifies as any reply does.
fn record_message(tx: &mut Tx<'_>, template_name: &str, s: &Subject<'_>, comment: bool) -> Result<Option<String>> {
    let Some(rendered) = render_for(tx, template_name, s)? else { return Ok(None) };
    let text = if rendered.html { html_to_text(&rendered.body) } else { rendered.body.clone() };
    let mut entity = rt_core::MimeEntity::text(&text);
    entity.subject = rendered.header("Subject").map(str::to_string);
    let message = rt_core::Message { entity: Some(entity), ..rt_core::Message::default() };
    if comment {
        tx.comment(s.ticket.id, message)?;
    } else {
        tx.correspond(s.ticket.id, message)?;
    }
    Ok(Some(if comment { "comment recorded" } else { "reply recorded" }.into()))
}

/// The addresses of an address-list header value, if any.
fn addresses(value: Option<String>) -> Vec<String> {
    let Some(value) = value else { return Vec::new() };
    rt_mail::mailboxes(&value).into_iter().map(|(address, _)| address).filter(|a| a.contains('@')).collect()
}

/// Who a notification reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addresses {
    /// `To` addresses.
    pub to: Vec<String>,
    /// `Cc` addresses.
    pub cc: Vec<String>,
    /// `Bcc` addresses (only in the envelope).
    pub bcc: Vec<String>,
}

impl Addresses {
    /// Whether nobody is left to tell.
    pub fn is_empty(&self) -> bool {
        self.to.is_empty() && self.cc.is_empty() && self.bcc.is_empty()
    }
}

/// The addresses in each role of a ticket ([`Tx::all_role_addresses`]).
pub type RoleAddresses = HashMap<Role, Vec<String>>;

/// Who a notification reaches, RT's rules applied (see the module doc);
/// empty when nobody is left. It only reads.
pub fn recipients(tx: &mut Tx<'_>, s: &Subject<'_>, plan: &Notification) -> Result<Addresses> {
    let roles = if plan.roles.is_empty() { RoleAddresses::new() } else { tx.all_role_addresses(s.ticket.id)? };
    recipients_among(tx, s, plan, &roles)
}

/// [`recipients`], the ticket's role members read already (`roles`).
pub fn recipients_among(
    tx: &mut Tx<'_>,
    s: &Subject<'_>,
    plan: &Notification,
    roles: &RoleAddresses,
) -> Result<Addresses> {
    let headers = s.headers();
    let (mut to, mut cc, mut bcc) = (Vec::new(), Vec::new(), Vec::new());
    // Automatic mail (bounces, vacation replies) is never answered.
    if plan.autoreply && header_value(headers, "RT-DetectedAutoGenerated").is_some() {
        return Ok(Addresses::default());
    }
    // RT's order and placement: requestors in To, Ccs in Cc, the owner in
    // To when nobody else is (else in Bcc), AdminCcs in Bcc.
    for role in [Role::Requestor, Role::Cc, Role::Owner, Role::AdminCc] {
        if !plan.roles.contains(&role) {
            continue;
        }
        let found = roles.get(&role).cloned().unwrap_or_default();
        match role {
            Role::Requestor => to.extend(found),
            Role::Cc => cc.extend(found),
            Role::Owner if to.is_empty() => to.extend(found),
            Role::Owner | Role::AdminCc => bcc.extend(found),
        }
    }
    for group in &plan.groups {
        let id = match group.parse::<i64>() {
            Ok(id) => rt_core::GroupId(id),
            Err(_) => tx.group_by_name(group)?.group_id(),
        };
        to.extend(tx.group_addresses(id)?);
    }
    if plan.other_recipients {
        cc.extend(addresses(header_value(headers, "RT-Send-Cc")));
        bcc.extend(addresses(header_value(headers, "RT-Send-Bcc")));
    }
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Ok(Addresses::default());
    }
    let mut squelched = addresses(header_value(headers, "RT-Squelch-Replies-To"));
    if !plan.autoreply && !tx.config().notify_actor {
        let actor = tx.user(s.txn.creator)?;
        squelched.extend(actor.email_address);
    }
    for list in [&mut to, &mut cc, &mut bcc] {
        list.retain(|a| !squelched.iter().any(|s| s.eq_ignore_ascii_case(a)));
    }
    Ok(Addresses { to, cc, bcc })
}

/// Sends a notification to the `recipients` worked out for it (nothing
/// when they are none).
pub fn notify(
    tx: &mut Tx<'_>,
    template_name: &str,
    s: &Subject<'_>,
    plan: &Notification,
    recipients: Addresses,
) -> Result<Option<String>> {
    match compose(tx, template_name, s, plan, recipients)? {
        Some((mail, summary)) => rt_mail::record_ticket_mail(tx, mail).map(|_| Some(summary)),
        None => Ok(None),
    }
}

/// A notification's message, rendered and built but not yet recorded,
/// with what it is in words (for the scrip log); `None` when there is
/// nobody to send it to or the template renders to nothing. It only reads.
pub fn compose(
    tx: &mut Tx<'_>,
    template_name: &str,
    s: &Subject<'_>,
    plan: &Notification,
    recipients: Addresses,
) -> Result<Option<(ComposedMail, String)>> {
    if recipients.is_empty() {
        return Ok(None);
    }
    let Some(rendered) = render_for(tx, template_name, s)? else { return Ok(None) };
    let mut mail = ticket_mail(&rendered, s, plan.class, recipients, plan.autoreply);
    if rendered.header("RT-Attach-Message").is_some_and(|v| v.trim().eq_ignore_ascii_case("yes")) {
        mail.files = message_files(tx, s)?;
    }
    let Some(composed) = rt_mail::compose_ticket_mail(tx, &mail)? else { return Ok(None) };
    let kind = if plan.class == MailClass::Comment { "comment mail" } else { "mail" };
    let summary = format!("{kind} to {}", composed.recipients().join(", "));
    Ok(Some((composed, summary)))
}

fn ticket_mail(
    rendered: &Rendered,
    s: &Subject<'_>,
    class: MailClass,
    Addresses { to, cc, bcc }: Addresses,
    autoreply: bool,
) -> TicketMail {
    let subject = rendered
        .header("Subject")
        .filter(|s| !s.trim().is_empty())
        .or_else(|| s.message_subject())
        .unwrap_or(&s.ticket.subject)
        .to_string();
    let (text, html) = if rendered.html {
        (html_to_text(&rendered.body), Some(rendered.body.clone()))
    } else {
        (rendered.body.clone(), None)
    };
    // Template headers that are not RT's own instructions go out as they are.
    let reserved = ["subject", "content-type", "to", "cc", "bcc", "from", "reply-to", "rt-attach-message"];
    let mut headers: Vec<(String, String)> = rendered
        .headers
        .iter()
        .filter(|(n, _)| !reserved.contains(&n.to_ascii_lowercase().as_str()))
        .cloned()
        .collect();
    if autoreply {
        headers.push(("Auto-Submitted".into(), "auto-replied".into()));
    }
    TicketMail {
        class,
        to,
        cc,
        bcc,
        html,
        in_reply_to: Some(s.txn.id),
        headers,
        ..TicketMail::new(s.ticket.id, &subject.replace(['\r', '\n'], " "), &text)
    }
}

/// The files of the transaction's message (its parts with a file name),
/// which a template with `RT-Attach-Message: yes` sends along, as RT does.
fn message_files(tx: &mut Tx<'_>, s: &Subject<'_>) -> Result<Vec<MailFile>> {
    let mut files = Vec::new();
    for part in s.attachments {
        let Some(filename) = part.filename.as_deref().filter(|f| !f.is_empty()) else { continue };
        if part.content_type.starts_with("multipart/") {
            continue;
        }
        let (_, body) = tx.attachment(part.id)?;
        files.push(MailFile { filename: filename.to_string(), content_type: part.content_type.clone(), body });
    }
    Ok(files)
}

/// The plain-text alternative of an HTML body: block ends become line
/// breaks, tags go, entities are decoded, blank runs are squeezed.
fn html_to_text(html: &str) -> String {
    let text = rt_core::search::fulltext::html_lines(html);
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            blank += 1;
            if blank > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank = 0;
        }
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
        out.push('\n');
    }
    out
}

/// RT's AutoOpen (`Open Tickets`): a ticket that is not active becomes so;
/// with `inactive_only` (`Open Inactive Tickets`), only a closed one does.
/// RT's AutoOpen and AutoOpenInactive: a ticket that is not in an active
/// status (new, or resolved...) moves to the first active status its
/// lifecycle allows from there, unless the message carries
/// `RT-Control: no-autoopen`. With `requestors_keep_new` (AutoOpen), a
/// requestor's own message leaves a ticket in its initial status.
fn open(tx: &mut Tx<'_>, s: &Subject<'_>, requestors_keep_new: bool) -> Result<Option<String>> {
    let ticket = s.ticket;
    let class = tx.queue_lifecycle(ticket.queue)?.class_of(&ticket.status);
    if class == Some(StatusClass::Active)
        || header_value(s.headers(), "RT-Control").is_some_and(|v| v.to_ascii_lowercase().contains("no-autoopen"))
    {
        return Ok(None);
    }
    if requestors_keep_new && class == Some(StatusClass::Initial) {
        let actor = rt_core::PrincipalId::from(s.txn.creator);
        if tx.ticket_role_members(ticket.id, Role::Requestor)?.contains(&actor) {
            return Ok(None);
        }
    }
    let lifecycle = tx.queue_lifecycle(ticket.queue)?;
    let target = lifecycle
        .statuses()
        .find(|st| lifecycle.class_of(st) == Some(StatusClass::Active) && lifecycle.is_transition(&ticket.status, st))
        .map(str::to_string);
    match target {
        Some(status) => {
            tx.set_status(ticket.id, &status)?;
            Ok(Some(format!("status set to {status}")))
        }
        None => Ok(None),
    }
}

/// RT's ExtractSubjectTag: tags of other systems (`[other #12]`) in the
/// message's subject are added to the ticket's, so both sides keep
/// threading; our own tags are left out.
fn extract_subject_tag(tx: &mut Tx<'_>, ticket: &Ticket, subject: Option<&str>) -> Result<Option<String>> {
    let Some(subject) = subject else {
        return Ok(None);
    };
    let tag = subject_tag_pattern();
    let mut own: Vec<String> = tx.subject_tags()?;
    own.push(tx.config().rtname.clone());
    let is_own = |t: &str| {
        let name = t.trim_start_matches('[').rsplit_once(" #").map_or("", |(n, _)| n);
        own.iter().any(|o| o.eq_ignore_ascii_case(name))
    };
    let mut new_subject = ticket.subject.clone();
    let mut added = Vec::new();
    for found in tag.find_iter(subject).map(|m| m.as_str()) {
        if !is_own(found) && !new_subject.contains(found) {
            new_subject = format!("{new_subject} {found}");
            added.push(found.to_string());
        }
    }
    if added.is_empty() {
        return Ok(None);
    }
    tx.update_ticket(ticket.id, &TicketUpdate { subject: Some(new_subject), ..TicketUpdate::default() })?;
    Ok(Some(format!("subject tags added: {}", added.join(" "))))
}

/// A user-defined action: sets the fields its rule names.
fn set_fields(tx: &mut Tx<'_>, ticket: &Ticket, rule: &Rule) -> Result<Option<String>> {
    let mut done = Vec::new();
    if let Some(status) = &rule.status {
        tx.set_status(ticket.id, status)?;
        done.push(format!("status {status}"));
    }
    let update = TicketUpdate { priority: rule.priority, subject: rule.subject.clone(), ..TicketUpdate::default() };
    if update != TicketUpdate::default() {
        tx.update_ticket(ticket.id, &update)?;
        done.push("fields".into());
    }
    if let Some(owner) = &rule.owner {
        let user: UserId = tx.user_by_name(owner)?.user_id();
        tx.set_owner(ticket.id, user, rt_core::OwnerChange::Force)?;
        done.push(format!("owner {owner}"));
    }
    if let Some(queue) = &rule.queue {
        let q = tx.resolve_queue(queue)?;
        tx.set_queue(ticket.id, q)?;
        done.push(format!("queue {queue}"));
    }
    let object = rt_core::customfield::CfObject::Ticket(ticket.id);
    for (name, value) in &rule.custom_fields {
        let Some(field) = tx.custom_fields_for(object)?.into_iter().find(|f| f.name.eq_ignore_ascii_case(name)) else {
            return Err(Error::not_found("custom field", name));
        };
        tx.set_cf_values(object, field.id, &[value.as_str()])?;
        done.push(format!("{name} = {value}"));
    }
    Ok((!done.is_empty()).then(|| format!("set {}", done.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn html_bodies_become_text_line_by_line() {
        let html = "<p>Hello&nbsp;there,</p>\n\n<P class=x>Your ticket <b>#5</b></P><br/>\n\
                    <div>  a   b </div><h2>Title</h2><hr><ul><li>one</li><li>two &amp; three</li></ul>\
                    <!-- <br> --><style>p { }</style><h7>not a break</h7><brx>end";
        assert_eq!(
            html_to_text(html),
            "Hello there,\n\nYour ticket #5\n\na b\nTitle\n\none\ntwo & three\nnot a break end\n"
        );
        assert_eq!(html_to_text("<br><br>\n<p></p>text"), "text\n");
        assert_eq!(html_to_text(""), "");
    }
}
