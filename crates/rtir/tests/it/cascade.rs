//! The incident story: scrips activate, close, reopen and keep owners and
//! Due in step across an Incident and its children.

use chrono::{Duration, TimeZone, Utc};
use rt_core::{Interface, MimeEntity, NewTicket, OwnerChange, TicketId, TicketUpdate};
use rt_test_support::backends;
use rtir::links::link_to_incident;
use rtir::scrips::still_linked_comment;
use rtir::workflow::{self, NewReport, field_values};

use crate::{handler, mail, read, report, run_scrips, site, status, text};

#[test]
fn the_incident_story_from_report_to_late_reply() {
    for backend in backends() {
        let db = site(backend);
        let (alice, alice_s) = handler(&db, "alice");
        // A report arrives by mail: it is new, and How Reported says so.
        let reporter = db.rt().system_session(Interface::Api);
        let reporter_id = reporter.write(|tx| tx.user_for_email("reporter@example.net")).unwrap();
        let by_mail = db.rt().session(reporter_id, Interface::Email).unwrap();
        let ir = by_mail
            .write(|tx| {
                workflow::create_report(
                    tx,
                    NewReport {
                        ticket: NewTicket {
                            subject: "Scans from your network".into(),
                            requestors: vec!["reporter@example.net".into()],
                            content: Some(MimeEntity::text("192.0.2.7 scans us every night.")),
                            ..NewTicket::default()
                        },
                        ..NewReport::default()
                    },
                )
            })
            .unwrap();
        run_scrips(&db);
        assert_eq!(status(&db, ir), "new");
        assert_eq!(read(&db, |tx| field_values(tx, ir, "How Reported")), ["Email"]);
        mail(&db);

        // Alice takes it (she may not link what she cannot modify) and
        // makes an Incident of it: the report is activated.
        let refused = alice_s.write(|tx| workflow::create_incident(tx, NewTicket::default(), &[ir]));
        assert!(matches!(refused, Err(rt_core::Error::PermissionDenied { .. })), "{refused:?}");
        alice_s.write(|tx| tx.take(ir)).unwrap();
        let inc = alice_s.write(|tx| workflow::create_incident(tx, NewTicket::default(), &[ir])).unwrap();
        run_scrips(&db);
        let incident = read(&db, |tx| tx.ticket(inc));
        assert_eq!((incident.subject.as_str(), incident.owner), ("Scans from your network", alice));
        assert_eq!(status(&db, ir), "open", "joining an Incident activates the report");
        assert_eq!(status(&db, inc), "open");

        // She launches an Investigation with the report attached: its
        // correspondent gets the Investigations autoreply.
        let inv = alice_s
            .write(|tx| {
                let ticket = NewTicket {
                    subject: "Scanning host in your network".into(),
                    requestors: vec!["abuse@isp.example".into()],
                    content: Some(MimeEntity::text("Please look into 192.0.2.7.")),
                    ..NewTicket::default()
                };
                workflow::launch_investigation(tx, ticket, Some(inc), &[ir])
            })
            .unwrap();
        run_scrips(&db);
        let sent = mail(&db);
        let to_isp: Vec<&String> =
            sent.iter().filter(|(to, _)| to.iter().any(|a| a == "abuse@isp.example")).map(|(_, m)| m).collect();
        assert_eq!(to_isp.len(), 1, "{sent:?}");
        let launch = to_isp[0];
        assert!(launch.contains("Please look into 192.0.2.7."), "{launch}");
        assert!(launch.contains("whenever you write to us about this matter"), "RTIR's template: {launch}");
        assert!(!launch.contains("This is an automatic reply"), "not RT's autoreply: {launch}");
        assert!(launch.contains(&format!("incident-report-{ir}.txt")), "the report is attached: {launch}");
        assert!(launch.contains("192.0.2.7 scans us every night."), "{launch}");

        // A countermeasure cannot exist without the Incident; with it, it can.
        let cm = alice_s
            .write(|tx| {
                let ticket = NewTicket {
                    subject: "Block 192.0.2.7".into(),
                    requestors: vec!["noc@csirt.example".into()],
                    ..NewTicket::default()
                };
                workflow::create_countermeasure(tx, ticket, &[inc])
            })
            .unwrap();
        run_scrips(&db);
        assert_eq!(status(&db, cm), "pending activation");
        mail(&db);

        // Another Incident shares a second report, which stays open when
        // the first Incident is resolved.
        let shared = report(&db, "Also seen here", "other@example.net");
        let other = db
            .root()
            .write(|tx| {
                workflow::create_incident(tx, NewTicket { subject: "Other".into(), ..NewTicket::default() }, &[shared])
            })
            .unwrap();
        alice_s.write(|tx| link_to_incident(tx, shared, inc)).unwrap();
        run_scrips(&db);
        assert_eq!(status(&db, shared), "open");

        // Resolving the Incident resolves the report and the
        // investigation, removes the countermeasure (whose requestor is
        // told) and leaves the shared report open with RTIR's comment.
        alice_s.write(|tx| tx.set_status(inc, "resolved")).unwrap();
        run_scrips(&db);
        assert_eq!(status(&db, ir), "resolved");
        assert_eq!(status(&db, inv), "resolved");
        assert_eq!(status(&db, cm), "removed");
        assert_eq!(status(&db, shared), "open");
        assert_eq!(status(&db, other), "open");
        let history = read(&db, |tx| tx.history(shared));
        let comment = history.iter().rev().find(|t| t.kind == "Comment").expect("RTIR's comment");
        let parts = read(&db, |tx| tx.transaction_attachments(comment.id));
        let body = read(&db, |tx| tx.attachment(parts[0].id)).1;
        assert_eq!(String::from_utf8(body).unwrap(), still_linked_comment(inc));
        assert_eq!(read(&db, |tx| field_values(tx, inc, "Resolution")), ["successfully resolved"]);
        let sent = mail(&db);
        let removed: Vec<_> = sent.iter().filter(|(to, _)| to.iter().any(|a| a == "noc@csirt.example")).collect();
        assert_eq!(removed.len(), 1, "{sent:?}");
        assert!(removed[0].1.contains(&format!("Countermeasure #{cm} has been removed.")), "{:?}", removed[0].1);

        // A late reply from the reporter reopens the report and its
        // Incident, whose Resolution is cleared.
        by_mail.write(|tx| tx.correspond(ir, text("It started again tonight."))).unwrap();
        run_scrips(&db);
        assert_eq!(status(&db, ir), "open");
        assert_eq!(status(&db, inc), "open");
        assert_eq!(status(&db, inv), "resolved", "nothing cascades down on reopening");
        assert!(read(&db, |tx| field_values(tx, inc, "Resolution")).is_empty());
        assert_eq!(read(&db, |tx| tx.ticket(inc)).owner, alice);
    }
}

