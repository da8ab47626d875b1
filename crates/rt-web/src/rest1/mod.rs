//! RT's REST 1.0 API at `/REST/1.0/...`, byte-compatible with RT 5 where
//! its clients (the `rt` command-line tool, scripts) read it.
//!
//! Every answer is HTTP 200 `text/plain; charset=utf-8` whose first line
//! is `RT/<version> <code> <text>`, then a blank line and the payload
//! ([`Reply`]). Credentials are the form fields `user` and `pass` (query
//! string, urlencoded or multipart body); a login is kept in a DB-backed
//! session ([`rt_core::web_session`]) named by the `RT_SID_<rtname>.<port>`
//! cookie, which every answer sets. Unprivileged users are sent to
//! `/SelfService/` with a 302, as RT does.
//!
//! - [`form`]: the `Key: value` form codec.
//! - [`ticket`]: `ticket/new`, `ticket/<id>[/show|/edit|/comment|/take|
//!   /untake|/steal|/merge/<id>]`, and the CLI's `show` and `edit` with an
//!   `id` field.
//! - [`links`]: `ticket/<id>/links[/show]`, `ticket/link`.
//! - [`history`]: `ticket/<id>/history[/id/<n>]`, `ticket/<id>/attachments
//!   [/<aid>[/content]]`.
//! - [`search`] answers `search/ticket`.
//! - [`object`]: `user/<id|name>`, `queue/<id|name>`, `group/<id|name>`;
//!   users and queues also created and edited through the CLI's `edit`.
//!
//! RT's own `rt` client, and ours, run against all of this in
//! `bins/rt-cli/tests/rt_cli.rs`.
//!
//! Handlers hold no rules: each call goes through an rt-core
//! [`Session`] acting as the logged-in user through
//! [`Interface::Rest`], and rt-core's refusals become RT's answers here.
//! Passwords and session ids are never logged.

pub mod form;
pub mod history;
pub mod links;
pub mod object;
pub mod search;
pub mod ticket;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use rt_core::{Interface, Rt, Session, web_session};

/// The RT version this API reports in its status lines: the RT whose
/// protocol it speaks. RT's `rt` client needs it to start with a digit.
pub const RT_VERSION: &str = "5.0.3";

/// Registers `/REST/1.0/...` (after the mail gateway, which keeps its own
/// route).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/REST/1.0", web::route().to(handle)).route("/REST/1.0/{tail:.*}", web::route().to(handle));
}

/// A file posted as `attachment_<n>`.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field name.
    pub name: String,
    /// The part's filename.
    pub filename: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
    /// The bytes.
    pub body: Vec<u8>,
}

/// One REST 1.0 request, read off the wire.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Path segments after `/REST/1.0/`.
    pub path: Vec<String>,
    /// Text fields: query string first, then the body.
    pub fields: Vec<(String, String)>,
    /// File parts.
    pub uploads: Vec<Upload>,
    /// The session cookie's value, if any.
    pub sid: Option<String>,
}

impl Request {
    /// The last value of a text field (the body overrides the query string).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `RT/<version> <code> <text>\n`, then `\n` and the payload when there
    /// is one.
    Rt {
        /// RT's status code.
        code: u16,
        /// RT's status text.
        text: &'static str,
        /// What follows the blank line.
        payload: Option<Vec<u8>>,
    },
    /// An unprivileged user: HTTP 302 to self-service, empty body.
    SelfService,
}

impl Reply {
    /// `200 Ok` with a payload.
    pub fn ok(payload: impl Into<Vec<u8>>) -> Reply {
        Reply::Rt { code: 200, text: "Ok", payload: Some(payload.into()) }
    }

    /// Another status with a payload.
    pub fn status(code: u16, text: &'static str, payload: impl Into<Vec<u8>>) -> Reply {
        Reply::Rt { code, text, payload: Some(payload.into()) }
    }

    /// The body bytes of an `Rt` answer.
    pub fn body(&self) -> Vec<u8> {
        match self {
            Reply::Rt { code, text, payload } => {
                let mut body = format!("RT/{RT_VERSION} {code} {text}\n").into_bytes();
                if let Some(p) = payload {
                    body.push(b'\n');
                    body.extend_from_slice(p);
                }
                body
            }
            Reply::SelfService => Vec::new(),
        }
    }
}

