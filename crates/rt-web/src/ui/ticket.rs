//! A ticket's pages: `/Ticket/Display.html?id=N` (the basics, custom
//! fields, people, dates, links and history), `/Ticket/History.html?id=N`
//! (the history alone), the Take action (a POST to the display page) and
//! attachment downloads at `/Ticket/Attachment/<txn>/<id>/<name>`.
//!
//! Everything is read as the user, so a user without `ShowTicket` gets
//! rt-core's refusal, shown as a 403 page, on each of them. Mail bodies
//! are shown as text, or, for HTML mail, through `sanitize` (ammonia):
//! no scripts, event handlers, styles, `javascript:` or relative URLs, and
//! no images (a remote image would tell the sender the mail was read).
//! Downloads are sent with a Content-Type from a short list of types a
//! browser shows safely (anything else is `application/octet-stream`), as
//! an attachment unless they are plain text or a raster image, and in a
//! CSP sandbox.

use std::collections::HashSet;
use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{AttachmentId, CfObject, LinkEnd, Role, Rt, TicketId, TransactionId, Tx};
use serde::{Deserialize, Serialize};

use super::{Answer, Audience, PageError, Viewer, context, page, run, run_post};

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
    content_type: String,
    size: i64,
}

/// One transaction of the history.
#[derive(Debug, Serialize)]
struct HistoryItem {
    id: i64,
    date: String,
    kind: String,
    description: String,
    bodies: Vec<Body>,
    files: Vec<File>,
}

/// A labelled value of a box.
#[derive(Debug, Serialize)]
struct Field {
    label: String,
    values: Vec<String>,
}

/// A link to another ticket or a URI.
#[derive(Debug, Serialize)]
struct LinkItem {
    label: &'static str,
    ticket: Option<i64>,
    text: String,
}

/// `GET /Ticket/Display.html?id=N`.
pub(crate) async fn display(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    show(req, rt, false).await
}

/// `GET /Ticket/History.html?id=N`.
pub(crate) async fn history(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    show(req, rt, true).await
}

