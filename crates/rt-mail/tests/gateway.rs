//! The mail gateway on both backends.

#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use rt_core::transaction::header_value;
use rt_core::{AclObject, Grantee, NewQueue, NewUser, QueueUpdate, TicketId};
use rt_mail::{GatewayOutcome, GatewayRequest, deliver};
use rt_test_support::{TestDb, backends};

/// A message with a Message-ID of its own.
fn mail(from: &str, subject: &str, extra: &str, body: &str) -> Vec<u8> {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    format!("From: {from}\nTo: help@example.com\nSubject: {subject}\nMessage-ID: <{n}@example.net>\n{extra}\n{body}\n")
        .into_bytes()
}

fn send(db: &TestDb, queue: &str, action: &str, ticket: Option<TicketId>, message: &[u8]) -> GatewayOutcome {
    deliver(db.rt(), &GatewayRequest { queue, action, ticket, message })
}

fn ok(outcome: GatewayOutcome) -> TicketId {
    match outcome {
        GatewayOutcome::Ok(id) => id,
        other => panic!("expected ok, got {other:?}"),
    }
}

#[test]
fn new_mail_opens_a_ticket_and_replies_follow_it() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let first = mail("\"Ana Lima\" <ana@example.net>", "Printer on fire", "", "Room 3.");
        let id = ok(send(&db, "General", "correspond", None, &first));
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!((t.subject.as_str(), t.status.as_str()), ("Printer on fire", "new"));
        let ana = root.read(|tx| tx.user_by_name("ana@example.net")).unwrap();
        assert_eq!(ana.real_name, "Ana Lima");
        assert!(!root.read(|tx| tx.is_privileged(ana.user_id())).unwrap());
        let history = root.read(|tx| tx.history(id)).unwrap();
        assert_eq!(history[0].kind, "Create");
        assert_eq!(history[0].interface, "Email");
        let atts = root.read(|tx| tx.transaction_attachments(history[0].id)).unwrap();
        assert_eq!(header_value(&atts[0].headers, "X-RT-Interface").as_deref(), Some("Email"));
        let raw = root.read(|tx| tx.raw_message(history[0].id)).unwrap();
        assert_eq!(raw.as_deref(), Some(&first[..]), "kept byte for byte, without the headers we added");

        // A reply tagged with the ticket, a spoofed internal header removed.
        let reply = mail(
            "ana@example.net",
            &format!("Re: [example.com #{id}] Printer on fire"),
            "RT-Send-Cc: everyone@example.org\n",
            "Still burning.",
        );
        assert_eq!(ok(send(&db, "General", "correspond", None, &reply)), id);
        let history = root.read(|tx| tx.history(id)).unwrap();
        assert_eq!(history.last().unwrap().kind, "Correspond");
        let atts = root.read(|tx| tx.transaction_attachments(history.last().unwrap().id)).unwrap();
        assert_eq!(header_value(&atts[0].headers, "RT-Send-Cc"), None);
        assert_eq!(root.read(|tx| tx.raw_message(history.last().unwrap().id)).unwrap().as_deref(), Some(&reply[..]));
        assert!(root.read(|tx| tx.ticket(id)).unwrap().told.is_none(), "a requestor's reply does not set Told");

        // A merged id in the subject reaches the surviving ticket.
        let other = ok(send(&db, "General", "correspond", None, &mail("bo@example.net", "Dup", "", "x")));
        root.write(|tx| tx.merge_tickets(id, other)).unwrap();
        let late = mail("ana@example.net", &format!("[EXAMPLE.COM #{id}]"), "", "late");
        assert_eq!(ok(send(&db, "General", "correspond", None, &late)), other);
    }
}

