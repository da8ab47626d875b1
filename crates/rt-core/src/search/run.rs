//! Running a ticket search: one page of ids and the count.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::compile::{Compiler, Context, Param, Sql, append};
use super::parse::{Order, Paging, parse};
use crate::db::dialect;
use crate::db::schema::users;
use crate::error::{Error, Result};
use crate::ids::TicketId;
use crate::session::Tx;

/// How many matches a count goes up to before it says "at least": broad
/// queries over millions of tickets are answered "10,000+" in bounded time.
pub const DEFAULT_COUNT_LIMIT: u64 = 10_000;

/// A ticket search: TicketSQL with its sort and page.
#[derive(Debug, Clone)]
pub struct TicketQuery {
    /// The TicketSQL.
    pub query: String,
    /// Sort keys, from [`parse_order_by`](super::parse_order_by); the ticket
    /// id always breaks ties.
    pub order: Vec<Order>,
    /// Which page.
    pub paging: Paging,
    /// Count up to this many matches (then [`Total::AtLeast`]); `None`
    /// counts them all.
    pub count_limit: Option<u64>,
    /// The instant relative dates are read against (`'2 days ago'`);
    /// `None` for the transaction's time.
    pub now: Option<DateTime<Utc>>,
}

impl TicketQuery {
    /// The query sorted by id, first page of 50, count limited to
    /// [`DEFAULT_COUNT_LIMIT`].
    pub fn new(query: &str) -> TicketQuery {
        TicketQuery {
            query: query.to_string(),
            order: Vec::new(),
            paging: Paging { rows_per_page: Some(50), page: 1 },
            count_limit: Some(DEFAULT_COUNT_LIMIT),
            now: None,
        }
    }
}

/// How many tickets matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    /// Exactly this many.
    Exact(u64),
    /// More than the count limit, which this is.
    AtLeast(u64),
}

impl Total {
    /// The number, exact or not.
    pub fn value(self) -> u64 {
        match self {
            Total::Exact(n) | Total::AtLeast(n) => n,
        }
    }
}

impl fmt::Display for Total {
    /// `1,234` or `10,000+`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.value().to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        match self {
            Total::Exact(_) => f.write_str(&grouped),
            Total::AtLeast(_) => write!(f, "{grouped}+"),
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    /// The tickets of the page, in order (effective ids: a merged ticket
    /// is found as the ticket it was merged into).
    pub ids: Vec<TicketId>,
    /// How many tickets match in all.
    pub total: Total,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl Tx<'_> {
    /// Runs a TicketSQL search as the current user: the page of tickets they
    /// may see and the count. A query that does not parse is
    /// `Error::Validation` on `query`, naming the position.
    pub fn search_tickets(&mut self, q: &TicketQuery) -> Result<SearchPage> {
        let (from_where, order) = self.compile_search(q)?;
        let mut page = Sql::new(from_where.backend);
        page.push("SELECT t.id AS id FROM tickets t WHERE ");
        append(&mut page, from_where.clone());
        page.push(" ORDER BY ");
        page.push(&order);
        if let Some(rows) = q.paging.rows_per_page {
            page.push(&format!(" LIMIT {rows} OFFSET {}", q.paging.offset()));
        }
        let ids: Vec<IdRow> = self.load_sql(&page)?;
        let ids: Vec<TicketId> = ids.into_iter().map(|r| TicketId(r.id)).collect();
        // A short page that is the first (or follows full ones) gives the
        // count without another query.
        let shown = ids.len() as u64;
        let total = match q.paging.rows_per_page {
            Some(rows) if shown < u64::from(rows) && (shown > 0 || q.paging.page == 1) => {
                Total::Exact(q.paging.offset() + shown)
            }
            None => Total::Exact(shown),
            _ => self.count_sql(from_where, q.count_limit)?,
        };
        Ok(SearchPage { ids, total })
    }

    /// Counts the tickets a TicketSQL query finds for the current user, up
    /// to `limit`.
    pub fn count_tickets(&mut self, query: &str, limit: Option<u64>) -> Result<Total> {
        let q = TicketQuery { count_limit: limit, ..TicketQuery::new(query) };
        let (from_where, _) = self.compile_search(&q)?;
        self.count_sql(from_where, limit)
    }

    /// The `WHERE` clause and `ORDER BY` list of a search.
    fn compile_search(&mut self, q: &TicketQuery) -> Result<(Sql, String)> {
        let expr = parse(&q.query).map_err(|e| Error::invalid("query", e.to_string()))?;
        let tz = self.user_time_zone()?;
        let now = q.now.unwrap_or_else(|| self.now.and_utc());
        let ctx = Context { user: self.user.id, user_name: self.user.name.clone(), now, tz };
        let mut compiler = Compiler::new(self, ctx);
        let sql = compiler.where_clause(&expr)?;
        let mut order = Sql::new(sql.backend);
        compiler.order_by(&mut order, &q.order)?;
        if !order.params.is_empty() {
            return Err(Error::invalid("orderby", "sort keys take no values"));
        }
        Ok((sql, order.text))
    }

    fn count_sql(&mut self, from_where: Sql, limit: Option<u64>) -> Result<Total> {
        let mut count = Sql::new(from_where.backend);
        count.push("SELECT count(*) AS n FROM (SELECT 1 FROM tickets t WHERE ");
        append(&mut count, from_where);
        if let Some(limit) = limit {
            count.push(&format!(" LIMIT {}", limit.saturating_add(1)));
        }
        count.push(") counted");
        let rows: Vec<CountRow> = self.load_sql(&count)?;
        let n = rows.first().map_or(0, |r| r.n.max(0) as u64);
        Ok(match limit {
            Some(limit) if n > limit => Total::AtLeast(limit),
            _ => Total::Exact(n),
        })
    }

    /// The current user's time zone, else the site's.
    pub(crate) fn user_time_zone(&mut self) -> Result<Tz> {
        let own: Option<String> =
            users::table.find(self.user.id.0).select(users::timezone).get_result(self.conn).optional()?;
        Ok(own
            .filter(|z| !z.is_empty())
            .and_then(|z| z.parse().ok())
            .or_else(|| self.rt.config.timezone.parse().ok())
            .unwrap_or(Tz::UTC))
    }

    /// Runs generated SQL with its bound parameters.
    pub(crate) fn load_sql<T>(&mut self, sql: &Sql) -> Result<Vec<T>>
    where
        T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
    {
        tracing::trace!(sql = %sql.text, "search");
        Ok(dialect::with_inner!(&mut *self.conn, c => {
            let mut query = diesel::sql_query(sql.text.as_str()).into_boxed();
            for p in &sql.params {
                query = match p {
                    Param::Int(v) => query.bind::<BigInt, _>(*v),
                    Param::Text(s) => query.bind::<Text, _>(s.clone()),
                    Param::Time(t) => query.bind::<Timestamp, _>(*t),
                };
            }
            query.load::<T>(c)?
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_shown_grouped() {
        assert_eq!(Total::Exact(0).to_string(), "0");
        assert_eq!(Total::Exact(1234).to_string(), "1,234");
        assert_eq!(Total::AtLeast(10_000).to_string(), "10,000+");
        assert_eq!(Total::Exact(1_000_000).to_string(), "1,000,000");
    }
}
