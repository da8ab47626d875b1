//! Collections other than ticket searches: `/queues`, `/queues/all`,
//! `/users` (and `/users/privileged|unprivileged`), `/groups`,
//! `/customfields`, a ticket's or a transaction's `/attachments`, a
//! user's `/groups` and a group's `/members`, in RT's pagination envelope
//! ([`super::search::envelope`]).
//!
//! The lists with many possible members can be narrowed as RT's
//! `QueryByJSON` does: `POST` a JSON array (or `GET` with `query=` that
//! array) of `{"field", "operator", "value"}` conditions on the records'
//! fields. Conditions on one field are alternatives unless one says
//! `"entry_aggregator": "AND"`; conditions on different fields must all
//! hold. Operators: `=` (the default), `!=`, `LIKE`, `NOT LIKE`,
//! `STARTSWITH`, `ENDSWITH`, `<`, `>`, `<=`, `>=` (numbers compared as
//! numbers), `IS` and `IS NOT` (with `NULL`: empty or not); matching is
//! case-insensitive unless `case_sensitive` is true. Fields a record does
//! not have are ignored, as RT ignores fields it cannot search.
//!
//! `fields=A,B` adds those fields of each record to its item. As in RT,
//! `total` and `pages` are `null` unless the user may see every record of
//! the kind (e.g. `SeeQueue` globally for queues): rights then hid some.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{AclObject, GroupId, PrincipalId, Rt, TicketId, Total, TransactionId, Tx, UserId, rights};
use serde_json::{Map, Value, json};

use super::object::{attachment_json, custom_field_json, group_json, numeric_id, queue_json, user_json};
use super::search::{envelope, page, pages, per_page};
use super::{ApiError, ApiResult, Ctx, answer, call, read_body};

/// The records of one collection, before filtering and paging.
pub struct Listing {
    /// The resource type of its items (`queue`, `user`...).
    pub kind: &'static str,
    /// Each record as its own resource shows it (with a string or number
    /// `id`).
    pub records: Vec<Value>,
    /// Whether the user may see every record of the kind, so that the
    /// total says nothing about hidden ones.
    pub sees_all: bool,
}

