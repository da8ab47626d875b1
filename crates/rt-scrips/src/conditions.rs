//! Scrip conditions: RT 5's, by name (any case), RT's condition modules
//! (`Overdue`, `StatusChange`...) with their arguments, and a declarative
//! user-defined one stored with the scrip as JSON.
//!
//! `UntouchedInHours` (the ticket was last updated at least the argument's
//! hours ago) is not in RT 5 itself but in the extensions sites run with
//! rt-crontool; it is here so that stale tickets can be found without
//! writing TicketSQL dates.

use rt_core::lifecycles::StatusClass;
use rt_core::{Result, Ticket, Transaction, Tx};
use serde::Deserialize;

/// What a condition or action looks at.
pub struct Subject<'a> {
    /// The ticket, as it is now.
    pub ticket: &'a Ticket,
    /// The transaction whose scrips run.
    pub txn: &'a Transaction,
    /// The transaction's message (its MIME entities, top first), read once
    /// per event.
    pub attachments: &'a [rt_core::Attachment],
}

impl Subject<'_> {
    /// The header block of the transaction's message, if it has one.
    pub fn headers(&self) -> &str {
        self.attachments.iter().find(|a| a.parent.is_none()).map_or("", |a| a.headers.as_str())
    }

    /// The subject of the transaction's message, if any.
    pub fn message_subject(&self) -> Option<&str> {
        self.attachments.iter().find_map(|a| a.subject.as_deref().filter(|s| !s.is_empty()))
    }
}

/// A user-defined condition: every field given must match (all optional).
///
/// ```json
/// {"transaction_types": ["Status"], "field": "Status", "old_value": "open",
///  "new_value": "resolved", "queue": "General",
///  "custom_field": {"name": "Severity", "value": "High"}}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rule {
    /// Transaction types (`Create`, `Correspond`, `Status`, `Set`...).
    pub transaction_types: Vec<String>,
    /// The changed field (`Status`, `Owner`, `Priority`, `Queue`...).
    pub field: Option<String>,
    /// The value before.
    pub old_value: Option<String>,
    /// The value after.
    pub new_value: Option<String>,
    /// The ticket's queue, by name.
    pub queue: Option<String>,
    /// A value the ticket's custom field has (now).
    pub custom_field: Option<CfMatch>,
}

/// A custom field value to look for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CfMatch {
    /// The field's name.
    pub name: String,
    /// The value (any case).
    pub value: String,
}

/// Parses a user-defined condition, for saving and for running.
pub fn parse_rule(json: &str) -> Result<Rule> {
    serde_json::from_str(json).map_err(|e| rt_core::Error::invalid("condition", e.to_string()))
}

/// The condition names this crate knows, as RT spells them.
pub const NAMES: &[&str] = &[
    "On Create",
    "On Create Via Email",
    "On Create Via Web",
    "On Transaction",
    "On Correspond",
    "On Comment",
    "On Forward",
    "On Forward Ticket",
    "On Forward Transaction",
    "On Status Change",
    "On Priority Change",
    "On Owner Change",
    "On Queue Change",
    "On Resolve",
    "On Reject",
    "On Close",
    "On Reopen",
    "On TimeWorked Change",
    "Require Starts set according to SLA",
    "Require Due set according to SLA",
    "User Defined",
    // RT's condition modules (`lib/RT/Condition`), for rt-crontool
    // (`--condition RT::Condition::Overdue`) and sites' own scrips; the
    // argument is the scrip's condition rule.
    "AnyTransaction",
    "StatusChange",
    "CloseTicket",
    "ReopenTicket",
    "OwnerChange",
    "PriorityChange",
    "QueueChange",
    "TimeWorkedChange",
    "ViaInterface",
    "SLA_RequireStartsSet",
    "SLA_RequireDueSet",
    "Overdue",
    "BeforeDue",
    "PriorityExceeds",
    "UntouchedInHours",
];

/// Whether `name` is a condition this crate knows or a program registered.
pub fn is_known(name: &str) -> bool {
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(name.trim())) || crate::registry::condition(name).is_some()
}

