//! The entry points: [`Rt`] (an open database plus the site's rules),
//! [`Session`] (who is acting, through which interface) and [`Tx`] (one DB
//! transaction in which that user reads or changes things).
//!
//! Every operation of rt-core is a method of [`Tx`]; each checks the current
//! user's rights before it touches anything. A [`Session::write`] closure
//! runs in one DB transaction: when it returns an error, nothing it did is
//! kept.

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::prelude::*;

use crate::acl::AclCache;
use crate::config::Config;
use crate::db::schema::users;
use crate::db::{self, DbConnection, Pool, dialect};
use crate::error::{Error, Result};
use crate::ids::{GroupId, UserId};
use crate::lifecycles::Lifecycles;
use crate::rights::Registry;

/// The interface a change came through, recorded on every transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interface {
    /// The web UI.
    Web,
    /// The mail gateway.
    Email,
    /// REST 1.0 (and the `rt` command-line client).
    Rest,
    /// REST 2.0.
    Rest2,
    /// Command-line tools run on the server (`rt-crontool`, admin commands).
    Cli,
    /// A Rust program embedding rt-core.
    Api,
}

impl Interface {
    /// The name stored in the database, as RT spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Web => "Web",
            Interface::Email => "Email",
            Interface::Rest => "REST",
            Interface::Rest2 => "REST2",
            Interface::Cli => "CLI",
            Interface::Api => "API",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Interface> {
        [Interface::Web, Interface::Email, Interface::Rest, Interface::Rest2, Interface::Cli, Interface::Api]
            .into_iter()
            .find(|i| i.as_str() == name)
    }
}

/// The ids of the users and groups every RT database has.
#[derive(Debug, Clone, Copy)]
pub struct SystemPrincipals {
    /// `RT_System`, the internal actor.
    pub rt_system: UserId,
    /// `Nobody`, the owner of unowned tickets.
    pub nobody: UserId,
    /// The `Everyone` system group.
    pub everyone: GroupId,
    /// The `Privileged` system group (staff).
    pub privileged: GroupId,
    /// The `Unprivileged` system group (requestors, self-service).
    pub unprivileged: GroupId,
}

pub(crate) struct Inner {
    pub(crate) pool: Pool,
    pub(crate) config: Config,
    pub(crate) lifecycles: Lifecycles,
    pub(crate) rights: Registry,
    pub(crate) acl_cache: AclCache,
    /// Ticket custom fields with default values, for the `acl_version` they
    /// were read at (see `customfield::Tx::ticket_field_defaults`).
    pub(crate) cf_defaults: std::sync::Mutex<Option<(i64, crate::customfield::DefaultsByQueue)>>,
    pub(crate) system: SystemPrincipals,
    /// Which backend the pool connects to.
    pub(crate) backend: db::Backend,
    /// The time each DB transaction starts at.
    pub(crate) clock: crate::Clock,
    /// On SQLite, the queue of this process's writers, committed in groups
    /// ([`db::writers`]). Other processes still meet the busy timeout.
    pub(crate) sqlite_writers: db::writers::Writers,
}

/// An open RT database with the site's configuration. Cheap to clone; share
/// one per process (or per node).
#[derive(Clone)]
pub struct Rt {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Rt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rt").field("rtname", &self.inner.config.rtname).finish_non_exhaustive()
    }
}

impl Rt {
    /// Opens the configured database, runs pending migrations and seeds
    /// RT's initial data when the database is new.
    pub fn open(config: Config) -> Result<Rt> {
        Rt::open_with_clock(config, crate::Clock::system())
    }

    /// [`Rt::open`] with the time taken from `clock` rather than the
    /// system clock (tests and simulations; see [`crate::clock`]).
    pub fn open_with_clock(config: Config, clock: crate::Clock) -> Result<Rt> {
        let url = config.effective_database_url();
        // Migrate and seed on one connection first: it reports a database
        // that cannot be reached at once, with the real error, and leaves a
        // new SQLite file in WAL mode before the pool opens more.
        let mut conn = db::connect(&url)?;
        for name in db::run_migrations(&mut conn)? {
            tracing::info!(migration = %name, "applied migration");
        }
        let system = crate::init::seed(&mut conn, &config)?;
        db::refresh_statistics(&mut conn, true)?;
        drop(conn);
        let pool = db::open_pool(&url, config.pool_size)?;
        let lifecycles = Lifecycles::from_config(&config.lifecycles, &config.lifecycle_maps)?;
        let mut rights = Registry::default();
        lifecycles.register_rights(&mut rights);
        let cf_defaults = std::sync::Mutex::new(None);
        let inner = Inner {
            pool,
            config,
            lifecycles,
            rights,
            acl_cache: AclCache::default(),
            cf_defaults,
            system,
            backend: db::Backend::from_url(&url),
            clock,
            sqlite_writers: db::writers::Writers::default(),
        };
        Ok(Rt { inner: Arc::new(inner) })
    }

