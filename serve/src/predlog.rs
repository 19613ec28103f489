//! The prediction log (`mlg serve --log predictions.jsonl`): one JSON line per
//! predicted row of a sampled request, with the row's inputs under their
//! column names and the record's own keys prefixed `mlg_` (`mlg_ts`,
//! `mlg_model`, `mlg_model_version`, `mlg_id`, `mlg_prediction`,
//! `mlg_latency_ms`), so the file reads back as data (`mlg monitor --input`,
//! pandas' `read_json(lines=True)`).
//!
//! Requests are sampled whole (`--log-sample`, a fraction; 1 logs every
//! request). A request hands its rows to a background thread over a bounded
//! queue and never waits: when the queue is full the request is counted in
//! `mlg_prediction_log_dropped_total` instead. Every [`POLL`] (10 ms) the
//! thread formats what the queue holds, writes it and flushes, so a crash
//! loses at most the requests of the last 10 ms (and never more than
//! [`QUEUE_REQUESTS`] requests); a graceful stop writes everything. When the file would grow past `--log-max-bytes` it is renamed
//! to `NAME.1` (shifting older ones up to `NAME.{KEEP}`) and a new one begun.

use mlg_runtime::{ColumnData, Frame};
use serde::ser::{SerializeMap, Serializer};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

/// Requests waiting for the writer at most; more are dropped and counted.
pub const QUEUE_REQUESTS: usize = 4096;
/// How often the writer takes what the queue holds, writes and flushes it.
pub const POLL: std::time::Duration = std::time::Duration::from_millis(10);
/// Rotated files kept (`NAME.1` is the newest).
pub const KEEP: usize = 5;

/// Where and how much to log.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// The log file (appended to).
    pub path: PathBuf,
    /// Fraction of requests logged, in (0, 1].
    pub sample: f64,
    /// Size at which the file is rotated, in bytes.
    pub max_bytes: u64,
}

/// What a logged request's lines say of its model.
pub struct LogModel {
    /// The model's name.
    pub name: String,
    /// A hash of the artifact's contents, which names this exact model.
    pub version: String,
    /// Class labels; empty for a regressor.
    pub classes: Vec<String>,
    /// Per input column (slot order), whether it is a date (logged as
    /// ISO-8601 text, as it was sent).
    pub dates: Vec<bool>,
}

/// One sampled request.
struct Entry {
    model: Arc<LogModel>,
    frame: Frame,
    /// The first output value of each row (class index or value).
    predictions: Vec<f32>,
    ids: Vec<Option<String>>,
    latency_ms: f64,
    unix_s: f64,
}

/// The open log: the queue into the writer thread and its counters.
pub struct PredictionLog {
    sample: f64,
    sender: Mutex<Option<SyncSender<Entry>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Sampling state (a Weyl sequence; no randomness needed).
    tick: AtomicU64,
    /// Requests dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Rows written.
    pub written: Arc<AtomicU64>,
    /// Write errors (each also logged on stderr once per kind of failure).
    pub errors: Arc<AtomicU64>,
}

impl PredictionLog {
    /// Opens (creates or appends to) the log file and starts its writer.
    pub fn open(config: &LogConfig) -> std::io::Result<PredictionLog> {
        let file = open_append(&config.path)?;
        let (sender, receiver) = mpsc::sync_channel(QUEUE_REQUESTS);
        let written = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let mut writer = Writer {
            path: config.path.clone(),
            size: file.metadata()?.len(),
            out: BufWriter::with_capacity(1 << 16, file),
            max_bytes: config.max_bytes,
            written: Arc::clone(&written),
            errors: Arc::clone(&errors),
            line: Vec::with_capacity(512),
        };
        let handle = std::thread::Builder::new()
            .name("mlg-prediction-log".into())
            .spawn(move || writer.run(&receiver))?;
        Ok(PredictionLog {
            sample: config.sample,
            sender: Mutex::new(Some(sender)),
            writer: Mutex::new(Some(handle)),
            tick: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            written,
            errors,
        })
    }

    /// Whether the next request is logged.
    pub fn sampled(&self) -> bool {
        if self.sample >= 1.0 {
            return true;
        }
        // Golden-ratio steps spread the logged requests evenly.
        let step = self.tick.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        (step as f64 / u64::MAX as f64) < self.sample
    }

