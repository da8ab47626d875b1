//! The email gateway's acceptance under faults, with real processes:
//! `rt-server serve` children, our `rt-mailgate` binary run once per
//! message as an MTA would, and an aiosmtpd SMTP sink (Debian's
//! python3-aiosmtpd).
//!
//! * A server SIGKILLed in the middle of a 1,000-message ingest: after an
//!   MTA-style retry of every message whose mailgate exited 75, each message
//!   is on exactly one ticket (SQLite, and PostgreSQL when available).
//! * Two servers on one PostgreSQL database sharing the ingest and the
//!   outbox, one SIGKILLed while both deliver: every message on exactly one
//!   ticket, every outbox message at the sink, at most one duplicate.
//!
//! The two tests take turns (they would only slow each other down).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, RwLock};
use std::time::{Duration, Instant};

use rt_core::db::Backend;
use rt_core::search::Paging;
use rt_core::{Interface, OutboxId, OutboxStatus, OutgoingMail, TicketQuery};
use rt_test_support::{TestDb, backends, pg_url, unique_name};

/// Messages per ingest, and outbox messages in the scale-out test.
const MESSAGES: usize = 1000;
/// Mailgate processes running at once (an MTA's delivery agents).
const SENDERS: usize = 8;
/// Distinct senders of the incoming mail.
const PEOPLE: usize = 16;
const PYTHON: &str = "/usr/bin/python3";

fn require_all() -> bool {
    std::env::var("RT_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// One test at a time: each wants the machine's cores.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique_name(prefix));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Our `rt-mailgate`, built next to `rt-server` (another package's binary
/// has no `CARGO_BIN_EXE_` here). `None` (a NOTE) when it cannot be built,
/// a failure under `RT_REQUIRE_ALL=1`.
fn mailgate_bin() -> Option<PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = Path::new(env!("CARGO_BIN_EXE_rt-server")).parent().unwrap().to_path_buf();
        let bin = dir.join("rt-mailgate");
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "-q", "-p", "rt-mailgate"]).current_dir(env!("CARGO_MANIFEST_DIR"));
        if dir.file_name().is_some_and(|n| n == "release") {
            cargo.arg("--release");
        }
        let started = Instant::now();
        let built = cargo.status().is_ok_and(|s| s.success());
        eprintln!("cargo build -p rt-mailgate: {} in {:.1?}", if built { "ok" } else { "FAILED" }, started.elapsed());
        match (built, bin.exists()) {
            (true, true) => Some(bin),
            (false, true) => {
                eprintln!("NOTE: using the existing {} (cargo build failed; it may be stale)", bin.display());
                Some(bin)
            }
            (_, false) if require_all() => panic!("RT_REQUIRE_ALL=1 but {} could not be built", bin.display()),
            (_, false) => {
                eprintln!("NOTE: {} could not be built; the mail fault tests are skipped", bin.display());
                None
            }
        }
    })
    .clone()
}

/// Whether aiosmtpd can run; under `RT_REQUIRE_ALL=1` its absence fails.
fn have_aiosmtpd() -> bool {
    let ok =
        Command::new(PYTHON).args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !ok {
        assert!(!require_all(), "RT_REQUIRE_ALL=1 but python3-aiosmtpd is missing (apt-get install python3-aiosmtpd)");
        eprintln!("NOTE: python3-aiosmtpd is missing; the scale-out test is skipped");
    }
    ok
}

/// aiosmtpd's maildir handler, answering each message [`ACK_DELAY_MS`]
/// after it stored it: a relay that has the message while the sender
/// still waits for the answer, the window in which a killed sender makes a
/// duplicate. It also keeps the workers busy long enough to be caught
/// mid-delivery.
const SLOW_ACK_HANDLER: &str = "\
import asyncio
from aiosmtpd.handlers import Mailbox

class SlowAckMailbox(Mailbox):
    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(ACK_DELAY_MS / 1000)
        return answer
";

/// See [`SLOW_ACK_HANDLER`].
const ACK_DELAY_MS: u32 = 10;

/// An aiosmtpd process writing what it receives into a maildir.
struct SmtpSink {
    child: Child,
    maildir: PathBuf,
}

