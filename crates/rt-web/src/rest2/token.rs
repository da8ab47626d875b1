//! Authentication tokens over the API (our addition: RT manages them only
//! in its web UI): `GET /tokens` lists the caller's tokens, `POST /tokens`
//! (`{"Description", "Expires"}`, plus `"Owner"` for holders of
//! `AdminUsers`) creates one and answers its secret once, `DELETE
//! /token/<id>` revokes one. The rules are rt-core's
//! ([`rt_core::auth_token`]): creating needs `ManageAuthTokens`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{AuthToken, Rt, UserId};
use serde_json::{Value, json};

use super::object::numeric_id;
use super::ticket::date_value;
use super::{ApiResult, Ctx, answer, call, date, json_object, read_body, text};

fn token_json(ctx: &Ctx, t: &AuthToken) -> Value {
    json!({
        "id": t.id,
        "Owner": t.owner.0,
        "Description": t.description,
        "Created": date(Some(t.created)),
        "LastUsed": date(t.last_used),
        "Expires": date(t.expires),
        "_url": ctx.url(&format!("token/{}", t.id)),
    })
}

/// `GET /tokens`: the caller's tokens, oldest first.
pub async fn list(req: HttpRequest, rt: web::Data<Rt>) -> ApiResult<HttpResponse> {
    let value = call(&req, &rt, |ctx| {
        let me = ctx.session.user().id;
        let tokens = ctx.session.read(|tx| tx.auth_tokens(me))?;
        let items: Vec<Value> = tokens.iter().map(|t| token_json(ctx, t)).collect();
        Ok(json!({"count": items.len(), "total": items.len(), "items": items}))
    })
    .await?;
    Ok(answer(StatusCode::OK, &value))
}

/// `POST /tokens`: `201` with the token and its one-time secret, `token`.
pub async fn create(req: HttpRequest, rt: web::Data<Rt>, payload: web::Payload) -> ApiResult<HttpResponse> {
    let body = json_object(&read_body(&rt, payload).await?)?;
    let description = body.get("Description").and_then(text).unwrap_or_default();
    let expires = match body.get("Expires") {
        Some(v) => date_value("Expires", v)?,
        None => None,
    };
    let owner = body.get("Owner").and_then(text);
    let value = call(&req, &rt, move |ctx| {
        let (token, secret) = ctx.session.write(|tx| {
            let owner = match &owner {
                Some(key) => UserId(tx.visible_user(key)?.id),
                None => tx.current_user().id,
            };
            tx.create_auth_token(owner, &description, expires)
        })?;
        let mut value = token_json(ctx, &token);
        value["token"] = json!(secret);
        Ok(value)
    })
    .await?;
    Ok(answer(StatusCode::CREATED, &value))
}

/// `DELETE /token/<id>`: `204`.
pub async fn revoke(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<String>) -> ApiResult<HttpResponse> {
    let id = numeric_id(&path)?;
    call(&req, &rt, move |ctx| Ok(ctx.session.write(|tx| tx.revoke_auth_token(id))?)).await?;
    Ok(HttpResponse::NoContent().finish())
}
