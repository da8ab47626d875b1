//! `rt-bench seed`: a fixed, realistic data set for every later benchmark.
//!
//! The same arguments always give the same data. The distribution:
//!
//! - 20 queues (`Queue 01`..`Queue 20`), 200 staff (privileged, allowed to
//!   own tickets) and 4,800 requestors (unprivileged) across 50 domains;
//!   30 % of tickets have a requestor at `example.org`; 1 % have a staff
//!   member as requestor instead.
//! - Statuses: 60 % resolved, 20 % open, 5 % stalled, 10 % new,
//!   5 % rejected; 70 % of tickets that left `new` have a staff owner.
//! - 1-5 transactions with text content per ticket (the Create message
//!   plus 0-4 replies or comments), in which the benchmark word appears in
//!   1 % of them, plus the status changes that got the ticket there.
//! - Custom field `IP` (IPAddressRange): a /24 range on every 20th ticket,
//!   a single address on the others.
//! - Links (RefersTo or DependsOn, to an earlier ticket of the same
//!   batch) from 10 % of tickets; RT's four role groups on every ticket.
//! - Creation dates spread evenly over three years before the seed's fixed
//!   end date, replies within the following days.
//!
//! With `--rtir`, RTIR is installed first and every ticket goes to one of
//! its four queues instead (Incident Reports 50 %, Incidents 20 %,
//! Investigations 20 %, Countermeasures 10 %), with statuses of their
//! lifecycles and RTIR's own `IP` field; the 20 queues are still made (the
//! search benchmark's group sees five of them), empty.
//!
//! Tickets are written through the library API as RT_System, in batches of
//! one DB transaction each, by `--writers` threads. Each batch draws from
//! its own random sequence, so the data is the same whatever the number of
//! writers; only the order of ids between batches may differ when there
//! are several. The events their transactions raise are discarded at the
//! end: a server that opens the database runs no scrips on seeded history.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Duration, TimeZone, Utc};
use rt_core::{
    AclObject, CfObject, CfType, Config, Grantee, Interface, LinkEnd, LinkType, Message, MimeEntity, NewCustomField,
    NewQueue, NewTicket, NewUser, QueueId, Rt, TicketId, UserId,
};

use crate::stats::Rng;

/// The word 1 % of the seeded messages contain, for full-text benchmarks.
pub const BENCHMARK_WORD: &str = "quokka";

const QUEUES: usize = 20;
const STAFF: usize = 200;
const REQUESTORS: usize = 4_800;
const DOMAINS: usize = 50;

