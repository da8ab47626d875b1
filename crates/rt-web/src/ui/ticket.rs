//! A ticket's pages: `/Ticket/Display.html?id=N` and
//! `/Ticket/History.html?id=N` (the history alone), the display page's
//! quick actions (POSTs to it: Take, Steal, Untake, the bookmark star,
//! and the lifecycle's status changes RT makes without the update page)
//! and attachment downloads at `/Ticket/Attachment/<txn>/<id>/<name>`.
//!
//! RT's own links that change a ticket by GET (`?Action=Take`,
//! `?Status=open`) still work: they show the page with that change
//! offered as a form to confirm.
//!
//! The display page has RT's tabs (Display, History, Basics, Dates,
//! People, Links, Reminders, Jumbo: see [`super::modify`] and
//! [`super::reminders`]), its actions (Reply, Comment, Forward and the
//! lifecycle's actions that go through `/Ticket/Update.html?...&
//! DefaultStatus=<status>` as links; the others and the owner changes as
//! buttons; each only when rt-core says the user may), and its boxes:
//! the basics, custom fields, people with "more about the requestor"
//! (their other active tickets, their groups, RT's comments about them),
//! dates in the user's time zone, reminders with an inline form (posted
//! to `/Ticket/Reminders.html`), links by kind with RT's "Create" links
//! to `/Ticket/Create.html?Queue=Q&CloneTicket=N&new-RefersTo=N` and the
//! like, and the history ([`super::history`]).
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

use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::lifecycles::UpdateType;
use rt_core::{AttachmentId, CfObject, LinkEnd, OwnerChange, Role, Rt, TicketId, TicketQuery, TransactionId, Tx};
use rt_core::{Ticket, UserId, rights};
use serde::{Deserialize, Serialize};

use super::history::history_items;
use super::{Answer, Audience, PageError, Viewer, context, page, run, run_post};

/// A labelled value of a box.
#[derive(Debug, Serialize)]
struct Field {
    label: String,
    values: Vec<String>,
}

/// A link to another ticket or a URI.
#[derive(Debug, Serialize)]
struct LinkItem {
    ticket: Option<i64>,
    text: String,
}

/// One kind of link in the Links box, with RT's "Create" link for a new
/// ticket linked so.
#[derive(Debug, Serialize)]
struct LinkGroup {
    label: &'static str,
    items: Vec<LinkItem>,
    create: Option<String>,
}

/// A labelled link (an action of the page).
#[derive(Debug, Serialize)]
pub(crate) struct Action {
    pub label: String,
    pub url: String,
}

/// A button posting to the display page: an owner change or a status
/// change RT makes without the update page.
#[derive(Debug, Clone, Serialize)]
struct QuickAction {
    label: String,
    /// `Take`, `Steal`, `Untake`, or empty for a status change.
    action: String,
    status: String,
}

/// "More about the requestor".
#[derive(Debug, Serialize)]
struct Requestor {
    name: String,
    email: String,
    comments: String,
    tickets: Vec<(i64, String, String)>,
    groups: Vec<String>,
}

/// A reminder as its boxes show it.
#[derive(Debug, Serialize)]
pub(crate) struct ReminderRow {
    pub id: i64,
    pub subject: String,
    pub owner: String,
    pub owner_id: i64,
    pub due: String,
    /// The due date as the edit form shows it, in the user's zone.
    pub due_input: String,
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    pub done: bool,
    pub overdue: bool,
}

/// One of the ticket's page tabs.
#[derive(Debug, Serialize)]
pub(crate) struct Tab {
    label: &'static str,
    url: String,
    current: bool,
}

