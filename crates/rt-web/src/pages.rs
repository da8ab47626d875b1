//! The pages served before the full UI exists: the start page, the health
//! check and the not-found answer.

use actix_web::http::StatusCode;
use actix_web::http::header::{CacheControl, CacheDirective, ContentType};
use actix_web::{HttpResponse, web};
use rt_core::Rt;

const INDEX: &str = include_str!("../../../templates/web/index.html");

/// `GET /`: names the site and points at the health check.
pub(crate) async fn index(rt: web::Data<Rt>) -> HttpResponse {
    let page = render(INDEX, &[("rtname", &rt.config().rtname), ("version", env!("CARGO_PKG_VERSION"))]);
    HttpResponse::Ok().content_type(ContentType::html()).body(page)
}

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

/// Anything else: a plain 404.
pub(crate) async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().content_type(ContentType::plaintext()).body("not found")
}

/// Replaces each `{{ name }}` of `template` with its HTML-escaped value.
/// A stand-in until the pages move to Tera.
fn render(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |page, (name, value)| {
        page.replace(&format!("{{{{ {name} }}}}"), &escape_html(value))
    })
}

/// Escapes the characters that matter in HTML text and attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_template_has_only_known_placeholders() {
        let page = render(INDEX, &[("rtname", "x"), ("version", "y")]);
        assert!(!page.contains("{{"), "unfilled placeholder in templates/web/index.html");
    }

    #[test]
    fn values_are_escaped() {
        assert_eq!(render("<b>{{ a }}</b>", &[("a", "<i>&\"'")]), "<b>&lt;i&gt;&amp;&quot;&#39;</b>");
    }
}
