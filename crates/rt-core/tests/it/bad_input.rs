//! Bad input gets a clear error naming what was wrong, and nothing stored
//! changes.

use rt_core::{Error, MimeEntity, NewQueue, NewTicket, NewUser, QueueId, TicketId, UserId};

use crate::{each_backend, snapshot};

fn general(db: &rt_test_support::TestDb) -> QueueId {
    db.root().read(|tx| tx.queue_by_name("General")).unwrap().queue_id()
}

/// Runs `op` as root, expects an error whose text contains `needle`, and
/// checks the database did not change.
fn refused<T: std::fmt::Debug>(
    db: &rt_test_support::TestDb,
    needle: &str,
    op: impl FnOnce(&mut rt_core::Tx<'_>) -> rt_core::Result<T>,
) -> Error {
    let before = snapshot(db.rt());
    let err = db.root().write(op).expect_err(needle);
    assert!(err.to_string().contains(needle), "error {err:?} should mention {needle:?}");
    assert_eq!(before, snapshot(db.rt()), "refused operation changed the database: {err}");
    err
}

#[test]
fn invalid_email_addresses() {
    each_backend(|db| {
        for bad in ["no-at-sign", "two@@example.org", "sp ace@example.org", "@example.org", "a@", "a@b..c", "<a@b.c>"] {
            refused(db, "email", |tx| {
                tx.create_user(NewUser { name: "x".into(), email: Some(bad.into()), ..NewUser::default() })
            });
            if !bad.contains('@') {
                continue; // without an @ a watcher is a user name
            }
            let q = general(db);
            refused(db, "email", |tx| {
                tx.create_ticket(NewTicket { queue: Some(q), requestors: vec![bad.into()], ..NewTicket::default() })
            });
        }
        // A ticket whose second requestor is bad leaves no first requestor behind.
        let q = general(db);
        refused(db, "email", |tx| {
            tx.create_ticket(NewTicket {
                queue: Some(q),
                requestors: vec!["fine@example.org".into(), "bad@".into()],
                ..NewTicket::default()
            })
        });
    });
}

#[test]
fn unknown_queue_user_and_ticket() {
    each_backend(|db| {
        refused(db, "queue 999999 not found", |tx| {
            tx.create_ticket(NewTicket { queue: Some(QueueId(999_999)), ..NewTicket::default() })
        });
        refused(db, "queue", |tx| tx.create_ticket(NewTicket::default()));
        refused(db, "queue Nowhere not found", |tx| tx.queue_by_name("Nowhere"));
        refused(db, "user nobody-at-all not found", |tx| tx.user_by_name("nobody-at-all"));
        let q = general(db);
        refused(db, "user ghost not found", |tx| {
            tx.create_ticket(NewTicket { queue: Some(q), requestors: vec!["ghost".into()], ..NewTicket::default() })
        });
        refused(db, "user 424242 not found", |tx| {
            tx.create_ticket(NewTicket { queue: Some(q), owner: Some(UserId(424_242)), ..NewTicket::default() })
        });
        refused(db, "ticket 31337 not found", |tx| tx.set_status(TicketId(31337), "open"));
        refused(db, "lifecycle", |tx| {
            tx.create_queue(NewQueue {
                name: "Odd".into(),
                lifecycle: "no-such-lifecycle".into(),
                ..NewQueue::default()
            })
        });
        refused(db, "already exists", |tx| tx.create_queue(NewQueue { name: "GENERAL".into(), ..NewQueue::default() }));
    });
}

#[test]
fn status_transitions_the_lifecycle_forbids() {
    each_backend(|db| {
        let q = general(db);
        refused(db, "new tickets can not have status 'stalled'", |tx| {
            tx.create_ticket(NewTicket { queue: Some(q), status: Some("stalled".into()), ..NewTicket::default() })
        });
        refused(db, "'bogus' is not a valid status", |tx| {
            tx.create_ticket(NewTicket { queue: Some(q), status: Some("bogus".into()), ..NewTicket::default() })
        });
        let id = db.root().write(|tx| tx.create_ticket(NewTicket { queue: Some(q), ..NewTicket::default() })).unwrap();
        refused(db, "'bogus' is not a valid status", |tx| tx.set_status(id, "bogus"));
        refused(db, "already new", |tx| tx.set_status(id, "new"));
    });
}

#[test]
fn site_lifecycle_forbids_a_transition() {
    let toml = r#"
        [lifecycles.strict]
        initial = ["new"]
        active = ["open"]
        inactive = ["resolved"]
        [lifecycles.strict.transitions]
        "" = ["new"]
        new = ["open"]
        open = ["resolved"]
        resolved = ["open"]
    "#;
    for backend in rt_test_support::backends() {
        let config = rt_core::Config::from_toml(toml).unwrap();
        let db = rt_test_support::TestDb::with_config(backend, config);
        let id = db
            .root()
            .write(|tx| {
                let q = tx.create_queue(NewQueue {
                    name: "Strict".into(),
                    lifecycle: "strict".into(),
                    ..NewQueue::default()
                })?;
                tx.create_ticket(NewTicket { queue: Some(q), ..NewTicket::default() })
            })
            .unwrap();
        refused(&db, "you can't change status from 'new' to 'resolved'", |tx| tx.set_status(id, "resolved"));
        // No map between `strict` and `default`: the move is refused.
        let general = general(&db);
        refused(&db, "no mapping", |tx| tx.set_queue(id, general));
        db.root().write(|tx| tx.set_status(id, "open")).unwrap();
    }
}

#[test]
fn oversized_attachments() {
    for backend in rt_test_support::backends() {
        let config = rt_core::Config { max_attachment_size: 1024, ..rt_core::Config::default() };
        let db = rt_test_support::TestDb::with_config(backend, config);
        let q = general(&db);
        let big = MimeEntity::attachment("big.bin", "application/octet-stream", vec![7; 1025]);
        refused(&db, "big.bin is 1025 bytes, more than the limit of 1024", |tx| {
            tx.create_ticket(NewTicket {
                queue: Some(q),
                content: Some(MimeEntity::multipart(vec![big.clone()])),
                ..NewTicket::default()
            })
        });
        let id = db.root().write(|tx| tx.create_ticket(NewTicket { queue: Some(q), ..NewTicket::default() })).unwrap();
        let msg = rt_core::Message { entity: Some(big), ..rt_core::Message::default() };
        refused(&db, "more than the limit", |tx| tx.correspond(id, msg));
        refused(&db, "no message attached", |tx| tx.comment(id, rt_core::Message::default()));
    }
}

#[test]
fn bad_names_and_values() {
    each_backend(|db| {
        refused(db, "name", |tx| tx.create_user(NewUser { name: "  ".into(), ..NewUser::default() }));
        refused(db, "timezone", |tx| {
            tx.create_user(NewUser {
                name: "tz".into(),
                profile: rt_core::UserProfile { timezone: Some("Mars/Olympus".into()), ..Default::default() },
                ..NewUser::default()
            })
        });
        refused(db, "name", |tx| tx.create_queue(NewQueue { name: "".into(), ..NewQueue::default() }));
        refused(db, "correspond_address", |tx| {
            tx.create_queue(NewQueue {
                name: "Mail".into(),
                correspond_address: "not an address".into(),
                ..NewQueue::default()
            })
        });
        refused(db, "SuperUser cannot be granted on queue", |tx| {
            let q = tx.queue_by_name("General")?.queue_id();
            tx.grant(rt_core::Grantee::Role(rt_core::Role::Cc), "SuperUser", rt_core::AclObject::Queue(q))
        });
        refused(db, "backdated", |tx| tx.backdate(chrono::Utc::now() - chrono::Duration::days(30)));
        refused(db, "NoSuchRight", |tx| {
            tx.grant(rt_core::Grantee::Role(rt_core::Role::Cc), "NoSuchRight", rt_core::AclObject::System)
        });
        let q = general(db);
        refused(db, "time_worked", |tx| {
            tx.create_ticket(NewTicket { queue: Some(q), time_worked: -5, ..NewTicket::default() })
        });
        refused(db, "wrong", |tx| -> rt_core::Result<()> {
            Err(Error::invalid("nothing", "wrong")) // a failing closure rolls back what it did
                .or_else(|e| tx.create_group("rolled back", "").and(Err(e)))
        });
    });
}

#[test]
fn wrong_passwords() {
    each_backend(|db| {
        let before = snapshot(db.rt());
        for (user, pass) in
            [("root", "Password"), ("root", ""), ("", "password"), ("nobody", "password"), ("rt_system", "")]
        {
            let err = db.rt().authenticate(user, pass).expect_err(user);
            assert!(matches!(err, Error::PermissionDenied { .. }), "{err:?}");
        }
        assert_eq!(before, snapshot(db.rt()));
    });
}