#[derive(clap::Args)]
pub struct Args {
    /// Database URL; a new database is best (the seed adds to what is there).
    #[arg(long)]
    db: String,
    /// Tickets to create.
    #[arg(long, default_value_t = 100_000)]
    tickets: usize,
    /// Tickets per DB transaction.
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Concurrent writers, each taking whole batches (PostgreSQL gains from
    /// several; SQLite has one writer at a time anyway).
    #[arg(long, default_value_t = 1)]
    writers: usize,
    /// Install RTIR and put the tickets in its four queues.
    #[arg(long)]
    rtir: bool,
}

/// A status distribution: each a percentage and the statuses set one
/// after the other from the lifecycle's initial one.
type Statuses = &'static [(u64, &'static [&'static str])];

/// Where a ticket may go: a queue, how often (out of the weights' sum) and
/// its status distribution.
struct SeedQueue {
    id: QueueId,
    name: String,
    weight: u64,
    statuses: Statuses,
}

/// RT's default lifecycle: 60 % resolved, 20 % open, 5 % stalled, 10 %
/// new, 5 % rejected.
const DEFAULT_STATUSES: Statuses =
    &[(60, &["resolved"]), (20, &["open"]), (5, &["open", "stalled"]), (10, &[]), (5, &["rejected"])];

/// RTIR's four queues: weight and statuses.
const RTIR_QUEUES: &[(&str, u64, Statuses)] = &[
    ("Incident Reports", 50, &[(60, &["resolved"]), (20, &["open"]), (10, &[]), (10, &["rejected"])]),
    ("Incidents", 20, &[(70, &["resolved"]), (25, &[]), (5, &["abandoned"])]),
    ("Investigations", 20, &[(75, &["resolved"]), (25, &[])]),
    ("Countermeasures", 10, &[(60, &["removed"]), (25, &["active"]), (10, &[]), (5, &["active", "pending removal"])]),
];

const WORDS: &[&str] = &[
    "printer", "network", "password", "mail", "server", "disk", "backup", "laptop", "vpn", "account", "invoice",
    "license", "update", "error", "slow", "cannot", "login", "screen", "meeting", "phone", "queue", "access",
    "request", "broken", "urgent", "please", "thanks", "again", "since", "morning", "office", "report", "firewall",
];

pub fn run(args: Args) -> anyhow::Result<()> {
    let writers = args.writers.clamp(1, 64);
    let mut config = Config { database_url: args.db.clone(), pool_size: writers as u32 + 1, ..Config::default() };
    if args.rtir {
        rtir::lifecycles::configure(&mut config)?;
    }
    let rt = Rt::open(config).context("opening the database")?;
    if args.rtir {
        rt_scrips::defaults::install(&rt)?;
        rtir::install::install(&rt)?;
    }
    let system = rt.system_session(Interface::Cli);
    let end = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().context("end date")?;
    let start = end - Duration::days(3 * 365);
    let started = Instant::now();

    let (queues, staff, requestors, ip_field) = system.write(|tx| {
        if let rt_core::db::DbConnection::Sqlite(c) = tx.connection() {
            use diesel::connection::SimpleConnection;
            // A big page cache: the seed touches millions of rows.
            c.batch_execute("PRAGMA cache_size = -524288;")?; // 512 MiB
        }
        let mut queues = Vec::new();
        for i in 1..=QUEUES {
            let name = format!("Queue {i:02}");
            let id = tx.create_queue(NewQueue { name: name.clone(), ..NewQueue::default() })?;
            queues.push(SeedQueue { id, name, weight: 1, statuses: DEFAULT_STATUSES });
        }
        if args.rtir {
            queues.clear();
            for &(name, weight, statuses) in RTIR_QUEUES {
                let id = tx.queue_by_name(name)?.queue_id();
                queues.push(SeedQueue { id, name: name.to_string(), weight, statuses });
            }
        }
        tx.grant(Grantee::Group(tx.system().privileged), "OwnTicket", AclObject::System)?;
        let staff: Vec<UserId> = (0..STAFF)
            .map(|i| {
                tx.create_user(NewUser {
                    name: format!("staff{i:03}"),
                    email: Some(format!("staff{i:03}@helpdesk.example.com")),
                    privileged: true,
                    ..NewUser::default()
                })
            })
            .collect::<rt_core::Result<_>>()?;
        let requestors: Vec<String> = (0..REQUESTORS)
            .map(|i| {
                let domain = if i % 10 < 3 {
                    "example.org".to_string()
                } else {
                    format!("customer{:02}.example.net", i % DOMAINS)
                };
                format!("user{i:04}@{domain}")
            })
            .collect();
        // Created here rather than on first use, so concurrent writers never
        // race to create the same user.
        for email in &requestors {
            tx.user_for_email(email)?;
        }
        let ip_field = if args.rtir {
            tx.visible_custom_fields()?
                .into_iter()
                .find(|f| f.name == "IP")
                .ok_or_else(|| rt_core::Error::not_found("custom field", "IP"))?
                .id
        } else {
            let id = tx.create_custom_field(NewCustomField::ticket("IP", CfType::IpAddressRange))?;
            tx.apply_custom_field(id, None)?;
            id
        };
        Ok((queues, staff, requestors, ip_field))
    })?;
    // Requestors at example.org are the first 30 % of every ten: pick one
    // of those for 30 % of tickets, another for the rest.
    let org: Vec<&String> = requestors.iter().filter(|r| r.ends_with("@example.org")).collect();
    let other: Vec<&String> = requestors.iter().filter(|r| !r.ends_with("@example.org")).collect();

    let span = (end - start).num_seconds().max(1);
    let batches = args.tickets.div_ceil(args.batch.max(1));
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let totals = Mutex::new(Counts::default());
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..writers)
            .map(|_| {
                let session = rt.system_session(Interface::Cli);
                let (next, done, totals, queues, staff, org, other) =
                    (&next, &done, &totals, &queues, &staff, &org, &other);
                scope.spawn(move || -> anyhow::Result<()> {
                    loop {
                        let b = next.fetch_add(1, Ordering::Relaxed);
                        if b >= batches {
                            return Ok(());
                        }
                        let range = b * args.batch..((b + 1) * args.batch).min(args.tickets);
                        let n = range.len();
                        // Each batch has its own random sequence, so the data
                        // does not depend on which writer took it.
                        let mut rng = Rng::new(20_261_204 ^ (b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                        let mut counts = Counts::default();
                        session.write(|tx| {
                            big_cache(tx)?;
                            let mut created = Vec::with_capacity(n);
                            for k in range.clone() {
                                let when = start
                                    + Duration::seconds(span * k as i64 / args.tickets as i64 + rng.below(3600) as i64);
                                let plan = Plan { when, k, queues, staff, org, other, ip_field };
                                seed_ticket(tx, &mut rng, &mut counts, &mut created, &plan)?;
                            }
                            Ok(())
                        })?;
                        totals.lock().map_err(|_| anyhow::anyhow!("seed counts"))?.add(counts);
                        let total = done.fetch_add(n, Ordering::Relaxed) + n;
                        if total % 10_000 < n || total == args.tickets {
                            let secs = started.elapsed().as_secs_f64();
                            let rate = total as f64 / secs;
                            let eta = (args.tickets - total) as f64 / rate.max(1.0);
                            eprintln!(
                                "seeded {total}/{} tickets, {rate:.0}/s, {secs:.0}s elapsed, about {eta:.0}s to go",
                                args.tickets
                            );
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().map_err(|_| anyhow::anyhow!("a seed writer panicked"))??;
        }
        Ok(())
    })?;
    // Seeded history happened "elsewhere": no scrip is to act on it when a
    // server opens the database (it would mail a million autoreplies).
    system.write(|tx| tx.discard_pending_events())?;
    let secs = started.elapsed().as_secs_f64();
    totals.into_inner().map_err(|_| anyhow::anyhow!("seed counts"))?.print(args.tickets, secs);
    Ok(())
}

/// A big SQLite page cache on the writer's connection: the seed touches
/// millions of rows.
fn big_cache(tx: &mut rt_core::Tx<'_>) -> rt_core::Result<()> {
    if let rt_core::db::DbConnection::Sqlite(c) = tx.connection() {
        use diesel::connection::SimpleConnection;
        c.batch_execute("PRAGMA cache_size = -262144;")?; // 256 MiB
    }
    Ok(())
}

/// What every ticket of a batch shares.
struct Plan<'a> {
    when: DateTime<Utc>,
    k: usize,
    queues: &'a [SeedQueue],
    staff: &'a [UserId],
    org: &'a [&'a String],
    other: &'a [&'a String],
    ip_field: rt_core::CustomFieldId,
}

#[derive(Default)]
struct Counts {
    status: BTreeMap<String, usize>,
    queue: BTreeMap<String, usize>,
    ip_ranges: usize,
    ip_singles: usize,
    messages: usize,
    with_word: usize,
    links: usize,
    example_org: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        for (k, v) in other.status {
            *self.status.entry(k).or_default() += v;
        }
        for (k, v) in other.queue {
            *self.queue.entry(k).or_default() += v;
        }
        self.ip_ranges += other.ip_ranges;
        self.ip_singles += other.ip_singles;
        self.messages += other.messages;
        self.with_word += other.with_word;
        self.links += other.links;
        self.example_org += other.example_org;
    }

    fn print(&self, tickets: usize, secs: f64) {
        println!("{:<24} {:>10}", "tickets", tickets);
        for (k, v) in &self.status {
            println!("{:<24} {:>10}", format!("status {k}"), v);
        }
        for (k, v) in &self.queue {
            println!("{:<24} {:>10}", k, v);
        }
        println!("{:<24} {:>10}", "CF.{IP} ranges", self.ip_ranges);
        println!("{:<24} {:>10}", "CF.{IP} single addresses", self.ip_singles);
        println!("{:<24} {:>10}", "messages", self.messages);
        println!("{:<24} {:>10}", format!("messages with {BENCHMARK_WORD}"), self.with_word);
        println!("{:<24} {:>10}", "links", self.links);
        println!("{:<24} {:>10}", "requestor @example.org", self.example_org);
        println!("{:<24} {:>10.1}", "seconds", secs);
        let status: Vec<String> = self.status.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        println!(
            "{{\"bench\":\"seed\",\"tickets\":{tickets},\"seconds\":{secs:.1},\"tickets_per_second\":{:.0},\"status\":{{{}}},\"ip_ranges\":{},\"ip_singles\":{},\"messages\":{},\"messages_with_word\":{},\"links\":{},\"example_org\":{}}}",
            tickets as f64 / secs,
            status.join(","),
            self.ip_ranges,
            self.ip_singles,
            self.messages,
            self.with_word,
            self.links,
            self.example_org
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn seed_ticket(
    tx: &mut rt_core::Tx<'_>,
    rng: &mut Rng,
    counts: &mut Counts,
    created: &mut Vec<TicketId>,
    plan: &Plan<'_>,
) -> rt_core::Result<()> {
    let Plan { when, k, queues, staff, org, other, ip_field } = *plan;
    tx.backdate(when)?;
    let queue = pick(queues, rng);
    let at_org = rng.below(100) < 30;
    let requestor = if rng.below(100) == 0 {
        // Staff file tickets too (the search benchmark's user sees those).
        format!("staff{:03}@helpdesk.example.com", rng.below(STAFF as u64))
    } else if at_org {
        org[rng.below(org.len() as u64) as usize].clone()
    } else {
        other[rng.below(other.len() as u64) as usize].clone()
    };
    counts.example_org += usize::from(at_org);
    let path = draw(queue.statuses, rng);
    let owner = (!path.is_empty() && rng.below(10) < 7).then(|| staff[rng.below(staff.len() as u64) as usize]);
    let messages = 1 + rng.below(5) as usize;
    let subject = format!("{} {} {}", word(rng), word(rng), word(rng));
    let id = tx.create_ticket(NewTicket {
        queue: Some(queue.id),
        subject,
        owner,
        requestors: vec![requestor],
        content: Some(MimeEntity::text(&body(rng, counts))),
        ..NewTicket::default()
    })?;
    for m in 1..messages {
        tx.backdate(when + Duration::hours(m as i64 * (1 + rng.below(20) as i64)))?;
        let message = Message::text(&body(rng, counts));
        if rng.below(3) == 0 {
            tx.comment(id, message)?
        } else {
            tx.correspond(id, message)?
        };
    }
    counts.messages += messages;
    if !path.is_empty() {
        tx.backdate(when + Duration::days(1 + rng.below(10) as i64))?;
        for status in path {
            tx.set_status(id, status)?;
        }
    }
    let status = match path.last() {
        Some(status) => status.to_string(),
        None => tx.ticket(id)?.status,
    };
    let ip = if k.is_multiple_of(20) {
        counts.ip_ranges += 1;
        format!("10.{}.{}.0/24", rng.below(256), rng.below(256))
    } else {
        counts.ip_singles += 1;
        format!("192.168.{}.{}", rng.below(256), 1 + rng.below(254))
    };
    tx.add_cf_value(CfObject::Ticket(id), ip_field, ip.as_str())?;
    if !created.is_empty() && rng.below(10) == 0 {
        let other = created[rng.below(created.len() as u64) as usize];
        let kind = if rng.below(2) == 0 { LinkType::RefersTo } else { LinkType::DependsOn };
        // A dependency loop is refused; such a pick just makes no link.
        if tx.add_link(id, kind, LinkEnd::Ticket(other)).is_ok() {
            counts.links += 1;
        }
    }
    created.push(id);
    *counts.status.entry(status).or_default() += 1;
    *counts.queue.entry(queue.name.clone()).or_default() += 1;
    Ok(())
}

/// The statuses a ticket goes through, drawn by their percentages.
fn draw(statuses: Statuses, rng: &mut Rng) -> &'static [&'static str] {
    let mut roll = rng.below(100);
    for &(percent, path) in statuses {
        if roll < percent {
            return path;
        }
        roll -= percent;
    }
    &[]
}

/// A queue drawn by weight.
fn pick<'a>(queues: &'a [SeedQueue], rng: &mut Rng) -> &'a SeedQueue {
    let mut roll = rng.below(queues.iter().map(|q| q.weight).sum());
    for queue in queues {
        if roll < queue.weight {
            return queue;
        }
        roll -= queue.weight;
    }
    &queues[queues.len() - 1]
}

fn word(rng: &mut Rng) -> &'static str {
    WORDS[rng.below(WORDS.len() as u64) as usize]
}

/// 20-60 words; 1 % of messages carry the benchmark word.
fn body(rng: &mut Rng, counts: &mut Counts) -> String {
    let n = 20 + rng.below(41) as usize;
    let mut words: Vec<&str> = (0..n).map(|_| word(rng)).collect();
    if rng.below(100) == 0 {
        let at = rng.below(n as u64) as usize;
        words[at] = BENCHMARK_WORD;
        counts.with_word += 1;
    }
    words.join(" ")
}
