//! Running a ticket search: one page of ids and the count.

use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::compile::{Compiler, Context, IdRow, Param, Sql, append};
use super::fields::{DateField, Field, WatcherRole};
use super::parse::{Expr, Op, Order, Paging, parse};
use crate::db::schema::users;
use crate::db::{Backend, dialect};
use crate::error::{Error, Result};
use crate::ids::TicketId;
use crate::session::Tx;

/// How many matches a count goes up to before it says "at least": broad
/// queries over millions of tickets are answered "10,000+" in bounded time.
pub const DEFAULT_COUNT_LIMIT: u64 = 10_000;

/// How long a count may take before it says "at least" what it has found.
pub const DEFAULT_COUNT_BUDGET: Duration = Duration::from_millis(10);

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
    /// Count for at most about this long (then [`Total::AtLeast`] what was
    /// found); `None` takes the time it takes.
    pub count_budget: Option<Duration>,
    /// The instant relative dates are read against (`'2 days ago'`);
    /// `None` for the transaction's time.
    pub now: Option<DateTime<Utc>>,
}

impl TicketQuery {
    /// The query sorted by id, first page of 50, count limited to
    /// [`DEFAULT_COUNT_LIMIT`] and [`DEFAULT_COUNT_BUDGET`].
    pub fn new(query: &str) -> TicketQuery {
        TicketQuery {
            query: query.to_string(),
            order: Vec::new(),
            paging: Paging { rows_per_page: Some(50), page: 1 },
            count_limit: Some(DEFAULT_COUNT_LIMIT),
            count_budget: Some(DEFAULT_COUNT_BUDGET),
            now: None,
        }
    }
}

/// How many tickets matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Total {
    /// Exactly this many.
    Exact(u64),
    /// At least this many: the count stopped at its limit or its time
    /// budget.
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

/// Whether an index narrows the query down before the rights clause and
/// the sort: some condition every match must meet is an equality on an
/// indexed column, a date range, full text or an IP value. Broad matches
/// (`Requestor.EmailAddress LIKE 'example.org'`) are found fastest by
/// walking tickets in id order instead.
fn narrowed_by_index(expr: &Expr) -> bool {
    match expr {
        Expr::And(terms) => terms.iter().any(narrowed_by_index),
        Expr::Or(terms) => !terms.is_empty() && terms.iter().all(narrowed_by_index),
        Expr::Cond(c) => matches!(
            (&c.field, c.op),
            (Field::Content, Op::Eq | Op::Like)
                | (Field::Id | Field::Status | Field::Queue { .. }, Op::Eq)
                | (Field::Watcher { role: Some(WatcherRole::Owner), queue: false, attribute: None, .. }, Op::Eq)
                | (Field::Date { column: DateField::Created, part: None }, Op::Eq | Op::Gt | Op::Ge | Op::Lt | Op::Le)
                | (Field::CustomField { .. }, Op::Eq)
        ),
    }
}

/// Whether every match must hold some word or phrase (`Content LIKE`):
/// a query PostgreSQL answers a window of ticket ids at a time.
fn narrowed_by_content(expr: &Expr) -> bool {
    match expr {
        Expr::And(terms) => terms.iter().any(narrowed_by_content),
        Expr::Or(terms) => !terms.is_empty() && terms.iter().all(narrowed_by_content),
        Expr::Cond(c) => matches!((&c.field, c.op), (Field::Content, Op::Eq | Op::Like)),
    }
}

/// The first window of ticket ids [`Tx::walk_windows`] reads, as a share
/// of the id range: a fiftieth (20,000 tickets of a million: a word in 3 %
/// of messages fills a page of tickets a user sees a quarter of in one
/// window), but never fewer than [`MIN_WINDOW`].
const FIRST_WINDOW_SHARE: i64 = 50;

/// The smallest window of ticket ids.
const MIN_WINDOW: i64 = 16;

/// The planner's estimated cost above which gathering every match is not
/// tried on PostgreSQL. Its units are the planner's own (a page read in
/// sequence costs 1); about 2.5 µs each on the machine of
/// docs/PERFORMANCE.md, so gathering is tried when it should take up to
/// about 12 ms.
const GATHER_MAX_COST: f64 = 5_000.0;

