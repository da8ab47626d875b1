//! Reminders, as RT keeps them: tickets of type `reminder` in the parent's
//! queue that refer to their parent ticket, with an owner and a due date.
//! Adding, opening and resolving one is recorded on the parent
//! (`AddReminder`, `OpenReminder`, `ResolveReminder`, field `RT::Ticket`,
//! the reminder's id as the value).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::acl::AclObject;
use crate::db::schema::{links, tickets};
use crate::error::{Error, Result};
use crate::ids::{TicketId, UserId};
use crate::rights;
use crate::session::Tx;
use crate::ticket::{NewTicket, TICKET, Ticket};
use crate::transaction::NewTransaction;

impl Tx<'_> {
    /// Adds a reminder to a ticket. Needs `ModifyTicket` on the ticket and
    /// `CreateTicket` in its queue; a deleted ticket takes no reminders.
    pub fn add_reminder(
        &mut self,
        parent: TicketId,
        subject: &str,
        owner: Option<UserId>,
        due: Option<DateTime<Utc>>,
    ) -> Result<TicketId> {
        let p = self.load_ticket(parent)?;
        self.require(rights::MODIFY_TICKET, p.acl_object())?;
        self.require(rights::CREATE_TICKET, AclObject::Queue(p.queue))?;
        if p.status == "deleted" {
            return Err(Error::invalid("reminder", format!("ticket {} is deleted", p.id)));
        }
        let status = self.queue_lifecycle(p.queue)?.default_status("reminder_on_open").unwrap_or("open").to_string();
        let reminder = self.create_ticket(NewTicket {
            queue: Some(p.queue),
            subject: subject.to_string(),
            owner,
            due,
            status: Some(status),
            kind: Some("reminder".into()),
            ..NewTicket::default()
        })?;
        // The RefersTo link is silent: the parent's AddReminder records it.
        let (base, target) = (self.ticket_uri(reminder), self.ticket_uri(p.id));
        diesel::insert_into(links::table)
            .values((
                links::base.eq(base),
                links::target.eq(target),
                links::type_.eq("RefersTo"),
                links::local_base.eq(reminder.0),
                links::local_target.eq(p.id.0),
                links::creator.eq(self.user.id.0),
                links::created.eq(self.now),
                links::last_updated_by.eq(self.user.id.0),
                links::last_updated.eq(self.now),
            ))
            .execute(self.conn)?;
        self.record_reminder(&p, "AddReminder", reminder)?;
        Ok(reminder)
    }

    /// A ticket's reminders, by due date then id. Needs `ShowTicket`.
    pub fn reminders(&mut self, parent: TicketId) -> Result<Vec<Ticket>> {
        let p = self.ticket(parent)?;
        let ids: Vec<i64> = tickets::table
            .inner_join(links::table.on(links::local_base.eq(tickets::id)))
            .filter(links::local_target.eq(p.id.0))
            .filter(links::type_.eq("RefersTo"))
            .filter(tickets::type_.eq("reminder"))
            .order((tickets::due.asc(), tickets::id.asc()))
            .select(tickets::id)
            .load(self.conn)?;
        ids.into_iter().map(|id| self.load_ticket(TicketId(id))).collect()
    }

    /// Marks a reminder done (the lifecycle's `reminder_on_resolve`).
    pub fn resolve_reminder(&mut self, parent: TicketId, reminder: TicketId) -> Result<()> {
        self.change_reminder(parent, reminder, "reminder_on_resolve", "resolved", "ResolveReminder")
    }

    /// Reopens a reminder (the lifecycle's `reminder_on_open`).
    pub fn open_reminder(&mut self, parent: TicketId, reminder: TicketId) -> Result<()> {
        self.change_reminder(parent, reminder, "reminder_on_open", "open", "OpenReminder")
    }

    fn change_reminder(
        &mut self,
        parent: TicketId,
        reminder: TicketId,
        default: &str,
        fallback: &str,
        kind: &'static str,
    ) -> Result<()> {
        let p = self.load_ticket(parent)?;
        let r = self.load_ticket(reminder)?;
        let belongs = links::table
            .filter(links::local_base.eq(r.id.0))
            .filter(links::local_target.eq(p.id.0))
            .filter(links::type_.eq("RefersTo"))
            .select(links::id)
            .get_result::<i64>(self.conn)
            .optional()?
            .is_some();
        if r.kind != "reminder" || !belongs {
            return Err(Error::invalid("reminder", format!("ticket {} is not a reminder of ticket {}", r.id, p.id)));
        }
        let status = self.queue_lifecycle(r.queue)?.default_status(default).unwrap_or(fallback).to_string();
        self.set_status(r.id, &status)?;
        self.record_reminder(&p, kind, r.id)
    }

    fn record_reminder(&mut self, parent: &Ticket, kind: &'static str, reminder: TicketId) -> Result<()> {
        let txn = NewTransaction {
            object_type: TICKET,
            object_id: parent.id.0,
            kind,
            field: Some("RT::Ticket"),
            new_value: Some(reminder.to_string()),
            ..NewTransaction::default()
        };
        self.record_ticket(parent, txn, None).map(drop)
    }
}
