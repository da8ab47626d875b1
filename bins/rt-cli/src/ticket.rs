//! The actions only tickets have: `rt comment` and `rt correspond` (with
//! files, Cc/Bcc, time worked and a new status; the editor when no
//! message is given), `rt merge`, `rt link` and `rt take`/`untake`/`steal`.

use std::io::Read;

use rt_client::rest1::Field;
use rt_client::rest1::form::{self, Form, Value};

use crate::app::{App, Fatal, Outcome, emit};
use crate::args::{self, Args, unhash, whine};
use crate::edit::attachments;
use crate::editor;

/// Runs `rt comment` or `rt correspond` (`action`).
pub fn comment(app: &mut App, action: &str, mut args: Args) -> Outcome {
    const HANDLER: &str = "comment";
    let mut id: Option<String> = None;
    let (mut files, mut cc, mut bcc) = (Vec::new(), Vec::new(), Vec::new());
    let (mut message, mut content_type, mut worked, mut status) = (None::<String>, None, None, None);
    let (mut use_editor, mut bad) = (false, false);
    while let Some(arg) = args.pop_front() {
        match arg.as_str() {
            "-e" => use_editor = true,
            "-a" | "-b" | "-c" | "-m" | "-w" | "-s" | "-ct" => {
                let Some(value) = args.pop_front() else {
                    whine(HANDLER, &format!("No argument specified with {arg}."));
                    bad = true;
                    break;
                };
                match arg.as_str() {
                    "-a" => {
                        if !std::fs::File::open(&value).is_ok_and(|f| f.metadata().is_ok_and(|m| m.is_file())) {
                            whine(HANDLER, &format!("Cannot read attachment: '{value}'."));
                            return Ok(1);
                        }
                        files.push(value);
                    }
                    "-b" => bcc = split_commas(&value),
                    "-c" => cc = split_commas(&value),
                    "-m" if value == "-" => {
                        let mut text = String::new();
                        std::io::stdin()
                            .read_to_string(&mut text)
                            .map_err(|e| Fatal(format!("rt: cannot read stdin: {e}")))?;
                        message = Some(text);
                    }
                    "-m" => message = Some(value),
                    "-w" => worked = Some(value),
                    "-s" => status = Some(value),
                    _ => content_type = Some(value),
                }
            }
            _ if id.is_none() && args::ticket_ids(&arg).is_some() => {
                id = args::ticket_ids(&arg).map(str::to_string);
            }
            _ => {
                args::unrecognised(HANDLER, &arg);
                bad = true;
                break;
            }
        }
    }
    if id.is_none() {
        whine(HANDLER, "No object specified.");
    }
    let Some(id) = id.filter(|_| !bad) else {
        return Ok(args::suggest_help(action, Some("ticket"), 1));
    };
    let message = message.filter(|m| !m.is_empty() && m != "0");
    let mut fields = vec![
        ("Ticket".to_string(), Value::Text(id.clone())),
        ("Action".to_string(), Value::Text(action.to_string())),
        ("Cc".to_string(), Value::List(cc)),
        ("Bcc".to_string(), Value::List(bcc)),
        ("Attachment".to_string(), Value::List(files.clone())),
        ("TimeWorked".to_string(), Value::Text(worked.unwrap_or_default())),
        ("Content-Type".to_string(), Value::Text(content_type.unwrap_or_else(|| "text/plain".into()))),
        ("Text".to_string(), Value::Text(message.clone().unwrap_or_default())),
    ];
    fields.extend(status.filter(|s| !s.is_empty()).map(|s| ("Status".to_string(), Value::Text(s))));
    let mut text = form::compose(&[Form::new(fields)]);
    if use_editor || message.is_none() {
        let Some((edited, attached)) = editor::edit_forms(&text)? else {
            return Ok(0);
        };
        (text, files) = (edited, attached);
    }
    let mut request = attachments(&files)?;
    request.push(Field::text("content", text));
    let response = app.submit(&format!("ticket/{id}/comment"), &request)?;
    emit(&response.content);
    Ok(0)
}

