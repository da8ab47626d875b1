//! Merging tickets.

use rt_core::{AclObject, Grantee, LinkEnd, LinkType, Message, NewQueue, NewTicket, Role, TicketId};

use crate::{each_backend, grant, staff};

fn ticket(db: &rt_test_support::TestDb, subject: &str, requestor: &str, worked: i64) -> TicketId {
    db.root()
        .write(|tx| {
            let q = tx.queue_by_name("General")?.queue_id();
            tx.create_ticket(NewTicket {
                queue: Some(q),
                subject: subject.into(),
                requestors: vec![requestor.into()],
                time_worked: worked,
                ..NewTicket::default()
            })
        })
        .unwrap()
}

#[test]
fn merged_ticket_resolves_to_the_survivor_with_everything_combined() {
    each_backend(|db| {
        let root = db.root();
        let a = ticket(db, "printer broken", "alice@example.org", 10);
        let b = ticket(db, "printer still broken", "carol@example.org", 5);
        let c = ticket(db, "new printer", "dan@example.org", 0);
        root.write(|tx| {
            tx.add_watcher_address(a, Role::Cc, "bob@example.org")?;
            tx.comment(a, Message::text("toner?"))?;
            tx.add_link(a, LinkType::DependsOn, LinkEnd::Ticket(c))?;
            tx.add_link(c, LinkType::RefersTo, LinkEnd::Ticket(a))?;
            tx.add_link(a, LinkType::RefersTo, LinkEnd::Ticket(b)) // becomes a self link: dropped
        })
        .unwrap();
        let (os, single) = root
            .write(|tx| {
                let os = tx.create_custom_field(rt_core::NewCustomField::ticket("OS", rt_core::CfType::Freeform))?;
                tx.apply_custom_field(os, None)?;
                let mut one = rt_core::NewCustomField::ticket("Site", rt_core::CfType::Freeform);
                one.max_values = 1;
                let single = tx.create_custom_field(one)?;
                tx.apply_custom_field(single, None)?;
                tx.set_cf_values(rt_core::CfObject::Ticket(a), os, &["linux", "bsd"])?;
                tx.set_cf_values(rt_core::CfObject::Ticket(b), os, &["linux"])?;
                tx.set_cf_values(rt_core::CfObject::Ticket(a), single, &["Oslo"])?;
                tx.set_cf_values(rt_core::CfObject::Ticket(b), single, &["Bergen"])?;
                Ok((os, single))
            })
            .unwrap();
        root.write(|tx| tx.merge_tickets(a, b)).unwrap();
        let cf_values = |cf| -> Vec<String> {
            root.read(|tx| tx.cf_values(rt_core::CfObject::Ticket(b), cf))
                .unwrap()
                .into_iter()
                .map(|v| v.content)
                .collect()
        };
        assert_eq!(cf_values(os), ["linux", "bsd"], "A's custom field values are on B");
        assert_eq!(cf_values(single), ["Bergen"], "a single-value field keeps B's");

        let opened = root.read(|tx| tx.ticket(a)).unwrap();
        assert_eq!(opened.id, b, "A's id opens B");
        assert_eq!(opened.time_worked, 15);
        let a_row = root.read(|tx| tx.ticket(b)).unwrap();
        assert!(!a_row.is_merged);
        let people = |role| {
            let mut names: Vec<String> = root
                .read(|tx| {
                    let ids = tx.ticket_role_members(b, role)?;
                    ids.into_iter().map(|p| tx.user(rt_core::UserId(p.0)).map(|u| u.name)).collect()
                })
                .unwrap();
            names.sort();
            names
        };
        assert_eq!(people(Role::Requestor), ["alice@example.org", "carol@example.org"]);
        assert_eq!(people(Role::Cc), ["bob@example.org"]);

        let history = root.read(|tx| tx.history(b)).unwrap();
        let creates = history.iter().filter(|t| t.kind == "Create").count();
        assert_eq!(creates, 2, "B's history shows both tickets");
        assert!(history.iter().any(|t| t.kind == "Comment" && t.object_id == a.0));
        let merged: Vec<_> = history
            .iter()
            .filter(|t| t.field.as_deref() == Some("MergedInto"))
            .map(|t| (t.object_id, t.new_value.clone().unwrap()))
            .collect();
        let b_uri = format!("fsck.com-rt://example.com/ticket/{b}");
        assert_eq!(merged, [(a.0, b_uri.clone()), (b.0, b_uri)]);

        let links: Vec<_> = root.read(|tx| tx.links(b)).unwrap().iter().filter_map(|l| l.seen_from(b)).collect();
        assert!(links.contains(&(LinkType::DependsOn, LinkEnd::Ticket(c))), "{links:?}");
        assert!(links.contains(&(LinkType::ReferredToBy, LinkEnd::Ticket(c))), "{links:?}");
        assert!(!links.iter().any(|(k, _)| *k == LinkType::RefersTo), "self link dropped: {links:?}");

        // B into A is B into itself; a ticket merged into A later lands in B.
        let err = root.write(|tx| tx.merge_tickets(b, a)).unwrap_err();
        assert!(err.to_string().contains("into itself"), "{err}");
        let d = ticket(db, "dup", "erin@example.org", 1);
        root.write(|tx| tx.merge_tickets(d, a)).unwrap();
        assert_eq!(root.read(|tx| tx.ticket(d)).unwrap().id, b);
        assert_eq!(root.read(|tx| tx.ticket(b)).unwrap().time_worked, 16);
    });
}

