//! The server's Prometheus metrics: lock-free counters and histograms updated on
//! the request path, written out in the text exposition format (version 0.0.4)
//! by [`Metrics::render`].

mod connections;

pub use connections::{Connections, Shed};
use mlg_runtime::drift::DriftReport;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The `Content-Type` of the exposition [`Metrics::render`] writes.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds (seconds) of the request latency histogram's buckets.
const DURATION_BUCKETS: [f64; 16] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];
/// Upper bounds of the batch size histogram's buckets (rows per request).
const BATCH_BUCKETS: [f64; 11] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 500.0, 1000.0, 5000.0, 10000.0,
];
/// Upper bounds of the regression prediction histogram: decades on both sides of
/// zero (the artifact knows nothing of the target's range).
const VALUE_BUCKETS: [f64; 15] = [
    -1e4, -1e3, -1e2, -10.0, -1.0, -0.1, -0.01, 0.0, 0.01, 0.1, 1.0, 10.0, 1e2, 1e3, 1e4,
];

/// The endpoints requests are counted under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// `POST /predict`.
    Predict,
    /// `GET /health`.
    Health,
    /// `GET /model`.
    Model,
    /// `GET /metrics`.
    Metrics,
    /// `POST /reload`.
    Reload,
    /// `POST /feedback`.
    Feedback,
    /// Any other path.
    Other,
}

impl Endpoint {
    /// Every endpoint, in exposition order.
    pub const ALL: [Endpoint; 7] = [
        Endpoint::Predict,
        Endpoint::Health,
        Endpoint::Model,
        Endpoint::Metrics,
        Endpoint::Reload,
        Endpoint::Feedback,
        Endpoint::Other,
    ];

    /// The endpoint a request path belongs to.
    pub fn of_path(path: &str) -> Endpoint {
        match path {
            "/predict" => Endpoint::Predict,
            "/health" => Endpoint::Health,
            "/model" => Endpoint::Model,
            "/metrics" => Endpoint::Metrics,
            "/reload" => Endpoint::Reload,
            "/feedback" => Endpoint::Feedback,
            _ => Endpoint::Other,
        }
    }

    /// The `endpoint` label value.
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Predict => "predict",
            Endpoint::Health => "health",
            Endpoint::Model => "model",
            Endpoint::Metrics => "metrics",
            Endpoint::Reload => "reload",
            Endpoint::Feedback => "feedback",
            Endpoint::Other => "other",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A cumulative histogram with fixed bucket bounds, updated without locks.
#[derive(Debug)]
pub struct Histogram {
    bounds: Vec<f64>,
    /// One count per bound, then the `+Inf` bucket (not cumulative).
    counts: Vec<AtomicU64>,
    /// The sum of observations, as `f64` bits.
    sum: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    /// A histogram with these ascending upper bounds (a `+Inf` bucket is implied).
    pub fn new(bounds: &[f64]) -> Histogram {
        Histogram {
            bounds: bounds.to_vec(),
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0f64.to_bits()),
            count: AtomicU64::new(0),
        }
    }

    /// Records one observation (NaN counts only in `+Inf` and `_count`).
    pub fn observe(&self, value: f64) {
        let bucket = if value.is_nan() {
            self.bounds.len()
        } else {
            self.bounds.partition_point(|b| value > *b)
        };
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        if !value.is_nan() {
            add_f64(&self.sum, value);
        }
    }

    /// Total observations.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Writes the `_bucket`, `_sum` and `_count` samples of `name`, each with the
    /// extra `labels` (`key="value"` pairs already escaped, or empty).
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0u64;
        for (bound, count) in self.bounds.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{}\"}} {cumulative}",
                number(*bound)
            );
        }
        cumulative += self.counts[self.bounds.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cumulative}");
        let sum = f64::from_bits(self.sum.load(Ordering::Relaxed));
        let braces = |l: &str| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{{{l}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {}", braces(labels), number(sum));
        let _ = writeln!(out, "{name}_count{} {cumulative}", braces(labels));
    }
}

