//! # rt-crontool: searches, conditions and actions from cron
//!
//! Runs on the RT server: finds tickets with a search module, keeps those a
//! condition accepts and applies actions to each, as RT's `rt-crontool`
//! does (`--search RT::Search::FromSQL --search-arg "Status = 'new'"
//! --action RT::Action::SetPriority --action-arg 50`). The work is
//! [`rt_scrips::crontool`]'s; this binary reads the command line and the
//! configuration (as `rt-server` does: `--config`/`RT_CONFIG`,
//! `--database`/`RT_DATABASE_URL`), finds the RT user whose "Unix login"
//! (Gecos) is the login of whoever runs it, as RT does, and says what
//! happened.
//!
//! The same job may run from cron on several nodes at once: each ticket is
//! acted on once by runs that overlap or start within `--window` of one
//! another (see docs/crontool.md).
//!
//! Exit status: 0 when every ticket went well, 1 when the run or a ticket
//! failed (a failed ticket is left as it was), 2 for a configuration error.
//!
//! It is glue over the library crates (rt-core, rt-scrips, and rtir for
//! RTIR's lifecycles, conditions and actions) and must not depend on
//! rt-web or actix-web.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use rt_core::{Config, Interface, Rt, TicketId};
use rt_scrips::crontool::{self, Job, Module, Outcome, RunOptions, Search, Which};
use tracing_subscriber::EnvFilter;

/// Runs a search, a condition and actions over tickets, from cron.
#[derive(Debug, Parser)]
#[command(name = "rt-crontool", version, about, long_about = None)]
struct Cli {
    /// The search module: RT::Search::FromSQL or RT::Search::ActiveTicketsInQueue.
    #[arg(long, value_name = "MODULE")]
    search: String,
    /// The search's argument: a TicketSQL query, or a queue name.
    #[arg(long, value_name = "ARG")]
    search_arg: Option<String>,
    /// A condition module each ticket must satisfy, e.g. RT::Condition::Overdue.
    #[arg(long, value_name = "MODULE")]
    condition: Option<String>,
    /// The condition's argument.
    #[arg(long, value_name = "ARG")]
    condition_arg: Option<String>,
    /// An action module applied to each ticket, e.g. RT::Action::SetPriority;
    /// repeat it for several actions, run in order.
    #[arg(long, value_name = "MODULE", required = true)]
    action: Vec<String>,
    /// An action's argument: the first goes to the first --action, and so on.
    #[arg(long, value_name = "ARG")]
    action_arg: Vec<String>,
    /// The template (name or id) the actions use.
    #[arg(long, value_name = "TEMPLATE")]
    template: Option<String>,
    /// Which transaction of each ticket the condition and actions see.
    #[arg(long, value_enum, value_name = "WHICH", default_value = "first")]
    transaction: Transaction,
    /// Only transactions of these types (comma-separated), e.g. Correspond,Comment.
    #[arg(long, value_name = "TYPES")]
    transaction_type: Option<String>,
    /// Accepted for RT's command lines: every ticket is read afresh anyway.
    #[arg(long)]
    reload_ticket: bool,
    /// Runs of this same job (on any node) that start within this many
    /// seconds of one another, or overlap, act on each ticket once.
    #[arg(long, value_name = "SECONDS", default_value_t = 50)]
    window: u64,
    /// The configuration file (TOML), as rt-server's.
    #[arg(long, env = "RT_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The database URL, as rt-server's.
    #[arg(long, env = "RT_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database: Option<String>,
    /// Log level on standard error [default: RT_LOG, else warning].
    #[arg(long, value_enum, value_name = "LEVEL")]
    log: Option<LogLevel>,
    /// Print what is done to each ticket.
    #[arg(long, short)]
    verbose: bool,
}

/// Which transaction of a ticket the condition and actions act on.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Transaction {
    /// The ticket's first transaction.
    First,
    /// Its last transaction.
    Last,
    /// Each of its transactions in turn.
    All,
}

