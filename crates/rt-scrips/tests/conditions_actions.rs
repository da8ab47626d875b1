//! Every condition against real transactions of a real ticket, and the
//! actions not covered by the default scrips' tests.

#![allow(clippy::unwrap_used)]

use rt_core::acl::Role;
use rt_core::{Interface, NewQueue, NewScrip, NewTicket, OwnerChange, TicketId, TicketUpdate, Transaction};
use rt_scrips::conditions::{Subject, holds};
use rt_test_support::{TestDb, backends};

/// The transactions of a ticket that went through the usual changes.
fn history(db: &TestDb) -> (TicketId, Vec<Transaction>) {
    let root = db.root();
    let id = root
        .write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            let other = tx.create_queue(NewQueue { name: "Other".into(), ..NewQueue::default() })?;
            let t = tx.create_ticket(NewTicket {
                queue: Some(general),
                subject: "Conditions".into(),
                requestors: vec!["ana@example.net".into()],
                ..NewTicket::default()
            })?;
            tx.correspond(t, rt_core::Message::text("reply"))?;
            tx.comment(t, rt_core::Message::text("note"))?;
            tx.update_ticket(
                t,
                &TicketUpdate { priority: Some(10), time_worked: Some(30), ..TicketUpdate::default() },
            )?;
            tx.set_status(t, "open")?;
            tx.set_status(t, "resolved")?;
            tx.set_status(t, "open")?;
            tx.set_status(t, "rejected")?;
            let root_id = tx.current_user().id;
            tx.set_owner(t, root_id, OwnerChange::Set)?;
            tx.set_queue(t, other)?;
            Ok(t)
        })
        .unwrap();
    (id, root.read(|tx| tx.history(id)).unwrap())
}

/// Which transactions (by a short label) a condition holds for.
fn matches(db: &TestDb, id: TicketId, history: &[Transaction], condition: &str, rule: Option<&str>) -> Vec<String> {
    let system = db.rt().system_session(Interface::Api);
    system
        .read(|tx| {
            let ticket = tx.ticket(id)?;
            let mut out = Vec::new();
            for txn in history {
                let s = Subject { ticket: &ticket, txn, attachments: &[] };
                if holds(tx, condition, rule, &s)? {
                    let label = match (txn.kind.as_str(), txn.field.as_deref(), txn.new_value.as_deref()) {
                        ("Status", _, Some(new)) => format!("Status:{new}"),
                        ("Set", Some(field), _) => format!("Set:{field}"),
                        (kind, _, _) => kind.to_string(),
                    };
                    out.push(label);
                }
            }
            Ok(out)
        })
        .unwrap()
}

#[test]
fn each_condition_holds_for_exactly_its_transactions() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let (id, history) = history(&db);
        let m = |c: &str| matches(&db, id, &history, c, None);
        assert_eq!(m("On Create"), ["Create"]);
        assert_eq!(m("on create via web"), Vec::<String>::new(), "made through the API, any case");
        assert_eq!(m("On Correspond"), ["Correspond"]);
        assert_eq!(m("On Comment"), ["Comment"]);
        assert_eq!(m("On Priority Change"), ["Set:Priority"]);
        assert_eq!(m("On TimeWorked Change"), ["Set:TimeWorked"]);
        assert_eq!(m("On Status Change"), ["Status:open", "Status:resolved", "Status:open", "Status:rejected"]);
        assert_eq!(m("On Resolve"), ["Status:resolved"]);
        assert_eq!(m("On Reject"), ["Status:rejected"]);
        assert_eq!(m("On Close"), ["Status:resolved", "Status:rejected"]);
        assert_eq!(m("On Reopen"), ["Status:open"]);
        assert_eq!(m("On Owner Change"), ["Set:Owner"]);
        assert_eq!(m("On Queue Change"), ["Set:Queue"]);
        assert_eq!(m("On Forward"), Vec::<String>::new());
        assert_eq!(m("On Transaction").len(), history.len());
        let rule = r#"{"transaction_types": ["Status"], "new_value": "RESOLVED"}"#;
        assert_eq!(matches(&db, id, &history, "User Defined", Some(rule)), ["Status:resolved"]);
        let rule = r#"{"transaction_types": ["Create"], "queue": "General"}"#;
        assert!(matches(&db, id, &history, "User Defined", Some(rule)).is_empty(), "the ticket is in Other now");
        let system = db.rt().system_session(Interface::Api);
        let bad = system.read(|tx| {
            let ticket = tx.ticket(id)?;
            let s = Subject { ticket: &ticket, txn: &history[0], attachments: &[] };
            holds(tx, "On Full Moon", None, &s)
        });
        assert!(bad.unwrap_err().to_string().contains("On Full Moon"));
        assert!(rt_scrips::conditions::parse_rule(r#"{"colour": "red"}"#).is_err(), "unknown rule fields refused");
    }
}

