//! The pages that change a ticket, at RT's URLs and with RT's parameter
//! names: `/Ticket/Modify.html` (the basics: `Subject`, `Status`,
//! `Queue`, `Owner`, `Priority`, `FinalPriority`, `TimeEstimated`,
//! `TimeWorked`, `TimeLeft`, `SLA`, and custom fields as
//! `Object-RT::Ticket-N-CustomField-C-Value(s)`),
//! `/Ticket/ModifyDates.html` (`Starts_Date`, `Started_Date`, `Due_Date`,
//! `Told_Date`, read in the user's time zone as RT reads dates; empty
//! clears), `/Ticket/ModifyPeople.html` (`Owner`, `ForceOwnerChange`,
//! `Ticket-DeleteWatcher-Type-<Role>-Principal-<id>`,
//! `Ticket-AddWatcher-Principal-<id>=<Role>`, `WatcherTypeEmailN` with
//! `WatcherAddressEmailN`, and the bulk editor's
//! `AddRequestor`/`DeleteCc`... by email address or user name),
//! `/Ticket/ModifyLinks.html` (`N-DependsOn`, `DependsOn-N`,
//! `N-MemberOf`, `MemberOf-N`, `N-RefersTo`, `RefersTo-N` as
//! space-separated ticket numbers or URIs,
//! `DeleteLink-<base>-<type>-<target>`, and `N-MergeInto` (or
//! `MergeInto`), applied last) and `/Ticket/ModifyAll.html` (all of
//! them on one page, RT's "Jumbo").
//!
//! The people and links boxes live in `modify/people.rs` and
//! `modify/links.rs`.
//!
//! A POST applies every change it can, each as its own rt-core call in
//! its own DB transaction, in RT's order, and shows the page again with a
//! sentence per change ("Subject changed from 'x' to 'y'") and, next to
//! each refused field, why, with what the user typed kept. A refused
//! right changes nothing for its field; the answer is then 403, other bad
//! input 400.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use rt_core::{CfObject, CfType, Rt, Ticket, TicketId, TicketUpdate, Tx};
use serde::Serialize;

use links::{apply_links, link_boxes};
use people::{add_rows, apply_owner, apply_people, role_boxes};

use super::ticket::{owner_choices, tabs, ticket_id};
use super::{Answer, Audience, PageError, Viewer, context, render, run, run_post};

mod links;
mod people;

/// Which boxes a page shows and handles.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parts {
    path: &'static str,
    title: &'static str,
    basics: bool,
    dates: bool,
    people: bool,
    links: bool,
}

const BASICS: Parts = Parts {
    path: "/Ticket/Modify.html",
    title: "Modify ticket",
    basics: true,
    dates: false,
    people: false,
    links: false,
};
const DATES: Parts = Parts {
    path: "/Ticket/ModifyDates.html",
    title: "Modify dates for ticket",
    basics: false,
    dates: true,
    people: false,
    links: false,
};
const PEOPLE: Parts = Parts {
    path: "/Ticket/ModifyPeople.html",
    title: "Modify people related to ticket",
    basics: false,
    dates: false,
    people: true,
    links: false,
};
const LINKS: Parts = Parts {
    path: "/Ticket/ModifyLinks.html",
    title: "Link ticket",
    basics: false,
    dates: false,
    people: false,
    links: true,
};
const JUMBO: Parts =
    Parts { path: "/Ticket/ModifyAll.html", title: "Ticket", basics: true, dates: true, people: true, links: true };

/// The date fields, in RT's order, with their labels.
const DATE_FIELDS: [(&str, &str); 4] =
    [("Starts", "Starts"), ("Started", "Started"), ("Due", "Due"), ("Told", "Last Contact")];

/// Registers the pages' routes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    for parts in [BASICS, DATES, PEOPLE, LINKS, JUMBO] {
        cfg.service(
            web::resource(parts.path)
                .route(web::get().to(move |req: HttpRequest, rt: web::Data<Rt>| show(req, rt, parts)))
                .route(web::post().to(
                    move |req: HttpRequest, rt: web::Data<Rt>, form: web::Form<Vec<(String, String)>>| {
                        submit(req, rt, parts, form.into_inner())
                    },
                )),
        );
    }
}

