//! RT's REST 1.0 form codec: RFC 822-like `Key: value` lines.
//!
//! Reading ([`parse`]): `# ` lines are comments, a `--` line separates
//! forms, a line starting with whitespace (or an empty line followed by
//! one) continues the value above; the continuation lines' common leading
//! indentation is removed and trailing empty lines are dropped.
//!
//! Writing ([`Form::render`]): a continuation line is indented by the width
//! of `Key: `; a multi-line value stands between blank lines; a list value
//! is written comma-separated, wrapped onto indented lines once a line would
//! reach 70 columns, and an empty list as `Key:` with no space.

/// One field's value when writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A scalar, possibly multi-line.
    Text(String),
    /// A multi-valued field.
    List(Vec<String>),
}

/// A form to write: comment lines, then fields in order.
#[derive(Debug, Clone, Default)]
pub struct Form {
    comments: Vec<String>,
    fields: Vec<(String, Value)>,
}

impl Form {
    /// An empty form.
    pub fn new() -> Form {
        Form::default()
    }

    /// Adds a `# ` comment line.
    pub fn comment(mut self, text: impl Into<String>) -> Form {
        self.comments.push(text.into());
        self
    }

    /// Adds a scalar field.
    pub fn text(mut self, key: impl Into<String>, value: impl Into<String>) -> Form {
        self.fields.push((key.into(), Value::Text(value.into())));
        self
    }

    /// Adds a multi-valued field.
    pub fn list(mut self, key: impl Into<String>, values: Vec<String>) -> Form {
        self.fields.push((key.into(), Value::List(values)));
        self
    }

    /// Adds a field in place.
    pub fn push(&mut self, key: impl Into<String>, value: Value) {
        self.fields.push((key.into(), value));
    }

    /// The fields, in order.
    pub fn fields(&self) -> &[(String, Value)] {
        &self.fields
    }

    /// The fields in the order `fields` (comma-separated, any case) names
    /// them, as RT's `show` answers `-f`: `id` first unless it is named,
    /// the others after (`requestor` also names `Requestors`).
    pub fn ordered_as(mut self, fields: Option<&str>) -> Form {
        let Some(fields) = fields.filter(|f| !f.trim().is_empty()) else { return self };
        let mut order: Vec<String> = fields.split(',').map(|s| s.trim().to_ascii_lowercase()).collect();
        if !order.iter().any(|f| f == "id") {
            order.insert(0, "id".into());
        }
        let rank = |key: &str| {
            let k = key.to_ascii_lowercase();
            order.iter().position(|f| *f == k || (k == "requestors" && f == "requestor")).unwrap_or(order.len())
        };
        self.fields.sort_by_key(|(k, _)| rank(k));
        self
    }

    /// Whether the form has neither comments nor fields.
    pub fn is_empty(&self) -> bool {
        self.comments.is_empty() && self.fields.is_empty()
    }

    /// The form as text: comments, a blank line, the fields.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if !self.comments.is_empty() {
            for c in &self.comments {
                text.push_str("# ");
                text.push_str(c);
                text.push('\n');
            }
            text.push('\n');
        }
        let mut lines: Vec<String> = Vec::new();
        for (key, value) in &self.fields {
            let pad = " ".repeat(key.len() + 2);
            match value {
                Value::Text(v) if v.contains('\n') => {
                    // Every line but an empty one after a final newline
                    // is indented.
                    let (body, tail) = match v.strip_suffix('\n') {
                        Some(body) => (body, "\n"),
                        None => (v.as_str(), ""),
                    };
                    let indented = format!("{}{tail}", body.split('\n').collect::<Vec<_>>().join(&format!("\n{pad}")));
                    set_off(&mut lines);
                    lines.push(format!("{key}: {indented}\n\n"));
                }
                Value::Text(v) => lines.push(format!("{key}: {v}\n")),
                Value::List(vs) if vs.is_empty() => lines.push(format!("{key}:\n")),
                Value::List(vs) => {
                    let mut line = format!("{key}: {}", vs[0]);
                    for v in &vs[1..] {
                        let column = line.len() - line.rfind('\n').map_or(0, |i| i + 1);
                        if column + v.len() + 1 >= 70 {
                            line.push_str(&format!(",\n{pad}{v}"));
                        } else {
                            line.push(',');
                            line.push_str(v);
                        }
                    }
                    if line.contains('\n') {
                        set_off(&mut lines);
                        line.push('\n');
                    }
                    line.push('\n');
                    lines.push(line);
                }
            }
        }
        text.push_str(&lines.concat());
        text
    }
}

/// A blank line before a multi-line value, unless there is one already.
fn set_off(lines: &mut [String]) {
    if let Some(last) = lines.last_mut()
        && !last.ends_with("\n\n")
    {
        last.push('\n');
    }
}

/// Several forms joined as RT joins them: `--` between blank lines.
pub fn join(forms: &[String]) -> String {
    forms.join("\n--\n\n")
}

