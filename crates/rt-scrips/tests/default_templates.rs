//! Checks the default mail templates in `templates/mail/` (the Tera rewrite
//! of the templates RT 5 ships in `etc/initialdata`): the manifest lists
//! exactly RT's templates in RT's order, every file parses as
//! "headers, blank line, body", and every template renders with Tera
//! against a realistic context built from the documented contract.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use serde::Deserialize;

/// The global ticket templates RT 5 ships, in `etc/initialdata` order.
///
/// `@Templates` in RT's initialdata has 41 entries: these 37 global ticket
/// templates, plus two empty `___Approvals` queue overrides of
/// `Transaction` / `Transaction in HTML` (duplicate-mail suppression, not
/// separate templates) and two empty `Blank` templates for the asset and
/// article lookup types.
const RT_TEMPLATE_NAMES: [&str; 37] = [
    "Blank",
    "Autoreply",
    "Autoreply in HTML",
    "Transaction",
    "Transaction in HTML",
    "Admin Correspondence",
    "Admin Correspondence in HTML",
    "Correspondence",
    "Correspondence in HTML",
    "Admin Comment",
    "Admin Comment in HTML",
    "Reminder",
    "Status Change",
    "Status Change in HTML",
    "Resolved",
    "Resolved in HTML",
    "New Pending Approval",
    "New Pending Approval in HTML",
    "Approval Passed",
    "Approval Passed in HTML",
    "All Approvals Passed",
    "All Approvals Passed in HTML",
    "Approval Rejected",
    "Approval Rejected in HTML",
    "Approval Ready for Owner",
    "Approval Ready for Owner in HTML",
    "Forward",
    "Forward Ticket",
    "Error: unencrypted message",
    "Error: public key",
    "Error to RT owner: public key",
    "Error: no private key",
    "Error: bad encrypted data",
    "PasswordChange",
    "Email Digest",
    "Error: Missing dashboard",
    "Auth tokens expiring in 7 days in HTML",
];

const EVIL_SUBJECT: &str = "Printer <script>alert(1)</script> & toner";

#[derive(Debug, Deserialize)]
struct Manifest {
    template: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    name: String,
    description: String,
    file: String,
}

struct Template {
    name: String,
    text: String,
}

/// A template split at its first blank line. A text that begins with an
/// empty line has no headers.
struct Parts<'a> {
    headers: Vec<&'a str>,
    body: &'a str,
}

fn mail_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../templates/mail/"))
}

