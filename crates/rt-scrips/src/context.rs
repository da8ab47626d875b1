//! The variables a template sees (documented for administrators in
//! `templates/mail/README.md`): `ticket`, `transaction`, `actor`, `config`
//! and `recipient`, read as `RT_System` when a scrip runs.

use chrono::{DateTime, Utc};
use rt_core::acl::Role;
use rt_core::customfield::CfObject;
use rt_core::search::fulltext::html_text;
use rt_core::{Result, Ticket, Transaction, Tx, UserId};
use serde_json::{Value, json};

/// Dates as RT shows them in mail: `Fri Dec 04 15:12:12 2026`, in `tz`.
fn date(value: Option<DateTime<Utc>>, tz: chrono_tz::Tz) -> String {
    value.map_or_else(|| "Not set".to_string(), |d| d.with_timezone(&tz).format("%a %b %d %H:%M:%S %Y").to_string())
}

fn person(tx: &mut Tx<'_>, id: UserId) -> Result<Value> {
    Ok(user_value(tx.user(id)?))
}

fn user_value(user: rt_core::User) -> Value {
    json!({
        "name": user.name,
        "email": user.email_address.unwrap_or_default(),
        "real_name": user.real_name,
    })
}

fn people(tx: &mut Tx<'_>, ticket: &Ticket, role: Role) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for principal in tx.ticket_role_members(ticket.id, role)? {
        // Groups in a role show as their name, without an address.
        match tx.user(UserId(principal.0)) {
            Ok(user) => out.push(user_value(user)),
            Err(_) => {
                let group = tx.group(rt_core::GroupId(principal.0))?;
                out.push(json!({"name": group.name, "email": "", "real_name": group.name}));
            }
        }
    }
    Ok(out)
}

/// The text and HTML of a transaction's message (left empty unless
/// `content`), its files and its subject.
fn message(
    tx: &mut Tx<'_>,
    attachments: &[rt_core::Attachment],
    content: bool,
) -> Result<(String, String, Vec<Value>, String)> {
    let (mut text, mut html, mut files, mut subject) = (String::new(), String::new(), Vec::new(), String::new());
    for att in attachments {
        if att.parent.is_none()
            && let Some(s) = &att.subject
        {
            subject.clone_from(s);
        }
        if att.filename.is_some() {
            files.push(json!({"filename": att.filename, "content_type": att.content_type, "size": att.size}));
            continue;
        }
        let is_text = att.content_type == "text/plain";
        let is_html = att.content_type == "text/html";
        if content && ((is_text && text.is_empty()) || (is_html && html.is_empty())) {
            let (_, body) = tx.attachment(att.id)?;
            let body = String::from_utf8_lossy(&body).into_owned();
            if is_text { text = body } else { html = ammonia::clean(&body) }
        }
    }
    if text.is_empty() && !html.is_empty() {
        text = html_text(&html);
    }
    if html.is_empty() && !text.is_empty() {
        // Only what HTML text needs escaped: escaping every space too, as
        // an escaper for attribute values does, would double the message.
        html = String::with_capacity(text.len() + 11);
        html.push_str("<pre>");
        rt_core::search::format::escape_html(&mut html, &text, false);
        html.push_str("</pre>");
    }
    Ok((text, html, files, subject))
}

/// What the transaction did, in RT's words (users by name).
pub fn describe(tx: &mut Tx<'_>, txn: &Transaction) -> Result<String> {
    let field = txn.field.as_deref().unwrap_or("");
    let value = |tx: &mut Tx<'_>, v: &Option<String>| -> Result<String> {
        let v = v.clone().unwrap_or_default();
        match v.parse::<i64>() {
            Ok(id) if field == "Owner" => Ok(tx.user(UserId(id))?.name),
            _ => Ok(v),
        }
    };
    let (old, new) = (value(tx, &txn.old_value)?, value(tx, &txn.new_value)?);
    Ok(match txn.kind.as_str() {
        "Create" => "Ticket created".into(),
        "Correspond" => "Correspondence added".into(),
        "Comment" => "Comments added".into(),
        "Status" => format!("Status changed from '{old}' to '{new}'"),
        "Set" if field == "Owner" => format!("Owner changed from {old} to {new}"),
        "Set" => format!("{field} changed from '{old}' to '{new}'"),
        "Take" => "Taken".into(),
        "Untake" => "Untaken".into(),
        "Steal" | "Give" | "Force" | "SetWatcher" if field == "Owner" => format!("Owner changed from {old} to {new}"),
        "AddWatcher" => format!("{field} added"),
        "DelWatcher" => format!("{field} deleted"),
        "AddLink" => format!("Link added: {field}"),
        "DeleteLink" => format!("Link deleted: {field}"),
        other => other.to_string(),
    })
}

/// Which of the costlier parts of the context a template can use: those
/// whose names appear in its text. Anything that reads the context whole
/// (`json_encode`, `__tera_context`) gets everything.
#[derive(Debug, Clone, Copy)]
struct Needs {
    owner: bool,
    requestors: bool,
    cc: bool,
    admin_cc: bool,
    custom_fields: bool,
    content: bool,
    description: bool,
    actor: bool,
}

