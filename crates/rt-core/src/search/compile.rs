//! TicketSQL to SQL, for both backends.
//!
//! The compiler turns a parsed [`Expr`] into one `WHERE` clause over
//! `tickets t`, with every value a bound parameter: no text from the query
//! is ever written into the SQL. Names (queues, users, custom fields,
//! groups) are looked up first and compared by id; what the query cannot
//! match (an unknown queue) compiles to a condition that matches nothing,
//! as in RT.
//!
//! Always added, as RT does:
//! - `NOT t.is_merged`: a merged ticket appears once, as the ticket
//!   it was merged into, whose conditions see the merged tickets'
//!   transactions and attachments;
//! - `Type = 'ticket'` unless the query names a `Type`;
//! - `Status != 'deleted'` unless the query asks for deleted tickets;
//! - the rights clause: the tickets the user may see (`ShowTicket` granted
//!   globally or on the queue to one of their groups or queue roles, or to
//!   a ticket role they hold), built from the ACL before the query runs
//!   and evaluated inside it.
//!
//! Semantics:
//! - Text comparisons ignore case on both backends (`rt_fold`, Unicode
//!   simple lower case); `LIKE` means "contains", `STARTSWITH` / `ENDSWITH`
//!   anchor it; `%` and `_` in values are literal.
//! - Multi-valued fields (watchers, custom fields, links, attachments):
//!   `=`, `LIKE`... hold when some value matches; `!=`, `NOT LIKE`... when
//!   none does (tickets without any value included), `IS NULL` when there
//!   is no value at all.
//! - Dates: see [`DateSpec`](super::DateSpec); `Created = '2026-12-04'` is that day in the
//!   user's zone. `Date` / `DateTime` custom fields read date values the
//!   same way (`CF.{Deadline} < 'next week'`).
//! - Watchers: `Watcher` is any role, the owner's included, as in RT (so
//!   `Watcher IS NULL` matches nothing); a value without a sub-field is a
//!   user's email address or name, or the name of a user-defined group
//!   that holds the role.
//! - IP custom fields: `=` finds overlapping ranges, `!=` tickets with no
//!   overlapping value, `<` / `>` compare starts and ends in address order,
//!   within one family. Index scans are bounded by the widest range the
//!   field has ever held (`custom_field_ip_spans`).
//! - `Content`: words or a phrase in the full-text index ([`fulltext`](super::fulltext)).
//!
//! This file holds the compiler's core (scalar columns, links, full text,
//! sorting); `people.rs` the role conditions, `cf.rs` custom fields and IP
//! ranges, `date_parts.rs` `Created.Month` and the like, `visibility.rs`
//! the rights clause. Where a planner needs steering (`+column` on SQLite,
//! `OFFSET 0`, `= ANY(ARRAY(...))` on PostgreSQL) a comment says why.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::dates::{MONTHS, parse_date};
use super::fields::*;
use super::fulltext::TextQuery;
use super::parse::{Condition, Expr, Op, Order, OrderKey, Value};
use crate::acl::{AclObject, Role};
use crate::db::schema::{acl, custom_fields, groups, object_custom_fields, principals, queues, users};
use crate::db::{Backend, fold};
use crate::error::{Error, Result};
use crate::ids::{CustomFieldId, QueueId, UserId};
use crate::ip::IpRange;
use crate::rights;
use crate::session::Tx;

mod cf;
mod date_parts;
mod people;
mod visibility;

use people::role_group;

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
    Time(NaiveDateTime),
    /// An end of the window of ticket ids a search walks (see
    /// [`Sql::windowed`]): the smallest id in it, or the one past the
    /// largest. Unset, the window holds every ticket.
    Window(WindowEnd),
}

/// Which end of a [`Param::Window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WindowEnd {
    Start,
    End,
}

impl WindowEnd {
    /// The value bound for this end when no walk sets it: the window then
    /// holds every ticket.
    pub(crate) fn unbounded(self) -> i64 {
        match self {
            WindowEnd::Start => i64::MIN,
            WindowEnd::End => i64::MAX,
        }
    }
}

/// SQL text with its parameters, in placeholder order.
#[derive(Debug, Clone)]
pub(crate) struct Sql {
    pub(crate) backend: Backend,
    pub(crate) text: String,
    pub(crate) params: Vec<Param>,
}

