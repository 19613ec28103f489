//! Live quality in the server: predictions answered for rows that carried an
//! `id` are remembered; `POST /feedback` brings their true labels, which are
//! joined to them and scored over a sliding window
//! ([`mlg_runtime::quality::QualityWindow`]), exported to `/metrics` and
//! compared with the model's evaluated score to raise `mlg_quality_alert`.
//!
//! At most [`PENDING_IDS`] ids wait for a label; past that the oldest are
//! forgotten (a label for one is counted as an unknown id). An id sent again
//! replaces its earlier prediction; a label joins once, so a second label
//! for the same id is unknown too. The store belongs to one loaded model: a
//! reload starts a new one.

use crate::log;
use crate::metrics::{header, number};
use mlg_runtime::quality::{self, Labelled, QualityConfig, QualityReport, QualityWindow};
use mlg_runtime::Model;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::fmt::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// Predictions remembered for a label at most.
pub const PENDING_IDS: usize = 100_000;

/// One true label from `POST /feedback`.
#[derive(Clone, Debug, PartialEq)]
pub enum Label {
    /// A class label (a number label is matched by its text).
    Class(String),
    /// A regression target.
    Value(f64),
}

/// What one feedback request did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Joined {
    /// Labels joined to a remembered prediction.
    pub joined: usize,
    /// Labels whose id is not (or no longer) remembered.
    pub unknown_ids: usize,
}

/// The live quality of the model being served.
pub struct Quality {
    config: QualityConfig,
    /// Whether `config` came from the artifact's `monitor = quality(...)`.
    from_artifact: bool,
    baseline: Option<f64>,
    /// Class label → output index; empty for a regressor.
    classes: HashMap<String, usize>,
    inner: Mutex<Inner>,
    joined: AtomicU64,
    unknown: AtomicU64,
    alerting: AtomicBool,
    model: String,
}

/// The remembered predictions and the window, under one lock.
struct Inner {
    /// id → (sequence number, predicted class index or value).
    pending: HashMap<String, (u64, f64)>,
    /// Ids in the order remembered; an entry whose sequence number no longer
    /// matches `pending` was replaced or joined and is skipped.
    order: VecDeque<(u64, String)>,
    next: u64,
    window: QualityWindow,
}

