//! Mail receipts: the mail gateway's memory of what it already recorded.
//!
//! An MTA retries a message whenever it did not get an answer: the gateway
//! may have committed the ticket and then died, or answered after the MTA
//! gave up waiting. RT would then open a second ticket. Here the gateway
//! writes a receipt in the same DB transaction as the ticket change and
//! looks it up first, so a message delivered again is answered `ok` with the
//! ticket it already made and nothing is recorded twice.
//!
//! A receipt is keyed by where the message went (a queue for new tickets, a
//! ticket for replies), the action, and the message's `Message-ID` (or, for
//! mail without one, its raw bytes): the same message sent to two queues
//! still opens a ticket in each, and a comment and a reply carrying the same
//! Message-ID are two deliveries.
//!
//! Receipts belong to the mail gateway: only sessions acting through
//! [`Interface::Email`] read or write them. Two deliveries racing on
//! PostgreSQL end with one of them failing on the primary key
//! ([`Error::Conflict`]); delivering that one again finds the receipt.

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::mail_receipts;
use crate::{Error, Interface, QueueId, Result, TicketId, Tx};

/// Where a message was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailTarget {
    /// A new ticket in this queue.
    Queue(QueueId),
    /// An existing ticket (its effective id, merges resolved).
    Ticket(TicketId),
}

/// The key of one delivery: a hex SHA-256 over the target, the action and
/// the Message-ID (angle brackets and surrounding space ignored) or, when
/// the message has none, its raw bytes.
pub fn receipt_key(target: MailTarget, action: &str, message_id: Option<&str>, raw: &[u8]) -> String {
    let mut hash = Sha256::new();
    match target {
        MailTarget::Queue(q) => hash.update(format!("queue:{}\0", q.0)),
        MailTarget::Ticket(t) => hash.update(format!("ticket:{}\0", t.0)),
    }
    hash.update(action.as_bytes());
    hash.update(b"\0");
    match message_id.map(|m| m.trim().trim_start_matches('<').trim_end_matches('>').trim()).filter(|m| !m.is_empty()) {
        Some(id) => {
            hash.update(b"message-id:");
            hash.update(id.as_bytes());
        }
        None => {
            hash.update(b"raw:");
            hash.update(raw);
        }
    }
    hex::encode(hash.finalize())
}

impl Tx<'_> {
    /// The ticket a delivery with this key already went to, if any.
    pub fn mail_receipt(&mut self, key: &str) -> Result<Option<TicketId>> {
        self.require_email()?;
        let found =
            mail_receipts::table.find(key).select(mail_receipts::ticket_id).get_result::<i64>(self.conn).optional()?;
        Ok(found.map(TicketId))
    }

    /// Remembers that the delivery with this key went to `ticket`; written
    /// in the same DB transaction as the ticket change it stands for.
    pub fn record_mail_receipt(&mut self, key: &str, ticket: TicketId) -> Result<()> {
        self.require_email()?;
        diesel::insert_into(mail_receipts::table)
            .values((
                mail_receipts::receipt_key.eq(key),
                mail_receipts::ticket_id.eq(ticket.0),
                mail_receipts::created.eq(self.now),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    fn require_email(&self) -> Result<()> {
        if self.user.interface == Interface::Email {
            Ok(())
        } else {
            Err(Error::denied("the mail gateway", "mail receipts"))
        }
    }
}