impl Sql {
    pub(crate) fn new(backend: Backend) -> Sql {
        Sql { backend, text: String::new(), params: Vec::new() }
    }

    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `param`.
    pub(crate) fn bind(&mut self, param: Param) -> &mut Sql {
        self.params.push(param);
        match self.backend {
            Backend::Sqlite => self.text.push('?'),
            Backend::Postgres => {
                let _ = write!(self.text, "${}", self.params.len());
            }
        }
        self
    }

    fn int(&mut self, v: i64) -> &mut Sql {
        self.bind(Param::Int(v))
    }

    /// `column` (a ticket id) within the window of ticket ids a search
    /// walks ([`Param::Window`]).
    fn within_window(&mut self, column: &str) -> &mut Sql {
        self.push(column).push(" >= ").bind(Param::Window(WindowEnd::Start));
        self.push(" AND ").push(column).push(" < ").bind(Param::Window(WindowEnd::End))
    }

    /// The same SQL with its window set to the ticket ids `start..end`.
    pub(crate) fn windowed(&self, start: i64, end: i64) -> Sql {
        let mut sql = self.clone();
        for p in &mut sql.params {
            match p {
                Param::Window(WindowEnd::Start) => *p = Param::Int(start),
                Param::Window(WindowEnd::End) => *p = Param::Int(end),
                _ => {}
            }
        }
        sql
    }

    fn str(&mut self, v: &str) -> &mut Sql {
        self.bind(Param::Text(v.to_string()))
    }

    /// `(a, b, c)` of integer placeholders; `(NULL)` when empty, which
    /// `IN` never matches.
    fn int_list(&mut self, values: &[i64]) -> &mut Sql {
        self.push("(");
        if values.is_empty() {
            self.push("NULL");
        }
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.int(*v);
        }
        self.push(")")
    }

    fn str_list(&mut self, values: &[String]) -> &mut Sql {
        self.push("(");
        if values.is_empty() {
            self.push("NULL");
        }
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.str(v);
        }
        self.push(")")
    }
}

/// What a search is evaluated against: who asks, and when.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) user: UserId,
    pub(crate) user_name: String,
    pub(crate) now: DateTime<Utc>,
    pub(crate) tz: Tz,
}

/// Facts the compiler noticed about the query.
#[derive(Debug, Default)]
struct Seen {
    type_: bool,
    deleted: bool,
    /// A condition every result must meet starts from a short list of
    /// tickets (a few named principals' memberships): the rights clause
    /// then checks those tickets one by one rather than listing every
    /// ticket the user holds a role on.
    narrow: bool,
}

/// Compiles queries for one transaction; keeps the lookups it made.
pub(crate) struct Compiler<'t, 'a> {
    pub(crate) tx: &'t mut Tx<'a>,
    pub(crate) ctx: Context,
    backend: Backend,
    seen: Seen,
    /// Whether the condition being compiled must hold for every result
    /// (it is not under an `OR` of several terms).
    required: bool,
}

const NOTHING: &str = "1 = 0";

/// Up to this many principals named by a watcher value are searched from
/// their memberships; more, ticket by ticket.
const FEW: usize = 200;

/// One id column.
#[derive(diesel::QueryableByName)]
pub(crate) struct IdRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(crate) id: i64,
}

impl<'t, 'a> Compiler<'t, 'a> {
    pub(crate) fn new(tx: &'t mut Tx<'a>, ctx: Context) -> Compiler<'t, 'a> {
        let backend = tx.backend();
        Compiler { tx, ctx, backend, seen: Seen::default(), required: true }
    }

    /// The whole `WHERE` clause (without the keyword) for `expr`: the
    /// query, the implicit conditions and the rights clause.
    pub(crate) fn where_clause(&mut self, expr: &Expr) -> Result<Sql> {
        let mut query = Sql::new(self.backend);
        self.expr(&mut query, expr)?;
        let mut sql = Sql::new(self.backend);
        sql.push("t.is_merged = ").push(self.backend.sql_false());
        if !self.seen.type_ {
            sql.push(" AND t.type = 'ticket'");
        }
        if !self.seen.deleted {
            sql.push(" AND t.status <> 'deleted'");
        }
        sql.push(" AND ");
        self.rights_clause(&mut sql)?;
        // The query's own placeholders were numbered from 1: renumber by
        // appending it through `append`.
        sql.push(" AND (");
        append(&mut sql, query);
        sql.push(")");
        Ok(sql)
    }

