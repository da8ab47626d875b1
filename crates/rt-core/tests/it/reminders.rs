//! Reminders, attributes and bookmarks.

use chrono::{Duration, Utc};
use rt_core::{AclObject, AttributeObject, Grantee, NewTicket, TicketId};

use crate::{each_backend, grant, staff};

fn ticket(db: &rt_test_support::TestDb) -> TicketId {
    db.root()
        .write(|tx| {
            let q = tx.queue_by_name("General")?.queue_id();
            tx.create_ticket(NewTicket { queue: Some(q), subject: "parent".into(), ..NewTicket::default() })
        })
        .unwrap()
}

#[test]
fn reminders_are_tickets_recorded_on_their_parent() {
    each_backend(|db| {
        let root = db.root();
        let (lee, _) = staff(db, "lee");
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        grant(db, Grantee::User(lee), "OwnTicket", AclObject::Queue(q));
        let parent = ticket(db);
        let soon = Utc::now() + Duration::days(1);
        let later = Utc::now() + Duration::days(3);
        let r2 = root.write(|tx| tx.add_reminder(parent, "call back", Some(lee), Some(later))).unwrap();
        let r1 = root.write(|tx| tx.add_reminder(parent, "order toner", None, Some(soon))).unwrap();
        let list = root.read(|tx| tx.reminders(parent)).unwrap();
        let ids: Vec<_> = list.iter().map(|t| t.id).collect();
        assert_eq!(ids, [r1, r2], "by due date");
        assert_eq!(list[1].owner, lee);
        assert!(list.iter().all(|t| t.kind == "reminder" && t.status == "open" && t.queue == q));

        root.write(|tx| tx.resolve_reminder(parent, r1)).unwrap();
        assert_eq!(root.read(|tx| tx.ticket(r1)).unwrap().status, "resolved");
        root.write(|tx| tx.open_reminder(parent, r1)).unwrap();
        let err = root.write(|tx| tx.resolve_reminder(r1, r2)).unwrap_err();
        assert!(err.to_string().contains("not a reminder"), "{err}");

        let history: Vec<_> = root
            .read(|tx| tx.history(parent))
            .unwrap()
            .into_iter()
            .filter(|t| t.kind.ends_with("Reminder"))
            .map(|t| (t.kind, t.field.unwrap(), t.new_value.unwrap()))
            .collect();
        let s = |k: &str, r: TicketId| (k.to_string(), "RT::Ticket".to_string(), r.to_string());
        assert_eq!(
            history,
            [s("AddReminder", r2), s("AddReminder", r1), s("ResolveReminder", r1), s("OpenReminder", r1)]
        );
        // No AddLink noise on either side.
        assert!(!root.read(|tx| tx.history(parent)).unwrap().iter().any(|t| t.kind == "AddLink"));
    });
}

#[test]
fn reminders_need_modify_and_create() {
    each_backend(|db| {
        let (max, max_s) = staff(db, "max");
        // Not General, where Everyone may create tickets (public_mail).
        let (q, parent) = db
            .root()
            .write(|tx| {
                let q = tx.create_queue(rt_core::NewQueue { name: "Private".into(), ..Default::default() })?;
                Ok((q, tx.create_ticket(NewTicket { queue: Some(q), ..NewTicket::default() })?))
            })
            .unwrap();
        grant(db, Grantee::User(max), "ModifyTicket", AclObject::Queue(q));
        let err = max_s.write(|tx| tx.add_reminder(parent, "x", None, None)).unwrap_err();
        assert!(err.to_string().contains("CreateTicket"), "{err}");
        db.root().write(|tx| tx.delete_ticket(parent)).unwrap();
        let err = db.root().write(|tx| tx.add_reminder(parent, "x", None, None)).unwrap_err();
        assert!(err.to_string().contains("deleted"), "{err}");
    });
}