impl SmtpSink {
    /// Listens on `port`, stores into `dir/maildir`.
    fn start(port: u16, dir: &Path) -> SmtpSink {
        let handler = SLOW_ACK_HANDLER.replace("ACK_DELAY_MS", &ACK_DELAY_MS.to_string());
        std::fs::write(dir.join("slow_ack_sink.py"), handler).unwrap();
        let maildir = dir.join("maildir");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "slow_ack_sink.SlowAckMailbox"])
            .arg(&maildir)
            .env("PYTHONPATH", dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink { child, maildir }
    }

    /// How many messages arrived so far.
    fn count(&self) -> usize {
        std::fs::read_dir(self.maildir.join("new")).map(|d| d.count()).unwrap_or(0)
    }

    /// How many times each Message-ID arrived.
    fn message_ids(&self) -> BTreeMap<String, usize> {
        let mut seen = BTreeMap::new();
        for entry in std::fs::read_dir(self.maildir.join("new")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let id = text
                .lines()
                .take_while(|l| !l.is_empty())
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("Message-ID").then(|| value.trim().to_string())
                })
                .unwrap_or_else(|| "(no Message-ID)".into());
            *seen.entry(id).or_insert(0) += 1;
        }
        seen
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `rt-server serve`.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    /// Starts a server on `database`, listening on `listen`, configured by
    /// `env` (RT_* variables), logging to `log`; waits until it serves.
    /// An error when it exits first (say, its port is still taken).
    fn start(database: &str, listen: &str, env: &[(&str, &str)], log: &Path) -> Result<Server, String> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rt-server"));
        // Only what this test sets configures the server.
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("RT_")) {
            cmd.env_remove(key);
        }
        let log_file = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let mut child = cmd
            .args(["--database", database, "--listen", listen, "serve"])
            .env("RT_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap();
        // Its stdout is read to the end by a thread of its own, so that
        // the server never writes into a closed pipe.
        let (lines_tx, lines) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let mut printed = Vec::new();
        loop {
            match lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("open http://") {
                        let addr = url.trim_end_matches('/').parse().unwrap();
                        return Ok(Server { child, addr });
                    }
                    printed.push(line);
                }
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let logged = std::fs::read_to_string(log).unwrap_or_default();
                    let tail: Vec<&str> = logged.lines().rev().take(5).collect();
                    return Err(format!("rt-server did not start ({e}); it printed {printed:?}; log ends {tail:?}"));
                }
            }
        }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown of any kind.
    fn kill9(&mut self) {
        let status = Command::new("kill").args(["-9", &self.pid().to_string()]).status().unwrap();
        assert!(status.success());
        self.child.wait().unwrap();
    }

    /// SIGTERM, and wait for the exit.
    fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("rt-server did not stop after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Exit code recorded before a message is delivered at all.
const NOT_SENT: i32 = -2;
/// Recorded when rt-mailgate exits 0 because RT refused the message for
/// good ("not ok"): no ticket, yet nothing for the MTA to retry.
const REFUSED: i32 = -3;

/// One ingest of [`MESSAGES`] messages through rt-mailgate processes.
struct Ingest {
    bin: PathBuf,
    /// Message n goes to `urls[n % urls.len()]`.
    urls: RwLock<Vec<String>>,
    /// The last exit code of each message's mailgate.
    codes: Mutex<Vec<i32>>,
    /// Mailgate runs finished.
    answered: AtomicUsize,
    /// Why mailgates exited 75 (their message, digits dropped), how often.
    tempfail_reasons: Mutex<BTreeMap<String, usize>>,
}

impl Ingest {
    fn new(bin: PathBuf, urls: Vec<String>) -> Ingest {
        Ingest {
            bin,
            urls: RwLock::new(urls),
            codes: Mutex::new(vec![NOT_SENT; MESSAGES]),
            answered: AtomicUsize::new(0),
            tempfail_reasons: Mutex::new(BTreeMap::new()),
        }
    }

    fn subject(n: usize) -> String {
        format!("fault test {n:04}")
    }

    fn message(n: usize) -> String {
        let p = n % PEOPLE;
        format!(
            "From: Person {p} <person{p}@example.net>\nTo: rt@example.com\nSubject: {}\n\
             Message-ID: <fault-{n:04}@example.net>\nDate: Thu, 04 Dec 2025 12:00:00 +0000\n\n\
             Message {n} of the fault test.\n",
            Ingest::subject(n)
        )
    }

    fn answered(&self) -> usize {
        self.answered.load(Ordering::SeqCst)
    }

    /// Delivers messages `todo`, [`SENDERS`] at a time.
    fn run(&self, todo: &[usize]) {
        let next = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..SENDERS {
                s.spawn(|| {
                    while let Some(&n) = todo.get(next.fetch_add(1, Ordering::SeqCst)) {
                        let code = self.deliver(n);
                        self.codes.lock().unwrap()[n] = code;
                        self.answered.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
    }

    /// Runs rt-mailgate once for message `n`; its exit code.
    fn deliver(&self, n: usize) -> i32 {
        let url = {
            let urls = self.urls.read().unwrap();
            urls[n % urls.len()].clone()
        };
        let mut child = Command::new(&self.bin)
            .args(["--url", &url, "--queue", "General", "--action", "correspond", "--timeout", "10"])
            .env_remove("EXTENSION")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A mailgate that gave up early closes its stdin: not our concern.
        let _ = child.stdin.take().unwrap().write_all(Ingest::message(n).as_bytes());
        let mut stderr = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
        let code = child.wait().unwrap().code().unwrap_or(-1);
        if code == 0 && stderr.contains("refused") {
            eprintln!("message {n} refused: {}", stderr.trim());
            return REFUSED;
        }
        if code == 75 {
            let reason: String = stderr.lines().next().unwrap_or("").chars().filter(|c| !c.is_ascii_digit()).collect();
            *self.tempfail_reasons.lock().unwrap().entry(reason.chars().take(120).collect()).or_insert(0) += 1;
        }
        code
    }

    fn with_code(&self, code: i32) -> Vec<usize> {
        let codes = self.codes.lock().unwrap();
        (0..MESSAGES).filter(|&n| codes[n] == code).collect()
    }

    /// The MTA's retries: delivers every message that got 75 again, until
    /// none does; the number of rounds.
    fn retry_tempfailed(&self) -> usize {
        let mut rounds = 0;
        loop {
            let todo = self.with_code(75);
            if todo.is_empty() {
                return rounds;
            }
            rounds += 1;
            assert!(rounds <= 10, "{} message(s) still get 75 after 10 retries: {:?}", todo.len(), &todo[..5]);
            if rounds > 1 {
                std::thread::sleep(Duration::from_millis(500));
            }
            self.run(&todo);
        }
    }

    /// Every mailgate ended with 0 and RT took the message.
    fn assert_all_taken(&self) {
        let codes = self.codes.lock().unwrap();
        let bad: Vec<(usize, i32)> = (0..MESSAGES).map(|n| (n, codes[n])).filter(|&(_, c)| c != 0).collect();
        assert!(bad.is_empty(), "{} message(s) not taken (message, last exit code): {:?}", bad.len(), &bad);
    }
}

/// How many of `messages` are on a ticket already (judged by subject).
fn already_recorded(db: &TestDb, messages: &[usize]) -> usize {
    let query = TicketQuery {
        paging: Paging { rows_per_page: None, page: 1 },
        count_limit: None,
        count_budget: None,
        ..TicketQuery::new("Queue = 'General'")
    };
    let subjects: std::collections::HashSet<String> = db
        .root()
        .read(|tx| tx.search_tickets(&query)?.ids.into_iter().map(|id| Ok(tx.ticket(id)?.subject)).collect())
        .unwrap();
    messages.iter().filter(|&&n| subjects.contains(&Ingest::subject(n))).count()
}

/// Every message is on exactly one ticket, recorded once (one Create,
/// no Correspond), and there are no other tickets. Returns the ticket count.
fn assert_one_ticket_per_message(db: &TestDb, what: &str) -> usize {
    let root = db.root();
    let query = TicketQuery {
        paging: Paging { rows_per_page: None, page: 1 },
        count_limit: None,
        count_budget: None,
        ..TicketQuery::new("Queue = 'General'")
    };
    let tickets = root
        .read(|tx| {
            let ids = tx.search_tickets(&query)?.ids;
            let mut all = Vec::new();
            for id in ids {
                let subject = tx.ticket(id)?.subject;
                let kinds: Vec<String> = tx.history(id)?.into_iter().map(|t| t.kind).collect();
                all.push((id, subject, kinds));
            }
            Ok(all)
        })
        .unwrap();
    let mut by_subject: BTreeMap<&str, Vec<rt_core::TicketId>> = BTreeMap::new();
    for (id, subject, kinds) in &tickets {
        by_subject.entry(subject.as_str()).or_default().push(*id);
        let recorded = kinds.iter().filter(|k| *k == "Create" || *k == "Correspond").count();
        assert_eq!(recorded, 1, "{what}: ticket {id} ({subject:?}) recorded its message {recorded} times: {kinds:?}");
    }
    let lost: Vec<String> =
        (0..MESSAGES).map(Ingest::subject).filter(|s| !by_subject.contains_key(s.as_str())).collect();
    let doubled: Vec<(&&str, &Vec<rt_core::TicketId>)> = by_subject.iter().filter(|(_, ids)| ids.len() > 1).collect();
    assert!(lost.is_empty(), "{what}: {} message(s) on no ticket: {:?}", lost.len(), &lost);
    assert!(doubled.is_empty(), "{what}: {} message(s) on several tickets: {doubled:?}", doubled.len());
    assert_eq!(tickets.len(), MESSAGES, "{what}: tickets other than the messages' exist");
    tickets.len()
}

/// The server killed with SIGKILL in the middle of a 1,000-message ingest;
/// after the MTA retries every message that got 75, each message is on
/// exactly one ticket.
#[test]
fn sigkill_during_ingest_loses_and_doubles_nothing() {
    let _serial = serial();
    let Some(bin) = mailgate_bin() else { return };
    for backend in backends() {
        sigkill_during_ingest(backend, &bin);
    }
}

fn sigkill_during_ingest(backend: Backend, bin: &Path) {
    let started = Instant::now();
    let db = TestDb::new(backend);
    let dir = temp_dir("rt_mail_faults");
    let log = dir.join("server.log");
    let mut server = Server::start(&db.url, "127.0.0.1:0", &[], &log).unwrap();
    let ingest = Ingest::new(bin.to_path_buf(), vec![server.url()]);
    let all: Vec<usize> = (0..MESSAGES).collect();
    let (mut at_kill, mut tempfails_before_kill, mut down) = (0, 0, Duration::ZERO);
    let mut same_port = true;
    std::thread::scope(|s| {
        let feeder = s.spawn(|| ingest.run(&all));
        while ingest.answered() < 300 {
            assert!(!feeder.is_finished(), "the ingest ended early");
            std::thread::sleep(Duration::from_millis(2));
        }
        tempfails_before_kill = ingest.with_code(75).len();
        server.kill9();
        let killed = Instant::now();
        at_kill = ingest.answered();
        // Mail keeps coming while the server is down: it gets 75.
        while ingest.answered() < at_kill + 40 && killed.elapsed() < Duration::from_secs(3) && !feeder.is_finished() {
            std::thread::sleep(Duration::from_millis(2));
        }
        // The same address if the system lets us have it again at once.
        let listen = server.addr.to_string();
        server = match Server::start(&db.url, &listen, &[], &log) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("NOTE: restarting on {listen} failed ({e}); using a new port");
                same_port = false;
                Server::start(&db.url, "127.0.0.1:0", &[], &log).unwrap()
            }
        };
        down = killed.elapsed();
        *ingest.urls.write().unwrap() = vec![server.url()];
        feeder.join().unwrap();
    });
    let ingest_done = started.elapsed();
    let tempfailed = ingest.with_code(75);
    let first_pass_75 = tempfailed.len();
    // Those whose answer was lost with the server: the retry must find them.
    let answer_lost = already_recorded(&db, &tempfailed);
    let retry_started = Instant::now();
    let rounds = ingest.retry_tempfailed();
    let retry_time = retry_started.elapsed();
    ingest.assert_all_taken();
    let tickets = assert_one_ticket_per_message(&db, &format!("{backend:?}"));
    server.stop();
    eprintln!(
        "fault {backend:?}: SIGKILL after {at_kill} answers ({tempfails_before_kill} of them 75 while up), down {down:.1?} \
         (restarted on {}); {first_pass_75} got 75 in the first pass ({answer_lost} of them recorded all the same), \
         retried in {rounds} round(s) ({retry_time:.1?}); \
         {tickets} tickets, one per message; ingest {ingest_done:.1?}, total {:.1?}; 75 reasons: {:?}",
        if same_port { "the same port" } else { "a new port" },
        started.elapsed(),
        ingest.tempfail_reasons.lock().unwrap()
    );
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
}

fn outbox_mail(n: usize) -> OutgoingMail {
    let message_id = format!("<outbox-{n:04}@example.com>");
    OutgoingMail {
        ticket: None,
        transaction: None,
        message_id: message_id.clone(),
        envelope_from: "rt@example.com".into(),
        recipients: vec![format!("user{n}@example.org")],
        content: format!(
            "From: rt@example.com\r\nTo: user{n}@example.org\r\nSubject: outbox {n:04}\r\n\
             Message-ID: {message_id}\r\n\r\nNotification {n}.\r\n"
        )
        .into_bytes(),
    }
}

/// Outbox messages enqueued per DB transaction.
const OUTBOX_BATCH: usize = 25;

/// Two servers on one PostgreSQL database share the ingest and deliver the
/// outbox into one SMTP sink; one is SIGKILLed while both deliver. Every
/// message ends on exactly one ticket; every outbox message arrives, and
/// at most one twice.
///
/// The duplicate bound: the worker marks each message sent right after
/// the transport accepted it (`rt_mail::deliver_pending`), so a killed
/// worker leaves at most one message sent but not marked, which the
/// survivor sends again when the lease runs out; the other messages it had
/// claimed were never sent. One crash, at most one duplicate. The sink
/// stores each message before it answers (see [`SLOW_ACK_HANDLER`]) and
/// b is killed while it holds a lease, so that duplicate is usually real.
///
/// A claim lasts `max(4 × smtp_timeout_secs, 10 s)` and the worker renews
/// the rest of its batch after each message (`rt_mail::deliver_pending`),
/// so the killed node's whole batch is free again 20 s after the kill
/// with the 5 s SMTP timeout used here; this test waits that out.
#[test]
fn two_servers_share_mail_and_survive_a_sigkill() {
    let _serial = serial();
    if pg_url().is_none() {
        assert!(!require_all(), "RT_REQUIRE_ALL=1 but RT_TEST_PG_URL is not set: the scale-out test cannot run");
        eprintln!("NOTE: RT_TEST_PG_URL is not set; the two-server scale-out test is skipped");
        return;
    }
    let Some(bin) = mailgate_bin() else { return };
    if !have_aiosmtpd() {
        return;
    }
    let started = Instant::now();
    let db = TestDb::new(Backend::Postgres);
    // RT's default scrips would autoreply to each of the 1,000 senders;
    // this test is about the outbox rows it enqueues itself, so they are
    // installed (the servers then leave them be) and disabled.
    rt_scrips::defaults::install(db.rt()).unwrap();
    let system = db.rt().system_session(Interface::Api);
    for scrip in system.read(|tx| tx.all_scrips()).unwrap() {
        system.write(|tx| tx.set_scrip_disabled(scrip.id, true)).unwrap();
    }
    let dir = temp_dir("rt_mail_scale");
    let smtp_port = free_port().to_string();
    let sink = SmtpSink::start(smtp_port.parse().unwrap(), &dir);
    let env = [
        ("RT_MAIL_TRANSPORT", "smtp"),
        ("RT_SMTP_HOST", "127.0.0.1"),
        ("RT_SMTP_PORT", smtp_port.as_str()),
        ("RT_SMTP_TLS", "none"),
        ("RT_SMTP_TIMEOUT_SECS", "5"),
        ("RT_MAIL_BATCH_SIZE", "20"),
        ("RT_MAIL_POLL_SECS", "1"),
    ];
    let mut a = Server::start(&db.url, "127.0.0.1:0", &env, &dir.join("a.log")).unwrap();
    let mut b = Server::start(&db.url, "127.0.0.1:0", &env, &dir.join("b.log")).unwrap();
    let (a_node, b_node) = (format!(":{}", a.pid()), format!(":{}", b.pid()));
    let ingest = Ingest::new(bin, vec![a.url(), b.url()]);
    let enqueued: Mutex<Vec<OutboxId>> = Mutex::new(Vec::new());
    let all: Vec<usize> = (0..MESSAGES).collect();
    let holds = |node: &str, st: &rt_core::OutboxState| {
        st.status == OutboxStatus::Pending
            && st.claimed_until.is_some()
            && st.claimed_by.as_deref().is_some_and(|c| c.ends_with(node))
    };
    let (mut at_kill, mut outbox_at_kill, mut held_at_kill, mut stranded) = (0, 0, 0, 0);
    let mut killed = Instant::now();
    std::thread::scope(|s| {
        let feeder = s.spawn(|| ingest.run(&all));
        // The outbox fills in step with the ingest, so both go on together.
        let producer = s.spawn(|| {
            for k in 0..MESSAGES / OUTBOX_BATCH {
                let wait = Instant::now();
                while ingest.answered() < k * 15 && wait.elapsed() < Duration::from_secs(30) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                let range = k * OUTBOX_BATCH..(k + 1) * OUTBOX_BATCH;
                let ids = system.write(|tx| range.map(|n| tx.enqueue_mail(outbox_mail(n))).collect()).unwrap();
                enqueued.lock().unwrap().extend::<Vec<OutboxId>>(ids);
            }
        });
        // Kill b mid-way through the ingest, once it has delivered some of
        // the outbox and at a moment it holds a lease on outbox messages
        // (claimed, not yet marked sent).
        let deadline = Instant::now() + Duration::from_secs(60);
        // Messages before `sent_up_to` are known to be sent; workers claim
        // the oldest due ones, so a held lease is just after it.
        let (mut sent_up_to, mut b_sent) = (0, 0);
        loop {
            assert!(
                !feeder.is_finished() && Instant::now() < deadline,
                "server b was not seen delivering while the ingest ran: it sent {b_sent} of the first {sent_up_to} \
                 outbox messages"
            );
            if ingest.answered() >= MESSAGES * 3 / 10 {
                let ids = enqueued.lock().unwrap().clone();
                let (up_to, by_b, held) = system
                    .read(|tx| {
                        let (mut up_to, mut by_b) = (sent_up_to, 0);
                        while let Some(id) = ids.get(up_to) {
                            let st = tx.outbox_state(*id)?;
                            if st.status != OutboxStatus::Sent {
                                break;
                            }
                            by_b += usize::from(st.claimed_by.as_deref().is_some_and(|c| c.ends_with(&b_node)));
                            up_to += 1;
                        }
                        let mut held = 0;
                        for id in ids.iter().skip(up_to).take(2 * OUTBOX_BATCH) {
                            held += usize::from(holds(&b_node, &tx.outbox_state(*id)?));
                        }
                        Ok((up_to, by_b, held))
                    })
                    .unwrap();
                sent_up_to = up_to;
                b_sent += by_b;
                if held > 0 && b_sent >= 10 {
                    held_at_kill = held;
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        b.kill9();
        killed = Instant::now();
        at_kill = ingest.answered();
        let ids = enqueued.lock().unwrap().clone();
        outbox_at_kill = ids.len();
        stranded = system
            .read(|tx| {
                let mut n = 0;
                for id in &ids {
                    n += usize::from(holds(&b_node, &tx.outbox_state(*id)?));
                }
                Ok(n)
            })
            .unwrap();
        producer.join().unwrap();
        feeder.join().unwrap();
    });
    let ingest_done = started.elapsed();
    // (a) The MTA retries what got 75, now at the surviving server.
    *ingest.urls.write().unwrap() = vec![a.url()];
    let tempfailed = ingest.with_code(75);
    let first_pass_75 = tempfailed.len();
    let answer_lost = already_recorded(&db, &tempfailed);
    let rounds = ingest.retry_tempfailed();
    ingest.assert_all_taken();
    let tickets = assert_one_ticket_per_message(&db, "two servers");

    // (b) Every outbox message is sent: the killed node's leases run out
    // and the survivor takes its messages over. The survivor must keep
    // sending: the test fails once a whole minute (three leases) passes
    // without a message sent, however loaded the machine is.
    let ids = enqueued.into_inner().unwrap();
    assert_eq!(ids.len(), MESSAGES);
    let (mut last_pending, mut deadline) = (usize::MAX, killed + Duration::from_secs(60));
    let states = loop {
        let states =
            system.read(|tx| ids.iter().map(|id| tx.outbox_state(*id)).collect::<Result<Vec<_>, _>>()).unwrap();
        let failed: Vec<_> = states.iter().filter(|s| s.status == OutboxStatus::Failed).collect();
        assert!(failed.is_empty(), "outbox messages given up: {failed:?}");
        let pending = states.iter().filter(|s| s.status != OutboxStatus::Sent).count();
        if pending == 0 {
            break states;
        }
        if pending < last_pending {
            (last_pending, deadline) = (pending, Instant::now() + Duration::from_secs(60));
        }
        assert!(
            Instant::now() < deadline,
            "{pending} outbox message(s) still unsent, none sent in the last minute, {:.0?} after the kill: {:?}",
            killed.elapsed(),
            states.iter().find(|s| s.status != OutboxStatus::Sent)
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let all_sent_after_kill = killed.elapsed();
    let sent_by =
        |node: &str| states.iter().filter(|s| s.claimed_by.as_deref().is_some_and(|c| c.ends_with(node))).count();
    let (by_a, by_b) = (sent_by(&a_node), sent_by(&b_node));
    // Retries after a failure would be duplicates this test does not bound.
    let retried: Vec<_> = states.iter().filter(|s| s.attempts > 1).collect();
    a.stop();

    let arrived = sink.message_ids();
    let missing: Vec<String> =
        (0..MESSAGES).map(|n| outbox_mail(n).message_id).filter(|id| !arrived.contains_key(id)).collect();
    let duplicates: Vec<(&String, &usize)> = arrived.iter().filter(|(_, n)| **n > 1).collect();
    let extra: usize = arrived.values().map(|n| n - 1).sum();
    let others: Vec<&String> = arrived.keys().filter(|id| !id.starts_with("<outbox-")).collect();
    eprintln!(
        "scale-out: {MESSAGES} mailgate messages over two servers, {MESSAGES} outbox messages; b SIGKILLed after \
         {at_kill} answers with {outbox_at_kill} enqueued, holding {held_at_kill} lease(s) when looked at, \
         {stranded} stranded just after the kill; {first_pass_75} got 75 ({answer_lost} of them recorded all the same), \
         retried in {rounds} round(s); \
         {tickets} tickets, one per message; outbox sent by a {by_a}, by b {by_b}, {} attempted more than once; \
         all sent {all_sent_after_kill:.1?} after the kill; sink: {} messages, {} distinct, duplicates {duplicates:?}, \
         others {others:?}; ingest {ingest_done:.1?}, total {:.1?}; 75 reasons: {:?}",
        retried.len(),
        sink.count(),
        arrived.len(),
        started.elapsed(),
        ingest.tempfail_reasons.lock().unwrap()
    );
    assert!(missing.is_empty(), "{} outbox message(s) never arrived: {:?}", missing.len(), &missing);
    assert!(by_a > 0 && by_b > 0, "both servers deliver the outbox: a sent {by_a}, b sent {by_b}");
    assert!(extra <= 1, "one crash, at most one duplicate; duplicates: {duplicates:?}");
    assert!(others.is_empty(), "mail other than the outbox's arrived: {others:?}");
    drop(b);
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
}