/// A submitted form: RT's pages repeat some names, the last one counts.
pub(crate) struct Form(pub Vec<(String, String)>);

impl Form {
    /// The last value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The names, each once, in order.
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for (k, _) in &self.0 {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        keys
    }
}

/// What a POST did: a sentence per change, the refusals by field, what
/// the user typed in refused fields.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub results: Vec<String>,
    pub errors: HashMap<String, String>,
    pub typed: HashMap<String, String>,
    /// Whether a refusal was for want of a right.
    pub denied: bool,
}

impl Outcome {
    /// Records the outcome of one change to `field`: `Ok` gives the
    /// sentence to show (if any); a refusal is shown next to the field
    /// with what was typed; a failure of the server stops the page.
    pub fn record<T>(
        &mut self,
        field: &str,
        typed: &str,
        result: rt_core::Result<T>,
        said: impl FnOnce(T) -> Option<String>,
    ) -> Result<(), PageError> {
        match result {
            Ok(value) => {
                self.results.extend(said(value));
                Ok(())
            }
            Err(e) => {
                let message = explain(&e).ok_or(PageError::Core(e))?;
                self.refuse(field, typed, message);
                Ok(())
            }
        }
    }

    /// Refuses `field` with `message`.
    pub fn refuse(&mut self, field: &str, typed: &str, message: String) {
        if message.starts_with("Permission Denied") {
            self.denied = true;
        }
        self.errors.insert(field.to_string(), message);
        self.typed.insert(field.to_string(), typed.to_string());
    }

    /// The page's status: 403 when a right was missing, 400 for other
    /// refusals, else 200.
    pub fn status(&self) -> StatusCode {
        if self.denied {
            StatusCode::FORBIDDEN
        } else if self.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        }
    }

    /// The value to show in `field`: what was typed if it was refused.
    fn value(&self, field: &str, current: String) -> String {
        self.typed.get(field).cloned().unwrap_or(current)
    }

    fn input(&self, name: &str, label: &str, kind: &'static str, current: String) -> Input {
        Input {
            name: name.to_string(),
            label: label.to_string(),
            value: self.value(name, current),
            error: self.errors.get(name).cloned(),
            kind,
            options: Vec::new(),
            selected: Vec::new(),
            magic: false,
            hint: String::new(),
        }
    }
}