/// Adds `value` to the `f64` stored as bits in `cell`.
fn add_f64(cell: &AtomicU64, value: f64) {
    let mut current = cell.load(Ordering::Relaxed);
    loop {
        let next = (f64::from_bits(current) + value).to_bits();
        match cell.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return,
            Err(actual) => current = actual,
        }
    }
}

/// A sample value in exposition syntax (`+Inf`, `-Inf`, `NaN`, or the shortest
/// decimal that reads back to the same `f64`).
pub fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else {
        format!("{value}")
    }
}

/// A label value escaped for the exposition format (`\\`, `\"`, `\n`).
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// What the exposition needs from the model being served right now.
pub struct ModelView<'a> {
    /// The model's name (`mlg_model_info{name}`).
    pub name: &'a str,
    /// The mlg version that wrote the artifact (`mlg_model_info{version}`).
    pub version: &'a str,
    /// True for a classifier (class counters instead of the value histogram).
    pub classifier: bool,
    /// Drift over the current window.
    pub drift: &'a DriftReport,
}

/// Every metric the server exports. Counters live for the whole process, across
/// reloads.
#[derive(Debug)]
pub struct Metrics {
    /// Requests by endpoint, then by status code.
    requests: [RwLock<BTreeMap<u16, Arc<AtomicU64>>>; Endpoint::ALL.len()],
    durations: [Histogram; Endpoint::ALL.len()],
    batch_rows: Histogram,
    /// Predicted rows by class label.
    classes: RwLock<BTreeMap<String, Arc<AtomicU64>>>,
    /// Regression predictions.
    values: Histogram,
    reloads: AtomicU64,
    /// Open, shed and timed-out connections.
    pub connections: Connections,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty metrics.
    pub fn new() -> Metrics {
        Metrics {
            requests: std::array::from_fn(|_| RwLock::new(BTreeMap::new())),
            durations: std::array::from_fn(|_| Histogram::new(&DURATION_BUCKETS)),
            batch_rows: Histogram::new(&BATCH_BUCKETS),
            classes: RwLock::new(BTreeMap::new()),
            values: Histogram::new(&VALUE_BUCKETS),
            reloads: AtomicU64::new(0),
            connections: Connections::default(),
        }
    }

    /// Counts one finished request and its latency.
    pub fn request(&self, endpoint: Endpoint, status: u16, elapsed: Duration) {
        self.durations[endpoint.index()].observe(elapsed.as_secs_f64());
        let by_status = &self.requests[endpoint.index()];
        let read = by_status.read().unwrap_or_else(|e| e.into_inner());
        if let Some(counter) = read.get(&status) {
            counter.fetch_add(1, Ordering::Relaxed);
            return;
        }
        drop(read);
        let mut write = by_status.write().unwrap_or_else(|e| e.into_inner());
        write.entry(status).or_default().fetch_add(1, Ordering::Relaxed);
    }

    /// Requests counted for `endpoint` with `status`.
    pub fn requests(&self, endpoint: Endpoint, status: u16) -> u64 {
        let by_status = self.requests[endpoint.index()]
            .read()
            .unwrap_or_else(|e| e.into_inner());
        by_status.get(&status).map_or(0, |c| c.load(Ordering::Relaxed))
    }

    /// Records the row count of one predicted batch.
    pub fn batch(&self, rows: usize) {
        self.batch_rows.observe(rows as f64);
    }

    /// The counters of `classes` (registered on first use), in that order, for
    /// [`Metrics::count_class`].
    pub fn class_counters(&self, classes: &[String]) -> Vec<Arc<AtomicU64>> {
        let mut map = self.classes.write().unwrap_or_else(|e| e.into_inner());
        classes
            .iter()
            .map(|c| map.entry(c.clone()).or_default().clone())
            .collect()
    }

    /// Records one regression prediction.
    pub fn prediction_value(&self, value: f64) {
        self.values.observe(value);
    }

    /// Counts one successful reload.
    pub fn reloaded(&self) {
        self.reloads.fetch_add(1, Ordering::Relaxed);
    }

