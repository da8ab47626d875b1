//! The scrip engine with RT's default scrips and templates, on both
//! backends: what a fresh install mails, and how failures, loops and
//! crashes are handled.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use rt_core::acl::Role;
use rt_core::{
    Interface, NewQueue, NewScrip, NewTemplate, NewUser, OutboxItem, OwnerChange, Result, TicketId, TicketUpdate, Tx,
};
use rt_mail::{GatewayOutcome, GatewayRequest, deliver};
use rt_scrips::conditions::Subject;
use rt_scrips::registry::{Action, register_action};
use rt_test_support::{TestDb, backends};

/// A fresh database with RT's default scrips and templates.
fn site(backend: rt_core::db::Backend) -> TestDb {
    let db = TestDb::new(backend);
    assert!(rt_scrips::defaults::install(db.rt()).unwrap());
    assert!(!rt_scrips::defaults::install(db.rt()).unwrap(), "installed once");
    db
}

fn run(db: &TestDb) -> rt_scrips::RunReport {
    rt_scrips::run_pending(db.rt(), 1000).unwrap()
}

/// What the scrips queued since the last call: (recipients, raw message).
fn mail(db: &TestDb) -> Vec<(Vec<String>, String)> {
    let system = db.rt().system_session(Interface::Api);
    let items: Vec<OutboxItem> = system.write(|tx| tx.claim_outbox("test", 1000, Duration::from_secs(60))).unwrap();
    for item in &items {
        system.write(|tx| tx.mark_sent(item.id)).unwrap();
    }
    items.into_iter().map(|i| (i.mail.recipients, String::from_utf8_lossy(&i.mail.content).into_owned())).collect()
}

fn to(all: &[(Vec<String>, String)], address: &str) -> Vec<String> {
    all.iter().filter(|(r, _)| r.iter().any(|a| a == address)).map(|(_, m)| m.clone()).collect()
}

fn subject(message: &str) -> String {
    let parsed = mailparse::parse_mail(message.as_bytes()).unwrap();
    parsed.headers.iter().find(|h| h.get_key().eq_ignore_ascii_case("Subject")).map(|h| h.get_value()).unwrap()
}

fn by_mail(db: &TestDb, queue: &str, message: &str) -> TicketId {
    let request = GatewayRequest { queue, action: "correspond", ticket: None, message: message.as_bytes() };
    match deliver(db.rt(), &request) {
        GatewayOutcome::Ok(id) => id,
        other => panic!("{other:?}"),
    }
}

fn staff(db: &TestDb, name: &str) -> rt_core::UserId {
    let root = db.root();
    root.write(|tx| {
        let id = tx.create_user(NewUser {
            name: name.into(),
            email: Some(format!("{name}@example.com")),
            ..NewUser::default()
        })?;
        tx.set_privileged(id, true)?;
        let general = tx.queue_by_name("General")?.queue_id();
        for right in
            ["OwnTicket", "ShowTicket", "ReplyToTicket", "CommentOnTicket", "ModifyTicket", "ShowTicketComments"]
        {
            tx.grant(rt_core::Grantee::User(id), right, rt_core::AclObject::Queue(general))?;
        }
        Ok(id)
    })
    .unwrap()
}

