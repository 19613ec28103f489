//! Input anomalies of the rows served ([`mlg_runtime::anomaly`]), counted
//! per feature and kind for `/metrics` as
//! `mlg_input_anomalies_total{feature, kind}`. The counts belong to one
//! loaded model: a reload starts them from zero (Prometheus' `rate` reads
//! that as a counter reset).

use crate::metrics::{escape_label, header};
use mlg_runtime::anomaly::{AnomalyCheck, KINDS};
use mlg_runtime::Frame;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The anomaly counters of the model being served.
pub struct Anomalies {
    check: AnomalyCheck,
    /// Per feature (profile order), per kind.
    counts: Vec<[AtomicU64; 3]>,
}

impl Anomalies {
    /// Counters for the features of `check`, all zero.
    pub fn new(check: AnomalyCheck) -> Anomalies {
        let counts = check.features().map(|_| Default::default()).collect();
        Anomalies { check, counts }
    }

    /// Counts the anomalies of `frame`'s rows.
    pub fn observe(&self, frame: &Frame) {
        for (counters, counts) in self.counts.iter().zip(self.check.count(frame)) {
            for (counter, n) in counters.iter().zip(counts) {
                if n > 0 {
                    counter.fetch_add(n, Ordering::Relaxed);
                }
            }
        }
    }

    /// The `mlg_input_anomalies_total` family, every feature and kind.
    pub fn render(&self, out: &mut String) {
        header(
            out,
            "mlg_input_anomalies_total",
            "counter",
            "Input values the training rows never showed, by feature and kind: out_of_range \
             (outside the training min..max), unseen_category, unexpected_missing (training had none).",
        );
        for (feature, counters) in self.check.features().zip(&self.counts) {
            for (kind, counter) in KINDS.iter().zip(counters) {
                let _ = writeln!(
                    out,
                    "mlg_input_anomalies_total{{feature=\"{}\",kind=\"{kind}\"}} {}",
                    escape_label(feature),
                    counter.load(Ordering::Relaxed)
                );
            }
        }
    }
}