#[test]
fn actions_open_tag_set_fields_and_notify_owner_or_adminccs() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let scrips = [
            NewScrip::new("open on reply", "On Correspond", "Open Tickets", "Blank"),
            NewScrip::new("tags", "On Transaction", "Extract Subject Tag", "Blank"),
            NewScrip {
                action_rule: Some(r#"{"priority": 90, "custom_fields": {}}"#.into()),
                condition_rule: Some(r#"{"transaction_types": ["Comment"]}"#.into()),
                ..NewScrip::new("urgent on comment", "User Defined", "User Defined", "Blank")
            },
        ];
        for s in &scrips {
            root.write(|tx| tx.create_scrip(s)).unwrap();
        }
        let id = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket { queue: Some(q), subject: "Actions".into(), ..NewTicket::default() })
            })
            .unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().status, "new", "creating does not open");

        let mut reply = rt_core::MimeEntity::text("from the vendor");
        reply.subject = Some("Re: [vendor.example #77] [example.com #1] Actions".into());
        root.write(|tx| tx.correspond(id, rt_core::Message { entity: Some(reply), ..Default::default() })).unwrap();
        root.write(|tx| tx.comment(id, rt_core::Message::text("escalate"))).unwrap();
        let report = rt_scrips::run_pending(db.rt(), 100).unwrap();
        assert_eq!(report.failed, 0, "{report:?}");
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!(t.status, "open", "a reply opens it");
        assert_eq!(t.subject, "Actions [vendor.example #77]", "the other system's tag added, ours not");
        assert_eq!(t.priority, 90, "the user-defined action ran on the comment");

        // Notify Owner or AdminCcs: the AdminCcs while unowned.
        root.write(|tx| {
            let bob = tx.create_user(rt_core::NewUser {
                name: "bob".into(),
                email: Some("bob@example.com".into()),
                ..Default::default()
            })?;
            tx.add_watcher(id, Role::AdminCc, bob.into())?;
            tx.create_scrip(&NewScrip::new("o or a", "On Comment", "Notify Owner or AdminCcs", "Admin Comment"))?;
            let template = rt_core::NewTemplate {
                name: "Admin Comment".into(),
                content: "Subject: note\n\n{{ transaction.content_text }}".into(),
                ..Default::default()
            };
            rt_scrips::template::save(tx, &template)?;
            Ok(())
        })
        .unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        root.write(|tx| tx.comment(id, rt_core::Message::text("for the admins"))).unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        let system = db.rt().system_session(Interface::Api);
        let sent = system.write(|tx| tx.claim_outbox("t", 10, std::time::Duration::from_secs(5))).unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].mail.recipients, ["bob@example.com"]);
    }
}

