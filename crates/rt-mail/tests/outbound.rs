//! Outbound delivery from the outbox: a real SMTP server on loopback
//! (Debian's python3-aiosmtpd), the sendmail pipe and the file transports.

#![allow(clippy::unwrap_used)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rt_core::{Interface, OutboxId, OutboxStatus, OutgoingMail};
use rt_mail::{Mailer, SmtpSettings, TlsMode, Transport, deliver_pending};
use rt_test_support::{TestDb, backends, unique_name};

const PYTHON: &str = "/usr/bin/python3";

/// Whether aiosmtpd can run; under `RT_REQUIRE_ALL=1` its absence fails.
fn have_aiosmtpd() -> bool {
    let ok =
        Command::new(PYTHON).args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("RT_REQUIRE_ALL").is_ok_and(|v| v == "1") {
            panic!("RT_REQUIRE_ALL=1 but python3-aiosmtpd is missing (apt-get install python3-aiosmtpd)");
        }
        eprintln!("NOTE: python3-aiosmtpd is missing; SMTP delivery tests are skipped");
    }
    ok
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An aiosmtpd process writing what it receives into a maildir.
struct SmtpSink {
    child: Child,
}

impl SmtpSink {
    fn start(port: u16, maildir: &Path) -> SmtpSink {
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        SmtpSink::from_child(child, port)
    }

