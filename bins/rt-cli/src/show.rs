//! `rt show` (`cat`): one or more objects. A ticket given by its number is
//! shown mail-like with its history; other objects, attributes (`/links`,
//! `/attachments/<n>/content`) and the formats `-i`, `-s`, `-l` and `-f`
//! print RT's answer as it is. `-` reads object specifications from
//! stdin. `--json` prints the forms as JSON.

use std::io::BufRead;

use rt_client::rest1::form;

use crate::app::{App, Outcome, emit};
use crate::args::{self, Args, object_spec, unhash, unrecognised, whine};
use crate::output;

const HANDLER: &str = "show";

/// Runs `rt show`.
pub fn show(app: &mut App, mut args: Args) -> Outcome {
    let mut kind: Option<String> = None;
    let mut objects: Vec<String> = Vec::new();
    let mut data: Vec<(String, String)> = Vec::new();
    let (mut format, mut fields, mut history) = (None, None, None);
    let (mut raw, mut slurped, mut json, mut bad) = (false, false, false, false);
    while let Some(arg) = args.pop_front().map(unhash) {
        let kind_ref = kind.as_deref();
        match arg.as_str() {
            "-t" => match args::type_argument(HANDLER, &mut args) {
                Some(k) => kind = Some(k),
                None => bad = true,
            },
            "-S" => bad = !args::var_argument(HANDLER, &mut args, &mut data),
            "-i" | "-s" | "-l" => {
                format = Some(arg[1..].to_string());
                raw = true;
            }
            "--json" => json = true,
            "-" if !slurped => {
                for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                    if object_spec(&line, kind_ref).is_none() {
                        whine(HANDLER, &format!("Invalid object on STDIN: '{line}'."));
                        bad = true;
                        break;
                    }
                    objects.push(line);
                }
                slurped = true;
            }
            "-f" => {
                fields = Some(args::field_list(HANDLER, &mut args, &mut bad));
                format = Some("s".into());
                raw = true;
            }
            _ if arg.chars().all(|c| c.is_ascii_digit()) && !arg.is_empty() => {
                objects.extend(object_spec(&format!("ticket/{arg}"), kind_ref));
                history = object_spec(&format!("ticket/{arg}/history"), kind_ref);
            }
            _ if arg.starts_with(|c: char| c.is_ascii_digit())
                && arg.trim_start_matches(|c: char| c.is_ascii_digit()).starts_with('/') =>
            {
                objects.extend(object_spec(&format!("ticket/{arg}"), kind_ref));
                raw |= arg.ends_with("/content");
            }
            _ => match object_spec(&arg, kind_ref) {
                Some(spec) => {
                    raw |= arg.ends_with("/content") || arg.contains("/links") || !arg.starts_with("ticket");
                    objects.push(spec);
                }
                None => {
                    unrecognised(HANDLER, &arg);
                    bad = true;
                }
            },
        }
        if bad {
            break;
        }
    }
    if json {
        raw = true;
        format.get_or_insert_with(|| "l".into());
    }
    if !raw {
        objects.extend(history);
        format.get_or_insert_with(|| "l".into());
    }
    if objects.is_empty() {
        whine(HANDLER, "No objects specified.");
        bad = true;
    }
    if bad {
        return Ok(args::suggest_help("show", kind.as_deref(), 1));
    }
    let ids: Vec<(&str, &str)> = objects.iter().map(|o| ("id", o.as_str())).collect();
    let request = args::request(&ids, &[("format", format.as_deref()), ("fields", fields.as_deref())], &data);
    let response = app.submit("show", &request)?;
    if json {
        return Ok(show_json(&response.text(), response.is_success()));
    }
    let mut content = response.content;
    if !response.content_type.starts_with("text/") {
        // Attachments' bytes, without the newline RT adds.
        if content.last() == Some(&b'\n') {
            content.pop();
        }
        raw = true;
    }
    if raw {
        emit(&content);
    } else {
        // Several answers in one: their status lines separate them.
        let text = String::from_utf8_lossy(&content);
        let text: Vec<&str> = text.split('\n').map(|l| if is_ok_status_line(l) { "--" } else { l }).collect();
        emit(output::show(&form::parse(&text.join("\n"))));
    }
    Ok(0)
}

/// Prints the forms as JSON; a form that is only a comment (`# Ticket 9
/// does not exist.`) is an error, told on stderr.
fn show_json(text: &str, success: bool) -> u8 {
    let forms = form::parse(text);
    let mut status = if success { 0 } else { 1 };
    for form in forms.iter().filter(|f| f.fields.is_empty()) {
        for line in form.comment.lines() {
            eprintln!("rt: {}", line.trim_start_matches(['#', ' ']));
            status = 1;
        }
    }
    if success {
        emit(format!("{}\n", output::json(&forms)));
    }
    status
}

/// `RT/<digits and dots> 200 Ok`.
fn is_ok_status_line(line: &str) -> bool {
    line.strip_prefix("RT/")
        .and_then(|rest| rest.strip_suffix(" 200 Ok"))
        .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}