fn manifest() -> Manifest {
    let text = std::fs::read_to_string(mail_dir().join("manifest.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

fn templates() -> Vec<Template> {
    manifest()
        .template
        .into_iter()
        .map(|e| {
            let path = mail_dir().join(&e.file);
            let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            Template { name: e.name, text }
        })
        .collect()
}

fn split(text: &str) -> Parts<'_> {
    if text.is_empty() {
        return Parts { headers: Vec::new(), body: "" };
    }
    if let Some(body) = text.strip_prefix("\r\n").or_else(|| text.strip_prefix('\n')) {
        return Parts { headers: Vec::new(), body };
    }
    let (head, body) = match (text.find("\n\n"), text.find("\r\n\r\n")) {
        (Some(i), Some(j)) if j < i => (&text[..j], &text[j + 4..]),
        (Some(i), _) => (&text[..i], &text[i + 2..]),
        (None, Some(j)) => (&text[..j], &text[j + 4..]),
        (None, None) => (text, ""),
    };
    Parts { headers: head.lines().collect(), body }
}

/// `Name: value`, with an RFC 5322 style field name.
fn is_header_line(line: &str) -> bool {
    let Some((name, value)) = line.split_once(':') else {
        return false;
    };
    !name.is_empty()
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && (value.is_empty() || value.starts_with(' '))
}

fn header<'a>(parts: &Parts<'a>, name: &str) -> Option<&'a str> {
    parts.headers.iter().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn is_html(text: &str) -> bool {
    header(&split(text), "Content-Type").is_some_and(|v| v.eq_ignore_ascii_case("text/html"))
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn user(name: &str, real_name: &str, email: &str) -> serde_json::Value {
    serde_json::json!({ "name": name, "real_name": real_name, "email": email })
}

/// A realistic context covering every key of the documented contract and
/// all per-template extras.
fn sample_context() -> tera::Context {
    let alice = user("alice", "Alice Example", "alice@example.net");
    let bob = user("bob", "Bob Support", "bob@example.com");
    let carol = user("carol", "Carol Cc", "carol@example.org");
    let value = serde_json::json!({
        "ticket": {
            "id": 42,
            "subject": EVIL_SUBJECT,
            "status": "resolved",
            "type": "ticket",
            "priority": 50,
            "initial_priority": 20,
            "final_priority": 80,
            "time_estimated": 120,
            "time_worked": 45,
            "time_left": 75,
            "created": "Mon Mar 03 09:15:00 2025",
            "starts": "Not set",
            "started": "Mon Mar 03 10:02:11 2025",
            "due": "Fri Mar 07 17:00:00 2025",
            "resolved": "Tue Mar 04 16:30:45 2025",
            "told": "Tue Mar 04 16:30:45 2025",
            "last_updated": "Tue Mar 04 16:30:45 2025",
            "sla": "4h",
            "subject_tag": "[example.com #42]",
            "url": "https://rt.example.com/Ticket/Display.html?id=42",
            "queue": {
                "id": 1,
                "name": "General",
                "description": "The default queue",
                "correspond_address": "support@example.com",
                "comment_address": "support-comment@example.com"
            },
            "owner": bob,
            "requestors": [alice],
            "cc": [carol],
            "admin_cc": [],
            "requestor_addresses": "alice@example.net",
            "custom_fields": { "Building": ["North"], "Tags": ["printer", "hardware"] }
        },
        "transaction": {
            "id": 1007,
            "type": "Comment",
            "field": "",
            "old_value": "",
            "new_value": "resolved",
            "data": "",
            "subject": "Re: [Comment] Printer jammed again",
            "description": "Comments added by bob",
            "brief_description": "Comments added",
            "created": "Tue Mar 04 16:30:45 2025",
            "creator": bob,
            "content_text": "Replaced the fuser unit; internal note: warranty claim #88.",
            "content_html": "<p>Replaced the fuser unit; <b>internal note</b>: warranty claim #88.</p>",
            "time_taken": 15,
            "attachments": [
                { "filename": "fuser.jpg", "content_type": "image/jpeg", "size": 48213 }
            ]
        },
        "actor": bob,
        "config": {
            "rtname": "example.com",
            "web_url": "https://rt.example.com/",
            "organization": "example.com"
        },
        "recipient": { "timezone": "Europe/Paris" },
        "approval": {
            "id": 43,
            "subject": "Approval for ticket #42: buy a new printer",
            "url": "https://rt.example.com/Approvals/Display.html?id=43"
        },
        "notes": "Approved, within budget.\nUse the usual supplier.",
        "forward": { "content_text": "FYI, see the customer's report below." },
        "new_password": "k7-Qx9-pL2",
        "digest": {
            "items": [
                { "ticket_id": 42, "subject": EVIL_SUBJECT, "text": "bob replied: fuser replaced." },
                { "ticket_id": 57, "subject": "VPN access", "text": "Ticket created by alice." }
            ]
        },
        "dashboard": { "id": 12, "name": "Team overview" },
        "tokens": [
            { "description": "CI pipeline", "expires": "Mon Mar 10 00:00:00 2025" },
            { "description": "Laptop CLI", "expires": "Wed Mar 12 00:00:00 2025" }
        ],
        "error": "No public key found for alice@example.net\nKey 0xDEADBEEF has expired",
        "recipient_address": "alice@example.net"
    });
    tera::Context::from_serialize(value).unwrap()
}

fn render(t: &Template) -> String {
    tera::Tera::one_off(&t.text, &sample_context(), is_html(&t.text))
        .unwrap_or_else(|e| panic!("template {:?} failed to render: {e:?}", t.name))
}

fn rendered(name: &str) -> String {
    let all = templates();
    let t = all.iter().find(|t| t.name == name).unwrap();
    render(t)
}

#[test]
fn manifest_lists_exactly_rts_templates_in_order() {
    let m = manifest();
    assert_eq!(m.template.len(), RT_TEMPLATE_NAMES.len());
    let names: Vec<&str> = m.template.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, RT_TEMPLATE_NAMES);
    let unique: HashSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "template names must be unique");
    let files: HashSet<&str> = m.template.iter().map(|e| e.file.as_str()).collect();
    assert_eq!(files.len(), names.len(), "template files must be unique");
    for e in &m.template {
        assert!(!e.description.trim().is_empty(), "{}: empty description", e.name);
        assert_eq!(e.file, format!("{}.tera", slug(&e.name)), "{}: file name", e.name);
    }
}

