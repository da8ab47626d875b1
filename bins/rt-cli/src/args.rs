//! RT's command-line grammar, shared by the actions: the argument queue,
//! `-t <type>` and `-S <var=value>`, object specifications
//! (`<type>/<ids or names>[/<attribute>]`), id lists (`1-3,5`), and the
//! way complaints are printed.

use std::collections::VecDeque;

use rt_client::rest1::Field;
use rt_client::rest1::form::{is_field, leading_field};

/// The arguments left to read.
pub type Args = VecDeque<String>;

/// Prints `rt: <handler>: <message>` on stderr.
pub fn whine(handler: &str, message: &str) {
    eprintln!("rt: {handler}: {message}");
}

/// Points at the help topics for `action` and `kind`; returns `status`.
pub fn suggest_help(action: &str, kind: Option<&str>, status: u8) -> u8 {
    eprintln!("rt: For help, run 'rt help {action}'.");
    if let Some(kind) = kind {
        eprintln!("rt: For help, run 'rt help {kind}'.");
    }
    status
}

/// Reads the argument of `-t`: a type name, a plural's `s` dropped.
pub fn type_argument(handler: &str, args: &mut Args) -> Option<String> {
    let Some(kind) = args.pop_front() else {
        whine(handler, "No type argument specified with -t.");
        return None;
    };
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)) {
        whine(handler, &format!("Invalid type '{kind}' specified."));
        return None;
    }
    Some(kind.strip_suffix('s').unwrap_or(&kind).to_string())
}

/// Reads the argument of `-S`: `field=value`, added to `data`.
pub fn var_argument(handler: &str, args: &mut Args, data: &mut Vec<(String, String)>) -> bool {
    let Some(pair) = args.pop_front() else {
        whine(handler, "No variable argument specified with -S.");
        return false;
    };
    match leading_field(&pair, |rest| rest.starts_with('=')) {
        Some((key, value)) => {
            data.push((key.to_string(), value[1..].to_string()));
            true
        }
        None => {
            whine(handler, &format!("Invalid variable specification: '{pair}'."));
            false
        }
    }
}

/// A request's fields as RT's client makes them, where `-S` values and
/// options share one table: the action's own fields (`fixed`) unless `-S`
/// gave that name, each option's value instead of `-S`'s, then `-S`'s.
pub fn request(fixed: &[(&str, &str)], options: &[(&str, Option<&str>)], data: &[(String, String)]) -> Vec<Field> {
    let given = |name: &str| data.iter().any(|(k, _)| k == name);
    let fixed = fixed.iter().filter(|(name, _)| !given(name)).map(|(k, v)| Field::text(*k, *v));
    let options: Vec<(&str, &str)> = options.iter().filter_map(|(k, v)| Some((*k, (*v)?))).collect();
    let data = data.iter().filter(|(k, _)| !options.iter().any(|(o, _)| o == k)).map(|(k, v)| Field::text(k, v));
    fixed.chain(options.iter().map(|(k, v)| Field::text(*k, *v))).chain(data).collect()
}

/// Whether `list` is a comma-separated list of field names (`-f`).
fn is_field_list(list: &str) -> bool {
    list.split(',').all(is_field)
}

/// The value of `-f`, taken from `args`; one that is not a list of field
/// names is said (as `handler`'s complaint) and sets `bad`.
pub fn field_list(handler: &str, args: &mut Args, bad: &mut bool) -> String {
    let list = args.pop_front().unwrap_or_default();
    if !is_field_list(&list) {
        whine(handler, &format!("No valid field list in '-f {list}'."));
        *bad = true;
    }
    list
}

/// `spec` as an object specification of `kind` (prefixed with
/// `<kind>/` when it lacks it), if it is one.
pub fn object_spec(spec: &str, kind: Option<&str>) -> Option<String> {
    let spec = match kind {
        Some(kind) if !spec.starts_with(&format!("{kind}/")) => format!("{kind}/{spec}"),
        _ => spec.to_string(),
    };
    let (name, rest) = spec.split_once('/')?;
    let ids = rest.split('/').next().unwrap_or("");
    let name_ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    let ids_ok = ids.split(',').all(|id| !id.is_empty() && !id.contains('\\'));
    (name_ok && ids_ok && !spec.contains('\n')).then_some(spec)
}

/// Whether `text` is a list of ids and id ranges (`1-3,5`).
pub fn is_id_list(text: &str) -> bool {
    let number = |n: &str| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit());
    text.split(',').all(|item| match item.split_once('-') {
        Some((from, to)) => number(from) && number(to),
        None => number(item),
    })
}

/// A ticket id argument (`5`, `ticket/5`, `1-3,7`), without its prefix.
pub fn ticket_ids(arg: &str) -> Option<&str> {
    let ids = arg.strip_prefix("ticket/").unwrap_or(arg);
    is_id_list(ids).then_some(ids)
}

/// The ids and names of a list (`5,1-3,root`): ranges expanded, numbers
/// first in order, then names in alphabetical order.
pub fn expand_list(list: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in list.split(',').map(str::trim) {
        match item.split_once('-').and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?))) {
            Some((from, to)) => items.extend((from..=to).map(|n| n.to_string())),
            None => items.push(item.to_string()),
        }
    }
    items.sort_by_cached_key(|item| match item.parse::<u64>() {
        Ok(n) => (0, n, String::new()),
        Err(_) => (1, 0, item.to_lowercase()),
    });
    items
}

/// An argument with the `#` of `#123` dropped.
pub fn unhash(arg: String) -> String {
    match arg.strip_prefix('#') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_string(),
        _ => arg,
    }
}

/// `unrecognised option` or `argument`, as RT's client words it.
pub fn unrecognised(handler: &str, arg: &str) {
    let what = if arg.starts_with('-') { "option" } else { "argument" };
    whine(handler, &format!("Unrecognised {what} '{arg}'."));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_specifications_are_recognised() {
        assert_eq!(object_spec("ticket/1", None).as_deref(), Some("ticket/1"));
        assert_eq!(object_spec("1-3,5/history", Some("ticket")).as_deref(), Some("ticket/1-3,5/history"));
        assert_eq!(object_spec("user/root,ams", None).as_deref(), Some("user/root,ams"));
        assert_eq!(object_spec("ticket/", None), None);
        assert_eq!(object_spec("nothing", None), None);
        assert_eq!(object_spec("a b/1", None), None);
    }

    #[test]
    fn lists_expand_numbers_first() {
        assert_eq!(expand_list("root,5,1-3,Ams"), ["1", "2", "3", "5", "Ams", "root"]);
        assert!(is_id_list("1-3,7") && !is_id_list("1,,2") && !is_id_list("x"));
        assert_eq!(ticket_ids("ticket/4"), Some("4"));
    }
}
