//! Queues: where tickets live, with their own addresses, subject tag,
//! lifecycle, defaults and rights.

use diesel::prelude::*;

use crate::acl::{AclObject, QUEUE_ROLE, Role};
use crate::db::schema::queues;
use crate::db::{DbConnection, allow_empty_changeset, dialect};
use crate::error::{Error, Result};
use crate::ids::{PrincipalId, QueueId};
use crate::lifecycles::Lifecycle;
use crate::principal::{insert_group, normalize_email};
use crate::rights;
use crate::session::Tx;

/// A queue as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = queues)]
pub struct Queue {
    /// Its id.
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Description.
    pub description: String,
    /// Reply address (From/Reply-To of correspondence).
    pub correspond_address: String,
    /// Comment address.
    pub comment_address: String,
    /// Lifecycle name.
    pub lifecycle: String,
    /// Subject tag used instead of the site's rtname, if not empty.
    pub subject_tag: String,
    /// Display order.
    pub sort_order: i64,
    /// Priority of new tickets.
    pub initial_priority: i64,
    /// Final priority of new tickets.
    pub final_priority: i64,
    /// New tickets are due this many days after creation.
    pub default_due_in: Option<i64>,
    /// Default SLA level of new tickets.
    pub sla: Option<String>,
    /// Whether SLAs are off for this queue.
    pub sla_disabled: bool,
    /// Disabled queues take no new tickets and are hidden.
    pub disabled: bool,
}

impl Queue {
    /// The typed id.
    pub fn queue_id(&self) -> QueueId {
        QueueId(self.id)
    }
}

/// Settings of a new queue.
#[derive(Debug, Clone, Default)]
pub struct NewQueue {
    /// Unique name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Reply address.
    pub correspond_address: String,
    /// Comment address.
    pub comment_address: String,
    /// Lifecycle name (`default` when empty).
    pub lifecycle: String,
    /// Subject tag.
    pub subject_tag: String,
    /// Priority of new tickets.
    pub initial_priority: i64,
    /// Final priority of new tickets.
    pub final_priority: i64,
    /// Days until new tickets are due.
    pub default_due_in: Option<i64>,
    /// Default SLA level.
    pub sla: Option<String>,
    /// Whether SLAs are off.
    pub sla_disabled: bool,
}

/// Changes to a queue; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = queues)]
pub struct QueueUpdate {
    /// Description.
    pub description: Option<String>,
    /// Reply address.
    pub correspond_address: Option<String>,
    /// Comment address.
    pub comment_address: Option<String>,
    /// Lifecycle name.
    pub lifecycle: Option<String>,
    /// Subject tag.
    pub subject_tag: Option<String>,
    /// Display order.
    pub sort_order: Option<i64>,
    /// Priority of new tickets.
    pub initial_priority: Option<i64>,
    /// Final priority of new tickets.
    pub final_priority: Option<i64>,
    /// Days until new tickets are due.
    pub default_due_in: Option<Option<i64>>,
    /// Default SLA level.
    pub sla: Option<Option<String>>,
    /// Whether SLAs are off.
    pub sla_disabled: Option<bool>,
}