/// The tabs of a ticket's pages, `current` being the path shown.
pub(crate) fn tabs(id: TicketId, current: &str) -> Vec<Tab> {
    [
        ("Display", "/Ticket/Display.html"),
        ("History", "/Ticket/History.html"),
        ("Basics", "/Ticket/Modify.html"),
        ("Dates", "/Ticket/ModifyDates.html"),
        ("People", "/Ticket/ModifyPeople.html"),
        ("Links", "/Ticket/ModifyLinks.html"),
        ("Reminders", "/Ticket/Reminders.html"),
        ("Jumbo", "/Ticket/ModifyAll.html"),
    ]
    .into_iter()
    .map(|(label, path)| Tab { label, url: format!("{path}?id={}", id.0), current: path == current })
    .collect()
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
    let id = super::param(&req, "id");
    let show_headers = super::param(&req, "ShowHeaders").and_then(|a| a.trim().parse::<i64>().ok());
    // RT's own links change a ticket by GET (`?Action=Take`, `?Status=open`);
    // here they only offer the change, as a form to confirm.
    let asked = (super::param(&req, "Action").unwrap_or_default(), super::param(&req, "Status").unwrap_or_default());
    let path = req.path().to_string();
    let results = super::param(&req, "results");
    run(&req, rt, Audience::Privileged, move |viewer| {
        let id = ticket_id(id.as_deref())?;
        let mut ctx = context(&site, Some(viewer), "");
        viewer.session.read(|tx| {
            let t = tx.ticket(id)?;
            ctx.insert("title", &format!("#{}: {}", t.id.0, t.subject));
            ctx.insert("id", &t.id.0);
            ctx.insert("tabs", &tabs(t.id, &path));
            ctx.insert("history_only", &history_only);
            ctx.insert("history", &history_items(tx, viewer, &t, &path, show_headers)?);
            ctx.insert("bookmarked", &tx.bookmarks()?.contains(&t.id));
            let (links, quick) = actions(tx, &t)?;
            let confirm = quick
                .iter()
                .find(|q| (!asked.0.is_empty() && q.action == asked.0) || (!asked.1.is_empty() && q.status == asked.1));
            ctx.insert("confirm", &confirm);
            ctx.insert("actions", &links);
            ctx.insert("quick_actions", &quick);
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
                field("Priority", format!("{}/{}", t.priority, t.final_priority)),
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
            ctx.insert("basics", &basics);
            ctx.insert("custom_fields", &custom_fields);
            ctx.insert("people", &people);
            ctx.insert("requestors", &requestors(tx, &t)?);
            ctx.insert("dates", &dates);
            ctx.insert("link_groups", &link_groups(tx, &t)?);
            ctx.insert("reminders", &reminder_rows(tx, viewer, t.id)?);
            let may_add = may_add_reminder(tx, &t)?;
            ctx.insert("may_add_reminder", &may_add);
            ctx.insert("may_modify", &tx.has_right(rights::MODIFY_TICKET, t.acl_object())?);
            // The owner list costs a rights check per user: only for the form.
            ctx.insert("owners", &if may_add { owner_choices(tx, t.id)? } else { Vec::new() });
            ctx.insert("me", &viewer.user.id);
            ctx.insert("lock", &super::update::lock_note(tx, viewer, t.id)?);
            ctx.insert("results", &super::update::results(tx, viewer, t.id, results.as_deref())?);
            ctx.insert("tz", &viewer.tz.name());
            Ok(())
        })?;
        page("ticket.html", &ctx)
    })
    .await
}

/// The page's actions as RT's menu has them: Reply, Comment, Forward and
/// the lifecycle's actions that go through the update page (links), and
/// the quick ones (buttons): the other lifecycle actions and Take, Steal
/// or Untake, each only when the user's rights allow it.
fn actions(tx: &mut Tx<'_>, t: &Ticket) -> rt_core::Result<(Vec<Action>, Vec<QuickAction>)> {
    let object = t.acl_object();
    let modify = tx.has_right(rights::MODIFY_TICKET, object)?;
    let mut links = Vec::new();
    let update = |query: &str| format!("/Ticket/Update.html?id={}&{query}", t.id.0);
    if modify || tx.has_right(rights::REPLY_TO_TICKET, object)? {
        links.push(Action { label: "Reply".into(), url: update("Action=Respond") });
    }
    if modify || tx.has_right(rights::COMMENT_ON_TICKET, object)? {
        links.push(Action { label: "Comment".into(), url: update("Action=Comment") });
    }
    if tx.has_right("ForwardMessage", object)? {
        links.push(Action { label: "Forward".into(), url: format!("/Ticket/Forward.html?id={}", t.id.0) });
    }
    let mut quick = Vec::new();
    let lifecycle = tx.queue_lifecycle(t.queue)?.clone();
    for a in lifecycle.actions_from(&t.status) {
        if !lifecycle.is_transition(&t.status, &a.to)
            || !tx.has_right(lifecycle.check_right(&t.status, &a.to), object)?
        {
            continue;
        }
        match a.update {
            Some(kind) => {
                let kind = if kind == UpdateType::Respond { "Respond" } else { "Comment" };
                let query = super::query_string(&[("Action", kind), ("DefaultStatus", &a.to)]);
                links.push(Action { label: a.label.clone(), url: update(&query) });
            }
            None => quick.push(QuickAction { label: a.label.clone(), action: String::new(), status: a.to.clone() }),
        }
    }
    // Take, Steal and Untake name their new owner themselves.
    let unused = tx.system().nobody;
    for (label, how) in [("Take", OwnerChange::Take), ("Steal", OwnerChange::Steal), ("Untake", OwnerChange::Untake)] {
        if tx.may_set_owner(t.id, unused, how)? {
            quick.push(QuickAction { label: label.into(), action: label.into(), status: String::new() });
            break;
        }
    }
    Ok((links, quick))
}

