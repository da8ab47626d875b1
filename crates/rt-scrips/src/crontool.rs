//! Scheduled jobs, as RT's `rt-crontool` runs them: a search module finds
//! tickets, a condition module keeps some of them, and action modules act
//! on each, given one of its transactions (the first, the last or each,
//! perhaps of some types only) and a template. Conditions and actions are
//! the scrips' own ([`conditions`], [`actions`], the [`registry`](crate::registry)),
//! named as RT names their modules (`RT::Condition::Overdue`,
//! `RT::Action::EscalatePriority`) or as scrips name them.
//!
//! A job runs as the session's user: the search finds what they may see and
//! every change is checked against their rights. Each ticket is handled in
//! a DB transaction of its own: everything the actions did commits
//! together, or nothing does and the next ticket is taken.
//!
//! **Several nodes.** Cron may start the same job on several nodes at
//! once. Each ticket's DB transaction first takes the ticket's turn and
//! reads the job's claim on it ([`rt_core::job_claim`]); when a run of the
//! same job (same search, condition, actions, arguments, template and
//! transaction choice) acted on the ticket after this run started, less
//! [`RunOptions::window`], the ticket is left alone; a run that acts
//! writes its claim with what it did. So runs that overlap, or start
//! within the window of one another, act on each ticket once between them
//! (one escalation, one mail), whichever node gets there first; runs
//! further apart are separate runs and act again.

use chrono::{DateTime, Utc};
use rt_core::job_claim::{JobClaim, job_key};
use rt_core::search::{Paging, TicketQuery, Value};
use rt_core::{Error, Result, Session, TemplateId, TicketId, Transaction, TransactionId, Tx};

use crate::conditions::{self, Subject};
use crate::{actions, engine};

/// A job: what to look for and what to do.
#[derive(Debug, Clone)]
pub struct Job {
    /// The tickets to look at.
    pub search: Search,
    /// What a ticket (with its transaction) must satisfy, if anything.
    pub condition: Option<Module>,
    /// What to do, in order.
    pub actions: Vec<Module>,
    /// The template the actions use, by name or id.
    pub template: Option<String>,
    /// Which of a ticket's transactions the condition and actions see.
    pub transaction: Which,
    /// Only transactions of these types (any case); empty for any.
    pub transaction_types: Vec<String>,
}

/// RT's search modules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Search {
    /// `RT::Search::FromSQL`: the argument is TicketSQL.
    FromSql(String),
    /// `RT::Search::ActiveTicketsInQueue`: the active tickets of the queue
    /// the argument names.
    ActiveTicketsInQueue(String),
}

impl Search {
    /// The search module `module` (`RT::Search::FromSQL`, or the name
    /// without `RT::Search::`) with its argument.
    pub fn from_module(module: &str, argument: Option<&str>) -> Result<Search> {
        let argument = argument.map(str::trim).filter(|a| !a.is_empty());
        let needs = |what: &str| Error::invalid("search-arg", format!("{module} needs {what}"));
        match strip(module, "RT::Search::").to_ascii_lowercase().as_str() {
            "fromsql" => Ok(Search::FromSql(argument.ok_or_else(|| needs("a TicketSQL query"))?.to_string())),
            "activeticketsinqueue" => {
                Ok(Search::ActiveTicketsInQueue(argument.ok_or_else(|| needs("a queue name"))?.to_string()))
            }
            _ => Err(Error::invalid(
                "search",
                format!("no search module {module:?}: use RT::Search::FromSQL or RT::Search::ActiveTicketsInQueue"),
            )),
        }
    }

    /// The search as TicketSQL.
    pub fn ticket_sql(&self) -> String {
        match self {
            Search::FromSql(query) => query.clone(),
            Search::ActiveTicketsInQueue(queue) => {
                format!("Queue = {} AND Status = '__Active__'", Value::Str(queue.clone()))
            }
        }
    }
}

/// A condition or action module with its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// The module as it was given (`RT::Action::SetPriority`), for people.
    pub module: String,
    /// The name the scrips know it by (`SetPriority`).
    pub name: String,
    /// Its argument.
    pub argument: Option<String>,
}