impl Tx<'_> {
    /// Creates a queue with its role groups. Needs `AdminQueue` globally.
    pub fn create_queue(&mut self, new: NewQueue) -> Result<QueueId> {
        self.require(rights::ADMIN_QUEUE, AclObject::System)?;
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            return Err(Error::invalid("name", "must be 1-200 characters without control characters"));
        }
        if self.queue_row_by_name(name)?.is_some() {
            return Err(Error::Conflict(format!("a queue named {name} already exists")));
        }
        let lifecycle = if new.lifecycle.is_empty() { "default" } else { new.lifecycle.as_str() };
        self.check_queue_settings(
            Some(lifecycle),
            Some(&new.correspond_address),
            Some(&new.comment_address),
            new.default_due_in,
        )?;
        let id: i64 = diesel::insert_into(queues::table)
            .values((
                queues::name.eq(name),
                queues::name_folded.eq(name.to_lowercase()),
                queues::description.eq(&new.description),
                queues::correspond_address.eq(new.correspond_address.trim()),
                queues::comment_address.eq(new.comment_address.trim()),
                queues::lifecycle.eq(lifecycle),
                queues::subject_tag.eq(new.subject_tag.trim()),
                queues::initial_priority.eq(new.initial_priority),
                queues::final_priority.eq(new.final_priority),
                queues::default_due_in.eq(new.default_due_in),
                queues::sla.eq(&new.sla),
                queues::sla_disabled.eq(new.sla_disabled),
                queues::creator.eq(self.user.id.0),
                queues::created.eq(self.now),
                queues::last_updated_by.eq(self.user.id.0),
                queues::last_updated.eq(self.now),
            ))
            .returning(queues::id)
            .get_result(self.conn)?;
        for role in Role::ALL {
            insert_group(self.conn, role.as_str(), "", QUEUE_ROLE, id, self.user.id, self.now)?;
        }
        self.forget_queues();
        Ok(QueueId(id))
    }

    /// A queue by id. Needs `SeeQueue` on it.
    pub fn queue(&mut self, id: QueueId) -> Result<Queue> {
        let queue = self.cached_queue(id)?;
        self.require(rights::SEE_QUEUE, AclObject::Queue(id))?;
        Ok(queue)
    }

    /// A queue without a rights check, remembered until a queue changes.
    fn cached_queue(&mut self, id: QueueId) -> Result<Queue> {
        if let Some(queue) = self.cache.queues.get(&id.0) {
            return Ok(queue.clone());
        }
        let queue = load_queue(self.conn, id)?;
        self.cache.queues.insert(id.0, queue.clone());
        Ok(queue)
    }

    /// A queue by name (case-insensitive). Needs `SeeQueue` on it.
    pub fn queue_by_name(&mut self, name: &str) -> Result<Queue> {
        let queue = self.queue_row_by_name(name)?.ok_or_else(|| Error::not_found("queue", name))?;
        self.require(rights::SEE_QUEUE, AclObject::Queue(queue.queue_id()))?;
        Ok(queue)
    }

    /// Resolves a queue given by number or name, without a rights check
    /// (for operations that check their own right on it).
    pub fn resolve_queue(&mut self, name_or_id: &str) -> Result<QueueId> {
        let by_name = self.queue_row_by_name(name_or_id)?;
        match (by_name, name_or_id.parse::<i64>()) {
            (Some(q), _) => Ok(q.queue_id()),
            (None, Ok(id)) => load_queue(self.conn, QueueId(id)).map(|q| q.queue_id()),
            (None, Err(_)) => Err(Error::not_found("queue", name_or_id)),
        }
    }

    /// The subject tags queues use instead of the rtname. No rights are
    /// needed: the tags appear in every mail the queues send.
    pub fn subject_tags(&mut self) -> Result<Vec<String>> {
        Ok(queues::table.filter(queues::subject_tag.ne("")).select(queues::subject_tag).load(self.conn)?)
    }

    /// Every address queues receive mail at (correspond and comment), so
    /// that mail is never sent to RT itself. No rights are needed: the
    /// addresses appear in every mail the queues send.
    pub fn queue_addresses(&mut self) -> Result<Vec<String>> {
        if let Some(found) = &self.cache.queue_addresses {
            return Ok(found.clone());
        }
        let pairs: Vec<(String, String)> =
            queues::table.select((queues::correspond_address, queues::comment_address)).load(self.conn)?;
        let found: Vec<String> = pairs.into_iter().flat_map(|(a, b)| [a, b]).filter(|a| !a.is_empty()).collect();
        self.cache.queue_addresses = Some(found.clone());
        Ok(found)
    }

    /// Every enabled queue the current user may see, by sort order and name.
    pub fn queues(&mut self) -> Result<Vec<Queue>> {
        let all: Vec<Queue> = queues::table
            .filter(queues::disabled.eq(false))
            .order((queues::sort_order, queues::name))
            .select(Queue::as_select())
            .load(self.conn)?;
        let mut visible = Vec::with_capacity(all.len());
        for q in all {
            if self.has_right(rights::SEE_QUEUE, AclObject::Queue(q.queue_id()))? {
                visible.push(q);
            }
        }
        Ok(visible)
    }

    /// Every enabled queue where the current user may create tickets
    /// (`CreateTicket`), by sort order and name: what a new-ticket form
    /// offers, also to requestors who may not otherwise see queues.
    pub fn queues_for_create(&mut self) -> Result<Vec<Queue>> {
        let all: Vec<Queue> = queues::table
            .filter(queues::disabled.eq(false))
            .order((queues::sort_order, queues::name))
            .select(Queue::as_select())
            .load(self.conn)?;
        let mut allowed = Vec::with_capacity(all.len());
        for q in all {
            if self.has_right(rights::CREATE_TICKET, AclObject::Queue(q.queue_id()))? {
                allowed.push(q);
            }
        }
        Ok(allowed)
    }

    /// Changes a queue's settings. Needs `AdminQueue` on it.
    pub fn update_queue(&mut self, id: QueueId, update: &QueueUpdate) -> Result<()> {
        load_queue(self.conn, id)?;
        self.require(rights::ADMIN_QUEUE, AclObject::Queue(id))?;
        self.check_queue_settings(
            update.lifecycle.as_deref(),
            update.correspond_address.as_deref(),
            update.comment_address.as_deref(),
            update.default_due_in.flatten(),
        )?;
        allow_empty_changeset(diesel::update(queues::table.find(id.0)).set(update).execute(self.conn))?;
        self.touch_queue(id)
    }

    /// Renames a queue. Needs `AdminQueue` on it.
    pub fn rename_queue(&mut self, id: QueueId, name: &str) -> Result<()> {
        load_queue(self.conn, id)?;
        self.require(rights::ADMIN_QUEUE, AclObject::Queue(id))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "must not be empty"));
        }
        if self.queue_row_by_name(name)?.is_some_and(|q| q.id != id.0) {
            return Err(Error::Conflict(format!("a queue named {name} already exists")));
        }
        diesel::update(queues::table.find(id.0))
            .set((queues::name.eq(name), queues::name_folded.eq(name.to_lowercase())))
            .execute(self.conn)?;
        self.touch_queue(id)
    }

    /// Enables or disables a queue. Needs `AdminQueue` on it.
    pub fn set_queue_disabled(&mut self, id: QueueId, disabled: bool) -> Result<()> {
        load_queue(self.conn, id)?;
        self.require(rights::ADMIN_QUEUE, AclObject::Queue(id))?;
        diesel::update(queues::table.find(id.0)).set(queues::disabled.eq(disabled)).execute(self.conn)?;
        self.touch_queue(id)
    }

    /// Adds a queue-level watcher: a Cc or AdminCc of every ticket in the
    /// queue (and holder of the rights granted to that role on the queue).
    /// Needs `ModifyQueueWatchers`, or for oneself `Watch` (Cc) or
    /// `WatchAsAdminCc` (AdminCc). Recorded as an `AddWatcher` transaction
    /// of the queue.
    pub fn add_queue_watcher(&mut self, id: QueueId, role: Role, member: PrincipalId) -> Result<()> {
        let group = self.queue_watcher_change(id, role, member)?;
        if crate::principal::is_direct_member(self.conn, group, member)? {
            return Err(Error::Conflict(format!("principal {member} is already a {} of queue {id}", role.as_str())));
        }
        crate::principal::add_member(self.conn, group, member, self.user.id, self.now)?;
        self.bump_acl_version()?;
        self.record_queue_watcher(id, "AddWatcher", role, None, Some(member.to_string()))
    }

    /// A queue's watchers in `role` (Cc or AdminCc). Needs `SeeQueue`.
    pub fn queue_watchers(&mut self, id: QueueId, role: Role) -> Result<Vec<PrincipalId>> {
        self.require(rights::SEE_QUEUE, AclObject::Queue(id))?;
        match self.role_group(QUEUE_ROLE, id.0, role)? {
            Some(group) => self.group_members(group),
            None => Ok(Vec::new()),
        }
    }

    /// Removes a queue-level watcher, with the rights of
    /// [`Tx::add_queue_watcher`]; recorded as `DelWatcher`.
    pub fn delete_queue_watcher(&mut self, id: QueueId, role: Role, member: PrincipalId) -> Result<()> {
        let group = self.queue_watcher_change(id, role, member)?;
        if !crate::principal::remove_member(self.conn, group, member)? {
            return Err(Error::invalid(
                "watcher",
                format!("principal {member} is not a {} of queue {id}", role.as_str()),
            ));
        }
        self.bump_acl_version()?;
        self.record_queue_watcher(id, "DelWatcher", role, Some(member.to_string()), None)
    }

    /// The queue's role group for `role`, once the change is allowed.
    fn queue_watcher_change(&mut self, id: QueueId, role: Role, member: PrincipalId) -> Result<crate::ids::GroupId> {
        load_queue(self.conn, id)?;
        if !matches!(role, Role::Cc | Role::AdminCc) {
            return Err(Error::invalid("role", "queues have Cc and AdminCc watchers only"));
        }
        let object = AclObject::Queue(id);
        if !self.has_right(rights::MODIFY_QUEUE_WATCHERS, object)? {
            let own = if role == Role::AdminCc { rights::WATCH_AS_ADMIN_CC } else { rights::WATCH };
            if member != self.user.id.into() || !self.has_right(own, object)? {
                return Err(Error::denied(rights::MODIFY_QUEUE_WATCHERS, object.describe()));
            }
        }
        self.role_group(QUEUE_ROLE, id.0, role)?
            .ok_or_else(|| Error::not_found("role group", format!("{} of queue {id}", role.as_str())))
    }

    fn record_queue_watcher(
        &mut self,
        id: QueueId,
        kind: &'static str,
        role: Role,
        old: Option<String>,
        new: Option<String>,
    ) -> Result<()> {
        let txn = crate::transaction::NewTransaction {
            object_type: "RT::Queue",
            object_id: id.0,
            kind,
            field: Some(role.as_str()),
            old_value: old,
            new_value: new,
            ..Default::default()
        };
        self.record(txn, None).map(drop)
    }

    /// The lifecycle of a queue.
    pub fn queue_lifecycle(&mut self, id: QueueId) -> Result<&Lifecycle> {
        let name = self.cached_queue(id)?.lifecycle;
        self.lifecycle_named(&name)
    }

    /// A lifecycle by the name a queue stores.
    pub(crate) fn lifecycle_named(&self, name: &str) -> Result<&Lifecycle> {
        self.rt.lifecycles.get(name).ok_or_else(|| Error::invalid("lifecycle", format!("unknown lifecycle {name}")))
    }

    pub(crate) fn queue_row_by_name(&mut self, name: &str) -> Result<Option<Queue>> {
        Ok(queues::table
            .filter(queues::name_folded.eq(name.trim().to_lowercase()))
            .select(Queue::as_select())
            .get_result(self.conn)
            .optional()?)
    }

    fn check_queue_settings(
        &self,
        lifecycle: Option<&str>,
        correspond: Option<&str>,
        comment: Option<&str>,
        due_in: Option<i64>,
    ) -> Result<()> {
        if let Some(lc) = lifecycle {
            match self.rt.lifecycles.get(lc) {
                Some(l) if l.kind == "ticket" => {}
                Some(_) => return Err(Error::invalid("lifecycle", format!("{lc} is not a ticket lifecycle"))),
                None => return Err(Error::invalid("lifecycle", format!("unknown lifecycle {lc}"))),
            }
        }
        for (field, addr) in [("correspond_address", correspond), ("comment_address", comment)] {
            if let Some(a) = addr.filter(|a| !a.trim().is_empty()) {
                normalize_email(a).map_err(|e| Error::invalid(field, e.to_string()))?;
            }
        }
        if due_in.is_some_and(|d| d < 0) {
            return Err(Error::invalid("default_due_in", "must not be negative"));
        }
        Ok(())
    }

    /// Stamps a queue changed; every change of a queue ends here, so this
    /// is also where the transaction forgets the queues it read.
    fn touch_queue(&mut self, id: QueueId) -> Result<()> {
        diesel::update(queues::table.find(id.0))
            .set((queues::last_updated.eq(self.now), queues::last_updated_by.eq(self.user.id.0)))
            .execute(self.conn)?;
        self.forget_queues();
        Ok(())
    }

    fn forget_queues(&mut self) {
        self.cache.queues.clear();
        self.cache.queue_addresses = None;
    }
}

/// Loads a queue without a rights check.
pub(crate) fn load_queue(conn: &mut DbConnection, id: QueueId) -> Result<Queue> {
    dialect::with_inner!(conn, c => queues::table.find(id.0).select(Queue::as_select()).get_result(c).optional())?
        .ok_or_else(|| Error::not_found("queue", id))
}
