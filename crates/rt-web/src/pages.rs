//! The answers outside the UI: the health check and the not-found answer.

use actix_web::http::StatusCode;
use actix_web::http::header::{CacheControl, CacheDirective, ContentType};
use actix_web::{HttpResponse, web};
use rt_core::Rt;

/// `GET /healthz`: `200 ok` when the database answers a query, `503`
/// otherwise. The reason is logged, never sent: it may name the database.
pub(crate) async fn healthz(rt: web::Data<Rt>) -> HttpResponse {
    let rt = rt.into_inner();
    let (status, body) = match web::block(move || rt.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "shutting down"),
    };
    HttpResponse::build(status)
        .content_type(ContentType::plaintext())
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .body(body)
}

/// Anything else: a plain 404, with the UI's security headers.
pub(crate) async fn not_found() -> HttpResponse {
    crate::ui::secured(HttpResponse::NotFound()).content_type(ContentType::plaintext()).body("not found")
}
