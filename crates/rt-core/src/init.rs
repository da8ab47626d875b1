//! RT's initial data, written the first time a database is opened: the
//! users `RT_System`, `Nobody` and `root`, the system groups `Everyone`,
//! `Privileged` and `Unprivileged`, the system role groups, the `General`
//! queue, and the initial grants (see [`seed`]).

use diesel::prelude::*;

use crate::acl::{QUEUE_ROLE, Role, SYSTEM_ROLE};
use crate::config::Config;
use crate::db::schema::{acl, queues, users};
use crate::db::{DbConnection, dialect};
use crate::error::{Error, Result};
use crate::ids::{GroupId, QueueId, UserId};
use crate::principal::{NewUser, UserProfile, add_member, domain, insert_group, insert_user};
use crate::principal::{acl_equivalence_group, find_group};
use crate::session::{SystemPrincipals, now};

/// The password `root` gets at first start, as in RT. Change it.
pub const ROOT_PASSWORD: &str = "password";

/// Seeds a new database and returns the built-in principals; on a seeded
/// database it only looks them up.
///
/// Grants: `SuperUser` to `RT_System` and `root`; `OwnTicket` globally to
/// `Nobody` (so that untaking works); `ShowApprovalsTab`,
/// `ShowSearchAdvanced` and `ShowSearchBulkUpdate` to `Privileged`; and,
/// when `public_mail` is on, `CreateTicket` and `ReplyToTicket` on
/// `General` to `Everyone` so mail from the public opens tickets.
pub fn seed(conn: &mut DbConnection, config: &Config) -> Result<SystemPrincipals> {
    if let Some(system) = lookup(conn)? {
        return Ok(system);
    }
    dialect::write_transaction(conn, |conn| {
        if let Some(system) = lookup(conn)? {
            return Ok(system);
        }
        let t = now();
        let mut system = SystemPrincipals {
            rt_system: UserId(0),
            nobody: UserId(0),
            everyone: GroupId(0),
            privileged: GroupId(0),
            unprivileged: GroupId(0),
        };
        let profile = |real_name: &str| UserProfile { real_name: Some(real_name.into()), ..UserProfile::default() };
        let rt_system = insert_user(
            conn,
            UserId(1),
            t,
            &NewUser { name: "RT_System".into(), profile: profile("The RT System itself"), ..NewUser::default() },
            system,
        )?;
        let nobody = insert_user(
            conn,
            rt_system,
            t,
            &NewUser { name: "Nobody".into(), profile: profile("Nobody in particular"), ..NewUser::default() },
            system,
        )?;
        let group = |conn: &mut DbConnection, name: &str, desc: &str| {
            insert_group(conn, name, desc, domain::SYSTEM_INTERNAL, 0, rt_system, t)
        };
        system = SystemPrincipals {
            rt_system,
            nobody,
            everyone: group(conn, "Everyone", "Pseudogroup for internal use")?,
            privileged: group(conn, "Privileged", "Pseudogroup for internal use")?,
            unprivileged: group(conn, "Unprivileged", "Pseudogroup for internal use")?,
        };
        for user in [rt_system, nobody] {
            add_member(conn, system.everyone, user.into(), rt_system, t)?;
            add_member(conn, system.privileged, user.into(), rt_system, t)?;
        }
        for role in Role::ALL {
            insert_group(conn, role.as_str(), "", SYSTEM_ROLE, 1, rt_system, t)?;
        }
        let root = insert_user(
            conn,
            rt_system,
            t,
            &NewUser {
                name: "root".into(),
                email: Some("root@localhost".into()),
                password: Some(ROOT_PASSWORD.into()),
                privileged: true,
                profile: UserProfile {
                    gecos: Some("root".into()),
                    comments: Some("SuperUser".into()),
                    ..profile("Enoch Root")
                },
            },
            system,
        )?;
        let general: i64 = diesel::insert_into(queues::table)
            .values((
                queues::name.eq("General"),
                queues::name_folded.eq("general"),
                queues::description.eq("The default queue"),
                queues::lifecycle.eq("default"),
                // As RT 5 ships it: an administrator turns SLAs on per queue.
                queues::sla_disabled.eq(true),
                queues::creator.eq(rt_system.0),
                queues::created.eq(t),
                queues::last_updated_by.eq(rt_system.0),
                queues::last_updated.eq(t),
            ))
            .returning(queues::id)
            .get_result(conn)?;
        for role in Role::ALL {
            insert_group(conn, role.as_str(), "", QUEUE_ROLE, general, rt_system, t)?;
        }
        let (system_equiv, root_equiv, nobody_equiv) = (
            acl_equivalence_group(conn, rt_system)?,
            acl_equivalence_group(conn, root)?,
            acl_equivalence_group(conn, nobody)?,
        );
        let grant = |conn: &mut DbConnection, group: GroupId, right: &str, object: (&str, i64)| {
            diesel::insert_into(acl::table)
                .values((
                    acl::principal_type.eq("Group"),
                    acl::principal_id.eq(group.0),
                    acl::right_name.eq(right),
                    acl::object_type.eq(object.0),
                    acl::object_id.eq(object.1),
                    acl::creator.eq(rt_system.0),
                    acl::created.eq(t),
                ))
                .execute(conn)
        };
        let global = ("RT::System", 1);
        grant(conn, system_equiv, "SuperUser", global)?;
        grant(conn, root_equiv, "SuperUser", global)?;
        grant(conn, nobody_equiv, "OwnTicket", global)?;
        for right in ["ShowApprovalsTab", "ShowSearchAdvanced", "ShowSearchBulkUpdate"] {
            grant(conn, system.privileged, right, global)?;
        }
        if config.public_mail {
            for right in ["CreateTicket", "ReplyToTicket"] {
                grant(conn, system.everyone, right, ("RT::Queue", QueueId(general).0))?;
            }
        }
        tracing::info!("seeded a new database: root, RT_System, Nobody, system groups, queue General");
        Ok(system)
    })
}

fn lookup(conn: &mut DbConnection) -> Result<Option<SystemPrincipals>> {
    let user = |conn: &mut DbConnection, name: &str| -> Result<Option<UserId>> {
        Ok(users::table
            .filter(users::name_folded.eq(name))
            .select(users::id)
            .get_result::<i64>(conn)
            .optional()?
            .map(UserId))
    };
    let (Some(rt_system), Some(nobody)) = (user(conn, "rt_system")?, user(conn, "nobody")?) else {
        return Ok(None);
    };
    let group = |conn: &mut DbConnection, name: &str| {
        find_group(conn, domain::SYSTEM_INTERNAL, 0, name)?
            .ok_or_else(|| Error::Database(format!("system group {name} is missing")))
    };
    Ok(Some(SystemPrincipals {
        rt_system,
        nobody,
        everyone: group(conn, "Everyone")?,
        privileged: group(conn, "Privileged")?,
        unprivileged: group(conn, "Unprivileged")?,
    }))
}
