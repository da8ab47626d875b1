//! Outgoing mail: messages built with RT's headers and threading, recorded
//! on their ticket and put in the outbox; the gateway's error answers.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use rt_core::transaction::header_value;
use rt_core::{Config, Interface, NewQueue, OutboxItem, QueueUpdate, TicketId};
use rt_mail::{
    GatewayOutcome, GatewayRequest, MailClass, MailFile, TicketMail, deliver, parse_message, send_ticket_mail,
};
use rt_test_support::{TestDb, backends};

/// Everything waiting in the outbox, oldest first.
fn outbox(db: &TestDb) -> Vec<OutboxItem> {
    let system = db.rt().system_session(Interface::Api);
    let mut items = system.write(|tx| tx.claim_outbox("test", 1000, Duration::from_secs(60))).unwrap();
    items.sort_by_key(|i| i.id);
    items
}

fn header(raw: &[u8], name: &str) -> Option<String> {
    let parsed = mailparse::parse_mail(raw).unwrap();
    parsed.headers.iter().find(|h| h.get_key().eq_ignore_ascii_case(name)).map(|h| h.get_value())
}

fn open_ticket(db: &TestDb) -> TicketId {
    let first =
        b"From: Ana Lima <ana@example.net>\nSubject: Printer on fire\nMessage-ID: <first@example.net>\n\nRoom 3.\n";
    match deliver(db.rt(), &GatewayRequest { queue: "General", action: "correspond", ticket: None, message: first }) {
        GatewayOutcome::Ok(id) => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn ticket_mail_carries_rt_headers_threading_and_is_recorded() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let id = open_ticket(&db);
        let root = db.root();
        let reply_to = root.read(|tx| tx.history(id)).unwrap()[0].id;
        let mail = TicketMail {
            to: vec!["ana@example.net".into(), "RT@example.com".into()],
            cc: vec!["boss@example.net".into()],
            bcc: vec!["audit@example.net".into()],
            html: Some("<p>Wir kümmern uns darum.</p>".into()),
            files: vec![MailFile {
                filename: "löschplan.pdf".into(),
                content_type: "application/pdf".into(),
                body: b"%PDF-1.4 \x00\xff".to_vec(),
            }],
            in_reply_to: Some(reply_to),
            ..TicketMail::new(id, "Drucker brennt – wir kommen", "Wir kümmern uns darum.\n")
        };
        let (_, txn) = root.write(|tx| send_ticket_mail(tx, &mail)).unwrap().expect("recipients left");

        let items = outbox(&db);
        assert_eq!(items.len(), 1);
        let sent = &items[0].mail;
        assert_eq!(sent.ticket, Some(id));
        assert_eq!(sent.transaction, Some(txn));
        assert_eq!(sent.envelope_from, "rt@example.com");
        assert_eq!(
            sent.recipients,
            ["ana@example.net", "boss@example.net", "audit@example.net"],
            "RT's own address dropped"
        );
        let raw = &sent.content;
        assert!(raw.is_ascii(), "8-bit content is transfer-encoded");
        let subject = header(raw, "Subject").unwrap();
        assert_eq!(subject, format!("[example.com #{id}] Drucker brennt – wir kommen"));
        assert!(header(raw, "From").unwrap().contains("Enoch Root via RT"), "{:?}", header(raw, "From"));
        assert!(header(raw, "Reply-To").unwrap().contains("rt@example.com"));
        assert_eq!(header(raw, "RT-Ticket").as_deref(), Some(format!("example.com #{id}").as_str()));
        assert_eq!(header(raw, "X-RT-Loop-Prevention").as_deref(), Some("example.com"));
        assert_eq!(header(raw, "Precedence").as_deref(), Some("bulk"));
        assert!(header(raw, "Managed-By").unwrap().starts_with("RT-rs "));
        assert_eq!(header(raw, "Bcc"), None, "blind copies stay blind");
        assert_eq!(header(raw, "In-Reply-To").as_deref(), Some("<first@example.net>"));
        let references = header(raw, "References").unwrap();
        assert!(
            references.contains("<first@example.net>") && references.contains(&format!("<RT-Ticket-{id}@example.com>"))
        );
        let message_id = header(raw, "Message-ID").unwrap();
        assert!(message_id.starts_with("<rt-") && message_id.ends_with(&format!(".{id}@example.com>")), "{message_id}");
        assert_eq!(sent.message_id, message_id);

        // The message parses back: text, HTML and the file, decoded.
        let parsed = parse_message(raw).entity;
        assert_eq!(parsed.content_type, "multipart/mixed");
        assert_eq!(parsed.parts[0].content_type, "multipart/alternative");
        assert_eq!(
            String::from_utf8(parsed.parts[0].parts[0].body.clone()).unwrap().trim_end(),
            "Wir kümmern uns darum."
        );
        assert_eq!(parsed.parts[1].filename.as_deref(), Some("löschplan.pdf"));
        assert_eq!(parsed.parts[1].body, b"%PDF-1.4 \x00\xff");

        // Recorded on the ticket with every header, Data = the Message-ID.
        let history = root.read(|tx| tx.history(id)).unwrap();
        let record = history.iter().find(|t| t.id == txn).unwrap();
        assert_eq!(record.kind, "EmailRecord");
        assert_eq!(record.data.as_deref(), Some(message_id.as_str()));
        let atts = root.read(|tx| tx.transaction_attachments(txn)).unwrap();
        assert_eq!(header_value(&atts[0].headers, "RT-Ticket").as_deref(), Some(format!("example.com #{id}").as_str()));

        // Our own mail coming back is a loop, not a reply.
        let back =
            deliver(db.rt(), &GatewayRequest { queue: "General", action: "correspond", ticket: None, message: raw });
        assert!(matches!(back, GatewayOutcome::NotOk(ref why) if why.contains("bounce")), "{back:?}");
    }
}

