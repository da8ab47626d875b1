//! Tickets over REST 1.0: the new-ticket form, create, show, edit,
//! comment/correspond, owner changes and merge.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rt_core::{
    CfObject, Error, Message, MimeEntity, NewTicket, PrincipalId, Role, Session, Ticket, TicketId, TicketUpdate, Tx,
    UserId,
};

use super::form::{Form, Parsed, Value, parse};
use super::{Reply, Request, comment_payload, form_payload, history, internal, links};

/// `ticket/<id>/...`.
pub fn dispatch(session: &Session, request: &Request, id: &str, rest: &[&str]) -> Reply {
    match rest {
        [] | ["show"] => show(session, id, request.field("fields")),
        ["edit"] => edit(session, request, id),
        ["comment"] => comment(session, request, id),
        ["history"] => history::history(session, id, request.field("format")),
        ["history", "id", txn] => history::history_item(session, id, txn),
        ["attachments"] => history::attachments(session, id),
        ["attachments", aid] => history::attachment(session, id, aid),
        ["attachments", aid, "content"] => history::attachment_content(session, id, aid),
        ["links"] => links::edit_links(session, request, id),
        ["links", "show"] => links::show_links(session, id),
        ["take"] | ["untake"] | ["steal"] => owner(session, request, id, rest[0]),
        ["merge", into] => merge(session, id, into),
        // RT has no other ticket action: anything else (`correspond`, say)
        // is read as an edit of the ticket.
        _ => edit(session, request, id),
    }
}

/// The CLI's `show` with `id=<type>/<id>[/...]`, `format` and `fields`.
/// Several `id`s (`rt show 4` asks for `ticket/4` and
/// `ticket/4/history`) and lists (`ticket/1-3,7`, `user/root,staff`) are
/// answered form after form, `--` between them, as RT does.
pub fn show_by_field(session: &Session, request: &Request) -> Reply {
    let mut ids = Vec::new();
    for (key, value) in &request.fields {
        if key == "id" {
            ids.extend(expand_object_list(value.trim()));
        }
    }
    let Some((first, rest)) = ids.split_first() else {
        return Reply::status(400, "Bad Request", comment_payload("No objects specified."));
    };
    if rest.is_empty() {
        return show_one(session, request, first);
    }
    let mut code = 200;
    let mut text = "Ok";
    let mut forms: Vec<String> = Vec::new();
    for id in &ids {
        match show_one(session, request, id) {
            Reply::Rt { code: c, text: t, payload } => {
                if code == 200 && c != 200 {
                    (code, text) = (c, t);
                }
                let payload = String::from_utf8_lossy(&payload.unwrap_or_default()).trim_end_matches('\n').to_string();
                if !payload.is_empty() {
                    forms.push(payload);
                }
            }
            Reply::SelfService => return Reply::SelfService,
        }
    }
    Reply::status(code, text, format!("{}\n\n", forms.join("\n\n--\n\n")))
}

/// `type/1-3,7/extra` as one object spec each (`type/1/extra`, ...); names
/// (`user/root,staff`) are split on commas. Anything else is kept whole.
fn expand_object_list(spec: &str) -> Vec<String> {
    let mut parts = spec.splitn(3, '/');
    let (Some(kind), Some(list)) = (parts.next(), parts.next()) else { return vec![spec.to_string()] };
    let extra = parts.next().map(|e| format!("/{e}")).unwrap_or_default();
    if !list.contains([',', '-']) || list.starts_with('-') {
        return vec![spec.to_string()];
    }
    let mut out = Vec::new();
    for item in list.split(',') {
        let range = item.split_once('-').and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i64>().ok()?)));
        match range {
            // A bounded expansion: a typo must not list a million tickets.
            Some((a, b)) if a <= b && b - a < 10_000 => out.extend((a..=b).map(|n| format!("{kind}/{n}{extra}"))),
            _ => out.push(format!("{kind}/{item}{extra}")),
        }
    }
    out
}

/// One object of [`show_by_field`].
fn show_one(session: &Session, request: &Request, id: &str) -> Reply {
    let path: Vec<&str> = id.split('/').filter(|s| !s.is_empty()).collect();
    match path.as_slice() {
        ["ticket", "new"] => new_form(session),
        ["ticket", id, rest @ ..] => dispatch(session, request, id, rest),
        ["user", "new"] => super::object::new_user_form(),
        ["queue", "new"] => super::object::new_queue_form(),
        ["user", id, ..] => super::object::user(session, id, request.field("format"), request.field("fields")),
        ["queue", id, ..] => super::object::queue(session, id, request.field("fields")),
        ["group", id, ..] => super::object::group(session, id),
        _ => {
            let kind = path.first().copied().unwrap_or("");
            let form = Form::new().comment(format!("Unknown object type: {kind}")).text("id", id);
            Reply::ok(form_payload(&form))
        }
    }
}