#[test]
fn replies_and_owners_follow_rtir_rules() {
    for backend in backends() {
        let db = site(backend);
        let (alice, _) = handler(&db, "alice");
        let (bob, bob_s) = handler(&db, "bob");
        let root = db.root();
        let ir = report(&db, "spam run", "victim@example.net");
        let inc = root.write(|tx| workflow::create_incident(tx, NewTicket::default(), &[ir])).unwrap();
        let cm = root
            .write(|tx| {
                let t = NewTicket {
                    subject: "block".into(),
                    requestors: vec!["noc@example.net".into()],
                    ..NewTicket::default()
                };
                workflow::create_countermeasure(tx, t, &[inc])
            })
            .unwrap();
        // An unlinked report is not opened by its reporter's reply (RTIR
        // narrows RT's AutoOpen for reports), nor by staff's.
        let lone = report(&db, "lonely", "lonely@example.net");
        run_scrips(&db);
        root.write(|tx| tx.correspond(lone, text("Looking at it."))).unwrap();
        run_scrips(&db);
        assert_eq!(status(&db, lone), "new");

        // The requestor's reply activates a pending countermeasure.
        let noc = root.write(|tx| tx.user_for_email("noc@example.net")).unwrap();
        let noc_s = db.rt().session(noc, Interface::Email).unwrap();
        noc_s.write(|tx| tx.correspond(cm, text("Done."))).unwrap();
        run_scrips(&db);
        assert_eq!(status(&db, cm), "active");

        // The Incident's owner becomes its children's; a child's becomes
        // the Incident's, and from there its siblings'.
        root.write(|tx| tx.set_owner(inc, alice, OwnerChange::Force)).unwrap();
        run_scrips(&db);
        assert_eq!(read(&db, |tx| tx.ticket(ir)).owner, alice);
        assert_eq!(read(&db, |tx| tx.ticket(cm)).owner, alice);
        bob_s.write(|tx| tx.steal(cm)).unwrap();
        run_scrips(&db);
        assert_eq!(read(&db, |tx| tx.ticket(inc)).owner, bob);
        assert_eq!(read(&db, |tx| tx.ticket(ir)).owner, bob);
    }
}

