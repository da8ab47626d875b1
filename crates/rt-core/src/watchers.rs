//! Ticket watchers: the Requestor, Cc and AdminCc roles of a ticket, whose
//! members are users (by id or by email address, autocreated) or groups.
//! The Owner role changes through [`Tx::set_owner`]; queue-level watchers
//! through [`Tx::add_queue_watcher`].
//!
//! Rights, as RT: anyone with `ModifyTicket` may change any watcher; a user
//! may add or remove themselves as Requestor or Cc with `Watch`, and as
//! AdminCc with `WatchAsAdminCc`. Each change is an `AddWatcher` or
//! `DelWatcher` transaction whose field is the role and whose value is the
//! principal id.

use std::collections::HashMap;

use crate::acl::Role;
use crate::error::{Error, Result};
use crate::ids::{PrincipalId, TicketId};
use crate::principal::{add_member, is_direct_member, remove_member};
use crate::rights;
use crate::session::Tx;
use crate::ticket::{TICKET, Ticket};
use crate::transaction::NewTransaction;

impl Tx<'_> {
    /// The email addresses of everyone in a ticket role, for notifications:
    /// users in the ticket's role group, and for Cc and AdminCc the queue's
    /// too, with groups expanded to their members (any depth); disabled
    /// users and users without an address are left out. Sorted, each once.
    /// Needs `ShowTicket`.
    pub fn role_addresses(&mut self, ticket: TicketId, role: Role) -> Result<Vec<String>> {
        Ok(self.all_role_addresses(ticket)?.remove(&role).unwrap_or_default())
    }

    /// [`Tx::role_addresses`] of every role of a ticket at once, in one
    /// statement. Needs `ShowTicket`.
    pub fn all_role_addresses(&mut self, ticket: TicketId) -> Result<HashMap<Role, Vec<String>>> {
        Ok(self.all_role_addresses_of(&[ticket])?.into_values().next().unwrap_or_default())
    }

    /// [`Tx::all_role_addresses`] of several tickets in one statement (a
    /// batch of scrips' notifications), by the id [`Tx::ticket`] gives
    /// each (a merged ticket's is the one it was merged into). Needs
    /// `ShowTicket` on each.
    pub fn all_role_addresses_of(
        &mut self,
        tickets: &[TicketId],
    ) -> Result<HashMap<TicketId, HashMap<Role, Vec<String>>>> {
        use crate::acl::{QUEUE_ROLE, TICKET_ROLE};
        let mut ids = Vec::with_capacity(tickets.len());
        let mut by_queue: HashMap<i64, Vec<TicketId>> = HashMap::new();
        for &ticket in tickets {
            let t = self.ticket(ticket)?;
            if !ids.contains(&t.id.0) {
                ids.push(t.id.0);
                by_queue.entry(t.queue.0).or_default().push(t.id);
            }
        }
        let queues: Vec<i64> = by_queue.keys().copied().collect();
        // The queue's Cc and AdminCc groups count for its tickets; its
        // Owner and Requestor groups (made with every queue) never have
        // members.
        let found = crate::db::dialect::role_group_addresses(self.conn, (TICKET_ROLE, &ids), (QUEUE_ROLE, &queues))?;
        let mut out: HashMap<TicketId, HashMap<Role, Vec<String>>> =
            ids.iter().map(|id| (TicketId(*id), HashMap::new())).collect();
        for found in found {
            let Some(role) = Role::from_name(&found.name) else { continue };
            let owners = match found.domain.as_str() {
                TICKET_ROLE => vec![TicketId(found.instance)],
                _ => by_queue.get(&found.instance).cloned().unwrap_or_default(),
            };
            for ticket in owners {
                out.entry(ticket).or_default().entry(role).or_default().push(found.address.clone());
            }
        }
        Ok(out
            .into_iter()
            .map(|(ticket, roles)| {
                (ticket, roles.into_iter().map(|(role, found)| (role, tidy_addresses(found))).collect())
            })
            .collect())
    }

    /// The email addresses of a group's members, nested groups expanded,
    /// for notifications (RT's NotifyGroup): disabled users and users
    /// without an address left out, sorted, each once.
    pub fn group_addresses(&mut self, group: crate::ids::GroupId) -> Result<Vec<String>> {
        use crate::db::schema::{cached_group_members, principals, users};
        use diesel::prelude::*;
        self.group(group)?;
        let found: Vec<String> = cached_group_members::table
            .inner_join(users::table.on(users::id.eq(cached_group_members::member_id)))
            .inner_join(principals::table.on(principals::id.eq(cached_group_members::member_id)))
            .filter(cached_group_members::group_id.eq(group.0))
            .filter(principals::disabled.eq(false))
            .filter(users::email_address.is_not_null())
            .select(users::email_address.assume_not_null())
            .load(self.conn)?;
        Ok(tidy_addresses(found))
    }

    /// Adds a watcher to a ticket role (Requestor, Cc or AdminCc).
    pub fn add_watcher(&mut self, ticket: TicketId, role: Role, who: PrincipalId) -> Result<()> {
        let t = self.watcher_change(ticket, role, who)?;
        let group = self.ticket_role_group(t.id, role)?;
        if is_direct_member(self.conn, group, who)? {
            return Err(Error::Conflict(format!("principal {who} is already a {} of ticket {}", role.as_str(), t.id)));
        }
        add_member(self.conn, group, who, self.user.id, self.now)?;
        let txn = NewTransaction {
            object_type: TICKET,
            object_id: t.id.0,
            kind: "AddWatcher",
            field: Some(role.as_str()),
            new_value: Some(who.to_string()),
            ..NewTransaction::default()
        };
        self.record_ticket(&t, txn, None).map(drop)
    }

    /// Adds a watcher given by email address (autocreating an unprivileged
    /// user when unknown) or user name. Returns the watcher's principal.
    pub fn add_watcher_address(&mut self, ticket: TicketId, role: Role, address: &str) -> Result<PrincipalId> {
        let user =
            if address.contains('@') { self.user_for_email(address)? } else { self.user_by_name(address)?.user_id() };
        self.add_watcher(ticket, role, user.into())?;
        Ok(user.into())
    }

    /// Makes a ticket role's members exactly `wanted`: user names, email
    /// addresses (unknown ones autocreated) or principal ids (users or
    /// groups). Members are added in the order given, then the others
    /// removed. Returns each change made: the principal and whether it was
    /// added.
    pub fn set_watchers(
        &mut self,
        ticket: TicketId,
        role: Role,
        wanted: &[String],
    ) -> Result<Vec<(PrincipalId, bool)>> {
        let current = self.ticket_role_members(ticket, role)?;
        let mut wanted_ids = Vec::new();
        let mut changes = Vec::new();
        for who in wanted {
            let id = match who.parse::<i64>() {
                Ok(n) => PrincipalId(n),
                Err(_) => match self.user_by_name(who) {
                    Ok(u) => u.user_id().into(),
                    Err(Error::NotFound { .. }) if who.contains('@') => self.user_for_email(who)?.into(),
                    Err(e) => return Err(e),
                },
            };
            if !current.contains(&id) && !wanted_ids.contains(&id) {
                self.add_watcher(ticket, role, id)?;
                changes.push((id, true));
            }
            wanted_ids.push(id);
        }
        for id in current {
            if !wanted_ids.contains(&id) {
                self.delete_watcher(ticket, role, id)?;
                changes.push((id, false));
            }
        }
        Ok(changes)
    }

    /// Removes a watcher from a ticket role.
    pub fn delete_watcher(&mut self, ticket: TicketId, role: Role, who: PrincipalId) -> Result<()> {
        let t = self.watcher_change(ticket, role, who)?;
        let group = self.ticket_role_group(t.id, role)?;
        if !remove_member(self.conn, group, who)? {
            return Err(Error::invalid(
                "watcher",
                format!("principal {who} is not a {} of ticket {}", role.as_str(), t.id),
            ));
        }
        let txn = NewTransaction {
            object_type: TICKET,
            object_id: t.id.0,
            kind: "DelWatcher",
            field: Some(role.as_str()),
            old_value: Some(who.to_string()),
            ..NewTransaction::default()
        };
        self.record_ticket(&t, txn, None).map(drop)
    }

    /// Checks the role and the right to change it for `who`.
    fn watcher_change(&mut self, ticket: TicketId, role: Role, who: PrincipalId) -> Result<Ticket> {
        if role == Role::Owner {
            return Err(Error::invalid("role", "the owner is changed with set_owner"));
        }
        let t = self.load_ticket(ticket)?;
        let object = t.acl_object();
        if self.has_right(rights::MODIFY_TICKET, object)? {
            return Ok(t);
        }
        let own_right = if role == Role::AdminCc { rights::WATCH_AS_ADMIN_CC } else { rights::WATCH };
        if who == self.user.id.into() && self.has_right(own_right, object)? {
            return Ok(t);
        }
        let right = if who == self.user.id.into() { own_right } else { rights::MODIFY_TICKET };
        Err(Error::denied(right, object.describe()))
    }
}

/// Addresses sorted, each once (any case), blanks left out.
fn tidy_addresses(mut addresses: Vec<String>) -> Vec<String> {
    addresses.retain(|a| !a.trim().is_empty());
    addresses.sort_by_key(|a| a.to_lowercase());
    addresses.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    addresses
}