/// The CLI's `edit`: each form of `content` names its object in `id`
/// (`ticket/new` creates). Several forms get their answers one after the
/// other, under the first status that is not `200 Ok`.
pub fn edit_by_content(session: &Session, request: &Request) -> Reply {
    let forms = match parse(request.field("content").unwrap_or("")) {
        Ok(forms) => forms,
        Err(e) => return syntax_error(e),
    };
    if forms.is_empty() {
        return Reply::status(400, "Bad Request", comment_payload("No objects specified."));
    }
    let mut replies = forms.iter().map(|form| {
        let id = form.get("id").unwrap_or("").trim().to_string();
        match id.split('/').collect::<Vec<_>>().as_slice() {
            ["ticket", "new"] => create(session, form, request),
            ["ticket", n] => apply_edit(session, n, form),
            ["user", n] => super::object::edit_user(session, n, form),
            ["queue", n] => super::object::edit_queue(session, n, form),
            _ => Reply::status(400, "Bad Request", comment_payload(&format!("Unknown object type: {id}"))),
        }
    });
    let Some(first) = replies.next() else { return Reply::ok("") };
    replies.fold(first, |acc, next| match (acc, next) {
        (Reply::Rt { code, text, payload }, Reply::Rt { code: c2, text: t2, payload: p2 }) => {
            let (code, text) = if code == 200 { (c2, t2) } else { (code, text) };
            let mut joined = payload.unwrap_or_default();
            joined.extend(p2.unwrap_or_default());
            Reply::Rt { code, text, payload: Some(joined) }
        }
        (acc, _) => acc,
    })
}

/// `ticket/new`: the form to fill in, or creates a ticket from `content`.
pub fn new(session: &Session, request: &Request) -> Reply {
    let Some(content) = request.field("content") else { return new_form(session) };
    match parse(content) {
        Ok(forms) => {
            let form = forms.into_iter().next().unwrap_or_default();
            create(session, &form, request)
        }
        Err(e) => syntax_error(e),
    }
}

pub(super) fn syntax_error(e: super::form::SyntaxError) -> Reply {
    Reply::status(
        409,
        "Syntax Error",
        comment_payload(&format!("Syntax error on line {}: {:?} is not a `Field: value' line.", e.line, e.text)),
    )
}

fn new_form(session: &Session) -> Reply {
    let result = session.read(|tx| {
        let me = tx.current_user().name.clone();
        let queue = tx.queues()?.into_iter().next().map(|q| q.name).unwrap_or_default();
        let starts = local(tx, tx.now()).format("%Y-%m-%d %H:%M:%S").to_string();
        Ok(Form::new()
            .comment("Required: id, Queue")
            .text("id", "ticket/new")
            .text("Queue", queue)
            .text("Requestor", me)
            .text("Subject", "")
            .list("Cc", vec![])
            .list("AdminCc", vec![])
            .text("Owner", "")
            .text("Status", "new")
            .text("Priority", "")
            .text("InitialPriority", "")
            .text("FinalPriority", "")
            .text("TimeEstimated", "0")
            .text("Starts", starts)
            .text("Due", "")
            .text("Attachment", "")
            .text("Text", ""))
    });
    match result {
        Ok(form) => Reply::ok(form_payload(&form)),
        Err(e) => internal(&e),
    }
}

/// Why a ticket number cannot be used: it is not a number, or no ticket
/// has it.
pub(super) fn ticket_id(text: &str) -> Option<TicketId> {
    text.trim().parse::<i64>().ok().filter(|n| *n > 0).map(TicketId)
}

pub(super) fn does_not_exist(id: &str) -> Reply {
    Reply::ok(comment_payload(&format!("Ticket {id} does not exist.")))
}

pub(super) fn not_allowed(number: TicketId) -> Reply {
    Reply::ok(comment_payload(&format!("You are not allowed to display ticket {number}.")))
}

/// `ticket/<id>[/show]`, optionally only `fields`.
pub fn show(session: &Session, id: &str, fields: Option<&str>) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    match session.read(|tx| {
        let t = tx.ticket(number)?;
        ticket_fields(tx, &t)
    }) {
        Ok(all) => Reply::ok(form_payload(&select(all, fields).ordered_as(fields))),
        Err(Error::NotFound { .. }) => does_not_exist(id),
        Err(Error::PermissionDenied { .. }) => not_allowed(number),
        Err(e) => internal(&e),
    }
}

/// Keeps `id` and the fields named in `fields` (comma-separated, any case),
/// in the form's own order.
pub fn select(all: Vec<(String, Value)>, fields: Option<&str>) -> Form {
    let wanted: Option<Vec<String>> = fields
        .filter(|f| !f.trim().is_empty())
        .map(|f| f.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect());
    let mut form = Form::new();
    for (key, value) in all {
        let keep = key == "id"
            || wanted.as_ref().is_none_or(|w| {
                let k = key.to_ascii_lowercase();
                w.iter().any(|w| *w == k || (k == "requestors" && w == "requestor"))
            });
        if keep {
            form.push(key, value);
        }
    }
    form
}

