//! RTIR's workflow on both backends, with RT's default scrips and RTIR's
//! installed as `rt-server` installs them, and scrips run through
//! rt-scrips' engine as the server's scrips thread runs them.

#![allow(clippy::unwrap_used)]

mod actions;
mod cascade;
mod constituency;
mod detection;
mod install;
mod linking;
mod story;

use std::time::Duration;

use rt_core::db::Backend;
use rt_core::{Config, Interface, Message, MimeEntity, NewTicket, NewUser, Session, TicketId, Tx, UserId};
use rt_test_support::TestDb;
use rtir::workflow::{self, NewReport};

/// A fresh RTIR site: RTIR's lifecycles in the configuration, RT's
/// defaults then RTIR's data installed.
pub fn site(backend: Backend) -> TestDb {
    site_with(backend, Config::default())
}

/// [`site`] with the given configuration.
pub fn site_with(backend: Backend, mut config: Config) -> TestDb {
    rtir::lifecycles::configure(&mut config).unwrap();
    let db = TestDb::with_config(backend, config);
    assert!(rt_scrips::defaults::install(db.rt()).unwrap());
    assert!(rtir::install::install(db.rt()).unwrap());
    db
}

/// A privileged user in DutyTeam, with a session through the web UI.
pub fn handler(db: &TestDb, name: &str) -> (UserId, Session) {
    let id = db
        .root()
        .write(|tx| {
            let id = tx.create_user(NewUser {
                name: name.into(),
                email: Some(format!("{name}@csirt.example")),
                privileged: true,
                ..NewUser::default()
            })?;
            let team = tx.group_by_name("DutyTeam")?.group_id();
            tx.add_group_member(team, id.into())?;
            Ok(id)
        })
        .unwrap();
    (id, db.rt().session(id, Interface::Web).unwrap())
}

/// Runs every pending scrip, as the server's scrips thread would.
pub fn run_scrips(db: &TestDb) {
    rt_scrips::run_pending(db.rt(), 10_000).unwrap();
}

/// The outbox: (recipients, message), marked sent.
pub fn mail(db: &TestDb) -> Vec<(Vec<String>, String)> {
    let system = db.rt().system_session(Interface::Api);
    let items = system.write(|tx| tx.claim_outbox("test", 1000, Duration::from_secs(60))).unwrap();
    for item in &items {
        system.write(|tx| tx.mark_sent(item.id)).unwrap();
    }
    items.into_iter().map(|i| (i.mail.recipients, String::from_utf8_lossy(&i.mail.content).into_owned())).collect()
}

/// A new report from `reporter`, as root through the API.
pub fn report(db: &TestDb, subject: &str, reporter: &str) -> TicketId {
    db.root()
        .write(|tx| {
            workflow::create_report(
                tx,
                NewReport {
                    ticket: NewTicket {
                        subject: subject.into(),
                        requestors: vec![reporter.into()],
                        content: Some(MimeEntity::text("We see scans from 192.0.2.7.")),
                        ..NewTicket::default()
                    },
                    ..NewReport::default()
                },
            )
        })
        .unwrap()
}

/// A ticket's status.
pub fn status(db: &TestDb, id: TicketId) -> String {
    db.root().read(|tx| tx.ticket(id)).unwrap().status
}

/// A plain-text message.
pub fn text(body: &str) -> Message {
    Message::text(body)
}

/// Reads as root.
pub fn read<T>(db: &TestDb, f: impl FnOnce(&mut Tx<'_>) -> rt_core::Result<T>) -> T {
    db.root().read(f).unwrap()
}
