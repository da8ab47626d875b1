//! The places where SQLite and PostgreSQL need different SQL.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::DbConnection;
use crate::error::{Error, Result};

/// Runs `f` in a write transaction and commits it when `f` succeeds, rolls it
/// back otherwise.
///
/// SQLite starts with `BEGIN IMMEDIATE`, taking the write lock up front, so
/// two writers never both read and then fail to upgrade (`SQLITE_BUSY`);
/// they queue on the busy timeout instead.
pub fn write_transaction<T>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T>) -> Result<T> {
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    finish(conn, f)
}

/// Runs `f` in a read transaction (a consistent snapshot on both backends).
pub fn read_transaction<T>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T>) -> Result<T> {
    match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction_sql(
            c,
            "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
        )?,
    }
    finish(conn, f)
}

fn finish<T>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T>) -> Result<T> {
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            if let Err(rollback) = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

#[derive(QueryableByName)]
struct NextId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Tables whose ids [`reserve_ids`] hands out.
#[derive(Debug, Clone, Copy)]
pub enum IdTable {
    /// `tickets.id`, so that `effective_id` is written in the same insert.
    Tickets,
    /// `principals.id`, so that several groups go in one multi-row insert.
    Principals,
    /// `attachments.id`, so that a message's tree goes in one insert.
    Attachments,
}

/// Reserves `n` consecutive new ids of `table` for rows inserted with
/// explicit ids later in this transaction. On SQLite this is safe because
/// write transactions hold the write lock (see [`write_transaction`]), and
/// `sqlite_sequence` never hands out an id twice, even after the newest row
/// is deleted. PostgreSQL draws them from the column's sequence.
pub fn reserve_ids(conn: &mut DbConnection, table: IdTable, n: usize) -> Result<Vec<i64>> {
    let name = match table {
        IdTable::Tickets => "tickets",
        IdTable::Principals => "principals",
        IdTable::Attachments => "attachments",
    };
    match conn {
        DbConnection::Sqlite(c) => {
            // Through the query builder, so the statement is prepared once
            // per connection and cached.
            let last: Option<i64> = sqlite_sequence::table
                .filter(sqlite_sequence::name.eq(name))
                .select(sqlite_sequence::seq)
                .get_result(c)
                .optional()?;
            let last = last.unwrap_or(0);
            Ok((1..=n as i64).map(|i| last + i).collect())
        }
        DbConnection::Pg(c) => {
            let sql =
                format!("SELECT nextval(pg_get_serial_sequence('{name}', 'id')) AS id FROM generate_series(1, {n})");
            let ids: Vec<NextId> = diesel::sql_query(sql).load(c)?;
            Ok(ids.into_iter().map(|r| r.id).collect())
        }
    }
}

mod sqlite_schema {
    #![allow(missing_docs)]
    diesel::table! {
        /// SQLite's own record of the last id of each AUTOINCREMENT table.
        sqlite_sequence (name) {
            name -> Text,
            seq -> BigInt,
        }
    }
}
use sqlite_schema::sqlite_sequence;

/// Runs the same diesel code on the inner connection of either backend,
/// for statements `MultiConnection` cannot express (multi-row inserts).
macro_rules! with_inner {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}
pub(crate) use with_inner;

/// Inserts a `Vec` of rows (tuples of `column.eq(value)`) into `$table`
/// and returns the new `$id`s in the order of the rows. One row is a
/// statement diesel prepares once per connection; several go in one
/// multi-row statement (prepared each time, as its shape varies). Both
/// backends hand out the ids of one statement in the order of its rows;
/// they are sorted rather than trusting the order `RETURNING` lists them.
macro_rules! insert_returning_ids {
    ($conn:expr, $table:expr, $id:expr, $rows:expr) => {{
        let mut rows = $rows;
        let inserted: $crate::error::Result<Vec<i64>> = match rows.len() {
            0 => Ok(Vec::new()),
            1 => $crate::db::dialect::with_inner!($conn, c => diesel::insert_into($table)
                .values(rows.pop().expect("one row"))
                .returning($id)
                .get_results::<i64>(c)
                .map_err(Into::into)),
            _ => $crate::db::dialect::with_inner!($conn, c => diesel::insert_into($table)
                .values(&rows)
                .returning($id)
                .get_results::<i64>(c)
                .map(|mut ids| {
                    ids.sort_unstable();
                    ids
                })
                .map_err(Into::into)),
        };
        inserted
    }};
}
pub(crate) use insert_returning_ids;

/// Inserts a `Vec` of rows into `$table`, as [`insert_returning_ids`]
/// does but returning nothing.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let mut rows = $rows;
        let inserted: $crate::error::Result<usize> = match rows.len() {
            0 => Ok(0),
            1 => $crate::db::dialect::with_inner!($conn, c => diesel::insert_into($table)
                .values(rows.pop().expect("one row"))
                .execute(c)
                .map_err(Into::into)),
            _ => $crate::db::dialect::with_inner!($conn, c => diesel::insert_into($table)
                .values(&rows)
                .execute(c)
                .map_err(Into::into)),
        };
        inserted
    }};
}
pub(crate) use insert_rows;

