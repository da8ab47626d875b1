//! Replying to and commenting on a ticket: `/Ticket/Update.html?id=N&
//! Action=Respond|Comment[&QuoteTransaction=T][&DefaultStatus=S]` (the
//! form on GET, the update on POST), with RT's parameter names
//! (`UpdateType`, `UpdateSubject`, `UpdateContent`, `Status`, `Owner`,
//! `UpdateTimeWorked`, `UpdateCc`, `UpdateBcc`, `SquelchMailTo`,
//! `Attach`), plus what the other composing pages share:
//!
//! - `configure`: the routes of this module, [`super::forward`],
//!   [`super::create`] and [`super::selfservice`];
//! - `read_form`: an urlencoded or `multipart/form-data` body (files
//!   under `Attach`) as `FormData`, bounded in size;
//! - `message_entity`: the text and the uploaded files as one MIME tree;
//! - `results`: the "Correspondence added", "Status changed from 'new'
//!   to 'resolved'" lines shown after a change. The redirect carries only
//!   `results=<first>-<last>`, a range of transaction ids; the lines are
//!   the descriptions of the ticket's transactions in that range made by
//!   the viewer, so a crafted link shows nothing but true history;
//! - `lock_note`: "Locked by alice 2 min ago", from rt-core's soft lock
//!   ([`rt_core::ticket_lock`]), which the staff form takes on GET and the
//!   update releases.
//!
//! The form lists the statuses the lifecycle allows from the current one
//! (and the viewer has the right for), the users who may own the ticket,
//! and, from rt-scrips' [`rt_scrips::preview`], who will get mail, each
//! with a `SquelchMailTo` checkbox: a ticked address is sent the update's
//! `RT-Squelch-Replies-To` header, so the scrips leave it out. Without
//! JavaScript the preview follows the form when it is shown again: the
//! "Show recipients" button (`ShowRecipients`) does that and changes
//! nothing. The whole
//! update (message, status, owner, time) is one rt-core write: any refusal
//! or bad value changes nothing and shows the form again with the message
//! next to the field and everything typed kept.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use futures_util::StreamExt;
use rt_core::{AclObject, Message, MimeEntity, OwnerChange, Rt, TicketId, TicketUpdate, TransactionId, Tx, UserId};
use serde::Serialize;

use super::{Answer, Audience, PageError, Viewer, context, render, run, run_post_as};

/// Registers the composing pages' routes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/Ticket/Update.html").route(web::get().to(form)).route(web::post().to(submit)))
        .service(
            web::resource("/Ticket/Forward.html")
                .route(web::get().to(super::forward::form))
                .route(web::post().to(super::forward::submit)),
        )
        .service(
            web::resource("/Ticket/Create.html")
                .route(web::get().to(super::create::form))
                .route(web::post().to(super::create::submit)),
        )
        .route("/SelfService/Display.html", web::get().to(super::selfservice::display))
        .route("/SelfService/Attachment/{txn}/{id}/{name}", web::get().to(super::selfservice::attachment))
        .service(
            web::resource("/SelfService/Create.html")
                .route(web::get().to(super::selfservice::create_form))
                .route(web::post().to(super::selfservice::create_submit)),
        )
        .service(
            web::resource("/SelfService/Update.html")
                .route(web::get().to(super::selfservice::update_form))
                .route(web::post().to(super::selfservice::update_submit)),
        );
}

/// An uploaded file.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub filename: String,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// A submitted form: its fields in order and its files.
#[derive(Debug, Default)]
pub(crate) struct FormData {
    pub fields: Vec<(String, String)>,
    pub files: Vec<Upload>,
}

impl FormData {
    /// The last value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The last value of a field, or "".
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").to_string()
    }

    /// Every value of a field, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

/// Reads a POST form (see [`read_form`]) and runs `f` with it as a form
/// `audience` may send: the form's `CSRF` field must be the session's. A
/// form that cannot be read (too large, malformed) changes nothing and is
/// answered with why.
pub(crate) async fn run_form<F>(
    req: &HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    audience: Audience,
    f: F,
) -> HttpResponse
where
    F: FnOnce(&Viewer, FormData) -> Result<Answer, PageError> + Send + 'static,
{
    match read_form(req, payload, &rt).await {
        Ok(form) => {
            let token = form.get("CSRF").map(String::from);
            run_post_as(req, rt, audience, token, move |viewer| f(viewer, form)).await
        }
        Err(why) => run(req, rt, audience, move |_| Err(rt_core::Error::invalid("form", why).into())).await,
    }
}