/// The total cost of the top line of a PostgreSQL plan
/// (`Limit  (cost=1889.73..1914.74 rows=10001 width=16)`).
fn total_cost(line: &str) -> Option<f64> {
    let costs = &line[line.find("cost=")? + 5..];
    let total = &costs[costs.find("..")? + 2..];
    total.split_whitespace().next()?.parse().ok()
}

/// A line of a query plan: SQLite's `detail` column, PostgreSQL's
/// `QUERY PLAN`.
struct PlanRow {
    detail: String,
}

impl QueryableByName<diesel::sqlite::Sqlite> for PlanRow {
    fn build<'a>(row: &impl diesel::row::NamedRow<'a, diesel::sqlite::Sqlite>) -> diesel::deserialize::Result<Self> {
        let detail = diesel::row::NamedRow::get::<Text, String>(row, "detail")?;
        Ok(PlanRow { detail })
    }
}

impl QueryableByName<diesel::pg::Pg> for PlanRow {
    fn build<'a>(row: &impl diesel::row::NamedRow<'a, diesel::pg::Pg>) -> diesel::deserialize::Result<Self> {
        let detail = diesel::row::NamedRow::get::<Text, String>(row, "QUERY PLAN")?;
        Ok(PlanRow { detail })
    }
}

impl Tx<'_> {
    /// Runs a TicketSQL search as the current user: the page of tickets they
    /// may see and the count. A query that does not parse is
    /// `Error::Validation` on `query`, naming the position.
    pub fn search_tickets(&mut self, q: &TicketQuery) -> Result<SearchPage> {
        let started = Instant::now();
        let (expr, page, from_where, order) = self.page_sql(q)?;
        let mut budget = q.count_budget;
        if page.backend == Backend::Postgres && narrowed_by_index(&expr) {
            if let Some(found) = self.gather(q, &from_where, &order)? {
                return Ok(found);
            }
            // What is left of the budget after the attempt.
            budget = budget.map(|b| b.saturating_sub(started.elapsed()));
        }
        if page.backend == Backend::Postgres
            && narrowed_by_content(&expr)
            && let Some(descending) = match order.as_str() {
                "t.id ASC" => Some(false),
                "t.id DESC" => Some(true),
                _ => None,
            }
        {
            return self.walk_windows(q, &from_where, descending, budget);
        }
        let page_started = Instant::now();
        let ids: Vec<IdRow> = self.load_sql(&page)?;
        let page_took = page_started.elapsed();
        let ids: Vec<TicketId> = ids.into_iter().map(|r| TicketId(r.id)).collect();
        // A short page that is the first (or follows full ones) gives the
        // count without another query.
        let shown = ids.len() as u64;
        let total = match q.paging.rows_per_page {
            Some(rows) if shown < u64::from(rows) && (shown > 0 || q.paging.page == 1) => {
                Total::Exact(q.paging.offset() + shown)
            }
            None => Total::Exact(shown),
            // The pages up to this one pass the count's limit: that is all
            // the count could say (a limit of 0 asks for no count at all).
            Some(_) if shown > 0 && q.count_limit.is_some_and(|limit| q.paging.offset() + shown > limit) => {
                Total::AtLeast(q.count_limit.unwrap_or_default())
            }
            // On SQLite, a slow page means a plan that gathers every match
            // before it sorts; counting in chunks would gather them once per
            // chunk.
            _ if page.backend == Backend::Sqlite && q.count_budget.is_some_and(|b| page_took > b * 2) => {
                self.count_sql(from_where, q.count_limit, None)?
            }
            // The budget went on the attempt to gather every match: say
            // what is known rather than spend more.
            Some(_) if budget.is_some_and(|b| b.is_zero()) => Total::AtLeast(q.paging.offset() + shown),
            _ => self.count_sql(from_where, q.count_limit, budget)?,
        };
        Ok(SearchPage { ids, total })
    }

    /// PostgreSQL: every match (up to the count limit) in one sorted query,
    /// under a statement timeout of twice the count budget. A plan that filters
    /// through an index (full text, a date range) then pays once for the
    /// page and the count, and sorts after filtering (`t.id + 0`) instead
    /// of walking the primary key, which the planner wrongly favours when
    /// matches cluster at one end of the id range. `None` when the planner
    /// expects it to cost more than [`GATHER_MAX_COST`] or it did not
    /// finish in time (broad queries: the id-ordered page is fast for
    /// them), or the page lies beyond the limit.
    fn gather(&mut self, q: &TicketQuery, from_where: &Sql, order: &str) -> Result<Option<SearchPage>> {
        let (Some(rows), Some(budget)) = (q.paging.rows_per_page, q.count_budget) else {
            return Ok(None);
        };
        let offset = q.paging.offset();
        if q.count_limit.is_some_and(|limit| offset + u64::from(rows) > limit) {
            return Ok(None);
        }
        let mut sql = Sql::new(from_where.backend);
        sql.push("SELECT t.id AS id FROM tickets t WHERE ");
        append(&mut sql, from_where.clone());
        let order = order.replace("t.id ASC", "t.id + 0 ASC").replace("t.id DESC", "t.id + 0 DESC");
        sql.push(&format!(" ORDER BY {order}"));
        if let Some(limit) = q.count_limit {
            sql.push(&format!(" LIMIT {}", limit.saturating_add(1)));
        }
        // A condition on an indexed column can still match tens of thousands
        // of tickets (a busy queue's active ones): the planner's estimate of
        // the work says so before any is done.
        let mut explain = Sql::new(sql.backend);
        explain.push("EXPLAIN ");
        append(&mut explain, sql.clone());
        let plan: Vec<PlanRow> = self.load_sql(&explain)?;
        if plan.first().and_then(|row| total_cost(&row.detail)).is_none_or(|cost| cost > GATHER_MAX_COST) {
            return Ok(None);
        }
        // Twice the budget: finishing here saves a page query and a count.
        let timeout = (budget * 2).as_millis().max(1);
        self.batch(&format!("SAVEPOINT rt_gather; SET LOCAL statement_timeout = {timeout}"))?;
        let found = self.load_sql_raw::<IdRow>(&sql);
        // Also undoes the timeout.
        self.batch("ROLLBACK TO SAVEPOINT rt_gather; RELEASE SAVEPOINT rt_gather")?;
        let ids = match found {
            Ok(ids) => ids,
            Err(diesel::result::Error::DatabaseError(_, info)) if info.message().contains("statement timeout") => {
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let n = ids.len() as u64;
        let total = match q.count_limit {
            Some(limit) if n > limit => Total::AtLeast(limit),
            _ => Total::Exact(n),
        };
        let ids = ids.into_iter().skip(offset as usize).take(rows as usize).map(|r| TicketId(r.id)).collect();
        Ok(Some(SearchPage { ids, total }))
    }

    /// PostgreSQL, a query that needs some word sorted by id: the tickets a
    /// window of ids at a time, in order, each window's full-text matches
    /// found through both the text's index and `attachment_fts_ticket`
    /// (only the matches in the window are read: a word in 30,000 messages
    /// costs the window's share of them, not all 30,000). Windows grow
    /// until the page is full, then the count goes on as
    /// [`Tx::count_sql`]'s chunks do, within what is left of `budget`.
    fn walk_windows(
        &mut self,
        q: &TicketQuery,
        from_where: &Sql,
        descending: bool,
        budget: Option<Duration>,
    ) -> Result<SearchPage> {
        use crate::db::schema::tickets;
        use diesel::dsl::{max, min};
        let started = Instant::now();
        let range: (Option<i64>, Option<i64>) =
            tickets::table.select((min(tickets::id), max(tickets::id))).get_result(self.conn)?;
        let Some((first, last)) = range.0.zip(range.1) else {
            return Ok(SearchPage { ids: Vec::new(), total: Total::Exact(0) });
        };
        let offset = q.paging.offset();
        let wanted = q.paging.rows_per_page.map(|rows| offset + u64::from(rows));
        let limit = q.count_limit.unwrap_or(u64::MAX);
        let (mut ids, mut counted) = (Vec::new(), 0u64);
        let mut size = ((last - first + 1) / FIRST_WINDOW_SHARE).max(MIN_WINDOW);
        // The next window starts here (ascending) or ends here (descending).
        let mut edge = if descending { last + 1 } else { first };
        loop {
            let (start, end) = if descending {
                (edge.saturating_sub(size).max(first), edge)
            } else {
                (edge, edge.saturating_add(size).min(last + 1))
            };
            let mut sql = Sql::new(from_where.backend);
            sql.push("SELECT t.id AS id FROM tickets t WHERE t.id >= ").bind(Param::Int(start));
            sql.push(" AND t.id < ").bind(Param::Int(end)).push(" AND ");
            append(&mut sql, from_where.windowed(start, end));
            sql.push(if descending { " ORDER BY t.id DESC" } else { " ORDER BY t.id ASC" });
            let window_started = Instant::now();
            let found: Vec<IdRow> = self.load_sql(&sql)?;
            let took = window_started.elapsed();
            for row in &found {
                counted += 1;
                if wanted.is_none_or(|w| (ids.len() as u64) < w) {
                    ids.push(TicketId(row.id));
                }
            }
            let page_full = wanted.is_some_and(|w| counted >= w);
            let exhausted = (descending && start <= first) || (!descending && end > last);
            let total = if counted > limit && (page_full || exhausted) {
                Some(Total::AtLeast(limit))
            } else if exhausted {
                Some(Total::Exact(counted))
            } else if page_full && budget.is_some_and(|b| started.elapsed() + took >= b) {
                // Another window would overrun the count's budget.
                Some(Total::AtLeast(counted))
            } else {
                None
            };
            if let Some(total) = total {
                let ids = ids.into_iter().skip(offset as usize).collect();
                return Ok(SearchPage { ids, total });
            }
            edge = if descending { start } else { end };
            // Windows that found little grow fast; once the page is full
            // they grow while they take under a third of what is left.
            let left = budget.map(|b| b.saturating_sub(started.elapsed()));
            if !page_full {
                size = size.saturating_mul(if found.is_empty() { 4 } else { 2 });
            } else if left.is_none_or(|left| took * 3 < left) {
                size = size.saturating_mul(2);
            }
        }
    }

    fn batch(&mut self, statements: &str) -> Result<()> {
        use diesel::connection::SimpleConnection;
        dialect::with_inner!(&mut *self.conn, c => c.batch_execute(statements))?;
        Ok(())
    }

    /// Counts the tickets a TicketSQL query finds for the current user, up
    /// to `limit`, taking the time it takes.
    pub fn count_tickets(&mut self, query: &str, limit: Option<u64>) -> Result<Total> {
        let q = TicketQuery { count_limit: limit, ..TicketQuery::new(query) };
        let (_, from_where, _) = self.compile_search(&q)?;
        self.count_sql(from_where, limit, None)
    }

    /// The SQL of a search's first-page query followed by the database's
    /// plan for it, one line each: for finding out why a search is slow.
    pub fn explain_search(&mut self, q: &TicketQuery) -> Result<Vec<String>> {
        let (_, page, _, _) = self.page_sql(q)?;
        let mut explain = Sql::new(page.backend);
        explain.push(if page.backend == Backend::Sqlite { "EXPLAIN QUERY PLAN " } else { "EXPLAIN " });
        let text = page.text.clone();
        append(&mut explain, page);
        let plan: Vec<PlanRow> = self.load_sql(&explain)?;
        Ok(std::iter::once(text).chain(plan.into_iter().map(|r| r.detail)).collect())
    }

    /// The parsed query, its first-page query, its `WHERE` clause and its
    /// `ORDER BY` list.
    fn page_sql(&mut self, q: &TicketQuery) -> Result<(Expr, Sql, Sql, String)> {
        let (expr, from_where, order) = self.compile_search(q)?;
        let mut page = Sql::new(from_where.backend);
        page.push("SELECT t.id AS id FROM tickets t WHERE ");
        append(&mut page, from_where.clone());
        page.push(" ORDER BY ");
        page.push(&order);
        if let Some(rows) = q.paging.rows_per_page {
            page.push(&format!(" LIMIT {rows} OFFSET {}", q.paging.offset()));
        }
        Ok((expr, page, from_where, order))
    }

    /// The parsed query and what the compiler needs to know about the
    /// searching user: who, when (`now`, else the transaction's time) and
    /// in which time zone.
    pub(crate) fn search_context(&mut self, query: &str, now: Option<DateTime<Utc>>) -> Result<(Expr, Context)> {
        let expr = parse(query).map_err(|e| Error::invalid("query", e.to_string()))?;
        let tz = self.user_time_zone()?;
        let now = now.unwrap_or_else(|| self.now.and_utc());
        Ok((expr, Context { user: self.user.id, user_name: self.user.name.clone(), now, tz }))
    }

    /// The parsed query, its `WHERE` clause and its `ORDER BY` list.
    fn compile_search(&mut self, q: &TicketQuery) -> Result<(Expr, Sql, String)> {
        let (expr, ctx) = self.search_context(&q.query, q.now)?;
        let mut compiler = Compiler::new(self, ctx);
        let sql = compiler.where_clause(&expr)?;
        let mut order = Sql::new(sql.backend);
        compiler.order_by(&mut order, &q.order)?;
        if !order.params.is_empty() {
            return Err(Error::invalid("orderby", "sort keys take no values"));
        }
        Ok((expr, sql, order.text))
    }

    /// Counts up to `limit`: in one statement without a budget, else in id
    /// order a chunk at a time, so that the count stops at its budget
    /// wherever the plan finds its rows.
    fn count_sql(&mut self, from_where: Sql, limit: Option<u64>, budget: Option<Duration>) -> Result<Total> {
        let Some(budget) = budget else {
            let mut count = Sql::new(from_where.backend);
            count.push("SELECT count(*) AS id FROM (SELECT 1 FROM tickets t WHERE ");
            append(&mut count, from_where);
            if let Some(limit) = limit {
                count.push(&format!(" LIMIT {}", limit.saturating_add(1)));
            }
            count.push(") counted");
            let rows: Vec<IdRow> = self.load_sql(&count)?;
            let n = rows.first().map_or(0, |r| r.id.max(0) as u64);
            return Ok(match limit {
                Some(limit) if n > limit => Total::AtLeast(limit),
                _ => Total::Exact(n),
            });
        };
        let started = Instant::now();
        let limit = limit.unwrap_or(u64::MAX);
        // A small first chunk measures the rate; later ones fill the budget.
        let (mut counted, mut last, mut chunk) = (0u64, 0i64, 200u64);
        loop {
            let want = chunk.min(limit.saturating_sub(counted).saturating_add(1));
            let mut sql = Sql::new(from_where.backend);
            sql.push("SELECT t.id AS id FROM tickets t WHERE ");
            append(&mut sql, from_where.clone());
            // `+`: resuming must not turn the plan into a scan by id.
            sql.push(if sql.backend == Backend::Sqlite { " AND +t.id > " } else { " AND t.id > " });
            sql.bind(Param::Int(last));
            sql.push(&format!(" ORDER BY t.id LIMIT {want}"));
            let chunk_started = Instant::now();
            let ids: Vec<IdRow> = self.load_sql(&sql)?;
            let took = chunk_started.elapsed();
            counted += ids.len() as u64;
            if counted > limit {
                return Ok(Total::AtLeast(limit));
            }
            match ids.last() {
                Some(row) if ids.len() as u64 == want => last = row.id,
                _ => return Ok(Total::Exact(counted)),
            }
            // A chunk costs at least what the last one did whatever its
            // size (a full-text match is listed again for each): one that
            // would overrun the budget is not started.
            let elapsed = started.elapsed();
            if elapsed + took >= budget {
                return Ok(Total::AtLeast(counted));
            }
            // As many as the rate so far fits in what is left of the budget.
            let rate = counted as f64 / elapsed.as_secs_f64().max(1e-6);
            chunk = ((rate * (budget - elapsed).as_secs_f64()) as u64).clamp(100, 16_000);
        }
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
        Ok(self.load_sql_raw(sql)?)
    }

    fn load_sql_raw<T>(&mut self, sql: &Sql) -> diesel::QueryResult<Vec<T>>
    where
        T: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
    {
        tracing::trace!(sql = %sql.text, "search");
        dialect::with_inner!(&mut *self.conn, c => {
            let mut query = diesel::sql_query(sql.text.as_str()).into_boxed();
            for p in &sql.params {
                query = match p {
                    Param::Int(v) => query.bind::<BigInt, _>(*v),
                    Param::Text(s) => query.bind::<Text, _>(s.clone()),
                    Param::Time(t) => query.bind::<Timestamp, _>(*t),
                    Param::Window(end) => query.bind::<BigInt, _>(end.unbounded()),
                };
            }
            query.load::<T>(c)
        })
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

    #[test]
    fn plan_costs_are_read() {
        assert_eq!(total_cost("Limit  (cost=1889.73..1914.74 rows=10001 width=16)"), Some(1914.74));
        assert_eq!(total_cost("Sort  (cost=86.00..86.01 rows=6 width=16)"), Some(86.01));
        assert_eq!(total_cost("SCAN t"), None);
    }
}
