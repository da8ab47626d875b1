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

/// Reserves the next ticket id, so that a new ticket's `effective_id` can be
/// written in the same INSERT. On SQLite this is safe because write
/// transactions hold the write lock (see [`write_transaction`]);
/// `sqlite_sequence` never hands out an id twice, even after a shredder
/// deletes the newest ticket.
pub fn next_ticket_id(conn: &mut DbConnection) -> Result<i64> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'tickets'), 0) + 1 AS id"
        }
        DbConnection::Pg(_) => "SELECT nextval(pg_get_serial_sequence('tickets', 'id')) AS id",
    };
    let row: NextId = diesel::sql_query(sql).get_result(conn)?;
    Ok(row.id)
}

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