#[test]
fn a_fresh_install_mails_as_rt_does() {
    for backend in backends() {
        let db = site(backend);
        let alice = staff(&db, "alice");
        let bob = staff(&db, "bob");
        let id = by_mail(
            &db,
            "General",
            "From: Ana <ana@example.net>\nSubject: VPN down\nMessage-ID: <v1@example.net>\n\nSince 9 <am> & down.\n",
        );
        let report = run(&db);
        assert_eq!(report.failed, 0, "{report:?}");
        let sent = mail(&db);
        let autoreply = to(&sent, "ana@example.net");
        assert_eq!(autoreply.len(), 1, "{sent:?}");
        assert!(
            subject(&autoreply[0]).starts_with(&format!("[example.com #{id}] AutoReply: VPN down")),
            "{}",
            subject(&autoreply[0])
        );
        assert!(autoreply[0].contains("Auto-Submitted: auto-replied"));
        // Her plain-text message is quoted in the HTML part as
        // preformatted text, escaped as HTML text needs and no more.
        let parsed = mailparse::parse_mail(autoreply[0].as_bytes()).unwrap();
        let html = parsed.subparts.iter().find(|p| p.ctype.mimetype == "text/html").unwrap().get_body().unwrap();
        assert!(html.contains("<pre>Since 9 &lt;am&gt; &amp; down."), "{html}");
        let kinds: Vec<String> = db.root().read(|tx| tx.history(id)).unwrap().into_iter().map(|t| t.kind).collect();
        assert!(kinds.contains(&"EmailRecord".to_string()), "{kinds:?}");

        // Watchers: a Cc and an AdminCc; alice owns the ticket and replies.
        let root = db.root();
        root.write(|tx| {
            tx.add_watcher_address(id, Role::Cc, "cy@example.net")?;
            tx.add_watcher(id, Role::AdminCc, bob.into())?;
            tx.set_owner(id, alice, OwnerChange::Set)
        })
        .unwrap();
        run(&db);
        let sent = mail(&db);
        assert_eq!(to(&sent, "alice@example.com").len(), 1, "the new owner hears of it: {sent:?}");
        let alice_session = db.rt().session(alice, Interface::Web).unwrap();
        alice_session.write(|tx| tx.correspond(id, rt_core::Message::text("Restarting the VPN box."))).unwrap();
        run(&db);
        let sent = mail(&db);
        assert_eq!(to(&sent, "ana@example.net").len(), 1, "requestor gets the reply: {sent:?}");
        assert_eq!(to(&sent, "cy@example.net").len(), 1, "so does the Cc");
        assert_eq!(to(&sent, "bob@example.com").len(), 1, "and the AdminCc (admin copy)");
        assert!(to(&sent, "alice@example.com").is_empty(), "never the actor");
        assert!(to(&sent, "ana@example.net")[0].contains("Restarting the VPN box."));

        // A comment reaches AdminCcs, never requestors or Ccs.
        alice_session.write(|tx| tx.comment(id, rt_core::Message::text("Firmware bug, internal."))).unwrap();
        run(&db);
        let sent = mail(&db);
        assert_eq!(to(&sent, "bob@example.com").len(), 1, "{sent:?}");
        assert!(to(&sent, "ana@example.net").is_empty() && to(&sent, "cy@example.net").is_empty());

        // Resolving notifies the requestor; her reply reopens the ticket.
        alice_session.write(|tx| tx.set_status(id, "resolved")).unwrap();
        run(&db);
        let sent = mail(&db);
        let resolved = to(&sent, "ana@example.net");
        assert_eq!(resolved.len(), 1, "{sent:?}");
        assert!(subject(&resolved[0]).contains(&format!("[example.com #{id}]")));
        by_mail(
            &db,
            "General",
            &format!(
                "From: ana@example.net\nSubject: Re: [example.com #{id}] VPN down\nMessage-ID: <v2@example.net>\n\nDown again.\n"
            ),
        );
        run(&db);
        assert_eq!(db.root().read(|tx| tx.ticket(id)).unwrap().status, "open", "reopened by her reply");
        // The scrips act in their order: the owner's notification (an
        // earlier scrip) is recorded before the reopening.
        let history = db.root().read(|tx| tx.history(id)).unwrap();
        let reply = history.iter().rposition(|t| t.kind == "Correspond").unwrap();
        let after: Vec<&str> = history[reply + 1..].iter().map(|t| t.kind.as_str()).collect();
        let first = |kind| after.iter().position(|k| *k == kind);
        assert!(first("EmailRecord") < first("Status") && first("EmailRecord").is_some(), "{after:?}");
        let sent = mail(&db);
        assert!(to(&sent, "ana@example.net").is_empty(), "her own reply is not mailed back to her");
        assert_eq!(to(&sent, "alice@example.com").len(), 1, "the owner hears of it");
        assert_eq!(run(&db).events, 0, "nothing left");
    }
}

#[test]
fn queue_templates_override_global_ones_and_broken_ones_are_refused() {
    for backend in backends() {
        let db = site(backend);
        let root = db.root();
        let general = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let broken = NewTemplate {
            queue: Some(general),
            name: "Autoreply in HTML".into(),
            content: "Subject: {{ ticket.subject\n\nbody".into(),
            ..NewTemplate::default()
        };
        let err = root.write(|tx| rt_scrips::template::save(tx, &broken)).unwrap_err();
        assert!(err.to_string().contains("Autoreply in HTML"), "{err}");
        assert!(root.read(|tx| tx.templates(Some(general))).unwrap().is_empty(), "nothing stored");

        let own = NewTemplate {
            content:
                "Subject: Thanks from General: {{ ticket.subject }}\n\nWe got it, {{ ticket.requestor_addresses }}.\n"
                    .into(),
            ..broken
        };
        root.write(|tx| rt_scrips::template::save(tx, &own)).unwrap();
        by_mail(&db, "General", "From: ana@example.net\nSubject: Printer\nMessage-ID: <p1@example.net>\n\nJammed.\n");
        run(&db);
        let sent = mail(&db);
        let reply = to(&sent, "ana@example.net");
        assert!(subject(&reply[0]).ends_with("Thanks from General: Printer"), "{}", subject(&reply[0]));
        assert!(reply[0].contains("We got it, ana@example.net."));
    }
}

