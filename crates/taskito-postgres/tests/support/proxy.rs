//! A TCP proxy in front of the test server that can cut every connection,
//! refuse new ones, or cut a connection right after it forwarded a COMMIT or
//! a prepared statement run on its own (before the server's answer comes
//! back): a lost connection with an unknown commit outcome, made on purpose.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// A write's COMMIT as the store sends it: a simple-protocol query of its own
/// (the notifier's transaction, one batch ending in COMMIT, does not match).
const COMMIT: &[u8] = b"Q\0\0\0\x0bCOMMIT\0";

#[derive(Default)]
struct State {
    refuse: AtomicBool,
    cut_after_commit: AtomicBool,
    cut_after_statement: AtomicBool,
    commits_cut: AtomicU32,
    live: Mutex<Vec<TcpStream>>,
}

pub struct Proxy {
    pub port: u16,
    state: Arc<State>,
}

impl Proxy {
    pub fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if shared.refuse.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                {
                    let mut live = shared.live.lock().expect("live");
                    live.push(client.try_clone().expect("clone"));
                    live.push(server.try_clone().expect("clone"));
                }
                let muted = Arc::new(AtomicBool::new(false));
                pump(
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                    Some(Arc::clone(&shared)),
                    Arc::clone(&muted),
                );
                pump(server, client, None, muted);
            }
        });
        Self { port, state }
    }

    /// Closes every connection through the proxy.
    pub fn cut_all(&self) {
        for s in self.state.live.lock().expect("live").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// While set, new connections are closed at once.
    pub fn refuse(&self, refuse: bool) {
        self.state.refuse.store(refuse, Ordering::SeqCst);
    }

    /// The next COMMIT reaches the server, and then its connection is cut
    /// before the answer comes back.
    pub fn cut_after_next_commit(&self) {
        self.state.cut_after_commit.store(true, Ordering::SeqCst);
    }

    /// The next prepared statement sent on its own (Bind, Execute, Sync, as
    /// the store's one-statement claim and complete batches are) reaches the
    /// server, which runs and commits it, and then its connection is cut
    /// before the answer comes back.
    pub fn cut_after_next_statement(&self) {
        self.state.cut_after_statement.store(true, Ordering::SeqCst);
    }

    /// How many connections were cut after a COMMIT or a statement.
    pub fn commits_cut(&self) -> u32 {
        self.state.commits_cut.load(Ordering::SeqCst)
    }
}

/// Copies `from` to `to` on a thread. `watch` is set on the client-to-server
/// direction, where COMMITs are looked for; `muted` (shared by the two
/// directions of one connection) stops the server's answers once a COMMIT is
/// to be cut.
fn pump(mut from: TcpStream, mut to: TcpStream, watch: Option<Arc<State>>, muted: Arc<AtomicBool>) {
    thread::spawn(move || {
        let mut buf = vec![0_u8; 64 * 1024];
        // The first message of a connection (startup) has no type byte.
        let mut first = true;
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let chunk = &buf[..n];
            let cut = watch.as_ref().is_some_and(|state| {
                (chunk.windows(COMMIT.len()).any(|w| w == COMMIT)
                    && state.cut_after_commit.swap(false, Ordering::SeqCst))
                    || (!first
                        && runs_a_statement(chunk)
                        && state.cut_after_statement.swap(false, Ordering::SeqCst))
            });
            first = false;
            if let (true, Some(state)) = (cut, &watch) {
                muted.store(true, Ordering::SeqCst);
                state.commits_cut.fetch_add(1, Ordering::SeqCst);
            }
            if muted.load(Ordering::SeqCst) && watch.is_none() {
                break;
            }
            if to.write_all(chunk).is_err() {
                break;
            }
            if cut {
                // Give the server time to read and run the COMMIT.
                thread::sleep(Duration::from_millis(200));
                let _ = from.shutdown(Shutdown::Both);
                let _ = to.shutdown(Shutdown::Both);
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

/// Whether `chunk`, read as whole protocol messages (the driver writes them
/// so), executes a prepared statement and syncs, i.e. runs it to its end.
fn runs_a_statement(chunk: &[u8]) -> bool {
    let (mut executes, mut syncs) = (false, false);
    let mut at = 0;
    while at + 5 <= chunk.len() {
        let kind = chunk[at];
        let len = u32::from_be_bytes([chunk[at + 1], chunk[at + 2], chunk[at + 3], chunk[at + 4]]);
        executes |= kind == b'E';
        syncs |= kind == b'S';
        let Ok(len) = usize::try_from(len) else { break };
        if len < 4 {
            break;
        }
        at += 1 + len;
    }
    executes && syncs && at == chunk.len()
}