    fn expr(&mut self, sql: &mut Sql, expr: &Expr) -> Result<()> {
        match expr {
            Expr::And(terms) | Expr::Or(terms) if terms.is_empty() => {
                sql.push(if matches!(expr, Expr::And(_)) { "1 = 1" } else { NOTHING });
            }
            Expr::And(terms) | Expr::Or(terms) => {
                let joiner = if matches!(expr, Expr::And(_)) { " AND " } else { " OR " };
                let required = self.required;
                self.required &= matches!(expr, Expr::And(_)) || terms.len() == 1;
                for (i, term) in terms.iter().enumerate() {
                    if i > 0 {
                        sql.push(joiner);
                    }
                    sql.push("(");
                    self.expr(sql, term)?;
                    sql.push(")");
                }
                self.required = required;
            }
            Expr::Cond(c) => self.condition(sql, c)?,
        }
        Ok(())
    }

    fn condition(&mut self, sql: &mut Sql, c: &Condition) -> Result<()> {
        let op = c.op;
        match &c.field {
            Field::Id | Field::EffectiveId => self.id_condition(sql, op, &c.value),
            Field::Number(n) => self.number(sql, &format!("t.{}", number_column(*n)), op, &c.value, &c.field),
            Field::Queue { attribute } => self.queue(sql, *attribute, op, &c.value),
            Field::Status => self.status(sql, op, &c.value),
            Field::Subject => self.text(sql, "t.subject", op, &c.value),
            Field::Sla => self.text(sql, "t.sla", op, &c.value),
            Field::Type => {
                self.seen.type_ = true;
                self.text(sql, "t.type", op, &c.value)
            }
            Field::Lifecycle => {
                sql.push(if is_negative(op) { "t.queue NOT IN " } else { "t.queue IN " });
                sql.push("(SELECT q.id FROM queues q WHERE ");
                self.text(sql, "q.lifecycle", positive(op), &c.value)?;
                sql.push(")");
                Ok(())
            }
            Field::Creator => self.user_column(sql, "t.creator", op, &c.value),
            Field::LastUpdatedBy => self.user_column(sql, "t.last_updated_by", op, &c.value),
            Field::UpdatedBy => {
                let user = self.user_value(&c.value)?;
                exists(sql, op == Op::Ne, |sql| {
                    sql.push(
                        "SELECT 1 FROM tickets m JOIN transactions tr ON tr.object_type = 'RT::Ticket' \
                         AND tr.object_id = m.id WHERE m.effective_id = t.id AND tr.creator = ",
                    );
                    sql.int(user.unwrap_or(0));
                    Ok(())
                })
            }
            Field::Date { column, part: None } => self.date(sql, &format!("t.{}", date_column(*column)), op, &c.value),
            Field::Date { column, part: Some(part) } => self.date_part(sql, *column, *part, op, &c.value),
            Field::TransactionDate => {
                let mut inner = Sql::new(self.backend);
                self.date(&mut inner, "tr.created", op, &c.value)?;
                sql.push(
                    "EXISTS (SELECT 1 FROM tickets m JOIN transactions tr ON tr.object_type = 'RT::Ticket' \
                     AND tr.object_id = m.id WHERE m.effective_id = t.id AND ",
                );
                append(sql, inner);
                sql.push(")");
                Ok(())
            }
            Field::Content => self.content(sql, op, &c.value),
            Field::ContentType | Field::Filename => {
                let column = if c.field == Field::Filename { "a.filename" } else { "a.content_type" };
                self.multi(sql, op, |this, sql, op| {
                    sql.push(
                        "SELECT 1 FROM tickets m JOIN transactions tr ON tr.object_type = 'RT::Ticket' \
                         AND tr.object_id = m.id JOIN attachments a ON a.transaction_id = tr.id \
                         WHERE m.effective_id = t.id",
                    );
                    if let Some(op) = op {
                        sql.push(" AND ");
                        this.text(sql, column, op, &c.value)?;
                    } else {
                        let _ = write!(sql.text, " AND {column} IS NOT NULL AND {column} <> ''");
                    }
                    Ok(())
                })
            }
            Field::Watcher { role, queue, attribute, shallow } => {
                self.watcher(sql, role.as_ref(), *queue, *attribute, *shallow, op, &c.value)
            }
            Field::WatcherGroup { role } => self.watcher_group(sql, role.as_ref(), &c.value),
            Field::Link(link) => self.link(sql, *link, op, &c.value),
            Field::CustomField { applies_to, object, cf, column } => {
                self.custom_field(sql, *applies_to, object.as_deref(), cf, *column, op, &c.value)
            }
            Field::HasAttribute | Field::HasNoAttribute => {
                let negate = (c.field == Field::HasNoAttribute) != is_negative(op);
                exists(sql, negate, |sql| {
                    sql.push(
                        "SELECT 1 FROM attributes at WHERE at.object_type = 'RT::Ticket' AND at.object_id = t.id AND ",
                    );
                    self.text(sql, "at.name", positive(op), &c.value)
                })
            }
            Field::HasUnreadMessages | Field::HasNoUnreadMessages => Err(Error::invalid(
                "query",
                format!("{} is not supported: unread-message tracking is not kept", c.field),
            )),
        }
    }