#[test]
fn a_failing_scrip_is_recorded_and_the_change_and_other_scrips_stand() {
    for backend in backends() {
        let db = site(backend);
        let root = db.root();
        // A template that parses but cannot render (no such variable).
        let bad = root.read(|tx| tx.template_for(rt_core::QueueId(1), "Autoreply in HTML")).unwrap().unwrap();
        root.write(|tx| tx.update_template(bad.id, "Subject: x\n\n{{ ticket.no_such_thing.deeper }}\n")).unwrap();
        let alice = staff(&db, "alice");
        root.write(|tx| tx.add_queue_watcher(rt_core::QueueId(1), Role::AdminCc, alice.into())).unwrap();
        let id = by_mail(&db, "General", "From: ana@example.net\nSubject: Broken\nMessage-ID: <b1@example.net>\n\nx\n");
        let report = run(&db);
        assert_eq!(report.failed, 1, "{report:?}");
        let history = root.read(|tx| tx.history(id)).unwrap();
        let error = history.iter().find(|t| t.kind == "SystemError").expect("failure recorded on the ticket");
        assert!(error.data.as_deref().unwrap_or("").contains("Autoreply"), "{:?}", error.data);
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().subject, "Broken", "the ticket stands");
        let sent = mail(&db);
        assert!(to(&sent, "ana@example.net").is_empty());
        assert_eq!(to(&sent, "alice@example.com").len(), 1, "the other scrips ran: {sent:?}");
        let create = history.iter().find(|t| t.kind == "Create").unwrap().id;
        let runs = root.read(|tx| tx.scrip_runs(create)).unwrap();
        assert!(runs.iter().any(|r| r.outcome == "failed") && runs.iter().any(|r| r.outcome == "done"), "{runs:?}");
    }
}

/// Raises the priority by one: with "On Priority Change" it fires itself.
struct Bump;

impl Action for Bump {
    fn run(&self, tx: &mut Tx<'_>, _: &str, subject: &Subject<'_>) -> Result<Option<String>> {
        let ticket = subject.ticket;
        tx.update_ticket(ticket.id, &TicketUpdate { priority: Some(ticket.priority + 1), ..TicketUpdate::default() })?;
        Ok(Some("bumped".into()))
    }
}

#[test]
fn scrips_that_fire_each_other_stop_at_the_depth_limit() {
    register_action("Test Bump Priority", Bump);
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        root.write(|tx| tx.create_scrip(&NewScrip::new("loop", "On Priority Change", "Test Bump Priority", "Blank")))
            .unwrap();
        let id = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                let t = tx.create_ticket(rt_core::NewTicket {
                    queue: Some(q),
                    subject: "loop".into(),
                    ..Default::default()
                })?;
                tx.update_ticket(t, &TicketUpdate { priority: Some(1), ..TicketUpdate::default() })?;
                Ok(t)
            })
            .unwrap();
        run(&db);
        let ticket = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!(ticket.priority, 1 + rt_scrips::MAX_DEPTH, "one bump per level");
        let history = root.read(|tx| tx.history(id)).unwrap();
        let stop = history.iter().find(|t| t.kind == "SystemError").expect("the stop is recorded");
        assert!(stop.data.as_deref().unwrap_or("").contains("loop"), "{:?}", stop.data);
    }
}

#[test]
fn scrips_of_a_change_committed_before_a_crash_run_after_restart_once() {
    for backend in backends() {
        let db = site(backend);
        by_mail(&db, "General", "From: ana@example.net\nSubject: Crash\nMessage-ID: <c1@example.net>\n\nx\n");
        // The process dies here: the ticket is committed, its scrips not run.
        let url = db.url.clone();
        let config = rt_core::Config { database_url: url, ..db.rt().config().clone() };
        let restarted = rt_core::Rt::open(config).unwrap();
        assert!(rt_scrips::run_pending(&restarted, 1000).unwrap().events > 0);
        assert_eq!(rt_scrips::run_pending(&restarted, 1000).unwrap().events, 0);
        let sent = mail(&db);
        assert_eq!(to(&sent, "ana@example.net").len(), 1, "the autoreply, once: {sent:?}");
    }
}

