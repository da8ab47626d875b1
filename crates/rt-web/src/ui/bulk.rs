//! `/Search/Bulk.html?Query=...`: bulk update of a search's tickets.
//!
//! GET lists the search's tickets (a page at a time: `RowsPerPage`, `Page`,
//! with the count and paging links) with a
//! checkbox each (`UpdateTicket`) and the update form; POST (with the
//! session's CSRF token) changes the checked tickets. RT's parameter
//! names: `Owner` (a user name; `ForceOwnerChange` to take tickets others
//! own), `Queue`, `Status`, `Priority`, `Subject`;
//! `AddRequestor`/`DeleteRequestor`, `AddCc`/`DeleteCc`,
//! `AddAdminCc`/`DeleteAdminCc` (addresses or names, separated by commas
//! or spaces); links as RT's `Ticket-DependsOn` (the ticket depends on
//! the given ones), `DependsOn-Ticket` (they depend on it), and the same
//! for `MemberOf` and `RefersTo`; custom fields as
//! `Bulk-Add-CustomField-<id>-Value` and `Bulk-Delete-CustomField-<id>-Value`;
//! a reply or comment to each (`UpdateType` `response` or `private`,
//! `UpdateContent`); and `MergeInto` (a ticket number) to merge the checked
//! tickets into one.
//!
//! Input that cannot apply to any ticket (an unknown owner or queue, a
//! priority that is no number, no ticket checked) is reported next to its
//! field and nothing changes. Otherwise each change to each ticket runs in
//! its own rt-core write as the user, so one refused right (or a status
//! the ticket's lifecycle forbids) is reported for that ticket
//! ("Ticket 12: Permission denied") and the other changes go on.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::search::{Paging, parse_order_by};
use rt_core::{
    CfObject, CustomFieldId, LinkEnd, LinkType, Message, OwnerChange, PrincipalId, Role, Rt, TicketId, TicketQuery,
    TicketUpdate, Tx, UserId,
};
use serde::Serialize;

use super::build::Form;
use super::{Answer, Audience, PageError, Viewer, context, render, run, run_post};

/// `GET /Search/Bulk.html`.
pub(crate) async fn form(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let form = Form::parse(req.uri().query().unwrap_or("").as_bytes());
    let site = rt.clone().into_inner();
    run(&req, rt, Audience::Privileged, move |viewer| page(&site, viewer, &form, Vec::new(), Problems::new())).await
}

/// `POST /Search/Bulk.html`.
pub(crate) async fn submit(req: HttpRequest, rt: web::Data<Rt>, body: web::Bytes) -> HttpResponse {
    let form = Form::parse(&body);
    let token = form.get("CSRF").map(str::to_string);
    let site = rt.clone().into_inner();
    run_post(&req, rt, token, move |viewer| {
        let mut problems = Problems::new();
        let plan = plan(viewer, &form, &mut problems)?;
        let results = if problems.is_empty() { apply(viewer, &plan) } else { Vec::new() };
        page(&site, viewer, &form, results, problems)
    })
    .await
}

/// Field → message, for input refused before anything changed.
type Problems = HashMap<&'static str, String>;

/// What to do to each checked ticket, checked once.
#[derive(Default)]
struct Plan {
    tickets: Vec<TicketId>,
    owner: Option<(UserId, String)>,
    force_owner: bool,
    queue: Option<(rt_core::QueueId, String)>,
    status: Option<String>,
    priority: Option<i64>,
    subject: Option<String>,
    watchers: Vec<(bool, Role, String)>,
    links: Vec<(LinkType, LinkEnd, String)>,
    cf_changes: Vec<(bool, CustomFieldId, String, String)>,
    message: Option<(bool, String)>,
    merge_into: Option<TicketId>,
}

/// The roles' form names.
const ROLES: [(&str, &str, Role); 3] =
    [("Requestor", "Requestors", Role::Requestor), ("Cc", "Cc", Role::Cc), ("AdminCc", "AdminCc", Role::AdminCc)];

/// Link fields: (form name, label, link type from the ticket's side).
const LINKS: [(&str, &str, LinkType); 6] = [
    ("Ticket-DependsOn", "Depends on", LinkType::DependsOn),
    ("DependsOn-Ticket", "Depended on by", LinkType::DependedOnBy),
    ("Ticket-MemberOf", "Member of (parents)", LinkType::MemberOf),
    ("MemberOf-Ticket", "Members (children)", LinkType::HasMember),
    ("Ticket-RefersTo", "Refers to", LinkType::RefersTo),
    ("RefersTo-Ticket", "Referred to by", LinkType::ReferredToBy),
];

