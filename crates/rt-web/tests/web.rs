//! rt-web's integration tests: the application against a real SQLite
//! database in a fresh temporary directory.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use rt_core::{Config, Rt};

/// A SQLite database in its own temporary directory, removed on drop.
struct TestDb {
    dir: PathBuf,
    rt: Rt,
}

impl TestDb {
    fn new(rtname: &str) -> TestDb {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rt-web-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = Config::default();
        let url = format!("sqlite://{}", dir.join("rt.sqlite3").display());
        config.set("database_url", &url).expect("database_url");
        config.set("rtname", rtname).expect("rtname");
        config.validate().expect("valid config");
        let rt = Rt::open(config).expect("open the test database");
        TestDb { dir, rt }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

macro_rules! app {
    ($db:expr) => {
        test::init_service(App::new().app_data(web::Data::new($db.rt.clone())).configure(rt_web::configure)).await
    };
}

#[actix_web::test]
async fn start_page_names_the_site_escaped() {
    let db = TestDb::new("help <desk> & co");
    let app = app!(db);
    let res = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let body = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8 page");
    assert!(body.contains("RT for help &lt;desk&gt; &amp; co"), "{body}");
    assert!(body.contains("href=\"/healthz\""), "{body}");
    assert!(!body.contains("{{"), "{body}");
}

#[actix_web::test]
async fn healthz_answers_ok_when_the_database_does() {
    let db = TestDb::new("example.com");
    let app = app!(db);
    for req in [test::TestRequest::get(), test::TestRequest::default().method(actix_web::http::Method::HEAD)] {
        let res = test::call_service(&app, req.uri("/healthz").to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("text/plain; charset=utf-8"));
        assert_eq!(res.headers().get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    }
    let res = test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(test::read_body(res).await, "ok");
}

#[actix_web::test]
async fn unknown_paths_are_404() {
    let db = TestDb::new("example.com");
    let app = app!(db);
    let res = test::call_service(&app, test::TestRequest::get().uri("/no/such/page").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn listener_serves_over_tcp_and_stops_on_request() {
    let db = TestDb::new("example.com");
    let listener = rt_web::Listener::bind(db.rt.clone(), "127.0.0.1:0".parse().expect("addr")).expect("bind");
    let addr = listener.local_addr().expect("bound address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = actix_web::rt::spawn(listener.run_until(async {
        let _ = stopped.await;
    }));
    let answer = actix_web::rt::task::spawn_blocking(move || http_get(addr, "/healthz")).await.expect("client");
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nok"), "{answer}");
    stop.send(()).expect("server still running");
    server.await.expect("server task").expect("clean shutdown");
}

/// One HTTP/1.1 GET over a plain socket, returning the whole answer.
fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use std::io::{Read, Write};
    let mut socket = std::net::TcpStream::connect(addr).expect("connect");
    write!(socket, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut answer = String::new();
    socket.read_to_string(&mut answer).expect("read");
    answer
}