#[test]
fn our_own_queue_addresses_never_get_mail_so_queues_cannot_loop() {
    for backend in backends() {
        let db = site(backend);
        let root = db.root();
        root.write(|tx| {
            tx.create_queue(NewQueue {
                name: "Network".into(),
                correspond_address: "network@example.com".into(),
                ..NewQueue::default()
            })
        })
        .unwrap();
        // Mail "from" the Network queue to General: no autoreply back to it.
        by_mail(
            &db,
            "General",
            "From: network@example.com\nSubject: From a queue\nMessage-ID: <q1@example.net>\n\nx\n",
        );
        run(&db);
        assert!(to(&mail(&db), "network@example.com").is_empty());
        // And our own mail coming back in is refused as a loop.
        by_mail(&db, "General", "From: ana@example.net\nSubject: Loop\nMessage-ID: <q2@example.net>\n\nx\n");
        run(&db);
        let sent = mail(&db);
        let ours = &to(&sent, "ana@example.net")[0];
        let back = GatewayRequest { queue: "General", action: "correspond", ticket: None, message: ours.as_bytes() };
        assert!(matches!(deliver(db.rt(), &back), GatewayOutcome::NotOk(_)));
    }
}

/// A site whose one SLA level answers within an hour and keeps the
/// requestor informed every two, around the clock (so business minutes
/// are real ones and the expectations do not depend on the day).
fn sla_site(backend: rt_core::db::Backend) -> TestDb {
    let agreements: rt_core::sla::Agreements = toml::from_str(
        r#"
        default_level = "standard"
        [levels.standard]
        response = { real_minutes = 60 }
        keep_in_loop = { real_minutes = 120 }
        "#,
    )
    .unwrap();
    let config = rt_core::Config { service_agreements: agreements, ..rt_core::Config::default() };
    let db = TestDb::with_config(backend, config);
    rt_scrips::defaults::install(db.rt()).unwrap();
    // General ships with SLAs off, as in RT.
    db.root()
        .write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            tx.update_queue(general, &rt_core::QueueUpdate { sla_disabled: Some(false), ..Default::default() })
        })
        .unwrap();
    db
}

#[test]
fn sla_scrips_set_starts_and_a_due_date_that_follows_the_conversation() {
    for backend in backends() {
        let db = sla_site(backend);
        let alice = staff(&db, "alice");
        let id =
            by_mail(&db, "General", "From: ana@example.net\nSubject: SLA\nMessage-ID: <s1@example.net>\n\nHelp.\n");
        run(&db);
        let root = db.root();
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!(t.sla.as_deref(), Some("standard"), "the default level");
        assert!(t.starts.is_some(), "starts set");
        let due = t.due.expect("due set on create");
        assert_eq!((due - t.created).num_minutes(), 60, "response within the hour of the request");

        // The staff reply answers her: Due now keeps her informed.
        let alice_session = db.rt().session(alice, Interface::Web).unwrap();
        let reply = alice_session.write(|tx| tx.correspond(id, rt_core::Message::text("Looking."))).unwrap();
        run(&db);
        let replied = root.read(|tx| tx.ticket_transaction(reply)).unwrap().created;
        let due = root.read(|tx| tx.ticket(id)).unwrap().due.expect("keep-in-loop due");
        assert_eq!((due - replied).num_minutes(), 120);

        // Her next message needs an answer again within the hour.
        by_mail(
            &db,
            "General",
            &format!(
                "From: ana@example.net\nSubject: Re: [example.com #{id}] SLA\nMessage-ID: <s2@example.net>\n\nStill broken.\n"
            ),
        );
        run(&db);
        let history = root.read(|tx| tx.history(id)).unwrap();
        let asked = history.iter().rev().find(|t| t.kind == "Correspond").unwrap().created;
        let due = root.read(|tx| tx.ticket(id)).unwrap().due.expect("response due");
        assert_eq!((due - asked).num_minutes(), 60);

        // Resolved: no Due.
        alice_session.write(|tx| tx.set_status(id, "resolved")).unwrap();
        run(&db);
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().due, None);
        assert_eq!(run(&db).failed, 0);
    }
}