/// Reads and checks the form; what cannot apply to any ticket goes to
/// `problems`.
fn plan(viewer: &Viewer, form: &Form, problems: &mut Problems) -> Result<Plan, PageError> {
    let mut plan = Plan {
        tickets: form.all("UpdateTicket").iter().filter_map(|v| v.trim().parse().ok()).map(TicketId).collect(),
        force_owner: form.has("ForceOwnerChange"),
        status: form.value("Status").map(|s| s.trim().to_string()),
        subject: form.value("Subject").map(|s| s.trim().to_string()),
        ..Plan::default()
    };
    if plan.tickets.is_empty() {
        problems.insert("UpdateTicket", "Select at least one ticket to update.".into());
    }
    if let Some(p) = form.value("Priority") {
        match p.trim().parse() {
            Ok(n) => plan.priority = Some(n),
            Err(_) => {
                problems.insert("Priority", format!("'{p}' is not a number."));
            }
        }
    }
    if let Some(m) = form.value("MergeInto") {
        match m.trim().trim_start_matches('#').parse() {
            Ok(n) => plan.merge_into = Some(TicketId(n)),
            Err(_) => {
                problems.insert("MergeInto", format!("'{m}' is not a ticket number."));
            }
        }
    }
    for (stem, _, role) in ROLES {
        for (add, prefix) in [(true, "Add"), (false, "Delete")] {
            let name = format!("{prefix}{stem}");
            for who in form.value(&name).unwrap_or("").split([',', ' ', '\n', '\r', '\t']).filter(|w| !w.is_empty()) {
                plan.watchers.push((add, role, who.to_string()));
            }
        }
    }
    for (name, _, kind) in LINKS {
        for target in form.value(name).unwrap_or("").split_whitespace() {
            let end = match target.trim_start_matches('#').parse::<i64>() {
                Ok(n) => LinkEnd::Ticket(TicketId(n)),
                Err(_) if target.contains("://") => LinkEnd::Uri(target.to_string()),
                Err(_) => {
                    problems.insert(name, format!("'{target}' is neither a ticket number nor a URI."));
                    continue;
                }
            };
            plan.links.push((kind, end, target.to_string()));
        }
    }
    if let Some(content) = form.value("UpdateContent") {
        let comment = match form.get("UpdateType").unwrap_or("private") {
            "private" => true,
            "response" => false,
            other => {
                problems.insert("UpdateType", format!("'{other}' is neither a reply nor a comment."));
                true
            }
        };
        plan.message = Some((comment, content.to_string()));
    }
    viewer.session.read(|tx| {
        if let Some(name) = form.value("Owner") {
            match tx.user_by_name(name.trim()) {
                Ok(user) => plan.owner = Some((user.user_id(), user.name)),
                Err(rt_core::Error::NotFound { .. }) => {
                    problems.insert("Owner", format!("No user '{}'.", name.trim()));
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(name) = form.value("Queue") {
            match tx.resolve_queue(name.trim()) {
                Ok(id) => plan.queue = Some((id, name.trim().to_string())),
                Err(rt_core::Error::NotFound { .. }) => {
                    problems.insert("Queue", format!("No queue '{}'.", name.trim()));
                }
                Err(e) => return Err(e),
            }
        }
        for cf in tx.visible_custom_fields()?.into_iter().filter(|cf| cf.lookup == rt_core::LookupType::Ticket) {
            for (add, prefix) in [(true, "Add"), (false, "Delete")] {
                if let Some(value) = form.value(&format!("Bulk-{prefix}-CustomField-{}-Value", cf.id.0)) {
                    plan.cf_changes.push((add, cf.id, cf.name.clone(), value.trim().to_string()));
                }
            }
        }
        Ok(())
    })?;
    Ok(plan)
}

/// Runs the plan on each ticket; one line per change or refusal.
fn apply(viewer: &Viewer, plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    for &id in &plan.tickets {
        let mut say = |what: String| out.push(format!("Ticket {}: {what}", id.0));
        let before = match viewer.session.read(|tx| tx.ticket(id)) {
            Ok(t) => t,
            Err(e) => {
                say(refusal(&e));
                continue;
            }
        };
        let mut step = |what: &dyn Fn(&mut Tx<'_>) -> rt_core::Result<String>| match viewer.session.write(|tx| what(tx))
        {
            Ok(message) if !message.is_empty() => say(message),
            Ok(_) => {}
            Err(e) => say(refusal(&e)),
        };
        if let Some(subject) = &plan.subject {
            step(&|tx| {
                let update = TicketUpdate { subject: Some(subject.clone()), ..TicketUpdate::default() };
                let done = tx.update_ticket(id, &update)?;
                Ok(if done.is_empty() { String::new() } else { format!("Subject changed to '{subject}'") })
            });
        }
        if let Some(priority) = plan.priority {
            step(&|tx| {
                let done =
                    tx.update_ticket(id, &TicketUpdate { priority: Some(priority), ..TicketUpdate::default() })?;
                Ok(if done.is_empty() {
                    String::new()
                } else {
                    format!("Priority changed from {} to {priority}", before.priority)
                })
            });
        }
        if let Some((queue, name)) = &plan.queue {
            step(&|tx| {
                if before.queue == *queue {
                    return Ok(String::new());
                }
                let old = super::queue_name(tx, before.queue)?;
                tx.set_queue(id, *queue)?;
                Ok(format!("Queue changed from '{old}' to '{name}'"))
            });
        }
        if let Some((owner, name)) = &plan.owner {
            step(&|tx| {
                if before.owner == *owner {
                    return Ok(String::new());
                }
                let old = tx.user(before.owner)?.name;
                let how = if plan.force_owner { OwnerChange::Force } else { OwnerChange::Set };
                tx.set_owner(id, *owner, how)?;
                Ok(format!("Owner changed from '{old}' to '{name}'"))
            });
        }
        if let Some(status) = &plan.status {
            step(&|tx| {
                if before.status.eq_ignore_ascii_case(status) {
                    return Ok(String::new());
                }
                tx.set_status(id, status)?;
                Ok(format!("Status changed from '{}' to '{}'", before.status, status.to_lowercase()))
            });
        }
        for (add, role, who) in &plan.watchers {
            step(&|tx| {
                if *add {
                    tx.add_watcher_address(id, *role, who)?;
                    Ok(format!("{who} added as {}", role_name(*role)))
                } else {
                    let user = tx.user_by_name(who)?;
                    tx.delete_watcher(id, *role, PrincipalId::from(user.user_id()))?;
                    Ok(format!("{who} is no longer {}", role_name(*role)))
                }
            });
        }
        for (kind, end, text) in &plan.links {
            step(&|tx| {
                tx.add_link(id, *kind, end.clone())?;
                Ok(format!("Link added: {} {text}", kind.as_str()))
            });
        }
        for (add, cf, name, value) in &plan.cf_changes {
            step(&|tx| {
                if *add {
                    tx.add_cf_value(CfObject::Ticket(id), *cf, value.as_str())?;
                    Ok(format!("{value} added as a value of {name}"))
                } else {
                    tx.delete_cf_value(CfObject::Ticket(id), *cf, value)?;
                    Ok(format!("{value} is no longer a value of {name}"))
                }
            });
        }
        if let Some((comment, content)) = &plan.message {
            step(&|tx| {
                if *comment {
                    tx.comment(id, Message::text(content))?;
                    Ok("Comment added".into())
                } else {
                    tx.correspond(id, Message::text(content))?;
                    Ok("Reply added".into())
                }
            });
        }
        if let Some(into) = plan.merge_into.filter(|into| *into != id) {
            step(&|tx| {
                tx.merge_tickets(id, into)?;
                Ok(format!("Merged into ticket {}", into.0))
            });
        }
    }
    out
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Requestor => "a requestor",
        Role::Cc => "a Cc",
        Role::AdminCc => "an AdminCc",
        _ => "a watcher",
    }
}

/// What to tell the user when rt-core refused a change.
fn refusal(e: &rt_core::Error) -> String {
    match e {
        rt_core::Error::PermissionDenied { .. } => "Permission denied".into(),
        rt_core::Error::NotFound { kind, id } => format!("No {kind} {id}"),
        rt_core::Error::Validation { .. } | rt_core::Error::Conflict(_) => e.to_string(),
        e => {
            tracing::error!(error = %e, "bulk update failed");
            "The change failed".into()
        }
    }
}

/// One listed ticket.
#[derive(Debug, Serialize)]
struct Listed {
    id: i64,
    subject: String,
    status: String,
    queue: String,
    owner: String,
    checked: bool,
}

/// A custom field's bulk inputs.
#[derive(Debug, Serialize)]
struct CfInput {
    id: i64,
    name: String,
}

fn page(
    site: &Rt,
    viewer: &Viewer,
    form: &Form,
    results: Vec<String>,
    problems: Problems,
) -> Result<Answer, PageError> {
    let query = form.get("Query").unwrap_or_default().to_string();
    let order_by = form.value("OrderBy").unwrap_or("id").to_string();
    let order = form.value("Order").unwrap_or("ASC").to_string();
    let rows = form.value("RowsPerPage").or_else(|| form.value("Rows")).unwrap_or("50").to_string();
    let paging = Paging::from_params(Some(&rows), form.value("Page"));
    let mut ctx = context(site, Some(viewer), "Bulk update");
    let checked: Vec<i64> = if results.is_empty() {
        form.all("UpdateTicket").iter().filter_map(|v| v.trim().parse().ok()).collect()
    } else {
        Vec::new()
    };
    let mut total = None;
    let listed = match parse_order_by(&order_by, &order) {
        Ok(orders) => {
            let q = TicketQuery { order: orders, paging, ..TicketQuery::new(&query) };
            viewer.session.read(|tx| {
                let found = tx.search_tickets(&q)?;
                total = Some(found.total);
                let mut listed = Vec::new();
                for id in found.ids {
                    let t = tx.ticket(id)?;
                    listed.push(Listed {
                        id: t.id.0,
                        subject: t.subject.clone(),
                        status: t.status.clone(),
                        queue: super::queue_name(tx, t.queue)?,
                        owner: tx.user(t.owner)?.name,
                        checked: checked.contains(&t.id.0),
                    });
                }
                Ok(Ok(listed))
            })
        }
        Err(e) => Ok(Err(format!("OrderBy {e}"))),
    };
    let listed = match listed {
        Ok(listed) => listed,
        Err(rt_core::Error::Validation { .. }) | Err(rt_core::Error::Conflict(_)) => {
            Err("The search does not read.".to_string())
        }
        Err(e) => return Err(PageError::Core(e)),
    };
    let (listed, search_error) = match listed {
        Ok(l) => (l, None),
        Err(e) => (Vec::new(), Some(e)),
    };
    let (queues, statuses, cfs) = viewer.session.read(|tx| {
        let mut queues: Vec<String> = tx.queues()?.into_iter().filter(|q| !q.disabled).map(|q| q.name).collect();
        queues.sort();
        let mut statuses: Vec<String> = Vec::new();
        for lc in tx.lifecycles().iter() {
            for s in lc.statuses() {
                if !statuses.iter().any(|x| x == s) {
                    statuses.push(s.to_string());
                }
            }
        }
        let cfs: Vec<CfInput> = tx
            .visible_custom_fields()?
            .into_iter()
            .filter(|cf| !cf.disabled && cf.lookup == rt_core::LookupType::Ticket)
            .map(|cf| CfInput { id: cf.id.0, name: cf.name })
            .collect();
        Ok((queues, statuses, cfs))
    })?;
    let kept =
        |name: &str| if results.is_empty() { form.get(name).unwrap_or_default().to_string() } else { String::new() };
    let mut values = HashMap::new();
    for name in ["Owner", "Queue", "Status", "Priority", "Subject", "MergeInto", "UpdateContent", "UpdateType"] {
        values.insert(name.to_string(), kept(name));
    }
    ctx.insert("values", &values);
    ctx.insert("errors", &problems);
    ctx.insert("results", &results);
    ctx.insert("tickets", &listed);
    ctx.insert("search_error", &search_error);
    ctx.insert("queues", &queues);
    ctx.insert("statuses", &statuses);
    ctx.insert("cfs", &cfs);
    let roles: Vec<_> = ROLES
        .iter()
        .map(|(stem, label, _)| (*stem, *label, kept(&format!("Add{stem}")), kept(&format!("Delete{stem}"))))
        .collect();
    ctx.insert("roles", &roles);
    let links: Vec<_> =
        LINKS.iter().map(|(name, label, _)| (*name, *label, kept(name), problems.get(name).cloned())).collect();
    ctx.insert("links", &links);
    ctx.insert("query", &query);
    ctx.insert("order_by", &order_by);
    ctx.insert("order", &order);
    ctx.insert("rows", &rows);
    // Paging links, as on the results page.
    let shown_to = paging.rows_per_page.map(|r| u64::from(r) * u64::from(paging.page));
    let link = |page: u32| {
        let page = page.to_string();
        let pairs = [
            ("Query", query.as_str()),
            ("OrderBy", order_by.as_str()),
            ("Order", order.as_str()),
            ("RowsPerPage", rows.as_str()),
            ("Page", page.as_str()),
        ];
        format!("/Search/Bulk.html?{}", super::query_string(&pairs))
    };
    ctx.insert("total", &total.map(|t| t.to_string()));
    ctx.insert("prev", &(paging.page > 1).then(|| link(paging.page - 1)));
    let more = matches!((total, shown_to), (Some(total), Some(shown)) if total.value() > shown);
    ctx.insert("next", &more.then(|| link(paging.page + 1)));
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    Ok(Answer::Page(status, render("bulk.html", &ctx)?))
}
