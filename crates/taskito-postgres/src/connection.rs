//! One pooled connection: set to the store's schema when opened, with the
//! statements it has prepared kept for reuse, and [`Tx`], a transaction on it.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, Row, Statement};
use taskito_core::Error;

use crate::endpoint::Endpoint;

/// The failure of one attempt at an operation: the driver's (the connection
/// may be gone, or the server refused something), or an answer of the
/// operation itself (unknown id...), which rolls the transaction back and is
/// returned as is.
#[derive(Debug)]
pub(crate) enum TxError {
    Pg(postgres::Error),
    Fail(Error),
}

impl From<postgres::Error> for TxError {
    fn from(e: postgres::Error) -> Self {
        TxError::Pg(e)
    }
}

pub(crate) type TxResult<T> = Result<T, TxError>;

/// Every statement of this store is shaped for one index (the claim walks
/// `jobs_ready` in claim order and stops after LIMIT rows). A queue table's
/// statistics lag behind it and skew fast: a fresh table has none, and a burst
/// in a queue that used to be rare looks rare. With such estimates the planner
/// was seen reading all 17,000 pending rows of a fresh table by bitmap and
/// sorting them for every claim of 12 (50 ms each, throughput down 4x). Plans
/// that scan a whole table or bitmap are never what these statements want, so
/// the pooled sessions rule them out.
///
/// Ruling a scan out only makes it cost 10^10, so a statement that has to
/// scan a small table with no index (the job-count deltas, a trigger's
/// transition table) looks expensive enough for JIT compilation, which took
/// ~30 ms per call. None of these statements runs long enough for JIT to pay.
pub const PLANNER_SETTINGS: &str =
    "SET enable_seqscan = off; SET enable_bitmapscan = off; SET jit = off";

pub(crate) struct Conn {
    client: Client,
    /// Prepared once per connection, keyed by the SQL text.
    statements: HashMap<&'static str, Statement>,
}

impl Conn {
    /// Connects, points `search_path` at `schema` (validated as a plain
    /// identifier, quoted here so its case is kept) and applies
    /// [`PLANNER_SETTINGS`].
    pub(crate) fn open(endpoint: &Endpoint, schema: &str) -> Result<Self, postgres::Error> {
        let mut client = endpoint.connect()?;
        client.batch_execute(&format!(
            "SET search_path TO \"{schema}\"; {PLANNER_SETTINGS}"
        ))?;
        Ok(Self {
            client,
            statements: HashMap::new(),
        })
    }

    /// The connection's statements, prepared once each.
    pub(crate) fn session(&mut self) -> Session<'_> {
        Session {
            client: &mut self.client,
            statements: &mut self.statements,
        }
    }

    /// One statement on its own (autocommit).
    pub(crate) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        self.session().query(sql, params)
    }

    pub(crate) fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, postgres::Error> {
        self.session().query_opt(sql, params)
    }

    /// Unprepared SQL (schema setup and migrations).
    pub(crate) fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Starts a transaction (plain BEGIN, COMMIT and ROLLBACK, so that a
    /// [`Tx`] can carry its notify request out of the commit).
    pub(crate) fn begin(&mut self) -> Result<Tx<'_>, postgres::Error> {
        self.client.batch_execute("BEGIN")?;
        Ok(Tx {
            session: self.session(),
            notify: false,
            open: true,
        })
    }
}

/// A connection's client with its prepared statements at hand: what both a
/// connection on its own (autocommit) and a transaction can run.
pub(crate) struct Session<'a> {
    client: &'a mut Client,
    statements: &'a mut HashMap<&'static str, Statement>,
}

impl Session<'_> {
    /// `sql` prepared once per connection, then reused.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    pub(crate) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.prepared(sql)?;
        self.client.query(&statement, params)
    }

    pub(crate) fn query_opt(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, postgres::Error> {
        let statement = self.prepared(sql)?;
        self.client.query_opt(&statement, params)
    }

    pub(crate) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, postgres::Error> {
        let statement = self.prepared(sql)?;
        self.client.execute(&statement, params)
    }
}

/// A transaction with the connection's prepared statements at hand (through
/// `Deref` to [`Session`]). Dropped without [`Tx::commit`], it rolls back.
pub(crate) struct Tx<'a> {
    session: Session<'a>,
    notify: bool,
    open: bool,
}

impl<'a> std::ops::Deref for Tx<'a> {
    type Target = Session<'a>;

    fn deref(&self) -> &Self::Target {
        &self.session
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.session
    }
}

impl Tx<'_> {
    /// Asks for the other stores to be told, once this commits, that jobs
    /// changed (see `notifier`).
    pub(crate) fn notify(&mut self) {
        self.notify = true;
    }

    /// Commits; returns whether [`Tx::notify`] was asked for.
    pub(crate) fn commit(mut self) -> Result<bool, postgres::Error> {
        self.open = false;
        self.session.client.batch_execute("COMMIT")?;
        Ok(self.notify)
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            // Fails only when the connection is gone, which rolls back too.
            let _ = self.session.client.batch_execute("ROLLBACK");
        }
    }
}
