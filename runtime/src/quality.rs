//! Live quality: how good predictions were once their true labels are known.
//!
//! A [`QualityWindow`] holds the last `window` (prediction, label) pairs and
//! scores them: accuracy and macro precision, recall and F1 for a classifier
//! (averaged, as scikit-learn's `average="macro"`, over the classes that occur
//! among the window's labels or predictions; a class never predicted has
//! precision 0), MAE and RMSE for a regressor. [`QualityConfig`] is the
//! deploy statement's `monitor = quality(...)`: the window and the alert
//! thresholds, compared with the model's evaluated score (its baseline).
//! `mlg serve` fills a window from `POST /feedback`, `mlg monitor --labels`
//! from a file; both alert by [`QualityWindow::report`].

use crate::drift::ALERT_MIN_ROWS;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Window and thresholds of live quality monitoring (`monitor = quality(...)`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QualityConfig {
    /// Labelled rows in the sliding window (default 500).
    pub window: usize,
    /// A classifier alerts when the window's accuracy is this far below the
    /// baseline (default 0.05).
    pub accuracy_drop: f64,
    /// A regressor alerts when the window's RMSE exceeds the baseline's by
    /// this fraction (default 0.2: 20 % worse).
    pub rmse_rise: f64,
}

impl Default for QualityConfig {
    fn default() -> QualityConfig {
        QualityConfig {
            window: 500,
            accuracy_drop: 0.05,
            rmse_rise: 0.2,
        }
    }
}

/// One labelled prediction. For a classifier both are class indices in
/// output order (a label outside the model's classes is `-1`, always wrong);
/// for a regressor both are values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Labelled {
    /// What the model said.
    pub predicted: f64,
    /// What turned out to be true.
    pub label: f64,
}

/// The last `window` labelled predictions of one model.
#[derive(Clone, Debug)]
pub struct QualityWindow {
    /// Number of classes; 0 for a regressor.
    classes: usize,
    window: usize,
    pairs: VecDeque<Labelled>,
}

/// The scores of a window and whether they alert.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualityReport {
    /// Labelled rows in the window.
    pub rows: usize,
    /// Fraction of correct classes (classifiers).
    pub accuracy: Option<f64>,
    /// Macro precision (classifiers).
    pub precision: Option<f64>,
    /// Macro recall (classifiers).
    pub recall: Option<f64>,
    /// Macro F1 (classifiers).
    pub f1: Option<f64>,
    /// Mean absolute error (regressors).
    pub mae: Option<f64>,
    /// Root mean squared error (regressors).
    pub rmse: Option<f64>,
    /// The evaluated score compared against: accuracy for a classifier,
    /// RMSE for a regressor; `None` when the model has none.
    pub baseline: Option<f64>,
    /// Whether the window is worse than the baseline by more than the
    /// threshold (never before it holds `min(window, 100)` rows).
    pub alert: bool,
}

impl QualityReport {
    /// The scores by name (`accuracy`, `precision`, `recall`, `f1`, `mae`,
    /// `rmse`); a classifier's last two and a regressor's first four are `None`.
    pub fn scores(&self) -> [(&'static str, Option<f64>); 6] {
        [
            ("accuracy", self.accuracy),
            ("precision", self.precision),
            ("recall", self.recall),
            ("f1", self.f1),
            ("mae", self.mae),
            ("rmse", self.rmse),
        ]
    }
}

impl QualityWindow {
    /// An empty window of `window` rows (at least 1) for a model with
    /// `classes` classes (0 for a regressor).
    pub fn new(classes: usize, window: usize) -> QualityWindow {
        let window = window.max(1);
        QualityWindow {
            classes,
            window,
            pairs: VecDeque::with_capacity(window.min(1 << 16)),
        }
    }

    /// Adds one pair, dropping the oldest when the window is full.
    pub fn push(&mut self, pair: Labelled) {
        if self.pairs.len() == self.window {
            self.pairs.pop_front();
        }
        self.pairs.push_back(pair);
    }

    /// Labelled rows held.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether no labelled row is held.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Scores the window against `baseline` under `config`.
    pub fn report(&self, config: &QualityConfig, baseline: Option<f64>) -> QualityReport {
        let rows = self.pairs.len();
        let mut report = QualityReport {
            rows,
            accuracy: None,
            precision: None,
            recall: None,
            f1: None,
            mae: None,
            rmse: None,
            baseline,
            alert: false,
        };
        if rows == 0 {
            return report;
        }
        let enough = rows >= self.window.min(ALERT_MIN_ROWS);
        if self.classes > 0 {
            let (accuracy, precision, recall, f1) = self.classification();
            report.accuracy = Some(accuracy);
            report.precision = Some(precision);
            report.recall = Some(recall);
            report.f1 = Some(f1);
            report.alert = enough && baseline.is_some_and(|b| accuracy < b - config.accuracy_drop);
        } else {
            let n = rows as f64;
            let mae = self
                .pairs
                .iter()
                .map(|p| (p.predicted - p.label).abs())
                .sum::<f64>()
                / n;
            let mse = self
                .pairs
                .iter()
                .map(|p| (p.predicted - p.label).powi(2))
                .sum::<f64>()
                / n;
            let rmse = mse.sqrt();
            report.mae = Some(mae);
            report.rmse = Some(rmse);
            report.alert = enough && baseline.is_some_and(|b| rmse > b * (1.0 + config.rmse_rise));
        }
        report
    }