    /// Owns a started sink process and waits until it listens on `port`.
    fn from_child(child: Child, port: u16) -> SmtpSink {
        let sink = SmtpSink { child };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn delivered(maildir: &Path) -> Vec<String> {
    let mut all: Vec<String> = std::fs::read_dir(maildir.join("new"))
        .map(|d| d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect())
        .unwrap_or_default();
    all.sort();
    all
}

fn mail(n: usize) -> OutgoingMail {
    OutgoingMail {
        ticket: None,
        transaction: None,
        message_id: format!("<outbound-{n}@example.com>"),
        envelope_from: "rt@example.com".into(),
        recipients: vec![format!("user{n}@example.org")],
        content: format!(
            "From: rt@example.com\r\nTo: user{n}@example.org\r\nSubject: note {n}\r\n\
             Message-ID: <outbound-{n}@example.com>\r\n\r\nFrom the start, body {n}\r\n"
        )
        .into_bytes(),
    }
}

fn enqueue(db: &TestDb, range: std::ops::Range<usize>) -> Vec<OutboxId> {
    let system = db.rt().system_session(Interface::Api);
    system.write(|tx| range.map(|i| tx.enqueue_mail(mail(i))).collect()).unwrap()
}

fn smtp(port: u16) -> Mailer {
    Mailer::new(Transport::Smtp(SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        username: None,
        password: None,
        timeout: Duration::from_secs(5),
        ca_file: None,
    }))
    .unwrap()
}

fn count_of(all: &[String], needle: &str) -> usize {
    all.iter().filter(|m| m.contains(needle)).count()
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name("rt_outbound"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn smtp_delivers_each_message_once() {
    if !have_aiosmtpd() {
        return;
    }
    for backend in backends() {
        let db = TestDb::new(backend);
        let dir = tempdir();
        let port = free_port();
        let _sink = SmtpSink::start(port, &dir.join("maildir"));
        enqueue(&db, 0..5);
        let mailer = smtp(port);
        let report = deliver_pending(db.rt(), &mailer, "node-a", 3).unwrap();
        assert_eq!((report.claimed, report.sent), (3, 3));
        let report = deliver_pending(db.rt(), &mailer, "node-a", 3).unwrap();
        assert_eq!((report.claimed, report.sent), (2, 2));
        assert_eq!(deliver_pending(db.rt(), &mailer, "node-a", 3).unwrap().claimed, 0);
        let all = delivered(&dir.join("maildir"));
        assert_eq!(all.len(), 5, "{backend:?}");
        for n in 0..5 {
            assert_eq!(count_of(&all, &format!("Message-ID: <outbound-{n}@example.com>")), 1);
            assert_eq!(count_of(&all, &format!("X-RcptTo: user{n}@example.org")), 1, "envelope recipient");
        }
        assert!(all.iter().all(|m| m.contains("X-MailFrom: rt@example.com")));
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn smtp_outage_delays_mail_and_it_arrives_once_after() {
    if !have_aiosmtpd() {
        return;
    }
    for backend in backends() {
        let db = TestDb::new(backend);
        let dir = tempdir();
        let maildir = dir.join("maildir");
        let port = free_port();
        let ids = enqueue(&db, 0..3);
        let mailer = smtp(port);
        // Nobody listens: every message fails and waits for its retry.
        let report = deliver_pending(db.rt(), &mailer, "node-a", 10).unwrap();
        assert_eq!((report.claimed, report.sent, report.retrying), (3, 0, 3));
        let system = db.rt().system_session(Interface::Api);
        for id in &ids {
            let st = system.read(|tx| tx.outbox_state(*id)).unwrap();
            assert_eq!((st.status, st.attempts), (OutboxStatus::Pending, 1));
            assert!(st.last_error.as_deref().unwrap_or_default().contains("smtp"), "{st:?}");
            assert!(st.next_attempt_at > chrono::Utc::now() + chrono::Duration::seconds(50), "backoff");
        }
        // Not due yet: nothing is attempted.
        assert_eq!(deliver_pending(db.rt(), &mailer, "node-a", 10).unwrap().claimed, 0);
        // Still down at the next attempt.
        for id in &ids {
            system.write(|tx| tx.mark_failed(*id, "test: time passes", Some(chrono::Utc::now()))).unwrap();
        }
        assert_eq!(deliver_pending(db.rt(), &mailer, "node-a", 10).unwrap().retrying, 3);
        // The server comes back and the retry time arrives.
        let _sink = SmtpSink::start(port, &maildir);
        for id in &ids {
            system.write(|tx| tx.mark_failed(*id, "test: time passes", Some(chrono::Utc::now()))).unwrap();
        }
        let report = deliver_pending(db.rt(), &mailer, "node-a", 10).unwrap();
        assert_eq!((report.claimed, report.sent), (3, 3));
        for id in &ids {
            let st = system.read(|tx| tx.outbox_state(*id)).unwrap();
            assert_eq!((st.status, st.attempts), (OutboxStatus::Sent, 3));
        }
        assert_eq!(deliver_pending(db.rt(), &mailer, "node-a", 10).unwrap().claimed, 0);
        let all = delivered(&maildir);
        assert_eq!(all.len(), 3);
        for n in 0..3 {
            assert_eq!(count_of(&all, &format!("<outbound-{n}@example.com>")), 1);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn smtp_permanent_refusal_gives_up() {
    let db = TestDb::new(rt_core::db::Backend::Sqlite);
    let system = db.rt().system_session(Interface::Api);
    // An address lettre cannot put on the wire is given up at once.
    let id = system
        .write(|tx| tx.enqueue_mail(OutgoingMail { recipients: vec!["not an address".into()], ..mail(9) }))
        .unwrap();
    let report = deliver_pending(db.rt(), &smtp(free_port()), "node-a", 10).unwrap();
    assert_eq!(report.failed, 1);
    assert_eq!(system.read(|tx| tx.outbox_state(id)).unwrap().status, OutboxStatus::Failed);
}

#[test]
fn file_transports_write_mbox_and_eml() {
    let db = TestDb::new(rt_core::db::Backend::Sqlite);
    let dir = tempdir();
    enqueue(&db, 0..2);
    let mbox = dir.join("out.mbox");
    let report = deliver_pending(db.rt(), &Mailer::new(Transport::Mbox(mbox.clone())).unwrap(), "n", 10).unwrap();
    assert_eq!(report.sent, 2);
    let text = std::fs::read_to_string(&mbox).unwrap();
    assert_eq!(text.matches("\nFrom rt@example.com ").count() + usize::from(text.starts_with("From rt@")), 2);
    assert_eq!(text.matches(">From the start").count(), 2, "mboxrd quoting: {text}");

    let ids = enqueue(&db, 2..3);
    let eml = dir.join("eml");
    let report = deliver_pending(db.rt(), &Mailer::new(Transport::EmlDir(eml.clone())).unwrap(), "n", 10).unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(std::fs::read(eml.join(format!("outbox-{}.eml", ids[0]))).unwrap(), mail(2).content);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn sendmail_pipe_gets_envelope_as_arguments_and_message_on_stdin() {
    let db = TestDb::new(rt_core::db::Backend::Sqlite);
    let dir = tempdir();
    enqueue(&db, 0..1);
    let script = format!("cat > '{0}/msg'; echo \"$@\" > '{0}/args'", dir.display());
    let transport =
        Transport::Sendmail { command: "/bin/sh".into(), args: vec!["-c".into(), script, "sendmail".into()] };
    let report = deliver_pending(db.rt(), &Mailer::new(transport).unwrap(), "n", 10).unwrap();
    assert_eq!(report.sent, 1);
    assert_eq!(std::fs::read(dir.join("msg")).unwrap(), mail(0).content);
    assert_eq!(std::fs::read_to_string(dir.join("args")).unwrap().trim(), "-f rt@example.com user0@example.org");

    // A failing program: retried later.
    enqueue(&db, 1..2);
    let failing = Transport::Sendmail { command: "/bin/false".into(), args: vec![] };
    let report = deliver_pending(db.rt(), &Mailer::new(failing).unwrap(), "n", 10).unwrap();
    assert_eq!(report.retrying, 1);
    std::fs::remove_dir_all(dir).unwrap();
}

/// An aiosmtpd relay that wants TLS (STARTTLS on a plain port, or TLS from
/// the first byte) and AUTH as `rt` / `s3cret`, writing each message into
/// `dir` as a file.
const SECURE_SINK: &str = r#"
import os, ssl, sys, time, threading
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
port, mode, cert, key, outdir = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
class Keep:
    async def handle_DATA(self, server, session, envelope):
        name = os.path.join(outdir, "%d.eml" % time.time_ns())
        with open(name, "wb") as f:
            f.write(envelope.original_content)
        return "250 kept"
def check(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and data.login == b"rt" and data.password == b"s3cret"
    return AuthResult(success=ok)
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
# aiosmtpd only counts STARTTLS as TLS for AUTH; TLS from the first byte is
# TLS all the same.
if mode == "tls":
    tls = dict(ssl_context=ctx, auth_require_tls=False)
else:
    tls = dict(tls_context=ctx, require_starttls=True, auth_require_tls=True)
Controller(Keep(), hostname="127.0.0.1", port=port, server_hostname="localhost", authenticator=check,
           auth_required=True, **tls).start()
threading.Event().wait()
"#;

/// A CA and a certificate for `localhost` it signed, made with openssl.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=RT test CA",
        "-days",
        "2",
    ]);
    run(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]);
    std::fs::write(dir.join("leaf.ext"), "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
    (dir.join("ca.pem"), dir.join("leaf.pem"), dir.join("leaf.key"))
}

#[test]
fn smtp_over_starttls_and_tls_with_auth() {
    if !have_aiosmtpd() {
        return;
    }
    let db = TestDb::new(rt_core::db::Backend::Sqlite);
    let dir = tempdir();
    let (ca, cert, key) = certificates(&dir);
    let system = db.rt().system_session(Interface::Api);
    for (n, (mode, tls)) in [("starttls", TlsMode::StartTls), ("tls", TlsMode::Tls)].into_iter().enumerate() {
        let port = free_port();
        let out = dir.join(mode);
        std::fs::create_dir_all(&out).unwrap();
        let _sink = SmtpSink::from_child(
            Command::new(PYTHON)
                .args(["-c", SECURE_SINK, &port.to_string(), mode])
                .args([&cert, &key, &out])
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
            port,
        );
        let settings = |password: &str, ca_file: Option<PathBuf>| {
            Mailer::new(Transport::Smtp(SmtpSettings {
                host: "localhost".into(),
                port,
                tls,
                username: Some("rt".into()),
                password: Some(password.into()),
                timeout: Duration::from_secs(5),
                ca_file,
            }))
            .unwrap()
        };

        // The right password over a certificate the site's CA signed.
        let good = system.write(|tx| tx.enqueue_mail(mail(100 + n))).unwrap();
        let report = deliver_pending(db.rt(), &settings("s3cret", Some(ca.clone())), "node-a", 10).unwrap();
        assert_eq!(report.sent, 1, "{mode}: {:?}", system.read(|tx| tx.outbox_state(good)).unwrap().last_error);
        let kept: Vec<String> =
            std::fs::read_dir(&out).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
        assert_eq!(kept.len(), 1);
        assert!(kept[0].contains(&format!("Message-ID: <outbound-{}@example.com>", 100 + n)));

        // Without the CA the certificate is refused; a wrong password is
        // refused by the relay; neither error shows the password.
        for (password, ca_file) in [("s3cret", None), ("wrong-pw", Some(ca.clone()))] {
            let id = system.write(|tx| tx.enqueue_mail(mail(200 + n))).unwrap();
            let report = deliver_pending(db.rt(), &settings(password, ca_file), "node-a", 10).unwrap();
            assert_eq!(report.sent, 0, "{mode} {password}");
            let state = system.read(|tx| tx.outbox_state(id)).unwrap();
            let error = state.last_error.unwrap_or_default();
            assert!(!error.is_empty() && !error.contains(password), "{mode}: {error}");
            // Leave the row failed for good so the next round starts clean.
            system.write(|tx| tx.mark_failed(id, "test done", None)).unwrap();
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