    /// Successful reloads so far.
    pub fn reloads(&self) -> u64 {
        self.reloads.load(Ordering::Relaxed)
    }

    /// The whole exposition, HELP and TYPE lines included.
    pub fn render(&self, model: &ModelView<'_>) -> String {
        let mut out = String::with_capacity(8192);
        header(
            &mut out,
            "mlg_requests_total",
            "counter",
            "HTTP requests handled, by endpoint and status code.",
        );
        for endpoint in Endpoint::ALL {
            let by_status = self.requests[endpoint.index()]
                .read()
                .unwrap_or_else(|e| e.into_inner());
            for (status, count) in by_status.iter() {
                let _ = writeln!(
                    out,
                    "mlg_requests_total{{endpoint=\"{}\",status=\"{status}\"}} {}",
                    endpoint.label(),
                    count.load(Ordering::Relaxed)
                );
            }
        }
        header(
            &mut out,
            "mlg_request_duration_seconds",
            "histogram",
            "Time from request to response, by endpoint.",
        );
        for endpoint in Endpoint::ALL {
            let histogram = &self.durations[endpoint.index()];
            if histogram.count() > 0 {
                let labels = format!("endpoint=\"{}\"", endpoint.label());
                histogram.write(&mut out, "mlg_request_duration_seconds", &labels);
            }
        }
        header(
            &mut out,
            "mlg_batch_rows",
            "histogram",
            "Rows per successful /predict request.",
        );
        self.batch_rows.write(&mut out, "mlg_batch_rows", "");
        if model.classifier {
            header(
                &mut out,
                "mlg_predictions_total",
                "counter",
                "Predicted rows by predicted class.",
            );
            let classes = self.classes.read().unwrap_or_else(|e| e.into_inner());
            for (class, count) in classes.iter() {
                let _ = writeln!(
                    out,
                    "mlg_predictions_total{{class=\"{}\"}} {}",
                    escape_label(class),
                    count.load(Ordering::Relaxed)
                );
            }
        } else {
            header(
                &mut out,
                "mlg_prediction_value",
                "histogram",
                "Predicted values of the regression model.",
            );
            self.values.write(&mut out, "mlg_prediction_value", "");
        }
        self.render_drift(&mut out, model.drift);
        header(
            &mut out,
            "mlg_model_reloads_total",
            "counter",
            "Successful model reloads.",
        );
        let _ = writeln!(out, "mlg_model_reloads_total {}", self.reloads());
        self.connections.render(&mut out);
        header(
            &mut out,
            "mlg_model_info",
            "gauge",
            "The model being served (always 1).",
        );
        let _ = writeln!(
            out,
            "mlg_model_info{{name=\"{}\",version=\"{}\"}} 1",
            escape_label(model.name),
            escape_label(model.version)
        );
        out
    }

    fn render_drift(&self, out: &mut String, drift: &DriftReport) {
        header(
            out,
            "mlg_drift_psi",
            "gauge",
            "Population stability index of each feature over the drift window.",
        );
        for f in &drift.features {
            let _ = writeln!(
                out,
                "mlg_drift_psi{{feature=\"{}\"}} {}",
                escape_label(&f.feature),
                number(f.psi)
            );
        }
        header(
            out,
            "mlg_drift_ks",
            "gauge",
            "Kolmogorov-Smirnov statistic of each numeric feature over the drift window.",
        );
        for f in &drift.features {
            if let Some(ks) = f.ks {
                let _ = writeln!(
                    out,
                    "mlg_drift_ks{{feature=\"{}\"}} {}",
                    escape_label(&f.feature),
                    number(ks)
                );
            }
        }
        header(
            out,
            "mlg_drift_alert",
            "gauge",
            "1 while any feature's drift is above its threshold.",
        );
        let _ = writeln!(out, "mlg_drift_alert {}", u8::from(drift.alert));
        header(out, "mlg_drift_window_rows", "gauge", "Rows in the drift window.");
        let _ = writeln!(out, "mlg_drift_window_rows {}", drift.rows);
    }
}

