//! # rt-web: Request Tracker's web edge
//!
//! rt-web owns everything HTTP: the actix-web application, its routes, the
//! server loop with graceful shutdown, and the one place where rt-core's
//! [`rt_core::Error`] becomes an HTTP status ([`error`]); REST 1.0 answers
//! HTTP 200 and states RT's own status in the body ([`rest1`]); REST 2.0
//! answers JSON with RT's statuses ([`rest2`]). It serves the first pages
//! of RT's HTML UI (Tera, [`ui`]), RT's REST 1.0 with DB-backed login
//! sessions ([`auth`]) shared with the UI, and a first slice of REST 2.0.
//!
//! It is the only crate of the workspace that depends on actix-web. It
//! depends on the library crates below it (rt-core and, as they are wired
//! in, rt-mail, rt-scrips, rtir, rtfm) and never on a binary or on
//! rt-client. It holds no rules of its own: every page and API call goes
//! through rt-core, which checks rights.
//!
//! ## Using it
//!
//! A binary opens an [`rt_core::Rt`] and hands it to [`serve`], or to
//! [`Listener::bind`] then [`Listener::run`] when it needs the bound address
//! first ([`Listener::run_until`] stops on a future instead of OS signals).
//! Tests build the application with [`configure`]:
//!
//! ```no_run
//! use actix_web::{App, web};
//!
//! # fn main() -> rt_core::Result<()> {
//! let rt = rt_core::Rt::open(rt_core::Config::default())?;
//! let app = App::new()
//!     .app_data(web::Data::new(rt))
//!     .app_data(web::Data::new(rt_web::LoginThrottle::default()))
//!     .configure(rt_web::configure);
//! # drop(app);
//! # Ok(()) }
//! ```
//!
//! ## Routes
//!
//! - The HTML UI ([`ui`]): `GET /` (RT at a glance), `/NoAuth/Login.html`,
//!   `/NoAuth/Logout.html`, `/SelfService/`, `/Ticket/Display.html?id=N`
//!   (and `POST` to take it), `/Ticket/History.html?id=N`,
//!   `/Ticket/Attachment/<txn>/<id>/<name>`, `/Search/Results.html`,
//!   `/static/css/rt.css`.
//! - `GET /healthz`: `200 ok` when the database answers, `503` otherwise.
//! - `POST /REST/1.0/NoAuth/mail-gateway`: mail from `rt-mailgate`
//!   ([`gateway`]).
//! - `/REST/1.0/...` (any method): RT's REST 1.0 API ([`rest1`]): login
//!   with `user`/`pass` and the `RT_SID_...` session cookie, tickets
//!   (`ticket/new`, `ticket/<id>[/show|/edit|/comment|/history|
//!   /attachments|/links|/take|/untake|/steal|/merge/<id>]`,
//!   `ticket/link`, the CLI's `show` and `edit`), `search/ticket`,
//!   `user/`, `queue/`, `group/`, `logout`.
//! - `/REST/2.0/...`: RT's REST 2.0 API ([`rest2`]), by HTTP Basic or the
//!   same session cookie: `GET|PUT /ticket/<id>`, `POST /ticket`,
//!   `POST /ticket/<id>/correspond|comment`, `GET /ticket/<id>/history`,
//!   `GET|POST /tickets?query=`,
//!   `GET /queue/<id|name>`, `GET /user/<id|name>`; anything else under
//!   `/REST/2.0/` is `404 {"message":"Not Found"}`.

pub mod auth;
pub mod error;
pub mod gateway;
mod pages;
pub mod rest1;
pub mod rest2;
pub mod ui;

use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, NormalizePath, TrailingSlash, from_fn};
use actix_web::{App, HttpServer, web};

pub use error::{Error, Result};
pub use ui::LoginThrottle;

