//! # rt: Request Tracker's command-line client
//!
//! The `rt` program (package rt-cli): `rt ls`, `rt show ticket/1`,
//! `rt create`, `rt edit`, `rt comment`, `rt correspond`, `rt link`,
//! `rt merge`, `rt take`/`untake`/`steal`, `rt shell`... with RT's own
//! syntax, configuration (`~/.rtrc`, `RTCONFIG`, `RTSERVER`, `RTUSER`,
//! `RTPASSWD`...), session file (`~/.rt_sessions`), output and exit
//! statuses, speaking REST 1.0 to any RT server (ours or RT 5), plus
//! `--json` for `show` and `ls`.
//!
//! Arguments are read by hand, not with clap: RT's grammar is positional
//! and per action (`-t` anywhere, `set key=value` runs, bare ids, `#12`),
//! and a shell line is parsed the same way. Modules: [`config`] (settings),
//! [`app`] (the client and how failures are told), [`args`] (the shared
//! grammar), one module per action group ([`list`], [`show`], [`edit`],
//! [`ticket`], [`help`]), [`output`] (the views of tickets and lists,
//! JSON) and [`editor`] (the `$EDITOR` round trip).
//!
//! Exit statuses are RT's: 0 when the action ran, even if the server
//! refused it (its message is printed, `rt: ...` on stderr for errors); 1
//! for a usage error; 255 when the server cannot be reached, answers
//! something that is not RT, or refuses the password. `--json` exits 1
//! when the server refused.
//!
//! It is glue over rt-client and must not depend on any server crate
//! (rt-core, rt-web...). `~` is `$HOME`.

mod app;
mod args;
mod config;
mod edit;
mod editor;
mod help;
mod list;
mod output;
mod show;
mod ticket;

use std::io::{BufRead, Write};
use std::process::ExitCode;

use app::{App, Fatal, Outcome, emit};
use args::Args;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().is_some_and(|a| a == "--help" || a == "-h") {
        emit(format!("{}\n\n{}\n", help::text("introduction"), help::text("actions")));
        return ExitCode::SUCCESS;
    }
    let config = match config::Config::load(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(255);
        }
    };
    let mut app = App::new(config);
    match run(&mut app, argv) {
        Ok(status) => ExitCode::from(status),
        Err(Fatal(message)) => {
            eprintln!("{message}");
            ExitCode::from(255)
        }
    }
}

/// Runs one command line (`rt` itself, or a line of `rt shell`).
fn run(app: &mut App, argv: Vec<String>) -> Outcome {
    let mut args: Args = argv.into();
    if args.is_empty() {
        args.push_back("shell".into());
    }
    if args.front().is_some_and(|a| a == "rt") {
        args.pop_front();
    }
    let action = args.pop_front().unwrap_or_default();
    match action.as_str() {
        "version" | "ver" => {
            emit(concat!("rt ", env!("CARGO_PKG_VERSION"), "\n"));
            Ok(0)
        }
        "shell" => shell(app),
        "logout" => logout(app),
        "quit" | "exit" => {
            logout(app)?;
            std::process::exit(0)
        }
        "help" | "man" => Ok(help::help(&Vec::from(args))),
        "show" | "cat" => show::show(app, args),
        "create" | "edit" | "new" | "ed" => edit::edit(app, &action, args),
        "search" | "list" | "ls" => list::list(app, args),
        "comment" | "correspond" => ticket::comment(app, &action, args),
        "link" | "ln" => ticket::link(app, args),
        "merge" => ticket::merge(app, args),
        "take" | "steal" | "untake" => ticket::take(app, &action, args),
        "del" | "delete" | "give" | "res" | "resolve" | "subject" => edit::shortcut(app, &action, args),
        "grant" | "revoke" => {
            args::whine("grant", &format!("{action} is unimplemented."));
            Ok(1)
        }
        _ => {
            let line: Vec<String> = std::iter::once(action).chain(args).collect();
            eprintln!("rt: Unknown command '{}'.\nrt: For help, run 'rt help'.", line.join(" "));
            Ok(1)
        }
    }
}

/// Ends the session, if one is held.
fn logout(app: &mut App) -> Outcome {
    if app.has_session() {
        app.submit("logout", &[])?;
    }
    Ok(0)
}

/// Reads commands from a prompt until the end of input.
fn shell(app: &mut App) -> Outcome {
    let stdin = std::io::stdin();
    loop {
        emit("rt> ");
        let mut line = String::new();
        if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
            let _ = std::io::stdout().write_all(b"\n");
            return Ok(0);
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match shlex::split(line) {
            Some(words) => {
                run(app, words)?;
            }
            None => eprintln!("rt: unbalanced quotes in '{line}'."),
        }
    }
}
