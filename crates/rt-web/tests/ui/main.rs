//! The web UI over HTTP, in process, on SQLite and (with `RT_TEST_PG_URL`)
//! PostgreSQL. This file holds what every module shares (the test
//! service, requests, login, CSRF tokens, assertions on headers and inert
//! HTML); each module tests one area of the UI:
//!
//! - `basics`: login (good, bad, throttled, `next` only local), logout,
//!   the session cookie's flags and its use by REST 1.0, CSRF refusals
//!   that change nothing, 403 without ShowTicket (page, history,
//!   attachment), security headers on every page, a hostile HTML mail
//!   shown inert, and search results with sorting, paging and bad
//!   TicketSQL.
//! - `ticket_pages`: the display page in full (tabs, lifecycle actions,
//!   Take/Steal/Untake, bookmarks, more about the requestor, links with
//!   RT's create links, history headers, "with headers" downloads and
//!   outgoing mail records), the Modify pages (basics, dates, people,
//!   links and merge, Jumbo) and reminders: happy paths, bad input kept
//!   and explained, refused rights and CSRF refusals changing nothing.
//! - `update`: replies and comments (status, owner, time, one-time Cc,
//!   files, quoting, recipients and squelching, the soft lock, results
//!   after the redirect), forwards, ticket creation (custom fields, links,
//!   dates) and self-service display, reply and creation, each form also
//!   with bad input, refused rights and no CSRF token.
//! - `search_pages`: the query builder (criteria, clause editing, bad
//!   input), the columns editor, saved searches (rights, CSRF), results
//!   by saved search with aging and links, simple search, bulk update.
//! - `prefs`: Preferences (time zone and date format shown on every date,
//!   default queue, refresh), About me and password changes, self-service
//!   preferences, auth tokens, the home page's portlets and their layout,
//!   and password reset links (a requestor created by mail setting a first
//!   password), each with bad input, refused rights and CSRF refusals.

#![allow(clippy::unwrap_used)]

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use actix_web::{App, test, web};
use regex::Regex;
use rt_core::db::Backend;
use rt_core::{Config, TicketId};
use rt_test_support::backends;

#[path = "../ui_site/mod.rs"]
mod ui_site;
use ui_site::{Site, site};

mod basics;
mod prefs;
mod search_pages;
mod ticket_pages;
mod update;

/// A test service of the web UI over `$site`.
macro_rules! app {
    ($site:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($site.db.rt().clone()))
                .app_data(web::Data::new(rt_web::LoginThrottle::default()))
                .configure(rt_web::configure),
        )
        .await
    };
}
pub(crate) use app;

/// What came back.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    /// The `name=value` of the session cookie set.
    pub fn cookie(&self) -> String {
        self.header("set-cookie").split(';').next().unwrap().to_string()
    }
}

pub(crate) async fn send<S, B>(app: &S, req: test::TestRequest) -> Answer
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(app, req.to_request()).await;
    let (status, headers) = (res.status(), res.headers().clone());
    let body = String::from_utf8_lossy(&test::read_body(res).await).into_owned();
    Answer { status, headers, body }
}

pub(crate) fn get(uri: &str, cookie: &str) -> test::TestRequest {
    let req = test::TestRequest::get().uri(uri);
    if cookie.is_empty() { req } else { req.insert_header(("cookie", cookie.to_string())) }
}

pub(crate) fn post(uri: &str, cookie: &str, form: &[(&str, &str)]) -> test::TestRequest {
    let req = test::TestRequest::post().uri(uri).set_form(form);
    if cookie.is_empty() { req } else { req.insert_header(("cookie", cookie.to_string())) }
}

pub(crate) fn login_form(user: &str, pass: &str, next: &str) -> test::TestRequest {
    post("/NoAuth/Login.html", "", &[("user", user), ("pass", pass), ("next", next)])
}

pub(crate) async fn login<S, B>(app: &S, user: &str) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let answer = send(app, login_form(user, &format!("{user}pass"), "")).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{user}: {}", answer.body);
    answer.cookie()
}

/// The first group of `pattern`'s first match in `text`.
pub(crate) fn captured(pattern: &str, text: &str) -> String {
    let re = Regex::new(pattern).unwrap();
    re.captures(text).unwrap_or_else(|| panic!("no {pattern} in {text}"))[1].to_string()
}

/// The CSRF token a page's forms carry.
pub(crate) fn csrf(page: &str) -> String {
    captured(r#"name="CSRF" value="([0-9a-f]{64})""#, page)
}

pub(crate) fn owner(site: &Site, id: TicketId) -> String {
    let root = site.db.root();
    root.read(|tx| {
        let owner = tx.ticket(id)?.owner;
        Ok(tx.user(owner)?.name)
    })
    .unwrap()
}

/// The headers every UI answer carries.
pub(crate) fn assert_secured(answer: &Answer, what: &str) {
    let csp = answer.header("content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{what}: CSP {csp:?}");
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{what}: CSP {csp:?}");
    assert_eq!(answer.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(answer.header("referrer-policy"), "same-origin", "{what}");
}

/// No script, inline handler, inline style or `javascript:` URL.
pub(crate) fn assert_inert(html: &str, what: &str) {
    let handler = Regex::new(r"(?i)<[^>]*\son[a-z]+\s*=").unwrap();
    assert!(!html.to_ascii_lowercase().contains("<script"), "{what}: script in {html}");
    assert!(!handler.is_match(html), "{what}: event handler in {html}");
    assert!(!html.contains("javascript:"), "{what}: javascript: URL in {html}");
    assert!(!Regex::new(r"(?i)<[^>]*\sstyle\s*=").unwrap().is_match(html), "{what}: inline style in {html}");
}