/// Payload of a form answer: the form, then a blank line.
pub(crate) fn form_payload(form: &form::Form) -> String {
    format!("{}\n", form.render())
}

/// A comment-only answer: `# text`, blank line, and one more newline.
pub(crate) fn comment_payload(text: &str) -> String {
    form_payload(&form::Form::new().comment(text))
}

async fn handle(req: HttpRequest, payload: web::Payload, rt: web::Data<Rt>) -> HttpResponse {
    let cookie_name = crate::auth::cookie_name(&req, &rt);
    let base = rt.config().effective_web_base_url();
    let limit = body_limit(&rt);
    let mut request = Request {
        path: req
            .match_info()
            .get("tail")
            .unwrap_or("")
            .split('/')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        sid: crate::auth::cookie(&req, &cookie_name),
        ..Request::default()
    };
    if let Some(query) = req.uri().query() {
        request.fields.extend(form_urlencoded::parse(query.as_bytes()).into_owned());
    }
    if let Err(reason) = read_body(&req, payload, limit, &mut request).await {
        tracing::warn!(%reason, "REST 1.0: unreadable request body");
        let reply = Reply::status(400, "Bad Request", format!("# {reason}\n\n"));
        let sid = web_session::new_id().unwrap_or_default();
        return respond(reply, &cookie_name, &sid, &base);
    }
    let rt = rt.into_inner();
    let answer = web::block(move || {
        let (reply, sid) = dispatch(&rt, &request);
        (reply, sid)
    })
    .await;
    match answer {
        Ok((reply, sid)) => respond(reply, &cookie_name, &sid, &base),
        Err(_) => HttpResponse::ServiceUnavailable().content_type("text/plain; charset=utf-8").body("shutting down\n"),
    }
}

/// The most a request body may hold: attachments up to the configured limit,
/// several of them.
pub(crate) fn body_limit(rt: &Rt) -> usize {
    usize::try_from(rt.config().max_attachment_size.saturating_mul(4).max(1024 * 1024)).unwrap_or(usize::MAX)
}

fn respond(reply: Reply, cookie_name: &str, sid: &str, base: &str) -> HttpResponse {
    let cookie = format!("{cookie_name}={sid}; path=/; HttpOnly");
    match reply {
        Reply::SelfService => HttpResponse::Found()
            .insert_header((header::SET_COOKIE, cookie))
            .insert_header((header::LOCATION, format!("{base}/SelfService/")))
            .content_type("text/html; charset=utf-8")
            .finish(),
        reply => HttpResponse::Ok()
            .insert_header((header::SET_COOKIE, cookie))
            .content_type("text/plain; charset=utf-8")
            .body(reply.body()),
    }
}