/// RT's Notify: the owner is the To when nobody else is, else a Bcc.
#[test]
fn the_owner_is_to_only_when_nobody_else_is() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let id = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                let bob = tx.create_user(rt_core::NewUser {
                    name: "bob".into(),
                    email: Some("bob@example.com".into()),
                    privileged: true,
                    ..Default::default()
                })?;
                tx.grant(rt_core::Grantee::User(bob), "OwnTicket", rt_core::AclObject::Queue(q))?;
                let id = tx.create_ticket(NewTicket {
                    queue: Some(q),
                    subject: "Owned".into(),
                    owner: Some(bob),
                    requestors: vec!["carol@example.org".into()],
                    ..NewTicket::default()
                })?;
                tx.create_template(&rt_core::NewTemplate {
                    name: "Note".into(),
                    content: "Subject: note\n\n{{ transaction.content_text }}".into(),
                    ..Default::default()
                })?;
                tx.create_scrip(&NewScrip::new("owner", "On Comment", "Notify Owner", "Note"))?;
                tx.create_scrip(&NewScrip::new(
                    "both",
                    "On Correspond",
                    "Notify Owner, Requestors, Ccs and AdminCcs",
                    "Note",
                ))?;
                Ok(id)
            })
            .unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        let system = db.rt().system_session(Interface::Api);
        system.write(|tx| tx.claim_outbox("t", 100, std::time::Duration::from_secs(5))).unwrap();
        let to_of = |mail: &rt_core::OutgoingMail| {
            let text = String::from_utf8_lossy(&mail.content).into_owned();
            let to = text.lines().find(|l| l.starts_with("To:")).unwrap_or("").to_string();
            let bcc = text.lines().any(|l| l.starts_with("Bcc:"));
            (to, bcc)
        };
        root.write(|tx| tx.comment(id, rt_core::Message::text("for the owner"))).unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        let sent = system.write(|tx| tx.claim_outbox("t", 10, std::time::Duration::from_secs(5))).unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].mail.recipients, ["bob@example.com"]);
        assert!(to_of(&sent[0].mail).0.contains("bob@example.com"), "{:?}", to_of(&sent[0].mail));
        root.write(|tx| tx.correspond(id, rt_core::Message::text("for both"))).unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        let sent = system.write(|tx| tx.claim_outbox("t", 10, std::time::Duration::from_secs(5))).unwrap();
        let both = sent.iter().find(|s| s.mail.recipients.len() == 2).expect("one mail to both");
        let (to, _) = to_of(&both.mail);
        assert!(to.contains("carol@example.org") && !to.contains("bob@"), "{to}");
    }
}

#[test]
fn rt_action_modules_change_the_ticket() {
    use rt_core::customfield::{CfObject, CfType, NewCustomField};
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let (id, cf) = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                let cf = tx.create_custom_field(NewCustomField::ticket("Escalated", CfType::Freeform))?;
                tx.apply_custom_field(cf, None)?;
                let id = tx.create_ticket(NewTicket {
                    queue: Some(q),
                    subject: "Modules".into(),
                    final_priority: Some(100),
                    due: Some(chrono::Utc::now() - chrono::Duration::hours(1)),
                    ..NewTicket::default()
                })?;
                tx.set_cf_values(CfObject::Ticket(id), cf, &["old"])?;
                let note = rt_core::NewTemplate {
                    name: "Auto note".into(),
                    content: "Subject: automatic\n\nPriority is {{ ticket.priority }}.".into(),
                    ..Default::default()
                };
                rt_scrips::template::save(tx, &note)?;
                Ok((id, cf))
            })
            .unwrap();
        let on_comment = |action: &str, arg: Option<&str>, template: &str| NewScrip {
            action_rule: arg.map(str::to_string),
            ..NewScrip::new(action, "On Comment", action, template)
        };
        for s in [
            on_comment("SetPriority", Some("40"), "Blank"),
            on_comment("AddPriority", Some("5"), "Blank"),
            on_comment("SetStatus", Some("stalled"), "Blank"),
            on_comment("Clear Custom Field Value Template", Some("Escalated"), "Blank"),
            on_comment("SetCustomFieldToNow", Some("Escalated"), "Blank"),
            on_comment("RecordCorrespondence", None, "Auto note"),
        ] {
            root.write(|tx| tx.create_scrip(&s)).unwrap();
        }
        root.write(|tx| tx.comment(id, rt_core::Message::text("go"))).unwrap();
        let report = rt_scrips::run_pending(db.rt(), 100).unwrap();
        assert_eq!(report.failed, 0, "{report:?}");
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!((t.priority, t.status.as_str()), (45, "stalled"));
        let value = root.read(|tx| tx.cf_values(CfObject::Ticket(id), cf)).unwrap();
        assert_eq!(value.len(), 1);
        assert!(value[0].content.starts_with("20"), "now, as a date: {:?}", value[0].content);
        let history = root.read(|tx| tx.history(id)).unwrap();
        let reply = history.iter().rev().find(|t| t.kind == "Correspond").expect("the recorded reply");
        let atts = root.read(|tx| tx.transaction_attachments(reply.id)).unwrap();
        let (_, body) = root.read(|tx| tx.attachment(atts[0].id)).unwrap();
        assert_eq!(String::from_utf8(body).unwrap().trim(), "Priority is 45.");

        // EscalatePriority past Due: straight to the final priority.
        root.write(|tx| tx.create_scrip(&NewScrip::new("esc", "On Comment", "EscalatePriority", "Blank"))).unwrap();
        root.write(|tx| tx.comment(id, rt_core::Message::text("again"))).unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().priority, 100);
        let bad =
            NewScrip { action_rule: Some("lots".into()), ..NewScrip::new("bad", "On Comment", "SetPriority", "Blank") };
        root.write(|tx| tx.create_scrip(&bad)).unwrap();
        root.write(|tx| tx.comment(id, rt_core::Message::text("once more"))).unwrap();
        assert_eq!(rt_scrips::run_pending(db.rt(), 100).unwrap().failed, 1, "a bad argument is a recorded failure");
    }
}

