//! The outbox: outgoing mail, stored durably until it is delivered.
//!
//! Mail is written with [`Tx::enqueue_mail`] in the same DB transaction as
//! the change that caused it, so a ticket change and its notifications
//! commit (or roll back) together. The delivery worker in `rt-server`
//! (through `rt_mail::outbound`) then claims due rows with
//! [`Tx::claim_outbox`], sends them outside any DB transaction, and records
//! the outcome with [`Tx::mark_sent`] (which drops the delivered message's
//! bytes, keeping its envelope and Message-ID) or [`Tx::mark_failed`]. A
//! claim is a lease: a worker that dies mid-batch leaves its rows to be
//! taken again once the lease runs out, so a crash delays mail but never
//! loses it (at worst one duplicate, with the same Message-ID). On
//! PostgreSQL several nodes claim at once and each gets distinct rows (`FOR
//! UPDATE SKIP LOCKED`, in [`crate::db::dialect`]).
//!
//! Failed attempts are retried after [`backoff`]; after [`MAX_ATTEMPTS`]
//! the message is given up (`failed`). This module knows nothing of SMTP:
//! rt-core does not depend on lettre.
//!
//! Webhook deliveries ([`Tx::enqueue_webhook`], claimed with
//! [`Tx::claim_webhooks`]) share the table, its leases and retries, in a
//! channel of their own so that each kind of worker takes only its rows.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::dialect;
use crate::db::schema::outbox;
use crate::error::{Error, Result};
use crate::ids::{OutboxId, TicketId, TransactionId};
use crate::session::Tx;

/// Attempts after which a message that still fails is given up.
pub const MAX_ATTEMPTS: i64 = 12;

/// The first retry delay; each further failure doubles it.
pub const BACKOFF_BASE: Duration = Duration::from_secs(60);

/// The longest delay between two attempts.
pub const BACKOFF_CAP: Duration = Duration::from_secs(3600);

/// The outbox channel of mail.
pub const MAIL: &str = "mail";

/// The outbox channel of webhook deliveries.
pub const WEBHOOK: &str = "webhook";

/// A message to put in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The ticket the mail is about, if any.
    pub ticket: Option<TicketId>,
    /// The ticket transaction that records this mail (EmailRecord), if any.
    pub transaction: Option<TransactionId>,
    /// The message's `Message-ID`, without angle brackets or with them, as
    /// it appears in `content`; kept to spot duplicates after a crash.
    pub message_id: String,
    /// The envelope sender (`MAIL FROM`); may be empty for bounces (`<>`).
    pub envelope_from: String,
    /// The envelope recipients (`RCPT TO`), at least one.
    pub recipients: Vec<String>,
    /// The complete RFC 5322 message, sent byte for byte.
    pub content: Vec<u8>,
}

/// A claimed message, ready to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// The outbox row.
    pub id: OutboxId,
    /// The message and its envelope, as enqueued.
    pub mail: OutgoingMail,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Waiting for (another) delivery attempt.
    Pending,
    /// Accepted by the transport.
    Sent,
    /// Given up after a permanent error or too many attempts.
    Failed,
}

impl OutboxStatus {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    fn from_name(name: &str) -> Result<OutboxStatus> {
        match name {
            "pending" => Ok(OutboxStatus::Pending),
            "sent" => Ok(OutboxStatus::Sent),
            "failed" => Ok(OutboxStatus::Failed),
            other => Err(Error::Database(format!("unknown outbox status {other:?}"))),
        }
    }
}

/// The delivery state of one outbox message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxState {
    /// Pending, sent or failed.
    pub status: OutboxStatus,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// When the message is due (again).
    pub next_attempt_at: DateTime<Utc>,
    /// The node holding the current (or last) lease.
    pub claimed_by: Option<String>,
    /// The lease's end, while a worker holds the message.
    pub claimed_until: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When the transport accepted the message.
    pub sent_at: Option<DateTime<Utc>>,
    /// Bytes of the message the outbox still holds: all of it until it is
    /// delivered, none after (see [`Tx::mark_sent`]).
    pub stored_bytes: usize,
}

/// The delay before the next attempt after `attempts` failed ones:
/// [`BACKOFF_BASE`] doubling with each failure, capped at [`BACKOFF_CAP`].
pub fn backoff(attempts: i64) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 16) as u32;
    BACKOFF_BASE.saturating_mul(1u32 << doublings).min(BACKOFF_CAP)
}

/// When to try again after `attempts` failed attempts, or `None` once
/// [`MAX_ATTEMPTS`] is reached (give up).
pub fn retry_at(now: DateTime<Utc>, attempts: i64) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let delay = chrono::Duration::from_std(backoff(attempts)).ok()?;
    Some(now + delay)
}

