//! The HTML UI: server-rendered Tera pages at RT's URLs, working without
//! JavaScript.
//!
//! - [`login`]: `/NoAuth/Login.html`, `/NoAuth/Logout.html`, the login
//!   throttle ([`LoginThrottle`]) and the session cookie.
//! - [`home`]: `/` ("RT at a glance") and `/SelfService/`.
//! - [`ticket`]: `/Ticket/Display.html`, `/Ticket/History.html`, their
//!   quick actions (Take, Steal, Untake, bookmarks, status changes) and
//!   attachment downloads; [`history`] the history they show,
//!   `/Ticket/Attachment/WithHeaders/<id>` and
//!   `/Ticket/ShowEmailRecord.html`.
//! - [`modify`]: `/Ticket/Modify.html`, `ModifyDates.html`,
//!   `ModifyPeople.html`, `ModifyLinks.html` (with merging) and
//!   `ModifyAll.html`; [`reminders`]: `/Ticket/Reminders.html`.
//! - [`search`]: `/Search/Results.html`, laid out by RT's Format strings,
//!   with aging classes and saved searches by `SavedSearchId`, and
//!   `/Search/Simple.html` (RT's simple search).
//! - [`build`]: `/Search/Build.html`, the query builder, columns editor
//!   and saved searches.
//! - [`bulk`]: `/Search/Bulk.html`, bulk update of a search's tickets.
//! - [`update`]: `/Ticket/Update.html` (reply and comment), the soft lock
//!   and the results shown after a change; [`forward`]:
//!   `/Ticket/Forward.html`; [`create`]: `/Ticket/Create.html`;
//!   [`selfservice`]: `/SelfService/Display.html`, `Create.html` and
//!   `Update.html`.
//! - [`prefs`]: `/Prefs/...` (Preferences, About me, auth tokens, the
//!   home page's portlets) and `/SelfService/Prefs.html`.
//! - [`reset`]: `/NoAuth/ResetPassword...`, password reset links by mail.
//!
//! Every page goes through `run` (or `run_post` for forms that change
//! something): the session cookie names the user (no session: a redirect
//! to the login page with `next`), the work runs off the async workers in
//! an rt-core [`Session`] of that user through [`Interface::Web`] (so
//! rt-core checks every right), and rt-core's errors become error pages
//! here (403 for a refused right, 404, 400). POSTs carry the session's
//! CSRF token ([`rt_core::web_session::csrf_token`]); without it nothing
//! runs and the answer is a 403 page.
//!
//! Templates live in `templates/web/`, embedded at build time; Tera
//! escapes every value (all of them are `.html`), and the only HTML shown
//! unescaped is what was sanitized first: mail bodies ([`ticket`], with
//! ammonia) and Format columns (sanitized by rt-core). No page has inline
//! scripts, styles or event handlers, so [`CSP`] holds; every answer of
//! the UI carries it with `X-Content-Type-Options` and `Referrer-Policy`.

pub mod build;
pub mod bulk;
pub mod create;
pub mod forward;
pub mod history;
pub mod home;
pub mod login;
pub mod modify;
pub mod prefs;
pub mod reminders;
pub mod reset;
pub mod search;
pub mod selfservice;
pub mod ticket;
pub mod update;

use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rt_core::{Interface, Rt, Session, User, web_session};
use tera::{Context, Tera};

pub use login::LoginThrottle;