/// Registers every route of the application.
///
/// The application must hold the site's [`rt_core::Rt`] as
/// `web::Data<Rt>` (`App::app_data(web::Data::new(rt))`) and one
/// [`LoginThrottle`] shared by all its workers as
/// `web::Data<LoginThrottle>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(ui::configure)
        .route("/REST/1.0/NoAuth/mail-gateway", web::post().to(gateway::mail_gateway))
        .configure(rest1::configure)
        .configure(rest2::configure)
        .service(web::resource("/healthz").route(web::get().to(pages::healthz)).route(web::head().to(pages::healthz)))
        .default_service(web::to(pages::not_found));
}

/// Binds `listen`, then serves the application until the process receives
/// SIGTERM (graceful: requests in flight get up to 30 seconds to finish),
/// SIGINT or SIGQUIT (immediate).
///
/// Must be awaited inside a Tokio (or actix) runtime; each worker thread
/// runs its own.
pub async fn serve(rt: rt_core::Rt, listen: SocketAddr) -> std::io::Result<()> {
    Listener::bind(rt, listen)?.run().await
}

/// A bound listening socket and the site it will serve: binding first lets
/// a caller report the address (or a bind error) before serving starts.
#[derive(Debug)]
pub struct Listener {
    rt: rt_core::Rt,
    socket: TcpListener,
}

impl Listener {
    /// Binds `listen` (port 0 picks a free port). Needs no runtime.
    pub fn bind(rt: rt_core::Rt, listen: SocketAddr) -> std::io::Result<Listener> {
        let socket = TcpListener::bind(listen)?;
        Ok(Listener { rt, socket })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Serves the application on the bound socket until a shutdown signal
    /// (see [`serve`]).
    pub async fn run(self) -> std::io::Result<()> {
        self.run_with(None).await
    }

    /// Serves the application until `stop` completes, then shuts down
    /// gracefully; OS signals are left to the caller. For embedding and
    /// tests.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        self.run_with(Some(Box::pin(stop))).await
    }

    async fn run_with(self, stop: Option<Pin<Box<dyn Future<Output = ()> + Send>>>) -> std::io::Result<()> {
        let addr = self.local_addr()?;
        let data = web::Data::new(self.rt);
        let throttle = web::Data::new(LoginThrottle::default());
        // `//` merged into `/`: RT's rt-mailgate appends its path to
        // `--url` as given, and RT's own docs write that URL with a
        // trailing slash.
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(throttle.clone())
                .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
                .wrap(from_fn(log_request))
                .configure(configure)
        })
        .shutdown_timeout(SHUTDOWN_TIMEOUT_SECS);
        if let Some(stop) = stop {
            server = server.shutdown_signal(stop);
        }
        let server = server.listen(self.socket)?.run();
        tracing::info!(%addr, "listening");
        server.await?;
        tracing::info!(%addr, "stopped");
        Ok(())
    }
}

/// How long a graceful shutdown waits for requests in flight.
const SHUTDOWN_TIMEOUT_SECS: u64 = 30;

/// Logs one line per request. The query string is left out: REST 1.0
/// clients may put credentials there.
/// A request path as the access log writes it: a password reset link's
/// one-time token is left out.
fn redacted(path: &str) -> String {
    const RESET: &str = "/NoAuth/ResetPassword/Reset/";
    match path.strip_prefix(RESET) {
        Some(rest) => format!("{RESET}[token]/{}", rest.rsplit('/').next().unwrap_or("")),
        None => path.to_owned(),
    }
}

async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> std::result::Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = redacted(req.path());
    let res = next.call(req).await?;
    tracing::info!(
        target: "rt_web::access",
        %method,
        %path,
        status = res.status().as_u16(),
        micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_log_leaves_reset_tokens_out() {
        let path = "/NoAuth/ResetPassword/Reset/0123456789abcdef0123456789abcdef/42";
        assert_eq!(redacted(path), "/NoAuth/ResetPassword/Reset/[token]/42");
        assert_eq!(redacted("/Ticket/Display.html"), "/Ticket/Display.html");
    }
}
