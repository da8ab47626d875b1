//! RT's REST 1.0 form format, read and written the way RT's `rt` client
//! does it.
//!
//! A form is RFC 822-like `Key: value` lines, after an optional block of
//! `#` comment lines; forms are separated by `--` lines. A value continues
//! on the lines that follow it when they are empty or start with
//! whitespace; their common indentation is removed when read. Keys are
//! plain names (`Subject`, `Content-Type`) or custom fields (`CF.{Name}`,
//! `CF-Name`, `CustomField-Name`).
//!
//! [`parse`] never fails: a line that is neither a field nor a comment
//! turns the rest of its form into [`Form::error`], the text a person
//! fixes in an editor. [`compose`] writes forms back: multi-line values
//! indented under their key and set off by blank lines, lists
//! comma-separated and wrapped before column 70, an empty list as `Key:`
//! and an empty value as `Key: `.

/// A field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// One value, possibly of several lines.
    Text(String),
    /// Several values: a key given more than once, or a list.
    List(Vec<String>),
}

impl Value {
    /// The values: one for `Text`.
    pub fn items(&self) -> &[String] {
        match self {
            Value::Text(text) => std::slice::from_ref(text),
            Value::List(items) => items,
        }
    }

    /// The value as one string, a list joined by `, `.
    pub fn joined(&self) -> String {
        self.items().join(", ")
    }

    fn into_items(self) -> Vec<String> {
        match self {
            Value::Text(text) => vec![text],
            Value::List(items) => items,
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_string())
    }
}

/// One form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    /// The comment lines at its head (each with its `#`), newline-ended;
    /// empty when there are none.
    pub comment: String,
    /// The fields, in order, each key once.
    pub fields: Vec<(String, Value)>,
    /// When a line was neither a field nor a comment: the fields read
    /// before it, composed, then that line marked with `>> ` and the rest
    /// of the form. It stands for the fields when the form is composed.
    pub error: Option<String>,
}

impl Form {
    /// A form of these fields.
    pub fn new(fields: Vec<(String, Value)>) -> Form {
        Form { fields, ..Form::default() }
    }

    /// The value of `key` (exact case).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, in its place when it is there, else at the end.
    pub fn set(&mut self, key: &str, value: Value) {
        match self.fields.iter_mut().find(|(k, _)| k == key) {
            Some((_, old)) => *old = value,
            None => self.fields.push((key.to_string(), value)),
        }
    }

    /// Adds `value` to `key`: a new key is set, an existing one becomes a
    /// list (an empty text counting as no value) with `value`'s items
    /// appended.
    pub fn push(&mut self, key: &str, value: Value) {
        match self.fields.iter_mut().find(|(k, _)| k == key) {
            Some((_, old)) => {
                let mut items = match std::mem::replace(old, Value::List(Vec::new())) {
                    Value::Text(text) if text.is_empty() => Vec::new(),
                    other => other.into_items(),
                };
                items.extend(value.into_items());
                *old = Value::List(items);
            }
            None => self.fields.push((key.to_string(), value)),
        }
    }

    fn is_blank(&self) -> bool {
        self.comment.is_empty() && self.fields.is_empty() && self.error.is_none()
    }
}

