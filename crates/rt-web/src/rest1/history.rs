//! A ticket's history and attachments over REST 1.0.
//!
//! The short history lists `<txn id>: <description>` lines; the long one
//! (`format=l`) and `history/id/<n>` print each transaction as a form headed
//! `# 1/<n> (id/<txn id>/total)`, as RT 5 does (its counter never moves
//! past 1). Descriptions are RT's brief descriptions, by the name of the
//! user who acted.

use rt_core::{AttachmentId, Error, Session, TicketId, Transaction, TransactionId, Tx, UserId};

use super::form::{Form, join};
use super::ticket::{does_not_exist, local, not_allowed, ticket_id};
use super::{Reply, comment_payload, form_payload, internal};

/// `ticket/<id>/history`, short or `format=l`.
pub fn history(session: &Session, id: &str, format: Option<&str>) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let long = format.is_some_and(|f| f.trim().eq_ignore_ascii_case("l"));
    let result = session.read(|tx| {
        let txns = tx.history(number)?;
        let total = txns.len();
        if long {
            let mut forms = Vec::with_capacity(total);
            for txn in &txns {
                forms.push(transaction_form(tx, txn, total)?.render());
            }
            return Ok(format!("{}\n", join(&forms)));
        }
        let mut text = Form::new().comment(format!("{total}/{total} (/total)")).render();
        for txn in &txns {
            text.push_str(&format!("{}: {}\n", txn.id, description(tx, txn)?));
        }
        text.push('\n');
        Ok(text)
    });
    match result {
        Ok(payload) => Reply::ok(payload),
        Err(Error::NotFound { .. }) => does_not_exist(id),
        Err(Error::PermissionDenied { .. }) => Reply::ok(comment_payload("0/0 (/total)")),
        Err(e) => internal(&e),
    }
}

/// `ticket/<id>/history/id/<txn id>`.
pub fn history_item(session: &Session, id: &str, txn: &str) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let Ok(txn_id) = txn.trim().parse::<i64>() else {
        return Reply::ok(comment_payload(&format!("Transaction {txn} does not exist.")));
    };
    let result = session.read(|tx| {
        let total = tx.history(number)?.len();
        let txn = tx.ticket_transaction(TransactionId(txn_id))?;
        if tx.resolve_ticket_id(TicketId(txn.object_id))? != tx.resolve_ticket_id(number)? {
            return Err(Error::not_found("transaction", txn_id));
        }
        Ok(format!("{}\n", transaction_form(tx, &txn, total)?.render()))
    });
    match result {
        Ok(payload) => Reply::ok(payload),
        Err(Error::NotFound { kind: "ticket", .. }) => does_not_exist(id),
        Err(Error::NotFound { .. }) => {
            Reply::ok(comment_payload(&format!("Transaction {txn_id} does not exist for ticket {number}.")))
        }
        Err(Error::PermissionDenied { .. }) => Reply::ok(comment_payload("0/0 (/total)")),
        Err(e) => internal(&e),
    }
}