/// Answers a collection: filters `load`'s records by the request's JSON
/// conditions, pages them and adds the requested fields.
pub async fn respond(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    path: String,
    load: impl FnOnce(&Ctx, &mut Tx<'_>) -> rt_core::Result<Listing> + Send + 'static,
) -> ApiResult<HttpResponse> {
    let params: Vec<(String, String)> =
        form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect();
    let body = read_body(&rt, payload).await?;
    let query = params.iter().rev().find(|(k, _)| k == "query").map(|(_, v)| v.as_bytes().to_vec());
    let filter = match query.as_deref().filter(|q| q.trim_ascii_start().starts_with(b"[")).or(Some(&body[..])) {
        Some(text) if !text.trim_ascii().is_empty() => conditions(text)?,
        _ => Vec::new(),
    };
    let value = call(&req, &rt, move |ctx| {
        let param = |name: &str| params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let per_page = per_page(param("per_page"));
        let fields: Vec<&str> =
            param("fields").unwrap_or("").split(',').map(str::trim).filter(|f| !f.is_empty()).collect();
        let listing = ctx.session.read(|tx| load(ctx, tx))?;
        let matching: Vec<&Value> = listing.records.iter().filter(|r| matches(r, &filter)).collect();
        let total = u64::try_from(matching.len()).unwrap_or(u64::MAX);
        let last = u32::try_from(pages(total, per_page).max(1)).unwrap_or(u32::MAX);
        let page = page(param("page")).min(last);
        let skip = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
        let items = matching
            .into_iter()
            .skip(skip)
            .take(per_page as usize)
            .map(|record| item(ctx, listing.kind, record, &fields))
            .collect();
        let total = if listing.sees_all { Total::Exact(total) } else { Total::AtLeast(total) };
        Ok(envelope(ctx, &path, &params, page, per_page, total, items))
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}

/// A collection item: a reference to the record (of the record's own
/// `type` when it has one, as members that are users or groups), with the
/// fields asked for.
fn item(ctx: &Ctx, kind: &str, record: &Value, fields: &[&str]) -> Value {
    let kind = record.get("type").and_then(Value::as_str).unwrap_or(kind);
    let id = match &record["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut item = Map::new();
    item.insert("type".into(), json!(kind));
    item.insert("id".into(), json!(id));
    item.insert("_url".into(), json!(ctx.url(&format!("{kind}/{id}"))));
    for f in fields.iter().filter(|f| **f != "id") {
        if let Some(v) = record.get(*f) {
            item.insert((*f).to_string(), v.clone());
        }
    }
    Value::Object(item)
}

/// One condition of a JSON filter.
#[derive(Debug, Clone, PartialEq)]
struct Condition {
    field: String,
    operator: String,
    value: String,
    and: bool,
    case_sensitive: bool,
}

/// Parses a JSON filter: an array of condition objects. Entries without a
/// field or a value are passed over, as RT does.
fn conditions(text: &[u8]) -> ApiResult<Vec<Condition>> {
    let parsed: Value =
        serde_json::from_slice(text).map_err(|e| ApiError::bad_request(format!("JSON parse error: {e}")))?;
    let Value::Array(entries) = parsed else {
        return Err(ApiError::bad_request("a JSON array of conditions expected"));
    };
    let mut out = Vec::new();
    for entry in entries {
        let Value::Object(entry) = entry else {
            return Err(ApiError::bad_request("each condition is a JSON object with field, operator and value"));
        };
        let text = |key: &str| entry.get(key).and_then(super::text);
        let (Some(field), Some(value)) = (text("field").filter(|f| !f.is_empty()), text("value")) else { continue };
        let operator = text("operator").unwrap_or_else(|| "=".into()).trim().to_ascii_uppercase();
        if !matches!(
            operator.as_str(),
            "=" | "!="
                | "<>"
                | "LIKE"
                | "NOT LIKE"
                | "STARTSWITH"
                | "ENDSWITH"
                | "<"
                | ">"
                | "<="
                | ">="
                | "IS"
                | "IS NOT"
        ) {
            return Err(ApiError::bad_request(format!("unknown operator '{operator}'")));
        }
        let and = text("entry_aggregator").is_some_and(|a| a.eq_ignore_ascii_case("AND"));
        let case_sensitive = entry.get("case_sensitive").is_some_and(|v| v.as_bool() == Some(true) || v == "1");
        out.push(Condition { field, operator, value, and, case_sensitive });
    }
    Ok(out)
}

/// Whether a record passes a filter: per field, alternatives (or all of
/// the conditions marked AND); every field's group must pass.
fn matches(record: &Value, filter: &[Condition]) -> bool {
    let mut fields: Vec<&str> = filter.iter().map(|c| c.field.as_str()).collect();
    fields.dedup();
    fields.iter().all(|field| {
        let Some(value) = record.get(*field) else { return true };
        let group: Vec<&Condition> = filter.iter().filter(|c| c.field == *field).collect();
        let (all, any): (Vec<&Condition>, Vec<&Condition>) = group.into_iter().partition(|c| c.and);
        all.iter().all(|c| holds(value, c)) && (any.is_empty() || any.iter().any(|c| holds(value, c)))
    })
}

/// Whether one condition holds for a field's value (a reference counts by
/// its id).
fn holds(value: &Value, c: &Condition) -> bool {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => u8::from(*b).to_string(),
        Value::Object(o) => o.get("id").and_then(super::text).unwrap_or_default(),
        Value::Null => String::new(),
        Value::Array(_) => return false,
    };
    let fold = |s: &str| if c.case_sensitive { s.to_string() } else { s.to_lowercase() };
    let (have, want) = (fold(&text), fold(&c.value));
    let order = || match (have.trim().parse::<f64>(), want.trim().parse::<f64>()) {
        (Ok(a), Ok(b)) => a.partial_cmp(&b),
        _ => Some(have.cmp(&want)),
    };
    let empty = want.eq_ignore_ascii_case("null") || want.is_empty();
    match c.operator.as_str() {
        "=" => have == want,
        "!=" | "<>" => have != want,
        "LIKE" => have.contains(&want),
        "NOT LIKE" => !have.contains(&want),
        "STARTSWITH" => have.starts_with(&want),
        "ENDSWITH" => have.ends_with(&want),
        "<" => order() == Some(std::cmp::Ordering::Less),
        ">" => order() == Some(std::cmp::Ordering::Greater),
        "<=" => order().is_some_and(|o| o != std::cmp::Ordering::Greater),
        ">=" => order().is_some_and(|o| o != std::cmp::Ordering::Less),
        "IS" => empty && have.is_empty(),
        _ => empty && !have.is_empty(),
    }
}

/// `GET|POST /queues`: the enabled queues the user may see.
pub async fn queues(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    respond(req, rt, payload, "queues".into(), queue_listing).await
}

/// `GET /queues/all`: the same (RT's name for "every queue").
pub async fn all_queues(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    respond(req, rt, payload, "queues/all".into(), queue_listing).await
}

fn queue_listing(ctx: &Ctx, tx: &mut Tx<'_>) -> rt_core::Result<Listing> {
    let mut records = Vec::new();
    for q in tx.queues()? {
        records.push(queue_json(ctx, tx, &q)?);
    }
    let sees_all = tx.has_right(rights::SEE_QUEUE, AclObject::System)?;
    Ok(Listing { kind: "queue", records, sees_all })
}

/// `GET|POST /users`: privileged users only.
pub async fn users(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    user_listing(req, rt, payload, "users", None).await
}

/// `GET|POST /users/privileged`.
pub async fn privileged_users(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    user_listing(req, rt, payload, "users/privileged", Some(true)).await
}

/// `GET|POST /users/unprivileged`.
pub async fn unprivileged_users(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    user_listing(req, rt, payload, "users/unprivileged", Some(false)).await
}

async fn user_listing(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    path: &str,
    privileged: Option<bool>,
) -> ApiResult<HttpResponse> {
    respond(req, rt, payload, path.into(), move |ctx, tx| {
        let mut records = Vec::new();
        for u in tx.users(privileged)? {
            records.push(user_json(ctx, tx, &u)?);
        }
        let sees_all = tx.has_right(rights::SUPER_USER, AclObject::System)?;
        Ok(Listing { kind: "user", records, sees_all })
    })
    .await
}

/// `GET|POST /groups`: the user-defined groups the user may see.
pub async fn groups(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    respond(req, rt, payload, "groups".into(), |ctx, tx| {
        let records = tx.visible_groups()?.iter().map(|g| group_json(ctx, g)).collect();
        let sees_all = tx.has_right(rights::SEE_GROUP, AclObject::System)?;
        Ok(Listing { kind: "group", records, sees_all })
    })
    .await
}

/// `GET|POST /customfields`: the custom fields the user may see.
pub async fn custom_fields(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    respond(req, rt, payload, "customfields".into(), |ctx, tx| {
        let mut records = Vec::new();
        for cf in tx.visible_custom_fields()? {
            records.push(custom_field_json(ctx, tx, &cf)?);
        }
        let sees_all = tx.has_right(rights::SEE_CUSTOM_FIELD, AclObject::System)?;
        Ok(Listing { kind: "customfield", records, sees_all })
    })
    .await
}

/// `GET /ticket/<id>/attachments`: every attachment of the transactions
/// of the ticket's history the user may see.
pub async fn ticket_attachments(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = TicketId(numeric_id(&path)?);
    respond(req, rt, payload, format!("ticket/{}/attachments", id.0), move |ctx, tx| {
        let mut records = Vec::new();
        for a in tx.ticket_attachments(id)? {
            records.push(attachment_json(ctx, tx, &a, None)?);
        }
        Ok(Listing { kind: "attachment", records, sees_all: true })
    })
    .await
}

/// `GET /transaction/<id>/attachments`.
pub async fn transaction_attachments(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = TransactionId(numeric_id(&path)?);
    respond(req, rt, payload, format!("transaction/{}/attachments", id.0), move |ctx, tx| {
        let mut records = Vec::new();
        for a in tx.transaction_attachments(id)? {
            records.push(attachment_json(ctx, tx, &a, None)?);
        }
        Ok(Listing { kind: "attachment", records, sees_all: true })
    })
    .await
}

/// `GET /user/<id|name>/groups`: the user-defined groups a user is in
/// (one's own, or anyone's with `AdminGroupMembership`).
pub async fn user_groups(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let key = path.into_inner();
    respond(req, rt, payload, format!("user/{key}/groups"), move |ctx, tx| {
        let user = UserId(tx.visible_user(&key)?.id);
        let records = tx.user_memberships(user)?.iter().map(|g| group_json(ctx, g)).collect();
        Ok(Listing { kind: "group", records, sees_all: true })
    })
    .await
}

/// `GET /group/<id>/members`: a group's direct members, users and groups
/// (needs `AdminGroupMembership` on it, as in RT).
pub async fn group_members(
    req: HttpRequest,
    rt: web::Data<Rt>,
    payload: web::Payload,
    path: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = GroupId(numeric_id(&path)?);
    respond(req, rt, payload, format!("group/{}/members", id.0), move |_, tx| {
        let mut records = Vec::new();
        for PrincipalId(p) in tx.managed_group_members(id)? {
            records.push(match tx.user(UserId(p)) {
                Ok(u) => json!({"id": u.name, "type": "user", "Name": u.name}),
                Err(rt_core::Error::NotFound { .. }) => {
                    let g = tx.group(GroupId(p))?;
                    json!({"id": g.id, "type": "group", "Name": g.name})
                }
                Err(e) => return Err(e),
            });
        }
        Ok(Listing { kind: "user", records, sees_all: true })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(json: &str) -> Vec<Condition> {
        conditions(json.as_bytes()).expect("filter")
    }

    #[test]
    fn conditions_on_one_field_are_alternatives_and_fields_combine() {
        let general = json!({"id": 1, "Name": "General", "SortOrder": "0", "Queue": {"id": "3"}});
        let support = json!({"id": 2, "Name": "Support", "SortOrder": "10"});
        let f = filter(r#"[{"field":"Name","value":"general"},{"field":"Name","value":"Support"}]"#);
        assert!(matches(&general, &f) && matches(&support, &f));
        let f = filter(
            r#"[{"field":"Name","operator":"LIKE","value":"port"},{"field":"SortOrder","operator":">","value":"5"}]"#,
        );
        assert!(!matches(&general, &f) && matches(&support, &f));
        let f = filter(r#"[{"field":"SortOrder","operator":"<","value":"9"}]"#);
        assert!(matches(&general, &f) && !matches(&support, &f), "numbers compare as numbers");
        let f = filter(r#"[{"field":"Name","value":"general","case_sensitive":true}]"#);
        assert!(!matches(&general, &f));
        let f = filter(r#"[{"field":"Queue","value":"3"},{"field":"Nonesuch","value":"x"}]"#);
        assert!(matches(&general, &f), "references count by id; unknown fields are ignored");
        let f = filter(
            r#"[{"field":"Name","operator":"STARTSWITH","value":"Gen"},{"field":"Name","operator":"ENDSWITH","value":"x","entry_aggregator":"AND"}]"#,
        );
        assert!(!matches(&general, &f));
    }

    #[test]
    fn bad_filters_say_why() {
        assert!(conditions(b"{").is_err());
        assert!(conditions(br#"{"field":"Name"}"#).is_err());
        assert!(conditions(br#"[{"field":"Name","operator":"~~","value":"x"}]"#).is_err());
        assert_eq!(conditions(br#"[{"operator":"=","value":"x"}]"#).expect("ok"), Vec::new());
    }
}