/// Reads a set of forms.
pub fn parse(text: &str) -> Vec<Form> {
    #[derive(PartialEq)]
    enum State {
        Start,
        Fields,
        Error,
    }
    let mut forms = Vec::new();
    let mut form = Form::default();
    let mut state = State::Start;
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if line == "--" {
            if !form.is_blank() {
                forms.push(std::mem::take(&mut form));
            }
            state = State::Start;
        } else if state == State::Error {
            if let Some(error) = &mut form.error {
                error.push_str(line);
                error.push('\n');
            }
        } else if state == State::Start && line.starts_with('#') {
            form.comment = format!("{line}\n");
            while let Some(next) = lines.next_if(|l| l.starts_with('#')) {
                form.comment.push_str(next);
                form.comment.push('\n');
            }
            state = State::Fields;
        } else if let Some((key, rest)) = leading_field(line, is_value_start) {
            let first = rest[1..].trim_start();
            let mut values: Vec<&str> = if first.is_empty() { Vec::new() } else { vec![first] };
            while let Some(next) = lines.next_if(|l| l.is_empty() || l.starts_with(char::is_whitespace)) {
                values.push(next);
            }
            while values.last().is_some_and(|v| v.is_empty()) {
                values.pop();
            }
            // RT's client takes the indentation to strip from the lines
            // after the first one only.
            let indent = values
                .iter()
                .skip(1)
                .map(|v| &v[..v.len() - v.trim_start().len()])
                .filter(|ws| !ws.is_empty())
                .min_by_key(|ws| ws.len())
                .unwrap_or("");
            let value: Vec<&str> = values.iter().map(|v| v.strip_prefix(indent).unwrap_or(v)).collect();
            form.push(key, Value::Text(value.join("\n")));
            state = State::Fields;
        } else if !line.starts_with('#') {
            let read = Form::new(std::mem::take(&mut form.fields));
            let marker = if line.starts_with(">>") { "" } else { ">> " };
            form.error = Some(format!("{}{marker}{line}\n", compose_one(&read)));
            form.fields = read.fields;
            state = State::Error;
        }
    }
    if !form.is_blank() {
        forms.push(form);
    }
    for form in &mut forms {
        for (_, value) in &mut form.fields {
            if let Value::List(_) = value {
                *value = Value::List(split_list(value));
            }
        }
    }
    forms
}

/// Writes a set of forms, separated by `--` lines.
pub fn compose(forms: &[Form]) -> String {
    forms.iter().map(compose_one).collect::<Vec<_>>().join("\n--\n\n")
}

fn compose_one(form: &Form) -> String {
    let mut text = String::new();
    if !form.comment.is_empty() {
        text.push_str(form.comment.trim_end_matches('\n'));
        text.push_str("\n\n");
    }
    if let Some(error) = &form.error {
        text.push_str(error);
        return text;
    }
    let mut lines: Vec<String> = Vec::new();
    let set_off = |lines: &mut Vec<String>| {
        if let Some(last) = lines.last_mut().filter(|l| !l.ends_with("\n\n")) {
            last.push('\n');
        }
    };
    for (key, value) in &form.fields {
        let items = value.items();
        let pad = if key.len() + 2 > 16 { "    ".to_string() } else { " ".repeat(key.len() + 2) };
        let mut line = String::new();
        for v in items {
            if v.contains('\n') {
                let (body, tail) = v.strip_suffix('\n').map_or((v.as_str(), ""), |body| (body, "\n"));
                let indented = format!("{}{tail}", body.replace('\n', &format!("\n{pad}")));
                if line.is_empty() {
                    set_off(&mut lines);
                } else {
                    lines.push(format!("{line}\n\n"));
                    line.clear();
                }
                lines.push(format!("{key}: {indented}\n\n"));
            } else if line.is_empty() {
                line = format!("{key}: {v}");
            } else if line.len() + v.len() - line.rfind('\n').map_or(0, |i| i + 1) >= 69 {
                line.push_str(&format!(",\n{pad}{v}"));
            } else {
                line.push(',');
                line.push_str(v);
            }
        }
        if items.is_empty() {
            line = format!("{key}:");
        }
        if !line.is_empty() {
            if line.contains('\n') {
                set_off(&mut lines);
                line.push('\n');
            }
            lines.push(format!("{line}\n"));
        }
    }
    text.push_str(&lines.concat());
    text
}

/// The items of a comma-separated list value, one line after another:
/// each trimmed, a `"..."` or `'...'` item kept whole with its quotes (a
/// comma inside it does not split), `q{...}` turned into `'...'`.
pub fn split_list(value: &Value) -> Vec<String> {
    let mut words = Vec::new();
    for line in value.items().iter().flat_map(|v| v.split('\n')) {
        let mut rest = line;
        while rest.contains(|c: char| !c.is_whitespace()) {
            rest = rest.trim_start();
            let (word, after) = quoted(rest, '"')
                .or_else(|| quoted(rest, '\''))
                .or_else(|| braced(rest))
                .unwrap_or_else(|| match rest.split_once(',') {
                    Some((word, after)) => (word.trim_end().to_string(), after),
                    None => (rest.trim_end().to_string(), ""),
                });
            words.push(word);
            rest = after;
        }
    }
    words
}

