//! Access control: granting and revoking rights, and answering "may this
//! principal do that here?" as RT does.
//!
//! Evaluation ([`Tx::principal_has_right`]): a disabled principal has no
//! rights; `SuperUser` satisfies every check; a right counts when it is
//! granted on the object itself or on an object it inherits from (a ticket
//! from its queue, everything from the system), either to a group the
//! principal belongs to (directly or through nested groups, via
//! `cached_group_members`) or to a role (Owner, Requestor, Cc, AdminCc) the
//! principal holds on that ticket or its queue.
//!
//! Answers for queues, groups and the system are cached per node; the cache
//! is trusted only while the database's `acl_version` row is unchanged, and
//! every grant, revoke, (non-ticket) membership change and principal
//! enable/disable bumps it in the same DB transaction. A revoke on one node
//! therefore holds on every node at the next check. Ticket role membership
//! changes constantly and is never cached.

use std::collections::HashMap;
use std::sync::Mutex;

use diesel::prelude::*;

use crate::db::schema::{acl, acl_version, cached_group_members as cgm, groups, principals, tickets};
use crate::error::{Error, Result};
use crate::ids::{GroupId, PrincipalId, QueueId, TicketId, UserId};
use crate::rights::{self, RightScope};
use crate::session::Tx;

/// The roles rights can be granted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The ticket's owner.
    Owner,
    /// The ticket's requestors.
    Requestor,
    /// The ticket's Ccs.
    Cc,
    /// The ticket's (or queue's) AdminCcs.
    AdminCc,
}

impl Role {
    /// Every role, in RT's order.
    pub const ALL: [Role; 4] = [Role::Requestor, Role::Cc, Role::AdminCc, Role::Owner];

    /// RT's name for the role (also its role group's name).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Requestor => "Requestor",
            Role::Cc => "Cc",
            Role::AdminCc => "AdminCc",
        }
    }

    /// Parses a role name, ignoring case (`Requestors` is accepted too).
    pub fn from_name(name: &str) -> Option<Role> {
        match name.to_ascii_lowercase().trim_end_matches('s') {
            "owner" => Some(Role::Owner),
            "requestor" => Some(Role::Requestor),
            "cc" => Some(Role::Cc),
            "admincc" => Some(Role::AdminCc),
            _ => None,
        }
    }
}

/// Role group domains, as RT names them.
pub(crate) const SYSTEM_ROLE: &str = "RT::System-Role";
pub(crate) const QUEUE_ROLE: &str = "RT::Queue-Role";
pub(crate) const TICKET_ROLE: &str = "RT::Ticket-Role";

/// An object rights are granted on and checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AclObject {
    /// The whole system (`RT::System`): global grants.
    System,
    /// A queue; grants here apply to all its tickets.
    Queue(QueueId),
    /// A ticket (rights come from its queue, the system, and its roles).
    Ticket {
        /// The ticket.
        ticket: TicketId,
        /// Its queue.
        queue: QueueId,
    },
    /// A group.
    Group(GroupId),
}

impl AclObject {
    /// RT's object type and id for ACL rows.
    fn key(self) -> (&'static str, i64) {
        match self {
            AclObject::System => ("RT::System", 1),
            AclObject::Queue(q) | AclObject::Ticket { queue: q, .. } => ("RT::Queue", q.0),
            AclObject::Group(g) => ("RT::Group", g.0),
        }
    }

    fn scope(self) -> RightScope {
        match self {
            AclObject::System => RightScope::System,
            AclObject::Queue(_) | AclObject::Ticket { .. } => RightScope::Queue,
            AclObject::Group(_) => RightScope::Group,
        }
    }

    /// The object as it appears in messages ("queue 3").
    pub fn describe(self) -> String {
        match self {
            AclObject::System => "the system".into(),
            AclObject::Queue(q) => format!("queue {q}"),
            AclObject::Ticket { ticket, .. } => format!("ticket {ticket}"),
            AclObject::Group(g) => format!("group {g}"),
        }
    }
}