async fn show(req: HttpRequest, rt: web::Data<Rt>, history_only: bool) -> HttpResponse {
    let site = rt.clone().into_inner();
    let (id, results) = (super::param(&req, "id"), super::param(&req, "results"));
    run(&req, rt, Audience::Privileged, move |viewer| {
        let id = ticket_id(id.as_deref())?;
        let mut ctx = context(&site, Some(viewer), "");
        viewer.session.read(|tx| {
            let t = tx.ticket(id)?;
            ctx.insert("title", &format!("#{}: {}", t.id.0, t.subject));
            ctx.insert("id", &t.id.0);
            ctx.insert("history_only", &history_only);
            ctx.insert("history", &history_items(tx, viewer, t.id)?);
            if history_only {
                return Ok(());
            }
            let queue = super::queue_name(tx, t.queue)?;
            let owner = tx.user(t.owner)?.name;
            let time = |minutes: i64| format!("{minutes} min");
            let basics = vec![
                field("Id", t.id.0.to_string()),
                field("Status", t.status.clone()),
                field("SLA", t.sla.clone().unwrap_or_else(|| "Not set".into())),
                field("Priority", t.priority.to_string()),
                field("Queue", queue),
                field("Time estimated", time(t.time_estimated)),
                field("Time worked", time(t.time_worked)),
                field("Time left", time(t.time_left)),
            ];
            let mut custom_fields = Vec::new();
            for cf in tx.custom_fields_for(CfObject::Ticket(t.id))? {
                match tx.cf_values(CfObject::Ticket(t.id), cf.id) {
                    Ok(values) => custom_fields
                        .push(Field { label: cf.name, values: values.into_iter().map(|v| v.content).collect() }),
                    Err(rt_core::Error::PermissionDenied { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            let mut people = vec![field("Owner", owner)];
            for (label, role) in [("Requestors", Role::Requestor), ("Cc", Role::Cc), ("AdminCc", Role::AdminCc)] {
                people.push(Field { label: label.into(), values: tx.role_addresses(t.id, role)? });
            }
            let updated_by = tx.user(t.last_updated_by)?.name;
            let dates = vec![
                field("Created", viewer.date(t.created)),
                field("Starts", viewer.maybe_date(t.starts)),
                field("Started", viewer.maybe_date(t.started)),
                field("Last Contact", viewer.maybe_date(t.told)),
                field("Due", viewer.maybe_date(t.due)),
                field("Closed", viewer.maybe_date(t.resolved)),
                field("Updated", format!("{} by {updated_by}", viewer.date(t.last_updated))),
            ];
            ctx.insert("owner_is_nobody", &(t.owner == tx.system().nobody));
            ctx.insert("basics", &basics);
            ctx.insert("custom_fields", &custom_fields);
            ctx.insert("people", &people);
            ctx.insert("dates", &dates);
            ctx.insert("links", &links(tx, t.id)?);
            ctx.insert("lock", &super::update::lock_note(tx, viewer, t.id)?);
            ctx.insert("results", &super::update::results(tx, viewer, t.id, results.as_deref())?);
            ctx.insert("tz", &viewer.tz.name());
            Ok(())
        })?;
        page("ticket.html", &ctx)
    })
    .await
}

/// The Take form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    id: String,
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "CSRF")]
    csrf: Option<String>,
}

/// `POST /Ticket/Display.html` with `Action=Take`: the user takes the
/// ticket, then sees it.
pub(crate) async fn action(req: HttpRequest, rt: web::Data<Rt>, form: web::Form<ActionForm>) -> HttpResponse {
    let ActionForm { id, action, csrf } = form.into_inner();
    run_post(&req, rt, csrf, move |viewer| {
        let id = ticket_id(Some(&id))?;
        match action.as_str() {
            "Take" => viewer.session.write(|tx| tx.take(id))?,
            other => return Err(rt_core::Error::invalid("Action", format!("unknown action {other:?}")).into()),
        };
        Ok(Answer::Redirect(format!("/Ticket/Display.html?id={}", id.0)))
    })
    .await
}

/// `GET /Ticket/Attachment/<txn>/<id>/<name>`: the attachment's bytes.
pub(crate) async fn attachment(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (txn, aid, _) = path.into_inner();
    run(&req, rt, Audience::Privileged, move |viewer| {
        let not_found = || rt_core::Error::not_found("attachment", &aid);
        let txn = txn.parse::<i64>().map(TransactionId).map_err(|_| not_found())?;
        let aid = aid.parse::<i64>().map(AttachmentId).map_err(|_| not_found())?;
        let (meta, body) = viewer.session.read(|tx| tx.attachment(aid))?;
        if meta.transaction != txn {
            return Err(not_found().into());
        }
        let (content_type, inline) = download_type(&meta.content_type);
        let name = meta.filename.filter(|n| !n.is_empty()).unwrap_or_else(|| format!("attachment-{}", aid.0));
        Ok(Answer::File { content_type, disposition: disposition(&name, inline), body })
    })
    .await
}

fn field(label: &str, value: String) -> Field {
    Field { label: label.into(), values: vec![value] }
}

/// The `id` parameter as a ticket id.
fn ticket_id(id: Option<&str>) -> Result<TicketId, PageError> {
    let text = id.unwrap_or("").trim();
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(TicketId)
        .ok_or_else(|| rt_core::Error::not_found("ticket", text).into())
}

/// The ticket's links, as seen from it.
fn links(tx: &mut Tx<'_>, id: TicketId) -> rt_core::Result<Vec<LinkItem>> {
    let mut items = Vec::new();
    for link in tx.links(id)? {
        let Some((kind, end)) = link.seen_from(id) else { continue };
        let label = match kind.as_str() {
            "DependsOn" => "Depends on",
            "DependedOnBy" => "Depended on by",
            "MemberOf" => "Parents",
            "HasMember" => "Children",
            "RefersTo" => "Refers to",
            "ReferredToBy" => "Referred to by",
            "MergedInto" => "Merged into",
            _ => "Linked to",
        };
        items.push(match end {
            LinkEnd::Ticket(other) => {
                let text = match tx.ticket(other) {
                    Ok(t) => format!("#{}: {}", other.0, t.subject),
                    Err(rt_core::Error::PermissionDenied { .. } | rt_core::Error::NotFound { .. }) => {
                        format!("#{}", other.0)
                    }
                    Err(e) => return Err(e),
                };
                LinkItem { label, ticket: Some(other.0), text }
            }
            LinkEnd::Uri(uri) => LinkItem { label, ticket: None, text: uri },
        });
    }
    Ok(items)
}

/// The ticket's visible history with each message's content and files.
fn history_items(tx: &mut Tx<'_>, viewer: &Viewer, id: TicketId) -> rt_core::Result<Vec<HistoryItem>> {
    let txns = tx.history(id)?;
    let mut items = Vec::with_capacity(txns.len());
    for txn in &txns {
        let description = crate::rest1::history::description(tx, txn)?;
        let attachments = tx.transaction_attachments(txn.id)?;
        // In multipart/alternative, the HTML part stands for its siblings.
        let html_parents: HashSet<_> =
            attachments.iter().filter(|a| is_body(a) && a.content_type == "text/html").map(|a| a.parent).collect();
        let mut bodies = Vec::new();
        let mut files = Vec::new();
        for a in &attachments {
            if is_body(a) && a.content_type == "text/html" {
                let content = String::from_utf8_lossy(&tx.attachment(a.id)?.1).into_owned();
                bodies.push(Body { html: true, content: sanitize(&content) });
            } else if is_body(a) && a.content_type == "text/plain" && !html_parents.contains(&a.parent) {
                let content = String::from_utf8_lossy(&tx.attachment(a.id)?.1).into_owned();
                bodies.push(Body { html: false, content });
            } else if let Some(name) = a.filename.as_deref().filter(|n| !n.is_empty()) {
                files.push(File {
                    name: name.to_string(),
                    url: format!("/Ticket/Attachment/{}/{}/{}", txn.id.0, a.id.0, path_segment(name)),
                    content_type: a.content_type.clone(),
                    size: a.size,
                });
            }
        }
        items.push(HistoryItem {
            id: txn.id.0,
            date: viewer.date(txn.created),
            kind: txn.kind.clone(),
            description,
            bodies,
            files,
        });
    }
    Ok(items)
}

/// A part that is a message body rather than a file.
fn is_body(a: &rt_core::Attachment) -> bool {
    a.filename.as_deref().is_none_or(str::is_empty) && a.content_type.starts_with("text/")
}

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(["img"])
        .url_relative(ammonia::UrlRelative::Deny)
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
    builder
});

