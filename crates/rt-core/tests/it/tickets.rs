//! Tickets and their history on both backends.

use rt_core::transaction::header_value;
use rt_core::{
    AclObject, Grantee, Interface, Message, MimeEntity, NewQueue, NewTicket, Role, TicketUpdate, Transaction,
};

use crate::{each_backend, grant, staff};

/// (type, field, old value, new value) of each transaction.
type Change = (String, Option<String>, Option<String>, Option<String>);

fn kinds(history: &[Transaction]) -> Vec<Change> {
    history.iter().map(|t| (t.kind.clone(), t.field.clone(), t.old_value.clone(), t.new_value.clone())).collect()
}

#[test]
fn create_reply_comment_and_history() {
    each_backend(|db| {
        let root = db.root();
        let id = root
            .write(|tx| {
                let general = tx.queue_by_name("general")?.queue_id();
                tx.create_ticket(NewTicket {
                    queue: Some(general),
                    subject: "Printer\non fire".into(),
                    requestors: vec!["Alice@Example.org".into()],
                    content: Some(MimeEntity::text("The printer in room 3 is on fire.")),
                    time_worked: 5,
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!(t.subject, "Printer on fire");
        assert_eq!(t.status, "new");
        assert_eq!(t.owner, db.rt().system().nobody);
        assert_eq!(t.effective_id, t.id);
        assert_eq!(t.time_worked, 5);
        assert!(t.started.is_none() && t.resolved.is_none() && t.told.is_none());

        // The requestor was autocreated as an unprivileged user.
        let alice = root.read(|tx| tx.user_by_name("alice@example.org")).unwrap();
        assert_eq!(alice.email_address.as_deref(), Some("Alice@Example.org"));
        assert!(!root.read(|tx| tx.is_privileged(alice.user_id())).unwrap());
        let requestors = root.read(|tx| tx.ticket_role_members(id, Role::Requestor)).unwrap();
        assert_eq!(requestors, vec![alice.user_id().into()]);

        // A reply from staff sets Told; a comment does not.
        let mut reply = Message::text("On our way.");
        reply.cc = vec!["boss@example.org".into()];
        reply.bcc = vec!["audit@example.org".into()];
        reply.time_taken = 10;
        let reply_txn = root.write(|tx| tx.correspond(id, reply)).unwrap();
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert!(t.told.is_some());
        assert_eq!(t.time_worked, 15);
        let atts = root.read(|tx| tx.transaction_attachments(reply_txn)).unwrap();
        assert_eq!(atts.len(), 1);
        assert_eq!(header_value(&atts[0].headers, "RT-Send-Cc").as_deref(), Some("boss@example.org"));
        assert_eq!(header_value(&atts[0].headers, "RT-Send-Bcc").as_deref(), Some("audit@example.org"));
        assert_eq!(header_value(&atts[0].headers, "X-RT-Interface").as_deref(), Some("API"));
        root.write(|tx| tx.comment(id, Message::text("internal note"))).unwrap();

        let history = root.read(|tx| tx.history(id)).unwrap();
        let k: Vec<_> = history.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(k, ["Create", "Correspond", "Comment"]);
        assert_eq!(history[0].time_taken, 5);
        assert_eq!(history[1].data.as_deref(), Some("No Subject"));
        assert_eq!(root.read(|tx| tx.raw_message(history[0].id)).unwrap(), None, "no raw message from the API");
        assert!(history.iter().all(|t| t.interface == "API"));
        let created_att = root.read(|tx| tx.transaction_attachments(history[0].id)).unwrap();
        let (_, body) = root.read(|tx| tx.attachment(created_att[0].id)).unwrap();
        assert_eq!(body, b"The printer in room 3 is on fire.");

        // Every transaction has its pending event for the scrip engine.
        let mut conn = db.rt().connection().unwrap();
        use diesel::prelude::*;
        use rt_core::db::schema::events;
        let pending: i64 = events::table.filter(events::done_at.is_null()).count().get_result(&mut *conn).unwrap();
        assert!(pending >= 3);
    });
}

#[test]
fn status_changes_follow_the_lifecycle() {
    each_backend(|db| {
        let root = db.root();
        let id = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket { queue: Some(q), subject: "s".into(), ..NewTicket::default() })
            })
            .unwrap();
        root.write(|tx| tx.set_status(id, "Open")).unwrap();
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!(t.status, "open");
        let started = t.started.expect("started on leaving new");
        assert!(t.resolved.is_none());
        root.write(|tx| tx.set_status(id, "resolved")).unwrap();
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert!(t.resolved.is_some());
        root.write(|tx| tx.set_status(id, "open")).unwrap();
        root.write(|tx| tx.delete_ticket(id)).unwrap();
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!(t.status, "deleted");
        assert_eq!(t.started, Some(started), "Started is set once");
        let history = root.read(|tx| tx.history(id)).unwrap();
        let statuses: Vec<_> =
            kinds(&history).into_iter().filter(|k| k.0 == "Status").map(|k| (k.2.unwrap(), k.3.unwrap())).collect();
        assert_eq!(
            statuses,
            [("new", "open"), ("open", "resolved"), ("resolved", "open"), ("open", "deleted")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );

        // Created directly as resolved: Started and Resolved both set.
        let t = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                let id = tx.create_ticket(NewTicket {
                    queue: Some(q),
                    status: Some("resolved".into()),
                    ..NewTicket::default()
                })?;
                tx.ticket(id)
            })
            .unwrap();
        assert!(t.started.is_some() && t.resolved.is_some());
    });
}

