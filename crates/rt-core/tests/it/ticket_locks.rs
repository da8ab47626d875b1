//! Soft ticket locks (`RT_Lock`), forwards of tickets and transactions,
//! and the queues a new-ticket form offers.

use rt_core::{AclObject, Config, Error, Forward, Grantee, Message, NewTicket, TicketId};
use rt_test_support::{TestDb, backends};

use crate::{each_backend, grant, snapshot, staff};

fn ticket(db: &TestDb) -> TicketId {
    db.root()
        .write(|tx| {
            let q = tx.queue_by_name("General")?.queue_id();
            tx.create_ticket(NewTicket {
                queue: Some(q),
                subject: "Toner".into(),
                requestors: vec!["req@example.com".into()],
                content: Some(rt_core::MimeEntity::text("Out of toner.")),
                ..NewTicket::default()
            })
        })
        .unwrap()
}

#[test]
fn a_lock_is_taken_read_kept_from_others_and_released_by_its_holder() {
    each_backend(|db| {
        let id = ticket(db);
        let q = db.root().read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let (ann, ann_s) = staff(db, "ann");
        let (bob, bob_s) = staff(db, "bob");
        let (_, eve_s) = staff(db, "eve");
        for who in [ann, bob] {
            grant(db, Grantee::User(who), "ShowTicket", AclObject::Queue(q));
        }
        assert_eq!(ann_s.read(|tx| tx.ticket_lock(id)).unwrap(), None);
        let lock = ann_s.write(|tx| tx.lock_ticket(id)).unwrap().unwrap();
        assert_eq!(lock.user, ann);
        assert_eq!(lock.expires - lock.taken, chrono::Duration::minutes(5));
        // Bob sees Ann's lock and cannot take it over nor release it.
        assert_eq!(bob_s.read(|tx| tx.ticket_lock(id)).unwrap(), Some(lock.clone()));
        assert_eq!(bob_s.write(|tx| tx.lock_ticket(id)).unwrap().unwrap().user, ann);
        assert!(!bob_s.write(|tx| tx.unlock_ticket(id)).unwrap());
        assert_eq!(bob_s.read(|tx| tx.ticket_lock(id)).unwrap().unwrap().user, ann);
        // Without ShowTicket: refused, nothing changed.
        let before = snapshot(db.rt());
        for err in [
            eve_s.write(|tx| tx.lock_ticket(id)).unwrap_err(),
            eve_s.read(|tx| tx.ticket_lock(id).map(|_| ())).unwrap_err(),
            eve_s.write(|tx| tx.unlock_ticket(id).map(|_| ())).unwrap_err(),
        ] {
            assert!(matches!(err, Error::PermissionDenied { .. }), "{err}");
        }
        assert_eq!(before, snapshot(db.rt()));
        // Ann takes it again (renewal), then releases it; Bob may take it.
        ann_s.write(|tx| tx.lock_ticket(id)).unwrap();
        assert!(ann_s.write(|tx| tx.unlock_ticket(id)).unwrap());
        assert_eq!(bob_s.read(|tx| tx.ticket_lock(id)).unwrap(), None);
        assert_eq!(bob_s.write(|tx| tx.lock_ticket(id)).unwrap().unwrap().user, bob);
        // One lock attribute at a time.
        let stored = db.root().read(|tx| tx.attributes(rt_core::AttributeObject::Ticket(id), "RT_Lock")).unwrap();
        assert_eq!(stored.len(), 1);
        assert!(stored[0].content.contains(&format!("\"User\":{}", bob.0)), "{}", stored[0].content);
    });
}

#[test]
fn locking_is_off_with_zero_minutes() {
    for backend in backends() {
        let db = TestDb::with_config(backend, Config { ticket_lock_minutes: 0, ..Config::default() });
        let id = ticket(&db);
        assert_eq!(db.root().write(|tx| tx.lock_ticket(id)).unwrap(), None);
        assert_eq!(db.root().read(|tx| tx.ticket_lock(id)).unwrap(), None);
    }
}

