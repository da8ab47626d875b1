//! `POST /REST/1.0/NoAuth/mail-gateway`: where `rt-mailgate` (ours or
//! RT's) delivers mail. A multipart form with `message` (the raw mail),
//! `queue`, `action` and optionally `ticket`; the answer is one line of
//! `text/plain`, as RT's: `ok`, `not ok - ...` (refused for good: the MTA
//! drops it) or `temporary failure - ...` (the MTA retries). As in RT the
//! reason is logged and the answer says only `operation unsuccessful`.
//!
//! Messages larger than four times the attachment limit are answered
//! `not ok`, so the MTA bounces them instead of retrying for days.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, web};
use futures_util::StreamExt;
use rt_core::{Rt, TicketId};
use rt_mail::{GatewayOutcome, GatewayRequest};

/// Handles one delivery.
pub async fn mail_gateway(rt: web::Data<Rt>, mut form: Multipart) -> HttpResponse {
    let limit = rt.config().max_attachment_size.saturating_mul(4).max(1024 * 1024) as usize;
    let mut fields: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = match field {
            Ok(f) => f,
            Err(e) => return answer("temporary failure", &format!("unreadable form: {e}")),
        };
        let name = field.name().unwrap_or_default().to_string();
        let mut value = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = match chunk {
                Ok(c) => c,
                Err(e) => return answer("temporary failure", &format!("unreadable form: {e}")),
            };
            total += chunk.len();
            if total > limit {
                return answer("not ok", &format!("message larger than {limit} bytes"));
            }
            value.extend_from_slice(&chunk);
        }
        fields.push((name, value));
    }
    let get = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let text = |name: &str, default: &str| {
        get(name)
            .map(|v| String::from_utf8_lossy(&v).trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_string())
    };
    let Some(message) = get("message") else {
        return answer("not ok", "no message was posted");
    };
    let (queue, action) = (text("queue", "1"), text("action", "correspond"));
    let ticket = match get("ticket").map(|v| String::from_utf8_lossy(&v).trim().to_string()).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => match t.parse() {
            Ok(id) => Some(TicketId(id)),
            Err(_) => return answer("not ok", &format!("ticket {t:?} is not a number")),
        },
    };
    let rt = rt.into_inner();
    let outcome = web::block(move || {
        rt_mail::deliver(&rt, &GatewayRequest { queue: &queue, action: &action, ticket, message: &message })
    })
    .await;
    match outcome {
        Ok(GatewayOutcome::Ok(id)) => {
            tracing::info!(ticket = %id, "mail recorded");
            HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok\n")
        }
        Ok(GatewayOutcome::NotOk(reason)) => answer("not ok", &reason),
        Ok(GatewayOutcome::TempFail(reason)) => answer("temporary failure", &reason),
        Err(e) => answer("temporary failure", &format!("worker unavailable: {e}")),
    }
}

fn answer(kind: &str, reason: &str) -> HttpResponse {
    tracing::warn!(%reason, "mail gateway: {kind}");
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body(format!("{kind} - operation unsuccessful\n"))
}
