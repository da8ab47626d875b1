//! `/Ticket/Forward.html?id=N[&QuoteTransaction=T]`: forwarding a ticket,
//! or one of its transactions, to addresses outside it (RT's fields `To`,
//! `Cc`, `Bcc`, `Content`).
//!
//! The POST is one rt-core write: [`rt_core::Tx::forward`] checks
//! `ForwardMessage` and records the `Forward Transaction` or `Forward
//! Ticket` transaction, and rt-mail's [`rt_mail::compose::send_ticket_mail`]
//! queues the mail (the note, then the forwarded message's text, with its
//! files attached; for a whole ticket, every public message) in the same
//! DB transaction. Bad addresses show the form again with what was typed.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{Forward, Rt, TicketId, TransactionId, Tx};
use rt_mail::compose::{MailFile, TicketMail};

use super::update::{Errors, addresses, display_url, run_form, ticket_id};
use super::{Answer, Audience, PageError, Viewer, context, render, run};

const FIELDS: &[&str] = &["To", "Cc", "Bcc", "Content"];

/// The form's values, as typed.
#[derive(Debug, Default, serde::Serialize)]
struct ForwardInput {
    transaction: Option<i64>,
    to: String,
    cc: String,
    bcc: String,
    content: String,
}

/// `GET /Ticket/Forward.html`.
pub(crate) async fn form(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let (id, quote) = (super::param(&req, "id"), super::param(&req, "QuoteTransaction"));
    run(&req, rt, Audience::Privileged, move |viewer| {
        let id = ticket_id(id.as_deref())?;
        let transaction = quote.as_deref().and_then(|q| q.trim().parse::<i64>().ok()).filter(|q| *q > 0);
        let input = ForwardInput { transaction, ..ForwardInput::default() };
        let html = forward_page(&site, viewer, id, &input, &Errors::with_fields(FIELDS))?;
        Ok(Answer::Page(StatusCode::OK, html))
    })
    .await
}

/// `POST /Ticket/Forward.html`.
pub(crate) async fn submit(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> HttpResponse {
    let site = rt.clone().into_inner();
    run_form(&req, rt, payload, Audience::Privileged, move |viewer, form| {
        let id = ticket_id(form.get("id"))?;
        let input = ForwardInput {
            transaction: form.get("QuoteTransaction").and_then(|q| q.trim().parse::<i64>().ok()).filter(|q| *q > 0),
            to: form.text("To"),
            cc: form.text("Cc"),
            bcc: form.text("Bcc"),
            content: form.text("Content"),
        };
        let mut errors = Errors::with_fields(FIELDS);
        let mut lists = Vec::new();
        for (field, text) in [("To", &input.to), ("Cc", &input.cc), ("Bcc", &input.bcc)] {
            match addresses(text) {
                Ok(list) => lists.push(list),
                Err(e) => {
                    errors.add(Some(field), e);
                    lists.push(Vec::new());
                }
            }
        }
        if errors.is_empty() && lists.iter().all(Vec::is_empty) {
            errors.add(Some("To"), "Give at least one address to forward to.");
        }
        if !errors.is_empty() {
            return Ok(Answer::Page(StatusCode::BAD_REQUEST, forward_page(&site, viewer, id, &input, &errors)?));
        }
        let bcc = lists.pop().unwrap_or_default();
        let cc = lists.pop().unwrap_or_default();
        let to = lists.pop().unwrap_or_default();
        let forward =
            Forward { transaction: input.transaction.map(TransactionId), to, cc, bcc, content: input.content.clone() };
        let done = viewer.session.write(|tx| {
            let recorded = tx.forward(id, &forward)?;
            let mail = forward_mail(tx, viewer, id, &forward)?;
            rt_mail::compose::send_ticket_mail(tx, &mail)?;
            Ok(recorded)
        });
        match done {
            Ok(txn) => Ok(Answer::Redirect(display_url("/Ticket/Display.html", id, Some((txn, txn))))),
            Err(rt_core::Error::Validation { field, message }) => {
                let field = if FIELDS.contains(&field.as_str()) { field } else { "Content".into() };
                errors.add(Some(&field), message);
                Ok(Answer::Page(StatusCode::BAD_REQUEST, forward_page(&site, viewer, id, &input, &errors)?))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// The forwarded mail: the note, then each forwarded message under a
/// "Forwarded message" line, with their files.
fn forward_mail(tx: &mut Tx<'_>, viewer: &Viewer, id: TicketId, forward: &Forward) -> rt_core::Result<TicketMail> {
    let t = tx.ticket(id)?;
    let mut text = forward.content.trim_end().to_string();
    text.push('\n');
    let mut files = Vec::new();
    for txn in tx.history(id)? {
        let wanted = match forward.transaction {
            Some(one) => txn.id == one,
            None => txn.kind == "Create" || txn.kind == "Correspond",
        };
        if !wanted {
            continue;
        }
        let who = tx.user(txn.creator)?.name;
        text.push_str(&format!(
            "\n---------- Forwarded message ----------\nFrom: {who}\nDate: {}\n\n",
            viewer.date(txn.created)
        ));
        for a in tx.transaction_attachments(txn.id)? {
            let (meta, body) = tx.attachment(a.id)?;
            match meta.filename.filter(|n| !n.is_empty()) {
                Some(filename) => files.push(MailFile { filename, content_type: meta.content_type, body }),
                None if meta.content_type == "text/plain" => {
                    text.push_str(String::from_utf8_lossy(&body).trim_end());
                    text.push('\n');
                }
                None => {}
            }
        }
    }
    let mut mail = TicketMail::new(id, &format!("Fwd: {}", t.subject), &text);
    mail.to.clone_from(&forward.to);
    mail.cc.clone_from(&forward.cc);
    mail.bcc.clone_from(&forward.bcc);
    mail.files = files;
    Ok(mail)
}

fn forward_page(
    site: &Rt,
    viewer: &Viewer,
    id: TicketId,
    input: &ForwardInput,
    errors: &Errors,
) -> Result<String, PageError> {
    let mut ctx = context(site, Some(viewer), "");
    viewer.session.read(|tx| {
        let t = tx.ticket(id)?;
        let what = match input.transaction {
            Some(txn) => {
                let found = tx.history(id)?.into_iter().find(|h| h.id.0 == txn);
                let Some(found) = found else { return Err(rt_core::Error::not_found("transaction", txn)) };
                format!(
                    "{} ({}, {})",
                    crate::rest1::history::description(tx, &found)?,
                    viewer.date(found.created),
                    tx.user(found.creator)?.name
                )
            }
            None => "The whole ticket: its messages and their files".to_string(),
        };
        ctx.insert("title", &format!("Forward ticket #{}: {}", t.id.0, t.subject));
        ctx.insert("id", &t.id.0);
        ctx.insert("what", &what);
        Ok(())
    })?;
    let error = |field: &str| errors.fields.get(field).cloned().unwrap_or_default();
    let address_fields =
        [("To", &input.to, error("To")), ("Cc", &input.cc, error("Cc")), ("Bcc", &input.bcc, error("Bcc"))];
    ctx.insert("address_fields", &address_fields);
    ctx.insert("input", input);
    ctx.insert("errors", errors);
    render("forward.html", &ctx)
}
