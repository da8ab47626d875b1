//! RTIR's workflow actions over REST 2.0 (our addition under
//! `/REST/2.0/rtir/`; RTIR offers them on its screens): create an Incident
//! Report, an Incident from reports, an Investigation launched with
//! reports attached, a Countermeasure (refused without an Incident); link
//! a child to an Incident and unlink it; quick resolve, quick reject,
//! bulk reject, abandon, split, merge, Due in `$OverdueAfter` days, and
//! the Incident reply to reporters or to all. Each is one call into [`rtir::workflow`] or
//! [`rtir::links`] in the user's session, so RTIR's rules and RT's rights
//! apply as they do everywhere; refusals come back as `400` with RTIR's
//! message or `403`.
//!
//! Creation bodies are `POST /ticket`'s (subject, requestors, content with
//! attachments, custom fields...) plus, per kind: `HowReported`,
//! `ReporterType`, `IP` and `Incidents` for a report; `Children` for an
//! Incident; `Incident` and `Reports` for an Investigation; `Incidents`
//! for a Countermeasure. Without a `Queue`, RTIR's queue of the kind.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{Rt, TicketId};
use rtir::kind::Kind;
use rtir::reply::{IncidentReply, ReplyTo, reply_to_children};
use rtir::workflow::{self, NewReport, Split};
use serde_json::{Map, Value, json};

use super::object::numeric_id;
use super::ticket::{create_ticket, created, entity, with_attachments};
use super::{ApiError, ApiResult, answer, call, json_object, read_body, text, texts};

/// Ticket ids from a list field (numbers or numeric strings).
fn ids(body: &Map<String, Value>, key: &str) -> ApiResult<Vec<TicketId>> {
    body.get(key)
        .map(texts)
        .unwrap_or_default()
        .iter()
        .map(|t| {
            t.trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(TicketId)
                .ok_or_else(|| ApiError::bad_request(format!("{key}: '{t}' is not a ticket number")))
        })
        .collect()
}