/// Every field of a ticket as `show` prints it.
pub fn ticket_fields(tx: &mut Tx<'_>, t: &Ticket) -> rt_core::Result<Vec<(String, Value)>> {
    let queue = queue_name(tx, t.queue)?;
    let owner = tx.user(t.owner)?.name;
    let creator = tx.user(t.creator)?.name;
    let mut roles = Vec::new();
    for role in [Role::Requestor, Role::Cc, Role::AdminCc] {
        roles.push(role_members(tx, t.id, role)?);
    }
    let date = |tx: &Tx<'_>, d: Option<DateTime<Utc>>| match d {
        Some(d) => local(tx, d).format("%a %b %d %H:%M:%S %Y").to_string(),
        None => "Not set".into(),
    };
    let text = |v: String| Value::Text(v);
    let mut fields = vec![
        ("id".to_string(), text(format!("ticket/{}", t.id))),
        ("Queue".into(), text(queue)),
        ("Owner".into(), text(owner)),
        ("Creator".into(), text(creator)),
        ("Subject".into(), text(t.subject.clone())),
        ("Status".into(), text(t.status.clone())),
        ("Priority".into(), text(t.priority.to_string())),
        ("InitialPriority".into(), text(t.initial_priority.to_string())),
        ("FinalPriority".into(), text(t.final_priority.to_string())),
    ];
    let [requestors, cc, admin_cc]: [Vec<String>; 3] = roles.try_into().unwrap_or_default();
    fields.push(("Requestors".into(), Value::List(requestors)));
    fields.push(("Cc".into(), Value::List(cc)));
    fields.push(("AdminCc".into(), Value::List(admin_cc)));
    fields.push(("Created".into(), text(date(tx, Some(t.created)))));
    fields.push(("Starts".into(), text(date(tx, t.starts))));
    fields.push(("Started".into(), text(date(tx, t.started))));
    fields.push(("Due".into(), text(date(tx, t.due))));
    fields.push(("Resolved".into(), text(date(tx, t.resolved))));
    fields.push(("Told".into(), text(date(tx, t.told))));
    fields.push(("LastUpdated".into(), text(date(tx, Some(t.last_updated)))));
    fields.push(("TimeEstimated".into(), text(duration(t.time_estimated))));
    fields.push(("TimeWorked".into(), text(duration(t.time_worked))));
    fields.push(("TimeLeft".into(), text(duration(t.time_left))));
    let object = CfObject::Ticket(t.id);
    for cf in tx.custom_fields_for(object)? {
        let values = match tx.cf_values(object, cf.id) {
            Ok(values) => values,
            Err(Error::PermissionDenied { .. }) => continue,
            Err(e) => return Err(e),
        };
        let joined: Vec<String> = values.into_iter().map(|v| v.content).collect();
        fields.push((format!("CF.{{{}}}", cf.name), text(joined.join(","))));
    }
    Ok(fields)
}

fn queue_name(tx: &mut Tx<'_>, q: rt_core::QueueId) -> rt_core::Result<String> {
    match tx.queue(q) {
        Ok(queue) => Ok(queue.name),
        Err(Error::PermissionDenied { .. }) => Ok(q.to_string()),
        Err(e) => Err(e),
    }
}

