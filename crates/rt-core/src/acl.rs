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
use std::sync::{Arc, Mutex};

use diesel::dsl::exists;
use diesel::prelude::*;

use crate::db::dialect;
use crate::db::schema::{acl, acl_version, cached_group_members as cgm, groups, principals};
use crate::error::{Error, Result};
use crate::ids::{CustomFieldId, GroupId, PrincipalId, QueueId, TicketId, UserId};
use crate::rights::{self, RightScope};
use crate::session::Tx;

/// The roles rights can be granted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// A custom field (rights on its values, wherever they are held).
    CustomField(CustomFieldId),
}

impl AclObject {
    /// RT's object type and id for ACL rows.
    fn key(self) -> (&'static str, i64) {
        match self {
            AclObject::System => ("RT::System", 1),
            AclObject::Queue(q) | AclObject::Ticket { queue: q, .. } => ("RT::Queue", q.0),
            AclObject::Group(g) => ("RT::Group", g.0),
            AclObject::CustomField(cf) => ("RT::CustomField", cf.0),
        }
    }

    fn scope(self) -> RightScope {
        match self {
            AclObject::System => RightScope::System,
            AclObject::Queue(_) | AclObject::Ticket { .. } => RightScope::Queue,
            AclObject::Group(_) => RightScope::Group,
            AclObject::CustomField(_) => RightScope::CustomField,
        }
    }