/// The HELP and TYPE lines of one metric family.
pub(crate) fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlg_runtime::drift::FeatureDrift;

    fn report(alert: bool) -> DriftReport {
        DriftReport {
            rows: 3,
            features: vec![
                FeatureDrift {
                    feature: "x".into(),
                    psi: 0.5,
                    ks: Some(0.25),
                    alert,
                },
                FeatureDrift {
                    feature: "c\"q".into(),
                    psi: 0.0,
                    ks: None,
                    alert: false,
                },
            ],
            alert,
        }
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_sum_and_count() {
        let h = Histogram::new(&[1.0, 2.0]);
        for v in [0.5, 1.0, 1.5, 7.0] {
            h.observe(v);
        }
        let mut out = String::new();
        h.write(&mut out, "h", "a=\"b\"");
        assert_eq!(
            out,
            "h_bucket{a=\"b\",le=\"1\"} 2\nh_bucket{a=\"b\",le=\"2\"} 3\nh_bucket{a=\"b\",le=\"+Inf\"} 4\n\
             h_sum{a=\"b\"} 10\nh_count{a=\"b\"} 4\n"
        );
        let mut bare = String::new();
        h.write(&mut bare, "h", "");
        assert!(bare.starts_with("h_bucket{le=\"1\"} 2\n"));
        assert!(bare.ends_with("h_sum 10\nh_count 4\n"));
    }

    #[test]
    fn render_counts_requests_and_escapes_labels() {
        let m = Metrics::new();
        m.request(Endpoint::Predict, 200, Duration::from_micros(30));
        m.request(Endpoint::Predict, 200, Duration::from_micros(30));
        m.request(Endpoint::Predict, 422, Duration::from_micros(30));
        let counters = m.class_counters(&["a\\b".to_string(), "c".to_string()]);
        counters[0].fetch_add(2, Ordering::Relaxed);
        m.reloaded();
        let text = m.render(&ModelView {
            name: "lr",
            version: "0.1.0",
            classifier: true,
            drift: &report(true),
        });
        assert!(text.contains("mlg_requests_total{endpoint=\"predict\",status=\"200\"} 2\n"));
        assert!(text.contains("mlg_requests_total{endpoint=\"predict\",status=\"422\"} 1\n"));
        assert!(text.contains("mlg_request_duration_seconds_count{endpoint=\"predict\"} 3\n"));
        assert!(text.contains("mlg_predictions_total{class=\"a\\\\b\"} 2\n"));
        assert!(text.contains("mlg_drift_psi{feature=\"c\\\"q\"} 0\n"));
        assert!(text.contains("mlg_drift_ks{feature=\"x\"} 0.25\n"));
        assert!(!text.contains("mlg_drift_ks{feature=\"c"));
        assert!(text.contains("mlg_drift_alert 1\n"));
        assert!(text.contains("mlg_model_reloads_total 1\n"));
        assert!(text.contains("mlg_model_info{name=\"lr\",version=\"0.1.0\"} 1\n"));
        assert!(!text.contains("mlg_prediction_value"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap_or_default();
            assert!(
                value == "+Inf" || value == "NaN" || value.parse::<f64>().is_ok(),
                "{line}"
            );
        }
    }

    #[test]
    fn regression_exports_the_value_histogram() {
        let m = Metrics::new();
        m.prediction_value(5.0);
        m.prediction_value(f64::NAN);
        let text = m.render(&ModelView {
            name: "r",
            version: "v",
            classifier: false,
            drift: &report(false),
        });
        assert!(text.contains("# TYPE mlg_prediction_value histogram\n"));
        assert!(text.contains("mlg_prediction_value_bucket{le=\"10\"} 1\n"));
        assert!(text.contains("mlg_prediction_value_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("mlg_prediction_value_sum 5\n"));
        assert!(!text.contains("mlg_predictions_total"));
        assert!(text.contains("mlg_drift_alert 0\n"));
    }

    #[test]
    fn numbers_use_exposition_spelling() {
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(0.00005), "0.00005");
        assert_eq!(escape_label("a\nb"), "a\\nb");
    }
}