impl Quality {
    /// The quality store of `model`: the artifact's settings or the defaults,
    /// and its evaluated accuracy (or RMSE) as the baseline.
    pub fn new(model: &Model) -> Quality {
        let artifact = model.artifact();
        let classifier = !model.classes().is_empty();
        let config = artifact.quality.clone().unwrap_or_default();
        Quality {
            from_artifact: artifact.quality.is_some(),
            baseline: quality::baseline(&artifact.metrics, classifier),
            classes: model
                .classes()
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i))
                .collect(),
            inner: Mutex::new(Inner {
                pending: HashMap::new(),
                order: VecDeque::new(),
                next: 0,
                window: QualityWindow::new(model.classes().len(), config.window),
            }),
            config,
            joined: AtomicU64::new(0),
            unknown: AtomicU64::new(0),
            alerting: AtomicBool::new(false),
            model: model.name().to_string(),
        }
    }

    /// The window and thresholds in force.
    pub fn config(&self) -> &QualityConfig {
        &self.config
    }

    /// Whether the settings came from the artifact (else the defaults).
    pub fn from_artifact(&self) -> bool {
        self.from_artifact
    }

    /// Whether the model is a classifier.
    pub fn classifier(&self) -> bool {
        !self.classes.is_empty()
    }

    /// Remembers the prediction of every row with an id: the first value of
    /// each `width`-value output row (a class index or a value). Rows
    /// answered null (not finite) are not remembered.
    pub fn remember(&self, ids: &[Option<String>], values: &[f32], width: usize) {
        if ids.iter().all(Option::is_none) {
            return;
        }
        let mut inner = self.lock();
        for (id, row) in ids.iter().zip(values.chunks_exact(width.max(1))) {
            let (Some(id), true) = (id, row[0].is_finite()) else {
                continue;
            };
            let seq = inner.next;
            inner.next += 1;
            inner.pending.insert(id.clone(), (seq, f64::from(row[0])));
            inner.order.push_back((seq, id.clone()));
            while inner.order.len() > PENDING_IDS {
                let Some((old, id)) = inner.order.pop_front() else {
                    break;
                };
                if inner.pending.get(&id).is_some_and(|&(s, _)| s == old) {
                    inner.pending.remove(&id);
                }
            }
        }
    }

    /// Joins each label to the prediction remembered for its id.
    pub fn feedback(&self, labels: &[(String, Label)]) -> Joined {
        let mut outcome = Joined::default();
        {
            let mut inner = self.lock();
            for (id, label) in labels {
                let Some((_, predicted)) = inner.pending.remove(id) else {
                    outcome.unknown_ids += 1;
                    continue;
                };
                let label = match label {
                    Label::Class(text) => self.classes.get(text).map_or(-1.0, |&c| c as f64),
                    Label::Value(v) => *v,
                };
                inner.window.push(Labelled { predicted, label });
                outcome.joined += 1;
            }
            // The order queue only shrinks as ids are remembered; keep it from
            // outgrowing the live ids by far when labels arrive quickly.
            if inner.order.len() > 2 * inner.pending.len() + 1024 {
                let Inner { pending, order, .. } = &mut *inner;
                order.retain(|(seq, id)| pending.get(id).is_some_and(|&(s, _)| s == *seq));
            }
        }
        self.joined.fetch_add(outcome.joined as u64, Ordering::Relaxed);
        self.unknown
            .fetch_add(outcome.unknown_ids as u64, Ordering::Relaxed);
        self.report();
        outcome
    }

    /// The window's scores; logs the alert turning on or off.
    pub fn report(&self) -> QualityReport {
        let report = self.lock().window.report(&self.config, self.baseline);
        if self.alerting.swap(report.alert, Ordering::Relaxed) != report.alert {
            log::emit(&QualityEvent {
                level: if report.alert { "warn" } else { "info" },
                event: if report.alert {
                    "quality_alert"
                } else {
                    "quality_cleared"
                },
                report: &report,
                window: self.config.window,
                model: &self.model,
            });
        }
        report
    }

    /// Ids waiting for a label.
    pub fn pending(&self) -> usize {
        self.lock().pending.len()
    }

    /// The `mlg_feedback_total` and `mlg_quality*` families.
    pub fn render(&self, out: &mut String, report: &QualityReport) {
        header(
            out,
            "mlg_feedback_total",
            "counter",
            "Labels received by POST /feedback: joined to a prediction, or for an unknown id.",
        );
        let joined = self.joined.load(Ordering::Relaxed);
        let unknown = self.unknown.load(Ordering::Relaxed);
        let _ = writeln!(out, "mlg_feedback_total{{result=\"joined\"}} {joined}");
        let _ = writeln!(out, "mlg_feedback_total{{result=\"unknown_id\"}} {unknown}");
        header(
            out,
            "mlg_quality",
            "gauge",
            "Live quality over the window of labelled predictions, by metric.",
        );
        for (metric, value) in report.scores() {
            if let Some(v) = value {
                let _ = writeln!(out, "mlg_quality{{metric=\"{metric}\"}} {}", number(v));
            }
        }
        header(
            out,
            "mlg_quality_baseline",
            "gauge",
            "The model's evaluated accuracy (classifier) or RMSE (regressor) the window is compared with.",
        );
        if let Some(b) = report.baseline {
            let metric = if self.classifier() { "accuracy" } else { "rmse" };
            let _ = writeln!(out, "mlg_quality_baseline{{metric=\"{metric}\"}} {}", number(b));
        }
        header(
            out,
            "mlg_quality_alert",
            "gauge",
            "1 while the window's quality is worse than the baseline by more than the threshold.",
        );
        let _ = writeln!(out, "mlg_quality_alert {}", u8::from(report.alert));
        header(
            out,
            "mlg_quality_window_rows",
            "gauge",
            "Labelled predictions in the quality window.",
        );
        let _ = writeln!(out, "mlg_quality_window_rows {}", report.rows);
        header(
            out,
            "mlg_quality_pending_ids",
            "gauge",
            "Predictions with an id waiting for a label.",
        );
        let _ = writeln!(out, "mlg_quality_pending_ids {}", self.pending());
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The quality alert turning on (`quality_alert`) or off (`quality_cleared`).
#[derive(Serialize)]
struct QualityEvent<'a> {
    level: &'a str,
    event: &'a str,
    #[serde(flatten)]
    report: &'a QualityReport,
    window: usize,
    model: &'a str,
}