    /// Refreshes the query planner's statistics of the tables that changed
    /// much since they were last analyzed (SQLite; PostgreSQL keeps its own).
    /// A long-running server calls it now and then (`rt-server` hourly).
    pub fn refresh_statistics(&self) -> Result<()> {
        let inner = &self.inner;
        match inner.backend {
            db::Backend::Sqlite => {
                inner.sqlite_writers.write(&inner.pool, &|| {}, |conn| db::refresh_statistics(conn, false))
            }
            db::Backend::Postgres => Ok(()),
        }
    }

    /// The configuration this database was opened with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The site's lifecycles.
    pub fn lifecycles(&self) -> &Lifecycles {
        &self.inner.lifecycles
    }

    /// Every right that may be granted.
    pub fn rights(&self) -> &Registry {
        &self.inner.rights
    }

    /// The built-in users and groups.
    pub fn system(&self) -> SystemPrincipals {
        self.inner.system
    }

    /// The clock every DB transaction takes its time from.
    pub fn clock(&self) -> &crate::Clock {
        &self.inner.clock
    }

    /// Which backend the database is.
    pub fn backend(&self) -> db::Backend {
        self.inner.backend
    }

    /// Checks that the database answers (for `/healthz`).
    pub fn ping(&self) -> Result<()> {
        let mut conn = self.inner.pool.get()?;
        diesel::sql_query("SELECT 1").execute(&mut *conn)?;
        Ok(())
    }

    /// A session acting as `user`.
    pub fn session(&self, user: UserId, interface: Interface) -> Result<Session> {
        let mut conn = self.inner.pool.get()?;
        let name: String = users::table
            .find(user.0)
            .select(users::name)
            .get_result(&mut *conn)
            .optional()?
            .ok_or_else(|| Error::not_found("user", user))?;
        Ok(Session { rt: self.clone(), user: CurrentUser { id: user, name, interface } })
    }

    /// A session acting as the user called `name` (case-insensitive).
    pub fn session_for(&self, name: &str, interface: Interface) -> Result<Session> {
        let mut conn = self.inner.pool.get()?;
        let id: i64 = users::table
            .filter(users::name_folded.eq(name.to_lowercase()))
            .select(users::id)
            .get_result(&mut *conn)
            .optional()?
            .ok_or_else(|| Error::not_found("user", name))?;
        drop(conn);
        self.session(UserId(id), interface)
    }

    /// A session acting as the user whose "Unix login" (RT's Gecos) is
    /// `login`, the way RT's command-line tools find who runs them.
    pub fn session_for_unix_login(&self, login: &str, interface: Interface) -> Result<Session> {
        let mut conn = self.inner.pool.get()?;
        let id: i64 = users::table
            .filter(users::gecos.eq(login))
            .order(users::id)
            .select(users::id)
            .first(&mut *conn)
            .optional()?
            .ok_or_else(|| Error::not_found("user with Unix login", login))?;
        drop(conn);
        self.session(UserId(id), interface)
    }

    /// A session acting as `RT_System`, which holds every right.
    pub fn system_session(&self, interface: Interface) -> Session {
        Session {
            rt: self.clone(),
            user: CurrentUser { id: self.inner.system.rt_system, name: "RT_System".into(), interface },
        }
    }

    /// Checks a user name and password; on success returns the user's id.
    /// Passwords stored in RT's older formats are rehashed with argon2.
    pub fn authenticate(&self, name: &str, password: &str) -> Result<UserId> {
        let mut conn = self.inner.pool.get()?;
        dialect::write_transaction(&mut conn, |conn| crate::principal::authenticate(conn, name, password))
    }

    /// Direct access to a pooled connection, for the crates layered on top
    /// (search, mail) that write their own queries.
    pub fn connection(&self) -> Result<db::PooledConn> {
        Ok(self.inner.pool.get()?)
    }

