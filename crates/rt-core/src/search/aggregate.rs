//! Counts and time sums of the tickets a query finds, grouped for charts
//! (RT's `Search/Chart.html`).
//!
//! Groups are one or two of queue, status, owner, requestor, a custom
//! field, or a date by day, week (starting Monday), month or year in the
//! user's time zone (at the zone's current offset). A ticket with several
//! requestors or custom field values counts once in each of their groups,
//! as in RT; a ticket without one counts in the empty group (`""`).

use std::fmt::Write;

use chrono::{DateTime, Offset, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};

use super::compile::{Compiler, Sql, append, date_column};
use super::fields::{CfAppliesTo, DateField, NameOrId};
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::session::Tx;

/// A calendar period for grouping dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// `2026-12-04`
    Day,
    /// The Monday starting the week, `2026-11-30`.
    Week,
    /// `2026-12`
    Month,
    /// `2026`
    Year,
}

/// What tickets are grouped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// Queue name.
    Queue,
    /// Status.
    Status,
    /// Owner's user name.
    Owner,
    /// Requestor's email address (or name when there is none).
    Requestor,
    /// A ticket custom field's value.
    CustomField(NameOrId),
    /// A date column by period (`Created` by month).
    Date(DateField, Period),
}

/// One group of a chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartRow {
    /// The group's values, one per [`GroupBy`] asked for (`""` for none).
    pub keys: Vec<String>,
    /// Tickets in the group.
    pub count: u64,
    /// Their summed `TimeWorked` (minutes).
    pub time_worked: i64,
    /// Their summed `TimeEstimated` (minutes).
    pub time_estimated: i64,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    k1: String,
    #[diesel(sql_type = Text)]
    k2: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    worked: i64,
    #[diesel(sql_type = BigInt)]
    estimated: i64,
}

impl Tx<'_> {
    /// Groups the tickets `query` finds for the current user by one or two
    /// keys; rows are sorted by their keys. `now` reads relative dates in
    /// the query (the transaction's time when `None`).
    pub fn chart_tickets(
        &mut self,
        query: &str,
        group_by: &[GroupBy],
        now: Option<DateTime<Utc>>,
    ) -> Result<Vec<ChartRow>> {
        if group_by.is_empty() || group_by.len() > 2 {
            return Err(Error::invalid("group_by", "group by one or two keys"));
        }
        let (expr, ctx) = self.search_context(query, now)?;
        let offset = ctx.now.with_timezone(&ctx.tz).offset().fix().local_minus_utc() / 60;
        let mut compiler = Compiler::new(self, ctx);
        let where_clause = compiler.where_clause(&expr)?;
        let backend = where_clause.backend;
        let mut joins = String::new();
        let mut keys = Vec::new();
        for (i, g) in group_by.iter().enumerate() {
            let key = match g {
                GroupBy::Queue => "(SELECT q.name FROM queues q WHERE q.id = t.queue)".to_string(),
                GroupBy::Status => "t.status".to_string(),
                GroupBy::Owner => "(SELECT u.name FROM users u WHERE u.id = t.owner)".to_string(),
                GroupBy::Requestor => {
                    let _ = write!(
                        joins,
                        " LEFT JOIN groups rg{i} ON rg{i}.domain = 'RT::Ticket-Role' AND rg{i}.instance = t.id \
                         AND rg{i}.name_folded = 'requestor' LEFT JOIN group_members rm{i} ON rm{i}.group_id = rg{i}.id \
                         LEFT JOIN users ru{i} ON ru{i}.id = rm{i}.member_id"
                    );
                    format!("COALESCE(ru{i}.email_address, ru{i}.name)")
                }
                GroupBy::CustomField(cf) => {
                    let ids: Vec<String> = compiler
                        .resolve_cf(CfAppliesTo::Ticket, None, cf)?
                        .iter()
                        .map(|(id, _)| id.to_string())
                        .collect();
                    if ids.is_empty() {
                        return Err(Error::not_found("custom field", cf.to_string()));
                    }
                    let disabled = backend.sql_false();
                    // Ids come from the database, not from the caller.
                    let _ = write!(
                        joins,
                        " LEFT JOIN object_custom_field_values cv{i} ON cv{i}.object_type = 'RT::Ticket' \
                         AND cv{i}.object_id = t.id AND cv{i}.disabled = {disabled} AND cv{i}.custom_field IN ({})",
                        ids.join(", ")
                    );
                    format!("cv{i}.content")
                }
                GroupBy::Date(column, period) => {
                    date_key(backend, &format!("t.{}", date_column(*column)), *period, offset)
                }
            };
            keys.push(format!("COALESCE({key}, '')"));
        }
        let k2 = keys.get(1).cloned().unwrap_or_else(|| "''".into());
        let mut sql = Sql::new(backend);
        let _ = write!(
            sql.text,
            "SELECT {k1} AS k1, {k2} AS k2, count(*) AS n, CAST(COALESCE(sum(t.time_worked), 0) AS BIGINT) AS worked, \
             CAST(COALESCE(sum(t.time_estimated), 0) AS BIGINT) AS estimated FROM tickets t{joins} WHERE ",
            k1 = keys[0],
        );
        append(&mut sql, where_clause);
        sql.push(" GROUP BY 1, 2 ORDER BY 1, 2");
        let rows: Vec<Row> = self.load_sql(&sql)?;
        Ok(rows
            .into_iter()
            .map(|r| ChartRow {
                keys: if group_by.len() == 2 { vec![r.k1, r.k2] } else { vec![r.k1] },
                count: r.n.max(0) as u64,
                time_worked: r.worked,
                time_estimated: r.estimated,
            })
            .collect())
    }
}

/// The period containing `column`, shifted by `offset` minutes, as text.
fn date_key(backend: Backend, column: &str, period: Period, offset: i32) -> String {
    match backend {
        Backend::Sqlite => {
            let shifted = format!("datetime({column}, '{offset:+} minutes')");
            match period {
                Period::Day => format!("strftime('%Y-%m-%d', {shifted})"),
                Period::Week => format!("date({shifted}, '-6 days', 'weekday 1')"),
                Period::Month => format!("strftime('%Y-%m', {shifted})"),
                Period::Year => format!("strftime('%Y', {shifted})"),
            }
        }
        Backend::Postgres => {
            let shifted = format!("({column} + interval '{offset} minutes')");
            match period {
                Period::Day => format!("to_char({shifted}, 'YYYY-MM-DD')"),
                Period::Week => format!("to_char(date_trunc('week', {shifted}), 'YYYY-MM-DD')"),
                Period::Month => format!("to_char({shifted}, 'YYYY-MM')"),
                Period::Year => format!("to_char({shifted}, 'YYYY')"),
            }
        }
    }
}
