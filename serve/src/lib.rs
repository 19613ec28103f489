//! mlg serve: an HTTP prediction server (axum on a multi-threaded tokio runtime)
//! for compiled `.mlgc` artifacts.
//!
//! Endpoints: `POST /predict` (JSON rows or columns, one row or a batch),
//! `GET /health`, `GET /model` (schema and metadata), `GET /metrics`
//! (Prometheus text format: requests, latency, batch sizes, predictions, drift),
//! `POST /reload` (also on SIGHUP) to swap in an artifact atomically. Every
//! error is a JSON `{"error": "..."}` with a 4xx/5xx status; SIGTERM and Ctrl-C
//! shut down gracefully, letting in-flight requests finish.
//!
//! ```no_run
//! let config = mlg_serve::Config::new("out/iris.mlgc");
//! let server = mlg_serve::Server::bind(&config)?;
//! server.run(|addr| println!("listening on http://{addr}"))?;
//! # Ok::<(), mlg_serve::ServeError>(())
//! ```

mod body;
pub mod log;
pub mod metrics;
pub mod request;
pub mod response;
pub mod routes;
pub mod state;

use crate::log::Event;
use crate::metrics::Metrics;
use crate::state::{AppState, Loaded};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// The address `mlg serve` listens on unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The largest request body accepted unless told otherwise (1 MiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// How long shutdown waits for blocking work (large batches, reloads) to end.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// How to serve.
#[derive(Clone, Debug)]
pub struct Config {
    /// The artifact to serve (and to load again on reload).
    pub artifact: PathBuf,
    /// `HOST:PORT` to listen on; port 0 picks a free one.
    pub addr: String,
    /// The largest request body accepted, in bytes.
    pub max_body: usize,
    /// Tokio worker threads (default: one per core).
    pub workers: Option<usize>,
}

impl Config {
    /// Serving `artifact` on [`DEFAULT_ADDR`] with the default body limit.
    pub fn new(artifact: impl Into<PathBuf>) -> Config {
        Config {
            artifact: artifact.into(),
            addr: DEFAULT_ADDR.to_string(),
            max_body: DEFAULT_MAX_BODY,
            workers: None,
        }
    }
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, Error)]
pub enum ServeError {
    /// The artifact could not be loaded or compiled.
    #[error(transparent)]
    Load(#[from] mlg_runtime::RuntimeError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    /// The runtime, a signal handler or the listener failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// A loaded model and a bound listener, ready to [`Server::run`].
pub struct Server {
    listener: std::net::TcpListener,
    addr: SocketAddr,
    state: Arc<AppState>,
    workers: Option<usize>,
}

impl Server {
    /// Loads and compiles the artifact, then binds the address.
    pub fn bind(config: &Config) -> Result<Server, ServeError> {
        let metrics = Metrics::new();
        let loaded = Loaded::load(&config.artifact, &metrics)?;
        let bind_error = |source| ServeError::Bind {
            addr: config.addr.clone(),
            source,
        };
        let listener = std::net::TcpListener::bind(&config.addr).map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        Ok(Server {
            listener,
            addr,
            state: Arc::new(AppState::new(loaded, metrics, config.max_body)),
            workers: config.workers,
        })
    }

    /// The address actually bound (the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    /// `ready` is called with the bound address once signals are handled and
    /// connections are about to be accepted.
    pub fn run(self, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(workers) = self.workers {
            builder.worker_threads(workers.max(1));
        }
        let runtime = builder.enable_all().build()?;
        let result = runtime.block_on(self.serve(ready));
        runtime.shutdown_timeout(SHUTDOWN_GRACE);
        result
    }

    async fn serve(self, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
        let shutdown = signals::shutdown()?;
        signals::reload_on_hangup(Arc::clone(&self.state))?;
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let addr = self.addr.to_string();
        let name = self.state.current.load().model.name().to_string();
        log::emit(&Event {
            level: "info",
            event: "started",
            model: Some(&name),
            addr: Some(&addr),
            ..Event::default()
        });
        ready(self.addr);
        let router = routes::router(self.state);
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}

/// Signal handling: shutdown on SIGTERM / Ctrl-C, reload on SIGHUP.
mod signals {
    use super::*;
    use std::future::Future;

    /// A future that completes on the first SIGTERM or SIGINT; the handlers are
    /// installed before this returns.
    #[cfg(unix)]
    pub fn shutdown() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        Ok(async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = interrupt.recv() => "SIGINT",
            };
            log::emit(&Event {
                level: "info",
                event: "shutdown",
                signal: Some(name),
                ..Event::default()
            });
        })
    }

    /// A future that completes on Ctrl-C.
    #[cfg(not(unix))]
    pub fn shutdown() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            log::emit(&Event {
                level: "info",
                event: "shutdown",
                signal: Some("ctrl-c"),
                ..Event::default()
            });
        })
    }

    /// Reloads the artifact file on every SIGHUP.
    #[cfg(unix)]
    pub fn reload_on_hangup(state: Arc<AppState>) -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hangup = signal(SignalKind::hangup())?;
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                // The outcome is logged by `reload`.
                let _ = state.reload(None).await;
            }
        });
        Ok(())
    }

    /// No SIGHUP off Unix.
    #[cfg(not(unix))]
    pub fn reload_on_hangup(_: Arc<AppState>) -> std::io::Result<()> {
        Ok(())
    }
}