/// One transaction as RT's history forms print it.
fn transaction_form(tx: &mut Tx<'_>, txn: &Transaction, total: usize) -> rt_core::Result<Form> {
    let attachments = tx.transaction_attachments(txn.id)?;
    let mut content = None;
    let mut listing = Vec::new();
    for a in &attachments {
        let name = a.filename.clone().filter(|f| !f.is_empty()).unwrap_or_else(|| "untitled".into());
        listing.push(format!("{}: {name} ({}b)", a.id, a.size));
        let is_body = a.filename.as_deref().is_none_or(str::is_empty) && a.content_type.starts_with("text/plain");
        if content.is_none() && is_body {
            content = Some(String::from_utf8_lossy(&tx.attachment(a.id)?.1).into_owned());
        }
    }
    let creator = tx.user(txn.creator)?.name;
    let mut form = Form::new()
        .comment(format!("1/{total} (id/{}/total)", txn.id))
        .text("id", txn.id.to_string())
        .text("Ticket", txn.object_id.to_string())
        .text("TimeTaken", txn.time_taken.to_string())
        .text("Type", txn.kind.clone())
        .text("Field", txn.field.clone().unwrap_or_default())
        .text("OldValue", txn.old_value.clone().unwrap_or_default())
        .text("NewValue", txn.new_value.clone().unwrap_or_default())
        .text("Data", txn.data.clone().unwrap_or_default())
        .text("Description", description(tx, txn)?)
        .text("Content", content.unwrap_or_else(|| "This transaction appears to have no content".into()))
        .text("Creator", creator)
        .text("Created", local(tx, txn.created).format("%Y-%m-%d %H:%M:%S").to_string());
    let listing = if listing.is_empty() { String::new() } else { format!("\n{}", listing.join("\n")) };
    form = form.text("Attachments", listing);
    Ok(form)
}

/// RT's label for a priority: Low below 50, Medium below 100, else High.
fn priority_label(value: &str) -> &'static str {
    match value.trim().parse::<i64>() {
        Ok(n) if n < 50 => "Low",
        Ok(n) if n < 100 => "Medium",
        Ok(_) => "High",
        Err(_) => "Low",
    }
}

/// A user named by a stored id, for descriptions.
fn user_name(tx: &mut Tx<'_>, value: Option<&str>) -> rt_core::Result<String> {
    match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => match tx.user(UserId(id)) {
            Ok(u) => Ok(u.name),
            Err(Error::NotFound { .. }) => Ok(id.to_string()),
            Err(e) => Err(e),
        },
        None => Ok(value.unwrap_or_default().to_string()),
    }
}

/// A user as RT's `Format` writes one: the name, and the real name in
/// parentheses when there is one.
fn user_with_real_name(tx: &mut Tx<'_>, value: Option<&str>) -> rt_core::Result<String> {
    match value.and_then(|v| v.parse::<i64>().ok()) {
        Some(id) => match tx.user(UserId(id)) {
            Ok(u) if !u.real_name.is_empty() && u.real_name != u.name => Ok(format!("{} ({})", u.name, u.real_name)),
            Ok(u) => Ok(u.name),
            Err(Error::NotFound { .. }) => Ok(id.to_string()),
            Err(e) => Err(e),
        },
        None => Ok(value.unwrap_or_default().to_string()),
    }
}

/// A principal as RT shows it in watcher descriptions: `<address>`, or
/// the name.
fn principal(tx: &mut Tx<'_>, value: Option<&str>) -> rt_core::Result<String> {
    let Some(id) = value.and_then(|v| v.parse::<i64>().ok()) else {
        return Ok(value.unwrap_or_default().to_string());
    };
    match tx.user(UserId(id)) {
        Ok(u) => Ok(match u.email_address.filter(|e| !e.is_empty()) {
            Some(e) if u.real_name.is_empty() => format!("<{e}>"),
            Some(e) => format!("{} <{e}>", u.real_name),
            None => u.name,
        }),
        Err(Error::NotFound { .. }) => match tx.group(rt_core::GroupId(id)) {
            Ok(g) => Ok(format!("group {}", g.name)),
            Err(_) => Ok(id.to_string()),
        },
        Err(e) => Err(e),
    }
}

/// A link's other end as RT describes it: `#<id>: <subject>` for a local
/// ticket, else the URI.
fn link_target(tx: &mut Tx<'_>, uri: &str) -> String {
    let prefix = tx.ticket_uri(TicketId(0));
    let prefix = prefix.trim_end_matches('0');
    if let Some(n) = uri.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok()) {
        return match tx.ticket(TicketId(n)) {
            Ok(t) => format!("#{n}: {}", t.subject),
            Err(_) => format!("#{n}"),
        };
    }
    uri.to_string()
}

