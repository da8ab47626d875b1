//! # rt-crontool: searches, conditions and actions from cron
//!
//! Runs on the RT server: finds tickets with a search module, keeps those a
//! condition accepts and applies an action to each, as RT's `rt-crontool`
//! does (`--search RT::Search::FromSQL --search-arg "Status = 'new'"
//! --action RT::Action::SetPriority --action-arg 50`).
//!
//! It is glue over the library crates (rt-core, rt-scrips) and must not
//! depend on rt-web or actix-web.
//!
//! Not implemented yet: it accepts RT's options and exits 1.

use std::process::ExitCode;

use clap::{Parser, ValueEnum};

/// Runs a search, a condition and an action over tickets, from cron.
#[derive(Debug, Parser)]
#[command(name = "rt-crontool", version, about, long_about = None)]
struct Cli {
    /// The search module, e.g. RT::Search::FromSQL or RT::Search::ActiveTicketsInQueue.
    #[arg(long, value_name = "MODULE")]
    search: String,
    /// The search's argument, e.g. a TicketSQL query or a queue name.
    #[arg(long, value_name = "ARG")]
    search_arg: Option<String>,
    /// A condition module each ticket must satisfy, e.g. RT::Condition::Overdue.
    #[arg(long, value_name = "MODULE")]
    condition: Option<String>,
    /// The condition's argument.
    #[arg(long, value_name = "ARG")]
    condition_arg: Option<String>,
    /// The action module applied to each ticket, e.g. RT::Action::SetPriority.
    #[arg(long, value_name = "MODULE")]
    action: Option<String>,
    /// The action's argument.
    #[arg(long, value_name = "ARG")]
    action_arg: Option<String>,
    /// The template (name or id) the action uses.
    #[arg(long, value_name = "TEMPLATE")]
    template: Option<String>,
    /// Which transaction of each ticket the condition and action see.
    #[arg(long, value_enum, value_name = "WHICH", default_value = "first")]
    transaction: Transaction,
    /// Only transactions of these types (comma-separated), with --transaction.
    #[arg(long, value_name = "TYPES")]
    transaction_type: Option<String>,
    /// Reload each ticket before the action, in case an earlier one changed it.
    #[arg(long)]
    reload_ticket: bool,
    /// Log level for the run (debug, info, warning, error...).
    #[arg(long, value_name = "LEVEL")]
    log: Option<String>,
    /// Print what is done to each ticket.
    #[arg(long)]
    verbose: bool,
}

/// Which transaction of a ticket the condition and action act on.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Transaction {
    /// The ticket's first transaction.
    First,
    /// Its last transaction.
    Last,
    /// Each of its transactions in turn.
    All,
}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    eprintln!("rt-crontool: not implemented yet in this version of RT");
    ExitCode::FAILURE
}
