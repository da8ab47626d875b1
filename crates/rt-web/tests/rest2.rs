//! REST 2.0 against RT 5's own answers: every exchange of
//! `golden/rest2-transcripts.md` (a copy of shared/compat's transcript) is
//! replayed in order on SQLite and, with `RT_TEST_PG_URL`, PostgreSQL, and
//! the JSON compared as JSON (key order is not RT's concern) after
//! normalising what legitimately differs: dates, user and custom field
//! ids. Four tickets are made first so that the transcript's ticket is
//! ticket 5 here too.
//!
//! Also here: 401, 403 for a privileged user without rights, 404, 400 with
//! a message (bad JSON, bad TicketSQL, no queue), the session cookie, and
//! pagination arithmetic.

#![allow(clippy::unwrap_used)]

use actix_web::http::StatusCode;
use actix_web::{App, test, web};
use rt_core::db::Backend;
use rt_core::{NewTicket, TicketId};
use rt_test_support::backends;

#[macro_use]
mod rest2_support;
use rest2_support::{basic, site};
use serde_json::{Value, json};

const TRANSCRIPT: &str = include_str!("golden/rest2-transcripts.md");

/// Exchanges whose answer differs from RT's, and why. An exchange listed
/// here that starts to match fails the test, so the list only shrinks.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "GET /REST/2.0/ticket/5/history",
        "the envelope and items are RT's, the count is not: we record five (Create, Set, Status, Correspond, \
         Comment), RT seven; the transcript does not say which two more (likely outgoing mail recorded by \
         scrips, which do not run here)",
    ),
    ("POST /REST/2.0/tickets", "RT writes `pages` as 0.0 for an empty search; we write 0"),
    (
        "GET /REST/2.0/queue/1",
        "rt-core keeps no Created/Creator/LastUpdated(By) for queues and has no reader of queue watchers (Cc, AdminCc)",
    ),
    ("GET /REST/2.0/user/root", "rt-core keeps no Created/Creator/LastUpdated(By) for users"),
    ("GET /REST/2.0/tickets?query=Foo%3D%27bar%27", "RT's message names its Perl source line"),
];

/// One exchange of the transcript.
#[derive(Debug, Default)]
struct Exchange {
    method: String,
    path: String,
    request: Option<String>,
    status: u16,
    response: String,
    anonymous: bool,
}

fn exchanges() -> Vec<Exchange> {
    let mut out: Vec<Exchange> = Vec::new();
    let mut lines = TRANSCRIPT.lines();
    let block = |lines: &mut std::str::Lines<'_>| {
        let mut text = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```") && !text.is_empty() {
                return text;
            }
            if !l.starts_with("```") {
                text.push_str(l);
                text.push('\n');
            }
        }
        text
    };
    while let Some(line) = lines.next() {
        if let Some(title) = line.strip_prefix("### ") {
            let (method, rest) = title.split_once(' ').unwrap();
            let anonymous = rest.ends_with(" without credentials");
            let path = rest.trim_end_matches(" without credentials").to_string();
            out.push(Exchange { method: method.into(), path, anonymous, ..Exchange::default() });
        } else if line == "Request body:" {
            out.last_mut().unwrap().request = Some(block(&mut lines));
        } else if let Some(status) = line.strip_prefix("Response: HTTP ") {
            let e = out.last_mut().unwrap();
            e.status = status.trim().parse().unwrap();
            e.response = block(&mut lines);
        } else if line == "```" && out.last().is_some_and(|e| e.anonymous && e.response.is_empty()) {
            // `{"message":...}` then `HTTP 401` inside one block.
            let text = block(&mut lines);
            let e = out.last_mut().unwrap();
            let mut parts = text.lines();
            e.response = parts.next().unwrap().to_string();
            e.status = parts.next().unwrap().trim_start_matches("HTTP ").parse().unwrap();
        }
    }
    out
}

