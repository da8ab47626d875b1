//! Ticket search: TicketSQL.
//!
//! This module owns RT's ticket query language. Today it holds the parser
//! (`parse.rs`, with the searchable fields and their operators in
//! `fields.rs`):
//! [`parse()`] turns a query such as
//! `Queue = 'General' AND (Status = '__Active__' OR Requestor.EmailAddress LIKE 'example.org')`
//! into an [`Expr`] tree of typed [`Condition`]s, [`parse_order_by`] and
//! [`Paging`] read the sort and paging parameters that RT passes beside the
//! query, and [`dates`] reads date values (`'2 days ago'`, `'last week'`) in
//! the user's time zone. Later it will also own the compiler from that tree to
//! SQL for both backends (ACL filtering, lifecycle expansion of
//! `__Active__`, implicit `Type = 'ticket'` and merged/deleted exclusion).
//!
//! Semantics follow RT 5 (shared/reference/rt.md §5) except that AND binds
//! tighter than OR; see [`parse`](mod@parse) for every decision made where RT
//! was loose or unclear.

mod compile;
pub mod dates;
pub mod fields;
pub mod format;
pub mod fulltext;
pub mod parse;
mod run;

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
pub use run::{DEFAULT_COUNT_LIMIT, SearchPage, TicketQuery, Total};
