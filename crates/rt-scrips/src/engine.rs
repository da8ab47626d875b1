//! The engine: runs the scrips of each pending event (one ticket
//! transaction) from rt-core's durable queue.
//!
//! Events are handled as `RT_System` in batches of up to [`BATCH`]
//! ([`PG_BATCH`] on PostgreSQL), the way RT runs scrips: for every event,
//! each enabled scrip of the ticket's queue and the global ones is checked
//! and its action prepared (a notification's recipients found, its
//! template rendered, its message built) against the ticket as the event
//! left it; then the batch commits in scrip order: messages recorded and
//! queued, other actions run each in its own savepoint, what each did
//! logged (`scrip_runs`), the events marked done, all in one DB
//! transaction. The batch's messages and log go in a few multi-row
//! statements for all its events (the write lock is SQLite's scarcest
//! resource); messages gathered so far are written before any other action
//! runs, so a ticket's history keeps scrip order. A crash before that commit
//! leaves the events pending: they run again after restart and their mail
//! is queued once.
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

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::rc::Rc;

use rt_core::db::Backend;
use rt_core::scrip::Event;
use rt_core::transaction::NewTransaction;
use rt_core::{
    Attachment, Error, Interface, QueueId, Result, Rt, Scrip, ScripId, ScripRunRecord, Session, Ticket, TicketId,
    Transaction, TransactionId, Tx,
};
use rt_mail::ComposedMail;

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
    /// Scrips that changed their ticket (not only mailed), whose changes
    /// are new events.
    pub changed: usize,
}

/// How often [`run_worker`] looks for new events once it has handled all
/// there were (`rt-server` runs it so).
pub const POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// Events handled per DB transaction on SQLite: one commit (one fsync)
/// for a batch instead of one per event, while the batch's hold of the
/// database's one write lock stays short (a few milliseconds).
pub const BATCH: usize = 25;

/// Events handled per DB transaction on PostgreSQL, where a batch locks
/// only its own events' rows, so nobody waits for a longer one. A batch
/// costs ~3 ms of statements whatever its size (the claim, the reads ahead,
/// planning the multi-row inserts): with 100 events instead of 25 the
/// engine catching up on a backlog uses a quarter less CPU.
pub const PG_BATCH: usize = 100;

/// Handles up to `max` pending events, in DB transactions of up to
/// [`BATCH`] events each ([`PG_BATCH`] on PostgreSQL). Returns once it has
/// caught up (a batch found fewer events than it could take and its
/// scrips changed nothing that would fire more), so that a worker called
/// again after a pause gets full batches rather than one event at a time.
///
/// Each batch is prepared, then committed, as RT runs scrips: every
/// condition is checked and every action prepared (recipients found,
/// templates rendered, messages built) against the ticket as the events
/// left it; then the actions commit in order. On SQLite the preparing runs
/// in a read transaction, beside other writers, and only the commit takes
/// the database's one write lock (each event is claimed again there, so an
/// event another worker finished meanwhile is skipped). On PostgreSQL both
/// run in one write transaction holding the events' row locks.
pub fn run_pending(rt: &Rt, max: usize) -> Result<RunReport> {
    let system = rt.system_session(Interface::Api);
    let mut report = RunReport::default();
    // After a batch fails as a whole (a database error, a panic: not a
    // scrip's own failure, which is recorded and done), its events go one
    // at a time, so that the one that fails is found and put off while the
    // others are handled.
    let mut one_by_one = false;
    let batch_size = if rt.backend() == Backend::Postgres { PG_BATCH } else { BATCH };
    while report.events < max {
        let limit = if one_by_one { 1 } else { batch_size.min(max - report.events) };
        let outcome =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_batch(rt, &system, limit, one_by_one)))
                .unwrap_or_else(|panic| Err(Error::Database(format!("a scrip panicked: {}", panic_text(&*panic)))));
        let batch = match outcome {
            Ok(Some(batch)) => batch,
            Ok(None) => break,
            Err(e) if !one_by_one => {
                tracing::warn!(error = %e, "a batch of scrips failed; handling its events one by one");
                one_by_one = true;
                continue;
            }
            Err(e) => {
                put_off(&system, &e)?;
                report.events += 1;
                report.failed += 1;
                continue;
            }
        };
        report.events += batch.events;
        report.done += batch.done;
        report.failed += batch.failed;
        report.changed += batch.changed;
        // Caught up: what arrives from now on waits for the next call,
        // and comes in full batches; the events the scrips' own changes
        // made are handled now.
        if !one_by_one && batch.events < limit && batch.changed == 0 {
            break;
        }
    }
    Ok(report)
}

