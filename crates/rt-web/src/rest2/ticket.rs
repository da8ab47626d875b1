//! Tickets: `GET|PUT /ticket/<id>`, `POST /ticket`,
//! `POST /ticket/<id>/correspond|comment`, `GET /ticket/<id>/history`.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use rt_core::Total;
use rt_core::lifecycles::UpdateType;
use rt_core::{
    CfObject, CustomField, Error, GroupId, LinkEnd, LinkType, Message, MimeEntity, NewTicket, PrincipalId, QueueId,
    Role, Rt, Ticket, TicketId, TicketUpdate, Tx, UserId, rights,
};
use serde_json::{Map, Value, json};

use super::{ApiError, ApiResult, Ctx, answer, call, date, json_object, read_body, search, text, texts};

/// A ticket id from the path; anything else names no ticket.
fn ticket_id(text: &str) -> ApiResult<TicketId> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(TicketId)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not Found"))
}

/// `GET /ticket/<id>`.
pub async fn show(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = ticket_id(&path)?;
    let (value, etag) = call(&req, &rt, move |ctx| {
        Ok(ctx.session.read(|tx| {
            let t = tx.ticket(id)?;
            Ok((ticket_json(ctx, tx, &t)?, etag(tx, t.id)?))
        })?)
    })
    .await?;
    let mut response = answer(StatusCode::OK, &value);
    if let Ok(value) = header::HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    Ok(response)
}

/// A ticket as RT's REST 2.0 shows it.
pub fn ticket_json(ctx: &Ctx, tx: &mut Tx<'_>, t: &Ticket) -> rt_core::Result<Value> {
    let mut o = Map::new();
    let self_url = ctx.url(&format!("ticket/{}", t.id.0));
    o.insert("id".into(), json!(t.id.0));
    o.insert("Type".into(), json!(t.kind));
    o.insert("Subject".into(), json!(t.subject));
    o.insert("Status".into(), json!(t.status));
    o.insert("Queue".into(), ctx.reference("queue", &t.queue.0.to_string()));
    o.insert("EffectiveId".into(), ctx.reference("ticket", &t.effective_id.0.to_string()));
    o.insert("Owner".into(), ctx.user_ref(tx, t.owner)?);
    o.insert("Creator".into(), ctx.user_ref(tx, t.creator)?);
    o.insert("LastUpdatedBy".into(), ctx.user_ref(tx, t.last_updated_by)?);
    for (key, n) in [
        ("Priority", t.priority),
        ("InitialPriority", t.initial_priority),
        ("FinalPriority", t.final_priority),
        ("TimeEstimated", t.time_estimated),
        ("TimeWorked", t.time_worked),
        ("TimeLeft", t.time_left),
    ] {
        o.insert(key.into(), json!(n.to_string()));
    }
    for (key, d) in [
        ("Created", Some(t.created)),
        ("Starts", t.starts),
        ("Started", t.started),
        ("Due", t.due),
        ("Resolved", t.resolved),
        ("LastUpdated", Some(t.last_updated)),
    ] {
        o.insert(key.into(), json!(date(d)));
    }
    for (key, role) in [("Requestor", Role::Requestor), ("Cc", Role::Cc), ("AdminCc", Role::AdminCc)] {
        let mut members = Vec::new();
        for PrincipalId(p) in tx.ticket_role_members(t.id, role)? {
            match tx.user(UserId(p)) {
                Ok(u) => members.push(ctx.reference("user", &u.name)),
                Err(Error::NotFound { .. }) => members.push(ctx.reference("group", &p.to_string())),
                Err(e) => return Err(e),
            }
        }
        o.insert(key.into(), Value::Array(members));
    }
    let mut links = vec![json!({"ref": "self", "type": "ticket", "id": t.id.0, "_url": self_url})];
    let mut cfs = Vec::new();
    let object = CfObject::Ticket(t.id);
    for cf in tx.custom_fields_for(object)? {
        let values = match tx.cf_values(object, cf.id) {
            Ok(values) => values,
            Err(Error::PermissionDenied { .. }) => continue,
            Err(e) => return Err(e),
        };
        let id = cf.id.0.to_string();
        let url = ctx.url(&format!("customfield/{id}"));
        links.push(json!({"ref": "customfield", "type": "customfield", "id": id, "name": cf.name, "_url": url}));
        let values: Vec<String> = values.into_iter().map(|v| v.content).collect();
        cfs.push(json!({"type": "customfield", "id": id, "name": cf.name, "_url": url, "values": values}));
    }
    o.insert("CustomFields".into(), Value::Array(cfs));
    links.push(json!({"ref": "history", "_url": format!("{self_url}/history")}));
    let acl = t.acl_object();
    if tx.has_right(rights::REPLY_TO_TICKET, acl)? {
        links.push(json!({"ref": "correspond", "_url": format!("{self_url}/correspond")}));
    }
    if tx.has_right(rights::COMMENT_ON_TICKET, acl)? {
        links.push(json!({"ref": "comment", "_url": format!("{self_url}/comment")}));
    }
    let actions: Vec<(rt_core::lifecycles::Action, String)> = {
        let lifecycle = tx.queue_lifecycle(t.queue)?;
        lifecycle
            .actions_from(&t.status)
            .map(|a| (a.clone(), lifecycle.check_right(&a.from, &a.to).to_string()))
            .collect()
    };
    for (action, right) in actions {
        if !tx.has_right(&right, acl)? {
            continue;
        }
        let mut link = json!({"ref": "lifecycle", "from": action.from, "to": action.to, "label": action.label});
        let url = match action.update {
            Some(UpdateType::Respond) => {
                link["update"] = json!("Respond");
                format!("{self_url}/correspond")
            }
            Some(UpdateType::Comment) => {
                link["update"] = json!("Comment");
                format!("{self_url}/comment")
            }
            None => self_url.clone(),
        };
        link["_url"] = json!(url);
        links.push(link);
    }
    for link in tx.links(t.id)? {
        let Some((kind, end)) = link.seen_from(t.id) else { continue };
        let name = match kind {
            LinkType::DependsOn => "depends-on",
            LinkType::DependedOnBy => "depended-on-by",
            LinkType::MemberOf => "parent",
            LinkType::HasMember => "child",
            LinkType::RefersTo => "refers-to",
            LinkType::ReferredToBy => "referred-to-by",
            LinkType::MergedInto => continue,
        };
        links.push(match end {
            LinkEnd::Ticket(other) => json!({
                "ref": name, "type": "ticket", "id": other.0, "_url": ctx.url(&format!("ticket/{}", other.0))
            }),
            LinkEnd::Uri(uri) => json!({"ref": name, "type": "external", "_url": uri}),
        });
    }
    o.insert("_hyperlinks".into(), Value::Array(links));
    Ok(Value::Object(o))
}