#[test]
fn owner_changes_record_set_and_setwatcher() {
    each_backend(|db| {
        let root = db.root();
        let (bob, bob_s) = staff(db, "bob");
        let (carol, _) = staff(db, "carol");
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        for who in [bob, carol] {
            for right in ["OwnTicket", "ShowTicket", "TakeTicket", "StealTicket"] {
                grant(db, Grantee::User(who), right, AclObject::Queue(q));
            }
        }
        let id = root
            .write(|tx| {
                tx.create_ticket(NewTicket { queue: Some(q), subject: "own me".into(), ..NewTicket::default() })
            })
            .unwrap();
        bob_s.write(|tx| tx.take(id)).unwrap();
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().owner, bob);
        assert_eq!(root.read(|tx| tx.ticket_role_members(id, Role::Owner)).unwrap(), vec![bob.into()]);
        // Bob may not take it again, nor untake without ModifyTicket.
        assert!(bob_s.write(|tx| tx.take(id)).is_err());
        let err = bob_s.write(|tx| tx.untake(id)).unwrap_err();
        assert!(err.to_string().contains("ReassignTicket"), "{err}");
        let carol_s = db.rt().session(carol, Interface::Web).unwrap();
        carol_s.write(|tx| tx.steal(id)).unwrap();
        root.write(|tx| tx.give(id, bob)).unwrap();
        root.write(|tx| tx.untake(id)).unwrap_err(); // root does not own it
        let nobody = db.rt().system().nobody;
        root.write(|tx| tx.set_owner(id, nobody, rt_core::OwnerChange::Force)).unwrap();

        let history = root.read(|tx| tx.history(id)).unwrap();
        let owner_txns: Vec<_> = kinds(&history).into_iter().filter(|k| k.1.as_deref() == Some("Owner")).collect();
        let ids = |a: rt_core::UserId, b: rt_core::UserId| (Some(a.to_string()), Some(b.to_string()));
        let expected = [(nobody, bob), (bob, carol), (carol, bob), (bob, nobody)];
        assert_eq!(owner_txns.len(), expected.len() * 2);
        for (pair, (old, new)) in owner_txns.chunks(2).zip(expected) {
            assert_eq!(pair[0].0, "Set");
            assert_eq!(pair[1].0, "SetWatcher");
            assert_eq!((pair[0].2.clone(), pair[0].3.clone()), ids(old, new));
            assert_eq!((pair[1].2.clone(), pair[1].3.clone()), ids(old, new));
        }
        assert!(history.iter().any(|t| t.interface == "Web"));
    });
}

