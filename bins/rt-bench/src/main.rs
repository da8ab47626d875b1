//! rt-bench: benchmarks that print a table and end with one JSON line.
//!
//! - `rt-bench create --db URL --tickets N --clients C`: creates tickets
//!   through the library, each with a 2 KB first message and its own
//!   committed DB transaction.
//! - `rt-bench rights --db URL --groups G --acl A`: builds G groups and A
//!   ACL entries, then measures cold `has_right` checks (the node cache and
//!   the transaction's ACL version cleared before each check).
//! - `rt-bench seed --db URL --tickets N [--writers W] [--rtir]`: a fixed,
//!   realistic data set (see `seed.rs` for the distribution; `--rtir` puts
//!   it in RTIR's queues).
//! - `rt-bench search --db URL [--explain] [--rtir]`: TicketSQL latency on
//!   a seeded database, or RTIR's IP lookup (see `search.rs`).
//! - `rt-bench sql --db URL [--write] SQL`: times one statement (or runs DDL
//!   such as a new index) while working on a slow query.
//!
//! - `rt-bench mail --url URL --messages N --clients C --via endpoint|mailgate`:
//!   mail ingestion through a running server's mail gateway (see `mail.rs`).
//! - `rt-bench rest1-create --url URL --tickets N --clients C` and
//!   `rt-bench rest2-read --url URL --reads N --clients C`: the REST APIs of
//!   a running server, measured at the client (see `rest.rs`).
//! - `rt-bench home --db URL --url URL` and `rt-bench display --db URL --url URL`:
//!   the web UI's home page and a ticket's display page (100 transactions)
//!   of a running server, read by logged-in clients (see `web.rs`).

mod create;
mod mail;
mod rest;
mod rights;
mod search;
mod seed;
mod sql;
mod stats;
mod web;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "rt-bench", version, about = "Benchmarks for RT: ticket creation, rights checks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create tickets through the library API.
    Create(create::Args),
    /// Measure cold has_right checks.
    Rights(rights::Args),
    /// Fill a database with a fixed, realistic data set.
    Seed(seed::Args),
    /// TicketSQL latency on a seeded database.
    Search(search::Args),
    /// Deliver mail to a running server's mail gateway.
    Mail(mail::Args),
    /// Time one SQL statement (returning an integer `n`).
    Sql(sql::Args),
    /// Create tickets over a running server's REST 1.0, as `rt create` does.
    #[command(name = "rest1-create")]
    Rest1Create(rest::CreateArgs),
    /// Read tickets over a running server's REST 2.0 with a token.
    #[command(name = "rest2-read")]
    Rest2Read(rest::ReadArgs),
    /// Read the web UI's home page of a running server.
    Home(web::Args),
    /// Read a web UI ticket display page (100 transactions) of a running server.
    Display(web::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Create(args) => create::run(args),
        Command::Rights(args) => rights::run(args),
        Command::Seed(args) => seed::run(args),
        Command::Search(args) => search::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Mail(args) => mail::run(args),
        Command::Rest1Create(args) => rest::create(args),
        Command::Rest2Read(args) => rest::read(args),
        Command::Home(args) => web::home(args),
        Command::Display(args) => web::display(args),
    }
}