#[test]
fn group_notification_parent_time_started_and_linear_escalation() {
    use rt_core::{LinkEnd, LinkType};
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let (parent, child) = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                let ops = tx.create_group("Ops", "on call")?;
                let dana = tx.create_user(rt_core::NewUser {
                    name: "dana".into(),
                    email: Some("dana@example.com".into()),
                    ..Default::default()
                })?;
                tx.add_group_member(ops, dana.into())?;
                let template = rt_core::NewTemplate {
                    name: "Ops note".into(),
                    content: "Subject: for ops\n\n{{ transaction.content_text }}".into(),
                    ..Default::default()
                };
                rt_scrips::template::save(tx, &template)?;
                for (action, arg, template) in [
                    ("NotifyGroup", Some("Ops"), "Ops note"),
                    ("UpdateParentTimeWorked", None, "Blank"),
                    ("LinearEscalate", None, "Blank"),
                ] {
                    let s = NewScrip {
                        action_rule: arg.map(str::to_string),
                        ..NewScrip::new(action, "On Comment", action, template)
                    };
                    tx.create_scrip(&s)?;
                }
                tx.create_scrip(&NewScrip::new("started", "On Transaction", "OpenOnStarted", "Blank"))?;
                let new = |subject: &str| NewTicket {
                    queue: Some(q),
                    subject: subject.into(),
                    initial_priority: Some(0),
                    final_priority: Some(100),
                    // Created now, due in about two days: half-way in a day.
                    due: Some(chrono::Utc::now() + chrono::Duration::days(2)),
                    ..NewTicket::default()
                };
                let parent = tx.create_ticket(new("parent"))?;
                let child = tx.create_ticket(new("child"))?;
                tx.add_link(child, LinkType::MemberOf, LinkEnd::Ticket(parent))?;
                Ok((parent, child))
            })
            .unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        let message = rt_core::Message { time_taken: 30, ..rt_core::Message::text("disk swapped") };
        root.write(|tx| tx.comment(child, message)).unwrap();
        let report = rt_scrips::run_pending(db.rt(), 100).unwrap();
        assert_eq!(report.failed, 0, "{report:?}");
        assert_eq!(root.read(|tx| tx.ticket(parent)).unwrap().time_worked, 30, "the parent gets the child's time");
        let system = db.rt().system_session(Interface::Api);
        let sent = system.write(|tx| tx.claim_outbox("t", 10, std::time::Duration::from_secs(5))).unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].mail.recipients, ["dana@example.com"]);
        // Just created: the straight line has hardly left the start.
        assert!(root.read(|tx| tx.ticket(child)).unwrap().priority < 5);

        // Setting Started opens a new ticket.
        assert_eq!(root.read(|tx| tx.ticket(child)).unwrap().status, "new");
        let started = TicketUpdate { started: Some(Some(chrono::Utc::now())), ..TicketUpdate::default() };
        root.write(|tx| tx.update_ticket(child, &started)).unwrap();
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        assert_eq!(root.read(|tx| tx.ticket(child)).unwrap().status, "open");
    }
}