#[test]
fn field_updates_and_queue_moves() {
    each_backend(|db| {
        let root = db.root();
        let (q1, q2) = root
            .write(|tx| {
                let q1 = tx.queue_by_name("General")?.queue_id();
                let q2 = tx.create_queue(NewQueue {
                    name: "Support".into(),
                    correspond_address: "support@example.com".into(),
                    initial_priority: 20,
                    default_due_in: Some(3),
                    ..NewQueue::default()
                })?;
                Ok((q1, q2))
            })
            .unwrap();
        let id = root
            .write(|tx| tx.create_ticket(NewTicket { queue: Some(q2), subject: "move".into(), ..NewTicket::default() }))
            .unwrap();
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!((t.priority, t.initial_priority), (20, 20));
        let due = t.due.expect("queue default due");
        assert_eq!((due - t.created).num_days(), 3);

        let update = TicketUpdate {
            subject: Some("moved".into()),
            priority: Some(7),
            time_worked: Some(30),
            due: Some(None),
            ..TicketUpdate::default()
        };
        let txns = root.write(|tx| tx.update_ticket(id, &update)).unwrap();
        assert_eq!(txns.len(), 4);
        // Unchanged values record nothing.
        assert!(root.write(|tx| tx.update_ticket(id, &update)).unwrap().is_empty());
        let t = root.read(|tx| tx.ticket(id)).unwrap();
        assert_eq!((t.subject.as_str(), t.priority, t.time_worked, t.due), ("moved", 7, 30, None));

        root.write(|tx| tx.set_queue(id, q1)).unwrap();
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().queue, q1);
        let history = root.read(|tx| tx.history(id)).unwrap();
        let sets: Vec<_> = kinds(&history).into_iter().filter(|k| k.0 == "Set").collect();
        let fields: Vec<_> = sets.iter().map(|k| k.1.clone().unwrap()).collect();
        assert_eq!(fields, ["Subject", "Priority", "TimeWorked", "Due", "Queue"]);
        assert_eq!(sets[1].2.as_deref(), Some("20"));
        assert_eq!(sets[3].3.as_deref(), Some("1970-01-01 00:00:00"));
        assert_eq!(history.iter().find(|t| t.field.as_deref() == Some("TimeWorked")).unwrap().time_taken, 30);
    });
}