    // ---- scalar columns ----

    fn id_condition(&mut self, sql: &mut Sql, op: Op, value: &Value) -> Result<()> {
        if *value == Value::Bookmarked {
            sql.push(if op == Op::Ne { "t.id NOT IN " } else { "t.id IN " });
            sql.push("(SELECT m.effective_id FROM bookmarks b JOIN tickets m ON m.id = b.ticket_id WHERE b.user_id = ");
            sql.int(self.ctx.user.0);
            sql.push(")");
            return Ok(());
        }
        self.number(sql, "t.id", op, value, &Field::Id)
    }

    fn number(&mut self, sql: &mut Sql, column: &str, op: Op, value: &Value, field: &Field) -> Result<()> {
        if null_test(sql, column, op) {
            return Ok(());
        }
        if let Some(like) = like_pattern(op, &self.plain_text(value)?) {
            let cast = format!("CAST({column} AS TEXT)");
            sql.push(&cast).push(if is_negative(op) { " NOT LIKE " } else { " LIKE " });
            sql.str(&like).push(self.escape());
            return Ok(());
        }
        let n = match value {
            Value::CurrentUser | Value::SelectedUser => self.ctx.user.0,
            _ => value
                .int()
                .ok_or_else(|| Error::invalid("query", format!("{field} compares numbers, not {}", show(value))))?,
        };
        let _ = write!(sql.text, "{column} {} ", compare(op));
        sql.int(n);
        Ok(())
    }

    /// A text column compared case-insensitively.
    fn text(&mut self, sql: &mut Sql, column: &str, op: Op, value: &Value) -> Result<()> {
        match op {
            Op::IsNull => {
                let _ = write!(sql.text, "({column} IS NULL OR {column} = '')");
                return Ok(());
            }
            Op::IsNotNull => {
                let _ = write!(sql.text, "({column} IS NOT NULL AND {column} <> '')");
                return Ok(());
            }
            _ => {}
        }
        let text = fold(&self.plain_text(value)?);
        // Unset values match the negative operators (`!=`, `NOT LIKE`).
        let folded =
            if is_negative(op) { format!("COALESCE(rt_fold({column}), '')") } else { format!("rt_fold({column})") };
        if let Some(like) = like_pattern(op, &text) {
            sql.push(&folded).push(if is_negative(op) { " NOT LIKE " } else { " LIKE " });
            sql.str(&like).push(self.escape());
        } else {
            let _ = write!(sql.text, "{folded} {} ", compare(op));
            sql.str(&text);
        }
        Ok(())
    }