/// Replaces what legitimately differs: dates (set ones), user ids, custom
/// field ids.
fn normalise(v: &mut Value) {
    let date = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").unwrap();
    let cf_url = regex::Regex::new(r"/customfield/\d+").unwrap();
    let user_url = regex::Regex::new(r"/user/\d+").unwrap();
    match v {
        Value::Object(map) => {
            let kind = map.get("type").and_then(Value::as_str).map(str::to_string);
            if kind.as_deref() == Some("customfield") {
                map.insert("id".into(), json!("<cf>"));
            }
            if kind.as_deref() == Some("user") && map.get("id").is_some_and(Value::is_number) {
                map.insert("id".into(), json!("<uid>"));
            }
            for value in map.values_mut() {
                normalise(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::String(s) => {
            if date.is_match(s) && !s.starts_with("1970") {
                *s = "<date>".into();
            }
            *s = user_url.replace_all(&cf_url.replace_all(s, "/customfield/<cf>"), "/user/<uid>").into_owned();
        }
        _ => {}
    }
}

/// The shape of a value: its keys, recursively, and the JSON type of each
/// scalar (numbers as one type: RT writes 0.0 where we write 0).
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        other => other.clone(),
    }
}

#[actix_web::test]
async fn rest2_replays_rt_transcripts() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        // RT's database had four tickets before; two of them in General
        // with RT's subjects, as the search shows them.
        db.root()
            .write(|tx| {
                let general = tx.queue_by_name("General")?.queue_id();
                for subject in ["need help", "web ticket", "third", "fourth"] {
                    tx.create_ticket(NewTicket {
                        queue: Some(general),
                        subject: subject.into(),
                        ..NewTicket::default()
                    })?;
                }
                Ok(())
            })
            .unwrap();
        let mut matched = Vec::new();
        let mut differing = Vec::new();
        for e in exchanges() {
            let title = format!("{} {}", e.method, e.path);
            let auth = if e.anonymous { None } else { Some(root.clone()) };
            let (status, mut ours) = send!(app, e.method.as_str(), e.path.as_str(), auth, e.request.as_deref());
            let mut theirs: Value = serde_json::from_str(&e.response).unwrap();
            normalise(&mut ours);
            normalise(&mut theirs);
            let known = KNOWN_DIFFERENCES.iter().find(|(t, _)| *t == title);
            let same = status.as_u16() == e.status && ours == theirs;
            match (same, known) {
                (true, None) => matched.push(title),
                (true, Some(_)) => panic!("{backend:?} {title}: now matches RT; take it off KNOWN_DIFFERENCES"),
                (false, Some(_)) => differing.push(title),
                (false, None) => panic!(
                    "{backend:?} {title}: status {status} (RT {}):\nours:   {}\ntheirs: {}",
                    e.status,
                    serde_json::to_string_pretty(&ours).unwrap(),
                    serde_json::to_string_pretty(&theirs).unwrap()
                ),
            }
        }
        assert_eq!(matched.len() + differing.len(), exchanges().len(), "{matched:?}");
        assert_eq!(matched.len(), 8, "{matched:?}");
        assert_eq!(differing.len(), KNOWN_DIFFERENCES.len(), "{differing:?}");
    }
}