/// Writes an online, consistent copy of a SQLite database to `dest`.
pub fn backup_sqlite(conn: &mut DbConnection, dest: &str) -> Result<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            let quoted = dest.replace('\'', "''");
            c.batch_execute(&format!("VACUUM INTO '{quoted}'"))?;
            Ok(())
        }
        DbConnection::Pg(_) => Err(Error::Validation {
            field: "database".into(),
            message: "backup copies SQLite databases; use pg_dump for PostgreSQL".into(),
        }),
    }
}

/// Locks and returns the ids of up to `max` outbox rows that are pending,
/// due at `now` and under no live lease, oldest due first.
///
/// PostgreSQL takes them `FOR UPDATE SKIP LOCKED`, so workers on several
/// nodes claiming at once each get distinct rows without waiting on one
/// another; SQLite needs no row locks because a write transaction holds the
/// database's write lock (see [`write_transaction`]).
pub(crate) fn lock_due_outbox(
    conn: &mut DbConnection,
    channel: &str,
    now: chrono::NaiveDateTime,
    max: i64,
) -> Result<Vec<i64>> {
    use super::schema::outbox;
    let due = outbox::table
        .filter(outbox::channel.eq(channel))
        .filter(outbox::status.eq("pending"))
        .filter(outbox::next_attempt_at.le(now))
        .filter(outbox::claimed_until.is_null().or(outbox::claimed_until.le(now)))
        .order((outbox::next_attempt_at, outbox::id))
        .limit(max)
        .select(outbox::id);
    Ok(match conn {
        DbConnection::Sqlite(c) => due.load(c)?,
        DbConnection::Pg(c) => due.for_update().skip_locked().load(c)?,
    })
}

/// An event as [`take_locked_events`] returns it.
#[derive(QueryableByName)]
pub(crate) struct TakenEvent {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) transaction_id: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) depth: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) batch_id: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) object_id: i64,
}

/// On PostgreSQL, takes up to `limit` of the oldest pending events no
/// other worker holds, locked for the caller's DB transaction and marked
/// done there (the scrips' work commits with the marks), oldest first, in
/// one statement. `None` on SQLite, where a write transaction holds the
/// database's one write lock and takes events with plain statements.
pub(crate) fn take_locked_events(
    conn: &mut DbConnection,
    now: chrono::NaiveDateTime,
    limit: i64,
) -> Result<Option<Vec<TakenEvent>>> {
    let DbConnection::Pg(c) = conn else { return Ok(None) };
    // Only an index scan of `events_pending` in id order: done events stay
    // in that index as dead entries until a vacuum, which an index scan
    // marks once and then skips, where a bitmap scan (the planner's choice
    // when it believes the table tiny) reads every one of them on every
    // claim, tens of thousands a minute at a busy site's rate.
    c.batch_execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off")?;
    let mut taken = diesel::sql_query(
        "UPDATE events SET done_at = $1, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM events WHERE done_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $1) \
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) \
         RETURNING id, transaction_id, depth, batch_id, object_id",
    )
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .bind::<BigInt, _>(limit)
    .load::<TakenEvent>(c)?;
    c.batch_execute("RESET enable_bitmapscan; RESET enable_seqscan")?;
    taken.sort_by_key(|e| e.id);
    Ok(Some(taken))
}