/// RT's brief description of a transaction, with `by <user>`.
pub fn description(tx: &mut Tx<'_>, txn: &Transaction) -> rt_core::Result<String> {
    let field = txn.field.clone().unwrap_or_default();
    let (old, new) = (txn.old_value.as_deref(), txn.new_value.as_deref());
    let text = match txn.kind.as_str() {
        "Create" => "Ticket created".to_string(),
        "Comment" => "Comments added".into(),
        "Correspond" => "Correspondence added".into(),
        "EmailRecord" => "Outgoing email recorded".into(),
        "CommentEmailRecord" => "Outgoing email about a comment recorded".into(),
        "Status" => format!("Status changed from '{}' to '{}'", old.unwrap_or(""), new.unwrap_or("")),
        "Set" if field.ends_with("Priority") => {
            format!(
                "{field} changed from '{}' to '{}'",
                priority_label(old.unwrap_or("")),
                priority_label(new.unwrap_or(""))
            )
        }
        "Set" | "Take" | "Untake" | "Steal" | "Give" | "Force" if field == "Owner" => {
            let (from, to) = (user_name(tx, old)?, user_name(tx, new)?);
            match txn.kind.as_str() {
                "Take" => "Taken".into(),
                "Untake" => "Untaken".into(),
                "Steal" => format!("Stolen from {from}"),
                "Give" => format!("Given to {to}"),
                "Force" => format!("Owner forcibly changed from {from} to {to}"),
                _ if to == tx.current_user().name && from == "Nobody" => "Taken".into(),
                _ => format!("Owner changed from {from} to {to}"),
            }
        }
        // RT formats the user: `root (Enoch Root)`.
        "SetWatcher" if field == "Owner" => format!("Owner set to {}", user_with_real_name(tx, new)?),
        "Set" if field == "Queue" => {
            let name = |tx: &mut Tx<'_>, v: Option<&str>| {
                v.and_then(|v| v.parse::<i64>().ok())
                    .and_then(|q| tx.queue(rt_core::QueueId(q)).ok().map(|q| q.name))
                    .unwrap_or_else(|| v.unwrap_or_default().to_string())
            };
            format!("Queue changed from {} to {}", name(tx, old), name(tx, new))
        }
        "Set" => format!("{field} changed from '{}' to '{}'", old.unwrap_or(""), new.unwrap_or("")),
        "Told" => "User notified".into(),
        "AddWatcher" => format!("{field} {} added", principal(tx, new)?),
        "DelWatcher" => format!("{field} {} deleted", principal(tx, old)?),
        "CustomField" => {
            let name = field
                .parse::<i64>()
                .ok()
                .and_then(|id| tx.custom_field(rt_core::CustomFieldId(id)).ok())
                .map(|cf| cf.name)
                .unwrap_or_else(|| field.clone());
            match (old.filter(|o| !o.is_empty()), new.filter(|n| !n.is_empty())) {
                (Some(o), Some(n)) => format!("{name} {o} changed to {n}"),
                (None, Some(n)) => format!("{n} added as a value for {name}"),
                (Some(o), None) => format!("{o} is no longer a value for custom field {name}"),
                (None, None) => format!("{name} changed"),
            }
        }
        "AddLink" | "DeleteLink" => {
            let added = txn.kind == "AddLink";
            let target = link_target(tx, if added { new.unwrap_or("") } else { old.unwrap_or("") });
            let what = match field.as_str() {
                "DependsOn" => format!("Dependency on {target}"),
                "DependedOnBy" => format!("Dependency by {target}"),
                "MemberOf" => format!("Membership in {target}"),
                "HasMember" | "Members" => format!("Member {target}"),
                "RefersTo" => format!("Reference to {target}"),
                "ReferredToBy" => format!("Reference by {target}"),
                "MergedInto" => {
                    return Ok(format!("Merged into {target} by {}", user_name(tx, Some(&txn.creator.to_string()))?));
                }
                other => format!("Link {other} {target}"),
            };
            format!("{what} {}", if added { "added" } else { "deleted" })
        }
        other => other.to_string(),
    };
    Ok(format!("{text} by {}", user_name(tx, Some(&txn.creator.to_string()))?))
}

