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
//! The `EXTENSION` environment variable (the `+ext` of the address, as the
//! MTA sets it) is always added to the message as `X-RT-Mail-Extension`;
//! with `--extension queue|action|ticket` it also fills that form field.

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
    let cli = match Cli::try_parse_from(args) {
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
    let mut message = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut message) {
        eprintln!("rt-mailgate: cannot read the message: {e}");
        return ExitCode::from(EX_TEMPFAIL);
    }
    if message.iter().all(u8::is_ascii_whitespace) {
        println!("no message passed on STDIN");
        return ExitCode::SUCCESS;
    }
    let extension = std::env::var("EXTENSION").ok().filter(|e| !e.is_empty());
    if let Some(ext) = &extension {
        let mut with_header = format!("X-RT-Mail-Extension: {}\n", ext.replace(['\r', '\n'], " ")).into_bytes();
        with_header.extend_from_slice(&message);
        message = with_header;
    }
    let mut delivery = rt_client::mailgate::Delivery { queue: cli.queue, action: cli.action, ticket: None };
    match (cli.extension, extension) {
        (Some(Extension::Queue), Some(ext)) => delivery.queue = Some(ext),
        (Some(Extension::Action), Some(ext)) => delivery.action = ext,
        (Some(Extension::Ticket), Some(ext)) => delivery.ticket = Some(ext),
        _ => {}
    }
    let conn = rt_client::mailgate::Connection {
        url: cli.url,
        timeout: std::time::Duration::from_secs(cli.timeout.max(1)),
        ca_file: cli.ca_file,
        no_verify: cli.no_verify_ssl && !cli.verify_ssl,
    };
    if cli.debug {
        eprintln!("rt-mailgate: posting {} bytes to {}", message.len(), rt_client::mailgate::endpoint(&conn.url));
    }
    let _ = cli.jar; // RT's mail gateway needs no session: nothing to keep.
    match rt_client::mailgate::post_message(&conn, &delivery, &message) {
        Ok(rt_client::mailgate::Answer::Ok) => ExitCode::SUCCESS,
        // RT refused it for good and has told the sender: the MTA must not
        // bounce it a second time.
        Ok(rt_client::mailgate::Answer::NotOk(reason)) => {
            eprintln!("rt-mailgate: RT refused the message: {reason}");
            ExitCode::SUCCESS
        }
        Ok(rt_client::mailgate::Answer::Other(answer)) => {
            eprintln!("rt-mailgate: RT could not take the message now: {answer}");
            ExitCode::from(EX_TEMPFAIL)
        }
        Err(e) => {
            eprintln!("rt-mailgate: {e}");
            ExitCode::from(EX_TEMPFAIL)
        }
    }
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
