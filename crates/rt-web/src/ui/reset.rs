//! Password reset by mail, at the URLs of RT's ResetPassword extension:
//!
//! - `/NoAuth/ResetPassword.html` (also `/NoAuth/ResetPassword/Request.html`):
//!   a form with `Email`. Whatever was typed, the answer is the same
//!   sentence after the same least time (`ANSWER_FLOOR`), so the form
//!   tells nobody which addresses have accounts; when the address is an enabled user's, rt-core makes a one-time
//!   token ([`rt_core::password_reset`]) and a mail with the link goes to
//!   the outbox in the same DB transaction.
//! - `/NoAuth/ResetPassword/Reset/<token>/<user id>`: the link. It shows a
//!   form for the new password twice (`password`, `password2`); posting
//!   it sets the password, after which the link (and every other of the
//!   user's) is dead, and the user logs in. This is also how a requestor
//!   created from their mail, who has no password, sets a first one.
//!
//! These pages have no session, so no CSRF token: the one-time token in
//! the URL is what authorises the change, and a POST naming another site
//! in `Origin` is refused as on the login page. Tokens and passwords are
//! never logged (the log says a reset was asked for or done, by user id).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{Interface, Rt, UserId};
use serde::Deserialize;

use super::{Answer, PageError, context, error_page, render, respond};

/// What the request form answers, whatever was typed.
const SENT: &str = "If that address belongs to an account, a message with a link to set a new password is on its \
                    way. The link works once, for an hour.";

/// The least time the request form takes to answer, so that sending a
/// link (a write and a mail) and sending none take alike: the time tells
/// nobody which addresses have accounts either.
const ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(300);

/// What a dead link says.
const DEAD: &str = "This link has expired or was already used. Ask for a new one below.";

/// Registers the routes of this module.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    for path in ["/NoAuth/ResetPassword.html", "/NoAuth/ResetPassword/Request.html"] {
        cfg.service(web::resource(path).route(web::get().to(request_form)).route(web::post().to(request)));
    }
    cfg.service(
        web::resource("/NoAuth/ResetPassword/Reset/{token}/{id}")
            .route(web::get().to(reset_form))
            .route(web::post().to(reset)),
    );
}

/// The request form's field.
#[derive(Debug, Deserialize)]
pub(crate) struct RequestForm {
    #[serde(default, rename = "Email")]
    email: String,
}

/// The reset form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

/// What a reset page shows.
struct View<'a> {
    stage: &'a str,
    message: Option<&'a str>,
    failed: bool,
    email: &'a str,
    action: &'a str,
    errors: &'a std::collections::BTreeMap<&'a str, String>,
}

fn show(rt: &Rt, status: StatusCode, view: &View<'_>) -> Answer {
    let mut ctx = context(rt, None, "Reset your password");
    ctx.insert("stage", view.stage);
    ctx.insert("message", &view.message);
    ctx.insert("failed", &view.failed);
    ctx.insert("email", view.email);
    ctx.insert("action", view.action);
    ctx.insert("errors", view.errors);
    ctx.insert("minimum", &rt.config().minimum_password_length);
    match render("reset.html", &ctx) {
        Ok(html) => Answer::Page(status, html),
        Err(e) => error_page(rt, None, e),
    }
}

fn no_errors() -> std::collections::BTreeMap<&'static str, String> {
    std::collections::BTreeMap::new()
}

/// `GET /NoAuth/ResetPassword.html`.
async fn request_form(rt: web::Data<Rt>) -> HttpResponse {
    let errors = no_errors();
    let view = View { stage: "request", message: None, failed: false, email: "", action: "", errors: &errors };
    respond(show(&rt, StatusCode::OK, &view))
}

/// `POST /NoAuth/ResetPassword.html`: always the same answer.
async fn request(req: HttpRequest, rt: web::Data<Rt>, form: web::Form<RequestForm>) -> HttpResponse {
    if !super::login::same_origin(&req) {
        return respond(error_page(&rt, None, PageError::Csrf));
    }
    let started = std::time::Instant::now();
    let email = form.into_inner().email.trim().to_string();
    let inner = rt.clone().into_inner();
    let base = rt.config().effective_web_base_url().trim_end_matches('/').to_string();
    let address = email.clone();
    let outcome = web::block(move || -> rt_core::Result<Option<UserId>> {
        let system = inner.system_session(Interface::Web);
        system.write(|tx| {
            let Some(reset) = tx.issue_password_reset(&address)? else { return Ok(None) };
            let link = format!("{base}/NoAuth/ResetPassword/Reset/{}/{}", reset.token, reset.user.0);
            let text = format!(
                "Someone, probably you, asked to set a new password for the account {name} at {rtname}.\n\n\
                 To choose a new password, open this link within an hour:\n\n{link}\n\n\
                 The link works once. If you did not ask for this, ignore this message: your password stays as it is.\n",
                name = reset.name,
                rtname = tx.config().rtname,
            );
            let subject = format!("[{}] Reset your password", tx.config().rtname);
            rt_mail::compose::send_notice_mail(
                tx,
                &rt_mail::compose::NoticeMail { to: &reset.email, subject: &subject, text: &text },
            )?;
            Ok(Some(reset.user))
        })
    })
    .await;
    match outcome {
        Ok(Ok(Some(user))) => tracing::info!(user = user.0, "web UI: password reset link sent"),
        Ok(Ok(None)) => tracing::info!("web UI: password reset asked for an address with no link to send"),
        // The same answer as ever: a failure tells nothing either.
        Ok(Err(error)) => tracing::error!(%error, "web UI: password reset request failed"),
        Err(_) => return HttpResponse::ServiceUnavailable().finish(),
    }
    if let Some(rest) = ANSWER_FLOOR.checked_sub(started.elapsed()) {
        actix_web::rt::time::sleep(rest).await;
    }
    let errors = no_errors();
    let view =
        View { stage: "request", message: Some(SENT), failed: false, email: &email, action: "", errors: &errors };
    respond(show(&rt, StatusCode::OK, &view))
}