    /// Looks a system group up by name (`Everyone`, `Privileged`, `Unprivileged`).
    pub fn system_group(&self, name: &str) -> Option<GroupId> {
        let s = &self.inner.system;
        match name.to_ascii_lowercase().as_str() {
            "everyone" => Some(s.everyone),
            "privileged" => Some(s.privileged),
            "unprivileged" => Some(s.unprivileged),
            _ => None,
        }
    }
}

/// Who is acting, and through which interface.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The acting user.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Where the request came from.
    pub interface: Interface,
}

/// A user acting on an [`Rt`].
#[derive(Debug, Clone)]
pub struct Session {
    rt: Rt,
    user: CurrentUser,
}

impl Session {
    /// Who this session acts as.
    pub fn user(&self) -> &CurrentUser {
        &self.user
    }

    /// The database this session acts on.
    pub fn rt(&self) -> &Rt {
        &self.rt
    }

    /// Runs `f` in one write transaction: everything it changes is committed
    /// together when it returns `Ok`, and nothing when it returns `Err`.
    pub fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let inner = &self.rt.inner;
        let run = |conn: &mut DbConnection| {
            let mut tx = Tx::new(conn, inner, &self.user, false);
            f(&mut tx)
        };
        match inner.backend {
            db::Backend::Sqlite => {
                let forget = || {
                    inner.acl_cache.clear();
                    *inner.cf_defaults.lock().unwrap_or_else(|e| e.into_inner()) = None;
                };
                inner.sqlite_writers.write(&inner.pool, &forget, run)
            }
            db::Backend::Postgres => dialect::write_transaction(&mut *inner.pool.get()?, run),
        }
    }

    /// Runs `f` in a read-only transaction (one consistent snapshot).
    pub fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.rt.inner.pool.get()?;
        dialect::read_transaction(&mut conn, |conn| {
            let mut tx = Tx::new(conn, &self.rt.inner, &self.user, true);
            f(&mut tx)
        })
    }
}

/// One DB transaction on behalf of a user. All operations are methods of
/// `Tx`, spread over the modules of the nouns they act on.
pub struct Tx<'a> {
    pub(crate) conn: &'a mut DbConnection,
    pub(crate) rt: &'a Inner,
    pub(crate) user: &'a CurrentUser,
    pub(crate) now: NaiveDateTime,
    /// The ACL version read at the first rights check of this transaction.
    pub(crate) acl_version: Option<i64>,
    /// Set once this transaction changed rights or memberships: the shared
    /// cache no longer describes what this transaction sees.
    pub(crate) acl_dirty: bool,
    /// The scrip depth of the events this transaction records.
    pub(crate) event_depth: i64,
    /// The first transaction this DB transaction recorded: the batch of
    /// the events it records.
    pub(crate) batch_id: Option<i64>,
    /// Rows this DB transaction read and has not changed since.
    pub(crate) cache: TxCache,
    /// A read-only transaction ([`Session::read`]): nothing it does
    /// changes what it read, so even what its writes would not keep up to
    /// date may be remembered.
    pub(crate) read_only: bool,
}

/// What a [`Tx`] remembers of the rows it read, so that the rights checks
/// and lookups of one request (or of one batch of scrips) do not read the
/// same ticket again and again. It lives only as long as its DB
/// transaction, so it never sees other transactions' changes later than
/// the database would let it; this transaction's own writes update or
/// drop what they touch, and a rolled-back savepoint drops everything.
#[derive(Debug, Default)]
pub(crate) struct TxCache {
    /// Ticket rows by id (the row itself, merges not followed).
    pub(crate) tickets: std::collections::HashMap<i64, crate::ticket::Ticket>,
    /// Role groups by (domain, instance, role name): a role group is made
    /// with its ticket or queue and never changes.
    pub(crate) role_groups: std::collections::HashMap<(&'static str, i64, &'static str), GroupId>,
    /// Transactions by id, and the attachments of each: history is never
    /// changed once written.
    pub(crate) transactions: std::collections::HashMap<i64, crate::transaction::Transaction>,
    pub(crate) attachments: std::collections::HashMap<i64, Vec<crate::transaction::Attachment>>,
    /// The content of message bodies read ahead with their transactions
    /// (see `Tx::prefetch_transactions`): transaction and content by
    /// attachment id.
    pub(crate) contents: std::collections::HashMap<i64, (i64, Vec<u8>)>,
    /// Queues by id, and every queue's addresses, until a queue changes.
    pub(crate) queues: std::collections::HashMap<i64, crate::queue::Queue>,
    pub(crate) queue_addresses: Option<Vec<String>>,
    /// The template a queue uses by (queue, folded name), until a
    /// template changes.
    pub(crate) templates: std::collections::HashMap<(i64, String), Option<crate::scrip::Template>>,
    /// In read-only transactions: the rights clause of searches by
    /// (user, whether the search is narrow), and whether it lists the
    /// user's role tickets.
    pub(crate) rights_clauses: std::collections::HashMap<(i64, bool), (crate::search::compile::Sql, bool)>,
    /// Users by id, until the transaction changes one.
    pub(crate) users: std::collections::HashMap<i64, crate::principal::User>,
}

