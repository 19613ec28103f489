//! The accept loop: every connection is either served by hyper's HTTP/1 server
//! (within `--max-connections`, with the header and send timeouts) or handed
//! to the [`Shedder`]; on a shutdown signal the listener closes, idle
//! connections close, requests in flight get until `--shutdown-timeout`, and
//! whatever is left then is dropped.

use crate::log::{self, Event};
use crate::routes;
use crate::shed::Shedder;
use crate::signals::Shutdown;
use crate::stall::SendDeadline;
use crate::state::AppState;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Pending connections the kernel queues before `accept`.
const BACKLOG: u32 = 1024;
/// The largest request head (request line and headers) read, in bytes; hyper
/// answers a longer one 431.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long accepting pauses after running out of file descriptors.
const ACCEPT_PAUSE: Duration = Duration::from_millis(10);

/// What the accept loop needs to know.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Connections served at once.
    pub max_connections: usize,
    /// Over-limit connections answered at once.
    pub shed_slots: usize,
    /// Time allowed for a request head (and for idling between requests).
    pub header_timeout: Duration,
    /// Time a response write may make no progress.
    pub send_timeout: Duration,
    /// Time requests in flight get after a shutdown signal.
    pub shutdown_timeout: Duration,
}

/// Binds `addr` (the first of its addresses that binds) with a backlog of
/// [`BACKLOG`]. Must run inside the runtime.
pub fn bind(addr: &str) -> io::Result<TcpListener> {
    let mut last = None;
    for address in addr.to_socket_addrs()? {
        match listen_on(address) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last
        .unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the address resolves to nothing")))
}

fn listen_on(address: SocketAddr) -> io::Result<TcpListener> {
    let socket = match address {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(BACKLOG)
}

/// Serves `listener` until a shutdown signal, then shuts down gracefully;
/// returns the shutdown deadline (for the blocking work still running).
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    settings: Settings,
    mut signals: Shutdown,
) -> io::Result<Instant> {
    let router = routes::router(Arc::clone(&state));
    let slots = Arc::new(Semaphore::new(settings.max_connections));
    let shedder = Shedder::new(Arc::clone(&state), settings.shed_slots, settings.max_connections);
    let (stop, stopping) = watch::channel(false);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    let mut last_accept_error: Option<Instant> = None;
    let signal = loop {
        tokio::select! {
            biased;
            signal = signals.next() => break signal,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    match Arc::clone(&slots).try_acquire_owned() {
                        Ok(slot) => {
                            let service = WithPeer { router: router.clone(), peer };
                            let io = TokioIo::new(SendDeadline::new(stream, settings.send_timeout));
                            let connection = http.serve_connection(io, service);
                            tokio::spawn(run(connection, Arc::clone(&state), stopping.clone(), slot));
                        }
                        Err(_) => shedder.shed(stream),
                    }
                }
                Err(e) => {
                    if let Some(pause) = accept_pause(&e) {
                        if last_accept_error.is_none_or(|at| at.elapsed() >= Duration::from_secs(1)) {
                            last_accept_error = Some(Instant::now());
                            let error = e.to_string();
                            log::emit(&Event { level: "error", event: "accept_failed", error: Some(&error), ..Event::default() });
                        }
                        tokio::time::sleep(pause).await;
                    }
                }
            },
        }
    };
    drop(listener);
    let deadline = Instant::now() + settings.shutdown_timeout;
    log::emit(&Event {
        level: "info",
        event: "shutdown",
        signal: Some(signal),
        connections: Some(state.metrics.connections.open()),
        ..Event::default()
    });
    let _ = stop.send(true);
    // Every slot back means every connection has closed.
    let everyone = slots.acquire_many(settings.max_connections as u32);
    let reason = tokio::select! {
        _ = everyone => None,
        () = tokio::time::sleep_until(deadline) => Some("the shutdown timeout passed"),
        second = signals.next() => Some(if second == "SIGINT" { "a second SIGINT" } else { "a second SIGTERM" }),
    };
    let left = state.metrics.connections.open();
    log::emit(&Event {
        level: if reason.is_some() && left > 0 {
            "warn"
        } else {
            "info"
        },
        event: "stopped",
        connections: Some(left),
        reason,
        ..Event::default()
    });
    Ok(deadline)
}

/// Serves one connection; on shutdown, closes it once idle.
async fn run(
    connection: http1::Connection<TokioIo<SendDeadline<TcpStream>>, WithPeer>,
    state: Arc<AppState>,
    mut stopping: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _open = Counted::new(Arc::clone(&state));
    let mut connection = std::pin::pin!(connection);
    let outcome = tokio::select! {
        outcome = connection.as_mut() => outcome,
        () = async { let _ = stopping.wait_for(|stop| *stop).await; } => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = outcome {
        if timed_out(&e) {
            state.metrics.connections.timed_out();
        }
    }
}

/// Whether a connection ended on the header timeout or a stalled send.
fn timed_out(error: &hyper::Error) -> bool {
    if error.is_timeout() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::TimedOut)
        {
            return true;
        }
        source = e.source();
    }
    false
}

/// Counts a connection in `mlg_connections_open` while it lives.
struct Counted(Arc<AppState>);

impl Counted {
    fn new(state: Arc<AppState>) -> Counted {
        state.metrics.connections.opened();
        Counted(state)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.metrics.connections.closed();
    }
}

/// How long to pause accepting after `error`: errors of one connection
/// (aborted, reset) need none; running out of descriptors or memory does.
fn accept_pause(error: &io::Error) -> Option<Duration> {
    match error.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::Interrupted
        | io::ErrorKind::WouldBlock => None,
        _ => Some(ACCEPT_PAUSE),
    }
}

/// The router, with the peer's address in every request's extensions
/// (`ConnectInfo<SocketAddr>`).
#[derive(Clone)]
struct WithPeer {
    router: Router,
    peer: SocketAddr,
}

impl hyper::service::Service<hyper::Request<Incoming>> for WithPeer {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = axum::routing::future::RouteFuture<Infallible>;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Self::Future {
        request.extensions_mut().insert(ConnectInfo(self.peer));
        tower_service::Service::call(&mut self.router.clone(), request)
    }
}