/// Reads a POST body, urlencoded or multipart (files are the parts named
/// `Attach` with a file name), refusing more than the attachment limit
/// allows.
async fn read_form(req: &HttpRequest, mut payload: web::Payload, rt: &Rt) -> Result<FormData, String> {
    let limit =
        usize::try_from(rt.config().max_attachment_size.saturating_mul(4)).unwrap_or(usize::MAX / 2) + 1024 * 1024;
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut form = FormData::default();
    let mut total = 0usize;
    if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        let mut parts = Multipart::new(req.headers(), payload);
        while let Some(part) = parts.next().await {
            let mut part = part.map_err(|e| format!("unreadable form: {e}"))?;
            let name = part.name().unwrap_or_default().to_string();
            let filename = part.content_disposition().and_then(|d| d.get_filename()).map(String::from);
            let mime = part.content_type().map(|m| m.essence_str().to_ascii_lowercase());
            let mut body = Vec::new();
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|e| format!("unreadable form: {e}"))?;
                total += chunk.len();
                if total > limit {
                    return Err(format!("the form is larger than {limit} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            match filename {
                Some(filename) if name == "Attach" => {
                    // An empty file input sends a part with no name and no bytes.
                    if filename.is_empty() && body.is_empty() {
                        continue;
                    }
                    form.files.push(Upload {
                        filename: clean_filename(&filename),
                        content_type: mime.unwrap_or_else(|| "application/octet-stream".into()),
                        body,
                    });
                }
                _ => form.fields.push((name, String::from_utf8_lossy(&body).into_owned())),
            }
        }
        return Ok(form);
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| format!("unreadable form: {e}"))?;
        if body.len() + chunk.len() > limit {
            return Err(format!("the form is larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    form.fields = form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    Ok(form)
}

/// A file name without directories or control characters.
fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().map(|c| if c.is_control() || c == '"' { '_' } else { c }).collect();
    if cleaned.trim().is_empty() { "attachment".into() } else { cleaned }
}

/// The message of an update or a new ticket: the text alone, or the text
/// and the files as `multipart/mixed`; `subject` when one was typed.
pub(crate) fn message_entity(content: &str, subject: &str, files: &[Upload]) -> MimeEntity {
    let text = MimeEntity::text(content);
    let mut entity = if files.is_empty() {
        text
    } else {
        let mut parts = vec![text];
        parts.extend(files.iter().map(|f| MimeEntity::attachment(&f.filename, &f.content_type, f.body.clone())));
        MimeEntity::multipart(parts)
    };
    let subject = subject.replace(['\r', '\n'], " ");
    if !subject.trim().is_empty() {
        entity.set_header("Subject", subject.trim());
        entity.subject = Some(subject.trim().to_string());
    }
    entity
}

/// Comma-separated addresses, each checked; the first bad one is the error.
pub(crate) fn addresses(text: &str) -> Result<Vec<String>, String> {
    text.split([',', '\n'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| rt_core::principal::normalize_email(a).map_err(|_| format!("{a:?} is not an email address")))
        .collect()
}

/// A form's error messages by field name ("" when fine), so templates can
/// test any field.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Errors {
    /// By field.
    pub fields: BTreeMap<String, String>,
    /// Not about one field.
    pub general: Vec<String>,
}

impl Errors {
    /// No field has an error.
    pub fn is_empty(&self) -> bool {
        self.general.is_empty() && self.fields.values().all(String::is_empty)
    }

    /// Notes an error of `field` (`None`: of the whole form).
    pub fn add(&mut self, field: Option<&str>, message: impl Into<String>) {
        match field {
            Some(f) => {
                self.fields.insert(f.to_string(), message.into());
            }
            None => self.general.push(message.into()),
        }
    }

    /// Errors with every one of `names` present ("" unless set).
    pub fn with_fields(names: &[&str]) -> Errors {
        Errors { fields: names.iter().map(|n| (n.to_string(), String::new())).collect(), general: Vec::new() }
    }
}

/// Who composes: staff on `/Ticket/`, or anyone on `/SelfService/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Staff,
    SelfService,
}

impl Mode {
    pub(crate) fn audience(self) -> Audience {
        match self {
            Mode::Staff => Audience::Privileged,
            Mode::SelfService => Audience::Anyone,
        }
    }
}

/// The update form's values, as typed.
#[derive(Debug, Clone, Default, Serialize)]
struct UpdateInput {
    update_type: String,
    subject: String,
    content: String,
    status: String,
    owner: String,
    time_worked: String,
    cc: String,
    bcc: String,
    squelch: Vec<String>,
}

const UPDATE_FIELDS: &[&str] =
    &["UpdateType", "UpdateSubject", "UpdateContent", "Status", "Owner", "UpdateTimeWorked", "UpdateCc", "UpdateBcc"];

/// A choice of a select.
#[derive(Debug, Serialize)]
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A previewed recipient.
#[derive(Debug, Serialize)]
struct Recipient {
    address: String,
    squelched: bool,
}

/// `GET /Ticket/Update.html`.
pub(crate) async fn form(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    show_form(req, rt, Mode::Staff).await
}

/// `POST /Ticket/Update.html`.
pub(crate) async fn submit(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> HttpResponse {
    submit_update(req, rt, payload, Mode::Staff).await
}

/// The update form, for staff or self-service: takes the soft lock.
pub(crate) async fn show_form(req: HttpRequest, rt: web::Data<Rt>, mode: Mode) -> HttpResponse {
    let site = rt.clone().into_inner();
    let (id, action, quote, default_status) = (
        super::param(&req, "id"),
        super::param(&req, "Action"),
        super::param(&req, "QuoteTransaction"),
        super::param(&req, "DefaultStatus"),
    );
    run(&req, rt, mode.audience(), move |viewer| {
        let id = ticket_id(id.as_deref())?;
        let comment = mode == Mode::Staff && action.as_deref() == Some("Comment");
        // Staff lock the ticket while they write (RT's soft lock); a
        // requestor's reply locks nothing.
        if mode == Mode::Staff {
            viewer.session.write(|tx| tx.lock_ticket(id))?;
        }
        let mut input = viewer.session.read(|tx| {
            let t = tx.ticket(id)?;
            let mut content = String::new();
            if let Some(txn) = quote.as_deref().and_then(|q| q.trim().parse::<i64>().ok()) {
                content = quoted(tx, viewer, id, TransactionId(txn))?;
            }
            let status = default_status
                .filter(|s| mode == Mode::Staff && !s.is_empty())
                .unwrap_or_else(|| t.status.clone())
                .to_lowercase();
            Ok(UpdateInput {
                update_type: if comment { "private" } else { "response" }.into(),
                subject: t.subject.clone(),
                content,
                status,
                owner: t.owner.0.to_string(),
                ..UpdateInput::default()
            })
        })?;
        if mode == Mode::SelfService {
            input.update_type = "response".into();
        }
        let html = update_page(&site, viewer, id, &input, &Errors::with_fields(UPDATE_FIELDS), mode)?;
        Ok(Answer::Page(StatusCode::OK, html))
    })
    .await
}

/// The update: see the module documentation.
pub(crate) async fn submit_update(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    mode: Mode,
) -> HttpResponse {
    let site = rt.clone().into_inner();
    run_form(&req, rt, payload, mode.audience(), move |viewer, form| {
        let id = ticket_id(form.get("id"))?;
        let mut input = UpdateInput {
            update_type: form.text("UpdateType"),
            subject: form.text("UpdateSubject"),
            content: form.text("UpdateContent"),
            status: form.text("Status"),
            owner: form.text("Owner"),
            time_worked: form.text("UpdateTimeWorked"),
            cc: form.text("UpdateCc"),
            bcc: form.text("UpdateBcc"),
            squelch: form.all("SquelchMailTo").into_iter().filter(|a| !a.trim().is_empty()).collect(),
        };
        if mode == Mode::SelfService {
            input = UpdateInput {
                update_type: "response".into(),
                subject: input.subject,
                content: input.content,
                ..UpdateInput::default()
            };
        }
        let mut errors = Errors::with_fields(UPDATE_FIELDS);
        let comment = match input.update_type.as_str() {
            "private" => true,
            "response" | "" => false,
            _ => {
                errors.add(Some("UpdateType"), "Choose a reply or a comment.");
                false
            }
        };
        let minutes = match input.time_worked.trim() {
            "" => 0,
            text => match text.parse::<i64>() {
                Ok(n) if n >= 0 => n,
                _ => {
                    errors.add(Some("UpdateTimeWorked"), "Give the time worked as a whole number of minutes.");
                    0
                }
            },
        };
        let (cc, bcc) = (addresses(&input.cc), addresses(&input.bcc));
        for (field, list) in [("UpdateCc", &cc), ("UpdateBcc", &bcc)] {
            if let Err(e) = list {
                errors.add(Some(field), e.clone());
            }
        }
        let owner = match input.owner.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) => Some(UserId(n)),
                Err(_) => {
                    errors.add(Some("Owner"), "Choose an owner from the list.");
                    None
                }
            },
        };
        if input.content.trim().is_empty() && form.files.is_empty() && mode == Mode::SelfService {
            errors.add(Some("UpdateContent"), "Write a message.");
        }
        if !errors.is_empty() {
            let html = update_page(&site, viewer, id, &input, &errors, mode)?;
            return Ok(Answer::Page(StatusCode::BAD_REQUEST, html));
        }
        // "Show recipients": the form again, its preview for what is typed
        // now (files must be chosen again); nothing is changed.
        if form.get("ShowRecipients").is_some() && mode == Mode::Staff {
            let html = update_page(&site, viewer, id, &input, &errors, mode)?;
            return Ok(Answer::Page(StatusCode::OK, html));
        }
        let entity = message_entity(&input.content, &input.subject, &form.files);
        let has_message = !input.content.trim().is_empty() || !form.files.is_empty();
        let plan = Plan {
            comment,
            message: has_message.then(|| {
                let mut entity = entity;
                if !input.squelch.is_empty() {
                    entity.set_header("RT-Squelch-Replies-To", &input.squelch.join(", "));
                }
                Message {
                    entity: Some(entity),
                    cc: cc.clone().unwrap_or_default(),
                    bcc: bcc.clone().unwrap_or_default(),
                    time_taken: minutes,
                    raw: None,
                }
            }),
            minutes,
            status: input.status.trim().to_lowercase(),
            owner,
        };
        match viewer.session.write(|tx| apply(tx, id, plan)) {
            Ok(range) => {
                let base = match mode {
                    Mode::Staff => "/Ticket/Display.html",
                    Mode::SelfService => "/SelfService/Display.html",
                };
                Ok(Answer::Redirect(display_url(base, id, range)))
            }
            Err(rt_core::Error::Validation { field, message }) => {
                errors.add(Some(update_field(&field)), message);
                let html = update_page(&site, viewer, id, &input, &errors, mode)?;
                Ok(Answer::Page(StatusCode::BAD_REQUEST, html))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// What one update does.
struct Plan {
    comment: bool,
    message: Option<Message>,
    minutes: i64,
    status: String,
    owner: Option<UserId>,
}

/// Makes the update in one DB transaction; returns the range of
/// transactions it recorded.
fn apply(tx: &mut Tx<'_>, id: TicketId, plan: Plan) -> rt_core::Result<Option<(TransactionId, TransactionId)>> {
    let before = tx.last_transaction_id(id)?;
    let t = tx.ticket(id)?;
    match plan.message {
        Some(message) if plan.comment => {
            tx.comment(id, message)?;
        }
        Some(message) => {
            tx.correspond(id, message)?;
        }
        None if plan.minutes > 0 => {
            tx.update_ticket(
                id,
                &TicketUpdate { time_worked: Some(t.time_worked + plan.minutes), ..TicketUpdate::default() },
            )?;
        }
        None => {}
    }
    if !plan.status.is_empty() && plan.status != t.status.to_lowercase() {
        tx.set_status(id, &plan.status)?;
    }
    if let Some(owner) = plan.owner
        && owner != t.owner
    {
        tx.set_owner(id, owner, OwnerChange::Set)?;
    }
    tx.unlock_ticket(id)?;
    let after = tx.last_transaction_id(id)?;
    Ok(match (before, after) {
        (Some(b), Some(a)) if a.0 > b.0 => Some((TransactionId(b.0 + 1), a)),
        (None, Some(a)) => Some((a, a)),
        _ => None,
    })
}

/// The display page after a change, with its results.
pub(crate) fn display_url(base: &str, id: TicketId, range: Option<(TransactionId, TransactionId)>) -> String {
    match range {
        Some((first, last)) => format!("{base}?id={}&results={}-{}", id.0, first.0, last.0),
        None => format!("{base}?id={}", id.0),
    }
}

/// The form field an rt-core validation error is about.
fn update_field(field: &str) -> &'static str {
    match field {
        "time_taken" | "time_worked" | "TimeWorked" => "UpdateTimeWorked",
        "status" | "Status" => "Status",
        "owner" | "Owner" => "Owner",
        "email" | "RT-Send-Cc" => "UpdateCc",
        "RT-Send-Bcc" => "UpdateBcc",
        _ => "UpdateContent",
    }
}

/// Renders the update form.
fn update_page(
    site: &Rt,
    viewer: &Viewer,
    id: TicketId,
    input: &UpdateInput,
    errors: &Errors,
    mode: Mode,
) -> Result<String, PageError> {
    let comment = input.update_type == "private";
    let recipients = if mode == Mode::Staff {
        let update = rt_scrips::preview::Update {
            kind: if comment { "Comment" } else { "Correspond" }.into(),
            cc: addresses(&input.cc).unwrap_or_default(),
            bcc: addresses(&input.bcc).unwrap_or_default(),
            squelch: Vec::new(),
        };
        let mut seen: Vec<Recipient> = Vec::new();
        for scrip in rt_scrips::preview::recipients(site, viewer.user.user_id(), id, &update)? {
            for address in scrip.to.into_iter().chain(scrip.cc).chain(scrip.bcc) {
                if !seen.iter().any(|r| r.address.eq_ignore_ascii_case(&address)) {
                    let squelched = input.squelch.iter().any(|s| s.eq_ignore_ascii_case(&address));
                    seen.push(Recipient { address, squelched });
                }
            }
        }
        seen
    } else {
        Vec::new()
    };
    let mut ctx = context(site, Some(viewer), "");
    viewer.session.read(|tx| {
        let t = tx.ticket(id)?;
        let title = match (mode, comment) {
            (Mode::SelfService, _) | (Mode::Staff, false) => format!("Reply to ticket #{}: {}", t.id.0, t.subject),
            (Mode::Staff, true) => format!("Comment on ticket #{}: {}", t.id.0, t.subject),
        };
        ctx.insert("title", &title);
        ctx.insert("id", &t.id.0);
        ctx.insert("lock", &lock_note(tx, viewer, id)?);
        if mode == Mode::Staff {
            let lifecycle = tx.queue_lifecycle(t.queue)?.clone();
            let current = t.status.to_lowercase();
            let mut statuses = vec![Choice {
                value: current.clone(),
                label: format!("{current} (unchanged)"),
                selected: input.status.is_empty() || input.status == current,
            }];
            for to in lifecycle.transitions_from(&current) {
                if tx.has_right(lifecycle.check_right(&current, to), t.acl_object())? {
                    statuses.push(Choice { value: to.clone(), label: to.clone(), selected: input.status == *to });
                }
            }
            ctx.insert("statuses", &statuses);
            ctx.insert("owners", &owner_choices(tx, t.acl_object(), &input.owner)?);
        }
        Ok(())
    })?;
    ctx.insert("input", input);
    ctx.insert("errors", errors);
    ctx.insert("recipients", &recipients);
    ctx.insert("self_service", &(mode == Mode::SelfService));
    ctx.insert(
        "action",
        match mode {
            Mode::Staff => "/Ticket/Update.html",
            Mode::SelfService => "/SelfService/Update.html",
        },
    );
    render("update.html", &ctx)
}

/// Nobody and the privileged users who may own a ticket in `object`,
/// `current` (a user id as typed) selected.
pub(crate) fn owner_choices(tx: &mut Tx<'_>, object: AclObject, current: &str) -> rt_core::Result<Vec<Choice>> {
    let nobody = tx.system().nobody;
    let mut out = vec![Choice {
        value: nobody.0.to_string(),
        label: "Nobody".into(),
        selected: current.is_empty() || current == nobody.0.to_string(),
    }];
    for user in tx.users(Some(true))? {
        if user.id == nobody.0 {
            continue;
        }
        if tx.principal_has_right(user.user_id().into(), rt_core::rights::OWN_TICKET, object)? {
            let value = user.id.to_string();
            out.push(Choice { selected: value == current, value, label: user.name });
        }
    }
    Ok(out)
}

/// The text of transaction `txn` of ticket `id`, quoted with "> " under
/// an "On <date>, <who> wrote:" line.
fn quoted(tx: &mut Tx<'_>, viewer: &Viewer, id: TicketId, txn: TransactionId) -> rt_core::Result<String> {
    let Some(found) = tx.history(id)?.into_iter().find(|t| t.id == txn) else {
        return Err(rt_core::Error::not_found("transaction", txn));
    };
    let mut text = String::new();
    for a in tx.transaction_attachments(found.id)? {
        if a.filename.as_deref().is_none_or(str::is_empty) && a.content_type == "text/plain" {
            text = String::from_utf8_lossy(&tx.attachment(a.id)?.1).into_owned();
            break;
        }
    }
    let who = tx.user(found.creator)?.name;
    let mut out = format!("On {}, {who} wrote:\n", viewer.date(found.created));
    for line in text.trim_end().lines() {
        out.push_str(if line.is_empty() { ">" } else { "> " });
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    Ok(out)
}

/// The lines describing the ticket's transactions named by a `results`
/// parameter (`first-last`) that the viewer made; nothing for a malformed
/// parameter.
pub(crate) fn results(
    tx: &mut Tx<'_>,
    viewer: &Viewer,
    id: TicketId,
    param: Option<&str>,
) -> rt_core::Result<Vec<String>> {
    let Some((first, last)) = param.and_then(|p| p.split_once('-')) else { return Ok(Vec::new()) };
    let (Ok(first), Ok(last)) = (first.trim().parse::<i64>(), last.trim().parse::<i64>()) else {
        return Ok(Vec::new());
    };
    // One update records a handful of transactions; a wider range is no
    // update's.
    if last < first || last - first > 100 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for txn in tx.history(id)? {
        if txn.id.0 >= first && txn.id.0 <= last && txn.creator == viewer.user.user_id() {
            out.push(crate::rest1::history::description(tx, &txn)?);
        }
    }
    Ok(out)
}

/// "Locked by alice 2 min ago" when someone else holds the ticket's soft
/// lock; `None` when nobody does or it is the viewer's.
pub(crate) fn lock_note(tx: &mut Tx<'_>, viewer: &Viewer, id: TicketId) -> rt_core::Result<Option<String>> {
    let Some(lock) = tx.ticket_lock(id)? else { return Ok(None) };
    if lock.user == viewer.user.user_id() {
        return Ok(None);
    }
    let who = tx.user(lock.user)?.name;
    let minutes = (Utc::now() - lock.taken).num_minutes().max(0);
    let ago = match minutes {
        0 => "less than a minute ago".to_string(),
        1 => "1 min ago".to_string(),
        n => format!("{n} min ago"),
    };
    Ok(Some(format!("Locked by {who} {ago}")))
}

/// The `id` parameter as a ticket id.
pub(crate) fn ticket_id(id: Option<&str>) -> Result<TicketId, PageError> {
    let text = id.unwrap_or("").trim();
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(TicketId)
        .ok_or_else(|| rt_core::Error::not_found("ticket", text).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("C:\\Users\\me\\report.pdf"), "report.pdf");
        assert_eq!(clean_filename("a\r\nb\".txt"), "a__b_.txt");
        assert_eq!(clean_filename("/"), "attachment");
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            addresses(" a@example.com, b@example.org ,"),
            Ok(vec!["a@example.com".to_string(), "b@example.org".to_string()])
        );
        assert!(addresses("a@example.com, nonsense").is_err());
    }
}
