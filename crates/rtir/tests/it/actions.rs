//! Split, merge and the Incident reply, by RTIR's rules.

use rt_core::{Error, Interface, MimeEntity, NewTicket, NewUser, Role, TicketId};
use rt_test_support::backends;
use rtir::constituency::add_constituency;
use rtir::links::{incidents_of, link_to_incident};
use rtir::reply::{IncidentReply, ReplyTo, reply_to_children};
use rtir::workflow::{self, NewReport, Split, field_values};

use crate::{handler, read, report, run_scrips, site, status, text};

fn incident(db: &rt_test_support::TestDb, children: &[TicketId]) -> TicketId {
    db.root()
        .write(|tx| {
            workflow::create_incident(tx, NewTicket { subject: "Scans".into(), ..NewTicket::default() }, children)
        })
        .unwrap()
}

fn ids(tickets: Vec<rt_core::Ticket>) -> Vec<TicketId> {
    let mut ids: Vec<TicketId> = tickets.into_iter().map(|t| t.id).collect();
    ids.sort();
    ids
}

/// How many messages of `kind` (Correspond, Comment) a ticket's history has.
fn messages(db: &rt_test_support::TestDb, id: TicketId, kind: &str) -> usize {
    read(db, |tx| tx.history(id)).iter().filter(|t| t.kind == kind).count()
}

#[test]
fn a_split_report_copies_the_original_and_joins_its_incidents_or_the_ones_given() {
    for backend in backends() {
        let db = site(backend);
        let (alice, alice_s) = handler(&db, "alice");
        let ir = db
            .root()
            .write(|tx| {
                workflow::create_report(
                    tx,
                    NewReport {
                        ticket: NewTicket {
                            subject: "Two kinds of scans".into(),
                            requestors: vec!["reporter@example.net".into()],
                            cc: vec!["cc@example.net".into()],
                            final_priority: Some(80),
                            content: Some(MimeEntity::text("Scans from 192.0.2.7 and 198.51.100.9.")),
                            ..NewTicket::default()
                        },
                        ips: vec!["192.0.2.7".into()],
                        ..NewReport::default()
                    },
                )
            })
            .unwrap();
        let (first, second) = (incident(&db, &[ir]), incident(&db, &[]));
        db.root().write(|tx| link_to_incident(tx, ir, second).map(|_| ())).unwrap();
        alice_s.write(|tx| tx.take(ir)).unwrap();
        run_scrips(&db);

        let keep = alice_s.write(|tx| workflow::split(tx, ir, Split::default())).unwrap();
        let (old, new) = (read(&db, |tx| tx.ticket(ir)), read(&db, |tx| tx.ticket(keep)));
        assert_eq!((new.queue, &new.subject, &new.status), (old.queue, &old.subject, &old.status));
        assert_eq!((new.owner, new.final_priority), (alice, 80));
        assert_eq!(read(&db, |tx| tx.role_addresses(keep, Role::Requestor)), ["reporter@example.net"]);
        assert_eq!(read(&db, |tx| tx.role_addresses(keep, Role::Cc)), ["cc@example.net"]);
        assert!(read(&db, |tx| field_values(tx, keep, "IP")).contains(&"192.0.2.7".to_string()));
        assert_eq!(ids(read(&db, |tx| incidents_of(tx, keep))), [first, second], "both Incidents kept");

        let third = incident(&db, &[]);
        let moved = alice_s
            .write(|tx| {
                let split = Split {
                    subject: Some("The second kind".into()),
                    content: Some(MimeEntity::text("Only 198.51.100.9.")),
                    incidents: Some(vec![third]),
                };
                workflow::split(tx, ir, split)
            })
            .unwrap();
        assert_eq!(read(&db, |tx| tx.ticket(moved)).subject, "The second kind");
        assert_eq!(ids(read(&db, |tx| incidents_of(tx, moved))), [third]);

        // An Incident splits into a new Incident without children.
        let split_incident = db.root().write(|tx| workflow::split(tx, first, Split::default())).unwrap();
        assert_eq!(read(&db, |tx| rtir::links::children_of(tx, split_incident)), []);
        assert_eq!(read(&db, |tx| tx.ticket(split_incident)).subject, "Scans");

        // Without ModifyTicket on the original, nothing is split.
        let bob = db
            .root()
            .write(|tx| tx.create_user(NewUser { name: "bob".into(), privileged: true, ..NewUser::default() }))
            .unwrap();
        let bob_s = db.rt().session(bob, Interface::Web).unwrap();
        let refused = bob_s.write(|tx| workflow::split(tx, ir, Split::default()));
        assert!(matches!(refused, Err(Error::PermissionDenied { .. })), "{refused:?}");
    }
}

