//! `rt create` (`new`) and `rt edit` (`ed`), and the shortcuts that run
//! `rt edit` (`resolve`, `delete`, `give`, `subject`).
//!
//! Changes come from the command line (`set key=value`, `set key+=value`,
//! `add`, `del`) or, when there are none or with `-e`, from the editor;
//! `-i` reads the forms from stdin and `-o` prints them instead of sending
//! them. The forms to change are asked from the server (always for a new
//! object, whose form carries the defaults) unless plain `set`s say all
//! there is to say. A form the server finds wrong (409) goes back to the
//! editor with the server's complaint, when the editor was used.

use std::io::{BufRead, Read};

use rt_client::rest1::form::{self, Form, Value, leading_field, split_list};
use rt_client::rest1::{Field, Response};

use crate::app::{App, Fatal, Outcome, emit};
use crate::args::{self, Args, expand_list, object_spec, unhash, unrecognised, whine};
use crate::{editor, help};

const HANDLER: &str = "edit";

/// The changes given on the command line, keys in lower case.
#[derive(Default)]
struct Changes {
    set: Form,
    add: Form,
    del: Form,
}

/// Runs `rt create` or `rt edit` (`action` is the name it was called by).
pub fn edit(app: &mut App, action: &str, mut args: Args) -> Outcome {
    let mut kind: Option<String> = None;
    let mut objects: Vec<String> = Vec::new();
    let mut data: Vec<(String, String)> = Vec::new();
    let mut changes = Changes::default();
    let mut content_type: Option<String> = None;
    let (mut use_editor, mut input, mut output, mut given) = (false, false, false, false);
    let (mut slurped, mut bad) = (false, false);
    while let Some(arg) = args.pop_front().map(unhash) {
        match arg.as_str() {
            "-e" => use_editor = true,
            "-i" => input = true,
            "-o" => output = true,
            "-ct" => content_type = args.pop_front(),
            "-t" => match args::type_argument(HANDLER, &mut args) {
                Some(k) => kind = Some(k),
                None => bad = true,
            },
            "-S" => bad = !args::var_argument(HANDLER, &mut args, &mut data),
            "-" if !(slurped || input) => {
                for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                    if object_spec(&line, kind.as_deref()).is_none() {
                        whine(HANDLER, &format!("Invalid object on STDIN: '{line}'."));
                        bad = true;
                        break;
                    }
                    objects.push(line);
                }
                slurped = true;
            }
            _ if arg.eq_ignore_ascii_case("set") => {
                bad = !take_changes(&mut args, &mut changes, None);
                given = true;
            }
            _ if arg.eq_ignore_ascii_case("add") || arg.eq_ignore_ascii_case("del") => {
                let add = arg == "add";
                bad = !take_changes(&mut args, &mut changes, Some(add));
                given = true;
            }
            _ if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_digit()) => {
                objects.extend(object_spec(&format!("ticket/{arg}"), kind.as_deref()));
            }
            _ => match object_spec(&arg, kind.as_deref()) {
                Some(spec) => objects.push(spec),
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
    if action == "edit" || action == "ed" {
        if objects.is_empty() {
            whine(HANDLER, "No objects specified.");
            bad = true;
        }
    } else {
        if !objects.is_empty() {
            whine(HANDLER, &format!("You shouldn't specify objects as arguments to {action}."));
            bad = true;
        }
        match &kind {
            Some(kind) => objects = vec![format!("{kind}/new")],
            None => {
                whine(HANDLER, "What type of object do you want to create?");
                bad = true;
            }
        }
    }
    if bad {
        return Ok(args::suggest_help(action, kind.as_deref(), 1));
    }

    let ask_server = use_editor
        || !changes.add.fields.is_empty()
        || !changes.del.fields.is_empty()
        || !given
        || objects.iter().any(|o| o.ends_with("/new"));
    let mut text = if input {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| Fatal(format!("rt: cannot read stdin: {e}")))?;
        Some(text)
    } else if ask_server {
        let mut request: Vec<Field> = objects.iter().map(|o| Field::text("id", o)).collect();
        request.push(Field::text("format", "l"));
        Some(app.submit("show", &request)?.text().into_owned())
    } else {
        None
    };
    if given {
        let forms = match text.as_deref().filter(|t| !t.is_empty()) {
            Some(text) => form::parse(text).into_iter().map(|f| apply(f, &changes)).collect(),
            None => own_forms(&objects, &changes.set),
        };
        text = Some(form::compose(&forms));
    }
    let mut text = text.unwrap_or_default();
    if output {
        emit(&text);
        return Ok(0);
    }

    let interactive = use_editor || (!input && !given);
    let mut files: Vec<String> = changes.set.get("attachment").map(split_list).unwrap_or_default();
    let mut after_error = false;
    loop {
        if kind.as_deref() == Some("ticket")
            && let Some(ct) = content_type.as_deref().filter(|ct| *ct != "text/plain")
            && !text.lines().any(|l| l.starts_with("Content-Type:"))
        {
            text.push_str(&format!("Content-Type: {ct}\n"));
        }
        if interactive {
            let Some((edited, attached)) = editor::edit_forms(&text)? else {
                return Ok(0);
            };
            if after_error && edited == text {
                return Ok(0);
            }
            (text, files) = (edited, attached);
        }
        data.retain(|(k, _)| !is_attachment_field(k));
        let mut request = args::request(&[("content", &text)], &[], &data);
        request.extend(attachments(&files)?);
        let response = app.submit("edit", &request)?;
        if response.code == 409 && interactive {
            text = format!("{}{text}", commented(&response));
            after_error = true;
            continue;
        }
        emit(&response.content);
        return Ok(0);
    }
}

