//! Building the mail RT sends: RFC 5322 messages with RT's headers, put in
//! the durable outbox in the same DB transaction as the change they tell
//! about, and recorded on their ticket.
//!
//! [`send_ticket_mail`] is what scrips (notifications, autoreplies) and the
//! UI's one-time Cc/Bcc use; [`compose_ticket_mail`] and
//! [`record_ticket_mail`] are its two halves, for the scrip engine, which
//! builds messages before it takes the write lock. For a ticket it sets, as RT 5 does:
//!
//! - `From` and `Reply-To`: the queue's correspond address (comment address
//!   for comments), else the site's; From carries the actor's name as
//!   "Name via RT";
//! - the subject tag `[<queue tag or rtname> #<id>]` unless the subject
//!   already has it;
//! - `Message-ID` `<rt-<version>-<time>-<random>.<ticket>@<organization>>`,
//!   `In-Reply-To` the message being answered and `References` that message,
//!   the ticket's first message and the ticket's pseudo-message
//!   `<RT-Ticket-<id>@<organization>>`, so mail programs thread a ticket's
//!   whole conversation;
//! - `RT-Ticket`, `Managed-By`, `RT-Originator` (the actor's address),
//!   `X-RT-Loop-Prevention` (so our own mail coming back is seen as a loop)
//!   and `Precedence: bulk` unless the caller set a precedence;
//! - UTF-8 everywhere: headers RFC 2047-encoded, bodies in quoted-printable
//!   or base64 as their content needs; plain text alone, text and HTML as
//!   `multipart/alternative`, attachments in `multipart/mixed`.
//!
//! Recipients that are one of RT's own addresses are dropped (mailing
//! ourselves would loop). The sent message is recorded on the ticket as an
//! `EmailRecord` (`CommentEmailRecord` for comments) transaction holding
//! the message with all its headers, Data = its Message-ID, and the outbox
//! row points at that transaction. What is recorded is the MIME tree as
//! composed (bodies as the template wrote them), not a parse of the sent
//! bytes; a test checks that both say the same.
//!
//! [`send_error_mail`] builds the gateway's answers to senders ("Permission
//! Denied", "Message not recorded"): not about a ticket, the refused message
//! attached, never sent to automatic senders (the caller decides).
//! [`send_notice_mail`] sends a person a notice about their account (a
//! password reset link).

use std::time::{SystemTime, UNIX_EPOCH};

use lettre::Message;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MessageBuilder, MultiPart, SinglePart};
use rt_core::transaction::NewTransaction;
use rt_core::{Error, MimeEntity, OutboxId, OutgoingMail, Result, TicketId, TransactionId, Tx};

/// Which address a ticket mail goes out from and how it is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MailClass {
    /// Correspondence: the correspond address, recorded as `EmailRecord`.
    #[default]
    Correspond,
    /// A comment (staff only): the comment address, recorded as
    /// `CommentEmailRecord`.
    Comment,
}

/// A file attached to an outgoing message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFile {
    /// The file name shown to the recipient.
    pub filename: String,
    /// Its MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// Its bytes.
    pub body: Vec<u8>,
}

/// A message about a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketMail {
    /// The ticket.
    pub ticket: TicketId,
    /// Correspondence or comment.
    pub class: MailClass,
    /// `To` addresses.
    pub to: Vec<String>,
    /// `Cc` addresses.
    pub cc: Vec<String>,
    /// Blind copies: in the envelope, never in the headers.
    pub bcc: Vec<String>,
    /// The subject, without the tag (it is added when missing).
    pub subject: String,
    /// The plain-text body.
    pub text: String,
    /// An HTML body sent beside the text one, if any.
    pub html: Option<String>,
    /// Attached files.
    pub files: Vec<MailFile>,
    /// The transaction whose message this one answers or tells about: its
    /// Message-ID becomes `In-Reply-To`.
    pub in_reply_to: Option<TransactionId>,
    /// Further headers, e.g. `Auto-Submitted: auto-replied`; a `Precedence`
    /// here replaces the default `bulk`.
    pub headers: Vec<(String, String)>,
}