/// Attempts at an event whose scrips fail as a whole before it is given up
/// (retried after 2, 4, ... 256 seconds: about eight and a half minutes in
/// all, so that a database that is briefly unwell loses nothing).
const MAX_ATTEMPTS: i64 = 8;

/// Handles one batch of up to `limit` pending events; `None` when there
/// were none. `peeked` takes the events seen by a read transaction and
/// claims each again when committing (SQLite's way, and how a single event
/// is retried on either backend: the event that failed is then the one
/// put off).
fn run_batch(rt: &Rt, system: &Session, limit: usize, peeked: bool) -> Result<Option<RunReport>> {
    let batch = if peeked || rt.backend() == Backend::Sqlite {
        let plans: Vec<Plan> = system.read(|tx| {
            let mut lists = ScripLists::default();
            let events = tx.peek_events(limit)?;
            let mut roles = BatchRoles::read_ahead(tx, &events)?;
            events.into_iter().map(|event| prepare(tx, event, &mut lists, &mut roles)).collect()
        })?;
        if plans.is_empty() {
            return Ok(None);
        }
        system.write(|tx| {
            let (mut batch, mut writes) = (RunReport::default(), Writes::default());
            // Taking the events marks them done with what their scrips
            // write; one another worker did meanwhile is skipped.
            let claimed = tx.claim_events(&plans.iter().map(|plan| plan.event.id).collect::<Vec<_>>())?;
            for plan in plans {
                if claimed.binary_search(&plan.event.id).is_ok() {
                    commit(tx, plan, &mut batch, &mut writes)?;
                }
            }
            writes.finish(tx)?;
            Ok(batch)
        })?
    } else {
        system.write(|tx| {
            let (mut batch, mut lists, mut writes) = (RunReport::default(), ScripLists::default(), Writes::default());
            let events = tx.take_events(limit)?;
            let mut roles = BatchRoles::read_ahead(tx, &events)?;
            for event in events {
                let plan = prepare(tx, event, &mut lists, &mut roles)?;
                if commit(tx, plan, &mut batch, &mut writes)? {
                    // An action ran: it may have changed watchers.
                    roles.forget();
                }
            }
            writes.finish(tx)?;
            Ok(batch)
        })?
    };
    Ok((batch.events > 0 || !peeked).then_some(batch))
}

/// Puts off the next pending event, whose scrips just failed alone with
/// `error`; once given up, says so on its ticket.
fn put_off(system: &Session, error: &Error) -> Result<()> {
    let Some(event) = system.read(|tx| tx.peek_events(1))?.into_iter().next() else { return Ok(()) };
    let message = format!("Scrips of transaction {} failed: {error}", event.transaction);
    system.write(|tx| {
        if !tx.defer_event(event.id, MAX_ATTEMPTS)? {
            tracing::warn!(event = event.id, "{message}; retrying later");
            return Ok(());
        }
        tracing::error!(event = event.id, "{message}; given up after {MAX_ATTEMPTS} attempts");
        let ticket = TicketId(event.object_id);
        if let Err(e) = tx.savepoint(|tx| system_error(tx, ticket, &format!("{message}; given up"))) {
            tracing::warn!(event = event.id, error = %e, "could not record the failure on the ticket");
        }
        Ok(())
    })
}

/// What a panic said.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "no message".into())
}