#[test]
fn every_tera_file_is_in_the_manifest() {
    let listed: BTreeSet<String> = manifest().template.into_iter().map(|e| e.file).collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(mail_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".tera"))
        .collect();
    assert_eq!(listed, on_disk);
}

#[test]
fn headers_are_well_formed() {
    for t in templates() {
        let parts = split(&t.text);
        for line in &parts.headers {
            assert!(is_header_line(line), "{}: bad header line {line:?}", t.name);
        }
        let html = is_html(&t.text);
        assert_eq!(html, t.name.ends_with(" in HTML"), "{}: Content-Type header", t.name);
        if !t.text.is_empty() && !t.text.starts_with('\n') {
            assert!(!parts.headers.is_empty(), "{}: no headers", t.name);
        }
    }
}

#[test]
fn every_template_renders() {
    for t in templates() {
        let out = render(&t);
        if t.name == "Blank" {
            assert!(t.text.is_empty(), "Blank must be empty");
            assert!(out.is_empty(), "Blank must render to nothing");
            continue;
        }
        let parts = split(&out);
        for line in &parts.headers {
            assert!(is_header_line(line), "{}: rendered header {line:?}", t.name);
        }
        assert!(!parts.body.trim().is_empty(), "{}: empty body", t.name);
        assert!(!out.contains("{{") && !out.contains("{%"), "{}: leftover tags", t.name);
    }
}

#[test]
fn autoreply_names_the_ticket() {
    for name in ["Autoreply", "Autoreply in HTML"] {
        let out = rendered(name);
        let parts = split(&out);
        assert_eq!(header(&parts, "Subject"), Some(format!("AutoReply: {EVIL_SUBJECT}").as_str()));
        assert!(parts.body.contains("[example.com #42]"), "{name}: {out}");
        assert!(parts.body.contains("support@example.com"), "{name}: {out}");
    }
    // Plain text is not escaped.
    assert!(rendered("Autoreply").contains(EVIL_SUBJECT));
}

#[test]
fn resolved_mentions_the_ticket() {
    for name in ["Resolved", "Resolved in HTML"] {
        let out = rendered(name);
        let parts = split(&out);
        assert!(header(&parts, "Subject").unwrap().starts_with("Resolved: "), "{name}");
        assert!(parts.body.contains("#42"), "{name}: {out}");
        assert!(parts.body.contains("Printer"), "{name}: {out}");
    }
}

#[test]
fn admin_comment_includes_the_comment() {
    let out = rendered("Admin Comment");
    let parts = split(&out);
    assert_eq!(header(&parts, "Subject"), Some("[Comment] Printer jammed again"));
    assert_eq!(header(&parts, "RT-Attach-Message"), Some("yes"));
    assert!(parts.body.contains("warranty claim #88"), "{out}");
    assert!(parts.body.contains("https://rt.example.com/Ticket/Display.html?id=42"));

    let out = rendered("Admin Comment in HTML");
    let parts = split(&out);
    assert_eq!(header(&parts, "Subject"), Some("[Comment] Printer jammed again"));
    assert!(parts.body.contains("<b>internal note</b>"), "sanitized HTML kept: {out}");
}

