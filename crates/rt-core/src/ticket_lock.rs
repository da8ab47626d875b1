//! Soft locks on tickets (RT's `RT_Lock`): opening the reply or comment
//! form takes one, so that others looking at the ticket see that someone
//! is writing ("locked by alice 2 min ago"). A lock stops nobody; it only
//! tells.
//!
//! A lock is a `RT_Lock` attribute of the ticket whose content is JSON
//! `{"User": <id>, "Timestamp": <unix seconds>, "Type": "Soft"}`, as RT
//! stores it. It lasts [`crate::Config::ticket_lock_minutes`] from when it
//! was taken (0 turns locking off) and is released when its holder submits
//! the update. Anyone who may see the ticket (`ShowTicket`) may take a lock
//! that is free, expired or already theirs, and read it; only the holder
//! releases it. These calls bypass the ticket attributes' `ModifyTicket`
//! rule on purpose: a user who may only reply still locks while writing.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use crate::attribute::AttributeObject;
use crate::db::schema::attributes;
use crate::error::Result;
use crate::ids::{TicketId, UserId};
use crate::session::Tx;

/// The attribute's name, RT's.
pub const LOCK_ATTRIBUTE: &str = "RT_Lock";

/// A live lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketLock {
    /// Who holds it.
    pub user: UserId,
    /// When it was taken.
    pub taken: DateTime<Utc>,
    /// When it lapses.
    pub expires: DateTime<Utc>,
}

impl Tx<'_> {
    /// Takes the soft lock on a ticket for the current user, unless someone
    /// else holds a live one. Returns the lock in force afterwards (the
    /// other user's, when they hold it), or `None` when locking is off.
    /// Needs `ShowTicket`.
    pub fn lock_ticket(&mut self, id: TicketId) -> Result<Option<TicketLock>> {
        self.ticket(id)?;
        if let Some(lock) = self.live_lock(id)?
            && lock.user != self.user.id
        {
            return Ok(Some(lock));
        }
        let minutes = i64::try_from(self.rt.config.ticket_lock_minutes).unwrap_or(i64::MAX / 120);
        if minutes == 0 {
            return Ok(None);
        }
        self.remove_lock(id)?;
        // Stored in whole seconds, so it is handed back as read later.
        let now = self.now.and_utc();
        let taken = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
        let content = serde_json::json!({"User": self.user.id.0, "Timestamp": taken.timestamp(), "Type": "Soft"});
        self.insert_attribute(
            AttributeObject::Ticket(id),
            LOCK_ATTRIBUTE,
            "",
            &content.to_string(),
            "application/json",
        )?;
        Ok(Some(TicketLock { user: self.user.id, taken, expires: taken + Duration::minutes(minutes) }))
    }

    /// The ticket's live lock, if any. Needs `ShowTicket`.
    pub fn ticket_lock(&mut self, id: TicketId) -> Result<Option<TicketLock>> {
        self.ticket(id)?;
        self.live_lock(id)
    }

    /// Releases the current user's lock on the ticket; a lock someone else
    /// holds is left alone. Returns whether a lock was released. Needs
    /// `ShowTicket`.
    pub fn unlock_ticket(&mut self, id: TicketId) -> Result<bool> {
        self.ticket(id)?;
        match self.stored_lock(id)? {
            Some(lock) if lock.user == self.user.id => self.remove_lock(id).map(|n| n > 0),
            _ => Ok(false),
        }
    }

    fn live_lock(&mut self, id: TicketId) -> Result<Option<TicketLock>> {
        let now = self.now.and_utc();
        Ok(self.stored_lock(id)?.filter(|lock| lock.expires > now))
    }

    /// The newest stored lock, live or not; unreadable content counts as
    /// no lock.
    fn stored_lock(&mut self, id: TicketId) -> Result<Option<TicketLock>> {
        let minutes = i64::try_from(self.rt.config.ticket_lock_minutes).unwrap_or(i64::MAX / 120);
        let stored = self.object_attributes(AttributeObject::Ticket(id), LOCK_ATTRIBUTE)?;
        Ok(stored.last().and_then(|a| {
            let value: serde_json::Value = serde_json::from_str(&a.content).ok()?;
            let user = UserId(value.get("User")?.as_i64()?);
            let taken = DateTime::from_timestamp(value.get("Timestamp")?.as_i64()?, 0)?;
            Some(TicketLock { user, taken, expires: taken + Duration::minutes(minutes) })
        }))
    }

    fn remove_lock(&mut self, id: TicketId) -> Result<usize> {
        let (object_type, object_id) = AttributeObject::Ticket(id).key();
        Ok(diesel::delete(
            attributes::table
                .filter(attributes::object_type.eq(object_type))
                .filter(attributes::object_id.eq(object_id))
                .filter(attributes::name.eq(LOCK_ATTRIBUTE)),
        )
        .execute(self.conn)?)
    }
}