#[test]
fn merging_follows_rtirs_types_and_constituencies_and_keeps_the_ips() {
    for backend in backends() {
        let db = site(backend);
        let (alice, alice_s) = handler(&db, "alice");
        let (a, b) = (report(&db, "First", "one@example.net"), report(&db, "Second", "two@example.net"));
        db.root()
            .write(|tx| {
                let field =
                    tx.custom_fields_for(rt_core::CfObject::Ticket(b))?.into_iter().find(|f| f.name == "IP").unwrap();
                tx.add_cf_value(rt_core::CfObject::Ticket(b), field.id, "203.0.113.5")
            })
            .unwrap();
        run_scrips(&db);
        assert_eq!(alice_s.write(|tx| workflow::merge(tx, b, a)).unwrap(), a);
        run_scrips(&db);
        let survivor = read(&db, |tx| tx.ticket(b));
        assert_eq!((survivor.id, survivor.owner), (a, alice), "b now stands for a, owned by alice");
        let ips = read(&db, |tx| field_values(tx, a, "IP"));
        assert!(ips.contains(&"203.0.113.5".to_string()) && ips.contains(&"192.0.2.7".to_string()), "{ips:?}");

        // A report and an Investigation: the report goes into the Investigation.
        let c = report(&db, "Third", "three@example.net");
        let inv = db
            .root()
            .write(|tx| {
                let ticket = NewTicket {
                    subject: "Look".into(),
                    requestors: vec!["isp@example.org".into()],
                    ..NewTicket::default()
                };
                workflow::launch_investigation(tx, ticket, None, &[])
            })
            .unwrap();
        assert_eq!(alice_s.write(|tx| workflow::merge(tx, inv, c)).unwrap(), inv);
        assert_eq!(read(&db, |tx| tx.ticket(c)).id, inv);

        // A report into an Incident: refused, nothing changed.
        let d = report(&db, "Fourth", "four@example.net");
        let inc = incident(&db, &[]);
        let wrong = alice_s.write(|tx| workflow::merge(tx, d, inc));
        assert!(
            matches!(&wrong, Err(Error::Validation { message, .. }) if message == &format!("Merge failed: Ticket #{inc} is not the right type")),
            "{wrong:?}"
        );
        assert_eq!(read(&db, |tx| tx.ticket(d)).id, d);

        // Across constituencies: refused with RTIR's message.
        let edunet = db.root().write(|tx| add_constituency(tx, "EDUNET", None, None)).unwrap();
        let queue = edunet.queues.iter().find(|(k, _)| *k == rtir::kind::Kind::Report).unwrap().1;
        let e = db
            .root()
            .write(|tx| {
                let ticket = NewTicket { queue: Some(queue), subject: "Edu".into(), ..NewTicket::default() };
                workflow::create_report(tx, NewReport { ticket, ..NewReport::default() })
            })
            .unwrap();
        let across = db.root().write(|tx| workflow::merge(tx, d, e));
        assert!(
            matches!(&across, Err(Error::Validation { message, .. }) if message.contains("associated with a different constituency")),
            "{across:?}"
        );
    }
}

#[test]
fn an_incident_reply_reaches_the_chosen_children_and_maps_the_status() {
    for backend in backends() {
        let db = site(backend);
        let (_, alice_s) = handler(&db, "alice");
        let (r1, r2) = (report(&db, "One", "one@example.net"), report(&db, "Two", "two@example.net"));
        let inc = incident(&db, &[r1, r2]);
        let inv = db
            .root()
            .write(|tx| {
                let ticket = NewTicket {
                    subject: "Look".into(),
                    requestors: vec!["isp@example.org".into()],
                    ..NewTicket::default()
                };
                workflow::launch_investigation(tx, ticket, Some(inc), &[])
            })
            .unwrap();
        run_scrips(&db);
        let reply = |to: ReplyTo, status: Option<&str>| IncidentReply {
            to,
            incident_too: false,
            message: text("We blocked the range."),
            comment: false,
            status: status.map(String::from),
        };

        let done = alice_s.write(|tx| reply_to_children(tx, inc, reply(ReplyTo::Reporters, None))).unwrap();
        assert_eq!(done.updated, [r1, r2]);
        assert_eq!((messages(&db, r1, "Correspond"), messages(&db, inv, "Correspond")), (1, 0));

        let done = alice_s.write(|tx| reply_to_children(tx, inc, reply(ReplyTo::All, None))).unwrap();
        assert_eq!(done.updated, [r1, r2, inv]);
        assert_eq!(messages(&db, inv, "Correspond"), 1);

        // Without ModifyTicket on r1 (DutyTeam members modify what they
        // own), it gets the message but keeps its status, and so does the
        // Incident, whose children are not all closed.
        let done =
            alice_s.write(|tx| reply_to_children(tx, inc, reply(ReplyTo::These(vec![r1]), Some("resolved")))).unwrap();
        assert_eq!((done.updated.as_slice(), status(&db, r1).as_str()), ([r1].as_slice(), "open"));
        assert!(done.notes[0].starts_with(&format!("Ticket #{r1}: permission denied")), "{done:?}");
        assert_eq!(done.notes[1], "Status of the Incident left unchanged; not all children were updated");
        assert!(!done.incident_status_changed);
        assert_eq!((status(&db, inc), messages(&db, r1, "Correspond")), ("open".into(), 3));

        // Owning them, she resolves the Incident with its children; a
        // report also in another active Incident keeps its status and
        // does not hold the Incident back.
        for id in [r1, inv, inc] {
            alice_s.write(|tx| tx.take(id)).unwrap();
        }
        let other = incident(&db, &[]);
        db.root().write(|tx| link_to_incident(tx, r2, other).map(|_| ())).unwrap();
        let done = alice_s.write(|tx| reply_to_children(tx, inc, reply(ReplyTo::All, Some("resolved")))).unwrap();
        assert_eq!(
            [status(&db, r1), status(&db, r2), status(&db, inv), status(&db, inc)],
            ["resolved", "open", "resolved", "resolved"].map(String::from),
            "{done:?}"
        );
        assert!(done.incident_status_changed && done.notes.is_empty(), "{done:?}");

        // Only children may be chosen.
        let stranger = report(&db, "Stranger", "x@example.net");
        let refused = alice_s.write(|tx| reply_to_children(tx, other, reply(ReplyTo::These(vec![stranger]), None)));
        assert!(matches!(refused, Err(Error::Validation { .. })), "{refused:?}");
    }
}
