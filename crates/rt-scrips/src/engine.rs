//! The engine: runs the scrips of each pending event (one ticket
//! transaction) from rt-core's durable queue.
//!
//! Events are handled as `RT_System` in DB transactions of up to
//! [`BATCH`] events: each event is taken (locked; on PostgreSQL other nodes
//! skip it), each enabled scrip
//! of the ticket's queue and the global ones runs in order inside its own
//! savepoint, what each did is logged (`scrip_runs`), the event is marked
//! done and everything commits together with the mail and changes the
//! scrips made. A crash before that commit leaves the events pending: they
//! run again after restart and their mail is queued once.
//!
//! TransactionBatch scrips run once for all the transactions one DB
//! transaction recorded on a ticket (a web update changing several
//! fields), when the batch's last event is handled, on the first of its
//! transactions their condition holds for.
//!
//! A scrip that fails (a template that does not render, a change the
//! lifecycle refuses...) is rolled back alone, logged as failed and
//! recorded on the ticket as a `SystemError` transaction; the change that
//! fired it stands and the other scrips run. Changes a scrip makes fire
//! scrips in turn, one level deeper; at [`MAX_DEPTH`] the engine stops and
//! records why on the ticket.

use rt_core::scrip::Event;
use rt_core::transaction::NewTransaction;
use rt_core::{Error, Interface, Result, Rt, Tx};

use crate::conditions::{self, Subject};
use crate::{actions, registry};

/// How many levels of scrips-firing-scrips run before the engine stops a
/// chain as a probable loop.
pub const MAX_DEPTH: i64 = 10;

/// What one call of [`run_pending`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Events handled.
    pub events: usize,
    /// Scrips whose action did something.
    pub done: usize,
    /// Scrips that failed (recorded on their tickets).
    pub failed: usize,
}

/// Events handled per DB transaction: one commit (one fsync on SQLite)
/// for a batch instead of one per event.
pub const BATCH: usize = 10;

/// Handles up to `max` pending events, in DB transactions of up to
/// [`BATCH`] events each.
pub fn run_pending(rt: &Rt, max: usize) -> Result<RunReport> {
    let system = rt.system_session(Interface::Api);
    let mut report = RunReport::default();
    while report.events < max {
        let batch = system.write(|tx| {
            let mut batch = RunReport::default();
            while batch.events < BATCH.min(max - report.events) {
                let Some(event) = tx.next_event()? else { break };
                let (done, failed) = run_event(tx, &event)?;
                tx.finish_event(&event)?;
                batch.events += 1;
                batch.done += done;
                batch.failed += failed;
            }
            Ok(batch)
        })?;
        report.events += batch.events;
        report.done += batch.done;
        report.failed += batch.failed;
        if batch.events == 0 {
            break;
        }
    }
    Ok(report)
}

/// Runs the scrips of one event: its TransactionCreate scrips, and, when
/// it ends its batch, the batch's TransactionBatch scrips.
fn run_event(tx: &mut Tx<'_>, event: &Event) -> Result<(usize, usize)> {
    let txn = match tx.ticket_transaction(event.transaction) {
        Ok(txn) => txn,
        // Not a ticket's (a queue's or a user's history): no scrips.
        Err(Error::NotFound { .. } | Error::Validation { .. }) => return Ok((0, 0)),
        Err(e) => return Err(e),
    };
    if txn.object_type != "RT::Ticket" {
        return Ok((0, 0));
    }
    let ticket = tx.ticket(rt_core::TicketId(txn.object_id))?;
    if event.depth >= MAX_DEPTH {
        let message = format!(
            "Scrips not run for transaction {}: {MAX_DEPTH} levels of scrips causing changes that fire scrips \
             (a loop between scrips?)",
            txn.id
        );
        tracing::warn!(ticket = %ticket.id, transaction = %txn.id, "{message}");
        system_error(tx, ticket.id, &message)?;
        return Ok((0, 1));
    }
    tx.set_event_depth(event.depth + 1)?;
    let attachments = tx.transaction_attachments(txn.id)?;
    let mut counts = (0, 0);
    let single = [(txn, attachments)];
    let scrips = tx.scrips_for(ticket.queue, "TransactionCreate")?;
    run_stage(tx, &scrips, ticket.id, &single, &mut counts)?;
    // TransactionBatch scrips run once per batch, after its last event.
    let batch_scrips = tx.scrips_for(ticket.queue, "TransactionBatch")?;
    if !batch_scrips.is_empty()
        && let Some(batch) = tx.event_batch(event)?
    {
        let mut txns = Vec::with_capacity(batch.len());
        for id in batch {
            txns.push((tx.ticket_transaction(id)?, tx.transaction_attachments(id)?));
        }
        run_stage(tx, &batch_scrips, ticket.id, &txns, &mut counts)?;
    }
    Ok(counts)
}