#[test]
fn auto_open_actions_follow_rt() {
    use rt_core::acl::{AclObject, Grantee};
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let queue = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                tx.grant(Grantee::Group(tx.system().everyone), "ReplyToTicket", AclObject::Queue(q))?;
                Ok(q)
            })
            .unwrap();
        let new_ticket = |subject: &str| {
            root.write(|tx| {
                tx.create_ticket(NewTicket {
                    queue: Some(queue),
                    subject: subject.into(),
                    requestors: vec!["ana@example.net".into()],
                    ..NewTicket::default()
                })
            })
            .unwrap()
        };
        let status = |id| root.read(|tx| tx.ticket(id)).unwrap().status;
        let reply = |who: &rt_core::Session, id, headers: &str| {
            let mut entity = rt_core::MimeEntity::text("more");
            entity.headers.push_str(headers);
            who.write(|tx| tx.correspond(id, rt_core::Message { entity: Some(entity), ..Default::default() })).unwrap();
            rt_scrips::run_pending(db.rt(), 100).unwrap();
        };

        // RT's default: Open Inactive Tickets opens any ticket not active,
        // a new one included, whoever replies.
        let scrip = root
            .write(|tx| tx.create_scrip(&NewScrip::new("open", "On Correspond", "Open Inactive Tickets", "Blank")))
            .unwrap();
        let (a, b, c) = (new_ticket("staff reply"), new_ticket("her reply"), new_ticket("no-autoopen"));
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        let ana = db.rt().session_for("ana@example.net", Interface::Email).unwrap();
        reply(&root, a, "");
        reply(&ana, b, "");
        reply(&root, c, "RT-Control: no-autoopen\n");
        assert_eq!((status(a), status(b), status(c)), ("open".into(), "open".into(), "new".into()));
        root.write(|tx| tx.set_status(a, "resolved")).unwrap();
        reply(&ana, a, "");
        assert_eq!(status(a), "open", "a resolved ticket reopens");

        // Open Tickets (AutoOpen): a requestor's own reply leaves it new.
        root.write(|tx| tx.set_scrip_disabled(scrip, true)).unwrap();
        root.write(|tx| tx.create_scrip(&NewScrip::new("open all", "On Correspond", "Open Tickets", "Blank"))).unwrap();
        let (d, e) = (new_ticket("hers"), new_ticket("ours"));
        rt_scrips::run_pending(db.rt(), 100).unwrap();
        reply(&ana, d, "");
        reply(&root, e, "");
        assert_eq!((status(d), status(e)), ("new".into(), "open".into()));
    }
}

#[test]
fn rt_condition_modules_hold_as_rt_says() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let (id, history) = history(&db);
        let m = |c: &str, arg: Option<&str>| matches(&db, id, &history, c, arg);
        assert_eq!(m("AnyTransaction", None).len(), history.len());
        assert_eq!(m("StatusChange", Some("resolved")), ["Status:resolved"]);
        assert_eq!(m("StatusChange", Some("old: resolved")), ["Status:open"]);
        assert_eq!(m("StatusChange", Some("old: active; new: inactive")), ["Status:resolved", "Status:rejected"]);
        assert_eq!(m("StatusChange", Some("old: initial, resolved; new: open")), ["Status:open", "Status:open"]);
        assert_eq!(m("CloseTicket", None), ["Status:resolved", "Status:rejected"]);
        assert_eq!(m("ReopenTicket", None), ["Status:open"]);
        assert_eq!(m("ViaInterface", Some("Web, API")).len(), history.len());
        assert_eq!(m("PriorityExceeds", Some("9")).len(), history.len());
        assert!(m("PriorityExceeds", Some("10")).is_empty());
        assert!(m("UntouchedInHours", Some("1")).is_empty(), "just changed");
        assert!(m("Overdue", None).is_empty(), "no Due date");

        let due_in = |hours: i64| {
            db.root()
                .write(|tx| {
                    let general = tx.queue_by_name("General")?.queue_id();
                    let due = Some(chrono::Utc::now() + chrono::Duration::hours(hours));
                    tx.create_ticket(NewTicket {
                        queue: Some(general),
                        subject: "due".into(),
                        due,
                        ..NewTicket::default()
                    })
                })
                .unwrap()
        };
        let (soon, late) = (due_in(2), due_in(-1));
        let on = |id: TicketId, c: &str, arg: Option<&str>| {
            let created = db.root().read(|tx| tx.history(id)).unwrap();
            !matches(&db, id, &created, c, arg).is_empty()
        };
        assert!(on(soon, "BeforeDue", Some("3h")) && !on(soon, "BeforeDue", Some("1h30m")));
        assert!(!on(soon, "Overdue", None) && on(late, "Overdue", None));
        assert!(!on(late, "BeforeDue", Some("1d")), "past Due is not before it");
        let system = db.rt().system_session(Interface::Api);
        let bad = system.read(|tx| {
            let ticket = tx.ticket(id)?;
            holds(tx, "PriorityExceeds", Some("high"), &Subject { ticket: &ticket, txn: &history[0], attachments: &[] })
        });
        assert!(bad.unwrap_err().to_string().contains("\"high\" is not a priority"));
    }
}

