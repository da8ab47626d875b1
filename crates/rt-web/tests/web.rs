//! rt-web's integration tests: the application against a real SQLite
//! database in a fresh temporary directory.

#![allow(clippy::unwrap_used)]

use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use rt_core::Config;
use rt_core::db::Backend;
use rt_test_support::{TestDb, backends};

/// A SQLite test database with the given rtname.
fn sqlite_db(rtname: &str) -> TestDb {
    let config = Config { rtname: rtname.into(), ..Config::default() };
    TestDb::with_config(Backend::Sqlite, config)
}

macro_rules! app {
    ($db:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new($db.rt().clone()))
                .app_data(web::Data::new(rt_web::LoginThrottle::default()))
                .configure(rt_web::configure),
        )
        .await
    };
}

#[actix_web::test]
async fn login_page_names_the_site_escaped() {
    let db = sqlite_db("help <desk> & co");
    let app = app!(db);
    let res = test::call_service(&app, test::TestRequest::get().uri("/NoAuth/Login.html").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let body = String::from_utf8(test::read_body(res).await.to_vec()).expect("utf-8 page");
    assert!(body.contains("RT for help &lt;desk&gt; &amp; co"), "{body}");
    assert!(!body.contains("{{"), "{body}");
}

#[actix_web::test]
async fn healthz_answers_ok_when_the_database_does() {
    let db = sqlite_db("example.com");
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
    let db = sqlite_db("example.com");
    let app = app!(db);
    let res = test::call_service(&app, test::TestRequest::get().uri("/no/such/page").to_request()).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[actix_web::test]
async fn listener_serves_over_tcp_and_stops_on_request() {
    let db = sqlite_db("example.com");
    let listener = rt_web::Listener::bind(db.rt().clone(), "127.0.0.1:0".parse().expect("addr")).expect("bind");
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

/// Form fields: name and value.
type Form<'a> = &'a [(&'a str, &'a [u8])];

/// A multipart form as rt-mailgate posts it.
fn mailgate_form(fields: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "xYzZY";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes());
        if *name == "message" {
            body.extend_from_slice(b"; filename=\"message\"\r\nContent-Type: application/octet-stream");
        }
        body.extend_from_slice(b"\r\n\r\n");
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[actix_web::test]
async fn mail_gateway_answers_as_rt_does() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let app = app!(db);
        let post = |fields: &[(&str, &[u8])]| {
            let (content_type, body) = mailgate_form(fields);
            test::TestRequest::post()
                .uri("/REST/1.0/NoAuth/mail-gateway")
                .insert_header(("content-type", content_type))
                .set_payload(body)
                .to_request()
        };
        let mail = b"From: eve@example.net\nSubject: VPN down\n\nSince 9am.\n";
        let cases: [(Form<'_>, &str); 4] = [
            (&[("queue", b"General"), ("action", b"correspond"), ("message", mail)], "ok\n"),
            (
                &[("queue", b"NoSuchQueue"), ("action", b"correspond"), ("message", mail)],
                "temporary failure - operation unsuccessful\n",
            ),
            (
                &[("queue", b"General"), ("action", b"comment"), ("ticket", b"1"), ("message", mail)],
                "not ok - operation unsuccessful\n",
            ),
            (&[("queue", b"General"), ("action", b"correspond")], "not ok - operation unsuccessful\n"),
        ];
        for (fields, expected) in cases {
            let res = test::call_service(&app, post(fields)).await;
            assert_eq!(res.status(), StatusCode::OK);
            assert_eq!(
                res.headers().get("content-type").and_then(|v| v.to_str().ok()),
                Some("text/plain; charset=utf-8")
            );
            assert_eq!(test::read_body(res).await, expected.as_bytes(), "{backend:?}");
        }
        let subject = db.root().read(|tx| tx.ticket(rt_core::TicketId(1))).expect("created").subject;
        assert_eq!(subject, "VPN down");
    }
}

/// One mail-gateway exchange of the RT transcripts: the form fields
/// rt-mailgate posted and the exact body RT answered.
struct Exchange {
    title: String,
    fields: Vec<(String, Vec<u8>)>,
    answer: String,
}

/// Reads the exchanges out of the transcript file: `### ` titles, form
/// fields as ``- `name` = `value` `` lines or, for the message, the fenced
/// block after its line, and ``Exact body: `"..."` ``.
fn transcript_exchanges(text: &str) -> Vec<Exchange> {
    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("### ") {
            exchanges.push(Exchange { title: title.into(), fields: Vec::new(), answer: String::new() });
            continue;
        }
        let Some(current) = exchanges.last_mut() else { continue };
        if line.starts_with("- `message`") {
            assert_eq!(lines.next(), Some(""), "{}: blank line before the message", current.title);
            assert_eq!(lines.next(), Some("```"), "{}: fenced message", current.title);
            let mut message = String::new();
            for l in lines.by_ref().take_while(|l| *l != "```") {
                message.push_str(l);
                message.push('\n');
            }
            current.fields.push(("message".into(), message.into_bytes()));
        } else if let Some(rest) = line.strip_prefix("- `") {
            let (name, value) = rest.split_once("` = `").expect("field line");
            current.fields.push((name.into(), value.trim_end_matches('`').as_bytes().to_vec()));
        } else if let Some(rest) = line.split_once("Exact body: `\"").map(|(_, r)| r) {
            let quoted = rest.split_once("\"`").expect("closing quote").0;
            current.answer = quoted.replace("\\n", "\n");
        }
    }
    exchanges
}

#[actix_web::test]
async fn mail_gateway_replays_rt_transcripts() {
    let exchanges = transcript_exchanges(include_str!("golden/rest1-mail-gateway.md"));
    assert_eq!(exchanges.len(), 5, "the transcript's five mail-gateway exchanges");
    for backend in backends() {
        // The transcript's site: two tickets before the first mail, Everyone
        // may create, reply and comment in General, and a queue Locked where
        // nobody may do anything.
        let db = TestDb::new(backend);
        let root = db.root();
        root.write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            let everyone = tx.system().everyone;
            tx.grant(rt_core::Grantee::Group(everyone), "CommentOnTicket", rt_core::AclObject::Queue(general))?;
            tx.create_queue(rt_core::NewQueue { name: "Locked".into(), ..rt_core::NewQueue::default() })?;
            for subject in ["first", "second"] {
                let ticket = rt_core::NewTicket { queue: Some(general), subject: subject.into(), ..Default::default() };
                tx.create_ticket(ticket)?;
            }
            Ok(())
        })
        .unwrap();
        let app = app!(db);
        for exchange in &exchanges {
            let fields: Vec<(&str, &[u8])> = exchange.fields.iter().map(|(n, v)| (n.as_str(), v.as_slice())).collect();
            let (content_type, body) = mailgate_form(&fields);
            let request = test::TestRequest::post()
                .uri("/REST/1.0/NoAuth/mail-gateway")
                .insert_header(("content-type", content_type))
                .insert_header(("user-agent", "rt-mailgate/5.0.3+dfsg-3~deb12u7 libwww-perl/6.68"))
                .set_payload(body)
                .to_request();
            let res = test::call_service(&app, request).await;
            assert_eq!(res.status(), StatusCode::OK, "{}", exchange.title);
            let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).map(String::from);
            assert_eq!(content_type.as_deref(), Some("text/plain; charset=utf-8"), "{}", exchange.title);
            let answer = test::read_body(res).await;
            assert_eq!(String::from_utf8_lossy(&answer), exchange.answer, "{backend:?}: {}", exchange.title);
        }
        // What the exchanges did: ticket 3 opened by mail, answered by tag,
        // commented on by extension; nothing in Locked or elsewhere.
        let id = rt_core::TicketId(3);
        let ticket = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!(ticket.subject, "VPN is down");
        let kinds: Vec<String> = root.read(|tx| tx.history(id)).unwrap().into_iter().map(|t| t.kind).collect();
        let messages: Vec<&str> =
            kinds.iter().map(String::as_str).filter(|k| ["Create", "Correspond", "Comment"].contains(k)).collect();
        assert_eq!(messages, ["Create", "Correspond", "Comment"], "{kinds:?}");
        assert_eq!(root.read(|tx| tx.count_tickets("id > 0", None)).unwrap(), rt_core::Total::Exact(3));
    }
}