/// The `Content-Security-Policy` of every UI answer: nothing but this
/// site's own stylesheet, images and forms; no scripts at all yet, no
/// inline anything, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
                       object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Registers the UI's routes.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::index))
        .route("/index.html", web::get().to(home::index))
        .route("/SelfService", web::get().to(home::self_service))
        .route("/SelfService/", web::get().to(home::self_service))
        .route("/SelfService/index.html", web::get().to(home::self_service))
        .service(
            web::resource("/NoAuth/Login.html").route(web::get().to(login::form)).route(web::post().to(login::submit)),
        )
        .route("/NoAuth/Logout.html", web::get().to(login::logout))
        .route("/static/css/rt.css", web::get().to(stylesheet))
        .service(
            web::resource("/Ticket/Display.html")
                .route(web::get().to(ticket::display))
                .route(web::post().to(ticket::action)),
        )
        .route("/Ticket/History.html", web::get().to(ticket::history))
        .route("/Ticket/Attachment/{txn}/{id}/{name}", web::get().to(ticket::attachment))
        .route("/Search/Results.html", web::get().to(search::results))
        .route("/Ticket/Attachment/WithHeaders/{id}", web::get().to(history::with_headers))
        .route("/Ticket/ShowEmailRecord.html", web::get().to(history::email_record))
        .configure(modify::configure)
        .configure(reminders::configure)
        .configure(update::configure)
        .service(
            web::resource("/Search/Build.html").route(web::get().to(build::form)).route(web::post().to(build::submit)),
        )
        .service(
            web::resource("/Search/Bulk.html").route(web::get().to(bulk::form)).route(web::post().to(bulk::submit)),
        )
        .route("/Search/Simple.html", web::get().to(search::simple));
    prefs::configure(cfg);
    reset::configure(cfg);
}

/// The templates, embedded, by name.
const TEMPLATE_FILES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../../templates/web/base.html")),
    ("login.html", include_str!("../../../../templates/web/login.html")),
    ("error.html", include_str!("../../../../templates/web/error.html")),
    ("home.html", include_str!("../../../../templates/web/home.html")),
    ("selfservice.html", include_str!("../../../../templates/web/selfservice.html")),
    ("ticket.html", include_str!("../../../../templates/web/ticket.html")),
    ("results.html", include_str!("../../../../templates/web/results.html")),
    ("ticket_tabs.html", include_str!("../../../../templates/web/ticket_tabs.html")),
    ("ticket_form.html", include_str!("../../../../templates/web/ticket_form.html")),
    ("prefs_form.html", include_str!("../../../../templates/web/prefs_form.html")),
    ("modify.html", include_str!("../../../../templates/web/modify.html")),
    ("reminders.html", include_str!("../../../../templates/web/reminders.html")),
    ("email_record.html", include_str!("../../../../templates/web/email_record.html")),
    ("update.html", include_str!("../../../../templates/web/update.html")),
    ("forward.html", include_str!("../../../../templates/web/forward.html")),
    ("create.html", include_str!("../../../../templates/web/create.html")),
    ("selfservice_display.html", include_str!("../../../../templates/web/selfservice_display.html")),
    ("build.html", include_str!("../../../../templates/web/build.html")),
    ("bulk.html", include_str!("../../../../templates/web/bulk.html")),
    ("prefs_other.html", include_str!("../../../../templates/web/prefs_other.html")),
    ("prefs_aboutme.html", include_str!("../../../../templates/web/prefs_aboutme.html")),
    ("prefs_selfservice.html", include_str!("../../../../templates/web/prefs_selfservice.html")),
    ("prefs_tokens.html", include_str!("../../../../templates/web/prefs_tokens.html")),
    ("prefs_myrt.html", include_str!("../../../../templates/web/prefs_myrt.html")),
    ("reset.html", include_str!("../../../../templates/web/reset.html")),
];

const STYLESHEET: &str = include_str!("../../../../templates/web/rt.css");

static TEMPLATES: LazyLock<Result<Tera, String>> = LazyLock::new(|| {
    let mut tera = Tera::default();
    tera.add_raw_templates(TEMPLATE_FILES.iter().copied()).map_err(|e| format!("{e:?}"))?;
    tera.set_escape_fn(escape_html);
    Ok(tera)
});