impl<'a> Tx<'a> {
    fn new(conn: &'a mut DbConnection, rt: &'a Inner, user: &'a CurrentUser, read_only: bool) -> Tx<'a> {
        Tx {
            conn,
            rt,
            user,
            now: rt.clock.now().naive_utc(),
            acl_version: None,
            acl_dirty: false,
            event_depth: 0,
            batch_id: None,
            cache: TxCache::default(),
            read_only,
        }
    }

    /// Runs `f` in a savepoint: when it fails, what it wrote is undone and
    /// its error returned, and this transaction goes on (the scrip engine
    /// runs each scrip so: a failing scrip never undoes the others).
    pub fn savepoint<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let (rt, user, now, acl_version, event_depth, read_only) =
            (self.rt, self.user, self.now, self.acl_version, self.event_depth, self.read_only);
        let (mut dirty, mut batch_id) = (self.acl_dirty, self.batch_id);
        let mut cache = Some(std::mem::take(&mut self.cache));
        let result = self.conn.transaction(|conn| {
            let cache_in = cache.take().unwrap_or_default();
            let mut inner = Tx {
                conn,
                rt,
                user,
                now,
                acl_version,
                acl_dirty: dirty,
                event_depth,
                batch_id,
                cache: cache_in,
                read_only,
            };
            let out = f(&mut inner);
            dirty = inner.acl_dirty;
            batch_id = inner.batch_id;
            cache = Some(inner.cache);
            out
        });
        // What was read inside a rolled-back savepoint may describe rows
        // that no longer exist.
        self.cache = match result {
            Ok(_) => cache.unwrap_or_default(),
            Err(_) => TxCache::default(),
        };
        // A batch begun in a rolled-back savepoint has no events left; its
        // id still names this DB transaction's batch, which is harmless.
        self.batch_id = batch_id;
        // Rights changed inside stay "dirty" even when rolled back: the
        // shared cache is then bypassed, which is only slower.
        self.acl_dirty = dirty;
        result
    }

    /// The acting user.
    pub fn current_user(&self) -> &CurrentUser {
        self.user
    }

    /// The site configuration.
    pub fn config(&self) -> &Config {
        &self.rt.config
    }

    /// Which backend this transaction runs on.
    pub fn backend(&self) -> db::Backend {
        match self.conn {
            DbConnection::Sqlite(_) => db::Backend::Sqlite,
            DbConnection::Pg(_) => db::Backend::Postgres,
        }
    }

    /// The site's lifecycles.
    pub fn lifecycles(&self) -> &Lifecycles {
        &self.rt.lifecycles
    }

    /// The built-in users and groups.
    pub fn system(&self) -> SystemPrincipals {
        self.rt.system
    }

    /// The connection, for crates layered on rt-core that add their own
    /// tables; they stay inside this transaction.
    pub fn connection(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// The time this transaction stamps on what it writes.
    pub fn now(&self) -> DateTime<Utc> {
        self.now.and_utc()
    }

    /// Stamps what this transaction writes from here on with `time` rather
    /// than the current time. Only `RT_System` may (importers, seed data):
    /// what people do always carries the real time.
    pub fn backdate(&mut self, time: DateTime<Utc>) -> Result<()> {
        if !self.is_system() {
            return Err(Error::denied("RT_System", "backdated changes"));
        }
        self.now = time.naive_utc().trunc_subsecs(6);
        Ok(())
    }

    pub(crate) fn is_system(&self) -> bool {
        self.user.id == self.rt.system.rt_system
    }
}

/// The current time in UTC, truncated to microseconds (what PostgreSQL keeps).
pub(crate) fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
