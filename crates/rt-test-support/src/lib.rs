//! # rt-test-support: isolated databases for tests
//!
//! [`backends`] lists the backends a test must run on: SQLite always, and
//! PostgreSQL when `RT_TEST_PG_URL` names a server. With `RT_REQUIRE_ALL=1`
//! (as CI sets it) a missing PostgreSQL is a failure, not a skip.
//!
//! [`TestDb::new`] gives each test its own database: a SQLite file in a
//! fresh temporary directory, or a fresh PostgreSQL database that is dropped
//! when the `TestDb` goes away. Both are migrated and seeded through
//! [`rt_core::Rt::open`], exactly as a site's first start does.
//!
//! Used only as a dev-dependency.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::prelude::*;
use rt_core::db::Backend;
use rt_core::{Config, Interface, Rt, Session};

/// The backends tests must cover on this machine.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    match pg_url() {
        Some(_) => all.push(Backend::Postgres),
        None if std::env::var("RT_REQUIRE_ALL").is_ok_and(|v| v == "1") => {
            panic!("RT_REQUIRE_ALL=1 but RT_TEST_PG_URL is not set: PostgreSQL tests cannot run")
        }
        None => eprintln!("NOTE: RT_TEST_PG_URL is not set; PostgreSQL variants of the tests are skipped"),
    }
    all
}

/// `RT_TEST_PG_URL`, if set.
pub fn pg_url() -> Option<String> {
    std::env::var("RT_TEST_PG_URL").ok().filter(|u| !u.is_empty())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique name for a database or directory of this process.
pub fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// One test's database.
pub struct TestDb {
    /// The opened database (migrated and seeded).
    pub rt: Option<Rt>,
    /// Which backend it is.
    pub backend: Backend,
    /// The URL it was opened with.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh database on `backend` with the default configuration.
    pub fn new(backend: Backend) -> TestDb {
        TestDb::with_config(backend, Config::default())
    }

    /// A fresh database on `backend`; `config.database_url` is replaced.
    pub fn with_config(backend: Backend, config: Config) -> TestDb {
        TestDb::with_clock(backend, config, rt_core::Clock::system())
    }

    /// [`TestDb::with_config`] whose transactions take their time from
    /// `clock` (keep a clone to move it).
    pub fn with_clock(backend: Backend, mut config: Config, clock: rt_core::Clock) -> TestDb {
        let (url, cleanup) = create_database(backend);
        config.database_url = url.clone();
        config.pool_size = 4;
        let rt = Rt::open_with_clock(config, clock).unwrap_or_else(|e| panic!("opening test database {url}: {e}"));
        TestDb { rt: Some(rt), backend, url, cleanup }
    }

    /// The database.
    pub fn rt(&self) -> &Rt {
        self.rt.as_ref().unwrap()
    }

    /// A session as `root` (SuperUser).
    pub fn root(&self) -> Session {
        self.rt().session_for("root", Interface::Api).unwrap()
    }
}

/// Creates an empty database and says how to remove it.
fn create_database(backend: Backend) -> (String, Cleanup) {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique_name("rt_test"));
            std::fs::create_dir_all(&dir).unwrap();
            (format!("sqlite://{}", dir.join("rt.sqlite3").display()), Cleanup::Dir(dir))
        }
        Backend::Postgres => {
            let admin_url = pg_url().expect("RT_TEST_PG_URL");
            let name = unique_name("rt_test");
            let mut admin = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("cannot connect to RT_TEST_PG_URL: {e}"));
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).unwrap();
            (with_database(&admin_url, &name), Cleanup::PgDatabase { admin_url, name })
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Close the pool before removing what it points at.
        self.rt.take();
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { admin_url, name } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h/test?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
