//! Structured log lines: one JSON object per line on stderr.

use serde::Serialize;
use std::io::Write;

/// A server event (`{"level":..,"event":..,...}`); empty fields are left out.
#[derive(Debug, Default, Serialize)]
pub struct Event<'a> {
    /// `info`, `warn` or `error`.
    pub level: &'a str,
    /// What happened: `started`, `reload`, `reload_failed`, `shutdown`, ...
    pub event: &'a str,
    /// The model concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
    /// The artifact file concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<&'a str>,
    /// The address listened on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<&'a str>,
    /// The signal that caused the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<&'a str>,
    /// The error, for failures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    /// Connections open (at shutdown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connections: Option<u64>,
    /// Why something was refused or cut short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    /// The client's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<&'a str>,
}

/// The limits in force, logged once at startup (`warn` when
/// `--max-connections` had to be lowered to fit the open-file limit).
#[derive(Debug, Serialize)]
pub struct LimitsEvent {
    /// `info`, or `warn` when the connection limit was lowered.
    pub level: &'static str,
    /// Always `limits`.
    pub event: &'static str,
    /// Connections served at once.
    pub max_connections: usize,
    /// The `--max-connections` asked for, when it was lowered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_max_connections: Option<usize>,
    /// Over-limit connections answered at once.
    pub shed_slots: usize,
    /// The open-file soft limit in force.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_file_limit: Option<u64>,
    /// The soft limit before the server raised it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_file_limit_raised_from: Option<u64>,
    /// The largest request body, in bytes.
    pub max_body: usize,
    /// `--header-timeout`, in seconds.
    pub header_timeout_s: f64,
    /// `--body-timeout`, in seconds.
    pub body_timeout_s: f64,
    /// `--shutdown-timeout`, in seconds.
    pub shutdown_timeout_s: f64,
    /// Whether `POST /reload` is enabled (by `--admin-token-file`).
    pub reload_endpoint: bool,
}

/// A feature whose drift crossed a threshold (or came back under it).
#[derive(Debug, Serialize)]
pub struct DriftEvent<'a> {
    /// `warn` for an alert, `info` when it clears.
    pub level: &'a str,
    /// `drift_alert` or `drift_cleared`.
    pub event: &'a str,
    /// The input column.
    pub feature: &'a str,
    /// Its PSI over the window.
    pub psi: f64,
    /// Its KS statistic (numeric features).
    pub ks: Option<f64>,
    /// The configured window, in rows.
    pub window: usize,
    /// Rows in the window now.
    pub rows: usize,
    /// The PSI threshold.
    pub psi_threshold: f64,
    /// The KS threshold.
    pub ks_threshold: f64,
    /// The model being served.
    pub model: &'a str,
}

/// Writes `record` as one JSON line to stderr (ignoring a closed stderr).
pub fn emit(record: &impl Serialize) {
    let Ok(mut line) = serde_json::to_vec(record) else {
        return;
    };
    line.push(b'\n');
    let _ = std::io::stderr().lock().write_all(&line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_leave_empty_fields_out() {
        let text = serde_json::to_string(&Event {
            level: "info",
            event: "reload",
            model: Some("lr"),
            ..Event::default()
        })
        .unwrap();
        assert_eq!(text, r#"{"level":"info","event":"reload","model":"lr"}"#);
    }
}