/// A number given as a JSON number or numeric string.
fn number(key: &str, v: &Value) -> ApiResult<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::bad_request(format!("{key}: '{}' is not a number", text(v).unwrap_or_default())))
}

/// A priority given as a number or, where the ticket's queue names
/// priorities ([`rt_core::config::PriorityLabels`]), as one of its labels.
fn priority(tx: &mut Tx<'_>, queue: QueueId, key: &str, v: &Value) -> rt_core::Result<i64> {
    if let Ok(n) = number(key, v) {
        return Ok(n);
    }
    let given = text(v).unwrap_or_default();
    let name = tx.queue(queue)?.name;
    tx.config()
        .priority_labels
        .number(&name, &given)
        .ok_or_else(|| Error::invalid(key, format!("{key}: '{given}' is not a number")))
}

/// A date given as W3CDTF (`2026-12-04T15:35:07Z`) or `YYYY-MM-DD
/// HH:MM:SS`, both UTC; empty clears it.
pub fn date_value(key: &str, v: &Value) -> ApiResult<Option<DateTime<Utc>>> {
    let s = text(v).unwrap_or_default();
    let s = s.trim();
    if s.is_empty() || s.starts_with("1970-01-01") {
        return Ok(None);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(d.with_timezone(&Utc)));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .map(|d| Some(d.and_utc()))
        .map_err(|_| ApiError::bad_request(format!("{key}: '{s}' is not a date")))
}

/// The message of a create, reply or comment: `Content` as `ContentType`
/// (`text/plain`, or `text/html`), with `Subject` when given.
pub(crate) fn entity(content: &str, content_type: Option<&str>, subject: Option<&str>) -> ApiResult<MimeEntity> {
    let mut body = MimeEntity::text(content);
    match content_type.map(str::trim).map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("text/plain") => {}
        Some("text/html") => {
            body.content_type = "text/html".into();
            body.headers = "Content-Type: text/html; charset=\"utf-8\"\n".into();
        }
        Some(other) => return Err(ApiError::bad_request(format!("Unsupported ContentType: {other}"))),
    }
    if let Some(subject) = subject.filter(|s| !s.is_empty()) {
        body.set_header("Subject", subject);
    }
    Ok(body)
}

