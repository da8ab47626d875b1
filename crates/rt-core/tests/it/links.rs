//! Links between tickets and to URIs.

use rt_core::{Grantee, LinkEnd, LinkType, NewTicket, TicketId};

use crate::{each_backend, grant, staff};

fn new_ticket(db: &rt_test_support::TestDb, subject: &str) -> TicketId {
    db.root()
        .write(|tx| {
            let q = tx.queue_by_name("General")?.queue_id();
            tx.create_ticket(NewTicket { queue: Some(q), subject: subject.into(), ..NewTicket::default() })
        })
        .unwrap()
}

#[test]
fn links_are_stored_once_and_recorded_on_both_sides() {
    each_backend(|db| {
        let root = db.root();
        let (a, b) = (new_ticket(db, "a"), new_ticket(db, "b"));
        root.write(|tx| tx.add_link(a, LinkType::DependsOn, LinkEnd::Ticket(b))).unwrap();
        // The same link from the other side, or again, changes nothing.
        root.write(|tx| tx.add_link(b, LinkType::DependedOnBy, LinkEnd::Ticket(a))).unwrap();
        root.write(|tx| tx.add_link(a, LinkType::DependsOn, LinkEnd::Ticket(b))).unwrap();
        root.write(|tx| tx.add_link(a, LinkType::RefersTo, LinkEnd::Uri("https://example.net/kb/42".into()))).unwrap();
        let uri = |t: TicketId| format!("fsck.com-rt://example.com/ticket/{t}");
        root.write(|tx| tx.add_link(b, LinkType::HasMember, LinkEnd::Uri(uri(a)))).unwrap();

        let seen: Vec<_> = root.read(|tx| tx.links(a)).unwrap().iter().map(|l| l.seen_from(a).unwrap()).collect();
        assert_eq!(
            seen,
            [
                (LinkType::DependsOn, LinkEnd::Ticket(b)),
                (LinkType::RefersTo, LinkEnd::Uri("https://example.net/kb/42".into())),
                (LinkType::MemberOf, LinkEnd::Ticket(b)),
            ]
        );
        let changes = |t: TicketId| -> Vec<(String, String, String)> {
            root.read(|tx| tx.history(t))
                .unwrap()
                .into_iter()
                .filter(|x| x.kind.ends_with("Link"))
                .map(|x| (x.kind, x.field.unwrap(), x.new_value.or(x.old_value).unwrap()))
                .collect()
        };
        let s = |a: &str, b: &str, c: String| (a.to_string(), b.to_string(), c);
        assert_eq!(changes(b), [s("AddLink", "DependedOnBy", uri(a)), s("AddLink", "HasMember", uri(a))]);
        assert!(root.write(|tx| tx.delete_link(b, LinkType::DependedOnBy, LinkEnd::Ticket(a))).unwrap());
        assert!(!root.write(|tx| tx.delete_link(a, LinkType::DependsOn, LinkEnd::Ticket(b))).unwrap());
        assert_eq!(changes(a).last().unwrap(), &s("DeleteLink", "DependsOn", uri(b)));
        assert_eq!(changes(a).len(), 4);
    });
}

#[test]
fn bad_links_are_refused() {
    each_backend(|db| {
        let root = db.root();
        let (a, b) = (new_ticket(db, "a"), new_ticket(db, "b"));
        let err = root.write(|tx| tx.add_link(a, LinkType::RefersTo, LinkEnd::Ticket(a))).unwrap_err();
        assert!(err.to_string().contains("itself"), "{err}");
        let err = root.write(|tx| tx.add_link(a, LinkType::RefersTo, LinkEnd::Ticket(TicketId(9999)))).unwrap_err();
        assert!(err.to_string().contains("ticket 9999 not found"), "{err}");
        let err = root.write(|tx| tx.add_link(a, LinkType::RefersTo, LinkEnd::Uri("not a uri".into()))).unwrap_err();
        assert!(err.to_string().contains("not a URI"), "{err}");
        root.write(|tx| tx.delete_ticket(b)).unwrap();
        let err = root.write(|tx| tx.add_link(a, LinkType::DependsOn, LinkEnd::Ticket(b))).unwrap_err();
        assert!(err.to_string().contains("deleted"), "{err}");
        assert!(root.read(|tx| tx.links(a)).unwrap().is_empty());
    });
}

#[test]
fn linking_needs_modify_ticket_on_both_ends() {
    each_backend(|db| {
        let (hal, hal_s) = staff(db, "hal");
        let (a, b) = (new_ticket(db, "a"), new_ticket(db, "b"));
        let q = db.root().read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let err = hal_s.write(|tx| tx.add_link(a, LinkType::RefersTo, LinkEnd::Ticket(b))).unwrap_err();
        assert!(err.to_string().contains("ModifyTicket"), "{err}");
        grant(db, Grantee::User(hal), "ModifyTicket", rt_core::AclObject::Queue(q));
        hal_s.write(|tx| tx.add_link(a, LinkType::RefersTo, LinkEnd::Ticket(b))).unwrap();
    });
}