/// One parsed form: its fields in the order given (keys as written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// `(key, value)` pairs; a key may repeat.
    pub fields: Vec<(String, String)>,
}

impl Parsed {
    /// The first value of `key` (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

/// Why a form could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The 1-based line number.
    pub line: usize,
    /// The offending line, shortened.
    pub text: String,
}

/// Reads every form of `text`.
pub fn parse(text: &str) -> Result<Vec<Parsed>, SyntaxError> {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut forms = vec![Parsed::default()];
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if line.trim() == "--" {
            forms.push(Parsed::default());
            continue;
        }
        let Some((key, first)) = field_line(line) else {
            let text: String = line.chars().take(60).collect();
            return Err(SyntaxError { line: i, text });
        };
        let mut more: Vec<&str> = Vec::new();
        while i < lines.len() {
            let next = lines[i];
            if next.starts_with([' ', '\t']) || next.is_empty() && continues_after(&lines[i..]) {
                more.push(next);
                i += 1;
            } else {
                break;
            }
        }
        while more.last().is_some_and(|l| l.trim().is_empty()) {
            more.pop();
        }
        let indent = more
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
            .min()
            .unwrap_or(0);
        let mut value = first.to_string();
        for l in more {
            value.push('\n');
            value.push_str(l.get(indent..).unwrap_or("").trim_end_matches(['\r']));
        }
        if let Some(form) = forms.last_mut() {
            form.fields.push((key.to_string(), value));
        }
    }
    forms.retain(|f| !f.fields.is_empty());
    Ok(forms)
}

/// Whether empty lines starting `rest` are followed by a continuation line.
fn continues_after(rest: &[&str]) -> bool {
    rest.iter().find(|l| !l.is_empty()).is_some_and(|l| l.starts_with([' ', '\t']))
}

/// Splits `Key: value` (the space after the colon is optional). Keys are
/// RT's field names: a letter then letters, digits, `_`, `-`, `.`, or a
/// custom field written `CF.{Name}` / `CF-Name`.
fn field_line(line: &str) -> Option<(&str, &str)> {
    let key_end = if line.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("cf.{")) {
        line.find('}')? + 1
    } else {
        line.find(':')?
    };
    let key = &line[..key_end];
    let rest = line[key_end..].strip_prefix(':')?;
    let valid = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && (key.contains('{')
            || key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '{' | '}' | ' ')));
    if !valid {
        return None;
    }
    Some((key, rest.strip_prefix(' ').unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_lose_their_common_indent() {
        let text = "id: ticket/new\nText: The printer\n is on fire.\n\n Second paragraph.\nCF.{Severity}: high\n";
        let forms = parse(text).expect("parses");
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].get("text"), Some("The printer\nis on fire.\n\nSecond paragraph."));
        assert_eq!(forms[0].get("CF.{Severity}"), Some("high"));
        assert_eq!(forms[0].get("id"), Some("ticket/new"));
    }

    #[test]
    fn comments_separators_and_bad_lines() {
        let forms = parse("# Required: id\n\nid: 1\n--\nid: 2\nSubject:x\n").expect("parses");
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[1].get("subject"), Some("x"));
        assert_eq!(parse("id: 1\nthis is not a field\n").map_err(|e| e.line), Err(2));
        assert_eq!(parse("CF.{A: b}: v").expect("cf")[0].fields, [("CF.{A: b}".to_string(), "v".to_string())]);
    }

    #[test]
    fn any_text_is_read_or_refused_without_panic() {
        for text in
            ["é", "éé: x", "Ω:", "CF.{é}: v", "\u{feff}id: 1", " x", "--\n--", "a:\n\t\u{3000}b", "Text: x\n\n\n"]
        {
            let _ = parse(text);
        }
        assert_eq!(parse("Text: a\n\n\n").expect("ok")[0].get("text"), Some("a"));
    }

    #[test]
    fn rendering_follows_rt() {
        let form = Form::new()
            .text("id", "41")
            .text("Content", "line 1\n\nline 3")
            .text("Creator", "root")
            .list("Cc", vec![])
            .text("Subject", "");
        assert_eq!(
            form.render(),
            "id: 41\n\nContent: line 1\n         \n         line 3\n\nCreator: root\nCc:\nSubject: \n"
        );
        let long: Vec<String> = (1..4).map(|i| format!("{i}: (Unnamed) (text/plain / 52b)")).collect();
        let form = Form::new().text("id", "ticket/1/attachments").list("Attachments", long);
        assert_eq!(
            form.render(),
            "id: ticket/1/attachments\n\nAttachments: 1: (Unnamed) (text/plain / 52b),\n             \
             2: (Unnamed) (text/plain / 52b),\n             3: (Unnamed) (text/plain / 52b)\n\n"
        );
        let short = Form::new().list("Requestors", vec!["a@x".into(), "b@x".into()]).comment("hi");
        assert_eq!(short.render(), "# hi\n\nRequestors: a@x,b@x\n");
    }
}