/// `body` with the files of an `Attachments` array (RT's `FileName`,
/// `FileType` and base64 `FileContent` per file) attached.
pub(crate) fn with_attachments(body: MimeEntity, attachments: Option<&Value>) -> ApiResult<MimeEntity> {
    let Some(attachments) = attachments.filter(|v| !v.is_null()) else { return Ok(body) };
    let Value::Array(files) = attachments else { return Err(ApiError::bad_request("Attachments must be an array")) };
    let mut parts = vec![body];
    for file in files {
        let Value::Object(file) = file else {
            return Err(ApiError::bad_request("Each element of Attachments must be a hash"));
        };
        let field = |name: &str| {
            file.get(name).and_then(text).filter(|v| !v.is_empty()).ok_or_else(|| {
                ApiError::bad_request(format!("Field {name} is required for each attachment in Attachments"))
            })
        };
        let (name, kind, content) = (field("FileName")?, field("FileType")?, field("FileContent")?);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(content.trim())
            .map_err(|e| ApiError::bad_request(format!("FileContent of {name} is not base64: {e}")))?;
        parts.push(MimeEntity::attachment(&name, &kind, bytes));
    }
    Ok(MimeEntity::multipart(parts))
}

/// The custom field a key (`Severity` or `2`) names among `fields`.
fn find_cf<'a>(fields: &'a [CustomField], key: &str) -> ApiResult<&'a CustomField> {
    fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(key) || f.id.0.to_string() == key)
        .ok_or_else(|| ApiError::bad_request(format!("Unknown custom field: {key}")))
}

/// `POST /ticket`.
pub async fn create(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    let body = json_object(&read_body(&rt, payload).await?)?;
    let made = call(&req, &rt, move |ctx| {
        let id = create_ticket(ctx, &body, None, |tx, new| tx.create_ticket(new))?;
        Ok((id, ctx.url(&format!("ticket/{}", id.0))))
    })
    .await?;
    Ok(created(made))
}

/// RT's answer to a creation: `201`, `Location` and the new ticket's
/// reference, given its id and URL.
pub fn created((id, url): (TicketId, String)) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, url.clone()))
        .content_type("application/json")
        .body(json!({"id": id.0.to_string(), "type": "ticket", "_url": url}).to_string())
}

