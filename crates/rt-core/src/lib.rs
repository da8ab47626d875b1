//! # rt-core: Request Tracker's domain and storage
//!
//! rt-core owns RT's data and rules: principals (users and groups sharing
//! one id space), the ACL and its evaluation, queues, lifecycles, tickets,
//! transactions (the append-only history) and attachments (MIME trees), and
//! the durable event queue that the scrip engine consumes. It stores them in
//! SQLite (embedded default) or PostgreSQL through one diesel connection
//! type. It knows nothing of HTTP or SMTP.
//!
//! ## Using it
//!
//! ```no_run
//! use rt_core::{Config, Interface, Message, NewTicket, Rt};
//!
//! # fn main() -> rt_core::Result<()> {
//! let rt = Rt::open(Config::default())?; // migrates and seeds on first use
//! let root = rt.session_for("root", Interface::Api)?;
//! let id = root.write(|tx| {
//!     let general = tx.queue_by_name("General")?.queue_id();
//!     tx.create_ticket(NewTicket {
//!         queue: Some(general),
//!         subject: "Printer on fire".into(),
//!         requestors: vec!["alice@example.org".into()],
//!         ..NewTicket::default()
//!     })
//! })?;
//! root.write(|tx| tx.correspond(id, Message::text("On our way.")))?;
//! # Ok(()) }
//! ```
//!
//! Every operation is a method of [`Tx`], reached through
//! [`Session::write`] or [`Session::read`]; each checks the session user's
//! rights, records the interface the change came through, and runs inside
//! one DB transaction that is rolled back on error. A `Tx` remembers the
//! rows it read (tickets, transactions, queues, templates...) until it
//! changes them or ends, so repeated rights checks and lookups within one
//! request cost no further statements. On SQLite the write transactions of
//! one process take turns, first come, first served, and those that queue
//! together share one commit (`db::writers`).
//!
//! ## Main types
//!
//! - [`Rt`]: an open database plus the site's configuration, lifecycles and
//!   rights registry.
//! - [`Session`] / [`Tx`]: a user acting through an [`Interface`].
//! - [`Ticket`], [`Queue`], [`User`], [`Group`], [`Transaction`],
//!   [`Attachment`], [`MimeEntity`].
//! - [`AclObject`], [`Grantee`], [`Role`], [`rights`]: access control.
//! - [`lifecycles`]: statuses, transitions and their rights.
//! - [`outbox`]: mail and webhook deliveries, durable until sent;
//!   [`mail_receipt`]: the mail gateway's memory of what it recorded.
//! - [`scrip`]: templates, scrips and the event queue they run from (their
//!   meaning lives in rt-scrips); [`sla`]: business hours and SLA dates.
//! - [`job_claim`]: what scheduled jobs (`rt-crontool`) did to which
//!   ticket, so that runs on several nodes act on each ticket once.
//! - [`web_session`]: the web and REST login sessions, stored hashed.
//! - [`auth_token`]: REST 2.0 authentication tokens, stored hashed;
//!   [`password_reset`]: one-time password reset links, stored hashed.
//! - [`preference`]: users' preferences (RT's `Pref-...` attributes).

#![deny(missing_docs)]

pub mod acl;
pub mod attribute;
pub mod auth_token;
pub mod clock;
pub mod config;
pub mod customfield;
pub mod db;
pub mod error;
pub mod ids;
pub mod init;
pub mod ip;
pub mod job_claim;
pub mod lifecycles;
pub mod link;
pub mod mail_receipt;
pub mod merge;
pub mod outbox;
pub mod password;
pub mod password_reset;
pub mod preference;
pub mod principal;
pub mod queue;
pub mod reminder;
pub mod rights;
pub mod saved_search;
pub mod scrip;
pub mod search;
pub mod session;
pub mod sla;
pub mod ticket;
pub mod ticket_lock;
pub mod transaction;
pub mod watchers;
pub mod web_session;
pub mod worker;

pub use acl::{Ace, AclObject, Grantee, Role};
pub use attribute::{Attribute, AttributeObject};
pub use auth_token::AuthToken;
pub use clock::Clock;
pub use config::Config;
pub use customfield::{CfInput, CfObject, CfType, CfValue, CustomField, LookupType, NewCustomField};
pub use error::{Error, Result};
pub use ids::{AttachmentId, CustomFieldId, GroupId, OutboxId, PrincipalId, QueueId, TicketId, TransactionId, UserId};
pub use link::{Link, LinkEnd, LinkRights, LinkType};
pub use mail_receipt::MailTarget;
pub use outbox::{OutboxItem, OutboxState, OutboxStatus, OutgoingMail};
pub use principal::{Group, NewUser, User, UserProfile};
pub use queue::{NewQueue, Queue, QueueUpdate};
pub use saved_search::{NewSavedSearch, SavedSearch, SavedSearchId, SavedSearchUpdate, SearchOwner};
pub use scrip::{Event, NewScrip, NewTemplate, Scrip, ScripId, ScripRun, ScripRunRecord, Template, TemplateId};
pub use search::{SearchPage, TicketQuery, Total};
pub use session::{CurrentUser, Interface, Rt, Session, SystemPrincipals, Tx};
pub use ticket::{Forward, NewTicket, OwnerChange, Ticket, TicketUpdate};
pub use ticket_lock::TicketLock;
pub use transaction::{Attachment, Message, MimeEntity, Transaction};
