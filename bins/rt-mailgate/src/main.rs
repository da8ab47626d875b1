//! # rt-mailgate: Request Tracker's mail gateway
//!
//! The program an MTA pipes each incoming message to. It will post the
//! message to `<url>/REST/1.0/NoAuth/mail-gateway` as RT's own
//! `rt-mailgate` does, with the same options and exit codes: 0 when RT took
//! the message (or refused it for good and bounced it itself), 75
//! (EX_TEMPFAIL) when the MTA should retry later, 1 for usage errors.
//!
//! It is glue over rt-client (the HTTP side) and must not depend on any
//! server crate (rt-core, rt-web...): it runs on mail hosts that have no
//! database.
//!
//! Not implemented yet: it accepts RT's options and exits 75 so that the MTA
//! keeps every message and retries, rather than bouncing it.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{ArgAction, Parser, ValueEnum};

/// EX_TEMPFAIL from sysexits.h: the MTA keeps the message and retries.
const EX_TEMPFAIL: u8 = 75;

/// Posts one email message, read from standard input, to Request Tracker.
#[derive(Debug, Parser)]
#[command(name = "rt-mailgate", version, about, long_about = None)]
struct Cli {
    /// Base URL of the RT server, e.g. `https://rt.example.com/`
    #[arg(long, value_name = "URL")]
    url: String,
    /// Queue for new tickets (name or id) [server default: 1, General].
    #[arg(long, value_name = "QUEUE")]
    queue: Option<String>,
    /// What to do with the message: correspond or comment; actions of mail
    /// plugins (take, resolve) chain with '-', e.g. take-comment.
    #[arg(long, value_name = "ACTION", default_value = "correspond")]
    action: String,
    /// Take the queue, action or ticket from the address extension in the
    /// EXTENSION environment variable (user+EXT@host).
    #[arg(long, value_enum, value_name = "FIELD")]
    extension: Option<Extension>,
    /// Seconds to wait for RT's answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    timeout: u64,
    /// Certificate authorities to trust for https URLs (a PEM file).
    #[arg(long, value_name = "FILE")]
    ca_file: Option<std::path::PathBuf>,
    /// Verify the server's TLS certificate (the default).
    #[arg(long, overrides_with = "no_verify_ssl")]
    verify_ssl: bool,
    /// Do not verify the server's TLS certificate.
    #[arg(long, alias = "noverify-ssl", action = ArgAction::SetTrue)]
    no_verify_ssl: bool,
    /// Cookie file to keep RT's session in between runs.
    #[arg(long, value_name = "FILE")]
    jar: Option<std::path::PathBuf>,
    /// Print what is sent and received to standard error.
    #[arg(long)]
    debug: bool,
}

/// Which form field the address extension fills.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Extension {
    /// The queue for new tickets.
    Queue,
    /// The action.
    Action,
    /// The ticket id.
    Ticket,
}

fn main() -> ExitCode {
    // RT's rt-mailgate reads its options with Perl's Getopt::Long, which
    // also takes them with one dash (`-url`); MTA configurations use both.
    let args = std::env::args_os().enumerate().map(|(i, arg)| if i == 0 { arg } else { double_dash(arg) });
    let _cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::FAILURE;
        }
    };
    // Read the message so that the MTA's write into the pipe completes; it
    // keeps its own copy and retries after EX_TEMPFAIL.
    if !std::io::stdin().is_terminal() {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    }
    eprintln!(
        "rt-mailgate: not implemented yet in this version of RT; \
         the message was not delivered and the mail system will retry it"
    );
    ExitCode::from(EX_TEMPFAIL)
}

/// Turns Getopt::Long's `-name` into `--name` for the long options we know.
fn double_dash(arg: std::ffi::OsString) -> std::ffi::OsString {
    const LONG: &[&str] = &[
        "url",
        "queue",
        "action",
        "extension",
        "timeout",
        "ca-file",
        "verify-ssl",
        "no-verify-ssl",
        "noverify-ssl",
        "jar",
        "debug",
        "help",
        "version",
    ];
    let Some(text) = arg.to_str() else { return arg };
    match text.strip_prefix('-') {
        Some(rest) if !rest.starts_with('-') && LONG.contains(&rest.split('=').next().unwrap_or(rest)) => {
            format!("-{text}").into()
        }
        _ => arg,
    }
}