impl TicketMail {
    /// A correspondence about `ticket` with this subject and text, to nobody
    /// yet.
    pub fn new(ticket: TicketId, subject: &str, text: &str) -> TicketMail {
        TicketMail {
            ticket,
            class: MailClass::Correspond,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            subject: subject.to_string(),
            text: text.to_string(),
            html: None,
            files: Vec::new(),
            in_reply_to: None,
            headers: Vec::new(),
        }
    }
}

/// Builds a ticket's message, records it on the ticket and puts it in the
/// outbox, in the caller's DB transaction. Returns the outbox row, or `None`
/// when no recipient is left once RT's own addresses are dropped.
///
/// The current user must be able to see the ticket; whether they may send
/// this mail (reply, comment, a scrip's notification) is for the caller to
/// have checked with the operation that causes it.
pub fn send_ticket_mail(tx: &mut Tx<'_>, mail: &TicketMail) -> Result<Option<(OutboxId, TransactionId)>> {
    match compose_ticket_mail(tx, mail)? {
        Some(composed) => record_ticket_mail(tx, composed).map(Some),
        None => Ok(None),
    }
}

/// A ticket's message built and ready to record and queue: what
/// [`compose_ticket_mail`] makes and [`record_ticket_mail`] stores.
#[derive(Debug, Clone)]
pub struct ComposedMail {
    ticket: TicketId,
    class: MailClass,
    message_id: String,
    envelope_from: String,
    recipients: Vec<String>,
    content: Vec<u8>,
    recorded: rt_core::MimeEntity,
}

impl ComposedMail {
    /// Everyone it goes to (To, Cc and Bcc), as the envelope lists them.
    pub fn recipients(&self) -> &[String] {
        &self.recipients
    }
}