/// RT's log levels.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
    Alert,
    Emergency,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.log);
    match run(&cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rt-crontool: {e:#}");
            let is_config =
                e.chain().any(|c| matches!(c.downcast_ref::<rt_core::Error>(), Some(rt_core::Error::Config { .. })));
            if is_config { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

fn run(cli: &Cli) -> anyhow::Result<ExitCode> {
    let job = job(cli)?;
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(database) = &cli.database {
        config.set("database_url", database)?;
    }
    config.validate()?;
    rtir::lifecycles::configure(&mut config)?;
    if config.rtir.enabled {
        rtir::scrips::register();
    }
    let url = rt_core::db::redact_url(&config.effective_database_url());
    let rt = Rt::open(config).with_context(|| format!("cannot open the database {url}"))?;
    let login = unix_login().context("cannot tell who runs rt-crontool (no passwd entry, LOGNAME or USER)")?;
    let session = rt.session_for_unix_login(&login, Interface::Cli).with_context(|| {
        format!("no RT user has the Unix login {login:?}: set it on the RT user this job should run as")
    })?;
    let options = RunOptions { window: std::time::Duration::from_secs(cli.window), node: rt_core::worker::node_name() };
    let summary = crontool::run(&session, &job, &options, |id, outcome| {
        if cli.verbose {
            print_outcome(id, outcome);
        }
        if let Outcome::Failed(e) = outcome {
            eprintln!("rt-crontool: ticket {id}: {e}; nothing was changed on it");
        }
    })
    .context("the search failed; nothing was changed")?;
    if cli.verbose {
        println!(
            "{} ticket(s) found, {} acted on, {} left to another run of this job, {} failed",
            summary.found, summary.acted, summary.claimed, summary.failed
        );
    }
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The job the command line describes, its modules checked.
fn job(cli: &Cli) -> anyhow::Result<Job> {
    if cli.action_arg.len() > cli.action.len() {
        bail!("more --action-arg than --action: each argument goes to the --action of the same rank");
    }
    let mut actions = Vec::new();
    for (i, module) in cli.action.iter().enumerate() {
        actions.extend(Module::action(module, cli.action_arg.get(i).cloned())?);
    }
    let condition = match &cli.condition {
        Some(module) => Some(Module::condition(module, cli.condition_arg.clone())?),
        None => None,
    };
    let transaction_types = cli
        .transaction_type
        .iter()
        .flat_map(|types| types.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    Ok(Job {
        search: Search::from_module(&cli.search, cli.search_arg.as_deref())?,
        condition,
        actions,
        template: cli.template.clone(),
        transaction: match cli.transaction {
            Transaction::First => Which::First,
            Transaction::Last => Which::Last,
            Transaction::All => Which::All,
        },
        transaction_types,
    })
}

/// `--verbose`: what became of one ticket.
fn print_outcome(id: TicketId, outcome: &Outcome) {
    println!("{id}:");
    match outcome {
        Outcome::Acted(steps) => {
            let mut last = None;
            for step in steps {
                if last != Some(step.transaction) {
                    println!("\tUsing transaction #{}...", step.transaction);
                    last = Some(step.transaction);
                }
                println!("\t{}: {}", step.action, step.done.as_deref().unwrap_or("nothing to do"));
            }
        }
        Outcome::NotApplicable => println!("\tCondition does not match"),
        Outcome::NoTransaction => println!("\tCouldn't find suitable transaction, skipping"),
        Outcome::Claimed(claim) => println!(
            "\tSkipped: this job acted on it at {} on {}",
            claim.claimed_at.format("%Y-%m-%d %H:%M:%S UTC"),
            claim.node
        ),
        Outcome::Failed(e) => println!("\tFailed, nothing changed: {e}"),
    }
}

/// The login name of whoever runs this process, as RT's tools find it:
/// the real user id's passwd entry, else `LOGNAME` or `USER`.
fn unix_login() -> Option<String> {
    let from_passwd = || {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_string();
        let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.get(2) == Some(&uid.as_str())).then(|| fields[0].to_string())
        })
    };
    from_passwd().or_else(|| ["LOGNAME", "USER"].iter().find_map(|v| std::env::var(v).ok().filter(|n| !n.is_empty())))
}

/// Logs to standard error at `--log`, else as `RT_LOG` says, else RT's
/// command-line default, warnings.
fn init_tracing(level: Option<LogLevel>) {
    let filter = match level {
        Some(level) => EnvFilter::new(match level {
            LogLevel::Debug => "debug",
            LogLevel::Info | LogLevel::Notice => "info",
            LogLevel::Warning => "warn",
            LogLevel::Error | LogLevel::Critical | LogLevel::Alert | LogLevel::Emergency => "error",
        }),
        None => EnvFilter::try_from_env("RT_LOG").unwrap_or_else(|_| EnvFilter::new("warn")),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
