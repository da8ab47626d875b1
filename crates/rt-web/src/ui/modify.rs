//! The pages that change a ticket, at RT's URLs and with RT's parameter
//! names: `/Ticket/Modify.html` (the basics: `Subject`, `Status`,
//! `Queue`, `Priority`, `FinalPriority`, `TimeEstimated`, `TimeWorked`,
//! `TimeLeft`, `SLA`, and custom fields as
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
use rt_core::{CfObject, CfType, LinkEnd, LinkType, OwnerChange, PrincipalId, Role, Rt, Ticket, TicketId};
use rt_core::{TicketUpdate, Tx, UserId};
use serde::Serialize;

use super::ticket::{owner_choices, tabs, ticket_id};
use super::{Answer, Audience, PageError, Viewer, context, render, run, run_post};

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

/// The roles the people box edits, by RT's type name.
const ROLES: [(&str, &str, Role); 3] =
    [("Requestor", "Requestors", Role::Requestor), ("Cc", "Cc", Role::Cc), ("AdminCc", "Admin Cc", Role::AdminCc)];

/// How many "add a watcher" rows the people box offers.
const ADD_ROWS: usize = 3;

/// The date fields, in RT's order, with their labels.
const DATE_FIELDS: [(&str, &str); 4] =
    [("Starts", "Starts"), ("Started", "Started"), ("Due", "Due"), ("Told", "Last Contact")];

/// The link kinds: the parameter naming tickets to add (`{}` is the
/// ticket's id), the kind seen from the ticket, and the label.
const LINK_KINDS: [(&str, LinkType, &str); 6] = [
    ("{}-DependsOn", LinkType::DependsOn, "Depends on"),
    ("DependsOn-{}", LinkType::DependedOnBy, "Depended on by"),
    ("{}-MemberOf", LinkType::MemberOf, "Parents"),
    ("MemberOf-{}", LinkType::HasMember, "Children"),
    ("{}-RefersTo", LinkType::RefersTo, "Refers to"),
    ("RefersTo-{}", LinkType::ReferredToBy, "Referred to by"),
];

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

/// A current watcher with its delete checkbox.
#[derive(Debug, Serialize)]
struct Member {
    param: String,
    name: String,
    error: Option<String>,
}

/// A role's current watchers.
#[derive(Debug, Serialize)]
struct RoleBox {
    label: &'static str,
    members: Vec<Member>,
}

/// A row adding a watcher: its role select's name and the address input.
#[derive(Debug, Serialize)]
struct AddRow {
    type_name: String,
    type_value: String,
    address: Input,
}

/// A current link with its delete checkbox.
#[derive(Debug, Serialize)]
struct LinkRow {
    param: String,
    ticket: Option<i64>,
    text: String,
}

