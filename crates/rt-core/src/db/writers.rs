//! SQLite's writers of one process: first come, first served, and
//! committed in groups.
//!
//! SQLite has one writer at a time, and with `synchronous=FULL` every
//! commit waits for the disk (about a millisecond here). Writers that
//! committed one by one could never go faster than the disk syncs. So the
//! writers of a process queue in arrival order (a thread writing in a loop
//! cannot take the turn back from one that waited, as it could with a
//! plain mutex), and while others are waiting a writer does not commit:
//! it leaves the DB transaction open for the next one, which runs its work
//! in the same transaction, and so on; the last of such a group commits
//! once for all of them, and only then does each return. The work of every
//! writer that joins an open transaction runs in its own savepoint, so a
//! failing one is rolled back alone and reports its error at once (the
//! first of a group needs none: its failure rolls the transaction back,
//! and the next writer begins a new one); if the commit fails, every
//! member of the group fails with it. Nobody returns before its work is durable, so
//! callers see exactly what they saw before, only sooner under load.
//!
//! PostgreSQL needs none of this: it runs writers concurrently and groups
//! commits itself.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};

use diesel::connection::{AnsiTransactionManager, Connection, TransactionManager};

use super::{DbConnection, Pool, PooledConn};
use crate::error::{Error, Result};

/// At most this many writers share one commit, so that the first of a
/// group does not wait behind an endless stream of others.
const MAX_GROUP: usize = 32;

/// The queue of a process's SQLite writers and its commit groups.
#[derive(Debug, Default)]
pub(crate) struct Writers {
    state: Mutex<State>,
    /// Signalled when the turn moves on or a group is settled.
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// The next ticket to hand out.
    next: u64,
    /// The ticket whose turn it is.
    serving: u64,
    /// The open group's connection, between two members' turns.
    open: Option<PooledConn>,
    /// The open (or last) group's number and how many have run in it.
    group: u64,
    members: usize,
    /// Every group up to this one is settled (committed or failed).
    settled: u64,
    /// Why recent groups failed, by group.
    failures: BTreeMap<u64, String>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("next", &self.next).field("serving", &self.serving).finish_non_exhaustive()
    }
}

