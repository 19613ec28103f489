//! mlg serve: an HTTP prediction server (axum routes on hyper's HTTP/1 server,
//! a multi-threaded tokio runtime) for compiled `.mlgc` artifacts.
//!
//! Endpoints: `POST /predict` (JSON rows or columns, one row or a batch, each
//! row optionally naming itself with an `id`), `POST /feedback` (true labels
//! for those ids, scored as live quality, see [`quality`]),
//! `GET /health`, `GET /model` (schema and metadata), `GET /metrics`
//! (Prometheus text format: requests, latency, batch sizes, predictions, drift,
//! connections), and `POST /reload` (only with an admin token; SIGHUP always)
//! to load the artifact file again and swap it in atomically. Every error is a
//! JSON `{"error": "..."}` with a 4xx/5xx status.
//!
//! Safe to expose: request heads and bodies must arrive within their timeouts,
//! at most `max_connections` are served at once (more are answered 503 with
//! `Retry-After`, `GET /health` still 200), and SIGTERM or Ctrl-C let requests
//! in flight finish for at most `shutdown_timeout`.
//!
//! ```no_run
//! let config = mlg_serve::Config::new("out/iris.mlgc");
//! let server = mlg_serve::Server::bind(&config)?;
//! server.run(|addr| println!("listening on http://{addr}"))?;
//! # Ok::<(), mlg_serve::ServeError>(())
//! ```

pub mod admin;
pub mod anomaly;
mod body;
pub mod config;
pub mod feedback;
pub mod limits;
mod listener;
pub mod log;
pub mod metrics;
pub mod predlog;
pub mod quality;
pub mod request;
pub mod response;
pub mod routes;
pub mod shed;
mod signals;
pub mod stall;
pub mod state;

pub use config::{Config, DEFAULT_ADDR, DEFAULT_MAX_BODY};

use crate::admin::AdminToken;
use crate::limits::Budget;
use crate::log::{Event, LimitsEvent};
use crate::metrics::Metrics;
use crate::state::{AppState, Loaded};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;

/// Why the server could not start or stopped with an error.
#[derive(Debug, Error)]
pub enum ServeError {
    /// A setting is out of range; the message names the flag.
    #[error("{0}")]
    Invalid(String),
    /// The admin token file was refused.
    #[error("admin token file `{path}`: {problem}")]
    AdminToken {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The open-file limit leaves no room for a single connection.
    #[error(
        "the open-file limit (ulimit -n) is {limit}, too low to serve: \
         raise it to at least {needed}"
    )]
    OpenFiles {
        /// The soft limit, already raised as far as the hard limit allows.
        limit: u64,
        /// Descriptors needed for one connection.
        needed: u64,
    },
    /// The artifact could not be loaded or compiled.
    #[error(transparent)]
    Load(#[from] mlg_runtime::RuntimeError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The runtime, a signal handler or the listener failed.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// A loaded model and a bound listener, ready to [`Server::run`].
pub struct Server {
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
    state: Arc<AppState>,
    budget: Budget,
    config: Config,
}

impl Server {
    /// Checks the settings, reads the admin token, fits the connection limit
    /// under the open-file limit, loads and compiles the artifact, then binds.
    pub fn bind(config: &Config) -> Result<Server, ServeError> {
        config.validate()?;
        let admin = config
            .admin_token_file
            .as_deref()
            .map(AdminToken::read)
            .transpose()?;
        let budget = limits::budget(config.max_connections)?;
        let metrics = Metrics::new();
        let loaded = Loaded::load(&config.artifact, &metrics)?;
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        if let Some(workers) = config.workers {
            builder.worker_threads(workers);
        }
        let runtime = builder.enable_all().build()?;
        let bind_error = |source| ServeError::Bind {
            addr: config.addr.clone(),
            source,
        };
        let listener = {
            let _inside = runtime.enter();
            listener::bind(&config.addr).map_err(bind_error)?
        };
        let addr = listener.local_addr().map_err(bind_error)?;
        let log = match &config.log {
            Some(log) => Some(
                predlog::PredictionLog::open(log)
                    .map_err(|e| ServeError::Invalid(format!("--log {}: {e}", log.path.display())))?,
            ),
            None => None,
        };
        let state = AppState::new(loaded, metrics, config, admin, log);
        Ok(Server {
            runtime,
            listener,
            addr,
            state: Arc::new(state),
            budget,
            config: config.clone(),
        })
    }

    /// The address actually bound (the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The connection limit in force (lowered to fit the open-file limit).
    pub fn max_connections(&self) -> usize {
        self.budget.max_connections
    }

    /// Serves until SIGTERM or Ctrl-C, then shuts down gracefully within the
    /// shutdown timeout. `ready` is called with the bound address once signals
    /// are handled and connections are about to be accepted.
    pub fn run(self, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
        let Server {
            runtime,
            listener,
            addr,
            state,
            budget,
            config,
        } = self;
        let serving = Arc::clone(&state);
        let result = runtime.block_on(async {
            let state = serving;
            let signals = signals::Shutdown::install()?;
            signals::reload_on_hangup(Arc::clone(&state))?;
            log_start(&state, &budget, &config, addr);
            ready(addr);
            let settings = listener::Settings {
                max_connections: budget.max_connections,
                shed_slots: budget.shed_slots,
                header_timeout: config.header_timeout,
                send_timeout: config.body_timeout,
                shutdown_timeout: config.shutdown_timeout,
            };
            listener::serve(listener, state, settings, signals).await
        });
        let result = match result {
            Ok(deadline) => {
                // Blocking work (a large batch, a reload) gets what is left of
                // the shutdown timeout.
                runtime.shutdown_timeout(deadline.saturating_duration_since(tokio::time::Instant::now()));
                Ok(())
            }
            Err(e) => {
                runtime.shutdown_background();
                Err(e.into())
            }
        };
        // Every request has been answered: write out what the log holds.
        if let Some(log) = &state.log {
            log.close();
        }
        result
    }
}

/// Logs `started` and the limits in force.
fn log_start(state: &AppState, budget: &Budget, config: &Config, addr: SocketAddr) {
    let addr = addr.to_string();
    let name = state.current.load().model.name().to_string();
    log::emit(&Event {
        level: "info",
        event: "started",
        model: Some(&name),
        addr: Some(&addr),
        ..Event::default()
    });
    log::emit(&LimitsEvent {
        level: if budget.lowered_from.is_some() {
            "warn"
        } else {
            "info"
        },
        event: "limits",
        max_connections: budget.max_connections,
        requested_max_connections: budget.lowered_from,
        shed_slots: budget.shed_slots,
        open_file_limit: budget.open_files,
        open_file_limit_raised_from: budget.raised_from,
        max_body: config.max_body,
        header_timeout_s: config.header_timeout.as_secs_f64(),
        body_timeout_s: config.body_timeout.as_secs_f64(),
        shutdown_timeout_s: config.shutdown_timeout.as_secs_f64(),
        reload_endpoint: state.admin.is_some(),
    });
}