/// The members of a ticket role as RT prints them: users by address (or
/// name when they have none), groups by name.
fn role_members(tx: &mut Tx<'_>, id: TicketId, role: Role) -> rt_core::Result<Vec<String>> {
    let mut out = Vec::new();
    for PrincipalId(p) in tx.ticket_role_members(id, role)? {
        match tx.user(UserId(p)) {
            Ok(u) => out.push(u.email_address.filter(|e| !e.is_empty()).unwrap_or(u.name)),
            Err(Error::NotFound { .. }) => {
                let group = tx.group(rt_core::GroupId(p))?;
                out.push(format!("group:{}", group.name));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Minutes as RT 1.0 prints them: `0`, `30 minutes`, `2 hours`.
pub fn duration(minutes: i64) -> String {
    match minutes {
        0 => "0".into(),
        m if m.abs() < 60 || m % 60 != 0 => format!("{m} minutes"),
        m => format!("{} hours", m / 60),
    }
}

/// A time in the site's time zone.
pub fn local(tx: &Tx<'_>, t: DateTime<Utc>) -> NaiveDateTime {
    let tz: chrono_tz::Tz = tx.config().timezone.parse().unwrap_or(chrono_tz::UTC);
    t.with_timezone(&tz).naive_local()
}

/// Reads a date as RT's forms write it, in the site's time zone.
fn parse_date(tx: &Tx<'_>, text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        // As `show` writes dates (`Fri Dec 04 15:12:12 2026`): the CLI's
        // `rt edit ... add|del` sends the whole form back.
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%a %b %e %H:%M:%S %Y"))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    let tz: chrono_tz::Tz = tx.config().timezone.parse().unwrap_or(chrono_tz::UTC);
    tz.from_local_datetime(&naive).earliest().map(|d| d.with_timezone(&Utc))
}

/// Splits a list of addresses or names (commas and/or whitespace).
pub(super) fn addresses(text: &str) -> Vec<String> {
    text.split([',', ' ', '\t', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// A whole number of minutes or a priority.
fn parse_number(key: &str, text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>().map(Some).map_err(|_| format!("{key}: '{t}' is not a number."))
}

/// Minutes, also as [`duration`] writes them (`30 minutes`, `2 hours`):
/// what `show` printed comes back in the CLI's edits.
fn parse_minutes(key: &str, text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    let unit = |suffixes: &[&str]| suffixes.iter().find_map(|s| t.strip_suffix(s)).map(str::trim);
    if let Some(n) = unit(&[" minutes", " minute"]) {
        return parse_number(key, n).map_err(|_| format!("{key}: '{t}' is not a number."));
    }
    if let Some(n) = unit(&[" hours", " hour"]) {
        let n = parse_number(key, n).map_err(|_| format!("{key}: '{t}' is not a number."))?;
        return Ok(n.map(|n| n.saturating_mul(60)));
    }
    parse_number(key, t)
}

/// The custom field a `CF.{Name}` / `CF-Name` key names, if it is one.
fn cf_key(key: &str) -> Option<&str> {
    let lower = key.to_ascii_lowercase();
    if lower.starts_with("cf.{") && key.ends_with('}') {
        Some(&key[4..key.len() - 1])
    } else if lower.starts_with("cf-") || lower.starts_with("cf.") {
        Some(&key[3..])
    } else {
        None
    }
}

/// The message of a create or comment: `Text` plus posted files.
fn message_entity(text: &str, content_type: Option<&str>, files: Vec<MimeEntity>) -> Option<MimeEntity> {
    let mut body = MimeEntity::text(text);
    if let Some(ct) = content_type.map(str::trim).filter(|c| c.eq_ignore_ascii_case("text/html")) {
        body.content_type = ct.to_ascii_lowercase();
        body.headers = "Content-Type: text/html; charset=\"utf-8\"\n".into();
    }
    match (text.is_empty(), files.is_empty()) {
        (true, true) => None,
        (_, true) => Some(body),
        (true, false) if files.len() == 1 => files.into_iter().next(),
        (_, false) => {
            let mut parts = Vec::with_capacity(files.len() + 1);
            if !text.is_empty() {
                parts.push(body);
            }
            parts.extend(files);
            Some(MimeEntity::multipart(parts))
        }
    }
}

/// The files posted as `attachment_1`, `attachment_2`, ..., named by the
/// form's `Attachment:` lines when the part has no filename.
fn posted_files(request: &Request, form: &Parsed) -> Vec<MimeEntity> {
    let named: Vec<String> = form
        .fields
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("attachment"))
        .flat_map(|(_, v)| v.split('\n').map(|s| s.trim().to_string()).collect::<Vec<_>>())
        .filter(|s| !s.is_empty())
        .collect();
    let mut uploads: Vec<&super::Upload> =
        request.uploads.iter().filter(|u| u.name.starts_with("attachment_")).collect();
    uploads.sort_by_key(|u| u.name.trim_start_matches("attachment_").parse::<u32>().unwrap_or(u32::MAX));
    uploads
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            let filename = u
                .filename
                .clone()
                .or_else(|| named.get(i).map(|n| n.rsplit('/').next().unwrap_or(n).to_string()))
                .unwrap_or_else(|| u.name.clone());
            let content_type = u.content_type.clone().unwrap_or_else(|| "application/octet-stream".into());
            upload_entity(&u.name, &filename, &content_type, u.body.clone())
        })
        .collect()
}

/// A posted file as RT records it: the part's own headers (a text file's
/// charset, `form-data` disposition), its transfer encoding, the charset
/// it arrived in and its length.
fn upload_entity(field: &str, filename: &str, content_type: &str, body: Vec<u8>) -> MimeEntity {
    let mut entity = MimeEntity::attachment(filename, content_type, body);
    let quoted = filename.replace('\\', "\\\\").replace('"', "\\\"");
    let (essence, text) = (entity.content_type.clone(), entity.content_type.starts_with("text/"));
    let charset = if text { "; charset=\"utf-8\"" } else { "" };
    let original = if entity.body.is_ascii() { "ascii" } else { "utf-8" };
    entity.headers = format!(
        "Content-Type: {essence}{charset}; name=\"{quoted}\"\nContent-Transfer-Encoding: binary\n\
         Content-Disposition: form-data; filename=\"{quoted}\"; name=\"{field}\"\n"
    );
    if text {
        entity.headers.push_str(&format!("X-RT-Original-Encoding: {original}\n"));
    }
    entity.headers.push_str(&format!("Content-Length: {}\n", entity.body.len()));
    entity
}

fn create(session: &Session, form: &Parsed, request: &Request) -> Reply {
    let failed =
        |reason: &str| Reply::ok(Form::new().comment("Could not create ticket.").comment(reason.to_string()).render());
    let queue_text = form.get("queue").unwrap_or("").trim().to_string();
    let files = posted_files(request, form);
    let result = session.write(|tx| {
        let Ok(queue) = tx.resolve_queue(&queue_text) else {
            return Ok(Err("Could not create ticket. Queue not set".to_string()));
        };
        let mut new = NewTicket { queue: Some(queue), ..NewTicket::default() };
        let mut text = String::new();
        let mut content_type = None;
        let fields = if form.fields.is_empty() { Vec::new() } else { tx.ticket_custom_fields_in_queue(queue)? };
        for (key, value) in &form.fields {
            let v = value.trim();
            let numeric = |n: Result<Option<i64>, String>| n;
            match key.to_ascii_lowercase().as_str() {
                "id" | "queue" | "attachment" => {}
                "requestor" | "requestors" => new.requestors = addresses(v),
                "cc" => new.cc = addresses(v),
                "admincc" => new.admin_cc = addresses(v),
                "subject" => new.subject = value.clone(),
                "status" if !v.is_empty() => new.status = Some(v.to_string()),
                "owner" if !v.is_empty() => match tx.user_by_name(v) {
                    Ok(u) => new.owner = Some(u.user_id()),
                    Err(_) => return Ok(Err(format!("Owner '{v}' does not exist."))),
                },
                "priority" | "initialpriority" | "finalpriority" | "timeestimated" | "timeworked" | "timeleft" => {
                    let n = match numeric(parse_number(key, v)) {
                        Ok(n) => n,
                        Err(msg) => return Ok(Err(msg)),
                    };
                    match key.to_ascii_lowercase().as_str() {
                        "priority" => new.priority = n,
                        "initialpriority" => new.initial_priority = n,
                        "finalpriority" => new.final_priority = n,
                        "timeestimated" => new.time_estimated = n.unwrap_or(0),
                        "timeworked" => new.time_worked = n.unwrap_or(0),
                        _ => new.time_left = n.unwrap_or(0),
                    }
                }
                "starts" | "due" if !v.is_empty() => {
                    let Some(d) = parse_date(tx, v) else { return Ok(Err(format!("{key}: '{v}' is not a date."))) };
                    if key.eq_ignore_ascii_case("due") {
                        new.due = Some(d);
                    } else {
                        new.starts = Some(d);
                    }
                }
                "text" => text = value.clone(),
                "content-type" => content_type = Some(v.to_string()),
                _ => {
                    if let Some(name) = cf_key(key) {
                        let Some(cf) = fields.iter().find(|f| f.name.eq_ignore_ascii_case(name)) else {
                            return Ok(Err(format!("Custom field {name} does not apply to this queue.")));
                        };
                        if !v.is_empty() {
                            let values = value.split('\n').map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
                            new.custom_fields.push((cf.id, values.collect()));
                        }
                    }
                }
            }
        }
        new.content = message_entity(&text, content_type.as_deref(), files.clone());
        Ok(Ok(tx.create_ticket(new)?))
    });
    match result {
        Ok(Ok(id)) => Reply::ok(Form::new().comment(format!("Ticket {id} created.")).render()),
        Ok(Err(reason)) => failed(&reason),
        Err(Error::PermissionDenied { right, .. }) if right == rt_core::rights::CREATE_TICKET => {
            failed(&format!("No permission to create tickets in the queue '{queue_text}'"))
        }
        Err(Error::PermissionDenied { .. }) => failed("Permission Denied"),
        Err(e @ (Error::Validation { .. } | Error::NotFound { .. } | Error::Conflict(_))) => failed(&e.to_string()),
        Err(e) => internal(&e),
    }
}

fn edit(session: &Session, request: &Request, id: &str) -> Reply {
    match parse(request.field("content").unwrap_or("")) {
        Ok(forms) => apply_edit(session, id, &forms.into_iter().next().unwrap_or_default()),
        Err(e) => syntax_error(e),
    }
}

/// What one field of an edit asks for.
enum Change {
    Update(TicketUpdate),
    Status(String),
    Queue(String),
    Owner(String),
    Watchers(Role, Vec<String>),
    Cf(String, Vec<String>),
    /// A date field (lowercase), as given, and the update that sets it;
    /// nothing changes when the text is what `show` prints for it now.
    Date(String, String, TicketUpdate),
    /// `Created` or `Resolved`: accepted only unchanged.
    ReadOnlyDate(String, String),
}

/// Applies an edit form; all of it or, when a value is refused, nothing.
fn apply_edit(session: &Session, id: &str, form: &Parsed) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let mut unknown: Vec<String> = Vec::new();
    let mut changes: Vec<(String, Change)> = Vec::new();
    let mut errors: Vec<(String, String)> = Vec::new();
    for (key, value) in &form.fields {
        let v = value.trim().to_string();
        let update = |f: &dyn Fn(&mut TicketUpdate)| {
            let mut u = TicketUpdate::default();
            f(&mut u);
            Change::Update(u)
        };
        let lower = key.to_ascii_lowercase();
        let change = match lower.as_str() {
            // As RT: never set from a form (the CLI sends `show`'s whole
            // form back for `rt edit ... add|del`).
            "id" | "type" | "creator" | "lastupdated" => continue,
            "subject" => update(&|u| u.subject = Some(value.clone())),
            "status" => Change::Status(v.clone()),
            "queue" => Change::Queue(v.clone()),
            "owner" => Change::Owner(v.clone()),
            "requestor" | "requestors" => Change::Watchers(Role::Requestor, addresses(&v)),
            "cc" => Change::Watchers(Role::Cc, addresses(&v)),
            "admincc" => Change::Watchers(Role::AdminCc, addresses(&v)),
            "priority" | "initialpriority" | "finalpriority" | "timeestimated" | "timeworked" | "timeleft" => {
                let parsed = if lower.starts_with("time") { parse_minutes(key, &v) } else { parse_number(key, &v) };
                match parsed {
                    Ok(Some(n)) => update(&|u| match lower.as_str() {
                        "priority" => u.priority = Some(n),
                        "initialpriority" => u.initial_priority = Some(n),
                        "finalpriority" => u.final_priority = Some(n),
                        "timeestimated" => u.time_estimated = Some(n),
                        "timeworked" => u.time_worked = Some(n),
                        _ => u.time_left = Some(n),
                    }),
                    Ok(None) => continue,
                    Err(msg) => {
                        errors.push((key.clone(), msg));
                        continue;
                    }
                }
            }
            // RT leaves a date alone when given `Not set` or the value
            // `show` prints; an empty value clears it.
            "created" | "resolved" | "starts" | "started" | "due" | "told" if v.eq_ignore_ascii_case("not set") => {
                continue;
            }
            "created" | "resolved" => Change::ReadOnlyDate(lower.clone(), v.clone()),
            "starts" | "started" | "due" | "told" => {
                let date = if v.is_empty() {
                    None
                } else {
                    match session.read(|tx| Ok(parse_date(tx, &v))) {
                        Ok(Some(d)) => Some(d),
                        _ => {
                            errors.push((key.clone(), format!("{key}: '{v}' is not a date.")));
                            continue;
                        }
                    }
                };
                let u = match update(&|u| match lower.as_str() {
                    "starts" => u.starts = Some(date),
                    "started" => u.started = Some(date),
                    "due" => u.due = Some(date),
                    _ => u.told = Some(date),
                }) {
                    Change::Update(u) => u,
                    _ => unreachable!("update gives an update"),
                };
                Change::Date(lower.clone(), v.clone(), u)
            }
            _ => match cf_key(key) {
                Some(name) => Change::Cf(
                    name.to_string(),
                    value.split('\n').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
                ),
                None => {
                    unknown.push(key.clone());
                    continue;
                }
            },
        };
        changes.push((key.clone(), change));
    }
    let mut refused: Vec<(String, String)> = Vec::new();
    let outcome = session.write(|tx| {
        let t = match tx.ticket(number) {
            Ok(t) => t,
            Err(Error::PermissionDenied { .. }) => return Ok(Outcome::Denied),
            Err(e) => return Err(e),
        };
        if !tx.has_right(rt_core::rights::MODIFY_TICKET, t.acl_object())? && !changes.is_empty() {
            return Ok(Outcome::Denied);
        }
        for (key, change) in &changes {
            if let Err(e) = tx.savepoint(|tx| apply(tx, &t, change)) {
                match e {
                    Error::Database(_) | Error::Config { .. } => return Err(e),
                    e => refused.push((key.clone(), refusal(key, change, &e))),
                }
            }
        }
        // As RT: the values it took are kept, the refused ones said.
        Ok(Outcome::Done)
    });
    let mut failures = errors.clone();
    failures.append(&mut refused);
    match outcome {
        Ok(Outcome::Denied) => {
            return Reply::status(
                400,
                "Bad Request",
                comment_payload(&format!("You are not allowed to modify ticket {number}.")),
            );
        }
        Ok(Outcome::Done) => {}
        Err(Error::NotFound { .. }) => return does_not_exist(id),
        Err(e) => return internal(&e),
    }
    if unknown.is_empty() && failures.is_empty() {
        return Reply::ok(Form::new().comment(format!("Ticket {number} updated.")).render());
    }
    let mut lowered: Vec<String> = unknown.iter().map(|k| k.to_ascii_lowercase()).collect();
    lowered.sort();
    let mut answer = Form::new();
    for k in &lowered {
        answer = answer.comment(format!("{k}: Unknown field."));
    }
    for (_, msg) in &failures {
        answer = answer.comment(msg.clone());
    }
    // RT says so when any field of the form, `id` included, was not refused.
    if form.fields.iter().any(|(key, _)| !unknown.contains(key) && !failures.iter().any(|(k, _)| k == key)) {
        answer = answer.comment(format!("Ticket {number} updated."));
    }
    answer = answer.text("id", form.get("id").unwrap_or("").to_string());
    for (key, value) in &form.fields {
        if unknown.contains(key) || failures.iter().any(|(k, _)| k == key) {
            answer = answer.text(key.clone(), value.clone());
        }
    }
    Reply::status(409, "Syntax Error", form_payload(&answer))
}

enum Outcome {
    Done,
    Denied,
}

/// RT's sentence for a refused value.
fn refusal(key: &str, change: &Change, e: &Error) -> String {
    match (change, e) {
        (Change::Status(s), Error::Validation { message, .. }) if message.contains("not a valid status") => {
            format!("Status: Status '{s}' isn't a valid status for this ticket.")
        }
        (_, Error::PermissionDenied { .. }) => format!("{key}: Permission Denied"),
        (_, Error::Validation { message, .. }) => format!("{key}: {message}"),
        (_, e) => format!("{key}: {e}"),
    }
}

fn apply(tx: &mut Tx<'_>, t: &Ticket, change: &Change) -> rt_core::Result<()> {
    let shown = |tx: &Tx<'_>, field: &str| {
        let date = match field {
            "created" => Some(t.created),
            "resolved" => t.resolved,
            "starts" => t.starts,
            "started" => t.started,
            "due" => t.due,
            _ => t.told,
        };
        date.map_or_else(|| "Not set".to_string(), |d| local(tx, d).format("%a %b %d %H:%M:%S %Y").to_string())
    };
    match change {
        Change::Update(u) => {
            tx.update_ticket(t.id, u)?;
        }
        Change::Date(field, text, u) => {
            if *text != shown(tx, field) {
                tx.update_ticket(t.id, u)?;
            }
        }
        Change::ReadOnlyDate(field, text) => {
            if *text != shown(tx, field) {
                return Err(Error::invalid(field.clone(), "Immutable field"));
            }
        }
        Change::Status(s) => {
            let current = tx.ticket(t.id)?.status;
            if !s.eq_ignore_ascii_case(&current) {
                tx.set_status(t.id, s)?;
            }
        }
        Change::Queue(q) => {
            let queue = tx.resolve_queue(q)?;
            if queue != tx.ticket(t.id)?.queue {
                tx.set_queue(t.id, queue)?;
            }
        }
        Change::Owner(name) => {
            let owner = if name.is_empty() { tx.system().nobody } else { tx.user_by_name(name)?.user_id() };
            if owner != tx.ticket(t.id)?.owner {
                tx.give(t.id, owner)?;
            }
        }
        Change::Watchers(role, wanted) => {
            tx.set_watchers(t.id, *role, wanted)?;
        }
        Change::Cf(name, values) => {
            let object = CfObject::Ticket(t.id);
            let cf = tx
                .custom_fields_for(object)?
                .into_iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| Error::invalid(format!("CF.{{{name}}}"), "no such custom field for this ticket"))?;
            match values.as_slice() {
                // One value for a single-value field: replaced in one
                // transaction ("high changed to critical"), as RT records it.
                [one] if cf.max_values == 1 => {
                    let current = tx.cf_values(object, cf.id)?;
                    if current.len() != 1 || current[0].content != *one {
                        tx.add_cf_value(object, cf.id, one.as_str())?;
                    }
                }
                _ => {
                    let values: Vec<&str> = values.iter().map(String::as_str).collect();
                    tx.set_cf_values(object, cf.id, &values)?;
                }
            }
        }
    }
    Ok(())
}

/// `ticket/<id>/comment`: `Action: comment|correspond`, `Text`, `Cc`,
/// `Bcc`, `TimeWorked`, files as `attachment_<n>`.
fn comment(session: &Session, request: &Request, id: &str) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let form = match parse(request.field("content").unwrap_or("")) {
        Ok(forms) => forms.into_iter().next().unwrap_or_default(),
        Err(e) => return syntax_error(e),
    };
    let action = form.get("action").unwrap_or("comment").trim().to_ascii_lowercase();
    if action != "comment" && action != "correspond" {
        let mut shown = action.clone();
        if let Some(first) = shown.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        return Reply::status(400, "Bad Request", comment_payload(&format!("Invalid action: `{shown}'.")));
    }
    let time_taken = match number_field(&form, "timeworked") {
        Ok(n) => n,
        Err(msg) => return Reply::status(400, "Bad Request", comment_payload(&msg)),
    };
    let entity = message_entity(form.get("text").unwrap_or(""), form.get("content-type"), posted_files(request, &form));
    let Some(entity) = entity else {
        return Reply::status(400, "Bad Request", comment_payload("No text or attachment given."));
    };
    let message = Message {
        entity: Some(entity),
        cc: addresses(form.get("cc").unwrap_or("")),
        bcc: addresses(form.get("bcc").unwrap_or("")),
        time_taken,
        raw: None,
    };
    // `rt comment|correspond -s <status>`: RT sets it after the message
    // and adds what that said.
    let status = form.get("status").map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let result = session.write(|tx| {
        if action == "comment" {
            tx.comment(number, message)?;
        } else {
            tx.correspond(number, message)?;
        }
        let Some(status) = &status else { return Ok(None) };
        let current = tx.ticket(number)?.status;
        if current.eq_ignore_ascii_case(status) {
            return Ok(Some("That is already the current value".to_string()));
        }
        match tx.savepoint(|tx| tx.set_status(number, status)) {
            Ok(_) => Ok(Some(format!("Status changed from '{current}' to '{}'", status.to_lowercase()))),
            Err(Error::Validation { message, .. }) if message.contains("not a valid status") => {
                Ok(Some(format!("Status '{status}' isn't a valid status for this ticket.")))
            }
            Err(Error::PermissionDenied { .. }) => Ok(Some("Permission Denied".to_string())),
            Err(e @ Error::Validation { .. }) => Ok(Some(e.to_string())),
            Err(e) => Err(e),
        }
    });
    let added = if action == "comment" { "Comments added" } else { "Correspondence added" };
    match result {
        Ok(said) => Reply::ok(said.into_iter().fold(Form::new().comment(added), |f, s| f.comment(s)).render()),
        Err(Error::NotFound { .. }) => does_not_exist(id),
        Err(Error::PermissionDenied { .. }) => Reply::status(400, "Bad Request", comment_payload("Permission Denied")),
        Err(e @ Error::Validation { .. }) => Reply::status(400, "Bad Request", comment_payload(&e.to_string())),
        Err(e) => internal(&e),
    }
}