#[derive(Queryable)]
struct Row {
    id: i64,
    ticket_id: Option<i64>,
    transaction_id: Option<i64>,
    message_id: String,
    envelope_from: String,
    recipients: String,
    content: Vec<u8>,
    attempts: i64,
}

impl Tx<'_> {
    /// Puts a message in the outbox, due at once, within this DB
    /// transaction: it is delivered only if the transaction commits.
    ///
    /// This checks no rights: it is for the code that produces mail (the
    /// mail gateway, scrips) after that code has checked the rights of the
    /// operation causing the mail. It validates the envelope: at least one
    /// recipient, and no line breaks in any address.
    pub fn enqueue_mail(&mut self, mail: OutgoingMail) -> Result<OutboxId> {
        Ok(self.enqueue(MAIL, vec![mail])?[0])
    }

    /// [`Tx::enqueue_mail`] for several messages, in one statement (a
    /// batch of scrips' mail). Returns their ids in the order given.
    pub fn enqueue_mails(&mut self, mails: Vec<OutgoingMail>) -> Result<Vec<OutboxId>> {
        self.enqueue(MAIL, mails)
    }

    fn enqueue(&mut self, channel: &str, mails: Vec<OutgoingMail>) -> Result<Vec<OutboxId>> {
        let bad = |a: &str| a.contains(['\r', '\n']) || a.trim().is_empty();
        for mail in &mails {
            if mail.recipients.is_empty() {
                return Err(Error::invalid("recipients", "a message needs at least one recipient"));
            }
            if let Some(a) = mail.recipients.iter().find(|a| bad(a)) {
                return Err(Error::invalid("recipients", format!("not an address: {a:?}")));
            }
            if mail.envelope_from.contains(['\r', '\n']) {
                return Err(Error::invalid("envelope_from", "line break in address"));
            }
            if mail.content.is_empty() {
                return Err(Error::invalid("content", "empty message"));
            }
        }
        let now = self.now;
        let rows: Vec<_> = mails
            .iter()
            .map(|mail| {
                (
                    outbox::ticket_id.eq(mail.ticket.map(TicketId::get)),
                    outbox::transaction_id.eq(mail.transaction.map(TransactionId::get)),
                    outbox::message_id.eq(&mail.message_id),
                    outbox::envelope_from.eq(&mail.envelope_from),
                    outbox::recipients.eq(mail.recipients.join("\n")),
                    outbox::content.eq(&mail.content),
                    outbox::status.eq(OutboxStatus::Pending.as_str()),
                    outbox::attempts.eq(0i64),
                    outbox::next_attempt_at.eq(now),
                    outbox::created.eq(now),
                    outbox::channel.eq(channel),
                )
            })
            .collect();
        let ids = dialect::insert_returning_ids!(&mut *self.conn, outbox::table, outbox::id, rows)?;
        Ok(ids.into_iter().map(OutboxId).collect())
    }

    /// Puts a webhook delivery in the outbox (channel [`WEBHOOK`]), due at
    /// once, within this DB transaction: `body` (JSON) is POSTed to `url`;
    /// `delivery_id` identifies it to the receiver (sent again unchanged on
    /// a retry). The same rules as mail: the caller has checked the rights
    /// of the change that causes it.
    pub fn enqueue_webhook(
        &mut self,
        ticket: Option<TicketId>,
        transaction: Option<TransactionId>,
        url: &str,
        delivery_id: &str,
        body: Vec<u8>,
    ) -> Result<OutboxId> {
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
            return Err(Error::invalid("url", format!("{url:?} is not an http(s) URL")));
        }
        let mail = OutgoingMail {
            ticket,
            transaction,
            message_id: delivery_id.to_string(),
            envelope_from: String::new(),
            recipients: vec![url.to_string()],
            content: body,
        };
        Ok(self.enqueue(WEBHOOK, vec![mail])?[0])
    }

    /// Claims up to `max` due messages for `node`, for `lease`: no other
    /// worker takes them until the lease runs out (or they are marked).
    /// Counts the attempt. Only `RT_System` may (the delivery worker).
    ///
    /// Call it in a transaction of its own and send after it commits, so
    /// that the lease is visible to other nodes while this one sends.
    pub fn claim_outbox(&mut self, node: &str, max: usize, lease: Duration) -> Result<Vec<OutboxItem>> {
        self.claim_channel(MAIL, node, max, lease)
    }

    /// [`Tx::claim_outbox`] for webhook deliveries: each item's
    /// `recipients[0]` is the URL, `content` the body and `message_id` the
    /// delivery id.
    pub fn claim_webhooks(&mut self, node: &str, max: usize, lease: Duration) -> Result<Vec<OutboxItem>> {
        self.claim_channel(WEBHOOK, node, max, lease)
    }

    fn claim_channel(&mut self, channel: &str, node: &str, max: usize, lease: Duration) -> Result<Vec<OutboxItem>> {
        self.require_system()?;
        let now = crate::session::now();
        let lease = chrono::Duration::from_std(lease).map_err(|e| Error::invalid("lease", e.to_string()))?;
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        let ids = dialect::lock_due_outbox(self.conn, channel, now, max)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::claimed_until.eq(Some(now + lease)),
                outbox::claimed_by.eq(Some(node)),
                outbox::attempts.eq(outbox::attempts + 1i64),
            ))
            .execute(self.conn)?;
        let rows: Vec<Row> = outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order((outbox::next_attempt_at, outbox::id))
            .select((
                outbox::id,
                outbox::ticket_id,
                outbox::transaction_id,
                outbox::message_id,
                outbox::envelope_from,
                outbox::recipients,
                outbox::content,
                outbox::attempts,
            ))
            .load(self.conn)?;
        Ok(rows
            .into_iter()
            .map(|r| OutboxItem {
                id: OutboxId(r.id),
                mail: OutgoingMail {
                    ticket: r.ticket_id.map(TicketId),
                    transaction: r.transaction_id.map(TransactionId),
                    message_id: r.message_id,
                    envelope_from: r.envelope_from,
                    recipients: r.recipients.lines().map(str::to_string).collect(),
                    content: r.content,
                },
                attempts: r.attempts,
            })
            .collect())
    }

    /// Extends `node`'s claim on those of `ids` it still holds to `lease`
    /// from now, and returns them. A worker renews the rest of its batch
    /// after each message, so claims stay short (a dead worker's rows are
    /// free again within one lease) yet never run out under a live one;
    /// a row another node took over after a lapse is left to that node.
    /// Only `RT_System`.
    pub fn renew_outbox_claims(&mut self, node: &str, ids: &[OutboxId], lease: Duration) -> Result<Vec<OutboxId>> {
        self.require_system()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let until = crate::session::now()
            + chrono::Duration::from_std(lease).map_err(|e| Error::invalid("lease", e.to_string()))?;
        let ids: Vec<i64> = ids.iter().map(|id| id.0).collect();
        let renewed: Vec<i64> = dialect::with_inner!(&mut *self.conn, c => diesel::update(
            outbox::table
                .filter(outbox::id.eq_any(&ids))
                .filter(outbox::claimed_by.eq(node))
                .filter(outbox::status.eq(OutboxStatus::Pending.as_str())),
        )
        .set(outbox::claimed_until.eq(Some(until)))
        .returning(outbox::id)
        .get_results(c))?;
        let mut renewed: Vec<OutboxId> = renewed.into_iter().map(OutboxId).collect();
        renewed.sort();
        Ok(renewed)
    }

    /// Records that the transport accepted message `id`, and lets go of its
    /// bytes: the row keeps the envelope, the Message-ID and the times, but
    /// not a second copy of every message ever sent (a ticket's mail is
    /// also its EmailRecord; a webhook's body is made from its transaction;
    /// a password reset's link works once). Only `RT_System`.
    pub fn mark_sent(&mut self, id: OutboxId) -> Result<()> {
        self.require_system()?;
        let now = crate::session::now();
        let n = diesel::update(outbox::table.find(id.0))
            .set((
                outbox::status.eq(OutboxStatus::Sent.as_str()),
                outbox::sent_at.eq(Some(now)),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(None::<String>),
                outbox::content.eq(Vec::<u8>::new()),
            ))
            .execute(self.conn)?;
        if n == 0 {
            return Err(Error::not_found("outbox message", id));
        }
        Ok(())
    }

    /// Records a failed attempt at message `id`: with `retry_at` it is due
    /// again then (see [`retry_at`]); with `None` it is given up
    /// (`failed`). Only `RT_System`.
    pub fn mark_failed(&mut self, id: OutboxId, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<()> {
        self.require_system()?;
        let status = if retry_at.is_some() { OutboxStatus::Pending } else { OutboxStatus::Failed };
        let target = outbox::table.find(id.0);
        let common = (
            outbox::status.eq(status.as_str()),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(error)),
        );
        let n = match retry_at {
            Some(at) => {
                diesel::update(target).set((common, outbox::next_attempt_at.eq(at.naive_utc()))).execute(self.conn)?
            }
            None => diesel::update(target).set(common).execute(self.conn)?,
        };
        if n == 0 {
            return Err(Error::not_found("outbox message", id));
        }
        Ok(())
    }

    /// The outbox rows of a ticket (mail and webhooks), oldest first. Only
    /// `RT_System`.
    pub fn ticket_outbox(&mut self, ticket: TicketId) -> Result<Vec<OutboxId>> {
        self.require_system()?;
        let ids: Vec<i64> = outbox::table
            .filter(outbox::ticket_id.eq(ticket.0))
            .order(outbox::id)
            .select(outbox::id)
            .load(self.conn)?;
        Ok(ids.into_iter().map(OutboxId).collect())
    }

    /// The delivery state of message `id`. Only `RT_System`.
    pub fn outbox_state(&mut self, id: OutboxId) -> Result<OutboxState> {
        self.require_system()?;
        type StateRow = (
            String,
            i64,
            NaiveDateTime,
            Option<String>,
            Option<NaiveDateTime>,
            Option<String>,
            Option<NaiveDateTime>,
            Option<i32>,
        );
        let row: Option<StateRow> = outbox::table
            .find(id.0)
            .select((
                outbox::status,
                outbox::attempts,
                outbox::next_attempt_at,
                outbox::claimed_by,
                outbox::claimed_until,
                outbox::last_error,
                outbox::sent_at,
                crate::transaction::length(outbox::content.nullable()),
            ))
            .get_result(self.conn)
            .optional()?;
        let (status, attempts, next, claimed_by, claimed_until, last_error, sent_at, stored_bytes) =
            row.ok_or_else(|| Error::not_found("outbox message", id))?;
        Ok(OutboxState {
            status: OutboxStatus::from_name(&status)?,
            attempts,
            next_attempt_at: next.and_utc(),
            claimed_by,
            claimed_until: claimed_until.map(|t| t.and_utc()),
            last_error,
            sent_at: sent_at.map(|t| t.and_utc()),
            stored_bytes: stored_bytes.map_or(0, |n| usize::try_from(n).unwrap_or(0)),
        })
    }

    fn require_system(&self) -> Result<()> {
        if self.is_system() { Ok(()) } else { Err(Error::denied("RT_System", "the outbox")) }
    }
}