/// Builds a ticket's message (the first half of [`send_ticket_mail`]); it
/// only reads, so it may run outside the DB transaction that records the
/// message. `None` when no recipient is left once RT's own addresses are
/// dropped.
pub fn compose_ticket_mail(tx: &mut Tx<'_>, mail: &TicketMail) -> Result<Option<ComposedMail>> {
    let ticket = tx.ticket(mail.ticket)?;
    let queue = tx.queue(ticket.queue)?;
    let class = mail.class;
    let config = tx.config().clone();
    let own = own_addresses(tx)?;
    let keep = |list: &[String]| -> Vec<String> {
        let mut kept: Vec<String> = Vec::new();
        for address in list.iter().map(|a| a.trim()).filter(|a| !a.is_empty()) {
            let lower = address.to_ascii_lowercase();
            if !own.contains(&lower) && !kept.iter().any(|k| k.eq_ignore_ascii_case(address)) {
                kept.push(address.to_string());
            }
        }
        kept
    };
    let (to, cc, bcc) = (keep(&mail.to), keep(&mail.cc), keep(&mail.bcc));
    if to.is_empty() && cc.is_empty() && bcc.is_empty() {
        return Ok(None);
    }

    let from_address = match class {
        MailClass::Correspond if !queue.correspond_address.is_empty() => queue.correspond_address.clone(),
        MailClass::Comment if !queue.comment_address.is_empty() => queue.comment_address.clone(),
        MailClass::Correspond => config.site_correspond_address(),
        MailClass::Comment => config.site_comment_address(),
    };
    let actor = tx.user(tx.current_user().id)?;
    let actor_name = if actor.real_name.is_empty() { actor.name.clone() } else { actor.real_name.clone() };
    let tag_name = if queue.subject_tag.is_empty() { config.rtname.clone() } else { queue.subject_tag.clone() };
    let tag = format!("[{tag_name} #{}]", ticket.id);
    // A line break in a subject would start another header.
    let own_subject = mail.subject.replace(['\r', '\n'], " ");
    let subject = if own_subject.to_ascii_lowercase().contains(&tag.to_ascii_lowercase()) {
        own_subject
    } else {
        format!("{tag} {own_subject}").trim_end().to_string()
    };

    let message_id = new_message_id(&config.organization, ticket.id);
    let mut references = Vec::new();
    let mut in_reply_to = None;
    let mut answers_first = false;
    if let Some(txn) = mail.in_reply_to {
        in_reply_to = top_message_id(tx, txn)?;
        references.extend(in_reply_to.clone());
        // Answering the ticket's creation: that message is its first
        // (tickets merged into it later are not looked for).
        let answered = tx.ticket_transaction(txn)?;
        answers_first = answered.kind == "Create" && answered.object_id == ticket.id.0;
    }
    if !answers_first {
        references.extend(tx.first_message_id(ticket.id)?.map(|id| bracketed(&id)));
    }
    references.push(format!("<RT-Ticket-{}@{}>", ticket.id, config.organization));
    references.dedup();

    let mut builder = Message::builder()
        .from(mailbox(&from_address, Some(&format!("{actor_name} via RT")))?)
        .reply_to(mailbox(&from_address, None)?)
        .subject(subject.clone())
        .message_id(Some(message_id.clone()))
        .references(references.join(" "));
    if let Some(id) = in_reply_to {
        builder = builder.in_reply_to(id);
    }
    for address in &to {
        builder = builder.to(mailbox(address, None)?);
    }
    for address in &cc {
        builder = builder.cc(mailbox(address, None)?);
    }
    for address in &bcc {
        builder = builder.bcc(mailbox(address, None)?);
    }
    let mut headers = vec![
        ("RT-Ticket".to_string(), format!("{} #{}", config.rtname, ticket.id)),
        ("Managed-By".to_string(), format!("RT-rs {}", env!("CARGO_PKG_VERSION"))),
        ("X-RT-Loop-Prevention".to_string(), config.rtname.clone()),
    ];
    if let Some(email) = actor.email_address.filter(|e| !e.is_empty()) {
        headers.push(("RT-Originator".to_string(), email));
    }
    if !mail.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("Precedence")) {
        headers.push(("Precedence".to_string(), "bulk".to_string()));
    }
    headers.extend(mail.headers.iter().cloned());
    let (content, mut recorded) =
        with_body(with_headers(builder, &headers)?, &mail.text, mail.html.as_deref(), &mail.files)?;
    recorded.subject = Some(subject);
    recorded.message_id = Some(message_id.clone());
    Ok(Some(ComposedMail {
        ticket: ticket.id,
        class,
        message_id,
        envelope_from: from_address,
        recipients: to.into_iter().chain(cc).chain(bcc).collect(),
        content,
        recorded,
    }))
}

/// Records a composed message on its ticket (`EmailRecord` or
/// `CommentEmailRecord`) and puts it in the outbox: the second half of
/// [`send_ticket_mail`], in the DB transaction that must commit it.
pub fn record_ticket_mail(tx: &mut Tx<'_>, mail: ComposedMail) -> Result<(OutboxId, TransactionId)> {
    Ok(record_ticket_mails(tx, vec![mail])?[0])
}

/// [`record_ticket_mail`] for several messages, in a few statements for
/// all of them (a batch of scrips' notifications), in the order given.
pub fn record_ticket_mails(tx: &mut Tx<'_>, mails: Vec<ComposedMail>) -> Result<Vec<(OutboxId, TransactionId)>> {
    let records: Vec<_> = mails
        .iter()
        .map(|mail| {
            let record = NewTransaction {
                object_type: "RT::Ticket",
                object_id: mail.ticket.0,
                kind: match mail.class {
                    MailClass::Correspond => "EmailRecord",
                    MailClass::Comment => "CommentEmailRecord",
                },
                data: Some(mail.message_id.clone()),
                ..NewTransaction::default()
            };
            (record, Some(&mail.recorded))
        })
        .collect();
    let txns = tx.record_all(&records)?;
    drop(records);
    let outgoing = mails
        .into_iter()
        .zip(&txns)
        .map(|(mail, txn)| OutgoingMail {
            ticket: Some(mail.ticket),
            transaction: Some(*txn),
            message_id: mail.message_id,
            envelope_from: mail.envelope_from,
            recipients: mail.recipients,
            content: mail.content,
        })
        .collect();
    let outbox = tx.enqueue_mails(outgoing)?;
    Ok(outbox.into_iter().zip(txns).collect())
}

