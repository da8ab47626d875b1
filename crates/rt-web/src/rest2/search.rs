//! `GET|POST /tickets?query=<TicketSQL>`: a page of tickets in RT's
//! pagination envelope.
//!
//! `page` starts at 1; `per_page` is 20 by default and at most 100 (zero
//! or not a number is 20); a page past the last is the last. `fields=A,B`
//! adds those fields of each ticket, as `GET /ticket/<id>` shows them, to
//! its item. `orderby`/`order` sort as in RT. A POST takes the same
//! parameters from an urlencoded body. Without a query there are no
//! tickets, as in RT. When the count stopped at rt-core's limit the total
//! is unknown: `total` and `pages` are `null`, as RT answers when it cannot
//! count. Rights are applied inside the query by rt-core.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::search::{Paging, parse_order_by};
use rt_core::{Error, Rt, TicketQuery, Total};
use serde_json::{Map, Value, json};

use super::ticket::ticket_json;
use super::{ApiError, ApiResult, answer, call, read_body};

/// RT's default page size.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// RT's largest page size.
pub const MAX_PER_PAGE: u32 = 100;

/// `per_page` as RT reads it.
pub fn per_page(text: Option<&str>) -> u32 {
    text.and_then(|t| t.trim().parse::<u32>().ok()).filter(|n| *n > 0).map_or(DEFAULT_PER_PAGE, |n| n.min(MAX_PER_PAGE))
}

/// `page` as RT reads it.
pub fn page(text: Option<&str>) -> u32 {
    text.and_then(|t| t.trim().parse::<u32>().ok()).filter(|n| *n > 0).unwrap_or(1)
}

/// How many pages `total` rows make.
pub fn pages(total: u64, per_page: u32) -> u64 {
    total.div_ceil(u64::from(per_page.max(1)))
}

/// A query-string key or value escaped as RT's page links have it (Perl
/// URI's `query_form`): letters, digits and `-_.!~*'()` as they are, a
/// space as `+`, every other byte as `%XX`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// RT's collection envelope around one page of `items`: `count`, `page`,
/// `per_page`, `total` and `pages` (`null` when the total is not known),
/// and `next_page`/`prev_page` links that repeat the request's parameters
/// (`params`) with another `page`.
pub fn envelope(
    ctx: &super::Ctx,
    path: &str,
    params: &[(String, String)],
    page: u32,
    per_page: u32,
    total: Total,
    items: Vec<Value>,
) -> Value {
    let link = |n: u64| {
        let mut pairs: Vec<String> =
            params.iter().filter(|(k, _)| k != "page").map(|(k, v)| format!("{}={}", escape(k), escape(v))).collect();
        pairs.push(format!("page={n}"));
        ctx.url(&format!("{path}?{}", pairs.join("&")))
    };
    let count = items.len();
    let mut envelope = Map::new();
    envelope.insert("count".into(), json!(count));
    envelope.insert("page".into(), json!(page));
    envelope.insert("per_page".into(), json!(per_page));
    let more = match total {
        Total::Exact(total) => {
            let pages = pages(total, per_page);
            envelope.insert("total".into(), json!(total));
            envelope.insert("pages".into(), json!(pages));
            u64::from(page) < pages
        }
        Total::AtLeast(_) => {
            envelope.insert("total".into(), Value::Null);
            envelope.insert("pages".into(), Value::Null);
            count == per_page as usize
        }
    };
    if more {
        envelope.insert("next_page".into(), json!(link(u64::from(page) + 1)));
    }
    if page > 1 {
        envelope.insert("prev_page".into(), json!(link(u64::from(page) - 1)));
    }
    envelope.insert("items".into(), Value::Array(items));
    Value::Object(envelope)
}

/// `GET|POST /tickets`.
pub async fn tickets(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    let mut params: Vec<(String, String)> =
        form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect();
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let body = read_body(&rt, payload).await?;
    if content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        params.extend(form_urlencoded::parse(&body).into_owned());
    } else if !body.is_empty() && serde_json::from_slice::<Value>(&body).is_err() {
        return Err(ApiError::bad_request("JSON parse error: the body is not JSON"));
    }
    let value = call(&req, &rt, move |ctx| {
        let param = |name: &str| params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let query = param("query").unwrap_or("").trim().to_string();
        let per_page = per_page(param("per_page"));
        let mut page = page(param("page"));
        let fields: Vec<String> =
            param("fields").unwrap_or("").split(',').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
        let order = parse_order_by(param("orderby").unwrap_or(""), param("order").unwrap_or(""))
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        if query.is_empty() {
            return Ok(json!({"count": 0, "page": 1, "pages": 0, "per_page": per_page, "total": 0, "items": []}));
        }
        let result = ctx.session.read(|tx| {
            let mut q = TicketQuery::new(&query);
            q.order = order;
            q.paging = Paging { rows_per_page: Some(per_page), page };
            let mut found = tx.search_tickets(&q)?;
            if let Total::Exact(total) = found.total {
                let last = u32::try_from(pages(total, per_page).max(1)).unwrap_or(u32::MAX);
                if page > last {
                    page = last;
                    q.paging.page = page;
                    found = tx.search_tickets(&q)?;
                }
            }
            let mut items = Vec::with_capacity(found.ids.len());
            for id in &found.ids {
                let mut item = Map::new();
                item.insert("type".into(), json!("ticket"));
                item.insert("id".into(), json!(id.0.to_string()));
                item.insert("_url".into(), json!(ctx.url(&format!("ticket/{}", id.0))));
                if !fields.is_empty() {
                    let t = tx.ticket(*id)?;
                    if let Value::Object(all) = ticket_json(ctx, tx, &t)? {
                        for f in &fields {
                            if let Some(v) = all.get(f).filter(|_| f != "id" && f != "_hyperlinks") {
                                item.insert(f.clone(), v.clone());
                            }
                        }
                    }
                }
                items.push(Value::Object(item));
            }
            Ok((found.total, items))
        });
        let (total, items) = match result {
            Ok(found) => found,
            Err(Error::Validation { message, .. }) => return Err(ApiError::bad_request(message)),
            Err(e) => return Err(e.into()),
        };
        Ok(envelope(ctx, "tickets", &params, page, per_page, total, items))
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_as_rt_reads_it() {
        assert_eq!(per_page(None), 20);
        assert_eq!(per_page(Some("0")), 20);
        assert_eq!(per_page(Some("abc")), 20);
        assert_eq!(per_page(Some("500")), 100);
        assert_eq!(per_page(Some("7")), 7);
        assert_eq!(page(Some("-1")), 1);
        assert_eq!(page(Some("3")), 3);
        assert_eq!(pages(0, 20), 0);
        assert_eq!(pages(5, 2), 3);
        assert_eq!(pages(40, 20), 2);
        assert_eq!(escape("Queue='General' AND x"), "Queue%3D'General'+AND+x");
        assert_eq!(escape("Subject,Status"), "Subject%2CStatus");
    }
}
