//! Merging tickets, as RT does: the merged ticket's id keeps resolving to
//! the ticket it was merged into (through `effective_id`), whose history
//! then includes both.
//!
//! Merging A into B: A's `effective_id` becomes B and `is_merged` is set;
//! tickets merged into A earlier follow to B; A's links move to B (self
//! links and duplicates dropped); A's Requestors, Ccs and AdminCcs join B's
//! (the owner stays B's); A's custom field values that B lacks are added
//! (RT leaves them on A; we keep them with the ticket people see); A's
//! estimated, worked and remaining times are added to B's; and an
//! `A MergedInto B` link is recorded on both tickets.
//! A's status, subject and other fields are left as they were.

use diesel::prelude::*;

use crate::acl::Role;
use crate::db::schema::{group_members, links, tickets};
use crate::error::{Error, Result};
use crate::ids::TicketId;
use crate::link::LinkType;
use crate::principal::{add_member, is_direct_member};
use crate::rights;
use crate::session::Tx;
use crate::ticket::TICKET;
use crate::transaction::NewTransaction;

impl Tx<'_> {
    /// Merges `source` into `into`. Needs `ModifyTicket` on both. Merging a
    /// ticket into itself (or into a ticket already merged into it) is
    /// refused, as is merging reminders or approvals; an id already merged
    /// elsewhere stands for the ticket it was merged into.
    pub fn merge_tickets(&mut self, source: TicketId, into: TicketId) -> Result<()> {
        let s = self.load_ticket(source)?;
        self.require(rights::MODIFY_TICKET, s.acl_object())?;
        let t = self.load_ticket(into)?;
        if t.id == s.id {
            return Err(Error::invalid("merge", format!("can't merge ticket {} into itself", s.id)));
        }
        if s.kind != "ticket" || t.kind != "ticket" {
            return Err(Error::invalid("merge", "only tickets can be merged (not reminders or approvals)"));
        }
        self.require(rights::MODIFY_TICKET, t.acl_object())?;

        let (s_uri, t_uri) = (self.ticket_uri(s.id), self.ticket_uri(t.id));
        diesel::update(tickets::table.filter(tickets::id.eq(s.id.0).or(tickets::effective_id.eq(s.id.0))))
            .set((tickets::effective_id.eq(t.id.0), tickets::is_merged.eq(true)))
            .execute(self.conn)?;
        self.forget_tickets();
        self.move_links(s.id.0, t.id.0, &t_uri)?;
        for role in [Role::Requestor, Role::Cc, Role::AdminCc] {
            let (from, to) = (self.ticket_role_group(s.id, role)?, self.ticket_role_group(t.id, role)?);
            let members: Vec<i64> = group_members::table
                .filter(group_members::group_id.eq(from.0))
                .order(group_members::id)
                .select(group_members::member_id)
                .load(self.conn)?;
            for member in members.into_iter().map(crate::ids::PrincipalId) {
                if !is_direct_member(self.conn, to, member)? {
                    add_member(self.conn, to, member, self.user.id, self.now)?;
                }
            }
        }
        self.merge_cf_values(s.id, t.id)?;
        diesel::update(tickets::table.find(t.id.0))
            .set((
                tickets::time_estimated.eq(tickets::time_estimated + s.time_estimated),
                tickets::time_worked.eq(tickets::time_worked + s.time_worked),
                tickets::time_left.eq(tickets::time_left + s.time_left),
            ))
            .execute(self.conn)?;
        self.forget_tickets();
        diesel::insert_into(links::table)
            .values((
                links::base.eq(&s_uri),
                links::target.eq(&t_uri),
                links::type_.eq(LinkType::MergedInto.as_str()),
                links::local_base.eq(s.id.0),
                links::local_target.eq(t.id.0),
                links::creator.eq(self.user.id.0),
                links::created.eq(self.now),
                links::last_updated_by.eq(self.user.id.0),
                links::last_updated.eq(self.now),
            ))
            .execute(self.conn)?;
        // Both sides record the target's URI, as RT 5 does: clients that
        // read history (`rt show ticket/N/history`) see exactly RT's lines.
        for side in [&s, &t] {
            let txn = NewTransaction {
                object_type: TICKET,
                object_id: side.id.0,
                kind: "AddLink",
                field: Some(LinkType::MergedInto.as_str()),
                new_value: Some(t_uri.clone()),
                ..NewTransaction::default()
            };
            self.record_ticket(side, txn, None)?;
        }
        Ok(())
    }

    /// Re-points the links of the merged ticket to the surviving one,
    /// dropping those that would link it to itself or duplicate one it has.
    fn move_links(&mut self, from: i64, to: i64, to_uri: &str) -> Result<()> {
        type Row = (i64, String, String, String, i64, i64);
        let rows: Vec<Row> = links::table
            .filter(links::local_base.eq(from).or(links::local_target.eq(from)))
            .filter(links::type_.ne(LinkType::MergedInto.as_str()))
            .order(links::id)
            .select((links::id, links::base, links::target, links::type_, links::local_base, links::local_target))
            .load(self.conn)?;
        for (id, base, target, kind, local_base, local_target) in rows {
            let (base, local_base) = if local_base == from { (to_uri.to_string(), to) } else { (base, local_base) };
            let (target, local_target) =
                if local_target == from { (to_uri.to_string(), to) } else { (target, local_target) };
            let duplicate = links::table
                .filter(links::base.eq(&base))
                .filter(links::type_.eq(&kind))
                .filter(links::target.eq(&target))
                .select(links::id)
                .get_result::<i64>(self.conn)
                .optional()?
                .is_some();
            if base == target || duplicate {
                diesel::delete(links::table.find(id)).execute(self.conn)?;
            } else {
                diesel::update(links::table.find(id))
                    .set((
                        links::base.eq(&base),
                        links::target.eq(&target),
                        links::local_base.eq(local_base),
                        links::local_target.eq(local_target),
                        links::last_updated.eq(self.now),
                        links::last_updated_by.eq(self.user.id.0),
                    ))
                    .execute(self.conn)?;
            }
        }
        Ok(())
    }
}
