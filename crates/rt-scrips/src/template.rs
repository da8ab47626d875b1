//! Templates: RT's layout (header lines, one blank line, the body) written
//! in Tera.
//!
//! A template whose headers say `Content-Type: text/html` is an HTML
//! template: its body is rendered with HTML escaping of every interpolated
//! value (mark sanitized HTML with `| safe`); headers are never escaped. A
//! template whose first line is blank has no headers. A template that
//! renders to nothing but white space (RT's `Blank`) sends nothing.
//!
//! [`check`] is what saving a template runs: syntax errors come back with
//! the line and what was wrong, before anything is stored. [`save`] and
//! [`update`] check, then store through rt-core.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use rt_core::{NewTemplate, TemplateId, Tx};
use tera::{Context, Tera};

/// A template that cannot be used: the message says where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {name:?}: {message}")]
pub struct TemplateError {
    /// The template's name.
    pub name: String,
    /// What is wrong (Tera's message, with its chain of causes).
    pub message: String,
}

/// A rendered template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Header lines, in order, names as written.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// Whether the body is HTML (`Content-Type: text/html`).
    pub html: bool,
}

impl Rendered {
    /// The value of the first header of that name, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// The template source cut into its header block and body.
struct Source<'a> {
    headers: &'a str,
    body: &'a str,
    html: bool,
}

fn split(text: &str) -> Source<'_> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (headers, body) = if text.starts_with('\n') || text.starts_with("\r\n") {
        ("", text.trim_start_matches(['\r', '\n']))
    } else if looks_like_header(text.lines().next().unwrap_or("")) {
        match text.find("\n\n").or_else(|| text.find("\r\n\r\n")) {
            Some(at) => (&text[..at], text[at..].trim_start_matches(['\r', '\n'])),
            None => (text, ""),
        }
    } else {
        ("", text)
    };
    let html = headers.lines().any(|l| {
        l.split_once(':').is_some_and(|(n, v)| {
            n.trim().eq_ignore_ascii_case("Content-Type") && v.trim().to_ascii_lowercase().starts_with("text/html")
        })
    });
    Source { headers, body, html }
}

