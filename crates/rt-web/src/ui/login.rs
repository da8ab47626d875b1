//! Logging in and out of the UI: `/NoAuth/Login.html` (fields `user`,
//! `pass`, `next`) and `/NoAuth/Logout.html`.
//!
//! A login starts a fresh DB-backed session ([`rt_core::web_session`]) in
//! the `RT_SID_<rtname>.<port>` cookie that REST 1.0 and 2.0 read too,
//! `HttpOnly`, `SameSite=Lax`, and `Secure` when the site's base URL is
//! https. `next` is followed only when it is a path on this site.
//!
//! The [`LoginThrottle`] counts failed logins per client address: after
//! `login_throttle_failures` within `login_throttle_minutes`, that address
//! is refused until the window has passed. The client address is the one
//! that connected, or, when that is one of the configured
//! `trusted_proxies`, the rightmost address of `X-Forwarded-For` that is
//! not a trusted proxy.
//!
//! A login POST carries no CSRF token (there is no session yet); one whose
//! `Origin` header names another site is refused instead, so no other site
//! can log a browser in under an account of its choosing.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use rt_core::{Interface, Rt, web_session};
use serde::Deserialize;

use super::{Answer, PageError, context, error_page, render, respond};

/// Failed logins by client address, shared by the workers of a server.
/// An application serving the UI holds one as `web::Data<LoginThrottle>`.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

/// Addresses remembered before expired entries are swept.
const SWEEP_ABOVE: usize = 10_000;

impl LoginThrottle {
    /// How long `client` must still wait, when it has failed `limit`
    /// times within `window`.
    fn wait(&self, client: IpAddr, limit: u32, window: Duration) -> Option<Duration> {
        if limit == 0 {
            return None;
        }
        let failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (count, since) = failures.get(&client)?;
        let elapsed = since.elapsed();
        (*count >= limit && elapsed < window).then(|| window - elapsed)
    }

    /// Counts a failed login from `client`.
    fn fail(&self, client: IpAddr, window: Duration) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if failures.len() > SWEEP_ABOVE {
            failures.retain(|_, (_, since)| since.elapsed() < window);
        }
        let entry = failures.entry(client).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= window {
            *entry = (0, Instant::now());
        }
        entry.0 = entry.0.saturating_add(1);
    }
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    pass: String,
    #[serde(default)]
    next: String,
}

/// The login page's URL that comes back to `next` afterwards.
pub(crate) fn login_url(next: &str) -> String {
    format!("/NoAuth/Login.html?{}", super::query_string(&[("next", next)]))
}

/// `next` when it is a path on this site (`/...`, not `//host` or
/// `/\host`, no control characters), else `None`.
fn local_next(next: &str) -> Option<&str> {
    let local =
        next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') && !next.chars().any(char::is_control);
    local.then_some(next)
}

/// `GET /NoAuth/Login.html`.
pub(crate) async fn form(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let next = super::param(&req, "next").unwrap_or_default();
    respond(login_page(&rt, StatusCode::OK, "", &next, None))
}

