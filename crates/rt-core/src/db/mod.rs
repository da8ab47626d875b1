//! Storage: one connection type over SQLite and PostgreSQL, the pool, the
//! embedded migrations, and the few places where the two dialects differ.
//!
//! Query code everywhere else in rt-core is written once against
//! [`DbConnection`]; anything backend-specific (transaction start, id
//! allocation, backups) lives in [`dialect`].

pub mod dialect;
pub mod schema;
pub(crate) mod writers;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{CustomizeConnection, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{Error, Result};

pub use connection::DbConnection;

mod connection {
    // The derive generates public helper types without docs.
    #![allow(missing_docs)]

    /// A connection to either backend, chosen from the database URL.
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// PostgreSQL, for sites that outgrow one machine.
        Pg(diesel::PgConnection),
        /// Embedded SQLite, the default.
        Sqlite(diesel::SqliteConnection),
    }
}

/// Which backend a URL or connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// How the dialect writes a false boolean in SQL text: SQLite stores
    /// booleans as 0/1.
    pub(crate) fn sql_false(self) -> &'static str {
        match self {
            Backend::Sqlite => "0",
            Backend::Postgres => "false",
        }
    }

    /// Picks the backend from a URL: `postgres://` / `postgresql://` or
    /// `sqlite://PATH` (a bare path is taken as a SQLite file).
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// Removes the `sqlite://` prefix, leaving what libsqlite3 opens.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// Hides the password of a `postgres://user:secret@host/db` URL so that
/// URLs can be logged.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The pool type every rt-core entry point draws connections from.
pub type Pool = diesel::r2d2::Pool<Manager>;

/// A connection checked out of the pool.
pub type PooledConn = PooledConnection<Manager>;

/// An r2d2 manager that opens the variant the URL names, so that a failed
/// connection reports the real error rather than diesel's generic one.
#[derive(Debug)]
pub struct Manager {
    url: String,
    backend: Backend,
}