impl Needs {
    fn of(source: &str) -> Needs {
        let all = source.contains("json_encode") || source.contains("__tera_context");
        let names = |words: &[&str]| all || words.iter().any(|w| source.contains(w));
        Needs {
            owner: names(&["owner"]),
            requestors: names(&["requestor"]),
            cc: names(&["cc"]),
            admin_cc: names(&["admin_cc"]),
            custom_fields: names(&["custom_fields"]),
            content: names(&["content_"]),
            description: names(&["description"]),
            actor: names(&["actor", "creator"]),
        }
    }
}

/// The context for one transaction of one ticket, as a template whose text
/// is `source` uses it: the parts it never names (the people in each role,
/// custom fields, the message body...) are left empty rather than read.
pub fn build(tx: &mut Tx<'_>, s: &crate::conditions::Subject<'_>, source: &str) -> Result<tera::Context> {
    let needs = Needs::of(source);
    let (ticket, txn) = (s.ticket, s.txn);
    let config = tx.config().clone();
    let tz: chrono_tz::Tz = config.timezone.parse().unwrap_or(chrono_tz::UTC);
    let queue = tx.queue(ticket.queue)?;
    let owner = if needs.owner { person(tx, ticket.owner)? } else { json!({}) };
    let requestors = if needs.requestors { people(tx, ticket, Role::Requestor)? } else { Vec::new() };
    let requestor_addresses =
        requestors.iter().filter_map(|p| p["email"].as_str().filter(|e| !e.is_empty())).collect::<Vec<_>>().join(", ");
    let cc = if needs.cc { people(tx, ticket, Role::Cc)? } else { Vec::new() };
    let admin_cc = if needs.admin_cc { people(tx, ticket, Role::AdminCc)? } else { Vec::new() };
    let mut custom_fields = serde_json::Map::new();
    let object = CfObject::Ticket(ticket.id);
    if needs.custom_fields {
        for cf in tx.custom_fields_for(object)? {
            let values: Vec<String> = tx.cf_values(object, cf.id)?.into_iter().map(|v| v.content).collect();
            custom_fields.insert(cf.name.clone(), json!(values));
        }
    }
    let web_url = format!("{}/", config.effective_web_base_url().trim_end_matches('/'));
    let tag_name = if queue.subject_tag.is_empty() { config.rtname.clone() } else { queue.subject_tag.clone() };
    let (content_text, content_html, attachments, subject) = message(tx, s.attachments, needs.content)?;
    let creator = if needs.actor { person(tx, txn.creator)? } else { json!({}) };
    let description = if needs.description { describe(tx, txn)? } else { String::new() };
    let context = json!({
        "ticket": {
            "id": ticket.id.0,
            "subject": ticket.subject,
            "status": ticket.status,
            "type": ticket.kind,
            "priority": ticket.priority,
            "initial_priority": ticket.initial_priority,
            "final_priority": ticket.final_priority,
            "time_estimated": ticket.time_estimated,
            "time_worked": ticket.time_worked,
            "time_left": ticket.time_left,
            "created": date(Some(ticket.created), tz),
            "starts": date(ticket.starts, tz),
            "started": date(ticket.started, tz),
            "due": date(ticket.due, tz),
            "resolved": date(ticket.resolved, tz),
            "told": date(ticket.told, tz),
            "last_updated": date(Some(ticket.last_updated), tz),
            "sla": ticket.sla.clone().unwrap_or_default(),
            "subject_tag": format!("[{tag_name} #{}]", ticket.id),
            "url": format!("{web_url}Ticket/Display.html?id={}", ticket.id),
            "queue": {
                "id": queue.id,
                "name": queue.name,
                "description": queue.description,
                "correspond_address": if queue.correspond_address.is_empty() { config.site_correspond_address() } else { queue.correspond_address.clone() },
                "comment_address": if queue.comment_address.is_empty() { config.site_comment_address() } else { queue.comment_address.clone() },
            },
            "owner": owner,
            "requestors": requestors,
            "cc": cc,
            "admin_cc": admin_cc,
            "requestor_addresses": requestor_addresses,
            "custom_fields": custom_fields,
        },
        "transaction": {
            "id": txn.id.0,
            "type": txn.kind,
            "field": txn.field.clone().unwrap_or_default(),
            "old_value": txn.old_value.clone().unwrap_or_default(),
            "new_value": txn.new_value.clone().unwrap_or_default(),
            "data": txn.data.clone().unwrap_or_default(),
            "subject": subject,
            "description": description,
            "brief_description": description,
            "created": date(Some(txn.created), tz),
            "creator": creator.clone(),
            "content_text": content_text,
            "content_html": content_html,
            "time_taken": txn.time_taken,
            "attachments": attachments,
        },
        "actor": creator,
        "config": { "rtname": config.rtname, "web_url": web_url, "organization": config.organization },
        "recipient": { "timezone": config.timezone },
    });
    tera::Context::from_value(context).map_err(|e| rt_core::Error::invalid("template context", e.to_string()))
}