/// A quoted item at the start of `text` (backslash escapes the next
/// character), when only whitespace stands between it and a comma or the
/// end.
fn quoted(text: &str, quote: char) -> Option<(String, &str)> {
    let inner = text.strip_prefix(quote)?;
    let mut escaped = false;
    let close = inner.char_indices().find_map(|(i, c)| {
        let found = !escaped && c == quote;
        escaped = !escaped && c == '\\';
        found.then_some(i)
    })?;
    let after = item_end(&inner[close + 1..])?;
    Some((format!("{quote}{}{quote}", &inner[..close]), after))
}

/// A `q{...}` item: its shortest end that is followed by a comma or the
/// end, quoted with `'`.
fn braced(text: &str) -> Option<(String, &str)> {
    let inner = text.strip_prefix("q{")?;
    inner.match_indices('}').find_map(|(i, _)| {
        let after = item_end(&inner[i + 1..])?;
        let escaped = inner[..i].replace('\\', "\\\\").replace('\'', "\\'");
        Some((format!("'{escaped}'"), after))
    })
}

/// What follows an item's comma, or `""` at the end; `None` when other
/// text follows.
fn item_end(text: &str) -> Option<&str> {
    let text = text.trim_start();
    if text.is_empty() { Some("") } else { text.strip_prefix(',') }
}

/// Splits a field name off the start of `text` when one is there that
/// `follows` accepts what comes after: a plain name (a letter, then
/// letters, digits, `_` or `-`), else the shortest custom-field name
/// (`CF-Name`, `CustomField-Name`, `CF.{Name}`, any case, no comma).
pub fn leading_field(text: &str, follows: impl Fn(&str) -> bool) -> Option<(&str, &str)> {
    if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(text.len());
        if follows(&text[end..]) {
            return Some(text.split_at(end));
        }
    }
    let has_prefix = |p: &str| text.get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p));
    let braced = has_prefix("cf.{");
    let start =
        if braced { 4 } else { ["cf-", "cfield-", "customf-", "customfield-"].iter().find(|p| has_prefix(p))?.len() };
    for (i, c) in text[start..].char_indices() {
        if c == ',' {
            return None;
        }
        let end = start + i + c.len_utf8();
        let after = &text[end..];
        if braced {
            if after.strip_prefix('}').is_some_and(&follows) {
                return Some(text.split_at(end + 1));
            }
        } else if follows(after) {
            return Some(text.split_at(end));
        }
    }
    None
}

/// Whether `name` is a field name.
pub fn is_field(name: &str) -> bool {
    leading_field(name, str::is_empty).is_some()
}