/// Tera's escaping without its `/` → `&#x2F;` (which garbles every URL
/// and MIME type on a page for no gain: every attribute is quoted).
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    rt_core::search::format::escape_html(&mut out, text, false);
    out
}

/// What a page handler answers, built off the async workers.
#[derive(Debug)]
pub(crate) enum Answer {
    /// An HTML page.
    Page(StatusCode, String),
    /// `303 See Other` to a local URL.
    Redirect(String),
    /// A file download.
    File {
        /// The `Content-Type` to send.
        content_type: String,
        /// The `Content-Disposition` to send.
        disposition: String,
        /// The bytes.
        body: Vec<u8>,
    },
}

/// Why a page could not be shown.
#[derive(Debug)]
pub(crate) enum PageError {
    /// rt-core refused or failed.
    Core(rt_core::Error),
    /// A POST without this session's CSRF token.
    Csrf,
    /// A template failed to render (a bug: logged, shown as a 500).
    Render(String),
}

impl From<rt_core::Error> for PageError {
    fn from(e: rt_core::Error) -> PageError {
        PageError::Core(e)
    }
}

/// The logged-in user a page is shown to.
pub(crate) struct Viewer {
    /// An rt-core session of the user, through the web interface.
    pub session: Session,
    /// Their record.
    pub user: User,
    /// Staff rather than a requestor.
    pub privileged: bool,
    /// The session's CSRF token.
    pub csrf: String,
    /// Their time zone (the site's when they have none).
    pub tz: Tz,
    /// How they want dates written (`/Prefs/Other.html`).
    pub date_format: prefs::DateFormat,
    /// The queue they chose to create tickets in by default, if any (not
    /// checked for `CreateTicket` since: offer it only among the queues
    /// the user may create tickets in).
    pub default_queue: Option<rt_core::QueueId>,
}

impl Viewer {
    /// A time in the viewer's time zone and date format.
    pub fn date(&self, t: DateTime<Utc>) -> String {
        self.date_format.render(t.with_timezone(&self.tz))
    }

    /// The queue to preselect on ticket creation: the user's default queue.
    pub fn default_queue(&self) -> Option<rt_core::QueueId> {
        self.default_queue
    }

    /// An optional date, or RT's "Not set".
    pub fn maybe_date(&self, t: Option<DateTime<Utc>>) -> String {
        t.map_or_else(|| "Not set".to_string(), |t| self.date(t))
    }
}

/// Who may see a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    /// Staff; requestors are sent to `/SelfService/`.
    Privileged,
    /// Anyone logged in.
    Anyone,
}

/// Runs a page handler for the logged-in user and turns its answer (or
/// error) into a response; sends visitors without a session to the login
/// page with the URL they asked for as `next`.
pub(crate) async fn run<F>(req: &HttpRequest, rt: web::Data<Rt>, audience: Audience, f: F) -> HttpResponse
where
    F: FnOnce(&Viewer) -> Result<Answer, PageError> + Send + 'static,
{
    run_checked(req, rt, audience, None, f).await
}

/// [`run`] for a POST: `token` must be the session's CSRF token, else the
/// answer is a 403 page and `f` does not run.
pub(crate) async fn run_post<F>(req: &HttpRequest, rt: web::Data<Rt>, token: Option<String>, f: F) -> HttpResponse
where
    F: FnOnce(&Viewer) -> Result<Answer, PageError> + Send + 'static,
{
    run_post_as(req, rt, Audience::Privileged, token, f).await
}

/// [`run_post`] for a form `audience` may send (self-service forms are
/// for requestors too).
pub(crate) async fn run_post_as<F>(
    req: &HttpRequest,
    rt: web::Data<Rt>,
    audience: Audience,
    token: Option<String>,
    f: F,
) -> HttpResponse
where
    F: FnOnce(&Viewer) -> Result<Answer, PageError> + Send + 'static,
{
    run_checked(req, rt, audience, Some(token.unwrap_or_default()), f).await
}

