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