/// Makes a ticket from a JSON body as `POST /ticket` reads it (queue,
/// subject, watchers, priorities, times, dates, content with attachments,
/// owner, custom fields of the queue) with `make`. Without a `Queue` in
/// the body, `default_queue` is the queue whose fields and priority labels
/// the body is read with, and `make` gets no queue to choose one itself
/// (`None`: the body must name the queue).
pub fn create_ticket(
    ctx: &Ctx,
    body: &Map<String, Value>,
    default_queue: Option<&str>,
    make: impl FnOnce(&mut Tx<'_>, NewTicket) -> rt_core::Result<TicketId>,
) -> ApiResult<TicketId> {
    let get = |k: &str| body.get(k).filter(|v| !v.is_null());
    let given_queue = get("Queue").and_then(text).filter(|q| !q.is_empty());
    let chosen = given_queue.is_some() || default_queue.is_none();
    let queue_text = given_queue.or(default_queue.map(str::to_string)).unwrap_or_default();
    let mut new = NewTicket {
        subject: get("Subject").and_then(text).unwrap_or_default(),
        status: get("Status").and_then(text).filter(|s| !s.is_empty()),
        requestors: get("Requestor").or_else(|| get("Requestors")).map(texts).unwrap_or_default(),
        cc: get("Cc").map(texts).unwrap_or_default(),
        admin_cc: get("AdminCc").map(texts).unwrap_or_default(),
        ..NewTicket::default()
    };
    let priorities: Vec<(&str, Value)> = ["Priority", "InitialPriority", "FinalPriority"]
        .into_iter()
        .filter_map(|key| Some((key, get(key)?.clone())))
        .collect();
    for (key, slot) in [
        ("TimeEstimated", &mut new.time_estimated),
        ("TimeWorked", &mut new.time_worked),
        ("TimeLeft", &mut new.time_left),
    ] {
        if let Some(v) = get(key) {
            *slot = number(key, v)?;
        }
    }
    if let Some(v) = get("Starts") {
        new.starts = date_value("Starts", v)?;
    }
    if let Some(v) = get("Due") {
        new.due = date_value("Due", v)?;
    }
    let content = get("Content").and_then(text).unwrap_or_default();
    if !content.is_empty() || get("Attachments").is_some() {
        let body = entity(&content, get("ContentType").and_then(text).as_deref(), Some(&new.subject))?;
        new.content = Some(with_attachments(body, get("Attachments"))?);
    }
    let owner = get("Owner").and_then(text).filter(|s| !s.is_empty());
    let cfs = match get("CustomFields") {
        None => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(ApiError::bad_request("CustomFields: a JSON object expected")),
    };
    let result = ctx.session.write(|tx| {
        let queue = match tx.resolve_queue(&queue_text) {
            Ok(q) => q,
            Err(Error::NotFound { .. } | Error::Validation { .. }) => {
                return Ok(Err(ApiError::bad_request("Could not create ticket. Queue not set")));
            }
            Err(e) => return Err(e),
        };
        // A default queue only reads the body's fields; `make` picks the
        // queue (RTIR: the constituency's of the ticket it is made from).
        new.queue = chosen.then_some(queue);
        for (key, v) in &priorities {
            let n = match priority(tx, queue, key, v) {
                Ok(n) => n,
                Err(Error::Validation { message, .. }) => return Ok(Err(ApiError::bad_request(message))),
                Err(e) => return Err(e),
            };
            *match *key {
                "Priority" => &mut new.priority,
                "InitialPriority" => &mut new.initial_priority,
                _ => &mut new.final_priority,
            } = Some(n);
        }
        if let Some(name) = &owner {
            new.owner = Some(tx.user_by_name(name)?.user_id());
        }
        if !cfs.is_empty() {
            let fields = tx.ticket_custom_fields_in_queue(queue)?;
            for (key, value) in &cfs {
                match find_cf(&fields, key) {
                    Ok(cf) => new.custom_fields.push((cf.id, texts(value))),
                    Err(e) => return Ok(Err(e)),
                }
            }
        }
        Ok(Ok(make(tx, new)?))
    });
    match result {
        Ok(answer) => answer,
        Err(Error::NotFound { kind: "user", id }) => Err(ApiError::bad_request(format!("Owner: no such user '{id}'"))),
        Err(e) => Err(e.into()),
    }
}

/// `PUT /ticket/<id>`: sets the fields, watchers and links given; answers
/// one message per change, as RT does (a refused change is said, the
/// others are kept). With `If-Match`, a stale tag changes nothing: `412`.
pub async fn update(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    update_with(req, rt, &path, payload, None).await
}

/// `PUT /ticket/<id>/take|untake|steal`, with any other changes in the body.
pub async fn own(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (id, action) = path.into_inner();
    let action = match action.as_str() {
        "take" => OwnAction::Take,
        "untake" => OwnAction::Untake,
        "steal" => OwnAction::Steal,
        _ => return Err(ApiError::new(StatusCode::NOT_FOUND, "Not Found")),
    };
    update_with(req, rt, &id, payload, Some(action)).await
}

async fn update_with(
    req: HttpRequest,
    rt: web::Data<Rt>,
    id: &str,
    payload: web::Payload,
    action: Option<OwnAction>,
) -> ApiResult<HttpResponse> {
    let id = ticket_id(id)?;
    let raw = read_body(&rt, payload).await?;
    let body = if raw.iter().all(u8::is_ascii_whitespace) { Map::new() } else { json_object(&raw)? };
    let if_match = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
    let messages = call(&req, &rt, move |ctx| update_ticket(ctx, id, &body, if_match.as_deref(), action)).await?;
    Ok(answer(StatusCode::OK, &json!(messages)))
}

/// `DELETE /ticket/<id>`: the ticket's status becomes `deleted` (needs
/// `DeleteTicket`); `204` with no body, as RT.
pub async fn delete(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = ticket_id(&path)?;
    call(&req, &rt, move |ctx| Ok(ctx.session.write(|tx| tx.delete_ticket(id))?)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One requested change of a ticket's own fields.
enum Field {
    Number(&'static str, Value),
    Subject(String),
    Status(String),
    Queue(String),
    Owner(String),
    Date(&'static str, Option<DateTime<Utc>>),
    Cf(String, Vec<String>),
}

/// One requested change.
enum Change {
    Field(Field),
    Watchers(Role, Vec<String>),
    Links(LinkType, LinkEdit, Vec<String>),
    Merge(String),
    Own(OwnAction),
}

/// How a link field changes a ticket's links of one type: `DependsOn`
/// makes them exactly the ones given, `AddDependsOn` and
/// `DeleteDependsOn` add or remove those given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LinkEdit {
    Set,
    Add,
    Delete,
}

/// `PUT /ticket/<id>/take|untake|steal`.
#[derive(Clone, Copy)]
pub enum OwnAction {
    /// Take an unowned ticket.
    Take,
    /// Give it back to Nobody.
    Untake,
    /// Take it from its owner.
    Steal,
}

/// RT's link field names (`%RT::Link::TYPEMAP`): `Members` is HasMember.
fn link_field(name: &str) -> Option<LinkType> {
    match name {
        "Members" => Some(LinkType::HasMember),
        "MergedInto" | "HasMember" => None,
        other => LinkType::from_name(other),
    }
}

fn update_ticket(
    ctx: &Ctx,
    id: TicketId,
    body: &Map<String, Value>,
    if_match: Option<&str>,
    action: Option<OwnAction>,
) -> ApiResult<Vec<String>> {
    let mut changes: Vec<Change> = action.map(Change::Own).into_iter().collect();
    let mut merge = None;
    for (key, v) in body {
        let change = match key.as_str() {
            "Subject" => Change::Field(Field::Subject(text(v).unwrap_or_default())),
            "Status" => Change::Field(Field::Status(text(v).unwrap_or_default())),
            "Queue" => Change::Field(Field::Queue(text(v).unwrap_or_default())),
            "Owner" => Change::Field(Field::Owner(text(v).unwrap_or_default())),
            k @ ("Priority" | "InitialPriority" | "FinalPriority" | "TimeEstimated" | "TimeWorked" | "TimeLeft") => {
                let name = ["Priority", "InitialPriority", "FinalPriority", "TimeEstimated", "TimeWorked", "TimeLeft"]
                    .into_iter()
                    .find(|n| *n == k)
                    .unwrap_or("Priority");
                if !k.ends_with("Priority") {
                    number(k, v)?;
                }
                Change::Field(Field::Number(name, v.clone()))
            }
            k @ ("Starts" | "Started" | "Due") => {
                let name = ["Starts", "Started", "Due"].into_iter().find(|n| *n == k).unwrap_or("Due");
                Change::Field(Field::Date(name, date_value(k, v)?))
            }
            "CustomFields" => {
                let Value::Object(map) = v else {
                    return Err(ApiError::bad_request("CustomFields: a JSON object expected"));
                };
                for (name, values) in map {
                    changes.push(Change::Field(Field::Cf(name.clone(), texts(values))));
                }
                continue;
            }
            "Requestor" | "Requestors" => Change::Watchers(Role::Requestor, texts(v)),
            "Cc" => Change::Watchers(Role::Cc, texts(v)),
            "AdminCc" => Change::Watchers(Role::AdminCc, texts(v)),
            "MergeInto" => {
                merge = Some(Change::Merge(text(v).unwrap_or_default()));
                continue;
            }
            k => {
                let (edit, name) = match (k.strip_prefix("Add"), k.strip_prefix("Delete")) {
                    (Some(name), _) => (LinkEdit::Add, name),
                    (_, Some(name)) => (LinkEdit::Delete, name),
                    _ => (LinkEdit::Set, k),
                };
                // As RT: fields it does not update are passed over.
                let Some(kind) = link_field(name) else { continue };
                Change::Links(kind, edit, texts(v))
            }
        };
        changes.push(change);
    }
    changes.extend(merge);
    let result = ctx.session.write(|tx| {
        let t = tx.ticket(id)?;
        if let Some(wanted) = if_match
            && !etag_matches(wanted, &etag(tx, t.id)?)
        {
            return Ok(Err(ApiError::new(StatusCode::PRECONDITION_FAILED, "Precondition Failed")));
        }
        let mut messages = Vec::new();
        for change in &changes {
            match tx.savepoint(|tx| apply(tx, &t, change)) {
                Ok(said) => messages.extend(said.into_iter().map(|said| format!("Ticket {}: {said}", t.id.0))),
                Err(e @ (Error::Database(_) | Error::Config { .. })) => return Err(e),
                Err(Error::PermissionDenied { .. }) => messages.push(format!("Ticket {}: Permission Denied", t.id.0)),
                Err(Error::NotFound { kind, id }) => messages.push(format!("Ticket {}: no such {kind}: {id}", t.id.0)),
                Err(Error::Validation { message, .. } | Error::Conflict(message)) => {
                    messages.push(format!("Ticket {}: {message}", t.id.0))
                }
            }
        }
        Ok(Ok(messages))
    });
    result?
}

/// A ticket's entity tag, as RT's: the id of its latest transaction,
/// quoted. It changes with every change to the ticket.
pub fn etag(tx: &mut Tx<'_>, id: TicketId) -> rt_core::Result<String> {
    Ok(format!("\"{}\"", tx.last_transaction_id(id)?.map_or(0, |t| t.0)))
}

/// Whether an `If-Match` value (`"12"`, `W/"12"`, a list, or `*`) names
/// the current tag.
fn etag_matches(if_match: &str, current: &str) -> bool {
    if_match.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == current)
}

/// Applies one change; what RT says about it (nothing when the value was
/// already there).
fn apply(tx: &mut Tx<'_>, t: &Ticket, change: &Change) -> rt_core::Result<Vec<String>> {
    let id = t.id;
    let name_of = |tx: &mut Tx<'_>, p: PrincipalId| match tx.user(UserId(p.0)) {
        Ok(u) => Ok(u.name),
        Err(Error::NotFound { .. }) => tx.group(GroupId(p.0)).map(|g| g.name),
        Err(e) => Err(e),
    };
    Ok(match change {
        Change::Watchers(role, wanted) => {
            let mut said = Vec::new();
            for (who, added) in tx.set_watchers(id, *role, wanted)? {
                let name = name_of(tx, who)?;
                said.push(if added {
                    format!("Added {name} as {} for this ticket", role.as_str())
                } else {
                    format!("{name} is no longer {} for this ticket", role.as_str())
                });
            }
            said
        }
        Change::Links(kind, edit, values) => {
            let current: Vec<LinkEnd> = tx
                .links(id)?
                .iter()
                .filter_map(|l| l.seen_from(id))
                .filter(|(k, _)| k == kind)
                .map(|(_, end)| end)
                .collect();
            let given: Vec<(String, LinkEnd)> =
                values.iter().map(|v| (v.clone(), crate::rest1::links::link_end(tx, v))).collect();
            let mut said = Vec::new();
            for (text, end) in &given {
                if *edit != LinkEdit::Delete && !current.contains(end) {
                    tx.add_link(id, *kind, end.clone())?;
                    said.push(format!("{}.", crate::rest1::links::link_sentence(*kind, id, text, "")));
                } else if *edit == LinkEdit::Delete && tx.delete_link(id, *kind, end.clone())? {
                    said.push(format!("{}.", crate::rest1::links::link_sentence(*kind, id, text, "no longer ")));
                }
            }
            if *edit == LinkEdit::Set {
                for end in current.iter().filter(|end| !given.iter().any(|(_, g)| g == *end)) {
                    tx.delete_link(id, *kind, end.clone())?;
                    let text = match end {
                        LinkEnd::Ticket(other) => other.0.to_string(),
                        LinkEnd::Uri(uri) => uri.clone(),
                    };
                    said.push(format!("{}.", crate::rest1::links::link_sentence(*kind, id, &text, "no longer ")));
                }
            }
            said
        }
        Change::Merge(into) => {
            let into = into
                .trim()
                .parse::<i64>()
                .map_err(|_| Error::invalid("MergeInto", format!("'{into}' is not a ticket number")))?;
            tx.merge_tickets(id, TicketId(into))?;
            vec!["Merge Successful".to_string()]
        }
        Change::Own(action) => {
            let owner = |tx: &mut Tx<'_>| -> rt_core::Result<String> {
                let owner = tx.ticket(id)?.owner;
                Ok(tx.user(owner)?.name)
            };
            let before = owner(tx)?;
            match action {
                OwnAction::Take => tx.take(id)?,
                OwnAction::Untake => tx.untake(id)?,
                OwnAction::Steal => tx.steal(id)?,
            };
            let after = owner(tx)?;
            vec![format!("Owner changed from {before} to {after}")]
        }
        Change::Field(field) => apply_field(tx, t, field)?.into_iter().collect(),
    })
}

/// Applies a change to one field; what RT says about it, or nothing when
/// the value was already there.
fn apply_field(tx: &mut Tx<'_>, t: &Ticket, change: &Field) -> rt_core::Result<Option<String>> {
    let now = tx.ticket(t.id)?;
    let changed = |field: &str, old: &str, new: &str| Some(format!("{field} changed from '{old}' to '{new}'"));
    Ok(match change {
        Field::Subject(s) if *s == now.subject => None,
        Field::Subject(s) => {
            tx.update_ticket(t.id, &TicketUpdate { subject: Some(s.clone()), ..TicketUpdate::default() })?;
            changed("Subject", &now.subject, s)
        }
        Field::Number(field, given) => {
            let is_priority = field.ends_with("Priority");
            let n = &if is_priority {
                priority(tx, now.queue, field, given)?
            } else {
                number(field, given).map_err(|e| Error::invalid(*field, e.message))?
            };
            let mut u = TicketUpdate::default();
            let current = match *field {
                "Priority" => {
                    u.priority = Some(*n);
                    now.priority
                }
                "InitialPriority" => {
                    u.initial_priority = Some(*n);
                    now.initial_priority
                }
                "FinalPriority" => {
                    u.final_priority = Some(*n);
                    now.final_priority
                }
                "TimeEstimated" => {
                    u.time_estimated = Some(*n);
                    now.time_estimated
                }
                "TimeWorked" => {
                    u.time_worked = Some(*n);
                    now.time_worked
                }
                _ => {
                    u.time_left = Some(*n);
                    now.time_left
                }
            };
            if current == *n {
                return Ok(None);
            }
            tx.update_ticket(t.id, &u)?;
            // As RT: priorities in words where the queue names them.
            let queue = tx.queue(now.queue)?.name;
            let shown = |n: i64| {
                let labels = &tx.config().priority_labels;
                is_priority.then(|| labels.label(&queue, n)).flatten().unwrap_or_else(|| n.to_string())
            };
            changed(field, &shown(current), &shown(*n))
        }
        Field::Date(field, d) => {
            let current = match *field {
                "Starts" => now.starts,
                "Started" => now.started,
                _ => now.due,
            };
            if current == *d {
                return Ok(None);
            }
            let mut u = TicketUpdate::default();
            match *field {
                "Starts" => u.starts = Some(*d),
                "Started" => u.started = Some(*d),
                _ => u.due = Some(*d),
            }
            tx.update_ticket(t.id, &u)?;
            changed(field, &date(current), &date(*d))
        }
        Field::Status(s) if s.eq_ignore_ascii_case(&now.status) => None,
        Field::Status(s) => {
            tx.set_status(t.id, s)?;
            changed("Status", &now.status, &s.to_lowercase())
        }
        Field::Queue(q) => {
            let queue = tx.resolve_queue(q)?;
            if queue == now.queue {
                return Ok(None);
            }
            let old = tx.queue(now.queue).map(|q| q.name).unwrap_or_else(|_| now.queue.0.to_string());
            tx.set_queue(t.id, queue)?;
            let new = tx.queue(queue).map(|q| q.name).unwrap_or_else(|_| queue.0.to_string());
            changed("Queue", &old, &new)
        }
        Field::Owner(name) => {
            let owner = if name.is_empty() { tx.system().nobody } else { tx.user_by_name(name)?.user_id() };
            if owner == now.owner {
                return Ok(None);
            }
            let old = tx.user(now.owner)?.name;
            tx.give(t.id, owner)?;
            let new = tx.user(owner)?.name;
            Some(format!("Owner changed from {old} to {new}"))
        }
        Field::Cf(key, values) => {
            let object = CfObject::Ticket(t.id);
            let fields = tx.custom_fields_for(object)?;
            let cf = fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(key) || f.id.0.to_string() == *key)
                .ok_or_else(|| Error::invalid(key.clone(), format!("Unknown custom field: {key}")))?;
            let current: Vec<String> = tx.cf_values(object, cf.id)?.into_iter().map(|v| v.content).collect();
            if current == *values {
                return Ok(None);
            }
            let wanted: Vec<&str> = values.iter().map(String::as_str).collect();
            tx.set_cf_values(object, cf.id, &wanted)?;
            match (current.as_slice(), values.as_slice()) {
                ([old], [new]) => Some(format!("{} {old} changed to {new}", cf.name)),
                ([], [new]) => Some(format!("{new} added as a value for {}", cf.name)),
                ([old], []) => Some(format!("{old} is no longer a value for custom field {}", cf.name)),
                _ => Some(format!("{} set to {}", cf.name, values.join(", "))),
            }
        }
    })
}

