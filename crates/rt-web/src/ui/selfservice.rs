//! Self-service for requestors (and anyone logged in):
//! `/SelfService/Display.html?id=N` (the ticket with its public history:
//! its creation and correspondence, never comments nor recorded mail),
//! `/SelfService/Attachment/<txn>/<id>/<name>` (files of that public
//! history only), `/SelfService/Create.html` and
//! `/SelfService/Update.html?id=N` (a reply, with files), which are
//! [`super::create`] and [`super::update`] in their self-service mode.
//! rt-core checks every right as for staff (`ShowTicket`, `CreateTicket`,
//! `ReplyToTicket`).

use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{Role, Rt};
use serde::Serialize;

use super::update::{Mode, ticket_id};
use super::{Answer, Audience, context, page, run};

/// The transactions a requestor sees.
const PUBLIC: [&str; 2] = ["Create", "Correspond"];

/// A public message of the history.
#[derive(Debug, Serialize)]
struct Item {
    id: i64,
    date: String,
    who: String,
    description: String,
    bodies: Vec<(bool, String)>,
    files: Vec<(String, String)>,
}

/// `GET /SelfService/Display.html?id=N`.
pub(crate) async fn display(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let (id, results) = (super::param(&req, "id"), super::param(&req, "results"));
    run(&req, rt, Audience::Anyone, move |viewer| {
        let id = ticket_id(id.as_deref())?;
        let mut ctx = context(&site, Some(viewer), "");
        viewer.session.read(|tx| {
            let t = tx.ticket(id)?;
            ctx.insert("title", &format!("#{}: {}", t.id.0, t.subject));
            ctx.insert("id", &t.id.0);
            ctx.insert("status", &t.status);
            ctx.insert("queue", &super::queue_name(tx, t.queue)?);
            ctx.insert("requestors", &tx.role_addresses(t.id, Role::Requestor)?.join(", "));
            ctx.insert("created", &viewer.date(t.created));
            ctx.insert("updated", &viewer.date(t.last_updated));
            ctx.insert("results", &super::update::results(tx, viewer, id, results.as_deref())?);
            let mut items = Vec::new();
            for txn in tx.history(id)? {
                if !PUBLIC.contains(&txn.kind.as_str()) {
                    continue;
                }
                let mut bodies = Vec::new();
                let mut files = Vec::new();
                for a in tx.transaction_attachments(txn.id)? {
                    match a.filename.as_deref().filter(|n| !n.is_empty()) {
                        Some(name) => files.push((
                            name.to_string(),
                            format!("/SelfService/Attachment/{}/{}/{}", txn.id.0, a.id.0, path_segment(name)),
                        )),
                        None if a.content_type == "text/plain" => {
                            bodies.push((false, String::from_utf8_lossy(&tx.attachment(a.id)?.1).into_owned()))
                        }
                        None if a.content_type == "text/html" => {
                            let html = String::from_utf8_lossy(&tx.attachment(a.id)?.1).into_owned();
                            bodies.push((true, super::ticket::sanitize(&html)))
                        }
                        None => {}
                    }
                }
                // Text and HTML of one message: the text is enough.
                if bodies.iter().any(|(html, _)| !html) {
                    bodies.retain(|(html, _)| !html);
                }
                items.push(Item {
                    id: txn.id.0,
                    date: viewer.date(txn.created),
                    who: tx.user(txn.creator)?.name,
                    description: crate::rest1::history::description(tx, &txn)?,
                    bodies,
                    files,
                });
            }
            ctx.insert("history", &items);
            Ok(())
        })?;
        page("selfservice_display.html", &ctx)
    })
    .await
}

/// `GET /SelfService/Attachment/<txn>/<id>/<name>`: a file of the public
/// history, always as a download.
pub(crate) async fn attachment(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (txn, aid, _) = path.into_inner();
    run(&req, rt, Audience::Anyone, move |viewer| {
        let (txn, aid) = super::ticket::attachment_ids(&txn, &aid)?;
        let not_found = || rt_core::Error::not_found("attachment", aid);
        let (meta, body) = viewer.session.read(|tx| {
            let found = tx.ticket_transaction(txn)?;
            if !PUBLIC.contains(&found.kind.as_str()) {
                return Err(not_found());
            }
            tx.attachment(aid)
        })?;
        if meta.transaction != txn {
            return Err(not_found().into());
        }
        let name = meta.filename.filter(|n| !n.is_empty()).unwrap_or_else(|| format!("attachment-{}", aid.0));
        let ascii: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
        Ok(Answer::File {
            content_type: "application/octet-stream".into(),
            disposition: format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", path_segment(&name)),
            body,
        })
    })
    .await
}

/// `GET /SelfService/Create.html`.
pub(crate) async fn create_form(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    super::create::show_form(req, rt, Mode::SelfService).await
}

/// `POST /SelfService/Create.html`.
pub(crate) async fn create_submit(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> HttpResponse {
    super::create::submit_create(req, rt, payload, Mode::SelfService).await
}

/// `GET /SelfService/Update.html?id=N`.
pub(crate) async fn update_form(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    super::update::show_form(req, rt, Mode::SelfService).await
}

/// `POST /SelfService/Update.html`.
pub(crate) async fn update_submit(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> HttpResponse {
    super::update::submit_update(req, rt, payload, Mode::SelfService).await
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