impl Writers {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` in a write transaction on its turn, committed with the
    /// writers that follow it while they queue; returns once `f`'s work is
    /// committed, or with `f`'s error (its work undone). `forget` runs when
    /// a group fails: what the process cached from the group's uncommitted
    /// state (rights read at a version the group set) must go.
    pub(crate) fn write<T>(
        &self,
        pool: &Pool,
        forget: &dyn Fn(),
        f: impl FnOnce(&mut DbConnection) -> Result<T>,
    ) -> Result<T> {
        let mut state = self.lock();
        let mine = state.next;
        state.next += 1;
        while state.serving != mine {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let joined = state.open.take();
        let first = joined.is_none();
        if first {
            state.group += 1;
            state.members = 0;
        }
        state.members += 1;
        let group = state.group;
        drop(state);
        // From here this thread holds the turn: whatever happens, the
        // guard hands it on (and settles the group if this thread was
        // the last to hold its connection).
        let mut turn = Turn { writers: self, group, conn: None, done: false, forget };
        let conn = match joined {
            Some(conn) => conn,
            None => {
                let mut conn = pool.get()?;
                begin(&mut conn)?;
                conn
            }
        };
        let conn = turn.conn.insert(conn);
        // The first of a group has the transaction to itself: its failure
        // rolls the whole of it back, so it needs no savepoint (SQLite pays
        // for an open savepoint at every statement, in proportion to what
        // the transaction already wrote: a seed's batch of a thousand
        // tickets ran ten times slower in one). Those who join run in one.
        let result = if first { f(conn) } else { in_savepoint(conn, f) };
        if first && let Err(e) = &result {
            turn.settle(Some(e.to_string()));
            return result;
        }
        if let Err(Error::Database(why)) = &result
            && why.starts_with(BROKEN)
        {
            return result;
        }
        let mut state = self.lock();
        if state.next - state.serving > 1 && state.members < MAX_GROUP {
            // Others wait: they go on in this transaction.
            state.open = turn.conn.take();
            state.serving += 1;
            turn.done = true;
            self.changed.notify_all();
            let result = result?;
            while state.settled < group {
                state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
            }
            return match state.failures.get(&group) {
                Some(why) => Err(Error::Database(format!("the commit failed: {why}"))),
                None => Ok(result),
            };
        }
        drop(state);
        let committed = turn.conn.as_mut().map_or(Ok(()), commit);
        turn.settle(committed.as_ref().err().map(ToString::to_string));
        committed?;
        result
    }
}

/// What a failure to roll a savepoint back says: the transaction cannot go
/// on, and the guard fails the whole group.
const BROKEN: &str = "the write transaction is broken";

/// Runs `f` in a savepoint of the open transaction, released when it
/// succeeds and rolled back when it fails.
fn in_savepoint<T>(conn: &mut DbConnection, f: impl FnOnce(&mut DbConnection) -> Result<T>) -> Result<T> {
    type Manager = <DbConnection as Connection>::TransactionManager;
    Manager::begin_transaction(conn).map_err(|e| Error::Database(format!("{BROKEN}: {e}")))?;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(|e| Error::Database(format!("{BROKEN}: {e}")))?;
            Ok(value)
        }
        Err(e) => {
            Manager::rollback_transaction(conn).map_err(|rollback| Error::Database(format!("{BROKEN}: {rollback}")))?;
            Err(e)
        }
    }
}

fn begin(conn: &mut DbConnection) -> Result<()> {
    match conn {
        DbConnection::Sqlite(c) => Ok(AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?),
        DbConnection::Pg(_) => Err(Error::Database("group commit is for SQLite".into())),
    }
}

fn commit(conn: &mut PooledConn) -> Result<()> {
    Ok(<DbConnection as Connection>::TransactionManager::commit_transaction(conn)?)
}

/// A thread's turn. Dropped without [`Turn::settle`] and while it still
/// holds the group's connection (an error that broke the transaction, a
/// panic), it rolls the group back, fails it, and hands the turn on.
struct Turn<'a> {
    writers: &'a Writers,
    group: u64,
    conn: Option<PooledConn>,
    done: bool,
    forget: &'a dyn Fn(),
}

impl Turn<'_> {
    /// Ends the group this turn committed (`failure` when the commit
    /// failed) and hands the turn on.
    fn settle(&mut self, failure: Option<String>) {
        self.done = true;
        if let Some(conn) = self.conn.as_mut()
            && failure.is_some()
        {
            // A failed COMMIT may leave the transaction open.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
        }
        if failure.is_some() {
            (self.forget)();
        }
        let mut state = self.writers.lock();
        if let Some(why) = failure {
            state.failures.insert(self.group, why);
            let recent = self.group.saturating_sub(1024);
            state.failures.retain(|g, _| *g >= recent);
        }
        state.settled = self.group;
        state.serving += 1;
        self.writers.changed.notify_all();
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.settle(Some("a writer of the group failed in the middle of the transaction".into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;

    use super::*;
    use crate::db::{connect, open_pool};

    /// A fresh SQLite file with a table `t (n)`, and its pool.
    fn pool(tag: &str) -> Pool {
        let path = std::env::temp_dir().join(format!("rt-writers-{}-{tag}.sqlite3", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let url = format!("sqlite://{}", path.display());
        let mut conn = connect(&url).expect("connect");
        conn.batch_execute("CREATE TABLE t (n INTEGER NOT NULL)").expect("table");
        open_pool(&url, 8).expect("pool")
    }

    fn insert(conn: &mut DbConnection, n: i64) -> Result<()> {
        diesel::sql_query(format!("INSERT INTO t (n) VALUES ({n})")).execute(conn)?;
        Ok(())
    }

    fn rows(pool: &Pool) -> Vec<i64> {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = pool.get().expect("conn");
        let found: Vec<N> = diesel::sql_query("SELECT n FROM t ORDER BY n").load(&mut *conn).expect("rows");
        found.into_iter().map(|r| r.n).collect()
    }

    /// A writer's work, as the tests hand it to threads.
    type Work = Box<dyn FnOnce(&mut DbConnection) -> Result<()> + Send>;

    /// Waits until `count` writers have taken a ticket.
    fn queued(writers: &Writers, count: u64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while writers.lock().next < count {
            assert!(Instant::now() < deadline, "writers did not queue");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Runs writer 0 (`first`), which waits inside its transaction until
    /// writers 1 and 2 (`second`, `third`) queue behind it, so that the
    /// three share one group; answers the three results.
    fn group_of_three(
        pool: &Pool,
        writers: &Arc<Writers>,
        second: impl FnOnce(&mut DbConnection) -> Result<()> + Send + 'static,
        third: impl FnOnce(&mut DbConnection) -> Result<()> + Send + 'static,
    ) -> [Result<()>; 3] {
        let spawn = |f: Work| {
            let (pool, writers) = (pool.clone(), writers.clone());
            std::thread::spawn(move || {
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| writers.write(&pool, &|| {}, f)));
                result.unwrap_or_else(|_| Err(Error::Database("panicked".into())))
            })
        };
        let w = writers.clone();
        let first = spawn(Box::new(move |conn| {
            insert(conn, 1)?;
            queued(&w, 3);
            Ok(())
        }));
        queued(writers, 1);
        let second = spawn(Box::new(second));
        queued(writers, 2);
        let third = spawn(Box::new(third));
        [first, second, third].map(|h| h.join().expect("join"))
    }

    #[test]
    fn writers_that_queue_share_one_commit() {
        let pool = pool("share");
        let writers = Arc::new(Writers::default());
        let results = group_of_three(&pool, &writers, |c| insert(c, 2), |c| insert(c, 3));
        assert!(results.iter().all(Result::is_ok), "{results:?}");
        assert_eq!(rows(&pool), [1, 2, 3]);
        assert_eq!(writers.lock().group, 1, "one group, one commit");
        // The next writer starts a group of its own.
        writers.write(&pool, &|| {}, |c| insert(c, 4)).expect("alone");
        assert_eq!((rows(&pool).len(), writers.lock().group), (4, 2));
    }

    #[test]
    fn a_failing_writer_is_undone_alone() {
        let pool = pool("fail");
        let writers = Arc::new(Writers::default());
        let results = group_of_three(
            &pool,
            &writers,
            |c| {
                insert(c, 2)?;
                Err(Error::invalid("n", "refused"))
            },
            |c| insert(c, 3),
        );
        assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
        assert!(matches!(&results[1], Err(Error::Validation { .. })), "{results:?}");
        assert_eq!(rows(&pool), [1, 3]);
    }

    #[test]
    fn a_writer_that_panics_fails_its_group_and_the_queue_goes_on() {
        let pool = pool("panic");
        let writers = Arc::new(Writers::default());
        let results = group_of_three(&pool, &writers, |c| insert(c, 2), |_| panic!("a bug"));
        assert!(results.iter().all(Result::is_err), "{results:?}");
        assert_eq!(rows(&pool), Vec::<i64>::new(), "nothing of the group is kept");
        let forgotten = std::sync::atomic::AtomicBool::new(false);
        writers
            .write(&pool, &|| forgotten.store(true, std::sync::atomic::Ordering::Relaxed), |c| insert(c, 5))
            .expect("after");
        assert_eq!(rows(&pool), [5]);
        assert!(!forgotten.into_inner(), "a group that commits forgets nothing");
    }
}
