//! `rt-bench mail`: mail ingestion throughput against a running server,
//! through the mail gateway endpoint (`POST /REST/1.0/NoAuth/mail-gateway`).
//!
//! Builds `--messages` distinct, realistic messages up front (From one of
//! `--requestors` addresses, a unique Message-ID, a subject, a ~2 KB UTF-8
//! text/plain body), then delivers them from `--clients` concurrent
//! clients, either
//!
//! - `--via endpoint`: posting each with rt-client's `post_message` (what
//!   our `rt-mailgate` does, without the process start), or
//! - `--via mailgate`: running a mailgate program once per message, the
//!   message on its standard input, as an MTA does:
//!   `PROGRAM --url URL --queue QUEUE --action correspond --timeout T --debug`. `--mailgate`
//!   names the program: our `rt-mailgate` (the default: the one next to the
//!   `rt-bench` executable) or Debian's `/usr/bin/rt-mailgate`
//!   (rt5-clients).
//!
//! Each answer is counted as ok, not ok (refused for good), tempfail
//! (`temporary failure`, exit 75) or error (no answer, another exit code);
//! the run fails (non-zero exit) unless every message was ok. A mailgate
//! program exits 0 for `not ok` too; it is told apart by what the program
//! prints on standard error (ours: "RT refused the message"; RT's prints
//! the server's answer, hence `--debug`).
//!
//! With `--replies P`, P% of the messages are replies, sent after all the
//! new tickets were accepted, with `[RTNAME #N]` in the subject for a
//! ticket N created by this run. The server does not say which id a new
//! ticket got, so the run assumes its tickets are `--first-ticket` (1, a
//! fresh database) onwards; `--rtname` must be the server's `rtname`
//! (default `example.com`), and the queue must let Everyone reply
//! (`public_mail` grants that on General). Off by default.
//!
//! Against our server, on a fresh SQLite database (release build):
//!
//! ```text
//! cargo build --release -p rt-bench -p rt-server -p rt-mailgate
//! rm -f /tmp/benchmail.sqlite3*
//! RT_MAIL_TRANSPORT=none RT_LOG=warn target/release/rt-server \
//!     --database sqlite:///tmp/benchmail.sqlite3 --listen 127.0.0.1:8089 serve &
//! target/release/rt-bench mail --url http://127.0.0.1:8089/ --messages 10000 --clients 8 --via endpoint
//! target/release/rt-bench mail --url http://127.0.0.1:8089/ --messages 2000 --clients 8 --via mailgate
//! target/release/rt-bench mail --url http://127.0.0.1:8089/ --messages 1000 --clients 8 --via mailgate \
//!     --mailgate /usr/bin/rt-mailgate
//! ```
//!
//! On PostgreSQL: `psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE benchmail'`, then
//! `--database postgres://postgres@127.0.0.1:5432/benchmail` instead (and
//! `DROP DATABASE benchmail` afterwards).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use rt_client::mailgate::{Answer, Connection, Delivery, post_message};

use crate::stats::{Latencies, Rng};

#[derive(clap::Args)]
pub struct Args {
    /// Base URL of the running server, e.g. `http://127.0.0.1:8080/`.
    #[arg(long)]
    url: String,
    /// Messages to deliver.
    #[arg(long, default_value_t = 10_000)]
    messages: usize,
    /// Concurrent clients (threads posting, or mailgate processes at once).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// How messages reach the server.
    #[arg(long, value_enum, default_value_t = Via::Endpoint)]
    via: Via,
    /// The mailgate program for `--via mailgate` [default: the rt-mailgate
    /// next to this executable].
    #[arg(long, value_name = "PATH")]
    mailgate: Option<PathBuf>,
    /// Queue for new tickets.
    #[arg(long, default_value = "General")]
    queue: String,
    /// Percentage of messages that are replies to tickets of this run.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=99))]
    replies: u8,
    /// The server's rtname, for the subject tags of replies.
    #[arg(long, default_value = "example.com")]
    rtname: String,
    /// The id the run's first ticket gets (1 on a fresh database); replies
    /// go to the ids from there on.
    #[arg(long, default_value_t = 1)]
    first_ticket: u64,
    /// Distinct requestor addresses.
    #[arg(long, default_value_t = 1000)]
    requestors: usize,
    /// Size of each message body in bytes (about).
    #[arg(long, default_value_t = 2048)]
    content_size: usize,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Put what RTIR's detection scrips look for in every message: two IP
    /// addresses (one as a CIDR), a domain and a CVE id.
    #[arg(long)]
    indicators: bool,
    /// The server's database: after delivering, wait until its scrips
    /// have handled every event, and report that time too.
    #[arg(long, value_name = "URL")]
    scrips_db: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Via {
    /// Post to the gateway endpoint with rt-client.
    Endpoint,
    /// Run a mailgate program once per message.
    Mailgate,
}

impl Via {
    fn name(self) -> &'static str {
        match self {
            Via::Endpoint => "endpoint",
            Via::Mailgate => "mailgate",
        }
    }
}