    /// The escape clause of LIKE: SQLite has no default escape character;
    /// PostgreSQL's is the backslash, and an explicit clause would hide the
    /// pattern from its planner.
    fn escape(&self) -> &'static str {
        if self.backend == Backend::Sqlite { " ESCAPE '\\'" } else { "" }
    }

    /// The value as text; placeholders for the user become their name.
    fn plain_text(&self, value: &Value) -> Result<String> {
        Ok(match value {
            Value::Str(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::CurrentUserName | Value::SelectedUserName => self.ctx.user_name.clone(),
            Value::CurrentUser | Value::SelectedUser => self.ctx.user.0.to_string(),
            Value::Null => String::new(),
            Value::Active => "__Active__".into(),
            Value::Inactive => "__Inactive__".into(),
            Value::Bookmarked => "__Bookmarked__".into(),
        })
    }

    fn queue(&mut self, sql: &mut Sql, attribute: Option<QueueAttribute>, op: Op, value: &Value) -> Result<()> {
        let by_id = attribute == Some(QueueAttribute::Id);
        if matches!(op, Op::Eq | Op::Ne) {
            let text = self.plain_text(value)?;
            let id = if by_id || (attribute.is_none() && value.int().is_some()) {
                value.int()
            } else {
                queues::table
                    .filter(queues::name_folded.eq(fold(text.trim())))
                    .select(queues::id)
                    .get_result::<i64>(self.tx.conn)
                    .optional()?
            };
            let _ = write!(sql.text, "t.queue {} ", compare(op));
            sql.int(id.unwrap_or(0));
            return Ok(());
        }
        if by_id {
            return self.number(sql, "t.queue", op, value, &Field::Queue { attribute });
        }
        sql.push(if is_negative(op) { "t.queue NOT IN " } else { "t.queue IN " });
        sql.push("(SELECT q.id FROM queues q WHERE ");
        self.text(sql, "q.name", positive(op), value)?;
        sql.push(")");
        Ok(())
    }

    fn status(&mut self, sql: &mut Sql, op: Op, value: &Value) -> Result<()> {
        let class = match value {
            Value::Active => Some(true),
            Value::Inactive => Some(false),
            _ => None,
        };
        let Some(active) = class else {
            let text = fold(self.plain_text(value)?.trim());
            if text == "deleted" && !is_negative(op) {
                self.seen.deleted = true;
            }
            if matches!(op, Op::Eq | Op::Ne) {
                let _ = write!(sql.text, "t.status {} ", compare(op));
                sql.str(&text);
                return Ok(());
            }
            return self.text(sql, "t.status", op, value);
        };
        // Statuses per lifecycle in use: one IN list when they agree.
        let in_use: Vec<(i64, String)> = queues::table.select((queues::id, queues::lifecycle)).load(self.tx.conn)?;
        let mut by_statuses: BTreeMap<Vec<String>, Vec<i64>> = BTreeMap::new();
        for (queue, lifecycle) in in_use {
            let lc = self.tx.lifecycle_named(&lifecycle)?;
            let statuses: Vec<String> =
                if active { lc.initial.iter().chain(&lc.active).cloned().collect() } else { lc.inactive.clone() };
            by_statuses.entry(statuses).or_default().push(queue);
        }
        let negate = op == Op::Ne;
        sql.push(if negate { "NOT (" } else { "(" });
        if by_statuses.len() <= 1 {
            let statuses = by_statuses.into_keys().next().unwrap_or_default();
            sql.push("t.status IN ").str_list(&statuses);
        } else {
            for (i, (statuses, queues)) in by_statuses.iter().enumerate() {
                sql.push(if i > 0 { " OR (t.queue IN " } else { "(t.queue IN " });
                sql.int_list(queues).push(" AND t.status IN ").str_list(statuses).push(")");
            }
        }
        sql.push(")");
        Ok(())
    }

    /// A user id from a name, email address, id or `__CurrentUser__`;
    /// `None` when no such user exists.
    fn user_value(&mut self, value: &Value) -> Result<Option<i64>> {
        if matches!(value, Value::CurrentUser | Value::SelectedUser | Value::CurrentUserName | Value::SelectedUserName)
        {
            return Ok(Some(self.ctx.user.0));
        }
        if let Value::Int(n) = value {
            return Ok(Some(*n));
        }
        let text = fold(self.plain_text(value)?.trim());
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(text.parse().ok());
        }
        Ok(users::table
            .filter(users::name_folded.eq(&text).or(users::email_folded.eq(&text)))
            .select(users::id)
            .first::<i64>(self.tx.conn)
            .optional()?)
    }

    fn user_column(&mut self, sql: &mut Sql, column: &str, op: Op, value: &Value) -> Result<()> {
        let user = self.user_value(value)?;
        let _ = write!(sql.text, "{column} {} ", compare(op));
        sql.int(user.unwrap_or(0));
        Ok(())
    }

    fn date(&mut self, sql: &mut Sql, column: &str, op: Op, value: &Value) -> Result<()> {
        if null_test(sql, column, op) {
            return Ok(());
        }
        let text = self.plain_text(value)?;
        let spec = parse_date(&text, self.ctx.now, self.ctx.tz).map_err(|e| Error::invalid("query", e.to_string()))?;
        if op == Op::Eq {
            let (start, end) = spec.day_or_range(self.ctx.tz);
            let _ = write!(sql.text, "({column} >= ");
            sql.bind(Param::Time(start.naive_utc()));
            let _ = write!(sql.text, " AND {column} < ");
            sql.bind(Param::Time(end.naive_utc())).push(")");
        } else {
            let _ = write!(sql.text, "{column} {} ", compare(op));
            sql.bind(Param::Time(spec.start().naive_utc()));
        }
        Ok(())
    }

    fn content(&mut self, sql: &mut Sql, op: Op, value: &Value) -> Result<()> {
        let query = TextQuery::parse(&self.plain_text(value)?);
        let negate = is_negative(op);
        if query.words.is_empty() {
            sql.push(if negate { "1 = 1" } else { NOTHING });
            return Ok(());
        }
        // The tickets holding a match, then the tickets those were merged
        // into (merged tickets are few: a partial index lists them).
        // One list, which SQLite walks in order (a page stops early); on
        // PostgreSQL an array computed once, which the primary key index
        // walks in order (as `IN` it would merge-join the whole index),
        // of the matches within the window of ticket ids the search
        // walks (all of them outside a walk: see `Tx::walk_windows`).
        sql.push(match (self.backend, negate) {
            (Backend::Sqlite, false) => "t.id IN (",
            (Backend::Sqlite, true) => "t.id NOT IN (",
            (Backend::Postgres, false) => "t.id = ANY(ARRAY(",
            (Backend::Postgres, true) => "NOT (t.id = ANY(ARRAY(",
        });
        self.fulltext_tickets(sql, &query);
        if self.backend == Backend::Postgres {
            sql.push(" AND ").within_window("f.ticket_id");
        }
        // `+`: walk the few merged tickets, not a lookup per match.
        sql.push(" UNION ALL SELECT m.effective_id FROM tickets m WHERE m.is_merged AND ");
        match self.backend {
            Backend::Sqlite => sql.push("+m.id IN ("),
            Backend::Postgres => sql.within_window("m.effective_id").push(" AND m.id IN ("),
        };
        self.fulltext_tickets(sql, &query);
        sql.push(match (self.backend, negate) {
            (Backend::Sqlite, _) => "))",
            (Backend::Postgres, false) => ")))",
            (Backend::Postgres, true) => "))))",
        });
        Ok(())
    }

    /// `SELECT <ticket id> ...` of the attachments matching `query`.
    fn fulltext_tickets(&mut self, sql: &mut Sql, query: &TextQuery) {
        match self.backend {
            Backend::Sqlite => {
                sql.push("SELECT f.rowid >> 32 FROM attachment_fts f WHERE attachment_fts MATCH ");
                sql.str(&query.fts5());
            }
            Backend::Postgres => {
                sql.push("SELECT f.ticket_id FROM attachment_fts f WHERE f.content @@ ");
                sql.push(if query.phrase { "phraseto_tsquery('simple', " } else { "plainto_tsquery('simple', " });
                sql.str(&query.pg()).push(")");
            }
        }
    }

    /// A multi-valued condition: `body` writes the subquery selecting the
    /// ticket's values, given the positive operator to compare with, or
    /// `None` for "any value".
    fn multi(
        &mut self,
        sql: &mut Sql,
        op: Op,
        body: impl FnOnce(&mut Self, &mut Sql, Option<Op>) -> Result<()>,
    ) -> Result<()> {
        let (negate, inner_op) = match op {
            Op::IsNull => (true, None),
            Op::IsNotNull => (false, None),
            op => (is_negative(op), Some(positive(op))),
        };
        sql.push(if negate { "NOT EXISTS (" } else { "EXISTS (" });
        body(self, sql, inner_op)?;
        sql.push(")");
        Ok(())
    }

    // ---- links ----

    fn link(&mut self, sql: &mut Sql, link: LinkField, op: Op, value: &Value) -> Result<()> {
        // (link type, the ticket is the base) for each direction searched.
        let directions: Vec<(Option<&str>, bool)> = match link {
            LinkField::Linked => vec![(None, true), (None, false)],
            LinkField::LinkedTo => vec![(None, true)],
            LinkField::LinkedFrom => vec![(None, false)],
            LinkField::MemberOf => vec![(Some("MemberOf"), true)],
            LinkField::HasMember => vec![(Some("MemberOf"), false)],
            LinkField::DependsOn => vec![(Some("DependsOn"), true)],
            LinkField::DependedOnBy => vec![(Some("DependsOn"), false)],
            LinkField::RefersTo => vec![(Some("RefersTo"), true)],
            LinkField::ReferredToBy => vec![(Some("RefersTo"), false)],
        };
        let text = self.plain_text(value)?;
        let local = value.int().filter(|_| text.trim().bytes().all(|b| b.is_ascii_digit()));
        self.multi(sql, op, |_, sql, op| {
            sql.push("SELECT 1 FROM links l WHERE (");
            for (i, (kind, from_ticket)) in directions.iter().enumerate() {
                if i > 0 {
                    sql.push(" OR ");
                }
                let (this_end, other_local, other_uri) = if *from_ticket {
                    ("l.local_base", "l.local_target", "l.target")
                } else {
                    ("l.local_target", "l.local_base", "l.base")
                };
                let _ = write!(sql.text, "({this_end} = t.id");
                if let Some(kind) = kind {
                    let _ = write!(sql.text, " AND l.type = '{kind}'");
                }
                if op.is_some() {
                    match local {
                        Some(id) => {
                            let _ = write!(sql.text, " AND {other_local} = ");
                            sql.int(id);
                        }
                        None => {
                            let _ = write!(sql.text, " AND {other_uri} = ");
                            sql.str(text.trim());
                        }
                    }
                }
                sql.push(")");
            }
            sql.push(")");
            Ok(())
        })
    }

    // ---- sorting ----

    /// `ORDER BY` terms (without the keyword), ending with `t.id`.
    pub(crate) fn order_by(&mut self, sql: &mut Sql, order: &[Order]) -> Result<()> {
        for o in order {
            let expr = match &o.key {
                OrderKey::Field(f) => self.sort_expr(f)?,
                OrderKey::Other(name) => {
                    return Err(Error::invalid("orderby", format!("cannot sort by {name}")));
                }
            };
            let Some(expr) = expr else { continue };
            let dir = if o.descending { "DESC" } else { "ASC" };
            if NOT_NULL_COLUMNS.contains(&expr.as_str()) {
                // Bare, so that an index on the column can give the order
                // (the newest tickets first without sorting them all).
                let _ = write!(sql.text, "{expr} {dir}, ");
            } else {
                // Unset values last in both directions, on both backends.
                let _ = write!(sql.text, "CASE WHEN {expr} IS NULL THEN 1 ELSE 0 END, {expr} {dir}, ");
            }
        }
        let last_desc = order.iter().any(|o| matches!(&o.key, OrderKey::Field(Field::Id)) && o.descending);
        sql.push(if last_desc { "t.id DESC" } else { "t.id ASC" });
        Ok(())
    }

    fn sort_expr(&mut self, field: &Field) -> Result<Option<String>> {
        let role_email = |role: &str| {
            format!(
                "(SELECT min(rt_fold(u.email_address)) FROM groups g JOIN group_members gm ON gm.group_id = g.id \
                 JOIN users u ON u.id = gm.member_id WHERE g.domain = 'RT::Ticket-Role' AND g.instance = t.id \
                 AND g.name_folded = '{role}')"
            )
        };
        Ok(Some(match field {
            Field::Id | Field::EffectiveId => return Ok(None),
            Field::Queue { attribute: Some(QueueAttribute::Id) } => "t.queue".into(),
            Field::Queue { .. } => "(SELECT q.name_folded FROM queues q WHERE q.id = t.queue)".into(),
            Field::Status => "t.status".into(),
            Field::Subject => "rt_fold(t.subject)".into(),
            Field::Sla => "t.sla".into(),
            Field::Type => "t.type".into(),
            Field::Lifecycle => "(SELECT q.lifecycle FROM queues q WHERE q.id = t.queue)".into(),
            Field::Creator => "(SELECT u.name_folded FROM users u WHERE u.id = t.creator)".into(),
            Field::LastUpdatedBy => "(SELECT u.name_folded FROM users u WHERE u.id = t.last_updated_by)".into(),
            Field::Number(n) => format!("t.{}", number_column(*n)),
            Field::Date { column, .. } => format!("t.{}", date_column(*column)),
            Field::Watcher { role: Some(WatcherRole::Owner), queue: false, .. } => {
                "(SELECT u.name_folded FROM users u WHERE u.id = t.owner)".into()
            }
            Field::Watcher {
                role: Some(role @ (WatcherRole::Requestor | WatcherRole::Cc | WatcherRole::AdminCc)),
                queue: false,
                ..
            } => role_email(role_group(role)),
            Field::CustomField { applies_to: CfAppliesTo::Ticket, object, cf, .. } => {
                let ids: Vec<String> = self
                    .resolve_cf(CfAppliesTo::Ticket, object.as_deref(), cf)?
                    .iter()
                    .map(|(id, _)| id.to_string())
                    .collect();
                if ids.is_empty() {
                    return Ok(None);
                }
                // Ids come from the database, not from the query.
                format!(
                    "(SELECT min(o.content) FROM object_custom_field_values o WHERE o.object_type = 'RT::Ticket' \
                     AND o.object_id = t.id AND o.disabled = {} AND o.custom_field IN ({}))",
                    self.backend.sql_false(),
                    ids.join(", ")
                )
            }
            other => return Err(Error::invalid("orderby", format!("cannot sort by {other}"))),
        }))
    }
}

