//! `/Ticket/Reminders.html?id=N`: a ticket's reminders (rt-core's
//! `reminder.rs`), with RT's form: `update-reminders=1` with a
//! `Complete-Reminder-<id>` checkbox per reminder (checked resolves it,
//! unchecked reopens it), and a new one from `NewReminder-Subject`,
//! `NewReminder-Owner` (an id or name) and `NewReminder-Due` (read as RT
//! reads dates, in the user's time zone). The display page's reminders
//! box posts here too. Each change is its own rt-core call; the page
//! comes back with a sentence per change and the refusals next to their
//! fields (403 when a right was missing, 400 for other bad input).

use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{Rt, TicketId, UserId};

use super::modify::{Form, Outcome, parse_date};
use super::ticket::{may_add_reminder, owner_choices, reminder_rows, tabs, ticket_id};
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

/// Resolves and reopens as the checkboxes say, then adds the new one.
fn apply(viewer: &Viewer, id: TicketId, form: &Form, out: &mut Outcome) -> Result<(), PageError> {
    if form.get("update-reminders").is_some() {
        let rows = viewer.session.read(|tx| reminder_rows(tx, viewer, id))?;
        for r in rows {
            let key = format!("Complete-Reminder-{}", r.id);
            let checked = form.get(&key).is_some_and(|v| !v.is_empty() && v != "0");
            if checked == r.done {
                continue;
            }
            let reminder = TicketId(r.id);
            let subject = r.subject.clone();
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
        ctx.insert("reminders", &reminder_rows(tx, viewer, t.id)?);
        ctx.insert("may_add_reminder", &may_add_reminder(tx, &t)?);
        ctx.insert("may_modify", &tx.has_right(rt_core::rights::MODIFY_TICKET, t.acl_object())?);
        let owners: Vec<(String, String)> =
            owner_choices(tx, t.id)?.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
        ctx.insert("owners", &owners);
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
