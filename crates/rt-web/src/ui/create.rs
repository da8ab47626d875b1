//! `/Ticket/Create.html?Queue=Q`: the new-ticket form (GET) and the
//! creation (POST), with RT's parameter names: `Queue`, `Subject`,
//! `Requestors`, `Cc`, `AdminCc`, `Owner`, `Status`, `InitialPriority`
//! (or `Priority`), `FinalPriority`, `TimeEstimated`, `TimeWorked`,
//! `TimeLeft`, `Starts`, `Due`, `Content`, `Attach`, the queue's custom
//! fields as `Object-RT::Ticket--CustomField-<id>-Value` (one value) or
//! `-Values` (several, one a line or several selected), and links as
//! `new-DependsOn`, `DependsOn-new`, `new-MemberOf`, `MemberOf-new`,
//! `new-RefersTo`, `RefersTo-new` (ticket numbers or URIs, separated by
//! spaces).
//!
//! The queue is chosen by a GET form of its own (its custom fields and
//! lifecycle shape the form); the queues offered are those where the user
//! has `CreateTicket`. Dates are typed in the user's time zone. The ticket
//! and its links are created in one rt-core write: a refused value (a
//! custom field's pattern, a bad address, a link to a missing ticket) or
//! a bad number or date shows the form again, the message next to the
//! field and everything typed kept, and creates nothing. The self-service
//! variant ([`super::selfservice`]) offers Queue, Subject, Cc, the custom
//! fields, Content and files, with the user as requestor.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rt_core::{AclObject, CfType, LinkEnd, LinkType, NewTicket, QueueId, Rt, TicketId, Tx, UserId};
use serde::Serialize;

use super::update::{Choice, Errors, FormData, Mode, display_url, message_entity, owner_choices, run_form};
use super::{Answer, PageError, Viewer, context, render, run};

const FIELDS: &[&str] = &[
    "Queue",
    "Subject",
    "Requestors",
    "Cc",
    "AdminCc",
    "Owner",
    "Status",
    "InitialPriority",
    "FinalPriority",
    "TimeEstimated",
    "TimeWorked",
    "TimeLeft",
    "Starts",
    "Due",
    "Content",
    "new-DependsOn",
    "DependsOn-new",
    "new-MemberOf",
    "MemberOf-new",
    "new-RefersTo",
    "RefersTo-new",
];

/// The link fields: the form's name, the type, and whether the new ticket
/// is the link's base (`new-X`) rather than its target (`X-new`).
const LINKS: [(&str, &str, bool); 6] = [
    ("new-DependsOn", "DependsOn", true),
    ("DependsOn-new", "DependsOn", false),
    ("new-MemberOf", "MemberOf", true),
    ("MemberOf-new", "MemberOf", false),
    ("new-RefersTo", "RefersTo", true),
    ("RefersTo-new", "RefersTo", false),
];

/// A custom field on the form.
#[derive(Debug, Serialize)]
struct CfInputView {
    id: i64,
    name: String,
    input: String,
    multiple: bool,
    kind: &'static str,
    hint: String,
    value: String,
    options: Vec<Choice>,
    error: String,
}

/// `GET /Ticket/Create.html`.
pub(crate) async fn form(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    show_form(req, rt, Mode::Staff).await
}