/// The sort expressions of ticket columns that are never NULL.
const NOT_NULL_COLUMNS: &[&str] = &[
    "t.queue",
    "t.status",
    "t.type",
    "t.created",
    "t.last_updated",
    "t.priority",
    "t.initial_priority",
    "t.final_priority",
    "t.time_estimated",
    "t.time_worked",
    "t.time_left",
];

/// Appends `other` to `sql`, renumbering its placeholders.
pub(crate) fn append(sql: &mut Sql, other: Sql) {
    match sql.backend {
        Backend::Sqlite => {
            sql.text.push_str(&other.text);
            sql.params.extend(other.params);
        }
        Backend::Postgres => {
            let base = sql.params.len();
            let mut out = String::with_capacity(other.text.len());
            let mut chars = other.text.chars().peekable();
            let mut in_string = false;
            while let Some(c) = chars.next() {
                if c == '\'' {
                    in_string = !in_string;
                }
                if c == '$' && !in_string && chars.peek().is_some_and(char::is_ascii_digit) {
                    let mut n = String::new();
                    while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                        n.push(*d);
                        chars.next();
                    }
                    let _ = write!(out, "${}", n.parse::<usize>().unwrap_or(0) + base);
                } else {
                    out.push(c);
                }
            }
            sql.text.push_str(&out);
            sql.params.extend(other.params);
        }
    }
}