/// How one delivery ended.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ok,
    NotOk,
    TempFail,
    Error,
}

/// One delivery: its outcome, how long it took, and what went wrong.
struct Outcome {
    kind: Kind,
    took: Duration,
    detail: Option<String>,
}

/// How messages are delivered; shared by the clients.
enum Sender {
    Endpoint { conn: Connection, delivery: Delivery },
    Mailgate { program: PathBuf, args: Vec<String> },
}

impl Sender {
    fn send(&self, message: &[u8]) -> Outcome {
        let started = Instant::now();
        let (kind, detail) = match self {
            Sender::Endpoint { conn, delivery } => match post_message(conn, delivery, message) {
                Ok(Answer::Ok) => (Kind::Ok, None),
                Ok(Answer::NotOk(reason)) => (Kind::NotOk, Some(format!("not ok - {reason}"))),
                Ok(Answer::Other(answer)) if answer.starts_with("temporary failure") => (Kind::TempFail, Some(answer)),
                Ok(Answer::Other(answer)) => (Kind::Error, Some(format!("unexpected answer {answer:?}"))),
                Err(e) => (Kind::Error, Some(e.to_string())),
            },
            Sender::Mailgate { program, args } => run_mailgate(program, args, message),
        };
        Outcome { kind, took: started.elapsed(), detail }
    }
}

