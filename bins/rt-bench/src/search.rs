//! `rt-bench search`: TicketSQL latency on a seeded database.
//!
//! Runs the benchmark queries as a non-superuser who sees 5 of the
//! 20 seeded queues through a group, plus the tickets where they are
//! Requestor, and prints p50, p95 and the match count of each: the first
//! page of 50 rows (sorted by id) plus the count, as the web UI asks.
//! Relative dates are read against the seed's fixed end date.
//!
//! With `--rtir` (on a `seed --rtir` database) it runs RTIR's IP lookup
//! instead, as a member of DutyTeam: tickets of the four RTIR queues
//! whose `IP` holds an address, overlaps a range, or holds one of the
//! seeded ranges.

use std::time::Instant;

use anyhow::Context;
use chrono::{TimeZone, Utc};
use rt_core::search::parse_order_by;
use rt_core::{AclObject, Config, Grantee, Interface, QueueId, Role, Rt, TicketQuery};

use crate::seed::BENCHMARK_WORD;
use crate::stats::Latencies;

#[derive(clap::Args)]
pub struct Args {
    /// Database URL of a seeded database (`rt-bench seed`).
    #[arg(long)]
    db: String,
    /// The searching user: a seeded staff member.
    #[arg(long, default_value = "staff007")]
    user: String,
    /// Timed runs per query (after one untimed run).
    #[arg(long, default_value_t = 30)]
    runs: usize,
    /// Only queries containing this text.
    #[arg(long)]
    only: Option<String>,
    /// Print each query's SQL and the database's plan for it.
    #[arg(long)]
    explain: bool,
    /// RTIR's IP lookup across its four queues, as a DutyTeam member.
    #[arg(long)]
    rtir: bool,
    /// Run this query instead of the set (repeatable).
    #[arg(long)]
    query: Vec<String>,
    /// Sort by these fields (RT's `OrderBy`, `|`-separated), as `--order`.
    #[arg(long, default_value = "id")]
    order_by: String,
    /// `ASC` or `DESC` per field, `|`-separated.
    #[arg(long, default_value = "ASC")]
    order: String,
    /// Count no further than this (as the home page's portlets do).
    #[arg(long)]
    count_limit: Option<u64>,
}

const GROUP: &str = "Search benchmark";

fn queries() -> Vec<String> {
    vec![
        "Status = '__Active__' AND Queue = 'Queue 01'".into(),
        "Owner = '__CurrentUser__'".into(),
        "Requestor.EmailAddress LIKE 'example.org'".into(),
        "CF.{IP} = '10.1.2.3'".into(),
        format!("Content LIKE '{BENCHMARK_WORD}'"),
        "Created > '30 days ago' AND Status = 'resolved'".into(),
        "Subject LIKE 'printer' OR Requestor.EmailAddress LIKE 'example.org' OR CF.{IP} = '10.1.2.3'".into(),
    ]
}

/// RTIR's lookup: an address, a range, and an address inside a seeded
/// range, in the four RTIR queues.
fn rtir_queries() -> Vec<String> {
    let queues =
        "(Queue = 'Incident Reports' OR Queue = 'Incidents' OR Queue = 'Investigations' OR Queue = 'Countermeasures')";
    ["192.168.7.7", "192.168.7.0/24", "10.0.1.77"].iter().map(|ip| format!("{queues} AND CF.{{IP}} = '{ip}'")).collect()
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // RTIR's lifecycles, as `rt-server` configures them: a server that
    // opened the database installed RTIR's queues.
    let mut config = Config { database_url: args.db.clone(), pool_size: 2, ..Config::default() };
    rtir::lifecycles::configure(&mut config)?;
    let rt = Rt::open(config).context("opening the database")?;
    setup(&rt, &args.user, &["ShowTicket"])?;
    if args.rtir {
        rt.system_session(Interface::Cli).write(|tx| {
            let (user, team) = (tx.user_by_name(&args.user)?.user_id(), tx.group_by_name("DutyTeam")?.group_id());
            if !tx.is_group_member(team, user.into())? {
                tx.add_group_member(team, user.into())?;
            }
            Ok(())
        })?;
    }
    let session = rt.session_for(&args.user, Interface::Web)?;
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().context("seed end")?;
    println!("{:<100} {:>9} {:>9} {:>9}", "query", "p50 ms", "p95 ms", "matches");
    let mut json = Vec::new();
    let queries = match (args.query.is_empty(), args.rtir) {
        (false, _) => args.query.clone(),
        (true, true) => rtir_queries(),
        (true, false) => queries(),
    };
    let order = parse_order_by(&args.order_by, &args.order).map_err(|e| anyhow::anyhow!("--order-by: {e}"))?;
    for query in queries.into_iter().filter(|q| args.only.as_ref().is_none_or(|o| q.contains(o.as_str()))) {
        let q = TicketQuery {
            now: Some(now),
            order: order.clone(),
            count_limit: args.count_limit,
            ..TicketQuery::new(&query)
        };
        if args.explain {
            for line in session.read(|tx| tx.explain_search(&q))? {
                println!("    {line}");
            }
        }
        let mut samples = Vec::with_capacity(args.runs);
        let mut total = None;
        for i in 0..=args.runs {
            let started = Instant::now();
            let page = session.read(|tx| tx.search_tickets(&q))?;
            let took = started.elapsed();
            if i > 0 {
                samples.push(took);
            }
            total = Some(page.total);
        }
        let lat = Latencies::new(samples);
        let ms = |p: f64| lat.micros(p) / 1000.0;
        let total = total.map(|t| t.to_string()).unwrap_or_default();
        println!("{query:<100} {:>9.2} {:>9.2} {total:>9}", ms(50.0), ms(95.0));
        json.push(format!(
            "{{\"query\":{query:?},\"p50_ms\":{:.2},\"p95_ms\":{:.2},\"matches\":\"{total}\"}}",
            ms(50.0),
            ms(95.0)
        ));
    }
    println!("{{\"bench\":\"search\",\"user\":{:?},\"queries\":[{}]}}", args.user, json.join(","));
    Ok(())
}

/// Gives the user `rights` on 5 queues through a group, and requestors
/// ShowTicket everywhere; idempotent.
pub(crate) fn setup(rt: &Rt, user: &str, rights: &[&str]) -> anyhow::Result<()> {
    let system = rt.system_session(Interface::Cli);
    system.write(|tx| {
        let user = tx.user_by_name(user)?.user_id();
        let group = match tx.group_by_name(GROUP) {
            Ok(g) => g.group_id(),
            Err(_) => tx.create_group(GROUP, "rt-bench search: sees 5 queues")?,
        };
        if !tx.is_group_member(group, user.into())? {
            tx.add_group_member(group, user.into())?;
        }
        for i in 1..=5 {
            let queue = QueueId(tx.queue_by_name(&format!("Queue {i:02}"))?.id);
            for right in rights {
                tx.grant(Grantee::Group(group), right, AclObject::Queue(queue))?;
            }
        }
        tx.grant(Grantee::Role(Role::Requestor), "ShowTicket", AclObject::System)?;
        Ok(())
    })?;
    Ok(())
}