/// Writes `column IS [NOT] NULL` for those operators; false for others.
fn null_test(sql: &mut Sql, column: &str, op: Op) -> bool {
    match op {
        Op::IsNull => sql.push(column).push(" IS NULL"),
        Op::IsNotNull => sql.push(column).push(" IS NOT NULL"),
        _ => return false,
    };
    true
}

/// Runs `body` (a subquery) inside `EXISTS (...)` or `NOT EXISTS (...)`.
fn exists(sql: &mut Sql, negate: bool, body: impl FnOnce(&mut Sql) -> Result<()>) -> Result<()> {
    sql.push(if negate { "NOT EXISTS (" } else { "EXISTS (" });
    body(sql)?;
    sql.push(")");
    Ok(())
}

fn is_negative(op: Op) -> bool {
    matches!(op, Op::Ne | Op::NotLike | Op::NotStartsWith | Op::NotEndsWith | Op::IsNull)
}

fn is_like(op: Op) -> bool {
    matches!(op, Op::Like | Op::NotLike | Op::StartsWith | Op::NotStartsWith | Op::EndsWith | Op::NotEndsWith)
}

/// The operator without its negation.
fn positive(op: Op) -> Op {
    match op {
        Op::Ne => Op::Eq,
        Op::NotLike => Op::Like,
        Op::NotStartsWith => Op::StartsWith,
        Op::NotEndsWith => Op::EndsWith,
        Op::IsNull => Op::IsNotNull,
        op => op,
    }
}