#[test]
fn rights_queues_loops_and_automatic_mail() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let id = ok(send(&db, "General", "correspond", None, &mail("cy@example.net", "help", "", "hi")));
        // The public may reply but not comment (public_mail grants only
        // CreateTicket and ReplyToTicket).
        let comment = mail("cy@example.net", "note", "", "internal?");
        let GatewayOutcome::NotOk(why) = send(&db, "General", "comment", Some(id), &comment) else { panic!() };
        assert!(why.contains("Permission Denied") && why.contains("CommentOnTicket"), "{why}");
        root.write(|tx| tx.create_queue(NewQueue { name: "Locked".into(), ..NewQueue::default() })).unwrap();
        let GatewayOutcome::NotOk(why) = send(&db, "Locked", "correspond", None, &mail("cy@example.net", "x", "", "y"))
        else {
            panic!()
        };
        assert!(why.contains("CreateTicket"), "{why}");
        assert!(matches!(send(&db, "NoSuchQueue", "correspond", None, &comment), GatewayOutcome::TempFail(_)));
        assert!(matches!(send(&db, "General", "frobnicate", None, &comment), GatewayOutcome::TempFail(_)));
        let GatewayOutcome::NotOk(why) = send(&db, "General", "correspond", Some(TicketId(999)), &comment) else {
            panic!()
        };
        assert!(why.contains("not recorded"), "{why}");

        let looped = mail("cy@example.net", "loop", "X-RT-Loop-Prevention: example.com\n", "again");
        assert!(matches!(send(&db, "General", "correspond", None, &looped), GatewayOutcome::NotOk(_)));

        let auto = mail("cy@example.net", "Out of office", "Auto-Submitted: auto-replied\n", "away");
        let auto_id = ok(send(&db, "General", "correspond", None, &auto));
        let create = root.read(|tx| tx.history(auto_id)).unwrap()[0].id;
        let headers = root.read(|tx| tx.transaction_attachments(create)).unwrap()[0].headers.clone();
        assert_eq!(header_value(&headers, "RT-DetectedAutoGenerated").as_deref(), Some("true"));
        assert_eq!(header_value(&headers, "RT-Squelch-Replies-To").as_deref(), Some("cy@example.net"));
    }
}

#[test]
fn queue_tags_and_staff_actions() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let (q, staff) = root
            .write(|tx| {
                let q = tx.create_queue(NewQueue { name: "Security".into(), ..NewQueue::default() })?;
                tx.update_queue(q, &QueueUpdate { subject_tag: Some("CSIRT".into()), ..QueueUpdate::default() })?;
                let staff = tx.create_user(NewUser {
                    name: "dee".into(),
                    email: Some("dee@example.com".into()),
                    privileged: true,
                    ..NewUser::default()
                })?;
                for right in ["ReplyToTicket", "ModifyTicket", "OwnTicket", "ShowTicket"] {
                    tx.grant(Grantee::User(staff), right, AclObject::Queue(q))?;
                }
                tx.grant(Grantee::Group(tx.system().everyone), "CreateTicket", AclObject::Queue(q))?;
                Ok((q, staff))
            })
            .unwrap();
        let id = ok(send(&db, "Security", "correspond", None, &mail("abuse@isp.example", "scan", "", "port scan")));
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().queue, q);
        let done = mail("dee@example.com", &format!("Re: [CSIRT #{id}] scan"), "", "blocked");
        assert_eq!(ok(send(&db, "Security", "take-correspond-resolve", None, &done)), id);
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!((t.owner, t.status.as_str()), (staff, "resolved"));
        assert!(t.told.is_some(), "staff correspondence sets Told");
    }
}