/// `POST /ticket/<id>/correspond`.
pub async fn correspond(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    message(req, rt, path, payload, true).await
}

/// `POST /ticket/<id>/comment`.
pub async fn comment(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    message(req, rt, path, payload, false).await
}

/// A reply or comment: a JSON body (`Content`, `ContentType`, `Subject`,
/// `TimeTaken`, `Status`) or, as RT takes it, a `text/plain` or
/// `text/html` body that is the content itself.
async fn message(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<String>,
    payload: web::Payload,
    reply: bool,
) -> ApiResult<HttpResponse> {
    let id = ticket_id(&path)?;
    let raw = read_body(&rt, payload).await?;
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let body = if essence == "text/plain" || essence == "text/html" {
        let content = String::from_utf8(raw).map_err(|_| ApiError::bad_request("the body is not UTF-8"))?;
        let mut map = Map::new();
        map.insert("Content".into(), json!(content));
        map.insert("ContentType".into(), json!(essence));
        map
    } else {
        json_object(&raw)?
    };
    let get = |k: &str| body.get(k).filter(|v| !v.is_null());
    let content = get("Content").and_then(text).unwrap_or_default();
    if content.is_empty() && get("Attachments").is_none() {
        return Err(ApiError::bad_request("No Content"));
    }
    let entity = with_attachments(
        entity(&content, get("ContentType").and_then(text).as_deref(), get("Subject").and_then(text).as_deref())?,
        get("Attachments"),
    )?;
    let time_taken = match get("TimeTaken") {
        Some(v) => number("TimeTaken", v)?,
        None => 0,
    };
    let status = get("Status").and_then(text).filter(|s| !s.is_empty());
    let message = Message { entity: Some(entity), time_taken, ..Message::default() };
    let messages = call(&req, &rt, move |ctx| {
        Ok(ctx.session.write(|tx| {
            let t = tx.ticket(id)?;
            if reply {
                tx.correspond(t.id, message)?;
            } else {
                tx.comment(t.id, message)?;
            }
            let mut said = vec![if reply { "Correspondence added" } else { "Comments added" }.to_string()];
            if let Some(status) = status {
                match tx.savepoint(|tx| apply_field(tx, &t, &Field::Status(status))) {
                    Ok(Some(s)) => said.push(s),
                    Ok(None) => {}
                    Err(e @ (Error::Database(_) | Error::Config { .. })) => return Err(e),
                    Err(Error::PermissionDenied { .. }) => said.push("Permission Denied".into()),
                    Err(e) => said.push(e.to_string()),
                }
            }
            Ok(said)
        })?)
    })
    .await?;
    Ok(answer(StatusCode::CREATED, &json!(messages)))
}

/// `GET /ticket/<id>/history`: the ticket's transactions the user may see,
/// oldest first, as `transaction` references in RT's collection envelope
/// (`page`, `per_page` as for searches).
pub async fn history(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = ticket_id(&path)?;
    let params: Vec<(String, String)> =
        form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect();
    let value = call(&req, &rt, move |ctx| {
        let param = |name: &str| params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let per_page = search::per_page(param("per_page"));
        let all = ctx.session.read(|tx| tx.history(id))?;
        let total = u64::try_from(all.len()).unwrap_or(u64::MAX);
        let last = u32::try_from(search::pages(total, per_page).max(1)).unwrap_or(u32::MAX);
        let page = search::page(param("page")).min(last);
        let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
        let items = all
            .iter()
            .skip(skip)
            .take(per_page as usize)
            .map(|txn| {
                let id = txn.id.0.to_string();
                json!({"type": "transaction", "id": id, "_url": ctx.url(&format!("transaction/{id}"))})
            })
            .collect();
        let path = format!("ticket/{}/history", id.0);
        Ok(search::envelope(ctx, &path, &params, page, per_page, Total::Exact(total), items))
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}
