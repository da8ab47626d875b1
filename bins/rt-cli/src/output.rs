//! How forms are shown: `rt show`'s mail-like view of a ticket and its
//! history, `rt ls`'s table, and `--json`.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use rt_client::rest1::form::{Form, Value};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Appends a line to a `String`.
macro_rules! put {
    ($out:expr, $($arg:tt)*) => {{
        $out.push_str(&format!($($arg)*));
        $out.push('\n');
    }};
}

/// A ticket and its history as `rt show` prints them: mail-like headers
/// from the ticket, then each transaction's description, content and
/// attachments. History dates are UTC and shown in local time.
pub fn show(forms: &[Form]) -> String {
    let mut out = String::new();
    if let Some(ticket) = forms.iter().find(|f| f.get("Queue").is_some()) {
        put!(out, "Date: {}", text(ticket, "Created"));
        put!(out, "From: {}", text(ticket, "Requestors"));
        for (key, header) in [("Cc", "Cc"), ("AdminCc", "X-AdminCc")] {
            if truthy(&text(ticket, key)) {
                put!(out, "{header}: {}", text(ticket, key));
            }
        }
        put!(out, "X-Queue: {}", text(ticket, "Queue"));
        put!(out, "Subject: [rt #{}] {}\n", text(ticket, "id"), text(ticket, "Subject"));
    }
    for form in forms {
        if !truthy(&text(form, "id")) || form.get("Queue").is_some() {
            continue;
        }
        let created =
            form.get("Created").and_then(|c| NaiveDateTime::parse_from_str(&c.joined(), "%Y-%m-%d %H:%M:%S").ok());
        if let (Some(created), Some(description)) = (created, form.get("Description")) {
            let local = Utc.from_utc_datetime(&created).with_timezone(&Local);
            put!(out, "===> {} on {}", description.joined(), ctime(&local));
        }
        if let Some(content) = form.get("Content").map(Value::joined)
            && !content.ends_with("to have no content")
            && text(form, "Type") != "EmailRecord"
        {
            put!(out, "{content}");
        }
        if truthy(&text(form, "Attachments")) {
            put!(out, "{}", text(form, "Attachments"));
        }
    }
    out
}

/// Tickets as `rt ls` lists them: a table, tickets of others first, then
/// `user`'s, then the unowned ones.
pub fn list(forms: &[Form], user: &str) -> String {
    let mut out = String::new();
    let mut heading = true;
    let (mut mine, mut unowned) = (Vec::new(), Vec::new());
    let cut = |s: String, n: usize| s.chars().take(n).collect::<String>();
    for form in forms {
        let id = text(form, "id");
        if !truthy(&id) {
            continue;
        }
        if heading {
            put!(out, "Ticket Owner Queue    Age   Told Status Requestor Subject\n{}", "-".repeat(80));
            heading = false;
        }
        let owner = text(form, "Owner");
        let told = text(form, "Told");
        let created = age(&text(form, "Created"), &mut out);
        let told = if told == "Not set" { String::new() } else { age(&told, &mut out) };
        let line = format!(
            "{:>6} {:>5} {:>5} {:>6} {:>6} {:<6} {:<9} {:<30}",
            id.strip_prefix("ticket/").unwrap_or(&id),
            cut(if owner == "Nobody" { String::new() } else { owner.clone() }, 5),
            cut(text(form, "Queue"), 5),
            created,
            told,
            cut(text(form, "Status"), 6),
            cut(text(form, "Requestors"), 9),
            cut(text(form, "Subject"), 30),
        );
        match owner.as_str() {
            "Nobody" => unowned.push(line),
            o if o == user => mine.push(line),
            _ => put!(out, "{line}"),
        }
    }
    if heading {
        put!(out, "No matches found");
    }
    if !mine.is_empty() {
        put!(out, "========== my {:2} open tickets ==========\n{}", mine.len(), mine.join("\n"));
    }
    if !unowned.is_empty() {
        put!(out, "========== {:2} unowned tickets ==========\n{}", unowned.len(), unowned.join("\n"));
    }
    out
}

/// The forms that have fields, as a JSON array of objects (fields in
/// order, a list as an array).
pub fn json(forms: &[Form]) -> String {
    let objects: Vec<JsonForm> = forms.iter().filter(|f| !f.fields.is_empty()).map(JsonForm).collect();
    serde_json::to_string_pretty(&objects).unwrap_or_default()
}

struct JsonForm<'a>(&'a Form);

impl Serialize for JsonForm<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.fields.len()))?;
        for (key, value) in &self.0.fields {
            match value {
                Value::Text(text) => map.serialize_entry(key, text)?,
                Value::List(items) => map.serialize_entry(key, items)?,
            }
        }
        map.end()
    }
}

fn text(form: &Form, key: &str) -> String {
    form.get(key).map(Value::joined).unwrap_or_default()
}

/// Perl's truth: neither empty nor `0`.
fn truthy(text: &str) -> bool {
    !text.is_empty() && text != "0"
}

/// `Fri Dec  4 15:15:20 2026`.
fn ctime(time: &DateTime<Local>) -> String {
    time.format("%a %b %e %H:%M:%S %Y").to_string()
}

/// How long ago a date RT gave (in local time) was: `26 sec`, `3 day`...
/// An unreadable date is said so in `out` and shown as `???`.
fn age(date: &str, out: &mut String) -> String {
    let then = match date.parse::<i64>() {
        Ok(epoch) => Local.timestamp_opt(epoch, 0).single(),
        Err(_) => local_date(date),
    };
    let Some(then) = then else {
        put!(out, "Unknown date format in parsedate: {date}");
        return "???".into();
    };
    let diff = (Local::now() - then).num_seconds();
    let mut shown = (diff, "sec");
    for (unit, seconds) in
        [("min", 60), ("hr", 3600), ("day", 86_400), ("wk", 604_800), ("mth", 2_592_000), ("yr", 31_536_000)]
    {
        if diff < seconds {
            break;
        }
        shown = (diff / seconds, unit);
    }
    format!("{} {}", shown.0, shown.1)
}

/// `Fri Dec 04 15:15:45 2026` or `2026-12-04 15:15:45`, in local time.
fn local_date(date: &str) -> Option<DateTime<Local>> {
    let words: Vec<&str> = date.split_whitespace().collect();
    let naive = words.windows(4).find_map(|w| {
        let month = w[0].get(w[0].len().saturating_sub(3)..)?;
        NaiveDateTime::parse_from_str(&format!("{month} {} {} {}", w[1], w[2], w[3].get(..4)?), "%b %d %H:%M:%S %Y")
            .ok()
    });
    let naive = naive.or_else(|| {
        words
            .windows(2)
            .find_map(|w| NaiveDateTime::parse_from_str(&format!("{} {}", w[0], w[1]), "%Y-%m-%d %H:%M:%S").ok())
    })?;
    Local.from_local_datetime(&naive).earliest()
}