/// The scrips of each queue and stage, read once per batch.
#[derive(Default)]
struct ScripLists(HashMap<(QueueId, &'static str), Rc<[Scrip]>>);

impl ScripLists {
    fn get(&mut self, tx: &mut Tx<'_>, queue: QueueId, stage: &'static str) -> Result<Rc<[Scrip]>> {
        Ok(match self.0.entry((queue, stage)) {
            Entry::Occupied(e) => Rc::clone(e.get()),
            Entry::Vacant(e) => Rc::clone(e.insert(tx.scrips_for(queue, stage)?.into())),
        })
    }
}

/// The role addresses of a batch's tickets: read for all of them when the
/// first notification needs them, then for a ticket at a time once
/// forgotten (after an action that may have changed watchers).
struct BatchRoles {
    tickets: Vec<TicketId>,
    read: HashMap<TicketId, actions::RoleAddresses>,
}

impl BatchRoles {
    /// Reads the batch's transactions, tickets and messages into the DB
    /// transaction's cache, and notes its tickets.
    fn read_ahead(tx: &mut Tx<'_>, events: &[Event]) -> Result<BatchRoles> {
        tx.prefetch_transactions(&events.iter().map(|e| e.transaction).collect::<Vec<_>>())?;
        let mut tickets = Vec::new();
        for event in events {
            if let Ok(txn) = tx.ticket_transaction(event.transaction)
                && txn.object_type == "RT::Ticket"
                && let Ok(ticket) = tx.ticket(TicketId(txn.object_id))
            {
                tickets.push(ticket.id);
            }
        }
        Ok(BatchRoles { tickets, read: HashMap::new() })
    }

    fn of(&mut self, tx: &mut Tx<'_>, ticket: TicketId) -> Result<&actions::RoleAddresses> {
        if !self.read.contains_key(&ticket) {
            let mut wanted = std::mem::take(&mut self.tickets);
            wanted.push(ticket);
            self.read.extend(tx.all_role_addresses_of(&wanted)?);
        }
        Ok(self.read.entry(ticket).or_default())
    }

    fn forget(&mut self) {
        self.tickets.clear();
        self.read.clear();
    }
}

/// A transaction and its message.
type Recorded = (Transaction, Vec<Attachment>);

/// What one event's scrips will do, worked out before anything is written.
struct Plan {
    event: Event,
    /// The event's ticket, when it is a ticket's.
    ticket: Option<TicketId>,
    steps: Vec<Step>,
}

/// One scrip's part of a [`Plan`], in scrip order.
enum Step {
    /// A message built and ready to record and queue.
    Mail { scrip: ScripId, txn: TransactionId, mail: Box<ComposedMail>, summary: String },
    /// An action that changes things: it runs when the plan commits, on
    /// the transaction its condition held for.
    Act { scrip: Box<Scrip>, txn: TransactionId },
    /// The condition or the preparing failed.
    Failed { scrip: ScripId, txn: TransactionId, message: String, error: String },
    /// The chain of scrips is too deep: nothing runs, the ticket says why.
    TooDeep(String),
}

/// Works out what the scrips of one event will do: its TransactionCreate
/// scrips, and, when it ends its batch, the batch's TransactionBatch
/// scrips. It only reads.
fn prepare(tx: &mut Tx<'_>, event: Event, lists: &mut ScripLists, roles: &mut BatchRoles) -> Result<Plan> {
    let mut plan = Plan { event, ticket: None, steps: Vec::new() };
    let txn = match tx.ticket_transaction(plan.event.transaction) {
        Ok(txn) => txn,
        // Not a ticket's (a queue's or a user's history): no scrips.
        Err(Error::NotFound { .. } | Error::Validation { .. }) => return Ok(plan),
        Err(e) => return Err(e),
    };
    if txn.object_type != "RT::Ticket" {
        return Ok(plan);
    }
    let ticket = tx.ticket(TicketId(txn.object_id))?;
    plan.ticket = Some(ticket.id);
    if plan.event.depth >= MAX_DEPTH {
        plan.steps.push(Step::TooDeep(format!(
            "Scrips not run for transaction {}: {MAX_DEPTH} levels of scrips causing changes that fire scrips \
             (a loop between scrips?)",
            txn.id
        )));
        return Ok(plan);
    }
    let attachments = tx.transaction_attachments(txn.id)?;
    let single = vec![(txn, attachments)];
    let scrips = lists.get(tx, ticket.queue, "TransactionCreate")?;
    prepare_stage(tx, &scrips, &ticket, &single, roles, &mut plan.steps)?;
    // TransactionBatch scrips run once per batch, after its last event.
    let batch_scrips = lists.get(tx, ticket.queue, "TransactionBatch")?;
    if !batch_scrips.is_empty()
        && let Some(batch) = tx.event_batch(&plan.event)?
    {
        let mut txns = Vec::with_capacity(batch.len());
        for id in batch {
            txns.push((tx.ticket_transaction(id)?, tx.transaction_attachments(id)?));
        }
        prepare_stage(tx, &batch_scrips, &ticket, &txns, roles, &mut plan.steps)?;
    }
    Ok(plan)
}

/// Prepares `scrips` in order. Each acts on the first of `txns` its
/// condition holds for (there is one but in the batch stage).
fn prepare_stage(
    tx: &mut Tx<'_>,
    scrips: &[Scrip],
    ticket: &Ticket,
    txns: &[Recorded],
    roles: &mut BatchRoles,
    steps: &mut Vec<Step>,
) -> Result<()> {
    for scrip in scrips {
        for (txn, attachments) in txns {
            let subject = Subject { ticket, txn, attachments };
            let step = match applies(tx, scrip, &subject).and_then(|holds| match holds {
                true => prepare_action(tx, scrip, &subject, roles).map(Some),
                false => Ok(None),
            }) {
                Ok(None) => continue,
                Ok(Some(step)) => step,
                Err(e) => failed(scrip, txn.id, &e),
            };
            steps.extend(step);
            break;
        }
    }
    Ok(())
}

/// Prepares the action of a scrip whose condition holds. A notification
/// works out its recipients and builds its message now (`None` when there
/// is nobody to tell); other actions run at commit.
fn prepare_action(
    tx: &mut Tx<'_>,
    scrip: &Scrip,
    subject: &Subject<'_>,
    roles: &mut BatchRoles,
) -> Result<Option<Step>> {
    let custom = registry::action(&scrip.action).is_some();
    let plan = match custom {
        true => None,
        false => actions::notification(tx, &scrip.action, scrip.action_rule.as_deref(), subject.ticket)?,
    };
    let Some(plan) = plan else {
        if !custom && !actions::may_act(tx, &scrip.action, subject)? {
            return Ok(None);
        }
        return Ok(Some(Step::Act { scrip: Box::new(scrip.clone()), txn: subject.txn.id }));
    };
    let roles = roles.of(tx, subject.ticket.id)?;
    let recipients = actions::recipients_among(tx, subject, &plan, roles)?;
    Ok(actions::compose(tx, &scrip.template, subject, &plan, recipients)?.map(|(mail, summary)| Step::Mail {
        scrip: scrip.id,
        txn: subject.txn.id,
        mail: Box::new(mail),
        summary,
    }))
}

fn failed(scrip: &Scrip, txn: TransactionId, e: &Error) -> Option<Step> {
    let message = format!("Scrip {} ({}) failed: {e}", scrip.id, scrip.description);
    Some(Step::Failed { scrip: scrip.id, txn, message, error: e.to_string() })
}

/// What a batch's plans write, gathered so that each kind goes in one
/// multi-row statement rather than one per event.
#[derive(Default)]
struct Writes {
    /// Messages to record and queue.
    mails: Vec<ComposedMail>,
    /// What each scrip did, in order.
    runs: Vec<(TransactionId, ScripId, &'static str, String)>,
}

impl Writes {
    /// Records and queues the messages gathered so far: before anything
    /// else records a transaction, so that a ticket's history keeps the
    /// scrips' order.
    fn record_mails(&mut self, tx: &mut Tx<'_>) -> Result<()> {
        if !self.mails.is_empty() {
            rt_mail::record_ticket_mails(tx, std::mem::take(&mut self.mails))?;
        }
        Ok(())
    }

    fn run(&mut self, txn: TransactionId, scrip: ScripId, outcome: &'static str, detail: String) {
        self.runs.push((txn, scrip, outcome, detail));
    }

    /// Writes what is left.
    fn finish(mut self, tx: &mut Tx<'_>) -> Result<()> {
        self.record_mails(tx)?;
        let runs: Vec<_> = self
            .runs
            .iter()
            .map(|(txn, scrip, outcome, detail)| ScripRunRecord { txn: *txn, scrip: *scrip, outcome, detail })
            .collect();
        tx.record_scrip_runs(&runs)
    }
}

/// Carries out a plan in the write transaction that claimed its event
/// (and marked it done): messages recorded and queued, other actions run
/// each in a savepoint (a failure undoes its own writes and nothing else),
/// every outcome logged, failures recorded on the ticket. What can wait is
/// gathered in `writes`, written once for the batch. Returns whether an
/// action other than mail ran.
fn commit(tx: &mut Tx<'_>, plan: Plan, report: &mut RunReport, writes: &mut Writes) -> Result<bool> {
    let Plan { event, ticket, steps } = plan;
    report.events += 1;
    let mut acted = false;
    if let Some(ticket) = ticket {
        tx.set_event_depth(event.depth + 1)?;
        for step in steps {
            if !matches!(step, Step::Mail { .. }) {
                writes.record_mails(tx)?;
            }
            let failure = match step {
                Step::Mail { scrip, txn, mail, summary } => {
                    writes.mails.push(*mail);
                    writes.run(txn, scrip, "done", summary);
                    report.done += 1;
                    None
                }
                Step::Act { scrip, txn } => {
                    acted = true;
                    let (txn, attachments) = (tx.ticket_transaction(txn)?, tx.transaction_attachments(txn)?);
                    let current = tx.ticket(ticket)?;
                    let subject = Subject { ticket: &current, txn: &txn, attachments: &attachments };
                    match tx.savepoint(|tx| run_action(tx, &scrip, &subject)) {
                        Ok(None) => None,
                        Ok(Some(what)) => {
                            writes.run(txn.id, scrip.id, "done", what);
                            report.done += 1;
                            report.changed += 1;
                            None
                        }
                        Err(e) => failed(&scrip, txn.id, &e),
                    }
                }
                step @ (Step::Failed { .. } | Step::TooDeep(_)) => Some(step),
            };
            match failure {
                Some(Step::Failed { scrip, txn, message, error }) => {
                    tracing::warn!(%ticket, transaction = %txn, "{message}");
                    writes.run(txn, scrip, "failed", error);
                    system_error(tx, ticket, &message)?;
                    report.failed += 1;
                }
                Some(Step::TooDeep(message)) => {
                    tracing::warn!(%ticket, transaction = %event.transaction, "{message}");
                    system_error(tx, ticket, &message)?;
                    report.failed += 1;
                }
                _ => {}
            }
        }
    }
    Ok(acted)
}

/// Runs a scrip's (non-mail) action.
fn run_action(tx: &mut Tx<'_>, scrip: &Scrip, subject: &Subject<'_>) -> Result<Option<String>> {
    run_named_action(tx, &scrip.action, scrip.action_rule.as_deref(), &scrip.template, subject)
}

/// Runs the action called `name` (a registered one first) with its
/// argument `rule` and template.
pub(crate) fn run_named_action(
    tx: &mut Tx<'_>,
    name: &str,
    rule: Option<&str>,
    template: &str,
    subject: &Subject<'_>,
) -> Result<Option<String>> {
    match registry::action(name) {
        Some(custom) => custom.run(tx, template, subject),
        None => actions::run(tx, name, rule, template, subject),
    }
}

/// Whether a scrip's condition holds for the ticket as it stands.
pub(crate) fn applies(tx: &mut Tx<'_>, scrip: &Scrip, subject: &Subject<'_>) -> Result<bool> {
    condition_holds(tx, &scrip.condition, scrip.condition_rule.as_deref(), subject)
}

/// Whether the condition called `name` (a registered one first) holds,
/// with its argument `rule`.
pub(crate) fn condition_holds(tx: &mut Tx<'_>, name: &str, rule: Option<&str>, subject: &Subject<'_>) -> Result<bool> {
    match registry::condition(name) {
        Some(custom) => custom.holds(tx, subject),
        None => conditions::holds(tx, name, rule, subject),
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