/// Runs `rt merge <from> <into>`.
pub fn merge(app: &mut App, args: Args) -> Outcome {
    const HANDLER: &str = "merge";
    let (mut ids, mut bad) = (Vec::new(), false);
    for arg in args.into_iter().map(unhash) {
        if arg.is_empty() || !arg.chars().all(|c| c.is_ascii_digit()) {
            whine(HANDLER, &format!("Unrecognised argument: '{arg}'."));
            bad = true;
            break;
        }
        ids.push(arg);
    }
    if ids.len() != 2 {
        whine(HANDLER, &format!("Too {} arguments specified.", if ids.len() > 2 { "many" } else { "few" }));
        bad = true;
    }
    if bad {
        return Ok(args::suggest_help("merge", Some("ticket"), 1));
    }
    let response = app.submit(&format!("ticket/{}/merge/{}", ids[0], ids[1]), &[])?;
    emit(&response.content);
    Ok(0)
}

/// Runs `rt link [-d] [-t type] <from> <relation> <to>`.
pub fn link(app: &mut App, mut args: Args) -> Outcome {
    const HANDLER: &str = "link";
    const RELATIONS: [&str; 6] = ["DependsOn", "DependedOnBy", "RefersTo", "ReferredToBy", "HasMember", "MemberOf"];
    let (mut delete, mut kind, mut bad) = (false, None, false);
    while args.front().is_some_and(|a| a.starts_with('-')) {
        let arg = args.pop_front().unwrap_or_default();
        match arg.as_str() {
            "-d" => delete = true,
            "-t" => match args::type_argument(HANDLER, &mut args) {
                Some(k) => kind = Some(k),
                None => bad = true,
            },
            _ => {
                whine(HANDLER, &format!("Unrecognised option: '{arg}'."));
                bad = true;
            }
        }
        if bad {
            break;
        }
    }
    let kind = kind.unwrap_or_else(|| "ticket".into());
    if args.len() != 3 {
        whine(HANDLER, &format!("Too {} arguments specified.", if args.len() > 3 { "many" } else { "few" }));
        bad = true;
    }
    if args.len() == 3 && kind == "ticket" && !RELATIONS.iter().any(|r| r.eq_ignore_ascii_case(&args[1])) {
        whine(HANDLER, &format!("Invalid link '{}' for type {kind} specified.", args[1]));
        bad = true;
    }
    if bad {
        return Ok(args::suggest_help("link", Some(&kind), 1));
    }
    let request = [
        Field::text("id", &args[0]),
        Field::text("rel", &args[1]),
        Field::text("to", &args[2]),
        Field::text("del", if delete { "1" } else { "0" }),
    ];
    let response = app.submit(&format!("{kind}/link"), &request)?;
    emit(&response.content);
    Ok(0)
}

/// Runs `rt take`, `rt untake` or `rt steal` (`action`) on one ticket.
pub fn take(app: &mut App, action: &str, args: Args) -> Outcome {
    const HANDLER: &str = "take";
    if args.len() != 1 {
        whine(HANDLER, &format!("Too {} arguments specified.", if args.is_empty() { "few" } else { "many" }));
        return Ok(args::suggest_help("take", Some("ticket"), 1));
    }
    let id = &args[0];
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
        whine(HANDLER, &format!("Invalid ticket ID {id} specified."));
        return Ok(args::suggest_help("take", Some("ticket"), 1));
    }
    let form = Form::new(vec![("Ticket".into(), Value::from(id.as_str())), ("Action".into(), Value::from(action))]);
    let response = app.submit(&format!("ticket/{id}/take"), &[Field::text("content", form::compose(&[form]))])?;
    emit(&response.content);
    Ok(0)
}

/// `a, b,c` as `["a", "b", "c"]`.
fn split_commas(list: &str) -> Vec<String> {
    list.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}