/// Whether the condition `name` holds; `rule` is its argument (the JSON
/// rule of `User Defined`, the hours of `UntouchedInHours`...).
pub fn holds(tx: &mut Tx<'_>, name: &str, rule: Option<&str>, s: &Subject<'_>) -> Result<bool> {
    let txn = s.txn;
    let kind = txn.kind.as_str();
    let field = txn.field.as_deref().unwrap_or("");
    let status_to = |status: &str| kind == "Status" && txn.new_value.as_deref() == Some(status);
    let lower = name.trim().to_ascii_lowercase();
    Ok(match lower.as_str() {
        "on create" => kind == "Create",
        "on create via email" => kind == "Create" && txn.interface == "Email",
        "on create via web" => kind == "Create" && txn.interface == "Web",
        "on transaction" | "anytransaction" => true,
        "on correspond" => kind == "Correspond",
        "on comment" => kind == "Comment",
        "on forward" => matches!(kind, "Forward Transaction" | "Forward Ticket"),
        "on forward ticket" => kind == "Forward Ticket",
        "on forward transaction" => kind == "Forward Transaction",
        "on status change" => kind == "Status",
        "on priority change" | "prioritychange" => kind == "Set" && field == "Priority",
        // One notice per change: not the role-group record beside it.
        "on owner change" | "ownerchange" => field == "Owner" && kind != "SetWatcher",
        "on queue change" | "queuechange" => kind == "Set" && field == "Queue",
        "statuschange" => status_change(tx, rule, s)?,
        "on resolve" => status_to("resolved"),
        "on reject" => status_to("rejected"),
        "on close" | "closeticket" | "on reopen" | "reopenticket" if kind == "Status" => {
            let lifecycle = tx.queue_lifecycle(s.ticket.queue)?;
            let class = |v: &Option<String>| v.as_deref().and_then(|v| lifecycle.class_of(v));
            let (was, is) = (class(&txn.old_value), class(&txn.new_value));
            let inactive = |c: Option<StatusClass>| c == Some(StatusClass::Inactive);
            if matches!(lower.as_str(), "on close" | "closeticket") {
                !inactive(was) && inactive(is)
            } else {
                inactive(was) && !inactive(is)
            }
        }
        "on close" | "closeticket" | "on reopen" | "reopenticket" => false,
        "on timeworked change" | "timeworkedchange" => txn.time_taken != 0 || field == "TimeWorked",
        "viainterface" => rule.unwrap_or("").split(',').any(|i| i.trim().eq_ignore_ascii_case(&txn.interface)),
        "require starts set according to sla" | "sla_requirestartsset" => crate::sla::require_starts(s),
        "require due set according to sla" | "sla_requiredueset" => crate::sla::require_due(s),
        "overdue" => s.ticket.due.is_some_and(|due| due < tx.now()),
        "beforedue" => {
            let within = chrono::TimeDelta::seconds(duration_secs(argument(rule)?));
            s.ticket.due.is_some_and(|due| (chrono::TimeDelta::zero()..=within).contains(&(due - tx.now())))
        }
        "priorityexceeds" => s.ticket.priority > number::<i64>(rule, "a priority")?,
        "untouchedinhours" => {
            let hours = number::<f64>(rule, "a number of hours")?;
            (tx.now() - s.ticket.last_updated).num_seconds() as f64 >= hours * 3600.0
        }
        "user defined" => {
            let rule = parse_rule(rule.unwrap_or("{}"))?;
            user_defined(tx, &rule, s)?
        }
        _ => return Err(rt_core::Error::invalid("condition", format!("no condition named {name:?}"))),
    })
}

/// A condition's argument, required.
fn argument(rule: Option<&str>) -> Result<&str> {
    rule.map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| rt_core::Error::invalid("condition", "this condition needs an argument"))
}