    /// Accuracy and macro precision, recall and F1 over the classes seen.
    fn classification(&self) -> (f64, f64, f64, f64) {
        // Per class: true positives, predicted count, labelled count; the
        // last slot gathers labels outside the model's classes.
        let slots = self.classes + 1;
        let mut tp = vec![0usize; slots];
        let mut predicted = vec![0usize; slots];
        let mut actual = vec![0usize; slots];
        let slot = |v: f64| {
            if v >= 0.0 && (v as usize) < self.classes {
                v as usize
            } else {
                self.classes
            }
        };
        let mut correct = 0usize;
        for p in &self.pairs {
            let (guess, truth) = (slot(p.predicted), slot(p.label));
            predicted[guess] += 1;
            actual[truth] += 1;
            // An unknown label is never right, even against an unknown guess.
            if guess == truth && truth < self.classes {
                tp[guess] += 1;
                correct += 1;
            }
        }
        let mut sums = (0.0, 0.0, 0.0);
        let mut seen = 0usize;
        for c in 0..slots {
            if predicted[c] == 0 && actual[c] == 0 {
                continue;
            }
            seen += 1;
            let ratio = |num: usize, den: usize| if den == 0 { 0.0 } else { num as f64 / den as f64 };
            let precision = ratio(tp[c], predicted[c]);
            let recall = ratio(tp[c], actual[c]);
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            sums.0 += precision;
            sums.1 += recall;
            sums.2 += f1;
        }
        let seen = seen.max(1) as f64;
        let accuracy = correct as f64 / self.pairs.len() as f64;
        (accuracy, sums.0 / seen, sums.1 / seen, sums.2 / seen)
    }
}

/// The baseline a model's live quality is compared with: its evaluated
/// `accuracy` (classifiers) or `rmse` (regressors), from the artifact's
/// metrics.
pub fn baseline(metrics: &std::collections::BTreeMap<String, f64>, classifier: bool) -> Option<f64> {
    metrics
        .get(if classifier { "accuracy" } else { "rmse" })
        .copied()
        .filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(predicted: f64, label: f64) -> Labelled {
        Labelled { predicted, label }
    }

    #[test]
    fn classification_scores_match_scikit_learn_macro_averages() {
        // y_true = [0, 0, 1, 1, 2], y_pred = [0, 1, 1, 1, 0]: scikit-learn gives
        // accuracy 0.6, macro precision (0.5 + 2/3 + 0) / 3, recall (0.5 + 1 + 0) / 3,
        // F1 (0.5 + 0.8 + 0) / 3.
        let mut w = QualityWindow::new(3, 10);
        for (p, l) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (1.0, 1.0), (0.0, 2.0)] {
            w.push(pair(p, l));
        }
        let r = w.report(&QualityConfig::default(), Some(0.9));
        assert_eq!(r.rows, 5);
        assert!((r.accuracy.unwrap() - 0.6).abs() < 1e-12);
        assert!((r.precision.unwrap() - (0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        assert!((r.recall.unwrap() - 0.5).abs() < 1e-12);
        assert!((r.f1.unwrap() - 1.3 / 3.0).abs() < 1e-12);
        // Five rows are fewer than min(window, 100): no alert yet.
        assert!(!r.alert);
    }

    #[test]
    fn the_window_slides_and_alerts_below_the_baseline() {
        let config = QualityConfig {
            window: 10,
            accuracy_drop: 0.05,
            rmse_rise: 0.2,
        };
        let mut w = QualityWindow::new(2, config.window);
        for _ in 0..10 {
            w.push(pair(1.0, 1.0));
        }
        assert!(!w.report(&config, Some(0.9)).alert);
        // Two wrong answers: accuracy 0.8 < 0.9 - 0.05.
        w.push(pair(0.0, 1.0));
        w.push(pair(1.0, 0.0));
        let r = w.report(&config, Some(0.9));
        assert_eq!(r.rows, 10);
        assert_eq!(r.accuracy, Some(0.8));
        assert!(r.alert);
        // No baseline, no alert.
        assert!(!w.report(&config, None).alert);
    }

    #[test]
    fn unknown_labels_are_always_wrong() {
        let mut w = QualityWindow::new(2, 10);
        w.push(pair(0.0, -1.0));
        w.push(pair(0.0, 0.0));
        assert_eq!(w.report(&QualityConfig::default(), None).accuracy, Some(0.5));
    }

    #[test]
    fn regression_scores_and_alert() {
        let config = QualityConfig {
            window: 4,
            ..QualityConfig::default()
        };
        let mut w = QualityWindow::new(0, 4);
        for (p, l) in [(1.0, 2.0), (3.0, 1.0), (0.0, 0.0), (5.0, 5.0)] {
            w.push(pair(p, l));
        }
        let r = w.report(&config, Some(1.0));
        assert_eq!(r.mae, Some(0.75));
        assert!((r.rmse.unwrap() - (5.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!(r.accuracy.is_none());
        // RMSE 1.118 is within 20 % of 1.0; against 0.9 it is not.
        assert!(!r.alert);
        assert!(w.report(&config, Some(0.9)).alert);
    }
}