/// A refusal as the user reads it; `None` for failures of the server.
pub(crate) fn explain(e: &rt_core::Error) -> Option<String> {
    use rt_core::Error as E;
    Some(match e {
        E::PermissionDenied { right, .. } => format!("Permission Denied: this needs the {right} right."),
        E::Validation { message, .. } => capitalized(message),
        E::NotFound { kind, id } => format!("No {kind} {id}."),
        E::Conflict(message) => capitalized(message),
        E::Config { .. } | E::Database(_) => return None,
    })
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One input of a form.
#[derive(Debug, Serialize)]
pub(crate) struct Input {
    name: String,
    label: String,
    value: String,
    error: Option<String>,
    /// `text`, `select`, `multiselect` or `textarea`.
    kind: &'static str,
    options: Vec<(String, String)>,
    /// The chosen options of a `multiselect`.
    selected: Vec<String>,
    /// Whether RT's hidden `<name>-Magic` goes with it.
    magic: bool,
    hint: String,
}

async fn show(req: HttpRequest, rt: web::Data<Rt>, parts: Parts) -> HttpResponse {
    let site = rt.clone().into_inner();
    let id = super::param(&req, "id");
    run(&req, rt, Audience::Privileged, move |viewer| {
        let id = ticket_id(id.as_deref())?;
        render_page(&site, viewer, parts, id, &Outcome::default())
    })
    .await
}

async fn submit(req: HttpRequest, rt: web::Data<Rt>, parts: Parts, form: Vec<(String, String)>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let form = Form(form);
    let token = form.get("CSRF").map(str::to_string);
    run_post(&req, rt, token, move |viewer| {
        let id = ticket_id(form.get("id"))?;
        let id = viewer.session.read(|tx| tx.resolve_ticket_id(id))?;
        let mut out = Outcome::default();
        if parts.basics {
            apply_basics(viewer, id, &form, &mut out)?;
            if !parts.people {
                // RT's basics have the owner too, unless the people box does.
                apply_owner(viewer, id, &form, &mut out)?;
            }
        }
        if parts.dates {
            apply_dates(viewer, id, &form, &mut out)?;
        }
        if parts.people {
            apply_people(viewer, id, &form, &mut out)?;
        }
        let id = if parts.links { apply_links(viewer, id, &form, &mut out)? } else { id };
        render_page(&site, viewer, parts, id, &out)
    })
    .await
}

fn render_page(site: &Rt, viewer: &Viewer, parts: Parts, id: TicketId, out: &Outcome) -> Result<Answer, PageError> {
    let mut ctx = context(site, Some(viewer), "");
    viewer.session.read(|tx| {
        let t = tx.ticket(id)?;
        ctx.insert("title", &format!("{} #{}: {}", parts.title, t.id.0, t.subject));
        ctx.insert("id", &t.id.0);
        ctx.insert("action", parts.path);
        ctx.insert("tabs", &tabs(t.id, parts.path));
        ctx.insert("results", &out.results);
        let mut errors: Vec<&String> = out.errors.values().collect();
        errors.sort();
        ctx.insert("errors", &errors);
        let mut basics = if parts.basics { basics_inputs(tx, &t, out)? } else { Vec::new() };
        if parts.basics && !parts.people {
            basics.insert(3, owner_input(tx, &t, out)?);
        }
        ctx.insert("basics", &basics);
        ctx.insert("dates", &if parts.dates { date_inputs(viewer, &t, out) } else { Vec::new() });
        ctx.insert("tz", &viewer.tz.name());
        ctx.insert("show_people", &parts.people);
        if parts.people {
            ctx.insert("owner", &owner_input(tx, &t, out)?);
            ctx.insert("roles", &role_boxes(tx, &t, out)?);
            ctx.insert("add_rows", &add_rows(out));
        }
        ctx.insert("show_links", &parts.links);
        if parts.links {
            ctx.insert("link_boxes", &link_boxes(tx, &t, out)?);
            let name = format!("{}-MergeInto", t.id.0);
            let mut merge = out.input(&name, "Merge into", "text", String::new());
            merge.hint = "a ticket number".into();
            if let Some(e) = out.errors.get("MergeInto") {
                merge.error = Some(e.clone());
            }
            ctx.insert("merge", &merge);
        }
        Ok(())
    })?;
    Ok(Answer::Page(out.status(), render("modify.html", &ctx)?))
}

/// The owner select: Nobody and the possible owners, the current owner
/// kept among them.
fn owner_input(tx: &mut Tx<'_>, t: &Ticket, out: &Outcome) -> rt_core::Result<Input> {
    let mut owner = out.input("Owner", "Owner", "select", t.owner.0.to_string());
    owner.options = owner_choices(tx, t.id)?.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
    if !owner.options.iter().any(|(id, _)| *id == t.owner.0.to_string()) {
        owner.options.push((t.owner.0.to_string(), tx.user(t.owner)?.name));
    }
    Ok(owner)
}

fn basics_inputs(tx: &mut Tx<'_>, t: &Ticket, out: &Outcome) -> rt_core::Result<Vec<Input>> {
    let mut inputs = vec![out.input("Subject", "Subject", "text", t.subject.clone())];
    // The statuses the user may move the ticket to, as RT's SelectStatus.
    let lifecycle = tx.queue_lifecycle(t.queue)?.clone();
    let mut status = out.input("Status", "Status", "select", t.status.clone());
    status.options.push((t.status.clone(), t.status.clone()));
    for next in lifecycle.transitions_from(&t.status) {
        if tx.has_right(lifecycle.check_right(&t.status, next), t.acl_object())? {
            status.options.push((next.clone(), next.clone()));
        }
    }
    inputs.push(status);
    let mut queue = out.input("Queue", "Queue", "select", t.queue.0.to_string());
    queue.options = tx.queues()?.into_iter().map(|q| (q.id.to_string(), q.name)).collect();
    if !queue.options.iter().any(|(id, _)| *id == t.queue.0.to_string()) {
        queue.options.insert(0, (t.queue.0.to_string(), super::queue_name(tx, t.queue)?));
    }
    inputs.push(queue);
    for (name, label, value) in [
        ("Priority", "Priority", t.priority),
        ("FinalPriority", "Final Priority", t.final_priority),
        ("TimeEstimated", "Time Estimated (minutes)", t.time_estimated),
        ("TimeWorked", "Time Worked (minutes)", t.time_worked),
        ("TimeLeft", "Time Left (minutes)", t.time_left),
    ] {
        inputs.push(out.input(name, label, "text", value.to_string()));
    }
    let mut sla = out.input("SLA", "SLA", "text", t.sla.clone().unwrap_or_default());
    sla.hint = "empty for none".into();
    inputs.push(sla);
    for cf in tx.custom_fields_for(CfObject::Ticket(t.id))? {
        let current = match tx.cf_values(CfObject::Ticket(t.id), cf.id) {
            Ok(values) => values.into_iter().map(|v| v.content).collect::<Vec<_>>(),
            Err(rt_core::Error::PermissionDenied { .. }) => continue,
            Err(e) => return Err(e),
        };
        let (name, multi) = cf_param(t.id, cf.id, cf.max_values);
        let mut input = if cf.kind == CfType::Select && multi {
            let mut input = out.input(&name, &cf.name, "multiselect", current.join("\n"));
            input.selected = match out.typed.get(&name) {
                Some(typed) => typed.lines().map(str::to_string).collect(),
                None => current.clone(),
            };
            input.options = tx.custom_field_options(cf.id)?.into_iter().map(|(v, _)| (v.clone(), v)).collect();
            input
        } else if cf.kind == CfType::Select {
            let mut input = out.input(&name, &cf.name, "select", current.first().cloned().unwrap_or_default());
            input.options = std::iter::once((String::new(), "(no value)".to_string()))
                .chain(tx.custom_field_options(cf.id)?.into_iter().map(|(v, _)| (v.clone(), v)))
                .collect();
            input
        } else if multi {
            out.input(&name, &cf.name, "textarea", current.join("\n"))
        } else {
            out.input(&name, &cf.name, "text", current.first().cloned().unwrap_or_default())
        };
        input.hint = if multi && cf.kind != CfType::Select { "one value a line".into() } else { cf.entry_hint };
        input.magic = multi;
        inputs.push(input);
    }
    Ok(inputs)
}

/// RT's parameter for a ticket's custom field, and whether it takes
/// several values (one a line).
fn cf_param(id: TicketId, cf: rt_core::CustomFieldId, max_values: i64) -> (String, bool) {
    let multi = max_values != 1;
    let suffix = if multi { "Values" } else { "Value" };
    (format!("Object-RT::Ticket-{}-CustomField-{}-{suffix}", id.0, cf.0), multi)
}

fn date_inputs(viewer: &Viewer, t: &Ticket, out: &Outcome) -> Vec<Input> {
    let current = [t.starts, t.started, t.due, t.told];
    DATE_FIELDS
        .iter()
        .zip(current)
        .map(|((field, label), value)| {
            let text = value.map(|d| d.with_timezone(&viewer.tz).format("%Y-%m-%d %H:%M:%S").to_string());
            let mut input = out.input(&format!("{field}_Date"), label, "text", text.unwrap_or_default());
            input.hint = format!("Currently: {}", viewer.maybe_date(value));
            input
        })
        .collect()
}

/// Applies the basics in RT's order: Subject, FinalPriority, Priority,
/// TimeEstimated, TimeLeft, Status, Queue, SLA, TimeWorked, then custom
/// fields.
fn apply_basics(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    let t = viewer.session.read(|tx| tx.ticket(id))?;
    if let Some(subject) = form.get("Subject")
        && subject.trim() != t.subject
    {
        let update = TicketUpdate { subject: Some(subject.to_string()), ..TicketUpdate::default() };
        let done = viewer.session.write(|tx| tx.update_ticket(id, &update));
        let new = subject.replace(['\r', '\n'], " ").trim().to_string();
        out.record("Subject", subject, done, |_| Some(format!("Subject changed from '{}' to '{new}'", t.subject)))?;
    }
    let numbers: [(&str, i64, SetNumber); 4] = [
        ("FinalPriority", t.final_priority, |u, n| u.final_priority = Some(n)),
        ("Priority", t.priority, |u, n| u.priority = Some(n)),
        ("TimeEstimated", t.time_estimated, |u, n| u.time_estimated = Some(n)),
        ("TimeLeft", t.time_left, |u, n| u.time_left = Some(n)),
    ];
    for (name, old, set) in numbers {
        apply_number(viewer, id, form, out, name, old, set)?;
    }
    if let Some(status) = form.get("Status").map(str::trim).filter(|s| !s.is_empty())
        && !status.eq_ignore_ascii_case(&t.status)
    {
        let done = viewer.session.write(|tx| tx.set_status(id, status));
        let new = status.to_lowercase();
        out.record("Status", status, done, |_| Some(format!("Status changed from '{}' to '{new}'", t.status)))?;
    }
    if let Some(queue) = form.get("Queue").map(str::trim).filter(|s| !s.is_empty()) {
        let target = viewer.session.read(|tx| tx.resolve_queue(queue));
        match target {
            Ok(q) if q == t.queue => {}
            Ok(q) => {
                let done = viewer.session.write(|tx| {
                    let old = super::queue_name(tx, t.queue)?;
                    tx.set_queue(id, q)?;
                    Ok((old, super::queue_name(tx, q)?))
                });
                out.record("Queue", queue, done, |(old, new)| Some(format!("Queue changed from '{old}' to '{new}'")))?;
            }
            Err(e) => out.record("Queue", queue, Err::<(), _>(e), |_| None)?,
        }
    }
    if let Some(sla) = form.get("SLA") {
        let new = Some(sla.trim().to_string()).filter(|s| !s.is_empty());
        if new != t.sla {
            let update = TicketUpdate { sla: Some(new.clone()), ..TicketUpdate::default() };
            let done = viewer.session.write(|tx| tx.update_ticket(id, &update));
            let (old, new) = (t.sla.clone().unwrap_or_default(), new.unwrap_or_default());
            out.record("SLA", sla, done, |_| Some(format!("SLA changed from '{old}' to '{new}'")))?;
        }
    }
    apply_number(viewer, id, form, out, "TimeWorked", t.time_worked, |u, n| u.time_worked = Some(n))?;
    apply_custom_fields(viewer, id, form, out)
}

/// Sets one whole-number field of an update.
type SetNumber = fn(&mut TicketUpdate, i64);

/// One whole-number field: empty leaves it as it is.
fn apply_number(
    viewer: &Viewer,
    id: TicketId,
    form: &Form,
    out: &mut Outcome,
    name: &str,
    old: i64,
    set: SetNumber,
) -> Result<(), PageError> {
    let Some(typed) = form.get(name).filter(|v| !v.trim().is_empty()) else { return Ok(()) };
    let Ok(new) = typed.trim().parse::<i64>() else {
        out.refuse(name, typed, format!("'{typed}' is not a whole number."));
        return Ok(());
    };
    if new == old {
        return Ok(());
    }
    let mut update = TicketUpdate::default();
    set(&mut update, new);
    let done = viewer.session.write(|tx| tx.update_ticket(id, &update));
    out.record(name, typed, done, |_| Some(format!("{name} changed from '{old}' to '{new}'")))
}

fn apply_custom_fields(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    let fields = viewer.session.read(|tx| tx.custom_fields_for(CfObject::Ticket(id)))?;
    for cf in fields {
        let (name, multi) = cf_param(id, cf.id, cf.max_values);
        // A multiple select sends nothing when emptied: RT's hidden
        // `-Values-Magic` says the field was on the form.
        let magic = form.get(&format!("{name}-Magic")).is_some();
        if form.get(&name).is_none() && !magic {
            continue;
        }
        let typed = &form.all(&name).join("\n");
        let wanted: Vec<&str> = if multi {
            let lines = form.all(&name).into_iter().flat_map(str::lines).map(str::trim);
            let mut wanted: Vec<&str> = Vec::new();
            for line in lines.filter(|v| !v.is_empty()) {
                if !wanted.contains(&line) {
                    wanted.push(line);
                }
            }
            wanted
        } else {
            form.get(&name).map(str::trim).filter(|v| !v.is_empty()).into_iter().collect()
        };
        let current = viewer.session.read(|tx| tx.cf_values(CfObject::Ticket(id), cf.id));
        let current: Vec<String> = match current {
            Ok(values) => values.into_iter().map(|v| v.content).collect(),
            Err(e) => {
                out.record(&name, typed, Err::<(), _>(e), |_| None)?;
                continue;
            }
        };
        let mut sorted_wanted = wanted.clone();
        sorted_wanted.sort_unstable();
        let mut sorted_current: Vec<&str> = current.iter().map(String::as_str).collect();
        sorted_current.sort_unstable();
        if sorted_wanted == sorted_current {
            continue;
        }
        let done = viewer.session.write(|tx| tx.set_cf_values(CfObject::Ticket(id), cf.id, &wanted));
        let said = if wanted.is_empty() {
            format!("{} values removed", cf.name)
        } else {
            format!("{} changed to '{}'", cf.name, wanted.join(", "))
        };
        out.record(&name, typed, done, |_| Some(said))?;
    }
    Ok(())
}

/// The date fields, read as RT reads dates (`2026-12-24 17:00`, `tomorrow`,
/// `in 3 days`...) in the user's time zone; empty clears a date.
fn apply_dates(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    let t = viewer.session.read(|tx| tx.ticket(id))?;
    let olds = [t.starts, t.started, t.due, t.told];
    for ((field, label), old) in DATE_FIELDS.iter().zip(olds) {
        let name = format!("{field}_Date");
        let Some(typed) = form.get(&name) else { continue };
        let new = match parse_date(typed, viewer) {
            Ok(new) => new,
            Err(message) => {
                out.refuse(&name, typed, message);
                continue;
            }
        };
        if new.map(|d| d.timestamp()) == old.map(|d| d.timestamp()) {
            continue;
        }
        let mut update = TicketUpdate::default();
        match *field {
            "Starts" => update.starts = Some(new),
            "Started" => update.started = Some(new),
            "Due" => update.due = Some(new),
            _ => update.told = Some(new),
        }
        let done = viewer.session.write(|tx| tx.update_ticket(id, &update));
        let (before, after) = (viewer.maybe_date(old), viewer.maybe_date(new));
        out.record(&name, typed, done, |_| Some(format!("{label} changed from '{before}' to '{after}'")))?;
    }
    Ok(())
}

/// A date as typed, in the viewer's zone; empty is no date.
pub(crate) fn parse_date(typed: &str, viewer: &Viewer) -> Result<Option<DateTime<Utc>>, String> {
    if typed.trim().is_empty() {
        return Ok(None);
    }
    rt_core::search::parse_date(typed, Utc::now(), viewer.tz)
        .map(|spec| Some(spec.start()))
        .map_err(|_| format!("'{}' is not a date RT understands (try 2026-12-24 17:00).", typed.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_sentences() {
        let denied = rt_core::Error::denied("ModifyTicket", "ticket 1");
        assert_eq!(explain(&denied).as_deref(), Some("Permission Denied: this needs the ModifyTicket right."));
        assert_eq!(explain(&rt_core::Error::invalid("x", "bad value")).as_deref(), Some("Bad value"));
        assert!(explain(&rt_core::Error::Database("boom".into())).is_none());
    }
}