/// On PostgreSQL, has the statements that follow, up to
/// `custom_plans(conn, false)`, planned for their values rather than from
/// plans the connection cached, within the caller's DB transaction. For
/// reads by arrays of ids: a cached plan for `id = ANY($1)` is made once,
/// perhaps while the tables were tiny, and then kept (a sequential scan
/// that reads the whole table every time, until statistics change). Only
/// around such reads: every foreign-key check is a cached statement too,
/// and planning each again would cost more than the inserts it checks.
pub(crate) fn custom_plans(conn: &mut DbConnection, on: bool) -> Result<()> {
    if let DbConnection::Pg(c) = conn {
        c.batch_execute(if on { "SET LOCAL plan_cache_mode = force_custom_plan" } else { "RESET plan_cache_mode" })?;
    }
    Ok(())
}

/// Holds a ticket's row until the caller's DB transaction ends, so that
/// work on one ticket by several processes takes turns. PostgreSQL locks
/// the row (`FOR UPDATE`); on SQLite a write transaction already holds the
/// database's one write lock (see [`write_transaction`]).
pub(crate) fn lock_ticket_row(conn: &mut DbConnection, id: i64) -> Result<()> {
    use super::schema::tickets;
    if let DbConnection::Pg(c) = conn {
        tickets::table.find(id).select(tickets::id).for_update().load::<i64>(c)?;
    }
    Ok(())
}

/// A member's address in a role group, as [`role_group_addresses`] returns
/// it: the group's domain, instance and name, and the address.
#[derive(QueryableByName)]
pub(crate) struct RoleAddress {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(crate) domain: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) instance: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(crate) name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub(crate) address: String,
}

/// The addresses of the enabled users in the role groups of `tickets`
/// (domain `ticket_domain`) and of `queues` (`queue_domain`), nested
/// groups expanded.
///
/// On PostgreSQL the groups' ids are gathered first into an array
/// (`= ANY(ARRAY(...))`), which the planner reads through the memberships'
/// index whatever it believes of the table's sizes. Written as a join, the
/// planner of a young database (no statistics yet: the first minute of a
/// site, or of a benchmark) expects each group to have a hundred members
/// and hashes the whole membership table: 5 ms a batch at 5,000 tickets,
/// growing with every ticket, where the index takes 0.5 ms.
pub(crate) fn role_group_addresses(
    conn: &mut DbConnection,
    (ticket_domain, tickets): (&str, &[i64]),
    (queue_domain, queues): (&str, &[i64]),
) -> Result<Vec<RoleAddress>> {
    use super::schema::{cached_group_members as cgm, groups, principals, users};
    use diesel::sql_types::{Array, Text};
    Ok(match conn {
        DbConnection::Sqlite(c) => groups::table
            .inner_join(cgm::table.on(cgm::group_id.eq(groups::id)))
            .inner_join(users::table.on(users::id.eq(cgm::member_id)))
            .inner_join(principals::table.on(principals::id.eq(cgm::member_id)))
            .filter(
                (groups::domain.eq(ticket_domain).and(groups::instance.eq_any(tickets)))
                    .or(groups::domain.eq(queue_domain).and(groups::instance.eq_any(queues))),
            )
            .filter(principals::disabled.eq(false))
            .filter(users::email_address.is_not_null())
            .select((groups::domain, groups::instance, groups::name, users::email_address.assume_not_null()))
            .load::<(String, i64, String, String)>(c)?
            .into_iter()
            .map(|(domain, instance, name, address)| RoleAddress { domain, instance, name, address })
            .collect(),
        DbConnection::Pg(c) => diesel::sql_query(
            "SELECT g.domain, g.instance, g.name, u.email_address AS address \
             FROM groups g JOIN cached_group_members c ON c.group_id = g.id \
             JOIN users u ON u.id = c.member_id JOIN principals p ON p.id = c.member_id \
             WHERE ((g.domain = $1 AND g.instance = ANY($2)) OR (g.domain = $3 AND g.instance = ANY($4))) \
             AND c.group_id = ANY(ARRAY(SELECT id FROM groups \
               WHERE (domain = $1 AND instance = ANY($2)) OR (domain = $3 AND instance = ANY($4)))) \
             AND NOT p.disabled AND u.email_address IS NOT NULL",
        )
        .bind::<Text, _>(ticket_domain)
        .bind::<Array<BigInt>, _>(tickets)
        .bind::<Text, _>(queue_domain)
        .bind::<Array<BigInt>, _>(queues)
        .load::<RoleAddress>(c)?,
    })
}