/// The user id of a link's path, when it is a number.
fn link_user(id: &str) -> Option<UserId> {
    id.parse::<i64>().ok().filter(|n| *n > 0).map(UserId)
}

/// `GET /NoAuth/ResetPassword/Reset/<token>/<id>`.
async fn reset_form(req: HttpRequest, rt: web::Data<Rt>, path: web::Path<(String, String)>) -> HttpResponse {
    let (token, id) = path.into_inner();
    let inner = rt.clone().into_inner();
    let live = match link_user(&id) {
        Some(user) => {
            web::block(move || inner.system_session(Interface::Web).read(|tx| tx.password_reset_is_live(user, &token)))
                .await
        }
        None => Ok(Ok(false)),
    };
    let errors = no_errors();
    let action = req.path().to_string();
    match live {
        Ok(Ok(true)) => {
            let view =
                View { stage: "reset", message: None, failed: false, email: "", action: &action, errors: &errors };
            respond(show(&rt, StatusCode::OK, &view))
        }
        Ok(Ok(false)) => dead(&rt),
        Ok(Err(e)) => respond(error_page(&rt, None, PageError::Core(e))),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

fn dead(rt: &Rt) -> HttpResponse {
    let errors = no_errors();
    let view = View { stage: "request", message: Some(DEAD), failed: true, email: "", action: "", errors: &errors };
    respond(show(rt, StatusCode::NOT_FOUND, &view))
}

/// `POST /NoAuth/ResetPassword/Reset/<token>/<id>`.
async fn reset(
    req: HttpRequest,
    rt: web::Data<Rt>,
    path: web::Path<(String, String)>,
    form: web::Form<ResetForm>,
) -> HttpResponse {
    if !super::login::same_origin(&req) {
        return respond(error_page(&rt, None, PageError::Csrf));
    }
    let (token, id) = path.into_inner();
    let ResetForm { password, password2 } = form.into_inner();
    let Some(user) = link_user(&id) else { return dead(&rt) };
    let action = req.path().to_string();
    let mut errors = no_errors();
    if password.is_empty() {
        errors.insert("password", "Type a new password.".into());
    } else if password != password2 {
        errors.insert("password2", "The two passwords you typed didn't match.".into());
    }
    let inner = rt.clone().into_inner();
    let outcome = if errors.is_empty() {
        web::block(move || inner.system_session(Interface::Web).write(|tx| tx.reset_password(user, &token, &password)))
            .await
    } else {
        // Nothing is changed, but a dead link says so first.
        web::block(move || inner.system_session(Interface::Web).read(|tx| tx.password_reset_is_live(user, &token)))
            .await
            .map(|live| match live {
                Ok(true) => Ok(()),
                Ok(false) => Err(rt_core::Error::denied("password reset", "dead link")),
                Err(e) => Err(e),
            })
    };
    match outcome {
        Ok(Ok(())) if errors.is_empty() => {
            tracing::info!(user = user.0, "web UI: password set through a reset link");
            let message = "Your password has been set. You can log in with it now.";
            let view =
                View { stage: "done", message: Some(message), failed: false, email: "", action: "", errors: &errors };
            respond(show(&rt, StatusCode::OK, &view))
        }
        Ok(Ok(())) => {
            let view =
                View { stage: "reset", message: None, failed: true, email: "", action: &action, errors: &errors };
            respond(show(&rt, StatusCode::BAD_REQUEST, &view))
        }
        Ok(Err(rt_core::Error::Validation { message, .. })) => {
            errors.insert("password", message);
            let view =
                View { stage: "reset", message: None, failed: true, email: "", action: &action, errors: &errors };
            respond(show(&rt, StatusCode::BAD_REQUEST, &view))
        }
        Ok(Err(rt_core::Error::PermissionDenied { .. } | rt_core::Error::NotFound { .. })) => dead(&rt),
        Ok(Err(e)) => respond(error_page(&rt, None, PageError::Core(e))),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}
