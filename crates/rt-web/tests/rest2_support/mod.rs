//! What the REST 2.0 tests share: the site, credentials, and macros that
//! serve rt-web in-process and send one request.

#![allow(clippy::unwrap_used, dead_code, unused_macros)]

use base64::Engine;
use rt_core::db::Backend;
use rt_core::{AclObject, CfType, Config, Grantee, NewCustomField, NewUser};
use rt_test_support::TestDb;

/// rtname example.com, CF Severity on General, root, `staff` (privileged,
/// no rights), `helper` (privileged, may see, create and reply in
/// General), and queue Locked with no rights at all.
pub fn site(backend: Backend) -> TestDb {
    site_with(backend, false)
}

/// [`site`] with RTIR on: its lifecycles, RT's default scrips and
/// templates, and RTIR's queues, fields, groups, rights and scrips.
pub fn rtir_site(backend: Backend) -> TestDb {
    site_with(backend, true)
}

fn site_with(backend: Backend, rtir: bool) -> TestDb {
    let mut config = Config { rtname: "example.com".into(), organization: "example.com".into(), ..Config::default() };
    if rtir {
        rtir::lifecycles::configure(&mut config).unwrap();
    }
    let db = TestDb::with_config(backend, config);
    if rtir {
        rt_scrips::defaults::install(db.rt()).unwrap();
        rtir::install::install(db.rt()).unwrap();
    }
    db.root()
        .write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            let severity = tx.create_custom_field(NewCustomField {
                max_values: 1,
                ..NewCustomField::ticket("Severity", CfType::Freeform)
            })?;
            tx.apply_custom_field(severity, Some(general))?;
            tx.create_user(NewUser {
                name: "staff".into(),
                email: Some("staff@example.com".into()),
                password: Some("staffpass".into()),
                privileged: true,
                ..NewUser::default()
            })?;
            tx.create_user(NewUser {
                name: "helper".into(),
                email: Some("helper@example.com".into()),
                password: Some("helperpass".into()),
                privileged: true,
                ..NewUser::default()
            })?;
            let helper = tx.user_by_name("helper")?.user_id();
            for right in ["ShowTicket", "SeeQueue", "CreateTicket", "ReplyToTicket"] {
                tx.grant(Grantee::User(helper), right, AclObject::Queue(general))?;
            }
            tx.create_queue(rt_core::NewQueue { name: "Locked".into(), ..rt_core::NewQueue::default() })?;
            Ok(())
        })
        .unwrap();
    db
}

/// An HTTP Basic `Authorization` header.
pub fn basic(user: &str, pass: &str) -> (&'static str, String) {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    ("Authorization", format!("Basic {token}"))
}

macro_rules! app {
    ($db:expr) => {
        test::init_service(App::new().app_data(web::Data::new($db.rt().clone())).configure(rt_web::configure)).await
    };
}

/// Sends a request; answers the status and the body as JSON (or as a
/// JSON string when it is not JSON).
macro_rules! send {
    ($app:expr, $method:expr, $path:expr, $auth:expr, $body:expr) => {{
        let (status, _, value) = exchange!($app, $method, $path, $auth, $body, None::<(&str, String)>);
        (status, value)
    }};
}

/// [`send!`] with one more request header; answers the response headers
/// too.
macro_rules! exchange {
    ($app:expr, $method:expr, $path:expr, $auth:expr, $body:expr, $header:expr) => {{
        let mut req = test::TestRequest::default().method($method.parse().unwrap()).uri($path);
        if let Some(h) = $auth {
            req = req.insert_header(h);
        }
        if let Some(h) = $header {
            req = req.insert_header(h);
        }
        let body: Option<&str> = $body;
        if let Some(b) = body {
            req = req.insert_header(("Content-Type", "application/json")).set_payload(b.to_string());
        }
        let res = test::call_service(&$app, req.to_request()).await;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await;
        let value = serde_json::from_slice::<Value>(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, headers, value)
    }};
}