#[test]
fn attributes_and_bookmarks() {
    each_backend(|db| {
        let root = db.root();
        let (nia, nia_s) = staff(db, "nia");
        let (_, other_s) = staff(db, "other");
        let me = AttributeObject::User(nia);
        let a = nia_s.write(|tx| tx.add_attribute(me, "Pref-Columns", "Mine", "id, Subject", "text/plain")).unwrap();
        nia_s.write(|tx| tx.add_attribute(me, "Pref-Columns", "Wide", "id, Subject, Owner", "text/plain")).unwrap();
        nia_s.write(|tx| tx.set_attribute(me, "Pref-Timezone", "Europe/Oslo", "text/plain")).unwrap();
        nia_s.write(|tx| tx.set_attribute(me, "Pref-Timezone", "UTC", "text/plain")).unwrap();
        let prefs = nia_s.read(|tx| tx.attributes(me, "Pref-Timezone")).unwrap();
        assert_eq!(prefs.len(), 1);
        assert_eq!(prefs[0].content, "UTC");
        nia_s.write(|tx| tx.update_attribute(a, "id")).unwrap();
        let columns = nia_s.read(|tx| tx.attributes(me, "Pref-Columns")).unwrap();
        assert_eq!(columns.iter().map(|s| s.description.as_str()).collect::<Vec<_>>(), ["Mine", "Wide"]);
        assert_eq!(columns[0].content, "id");
        // Another user sees none of it and cannot change it; root can.
        assert!(other_s.read(|tx| tx.attributes(me, "Pref-Columns")).is_err());
        assert!(other_s.write(|tx| tx.delete_attribute(a)).is_err());
        assert_eq!(root.read(|tx| tx.attributes(me, "Pref-Columns")).unwrap().len(), 2);

        // Saved searches keep their own rules through the generic calls:
        // writing even one's own needs CreateSavedSearch and ModifySelf.
        let search = r#"{"Query":"Status = 'open'"}"#;
        let save = |s: &rt_core::Session| {
            s.write(|tx| tx.add_attribute(me, "SavedSearch", "Open", search, "application/json"))
        };
        assert!(save(&nia_s).is_err());
        grant(db, Grantee::User(nia), "CreateSavedSearch", AclObject::System);
        grant(db, Grantee::User(nia), "ModifySelf", AclObject::System);
        let saved = save(&nia_s).unwrap();
        assert_eq!(nia_s.read(|tx| tx.attributes(me, "SavedSearch")).unwrap().len(), 1);
        assert!(other_s.read(|tx| tx.attributes(me, "SavedSearch")).is_err());
        assert!(other_s.write(|tx| tx.delete_attribute(saved)).is_err());
        nia_s.write(|tx| tx.delete_attribute(saved)).unwrap();
        nia_s.write(|tx| tx.delete_attribute(a)).unwrap();
        assert!(other_s.write(|tx| tx.set_attribute(AttributeObject::System, "X", "y", "text/plain")).is_err());

        // Bookmarks need ShowTicket and follow merges.
        let (t1, t2) = (ticket(db), ticket(db));
        assert!(nia_s.write(|tx| tx.set_bookmark(t1, true)).is_err());
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        grant(db, Grantee::User(nia), "ShowTicket", AclObject::Queue(q));
        nia_s
            .write(|tx| {
                tx.set_bookmark(t1, true)?;
                tx.set_bookmark(t1, true)?;
                tx.set_bookmark(t2, true)
            })
            .unwrap();
        assert_eq!(nia_s.read(|tx| tx.bookmarks()).unwrap(), [t1, t2]);
        root.write(|tx| tx.merge_tickets(t1, t2)).unwrap();
        assert_eq!(nia_s.read(|tx| tx.bookmarks()).unwrap(), [t2]);
        nia_s.write(|tx| tx.set_bookmark(t2, false)).unwrap();
        assert_eq!(nia_s.read(|tx| tx.bookmarks()).unwrap(), [t2], "t1's bookmark stands for t2");
        assert!(other_s.read(|tx| tx.bookmarks()).unwrap().is_empty());
    });
}