/// `ticket/<id>/attachments`: every attachment of the visible history.
pub fn attachments(session: &Session, id: &str) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let result = session.read(|tx| {
        let list: Vec<String> = tx
            .ticket_attachments(number)?
            .into_iter()
            .map(|a| {
                let name = a.filename.filter(|f| !f.is_empty()).unwrap_or_else(|| "(Unnamed)".into());
                format!("{}: {name} ({} / {}b)", a.id, a.content_type, a.size)
            })
            .collect();
        Ok(Form::new().text("id", format!("ticket/{number}/attachments")).list("Attachments", list))
    });
    match result {
        Ok(form) => Reply::ok(form_payload(&form)),
        Err(Error::NotFound { .. }) => does_not_exist(id),
        Err(Error::PermissionDenied { .. }) => not_allowed(number),
        Err(e) => internal(&e),
    }
}

/// An attachment of the ticket, with its content.
fn load(tx: &mut Tx<'_>, number: TicketId, aid: i64) -> rt_core::Result<(rt_core::Attachment, Vec<u8>, Transaction)> {
    let (meta, content) = tx.attachment(AttachmentId(aid))?;
    let txn = tx.ticket_transaction(meta.transaction)?;
    if tx.resolve_ticket_id(TicketId(txn.object_id))? != tx.resolve_ticket_id(number)? {
        return Err(Error::not_found("attachment", aid));
    }
    Ok((meta, content, txn))
}

fn no_attachment(aid: &str) -> Reply {
    Reply::ok(comment_payload(&format!("Invalid attachment id: {aid}")))
}

/// `ticket/<id>/attachments/<aid>`.
pub fn attachment(session: &Session, id: &str, aid: &str) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let Ok(n) = aid.trim().parse::<i64>() else { return no_attachment(aid) };
    let result = session.read(|tx| {
        let (a, content, txn) = load(tx, number, n)?;
        let created = local(tx, a.created).format("%Y-%m-%d %H:%M:%S").to_string();
        Ok(Form::new()
            .text("id", a.id.to_string())
            .text("Subject", a.subject.unwrap_or_default())
            .text("Creator", txn.creator.to_string())
            .text("Created", created)
            .text("Transaction", a.transaction.to_string())
            .text("Parent", a.parent.map_or(0, |p| p.0).to_string())
            .text("MessageId", a.message_id.unwrap_or_default())
            .text("Filename", a.filename.unwrap_or_default())
            .text("ContentType", a.content_type)
            .text("ContentEncoding", a.content_encoding)
            .text("Headers", a.headers.trim_end().to_string())
            .text("Content", String::from_utf8_lossy(&content).into_owned()))
    });
    match result {
        Ok(form) => Reply::ok(form_payload(&form)),
        Err(Error::NotFound { kind: "ticket", .. }) => does_not_exist(id),
        Err(Error::NotFound { .. }) => no_attachment(aid),
        Err(Error::PermissionDenied { .. }) => not_allowed(number),
        Err(e) => internal(&e),
    }
}

/// `ticket/<id>/attachments/<aid>/content`: the stored bytes.
pub fn attachment_content(session: &Session, id: &str, aid: &str) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let Ok(n) = aid.trim().parse::<i64>() else { return no_attachment(aid) };
    match session.read(|tx| load(tx, number, n)) {
        Ok((_, content, _)) => Reply::ok(content),
        Err(Error::NotFound { kind: "ticket", .. }) => does_not_exist(id),
        Err(Error::NotFound { .. }) => no_attachment(aid),
        Err(Error::PermissionDenied { .. }) => not_allowed(number),
        Err(e) => internal(&e),
    }
}
