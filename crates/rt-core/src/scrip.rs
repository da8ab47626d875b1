//! Storage of RT's automation: templates, scrips and where they apply, the
//! log of what scrip runs did, and the pending-event queue scrips run from.
//!
//! rt-core keeps the rows and the rights on them (`ShowTemplate` /
//! `ModifyTemplate`, `ShowScrips` / `ModifyScrips`, per queue or global);
//! `rt-scrips` knows what conditions, actions and templates mean: it checks
//! a template's syntax before saving it through here, and its engine takes
//! events ([`Tx::take_events`], or [`Tx::peek_events`] to prepare in a
//! read transaction and [`Tx::claim_events`] to commit), each marked done
//! in the same DB transaction as what it did ([`Tx::record_scrip_run`]),
//! the mail and the changes the scrips produced. A crash before that
//! commit leaves the event pending: its scrips run again after restart and
//! their mail goes out once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{events, object_scrips, scrip_exclusions, scrip_runs, scrips, templates};
use crate::db::{dialect, fold};
use crate::{AclObject, Error, QueueId, Result, TransactionId, Tx};

/// A scrip's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScripId(pub i64);

/// A template's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TemplateId(pub i64);

impl std::fmt::Display for ScripId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A mail template: RT's layout (header lines, blank line, body) in Tera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its id.
    pub id: TemplateId,
    /// The queue it belongs to; `None` for a global template.
    pub queue: Option<QueueId>,
    /// Its name, e.g. `Autoreply in HTML` (unique per queue, any case).
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The template text.
    pub content: String,
}

/// A template to create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewTemplate {
    /// The queue, or `None` for global.
    pub queue: Option<QueueId>,
    /// The name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// The template text.
    pub content: String,
}

/// A scrip: when its condition holds for a transaction, its action runs
/// with its template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scrip {
    /// Its id.
    pub id: ScripId,
    /// What it does, in words.
    pub description: String,
    /// RT's condition name (`On Create`...) or `User Defined`.
    pub condition: String,
    /// The rule of a user-defined condition (JSON).
    pub condition_rule: Option<String>,
    /// RT's action name (`Notify Requestors`...) or `User Defined`.
    pub action: String,
    /// The rule of a user-defined action (JSON).
    pub action_rule: Option<String>,
    /// The template's name.
    pub template: String,
    /// `TransactionCreate` or `TransactionBatch`.
    pub stage: String,
    /// A disabled scrip never runs.
    pub disabled: bool,
}

/// A scrip to create, applied globally or to one queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScrip {
    /// What it does, in words.
    pub description: String,
    /// RT's condition name.
    pub condition: String,
    /// A user-defined condition's rule (JSON).
    pub condition_rule: Option<String>,
    /// RT's action name.
    pub action: String,
    /// A user-defined action's rule (JSON).
    pub action_rule: Option<String>,
    /// The template's name.
    pub template: String,
    /// `TransactionCreate` (the default) or `TransactionBatch`.
    pub stage: String,
    /// Created disabled.
    pub disabled: bool,
    /// The queue it applies to; `None` for every queue.
    pub queue: Option<QueueId>,
    /// Its place among the queue's scrips (lower runs first).
    pub sort_order: i64,
}

impl NewScrip {
    /// A global TransactionCreate scrip.
    pub fn new(description: &str, condition: &str, action: &str, template: &str) -> NewScrip {
        NewScrip {
            description: description.into(),
            condition: condition.into(),
            condition_rule: None,
            action: action.into(),
            action_rule: None,
            template: template.into(),
            stage: "TransactionCreate".into(),
            disabled: false,
            queue: None,
            sort_order: 0,
        }
    }
}

/// What one scrip did for one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScripRun {
    /// The scrip.
    pub scrip: ScripId,
    /// `done` or `failed`.
    pub outcome: String,
    /// What it did (mail to whom, a field set...) or the error.
    pub detail: String,
    /// When.
    pub created: DateTime<Utc>,
}