/// An error answer of the mail gateway to the sender of a refused message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMail<'a> {
    /// Who gets it.
    pub to: &'a str,
    /// The subject, e.g. `Permission Denied`.
    pub subject: &'a str,
    /// What happened and what to do, in plain words.
    pub explanation: &'a str,
    /// The refused message, attached as `message/rfc822`.
    pub original: &'a [u8],
}

/// Puts an error answer in the outbox, from the site's correspond address,
/// marked as automatic mail so that the recipient's robots do not answer.
pub fn send_error_mail(tx: &mut Tx<'_>, mail: &ErrorMail<'_>) -> Result<OutboxId> {
    send_site_mail(tx, mail.to, mail.subject, "error", "auto-replied", |builder| {
        let original = SinglePart::builder()
            .header(ContentType::parse("message/rfc822").map_err(|e| Error::invalid("mail", e.to_string()))?)
            .body(mail.original.to_vec());
        builder
            .multipart(
                MultiPart::mixed().singlepart(SinglePart::plain(mail.explanation.to_string())).singlepart(original),
            )
            .map_err(|e| Error::invalid("mail", e.to_string()))
    })
}

/// A notice RT sends a person about their account, not about a ticket
/// (a password reset link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeMail<'a> {
    /// Who gets it.
    pub to: &'a str,
    /// The subject.
    pub subject: &'a str,
    /// The plain-text body.
    pub text: &'a str,
}

/// Puts a notice in the outbox, from the site's correspond address, marked
/// as automatic mail. It is recorded on no ticket, and its body (which may
/// hold a secret link) is never logged.
pub fn send_notice_mail(tx: &mut Tx<'_>, mail: &NoticeMail<'_>) -> Result<OutboxId> {
    send_site_mail(tx, mail.to, mail.subject, "notice", "auto-generated", |builder| {
        builder.singlepart(SinglePart::plain(mail.text.to_string())).map_err(|e| Error::invalid("mail", e.to_string()))
    })
}

/// Puts mail from the site (not about a ticket) in the outbox: from the
/// site's correspond address to `to`, marked as automatic mail
/// (`Auto-Submitted: <auto>`), its Message-ID tagged `kind`; `body`
/// finishes the message.
fn send_site_mail(
    tx: &mut Tx<'_>,
    to: &str,
    subject: &str,
    kind: &str,
    auto: &str,
    body: impl FnOnce(MessageBuilder) -> Result<Message>,
) -> Result<OutboxId> {
    let config = tx.config().clone();
    let from = config.site_correspond_address();
    let message_id = format!("<rt-{}-{}.{kind}@{}>", env!("CARGO_PKG_VERSION"), unique(), config.organization);
    let headers = [
        ("X-RT-Loop-Prevention".to_string(), config.rtname.clone()),
        ("Managed-By".to_string(), format!("RT-rs {}", env!("CARGO_PKG_VERSION"))),
        ("Precedence".to_string(), "bulk".to_string()),
        ("Auto-Submitted".to_string(), auto.to_string()),
    ];
    let builder = Message::builder()
        .from(mailbox(&from, None)?)
        .to(mailbox(to, None)?)
        .subject(subject)
        .message_id(Some(message_id.clone()));
    let message = body(with_headers(builder, &headers)?)?;
    tx.enqueue_mail(OutgoingMail {
        ticket: None,
        transaction: None,
        message_id,
        envelope_from: from,
        recipients: vec![to.to_string()],
        content: message.formatted(),
    })
}

