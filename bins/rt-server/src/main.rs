//! # rt-server: Request Tracker's server
//!
//! The binary that serves the web application (`rt-server` or
//! `rt-server serve`) and the administrators' commands (`init`, `migrate`,
//! `backup`, `add-constituency`).
//!
//! It is glue: it parses the command line, loads the configuration, starts
//! logging and calls into rt-core and rt-web. Its only policy is the exit
//! code (2 for a configuration error, 1 for any other failure). It must not
//! depend on actix-web (rt-web owns HTTP) nor hold any rule of RT's.

mod commands;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rt_core::Config;

/// Request Tracker's server and administration commands.
#[derive(Debug, Parser)]
#[command(name = "rt-server", version, about, long_about = None)]
struct Cli {
    /// The configuration file (TOML); `RT_*` environment variables
    /// override its keys.
    #[arg(long, global = true, env = "RT_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// The address to listen on [default: 127.0.0.1:8080].
    #[arg(long, global = true, env = "RT_LISTEN", value_name = "ADDR")]
    listen: Option<String>,
    /// The database: `sqlite://PATH`, a file path, or `postgres://...`
    /// [default: a SQLite file under the data directory].
    #[arg(long, global = true, env = "RT_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Clone, Subcommand)]
pub(crate) enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Create the database if needed, migrate and seed it, and say how to log in.
    Init,
    /// Apply pending schema migrations and list them.
    Migrate,
    /// Write an online, consistent copy of a SQLite database.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
    /// Add an RTIR constituency (its queues, DutyTeam and ReadOnly groups
    /// and rights), update its addresses, or rename it.
    AddConstituency {
        /// The constituency (with --rename: the one to rename).
        #[arg(long)]
        name: String,
        /// The correspond address of its queues.
        #[arg(long, value_name = "ADDRESS")]
        correspond: Option<String>,
        /// The comment address of its queues.
        #[arg(long, value_name = "ADDRESS")]
        comment: Option<String>,
        /// Rename the constituency, its queues and groups to this.
        #[arg(long, value_name = "NEW_NAME")]
        rename: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    commands::init_tracing();
    let config = match load_config(&cli) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("rt-server: {e}");
            return ExitCode::from(2);
        }
    };
    match commands::run(cli.command.unwrap_or(Command::Serve), config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rt-server: {e:#}");
            commands::exit_code(&e)
        }
    }
}

/// The configuration file and environment, then the command-line options.
fn load_config(cli: &Cli) -> rt_core::Result<Config> {
    let mut config = Config::load(cli.config.as_deref(), std::env::vars())?;
    if let Some(listen) = &cli.listen {
        config.set("listen", listen)?;
    }
    if let Some(database) = &cli.database {
        config.set("database_url", database)?;
    }
    config.validate()?;
    rtir::lifecycles::configure(&mut config)?;
    Ok(config)
}
