//! The Webhook action against a real HTTP server on loopback: the
//! transaction arrives as JSON, failures are retried or given up as the
//! answer says, and nothing is lost while the receiver is down.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rt_core::{Interface, NewScrip, OutboxStatus};
use rt_test_support::{TestDb, backends};

/// A receiver answering each POST with the next status of `script` (the
/// last one repeats), keeping the bodies and X-RT-Delivery headers it got.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<(String, String)>>>,
}

fn receiver(script: Vec<u16>) -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let kept = got.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut delivery) = (0usize, String::new());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                let lower = line.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("x-rt-delivery:") {
                    delivery = line["x-rt-delivery:".len()..].trim().to_string();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            kept.lock().unwrap().push((String::from_utf8(body).unwrap(), delivery));
            let status = script.get(n).or(script.last()).copied().unwrap_or(200);
            let _ = write!(stream, "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    Receiver { url, got }
}

fn scrip(db: &TestDb, url: &str) {
    let new = NewScrip {
        action_rule: Some(format!("{{\"url\": \"{url}\"}}")),
        ..NewScrip::new("On Create post to the hook", "On Create", "Webhook", "Blank")
    };
    db.root().write(|tx| tx.create_scrip(&new)).unwrap();
}

fn create(db: &TestDb, subject: &str) -> rt_core::TicketId {
    db.root()
        .write(|tx| {
            let q = tx.queue_by_name("General")?.queue_id();
            tx.create_ticket(rt_core::NewTicket { queue: Some(q), subject: subject.into(), ..Default::default() })
        })
        .unwrap()
}

fn deliver(db: &TestDb) -> rt_core::outbox::DeliveryReport {
    rt_scrips::webhook::deliver_pending(db.rt(), "test", 10, Duration::from_secs(5)).unwrap()
}

#[test]
fn a_webhook_posts_the_transaction_and_retries_until_it_is_taken() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let hook = receiver(vec![503, 200]);
        scrip(&db, &hook.url);
        let id = create(&db, "Disk full");
        rt_scrips::run_pending(db.rt(), 100).unwrap();

        // The receiver is unavailable: retried later, not lost.
        let report = deliver(&db);
        assert_eq!((report.claimed, report.retrying), (1, 1), "{report:?}");
        let system = db.rt().system_session(Interface::Api);
        let row = system.write(|tx| tx.claim_webhooks("peek", 10, Duration::from_secs(1))).unwrap();
        assert!(row.is_empty(), "not due before its retry time");
        // Make it due now (as time passing would), then it goes through.
        let pending = hook.got.lock().unwrap().len();
        assert_eq!(pending, 1);
        assert_eq!(system.read(|tx| tx.pending_events()).unwrap(), 0);
        let outbox_id = system.read(|tx| tx.ticket_outbox(id)).unwrap()[0];
        system
            .write(|tx| tx.mark_failed(outbox_id, "503", Some(chrono::Utc::now() - chrono::Duration::seconds(1))))
            .unwrap();
        assert_eq!(deliver(&db).sent, 1);
        assert_eq!(system.read(|tx| tx.outbox_state(outbox_id)).unwrap().status, OutboxStatus::Sent);

        let got = hook.got.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].1, got[1].1, "the same delivery id on the retry");
        let body: serde_json::Value = serde_json::from_str(&got[1].0).unwrap();
        assert_eq!(body["ticket"]["id"], id.0);
        assert_eq!(body["ticket"]["subject"], "Disk full");
        assert_eq!(body["transaction"]["type"], "Create");
        assert_eq!(body["rtname"], "example.com");
        // Mail workers never see webhook rows, and the reverse.
        assert!(system.write(|tx| tx.claim_outbox("mail", 10, Duration::from_secs(1))).unwrap().is_empty());
    }
}

#[test]
fn a_webhook_refused_for_good_is_given_up_and_a_bad_rule_is_a_scrip_failure() {
    let db = TestDb::new(backends()[0]);
    let hook = receiver(vec![404]);
    scrip(&db, &hook.url);
    create(&db, "Gone");
    rt_scrips::run_pending(db.rt(), 100).unwrap();
    let report = deliver(&db);
    assert_eq!((report.sent, report.retrying, report.failed), (0, 0, 1));

    let bad = NewScrip {
        action_rule: Some("{\"url\": \"ftp://nope\"}".into()),
        ..NewScrip::new("bad hook", "On Create", "Webhook", "Blank")
    };
    db.root().write(|tx| tx.create_scrip(&bad)).unwrap();
    let id = create(&db, "Bad rule");
    let report = rt_scrips::run_pending(db.rt(), 100).unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    let history = db.root().read(|tx| tx.history(id)).unwrap();
    assert!(history.iter().any(|t| t.kind == "SystemError" && t.data.as_deref().unwrap_or("").contains("ftp://nope")));
}