/// What one scrip did for one transaction, to record
/// ([`Tx::record_scrip_runs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScripRunRecord<'a> {
    /// The transaction the scrip ran for.
    pub txn: TransactionId,
    /// The scrip.
    pub scrip: ScripId,
    /// `done` or `failed`.
    pub outcome: &'a str,
    /// What it did or the error.
    pub detail: &'a str,
}

/// A pending event: a transaction whose scrips have not run yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The event row.
    pub id: i64,
    /// The transaction.
    pub transaction: TransactionId,
    /// How many scrip runs deep the transaction was made (0: by a person).
    pub depth: i64,
    /// The batch: the first transaction of the DB transaction that
    /// recorded this one.
    pub batch: i64,
    /// The object (ticket) the transaction belongs to.
    pub object_id: i64,
}

type TemplateRow = (i64, i64, String, String, String);
type ScripRow = (i64, String, String, Option<String>, String, Option<String>, String, String, bool);

fn template_from(r: TemplateRow) -> Template {
    Template {
        id: TemplateId(r.0),
        queue: (r.1 != 0).then_some(QueueId(r.1)),
        name: r.2,
        description: r.3,
        content: r.4,
    }
}

fn scrip_from(r: ScripRow) -> Scrip {
    Scrip {
        id: ScripId(r.0),
        description: r.1,
        condition: r.2,
        condition_rule: r.3,
        action: r.4,
        action_rule: r.5,
        template: r.6,
        stage: r.7,
        disabled: r.8,
    }
}

/// Where a template or scrip lives, for rights: its queue, or the system.
fn object_of(queue: Option<QueueId>) -> AclObject {
    queue.map_or(AclObject::System, AclObject::Queue)
}

const TEMPLATE_COLUMNS: (
    templates::id,
    templates::queue_id,
    templates::name,
    templates::description,
    templates::content,
) = (templates::id, templates::queue_id, templates::name, templates::description, templates::content);

const SCRIP_COLUMNS: (
    scrips::id,
    scrips::description,
    scrips::condition_name,
    scrips::condition_rule,
    scrips::action_name,
    scrips::action_rule,
    scrips::template,
    scrips::stage,
    scrips::disabled,
) = (
    scrips::id,
    scrips::description,
    scrips::condition_name,
    scrips::condition_rule,
    scrips::action_name,
    scrips::action_rule,
    scrips::template,
    scrips::stage,
    scrips::disabled,
);

