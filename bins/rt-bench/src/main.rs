//! rt-bench: benchmarks that print a table and end with one JSON line.
//!
//! - `rt-bench create --db URL --tickets N --clients C`: creates tickets
//!   through the library, each with a 2 KB first message and its own
//!   committed DB transaction.
//! - `rt-bench rights --db URL --groups G --acl A`: builds G groups and A
//!   ACL entries, then measures cold `has_right` checks (the node cache and
//!   the transaction's ACL version cleared before each check).
//!
//! Later issues add `seed`, `mail`, `search`, `display` and `rest2`, and
//! `--url` to drive a running server (ours or RT 5).

mod create;
mod rights;
mod stats;

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
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Create(args) => create::run(args),
        Command::Rights(args) => rights::run(args),
    }
}
