//! `/Ticket/Reminders.html?id=N`: a ticket's reminders (rt-core's
//! `reminder.rs`), with RT's form: `update-reminders=1` with a
//! `Complete-Reminder-<id>` checkbox per reminder (checked resolves it,
//! unchecked reopens it) and its `Reminder-Subject-<id>`,
//! `Reminder-Owner-<id>` and `Reminder-Due-<id>`, and a new one from `NewReminder-Subject`,
//! `NewReminder-Owner` (an id or name) and `NewReminder-Due` (read as RT
//! reads dates, in the user's time zone). The display page's reminders
//! box posts here too. Each change is its own rt-core call; the page
//! comes back with a sentence per change and the refusals next to their
//! fields (403 when a right was missing, 400 for other bad input).

use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{OwnerChange, Rt, TicketId, TicketUpdate, UserId};

use super::modify::{Form, Outcome, parse_date};
use super::ticket::{ReminderRow, may_add_reminder, owner_choices, reminder_rows, tabs, ticket_id};
use super::{Answer, Audience, PageError, Viewer, context, render, run, run_post};

const PATH: &str = "/Ticket/Reminders.html";

/// Registers the page's routes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(PATH).route(web::get().to(show)).route(web::post().to(submit)));
}

async fn show(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let id = super::param(&req, "id");
    run(&req, rt, Audience::Privileged, move |viewer| {
        let id = ticket_id(id.as_deref())?;
        render_page(&site, viewer, id, &Outcome::default())
    })
    .await
}

async fn submit(req: HttpRequest, rt: web::Data<Rt>, form: web::Form<Vec<(String, String)>>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let form = Form(form.into_inner());
    let token = form.get("CSRF").map(str::to_string);
    run_post(&req, rt, token, move |viewer| {
        let id = ticket_id(form.get("id"))?;
        let id = viewer.session.read(|tx| tx.resolve_ticket_id(id))?;
        let mut out = Outcome::default();
        apply(viewer, id, &form, &mut out)?;
        render_page(&site, viewer, id, &out)
    })
    .await
}

/// An existing reminder's subject, owner and due date as RT's
/// `Reminder-Subject-N`, `Reminder-Owner-N` and `Reminder-Due-N` say (an
/// empty due date leaves it as it is, as in RT).
fn edit(viewer: &Viewer, r: &ReminderRow, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    let reminder = TicketId(r.id);
    let said = |what: String| Some(format!("Reminder '{}': {what}", r.subject));
    let key = format!("Reminder-Subject-{}", r.id);
    if let Some(subject) = form.get(&key).map(str::trim).filter(|s| !s.is_empty() && *s != r.subject) {
        let update = TicketUpdate { subject: Some(subject.to_string()), ..TicketUpdate::default() };
        let done = viewer.session.write(|tx| tx.update_ticket(reminder, &update));
        out.record(&key, subject, done, |_| said(format!("Subject changed to '{subject}'")))?;
    }
    let key = format!("Reminder-Owner-{}", r.id);
    if let Some(owner) = form.get(&key).map(str::trim).filter(|o| !o.is_empty()) {
        let found = viewer.session.read(|tx| match owner.parse::<i64>() {
            Ok(n) => tx.user(UserId(n)),
            Err(_) => tx.user_by_name(owner),
        });
        match found {
            Ok(user) if user.id == r.owner_id => {}
            Ok(user) => {
                let done = viewer.session.write(|tx| tx.set_owner(reminder, user.user_id(), OwnerChange::Force));
                out.record(&key, owner, done, |_| said(format!("Owner changed to {}", user.name)))?;
            }
            Err(e) => out.record(&key, owner, Err::<(), _>(e), |_| None)?,
        }
    }
    let key = format!("Reminder-Due-{}", r.id);
    if let Some(typed) = form.get(&key).filter(|d| !d.trim().is_empty()) {
        match parse_date(typed, viewer) {
            Ok(due) if due.map(|d| d.timestamp()) == r.due_at.map(|d| d.timestamp()) => {}
            Ok(due) => {
                let update = TicketUpdate { due: Some(due), ..TicketUpdate::default() };
                let done = viewer.session.write(|tx| tx.update_ticket(reminder, &update));
                let when = viewer.maybe_date(due);
                out.record(&key, typed, done, |_| said(format!("Due changed to {when}")))?;
            }
            Err(message) => out.refuse(&key, typed, message),
        }
    }
    Ok(())
}