#[test]
fn oversized_attachments_are_truncated_or_dropped_and_recorded() {
    for backend in backends() {
        for policy in ["truncate", "drop"] {
            let config = rt_core::Config {
                max_attachment_size: 1024,
                oversized_attachments: policy.into(),
                ..rt_core::Config::default()
            };
            let db = TestDb::with_config(backend, config);
            let big = "A".repeat(2000);
            let message = format!(
                "From: fay@example.net\nSubject: logs\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n\
                 --b\nContent-Type: text/plain\n\nsee attached\n\
                 --b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"big.log\"\n\n{big}\n--b--\n"
            );
            let id = ok(send(&db, "General", "correspond", None, message.as_bytes()));
            let root = db.root();
            let history = root.read(|tx| tx.history(id)).unwrap();
            let note = history.iter().find(|t| t.kind.starts_with("Attachment")).expect("a truncate/drop record");
            let kind = if policy == "drop" { "AttachmentDrop" } else { "AttachmentTruncate" };
            assert_eq!(note.kind, kind);
            assert_eq!(note.data.as_deref(), Some("big.log"));
            assert_eq!((note.old_value.as_deref(), note.new_value.as_deref()), (Some("2000"), Some("1024")));
            let atts = root.read(|tx| tx.transaction_attachments(history[0].id)).unwrap();
            let file = atts.iter().find(|a| a.filename.as_deref().is_some_and(|f| f.starts_with("big.log"))).unwrap();
            if policy == "drop" {
                assert_eq!(file.filename.as_deref(), Some("big.log.txt"));
                assert_eq!(file.content_type, "text/plain");
            } else {
                assert_eq!(file.size, 1024);
            }
            let text = atts.iter().find(|a| a.content_type == "text/plain" && a.filename.is_none()).unwrap();
            let (_, body) = root.read(|tx| tx.attachment(text.id)).unwrap();
            assert_eq!(body, b"see attached", "the rest of the message is kept");
        }
    }
}

#[test]
fn a_message_delivered_again_is_recorded_once() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let created = || root.read(|tx| tx.count_tickets("id > 0", None)).unwrap();
        let everyone = db.rt().system_group("Everyone").unwrap();
        for right in ["CreateTicket", "CommentOnTicket"] {
            root.write(|tx| tx.grant(Grantee::Group(everyone), right, AclObject::System)).unwrap();
        }
        let first = mail("ana@example.net", "VPN down", "", "Since 9am.");
        let id = ok(send(&db, "General", "correspond", None, &first));
        assert_eq!(ok(send(&db, "General", "correspond", None, &first)), id, "the retry answers with the same ticket");

        // The same Message-ID with other bytes (a relay added a header) is
        // still the same message.
        let relayed = [b"Received: from relay.example.net\n".as_slice(), &first].concat();
        assert_eq!(ok(send(&db, "General", "correspond", None, &relayed)), id);

        // Without a Message-ID, the same bytes are the same message.
        let bare = format!("From: bo@example.net\nSubject: Re: [example.com #{id}] VPN down\n\nme too\n").into_bytes();
        assert_eq!(ok(send(&db, "General", "correspond", None, &bare)), id);
        assert_eq!(ok(send(&db, "General", "correspond", None, &bare)), id);
        let kinds = |id| root.read(|tx| tx.history(id)).unwrap().into_iter().map(|t| t.kind).collect::<Vec<_>>();
        let corresponds = kinds(id).iter().filter(|k| *k == "Correspond").count();
        assert_eq!(corresponds, 1, "{:?}", kinds(id));

        // Another action or another queue is another delivery.
        assert_eq!(ok(send(&db, "General", "comment", Some(id), &bare)), id);
        assert!(kinds(id).iter().any(|k| k == "Comment"));
        root.write(|tx| tx.create_queue(NewQueue { name: "Network".into(), ..NewQueue::default() })).unwrap();
        let elsewhere = ok(send(&db, "Network", "correspond", None, &first));
        assert_ne!(elsewhere, id);
        assert_eq!(created(), rt_core::Total::Exact(2));
    }
}

#[test]
fn racing_deliveries_of_one_message_make_one_ticket() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let message = mail("ana@example.net", "Race", "", "twice at once");
        let ids: Vec<TicketId> = std::thread::scope(|s| {
            let runs: Vec<_> =
                (0..4).map(|_| s.spawn(|| ok(send(&db, "General", "correspond", None, &message)))).collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        assert_eq!(db.root().read(|tx| tx.count_tickets("id > 0", None)).unwrap(), rt_core::Total::Exact(1));
    }
}
