//! RTIR's linking rules and their refusals.

use rt_core::{Error, NewTicket, NewUser, OwnerChange, TicketId};
use rt_test_support::backends;
use rtir::links::{children_of, incidents_of, link_to_incident, unlink_from_incident};
use rtir::workflow;

use crate::{handler, read, report, site};

fn incident(db: &rt_test_support::TestDb, subject: &str) -> TicketId {
    db.root()
        .write(|tx| workflow::create_incident(tx, NewTicket { subject: subject.into(), ..NewTicket::default() }, &[]))
        .unwrap()
}

fn refusal(result: rt_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Validation { message, .. }) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn new(subject: &str, requestor: Option<&str>) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        requestors: requestor.into_iter().map(String::from).collect(),
        ..NewTicket::default()
    }
}

#[test]
fn countermeasures_need_an_incident_and_investigations_belong_to_one() {
    for backend in backends() {
        let db = site(backend);
        let root = db.root();
        let (a, b) = (incident(&db, "A"), incident(&db, "B"));
        let no_incident = root.write(|tx| workflow::create_countermeasure(tx, new("block", None), &[]));
        assert_eq!(refusal(no_incident), "a Countermeasure needs an Incident");
        let two =
            root.write(|tx| workflow::launch_investigation(tx, new("ask", Some("isp@example.org")), Some(a), &[]));
        let inv = two.unwrap();
        let nobody_to_ask = root.write(|tx| workflow::launch_investigation(tx, new("ask", None), Some(a), &[]));
        assert!(refusal(nobody_to_ask).contains("correspondent"));
        let not_an_incident = report(&db, "scan", "r@example.net");
        let cm = root.write(|tx| workflow::create_countermeasure(tx, new("block", None), &[not_an_incident]));
        assert_eq!(refusal(cm), format!("ticket #{not_an_incident} is not an Incident"));
        let cm = root.write(|tx| workflow::create_countermeasure(tx, new("block", None), &[a, b])).unwrap();
        let ids = |t| read(&db, |tx| incidents_of(tx, t)).into_iter().map(|i| i.id).collect::<Vec<_>>();
        assert_eq!(ids(cm), [a, b], "countermeasures may be in several incidents");

        // An Investigation moved to another Incident leaves the first.
        let linked = root.write(|tx| link_to_incident(tx, inv, b)).unwrap();
        assert_eq!(ids(inv), [b]);
        assert_eq!(linked.left, [a]);
        assert!(linked.childless.is_empty(), "A still has its countermeasure");
        // Reports may join several.
        let ir = report(&db, "scan", "r@example.net");
        root.write(|tx| link_to_incident(tx, ir, a)).unwrap();
        let again = root.write(|tx| link_to_incident(tx, ir, b)).unwrap();
        assert!(again.left.is_empty());
        assert_eq!(ids(ir), [a, b]);

        // A countermeasure is never unlinked from its last incident.
        assert!(!root.write(|tx| unlink_from_incident(tx, cm, a)).unwrap(), "A keeps its report");
        let last = root.write(|tx| unlink_from_incident(tx, cm, b));
        assert!(refusal(last).contains("must stay linked to an Incident"));
        assert_eq!(ids(cm), [b]);
        // An Incident is not a child.
        assert!(refusal(root.write(|tx| link_to_incident(tx, a, b))).contains("cannot be a child"));
        assert!(refusal(root.write(|tx| link_to_incident(tx, ir, cm))).contains("is not an Incident"));
        let children: Vec<TicketId> = read(&db, |tx| children_of(tx, b)).into_iter().map(|(_, t)| t.id).collect();
        assert_eq!(children, [cm, inv, ir]);
    }
}

#[test]
fn a_handler_links_by_taking_the_incident_and_strangers_cannot() {
    for backend in backends() {
        let db = site(backend);
        let (alice, alice_s) = handler(&db, "alice");
        let inc = incident(&db, "phishing");
        let ir = report(&db, "phish", "r@example.net");
        // Alice owns neither end and lacks ModifyTicket on both: she takes
        // the Incident, which lets her link (ModifyTicket on one end).
        let linked = alice_s.write(|tx| link_to_incident(tx, ir, inc)).unwrap();
        assert!(linked.took_incident);
        assert_eq!(read(&db, |tx| tx.ticket(inc)).owner, alice);
        assert_eq!(read(&db, |tx| incidents_of(tx, ir)).len(), 1);

        let outsider = db
            .root()
            .write(|tx| tx.create_user(NewUser { name: "eve".into(), privileged: true, ..NewUser::default() }))
            .unwrap();
        let eve = db.rt().session(outsider, rt_core::Interface::Web).unwrap();
        let other = incident(&db, "other");
        let denied = eve.write(|tx| link_to_incident(tx, ir, other));
        assert!(matches!(denied, Err(Error::PermissionDenied { .. })), "{denied:?}");
        // Bob, also in DutyTeam, steals the Incident Alice owns to link to
        // it, as RTIR does.
        let (bob, bob_s) = handler(&db, "bob");
        db.root().write(|tx| tx.set_owner(other, alice, OwnerChange::Force)).unwrap();
        bob_s.write(|tx| link_to_incident(tx, ir, other)).unwrap();
        assert_eq!(read(&db, |tx| tx.ticket(other)).owner, bob);
    }
}