/// Creates a ticket of `kind` with `make` (the workflow call) and answers
/// `201` as `POST /ticket` does.
async fn create(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    kind: Kind,
    make: impl FnOnce(&mut rt_core::Tx<'_>, rt_core::NewTicket, &Map<String, Value>) -> rt_core::Result<TicketId>
    + Send
    + 'static,
) -> ApiResult<HttpResponse> {
    let body = json_object(&read_body(&rt, payload).await?)?;
    let made = call(&req, &rt, move |ctx| {
        let id = create_ticket(ctx, &body, Some(kind.default_queue()), |tx, new| make(tx, new, &body))?;
        Ok((id, ctx.url(&format!("ticket/{}", id.0))))
    })
    .await?;
    Ok(created(made))
}

/// `POST /rtir/report`.
pub async fn report(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    create(req, rt, payload, Kind::Report, |tx, ticket, body| {
        let incidents = ids(body, "Incidents").map_err(|e| rt_core::Error::invalid("Incidents", e.message))?;
        let report = NewReport {
            ticket,
            how_reported: body.get("HowReported").and_then(text),
            reporter_type: body.get("ReporterType").and_then(text),
            ips: body.get("IP").map(texts).unwrap_or_default(),
            incidents,
        };
        workflow::create_report(tx, report)
    })
    .await
}

/// `POST /rtir/incident`: with `Children`, the reports (or other children)
/// it is made from.
pub async fn incident(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    create(req, rt, payload, Kind::Incident, |tx, ticket, body| {
        let children = ids(body, "Children").map_err(|e| rt_core::Error::invalid("Children", e.message))?;
        workflow::create_incident(tx, ticket, &children)
    })
    .await
}

/// `POST /rtir/investigation`: launched to its requestors, in `Incident`,
/// with the `Reports` attached.
pub async fn investigation(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    create(req, rt, payload, Kind::Investigation, |tx, ticket, body| {
        let invalid = |key: &'static str| move |e: ApiError| rt_core::Error::invalid(key, e.message);
        let incident = ids(body, "Incident").map_err(invalid("Incident"))?.first().copied();
        let reports = ids(body, "Reports").map_err(invalid("Reports"))?;
        workflow::launch_investigation(tx, ticket, incident, &reports)
    })
    .await
}

/// `POST /rtir/countermeasure`: in its `Incidents` (at least one).
pub async fn countermeasure(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    create(req, rt, payload, Kind::Countermeasure, |tx, ticket, body| {
        let incidents = ids(body, "Incidents").map_err(|e| rt_core::Error::invalid("Incidents", e.message))?;
        workflow::create_countermeasure(tx, ticket, &incidents)
    })
    .await
}

/// `PUT /rtir/ticket/<id>/incident/<incident>`: the child joins the
/// Incident (RTIR's rules: it may leave its other Incident, the Incident
/// may be taken first). `DELETE` unlinks it.
pub async fn link(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (child, incident) = (TicketId(numeric_id(&path.0)?), TicketId(numeric_id(&path.1)?));
    let unlink = req.method() == actix_web::http::Method::DELETE;
    let value = call(&req, &rt, move |ctx| {
        Ok(ctx.session.write(|tx| {
            if unlink {
                rtir::links::unlink_from_incident(tx, child, incident)?;
                return Ok(json!([format!("Ticket {} is no longer a member of Incident {}", child.0, incident.0)]));
            }
            let linked = rtir::links::link_to_incident(tx, child, incident)?;
            let mut said = vec![format!("Ticket {} is now a member of Incident {}", child.0, incident.0)];
            if linked.took_incident {
                said.push(format!("You now own Incident {}", incident.0));
            }
            for left in &linked.left {
                said.push(format!("Ticket {} left Incident {}", child.0, left.0));
            }
            for empty in &linked.childless {
                said.push(format!("Incident {} has no children left", empty.0));
            }
            Ok(json!(said))
        })?)
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}

/// `POST /rtir/ticket/<id>/<action>`: `resolve` (RTIR's Quick Resolve, or
/// Quick Remove for a Countermeasure), `reject` (Quick Reject of a
/// report), `abandon` (an Incident with its children) or `due` (Due set
/// to `$OverdueAfter` days from now).
pub async fn action(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let id = TicketId(numeric_id(&path.0)?);
    let action = path.1.clone();
    if !matches!(action.as_str(), "resolve" | "reject" | "abandon" | "due") {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Not Found"));
    }
    let value = call(&req, &rt, move |ctx| {
        Ok(ctx.session.write(|tx| {
            Ok(match action.as_str() {
                "resolve" => json!({"Status": workflow::quick_resolve(tx, id)?}),
                "reject" => json!({"Status": workflow::quick_reject(tx, id)?}),
                "due" => json!({"Due": super::date(Some(workflow::due_after_overdue_days(tx, id)?))}),
                _ => {
                    let done = workflow::abandon(tx, id)?;
                    json!({
                        "Abandoned": done.abandoned,
                        "Closed": done.closed.iter().map(|t| t.0).collect::<Vec<_>>(),
                        "Refused": done.refused.iter().map(|(t, why)| json!({"id": t.0, "message": why})).collect::<Vec<_>>(),
                    })
                }
            })
        })?)
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}

/// `POST /rtir/reports/reject` with `{"Reports": [ids]}`: RTIR's bulk
/// reject; each report's outcome.
pub async fn bulk_reject(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    let body = json_object(&read_body(&rt, payload).await?)?;
    let reports = ids(&body, "Reports")?;
    let value = call(&req, &rt, move |ctx| {
        let outcomes = ctx.session.write(|tx| Ok(workflow::bulk_reject(tx, &reports)))?;
        Ok(Value::Array(
            outcomes
                .into_iter()
                .map(|(id, outcome)| match outcome {
                    Ok(_) => json!({"id": id.0, "Status": "rejected"}),
                    Err(e) => json!({"id": id.0, "message": ApiError::from(e).message}),
                })
                .collect(),
        ))
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}

/// A message from a body's `Content`, `ContentType`, `Subject` and
/// `Attachments`, as `POST /ticket/<id>/correspond` takes them; `None`
/// without content or attachments.
fn body_message(body: &Map<String, Value>) -> ApiResult<Option<rt_core::MimeEntity>> {
    let get = |k: &str| body.get(k).filter(|v| !v.is_null());
    let content = get("Content").and_then(text).unwrap_or_default();
    if content.is_empty() && get("Attachments").is_none() {
        return Ok(None);
    }
    let main =
        entity(&content, get("ContentType").and_then(text).as_deref(), get("Subject").and_then(text).as_deref())?;
    with_attachments(main, get("Attachments")).map(Some)
}

/// `POST /rtir/ticket/<id>/split`: RTIR's Split. The body may give the
/// new ticket's `Subject`, its first message (`Content`, `ContentType`,
/// `Attachments`) and, for a child, the `Incidents` it joins (else the
/// original's). Answers `201` with the new ticket.
pub async fn split(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let id = TicketId(numeric_id(&path)?);
    let raw = read_body(&rt, payload).await?;
    let body = if raw.iter().all(u8::is_ascii_whitespace) { Map::new() } else { json_object(&raw)? };
    let split = Split {
        subject: body.get("Subject").and_then(text),
        content: body_message(&body)?,
        incidents: body.contains_key("Incidents").then(|| ids(&body, "Incidents")).transpose()?,
    };
    let made = call(&req, &rt, move |ctx| {
        let new = ctx.session.write(|tx| workflow::split(tx, id, split))?;
        Ok((new, ctx.url(&format!("ticket/{}", new.0))))
    })
    .await?;
    Ok(created(made))
}

/// `POST /rtir/ticket/<id>/merge/<into>`: RTIR's Merge; answers the
/// ticket that remains (a report merged with an Investigation always
/// goes into the Investigation).
pub async fn merge(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (source, into) = (TicketId(numeric_id(&path.0)?), TicketId(numeric_id(&path.1)?));
    let value = call(&req, &rt, move |ctx| {
        let kept = ctx.session.write(|tx| workflow::merge(tx, source, into))?;
        Ok(json!({"id": kept.0, "message": format!("Merge Successful: ticket {} is now part of ticket {}", source.0, kept.0)}))
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}

/// `POST /rtir/incident/<id>/reply`: RTIR's Incident reply. `To` is
/// `reporters` (the default), `all`, or a list of the Incident's
/// children; `Incident: true` also adds the message to the Incident;
/// `Comment: true` comments instead; `Status` (of the Incident's
/// lifecycle) is mapped onto each child. The message is `Content`,
/// `ContentType`, `Subject`, `Attachments`. Answers what each child got.
pub async fn incident_reply(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let incident = TicketId(numeric_id(&path)?);
    let body = json_object(&read_body(&rt, payload).await?)?;
    let Some(entity) = body_message(&body)? else { return Err(ApiError::bad_request("No Content")) };
    let to = match body.get("To") {
        None | Some(Value::Null) => ReplyTo::Reporters,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("reporters") => ReplyTo::Reporters,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("all") => ReplyTo::All,
        Some(Value::Array(_)) => ReplyTo::These(ids(&body, "To")?),
        Some(other) => {
            return Err(ApiError::bad_request(format!("To: {other} is not reporters, all or a list of tickets")));
        }
    };
    let flag = |key: &str| body.get(key).and_then(Value::as_bool).unwrap_or(false);
    let reply = IncidentReply {
        to,
        incident_too: flag("Incident"),
        comment: flag("Comment"),
        message: rt_core::Message { entity: Some(entity), ..rt_core::Message::default() },
        status: body.get("Status").and_then(text).filter(|s| !s.is_empty()),
    };
    let value = call(&req, &rt, move |ctx| {
        let done = ctx.session.write(|tx| reply_to_children(tx, incident, reply))?;
        Ok(json!({
            "Updated": done.updated.iter().map(|t| t.0).collect::<Vec<_>>(),
            "Refused": done.refused.iter().map(|(t, why)| json!({"id": t.0, "message": why})).collect::<Vec<_>>(),
            "IncidentStatusChanged": done.incident_status_changed,
            "Notes": done.notes,
        }))
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}