/// A kind of link: current ones and the input adding more.
#[derive(Debug, Serialize)]
struct LinkBox {
    label: &'static str,
    items: Vec<LinkRow>,
    add: Input,
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
        ctx.insert("basics", &if parts.basics { basics_inputs(tx, &t, out)? } else { Vec::new() });
        ctx.insert("dates", &if parts.dates { date_inputs(viewer, &t, out) } else { Vec::new() });
        ctx.insert("tz", &viewer.tz.name());
        ctx.insert("show_people", &parts.people);
        if parts.people {
            let mut owner = out.input("Owner", "Owner", "select", t.owner.0.to_string());
            owner.options = owner_choices(tx, t.id)?.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
            ctx.insert("owner", &owner);
            ctx.insert("roles", &role_boxes(tx, &t, out)?);
            let rows: Vec<AddRow> = (1..=ADD_ROWS)
                .map(|n| {
                    let type_name = format!("WatcherTypeEmail{n}");
                    let type_value = out.typed.get(&type_name).cloned().unwrap_or_default();
                    let address =
                        out.input(&format!("WatcherAddressEmail{n}"), "Email or user name", "text", "".into());
                    AddRow { type_name, type_value, address }
                })
                .collect();
            ctx.insert("add_rows", &rows);
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

fn role_boxes(tx: &mut Tx<'_>, t: &Ticket, out: &Outcome) -> rt_core::Result<Vec<RoleBox>> {
    let mut boxes = Vec::new();
    for (type_name, label, role) in ROLES {
        let mut members = Vec::new();
        for principal in tx.ticket_role_members(t.id, role)? {
            let param = format!("Ticket-DeleteWatcher-Type-{type_name}-Principal-{}", principal.0);
            let name = principal_name(tx, principal)?;
            members.push(Member { error: out.errors.get(&param).cloned(), param, name });
        }
        boxes.push(RoleBox { label, members });
    }
    Ok(boxes)
}

/// A user's name and address, or a group's name.
fn principal_name(tx: &mut Tx<'_>, principal: PrincipalId) -> rt_core::Result<String> {
    match tx.user(UserId(principal.0)) {
        Ok(u) => Ok(match u.email_address {
            Some(email) if email != u.name => format!("{} <{email}>", u.name),
            _ => u.name,
        }),
        Err(rt_core::Error::NotFound { .. }) => {
            Ok(tx.group(rt_core::GroupId(principal.0)).map(|g| format!("Group: {}", g.name)).unwrap_or_default())
        }
        Err(e) => Err(e),
    }
}

fn link_boxes(tx: &mut Tx<'_>, t: &Ticket, out: &Outcome) -> rt_core::Result<Vec<LinkBox>> {
    let links = tx.links(t.id)?;
    let mut boxes = Vec::new();
    for (param, kind, label) in LINK_KINDS {
        let mut items = Vec::new();
        for link in &links {
            let Some((seen, end)) = link.seen_from(t.id) else { continue };
            if seen != kind {
                continue;
            }
            let param = format!("DeleteLink-{}-{}-{}", link.base, link.kind, link.target);
            items.push(match end {
                LinkEnd::Ticket(other) => {
                    let text = match tx.ticket(other) {
                        Ok(o) if o.kind == "reminder" => continue,
                        Ok(o) => format!("#{}: {}", other.0, o.subject),
                        Err(rt_core::Error::PermissionDenied { .. } | rt_core::Error::NotFound { .. }) => {
                            format!("#{}", other.0)
                        }
                        Err(e) => return Err(e),
                    };
                    LinkRow { param, ticket: Some(other.0), text }
                }
                LinkEnd::Uri(uri) => LinkRow { param, ticket: None, text: uri },
            });
        }
        let name = param.replace("{}", &t.id.0.to_string());
        let mut add = out.input(&name, &format!("Add {}", label.to_lowercase()), "text", String::new());
        add.hint = "ticket numbers or URIs, separated by spaces".into();
        boxes.push(LinkBox { label, items, add });
    }
    Ok(boxes)
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

/// Owner, watchers removed, then watchers added, as RT's
/// ProcessTicketWatchers.
fn apply_people(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    let t = viewer.session.read(|tx| tx.ticket(id))?;
    if let Some(owner) = form.get("Owner").map(str::trim).filter(|o| !o.is_empty()) {
        let found = viewer.session.read(|tx| match owner.parse::<i64>() {
            Ok(n) => tx.user(UserId(n)),
            Err(_) => tx.user_by_name(owner),
        });
        match found {
            Ok(user) if user.user_id() == t.owner => {}
            Ok(user) => {
                let how = if form.get("ForceOwnerChange").is_some() { OwnerChange::Force } else { OwnerChange::Set };
                let done = viewer.session.write(|tx| {
                    let old = tx.user(t.owner)?.name;
                    tx.set_owner(id, user.user_id(), how)?;
                    Ok(old)
                });
                out.record("Owner", owner, done, |old| Some(format!("Owner changed from {old} to {}", user.name)))?;
            }
            Err(e) => out.record("Owner", owner, Err::<(), _>(e), |_| None)?,
        }
    }
    for key in form.keys() {
        let Some(rest) = key.strip_prefix("Ticket-DeleteWatcher-Type-") else { continue };
        let Some((type_name, principal)) = rest.split_once("-Principal-") else { continue };
        let (Some(role), Ok(principal)) = (role_named(type_name), principal.parse::<i64>()) else {
            out.refuse(key, "", format!("There is no watcher {rest} to remove."));
            continue;
        };
        let principal = PrincipalId(principal);
        let done = viewer.session.write(|tx| {
            let name = principal_name(tx, principal)?;
            tx.delete_watcher(id, role, principal)?;
            Ok(name)
        });
        out.record(key, "", done, |name| Some(format!("{name} is no longer a {type_name} for this ticket")))?;
    }
    for (type_name, _, role) in ROLES {
        let key = format!("Delete{type_name}");
        for address in form.all(&key).into_iter().map(str::trim).filter(|a| !a.is_empty()) {
            let done = viewer.session.write(|tx| {
                let user = tx.user_by_name(address)?;
                tx.delete_watcher(id, role, user.user_id().into())
            });
            out.record(&key, address, done, |_| Some(format!("{address} is no longer a {type_name} for this ticket")))?;
        }
    }
    let mut adds: Vec<(String, String, String)> = Vec::new();
    for key in form.keys() {
        if let Some(n) = key.strip_prefix("WatcherTypeEmail") {
            let address_key = format!("WatcherAddressEmail{n}");
            let address = form.get(&address_key).unwrap_or("").trim();
            if !address.is_empty() {
                adds.push((form.get(key).unwrap_or("").to_string(), address_key, address.to_string()));
            }
        }
    }
    for (type_name, _, _) in ROLES {
        let key = format!("Add{type_name}");
        for address in form.all(&key).into_iter().map(str::trim).filter(|a| !a.is_empty()) {
            adds.push((type_name.to_string(), key.clone(), address.to_string()));
        }
    }
    for key in form.keys() {
        let Some(principal) = key.strip_prefix("Ticket-AddWatcher-Principal-") else { continue };
        let type_name = form.get(key).unwrap_or("").trim();
        if type_name.is_empty() {
            continue;
        }
        let (Some(role), Ok(principal)) = (role_named(type_name), principal.parse::<i64>()) else {
            out.refuse(key, type_name, "Choose Requestor, Cc or AdminCc.".into());
            continue;
        };
        let principal = PrincipalId(principal);
        let done = viewer.session.write(|tx| {
            tx.add_watcher(id, role, principal)?;
            principal_name(tx, principal)
        });
        out.record(key, type_name, done, |name| Some(format!("Added {name} as {type_name} for this ticket")))?;
    }
    for (type_name, key, typed) in adds {
        let Some(role) = role_named(&type_name) else {
            out.refuse(&key, &typed, "Choose Requestor, Cc or AdminCc.".into());
            continue;
        };
        for address in typed.split([',', ' ']).map(str::trim).filter(|a| !a.is_empty()) {
            let done = viewer.session.write(|tx| tx.add_watcher_address(id, role, address));
            out.record(&key, &typed, done, |_| Some(format!("Added {address} as {type_name} for this ticket")))?;
        }
    }
    Ok(())
}

/// RT's name of a role, as its forms write it.
fn role_named(name: &str) -> Option<Role> {
    ROLES.iter().find(|(type_name, _, _)| type_name.eq_ignore_ascii_case(name)).map(|(_, _, role)| *role)
}

/// Links removed, links added, then the merge; answers the ticket to show
/// afterwards (the one merged into, after a merge).
fn apply_links(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<TicketId, PageError> {
    let here = viewer.session.read(|tx| Ok(tx.ticket_uri(id)))?;
    for key in form.keys() {
        let Some(rest) = key.strip_prefix("DeleteLink-") else { continue };
        let parsed = ["-DependsOn-", "-MemberOf-", "-RefersTo-"]
            .iter()
            .find_map(|sep| rest.split_once(sep).map(|(base, target)| (base, sep.trim_matches('-'), target)));
        let Some((base, stored, target)) = parsed else {
            out.refuse(key, "", format!("There is no link {rest} to remove."));
            continue;
        };
        let Some(stored_kind) = LinkType::from_name(stored) else { continue };
        let (kind, other) = if base == here {
            (stored_kind, target)
        } else if target == here {
            (stored_kind.reverse(), base)
        } else {
            out.refuse(key, "", format!("The link {rest} is not one of this ticket's."));
            continue;
        };
        let end = viewer.session.read(|tx| Ok(link_end(tx, other)))?;
        let done = viewer.session.write(|tx| tx.delete_link(id, kind, end));
        out.record(key, "", done, |removed| removed.then(|| format!("Link removed: {} {other}", describe(kind))))?;
    }
    for (param, kind, _) in LINK_KINDS {
        let key = param.replace("{}", &id.0.to_string());
        let Some(typed) = form.get(&key) else { continue };
        for word in typed.split_whitespace() {
            let end = match parse_link_end(word) {
                Ok(end) => end,
                Err(message) => {
                    out.refuse(&key, typed, message);
                    continue;
                }
            };
            let done = viewer.session.write(|tx| tx.add_link(id, kind, end));
            out.record(&key, typed, done, |_| Some(format!("Link added: ticket {} {} {word}", id.0, describe(kind))))?;
        }
    }
    let merge_key = format!("{}-MergeInto", id.0);
    let (key, typed) = match (form.get(&merge_key), form.get("MergeInto")) {
        (Some(v), _) if !v.trim().is_empty() => (merge_key, v),
        (_, Some(v)) if !v.trim().is_empty() => ("MergeInto".to_string(), v),
        _ => return Ok(id),
    };
    let number: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(into) = number.trim_start_matches('#').parse::<i64>().ok().filter(|n| *n > 0).map(TicketId) else {
        out.refuse(&key, typed, format!("'{}' is not a ticket number.", typed.trim()));
        return Ok(id);
    };
    let done = viewer.session.write(|tx| {
        tx.merge_tickets(id, into)?;
        tx.resolve_ticket_id(into)
    });
    let mut shown = id;
    out.record(&key, typed, done, |target| {
        shown = target;
        Some(format!("Merge Successful: ticket {} merged into ticket {}", id.0, target.0))
    })?;
    Ok(shown)
}

/// A link's other end as written in a form: a ticket number (`#` allowed)
/// or a URI.
fn parse_link_end(word: &str) -> Result<LinkEnd, String> {
    if let Ok(n) = word.trim_start_matches('#').parse::<i64>() {
        return if n > 0 { Ok(LinkEnd::Ticket(TicketId(n))) } else { Err(format!("'{word}' is not a ticket number.")) };
    }
    if word.contains("://") || word.starts_with("mailto:") {
        Ok(LinkEnd::Uri(word.to_string()))
    } else {
        Err(format!("'{word}' is neither a ticket number nor a URI."))
    }
}

/// A link's stored end as rt-core takes it: this system's ticket URIs as
/// tickets.
fn link_end(tx: &mut Tx<'_>, uri: &str) -> LinkEnd {
    if let Some((_, n)) = uri.rsplit_once("/ticket/")
        && let Ok(n) = n.parse::<i64>()
        && tx.ticket_uri(TicketId(n)) == uri
    {
        return LinkEnd::Ticket(TicketId(n));
    }
    LinkEnd::Uri(uri.to_string())
}

fn describe(kind: LinkType) -> &'static str {
    match kind {
        LinkType::DependsOn => "depends on",
        LinkType::DependedOnBy => "is depended on by",
        LinkType::MemberOf => "is a member of",
        LinkType::HasMember => "has member",
        LinkType::RefersTo => "refers to",
        LinkType::ReferredToBy => "is referred to by",
        LinkType::MergedInto => "is merged into",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_ends_are_numbers_or_uris() {
        assert_eq!(parse_link_end("#12"), Ok(LinkEnd::Ticket(TicketId(12))));
        assert_eq!(parse_link_end("https://example.org/x"), Ok(LinkEnd::Uri("https://example.org/x".into())));
        assert!(parse_link_end("0").is_err());
        assert!(parse_link_end("soon").is_err());
    }

    #[test]
    fn refusals_read_as_sentences() {
        let denied = rt_core::Error::denied("ModifyTicket", "ticket 1");
        assert_eq!(explain(&denied).as_deref(), Some("Permission Denied: this needs the ModifyTicket right."));
        assert_eq!(explain(&rt_core::Error::invalid("x", "bad value")).as_deref(), Some("Bad value"));
        assert!(explain(&rt_core::Error::Database("boom".into())).is_none());
    }
}