/// Each requestor with their other active tickets, their groups (when the
/// user may see them) and RT's comments about them.
fn requestors(tx: &mut Tx<'_>, t: &Ticket) -> rt_core::Result<Vec<Requestor>> {
    let mut out = Vec::new();
    for principal in tx.ticket_role_members(t.id, Role::Requestor)? {
        let user = match tx.user(UserId(principal.0)) {
            Ok(user) => user,
            Err(rt_core::Error::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        let query = format!("Requestor.id = {} AND Status = '__Active__'", user.id);
        let search = TicketQuery {
            paging: rt_core::search::Paging { rows_per_page: Some(10), page: 1 },
            // Only the ten are shown: no count is made.
            count_limit: Some(0),
            ..TicketQuery::new(&query)
        };
        let mut tickets = Vec::new();
        for other in tx.search_tickets(&search)?.ids {
            if other != t.id {
                let o = tx.ticket(other)?;
                tickets.push((o.id.0, o.subject, o.status));
            }
        }
        let groups = match tx.user_memberships(user.user_id()) {
            Ok(groups) => groups.into_iter().map(|g| g.name).collect(),
            Err(rt_core::Error::PermissionDenied { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        out.push(Requestor {
            name: if user.real_name.is_empty() { user.name.clone() } else { user.real_name.clone() },
            email: user.email_address.clone().unwrap_or_default(),
            comments: user.comments.clone(),
            tickets,
            groups,
        });
    }
    Ok(out)
}

/// The ticket's reminders as rows.
pub(crate) fn reminder_rows(tx: &mut Tx<'_>, viewer: &Viewer, id: TicketId) -> rt_core::Result<Vec<ReminderRow>> {
    let now = chrono::Utc::now();
    let mut rows = Vec::new();
    for r in tx.reminders(id)? {
        let done = tx.queue_lifecycle(r.queue)?.class_of(&r.status) == Some(rt_core::lifecycles::StatusClass::Inactive);
        rows.push(ReminderRow {
            id: r.id.0,
            owner: tx.user(r.owner)?.name,
            owner_id: r.owner.0,
            due: viewer.maybe_date(r.due),
            due_input: r
                .due
                .map(|d| d.with_timezone(&viewer.tz).format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
            due_at: r.due,
            overdue: !done && r.due.is_some_and(|d| d < now),
            done,
            subject: r.subject,
        });
    }
    Ok(rows)
}

/// Whether the user may add reminders to the ticket (what rt-core's
/// `add_reminder` checks).
pub(crate) fn may_add_reminder(tx: &mut Tx<'_>, t: &Ticket) -> rt_core::Result<bool> {
    Ok(tx.has_right(rights::MODIFY_TICKET, t.acl_object())?
        && tx.has_right(rights::CREATE_TICKET, rt_core::AclObject::Queue(t.queue))?)
}

/// Nobody and the users who may own the ticket, as (id, name).
pub(crate) fn owner_choices(tx: &mut Tx<'_>, id: TicketId) -> rt_core::Result<Vec<(i64, String)>> {
    let nobody = tx.system().nobody;
    let mut choices = vec![(nobody.0, "Nobody".to_string())];
    choices.extend(tx.possible_owners(id)?.into_iter().map(|u| (u.id, u.name)));
    Ok(choices)
}

/// The quick actions' fields.
#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    id: String,
    #[serde(rename = "Action", default)]
    action: String,
    #[serde(rename = "Status", default)]
    status: String,
    #[serde(rename = "CSRF")]
    csrf: Option<String>,
}

/// `POST /Ticket/Display.html`: `Action=Take|Steal|Untake`,
/// `Action=Bookmark|Unbookmark`, or `Status=<status>` (a lifecycle action
/// without the update page); then the ticket is shown again.
pub(crate) async fn action(req: HttpRequest, rt: web::Data<Rt>, form: web::Form<ActionForm>) -> HttpResponse {
    let ActionForm { id, action, status, csrf } = form.into_inner();
    run_post(&req, rt, csrf, move |viewer| {
        let id = ticket_id(Some(&id))?;
        let id = viewer.session.read(|tx| tx.resolve_ticket_id(id))?;
        // What the change recorded is described on the page that follows.
        let recorded = match (action.as_str(), status.trim()) {
            ("Take", _) => Some(viewer.session.write(|tx| tx.take(id))?),
            ("Steal", _) => Some(viewer.session.write(|tx| tx.steal(id))?),
            ("Untake", _) => Some(viewer.session.write(|tx| tx.untake(id))?),
            ("Bookmark", _) => viewer.session.write(|tx| tx.set_bookmark(id, true)).map(|()| None)?,
            ("Unbookmark", _) => viewer.session.write(|tx| tx.set_bookmark(id, false)).map(|()| None)?,
            ("", status) if !status.is_empty() => Some(viewer.session.write(|tx| tx.set_status(id, status))?),
            (other, _) => return Err(rt_core::Error::invalid("Action", format!("unknown action {other:?}")).into()),
        };
        Ok(Answer::Redirect(super::update::display_url("/Ticket/Display.html", id, recorded.map(|t| (t, t)))))
    })
    .await
}

/// The transaction and attachment ids of an attachment URL.
pub(crate) fn attachment_ids(txn: &str, aid: &str) -> rt_core::Result<(TransactionId, AttachmentId)> {
    match (txn.parse::<i64>(), aid.parse::<i64>()) {
        (Ok(txn), Ok(aid)) => Ok((TransactionId(txn), AttachmentId(aid))),
        _ => Err(rt_core::Error::not_found("attachment", aid)),
    }
}

/// `GET /Ticket/Attachment/<txn>/<id>/<name>`: the attachment's bytes.
pub(crate) async fn attachment(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (txn, aid, _) = path.into_inner();
    run(&req, rt, Audience::Privileged, move |viewer| {
        let (txn, aid) = attachment_ids(&txn, &aid)?;
        let not_found = || rt_core::Error::not_found("attachment", aid);
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
pub(crate) fn ticket_id(id: Option<&str>) -> Result<TicketId, PageError> {
    let text = id.unwrap_or("").trim();
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(TicketId)
        .ok_or_else(|| rt_core::Error::not_found("ticket", text).into())
}

/// The ticket's links by kind, as seen from it, each kind with RT's
/// "Create" link (`/Ticket/Create.html?Queue=Q&CloneTicket=N&new-RefersTo=N`
/// and the like) when the user may create tickets in its queue.
fn link_groups(tx: &mut Tx<'_>, t: &Ticket) -> rt_core::Result<Vec<LinkGroup>> {
    const KINDS: [(&str, &str, &str); 6] = [
        ("DependsOn", "Depends on", "DependsOn-new"),
        ("DependedOnBy", "Depended on by", "new-DependsOn"),
        ("MemberOf", "Parents", "MemberOf-new"),
        ("HasMember", "Children", "new-MemberOf"),
        ("RefersTo", "Refers to", "RefersTo-new"),
        ("ReferredToBy", "Referred to by", "new-RefersTo"),
    ];
    let may_create = tx.has_right(rights::CREATE_TICKET, rt_core::AclObject::Queue(t.queue))?;
    let mut groups: Vec<LinkGroup> = KINDS
        .iter()
        .map(|(_, label, param)| LinkGroup {
            label,
            items: Vec::new(),
            create: may_create.then(|| {
                let (queue, id) = (t.queue.0.to_string(), t.id.0.to_string());
                let query = super::query_string(&[("Queue", &queue), ("CloneTicket", &id), (param, &id)]);
                format!("/Ticket/Create.html?{query}")
            }),
        })
        .collect();
    let mut merged = LinkGroup { label: "Merged into", items: Vec::new(), create: None };
    for link in tx.links(t.id)? {
        let Some((kind, end)) = link.seen_from(t.id) else { continue };
        let item = match end {
            LinkEnd::Ticket(other) => {
                let text = match tx.ticket(other) {
                    // Reminders have a box of their own, as in RT.
                    Ok(o) if o.kind == "reminder" => continue,
                    Ok(o) => format!("#{}: {} [{}]", other.0, o.subject, o.status),
                    Err(rt_core::Error::PermissionDenied { .. } | rt_core::Error::NotFound { .. }) => {
                        format!("#{}", other.0)
                    }
                    Err(e) => return Err(e),
                };
                LinkItem { ticket: Some(other.0), text }
            }
            LinkEnd::Uri(uri) => LinkItem { ticket: None, text: uri },
        };
        match KINDS.iter().position(|(name, _, _)| *name == kind.as_str()) {
            Some(i) => groups[i].items.push(item),
            None => merged.items.push(item),
        }
    }
    if !merged.items.is_empty() {
        groups.push(merged);
    }
    Ok(groups)
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
pub(crate) fn path_segment(text: &str) -> String {
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
