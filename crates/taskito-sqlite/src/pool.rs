//! A few reader connections, opened on first need, so that dashboards and
//! result polling never wait behind the writer's transactions (WAL readers see
//! the last commit without blocking writers). On a memory database readers and
//! the writer share one cache with table locks instead: a read and a write of
//! the same table wait for each other (`busy::with_retry`).

use std::ops::Deref;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;
use taskito_core::Error;

use crate::connection::{self, Database, Role};
use crate::SqliteOptions;

pub(crate) struct ReaderPool {
    db: Database,
    options: SqliteOptions,
    max: usize,
    state: Mutex<PoolState>,
    returned: Condvar,
}

struct PoolState {
    idle: Vec<Connection>,
    opened: usize,
}

impl ReaderPool {
    pub(crate) fn new(db: Database, options: SqliteOptions, max: usize) -> Self {
        Self {
            db,
            options,
            max: max.max(1),
            state: Mutex::new(PoolState {
                idle: Vec::with_capacity(max),
                opened: 0,
            }),
            returned: Condvar::new(),
        }
    }

    /// An idle reader, a newly opened one while fewer than `max` exist, or the
    /// next one given back.
    pub(crate) fn get(&self) -> Result<Reader<'_>, Error> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Reader {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.opened < self.max {
                state.opened += 1;
                drop(state);
                return match connection::open(&self.db, &self.options, Role::Reader) {
                    Ok(conn) => Ok(Reader {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.lock().opened -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A panic elsewhere cannot leave the list of idle connections half-edited.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A borrowed reader; goes back to the pool when dropped.
pub(crate) struct Reader<'a> {
    pool: &'a ReaderPool,
    conn: Option<Connection>,
}

impl Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a reader holds its connection until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.lock().idle.push(conn);
            self.pool.returned.notify_one();
        }
    }
}