#[test]
fn a_forward_needs_forward_message_and_records_its_transaction() {
    each_backend(|db| {
        let id = ticket(db);
        let q = db.root().read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let (fay, fay_s) = staff(db, "fay");
        grant(db, Grantee::User(fay), "ShowTicket", AclObject::Queue(q));
        let create = db.root().read(|tx| tx.history(id)).unwrap()[0].id;
        let comment = db.root().write(|tx| tx.comment(id, Message::text("internal"))).unwrap();
        let forward = Forward {
            transaction: Some(create),
            to: vec!["vendor@example.net".into()],
            cc: vec![],
            bcc: vec!["boss@example.net".into()],
            content: "See below.".into(),
        };
        let before = snapshot(db.rt());
        let err = fay_s.write(|tx| tx.forward(id, &forward)).unwrap_err();
        assert!(matches!(err, Error::PermissionDenied { ref right, .. } if right == "ForwardMessage"), "{err}");
        assert_eq!(before, snapshot(db.rt()));
        grant(db, Grantee::User(fay), "ForwardMessage", AclObject::Queue(q));
        // A comment she may not see is not hers to forward.
        let hidden = Forward { transaction: Some(comment), ..forward.clone() };
        let err = fay_s.write(|tx| tx.forward(id, &hidden)).unwrap_err();
        assert!(matches!(err, Error::NotFound { .. }), "{err}");
        let bad = Forward { to: vec!["not an address".into()], ..forward.clone() };
        let err = fay_s.write(|tx| tx.forward(id, &bad)).unwrap_err();
        assert!(matches!(err, Error::Validation { ref field, .. } if field == "To"), "{err}");
        let nobody = Forward { to: vec![], bcc: vec![], ..forward.clone() };
        assert!(fay_s.write(|tx| tx.forward(id, &nobody)).is_err());

        let txn = fay_s.write(|tx| tx.forward(id, &forward)).unwrap();
        let whole = fay_s.write(|tx| tx.forward(id, &Forward { transaction: None, ..forward.clone() })).unwrap();
        let history = db.root().read(|tx| tx.history(id)).unwrap();
        let recorded = history.iter().find(|t| t.id == txn).unwrap();
        assert_eq!(recorded.kind, "Forward Transaction");
        assert_eq!(recorded.data.as_deref(), Some(create.0.to_string().as_str()));
        let recorded = history.iter().find(|t| t.id == whole).unwrap();
        assert_eq!(recorded.kind, "Forward Ticket");
        assert_eq!(recorded.data.as_deref(), Some(id.0.to_string().as_str()));
        let parts = db.root().read(|tx| tx.transaction_attachments(txn)).unwrap();
        assert!(parts[0].headers.contains("To: vendor@example.net"), "{}", parts[0].headers);
        assert!(parts[0].headers.contains("Bcc: boss@example.net"), "{}", parts[0].headers);
    });
}

#[test]
fn the_queues_for_create_are_those_with_create_ticket() {
    each_backend(|db| {
        let q = db
            .root()
            .write(|tx| tx.create_queue(rt_core::NewQueue { name: "Private".into(), ..rt_core::NewQueue::default() }))
            .unwrap();
        let (gus, gus_s) = staff(db, "gus");
        assert!(gus_s.read(|tx| tx.queues_for_create()).unwrap().iter().all(|queue| queue.queue_id() != q));
        grant(db, Grantee::User(gus), "CreateTicket", AclObject::Queue(q));
        let names: Vec<String> = gus_s.read(|tx| tx.queues_for_create()).unwrap().into_iter().map(|q| q.name).collect();
        assert!(names.contains(&"Private".to_string()), "{names:?}");
        let seen = gus_s.read(|tx| tx.queues()).unwrap();
        assert!(seen.iter().all(|queue| queue.queue_id() != q), "no SeeQueue needed");
    });
}
