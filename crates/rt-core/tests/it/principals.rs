//! Users, groups, membership closure, passwords.

use diesel::prelude::*;
use rt_core::db::schema::{cached_group_members as cgm, users};
use rt_core::{AclObject, Error, Grantee, Interface, NewTicket, NewUser, PrincipalId, Role, UserProfile};

use crate::{each_backend, grant, staff};

#[test]
fn seeded_database_has_rts_initial_data() {
    each_backend(|db| {
        let root = db.root();
        let sys = db.rt().system();
        root.read(|tx| {
            for name in ["RT_System", "Nobody", "root"] {
                tx.user_by_name(name)?;
            }
            let root_id = tx.user_by_name("root")?.user_id();
            assert!(tx.is_privileged(root_id)?);
            let general = tx.queue_by_name("General")?;
            assert_eq!(general.lifecycle, "default");
            let everyone = tx.acl_entries(AclObject::Queue(general.queue_id()))?;
            let rights: Vec<_> = everyone.iter().map(|a| a.right.as_str()).collect();
            assert_eq!(rights, ["CreateTicket", "ReplyToTicket"]);
            assert!(everyone.iter().all(|a| a.principal_id == sys.everyone.into()));
            Ok(())
        })
        .unwrap();
        assert_eq!(db.rt().authenticate("ROOT", "password").unwrap(), root.user().id);
        // A second open of the same database does not seed again.
        let again = rt_core::Rt::open(db.rt().config().clone()).unwrap();
        assert_eq!(again.system().nobody, sys.nobody);
    });
}

#[test]
fn public_mail_off_grants_nothing_to_everyone() {
    for backend in rt_test_support::backends() {
        let config = rt_core::Config { public_mail: false, ..rt_core::Config::default() };
        let db = rt_test_support::TestDb::with_config(backend, config);
        let entries = db.root().read(|tx| {
            let q = tx.queue_by_name("General")?.queue_id();
            tx.acl_entries(AclObject::Queue(q))
        });
        assert!(entries.unwrap().is_empty());
    }
}

#[test]
fn users_are_unique_and_autocreated_once() {
    each_backend(|db| {
        let root = db.root();
        let (alice, _) = staff(db, "alice");
        let dup = root.write(|tx| tx.create_user(NewUser { name: "ALICE".into(), ..NewUser::default() }));
        assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
        let dup = root.write(|tx| {
            tx.create_user(NewUser {
                name: "other".into(),
                email: Some("Alice@EXAMPLE.com".into()),
                ..NewUser::default()
            })
        });
        assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
        let a = root.write(|tx| tx.user_for_email("alice@example.com")).unwrap();
        assert_eq!(a, alice);
        let new = root.write(|tx| tx.user_for_email("new.person@example.net")).unwrap();
        let again = root.write(|tx| tx.user_for_email("NEW.person@example.net")).unwrap();
        assert_eq!(new, again);
        assert!(!root.read(|tx| tx.is_privileged(new)).unwrap());
        root.write(|tx| tx.set_privileged(new, true)).unwrap();
        assert!(root.read(|tx| tx.is_privileged(new)).unwrap());
        let sys = db.rt().system();
        assert!(!root.read(|tx| tx.is_group_member(sys.unprivileged, new.into())).unwrap());
        assert!(root.read(|tx| tx.is_group_member(sys.everyone, new.into())).unwrap());

        let profile = UserProfile {
            real_name: Some("Alice A.".into()),
            timezone: Some("Europe/Paris".into()),
            ..Default::default()
        };
        // A write transaction that read a user before changing it reads
        // the change afterwards (users are remembered per transaction).
        let (before, renamed, readdressed) = root
            .write(|tx| {
                let before = tx.user(alice)?;
                tx.update_user(alice, &profile)?;
                let renamed = tx.user(alice)?;
                tx.set_user_email(alice, Some("alice.a@example.com"))?;
                Ok((before, renamed, tx.user(alice)?))
            })
            .unwrap();
        assert_eq!(before.real_name, "");
        assert_eq!((renamed.real_name.as_str(), renamed.timezone.as_str()), ("Alice A.", "Europe/Paris"));
        assert_eq!(renamed.email_address.as_deref(), Some("alice@example.com"));
        assert_eq!(readdressed.email_address.as_deref(), Some("alice.a@example.com"));
        assert_eq!(root.read(|tx| tx.user(alice)).unwrap(), readdressed);
    });
}

