//! # rt-scrips: RT's automation
//!
//! Scrips are RT's business logic, all the mail it sends included: a
//! condition (`On Create`, `On Resolve`...), an action (`Notify
//! Requestors`, `Open Inactive Tickets`...) and a template, applied to
//! every queue or to some. rt-core stores them ([`rt_core::scrip`]); this
//! crate knows what they mean:
//!
//! - [`template`]: RT's template layout in Tera, checked when saved;
//! - [`context`]: the variables templates see;
//! - [`conditions`] and [`actions`]: RT 5's, by name, plus declarative
//!   user-defined ones stored as JSON, and [`registry`] for conditions and
//!   actions written in Rust by embedding programs;
//! - [`engine`]: runs the scrips of each pending event from rt-core's
//!   durable queue, each scrip in a savepoint, in the DB transaction that
//!   marks the event done;
//! - [`defaults`]: RT 5's default templates (`templates/mail/`) and
//!   scrips, installed on first start.
//!
//! It depends on `rt-core` and `rt-mail` (outgoing messages) and must not
//! serve HTTP.
//!
//! - [`sla`]: the SLA scrips that set Starts and Due from the site's
//!   `service_agreements` ([`rt_core::sla`] does the arithmetic).
//!
//! - [`crontool`]: scheduled jobs as RT's `rt-crontool` runs them (a
//!   search, a condition and actions over tickets), safe to start on
//!   several nodes at once;
//! - [`preview`]: who an update will mail, before it is made;
//! - [`webhook`]: the Webhook action (the transaction as JSON, POSTed
//!   durably through the outbox's `webhook` channel) and its delivery.
//!
//! Not yet: the Create Tickets and Send Forward actions.

pub mod actions;
pub mod conditions;
pub mod context;
pub mod crontool;
pub mod defaults;
pub mod engine;
pub mod preview;
pub mod registry;
pub mod sla;
pub mod template;
pub mod webhook;

pub use engine::{MAX_DEPTH, POLL, RunReport, run_pending, run_worker};