async fn run_checked<F>(
    req: &HttpRequest,
    rt: web::Data<Rt>,
    audience: Audience,
    token: Option<String>,
    f: F,
) -> HttpResponse
where
    F: FnOnce(&Viewer) -> Result<Answer, PageError> + Send + 'static,
{
    let sid = session_id(req, &rt);
    let here = match req.uri().path_and_query() {
        Some(pq) => pq.as_str().to_string(),
        None => "/".to_string(),
    };
    let rt = rt.into_inner();
    let answer = web::block(move || {
        let viewer = match sid.as_deref().map(|sid| viewer(&rt, sid)).transpose() {
            Ok(Some(Some(viewer))) => viewer,
            Ok(_) => return Answer::Redirect(login::login_url(&here)),
            Err(e) => return error_page(&rt, None, PageError::Core(e)),
        };
        if audience == Audience::Privileged && !viewer.privileged {
            return Answer::Redirect("/SelfService/".into());
        }
        if let Some(token) = token
            && !constant_time_eq(token.as_bytes(), viewer.csrf.as_bytes())
        {
            tracing::warn!(user = %viewer.user.name, "web UI: POST without a valid CSRF token refused");
            return error_page(&rt, Some(&viewer), PageError::Csrf);
        }
        match f(&viewer) {
            Ok(answer) => answer,
            Err(e) => error_page(&rt, Some(&viewer), e),
        }
    })
    .await;
    match answer {
        Ok(answer) => respond(answer),
        Err(_) => respond(Answer::Page(StatusCode::SERVICE_UNAVAILABLE, "The server is shutting down.".into())),
    }
}

/// The logged-in user of session `sid`, if it is live. Blocking.
fn viewer(rt: &Rt, sid: &str) -> rt_core::Result<Option<Viewer>> {
    let Some(user) = web_session::lookup(rt, sid)? else { return Ok(None) };
    let session = rt.session(user, Interface::Web)?;
    let (record, privileged, (date_format, default_queue)) =
        session.read(|tx| Ok((tx.user(user)?, tx.is_privileged(user)?, prefs::viewer_settings(tx, user)?)))?;
    let zone = if record.timezone.is_empty() { &rt.config().timezone } else { &record.timezone };
    let tz = zone.parse().unwrap_or(chrono_tz::UTC);
    let csrf = web_session::csrf_token(sid);
    Ok(Some(Viewer { session, user: record, privileged, csrf, tz, date_format, default_queue }))
}

/// The session id in the request's cookie, when well formed.
fn session_id(req: &HttpRequest, rt: &Rt) -> Option<String> {
    let name = crate::auth::cookie_name(req, rt);
    crate::auth::well_formed(crate::auth::cookie(req, &name).as_deref())
}

/// Compares two byte strings in time that depends only on their lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The context every page starts from: the site's name, the page title,
/// and who is logged in (`user` is null on the login page).
pub(crate) fn context(rt: &Rt, viewer: Option<&Viewer>, title: &str) -> Context {
    let mut ctx = Context::new();
    ctx.insert("rtname", &rt.config().rtname);
    ctx.insert("title", title);
    match viewer {
        Some(v) => {
            ctx.insert("user", &v.user.name);
            ctx.insert("privileged", &v.privileged);
            ctx.insert("csrf", &v.csrf);
        }
        None => {
            ctx.insert("user", &None::<String>);
            ctx.insert("privileged", &false);
            ctx.insert("csrf", "");
        }
    }
    ctx
}

/// Renders a template.
pub(crate) fn render(name: &str, ctx: &Context) -> Result<String, PageError> {
    let tera = TEMPLATES.as_ref().map_err(|e| PageError::Render(e.clone()))?;
    tera.render(name, ctx).map_err(|e| PageError::Render(format!("{name}: {e:?}")))
}