#[actix_web::test]
async fn known_differences_keep_rt_shapes() {
    let db = site(Backend::Sqlite);
    let app = app!(db);
    let root = basic("root", "password");
    let create = r#"{"Queue":"General","Subject":"s","Content":"x","Requestor":"carol@example.org","CustomFields":{"Severity":"high"}}"#;
    let (status, _) = send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(create));
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) =
        send!(app, "PUT", "/REST/2.0/ticket/1", Some(root.clone()), Some(r#"{"Priority":"20","Status":"open"}"#));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!(["Ticket 1: Priority changed from 'Low' to 'Low'", "Ticket 1: Status changed from 'new' to 'open'"])
    );
    // History: RT's envelope, one transaction item per entry.
    let (status, body) = send!(app, "GET", "/REST/2.0/ticket/1/history?per_page=2", Some(root.clone()), None);
    assert_eq!(status, StatusCode::OK);
    let kinds: Vec<String> =
        db.root().read(|tx| tx.history(TicketId(1))).unwrap().into_iter().map(|t| t.kind).collect();
    assert_eq!(body["total"], json!(kinds.len()));
    assert_eq!(body["items"][0]["type"], json!("transaction"));
    assert_eq!(body["next_page"], json!("http://127.0.0.1:8080/REST/2.0/ticket/1/history?per_page=2&page=2"));
    // Empty search: RT's envelope, numbers where RT has numbers.
    let (status, body) =
        send!(app, "POST", "/REST/2.0/tickets", Some(root.clone()), Some(r#"[{"field":"Status","value":"open"}]"#));
    assert_eq!(status, StatusCode::OK);
    let theirs = json!({"items": [], "count": 0, "pages": 0.0, "page": 1, "total": 0, "per_page": 20});
    assert_eq!(shape(&body), shape(&theirs));
    // Queue and user: RT's keys but those rt-core does not keep.
    let (_, queue) = send!(app, "GET", "/REST/2.0/queue/General", Some(root.clone()), None);
    let e = exchanges().into_iter().find(|e| e.path == "/REST/2.0/queue/1").unwrap();
    let mut theirs: Value = serde_json::from_str(&e.response).unwrap();
    for k in ["Created", "Creator", "LastUpdated", "LastUpdatedBy", "Cc", "AdminCc"] {
        theirs.as_object_mut().unwrap().remove(k);
    }
    let (mut ours, mut theirs) = (queue, theirs);
    normalise(&mut ours);
    normalise(&mut theirs);
    assert_eq!(ours, theirs);
    let (_, user) = send!(app, "GET", "/REST/2.0/user/root", Some(root.clone()), None);
    let e = exchanges().into_iter().find(|e| e.path == "/REST/2.0/user/root").unwrap();
    let mut theirs: Value = serde_json::from_str(&e.response).unwrap();
    for k in ["Created", "Creator", "LastUpdated", "LastUpdatedBy"] {
        theirs.as_object_mut().unwrap().remove(k);
    }
    assert_eq!(shape(&user), shape(&theirs));
    assert_eq!(user["Name"], "root");
    assert_eq!(user["Privileged"], 1);
    // Bad TicketSQL: 400 and a message naming the field.
    let (status, body) = send!(app, "GET", "/REST/2.0/tickets?query=Foo%3D%27bar%27", Some(root.clone()), None);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("Foo"), "{body}");
}

#[actix_web::test]
async fn who_may_do_what() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        let create = r#"{"Queue":"General","Subject":"s","Requestor":"carol@example.org","Content":"x"}"#;
        let (status, body) = send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(create));
        assert_eq!((status, body["id"].clone()), (StatusCode::CREATED, json!("1")));
        // No credentials, a wrong password, a header that is not Basic.
        let unauthorized = json!({"message": "Unauthorized"});
        for auth in [None, Some(basic("root", "wrong")), Some(("Authorization", "Bearer abc".to_string()))] {
            let (status, body) = send!(app, "GET", "/REST/2.0/ticket/1", auth, None);
            assert_eq!((status, body), (StatusCode::UNAUTHORIZED, unauthorized.clone()));
        }
        let (status, _) = send!(app, "POST", "/REST/2.0/ticket", None::<(&str, String)>, Some(create));
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // The login session REST 1.0 and the web UI keep.
        let sid = rt_core::web_session::new_id().unwrap();
        let staff_id = db.root().read(|tx| tx.user_by_name("staff")).unwrap().user_id();
        let root_id = db.root().read(|tx| tx.user_by_name("root")).unwrap().user_id();
        rt_core::web_session::create(db.rt(), &sid, root_id).unwrap();
        let cookie = ("Cookie", format!("RT_SID_example.com.8080={sid}"));
        let (status, body) = send!(app, "GET", "/REST/2.0/ticket/1", Some(cookie), None);
        assert_eq!((status, body["Subject"].clone()), (StatusCode::OK, json!("s")));
        let (status, _) =
            send!(app, "GET", "/REST/2.0/ticket/1", Some(("Cookie", "RT_SID_example.com.8080=0123".to_string())), None);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // A privileged user without rights: 403, nothing changes.
        let staff = basic("staff", "staffpass");
        let forbidden = json!({"message": "Forbidden"});
        for (method, path, body) in [
            ("GET", "/REST/2.0/ticket/1", None),
            ("PUT", "/REST/2.0/ticket/1", Some(r#"{"Subject":"mine"}"#)),
            ("POST", "/REST/2.0/ticket/1/correspond", Some(r#"{"Content":"hi"}"#)),
            ("POST", "/REST/2.0/ticket/1/comment", Some(r#"{"Content":"hi"}"#)),
            ("POST", "/REST/2.0/ticket", Some(r#"{"Queue":"Locked","Subject":"x"}"#)),
            ("GET", "/REST/2.0/queue/Locked", None),
        ] {
            let (status, answer) = send!(app, method, path, Some(staff.clone()), body);
            assert_eq!((status, answer), (StatusCode::FORBIDDEN, forbidden.clone()), "{method} {path}");
        }
        // Search: rights apply inside the query.
        let (status, body) = send!(app, "GET", "/REST/2.0/tickets?query=id%3E0", Some(staff.clone()), None);
        assert_eq!((status, body["total"].clone(), body["items"].clone()), (StatusCode::OK, json!(0), json!([])));
        // A user sees themselves; and any user when privileged.
        let (status, body) = send!(app, "GET", &format!("/REST/2.0/user/{}", staff_id.0), Some(staff.clone()), None);
        assert_eq!((status, body["Name"].clone()), (StatusCode::OK, json!("staff")));
        // helper may see and reply, not comment nor modify.
        let helper = basic("helper", "helperpass");
        let (status, body) = send!(app, "GET", "/REST/2.0/ticket/1", Some(helper.clone()), None);
        assert_eq!(status, StatusCode::OK);
        let refs: Vec<&str> =
            body["_hyperlinks"].as_array().unwrap().iter().map(|l| l["ref"].as_str().unwrap()).collect();
        assert!(refs.contains(&"correspond") && !refs.contains(&"comment"), "{refs:?}");
        let (status, body) =
            send!(app, "PUT", "/REST/2.0/ticket/1", Some(helper.clone()), Some(r#"{"Subject":"theirs"}"#));
        assert_eq!((status, body), (StatusCode::OK, json!(["Ticket 1: Permission Denied"])));
        let (status, body) =
            send!(app, "POST", "/REST/2.0/ticket/1/comment", Some(helper.clone()), Some(r#"{"Content":"c"}"#));
        assert_eq!((status, body), (StatusCode::FORBIDDEN, forbidden.clone()));
        let (status, body) =
            send!(app, "POST", "/REST/2.0/ticket/1/correspond", Some(helper.clone()), Some(r#"{"Content":"r"}"#));
        assert_eq!((status, body), (StatusCode::CREATED, json!(["Correspondence added"])));
        let t = db.root().read(|tx| tx.ticket(TicketId(1))).unwrap();
        assert_eq!(t.subject, "s");
    }
}

#[actix_web::test]
async fn bad_requests_say_why() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        let not_found = json!({"message": "Not Found"});
        for path in [
            "/REST/2.0/ticket/99999",
            "/REST/2.0/ticket/abc",
            "/REST/2.0/ticket/-1",
            "/REST/2.0/queue/Nope",
            "/REST/2.0/user/nobody-here",
            "/REST/2.0/nothing",
        ] {
            let (status, body) = send!(app, "GET", path, Some(root.clone()), None);
            assert_eq!((status, body), (StatusCode::NOT_FOUND, not_found.clone()), "{path}");
        }
        let (status, _) = send!(app, "PUT", "/REST/2.0/ticket/99999", Some(root.clone()), Some(r#"{"Subject":"x"}"#));
        assert_eq!(status, StatusCode::NOT_FOUND);
        let cases: [(&str, &str, &str, &str); 8] = [
            ("POST", "/REST/2.0/ticket", "{not json", "JSON parse error"),
            ("POST", "/REST/2.0/ticket", "[1,2]", "JSON object expected"),
            ("POST", "/REST/2.0/ticket", r#"{"Subject":"no queue"}"#, "Could not create ticket. Queue not set"),
            ("POST", "/REST/2.0/ticket", r#"{"Queue":"Nope","Subject":"x"}"#, "Could not create ticket. Queue not set"),
            (
                "POST",
                "/REST/2.0/ticket",
                r#"{"Queue":"General","Priority":"urgent"}"#,
                "Priority: 'urgent' is not a number",
            ),
            (
                "POST",
                "/REST/2.0/ticket",
                r#"{"Queue":"General","CustomFields":{"Colour":"red"}}"#,
                "Unknown custom field: Colour",
            ),
            ("PUT", "/REST/2.0/ticket/1", "{\"Subject\":", "JSON parse error"),
            ("POST", "/REST/2.0/ticket/1/comment", r#"{"Subject":"no content"}"#, "No Content"),
        ];
        let (status, _) =
            send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(r#"{"Queue":"General","Subject":"keep"}"#));
        assert_eq!(status, StatusCode::CREATED);
        for (method, path, body, expected) in cases {
            let (status, answer) = send!(app, method, path, Some(root.clone()), Some(body));
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path} {body}: {answer}");
            assert!(answer["message"].as_str().unwrap().contains(expected), "{method} {path} {body}: {answer}");
        }
        let (status, body) = send!(app, "GET", "/REST/2.0/tickets?query=Subject%20LIKE", Some(root.clone()), None);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(!body["message"].as_str().unwrap().is_empty());
        let count = db.root().read(|tx| tx.count_tickets("id > 0", None)).unwrap();
        assert_eq!(count, rt_core::Total::Exact(1));
        // A PUT with a bad status is said, the good field is kept.
        let (status, body) =
            send!(app, "PUT", "/REST/2.0/ticket/1", Some(root.clone()), Some(r#"{"Status":"bogus","Subject":"new"}"#));
        assert_eq!(status, StatusCode::OK);
        let said = body.as_array().unwrap();
        assert!(said.contains(&json!("Ticket 1: Subject changed from 'keep' to 'new'")), "{body}");
        assert!(said.iter().any(|m| m.as_str().unwrap().contains("bogus")), "{body}");
    }
}

#[actix_web::test]
async fn tickets_are_written_and_paged_as_rt() {
    for backend in backends() {
        let db = site(backend);
        let app = app!(db);
        let root = basic("root", "password");
        for n in 1..=45 {
            let body =
                format!(r#"{{"Queue":1,"Subject":"t{n}","Priority":{n},"CustomFields":{{"Severity":["low"]}}}}"#);
            let (status, answer) = send!(app, "POST", "/REST/2.0/ticket", Some(root.clone()), Some(body.as_str()));
            assert_eq!(status, StatusCode::CREATED, "{answer}");
            assert_eq!(answer["_url"], json!(format!("http://127.0.0.1:8080/REST/2.0/ticket/{n}")));
        }
        let (_, t) = send!(app, "GET", "/REST/2.0/ticket/7", Some(root.clone()), None);
        assert_eq!((t["Priority"].clone(), t["CustomFields"][0]["values"].clone()), (json!("7"), json!(["low"])));
        // Defaults: 20 a page, pages rounded up, next but no prev.
        let (_, p) = send!(app, "GET", "/REST/2.0/tickets?query=Queue%3D%27General%27", Some(root.clone()), None);
        assert_eq!(
            (p["count"].clone(), p["per_page"].clone(), p["total"].clone(), p["pages"].clone()),
            (json!(20), json!(20), json!(45), json!(3))
        );
        assert!(p.get("prev_page").is_none());
        assert_eq!(p["next_page"], json!("http://127.0.0.1:8080/REST/2.0/tickets?query=Queue%3D'General'&page=2"));
        assert_eq!(
            p["items"][0],
            json!({"type": "ticket", "id": "1", "_url": "http://127.0.0.1:8080/REST/2.0/ticket/1"})
        );
        // The last page: 5 items, prev but no next; past it: the last.
        for page in ["3", "9"] {
            let (_, p) =
                send!(app, "GET", &format!("/REST/2.0/tickets?query=id%3E0&page={page}"), Some(root.clone()), None);
            assert_eq!((p["count"].clone(), p["page"].clone()), (json!(5), json!(3)), "{page}");
            assert!(p.get("next_page").is_none());
            assert_eq!(p["prev_page"], json!("http://127.0.0.1:8080/REST/2.0/tickets?query=id%3E0&page=2"));
            assert_eq!(p["items"][4]["id"], json!("45"));
        }
        // per_page: 0 is 20, more than 100 is 100.
        for (asked, got, pages) in [("0", 20, 3), ("500", 100, 1), ("7", 7, 7)] {
            let (_, p) = send!(
                app,
                "GET",
                &format!("/REST/2.0/tickets?query=id%3E0&per_page={asked}"),
                Some(root.clone()),
                None
            );
            assert_eq!((p["per_page"].clone(), p["pages"].clone()), (json!(got), json!(pages)), "{asked}");
        }
        // Sort, fields, and a POSTed form.
        let (_, p) = send!(
            app,
            "GET",
            "/REST/2.0/tickets?query=id%3C4&orderby=Priority&order=DESC&fields=Subject,Queue,Nope",
            Some(root.clone()),
            None
        );
        let subjects: Vec<&str> =
            p["items"].as_array().unwrap().iter().map(|i| i["Subject"].as_str().unwrap()).collect();
        assert_eq!(subjects, ["t3", "t2", "t1"]);
        assert_eq!(
            p["items"][0]["Queue"],
            json!({"type": "queue", "id": "1", "_url": "http://127.0.0.1:8080/REST/2.0/queue/1"})
        );
        assert!(p["items"][0].get("Nope").is_none());
        let req = test::TestRequest::post()
            .uri("/REST/2.0/tickets")
            .insert_header(root.clone())
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload("query=Priority%20%3E%2040&per_page=2")
            .to_request();
        let p: Value = test::call_and_read_body_json(&app, req).await;
        assert_eq!((p["total"].clone(), p["pages"].clone(), p["count"].clone()), (json!(5), json!(3), json!(2)));
        // Update, reply with a subject in HTML, comment with a status.
        let (_, said) = send!(
            app,
            "PUT",
            "/REST/2.0/ticket/2",
            Some(root.clone()),
            Some(
                r#"{"Owner":"root","Queue":"General","CustomFields":{"Severity":"high"},"Due":"2030-01-02T03:04:05Z"}"#
            )
        );
        // One message per change, in the order of the fields' names.
        assert_eq!(
            said,
            json!([
                "Ticket 2: Severity low changed to high",
                "Ticket 2: Due changed from '1970-01-01T00:00:00Z' to '2030-01-02T03:04:05Z'",
                "Ticket 2: Owner changed from Nobody to root",
            ])
        );
        let (status, said) = send!(
            app,
            "POST",
            "/REST/2.0/ticket/2/correspond",
            Some(root.clone()),
            Some(r#"{"Content":"<p>hi</p>","ContentType":"text/html","Subject":"re"}"#)
        );
        assert_eq!((status, said), (StatusCode::CREATED, json!(["Correspondence added"])));
        let (status, said) = send!(
            app,
            "POST",
            "/REST/2.0/ticket/2/comment",
            Some(root.clone()),
            Some(r#"{"Content":"done","Status":"resolved"}"#)
        );
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(said[0], json!("Comments added"));
        assert!(said[1].as_str().unwrap().ends_with("' to 'resolved'"), "{said}");
        let (_, t) = send!(app, "GET", "/REST/2.0/ticket/2", Some(root.clone()), None);
        assert_eq!(
            (t["Status"].clone(), t["Owner"]["id"].clone(), t["Due"].clone()),
            (json!("resolved"), json!("root"), json!("2030-01-02T03:04:05Z"))
        );
        let history = db.root().read(|tx| tx.history(TicketId(2))).unwrap();
        assert!(history.iter().any(|h| h.kind == "Correspond") && history.iter().any(|h| h.kind == "Comment"));
        // A text/plain body is the content.
        let req = test::TestRequest::post()
            .uri("/REST/2.0/ticket/3/comment")
            .insert_header(root.clone())
            .insert_header(("Content-Type", "text/plain"))
            .set_payload("plain words")
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
}