#[test]
fn html_variants_escape_interpolated_values() {
    for t in templates().iter().filter(|t| is_html(&t.text)) {
        let out = render(t);
        let parts = split(&out);
        assert!(!parts.body.contains("<script>"), "{}: unescaped value: {out}", t.name);
    }
    for name in ["Autoreply in HTML", "Resolved in HTML", "New Pending Approval in HTML"] {
        let out = rendered(name);
        let parts = split(&out);
        assert!(parts.body.contains("&lt;script&gt;"), "{name}: {out}");
    }
    // A transaction without a subject of its own shows the ticket's.
    let all = templates();
    let t = all.iter().find(|t| t.name == "Transaction in HTML").unwrap();
    let mut ctx = sample_context();
    let mut txn = ctx.get("transaction").unwrap().clone();
    txn["subject"] = serde_json::json!("");
    ctx.insert("transaction", &txn);
    let out = tera::Tera::one_off(&t.text, &ctx, true).unwrap();
    assert!(out.contains("Printer &lt;script&gt;alert(1)&lt;&#x2F;script&gt; &amp; toner"), "{out}");
    assert!(!out.contains("<script>"), "{out}");
    // Headers are not HTML: the subject goes out as typed.
    let out = rendered("Resolved in HTML");
    assert_eq!(header(&split(&out), "Subject"), Some(format!("Resolved: {EVIL_SUBJECT}").as_str()));
    // Approver notes keep their line breaks.
    assert!(rendered("Approval Passed in HTML").contains("budget.<br>Use"));
}

#[test]
fn extras_are_used() {
    assert!(rendered("PasswordChange").contains("k7-Qx9-pL2"));
    assert!(rendered("PasswordChange").starts_with("Subject: [example.com] Password reset\n"));
    assert!(rendered("Forward").contains("FYI, see the customer's report below."));
    assert!(rendered("Email Digest").contains("VPN access"));
    assert!(rendered("Error: Missing dashboard").contains("Team overview"));
    assert!(rendered("Auth tokens expiring in 7 days in HTML").contains("CI pipeline"));
    assert!(rendered("Error: bad encrypted data").contains("* Key 0xDEADBEEF has expired"));
    let owner = rendered("Error to RT owner: public key");
    assert!(owner.contains("Recipient: alice@example.net"), "{owner}");
    assert!(owner.contains("* No public key found for alice@example.net"), "{owner}");
    let approval = rendered("New Pending Approval");
    assert!(approval.contains("https://rt.example.com/Approvals/Display.html?id=43"));
    let passed = rendered("All Approvals Passed");
    assert!(passed.contains("bob") && passed.contains("Use the usual supplier."));
}

#[test]
fn forward_without_a_note_describes_what_is_forwarded() {
    let all = templates();
    let mut ctx = sample_context();
    ctx.insert("forward", &serde_json::json!({ "content_text": "  \n" }));
    for (name, needle) in [("Forward", "transaction #1007"), ("Forward Ticket", "ticket #42")] {
        let t = all.iter().find(|t| t.name == name).unwrap();
        let out = tera::Tera::one_off(&t.text, &ctx, false).unwrap();
        assert!(out.starts_with('\n'), "{name}: must have no headers");
        assert!(out.contains(needle), "{name}: {out}");
    }
}

#[test]
fn readme_documents_every_template() {
    let readme = std::fs::read_to_string(mail_dir().join("README.md")).unwrap();
    for name in RT_TEMPLATE_NAMES {
        assert!(readme.contains(name), "README.md does not mention {name:?}");
    }
}
