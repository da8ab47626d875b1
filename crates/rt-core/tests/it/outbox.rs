//! The outbox: mail committed with the change that caused it, claimed by
//! workers under a lease, marked sent or retried with backoff.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use chrono::Utc;
use rt_core::outbox::{BACKOFF_CAP, MAX_ATTEMPTS, backoff, retry_at};
use rt_core::{Error, Interface, NewTicket, OutboxId, OutboxStatus, OutgoingMail, TicketId};

use crate::each_backend;

fn mail(n: usize) -> OutgoingMail {
    OutgoingMail {
        ticket: None,
        transaction: None,
        message_id: format!("<rt-{n}@example.com>"),
        envelope_from: "rt@example.com".into(),
        recipients: vec!["alice@example.org".into(), "bob@example.org".into()],
        content: format!("Subject: {n}\r\nMessage-ID: <rt-{n}@example.com>\r\n\r\nbody {n}\r\n").into_bytes(),
    }
}

fn enqueue(db: &rt_test_support::TestDb, n: usize) -> Vec<OutboxId> {
    let system = db.rt().system_session(Interface::Api);
    system.write(|tx| (0..n).map(|i| tx.enqueue_mail(mail(i))).collect()).unwrap()
}

#[test]
fn backoff_doubles_up_to_a_cap_and_gives_up() {
    assert_eq!(backoff(1), Duration::from_secs(60));
    assert_eq!(backoff(2), Duration::from_secs(120));
    assert_eq!(backoff(3), Duration::from_secs(240));
    assert_eq!(backoff(7), BACKOFF_CAP);
    assert_eq!(backoff(1000), BACKOFF_CAP);
    assert_eq!(backoff(0), Duration::from_secs(60));
    let now = Utc::now();
    assert_eq!(retry_at(now, 1), Some(now + chrono::Duration::seconds(60)));
    assert_eq!(retry_at(now, MAX_ATTEMPTS - 1).map(|t| t - now), Some(chrono::Duration::hours(1)));
    assert_eq!(retry_at(now, MAX_ATTEMPTS), None);
}

#[test]
fn mail_commits_with_the_change_that_caused_it() {
    each_backend(|db| {
        let root = db.root();
        let kept = root
            .write(|tx| {
                let q = tx.queue_by_name("General")?.queue_id();
                let t = tx.create_ticket(NewTicket { queue: Some(q), subject: "x".into(), ..NewTicket::default() })?;
                tx.enqueue_mail(OutgoingMail { ticket: Some(t), ..mail(1) })
            })
            .unwrap();
        let rolled_back: Result<TicketId, Error> = root.write(|tx| {
            tx.enqueue_mail(mail(2))?;
            Err(Error::Conflict("no".into()))
        });
        assert!(rolled_back.is_err());
        let system = db.rt().system_session(Interface::Api);
        let items = system.write(|tx| tx.claim_outbox("n1", 10, Duration::from_secs(60))).unwrap();
        assert_eq!(items.len(), 1, "only the committed message");
        assert_eq!(items[0].id, kept);
        assert!(items[0].mail.ticket.is_some());
        assert_eq!(items[0].mail.recipients, ["alice@example.org", "bob@example.org"]);
        assert_eq!(items[0].mail.content, mail(1).content);
        assert_eq!(items[0].attempts, 1);
    });
}

#[test]
fn enqueue_refuses_bad_envelopes() {
    each_backend(|db| {
        let system = db.rt().system_session(Interface::Api);
        for bad in [
            OutgoingMail { recipients: vec![], ..mail(1) },
            OutgoingMail { recipients: vec!["a@b\nRCPT TO:<c@d>".into()], ..mail(1) },
            OutgoingMail { recipients: vec![" ".into()], ..mail(1) },
            OutgoingMail { envelope_from: "a@b\r\n".into(), ..mail(1) },
            OutgoingMail { content: vec![], ..mail(1) },
        ] {
            let err = system.write(|tx| tx.enqueue_mail(bad.clone())).unwrap_err();
            assert!(matches!(err, Error::Validation { .. }), "{bad:?}: {err}");
        }
    });
}