/// Ends the message with its body (the text alone, text and HTML as
/// alternatives, and the files after them in a `multipart/mixed`) and
/// returns it as sent, with the MIME tree to record of it: each entity
/// with the header block it goes out with, each body as composed (text as
/// the template wrote it, not as encoded for the wire), the top entity
/// with the message's whole header block. Recording what was composed, as
/// RT records the entity it sends, spares parsing our own message back.
fn with_body(
    builder: MessageBuilder,
    text: &str,
    html: Option<&str>,
    files: &[MailFile],
) -> Result<(Vec<u8>, MimeEntity)> {
    let leaf = |part: &SinglePart, content_type: &str, filename: Option<&str>, body: &[u8]| MimeEntity {
        content_type: content_type.into(),
        headers: header_block(part.headers().to_string().as_bytes()),
        filename: filename.map(str::to_string),
        body: body.to_vec(),
        ..MimeEntity::default()
    };
    let container = |part: &MultiPart, content_type: &str, parts: Vec<MimeEntity>| MimeEntity {
        content_type: content_type.into(),
        headers: header_block(part.headers().to_string().as_bytes()),
        parts,
        ..MimeEntity::default()
    };
    let plain = SinglePart::plain(text.to_string());
    let plain_record = leaf(&plain, "text/plain", None, text.as_bytes());
    let alternative = html.map(|html| {
        let html_part = SinglePart::html(html.to_string());
        let html_record = leaf(&html_part, "text/html", None, html.as_bytes());
        let part = MultiPart::alternative().singlepart(plain.clone()).singlepart(html_part);
        let record = container(&part, "multipart/alternative", vec![plain_record.clone(), html_record]);
        (part, record)
    });
    let built = match (alternative, files.is_empty()) {
        (None, true) => builder.singlepart(plain).map(|m| (m, plain_record)),
        (Some((part, record)), true) => builder.multipart(part).map(|m| (m, record)),
        (alternative, false) => {
            let (mut mixed, mut records) = match alternative {
                Some((part, record)) => (MultiPart::mixed().multipart(part), vec![record]),
                None => (MultiPart::mixed().singlepart(plain), vec![plain_record]),
            };
            for file in files {
                let kind = ContentType::parse(&file.content_type)
                    .map_err(|e| Error::invalid("attachment", format!("{:?}: {e}", file.content_type)))?;
                let part = Attachment::new(file.filename.clone()).body(file.body.clone(), kind);
                let bare = file.content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
                records.push(leaf(&part, &bare, Some(&file.filename), &file.body));
                mixed = mixed.singlepart(part);
            }
            let record = container(&mixed, "multipart/mixed", records);
            builder.multipart(mixed).map(|m| (m, record))
        }
    };
    let (message, mut record) = built.map_err(|e| Error::invalid("mail", e.to_string()))?;
    // The top entity's header block is the message's: its own headers and
    // those of the part it wraps, as they go out.
    let content = message.formatted();
    let end = content.windows(4).position(|w| w == b"\r\n\r\n").map_or(content.len(), |at| at + 2);
    record.headers = header_block(&content[..end]);
    Ok((content, record))
}

/// A header block as recorded: lettre's header lines with `\n` line ends,
/// and the blank line that ends them, as the parser keeps an arriving one.
fn header_block(lines: &[u8]) -> String {
    String::from_utf8_lossy(lines).replace("\r\n", "\n") + "\n"
}

/// Every address RT receives mail at: the site's and each queue's.
fn own_addresses(tx: &mut Tx<'_>) -> Result<Vec<String>> {
    let config = tx.config().clone();
    let mut own = vec![config.site_correspond_address(), config.site_comment_address()];
    for queue in tx.queue_addresses()? {
        own.push(queue);
    }
    Ok(own.into_iter().filter(|a| !a.is_empty()).map(|a| a.to_ascii_lowercase()).collect())
}

/// The Message-ID (with angle brackets) of a transaction's message.
fn top_message_id(tx: &mut Tx<'_>, txn: TransactionId) -> Result<Option<String>> {
    let attachments = tx.transaction_attachments(txn)?;
    Ok(attachments.first().and_then(|a| a.message_id.as_deref()).map(bracketed))
}

/// A Message-ID as stored, in angle brackets.
fn bracketed(id: &str) -> String {
    format!("<{}>", id.trim().trim_start_matches('<').trim_end_matches('>'))
}

fn new_message_id(organization: &str, ticket: TicketId) -> String {
    format!("<rt-{}-{}.{}@{}>", env!("CARGO_PKG_VERSION"), unique(), ticket, organization)
}