/// Runs the mailgate program with `message` on its standard input.
fn run_mailgate(program: &PathBuf, args: &[String], message: &[u8]) -> (Kind, Option<String>) {
    let child = Command::new(program)
        .args(args)
        .env_remove("EXTENSION")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return (Kind::Error, Some(format!("cannot run {}: {e}", program.display()))),
    };
    if let Some(mut stdin) = child.stdin.take()
        && let Err(e) = stdin.write_all(message)
    {
        let _ = child.kill();
        let _ = child.wait();
        return (Kind::Error, Some(format!("cannot write the message: {e}")));
    }
    let output = match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => return (Kind::Error, Some(format!("waiting for {}: {e}", program.display()))),
    };
    let stderr = String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ");
    match output.status.code() {
        // Exit 0 is also RT's "not ok" (the sender was told): look at what
        // the program says.
        Some(0) if stderr.contains("not ok") || stderr.contains("refused") => (Kind::NotOk, Some(stderr)),
        Some(0) => (Kind::Ok, None),
        Some(75) => (Kind::TempFail, Some(stderr)),
        code => (Kind::Error, Some(format!("exit {code:?}: {stderr}"))),
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let clients = args.clients.max(1);
    let sender = match args.via {
        Via::Endpoint => Sender::Endpoint {
            conn: Connection {
                url: args.url.clone(),
                timeout: Duration::from_secs(args.timeout.max(1)),
                ca_file: None,
                no_verify: false,
            },
            delivery: Delivery { queue: Some(args.queue.clone()), action: "correspond".into(), ticket: None },
        },
        Via::Mailgate => {
            let program = match &args.mailgate {
                Some(p) => p.clone(),
                None => std::env::current_exe().context("finding rt-bench's directory")?.with_file_name("rt-mailgate"),
            };
            if !program.exists() {
                bail!("no mailgate program at {} (build it, or name one with --mailgate)", program.display());
            }
            // RT's rt-mailgate appends `/REST/1.0/...` to the URL as given.
            let args = [
                "--url",
                args.url.trim_end_matches('/'),
                "--queue",
                &args.queue,
                "--action",
                "correspond",
                "--timeout",
            ]
            .iter()
            .map(|a| a.to_string())
            .chain([args.timeout.max(1).to_string(), "--debug".into()])
            .collect();
            Sender::Mailgate { program, args }
        }
    };
    let replies = args.messages * usize::from(args.replies) / 100;
    let new = args.messages - replies;
    let mut rng = Rng::new(0x6d61_696c);
    let run_id = run_id();
    let new_messages: Vec<Vec<u8>> = (0..new).map(|i| message(&args, &mut rng, &run_id, i, None)).collect();

    let sender = Arc::new(sender);
    let started = Instant::now();
    let mut outcomes = deliver(&sender, Arc::new(new_messages), clients);
    if replies > 0 && outcomes.iter().all(|o| o.kind == Kind::Ok) {
        let first = args.first_ticket;
        let reply_messages: Vec<Vec<u8>> = (0..replies)
            .map(|i| {
                let ticket = first + rng.below(new as u64);
                message(&args, &mut rng, &run_id, new + i, Some(ticket))
            })
            .collect();
        outcomes.extend(deliver(&sender, Arc::new(reply_messages), clients));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let with_scrips = match &args.scrips_db {
        Some(url) => Some(wait_for_scrips(url, started)?),
        None => None,
    };

    let count = |kind: Kind| outcomes.iter().filter(|o| o.kind == kind).count();
    let (ok, not_ok, tempfail, error) =
        (count(Kind::Ok), count(Kind::NotOk), count(Kind::TempFail), count(Kind::Error));
    let mut details: Vec<&str> = Vec::new();
    for detail in outcomes.iter().filter_map(|o| o.detail.as_deref()) {
        if details.len() < 3 && !details.contains(&detail) {
            details.push(detail);
        }
    }
    let delivered = outcomes.len();
    let lat = Latencies::new(outcomes.iter().map(|o| o.took).collect());
    let ms = |p: f64| lat.micros(p) / 1000.0;
    let rate = delivered as f64 / elapsed;
    let via = match sender.as_ref() {
        Sender::Mailgate { program, .. } => format!("mailgate:{}", program.display()),
        Sender::Endpoint { .. } => args.via.name().to_string(),
    };
    println!(
        "{:<10} {:>8} {:>8} {:>8} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "via", "messages", "replies", "clients", "seconds", "msgs/s", "p50 ms", "p95 ms", "p99 ms"
    );
    println!(
        "{:<10} {:>8} {:>8} {:>8} {:>10.2} {:>10.0} {:>10.3} {:>10.3} {:>10.3}",
        args.via.name(),
        delivered,
        replies,
        clients,
        elapsed,
        rate,
        ms(50.0),
        ms(95.0),
        ms(99.0)
    );
    println!("answers: ok {ok}, not ok {not_ok}, tempfail {tempfail}, error {error}");
    if let Some(seconds) = with_scrips {
        let rate = delivered as f64 / seconds;
        println!("scrips done after {seconds:.2} s: {rate:.0} messages/s with their scrips");
        println!("{{\"bench\":\"mail-scrips\",\"seconds\":{seconds:.3},\"messages_per_second\":{rate:.1}}}");
    }
    for detail in &details {
        println!("  e.g. {}", detail.chars().take(300).collect::<String>());
    }
    println!(
        "{{\"bench\":\"mail\",\"via\":{via:?},\"messages\":{delivered},\"replies\":{replies},\"clients\":{clients},\"content_bytes\":{},\"seconds\":{elapsed:.3},\"messages_per_second\":{rate:.1},\"p50_ms\":{:.3},\"p95_ms\":{:.3},\"p99_ms\":{:.3},\"ok\":{ok},\"not_ok\":{not_ok},\"tempfail\":{tempfail},\"error\":{error}}}",
        args.content_size,
        ms(50.0),
        ms(95.0),
        ms(99.0)
    );
    if ok != args.messages {
        bail!("{} of {} messages were not recorded (ok {ok})", args.messages - ok, args.messages);
    }
    Ok(())
}

/// Delivers `messages` from `clients` threads, each taking the next one
/// not yet sent; outcomes in no particular order.
fn deliver(sender: &Arc<Sender>, messages: Arc<Vec<Vec<u8>>>, clients: usize) -> Vec<Outcome> {
    let next = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..clients.min(messages.len()).max(1))
        .map(|_| {
            let (sender, messages, next) = (sender.clone(), messages.clone(), next.clone());
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(message) = messages.get(i) else { break };
                    outcomes.push(sender.send(message));
                }
                outcomes
            })
        })
        .collect();
    let mut all = Vec::with_capacity(messages.len());
    for h in handles {
        match h.join() {
            Ok(outcomes) => all.extend(outcomes),
            Err(_) => all.push(Outcome {
                kind: Kind::Error,
                took: Duration::ZERO,
                detail: Some("a client thread panicked".into()),
            }),
        }
    }
    all
}

/// Makes the Message-IDs of this run unique across runs.
fn run_id() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{:x}.{}", nanos, std::process::id())
}