/// `POST /Ticket/Create.html`.
pub(crate) async fn submit(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> HttpResponse {
    submit_create(req, rt, payload, Mode::Staff).await
}

/// The form, for staff or self-service.
pub(crate) async fn show_form(req: HttpRequest, rt: web::Data<Rt>, mode: Mode) -> HttpResponse {
    let site = rt.clone().into_inner();
    let queue = super::param(&req, "Queue");
    run(&req, rt, mode.audience(), move |viewer| {
        // Without a queue asked for, the user's default queue (Preferences).
        let queue = queue.filter(|q| !q.trim().is_empty()).or_else(|| viewer.default_queue().map(|q| q.0.to_string()));
        let mut fields = vec![("Queue".to_string(), queue.unwrap_or_default())];
        // As RT: the one creating is the requestor unless changed.
        if mode == Mode::Staff {
            let me = viewer.user.email_address.clone().filter(|e| !e.is_empty());
            fields.push(("Requestors".into(), me.unwrap_or_else(|| viewer.user.name.clone())));
        }
        let form = FormData { fields, files: Vec::new() };
        let html = create_page(&site, viewer, &form, &Errors::with_fields(FIELDS), mode, true)?;
        Ok(Answer::Page(StatusCode::OK, html))
    })
    .await
}

/// The creation: see the module documentation.
pub(crate) async fn submit_create(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    mode: Mode,
) -> HttpResponse {
    let site = rt.clone().into_inner();
    run_form(&req, rt, payload, mode.audience(), move |viewer, form| {
        let mut errors = Errors::with_fields(FIELDS);
        let (queue, fields) = viewer.session.read(|tx| {
            let queue = pick_queue(tx, form.get("Queue"), true)?;
            let fields = match queue {
                Some(q) => tx.ticket_custom_fields_in_queue(q)?,
                None => Vec::new(),
            };
            Ok((queue, fields))
        })?;
        let Some(queue) = queue else {
            errors.add(Some("Queue"), "Choose a queue you may create tickets in.");
            return Ok(Answer::Page(StatusCode::BAD_REQUEST, create_page(&site, viewer, &form, &errors, mode, false)?));
        };
        let mut number = |field: &str| -> Option<i64> {
            let text = form.text(field);
            match text.trim() {
                "" => None,
                t => match t.parse::<i64>() {
                    Ok(n) if n >= 0 => Some(n),
                    _ => {
                        errors.add(Some(field), "Give a whole number, 0 or more.");
                        None
                    }
                },
            }
        };
        let initial_priority =
            number(if form.get("InitialPriority").is_some() { "InitialPriority" } else { "Priority" });
        let final_priority = number("FinalPriority");
        let (estimated, worked, left) = (number("TimeEstimated"), number("TimeWorked"), number("TimeLeft"));
        let mut date = |field: &str| -> Option<DateTime<Utc>> {
            let text = form.text(field);
            match text.trim() {
                "" => None,
                t => parse_local(t, viewer).or_else(|| {
                    errors.add(Some(field), "Give a date as YYYY-MM-DD or YYYY-MM-DD HH:MM.");
                    None
                }),
            }
        };
        let (starts, due) = (date("Starts"), date("Due"));
        let owner = match form.text("Owner").trim() {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(n) => Some(UserId(n)),
                Err(_) => {
                    errors.add(Some("Owner"), "Choose an owner from the list.");
                    None
                }
            },
        };
        let mut links = Vec::new();
        for (field, kind, new_is_base) in LINKS {
            let Some(kind) = LinkType::from_name(kind) else { continue };
            for target in form.text(field).split_whitespace() {
                match link_end(target) {
                    Some(end) if new_is_base || matches!(end, LinkEnd::Ticket(_)) => {
                        links.push((field, kind, new_is_base, end))
                    }
                    _ => errors.add(Some(field), format!("{target:?} is not a ticket number")),
                }
            }
        }
        let custom_fields: Vec<_> = fields
            .iter()
            .map(|cf| {
                let values: Vec<String> = cf_values(&form, cf.id.0);
                (cf.id, values)
            })
            .filter(|(_, values)| !values.is_empty())
            .collect();
        let list = |name: &str| -> Vec<String> {
            form.text(name).split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
        };
        let requestors = match mode {
            Mode::Staff => list("Requestors"),
            Mode::SelfService => {
                vec![
                    viewer
                        .user
                        .email_address
                        .clone()
                        .filter(|e| !e.is_empty())
                        .unwrap_or_else(|| viewer.user.name.clone()),
                ]
            }
        };
        if !errors.is_empty() {
            return Ok(Answer::Page(StatusCode::BAD_REQUEST, create_page(&site, viewer, &form, &errors, mode, false)?));
        }
        let content = form.text("Content");
        let status = form.text("Status");
        let staff = mode == Mode::Staff;
        let new = NewTicket {
            queue: Some(queue),
            subject: form.text("Subject"),
            status: (staff && !status.trim().is_empty()).then(|| status.trim().to_lowercase()),
            owner: owner.filter(|_| staff),
            requestors,
            cc: list("Cc"),
            admin_cc: if staff { list("AdminCc") } else { Vec::new() },
            initial_priority: initial_priority.filter(|_| staff),
            final_priority: final_priority.filter(|_| staff),
            time_estimated: if staff { estimated.unwrap_or(0) } else { 0 },
            time_worked: if staff { worked.unwrap_or(0) } else { 0 },
            time_left: if staff { left.unwrap_or(0) } else { 0 },
            starts: starts.filter(|_| staff),
            due: due.filter(|_| staff),
            content: (!content.trim().is_empty() || !form.files.is_empty())
                .then(|| message_entity(&content, &form.text("Subject"), &form.files)),
            custom_fields,
            ..NewTicket::default()
        };
        let links = if staff { links } else { Vec::new() };
        let created = viewer.session.write(|tx| {
            let id = tx.create_ticket(new)?;
            for (field, kind, new_is_base, end) in links {
                let added = match (new_is_base, end) {
                    (true, end) => tx.add_link(id, kind, end),
                    (false, LinkEnd::Ticket(other)) => tx.add_link(other, kind, LinkEnd::Ticket(id)),
                    (false, LinkEnd::Uri(_)) => Err(rt_core::Error::invalid(field, "not a ticket number")),
                };
                added.map_err(|e| match e {
                    rt_core::Error::Validation { message, .. } => rt_core::Error::invalid(field, message),
                    rt_core::Error::NotFound { kind, id } => rt_core::Error::invalid(field, format!("no {kind} {id}")),
                    other => other,
                })?;
            }
            let first = tx.history(id)?.first().map(|t| t.id);
            let last = tx.last_transaction_id(id)?;
            Ok((id, first.zip(last)))
        });
        match created {
            Ok((id, range)) => {
                let base = if staff { "/Ticket/Display.html" } else { "/SelfService/Display.html" };
                Ok(Answer::Redirect(display_url(base, id, range)))
            }
            Err(rt_core::Error::Validation { field, message }) => {
                match fields.iter().find(|cf| cf.name == field) {
                    Some(cf) => errors.add(Some(&cf_input_name(cf.id.0)), message),
                    None => errors.add(Some(create_field(&field)), message),
                }
                Ok(Answer::Page(StatusCode::BAD_REQUEST, create_page(&site, viewer, &form, &errors, mode, false)?))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// The form field an rt-core validation error is about.
fn create_field(field: &str) -> &str {
    match field {
        "queue" => "Queue",
        "subject" => "Subject",
        "status" | "Status" => "Status",
        "owner" | "Owner" => "Owner",
        "requestors" | "requestor" | "email" | "Requestors" => "Requestors",
        "cc" | "Cc" => "Cc",
        "admin_cc" | "AdminCc" => "AdminCc",
        "content" => "Content",
        "starts" => "Starts",
        "due" => "Due",
        f if FIELDS.contains(&f) => f,
        _ => "Content",
    }
}

/// The queue asked for (id or name) among those the user may create in;
/// the first of them when none was asked for; `None` when the one asked
/// for is not among them. With `any_id`, a queue id is taken as it is,
/// so that creating there is refused by rt-core (a 403), not by the form.
fn pick_queue(tx: &mut Tx<'_>, asked: Option<&str>, any_id: bool) -> rt_core::Result<Option<QueueId>> {
    let queues = tx.queues_for_create()?;
    let asked = asked.map(str::trim).unwrap_or("");
    if asked.is_empty() {
        return Ok(queues.first().map(|q| q.queue_id()));
    }
    if any_id && let Ok(n) = asked.parse::<i64>() {
        return Ok(Some(QueueId(n)));
    }
    Ok(queues.iter().find(|q| q.id.to_string() == asked || q.name.eq_ignore_ascii_case(asked)).map(|q| q.queue_id()))
}

/// A link target: a ticket number or a URI.
fn link_end(text: &str) -> Option<LinkEnd> {
    let text = text.trim().trim_start_matches('#');
    if let Ok(n) = text.parse::<i64>() {
        return (n > 0).then_some(LinkEnd::Ticket(TicketId(n)));
    }
    text.contains(':').then(|| LinkEnd::Uri(text.to_string()))
}

/// RT's input name of a ticket custom field on the create form.
fn cf_input_name(id: i64) -> String {
    format!("Object-RT::Ticket--CustomField-{id}-Value")
}

/// The values typed or picked for custom field `id`: the `-Value` input,
/// or the `-Values` input (several selected, or one a line).
fn cf_values(form: &FormData, id: i64) -> Vec<String> {
    let single = cf_input_name(id);
    let several = format!("{single}s");
    let mut values: Vec<String> = Vec::new();
    for v in form.all(&several).into_iter().chain(form.all(&single)) {
        values.extend(v.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from));
    }
    values
}

/// A local date and time (or a date, at midnight) in the viewer's zone.
fn parse_local(text: &str, viewer: &Viewer) -> Option<DateTime<Utc>> {
    let naive = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    viewer.tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

/// Renders the form with what was typed in `form`.
fn create_page(
    site: &Rt,
    viewer: &Viewer,
    form: &FormData,
    errors: &Errors,
    mode: Mode,
    fresh: bool,
) -> Result<String, PageError> {
    let staff = mode == Mode::Staff;
    let mut ctx = context(site, Some(viewer), "Create a new ticket");
    viewer.session.read(|tx| {
        let queues = tx.queues_for_create()?;
        let queue = pick_queue(tx, form.get("Queue"), false)?.or_else(|| queues.first().map(|q| q.queue_id()));
        let queue_choices: Vec<Choice> = queues
            .iter()
            .map(|q| Choice { value: q.id.to_string(), label: q.name.clone(), selected: Some(q.queue_id()) == queue })
            .collect();
        ctx.insert("queues", &queue_choices);
        ctx.insert("queue", &queue.map(|q| q.0));
        let mut cfs = Vec::new();
        let mut statuses = Vec::new();
        let mut owners = Vec::new();
        if let Some(q) = queue {
            let name = queues.iter().find(|x| x.queue_id() == q).map(|x| x.name.clone()).unwrap_or_default();
            ctx.insert("queue_name", &name);
            for cf in tx.ticket_custom_fields_in_queue(q)? {
                let kind = match cf.kind {
                    CfType::Select => "select",
                    CfType::Text | CfType::Wikitext | CfType::Html => "textarea",
                    CfType::Binary | CfType::Image => continue,
                    _ => "text",
                };
                let multiple = cf.max_values != 1;
                let mut values = cf_values(form, cf.id.0);
                if fresh && values.is_empty() {
                    values.clone_from(&cf.default_values);
                }
                let options = if kind == "select" {
                    tx.custom_field_options(cf.id)?
                        .into_iter()
                        .map(|(name, _)| Choice { selected: values.contains(&name), value: name.clone(), label: name })
                        .collect()
                } else {
                    Vec::new()
                };
                let input = if multiple { format!("{}s", cf_input_name(cf.id.0)) } else { cf_input_name(cf.id.0) };
                let error = errors.fields.get(&cf_input_name(cf.id.0)).cloned().unwrap_or_default();
                cfs.push(CfInputView {
                    id: cf.id.0,
                    name: cf.name,
                    input,
                    multiple,
                    kind: if multiple && kind == "text" { "textarea" } else { kind },
                    hint: if cf.entry_hint.is_empty() { cf.validation_hint } else { cf.entry_hint },
                    value: values.join("\n"),
                    options,
                    error,
                });
            }
            if staff {
                let lifecycle = tx.queue_lifecycle(q)?.clone();
                let typed = form.text("Status").to_lowercase();
                let default = lifecycle.on_create().to_string();
                let mut initial: Vec<String> = lifecycle.transitions_from("").to_vec();
                if initial.is_empty() {
                    initial.push(default.clone());
                }
                for s in initial {
                    let selected = if typed.is_empty() { s == default } else { s == typed };
                    statuses.push(Choice { value: s.clone(), label: s, selected });
                }
                let nobody = tx.system().nobody.0.to_string();
                let typed_owner = form.get("Owner").map(String::from).unwrap_or(nobody);
                owners = owner_choices(tx, AclObject::Queue(q), &typed_owner)?;
            }
        }
        ctx.insert("custom_fields", &cfs);
        ctx.insert("statuses", &statuses);
        ctx.insert("owners", &owners);
        Ok(())
    })?;
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    for name in FIELDS {
        values.insert(name, form.text(name));
    }
    if form.get("InitialPriority").is_none() {
        values.insert("InitialPriority", form.text("Priority"));
    }
    let links: Vec<(&str, String, String, String)> = LINKS
        .iter()
        .map(|(field, kind, new_is_base)| {
            let label = match (*kind, *new_is_base) {
                ("DependsOn", true) => "Depends on",
                ("DependsOn", false) => "Depended on by",
                ("MemberOf", true) => "Parents",
                ("MemberOf", false) => "Children",
                ("RefersTo", true) => "Refers to",
                _ => "Referred to by",
            };
            let error = errors.fields.get(*field).cloned().unwrap_or_default();
            (*field, label.to_string(), form.text(field), error)
        })
        .collect();
    ctx.insert("links", &links);
    ctx.insert("values", &values);
    ctx.insert("errors", errors);
    ctx.insert("self_service", &!staff);
    ctx.insert("tz", &viewer.tz.name());
    ctx.insert("action", if staff { "/Ticket/Create.html" } else { "/SelfService/Create.html" });
    render("create.html", &ctx)
}