/// Resolves and reopens as the checkboxes say, then adds the new one.
fn apply(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    if form.get("update-reminders").is_some() {
        let rows = viewer.session.read(|tx| reminder_rows(tx, viewer, id))?;
        for r in rows {
            let key = format!("Complete-Reminder-{}", r.id);
            let checked = form.get(&key).is_some_and(|v| !v.is_empty() && v != "0");
            edit(viewer, &r, form, out)?;
            let reminder = TicketId(r.id);
            let subject = r.subject.clone();
            if checked == r.done {
                continue;
            }
            if checked {
                let done = viewer.session.write(|tx| tx.resolve_reminder(id, reminder));
                out.record(&key, "", done, |_| Some(format!("Reminder '{subject}': Reminder completed")))?;
            } else {
                let done = viewer.session.write(|tx| tx.open_reminder(id, reminder));
                out.record(&key, "", done, |_| Some(format!("Reminder '{subject}': Reminder reopened")))?;
            }
        }
    }
    let subject = form.get("NewReminder-Subject").unwrap_or("").trim();
    let (owner_typed, due_typed) =
        (form.get("NewReminder-Owner").unwrap_or("").trim(), form.get("NewReminder-Due").unwrap_or("").trim());
    if subject.is_empty() {
        if !due_typed.is_empty() {
            out.refuse("NewReminder-Subject", "", "A reminder needs a subject.".into());
            out.typed.insert("NewReminder-Due".into(), due_typed.into());
            out.typed.insert("NewReminder-Owner".into(), owner_typed.into());
        }
        return Ok(());
    }
    let keep = |out: &mut Outcome| {
        for (k, v) in
            [("NewReminder-Subject", subject), ("NewReminder-Owner", owner_typed), ("NewReminder-Due", due_typed)]
        {
            out.typed.insert(k.into(), v.into());
        }
    };
    let due = match parse_date(due_typed, viewer) {
        Ok(due) => due,
        Err(message) => {
            out.refuse("NewReminder-Due", due_typed, message);
            keep(out);
            return Ok(());
        }
    };
    let owner = if owner_typed.is_empty() {
        Ok(None)
    } else {
        viewer.session.read(|tx| match owner_typed.parse::<i64>() {
            Ok(n) => tx.user(UserId(n)).map(|u| Some(u.user_id())),
            Err(_) => tx.user_by_name(owner_typed).map(|u| Some(u.user_id())),
        })
    };
    let owner = match owner {
        Ok(owner) => owner,
        Err(e) => {
            out.record("NewReminder-Owner", owner_typed, Err::<(), _>(e), |_| None)?;
            keep(out);
            return Ok(());
        }
    };
    let done = viewer.session.write(|tx| tx.add_reminder(id, subject, owner, due));
    let failed = done.is_err();
    out.record("NewReminder-Subject", subject, done, |_| Some(format!("Reminder '{subject}': Created")))?;
    if failed {
        keep(out);
    }
    Ok(())
}

/// What a reminder's edit inputs hold: its values, or what was typed.
#[derive(Debug, serde::Serialize)]
struct ReminderEdit {
    subject: String,
    owner: String,
    due: String,
    error: Option<String>,
}

fn render_page(site: &Rt, viewer: &Viewer, id: TicketId, out: &Outcome) -> Result<Answer, PageError> {
    let mut ctx = context(site, Some(viewer), "");
    viewer.session.read(|tx| {
        let t = tx.ticket(id)?;
        ctx.insert("title", &format!("Reminders for ticket #{}: {}", t.id.0, t.subject));
        ctx.insert("id", &t.id.0);
        ctx.insert("tabs", &tabs(t.id, PATH));
        ctx.insert("results", &out.results);
        let mut errors: Vec<&String> = out.errors.values().collect();
        errors.sort();
        ctx.insert("errors", &errors);
        let rows = reminder_rows(tx, viewer, t.id)?;
        // A reminder's owner stays a choice even when no longer a possible
        // owner, so that saving the form does not change it.
        let mut owners: Vec<(String, String)> =
            owner_choices(tx, t.id)?.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
        for r in &rows {
            if !owners.iter().any(|(id, _)| *id == r.owner_id.to_string()) {
                owners.push((r.owner_id.to_string(), r.owner.clone()));
            }
        }
        ctx.insert("owners", &owners);
        let edits: Vec<ReminderEdit> = rows
            .iter()
            .map(|r| {
                let typed = |k: String| out.typed.get(&k).cloned();
                let key = |what: &str| format!("Reminder-{what}-{}", r.id);
                ReminderEdit {
                    subject: typed(key("Subject")).unwrap_or_else(|| r.subject.clone()),
                    owner: typed(key("Owner")).unwrap_or_else(|| r.owner_id.to_string()),
                    due: typed(key("Due")).unwrap_or_else(|| r.due_input.clone()),
                    error: ["Subject", "Owner", "Due"].iter().find_map(|w| out.errors.get(&key(w)).cloned()),
                }
            })
            .collect();
        ctx.insert("reminders", &rows);
        ctx.insert("edits", &edits);
        ctx.insert("may_add_reminder", &may_add_reminder(tx, &t)?);
        ctx.insert("may_modify", &tx.has_right(rt_core::rights::MODIFY_TICKET, t.acl_object())?);

        let typed = |k: &str| out.typed.get(k).cloned().unwrap_or_default();
        let owner = out.typed.get("NewReminder-Owner").cloned().unwrap_or_else(|| viewer.user.id.to_string());
        ctx.insert("new_subject", &typed("NewReminder-Subject"));
        ctx.insert("new_owner", &owner);
        ctx.insert("new_due", &typed("NewReminder-Due"));
        ctx.insert("subject_error", &out.errors.get("NewReminder-Subject"));
        ctx.insert("owner_error", &out.errors.get("NewReminder-Owner"));
        ctx.insert("due_error", &out.errors.get("NewReminder-Due"));
        ctx.insert("tz", &viewer.tz.name());
        Ok(())
    })?;
    Ok(Answer::Page(out.status(), render("reminders.html", &ctx)?))
}
