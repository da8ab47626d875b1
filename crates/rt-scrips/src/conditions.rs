//! Scrip conditions: RT 5's, by name (any case), and a declarative
//! user-defined one stored with the scrip as JSON.

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
];

/// Whether the condition `name` (with `rule` for `User Defined`) holds.
pub fn holds(tx: &mut Tx<'_>, name: &str, rule: Option<&str>, s: &Subject<'_>) -> Result<bool> {
    let txn = s.txn;
    let kind = txn.kind.as_str();
    let field = txn.field.as_deref().unwrap_or("");
    let status_to = |status: &str| kind == "Status" && txn.new_value.as_deref() == Some(status);
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "on create" => kind == "Create",
        "on create via email" => kind == "Create" && txn.interface == "Email",
        "on create via web" => kind == "Create" && txn.interface == "Web",
        "on transaction" => true,
        "on correspond" => kind == "Correspond",
        "on comment" => kind == "Comment",
        "on forward" => matches!(kind, "Forward Transaction" | "Forward Ticket"),
        "on forward ticket" => kind == "Forward Ticket",
        "on forward transaction" => kind == "Forward Transaction",
        "on status change" => kind == "Status",
        "on priority change" => kind == "Set" && field == "Priority",
        // One notice per change: not the role-group record beside it.
        "on owner change" => field == "Owner" && kind != "SetWatcher",
        "on queue change" => kind == "Set" && field == "Queue",
        "on resolve" => status_to("resolved"),
        "on reject" => status_to("rejected"),
        "on close" | "on reopen" if kind == "Status" => {
            let lifecycle = tx.queue_lifecycle(s.ticket.queue)?;
            let class = |v: &Option<String>| v.as_deref().and_then(|v| lifecycle.class_of(v));
            let (was, is) = (class(&txn.old_value), class(&txn.new_value));
            let inactive = |c: Option<StatusClass>| c == Some(StatusClass::Inactive);
            if name.trim().eq_ignore_ascii_case("on close") {
                !inactive(was) && inactive(is)
            } else {
                inactive(was) && !inactive(is)
            }
        }
        "on close" | "on reopen" => false,
        "on timeworked change" => txn.time_taken != 0 || field == "TimeWorked",
        "require starts set according to sla" => crate::sla::require_starts(s),
        "require due set according to sla" => crate::sla::require_due(s),
        "user defined" => {
            let rule = parse_rule(rule.unwrap_or("{}"))?;
            user_defined(tx, &rule, s)?
        }
        _ => return Err(rt_core::Error::invalid("condition", format!("no condition named {name:?}"))),
    })
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