#[test]
fn merge_rules_and_rights() {
    each_backend(|db| {
        let root = db.root();
        let a = ticket(db, "a", "x@example.org", 0);
        let reminder = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                tx.create_ticket(NewTicket { queue: Some(q), kind: Some("reminder".into()), ..NewTicket::default() })
            })
            .unwrap();
        let err = root.write(|tx| tx.merge_tickets(reminder, a)).unwrap_err();
        assert!(err.to_string().contains("only tickets"), "{err}");

        let (jo, jo_s) = staff(db, "jo");
        let other_queue =
            root.write(|tx| tx.create_queue(NewQueue { name: "Other".into(), ..NewQueue::default() })).unwrap();
        let b =
            root.write(|tx| tx.create_ticket(NewTicket { queue: Some(other_queue), ..NewTicket::default() })).unwrap();
        let general = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        grant(db, Grantee::User(jo), "ModifyTicket", AclObject::Queue(general));
        let err = jo_s.write(|tx| tx.merge_tickets(a, b)).unwrap_err();
        assert!(err.to_string().contains("ModifyTicket") && err.to_string().contains(&b.to_string()), "{err}");
        assert_eq!(root.read(|tx| tx.ticket(a)).unwrap().id, a, "nothing merged");
        grant(db, Grantee::User(jo), "ModifyTicket", AclObject::Queue(other_queue));
        jo_s.write(|tx| tx.merge_tickets(a, b)).unwrap();
    });
}

#[test]
fn dependency_loops_are_refused() {
    each_backend(|db| {
        let root = db.root();
        let [a, b, c] = ["a", "b", "c"].map(|s| ticket(db, s, "y@example.org", 0));
        root.write(|tx| {
            tx.add_link(a, LinkType::DependsOn, LinkEnd::Ticket(b))?;
            tx.add_link(b, LinkType::DependsOn, LinkEnd::Ticket(c))
        })
        .unwrap();
        let err = root.write(|tx| tx.add_link(c, LinkType::DependsOn, LinkEnd::Ticket(a))).unwrap_err();
        assert!(err.to_string().contains("circular"), "{err}");
        let err = root.write(|tx| tx.add_link(a, LinkType::DependedOnBy, LinkEnd::Ticket(c))).unwrap_err();
        assert!(err.to_string().contains("circular"), "{err}");
        root.write(|tx| tx.add_link(c, LinkType::RefersTo, LinkEnd::Ticket(a))).unwrap();
        root.write(|tx| tx.add_link(c, LinkType::MemberOf, LinkEnd::Ticket(a))).unwrap();
    });
}

#[test]
fn queue_watchers_are_recorded_on_the_queue() {
    each_backend(|db| {
        let root = db.root();
        let (kim, kim_s) = staff(db, "kim");
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let err = kim_s.write(|tx| tx.add_queue_watcher(q, Role::AdminCc, kim.into())).unwrap_err();
        assert!(err.to_string().contains("ModifyQueueWatchers"), "{err}");
        grant(db, Grantee::User(kim), "WatchAsAdminCc", AclObject::Queue(q));
        kim_s.write(|tx| tx.add_queue_watcher(q, Role::AdminCc, kim.into())).unwrap();
        let dup = kim_s.write(|tx| tx.add_queue_watcher(q, Role::AdminCc, kim.into()));
        assert!(matches!(dup, Err(rt_core::Error::Conflict(_))), "{dup:?}");
        kim_s.write(|tx| tx.delete_queue_watcher(q, Role::AdminCc, kim.into())).unwrap();
        let mut conn = db.rt().connection().unwrap();
        use diesel::prelude::*;
        use rt_core::db::schema::transactions as t;
        let kinds: Vec<(String, Option<String>)> = t::table
            .filter(t::object_type.eq("RT::Queue"))
            .filter(t::object_id.eq(q.0))
            .order(t::id)
            .select((t::type_, t::field))
            .load(&mut *conn)
            .unwrap();
        let s = |a: &str| (a.to_string(), Some("AdminCc".to_string()));
        assert_eq!(kinds, [s("AddWatcher"), s("DelWatcher")]);
    });
}
