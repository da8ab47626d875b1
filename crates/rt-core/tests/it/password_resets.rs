//! Password reset tokens, own password changes and the minimum length,
//! and users' preferences with their rights.

use diesel::prelude::*;
use rt_core::preference::GENERAL;
use rt_core::{AclObject, Error, Grantee, Interface, password_reset};
use serde_json::json;

use super::*;

#[test]
fn a_reset_token_works_once_until_it_expires_or_the_password_changes() {
    each_backend(|db| {
        let (erin, erin_s) = staff(db, "erin");
        let system = db.rt().system_session(Interface::Web);
        // Only for AdminUsers (the web edge acts as RT_System).
        let denied = erin_s.write(|tx| tx.issue_password_reset("erin@example.com"));
        assert!(matches!(denied, Err(Error::PermissionDenied { .. })), "{denied:?}");
        // Unknown, RT's own and disabled users get nothing.
        assert_eq!(system.write(|tx| tx.issue_password_reset("nobody@example.org")).unwrap(), None);
        assert_eq!(system.write(|tx| tx.issue_password_reset("")).unwrap(), None);

        let reset = system.write(|tx| tx.issue_password_reset("ERIN@example.com")).unwrap().unwrap();
        assert_eq!((reset.user, reset.email.as_str()), (erin, "erin@example.com"));
        assert_eq!(reset.token.len(), 32);
        let live = |token: &str| system.read(|tx| tx.password_reset_is_live(erin, token)).unwrap();
        assert!(live(&reset.token));
        assert!(!live("0123456789abcdef0123456789abcdef") && !live("short"));
        // Stored hashed.
        let stored: Vec<String> = diesel::sql_query("SELECT token_hash AS name FROM password_resets")
            .load::<NameRow>(&mut *db.rt().connection().unwrap())
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(stored.len(), 1);
        assert_ne!(stored[0], reset.token);

        // Too short: refused, token kept, nothing set.
        let short = system.write(|tx| tx.reset_password(erin, &reset.token, "abc"));
        assert!(matches!(short, Err(Error::Validation { .. })), "{short:?}");
        assert!(live(&reset.token));
        assert!(db.rt().authenticate("erin", "abc").is_err());
        // The right token for another user does nothing.
        let (frank, _) = staff(db, "frank");
        let other = system.write(|tx| tx.reset_password(frank, &reset.token, "long enough"));
        assert!(matches!(other, Err(Error::PermissionDenied { .. })), "{other:?}");

        system.write(|tx| tx.reset_password(erin, &reset.token, "first secret")).unwrap();
        assert_eq!(db.rt().authenticate("erin", "first secret").unwrap(), erin);
        let again = system.write(|tx| tx.reset_password(erin, &reset.token, "second secret"));
        assert!(matches!(again, Err(Error::PermissionDenied { .. })), "used once");

        // Any password change kills the user's links.
        let second = system.write(|tx| tx.issue_password_reset("erin@example.com")).unwrap().unwrap();
        db.root().write(|tx| tx.set_password(erin, Some("changed by admin"))).unwrap();
        assert!(!live(&second.token));

        // Expired links do not work.
        let third = system.write(|tx| tx.issue_password_reset("erin@example.com")).unwrap().unwrap();
        diesel::sql_query("UPDATE password_resets SET expires = created")
            .execute(&mut *db.rt().connection().unwrap())
            .unwrap();
        assert!(!live(&third.token));
        assert!(system.write(|tx| tx.reset_password(erin, &third.token, "too late!")).is_err());

        // At most MAX_PENDING live links; none for a disabled user.
        for _ in 0..password_reset::MAX_PENDING {
            assert!(system.write(|tx| tx.issue_password_reset("erin@example.com")).unwrap().is_some());
        }
        assert_eq!(system.write(|tx| tx.issue_password_reset("erin@example.com")).unwrap(), None);
        db.root().write(|tx| tx.set_user_disabled(frank, true)).unwrap();
        assert_eq!(system.write(|tx| tx.issue_password_reset("frank@example.com")).unwrap(), None);
    });
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[test]
fn own_password_changes_need_the_current_one_and_modify_self() {
    each_backend(|db| {
        let (erin, erin_s) = staff(db, "erin");
        db.root().write(|tx| tx.set_password(erin, Some("old secret"))).unwrap();
        let refused = erin_s.write(|tx| tx.change_own_password("old secret", "new secret"));
        assert!(matches!(refused, Err(Error::PermissionDenied { .. })), "{refused:?}");
        grant(db, Grantee::User(erin), "ModifySelf", AclObject::System);
        let wrong = erin_s.write(|tx| tx.change_own_password("nope", "new secret"));
        assert!(matches!(&wrong, Err(Error::Validation { field, .. }) if field == "current password"), "{wrong:?}");
        let short = erin_s.write(|tx| tx.change_own_password("old secret", "new"));
        assert!(matches!(short, Err(Error::Validation { .. })), "{short:?}");
        assert!(erin_s.read(|tx| tx.is_own_password("old secret")).unwrap());
        erin_s.write(|tx| tx.change_own_password("old secret", "new secret")).unwrap();
        assert_eq!(db.rt().authenticate("erin", "new secret").unwrap(), erin);
        assert!(db.rt().authenticate("erin", "old secret").is_err());

        // Someone without a password (a requestor from mail) needs none.
        let (gail, gail_s) = staff(db, "gail");
        grant(db, Grantee::User(gail), "ModifySelf", AclObject::System);
        assert!(!gail_s.read(|tx| tx.has_password(gail)).unwrap());
        gail_s.write(|tx| tx.change_own_password("", "gail secret")).unwrap();
        assert!(gail_s.read(|tx| tx.has_password(gail)).unwrap());
    });
}

#[test]
fn preferences_are_ones_own_and_need_modify_self_to_change() {
    each_backend(|db| {
        let (erin, erin_s) = staff(db, "erin");
        let (frank, frank_s) = staff(db, "frank");
        assert_eq!(erin_s.read(|tx| tx.preferences(erin, GENERAL)).unwrap(), None);
        let value = json!({"DateTimeFormat": "ISO", "DefaultQueue": 1});
        let refused = erin_s.write(|tx| tx.set_preferences(erin, GENERAL, &value));
        assert!(matches!(refused, Err(Error::PermissionDenied { .. })), "{refused:?}");
        grant(db, Grantee::User(erin), "ModifySelf", AclObject::System);
        erin_s.write(|tx| tx.set_preferences(erin, GENERAL, &value)).unwrap();
        erin_s.write(|tx| tx.set_preferences(erin, GENERAL, &json!({"DateTimeFormat": "RFC2822"}))).unwrap();
        assert_eq!(
            erin_s.read(|tx| tx.preferences(erin, GENERAL)).unwrap(),
            Some(json!({"DateTimeFormat": "RFC2822"}))
        );
        // Stored as RT stores them: one Pref-RT::System-1 attribute.
        let stored = db.root().read(|tx| tx.attributes(rt_core::AttributeObject::User(erin), "Pref-RT::System-1"));
        assert_eq!(stored.unwrap().len(), 1);
        // Another user's: AdminUsers only.
        assert!(frank_s.read(|tx| tx.preferences(erin, GENERAL)).is_err());
        grant(db, Grantee::User(frank), "ModifySelf", AclObject::System);
        assert!(frank_s.write(|tx| tx.set_preferences(erin, GENERAL, &value)).is_err());
        assert!(db.root().read(|tx| tx.preferences(erin, GENERAL)).unwrap().is_some());
        erin_s.write(|tx| tx.delete_preferences(erin, GENERAL)).unwrap();
        assert_eq!(erin_s.read(|tx| tx.preferences(erin, GENERAL)).unwrap(), None);
    });
}
