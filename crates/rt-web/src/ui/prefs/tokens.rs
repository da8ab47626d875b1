//! `/Prefs/AuthTokens.html`: the user's REST 2.0 tokens (rt-core's
//! `auth_token`): the list, creation (`Password`, `Description`,
//! `ExpiresSelect`; the current password asked again, as RT does, and the
//! secret shown once, on the answer to the POST, never in a URL) and
//! revocation (`Revoke` with `TokenId`). `ManageAuthTokens` is rt-core's
//! to check.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Months, Utc};
use rt_core::{AclObject, Rt, rights};
use serde::Serialize;

use super::{Errors, Posted, choice, field};
use crate::ui::{Answer, Audience, PageError, Viewer, context, render, run, run_post};

/// A token in the list.
#[derive(Debug, Serialize)]
struct TokenRow {
    id: i64,
    description: String,
    created: String,
    last_used: String,
    expires: String,
}

/// Expiry choices of a new token (RT's `ExpiresSelect`).
const EXPIRES: [(&str, &str); 5] =
    [("", "Never"), ("1M", "In 1 month"), ("3M", "In 3 months"), ("6M", "In 6 months"), ("1Y", "In 1 year")];

/// `GET /Prefs/AuthTokens.html`.
pub(super) async fn tokens(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let site = rt.clone().into_inner();
    let message = match crate::ui::param(&req, "done").as_deref() {
        Some("revoked") => Some("Token revoked."),
        _ => None,
    };
    run(&req, rt, Audience::Privileged, move |viewer| {
        tokens_page(&site, viewer, StatusCode::OK, &TokenForm::default(), &Errors::new(), None, message)
    })
    .await
}

/// What was typed into the new-token form (not the password).
#[derive(Debug, Default, Serialize)]
struct TokenForm {
    description: String,
    expires: String,
}

/// `POST /Prefs/AuthTokens.html`: `Create` (with `Password`,
/// `Description`, `ExpiresSelect`) or `Revoke` (with `TokenId`).
pub(super) async fn save_tokens(req: HttpRequest, rt: web::Data<Rt>, form: Posted) -> HttpResponse {
    let site = rt.clone().into_inner();
    let form = form.into_inner();
    let token = Some(field(&form, "CSRF"));
    run_post(&req, rt, token, move |viewer| {
        let me = viewer.user.user_id();
        if !field(&form, "Revoke").is_empty() {
            let id = field(&form, "TokenId")
                .parse::<i64>()
                .map_err(|_| rt_core::Error::invalid("TokenId", "no such token"))?;
            viewer.session.write(|tx| tx.revoke_auth_token(id))?;
            return Ok(Answer::Redirect("/Prefs/AuthTokens.html?done=revoked".into()));
        }
        let typed = TokenForm {
            description: field(&form, "Description").trim().to_string(),
            expires: field(&form, "ExpiresSelect"),
        };
        let mut errors = Errors::new();
        if typed.description.is_empty() {
            errors.insert("Description".into(), "Say what this token is for.".into());
        }
        let expires = match typed.expires.as_str() {
            "" => Some(None),
            "1M" => Utc::now().checked_add_months(Months::new(1)).map(Some),
            "3M" => Utc::now().checked_add_months(Months::new(3)).map(Some),
            "6M" => Utc::now().checked_add_months(Months::new(6)).map(Some),
            "1Y" => Some(Some(Utc::now() + Duration::days(365))),
            _ => None,
        };
        let Some(expires) = expires else {
            errors.insert("ExpiresSelect".into(), "Choose when the token expires from the list.".into());
            return tokens_page(&site, viewer, StatusCode::BAD_REQUEST, &typed, &errors, None, None);
        };
        let password = field(&form, "Password");
        let created = viewer.session.write(|tx| {
            if !tx.is_own_password(&password)? {
                errors.insert("Password".into(), "Please enter your current password correctly.".into());
            }
            if !errors.is_empty() {
                return Ok(None);
            }
            tx.create_auth_token(me, &typed.description, expires).map(|(_, secret)| Some(secret))
        })?;
        match created {
            Some(secret) => {
                tracing::info!(user = %viewer.user.name, "web UI: auth token created");
                tokens_page(&site, viewer, StatusCode::OK, &TokenForm::default(), &errors, Some(&secret), None)
            }
            None => tokens_page(&site, viewer, StatusCode::BAD_REQUEST, &typed, &errors, None, None),
        }
    })
    .await
}

fn tokens_page(
    rt: &Rt,
    viewer: &Viewer,
    status: StatusCode,
    typed: &TokenForm,
    errors: &Errors,
    secret: Option<&str>,
    message: Option<&str>,
) -> Result<Answer, PageError> {
    let me = viewer.user.user_id();
    let (list, may_create) = viewer.session.read(|tx| {
        let list = tx.auth_tokens(me)?;
        Ok((list, tx.has_right(rights::MANAGE_AUTH_TOKENS, AclObject::System)?))
    })?;
    let rows: Vec<TokenRow> = list
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            description: t.description,
            created: viewer.date(t.created),
            last_used: t.last_used.map_or_else(|| "Never".to_string(), |d| viewer.date(d)),
            expires: t.expires.map_or_else(|| "Never".to_string(), |d| viewer.date(d)),
        })
        .collect();
    let mut ctx = context(rt, Some(viewer), "Auth Tokens");
    ctx.insert("tokens", &rows);
    ctx.insert("may_create", &may_create);
    ctx.insert("typed", typed);
    ctx.insert("errors", errors);
    ctx.insert("secret", &secret);
    ctx.insert("message", &message);
    ctx.insert("expires", &EXPIRES.iter().map(|(v, l)| choice(v, l)).collect::<Vec<_>>());
    Ok(Answer::Page(status, render("prefs_tokens.html", &ctx)?))
}
