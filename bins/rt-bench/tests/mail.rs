//! `rt-bench mail` against a real server on a loopback port: every message
//! becomes a ticket (or a reply on one), and a run with refused messages
//! fails.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::process::Command;

use rt_core::TicketId;
use rt_test_support::{TestDb, backends};

/// Serves `db` on a free loopback port for the rest of the test process.
fn serve(db: &TestDb) -> SocketAddr {
    let listener = rt_web::Listener::bind(db.rt().clone(), "127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(listener.run_until(std::future::pending::<()>())).unwrap();
    });
    addr
}

fn bench(url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rt-bench")).args(["mail", "--url", url]).args(args).output().unwrap()
}

#[test]
fn every_message_is_recorded() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let url = format!("http://{}/", serve(&db));
        let out = bench(&url, &["--messages", "20", "--clients", "2", "--replies", "25"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("answers: ok 20, not ok 0, tempfail 0, error 0"), "{stdout}");
        let json = stdout.lines().last().unwrap();
        assert!(json.contains("\"bench\":\"mail\"") && json.contains("\"messages\":20,\"replies\":5"), "{json}");

        // 15 new tickets, one per message, and 5 replies on them.
        let (mut subjects, mut replies) = (Vec::new(), 0);
        db.root()
            .read(|tx| {
                for id in 1..=15 {
                    let ticket = tx.ticket(TicketId(id))?;
                    subjects.push(ticket.subject.clone());
                    replies += tx.history(TicketId(id))?.iter().filter(|t| t.kind == "Correspond").count();
                }
                assert!(tx.ticket(TicketId(16)).is_err(), "no 16th ticket");
                Ok(())
            })
            .unwrap();
        for i in 0..15 {
            assert_eq!(subjects.iter().filter(|s| s.ends_with(&format!("({i})"))).count(), 1, "{subjects:?}");
        }
        assert_eq!(replies, 5);

        // Refused deliveries fail the run.
        let out = bench(&url, &["--messages", "3", "--clients", "2", "--queue", "NoSuchQueue"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "{stdout}");
        assert!(stdout.contains("answers: ok 0, not ok 0, tempfail 3, error 0"), "{stdout}");
    }
}