impl Module {
    /// The condition module `module` (`RT::Condition::Overdue`, or a scrip
    /// condition's name), checked to exist.
    pub fn condition(module: &str, argument: Option<String>) -> Result<Module> {
        let name = strip(module, "RT::Condition::");
        if !conditions::is_known(name) {
            return Err(Error::invalid("condition", format!("no condition module {module:?}")));
        }
        Ok(Module { module: module.to_string(), name: name.to_string(), argument })
    }

    /// The action module `module` (`RT::Action::SetPriority`, or a scrip
    /// action's name), checked to exist. `None` for RT's base class
    /// `RT::Action`, which does nothing (a job with it only lists what its
    /// search and condition find).
    pub fn action(module: &str, argument: Option<String>) -> Result<Option<Module>> {
        if module.trim() == "RT::Action" {
            return Ok(None);
        }
        let name = strip(module, "RT::Action::");
        if !actions::is_known(name) {
            return Err(Error::invalid("action", format!("no action module {module:?}")));
        }
        Ok(Some(Module { module: module.to_string(), name: name.to_string(), argument }))
    }
}

/// `module` without RT's namespace `prefix`.
fn strip<'a>(module: &'a str, prefix: &str) -> &'a str {
    let module = module.trim();
    match module.get(..prefix.len()) {
        Some(head) if head.eq_ignore_ascii_case(prefix) => &module[prefix.len()..],
        _ => module,
    }
}

/// Which of a ticket's transactions a job looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The first (of the types asked for).
    First,
    /// The last.
    Last,
    /// Each in turn, oldest first.
    All,
}

/// How a run goes about it.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Runs of the same job that started within this of one another act
    /// on each ticket once between them (see the module doc).
    pub window: std::time::Duration,
    /// This process's name in the claims it writes.
    pub node: String,
}

/// What one action did on one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The transaction the action was given.
    pub transaction: TransactionId,
    /// The action module.
    pub action: String,
    /// What it did, in words; `None` when there was nothing to do.
    pub done: Option<String>,
}

/// What a run did with one ticket.
#[derive(Debug)]
pub enum Outcome {
    /// The condition held (or there was none) for some transactions, and
    /// the actions ran on each of them.
    Acted(Vec<Step>),
    /// The condition held for none of the transactions.
    NotApplicable,
    /// The ticket has no transaction of the types asked for.
    NoTransaction,
    /// A run of the same job acted on it within the window: left alone.
    Claimed(JobClaim),
    /// The condition or an action failed; nothing was changed on it.
    Failed(Error),
}

impl Outcome {
    /// Whether an action changed the ticket or mailed about it.
    pub fn changed_something(&self) -> bool {
        matches!(self, Outcome::Acted(steps) if steps.iter().any(|s| s.done.is_some()))
    }
}

/// What a run did in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Tickets the search found.
    pub found: usize,
    /// Tickets an action changed or mailed about.
    pub acted: usize,
    /// Tickets left alone because another run of the job had them.
    pub claimed: usize,
    /// Tickets where something failed.
    pub failed: usize,
}

impl Job {
    /// What identifies the job across runs and nodes: everything that
    /// decides what it does.
    pub fn description(&self) -> String {
        let module = |m: &Module| serde_json::json!([m.name.to_ascii_lowercase(), m.argument]);
        serde_json::json!({
            "search": self.search.ticket_sql(),
            "condition": self.condition.as_ref().map(module),
            "actions": self.actions.iter().map(module).collect::<Vec<_>>(),
            "template": self.template,
            "transaction": format!("{:?}", self.transaction),
            "types": self.transaction_types.iter().map(|t| t.to_ascii_lowercase()).collect::<Vec<_>>(),
        })
        .to_string()
    }
}

