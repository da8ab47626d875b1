//! Job claims: which scheduled job (an `rt-crontool` command line) acted on
//! which ticket, and when.
//!
//! Cron may start the same job on several nodes at once. Each run works on
//! a ticket in one DB transaction that first takes the ticket's turn
//! ([`Tx::job_claim`]: a row lock on PostgreSQL, the write lock on SQLite)
//! and reads the job's claim on it; a run that acts writes its claim
//! ([`Tx::record_job_claim`]) in the same DB transaction as what it did. A
//! run that finds a claim made since it started (less a window for nodes
//! starting a little apart) leaves the ticket alone, so overlapping runs
//! act on each ticket once between them, and a run that fails claims
//! nothing.
//!
//! A job is known by the hex SHA-256 of a description its caller gives
//! (its search, condition, actions, arguments and template).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::dialect;
use crate::db::schema::job_claims;
use crate::{Result, TicketId, Tx};

/// A job's claim on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobClaim {
    /// When the job last acted on the ticket.
    pub claimed_at: DateTime<Utc>,
    /// The node whose run did (host name and process id).
    pub node: String,
}

/// The key a job's claims are stored under: the hex SHA-256 of its
/// description.
pub fn job_key(description: &str) -> String {
    hex::encode(Sha256::digest(description.as_bytes()))
}

impl Tx<'_> {
    /// Takes the ticket's turn for the rest of this DB transaction and
    /// returns the claim the job with key `job` made on it at or after
    /// `since`, if any (then the caller leaves the ticket alone). Needs
    /// `ShowTicket`.
    pub fn job_claim(&mut self, job: &str, ticket: TicketId, since: DateTime<Utc>) -> Result<Option<JobClaim>> {
        dialect::lock_ticket_row(self.conn, ticket.0)?;
        self.ticket(ticket)?;
        let found: Option<(chrono::NaiveDateTime, String)> = job_claims::table
            .find((job, ticket.0))
            .select((job_claims::claimed_at, job_claims::node))
            .get_result(self.conn)
            .optional()?;
        Ok(found.filter(|(at, _)| at.and_utc() >= since).map(|(at, node)| JobClaim { claimed_at: at.and_utc(), node }))
    }

    /// Records that the job with key `job`, run on `node`, acted on the
    /// ticket now; call it after [`Tx::job_claim`], in the same DB
    /// transaction as what the job did. Needs `ShowTicket`.
    pub fn record_job_claim(&mut self, job: &str, ticket: TicketId, node: &str) -> Result<()> {
        self.ticket(ticket)?;
        let now = self.now;
        let updated = diesel::update(job_claims::table.find((job, ticket.0)))
            .set((job_claims::claimed_at.eq(now), job_claims::node.eq(node)))
            .execute(self.conn)?;
        if updated == 0 {
            diesel::insert_into(job_claims::table)
                .values((
                    job_claims::job_key.eq(job),
                    job_claims::ticket_id.eq(ticket.0),
                    job_claims::claimed_at.eq(now),
                    job_claims::node.eq(node),
                ))
                .execute(self.conn)?;
        }
        Ok(())
    }
}