/// HTML mail made inert: see the module documentation.
pub(crate) fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The Content-Type a download is sent with, and whether the browser may
/// show it inline.
fn download_type(stored: &str) -> (String, bool) {
    let essence = stored.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        "text/plain" => ("text/plain; charset=utf-8".into(), true),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" => (essence, true),
        "application/pdf" | "application/zip" | "application/json" | "text/csv" => (essence, false),
        _ => ("application/octet-stream".into(), false),
    }
}

/// `Content-Disposition` with the file name, ASCII-safe and in RFC 5987
/// form.
fn disposition(name: &str, inline: bool) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", path_segment(name))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_html_is_inert() {
        let html = sanitize(
            "<p onclick=\"x()\" style=\"background:expression(alert(1))\">Hi <script>alert(1)</script>\
             <a href=\"javascript:alert(1)\">a</a> <img src=\"http://tracker.example/p.gif\">\
             <a href=\"https://example.org/\">ok</a></p>",
        );
        for bad in ["<script", "onclick", "expression", "javascript:", "<img", "style="] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("href=\"https://example.org/\""), "{html}");
    }

    #[test]
    fn downloads_get_safe_types_and_names() {
        assert_eq!(download_type("text/html"), ("application/octet-stream".into(), false));
        assert_eq!(download_type("image/svg+xml"), ("application/octet-stream".into(), false));
        assert_eq!(download_type("text/plain; charset=latin1"), ("text/plain; charset=utf-8".into(), true));
        assert_eq!(
            disposition("r\u{e9}sum\u{e9} \"x\".pdf", false),
            "attachment; filename=\"r_sum_ _x_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22x%22.pdf"
        );
    }
}