/// Runs `job` as the session's user and calls `each` with what it did to
/// each ticket it found, in id order. Fails as a whole, before touching
/// anything, when the search or the template is wrong; a ticket where a
/// condition or an action fails is rolled back and reported as
/// [`Outcome::Failed`], and the run goes on.
pub fn run(
    session: &Session,
    job: &Job,
    options: &RunOptions,
    mut each: impl FnMut(TicketId, &Outcome),
) -> Result<Summary> {
    let started = Utc::now();
    let since = chrono::TimeDelta::from_std(options.window)
        .ok()
        .and_then(|window| started.checked_sub_signed(window))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let key = job_key(&job.description());
    let (tickets, template) = session.read(|tx| {
        let template = match &job.template {
            Some(t) => template_name(tx, t)?,
            None => String::new(),
        };
        let query = TicketQuery {
            paging: Paging { rows_per_page: None, page: 1 },
            now: Some(started),
            ..TicketQuery::new(&job.search.ticket_sql())
        };
        Ok((tx.search_tickets(&query)?.ids, template))
    })?;
    let mut summary = Summary { found: tickets.len(), ..Summary::default() };
    for id in tickets {
        let outcome = session
            .write(|tx| {
                if let Some(claim) = tx.job_claim(&key, id, since)? {
                    return Ok(Outcome::Claimed(claim));
                }
                let outcome = act(tx, job, &template, id)?;
                if outcome.changed_something() {
                    tx.record_job_claim(&key, id, &options.node)?;
                }
                Ok(outcome)
            })
            .unwrap_or_else(Outcome::Failed);
        match &outcome {
            acted if acted.changed_something() => summary.acted += 1,
            Outcome::Claimed(_) => summary.claimed += 1,
            Outcome::Failed(_) => summary.failed += 1,
            _ => {}
        }
        each(id, &outcome);
    }
    Ok(summary)
}

/// The template's name: given by name, or looked up by id.
fn template_name(tx: &mut Tx<'_>, template: &str) -> Result<String> {
    match template.trim().parse::<i64>() {
        Ok(id) => Ok(tx.template_by_id(TemplateId(id))?.name),
        Err(_) => Ok(template.trim().to_string()),
    }
}

/// The condition and the actions, on the transactions of the ticket the
/// job looks at.
fn act(tx: &mut Tx<'_>, job: &Job, template: &str, id: TicketId) -> Result<Outcome> {
    let txns = transactions(tx, job, id)?;
    if txns.is_empty() {
        return Ok(Outcome::NoTransaction);
    }
    let mut steps = None;
    for txn in &txns {
        let attachments = tx.transaction_attachments(txn.id)?;
        if let Some(condition) = &job.condition {
            let ticket = tx.ticket(id)?;
            let subject = Subject { ticket: &ticket, txn, attachments: &attachments };
            if !engine::condition_holds(tx, &condition.name, condition.argument.as_deref(), &subject)? {
                continue;
            }
        }
        let steps = steps.get_or_insert_with(Vec::new);
        for action in &job.actions {
            // As the earlier actions left it.
            let ticket = tx.ticket(id)?;
            let subject = Subject { ticket: &ticket, txn, attachments: &attachments };
            let done = engine::run_named_action(tx, &action.name, action.argument.as_deref(), template, &subject)?;
            steps.push(Step { transaction: txn.id, action: action.module.clone(), done });
        }
    }
    Ok(steps.map_or(Outcome::NotApplicable, Outcome::Acted))
}

/// The ticket's transactions the job looks at, oldest first.
fn transactions(tx: &mut Tx<'_>, job: &Job, id: TicketId) -> Result<Vec<Transaction>> {
    let mut txns: Vec<Transaction> = tx
        .history(id)?
        .into_iter()
        .filter(|t| {
            job.transaction_types.is_empty() || job.transaction_types.iter().any(|k| k.eq_ignore_ascii_case(&t.kind))
        })
        .collect();
    match job.transaction {
        Which::All => {}
        Which::First => txns.truncate(1),
        Which::Last => txns = txns.pop().into_iter().collect(),
    }
    Ok(txns)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_found_with_or_without_rt_namespace() {
        assert_eq!(Module::condition("RT::Condition::Overdue", None).unwrap().name, "Overdue");
        assert_eq!(Module::action("rt::action::SetPriority", Some("5".into())).unwrap().unwrap().name, "SetPriority");
        assert_eq!(Module::action("Notify Owner", None).unwrap().unwrap().name, "Notify Owner");
        assert!(Module::action("RT::Action", None).unwrap().is_none());
        assert!(Module::condition("RT::Condition::NoSuch", None).is_err());
        assert!(Module::action("RT::Action::NoSuch", None).is_err());
    }

    #[test]
    fn search_modules_become_ticket_sql() {
        let queue = Search::from_module("RT::Search::ActiveTicketsInQueue", Some("Bob's")).unwrap();
        assert_eq!(queue.ticket_sql(), r"Queue = 'Bob\'s' AND Status = '__Active__'");
        assert!(Search::from_module("RT::Search::FromSQL", None).is_err());
        assert!(Search::from_module("RT::Search::Simple", Some("x")).is_err());
    }
}
