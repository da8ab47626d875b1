//! rt-mailgate against a real server on a loopback port: ours, and RT's
//! own rt-mailgate (Debian's rt5-clients) against the same server.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};

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

/// Runs a mailgate program with `message` on stdin; returns its exit code.
fn mailgate(program: &str, args: &[&str], extension: Option<&str>, message: &str) -> i32 {
    let mut cmd = Command::new(program);
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::null());
    match extension {
        Some(e) => cmd.env("EXTENSION", e),
        None => cmd.env_remove("EXTENSION"),
    };
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(message.as_bytes()).unwrap();
    child.wait().unwrap().code().unwrap_or(-1)
}

const OURS: &str = env!("CARGO_BIN_EXE_rt-mailgate");

fn debian_mailgate() -> Option<&'static str> {
    let path = "/usr/bin/rt-mailgate";
    if std::path::Path::new(path).exists() {
        Some(path)
    } else if std::env::var("RT_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!("RT_REQUIRE_ALL=1 but {path} (Debian's rt5-clients) is missing");
    } else {
        eprintln!("NOTE: {path} is missing (apt-get install rt5-clients); RT's own rt-mailgate is not tested");
        None
    }
}

#[test]
fn mail_reaches_tickets_through_both_mailgates() {
    for backend in backends() {
        let db = TestDb::new(backend);
        // With a trailing slash, as RT's documentation writes it.
        let url = format!("http://{}/", serve(&db));
        let root = db.root();
        root.write(|tx| tx.create_queue(rt_core::NewQueue { name: "Locked".into(), ..Default::default() })).unwrap();
        let mut programs = vec![OURS];
        programs.extend(debian_mailgate());
        for (n, program) in programs.into_iter().enumerate() {
            let subject = format!("Printer {n}");
            let message =
                format!("From: gus{n}@example.net\nSubject: {subject}\nMessage-ID: <m{n}@example.net>\n\nOn fire.\n");
            let code =
                mailgate(program, &["--url", &url, "--queue", "General", "--action", "correspond"], None, &message);
            assert_eq!(code, 0, "{program}");
            let id = db
                .root()
                .read(|tx| {
                    let mut found = None;
                    for id in 1..=20 {
                        if tx.ticket(TicketId(id)).is_ok_and(|t| t.subject == subject) {
                            found = Some(TicketId(id));
                        }
                    }
                    Ok(found)
                })
                .unwrap()
                .unwrap_or_else(|| panic!("{program}: no ticket {subject:?}"));

            // The ticket from the address extension; comments are refused
            // to the public (not ok: exit 0, nothing recorded).
            let before = db.root().read(|tx| tx.history(id)).unwrap().len();
            let reply = format!("From: gus{n}@example.net\nSubject: more\n\nAlso smoking.\n");
            let args = ["--url", url.as_str(), "--action", "correspond", "--extension", "ticket"];
            assert_eq!(mailgate(program, &args, Some(&id.to_string()), &reply), 0, "{program}");
            let args = ["--url", url.as_str(), "--action", "comment", "--extension", "ticket"];
            assert_eq!(mailgate(program, &args, Some(&id.to_string()), &reply), 0, "{program}");
            let history = db.root().read(|tx| tx.history(id)).unwrap();
            assert_eq!(history.len(), before + 1, "{program}: one reply recorded, the comment refused");
            assert_eq!(history.last().unwrap().kind, "Correspond");
            let atts = db.root().read(|tx| tx.transaction_attachments(history.last().unwrap().id)).unwrap();
            assert!(atts[0].headers.contains(&format!("X-RT-Mail-Extension: {id}")), "{program}");

            // A reply tagged with the ticket in its subject.
            let tagged = format!(
                "From: gus{n}@example.net\nSubject: Re: [example.com #{id}] {subject}\n\
                 Message-ID: <r{n}@example.net>\n\nStill smoking.\n"
            );
            assert_eq!(mailgate(program, &["--url", &url, "--queue", "General"], None, &tagged), 0, "{program}");
            let history = db.root().read(|tx| tx.history(id)).unwrap();
            assert_eq!((history.len(), history.last().unwrap().kind.as_str()), (before + 2, "Correspond"), "{program}");

            // A queue whose rights refuse the sender: not ok (exit 0, the
            // MTA drops it), no ticket, a "Permission Denied" answer queued.
            let tickets = db.root().read(|tx| tx.count_tickets("id > 0", None)).unwrap();
            let locked =
                format!("From: gus{n}@example.net\nSubject: Locked out\nMessage-ID: <l{n}@example.net>\n\nx\n");
            assert_eq!(mailgate(program, &["--url", &url, "--queue", "Locked"], None, &locked), 0, "{program}");
            assert_eq!(db.root().read(|tx| tx.count_tickets("id > 0", None)).unwrap(), tickets, "{program}");
            // Both refusals (the comment above, this message) are answered.
            let system = db.rt().system_session(rt_core::Interface::Api);
            let answers = system.write(|tx| tx.claim_outbox("test", 10, std::time::Duration::from_secs(60))).unwrap();
            assert_eq!(answers.len(), 2, "{program}");
            for answer in &answers {
                assert_eq!(answer.mail.recipients, [format!("gus{n}@example.net")]);
                assert!(String::from_utf8_lossy(&answer.mail.content).contains("Subject: Permission Denied"));
                system.write(|tx| tx.mark_sent(answer.id)).unwrap();
            }
            assert!(answers.iter().any(|a| String::from_utf8_lossy(&a.mail.content).contains("Subject: Locked out")));

            // A queue that does not exist is a temporary failure: exit 75.
            let args = ["--url", url.as_str(), "--queue", "NoSuchQueue"];
            assert_eq!(mailgate(program, &args, None, &message), 75, "{program}");
        }
        // No server listening: the MTA must retry.
        assert_eq!(
            mailgate(OURS, &["--url", "http://127.0.0.1:9", "--timeout", "5"], None, "From: x@example.net\n\nx\n"),
            75
        );
        assert_eq!(mailgate(OURS, &["--url", "http://127.0.0.1:9"], None, "  \n"), 0, "no message on stdin");
    }
}
