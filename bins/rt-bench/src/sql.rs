//! `rt-bench sql`: times one SQL statement on a benchmark database, for
//! working out why a search is slow (or, with `--write`, runs statements
//! such as a new index on it). The statement must return one
//! integer column named `n` (e.g. `SELECT count(*) AS n FROM ...`).

use std::time::Instant;

use anyhow::Context;
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use rt_core::{Config, Interface, Rt};

use crate::stats::Latencies;

#[derive(clap::Args)]
pub struct Args {
    /// Database URL.
    #[arg(long)]
    db: String,
    /// Run the statements once in a write transaction (DDL, data fixes),
    /// reporting only the time taken.
    #[arg(long)]
    write: bool,
    /// Timed runs (after one untimed run).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// The statement.
    sql: String,
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let rt = Rt::open(Config { database_url: args.db.clone(), pool_size: 1, ..Config::default() })
        .context("opening the database")?;
    let session = rt.system_session(Interface::Cli);
    if args.write {
        let started = Instant::now();
        session.write(|tx| {
            use diesel::connection::SimpleConnection;
            tx.connection().batch_execute(&args.sql)?;
            Ok(())
        })?;
        println!("done in {:.2} s", started.elapsed().as_secs_f64());
        return Ok(());
    }
    let mut samples = Vec::new();
    let mut n = 0;
    for i in 0..=args.runs {
        let started = Instant::now();
        n = session.read(|tx| {
            let rows: Vec<N> = diesel::sql_query(args.sql.as_str()).load(tx.connection())?;
            Ok(rows.first().map_or(0, |r| r.n))
        })?;
        if i > 0 {
            samples.push(started.elapsed());
        }
    }
    let lat = Latencies::new(samples);
    println!("n = {n}, p50 {:.2} ms, p95 {:.2} ms", lat.micros(50.0) / 1000.0, lat.micros(95.0) / 1000.0);
    Ok(())
}