#[test]
fn recipients_can_be_previewed_before_an_update_and_the_update_matches() {
    use rt_scrips::preview::{Update, recipients};
    for backend in backends() {
        let db = site(backend);
        let alice = staff(&db, "alice");
        let bob = staff(&db, "bob");
        let id =
            by_mail(&db, "General", "From: ana@example.net\nSubject: Preview\nMessage-ID: <pv1@example.net>\n\nx\n");
        db.root()
            .write(|tx| {
                tx.add_watcher_address(id, Role::Cc, "cy@example.net")?;
                tx.add_watcher(id, Role::AdminCc, bob.into())
            })
            .unwrap();
        run(&db);
        mail(&db);
        let update = Update {
            kind: "Correspond".into(),
            cc: vec!["x@example.org".into()],
            squelch: vec!["cy@example.net".into()],
            ..Update::default()
        };
        let preview = recipients(db.rt(), alice, id, &update).unwrap();
        let everyone: Vec<String> =
            preview.iter().flat_map(|r| r.to.iter().chain(&r.cc).chain(&r.bcc).cloned()).collect();
        let mut sorted = everyone.clone();
        sorted.sort();
        assert_eq!(sorted, ["ana@example.net", "bob@example.com", "x@example.org"], "{preview:?}");

        // The update itself reaches exactly those.
        let mut message = rt_core::MimeEntity::text("On it.");
        message.set_header("RT-Send-Cc", "x@example.org");
        message.set_header("RT-Squelch-Replies-To", "cy@example.net");
        let alice_session = db.rt().session(alice, Interface::Web).unwrap();
        alice_session
            .write(|tx| tx.correspond(id, rt_core::Message { entity: Some(message), ..rt_core::Message::default() }))
            .unwrap();
        run(&db);
        let mut got: Vec<String> = mail(&db).into_iter().flat_map(|(r, _)| r).collect();
        got.sort();
        assert_eq!(got, sorted);

        // Someone who cannot see the ticket cannot preview it.
        let outsider =
            db.root().write(|tx| tx.create_user(NewUser { name: "eve".into(), ..NewUser::default() })).unwrap();
        assert!(recipients(db.rt(), outsider, id, &update).is_err());
    }
}

#[test]
fn a_template_previews_against_a_real_ticket() {
    let db = site(backends()[0]);
    let id = by_mail(&db, "General", "From: ana@example.net\nSubject: Toner\nMessage-ID: <t1@example.net>\n\nEmpty.\n");
    let root = db.root();
    let text =
        "Subject: About {{ ticket.subject }}\n\n{{ ticket.requestor_addresses }} wrote: {{ transaction.content_text }}";
    let shown = root.write(|tx| rt_scrips::template::preview(tx, text, id, None)).unwrap().unwrap();
    assert_eq!(shown.header("Subject"), Some("About Toner"));
    assert!(shown.body.contains("ana@example.net wrote: Empty."), "{}", shown.body);
}

#[test]
fn batch_scrips_run_once_per_update_of_several_changes() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let once = NewScrip {
            stage: "TransactionBatch".into(),
            action_rule: Some("1".into()),
            ..NewScrip::new("once per update", "On Status Change", "AddPriority", "Blank")
        };
        let each = NewScrip {
            action_rule: Some("100".into()),
            ..NewScrip::new("once per change", "On Status Change", "AddPriority", "Blank")
        };
        let id = root
            .write(|tx| {
                tx.create_scrip(&once)?;
                tx.create_scrip(&each)?;
                let q = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(rt_core::NewTicket { queue: Some(q), subject: "batch".into(), ..Default::default() })
            })
            .unwrap();
        run(&db);
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().priority, 0, "no status change yet");
        // One update that changes the subject and the status twice.
        root.write(|tx| {
            let update = TicketUpdate { subject: Some("batch, renamed".into()), ..Default::default() };
            tx.update_ticket(id, &update)?;
            tx.set_status(id, "open")?;
            tx.set_status(id, "stalled")
        })
        .unwrap();
        let report = run(&db);
        assert_eq!(report.failed, 0, "{report:?}");
        let priority = root.read(|tx| tx.ticket(id)).unwrap().priority;
        assert_eq!(priority, 1 + 2 * 100, "the batch scrip once, the other once per status change");
    }
}

#[test]
fn nodes_starting_together_install_the_defaults_once() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let installed: Vec<bool> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..3).map(|_| s.spawn(|| rt_scrips::defaults::install(db.rt()).unwrap())).collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert_eq!(installed.iter().filter(|i| **i).count(), 1, "{installed:?}");
        let scrips = db.root().read(|tx| tx.all_scrips()).unwrap();
        assert_eq!(scrips.len(), rt_scrips::defaults::SCRIPS.len());
    }
}

