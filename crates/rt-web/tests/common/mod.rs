//! What the tests replaying RT's REST 1.0 transcript share: rt-web's, and
//! `bins/rt-cli/tests/rt_cli.rs`, which includes this file by its path.

#![allow(clippy::unwrap_used, dead_code)]

use rt_core::db::Backend;
use rt_core::{AclObject, Grantee};
use rt_core::{CfType, Config, NewCustomField, NewQueue, NewUser};
use rt_test_support::TestDb;

/// The transcript's site: rtname example.com, CF Severity on General, the
/// users guest (unprivileged) and staff (privileged, no rights), Everyone
/// may create, reply and comment in General, and queue Locked with no
/// rights at all.
pub fn transcript_site(backend: Backend) -> TestDb {
    let config = Config { rtname: "example.com".into(), organization: "example.com".into(), ..Config::default() };
    let db = TestDb::with_config(backend, config);
    rt_scrips::defaults::install(db.rt()).unwrap();
    db.root()
        .write(|tx| {
            let general = tx.queue_by_name("General")?.queue_id();
            // A single-value field: RT recorded "Severity high changed to critical".
            let severity = tx.create_custom_field(NewCustomField {
                max_values: 1,
                ..NewCustomField::ticket("Severity", CfType::Freeform)
            })?;
            tx.apply_custom_field(severity, Some(general))?;
            for (name, password, privileged) in [("guest", "guestpass", false), ("staff", "staffpass", true)] {
                tx.create_user(NewUser {
                    name: name.into(),
                    email: Some(format!("{name}@example.com")),
                    password: Some(password.into()),
                    privileged,
                    ..NewUser::default()
                })?;
            }
            let everyone = Grantee::Group(tx.system().everyone);
            for right in ["CreateTicket", "ReplyToTicket", "CommentOnTicket"] {
                tx.grant(everyone, right, AclObject::Queue(general))?;
            }
            tx.create_queue(NewQueue { name: "Locked".into(), ..NewQueue::default() })?;
            Ok(())
        })
        .unwrap();
    db
}
