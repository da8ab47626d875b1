//! `rt-bench home` and `rt-bench display`: the web UI of a running server,
//! measured at the client over real HTTP (one keep-alive connection per
//! client thread), as a staff member who logged in through
//! `/NoAuth/Login.html`.
//!
//! Both first prepare the server's database through the library (`--db`,
//! the same database the server runs on): the user (a seeded staff
//! member by default) gets `--password` and, through a group, sees 5 of
//! the 20 seeded queues, as `rt-bench search` sets up. `display` also
//! makes (once) a ticket in `Queue 01` with 100 transactions, its create
//! and 99 replies and comments of about 1 KB each, and reads its display
//! page; `home` reads `/`. A request counts when it answers 200 with the
//! page's own text (the ticket's subject, or the home page's portlets).
//!
//! On the million-ticket seed:
//!
//! ```text
//! RT_MAIL_TRANSPORT=none RT_LOG=warn target/release/rt-server \
//!     --database sqlite:///work/bench/sq1m.db --listen 127.0.0.1:8089 serve &
//! target/release/rt-bench home --db sqlite:///work/bench/sq1m.db --url http://127.0.0.1:8089/ --clients 4
//! target/release/rt-bench display --db sqlite:///work/bench/sq1m.db --url http://127.0.0.1:8089/ --clients 4
//! ```

use anyhow::Context;
use rt_core::{Config, Interface, Message, MimeEntity, NewTicket, Rt, TicketId, TicketQuery};

use crate::rest::{LoggedIn, base, drive, log_in, report};
use crate::stats::Rng;

#[derive(clap::Args)]
pub struct Args {
    /// Database URL of the running server's (seeded) database, to prepare
    /// the user and the ticket.
    #[arg(long)]
    db: String,
    /// Base URL of the running server, e.g. `http://127.0.0.1:8089/`.
    #[arg(long)]
    url: String,
    /// The user to log in as: a seeded staff member.
    #[arg(long, default_value = "staff007")]
    user: String,
    /// The password given to them.
    #[arg(long, default_value = "bench-password")]
    password: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Page reads to make.
    #[arg(long, default_value_t = 4_000)]
    requests: usize,
}

/// The subject of the ticket `display` reads.
const SUBJECT: &str = "rt-bench display: a ticket with 100 transactions";

pub fn home(args: Args) -> anyhow::Result<()> {
    prepare(&args)?;
    pages(&args, "home", "/".to_string(), "10 highest priority tickets I own")
}

pub fn display(args: Args) -> anyhow::Result<()> {
    let rt = prepare(&args)?;
    let id = hundred_transactions(&rt)?;
    drop(rt);
    pages(&args, "display", format!("/Ticket/Display.html?id={}", id.0), SUBJECT)
}

/// Reads `path` `--requests` times from `--clients` logged-in clients.
fn pages(args: &Args, bench: &str, path: String, expect: &'static str) -> anyhow::Result<()> {
    let site = base(&args.url);
    let url = format!("{site}{path}");
    let (user, password) = (args.user.clone(), args.password.clone());
    let (outcomes, seconds) = drive(
        args.clients,
        args.requests,
        move || log_in(&format!("{site}/NoAuth/Login.html"), &[("user", &user), ("pass", &password), ("next", "/")]),
        move |b: &mut LoggedIn, _| {
            let mut response = b.agent.get(&url).header("Cookie", &b.cookie).call().map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
            if status == 200 && body.contains(expect) {
                Ok(())
            } else {
                Err(format!("{status}: {}", body.chars().take(200).collect::<String>()))
            }
        },
    )?;
    report(bench, "pages", args.clients, &outcomes, seconds)
}

/// Gives the user their password and the search benchmark's rights
/// (plus seeing those queues and their comments); idempotent.
fn prepare(args: &Args) -> anyhow::Result<Rt> {
    let rt = Rt::open(Config { database_url: args.db.clone(), pool_size: 2, ..Config::default() })
        .context("opening the database")?;
    crate::search::setup(&rt, &args.user, &["ShowTicket", "SeeQueue", "ShowTicketComments"])?;
    rt.system_session(Interface::Cli).write(|tx| {
        let user = tx.user_by_name(&args.user)?.user_id();
        tx.set_password(user, Some(&args.password))
    })?;
    Ok(rt)
}

/// The ticket with 100 transactions, made on first use.
fn hundred_transactions(rt: &Rt) -> anyhow::Result<TicketId> {
    let system = rt.system_session(Interface::Cli);
    let query = TicketQuery::new(&format!("Subject = '{SUBJECT}'"));
    if let Some(&id) = system.read(|tx| tx.search_tickets(&query))?.ids.first() {
        return Ok(id);
    }
    let mut rng = Rng::new(0x6469_7370);
    system
        .write(|tx| {
            let queue = tx.queue_by_name("Queue 01")?.queue_id();
            let id = tx.create_ticket(NewTicket {
                queue: Some(queue),
                subject: SUBJECT.into(),
                requestors: vec!["user0001@example.org".into()],
                content: Some(MimeEntity::text(&prose(&mut rng))),
                ..NewTicket::default()
            })?;
            for i in 1..100 {
                let message = Message::text(&prose(&mut rng));
                if i % 3 == 0 {
                    tx.comment(id, message)?;
                } else {
                    tx.correspond(id, message)?;
                }
            }
            Ok(id)
        })
        .map_err(Into::into)
}

/// About a kilobyte of text in lines.
fn prose(rng: &mut Rng) -> String {
    const WORDS: &[&str] =
        &["the", "printer", "on", "floor", "three", "still", "fails", "after", "we", "restarted", "spooler", "again"];
    let mut out = String::with_capacity(1100);
    while out.len() < 1000 {
        out.push_str(WORDS[rng.below(WORDS.len() as u64) as usize]);
        out.push(if rng.below(12) == 0 { '\n' } else { ' ' });
    }
    out
}