/// A condition's argument read as a number (`what` names it in the error).
fn number<T: std::str::FromStr>(rule: Option<&str>, what: &str) -> Result<T> {
    let arg = argument(rule)?;
    arg.parse().map_err(|_| rt_core::Error::invalid("condition", format!("{arg:?} is not {what}")))
}

/// RT's BeforeDue span, `1d2h3m4s` (any part left out, any case), in
/// seconds.
fn duration_secs(span: &str) -> i64 {
    let (mut total, mut digits) = (0i64, String::new());
    for c in span.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => 0,
        };
        total += digits.parse::<i64>().unwrap_or(0) * unit;
        digits.clear();
    }
    total
}

/// RT's StatusChange: any change of status; with an argument, a change to
/// that status (`resolved`) or one matching `old: open, stalled; new:
/// resolved` (either part may be left out; `initial`, `active` and
/// `inactive` stand for the lifecycle's statuses of that class).
fn status_change(tx: &mut Tx<'_>, rule: Option<&str>, s: &Subject<'_>) -> Result<bool> {
    let txn = s.txn;
    if !(txn.kind == "Status" || (txn.kind == "Set" && txn.field.as_deref() == Some("Status"))) {
        return Ok(false);
    }
    let Some(arg) = rule.map(str::trim).filter(|a| !a.is_empty()) else { return Ok(true) };
    let (old, new) = (txn.old_value.as_deref().unwrap_or(""), txn.new_value.as_deref().unwrap_or(""));
    if arg.eq_ignore_ascii_case(new) {
        return Ok(true);
    }
    let lifecycle = tx.queue_lifecycle(s.ticket.queue)?;
    let is_one_of = |list: &str, status: &str| {
        let mut wanted = list.split(',').map(str::trim).filter(|w| !w.is_empty()).peekable();
        wanted.peek().is_none()
            || wanted.any(|w| match w.to_ascii_lowercase().as_str() {
                "initial" => lifecycle.class_of(status) == Some(StatusClass::Initial),
                "active" => lifecycle.class_of(status) == Some(StatusClass::Active),
                "inactive" => lifecycle.class_of(status) == Some(StatusClass::Inactive),
                _ => w.eq_ignore_ascii_case(status),
            })
    };
    for part in arg.split(';') {
        let holds = match part.split_once(':') {
            Some((key, list)) if key.trim().eq_ignore_ascii_case("old") => is_one_of(list, old),
            Some((key, list)) if key.trim().eq_ignore_ascii_case("new") => is_one_of(list, new),
            // A bare status other than the new one.
            _ => false,
        };
        if !holds {
            return Ok(false);
        }
    }
    Ok(true)
}

fn user_defined(tx: &mut Tx<'_>, rule: &Rule, s: &Subject<'_>) -> Result<bool> {
    let txn = s.txn;
    let same = |want: &Option<String>, have: &Option<String>| {
        want.as_ref().is_none_or(|w| have.as_deref().is_some_and(|h| h.eq_ignore_ascii_case(w)))
    };
    if !rule.transaction_types.is_empty() && !rule.transaction_types.iter().any(|t| t.eq_ignore_ascii_case(&txn.kind)) {
        return Ok(false);
    }
    if !same(&rule.field, &txn.field)
        || !same(&rule.old_value, &txn.old_value)
        || !same(&rule.new_value, &txn.new_value)
    {
        return Ok(false);
    }
    if let Some(queue) = &rule.queue
        && !tx.queue(s.ticket.queue)?.name.eq_ignore_ascii_case(queue)
    {
        return Ok(false);
    }
    if let Some(cf) = &rule.custom_field {
        let object = rt_core::customfield::CfObject::Ticket(s.ticket.id);
        let Some(field) = tx.custom_fields_for(object)?.into_iter().find(|f| f.name.eq_ignore_ascii_case(&cf.name))
        else {
            return Ok(false);
        };
        if !tx.cf_values(object, field.id)?.iter().any(|v| v.content.eq_ignore_ascii_case(&cf.value)) {
            return Ok(false);
        }
    }
    Ok(true)
}