/// Who a right is granted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grantee {
    /// A user (stored against their ACL-equivalence group, as RT does).
    User(UserId),
    /// A group: user-defined or system (`Everyone`, `Privileged`, ...).
    Group(GroupId),
    /// A role, on the object's tickets.
    Role(Role),
}

/// One ACL entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    /// `Group` or a role name.
    pub principal_type: String,
    /// The group (or role group) the right is granted to.
    pub principal_id: PrincipalId,
    /// The right.
    pub right: String,
    /// RT's object type (`RT::Queue`).
    pub object_type: String,
    /// The object's id (1 for the system).
    pub object_id: i64,
}

/// The per-node rights cache, valid for one `acl_version`.
#[derive(Debug, Default)]
pub(crate) struct AclCache {
    state: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    version: i64,
    answers: HashMap<(PrincipalId, String, &'static str, i64), bool>,
}

impl AclCache {
    fn get(&self, version: i64, key: &(PrincipalId, String, &'static str, i64)) -> Option<bool> {
        let state = self.state.lock().ok()?;
        (state.version == version).then(|| state.answers.get(key).copied()).flatten()
    }

    fn put(&self, version: i64, key: (PrincipalId, String, &'static str, i64), answer: bool) {
        if let Ok(mut state) = self.state.lock() {
            if state.version != version {
                if version < state.version {
                    return;
                }
                state.answers.clear();
                state.version = version;
            }
            state.answers.insert(key, answer);
        }
    }

    /// Forgets every answer.
    pub(crate) fn clear(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.answers.clear();
        }
    }
}

impl Tx<'_> {
    /// Whether the current user has `right` on `object`.
    pub fn has_right(&mut self, right: &str, object: AclObject) -> Result<bool> {
        if self.is_system() {
            return Ok(true);
        }
        self.principal_has_right(self.user.id.into(), right, object)
    }

    /// Fails with [`Error::PermissionDenied`] unless the current user has
    /// `right` on `object`.
    pub fn require(&mut self, right: &str, object: AclObject) -> Result<()> {
        if self.has_right(right, object)? { Ok(()) } else { Err(Error::denied(right, object.describe())) }
    }

    /// Whether `principal` has `right` on `object`, as RT evaluates it.
    pub fn principal_has_right(&mut self, principal: PrincipalId, right: &str, object: AclObject) -> Result<bool> {
        let (object_type, object_id) = object.key();
        let key = (principal, right.to_ascii_lowercase(), object_type, object_id);
        let version = self.acl_version()?;
        let cached = if self.acl_dirty { None } else { self.rt.acl_cache.get(version, &key) };
        let inherited = match cached {
            Some(answer) => answer,
            None => {
                let answer = self.uncached_right(principal, right, object)?;
                if !self.acl_dirty {
                    self.rt.acl_cache.put(version, key, answer);
                }
                answer
            }
        };
        if inherited {
            return Ok(true);
        }
        match object {
            AclObject::Ticket { ticket, .. } => self.ticket_role_right(principal, right, object, ticket),
            _ => Ok(false),
        }
    }

    /// Grants `right` on `object` to `grantee`. Needs `ModifyACL` there.
    /// Granting a right that is already granted changes nothing.
    pub fn grant(&mut self, grantee: Grantee, right: &str, object: AclObject) -> Result<()> {
        let (principal_type, principal_id, right, object_type, object_id) = self.ace_for(grantee, right, object)?;
        let exists = acl::table
            .filter(acl::right_name.eq(&right))
            .filter(acl::object_type.eq(object_type))
            .filter(acl::object_id.eq(object_id))
            .filter(acl::principal_type.eq(&principal_type))
            .filter(acl::principal_id.eq(principal_id.0))
            .select(acl::id)
            .first::<i64>(self.conn)
            .optional()?;
        if exists.is_none() {
            diesel::insert_into(acl::table)
                .values((
                    acl::principal_type.eq(&principal_type),
                    acl::principal_id.eq(principal_id.0),
                    acl::right_name.eq(&right),
                    acl::object_type.eq(object_type),
                    acl::object_id.eq(object_id),
                    acl::creator.eq(self.user.id.0),
                    acl::created.eq(self.now),
                ))
                .execute(self.conn)?;
            self.bump_acl_version()?;
        }
        Ok(())
    }