#[test]
fn an_incident_is_due_when_its_most_urgent_active_child_is() {
    for backend in backends() {
        let db = site(backend);
        let root = db.root();
        let ir = report(&db, "scan", "r@example.net");
        let inc = root.write(|tx| workflow::create_incident(tx, NewTicket::default(), &[ir])).unwrap();
        let cm = root
            .write(|tx| {
                workflow::create_countermeasure(
                    tx,
                    NewTicket { subject: "block".into(), ..NewTicket::default() },
                    &[inc],
                )
            })
            .unwrap();
        run_scrips(&db);
        assert_eq!(read(&db, |tx| tx.ticket(inc)).due, None);
        let later = Utc.with_ymd_and_hms(2031, 5, 2, 12, 0, 0).unwrap();
        let sooner = later - Duration::days(1);
        let due = |id: TicketId, when| {
            root.write(|tx| tx.update_ticket(id, &TicketUpdate { due: Some(Some(when)), ..TicketUpdate::default() }))
                .unwrap();
            run_scrips(&db);
        };
        due(ir, later);
        assert_eq!(read(&db, |tx| tx.ticket(inc)).due, Some(later));
        due(cm, sooner);
        assert_eq!(read(&db, |tx| tx.ticket(inc)).due, Some(sooner));
        // A closed child no longer counts; an unlinked one neither.
        root.write(|tx| tx.set_status(cm, "removed")).unwrap();
        run_scrips(&db);
        assert_eq!(read(&db, |tx| tx.ticket(inc)).due, Some(later));
        root.write(|tx| rtir::links::unlink_from_incident(tx, ir, inc)).unwrap();
        run_scrips(&db);
        assert_eq!(read(&db, |tx| tx.ticket(inc)).due, None);
    }
}

#[test]
fn how_reported_is_kept_when_given_and_quick_actions_follow_the_lifecycles() {
    for backend in backends() {
        let db = site(backend);
        let (alice, alice_s) = handler(&db, "alice");
        let root = db.root();
        let phoned = root
            .write(|tx| {
                let report = NewReport {
                    ticket: NewTicket { subject: "call".into(), ..NewTicket::default() },
                    how_reported: Some("Telephone".into()),
                    reporter_type: Some("police".into()),
                    ips: vec!["10.0.2.0/24".into()],
                    ..NewReport::default()
                };
                workflow::create_report(tx, report)
            })
            .unwrap();
        let by_api = report(&db, "api", "r@example.net");
        run_scrips(&db);
        assert_eq!(read(&db, |tx| field_values(tx, phoned, "How Reported")), ["Telephone"]);
        assert_eq!(read(&db, |tx| field_values(tx, phoned, "Reporter Type")), ["police"]);
        assert_eq!(read(&db, |tx| field_values(tx, phoned, "IP")), ["10.0.2.0-10.0.2.255"]);
        assert_eq!(read(&db, |tx| field_values(tx, by_api, "How Reported")), ["API"]);

        // Quick Reject takes the report first; Bulk Reject refuses a report
        // someone else owns.
        assert_eq!(alice_s.write(|tx| workflow::quick_reject(tx, phoned)).unwrap(), "rejected");
        assert_eq!(read(&db, |tx| tx.ticket(phoned)).owner, alice);
        let mine = report(&db, "mine", "r@example.net");
        let theirs = report(&db, "theirs", "r@example.net");
        root.write(|tx| tx.set_owner(theirs, root.user().id, OwnerChange::Force)).unwrap();
        let results = alice_s.write(|tx| Ok(workflow::bulk_reject(tx, &[mine, theirs]))).unwrap();
        assert!(results[0].1.as_ref().is_ok_and(|r| r.took && !r.had_incident), "{results:?}");
        assert!(results[1].1.as_ref().is_err(), "{results:?}");
        assert_eq!((status(&db, mine), status(&db, theirs)), ("rejected".into(), "new".into()));

        // Abandoning an Incident closes its children first.
        let ir = report(&db, "dos", "r@example.net");
        let inc = root.write(|tx| workflow::create_incident(tx, NewTicket::default(), &[ir])).unwrap();
        run_scrips(&db);
        let abandoned = root.write(|tx| workflow::abandon(tx, inc)).unwrap();
        assert!(abandoned.abandoned && abandoned.closed == [ir], "{abandoned:?}");
        assert_eq!((status(&db, inc), status(&db, ir)), ("abandoned".into(), "rejected".into()));
        // Quick Resolve of a countermeasure is its Quick Remove.
        let inc2 = root.write(|tx| workflow::create_incident(tx, NewTicket::default(), &[])).unwrap();
        let cm = root
            .write(|tx| {
                workflow::create_countermeasure(tx, NewTicket { subject: "b".into(), ..NewTicket::default() }, &[inc2])
            })
            .unwrap();
        assert_eq!(root.write(|tx| workflow::quick_resolve(tx, cm)).unwrap(), "removed");
    }
}