/// The SQL comparison operator for `=`, `!=`, `<`...
fn compare(op: Op) -> &'static str {
    match op {
        Op::Eq => "=",
        Op::Ne => "<>",
        Op::Lt => "<",
        Op::Gt => ">",
        Op::Le => "<=",
        Op::Ge => ">=",
        _ => "=",
    }
}

/// The LIKE pattern for a matching operator, with `%`, `_` and `\`
/// escaped; `None` for other operators.
fn like_pattern(op: Op, value: &str) -> Option<String> {
    let escaped: String = value
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    match op {
        Op::Like | Op::NotLike => Some(format!("%{escaped}%")),
        Op::StartsWith | Op::NotStartsWith => Some(format!("{escaped}%")),
        Op::EndsWith | Op::NotEndsWith => Some(format!("%{escaped}")),
        _ => None,
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Str(s) => format!("'{s}'"),
        Value::Int(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

fn number_column(n: NumberField) -> &'static str {
    match n {
        NumberField::InitialPriority => "initial_priority",
        NumberField::FinalPriority => "final_priority",
        NumberField::Priority => "priority",
        NumberField::TimeLeft => "time_left",
        NumberField::TimeWorked => "time_worked",
        NumberField::TimeEstimated => "time_estimated",
    }
}

pub(crate) fn date_column(d: DateField) -> &'static str {
    match d {
        DateField::Created => "created",
        DateField::Starts => "starts",
        DateField::Started => "started",
        DateField::Due => "due",
        DateField::Resolved => "resolved",
        DateField::Told => "told",
        DateField::LastUpdated => "last_updated",
    }
}