    /// The object as it appears in messages ("queue 3").
    pub fn describe(self) -> String {
        match self {
            AclObject::System => "the system".into(),
            AclObject::Queue(q) => format!("queue {q}"),
            AclObject::Ticket { ticket, .. } => format!("ticket {ticket}"),
            AclObject::Group(g) => format!("group {g}"),
            AclObject::CustomField(cf) => format!("custom field {cf}"),
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
    /// Whether a principal has a right on an object through its groups or
    /// its queue roles (not its ticket roles, which are never cached).
    answers: HashMap<(PrincipalId, String, &'static str, i64), bool>,
    /// The roles (folded names) granted a right on an object or globally.
    role_grants: HashMap<(String, &'static str, i64), Arc<[String]>>,
}

impl CacheState {
    /// The state for `version`, or `None` if it is older than what is held.
    fn at(&mut self, version: i64) -> Option<&mut CacheState> {
        if self.version != version {
            if version < self.version {
                return None;
            }
            self.answers.clear();
            self.role_grants.clear();
            self.version = version;
        }
        Some(self)
    }
}

impl AclCache {
    fn get(&self, version: i64, key: &(PrincipalId, String, &'static str, i64)) -> Option<bool> {
        let state = self.state.lock().ok()?;
        (state.version == version).then(|| state.answers.get(key).copied()).flatten()
    }

    fn put(&self, version: i64, key: (PrincipalId, String, &'static str, i64), answer: bool) {
        if let Some(state) = self.state.lock().ok().as_deref_mut().and_then(|s| s.at(version)) {
            state.answers.insert(key, answer);
        }
    }

    fn role_grants(&self, version: i64, key: &(String, &'static str, i64)) -> Option<Arc<[String]>> {
        let state = self.state.lock().ok()?;
        (state.version == version).then(|| state.role_grants.get(key).cloned()).flatten()
    }

    fn put_role_grants(&self, version: i64, key: (String, &'static str, i64), roles: Arc<[String]>) {
        if let Some(state) = self.state.lock().ok().as_deref_mut().and_then(|s| s.at(version)) {
            state.role_grants.insert(key, roles);
        }
    }

    /// Forgets every answer.
    pub(crate) fn clear(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.answers.clear();
            state.role_grants.clear();
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
            .get_result::<i64>(self.conn)
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

    pub(crate) fn acl_version(&mut self) -> Result<i64> {
        if let Some(v) = self.acl_version {
            return Ok(v);
        }
        let query = acl_version::table.find(1).select(acl_version::version);
        let v: i64 = dialect::with_inner!(&mut *self.conn, c => query.get_result(c))?;
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
                    groups::table.find(group.0).select(groups::domain).get_result(self.conn).optional()?;
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
                let group = crate::principal::find_group(self.conn, domain, instance, role.as_str())?
                    .ok_or_else(|| Error::not_found("role group", format!("{domain} {instance} {}", role.as_str())))?;
                (role.as_str().to_string(), PrincipalId::from(group))
            }
        };
        Ok((principal_type, principal, canonical, object_type, object_id))
    }

    /// Group path and queue role path, without the ticket's own roles, in
    /// one statement: the principal is enabled, and the right (or
    /// SuperUser) is granted to one of its groups on the object or
    /// globally, or to a role it holds on the object's queue.
    fn uncached_right(&mut self, principal: PrincipalId, right: &str, object: AclObject) -> Result<bool> {
        // Two EXISTS for the object and the system rather than one with an
        // OR between them: each then uses the whole ACL index.
        let (object_type, object_id) = object.key();
        let granted_to_groups = || {
            acl::table
                .inner_join(cgm::table.on(cgm::group_id.eq(acl::principal_id)))
                .filter(cgm::member_id.eq(principal.0))
                .filter(acl::principal_type.eq("Group"))
                .select(acl::id)
        };
        let on_this = granted_to_groups()
            .filter(acl::right_name.eq(right))
            .filter(acl::object_type.eq(object_type))
            .filter(acl::object_id.eq(object_id));
        let globally = granted_to_groups()
            .filter(acl::right_name.eq(right).or(acl::right_name.eq(rights::SUPER_USER)))
            .filter(acl::object_type.eq("RT::System"))
            .filter(acl::object_id.eq(1));
        // Objects outside queues have no queue roles: no group has instance 0.
        let queue = match object {
            AclObject::Queue(q) | AclObject::Ticket { queue: q, .. } => q.0,
            _ => 0,
        };
        let enabled = principals::table
            .filter(principals::id.eq(principal.0))
            .filter(principals::disabled.eq(false))
            .select(principals::id);
        // A role the principal holds on the queue (a ticket's own roles are
        // read from the closure's role columns, see `ticket_role_right`).
        let via_queue_role = acl::table
            .inner_join(groups::table.on(groups::name.eq(acl::principal_type)))
            .inner_join(cgm::table.on(cgm::group_id.eq(groups::id)))
            .filter(acl::principal_type.ne("Group"))
            .filter(acl::right_name.eq(right).or(acl::right_name.eq(rights::SUPER_USER)))
            .filter(on_object(object_type, object_id))
            .filter(groups::domain.eq(QUEUE_ROLE))
            .filter(groups::instance.eq(queue))
            .filter(cgm::member_id.eq(principal.0))
            .select(acl::id);
        let query =
            diesel::select(exists(enabled).and(exists(on_this).or(exists(globally)).or(exists(via_queue_role))));
        // On the inner connection: MultiConnection's generic path costs
        // more than the query itself here, and this is the hottest read.
        Ok(dialect::with_inner!(&mut *self.conn, c => query.get_result(c)?))
    }

    /// Role path through the ticket's own role groups. Callers pass the
    /// ticket a merged id resolves to.
    fn ticket_role_right(
        &mut self,
        principal: PrincipalId,
        right: &str,
        object: AclObject,
        ticket: TicketId,
    ) -> Result<bool> {
        // The roles granted the right here, then whether the principal
        // holds one of them on the ticket: its closure rows name the ticket
        // and role, one index seek. (Joining `groups` instead let SQLite,
        // whose statistics say a principal has two memberships on average,
        // start from all of a busy owner's thousands.)
        let roles = self.role_grants(right, object)?;
        if roles.is_empty() {
            return Ok(false);
        }
        let enabled = principals::table
            .filter(principals::id.eq(principal.0))
            .filter(principals::disabled.eq(false))
            .select(principals::id);
        let holds = cgm::table
            .filter(cgm::member_id.eq(principal.0))
            .filter(cgm::ticket_role.eq_any(roles.iter()))
            .filter(cgm::ticket_id.eq(ticket.0))
            .select(cgm::id);
        let query = diesel::select(exists(enabled).and(exists(holds)));
        Ok(dialect::with_inner!(&mut *self.conn, c => query.get_result(c))?)
    }

    /// The roles (folded names) granted `right` or SuperUser on `object` or
    /// globally; the node caches them by ACL version.
    fn role_grants(&mut self, right: &str, object: AclObject) -> Result<Arc<[String]>> {
        let (object_type, object_id) = object.key();
        let key = (right.to_ascii_lowercase(), object_type, object_id);
        let version = self.acl_version()?;
        if !self.acl_dirty
            && let Some(roles) = self.rt.acl_cache.role_grants(version, &key)
        {
            return Ok(roles);
        }
        let names: Vec<String> = acl::table
            .filter(acl::principal_type.ne("Group"))
            .filter(acl::right_name.eq(right).or(acl::right_name.eq(rights::SUPER_USER)))
            .filter(on_object(object_type, object_id))
            .select(acl::principal_type)
            .distinct()
            .load(self.conn)?;
        let roles: Arc<[String]> = names.iter().map(|r| r.to_lowercase()).collect();
        if !self.acl_dirty {
            self.rt.acl_cache.put_role_grants(version, key, Arc::clone(&roles));
        }
        Ok(roles)
    }
}

type OnObject = diesel::dsl::Or<
    diesel::dsl::And<diesel::dsl::Eq<acl::object_type, &'static str>, diesel::dsl::Eq<acl::object_id, i64>>,
    diesel::dsl::And<diesel::dsl::Eq<acl::object_type, &'static str>, diesel::dsl::Eq<acl::object_id, i64>>,
>;

/// ACL rows on the object itself or on the system (which every object
/// inherits from).
fn on_object(object_type: &'static str, object_id: i64) -> OnObject {
    acl::object_type
        .eq(object_type)
        .and(acl::object_id.eq(object_id))
        .or(acl::object_type.eq("RT::System").and(acl::object_id.eq(1)))
}
