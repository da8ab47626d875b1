//! A ticket's history as the display and history pages show it, and the
//! two pages of a single message: `/Ticket/Attachment/WithHeaders/<id>`
//! (a part with its headers, as text) and
//! `/Ticket/ShowEmailRecord.html?id=N&Transaction=T&Attachment=A` (an
//! outgoing mail RT recorded).
//!
//! Each transaction shows its description, its message (mail bodies as
//! text, HTML mail through `ticket::sanitize`) under brief
//! headers (From, To, Cc, Date, Subject), or all of them for the message
//! named by `ShowHeaders=<attachment>`; its files with "download" and
//! "with headers" links; and RT's Reply, Comment and Forward links
//! (`/Ticket/Update.html?id=N&QuoteTransaction=T&Action=Respond|Comment`,
//! `/Ticket/Forward.html?id=N&QuoteTransaction=T`) as the user's rights
//! allow. Records of outgoing mail (`EmailRecord`, `CommentEmailRecord`)
//! come from rt-core only for users with `ShowOutgoingEmail`, and show
//! just a "Show" link to their own page.

use std::collections::HashSet;

use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{AttachmentId, Rt, TicketId, TransactionId, Tx, rights};
use serde::Serialize;

use super::ticket::{path_segment, sanitize, ticket_id};
use super::{Answer, Audience, Viewer, context, page, run};

/// The headers shown when a message's full headers are not asked for.
const BRIEF_HEADERS: [&str; 5] = ["From", "To", "Cc", "Date", "Subject"];

/// A message body of a transaction.
#[derive(Debug, Serialize)]
struct Body {
    /// Sanitized HTML rather than text.
    html: bool,
    content: String,
}

/// A downloadable attachment.
#[derive(Debug, Serialize)]
struct File {
    name: String,
    url: String,
    with_headers: String,
    content_type: String,
    size: i64,
}

/// One transaction of the history.
#[derive(Debug, Serialize)]
pub(crate) struct HistoryItem {
    id: i64,
    date: String,
    kind: String,
    description: String,
    bodies: Vec<Body>,
    files: Vec<File>,
    /// The message's headers shown: brief ones, or all.
    headers: Vec<(String, String)>,
    /// Whether `headers` are all of them.
    full_headers: bool,
    /// The link that switches between brief and full headers.
    headers_toggle: Option<String>,
    /// Reply, Comment, Forward, or the "Show" of an outgoing mail record.
    actions: Vec<(String, String)>,
}

/// What the user may do with a message, asked once per page.
struct MessageRights {
    reply: bool,
    comment: bool,
    forward: bool,
}

/// The ticket's visible history with each message's content and files;
/// `show_headers` is the attachment whose full headers are wanted.
pub(crate) fn history_items(
    tx: &mut Tx<'_>,
    viewer: &Viewer,
    t: &rt_core::Ticket,
    page_path: &str,
    show_headers: Option<i64>,
) -> rt_core::Result<Vec<HistoryItem>> {
    let object = t.acl_object();
    let modify = tx.has_right(rights::MODIFY_TICKET, object)?;
    let may = MessageRights {
        reply: modify || tx.has_right(rights::REPLY_TO_TICKET, object)?,
        comment: modify || tx.has_right(rights::COMMENT_ON_TICKET, object)?,
        forward: tx.has_right("ForwardMessage", object)?,
    };
    let txns = tx.history_with_attachments(t.id)?;
    // Every message body shown, read at once.
    let bodies: Vec<AttachmentId> = txns
        .iter()
        .filter(|(txn, _)| !txn.kind.ends_with("EmailRecord"))
        .flat_map(|(_, attachments)| attachments.iter().filter(|a| is_body(a)).map(|a| a.id))
        .collect();
    let mut contents = tx.attachment_contents(&bodies)?;
    let mut items = Vec::with_capacity(txns.len());
    for (txn, attachments) in &txns {
        let description = crate::rest1::history::description(tx, txn)?;
        let creator = tx.user(txn.creator).map(|u| u.name).unwrap_or_default();
        let mut item = HistoryItem {
            id: txn.id.0,
            date: viewer.date(txn.created),
            kind: txn.kind.clone(),
            description: if description.contains(&creator) || creator.is_empty() {
                description
            } else {
                format!("{description} ({creator})")
            },
            bodies: Vec::new(),
            files: Vec::new(),
            headers: Vec::new(),
            full_headers: false,
            headers_toggle: None,
            actions: Vec::new(),
        };
        if txn.kind.ends_with("EmailRecord") {
            if let Some(first) = attachments.first() {
                let url = format!(
                    "/Ticket/ShowEmailRecord.html?id={}&Transaction={}&Attachment={}",
                    t.id.0, txn.id.0, first.id.0
                );
                item.actions.push(("Show".into(), url));
            }
            items.push(item);
            continue;
        }
        if let Some(top) = attachments.iter().find(|a| a.parent.is_none()) {
            let full = show_headers == Some(top.id.0);
            item.headers = parse_headers(&top.headers)
                .into_iter()
                .filter(|(name, _)| full || BRIEF_HEADERS.iter().any(|b| b.eq_ignore_ascii_case(name)))
                .collect();
            item.full_headers = full;
            let toggle = if full {
                format!("{page_path}?id={}#txn-{}", t.id.0, txn.id.0)
            } else {
                format!("{page_path}?id={}&ShowHeaders={}#txn-{}", t.id.0, top.id.0, txn.id.0)
            };
            item.headers_toggle = (!top.headers.trim().is_empty()).then_some(toggle);
            let quote = format!("id={}&QuoteTransaction={}", t.id.0, txn.id.0);
            if may.reply {
                item.actions.push(("Reply".into(), format!("/Ticket/Update.html?{quote}&Action=Respond")));
            }
            if may.comment {
                item.actions.push(("Comment".into(), format!("/Ticket/Update.html?{quote}&Action=Comment")));
            }
            if may.forward {
                item.actions.push(("Forward".into(), format!("/Ticket/Forward.html?{quote}")));
            }
        }
        // In multipart/alternative, the HTML part stands for its siblings.
        let html_parents: HashSet<_> =
            attachments.iter().filter(|a| is_body(a) && a.content_type == "text/html").map(|a| a.parent).collect();
        let mut content = |id| String::from_utf8_lossy(&contents.remove(&id).unwrap_or_default()).into_owned();
        for a in attachments {
            if is_body(a) && a.content_type == "text/html" {
                item.bodies.push(Body { html: true, content: sanitize(&content(a.id)) });
            } else if is_body(a) && a.content_type == "text/plain" && !html_parents.contains(&a.parent) {
                item.bodies.push(Body { html: false, content: content(a.id) });
            } else if let Some(name) = a.filename.as_deref().filter(|n| !n.is_empty()) {
                item.files.push(File {
                    name: name.to_string(),
                    url: format!("/Ticket/Attachment/{}/{}/{}", txn.id.0, a.id.0, path_segment(name)),
                    with_headers: format!("/Ticket/Attachment/WithHeaders/{}", a.id.0),
                    content_type: a.content_type.clone(),
                    size: a.size,
                });
            }
        }
        items.push(item);
    }
    Ok(items)
}