/// `Name: value`, with a name of letters, digits and dashes (Tera tags
/// may stand in the value).
fn looks_like_header(line: &str) -> bool {
    line.split_once(':')
        .is_some_and(|(name, _)| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

fn tera_error(name: &str, e: &tera::Error) -> TemplateError {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    TemplateError { name: name.to_string(), message }
}

/// A context with every variable of the contract (and the extras some
/// templates use), with plausible values: saving renders against it, so a
/// misspelt variable is an error at once, not at the first mail.
pub fn sample_context() -> Context {
    let person =
        |name: &str| serde_json::json!({"name": name, "email": format!("{name}@example.com"), "real_name": name});
    let value = serde_json::json!({
        "ticket": {
            "id": 1, "subject": "Sample", "status": "open", "type": "ticket", "priority": 0,
            "initial_priority": 0, "final_priority": 0, "time_estimated": 0, "time_worked": 0, "time_left": 0,
            "created": "Not set", "starts": "Not set", "started": "Not set", "due": "Not set",
            "resolved": "Not set", "told": "Not set", "last_updated": "Not set", "sla": "",
            "subject_tag": "[example.com #1]", "url": "http://localhost/Ticket/Display.html?id=1",
            "queue": {"id": 1, "name": "General", "description": "", "correspond_address": "rt@example.com",
                      "comment_address": "rt-comment@example.com"},
            "owner": person("Nobody"), "requestors": [person("requestor")], "cc": [], "admin_cc": [],
            "requestor_addresses": "requestor@example.com", "custom_fields": {},
        },
        "transaction": {
            "id": 1, "type": "Correspond", "field": "", "old_value": "", "new_value": "", "data": "",
            "subject": "", "description": "Correspondence added", "brief_description": "Correspondence added",
            "created": "Not set", "creator": person("root"), "content_text": "", "content_html": "",
            "time_taken": 0, "attachments": [],
        },
        "actor": person("root"),
        "config": {"rtname": "example.com", "web_url": "http://localhost/", "organization": "example.com"},
        "recipient": {"timezone": "UTC"},
        "approval": {"id": 2, "subject": "", "url": ""},
        "notes": "",
        "forward": {"content_text": ""},
        "new_password": "",
        "digest": {"items": []},
        "dashboard": {"id": 1, "name": ""},
        "tokens": [],
        "error": "",
        "recipient_address": "",
    });
    Context::from_value(value).unwrap_or_default()
}

/// Checks a template: its syntax (both parts), its header lines, and that
/// it renders against [`sample_context`] (so unknown variables are caught).
pub fn check(name: &str, text: &str) -> Result<(), TemplateError> {
    let source = split(text);
    for (part, code) in [("headers", source.headers), ("body", source.body)] {
        let mut tera = Tera::default();
        tera.add_raw_template(part, code).map_err(|e| tera_error(name, &e))?;
    }
    for line in source.headers.lines().filter(|l| !l.trim().is_empty()) {
        if !looks_like_header(line) && !line.starts_with([' ', '\t']) {
            return Err(TemplateError { name: name.into(), message: format!("not a header line: {line:?}") });
        }
    }
    render(name, text, &sample_context()).map(drop)
}

/// Renders a template's text against a real ticket and one of its
/// transactions (its latest when `None`): what the mail would say.
pub fn preview(
    tx: &mut Tx<'_>,
    text: &str,
    ticket: rt_core::TicketId,
    txn: Option<rt_core::TransactionId>,
) -> rt_core::Result<Option<Rendered>> {
    let ticket = tx.ticket(ticket)?;
    let txn = match txn {
        Some(id) => tx.ticket_transaction(id)?,
        None => tx.history(ticket.id)?.pop().ok_or_else(|| rt_core::Error::not_found("transaction", ticket.id))?,
    };
    let attachments = tx.transaction_attachments(txn.id)?;
    let subject = crate::conditions::Subject { ticket: &ticket, txn: &txn, attachments: &attachments };
    let context = crate::context::build(tx, &subject, text)?;
    render("preview", text, &context).map_err(|e| rt_core::Error::invalid("template", e.to_string()))
}

/// Renders a template; `None` when it renders to nothing (RT's `Blank`).
pub fn render(name: &str, text: &str, context: &Context) -> Result<Option<Rendered>, TemplateError> {
    let source = split(text);
    let render = |code: &str, escape: bool| {
        compiled(code, escape).and_then(|tera| tera.render(PART, context)).map_err(|e| tera_error(name, &e))
    };
    let body = render(source.body, source.html)?;
    let header_text = render(source.headers, false)?;
    if body.trim().is_empty() {
        return Ok(None);
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in header_text.lines() {
        if line.starts_with([' ', '\t']) {
            // A folded line continues the header before it.
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((n, v)) = line.split_once(':').filter(|(n, _)| !n.trim().is_empty()) {
            headers.push((n.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok(Some(Rendered { headers, body, html: source.html }))
}

/// The name of the one template in a [`compiled`] Tera instance.
const PART: &str = "part";

/// `code` compiled (escaping HTML or not), from a process-wide cache:
/// templates are few and change seldom, and compiling one costs more than
/// rendering it. The cache starts over when it gets large.
fn compiled(code: &str, escape: bool) -> Result<Arc<Tera>, tera::Error> {
    const MAX: usize = 512;
    type Compiled = HashMap<(String, bool), Arc<Tera>>;
    static CACHE: OnceLock<Mutex<Compiled>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let key = (code.to_string(), escape);
    if let Some(tera) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(tera);
    }
    let mut tera = Tera::default();
    tera.add_raw_template(PART, code)?;
    tera.autoescape_on(if escape { vec![PART] } else { Vec::new() });
    let tera = Arc::new(tera);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= MAX {
            c.clear();
        }
        c.insert(key, Arc::clone(&tera));
    }
    Ok(tera)
}

/// Checks a new template, then stores it.
pub fn save(tx: &mut Tx<'_>, new: &NewTemplate) -> rt_core::Result<TemplateId> {
    check(&new.name, &new.content).map_err(|e| rt_core::Error::invalid("template", e.to_string()))?;
    tx.create_template(new)
}

/// Checks a template's new text, then stores it.
pub fn update(tx: &mut Tx<'_>, id: TemplateId, content: &str) -> rt_core::Result<()> {
    let current = tx.template_by_id(id)?;
    check(&current.name, content).map_err(|e| rt_core::Error::invalid("template", e.to_string()))?;
    tx.update_template(id, content)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn context() -> Context {
        let mut c = Context::new();
        c.insert("ticket", &serde_json::json!({"id": 7, "subject": "<b>Printer</b>"}));
        c
    }

    #[test]
    fn headers_body_and_escaping() {
        let text = "Subject: Re: {{ ticket.subject }}\nContent-Type: text/html\n\n<p>{{ ticket.subject }} #{{ ticket.id }}</p>\n";
        let r = render("t", text, &context()).unwrap().unwrap();
        assert_eq!(r.header("subject"), Some("Re: <b>Printer</b>"), "headers are not escaped");
        assert!(r.html);
        assert_eq!(r.body.trim(), "<p>&lt;b&gt;Printer&lt;&#x2F;b&gt; #7</p>");
        let plain = render("t", "\n{{ ticket.subject }}\n", &context()).unwrap().unwrap();
        assert!(plain.headers.is_empty());
        assert_eq!(plain.body.trim(), "<b>Printer</b>");
        assert_eq!(render("Blank", "", &context()).unwrap(), None);
        assert_eq!(render("t", "Subject: x\n\n  \n", &context()).unwrap(), None, "an empty body sends nothing");
    }

    #[test]
    fn saving_catches_unknown_variables() {
        assert!(check("ok", "Subject: {{ ticket.subject }}\n\n{{ transaction.content_text }}").is_ok());
        let e = check("typo", "Subject: {{ ticket.subjct }}\n\nx").unwrap_err();
        assert!(e.message.contains("subjct"), "{}", e.message);
    }

    #[test]
    fn errors_name_the_template_and_the_problem() {
        let e = check("Broken", "Subject: x\n\n{% if ticket.id %}no end").unwrap_err();
        assert_eq!(e.name, "Broken");
        assert!(e.message.contains("--> 1:"), "{}", e.message);
        let e = render("Unknown", "\n{{ ticket.nope.deeper }}", &context()).unwrap_err();
        assert!(e.message.contains("nope"), "{}", e.message);
    }
}