    /// Queues one request's rows; never blocks.
    pub fn record(
        &self,
        model: &Arc<LogModel>,
        frame: Frame,
        predictions: Vec<f32>,
        ids: Vec<Option<String>>,
        latency_ms: f64,
    ) {
        let unix_s = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let entry = Entry {
            model: Arc::clone(model),
            frame,
            predictions,
            ids,
            latency_ms,
            unix_s,
        };
        let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        let Some(sender) = sender.as_ref() else {
            return;
        };
        match sender.try_send(entry) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The `mlg_prediction_log_*` families.
    pub fn render(&self, out: &mut String) {
        use crate::metrics::header;
        use std::fmt::Write;
        let families = [
            (
                "mlg_prediction_log_rows_total",
                "Rows written to the prediction log.",
                &*self.written,
            ),
            (
                "mlg_prediction_log_dropped_total",
                "Sampled requests not logged because the log's queue was full.",
                &self.dropped,
            ),
            (
                "mlg_prediction_log_errors_total",
                "Failed writes to the prediction log.",
                &*self.errors,
            ),
        ];
        for (name, help, counter) in families {
            header(out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
    }

    /// Stops taking requests, writes what is queued, flushes and waits for
    /// the writer.
    pub fn close(&self) {
        drop(self.sender.lock().unwrap_or_else(|e| e.into_inner()).take());
        if let Some(handle) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = handle.join();
        }
    }
}

impl Drop for PredictionLog {
    fn drop(&mut self) {
        self.close();
    }
}

fn open_append(path: &Path) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// The writer thread's side.
struct Writer {
    path: PathBuf,
    out: BufWriter<File>,
    size: u64,
    max_bytes: u64,
    written: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
    line: Vec<u8>,
}

impl Writer {
    /// Every [`POLL`]: writes what the queue holds and flushes. Polling
    /// instead of blocking on the queue spares a request the wake-up of this
    /// thread, and the file a write per request.
    fn run(&mut self, receiver: &Receiver<Entry>) {
        let mut failing = false;
        loop {
            let mut wrote = false;
            let closed = loop {
                match receiver.try_recv() {
                    Ok(entry) => {
                        let result = self.write(&entry);
                        self.report(result, &mut failing);
                        wrote = true;
                    }
                    Err(TryRecvError::Empty) => break false,
                    Err(TryRecvError::Disconnected) => break true,
                }
            };
            if wrote {
                let flushed = self.out.flush();
                self.report(flushed, &mut failing);
            }
            if closed {
                break;
            }
            std::thread::sleep(POLL);
        }
        let flushed = self.out.flush().and_then(|()| self.out.get_ref().sync_data());
        self.report(flushed, &mut failing);
    }

    /// Counts a failure, logging the first of a run of them.
    fn report(&self, result: std::io::Result<()>, failing: &mut bool) {
        match result {
            Ok(()) => *failing = false,
            Err(e) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                if !std::mem::replace(failing, true) {
                    let path = self.path.display().to_string();
                    let error = e.to_string();
                    crate::log::emit(&crate::log::Event {
                        level: "error",
                        event: "prediction_log_failed",
                        path: Some(&path),
                        error: Some(&error),
                        ..crate::log::Event::default()
                    });
                }
            }
        }
    }

    fn write(&mut self, entry: &Entry) -> std::io::Result<()> {
        for row in 0..entry.frame.n_rows {
            self.line.clear();
            line(&mut self.line, entry, row).map_err(std::io::Error::other)?;
            self.line.push(b'\n');
            if self.size > 0 && self.size + self.line.len() as u64 > self.max_bytes {
                self.rotate()?;
            }
            self.out.write_all(&self.line)?;
            self.size += self.line.len() as u64;
            self.written.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    /// `NAME` → `NAME.1`, older ones shifted up to `NAME.{KEEP}`, and a new
    /// `NAME` begun.
    fn rotate(&mut self) -> std::io::Result<()> {
        self.out.flush()?;
        let numbered = |n: usize| {
            let mut name = self.path.clone().into_os_string();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        for n in (1..KEEP).rev() {
            let from = numbered(n);
            if from.exists() {
                std::fs::rename(&from, numbered(n + 1))?;
            }
        }
        std::fs::rename(&self.path, numbered(1))?;
        self.out = BufWriter::with_capacity(1 << 16, open_append(&self.path)?);
        self.size = 0;
        Ok(())
    }
}

/// Row `row` of `entry` as one JSON object.
fn line(out: &mut Vec<u8>, entry: &Entry, row: usize) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::new(out);
    let mut map = ser.serialize_map(None)?;
    map.serialize_entry("mlg_ts", &entry.unix_s)?;
    map.serialize_entry("mlg_model", &entry.model.name)?;
    map.serialize_entry("mlg_model_version", &entry.model.version)?;
    if let Some(Some(id)) = entry.ids.get(row) {
        map.serialize_entry("mlg_id", id)?;
    }
    let value = entry.predictions[row];
    if !value.is_finite() {
        map.serialize_entry("mlg_prediction", &())?;
    } else if entry.model.classes.is_empty() {
        map.serialize_entry("mlg_prediction", &value)?;
    } else {
        let label = entry.model.classes.get(value as usize);
        map.serialize_entry("mlg_prediction", &label)?;
    }
    map.serialize_entry("mlg_latency_ms", &entry.latency_ms)?;
    for (c, column) in entry.frame.columns.iter().enumerate() {
        if column.missing[row] {
            map.serialize_entry(&column.name, &())?;
            continue;
        }
        match &column.data {
            ColumnData::Numeric(values) if entry.model.dates.get(c) == Some(&true) => {
                map.serialize_entry(&column.name, &iso(values[row]))?;
            }
            ColumnData::Numeric(values) => map.serialize_entry(&column.name, &values[row])?,
            ColumnData::Categorical { codes, levels } => {
                map.serialize_entry(&column.name, &levels[codes[row] as usize])?;
            }
        }
    }
    map.end()
}

/// Whole hours since the epoch (what a date input holds) as
/// `YYYY-MM-DDTHH:00Z`.
fn iso(hours: f64) -> String {
    let (year, month, day) = mlg_runtime::dates::civil(hours);
    let hour = mlg_runtime::dates::hour(hours);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:00Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_logged_as_the_text_they_parse_from() {
        for text in ["2024-02-29T13:00Z", "1999-12-31T00:00Z", "2100-03-01T23:00Z"] {
            let hours = mlg_runtime::dates::parse(text).unwrap();
            assert_eq!(iso(hours), text);
        }
        // Dates are whole hours: minutes were dropped when the text was read.
        assert_eq!(
            iso(mlg_runtime::dates::parse("2024-02-29T13:45+01:00").unwrap()),
            "2024-02-29T12:00Z"
        );
    }
}