    /// Revokes `right` on `object` from `grantee`. Needs `ModifyACL` there.
    /// Returns whether a grant was removed.
    pub fn revoke(&mut self, grantee: Grantee, right: &str, object: AclObject) -> Result<bool> {
        let (principal_type, principal_id, right, object_type, object_id) = self.ace_for(grantee, right, object)?;
        let removed = diesel::delete(
            acl::table
                .filter(acl::right_name.eq(&right))
                .filter(acl::object_type.eq(object_type))
                .filter(acl::object_id.eq(object_id))
                .filter(acl::principal_type.eq(&principal_type))
                .filter(acl::principal_id.eq(principal_id.0)),
        )
        .execute(self.conn)?;
        if removed > 0 {
            self.bump_acl_version()?;
        }
        Ok(removed > 0)
    }

    /// The ACL entries on `object` (not inherited ones). Needs `ShowACL`.
    pub fn acl_entries(&mut self, object: AclObject) -> Result<Vec<Ace>> {
        self.require(rights::SHOW_ACL, object)?;
        let (object_type, object_id) = object.key();
        let rows: Vec<(String, i64, String, String, i64)> = acl::table
            .filter(acl::object_type.eq(object_type))
            .filter(acl::object_id.eq(object_id))
            .order(acl::id)
            .select((acl::principal_type, acl::principal_id, acl::right_name, acl::object_type, acl::object_id))
            .load(self.conn)?;
        Ok(rows
            .into_iter()
            .map(|(principal_type, p, right, object_type, object_id)| Ace {
                principal_type,
                principal_id: PrincipalId(p),
                right,
                object_type,
                object_id,
            })
            .collect())
    }

    /// Forgets the node's cached rights answers and this transaction's
    /// ACL version, so the next check reads everything from the database
    /// (benchmarks measure cold checks this way).
    pub fn clear_rights_cache(&mut self) {
        self.rt.acl_cache.clear();
        self.acl_version = None;
    }

    /// Records that rights or memberships changed, so every node's cache
    /// stops trusting what it holds.
    pub(crate) fn bump_acl_version(&mut self) -> Result<()> {
        diesel::update(acl_version::table.find(1))
            .set(acl_version::version.eq(acl_version::version + 1))
            .execute(self.conn)?;
        self.acl_dirty = true;
        Ok(())
    }

    fn acl_version(&mut self) -> Result<i64> {
        if let Some(v) = self.acl_version {
            return Ok(v);
        }
        let v: i64 = acl_version::table.find(1).select(acl_version::version).first(self.conn)?;
        self.acl_version = Some(v);
        Ok(v)
    }

    #[allow(clippy::type_complexity)]
    fn ace_for(
        &mut self,
        grantee: Grantee,
        right: &str,
        object: AclObject,
    ) -> Result<(String, PrincipalId, String, &'static str, i64)> {
        if matches!(object, AclObject::Ticket { .. }) {
            return Err(Error::invalid("object", "rights are granted on queues, groups or the system, not tickets"));
        }
        self.require(rights::MODIFY_ACL, object)?;
        let canonical = self
            .rt
            .rights
            .canonical(right, object.scope())
            .ok_or_else(|| Error::invalid("right", format!("{right} cannot be granted on {}", object.describe())))?
            .to_string();
        let (object_type, object_id) = object.key();
        let (principal_type, principal) = match grantee {
            Grantee::User(user) => {
                let equiv = crate::principal::acl_equivalence_group(self.conn, user)?;
                ("Group".to_string(), PrincipalId::from(equiv))
            }
            Grantee::Group(group) => {
                let domain: Option<String> =
                    groups::table.find(group.0).select(groups::domain).first(self.conn).optional()?;
                match domain.as_deref() {
                    Some("UserDefined" | "SystemInternal" | "ACLEquivalence") => {}
                    Some(_) => return Err(Error::invalid("grantee", "grant rights to roles with Grantee::Role")),
                    None => return Err(Error::not_found("group", group)),
                }
                ("Group".to_string(), PrincipalId::from(group))
            }
            Grantee::Role(role) => {
                let (domain, instance) = match object {
                    AclObject::Queue(q) => (QUEUE_ROLE, q.0),
                    AclObject::System => (SYSTEM_ROLE, 1),
                    _ => return Err(Error::invalid("grantee", "roles are granted rights on queues or globally")),
                };
                let group = crate::session::find_group(self.conn, domain, instance, role.as_str())?
                    .ok_or_else(|| Error::not_found("role group", format!("{domain} {instance} {}", role.as_str())))?;
                (role.as_str().to_string(), PrincipalId::from(group))
            }
        };
        Ok((principal_type, principal, canonical, object_type, object_id))
    }