/// A rendered page with status 200.
pub(crate) fn page(name: &str, ctx: &Context) -> Result<Answer, PageError> {
    Ok(Answer::Page(StatusCode::OK, render(name, ctx)?))
}

/// The error page for `e`: the reason for what the user asked wrong, a
/// generic sentence (and a log line) for failures of the server.
pub(crate) fn error_page(rt: &Rt, viewer: Option<&Viewer>, e: PageError) -> Answer {
    use rt_core::Error as E;
    let (status, title, message) = match &e {
        PageError::Core(E::PermissionDenied { .. }) => {
            (StatusCode::FORBIDDEN, "Permission Denied", "You do not have permission to see this.".to_string())
        }
        PageError::Core(E::NotFound { kind, id }) => (StatusCode::NOT_FOUND, "Not found", format!("No {kind} {id}.")),
        PageError::Core(e @ (E::Validation { .. } | E::Conflict(_))) => {
            (StatusCode::BAD_REQUEST, "Error", e.to_string())
        }
        PageError::Csrf => (
            StatusCode::FORBIDDEN,
            "Possible cross-site request forgery",
            "This form did not carry the security token of your session, so nothing was changed. \
             Go back, reload the page and try again."
                .to_string(),
        ),
        PageError::Core(_) | PageError::Render(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Error", "Something went wrong on the server.".to_string())
        }
    };
    match &e {
        PageError::Render(why) => tracing::error!(%why, "web UI: a template failed to render"),
        PageError::Core(error) if status.is_server_error() => tracing::error!(%error, "web UI page failed"),
        _ => {}
    }
    let mut ctx = context(rt, viewer, title);
    ctx.insert("message", &message);
    match render("error.html", &ctx) {
        Ok(html) => Answer::Page(status, html),
        Err(_) => Answer::Page(status, message),
    }
}

/// Turns an answer into a response with the UI's security headers.
pub(crate) fn respond(answer: Answer) -> HttpResponse {
    match answer {
        Answer::Page(status, html) => {
            secured(HttpResponse::build(status)).content_type("text/html; charset=utf-8").body(html)
        }
        Answer::Redirect(location) => {
            secured(HttpResponse::SeeOther()).insert_header((header::LOCATION, location)).finish()
        }
        // A download never runs as a page of this site, whatever it holds.
        Answer::File { content_type, disposition, body } => secured(HttpResponse::Ok())
            .insert_header((header::CONTENT_SECURITY_POLICY, format!("{CSP}; sandbox")))
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::CONTENT_DISPOSITION, disposition))
            .body(body),
    }
}

/// A response builder with the headers every UI answer carries; pages
/// hold personal data, so none is cached.
pub(crate) fn secured(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    builder
}

/// `GET /static/css/rt.css`.
async fn stylesheet() -> HttpResponse {
    secured(HttpResponse::Ok())
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .content_type("text/css; charset=utf-8")
        .body(STYLESHEET)
}

/// A queue's name as shown beside a ticket: the name when the user may
/// see the queue (`SeeQueue`), else its number.
pub(crate) fn queue_name(tx: &mut rt_core::Tx<'_>, id: rt_core::QueueId) -> rt_core::Result<String> {
    match tx.queue(id) {
        Ok(queue) => Ok(queue.name),
        Err(rt_core::Error::PermissionDenied { .. }) => Ok(format!("#{}", id.0)),
        Err(e) => Err(e),
    }
}

/// A query-string parameter (the last one of the name).
pub(crate) fn param(req: &HttpRequest, name: &str) -> Option<String> {
    form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .filter(|(k, _)| k == name)
        .last()
        .map(|(_, v)| v.into_owned())
}

/// A URL query string from pairs, each value percent-encoded.
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        if let Err(e) = TEMPLATES.as_ref() {
            panic!("templates/web: {e}");
        }
    }

    #[test]
    fn values_are_escaped() {
        assert_eq!(escape_html("<a href=\"x\">'&/"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;/");
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