fn number_field(form: &Parsed, key: &str) -> Result<i64, String> {
    Ok(parse_number(key, form.get(key).unwrap_or(""))?.unwrap_or(0))
}

/// `ticket/<id>/take|untake|steal`. As RT, the `content` form's `Action`
/// decides (the CLI posts `rt untake` and `rt steal` to `ticket/<id>/take`
/// with `Action: untake|steal`); without one, the path's last part does.
fn owner(session: &Session, request: &Request, id: &str, path_action: &str) -> Reply {
    let Some(number) = ticket_id(id) else { return does_not_exist(id) };
    let form = match parse(request.field("content").unwrap_or("")) {
        Ok(forms) => forms.into_iter().next().unwrap_or_default(),
        Err(e) => return syntax_error(e),
    };
    let action = form.get("action").map(|a| a.trim().to_ascii_lowercase()).unwrap_or_else(|| path_action.into());
    if !matches!(action.as_str(), "take" | "untake" | "steal") {
        let mut shown = action.clone();
        if let Some(first) = shown.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        return Reply::status(400, "Bad Request", comment_payload(&format!("Invalid action: `{shown}'.")));
    }
    let result = session.write(|tx| {
        let before = tx.ticket(number)?.owner;
        match action.as_str() {
            "take" => tx.take(number)?,
            "untake" => tx.untake(number)?,
            _ => tx.steal(number)?,
        };
        let after = tx.ticket(number)?.owner;
        Ok((tx.user(before)?.name, tx.user(after)?.name))
    });
    match result {
        Ok((old, new)) => Reply::ok(Form::new().comment(format!("Owner changed from {old} to {new}")).render()),
        Err(Error::NotFound { .. }) => does_not_exist(id),
        Err(e @ (Error::PermissionDenied { .. } | Error::Validation { .. })) => {
            Reply::status(400, "Bad Request", comment_payload(&owner_refusal(&e)))
        }
        Err(e) => internal(&e),
    }
}

fn owner_refusal(e: &Error) -> String {
    match e {
        Error::PermissionDenied { .. } => "Permission Denied".into(),
        Error::Validation { message, .. } => {
            let mut m = message.clone();
            if let Some(first) = m.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            m
        }
        e => e.to_string(),
    }
}

/// `ticket/<id>/merge/<into>`.
fn merge(session: &Session, id: &str, into: &str) -> Reply {
    let Some(source) = ticket_id(id) else { return does_not_exist(id) };
    let Some(target) = ticket_id(into) else { return does_not_exist(into) };
    match session.write(|tx| tx.merge_tickets(source, target)) {
        Ok(()) => Reply::ok(comment_payload("Merge completed.")),
        Err(Error::NotFound { id, .. }) => does_not_exist(&id),
        Err(e @ (Error::PermissionDenied { .. } | Error::Validation { .. } | Error::Conflict(_))) => {
            Reply::status(400, "Bad Request", comment_payload(&format!("Merge failed: {}", owner_refusal(&e))))
        }
        Err(e) => internal(&e),
    }
}