    /// Group path and queue/system role path, without the ticket's own roles.
    fn uncached_right(&mut self, principal: PrincipalId, right: &str, object: AclObject) -> Result<bool> {
        let disabled: Option<bool> =
            principals::table.find(principal.0).select(principals::disabled).first(self.conn).optional()?;
        if disabled != Some(false) {
            return Ok(false);
        }
        let (object_type, object_id) = object.key();
        let wanted = [right, rights::SUPER_USER];
        let on_object = acl::object_type
            .eq(object_type)
            .and(acl::object_id.eq(object_id))
            .or(acl::object_type.eq("RT::System").and(acl::object_id.eq(1)));
        let via_group = acl::table
            .inner_join(cgm::table.on(cgm::group_id.eq(acl::principal_id)))
            .filter(cgm::member_id.eq(principal.0))
            .filter(acl::principal_type.eq("Group"))
            .filter(acl::right_name.eq_any(wanted))
            .filter(on_object)
            .select(acl::id)
            .first::<i64>(self.conn)
            .optional()?;
        if via_group.is_some() {
            return Ok(true);
        }
        let (AclObject::Queue(queue) | AclObject::Ticket { queue, .. }) = object else {
            return Ok(false);
        };
        let via_queue_role = acl::table
            .inner_join(groups::table.on(groups::name.eq(acl::principal_type)))
            .inner_join(cgm::table.on(cgm::group_id.eq(groups::id)))
            .filter(acl::principal_type.ne("Group"))
            .filter(acl::right_name.eq_any(wanted))
            .filter(on_object)
            .filter(groups::domain.eq(QUEUE_ROLE))
            .filter(groups::instance.eq(queue.0))
            .filter(cgm::member_id.eq(principal.0))
            .select(acl::id)
            .first::<i64>(self.conn)
            .optional()?;
        Ok(via_queue_role.is_some())
    }

    /// Role path through the ticket's own role groups (and, for merged
    /// tickets, those of the ticket it was merged into).
    fn ticket_role_right(
        &mut self,
        principal: PrincipalId,
        right: &str,
        object: AclObject,
        ticket: TicketId,
    ) -> Result<bool> {
        let disabled: Option<bool> =
            principals::table.find(principal.0).select(principals::disabled).first(self.conn).optional()?;
        if disabled != Some(false) {
            return Ok(false);
        }
        let (object_type, object_id) = object.key();
        let effective: i64 = tickets::table
            .find(ticket.0)
            .select(tickets::effective_id)
            .first(self.conn)
            .optional()?
            .unwrap_or(ticket.0);
        let found = acl::table
            .inner_join(groups::table.on(groups::name.eq(acl::principal_type)))
            .inner_join(cgm::table.on(cgm::group_id.eq(groups::id)))
            .filter(acl::principal_type.ne("Group"))
            .filter(acl::right_name.eq_any([right, rights::SUPER_USER]))
            .filter(
                acl::object_type
                    .eq(object_type)
                    .and(acl::object_id.eq(object_id))
                    .or(acl::object_type.eq("RT::System").and(acl::object_id.eq(1))),
            )
            .filter(groups::domain.eq(TICKET_ROLE))
            .filter(groups::instance.eq(effective))
            .filter(cgm::member_id.eq(principal.0))
            .select(acl::id)
            .first::<i64>(self.conn)
            .optional()?;
        Ok(found.is_some())
    }
}