/// Runs `scrips` in order. For each, the first of `txns` its condition
/// holds for (there is one but in the batch stage) is what its action
/// runs on, in a savepoint; what it did is logged and a failure recorded
/// on the ticket. Adds to `(done, failed)`.
fn run_stage(
    tx: &mut Tx<'_>,
    scrips: &[rt_core::Scrip],
    ticket: rt_core::TicketId,
    txns: &[(rt_core::Transaction, Vec<rt_core::Attachment>)],
    (done, failed): &mut (usize, usize),
) -> Result<()> {
    // The ticket as the scrips so far left it: reloaded after an action.
    let mut current = tx.ticket(ticket)?;
    for scrip in scrips {
        let mut outcome = Ok(None);
        let mut on = None;
        for (txn, attachments) in txns {
            // The condition only reads; the action runs in a savepoint so
            // that a failure undoes its own writes and nothing else.
            let subject = Subject { ticket: &current, txn, attachments };
            match applies(tx, scrip, &subject) {
                Ok(false) => continue,
                Ok(true) => {
                    outcome = tx.savepoint(|tx| match registry::action(&scrip.action) {
                        Some(custom) => custom.run(tx, &scrip.template, &current, txn),
                        None => {
                            actions::run(tx, &scrip.action, scrip.action_rule.as_deref(), &scrip.template, &subject)
                        }
                    });
                    current = tx.ticket(ticket)?;
                }
                Err(e) => outcome = Err(e),
            }
            on = Some(txn.id);
            break;
        }
        let Some(txn) = on else { continue };
        match outcome {
            Ok(None) => {}
            Ok(Some(what)) => {
                tx.record_scrip_run(txn, scrip.id, "done", &what)?;
                *done += 1;
            }
            Err(e) => {
                let message = format!("Scrip {} ({}) failed: {e}", scrip.id, scrip.description);
                tracing::warn!(%ticket, transaction = %txn, "{message}");
                tx.record_scrip_run(txn, scrip.id, "failed", &e.to_string())?;
                system_error(tx, ticket, &message)?;
                *failed += 1;
            }
        }
    }
    Ok(())
}

/// Whether a scrip's condition holds for the ticket as it stands.
pub(crate) fn applies(tx: &mut Tx<'_>, scrip: &rt_core::Scrip, subject: &Subject<'_>) -> Result<bool> {
    match registry::condition(&scrip.condition) {
        Some(custom) => custom.holds(tx, subject),
        None => conditions::holds(tx, &scrip.condition, scrip.condition_rule.as_deref(), subject),
    }
}

/// Records a `SystemError` transaction on the ticket (it fires no scrips).
fn system_error(tx: &mut Tx<'_>, ticket: rt_core::TicketId, message: &str) -> Result<()> {
    let record = NewTransaction {
        object_type: "RT::Ticket",
        object_id: ticket.0,
        kind: "SystemError",
        data: Some(message.to_string()),
        ..NewTransaction::default()
    };
    tx.record(record, None).map(drop)
}

/// Runs scrips until `stop` says so (or its sender is gone): everything
/// pending at once (what a crash left included), then whatever new every
/// `poll`. The loop `rt-server serve` runs on its own thread.
pub fn run_worker(rt: &Rt, poll: std::time::Duration, stop: &std::sync::mpsc::Receiver<()>) {
    rt_core::worker::run_until_stopped("scrips", poll, stop, || Ok(run_pending(rt, 100)?.events == 100));
}