impl Tx<'_> {
    /// Creates a template. Needs `ModifyTemplate` on its queue (or
    /// globally). The caller (rt-scrips) has checked its syntax.
    pub fn create_template(&mut self, new: &NewTemplate) -> Result<TemplateId> {
        self.require("ModifyTemplate", object_of(new.queue))?;
        let name = new.name.trim();
        if name.is_empty() {
            return Err(Error::invalid("name", "a template needs a name"));
        }
        let (me, now) = (self.user.id.0, self.now);
        let id: i64 = crate::db::dialect::with_inner!(&mut *self.conn, c => diesel::insert_into(templates::table)
            .values((
                templates::queue_id.eq(new.queue.map_or(0, |q| q.0)),
                templates::name.eq(name),
                templates::name_folded.eq(fold(name)),
                templates::description.eq(&new.description),
                templates::content.eq(&new.content),
                templates::creator.eq(me),
                templates::created.eq(now),
                templates::last_updated_by.eq(me),
                templates::last_updated.eq(now),
            ))
            .returning(templates::id)
            .get_result(c))?;
        self.cache.templates.clear();
        Ok(TemplateId(id))
    }

    /// Replaces a template's text. Needs `ModifyTemplate` where it lives.
    pub fn update_template(&mut self, id: TemplateId, content: &str) -> Result<()> {
        let template = self.template_by_id(id)?;
        self.require("ModifyTemplate", object_of(template.queue))?;
        diesel::update(templates::table.find(id.0))
            .set((
                templates::content.eq(content),
                templates::last_updated_by.eq(self.user.id.0),
                templates::last_updated.eq(self.now),
            ))
            .execute(self.conn)?;
        self.cache.templates.clear();
        Ok(())
    }

    /// A template by id. Needs `ShowTemplate` where it lives.
    pub fn template_by_id(&mut self, id: TemplateId) -> Result<Template> {
        let row: TemplateRow = templates::table
            .find(id.0)
            .select(TEMPLATE_COLUMNS)
            .get_result(self.conn)
            .optional()?
            .ok_or_else(|| Error::not_found("template", id.0))?;
        let template = template_from(row);
        self.require("ShowTemplate", object_of(template.queue))?;
        Ok(template)
    }

    /// The template a scrip of `queue` uses under `name`: the queue's own,
    /// else the global one (names in any case). Needs `ShowTemplate`.
    pub fn template_for(&mut self, queue: QueueId, name: &str) -> Result<Option<Template>> {
        let key = (queue.0, fold(name.trim()));
        let found = match self.cache.templates.get(&key) {
            Some(found) => found.clone(),
            None => {
                let rows: Vec<TemplateRow> = templates::table
                    .filter(templates::name_folded.eq(&key.1))
                    .filter(templates::queue_id.eq(0).or(templates::queue_id.eq(queue.0)))
                    .order(templates::queue_id.desc())
                    .select(TEMPLATE_COLUMNS)
                    .load(self.conn)?;
                let found = rows.into_iter().next().map(template_from);
                self.cache.templates.insert(key, found.clone());
                found
            }
        };
        let Some(template) = found else { return Ok(None) };
        self.require("ShowTemplate", object_of(template.queue))?;
        Ok(Some(template))
    }

    /// The templates of a queue, or the global ones, by name.
    pub fn templates(&mut self, queue: Option<QueueId>) -> Result<Vec<Template>> {
        self.require("ShowTemplate", object_of(queue))?;
        let rows: Vec<TemplateRow> = templates::table
            .filter(templates::queue_id.eq(queue.map_or(0, |q| q.0)))
            .order(templates::name_folded)
            .select(TEMPLATE_COLUMNS)
            .load(self.conn)?;
        Ok(rows.into_iter().map(template_from).collect())
    }

    /// Creates a scrip and applies it to its queue (or every queue). Needs
    /// `ModifyScrips` there.
    pub fn create_scrip(&mut self, new: &NewScrip) -> Result<ScripId> {
        self.require("ModifyScrips", object_of(new.queue))?;
        if !["TransactionCreate", "TransactionBatch"].contains(&new.stage.as_str()) {
            return Err(Error::invalid(
                "stage",
                format!("{:?} is not TransactionCreate or TransactionBatch", new.stage),
            ));
        }
        for (field, value) in [("condition", &new.condition), ("action", &new.action), ("template", &new.template)] {
            if value.trim().is_empty() {
                return Err(Error::invalid(field, "must not be empty"));
            }
        }
        let (me, now) = (self.user.id.0, self.now);
        let id: i64 = crate::db::dialect::with_inner!(&mut *self.conn, c => diesel::insert_into(scrips::table)
            .values((
                scrips::description.eq(&new.description),
                scrips::condition_name.eq(new.condition.trim()),
                scrips::condition_rule.eq(&new.condition_rule),
                scrips::action_name.eq(new.action.trim()),
                scrips::action_rule.eq(&new.action_rule),
                scrips::template.eq(new.template.trim()),
                scrips::stage.eq(&new.stage),
                scrips::disabled.eq(new.disabled),
                scrips::creator.eq(me),
                scrips::created.eq(now),
                scrips::last_updated_by.eq(me),
                scrips::last_updated.eq(now),
            ))
            .returning(scrips::id)
            .get_result(c))?;
        let scrip = ScripId(id);
        self.apply_scrip(scrip, new.queue, new.sort_order)?;
        Ok(scrip)
    }

    /// Applies a scrip to a queue (or, with `None`, to every queue) at
    /// `sort_order`. Needs `ModifyScrips` there.
    pub fn apply_scrip(&mut self, scrip: ScripId, queue: Option<QueueId>, sort_order: i64) -> Result<()> {
        self.require("ModifyScrips", object_of(queue))?;
        diesel::insert_into(object_scrips::table)
            .values((
                object_scrips::scrip_id.eq(scrip.0),
                object_scrips::queue_id.eq(queue.map_or(0, |q| q.0)),
                object_scrips::sort_order.eq(sort_order),
            ))
            .execute(self.conn)?;
        Ok(())
    }

    /// Keeps a global scrip from running in `queue`. Needs `ModifyScrips`
    /// on the queue.
    pub fn exclude_scrip(&mut self, scrip: ScripId, queue: QueueId) -> Result<()> {
        self.require("ModifyScrips", AclObject::Queue(queue))?;
        diesel::insert_into(scrip_exclusions::table)
            .values((scrip_exclusions::scrip_id.eq(scrip.0), scrip_exclusions::queue_id.eq(queue.0)))
            .execute(self.conn)?;
        Ok(())
    }

    /// The scrips applied to `queue` itself (not the global ones), with
    /// their sort order there, by sort order then id. Needs `ShowScrips` on
    /// the queue.
    pub fn queue_scrips(&mut self, queue: QueueId) -> Result<Vec<(ScripId, i64)>> {
        self.require("ShowScrips", AclObject::Queue(queue))?;
        let rows: Vec<(i64, i64)> = object_scrips::table
            .filter(object_scrips::queue_id.eq(queue.0))
            .order((object_scrips::sort_order, object_scrips::scrip_id))
            .select((object_scrips::scrip_id, object_scrips::sort_order))
            .load(self.conn)?;
        Ok(rows.into_iter().map(|(id, order)| (ScripId(id), order)).collect())
    }

    /// The global scrips `queue` excludes, by id. Needs `ShowScrips` on the
    /// queue.
    pub fn excluded_scrips(&mut self, queue: QueueId) -> Result<Vec<ScripId>> {
        self.require("ShowScrips", AclObject::Queue(queue))?;
        let ids: Vec<i64> = scrip_exclusions::table
            .filter(scrip_exclusions::queue_id.eq(queue.0))
            .order(scrip_exclusions::scrip_id)
            .select(scrip_exclusions::scrip_id)
            .load(self.conn)?;
        Ok(ids.into_iter().map(ScripId).collect())
    }

    /// Enables or disables a scrip. Needs global `ModifyScrips`.
    pub fn set_scrip_disabled(&mut self, scrip: ScripId, disabled: bool) -> Result<()> {
        self.require("ModifyScrips", AclObject::System)?;
        let n = diesel::update(scrips::table.find(scrip.0))
            .set((scrips::disabled.eq(disabled), scrips::last_updated.eq(self.now)))
            .execute(self.conn)?;
        if n == 0 {
            return Err(Error::not_found("scrip", scrip.0));
        }
        Ok(())
    }

    /// The enabled scrips of `stage` that run for tickets of `queue`: its
    /// own and the global ones it does not exclude, in sort order then id.
    /// Needs `ShowScrips` on the queue.
    pub fn scrips_for(&mut self, queue: QueueId, stage: &str) -> Result<Vec<Scrip>> {
        self.require("ShowScrips", AclObject::Queue(queue))?;
        let excluded =
            scrip_exclusions::table.filter(scrip_exclusions::queue_id.eq(queue.0)).select(scrip_exclusions::scrip_id);
        let rows: Vec<(ScripRow, i64, i64)> = scrips::table
            .inner_join(object_scrips::table.on(object_scrips::scrip_id.eq(scrips::id)))
            .filter(
                object_scrips::queue_id.eq(queue.0).or(object_scrips::queue_id.eq(0).and(scrips::id.ne_all(excluded))),
            )
            .filter(scrips::disabled.eq(false))
            .filter(scrips::stage.eq(stage))
            .select((SCRIP_COLUMNS, object_scrips::sort_order, object_scrips::queue_id))
            .order((object_scrips::sort_order, scrips::id))
            .load(self.conn)?;
        let mut out: Vec<Scrip> = Vec::with_capacity(rows.len());
        for (row, _, _) in rows {
            if !out.iter().any(|s| s.id.0 == row.0) {
                out.push(scrip_from(row));
            }
        }
        Ok(out)
    }

    /// Every scrip, enabled or not, by id. Needs global `ShowScrips`.
    pub fn all_scrips(&mut self) -> Result<Vec<Scrip>> {
        self.require("ShowScrips", AclObject::System)?;
        let rows: Vec<ScripRow> = scrips::table.order(scrips::id).select(SCRIP_COLUMNS).load(self.conn)?;
        Ok(rows.into_iter().map(scrip_from).collect())
    }

    /// Records what a scrip did for a transaction. Only `RT_System` (the
    /// engine).
    pub fn record_scrip_run(&mut self, txn: TransactionId, scrip: ScripId, outcome: &str, detail: &str) -> Result<()> {
        self.record_scrip_runs(&[ScripRunRecord { txn, scrip, outcome, detail }])
    }

    /// [`Tx::record_scrip_run`] for several, in one statement, in order.
    pub fn record_scrip_runs(&mut self, runs: &[ScripRunRecord<'_>]) -> Result<()> {
        self.require_system_engine()?;
        let now = self.now;
        let rows: Vec<_> = runs
            .iter()
            .map(|run| {
                (
                    scrip_runs::transaction_id.eq(run.txn.0),
                    scrip_runs::scrip_id.eq(run.scrip.0),
                    scrip_runs::outcome.eq(run.outcome),
                    scrip_runs::detail.eq(run.detail),
                    scrip_runs::created.eq(now),
                )
            })
            .collect();
        dialect::insert_rows!(&mut *self.conn, scrip_runs::table, rows)?;
        Ok(())
    }

    /// What scrips did for a transaction, in order. Needs `ShowScrips`
    /// globally.
    pub fn scrip_runs(&mut self, txn: TransactionId) -> Result<Vec<ScripRun>> {
        self.require("ShowScrips", AclObject::System)?;
        let rows: Vec<(i64, String, String, chrono::NaiveDateTime)> = scrip_runs::table
            .filter(scrip_runs::transaction_id.eq(txn.0))
            .order(scrip_runs::id)
            .select((scrip_runs::scrip_id, scrip_runs::outcome, scrip_runs::detail, scrip_runs::created))
            .load(self.conn)?;
        Ok(rows
            .into_iter()
            .map(|(scrip, outcome, detail, created)| ScripRun {
                scrip: ScripId(scrip),
                outcome,
                detail,
                created: created.and_utc(),
            })
            .collect())
    }

    /// Takes up to `limit` of the oldest pending events, oldest first,
    /// locked for this DB transaction (on PostgreSQL other workers skip
    /// them) and marked done there: run their scrips in the same DB
    /// transaction. Only `RT_System`.
    pub fn take_events(&mut self, limit: usize) -> Result<Vec<Event>> {
        self.require_system_engine()?;
        let taken =
            crate::db::dialect::take_locked_events(self.conn, self.now, i64::try_from(limit).unwrap_or(i64::MAX))?;
        let Some(taken) = taken else {
            // SQLite: this write transaction holds the database's write
            // lock, so every event it sees pending is its to take.
            let events = self.peek_events(limit)?;
            self.claim_events(&events.iter().map(|e| e.id).collect::<Vec<_>>())?;
            return Ok(events);
        };
        Ok(taken
            .into_iter()
            .map(|e| Event {
                id: e.id,
                transaction: TransactionId(e.transaction_id),
                depth: e.depth,
                batch: e.batch_id,
                object_id: e.object_id,
            })
            .collect())
    }

    /// Up to `limit` of the oldest pending events, without locking them:
    /// for preparing their scrips in a read transaction before
    /// [`Tx::claim_events`] takes each in a write one. Only `RT_System`.
    pub fn peek_events(&mut self, limit: usize) -> Result<Vec<Event>> {
        self.require_system_engine()?;
        let rows: Vec<(i64, i64, i64, i64, i64)> = events::table
            .filter(events::done_at.is_null())
            .filter(events::claimed_until.is_null().or(events::claimed_until.le(self.now)))
            .order(events::id)
            .limit(i64::try_from(limit).unwrap_or(i64::MAX))
            .select((events::id, events::transaction_id, events::depth, events::batch_id, events::object_id))
            .load(self.conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, transaction, depth, batch, object_id)| Event {
                id,
                transaction: TransactionId(transaction),
                depth,
                batch,
                object_id,
            })
            .collect())
    }

    /// Takes the events of `ids`, seen by [`Tx::peek_events`], that are
    /// still pending, and marks them done in this DB transaction: their
    /// scrips' work must commit with them. Returns those taken, in order;
    /// an event another worker has done is left out. Only `RT_System`.
    pub fn claim_events(&mut self, ids: &[i64]) -> Result<Vec<i64>> {
        self.require_system_engine()?;
        let now = self.now;
        let mut taken: Vec<i64> = dialect::with_inner!(&mut *self.conn, c => diesel::update(
            events::table.filter(events::id.eq_any(ids)).filter(events::done_at.is_null()),
        )
        .set((events::done_at.eq(Some(now)), events::attempts.eq(events::attempts + 1i64)))
        .returning(events::id)
        .get_results(c))?;
        taken.sort_unstable();
        Ok(taken)
    }

    /// Puts off event `id`, whose scrips failed (an error or a panic, not
    /// a scrip's own failure, which is recorded and done): it is retried
    /// after 2, 4, 8... seconds (at most ten minutes), and after
    /// `give_up_after` attempts it is marked done unhandled. Returns
    /// whether it was given up. Only `RT_System`.
    pub fn defer_event(&mut self, id: i64, give_up_after: i64) -> Result<bool> {
        self.require_system_engine()?;
        let attempts: i64 = events::table.find(id).select(events::attempts).get_result(self.conn)?;
        let attempts = attempts + 1;
        let give_up = attempts >= give_up_after;
        let retry = self.now + chrono::Duration::seconds(2i64.saturating_pow(attempts.clamp(1, 30) as u32).min(600));
        diesel::update(events::table.find(id).filter(events::done_at.is_null()))
            .set((
                events::attempts.eq(attempts),
                events::claimed_until.eq(Some(retry)),
                events::done_at.eq(give_up.then_some(self.now)),
            ))
            .execute(self.conn)?;
        Ok(give_up)
    }

    /// When `event` is the last of its batch for its object, the batch's
    /// transactions in order (for TransactionBatch scrips, which run once
    /// per batch); otherwise `None`. A batch commits whole, so its last
    /// event is known as soon as any is. Only `RT_System`.
    pub fn event_batch(&mut self, event: &Event) -> Result<Option<Vec<TransactionId>>> {
        self.require_system_engine()?;
        if event.batch == 0 {
            // Recorded before batches were: a batch of its own.
            return Ok(Some(vec![event.transaction]));
        }
        let rows: Vec<(i64, i64)> = events::table
            .filter(events::batch_id.eq(event.batch))
            .filter(events::object_id.eq(event.object_id))
            .order(events::id)
            .select((events::id, events::transaction_id))
            .load(self.conn)?;
        if rows.last().map(|(id, _)| *id) != Some(event.id) {
            return Ok(None);
        }
        Ok(Some(rows.into_iter().map(|(_, t)| TransactionId(t)).collect()))
    }

    /// Events not yet done.
    pub fn pending_events(&mut self) -> Result<i64> {
        self.require_system_engine()?;
        Ok(events::table.filter(events::done_at.is_null()).count().get_result(self.conn)?)
    }

    /// Marks every pending event handled without running its scrips, and
    /// says how many: for importers and seed data, whose history happened
    /// elsewhere and must not mail anyone now (RT's importer fires no
    /// scrips either). Only `RT_System`.
    pub fn discard_pending_events(&mut self) -> Result<usize> {
        self.require_system_engine()?;
        let now = self.now;
        Ok(diesel::update(events::table.filter(events::done_at.is_null()))
            .set(events::done_at.eq(Some(now)))
            .execute(self.conn)?)
    }

    /// Makes the transactions this DB transaction records from now on
    /// events of `depth` (the engine: one more than the event whose scrips
    /// are running). Only `RT_System`.
    pub fn set_event_depth(&mut self, depth: i64) -> Result<()> {
        self.require_system_engine()?;
        self.event_depth = depth;
        Ok(())
    }

    fn require_system_engine(&self) -> Result<()> {
        if self.is_system() { Ok(()) } else { Err(Error::denied("RT_System", "the scrip engine")) }
    }
}