#[test]
fn status_and_escalation_modules_follow_rt() {
    for backend in backends() {
        let db = TestDb::new(backend);
        let root = db.root();
        let new = |priority: i64, due_hours: Option<i64>| {
            root.write(|tx| {
                let general = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket {
                    queue: Some(general),
                    subject: "rt modules".into(),
                    priority: Some(priority),
                    final_priority: Some(40),
                    due: due_hours.map(|h| chrono::Utc::now() + chrono::Duration::hours(h)),
                    ..NewTicket::default()
                })
            })
            .unwrap()
        };
        let act = |id: TicketId, action: &str, arg: Option<&str>| {
            root.write(|tx| {
                let ticket = tx.ticket(id)?;
                let txn = tx.history(id)?.remove(0);
                let s = Subject { ticket: &ticket, txn: &txn, attachments: &[] };
                rt_scrips::actions::run(tx, action, arg, "", &s)
            })
        };
        let ticket = |id| root.read(|tx| tx.ticket(id)).unwrap();

        // Without Due one step; with three whole days left a third of the gap.
        let (no_due, three_days) = (new(10, None), new(10, Some(3 * 24 + 1)));
        act(no_due, "EscalatePriority", None).unwrap();
        act(three_days, "EscalatePriority", None).unwrap();
        assert_eq!((ticket(no_due).priority, ticket(three_days).priority), (11, 20));
        // Half-way from Created to Due: half-way between the priorities.
        let halfway = root
            .write(|tx| {
                let general = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket {
                    queue: Some(general),
                    subject: "linear".into(),
                    initial_priority: Some(0),
                    final_priority: Some(40),
                    starts: Some(chrono::Utc::now() - chrono::Duration::hours(10)),
                    due: Some(chrono::Utc::now() + chrono::Duration::hours(10)),
                    ..NewTicket::default()
                })
            })
            .unwrap();
        act(halfway, "LinearEscalate", None).unwrap();
        assert!((19..=20).contains(&ticket(halfway).priority), "{}", ticket(halfway).priority);

        // SetStatus: a class of statuses, or a status; an unknown one is an error.
        assert_eq!(act(no_due, "SetStatus", Some("active")).unwrap().as_deref(), Some("status set to open"));
        assert_eq!(act(no_due, "SetStatus", Some("inactive")).unwrap().as_deref(), Some("status set to resolved"));
        assert_eq!(act(no_due, "SetStatus", Some("Resolved")).unwrap(), None, "already there");
        assert!(act(no_due, "SetStatus", Some("pondering")).unwrap_err().to_string().contains("pondering"));
        // Notify with RT's recipient list; a role RT does not know is refused.
        assert!(act(no_due, "Notify", Some("Owner, Watchers")).unwrap_err().to_string().contains("Watchers"));
        assert_eq!(act(no_due, "Notify", Some("Owner, AdminCc")).unwrap(), None, "unowned, nobody to tell");
    }
}