/// `rt resolve`, `rt delete`, `rt give`, `rt subject`: says the `rt edit`
/// it stands for, and runs it.
pub fn shortcut(app: &mut App, action: &str, mut args: Args) -> Outcome {
    const HANDLER: &str = "setcommand";
    let id = args.pop_front().and_then(|a| args::ticket_ids(&a).map(str::to_string));
    let mut bad = false;
    if id.is_none() {
        whine(HANDLER, "No ticket number specified.");
        bad = true;
    }
    let change = match action {
        "subject" if !args.is_empty() => Some(format!("subject=\"{}\"", args.drain(..).collect::<Vec<_>>().join(" "))),
        "give" => args.pop_front().map(|owner| format!("owner={owner}")),
        "delete" | "del" if args.is_empty() => Some("status=deleted".into()),
        "resolve" | "res" if args.is_empty() => Some("status=resolved".into()),
        _ => None,
    };
    if !args.is_empty() {
        whine(HANDLER, &format!("Extraneous arguments for action {action}: {}.", Vec::from(args).join(" ")));
        bad = true;
    }
    let (Some(id), Some(change), false) = (id, change.clone(), bad) else {
        if change.is_none() {
            whine(HANDLER, &format!("unrecognized action {action}."));
        }
        return Ok(help::show_topic("edit", 1));
    };
    emit(format!("Executing: rt edit {id} set {change}\n"));
    edit(app, "edit", Args::from([id, "set".into(), change]))
}

/// Reads `key=value` (and, after `set`, `key+=value` / `key-=value`)
/// arguments into `changes`: after `set` when `add` is `None`, else after
/// `add` or `del`. False when there was none.
fn take_changes(args: &mut Args, changes: &mut Changes, add: Option<bool>) -> bool {
    let mut count = 0;
    while let Some(arg) = args.front() {
        let ops: &[&str] = if add.is_some() { &["="] } else { &["=", "+=", "-="] };
        let Some((key, rest)) = leading_field(arg, |r| ops.iter().any(|op| r.starts_with(op))) else { break };
        let op = ops.iter().find(|op| rest.starts_with(*op)).copied().unwrap_or("=");
        let target = match (add, op) {
            (Some(true), _) | (None, "+=") => &mut changes.add,
            (Some(false), _) | (None, "-=") => &mut changes.del,
            _ => &mut changes.set,
        };
        target.push(&key.to_lowercase(), Value::Text(rest[op.len()..].to_string()));
        args.pop_front();
        count += 1;
    }
    if count == 0 {
        whine(HANDLER, "No variables to set.");
    }
    count > 0
}

/// A form from the server with the command line's changes made: existing
/// fields (any case) added to, deleted from and set, then new ones added.
fn apply(mut form: Form, changes: &Changes) -> Form {
    if form.error.is_some() || form.fields.is_empty() {
        return form;
    }
    let mut changes = Changes { set: changes.set.clone(), add: changes.add.clone(), del: changes.del.clone() };
    let keys: Vec<String> = form.fields.iter().map(|(k, _)| k.clone()).collect();
    for key in keys {
        let lower = key.to_lowercase();
        if let Some(value) = take(&mut changes.add, &lower) {
            let split = value.items().iter().any(|v| v.contains([',', '\n']));
            form.push(&key, value);
            if split {
                relist(&mut form, &key);
            }
        }
        if let Some(value) = take(&mut changes.del, &lower) {
            let gone = split_list(&value);
            let kept = form.get(&key).map(split_list).unwrap_or_default().into_iter().filter(|v| !gone.contains(v));
            form.set(&key, Value::List(kept.collect()));
        }
        if let Some(value) = take(&mut changes.set, &lower) {
            form.set(&key, value);
        }
    }
    for (key, value) in changes.add.fields {
        form.push(&key, value);
        relist(&mut form, &key);
    }
    for (key, value) in changes.set.fields {
        form.push(&key, value);
    }
    form
}

/// Forms made from plain `set`s alone, one per object (`ticket/1-3` is three).
fn own_forms(objects: &[String], set: &Form) -> Vec<Form> {
    let mut forms = Vec::new();
    for object in objects {
        let Some((kind, rest)) = object.split_once('/') else { continue };
        let (ids, tail) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
        for id in expand_list(ids) {
            let mut form = Form::new(vec![("id".into(), Value::Text(format!("{kind}/{id}{tail}")))]);
            form.fields.extend(set.fields.iter().filter(|(k, _)| k != "id").cloned());
            forms.push(form);
        }
    }
    forms
}

fn take(changes: &mut Form, key: &str) -> Option<Value> {
    let at = changes.fields.iter().position(|(k, _)| k == key)?;
    Some(changes.fields.remove(at).1)
}

fn relist(form: &mut Form, key: &str) {
    if let Some(value) = form.get(key) {
        let items = split_list(value);
        form.set(key, Value::List(items));
    }
}

/// The files as `attachment_<n>` fields.
pub fn attachments(files: &[String]) -> Result<Vec<Field>, Fatal> {
    files
        .iter()
        .enumerate()
        .map(|(n, file)| {
            Field::file(format!("attachment_{}", n + 1), std::path::Path::new(file))
                .map_err(|e| Fatal(format!("rt: cannot read attachment '{file}': {e}")))
        })
        .collect()
}

fn is_attachment_field(name: &str) -> bool {
    name.strip_prefix("attachment_").is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The server's complaint about a form, as comment lines to put above it.
fn commented(response: &Response) -> String {
    let text = format!("{}\n", response.text());
    let (body, tail) = text.strip_suffix('\n').map_or((text.as_str(), ""), |b| (b, "\n"));
    let lines: Vec<String> =
        body.split('\n').map(|l| if l.starts_with('#') { l.to_string() } else { format!("#     {l}") }).collect();
    format!("{}{tail}", lines.join("\n"))
}
