//! rt-core's integration tests: one binary, a module per area. Every
//! scenario runs on SQLite and, with `RT_TEST_PG_URL`, on PostgreSQL.

#![allow(clippy::unwrap_used)]

mod acl_matrix;
mod bad_input;
mod charts;
mod customfields;
mod links;
mod merge;
mod nodes;
mod outbox;
mod password_resets;
mod principals;
mod reminders;
mod saved_searches;
mod schema;
mod search;
mod search_equivalence;
mod search_props;
mod ticket_locks;
mod tickets;
mod watchers;
mod web_sessions;

use diesel::prelude::*;
use rt_core::db::schema as s;
use rt_core::{Grantee, NewUser, Rt, Session, UserId};
use rt_test_support::{TestDb, backends};

/// Runs `f` on a fresh database of every backend under test.
pub fn each_backend(f: impl Fn(&TestDb)) {
    for backend in backends() {
        let db = TestDb::new(backend);
        f(&db);
    }
}

/// Creates a user as root and returns a session for them.
pub fn staff(db: &TestDb, name: &str) -> (UserId, Session) {
    let id = db
        .root()
        .write(|tx| {
            tx.create_user(NewUser {
                name: name.into(),
                email: Some(format!("{name}@example.com")),
                privileged: true,
                ..NewUser::default()
            })
        })
        .unwrap();
    (id, db.rt().session(id, rt_core::Interface::Api).unwrap())
}

/// Grants a right as root.
pub fn grant(db: &TestDb, who: Grantee, right: &str, object: rt_core::AclObject) {
    db.root().write(|tx| tx.grant(who, right, object)).unwrap();
}

/// Everything a refused operation must leave unchanged, as text.
pub fn snapshot(rt: &Rt) -> String {
    let mut c = rt.connection().unwrap();
    let c = &mut *c;
    let mut out = String::new();
    macro_rules! dump {
        ($table:expr, $cols:expr, $ty:ty) => {
            let rows: Vec<$ty> = $table.select($cols).load(c).unwrap();
            out.push_str(&format!("{rows:?}\n"));
        };
    }
    dump!(
        s::principals::table.order(s::principals::id),
        (s::principals::id, s::principals::principal_type, s::principals::disabled),
        (i64, String, bool)
    );
    dump!(
        s::users::table.order(s::users::id),
        (
            s::users::id,
            s::users::name,
            s::users::password,
            s::users::email_address,
            s::users::real_name,
            s::users::last_updated
        ),
        (i64, String, Option<String>, Option<String>, String, chrono::NaiveDateTime)
    );
    dump!(
        s::groups::table.order(s::groups::id),
        (s::groups::id, s::groups::name, s::groups::domain, s::groups::instance),
        (i64, String, String, i64)
    );
    dump!(
        s::group_members::table.order(s::group_members::id),
        (s::group_members::group_id, s::group_members::member_id),
        (i64, i64)
    );
    dump!(
        s::cached_group_members::table.order(s::cached_group_members::id),
        (s::cached_group_members::group_id, s::cached_group_members::member_id, s::cached_group_members::paths),
        (i64, i64, i64)
    );
    dump!(
        s::acl::table.order(s::acl::id),
        (s::acl::principal_type, s::acl::principal_id, s::acl::right_name, s::acl::object_type, s::acl::object_id),
        (String, i64, String, String, i64)
    );
    dump!(s::acl_version::table, s::acl_version::version, i64);
    dump!(
        s::queues::table.order(s::queues::id),
        (s::queues::id, s::queues::name, s::queues::description, s::queues::disabled, s::queues::last_updated),
        (i64, String, String, bool, chrono::NaiveDateTime)
    );
    dump!(
        s::tickets::table.order(s::tickets::id),
        (
            (
                s::tickets::id,
                s::tickets::effective_id,
                s::tickets::queue,
                s::tickets::owner,
                s::tickets::subject,
                s::tickets::status
            ),
            (
                s::tickets::priority,
                s::tickets::time_worked,
                s::tickets::told,
                s::tickets::started,
                s::tickets::resolved,
                s::tickets::last_updated
            )
        ),
        (
            (i64, i64, i64, i64, String, String),
            (
                i64,
                i64,
                Option<chrono::NaiveDateTime>,
                Option<chrono::NaiveDateTime>,
                Option<chrono::NaiveDateTime>,
                chrono::NaiveDateTime
            )
        )
    );
    dump!(
        s::transactions::table.order(s::transactions::id),
        (s::transactions::id, s::transactions::type_),
        (i64, String)
    );
    dump!(s::attachments::table.order(s::attachments::id), s::attachments::id, i64);
    dump!(s::events::table.order(s::events::id), s::events::id, i64);
    out
}
