//! RTIR's workflow actions over REST 2.0 (our addition under
//! `/REST/2.0/rtir/`; RTIR offers them on its screens): create an Incident
//! Report, an Incident from reports, an Investigation launched with
//! reports attached, a Countermeasure (refused without an Incident); link
//! a child to an Incident and unlink it; quick resolve, quick reject,
//! bulk reject and abandon. Each is one call into [`rtir::workflow`] or
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
use rtir::workflow::{self, NewReport};
use serde_json::{Map, Value, json};

use super::object::numeric_id;
use super::ticket::{create_ticket, created};
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