/// `POST /NoAuth/Login.html`.
pub(crate) async fn submit(
    req: HttpRequest,
    rt: web::Data<Rt>,
    throttle: web::Data<LoginThrottle>,
    form: web::Form<LoginForm>,
) -> HttpResponse {
    let LoginForm { user, pass, next } = form.into_inner();
    if !same_origin(&req) {
        let answer = error_page(&rt, None, PageError::Csrf);
        return respond(answer);
    }
    let client = client_address(&req, &rt);
    let (limit, window) =
        (rt.config().login_throttle_failures, Duration::from_secs(rt.config().login_throttle_minutes * 60));
    if let Some(wait) = throttle.wait(client, limit, window) {
        tracing::warn!(%client, "web UI: login refused by the throttle");
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let message = format!(
            "Too many failed login attempts from your address. Try again in {minutes} minute{}.",
            if minutes == 1 { "" } else { "s" }
        );
        let answer = login_page(&rt, StatusCode::TOO_MANY_REQUESTS, &user, &next, Some(&message));
        let mut res = respond(answer);
        if let Ok(value) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return res;
    }
    let cookie_name = crate::auth::cookie_name(&req, &rt);
    let secure = rt.config().effective_web_base_url().starts_with("https://");
    let rt_inner = rt.clone().into_inner();
    let name = user.clone();
    let outcome = web::block(move || -> rt_core::Result<Option<(String, bool)>> {
        let id = match rt_inner.authenticate(&name, &pass) {
            Ok(id) => id,
            Err(rt_core::Error::PermissionDenied { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        // Always a fresh id: a session id planted before login is never
        // promoted.
        let sid = web_session::new_id()?;
        web_session::create(&rt_inner, &sid, id)?;
        let privileged = rt_inner.session(id, Interface::Web)?.read(|tx| tx.is_privileged(id))?;
        Ok(Some((sid, privileged)))
    })
    .await;
    match outcome {
        Ok(Ok(Some((sid, privileged)))) => {
            tracing::info!(user = %user, "web UI: login");
            let home = if privileged { "/" } else { "/SelfService/" };
            let target = local_next(&next).unwrap_or(home).to_string();
            let mut res = respond(Answer::Redirect(target));
            set_cookie(&mut res, &session_cookie(&cookie_name, &sid, secure));
            res
        }
        Ok(Ok(None)) => {
            tracing::info!(user = %user, %client, "web UI: failed login");
            throttle.fail(client, window);
            let message = "Your username or password is incorrect";
            respond(login_page(&rt, StatusCode::UNAUTHORIZED, &user, &next, Some(message)))
        }
        Ok(Err(e)) => respond(error_page(&rt, None, PageError::Core(e))),
        Err(_) => HttpResponse::ServiceUnavailable().finish(),
    }
}

/// `GET /NoAuth/Logout.html`: ends the session and clears the cookie.
pub(crate) async fn logout(req: HttpRequest, rt: web::Data<Rt>) -> HttpResponse {
    let cookie_name = crate::auth::cookie_name(&req, &rt);
    let secure = rt.config().effective_web_base_url().starts_with("https://");
    if let Some(sid) = super::session_id(&req, &rt) {
        let rt = rt.clone().into_inner();
        match web::block(move || web_session::delete(&rt, &sid)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "web UI: logout failed"),
            Err(_) => return HttpResponse::ServiceUnavailable().finish(),
        }
    }
    let mut res = respond(login_page(&rt, StatusCode::OK, "", "", Some("You have been logged out.")));
    set_cookie(&mut res, &format!("{}; Max-Age=0", session_cookie(&cookie_name, "", secure)));
    res
}

/// The login page, with a message when there is one.
fn login_page(rt: &Rt, status: StatusCode, user: &str, next: &str, message: Option<&str>) -> Answer {
    let mut ctx = context(rt, None, "Login");
    ctx.insert("login_user", user);
    ctx.insert("next", next);
    ctx.insert("message", &message);
    match render("login.html", &ctx) {
        Ok(html) => Answer::Page(status, html),
        Err(e) => error_page(rt, None, e),
    }
}

/// The session cookie's `Set-Cookie` value.
fn session_cookie(name: &str, sid: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={sid}; Path=/; HttpOnly; SameSite=Lax{secure}")
}

fn set_cookie(res: &mut HttpResponse, cookie: &str) {
    if let Ok(value) = header::HeaderValue::from_str(cookie) {
        res.headers_mut().insert(header::SET_COOKIE, value);
    }
}

/// False when an `Origin` header names a site other than the `Host` the
/// request was sent to.
pub(crate) fn same_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = req.connection_info().host().to_string();
    let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
    origin_host.eq_ignore_ascii_case(&host)
}

/// The client's address: the peer, or behind trusted proxies the
/// rightmost untrusted `X-Forwarded-For` entry.
fn client_address(req: &HttpRequest, rt: &Rt) -> IpAddr {
    let peer = req.peer_addr().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
    if !rt.config().is_trusted_proxy(peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .collect();
    forwarded.into_iter().rev().find(|a| !rt.config().is_trusted_proxy(*a)).unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        for ok in ["/", "/Ticket/Display.html?id=1", "/Search/Results.html?Query=a%20b"] {
            assert_eq!(local_next(ok), Some(ok));
        }
        for bad in ["", "http://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "/a\nb"] {
            assert_eq!(local_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_throttle_counts_within_its_window() {
        let throttle = LoginThrottle::default();
        let (a, b) = (IpAddr::from([192, 0, 2, 1]), IpAddr::from([192, 0, 2, 2]));
        let window = Duration::from_secs(60);
        for _ in 0..3 {
            assert!(throttle.wait(a, 3, window).is_none());
            throttle.fail(a, window);
        }
        assert!(throttle.wait(a, 3, window).is_some());
        assert!(throttle.wait(b, 3, window).is_none());
        assert!(throttle.wait(a, 0, window).is_none(), "0 turns it off");
        assert!(throttle.wait(a, 3, Duration::ZERO).is_none(), "the window has passed");
    }
}
