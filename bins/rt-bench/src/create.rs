//! `rt-bench create`: ticket creation throughput through the library.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use rt_core::{Config, Interface, Message, MimeEntity, NewTicket, Rt};

use crate::stats::Latencies;

#[derive(clap::Args)]
pub struct Args {
    /// Database URL (`sqlite://PATH` or `postgres://...`); created if new.
    #[arg(long)]
    db: String,
    /// Tickets to create.
    #[arg(long, default_value_t = 10_000)]
    tickets: usize,
    /// Concurrent writers.
    #[arg(long, default_value_t = 1)]
    clients: usize,
    /// Size of each ticket's first message in bytes.
    #[arg(long, default_value_t = 2048)]
    content_size: usize,
    /// Distinct requestor addresses (each autocreated on first use).
    #[arg(long, default_value_t = 1000)]
    requestors: usize,
    /// Create each ticket without content and add the message as a staff
    /// reply (Correspond) in the same DB transaction, instead of making it
    /// the ticket's first message.
    #[arg(long)]
    reply: bool,
    /// Install RT's default scrips and run them as the server does (a
    /// worker beside the writers); the clock stops when every ticket's
    /// scrips have run and their outbox rows are written.
    #[arg(long)]
    scrips: bool,
    /// Scrip workers running beside the writers (with `--scrips`).
    #[arg(long, default_value_t = 1)]
    scrip_workers: usize,
    /// With `--scrips`: start the scrip workers only once every ticket is
    /// written, to see what the engine does alone.
    #[arg(long, requires = "scrips")]
    scrips_after: bool,
}

/// A scrip worker as `rt-server` runs one: whatever is pending, then a
/// pause of `POLL` whenever it has caught up; it stops once the writers
/// are done and nothing is left. Returns the events it handled.
fn scrip_worker(rt: Rt, writing: Arc<AtomicBool>) -> std::thread::JoinHandle<rt_core::Result<usize>> {
    std::thread::spawn(move || {
        let mut events = 0;
        loop {
            let still_writing = writing.load(Ordering::Acquire);
            let report = rt_scrips::run_pending(&rt, 100)?;
            events += report.events;
            if report.events == 0 && !still_writing {
                return Ok(events);
            }
            if report.events < 100 {
                std::thread::sleep(rt_scrips::POLL);
            }
        }
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let pool_size = (args.clients + args.scrip_workers) as u32 + 1;
    let config = Config { database_url: args.db.clone(), pool_size, ..Config::default() };
    let rt = Rt::open(config).context("opening the database")?;
    let root = rt.session_for("root", Interface::Api)?;
    let queue = root.read(|tx| tx.queue_by_name("General"))?.queue_id();
    let body: String =
        "The quick brown fox jumps over the lazy dog. ".chars().cycle().take(args.content_size).collect();
    let per_client = args.tickets.div_ceil(args.clients.max(1));
    if args.scrips {
        rt_scrips::defaults::install(&rt)?;
    }
    let writing = Arc::new(AtomicBool::new(true));
    let started = Instant::now();
    let scrip_workers = if args.scrips { args.scrip_workers.max(1) } else { 0 };
    let spawn_workers =
        || -> Vec<_> { (0..scrip_workers).map(|_| scrip_worker(rt.clone(), writing.clone())).collect() };
    let mut workers = if args.scrips_after { Vec::new() } else { spawn_workers() };
    let handles: Vec<_> = (0..args.clients.max(1))
        .map(|c| {
            let (root, body) = (root.clone(), body.clone());
            let n = per_client.min(args.tickets.saturating_sub(c * per_client));
            let requestors = args.requestors.max(1);
            let reply = args.reply;
            std::thread::spawn(move || -> rt_core::Result<Vec<Duration>> {
                let mut latencies = Vec::with_capacity(n);
                for i in 0..n {
                    let k = c * per_client + i;
                    let t0 = Instant::now();
                    root.write(|tx| {
                        let message = MimeEntity::text(&body);
                        let id = tx.create_ticket(NewTicket {
                            queue: Some(queue),
                            subject: format!("Benchmark ticket {k}"),
                            requestors: vec![format!("requestor{}@example.org", k % requestors)],
                            content: (!reply).then(|| message.clone()),
                            ..NewTicket::default()
                        })?;
                        if reply {
                            tx.correspond(id, Message { entity: Some(message), ..Message::default() })?;
                        }
                        Ok(id)
                    })?;
                    latencies.push(t0.elapsed());
                }
                Ok(latencies)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(args.tickets);
    for h in handles {
        all.extend(h.join().map_err(|_| anyhow::anyhow!("writer panicked"))??);
    }
    writing.store(false, Ordering::Release);
    let written = started.elapsed().as_secs_f64();
    if args.scrips_after {
        workers = spawn_workers();
    }
    let mut events = 0;
    for w in workers {
        events += w.join().map_err(|_| anyhow::anyhow!("scrips worker panicked"))??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    if args.scrips {
        println!("scrips: {events} events handled; the writers were done after {written:.2} s");
    }
    let created = all.len();
    let lat = Latencies::new(all);
    let rate = created as f64 / elapsed;
    let backend = format!("{:?}", rt.backend()).to_lowercase();
    println!(
        "{:<10} {:>8} {:>8} {:>10} {:>12} {:>10} {:>10}",
        "backend", "tickets", "clients", "seconds", "tickets/s", "p50 ms", "p99 ms"
    );
    println!(
        "{:<10} {:>8} {:>8} {:>10.2} {:>12.0} {:>10.3} {:>10.3}",
        backend,
        created,
        args.clients,
        elapsed,
        rate,
        lat.micros(50.0) / 1000.0,
        lat.micros(99.0) / 1000.0
    );
    println!(
        "{{\"bench\":\"create\",\"backend\":\"{backend}\",\"reply\":{},\"scrips\":{},\"tickets\":{created},\"clients\":{},\"content_bytes\":{},\"seconds\":{elapsed:.3},\"tickets_per_second\":{rate:.1},\"p50_ms\":{:.3},\"p99_ms\":{:.3}}}",
        args.reply,
        args.scrips,
        args.clients,
        args.content_size,
        lat.micros(50.0) / 1000.0,
        lat.micros(99.0) / 1000.0
    );
    Ok(())
}