#[test]
fn comments_go_out_from_the_queue_comment_address_and_need_a_recipient() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let id = open_ticket(&db);
        let root = db.root();
        let general = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let update = QueueUpdate {
            comment_address: Some("general-comment@example.com".into()),
            subject_tag: Some("Help".into()),
            ..QueueUpdate::default()
        };
        root.write(|tx| tx.update_queue(general, &update)).unwrap();
        let nobody = TicketMail { to: vec!["general-comment@example.com".into()], ..TicketMail::new(id, "x", "y") };
        assert_eq!(root.write(|tx| send_ticket_mail(tx, &nobody)).unwrap(), None, "only RT's own address");

        let comment = TicketMail {
            class: MailClass::Comment,
            to: vec!["staff@example.net".into()],
            headers: vec![("Precedence".into(), "list".into())],
            ..TicketMail::new(id, "Re: [Help #1] Printer on fire", "Check the toner.")
        };
        let (_, txn) = root.write(|tx| send_ticket_mail(tx, &comment)).unwrap().unwrap();
        let sent = outbox(&db).pop().unwrap().mail;
        assert_eq!(sent.envelope_from, "general-comment@example.com");
        assert_eq!(
            header(&sent.content, "Subject").as_deref(),
            Some("Re: [Help #1] Printer on fire"),
            "tag already there"
        );
        assert_eq!(header(&sent.content, "Precedence").as_deref(), Some("list"), "the caller's precedence wins");
        let kind = root.read(|tx| tx.history(id)).unwrap().into_iter().find(|t| t.id == txn).unwrap().kind;
        assert_eq!(kind, "CommentEmailRecord");

        // A header value that would inject another header is refused and
        // nothing is recorded or queued.
        let evil = TicketMail {
            to: vec!["staff@example.net".into()],
            headers: vec![("X-Note".into(), "a\r\nBcc: everyone@example.org".into())],
            ..TicketMail::new(id, "x", "y")
        };
        assert!(root.write(|tx| send_ticket_mail(tx, &evil)).is_err());
        assert!(outbox(&db).is_empty());
        let folded = TicketMail {
            to: vec!["staff@example.net".into()],
            ..TicketMail::new(id, "two\r\nBcc: everyone@example.org", "y")
        };
        root.write(|tx| send_ticket_mail(tx, &folded)).unwrap();
        let sent = outbox(&db).pop().unwrap().mail;
        assert_eq!(sent.recipients, ["staff@example.net"]);
        assert_eq!(header(&sent.content, "Bcc"), None, "a line break in the subject adds no header");
    }
}

#[test]
fn refused_mail_is_answered_to_the_sender_but_never_to_robots() {
    for backend in backends() {
        let db =
            TestDb::with_config(backend, Config { owner_email: "rt-admin@example.com".into(), ..Config::default() });
        let root = db.root();
        root.write(|tx| tx.create_queue(NewQueue { name: "Locked".into(), ..NewQueue::default() })).unwrap();
        let send = |message: &[u8]| {
            deliver(db.rt(), &GatewayRequest { queue: "Locked", action: "correspond", ticket: None, message })
        };
        let human = b"From: Erin <erin@example.org>\nSubject: VPN is down\nMessage-ID: <vpn-1@example.org>\n\nDown.\n";
        assert!(matches!(send(human), GatewayOutcome::NotOk(_)));
        let answers = outbox(&db);
        assert_eq!(answers.len(), 1);
        let answer = &answers[0].mail;
        assert_eq!(answer.recipients, ["erin@example.org"]);
        assert_eq!(answer.ticket, None);
        assert_eq!(header(&answer.content, "Subject").as_deref(), Some("Permission Denied"));
        assert_eq!(header(&answer.content, "Auto-Submitted").as_deref(), Some("auto-replied"));
        assert_eq!(header(&answer.content, "X-RT-Loop-Prevention").as_deref(), Some("example.com"));
        let parsed = parse_message(&answer.content).entity;
        assert!(String::from_utf8_lossy(&parsed.parts[0].body).contains("may not create tickets"));
        assert_eq!(parsed.parts[1].content_type, "message/rfc822");
        assert!(String::from_utf8_lossy(&parsed.parts[1].body).contains("Message-ID: <vpn-1@example.org>"));

        // A robot's refused mail goes to the site's owner, not back to it.
        let robot = b"From: MAILER-DAEMON@example.org\nSubject: Undeliverable\n\nbounce\n";
        assert!(matches!(send(robot), GatewayOutcome::NotOk(_)));
        let answers = outbox(&db);
        assert_eq!(answers.len(), 1);
        assert_eq!(answers[0].mail.recipients, ["rt-admin@example.com"]);
    }
    // Without an owner address, a robot gets nothing at all.
    let db = TestDb::new(backends()[0]);
    db.root().write(|tx| tx.create_queue(NewQueue { name: "Locked".into(), ..NewQueue::default() })).unwrap();
    let robot = b"From: x@example.org\nAuto-Submitted: auto-replied\nSubject: Away\n\naway\n";
    let request = GatewayRequest { queue: "Locked", action: "correspond", ticket: None, message: robot };
    assert!(matches!(deliver(db.rt(), &request), GatewayOutcome::NotOk(_)));
    assert!(outbox(&db).is_empty());
}