/// A part that is a message body rather than a file.
fn is_body(a: &rt_core::Attachment) -> bool {
    a.filename.as_deref().is_none_or(str::is_empty) && a.content_type.starts_with("text/")
}

/// A stored header block as (name, value) pairs, continuation lines
/// joined.
fn parse_headers(block: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    out
}

/// `GET /Ticket/Attachment/WithHeaders/<id>`: one part, its headers then
/// its content, as plain text (never a page of this site).
pub(crate) async fn with_headers(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> HttpResponse {
    let aid = path.into_inner();
    run(&req, rt, Audience::Privileged, move |viewer| {
        let aid = aid.parse::<i64>().map(AttachmentId).map_err(|_| rt_core::Error::not_found("attachment", &aid))?;
        let (meta, content) = viewer.session.read(|tx| tx.attachment(aid))?;
        let mut body = meta.headers.trim_end().as_bytes().to_vec();
        body.extend_from_slice(b"\n\n");
        body.extend_from_slice(&content);
        let disposition = format!("inline; filename=\"attachment-{}.txt\"", aid.0);
        Ok(Answer::File { content_type: "text/plain; charset=utf-8".into(), disposition, body })
    })
    .await
}

/// A part of a recorded outgoing mail.
#[derive(Debug, Serialize)]
struct RecordPart {
    headers: String,
    content: Option<String>,
    download: Option<String>,
}

/// `GET /Ticket/ShowEmailRecord.html?id=N&Transaction=T&Attachment=A`:
/// an outgoing mail as it was recorded, headers and text; needs what the
/// history needs for it (`ShowOutgoingEmail`).
pub(crate) async fn email_record(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let (id, txn, attachment) =
        (super::param(&req, "id"), super::param(&req, "Transaction"), super::param(&req, "Attachment"));
    run(&req, rt, Audience::Privileged, move |viewer| {
        let id: TicketId = ticket_id(id.as_deref())?;
        let not_found = || rt_core::Error::not_found("transaction", txn.clone().unwrap_or_default());
        let txn = txn.as_deref().and_then(|t| t.trim().parse::<i64>().ok()).map(TransactionId).ok_or_else(not_found)?;
        let wanted = attachment.as_deref().and_then(|a| a.trim().parse::<i64>().ok());
        let mut ctx = context(&site, Some(viewer), "");
        viewer.session.read(|tx| {
            let t = tx.ticket(id)?;
            let record = tx.ticket_transaction(txn)?;
            let ours = tx.resolve_ticket_id(TicketId(record.object_id)).ok() == Some(t.id);
            if !record.kind.ends_with("EmailRecord") || !ours {
                return Err(not_found());
            }
            let attachments = tx.transaction_attachments(txn)?;
            if wanted.is_some_and(|w| !attachments.iter().any(|a| a.id.0 == w)) {
                return Err(rt_core::Error::not_found("attachment", wanted.unwrap_or_default()));
            }
            let mut parts = Vec::new();
            for a in &attachments {
                let textual = a.content_type.starts_with("text/") || a.content_type.starts_with("message/");
                let content =
                    if textual { Some(String::from_utf8_lossy(&tx.attachment(a.id)?.1).into_owned()) } else { None };
                let download = (!textual && !a.content_type.starts_with("multipart/")).then(|| {
                    let name = a.filename.clone().unwrap_or_else(|| format!("attachment-{}", a.id.0));
                    format!("/Ticket/Attachment/{}/{}/{}", txn.0, a.id.0, path_segment(&name))
                });
                parts.push(RecordPart { headers: a.headers.trim_end().to_string(), content, download });
            }
            ctx.insert("title", &format!("Email record of ticket #{}", t.id.0));
            ctx.insert("id", &t.id.0);
            ctx.insert("parts", &parts);
            Ok(())
        })?;
        page("email_record.html", &ctx)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_blocks_are_split_and_folded() {
        let parsed = parse_headers("From: a@example.com\nSubject: one\n two\nX-Empty:\n");
        assert_eq!(
            parsed,
            vec![
                ("From".to_string(), "a@example.com".to_string()),
                ("Subject".to_string(), "one two".to_string()),
                ("X-Empty".to_string(), String::new()),
            ]
        );
    }
}