#[test]
fn passwords_disabled_users_and_legacy_hashes() {
    each_backend(|db| {
        let root = db.root();
        let (erin, _) = staff(db, "erin");
        let rt = db.rt();
        assert!(rt.authenticate("erin", "anything").is_err(), "no password set yet");
        root.write(|tx| tx.set_password(erin, Some("correct horse"))).unwrap();
        assert_eq!(rt.authenticate("Erin", "correct horse").unwrap(), erin);
        assert!(rt.authenticate("erin", "wrong").is_err());
        assert!(rt.authenticate("nobody-here", "x").is_err());

        // An imported RT 4.4 bcrypt hash logs in and is rehashed to argon2.
        let mut conn = rt.connection().unwrap();
        diesel::update(users::table.find(erin.0))
            .set(users::password.eq("!bcrypt!04!..CA.uOD/eaGAOmJB.yMBuSwyFyi96Va8H6nKGQeNdAv.AnVM4X6K"))
            .execute(&mut *conn)
            .unwrap();
        assert_eq!(rt.authenticate("erin", "password").unwrap(), erin);
        let stored: Option<String> = users::table.find(erin.0).select(users::password).first(&mut *conn).unwrap();
        assert!(stored.unwrap().starts_with("$argon2id$"));
        assert_eq!(rt.authenticate("erin", "password").unwrap(), erin);

        // Disabled: no login, no rights.
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        grant(db, Grantee::User(erin), "SeeQueue", AclObject::Queue(q));
        let erin_s = rt.session(erin, Interface::Web).unwrap();
        assert!(erin_s.read(|tx| tx.has_right("SeeQueue", AclObject::Queue(q))).unwrap());
        root.write(|tx| tx.set_user_disabled(erin, true)).unwrap();
        assert!(rt.authenticate("erin", "password").is_err());
        assert!(!erin_s.read(|tx| tx.has_right("SeeQueue", AclObject::Queue(q))).unwrap());
        root.write(|tx| tx.set_user_disabled(erin, false)).unwrap();
        assert!(erin_s.read(|tx| tx.has_right("SeeQueue", AclObject::Queue(q))).unwrap());
    });
}

/// The closure stays exact under nesting, a diamond, and removal.
#[test]
fn nested_membership_closure() {
    each_backend(|db| {
        let root = db.root();
        let (frank, _) = staff(db, "frank");
        let (a, b, c, d) = root
            .write(|tx| {
                Ok((
                    tx.create_group("A", "")?,
                    tx.create_group("B", "")?,
                    tx.create_group("C", "")?,
                    tx.create_group("D", "")?,
                ))
            })
            .unwrap();
        // A ⊃ B ⊃ D, A ⊃ C ⊃ D, D ∋ frank: two paths from A to frank.
        root.write(|tx| {
            tx.add_group_member(a, b.into())?;
            tx.add_group_member(a, c.into())?;
            tx.add_group_member(b, d.into())?;
            tx.add_group_member(c, d.into())?;
            tx.add_group_member(d, frank.into())
        })
        .unwrap();
        let paths = |g: rt_core::GroupId| -> i64 {
            let mut conn = db.rt().connection().unwrap();
            cgm::table
                .filter(cgm::group_id.eq(g.0))
                .filter(cgm::member_id.eq(frank.0))
                .select(cgm::paths)
                .first(&mut *conn)
                .optional()
                .unwrap()
                .unwrap_or(0)
        };
        assert_eq!((paths(a), paths(b), paths(c), paths(d)), (2, 1, 1, 1));
        let cycle = root.write(|tx| tx.add_group_member(d, a.into()));
        assert!(matches!(cycle, Err(Error::Validation { .. })), "{cycle:?}");
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        grant(db, Grantee::Group(a), "SeeQueue", AclObject::Queue(q));
        let frank_s = db.rt().session(frank, Interface::Api).unwrap();
        let sees = || frank_s.read(|tx| tx.has_right("SeeQueue", AclObject::Queue(q))).unwrap();
        assert!(sees());
        root.write(|tx| tx.remove_group_member(b, d.into())).unwrap();
        assert_eq!((paths(a), paths(b)), (1, 0));
        assert!(sees(), "still in A through C");
        root.write(|tx| tx.remove_group_member(c, d.into())).unwrap();
        assert_eq!(paths(a), 0);
        assert!(!sees());
        assert_eq!(root.read(|tx| tx.group_members(a)).unwrap(), vec![PrincipalId::from(b), PrincipalId::from(c)]);
    });
}