const FIRST_NAMES: &[&str] = &[
    "Anna",
    "Björn",
    "Chloé",
    "Dmitri",
    "Eva",
    "François",
    "Grace",
    "Hiro",
    "Inés",
    "José",
    "Karin",
    "Lars",
    "Mária",
    "Noah",
    "Olga",
    "Pål",
    "Quinn",
    "Renée",
    "Søren",
    "Zoë",
];
const LAST_NAMES: &[&str] = &[
    "Andersson",
    "Brown",
    "Çelik",
    "Dubois",
    "Eriksen",
    "García",
    "Hoffmann",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "López",
    "Müller",
    "Nakamura",
    "O'Brien",
    "Petrović",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Weiß",
    "Yılmaz",
];
const TOPICS: &[&str] = &[
    "printer on the third floor",
    "VPN connection",
    "password reset",
    "laptop battery",
    "shared drive access",
    "email quota",
    "conference room display",
    "invoice portal",
    "new starter account",
    "backup restore",
    "Wi-Fi in building B",
    "license renewal",
];
const SUBJECTS: &[&str] = &["Problem with the", "Question about the", "Urgent:", "Request: help with the", "Broken"];
const WORDS: &[&str] = &[
    "the",
    "server",
    "again",
    "after",
    "update",
    "yesterday",
    "morning",
    "error",
    "message",
    "says",
    "cannot",
    "connect",
    "please",
    "could",
    "you",
    "check",
    "whether",
    "it",
    "is",
    "configured",
    "correctly",
    "we",
    "tried",
    "restarting",
    "but",
    "nothing",
    "changed",
    "users",
    "report",
    "that",
    "screen",
    "stays",
    "blank",
    "since",
    "Monday",
    "déjà",
    "vu",
    "naïve",
    "façade",
    "Größe",
    "über",
    "café",
    "smörgåsbord",
    "niño",
    "€",
    "—",
    "“quoted”",
    "ticket",
    "number",
    "attached",
    "log",
    "shows",
    "timeout",
    "while",
    "loading",
    "profile",
    "thanks",
    "in",
    "advance",
];

/// One message: a new ticket, or a reply to `reply_to`.
fn message(args: &Args, rng: &mut Rng, run_id: &str, i: usize, reply_to: Option<u64>) -> Vec<u8> {
    let requestor = i % args.requestors.max(1);
    let name = format!("{} {}", FIRST_NAMES[requestor % FIRST_NAMES.len()], LAST_NAMES[requestor / 20 % 20]);
    let topic = pick(rng, TOPICS);
    let subject = match reply_to {
        None => format!("{} {topic} ({i})", pick(rng, SUBJECTS)),
        Some(id) => format!("Re: [{} #{id}] {topic} ({i})", args.rtname),
    };
    let date = chrono::Utc::now().to_rfc2822();
    let mut body = format!("Hello,\n\nReference RB-{i}: ");
    let mut line = 0;
    while body.len() < args.content_size {
        let word = pick(rng, WORDS);
        body.push_str(word);
        line += word.len() + 1;
        if rng.below(12) == 0 {
            body.push('.');
        }
        if line > 68 {
            body.push('\n');
            line = 0;
            if rng.below(6) == 0 {
                body.push('\n');
            }
        } else {
            body.push(' ');
        }
    }
    if args.indicators {
        body.push_str(&format!(
            "\n\nSeen from 10.{}.{}.{} and 198.51.100.{}/32, phishing host mal{i}.example.com, exploiting CVE-2024-{}.",
            i % 250,
            i / 250 % 250,
            rng.below(250) + 1,
            i % 250 + 1,
            1000 + i % 9000
        ));
    }
    body.push_str(&format!("\n\nRegards,\n{name}\n"));
    // RFC 2047 for the non-ASCII display name.
    let display = if name.is_ascii() {
        format!("\"{}\"", name.replace('"', ""))
    } else {
        format!("=?UTF-8?B?{}?=", base64(name.as_bytes()))
    };
    let mut text = format!(
        "Return-Path: <requestor{requestor}@example.org>\n\
         From: {display} <requestor{requestor}@example.org>\n\
         To: support@{rtname}\n\
         Subject: {subject}\n\
         Date: {date}\n\
         Message-ID: <rt-bench.{run_id}.{i}@example.org>\n",
        rtname = args.rtname
    );
    text.push_str(
        "MIME-Version: 1.0\n\
         Content-Type: text/plain; charset=UTF-8\n\
         Content-Transfer-Encoding: 8bit\n\n",
    );
    text.push_str(&body);
    text.into_bytes()
}

fn pick(rng: &mut Rng, list: &[&'static str]) -> &'static str {
    list[rng.below(list.len() as u64) as usize]
}

/// Standard base64, for encoded words.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * k) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Waits until the server's database has no pending event left (its
/// scrips caught up), polling every 50 ms; seconds since `started`.
fn wait_for_scrips(url: &str, started: Instant) -> anyhow::Result<f64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = rt_core::db::connect(url).context("connecting to the server's database")?;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let pending: Vec<N> = diesel::sql_query("SELECT count(*) AS n FROM events WHERE done_at IS NULL")
            .load(&mut conn)
            .context("counting pending events")?;
        if pending.first().is_none_or(|p| p.n == 0) {
            return Ok(started.elapsed().as_secs_f64());
        }
        if Instant::now() > deadline {
            bail!("{} events still pending after 10 minutes", pending[0].n);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_the_rfc_examples() {
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"fooba"), "Zm9vYmE=");
        assert_eq!(base64(b"foob"), "Zm9vYg==");
        assert_eq!(base64(b""), "");
    }
}