#[test]
fn attachments_come_back_byte_identical() {
    each_backend(|db| {
        let root = db.root();
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let mut html = MimeEntity::text("");
        html.content_type = "text/html".into();
        html.body = "<p>Grüße <b>bold</b></p>".as_bytes().to_vec();
        let alternative = MimeEntity {
            content_type: "multipart/alternative".into(),
            headers: "Content-Type: multipart/alternative; boundary=x\n".into(),
            parts: vec![MimeEntity::text("Grüße"), html],
            ..MimeEntity::default()
        };
        let mut top = MimeEntity::multipart(vec![
            alternative,
            MimeEntity::attachment("dump.bin", "application/octet-stream", binary.clone()),
        ]);
        top.subject = Some("with files".into());
        top.message_id = Some("<abc@example.org>".into());
        let id = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket {
                    queue: Some(q),
                    subject: "files".into(),
                    content: Some(top),
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let atts = root.read(|tx| tx.ticket_attachments(id)).unwrap();
        let types: Vec<_> = atts.iter().map(|a| a.content_type.as_str()).collect();
        assert_eq!(
            types,
            ["multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/octet-stream"]
        );
        assert_eq!(atts[0].parent, None);
        assert_eq!(atts[1].parent, Some(atts[0].id));
        assert_eq!(atts[2].parent, Some(atts[1].id));
        assert_eq!(atts[4].parent, Some(atts[0].id));
        assert_eq!(atts[0].message_id.as_deref(), Some("<abc@example.org>"));
        assert_eq!(atts[4].filename.as_deref(), Some("dump.bin"));
        assert_eq!(atts[4].size, 70_000);
        let (_, content) = root.read(|tx| tx.attachment(atts[4].id)).unwrap();
        assert_eq!(content, binary);
        let (_, content) = root.read(|tx| tx.attachment(atts[3].id)).unwrap();
        assert_eq!(String::from_utf8(content).unwrap(), "<p>Grüße <b>bold</b></p>");
    });
}

#[test]
fn comments_are_hidden_without_show_ticket_comments() {
    each_backend(|db| {
        let root = db.root();
        let (dave, dave_s) = staff(db, "dave");
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        grant(db, Grantee::User(dave), "ShowTicket", AclObject::Queue(q));
        let id = root
            .write(|tx| tx.create_ticket(NewTicket { queue: Some(q), subject: "c".into(), ..NewTicket::default() }))
            .unwrap();
        let comment = root.write(|tx| tx.comment(id, Message::text("secret"))).unwrap();
        let seen: Vec<_> = dave_s.read(|tx| tx.history(id)).unwrap().into_iter().map(|t| t.kind).collect();
        assert_eq!(seen, ["Create"]);
        let err = dave_s.read(|tx| tx.transaction_attachments(comment)).unwrap_err();
        assert!(err.to_string().contains("ShowTicketComments"), "{err}");
        // The whole-history reads hold to the same rights: the comment is
        // not listed, and its text is refused when asked for by id.
        let listed = dave_s.read(|tx| tx.history_with_attachments(id)).unwrap();
        assert_eq!(listed.iter().map(|(t, _)| t.kind.as_str()).collect::<Vec<_>>(), ["Create"]);
        let secret = root.read(|tx| tx.transaction_attachments(comment)).unwrap()[0].id;
        let err = dave_s.read(|tx| tx.attachment_contents(&[secret])).unwrap_err();
        assert!(err.to_string().contains("ShowTicketComments"), "{err}");
        grant(db, Grantee::User(dave), "ShowTicketComments", AclObject::Queue(q));
        assert_eq!(dave_s.read(|tx| tx.history(id)).unwrap().len(), 2);
        let (listed, contents) = dave_s
            .read(|tx| {
                let listed = tx.history_with_attachments(id)?;
                let ids: Vec<_> = listed.iter().flat_map(|(_, a)| a.iter().map(|a| a.id)).collect();
                Ok((listed, tx.attachment_contents(&ids)?))
            })
            .unwrap();
        assert_eq!(listed.iter().map(|(t, _)| t.kind.as_str()).collect::<Vec<_>>(), ["Create", "Comment"]);
        assert_eq!(listed[1].1.iter().map(|a| a.id).collect::<Vec<_>>(), [secret]);
        assert_eq!(contents[&secret], b"secret");
    });
}

#[test]
fn may_set_owner_answers_as_set_owner_would_and_changes_nothing() {
    use rt_core::OwnerChange::{Force, Set, Steal, Take, Untake};
    each_backend(|db| {
        let root = db.root();
        let (bob, bob_s) = staff(db, "bob");
        let (carol, carol_s) = staff(db, "carol");
        let (dave, dave_s) = staff(db, "dave");
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        for right in ["OwnTicket", "ShowTicket", "TakeTicket", "StealTicket"] {
            grant(db, Grantee::User(bob), right, AclObject::Queue(q));
        }
        grant(db, Grantee::User(carol), "ShowTicket", AclObject::Queue(q));
        let id = root
            .write(|tx| tx.create_ticket(NewTicket { queue: Some(q), subject: "o".into(), ..NewTicket::default() }))
            .unwrap();
        let may = |s: &rt_core::Session, how| s.read(|tx| tx.may_set_owner(id, bob, how)).unwrap();
        assert!(may(&bob_s, Take));
        assert!(!may(&bob_s, Steal) && !may(&bob_s, Untake));
        // Carol sees it but may own nothing; Dave does not see it at all.
        assert!(!may(&carol_s, Take) && !may(&carol_s, Set));
        assert!(dave_s.read(|tx| tx.may_set_owner(id, dave, Take)).is_err());
        assert_eq!(root.read(|tx| tx.ticket(id)).unwrap().owner, db.rt().system().nobody, "nothing changed");
        bob_s.write(|tx| tx.take(id)).unwrap();
        // Bob owns it: no Take or Steal; Untake needs ModifyTicket.
        assert!(!may(&bob_s, Take) && !may(&bob_s, Steal) && !may(&bob_s, Untake));
        assert!(!may(&root, Untake) && may(&root, Steal) && !may(&root, Force), "Force to its owner is no change");
        let owners: Vec<_> = root.read(|tx| tx.possible_owners(id)).unwrap().into_iter().map(|u| u.name).collect();
        assert!(owners.contains(&"bob".to_string()), "{owners:?}");
        assert!(!owners.iter().any(|o| o == "carol" || o == "dave" || o == "Nobody"), "{owners:?}");
        assert!(!may(&carol_s, Force) && carol != bob);
    });
}

#[test]
fn imported_history_raises_no_scrips_once_its_events_are_discarded() {
    each_backend(|db| {
        let root = db.root();
        root.write(|tx| {
            let general = tx.queue_by_name("general")?.queue_id();
            tx.create_ticket(NewTicket { queue: Some(general), subject: "Old".into(), ..NewTicket::default() })
        })
        .unwrap();
        let refused = root.write(|tx| tx.discard_pending_events());
        assert!(matches!(refused, Err(rt_core::Error::PermissionDenied { .. })), "only RT_System: {refused:?}");
        let system = db.rt().system_session(Interface::Api);
        assert!(system.read(|tx| tx.pending_events()).unwrap() > 0);
        assert!(system.write(|tx| tx.discard_pending_events()).unwrap() > 0);
        assert_eq!(system.read(|tx| tx.pending_events()).unwrap(), 0);
    });
}

/// Several transactions written at once (a batch of scrips' mail) read
/// back as if written one by one: ids in the order given, each message's
/// tree whole and in depth-first order, events only for the kinds that
/// fire scrips, and only a ticket's own messages in the full-text index.
#[test]
fn transactions_written_together_read_back_as_written_one_by_one() {
    use rt_core::transaction::NewTransaction;
    use rt_core::{Interface, TicketQuery};
    each_backend(|db| {
        let root = db.root();
        let id = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket { queue: Some(q), subject: "batch".into(), ..NewTicket::default() })
            })
            .unwrap();
        let system = db.rt().system_session(Interface::Api);
        let pending = || system.read(|tx| tx.peek_events(100)).unwrap().len();
        let before = pending();
        let mut html = MimeEntity::text("");
        html.content_type = "text/html".into();
        html.body = b"<p>aardvark notice</p>".to_vec();
        let alternative = MimeEntity {
            content_type: "multipart/alternative".into(),
            headers: "Content-Type: multipart/alternative; boundary=x\n".into(),
            parts: vec![MimeEntity::text("aardvark notice"), html],
            ..MimeEntity::default()
        };
        let record =
            |kind| NewTransaction { object_type: "RT::Ticket", object_id: id.get(), kind, ..Default::default() };
        let (mail, comment) = (alternative, MimeEntity::text("wombat remark"));
        let ids = root
            .write(|tx| {
                tx.record_all(&[
                    (record("EmailRecord"), Some(&mail)),
                    (record("Comment"), Some(&comment)),
                    (record("EmailRecord"), None),
                ])
            })
            .unwrap();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        let history = root.read(|tx| tx.history_with_attachments(id)).unwrap();
        let written: Vec<_> = history.iter().filter(|(t, _)| ids.contains(&t.id)).collect();
        let kinds: Vec<_> = written.iter().map(|(t, _)| t.kind.as_str()).collect();
        assert_eq!(kinds, ["EmailRecord", "Comment", "EmailRecord"]);
        let tree = &written[0].1;
        let types: Vec<_> = tree.iter().map(|a| a.content_type.as_str()).collect();
        assert_eq!(types, ["multipart/alternative", "text/plain", "text/html"]);
        assert!(tree.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!((tree[1].parent, tree[2].parent), (Some(tree[0].id), Some(tree[0].id)));
        assert_eq!(written[1].1.len(), 1);
        assert!(written[2].1.is_empty());
        assert_eq!(pending(), before + 1, "only the comment fires scrips");
        let found = |word: &str| {
            root.read(|tx| tx.search_tickets(&TicketQuery::new(&format!("Content LIKE '{word}'")))).unwrap().ids
        };
        assert_eq!(found("wombat"), [id]);
        assert!(found("aardvark").is_empty(), "mail we sent is not indexed");
    });
}