#[test]
fn a_reply_with_a_file_reaches_the_requestor_with_the_file() {
    for backend in backends() {
        let db = site(backend);
        let alice = staff(&db, "alice");
        let id = by_mail(&db, "General", "From: Ana <ana@example.net>\nSubject: Logs\n\nWhat do you need?\n");
        run(&db);
        mail(&db);
        let session = db.rt().session(alice, Interface::Web).unwrap();
        let entity = rt_core::MimeEntity::multipart(vec![
            rt_core::MimeEntity::text("The log you asked for is attached."),
            rt_core::MimeEntity::attachment("firewall.log", "text/plain", b"DROP 192.0.2.7\n".to_vec()),
        ]);
        session.write(|tx| tx.correspond(id, rt_core::Message { entity: Some(entity), ..Default::default() })).unwrap();
        run(&db);
        let sent = to(&mail(&db), "ana@example.net");
        assert_eq!(sent.len(), 1, "{sent:?}");
        let parsed = mailparse::parse_mail(sent[0].as_bytes()).unwrap();
        let files: Vec<(String, String)> = parsed
            .parts()
            .filter_map(|p| {
                let name = p.get_content_disposition().params.get("filename").cloned()?;
                Some((name, p.get_body().unwrap()))
            })
            .collect();
        assert_eq!(files, [("firewall.log".to_string(), "DROP 192.0.2.7\n".to_string())], "RT-Attach-Message: yes");
    }
}

/// An action with a bug: it panics on tickets called "poison".
struct Explode;

impl Action for Explode {
    fn run(&self, _: &mut Tx<'_>, _: &str, subject: &Subject<'_>) -> Result<Option<String>> {
        assert_ne!(subject.ticket.subject, "poison", "a bug in an action");
        Ok(Some("fine".into()))
    }
}

#[test]
fn an_event_whose_scrips_panic_is_put_off_and_the_others_go_on() {
    register_action("Test Explode", Explode);
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        root.write(|tx| tx.create_scrip(&NewScrip::new("explode", "On Create", "Test Explode", "Blank"))).unwrap();
        let ids: Vec<TicketId> = ["before", "poison", "after"]
            .into_iter()
            .map(|subject| {
                root.write(|tx| {
                    let q = tx.queue_by_name("General")?.queue_id();
                    tx.create_ticket(rt_core::NewTicket {
                        queue: Some(q),
                        subject: subject.into(),
                        ..Default::default()
                    })
                })
                .unwrap()
            })
            .collect();
        let report = rt_scrips::run_pending(db.rt(), 1000).expect("the engine goes on");
        assert_eq!(report.failed, 1, "{report:?}");
        let ran = |id: TicketId| {
            let txn = root.read(|tx| tx.history(id)).unwrap()[0].id;
            let runs = db.rt().system_session(Interface::Api).read(|tx| tx.scrip_runs(txn)).unwrap();
            runs.iter().any(|r| r.outcome == "done")
        };
        assert!(ran(ids[0]) && ran(ids[2]) && !ran(ids[1]));
        // The poison event waits for its retry; the queue is not stuck.
        let system = db.rt().system_session(Interface::Api);
        assert!(system.read(|tx| tx.peek_events(10)).unwrap().is_empty());
        assert_eq!(rt_scrips::run_pending(db.rt(), 1000).unwrap().events, 0);
    }
}

#[test]
fn an_event_put_off_too_often_is_given_up() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        root.write(|tx| {
            let q = tx.queue_by_name("General")?.queue_id();
            tx.create_ticket(rt_core::NewTicket { queue: Some(q), subject: "x".into(), ..Default::default() })
        })
        .unwrap();
        let system = db.rt().system_session(Interface::Api);
        let event = system.read(|tx| tx.peek_events(1)).unwrap().remove(0);
        assert!(!system.write(|tx| tx.defer_event(event.id, 2)).unwrap(), "first attempt: retried later");
        assert!(system.read(|tx| tx.peek_events(1)).unwrap().is_empty(), "not before its retry time");
        assert!(system.write(|tx| tx.defer_event(event.id, 2)).unwrap(), "second: given up");
        assert!(system.write(|tx| tx.claim_events(&[event.id])).unwrap().is_empty(), "given up means done");
    }
}