impl diesel::r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> std::result::Result<DbConnection, Self::Error> {
        let conn = match self.backend {
            Backend::Postgres => diesel::PgConnection::establish(&self.url).map(DbConnection::Pg),
            Backend::Sqlite => diesel::SqliteConnection::establish(sqlite_path(&self.url)).map(DbConnection::Sqlite),
        };
        conn.map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> std::result::Result<(), Self::Error> {
        use diesel::r2d2::R2D2Connection;
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

/// Pragmas of every SQLite connection: foreign keys, `synchronous=FULL`
/// (what the gateway acknowledged survives a power cut), a busy timeout
/// so that writers queue instead of failing, savepoints' journals in
/// memory rather than temporary files (every writer of a commit group
/// works in a savepoint), and reads through a 32 MiB
/// page cache and up to 1 GiB of memory-mapped file (searches over a
/// million tickets touch many pages). WAL mode is a property of the file,
/// set once by [`connect`].
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
    PRAGMA temp_store = MEMORY; \
    PRAGMA wal_autocheckpoint = 4000; PRAGMA cache_size = -32768; PRAGMA mmap_size = 1073741824;";

diesel::define_sql_function! {
    /// Unicode lower case, character by character: how TicketSQL compares
    /// text case-insensitively. PostgreSQL defines it in SQL (`lower`).
    fn rt_fold(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>;
}

/// Lower-cases text the way `rt_fold` does in SQL on both backends:
/// Unicode's simple (one character to one character) mapping, as
/// PostgreSQL's `lower` applies it (`İ` becomes `i`, `Σ` always `σ`).
pub fn fold(text: &str) -> String {
    text.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect()
}

/// The pragmas and SQL functions every SQLite connection needs.
fn prepare_sqlite(c: &mut diesel::SqliteConnection) -> diesel::QueryResult<()> {
    c.batch_execute(SQLITE_PRAGMAS)?;
    rt_fold_utils::register_impl(c, |text: Option<String>| text.map(|t| fold(&t)))
}

/// Brings the query planner's statistics up to date where they are missing
/// or stale. SQLite keeps none unless asked: without them it guesses, and
/// guesses badly on a million tickets (which index narrows a search, how
/// many rows a queue holds). `PRAGMA optimize` analyzes only the tables that
/// need it, within a bounded effort; `all_tables` also checks tables this
/// connection has not used, for a database's first open. Nothing is
/// analyzed before the database holds [`STATISTICS_FROM_TICKETS`] tickets:
/// statistics taken of a new site's tiny tables (three users) would stay
/// while the tables grow, and the planner would start joins from the
/// table it believes smallest (the ticket-create benchmark with scrips fell
/// from 1,200 to 85 tickets/s that way); without statistics its defaults do
/// well on small tables. PostgreSQL's autovacuum keeps its own statistics:
/// nothing to do there.
pub(crate) fn refresh_statistics(conn: &mut DbConnection, all_tables: bool) -> Result<()> {
    use crate::db::schema::tickets;
    if let DbConnection::Sqlite(c) = conn {
        let highest: Option<i64> = tickets::table.select(diesel::dsl::max(tickets::id)).get_result(c)?;
        if highest.unwrap_or(0) >= STATISTICS_FROM_TICKETS {
            c.batch_execute(if all_tables { "PRAGMA optimize = 0x10002" } else { "PRAGMA optimize" })?;
        }
    }
    Ok(())
}

/// How many tickets a SQLite database holds before its planner statistics
/// are kept (see `Rt::refresh_statistics`).
pub const STATISTICS_FROM_TICKETS: i64 = 10_000;

/// Prepares every pooled connection: SQLite's pragmas and functions,
/// PostgreSQL's session settings.
#[derive(Debug, Clone, Copy)]
struct SessionSetup;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SessionSetup {
    fn on_acquire(&self, conn: &mut DbConnection) -> std::result::Result<(), diesel::r2d2::Error> {
        match conn {
            DbConnection::Sqlite(c) => prepare_sqlite(c),
            // JIT compilation costs more than the short queries it would
            // speed up (a search over a million tickets spent 100 ms in it).
            DbConnection::Pg(c) => c.batch_execute("SET jit = off"),
        }
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens one connection to `url`, reporting the real error when it fails.
/// For SQLite it creates the file's directory if needed and switches the
/// file to WAL mode.
pub fn connect(url: &str) -> Result<DbConnection> {
    let fail = |e: &dyn std::fmt::Display| Error::Database(format!("cannot connect to {}: {e}", redact_url(url)));
    match Backend::from_url(url) {
        Backend::Postgres => diesel::PgConnection::establish(url).map(DbConnection::Pg).map_err(|e| fail(&e)),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if let Some(dir) = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
            }
            let mut c = diesel::SqliteConnection::establish(path).map_err(|e| fail(&e))?;
            prepare_sqlite(&mut c).map_err(|e| fail(&e))?;
            c.batch_execute("PRAGMA journal_mode = WAL;").map_err(|e| fail(&e))?;
            Ok(DbConnection::Sqlite(c))
        }
    }
}

/// Opens a pool for `url`. Call [`connect`] first for a new SQLite file,
/// so the pool's connections find it in WAL mode.
pub fn open_pool(url: &str, max_size: u32) -> Result<Pool> {
    let backend = Backend::from_url(url);
    let manager = Manager { url: url.to_string(), backend };
    let builder = diesel::r2d2::Pool::builder()
        .max_size(max_size)
        // No connections opened in the background to keep a minimum idle:
        // one still being opened when a short-lived process (rt-crontool,
        // rt-server's commands) exits races libpq's and OpenSSL's exit
        // handlers and crashes the process. Idle connections stay pooled.
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(30))
        // A broken connection fails its query and is discarded then
        // (`has_broken`); pinging on every checkout would cost a round trip.
        .test_on_check_out(false)
        .connection_customizer(Box::new(SessionSetup));
    builder.build(manager).map_err(|e| Error::Database(format!("cannot open {}: {e}", redact_url(url))))
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The migrations embedded for `backend`.
fn migrations_of(backend: Backend) -> EmbeddedMigrations {
    match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    }
}

/// Runs every pending migration of the connection's backend and returns the
/// names of those it applied.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| Error::Database(format!("migration failed: {e}")))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Reverts applied migrations, newest first, through the one called `name`
/// (a directory name of `migrations/`): for upgrade tests, which check that
/// a migration's backfill of existing rows gives what the write path writes.
pub fn revert_migrations_through(conn: &mut DbConnection, name: &str) -> Result<()> {
    use diesel::migration::MigrationSource;
    let version = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&migrations_of(conn.backend()))
        .ok()
        .and_then(|ms| ms.iter().find(|m| m.name().to_string() == name).map(|m| m.name().version().to_string()))
        .ok_or_else(|| Error::invalid("migration", format!("there is no migration {name}")))?;
    loop {
        let source = migrations_of(conn.backend());
        let reverted = match conn {
            DbConnection::Sqlite(c) => c.revert_last_migration(source),
            DbConnection::Pg(c) => c.revert_last_migration(source),
        }
        .map_err(|e| Error::Database(format!("reverting a migration failed: {e}")))?;
        if reverted.to_string() == version {
            return Ok(());
        }
    }
}

/// The names of the migrations embedded for `backend`, in order.
pub fn migration_names(backend: Backend) -> Vec<String> {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::sqlite::Sqlite>::migrations(&migrations_of(backend))
        .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
        .unwrap_or_default()
}

/// Treats an update whose changeset had nothing to set (every field `None`)
/// as done: diesel reports it as a query-builder error.
pub(crate) fn allow_empty_changeset(result: diesel::QueryResult<usize>) -> Result<()> {
    match result {
        Ok(_) | Err(diesel::result::Error::QueryBuilderError(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

impl DbConnection {
    /// The backend this connection speaks.
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Pg(_) => Backend::Postgres,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_logged_without_passwords() {
        assert_eq!(redact_url("postgres://rt:hunter2@db:5432/rt"), "postgres://rt:***@db:5432/rt");
        assert_eq!(redact_url("postgres://rt@db/rt"), "postgres://rt@db/rt");
        assert_eq!(redact_url("sqlite://var/rt.sqlite3"), "sqlite://var/rt.sqlite3");
        assert_eq!(Backend::from_url("postgresql://x/y"), Backend::Postgres);
        assert_eq!(sqlite_path("sqlite:///abs/rt.sqlite3"), "/abs/rt.sqlite3");
    }
}
