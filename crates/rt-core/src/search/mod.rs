//! Ticket search: TicketSQL.
//!
//! - [`parse()`] turns a query such as
//!   `Queue = 'General' AND (Status = '__Active__' OR Requestor.EmailAddress LIKE 'example.org')`
//!   into an [`Expr`] tree of typed [`Condition`]s (`parse.rs`, with the
//!   searchable fields and their operators in `fields.rs`); [`parse_order_by`]
//!   and [`Paging`] read the sort and paging parameters that RT passes beside
//!   the query, and [`dates`] reads date values (`'2 days ago'`, `'last week'`)
//!   in the user's time zone.
//! - `Tx::search_tickets` runs a [`TicketQuery`]: the compiler (`compile.rs`)
//!   writes one SQL statement per backend with every value bound, the rights
//!   clause (`ShowTicket` through groups, queue roles and ticket roles)
//!   inside it, `__Active__` expanded per lifecycle, merged, deleted and
//!   non-ticket rows left out; the page comes back with its [`Total`],
//!   exact or "at least" when the count reaches its limit or time budget.
//!   `Tx::count_tickets` counts, `Tx::explain_search` shows the SQL and the
//!   plan, `Tx::chart_tickets` groups counts and time sums for charts.
//! - [`fulltext`] keeps the `Content` index in the write path.
//! - [`format`](mod@format) parses and sanitizes RT's result Format strings.
//! - [`simple`] turns RT's simple-search text (`printer queue:General`)
//!   into TicketSQL (`Tx::simple_search_query`).
//!
//! Semantics follow RT 5 (shared/reference/rt.md §5) except that AND binds
//! tighter than OR; see [`parse`](mod@parse) for every decision made where RT
//! was loose or unclear.

mod aggregate;
pub(crate) mod compile;
pub mod dates;
pub mod fields;
pub mod format;
pub mod fulltext;
pub mod parse;
mod run;
pub mod simple;

pub use aggregate::{ChartRow, GroupBy, Period};
pub use dates::{DateError, DateSpec, parse_date};
pub use fields::{
    CfAppliesTo, CfColumn, DateField, DatePart, Field, LinkField, NameOrId, NumberField, QueueAttribute, UserAttribute,
    WatcherRole, allowed_ops,
};
pub use format::{
    Align, Column, DEFAULT_FORMAT, DEFAULT_SELFSERVICE_FORMAT, FieldKind, FieldValue, Format, FormatError, FormatField,
    Part, parse_format,
};
pub use parse::{Condition, Expr, Op, Order, OrderKey, Paging, ParseError, Value, parse, parse_order_by};
pub use run::{DEFAULT_COUNT_BUDGET, DEFAULT_COUNT_LIMIT, SearchPage, TicketQuery, Total};
pub use simple::{SimpleGuesser, SimpleOptions, simple_ticket_number, simple_to_ticketsql};