/// Seconds since the epoch and 64 random bits: unique across processes.
fn unique() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut random = [0u8; 8];
    // Without OS randomness, the time and the process id still tell
    // messages of different processes apart.
    if getrandom::fill(&mut random).is_err() {
        random = (u64::from(std::process::id()) << 32 | u64::from(secs as u32)).to_le_bytes();
    }
    format!("{secs}-{:016x}", u64::from_le_bytes(random))
}

fn mailbox(address: &str, name: Option<&str>) -> Result<Mailbox> {
    let email = address.trim().parse().map_err(|e| Error::invalid("address", format!("{address:?}: {e}")))?;
    Ok(Mailbox::new(name.map(str::to_string), email))
}

fn with_headers(mut builder: MessageBuilder, headers: &[(String, String)]) -> Result<MessageBuilder> {
    for (name, value) in headers {
        let header = HeaderName::new_from_ascii(name.clone()).map_err(|_| Error::invalid("header", name.clone()))?;
        if value.contains(['\r', '\n']) {
            return Err(Error::invalid("header", format!("line break in {name}")));
        }
        builder = builder.raw_header(HeaderValue::new(header, value.clone()));
    }
    Ok(builder)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A body compared across the wire: line ends as CRLF or LF alike, and
    /// without the line end that may close it.
    fn text(body: &[u8]) -> String {
        String::from_utf8_lossy(body).replace("\r\n", "\n").trim_end_matches('\n').to_string()
    }

    /// The recorded tree says what parsing the sent message says: the same
    /// types, header blocks, file names and bodies.
    fn same_tree(recorded: &MimeEntity, parsed: &MimeEntity, path: &str) {
        assert_eq!(recorded.content_type, parsed.content_type, "{path}");
        assert_eq!(recorded.headers, parsed.headers, "{path}");
        assert_eq!(recorded.filename, parsed.filename, "{path}");
        if recorded.content_type.starts_with("text/") {
            assert_eq!(text(&recorded.body), text(&parsed.body), "{path}");
        } else {
            assert_eq!(recorded.body, parsed.body, "{path}");
        }
        assert_eq!(recorded.parts.len(), parsed.parts.len(), "{path}");
        for (i, (r, p)) in recorded.parts.iter().zip(&parsed.parts).enumerate() {
            same_tree(r, p, &format!("{path}/{i}"));
        }
    }

    #[test]
    fn the_recorded_tree_is_the_sent_message() {
        let long = "word ".repeat(400);
        let texts = [
            "Short and plain.\n".to_string(),
            "No line end at the end".to_string(),
            "Zwei Zeilen, grüße\nund ein Ende.\r\nCRLF too.\n".to_string(),
            format!("One line of 2,000 characters: {long}\n"),
            "Trailing spaces   \n\tand a tab\n.\nA lone dot above.\n".to_string(),
            "日本語のテキスト\n".repeat(50),
        ];
        let files = [
            MailFile { filename: "notes.txt".into(), content_type: "text/plain".into(), body: b"a\nb\n".to_vec() },
            MailFile {
                filename: "Prüfbericht.pdf".into(),
                content_type: "application/pdf".into(),
                body: (0..=255u8).cycle().take(3000).collect(),
            },
        ];
        for (i, body) in texts.iter().enumerate() {
            let html = format!("<p>{}</p>", body.replace('\n', "<br>\n"));
            for (html, files) in [
                (None, &files[..0]),
                (Some(html.as_str()), &files[..0]),
                (None, &files[..]),
                (Some(html.as_str()), &files[..]),
            ] {
                let builder = Message::builder()
                    .from("RT <rt@example.com>".parse().unwrap())
                    .to("ana@example.net".parse().unwrap())
                    .subject(format!("Über #{i}"));
                let (content, recorded) = with_body(builder, body, html, files).unwrap();
                let parsed = crate::parse_message(&content).entity;
                same_tree(&recorded, &parsed, &format!("text {i}, html {}, files {}", html.is_some(), files.len()));
            }
        }
    }
}
