//! `rt ls` (`list`, `search`): objects matching a query. Tickets are shown
//! as a table unless `-i` (ids), `-s` (id and subject), `-l` (whole
//! forms) or `-f` (chosen fields) asks for RT's own listing; other types
//! are always listed as RT gives them. A bare number is the ticket of that
//! id, a bare word its owner or requestor; `-q` and the configured queue
//! limit the query; unquoted values are quoted. `--json` prints the
//! matching objects' forms as JSON.

use rt_client::rest1::form;

use crate::app::{App, Outcome, emit};
use crate::args::{self, Args, unrecognised, whine};
use crate::output;

const HANDLER: &str = "list";

/// Runs `rt ls`.
pub fn list(app: &mut App, mut args: Args) -> Outcome {
    let mut query: Option<String> = None;
    let mut kind: Option<String> = None;
    let mut data: Vec<(String, String)> = Vec::new();
    let (mut format, mut fields, mut orderby) =
        (None, None, Some(app.config.orderby.clone()).filter(|o| !o.is_empty()));
    let mut queue = app.config.queue.clone();
    let (mut raw, mut reverse, mut json, mut bad) = (false, false, false, false);
    while let Some(arg) = args.pop_front() {
        match arg.as_str() {
            "-t" => match args::type_argument(HANDLER, &mut args) {
                Some(k) => kind = Some(k),
                None => bad = true,
            },
            "-S" => bad = !args::var_argument(HANDLER, &mut args, &mut data),
            "-o" => orderby = args.pop_front(),
            "-i" | "-s" | "-l" => {
                format = Some(arg[1..].to_string());
                raw = true;
            }
            "-q" => queue = args.pop_front(),
            "-r" => reverse = true,
            "--json" => json = true,
            "-f" => {
                fields = Some(args::field_list(HANDLER, &mut args, &mut bad));
                format.get_or_insert_with(|| "s".to_string());
                raw = true;
            }
            _ if query.is_none() && !arg.starts_with('-') => query = Some(arg),
            _ => {
                unrecognised(HANDLER, &arg);
                bad = true;
            }
        }
        if bad {
            break;
        }
    }
    if json && matches!(format.as_deref(), Some("i" | "s")) && fields.is_none() {
        whine(HANDLER, "--json lists whole objects: it does not go with -i or -s.");
        bad = true;
    }
    let kind = kind.unwrap_or_else(|| "ticket".into());
    if bad {
        return Ok(args::suggest_help("list", Some(&kind), 1));
    }
    if json {
        // Forms, limited to the fields asked for.
        format = Some("l".into());
    } else if !raw && format.is_none() {
        format = Some("l".into());
        fields = Some("subject,status,queue,created,told,owner,requestors".into());
    }
    if reverse && let Some(order) = &mut orderby {
        *order = match order.strip_prefix('-') {
            Some(rest) => format!("+{rest}"),
            None => format!("-{}", order.strip_prefix('+').unwrap_or(order)),
        };
    }
    let mut query = query.unwrap_or_else(|| if kind == "ticket" { app.config.query.clone() } else { String::new() });
    if let Some(rest) = query.strip_prefix('#') {
        query = rest.to_string();
    }
    if kind == "ticket" {
        query = ticket_query(&query, &app.config.query, queue.as_deref());
    }
    let raw = raw || kind != "ticket";
    if !raw && !json {
        emit(format!("Query:{query}\n"));
    }
    let options = [("format", format.as_deref()), ("fields", fields.as_deref()), ("orderby", orderby.as_deref())];
    let request = args::request(&[("query", &query)], &options, &data);
    let response = app.submit(&format!("search/{kind}"), &request)?;
    if json {
        if !response.is_success() {
            return Ok(1);
        }
        emit(format!("{}\n", output::json(&form::parse(&response.text()))));
    } else if raw {
        emit(&response.content);
    } else {
        emit(output::list(&form::parse(&response.text()), &app.config.user));
    }
    Ok(0)
}

/// A ticket query as RT's client rewrites it: a number is an id, a bare
/// word an owner or requestor (within the default query), the queues
/// added unless the query names a queue or an id, unquoted values quoted.
fn ticket_query(query: &str, default: &str, queue: Option<&str>) -> String {
    if !query.is_empty() && query.chars().all(|c| c.is_ascii_digit()) {
        return quote_values(&format!("id={query}"));
    }
    let mut query = query.to_string();
    if !query.is_empty() && query.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
        query = format!("(Owner={query} or Requestor like {query}) and {default}");
    }
    let lower = query.to_ascii_lowercase();
    let names =
        |word: &str| lower.match_indices(word).any(|(i, _)| lower[i + word.len()..].trim_start().starts_with('='));
    if let Some(queue) = queue.filter(|q| !q.is_empty())
        && !query.is_empty()
        && !names("queue")
        && !names("id")
    {
        query = format!("{query} and (Queue={})", queue.replace(',', " or Queue="));
    }
    quote_values(&query)
}

/// Puts quotes around the values after `=` or `like ` that start with
/// neither a quote nor a digit, up to the last word boundary before the
/// next whitespace (the spaces between operator and value are dropped).
fn quote_values(query: &str) -> String {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(query.len() + 8);
    let mut i = 0;
    while i < query.len() {
        let rest = &query[i..];
        let operator = if rest.starts_with('=') {
            1
        } else if rest.starts_with("like") && rest[4..].starts_with(char::is_whitespace) {
            4 + rest[4..].chars().next().map_or(0, char::len_utf8)
        } else {
            0
        };
        let value_at = i + operator + (rest[operator..].len() - rest[operator..].trim_start().len());
        let value = &query[value_at..];
        let first = value.chars().next();
        if operator == 0 || first.is_none_or(|c| c == '\'' || c.is_ascii_digit() || c.is_whitespace()) {
            let c = rest.chars().next().map_or(1, char::len_utf8);
            out.push_str(&rest[..c]);
            i += c;
            continue;
        }
        let run = value.find(char::is_whitespace).unwrap_or(value.len());
        let boundary = value[..run]
            .char_indices()
            .map(|(j, c)| j + c.len_utf8())
            .rfind(|&end| is_word(value[..end].chars().next_back()) != is_word(value[end..].chars().next()));
        match boundary {
            Some(end) => {
                out.push_str(&rest[..operator]);
                out.push_str(&format!("'{}'", &value[..end]));
                i = value_at + end;
            }
            None => {
                out.push_str(&rest[..1]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_rewritten_as_rts_client_does() {
        let default = "Status!='resolved' and Status!='rejected'";
        assert_eq!(ticket_query("Status=new", default, None), "Status='new'");
        assert_eq!(ticket_query("42", default, Some("General")), "id=42");
        assert_eq!(
            ticket_query("root", default, None),
            "(Owner='root' or Requestor like 'root') and Status!='resolved' and Status!='rejected'"
        );
        assert_eq!(ticket_query("Status = open", default, Some("a,b")), "Status ='open' and (Queue='a' or Queue='b')");
        assert_eq!(ticket_query("Queue = 'x'", default, Some("a")), "Queue = 'x'");
        assert_eq!(ticket_query("Owner=root)", default, None), "Owner='root')");
        assert_eq!(
            ticket_query("Priority > 5 AND Subject like foo", default, None),
            "Priority > 5 AND Subject like 'foo'"
        );
        assert_eq!(ticket_query("CF.{Severity}=high", default, None), "CF.{Severity}='high'");
    }
}
