//! # rt: Request Tracker's command-line client
//!
//! The `rt` program (package rt-cli): `rt ls`, `rt show ticket/1`,
//! `rt create`, `rt edit`, `rt comment`, `rt correspond`... with RT's own
//! syntax, configuration (`~/.rtrc`, `RTSERVER`, `RTUSER`, `RTPASSWD`...),
//! output and exit codes, speaking REST 1.0 to any RT server.
//!
//! It is glue over rt-client and must not depend on any server crate
//! (rt-core, rt-web...).
//!
//! Not implemented yet: it accepts any arguments and exits 1.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

/// Request Tracker's command-line client.
#[derive(Debug, Parser)]
#[command(
    name = "rt",
    version,
    about,
    long_about = None,
    after_help = "Configuration: ~/.rtrc, or RTCONFIG, RTSERVER, RTUSER, RTPASSWD, RTQUEUE, RTDEBUG."
)]
struct Cli {
    /// An action (ls, show, create, edit, comment, correspond, merge, link,
    /// take, untake, steal, help, ...) followed by its options and arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "ACTION [ARGS]")]
    args: Vec<OsString>,
}

fn main() -> ExitCode {
    let _cli = Cli::parse();
    eprintln!("rt: not implemented yet in this version of RT");
    ExitCode::FAILURE
}
