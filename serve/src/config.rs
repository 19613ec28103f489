//! How to serve: the [`Config`] of a server, its defaults and caps, and the
//! checks that turn an out-of-range setting into a [`ServeError::Invalid`]
//! naming the flag, before anything is loaded or bound.

use crate::ServeError;
use std::path::PathBuf;
use std::time::Duration;

/// The address `mlg serve` listens on unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// The largest request body accepted unless told otherwise (1 MiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
/// The largest `--max-body` accepted (1 GiB): a body is held in memory whole.
pub const MAX_BODY_CAP: usize = 1024 * 1024 * 1024;
/// The most worker threads `--workers` may ask for.
pub const MAX_WORKERS: usize = 1024;
/// Connections served at once unless told otherwise; lowered at startup to
/// what the open-file limit allows.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The largest `--max-connections` accepted.
pub const MAX_CONNECTIONS_CAP: usize = 1_000_000;
/// How long a client may take to send a request's head (and how long a
/// keep-alive connection may sit idle between requests) unless told otherwise.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client may take to send a request's body, and how long a
/// response may wait for the client to read it, unless told otherwise.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long shutdown waits for requests in flight unless told otherwise.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);
/// The size at which the prediction log is rotated unless told otherwise.
pub const DEFAULT_LOG_BYTES: u64 = 256 * 1024 * 1024;
/// The smallest `--log-max-bytes` accepted.
pub const MIN_LOG_BYTES: u64 = 4096;
/// The longest any of the timeouts may be set to (one day).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// How to serve.
#[derive(Clone, Debug)]
pub struct Config {
    /// The artifact to serve (and to load again on reload).
    pub artifact: PathBuf,
    /// `HOST:PORT` to listen on; port 0 picks a free one.
    pub addr: String,
    /// The largest request body accepted, in bytes (1 ..= [`MAX_BODY_CAP`]).
    pub max_body: usize,
    /// Tokio worker threads (1 ..= [`MAX_WORKERS`]; default: one per core).
    pub workers: Option<usize>,
    /// Connections served at once (1 ..= [`MAX_CONNECTIONS_CAP`]); more are
    /// answered 503 and closed. Lowered at startup to fit the open-file limit.
    pub max_connections: usize,
    /// Time allowed for a request's head to arrive, counted from the end of the
    /// previous response (or from the connection's start), so it also closes
    /// idle keep-alive connections. More than zero, at most [`MAX_TIMEOUT`].
    pub header_timeout: Duration,
    /// Time allowed for a request's body to arrive (from the end of its head),
    /// and for a stalled response write to make progress. More than zero, at
    /// most [`MAX_TIMEOUT`].
    pub body_timeout: Duration,
    /// After SIGTERM or Ctrl-C, how long requests in flight may take before
    /// every connection left is dropped. At most [`MAX_TIMEOUT`].
    pub shutdown_timeout: Duration,
    /// A file holding the bearer token that enables `POST /reload`; without
    /// one, `/reload` answers 404 (SIGHUP still reloads).
    pub admin_token_file: Option<PathBuf>,
    /// Answer 422 to a column the model does not read; by default such
    /// columns are ignored and named under `ignored_columns` in the answer.
    pub strict_columns: bool,
    /// The prediction log (`--log`, `--log-sample`, `--log-max-bytes`).
    pub log: Option<crate::predlog::LogConfig>,
}

impl Config {
    /// Serving `artifact` on [`DEFAULT_ADDR`] with every default, `/reload` off.
    pub fn new(artifact: impl Into<PathBuf>) -> Config {
        Config {
            artifact: artifact.into(),
            addr: DEFAULT_ADDR.to_string(),
            max_body: DEFAULT_MAX_BODY,
            workers: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            admin_token_file: None,
            strict_columns: false,
            log: None,
        }
    }