/// Reads an urlencoded or multipart body into `request`.
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    request: &mut Request,
) -> Result<(), String> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        let mut form = Multipart::new(req.headers(), payload);
        let mut total = 0usize;
        while let Some(field) = form.next().await {
            let mut field = field.map_err(|e| format!("unreadable multipart form: {e}"))?;
            let name = field.name().unwrap_or_default().to_string();
            let filename = field.content_disposition().and_then(|d| d.get_filename()).map(String::from);
            let part_type = field.content_type().map(|m| m.essence_str().to_string());
            let mut body = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| format!("unreadable multipart form: {e}"))?;
                total += chunk.len();
                if total > limit {
                    return Err(format!("request larger than {limit} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            if name.starts_with("attachment_") {
                request.uploads.push(Upload { name, filename, content_type: part_type, body });
            } else {
                request.fields.push((name, String::from_utf8_lossy(&body).into_owned()));
            }
        }
        return Ok(());
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| format!("unreadable request body: {e}"))?;
        if body.len() + chunk.len() > limit {
            return Err(format!("request larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    if !body.is_empty() {
        request.fields.extend(form_urlencoded::parse(&body).into_owned());
    }
    Ok(())
}

/// Authenticates, then answers; returns the reply and the session id the
/// answer's cookie carries.
fn dispatch(rt: &Rt, request: &Request) -> (Reply, String) {
    let fresh = || web_session::new_id().unwrap_or_default();
    let held = crate::auth::well_formed(request.sid.as_deref());
    let login = match (request.field("user"), request.field("pass")) {
        (Some(user), pass) if !user.is_empty() => Some((user, pass.unwrap_or(""))),
        _ => None,
    };
    let (user, sid) = match login {
        Some((name, pass)) => match rt.authenticate(name, pass) {
            Ok(user) => {
                // The session the client holds goes on when it is this
                // user's; any other id (unknown, someone else's, planted)
                // is replaced by a fresh one at login.
                let same = match held.as_deref().map(|s| crate::auth::session_user(rt, s)) {
                    Some(Ok(found)) => found == Some(user),
                    Some(Err(e)) => return (internal(&e), fresh()),
                    None => false,
                };
                let sid = if same { held.unwrap_or_else(fresh) } else { fresh() };
                if let Err(e) = web_session::create(rt, &sid, user) {
                    return (internal(&e), sid);
                }
                (user, sid)
            }
            Err(rt_core::Error::PermissionDenied { .. }) => {
                tracing::info!(user = %name, "REST 1.0: failed login");
                let payload = "Your username or password is incorrect\n";
                return (Reply::status(401, "Credentials required", payload), held.unwrap_or_else(fresh));
            }
            Err(e) => return (internal(&e), held.unwrap_or_else(fresh)),
        },
        None => {
            let found = match held.as_deref().map(|s| crate::auth::session_user(rt, s)) {
                Some(Ok(found)) => found,
                Some(Err(e)) => return (internal(&e), fresh()),
                None => None,
            };
            match (found, held) {
                (Some(user), Some(sid)) => (user, sid),
                _ => return (Reply::Rt { code: 401, text: "Credentials required", payload: None }, fresh()),
            }
        }
    };
    let session = match rt.session(user, Interface::Rest) {
        Ok(s) => s,
        Err(e) => return (internal(&e), sid),
    };
    match session.read(|tx| tx.is_privileged(user)) {
        Ok(true) => {}
        Ok(false) => return (Reply::SelfService, sid),
        Err(e) => return (internal(&e), sid),
    }
    let reply = route(&session, request, &sid);
    (reply, sid)
}

/// The answer for a database or configuration failure: logged, never shown.
pub(crate) fn internal(e: &rt_core::Error) -> Reply {
    tracing::error!(error = %e, "REST 1.0 request failed");
    Reply::status(500, "Internal Server Error", "# internal server error\n\n")
}

fn route(session: &Session, request: &Request, sid: &str) -> Reply {
    let path: Vec<&str> = request.path.iter().map(String::as_str).collect();
    match path.as_slice() {
        ["logout"] => {
            if let Err(e) = web_session::delete(session.rt(), sid) {
                return internal(&e);
            }
            Reply::Rt { code: 200, text: "Ok", payload: None }
        }
        ["show"] => ticket::show_by_field(session, request),
        ["edit"] => ticket::edit_by_content(session, request),
        ["ticket", "new"] => ticket::new(session, request),
        ["ticket", "link"] => links::link(session, request),
        ["ticket", id, rest @ ..] => ticket::dispatch(session, request, id, rest),
        ["search", "ticket"] => search::tickets(session, request),
        ["search", _] => Reply::status(400, "Bad Request", "Invalid operator specification: \n\n"),
        ["user", id, ..] => object::user(session, id, request.field("format"), request.field("fields")),
        ["queue", id, ..] => object::queue(session, id, request.field("fields")),
        ["group", id, ..] => object::group(session, id),
        [kind, rest @ ..] => {
            let id = if rest.is_empty() { kind.to_string() } else { format!("{kind}/{}", rest.join("/")) };
            let form = form::Form::new().comment(format!("Unknown object type: {kind}")).text("id", id);
            Reply::ok(form_payload(&form))
        }
        [] => Reply::status(400, "Bad Request", comment_payload("No object type given.")),
    }
}