/// How one delivery attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The destination took it.
    Sent,
    /// It failed in a way worth retrying (network, 4xx SMTP, HTTP 5xx).
    Retry(String),
    /// It was refused for good: give up now.
    GiveUp(String),
}

/// What one [`deliver_due`] call did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Rows claimed.
    pub claimed: usize,
    /// Rows the destination took.
    pub sent: usize,
    /// Rows that failed and will be retried.
    pub retrying: usize,
    /// Rows given up (refused for good, or too many attempts).
    pub failed: usize,
}

/// One round of a delivery worker on `channel` ([`MAIL`] or [`WEBHOOK`]):
/// claims up to `batch` due rows for `node` with a claim of `lease`, hands
/// each to `send` outside any DB transaction, records the outcome (with
/// [`retry_at`] for retries) and renews the claim on the rest of the batch
/// after each row, so claims stay short yet never lapse under a live
/// worker. An error means the database failed; claimed rows are taken
/// again when their claim runs out.
pub fn deliver_due(
    rt: &crate::Rt,
    channel: &str,
    node: &str,
    batch: usize,
    lease: Duration,
    mut send: impl FnMut(&OutboxItem) -> Attempt,
) -> Result<DeliveryReport> {
    let system = rt.system_session(crate::Interface::Api);
    let items = system.write(|tx| tx.claim_channel(channel, node, batch, lease))?;
    let mut report = DeliveryReport { claimed: items.len(), ..DeliveryReport::default() };
    let mut held: Vec<OutboxId> = items.iter().map(|i| i.id).collect();
    for (n, item) in items.iter().enumerate() {
        if !held.contains(&item.id) {
            tracing::warn!(channel, outbox = %item.id, "claim lapsed and another worker took it; skipping");
            continue;
        }
        let attempt = send(item);
        let retry = match &attempt {
            Attempt::Retry(_) => retry_at(Utc::now(), item.attempts),
            _ => None,
        };
        let rest: Vec<OutboxId> = items[n + 1..].iter().map(|i| i.id).collect();
        held = system.write(|tx| {
            match &attempt {
                Attempt::Sent => tx.mark_sent(item.id)?,
                Attempt::Retry(error) | Attempt::GiveUp(error) => tx.mark_failed(item.id, error, retry)?,
            }
            tx.renew_outbox_claims(node, &rest, lease)
        })?;
        let id = &item.mail.message_id;
        match (attempt, retry) {
            (Attempt::Sent, _) => {
                tracing::info!(channel, outbox = %item.id, id, "delivered");
                report.sent += 1;
            }
            (Attempt::Retry(error) | Attempt::GiveUp(error), Some(at)) => {
                tracing::warn!(channel, outbox = %item.id, id, attempts = item.attempts, %error, retry_at = %at, "delivery failed; will retry");
                report.retrying += 1;
            }
            (Attempt::Retry(error) | Attempt::GiveUp(error), None) => {
                tracing::error!(channel, outbox = %item.id, id, attempts = item.attempts, %error, "delivery failed; giving up");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}
