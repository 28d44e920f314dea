//! [`PostgresStore`]: the pool, the listener and the transaction discipline;
//! its [`Store`] methods are in `store/methods.rs`.

mod methods;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use taskito_core::Result;

use crate::connection::{Conn, Tx, TxError, TxResult};
use crate::endpoint::Endpoint;
use crate::errors::Target;
use crate::listener::{self, Listener};
use crate::migrations;
use crate::notifier::Notifier;
use crate::options::schema_name;
use crate::outage::Outage;
use crate::pool::{with_reconnect, Failed, Pool, Prior};
use crate::{PostgresOptions, ServerClock};

/// Longest wait for one connection attempt (shorter when the reconnect budget
/// is): a server that does not answer at all must not hold a call for long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A taskito store in one schema of a PostgreSQL database, shareable between
/// threads (it is `Sync`), processes and hosts.
///
/// Every write is one transaction on a pooled connection; a claim is one
/// statement (`UPDATE ... WHERE id = ANY(ARRAY(SELECT ... FOR UPDATE SKIP
/// LOCKED))` over the partial index of pending jobs, with the expiry of
/// overdue jobs in the same statement), and so is a batch of `Complete`
/// outcomes of distinct jobs (one round trip each); after writes that change jobs, a notifier
/// thread sends `pg_notify` on the schema's channel (right after the commit,
/// coalescing bursts: see `src/notifier.rs` for why not inside the write
/// transaction), and one listening connection per store counts those
/// notifications for [`Store::change_marker`].
///
/// Where the [`Store`] docs leave room, this store makes SQLite's choices:
/// - [`Store::worker_heartbeat`] never shortens a lease;
/// - a `Dead` outcome keeps `retry_count` (the dead letter records the retries
///   spent before it), and so does a `Cancelled` one;
/// - a job id that already exists is refused with
///   [`taskito_core::Error::InvalidInput`] (the whole batch is rolled back);
/// - a rescued job is quarantined once its `crash_count` is at least
///   `max_crashes`, recording the error under the interrupted attempt;
/// - `cancel_requested` stays set when a job is rescued or released;
/// - a replay gets no unique key and no `expires_at`, and the metadata
///   `{"replayed_from": "<id>"}` with the id JSON-escaped; replay history rows
///   stay when the jobs they name are purged (their errors then read `None`).
///
/// And for PostgreSQL:
/// - **Change marker**: moves after commits that insert, claim, finish,
///   rescue, cancel, expire, replay or re-enqueue jobs, in any process using
///   the schema (within a round trip of the commit, or 1 ms in a burst); not
///   on heartbeats, progress, cancel requests or purges, which nobody waits
///   for. After the listening connection is lost it reconnects with backoff
///   and moves once it listens again.
/// - **Lost connections**: every call that fails because the server went away
///   (or is not up yet) is retried on a fresh connection with backoff until
///   [`PostgresOptions::reconnect_budget_ms`], then fails with
///   `cannot reach PostgreSQL at host:port: ...`. The store prints one line
///   to stderr when it loses the server and one when it is back, however many
///   threads notice. A call whose connection was lost *after COMMIT was sent*
///   (or while a write made of one statement ran: a claim, a batch of only
///   `Complete` outcomes) does not know whether it committed; each method then
///   behaves as follows on its next attempt:
///   - `job_insert`: the client-chosen ids are looked up; if the batch is
///     there, its ids (or the key holders) are returned, otherwise it is
///     inserted again;
///   - `job_claim`: each claim call writes a token of its own on the rows it
///     claims; the jobs found under it (still running under this worker's
///     lease) are returned, otherwise it claims again;
///   - `job_replay`, `dead_retry`: the new job's id is chosen before the first
///     attempt; if that job exists, its id is returned;
///   - `job_cancel`: true if the job is cancelled at exactly `now`;
///   - `job_finish_many`, rescues: run again; outcomes are fenced and rescues
///     re-check each job, so nothing is applied twice, but the report counts
///     what the lost commit applied as fenced (or not at all);
///   - purges: run again; the count leaves out what the lost commit deleted;
///   - heartbeats, progress, cancel requests, worker rows: idempotent, run again.
/// - **Deadlocks and serialization failures** (rolled back by the server) are
///   retried at once. Outcome batches lock their jobs in id order, and claims,
///   rescues, expiry and lease extension skip locked rows, so they are rare.
/// - Disk full (SQLSTATE 53100) is [`taskito_core::Error::StorageFull`], a
///   read-only transaction (25006, e.g. a standby) is
///   [`taskito_core::Error::ReadOnly`], a server out of reach for the whole
///   budget is [`taskito_core::Error::Unavailable`] (workers keep waiting for
///   it), anything else that retrying cannot fix is
///   [`taskito_core::Error::Storage`]. Messages name `host:port`, never the
///   user or password of the URL.
/// - **Sessions**: each pooled connection sets `search_path` to the schema
///   once, and the listener needs a session of its own, so a pooler in
///   transaction mode (PgBouncer's default) must not sit in between; session
///   mode is fine.
/// - **Threads**: callable from any thread, also from inside a tokio runtime
///   (the engine's scheduler): there the driver, which blocks on a runtime of
///   its own, runs on a helper thread for the call (see `src/blocking.rs`).
pub struct PostgresStore {
    // Dropped first: it sends the notification still due on the pool.
    notifier: Notifier,
    schema: String,
    channel: String,
    pool: Arc<Pool>,
    listener: Listener,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgresql://user:pass@host:port/db`
    /// or `host=... dbname=...`), creates `options.schema` if it is missing and
    /// brings its tables up to date (under an advisory lock, so many workers
    /// may start at once), and starts listening for changes.
    ///
    /// # Errors
    /// [`taskito_core::Error::InvalidInput`] for a schema name outside
    /// `^[A-Za-z_][A-Za-z0-9_]{0,62}$` (before any connection is made) or a
    /// malformed URL; `cannot reach PostgreSQL at host:port` when the server
    /// stayed unreachable for the reconnect budget; the other storage errors
    /// when the server refuses (authentication, permissions, unknown database).
    pub fn connect(url: &str, options: PostgresOptions) -> Result<Self> {
        let schema = schema_name(&options)?;
        let mut endpoint = Endpoint::parse(url)?;
        let config = &mut endpoint.config;
        let budget = Duration::from_millis(options.reconnect_budget_ms);
        let app = config
            .get_application_name()
            .unwrap_or(&options.application_name)
            .to_owned();
        config
            .application_name(&app)
            .connect_timeout(CONNECT_TIMEOUT.min(budget).max(Duration::from_millis(100)))
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(10))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3);
        let target = Target::of(config);
        let outage = Arc::new(Outage::new(target.clone(), budget));
        let pool = Arc::new(Pool::new(
            endpoint.clone(),
            schema.clone(),
            target.clone(),
            options.pool_size,
            budget,
            Arc::clone(&outage),
        ));
        migrations::apply(&pool, &schema)?;
        let channel = listener::channel(&schema);
        let mut listen_endpoint = endpoint;
        listen_endpoint
            .config
            .application_name(&format!("{app} listener"));
        let listener = with_reconnect(budget, &target, &outage, |_| {
            Listener::start(
                listen_endpoint.clone(),
                channel.clone(),
                Arc::clone(&outage),
            )
            .map_err(Failed::from)
        })?;
        let notifier = Notifier::start(Arc::clone(&pool), &channel).map_err(|e| {
            taskito_core::Error::Storage(
                format!("could not start the PostgreSQL notifier thread: {e}"),
                Some(Box::new(e)),
            )
        })?;
        Ok(Self {
            notifier,
            schema,
            channel,
            pool,
            listener,
        })
    }

    /// The schema holding this store's tables.
    #[must_use]
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The database server's clock, kept in step with it by this store (see
    /// [`ServerClock`]): the clock to give every worker and producer of a
    /// cluster that spans hosts.
    #[must_use]
    pub fn server_clock(&self) -> ServerClock {
        self.listener.server_clock()
    }

    /// The `LISTEN`/`NOTIFY` channel of this store's schema.
    #[must_use]
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Runs `op` in one transaction on a pooled connection, again on a fresh
    /// connection when the server went away (see [`Prior`]); then has the
    /// other stores notified if `op` asked for it.
    fn write<T: Send>(
        &self,
        mut op: impl FnMut(&mut Tx<'_>, Prior) -> TxResult<T> + Send,
    ) -> Result<T> {
        let (value, notify) = self.pool.run(|conn, prior| {
            let mut tx = conn.begin()?;
            let value = op(&mut tx, prior)?;
            let notify = tx.commit().map_err(Failed::at_commit)?;
            Ok((value, notify))
        })?;
        if notify {
            self.notifier.poke();
        }
        Ok(value)
    }

    /// Runs `op`, one statement on its own (autocommit: one round trip), on a
    /// pooled connection. A connection lost during it leaves its outcome
    /// unknown, so the next attempt sees [`Prior::UnknownCommit`]. Then has
    /// the other stores notified if `op` says something changed.
    fn write_alone<T: Send>(
        &self,
        mut op: impl FnMut(&mut Conn, Prior) -> TxResult<(T, bool)> + Send,
    ) -> Result<T> {
        let (value, notify) = self.pool.run(|conn, prior| {
            op(conn, prior).map_err(|e| match e {
                TxError::Pg(e) => Failed::at_commit(e),
                fail @ TxError::Fail(_) => Failed::from(fail),
            })
        })?;
        if notify {
            self.notifier.poke();
        }
        Ok(value)
    }

    /// Runs `op` (single statements, each its own snapshot) on a pooled
    /// connection.
    fn read<T: Send>(&self, mut op: impl FnMut(&mut Conn) -> TxResult<T> + Send) -> Result<T> {
        self.pool.run(|conn, _| Ok(op(conn)?))
    }
}

impl fmt::Debug for PostgresStore {
    /// Names the server and schema only: the URL may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &self.pool.target().to_string())
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}