#[test]
fn claims_are_leases_and_outcomes_are_recorded() {
    each_backend(|db| {
        let ids = enqueue(db, 3);
        let system = db.rt().system_session(Interface::Api);
        let first = system.write(|tx| tx.claim_outbox("n1", 2, Duration::from_millis(300))).unwrap();
        assert_eq!(first.iter().map(|i| i.id).collect::<Vec<_>>(), ids[..2], "oldest first, at most max");
        let second = system.write(|tx| tx.claim_outbox("n2", 10, Duration::from_secs(60))).unwrap();
        assert_eq!(second.iter().map(|i| i.id).collect::<Vec<_>>(), ids[2..], "leased rows are not taken again");
        assert!(system.write(|tx| tx.claim_outbox("n2", 10, Duration::from_secs(60))).unwrap().is_empty());

        // ids[0] is sent, and its bytes are not kept; ids[1]'s worker dies,
        // its lease runs out.
        let size = mail(0).content.len();
        assert_eq!(system.read(|tx| tx.outbox_state(ids[0])).unwrap().stored_bytes, size, "held until delivered");
        system.write(|tx| tx.mark_sent(ids[0])).unwrap();
        let st = system.read(|tx| tx.outbox_state(ids[0])).unwrap();
        assert_eq!((st.status, st.attempts, st.claimed_until, st.stored_bytes), (OutboxStatus::Sent, 1, None, 0));
        assert!(st.sent_at.is_some());
        std::thread::sleep(Duration::from_millis(400));
        let again = system.write(|tx| tx.claim_outbox("n3", 10, Duration::from_secs(60))).unwrap();
        assert_eq!(again.iter().map(|i| i.id).collect::<Vec<_>>(), [ids[1]], "expired lease, sent row never");
        assert_eq!(again[0].attempts, 2);
        assert_eq!(system.read(|tx| tx.outbox_state(ids[1])).unwrap().claimed_by.as_deref(), Some("n3"));

        // A failure with a retry time: pending, not due until then.
        let later = Utc::now() + chrono::Duration::minutes(5);
        system.write(|tx| tx.mark_failed(ids[1], "451 try later", Some(later))).unwrap();
        let st = system.read(|tx| tx.outbox_state(ids[1])).unwrap();
        assert_eq!(st.status, OutboxStatus::Pending);
        assert_eq!(st.last_error.as_deref(), Some("451 try later"));
        assert!((st.next_attempt_at - later).num_milliseconds().abs() < 1);
        assert!(system.write(|tx| tx.claim_outbox("n1", 10, Duration::from_secs(60))).unwrap().is_empty());
        // Due again (retry time in the past): claimed again.
        system
            .write(|tx| tx.mark_failed(ids[1], "451 again", Some(Utc::now() - chrono::Duration::seconds(1))))
            .unwrap();
        let st2 = system.read(|tx| tx.outbox_state(ids[2])).unwrap();
        assert_eq!(st2.claimed_by.as_deref(), Some("n2"));
        let due = system.write(|tx| tx.claim_outbox("n1", 10, Duration::from_secs(60))).unwrap();
        assert_eq!(due.iter().map(|i| i.id).collect::<Vec<_>>(), [ids[1]]);

        // Giving up: failed, never claimed again, the message kept for
        // whoever looks into why.
        system.write(|tx| tx.mark_failed(ids[1], "550 no such user", None)).unwrap();
        let st = system.read(|tx| tx.outbox_state(ids[1])).unwrap();
        assert_eq!(st.status, OutboxStatus::Failed);
        assert_eq!(st.attempts, 3);
        assert_eq!(st.stored_bytes, mail(1).content.len());
        std::thread::sleep(Duration::from_millis(10));
        assert!(
            system
                .write(|tx| tx.claim_outbox("n1", 10, Duration::from_secs(60)))
                .unwrap()
                .iter()
                .all(|i| i.id != ids[1])
        );
        assert!(matches!(system.write(|tx| tx.mark_sent(OutboxId(999_999))).unwrap_err(), Error::NotFound { .. }));
    });
}

#[test]
fn a_live_worker_renews_its_claims_and_a_lapsed_one_loses_them() {
    each_backend(|db| {
        let ids = enqueue(db, 3);
        let system = db.rt().system_session(Interface::Api);
        let short = Duration::from_millis(300);
        system.write(|tx| tx.claim_outbox("n1", 3, short)).unwrap();
        // n1 keeps renewing ids[1..]: past the first lease nobody takes them.
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(150));
            let held = system.write(|tx| tx.renew_outbox_claims("n1", &ids[1..], short)).unwrap();
            assert_eq!(held, ids[1..]);
        }
        let taken = system.write(|tx| tx.claim_outbox("n2", 10, Duration::from_secs(60))).unwrap();
        assert_eq!(taken.iter().map(|i| i.id).collect::<Vec<_>>(), [ids[0]], "only the unrenewed row");
        // n1 wakes up too late for ids[0]: it is n2's now, not renewed; a
        // sent row is not renewed either.
        system.write(|tx| tx.mark_sent(ids[1])).unwrap();
        let held = system.write(|tx| tx.renew_outbox_claims("n1", &ids, short)).unwrap();
        assert_eq!(held, [ids[2]]);
        assert_eq!(system.read(|tx| tx.outbox_state(ids[0])).unwrap().claimed_by.as_deref(), Some("n2"));
    });
}

#[test]
fn only_rt_system_works_the_outbox() {
    each_backend(|db| {
        let ids = enqueue(db, 1);
        let root = db.root();
        let denied = |e: Error| assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
        denied(root.write(|tx| tx.claim_outbox("n1", 1, Duration::from_secs(1))).unwrap_err());
        denied(root.write(|tx| tx.mark_sent(ids[0])).unwrap_err());
        denied(root.write(|tx| tx.mark_failed(ids[0], "x", None)).unwrap_err());
        denied(root.read(|tx| tx.outbox_state(ids[0])).unwrap_err());
    });
}

#[test]
fn concurrent_claimers_take_disjoint_rows() {
    each_backend(|db| {
        let ids: BTreeSet<OutboxId> = enqueue(db, 20).into_iter().collect();
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = ["n1", "n2"]
            .into_iter()
            .map(|node| {
                let rt = db.rt().clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let system = rt.system_session(Interface::Api);
                    barrier.wait();
                    system
                        .write(|tx| {
                            let items = tx.claim_outbox(node, 10, Duration::from_secs(60))?;
                            // Hold the row locks while the other node claims.
                            std::thread::sleep(Duration::from_millis(300));
                            Ok(items)
                        })
                        .unwrap()
                        .into_iter()
                        .map(|i| i.id)
                        .collect::<BTreeSet<_>>()
                })
            })
            .collect();
        let got: Vec<BTreeSet<OutboxId>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(got[0].len(), 10, "{:?}", db.backend);
        assert_eq!(got[1].len(), 10, "{:?}", db.backend);
        assert!(got[0].is_disjoint(&got[1]));
        assert_eq!(got[0].union(&got[1]).copied().collect::<BTreeSet<_>>(), ids);
    });
}