/// What a field's value starts with in a form: `:`, then the end or
/// whitespace.
fn is_value_start(rest: &str) -> bool {
    rest.strip_prefix(':').is_some_and(|v| v.is_empty() || v.starts_with(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(key: &str, value: &str) -> (String, Value) {
        (key.to_string(), Value::from(value))
    }

    #[test]
    fn forms_are_read_with_comments_continuations_and_separators() {
        let forms = parse(
            "# 1/2 (id/5/total)\n\nid: 5\nContent: first\n         second\n\n         third\n\n\
             Attachments: \n             8: untitled (6b)\nCF.{Severity}: high\n\n--\n\nid: 6\nnonsense here\nmore\n",
        );
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0].comment, "# 1/2 (id/5/total)\n");
        assert_eq!(
            forms[0].fields,
            [
                text("id", "5"),
                text("Content", "first\nsecond\n\nthird"),
                // One continuation line: no indentation to compare, none stripped.
                text("Attachments", "             8: untitled (6b)"),
                text("CF.{Severity}", "high"),
            ]
        );
        assert_eq!(forms[1].error.as_deref(), Some("id: 6\n>> nonsense here\nmore\n"));
        assert_eq!(compose(&forms[1..]), "id: 6\n>> nonsense here\nmore\n");
    }

    #[test]
    fn repeated_keys_become_lists() {
        let forms = parse("Cc: a@example.com, b@example.com\nCc: c@example.com\n");
        let cc = ["a@example.com", "b@example.com", "c@example.com"].map(String::from).to_vec();
        assert_eq!(forms[0].fields, [("Cc".to_string(), Value::List(cc))]);
    }

    #[test]
    fn forms_are_written_as_rts_client_writes_them() {
        let mut form = Form::new(vec![
            text("Ticket", "4"),
            text("Action", "comment"),
            ("Cc".into(), Value::List(vec![])),
            text("TimeWorked", ""),
            text("Text", "line one\nline two"),
            text("Status", "open"),
        ]);
        form.comment = "# Syntax error.".into();
        assert_eq!(
            compose(&[form, Form::new(vec![text("id", "ticket/1")])]),
            "# Syntax error.\n\nTicket: 4\nAction: comment\nCc:\nTimeWorked: \n\n\
             Text: line one\n      line two\n\nStatus: open\n\n--\n\nid: ticket/1\n"
        );
        let many: Vec<String> = (0..8).map(|n| format!("person{n}@example.com")).collect();
        let mut form = Form::new(vec![("Requestors".into(), Value::List(many))]);
        form.push("A", Value::List(vec!["x\ny".into(), "z".into()]));
        form.push("LongerKeyNameHere", Value::from("p\nq\n"));
        // As RT's client composes it.
        assert_eq!(
            compose(&[form]),
            "Requestors: person0@example.com,person1@example.com,\n\
             \x20           person2@example.com,person3@example.com,\n\
             \x20           person4@example.com,person5@example.com,\n\
             \x20           person6@example.com,person7@example.com\n\n\
             A: x\n   y\n\nA: z\n\nLongerKeyNameHere: p\n    q\n\n\n"
        );
    }

    #[test]
    fn composed_forms_read_back() {
        let form = Form::new(vec![text("Subject", "x"), text("Text", "a\n\nb\n"), text("CF-Foo Bar", "y")]);
        let again = parse(&compose(std::slice::from_ref(&form)));
        assert_eq!(again[0].fields, [text("Subject", "x"), text("Text", "a\n\nb"), text("CF-Foo Bar", "y")]);
    }

    #[test]
    fn lists_split_on_commas_outside_quotes() {
        let split = |s: &str| split_list(&Value::from(s));
        assert_eq!(split(" a ,b c,, d "), ["a", "b c", "", "d"]);
        assert_eq!(split("\"x, y\" , 'p,q',z"), ["\"x, y\"", "'p,q'", "z"]);
        assert_eq!(split("q{it's}, w"), ["'it\\'s'", "w"]);
        assert_eq!(split("\"a\"b, c"), ["\"a\"b", "c"]);
        assert_eq!(split_list(&Value::from("a\nb,c")), ["a", "b", "c"]);
    }

    #[test]
    fn field_names_follow_rts_grammar() {
        let set = |s: &'static str| leading_field(s, |r| r.starts_with('=') || r.starts_with("+="));
        assert_eq!(set("subject=x"), Some(("subject", "=x")));
        assert_eq!(set("cc+=a@b"), Some(("cc", "+=a@b")));
        assert_eq!(set("CF.{Severity}=high"), Some(("CF.{Severity}", "=high")));
        assert_eq!(set("CF-Needs space=1"), Some(("CF-Needs space", "=1")));
        assert_eq!(set("CF.{a,b}=1"), None);
        assert_eq!(set("=x"), None);
        assert!(is_field("CustomField-X") && is_field("cf.{Ünï}") && is_field("Content-Type"));
        assert!(!is_field("9lives") && !is_field("a b") && !is_field(""));
    }
}
