//! `mlg serve ARTIFACT`: the HTTP prediction server ([`mlg_serve`]); the
//! artifact may be a registry address (`models:/NAME@production`).

use mlg::error::Error;
use std::path::PathBuf;

/// Arguments of `mlg serve`.
#[derive(clap::Args)]
pub struct Args {
    /// The artifact file, or a registered version: models:/NAME@ALIAS,
    /// models:/NAME/VERSION or models:/NAME (the latest).
    artifact: PathBuf,
    /// The tracking database a models:/ address is looked up in (default:
    /// .mlg/runs.db in the current folder).
    #[arg(long, value_name = "PATH")]
    tracking: Option<PathBuf>,
    /// HOST:PORT to listen on (port 0 picks a free port).
    #[arg(long, default_value = mlg_serve::DEFAULT_ADDR)]
    addr: String,
    /// The largest request body accepted, in bytes (at most 1 GiB).
    #[arg(long, default_value_t = mlg_serve::DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Worker threads of the async runtime, 1 to 1024 (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Connections served at once; more are answered 503 (lowered to fit
    /// the open-file limit).
    #[arg(long, default_value_t = mlg_serve::config::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Seconds a client has to send a request's head; also closes
    /// keep-alive connections idle that long.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = mlg_serve::config::seconds)]
    header_timeout: std::time::Duration,
    /// Seconds a client has to send a request's body (and to start
    /// reading a response it stalls).
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = mlg_serve::config::seconds)]
    body_timeout: std::time::Duration,
    /// Seconds requests in flight get after SIGTERM or Ctrl-C before the
    /// connections left are dropped.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = mlg_serve::config::seconds)]
    shutdown_timeout: std::time::Duration,
    /// Enable POST /reload, guarded by the bearer token in this file.
    #[arg(long, value_name = "PATH")]
    admin_token_file: Option<PathBuf>,
    /// Answer 422 to a column the model does not read (by default it is
    /// ignored and named under "ignored_columns" in the answer).
    #[arg(long)]
    strict_columns: bool,
    /// Write every sampled request's rows (inputs, prediction, id, model
    /// version, latency) to this JSON-lines file, on a background thread.
    #[arg(long, value_name = "PATH")]
    log: Option<PathBuf>,
    /// Fraction of requests written to --log, in (0, 1].
    #[arg(long, value_name = "FRACTION", default_value_t = 1.0, requires = "log")]
    log_sample: f64,
    /// Size in bytes at which --log is renamed to PATH.1 (older ones shifted
    /// up to PATH.5) and a new file begun.
    #[arg(long, value_name = "BYTES", default_value_t = mlg_serve::config::DEFAULT_LOG_BYTES, requires = "log")]
    log_max_bytes: u64,
}

/// Loads the artifact, binds, prints `listening on http://ADDR`, and
/// serves until SIGTERM or Ctrl-C.
pub fn run(args: Args) -> mlg::Result<()> {
    let config = mlg_serve::Config {
        artifact: crate::cmd::models::artifact_path(&args.artifact, args.tracking.as_ref())?,
        addr: args.addr,
        max_body: args.max_body,
        workers: args.workers,
        max_connections: args.max_connections,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        shutdown_timeout: args.shutdown_timeout,
        admin_token_file: args.admin_token_file,
        strict_columns: args.strict_columns,
        log: args.log.map(|path| mlg_serve::predlog::LogConfig {
            path,
            sample: args.log_sample,
            max_bytes: args.log_max_bytes,
        }),
    };
    let failed = |e: mlg_serve::ServeError| Error::Usage(e.to_string());
    let server = mlg_serve::Server::bind(&config).map_err(failed)?;
    server
        .run(|addr| {
            println!("listening on http://{addr}");
            let _ = std::io::Write::flush(&mut std::io::stdout());
        })
        .map_err(failed)
}