/// A disabled group passes on no rights, its own or its parents'; enabling
/// it restores exactly what its memberships give, including those changed
/// while it was disabled; cycles through it are still refused.
#[test]
fn disabled_groups_grant_nothing() {
    each_backend(|db| {
        let root = db.root();
        let (quinn, _) = staff(db, "quinn");
        let (rosa, _) = staff(db, "rosa");
        let (outer, inner) = root
            .write(|tx| {
                let outer = tx.create_group("Outer", "")?;
                let inner = tx.create_group("Inner", "")?;
                tx.add_group_member(outer, inner.into())?;
                tx.add_group_member(inner, quinn.into())?;
                Ok((outer, inner))
            })
            .unwrap();
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        grant(db, Grantee::Group(outer), "SeeQueue", AclObject::Queue(q));
        grant(db, Grantee::Group(inner), "ShowTicket", AclObject::Queue(q));
        let may = |who: rt_core::UserId, right: &str| {
            db.rt().session(who, Interface::Api).unwrap().read(|tx| tx.has_right(right, AclObject::Queue(q))).unwrap()
        };
        assert!(may(quinn, "SeeQueue") && may(quinn, "ShowTicket"));

        root.write(|tx| tx.set_group_disabled(inner, true)).unwrap();
        assert!(!may(quinn, "SeeQueue") && !may(quinn, "ShowTicket"));
        // Membership changes while disabled take effect on enabling.
        root.write(|tx| tx.add_group_member(inner, rosa.into())).unwrap();
        assert!(!may(rosa, "ShowTicket"));
        let cycle = root.write(|tx| tx.add_group_member(inner, outer.into()));
        assert!(matches!(cycle, Err(Error::Validation { .. })), "{cycle:?}");
        root.write(|tx| tx.set_group_disabled(inner, false)).unwrap();
        assert!(may(quinn, "SeeQueue") && may(rosa, "SeeQueue") && may(rosa, "ShowTicket"));

        root.write(|tx| tx.set_group_disabled(outer, true)).unwrap();
        assert!(!may(quinn, "SeeQueue"), "the disabled parent's rights are gone");
        assert!(may(quinn, "ShowTicket"), "the enabled group's own rights stay");
        root.write(|tx| tx.remove_group_member(inner, quinn.into())).unwrap();
        root.write(|tx| tx.set_group_disabled(outer, false)).unwrap();
        assert!(!may(quinn, "SeeQueue") && may(rosa, "SeeQueue"));
        let err = root.write(|tx| tx.set_group_disabled(db.rt().system().everyone, true)).unwrap_err();
        assert!(err.to_string().contains("cannot be disabled"), "{err}");
    });
}

/// The members' closure rows of a ticket role group carry its ticket and
/// role, whoever put them there: ticket creation, a watcher added later, a
/// member added to a group that is a watcher, or the upgrade's backfill.
#[test]
fn role_memberships_carry_their_ticket_and_role() {
    each_backend(|db| {
        let root = db.root();
        let (olga, _) = staff(db, "olga");
        let (pete, _) = staff(db, "pete");
        let q = root.read(|tx| tx.queue_by_name("General")).unwrap().queue_id();
        grant(db, Grantee::User(olga), "OwnTicket", AclObject::Queue(q));
        let t = root
            .write(|tx| {
                tx.create_ticket(NewTicket {
                    queue: Some(q),
                    owner: Some(olga),
                    requestors: vec!["req@example.com".into()],
                    ..NewTicket::default()
                })
            })
            .unwrap();
        let team = root
            .write(|tx| {
                let team = tx.create_group("Team", "")?;
                tx.add_watcher(t, Role::AdminCc, team.into())?;
                tx.add_watcher(t, Role::Cc, olga.into())?;
                // Added after the group became a watcher.
                tx.add_group_member(team, pete.into())?;
                Ok(team)
            })
            .unwrap();
        let requestor = root.read(|tx| tx.user_by_name("req@example.com")).unwrap().id;
        let rows = || -> Vec<(i64, String, i64)> {
            let mut conn = db.rt().connection().unwrap();
            let mut rows: Vec<(i64, Option<String>, Option<i64>)> = cgm::table
                .filter(cgm::ticket_role.is_not_null())
                .select((cgm::member_id, cgm::ticket_role, cgm::ticket_id))
                .load(&mut *conn)
                .unwrap();
            rows.sort();
            rows.into_iter().map(|(m, r, t)| (m, r.unwrap(), t.unwrap())).collect()
        };
        let mut expected = vec![
            (olga.0, "owner".to_string(), t.0),
            (olga.0, "cc".to_string(), t.0),
            (pete.0, "admincc".to_string(), t.0),
            (requestor, "requestor".to_string(), t.0),
            (team.0, "admincc".to_string(), t.0),
        ];
        expected.sort();
        assert_eq!(rows(), expected);

        // The upgrade's backfill gives the same rows.
        {
            let mut conn = db.rt().connection().unwrap();
            rt_core::db::revert_migrations_through(&mut conn, "2026-12-05-000019_role_memberships").unwrap();
            rt_core::db::run_migrations(&mut conn).unwrap();
        }
        assert_eq!(rows(), expected);

        root.write(|tx| tx.remove_group_member(team, pete.into())).unwrap();
        root.write(|tx| tx.delete_watcher(t, Role::Cc, olga.into())).unwrap();
        expected.retain(|(m, r, _)| *m != pete.0 && !(*m == olga.0 && r == "cc"));
        assert_eq!(rows(), expected);
        let err = rt_core::db::revert_migrations_through(&mut db.rt().connection().unwrap(), "no_such").unwrap_err();
        assert!(err.to_string().contains("no migration"), "{err}");
    });
}