    /// Checks every number against its range; the error names the flag.
    pub fn validate(&self) -> Result<(), ServeError> {
        in_range("--max-body", self.max_body, 1, MAX_BODY_CAP)?;
        if let Some(workers) = self.workers {
            in_range("--workers", workers, 1, MAX_WORKERS)?;
        }
        in_range("--max-connections", self.max_connections, 1, MAX_CONNECTIONS_CAP)?;
        positive_timeout("--header-timeout", self.header_timeout)?;
        positive_timeout("--body-timeout", self.body_timeout)?;
        if self.shutdown_timeout > MAX_TIMEOUT {
            return Err(too_long("--shutdown-timeout", self.shutdown_timeout));
        }
        if let Some(log) = &self.log {
            if !(log.sample > 0.0 && log.sample <= 1.0) {
                return Err(ServeError::Invalid(format!(
                    "--log-sample must be a fraction in (0, 1], got {}",
                    log.sample
                )));
            }
            if log.max_bytes < MIN_LOG_BYTES {
                return Err(ServeError::Invalid(format!(
                    "--log-max-bytes must be at least {MIN_LOG_BYTES}, got {}",
                    log.max_bytes
                )));
            }
        }
        Ok(())
    }
}

fn in_range(flag: &str, value: usize, low: usize, high: usize) -> Result<(), ServeError> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(ServeError::Invalid(format!(
            "{flag} must be between {low} and {high}, got {value}"
        )))
    }
}

fn positive_timeout(flag: &str, value: Duration) -> Result<(), ServeError> {
    if value.is_zero() {
        Err(ServeError::Invalid(format!("{flag} must be more than 0 seconds")))
    } else if value > MAX_TIMEOUT {
        Err(too_long(flag, value))
    } else {
        Ok(())
    }
}

fn too_long(flag: &str, value: Duration) -> ServeError {
    ServeError::Invalid(format!(
        "{flag} must be at most {} seconds, got {}",
        MAX_TIMEOUT.as_secs(),
        value.as_secs_f64()
    ))
}

/// Parses a number of seconds (`10`, `0.5`) for a timeout flag: a finite,
/// non-negative number; the range is checked by [`Config::validate`].
pub fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds, got `{text}`"))?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("expected a number of seconds (0 or more), got `{text}`"));
    }
    if value > MAX_TIMEOUT.as_secs_f64() {
        return Err(format!("at most {} seconds, got `{text}`", MAX_TIMEOUT.as_secs()));
    }
    Ok(Duration::from_secs_f64(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(change: impl FnOnce(&mut Config)) -> String {
        let mut config = Config::new("a.mlgc");
        change(&mut config);
        match config.validate() {
            Ok(()) => panic!("accepted {config:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn defaults_are_valid() {
        Config::new("a.mlgc").validate().unwrap();
    }

    #[test]
    fn out_of_range_numbers_name_their_flag() {
        assert!(refused(|c| c.workers = Some(0)).contains("--workers must be between 1 and 1024, got 0"));
        assert!(refused(|c| c.workers = Some(50_000)).contains("--workers must be between 1 and 1024"));
        assert!(refused(|c| c.max_body = 0).contains("--max-body"));
        assert!(refused(|c| c.max_body = usize::MAX).contains("--max-body"));
        assert!(refused(|c| c.max_connections = 0).contains("--max-connections"));
        assert!(
            refused(|c| c.header_timeout = Duration::ZERO).contains("--header-timeout must be more than 0")
        );
        assert!(refused(|c| c.body_timeout = MAX_TIMEOUT * 2).contains("--body-timeout must be at most"));
        assert!(refused(|c| c.shutdown_timeout = MAX_TIMEOUT * 2).contains("--shutdown-timeout"));
        let log = |sample, max_bytes| {
            Some(crate::predlog::LogConfig {
                path: "p.jsonl".into(),
                sample,
                max_bytes,
            })
        };
        assert!(refused(|c| c.log = log(0.0, DEFAULT_LOG_BYTES))
            .contains("--log-sample must be a fraction in (0, 1]"));
        assert!(refused(|c| c.log = log(1.5, DEFAULT_LOG_BYTES)).contains("--log-sample"));
        assert!(refused(|c| c.log = log(0.5, 10)).contains("--log-max-bytes must be at least 4096"));
    }

    #[test]
    fn seconds_are_finite_and_not_negative() {
        assert_eq!(seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(seconds("0"), Ok(Duration::ZERO));
        for bad in ["", "ten", "-1", "NaN", "inf", "1e30"] {
            assert!(seconds(bad).is_err(), "{bad}");
        }
    }
}
