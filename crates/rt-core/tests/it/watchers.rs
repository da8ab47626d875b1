//! Watchers of tickets.

use rt_core::{AclObject, Error, Grantee, NewTicket, PrincipalId, Role};

use crate::{each_backend, grant, staff};

#[test]
fn watchers_are_added_removed_and_recorded() {
    each_backend(|db| {
        let root = db.root();
        let (ivy, ivy_s) = staff(db, "ivy");
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let t = root.write(|tx| tx.create_ticket(NewTicket { queue: Some(q), ..NewTicket::default() })).unwrap();
        let guest = root.write(|tx| tx.add_watcher_address(t, Role::Cc, "Guest@Example.net")).unwrap();
        let dup = root.write(|tx| tx.add_watcher(t, Role::Cc, guest));
        assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
        let err = root.write(|tx| tx.delete_watcher(t, Role::AdminCc, guest)).unwrap_err();
        assert!(err.to_string().contains("is not a AdminCc"), "{err}");
        let err = root.write(|tx| tx.add_watcher(t, Role::Owner, guest)).unwrap_err();
        assert!(err.to_string().contains("set_owner"), "{err}");

        // A group as AdminCc: its members hold the AdminCc role's rights.
        let helpers = root
            .write(|tx| {
                let g = tx.create_group("Helpers", "")?;
                tx.add_group_member(g, ivy.into())?;
                tx.add_watcher(t, Role::AdminCc, g.into())?;
                Ok(g)
            })
            .unwrap();
        assert!(ivy_s.read(|tx| tx.ticket(t)).is_err());
        grant(db, Grantee::Role(Role::AdminCc), "ShowTicket", AclObject::Queue(q));
        assert!(ivy_s.read(|tx| tx.ticket(t)).is_ok());

        // Ivy may add herself as Cc with Watch, not others.
        grant(db, Grantee::User(ivy), "Watch", AclObject::Queue(q));
        ivy_s.write(|tx| tx.add_watcher(t, Role::Cc, ivy.into())).unwrap();
        let err = ivy_s.write(|tx| tx.delete_watcher(t, Role::Cc, guest)).unwrap_err();
        assert!(err.to_string().contains("ModifyTicket"), "{err}");
        ivy_s.write(|tx| tx.delete_watcher(t, Role::Cc, ivy.into())).unwrap();
        root.write(|tx| tx.delete_watcher(t, Role::AdminCc, helpers.into())).unwrap();
        assert!(ivy_s.read(|tx| tx.ticket(t)).is_err(), "no longer AdminCc");

        let history: Vec<_> = root
            .read(|tx| tx.history(t))
            .unwrap()
            .into_iter()
            .filter(|x| x.kind.contains("Watcher"))
            .map(|x| (x.kind, x.field.unwrap(), x.new_value.or(x.old_value).unwrap()))
            .collect();
        let p = |id: PrincipalId| id.to_string();
        let s = |a: &str, b: &str, c: String| (a.to_string(), b.to_string(), c);
        assert_eq!(
            history,
            [
                s("AddWatcher", "Cc", p(guest)),
                s("AddWatcher", "AdminCc", p(helpers.into())),
                s("AddWatcher", "Cc", p(ivy.into())),
                s("DelWatcher", "Cc", p(ivy.into())),
                s("DelWatcher", "AdminCc", p(helpers.into())),
            ]
        );
        assert_eq!(root.read(|tx| tx.ticket_role_members(t, Role::Cc)).unwrap(), vec![guest]);
    });
}

/// The role addresses of several tickets read at once are each ticket's
/// own, with its queue's watchers counted as its Cc and AdminCc, groups
/// expanded and disabled users left out, as when read one ticket at a time.
#[test]
fn role_addresses_of_several_tickets_match_one_at_a_time() {
    each_backend(|db| {
        let root = db.root();
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        let new = |requestor: &str| NewTicket {
            queue: Some(q),
            requestors: vec![requestor.to_string()],
            ..NewTicket::default()
        };
        let (a, b) = root
            .write(|tx| {
                let a = tx.create_ticket(new("ann@example.net"))?;
                let b = tx.create_ticket(new("bo@example.net"))?;
                tx.add_watcher_address(b, Role::Cc, "cy@example.net")?;
                let boss = tx.user_for_email("boss@example.net")?;
                tx.add_queue_watcher(q, Role::AdminCc, boss.into())?;
                let team = tx.create_group("Printer team", "")?;
                for who in ["dee@example.net", "gone@example.net"] {
                    let member = tx.user_for_email(who)?;
                    tx.add_group_member(team, member.into())?;
                }
                let gone = tx.user_for_email("gone@example.net")?;
                tx.set_user_disabled(gone, true)?;
                tx.add_watcher(a, Role::AdminCc, team.into())?;
                Ok((a, b))
            })
            .unwrap();
        let together = root.read(|tx| tx.all_role_addresses_of(&[a, b, a])).unwrap();
        assert_eq!(together.len(), 2);
        for t in [a, b] {
            let alone = root.read(|tx| tx.all_role_addresses(t)).unwrap();
            assert_eq!(together[&t], alone, "ticket {t}");
        }
        assert_eq!(together[&a][&Role::AdminCc], ["boss@example.net", "dee@example.net"]);
        assert_eq!(together[&b][&Role::AdminCc], ["boss@example.net"]);
        assert_eq!(together[&a][&Role::Requestor], ["ann@example.net"]);
        assert!(!together[&a].contains_key(&Role::Cc));
        assert_eq!(together[&b][&Role::Cc], ["cy@example.net"]);
    });
}
