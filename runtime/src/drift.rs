//! Drift of new rows against an artifact's training profile: PSI per feature
//! (numeric values binned with the profile's fixed edges, categorical values by
//! level, each with `other` and `missing` buckets) and, for numeric features, the
//! two-sample KS statistic of the new values against the training CDF that the
//! profile's percentiles describe.
//!
//! PSI is `Σ (a - e) · ln(a / e)` over the buckets, `a` the new and `e` the
//! training share of a bucket, each floored at [`EPSILON`] so an empty bucket
//! contributes a large but finite term. A feature alerts when its PSI exceeds
//! `psi` or its KS exceeds `ks`, and only once at least
//! [`min_alert_rows`]`(window)` = `min(window, 100)` rows were compared: fewer
//! rows make both statistics too noisy to act on.

use crate::frame::{Column, Frame};
use crate::profile::{
    bin_of, cdf_left, cdf_right, level_buckets, numeric_values, DataProfile, FeatureProfile, FeatureStats,
};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Mutex;

/// The floor of every bucket share in PSI.
pub const EPSILON: f64 = 1e-4;
/// Rows a window must hold before it may alert, when the window is larger.
pub const ALERT_MIN_ROWS: usize = 100;

/// Thresholds and window size of drift monitoring (`monitor = drift(...)`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftConfig {
    /// PSI above this alerts (default 0.2).
    pub psi: f64,
    /// KS statistic above this alerts (default 0.1).
    pub ks: f64,
    /// Rows in the sliding window (default 1000).
    pub window: usize,
}

impl Default for DriftConfig {
    fn default() -> DriftConfig {
        DriftConfig {
            psi: 0.2,
            ks: 0.1,
            window: 1000,
        }
    }
}

/// The drift of one feature.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureDrift {
    /// The input column.
    pub feature: String,
    /// Population stability index against the training profile.
    pub psi: f64,
    /// KS statistic (numeric features with values on both sides; `None` otherwise).
    pub ks: Option<f64>,
    /// Whether this feature crossed a threshold.
    pub alert: bool,
}

/// Drift of every profiled feature over the rows compared.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DriftReport {
    /// Rows compared (those in the window, for a monitor).
    pub rows: usize,
    /// One entry per profiled feature, in profile order.
    pub features: Vec<FeatureDrift>,
    /// Whether any feature alerts.
    pub alert: bool,
}

impl DriftReport {
    /// The features that alert.
    pub fn alerting(&self) -> impl Iterator<Item = &FeatureDrift> {
        self.features.iter().filter(|f| f.alert)
    }
}

/// Rows compared before a feature may alert: `min(window, 100)` (at least 1).
pub fn min_alert_rows(window: usize) -> usize {
    window.clamp(1, ALERT_MIN_ROWS)
}

/// The new rows of one feature: numeric values (NaN = missing) or level buckets.
#[derive(Clone, Debug)]
enum Sample {
    Numeric(VecDeque<f64>),
    Buckets(VecDeque<u32>),
}

impl Sample {
    fn empty(feature: &FeatureProfile) -> Sample {
        match feature.stats {
            FeatureStats::Numeric(_) => Sample::Numeric(VecDeque::new()),
            FeatureStats::Categorical(_) => Sample::Buckets(VecDeque::new()),
        }
    }

    /// Appends rows `rows` of `column`, then drops the oldest beyond `cap`.
    fn push(
        &mut self,
        feature: &FeatureProfile,
        column: Option<&Column>,
        rows: std::ops::Range<usize>,
        cap: usize,
    ) {
        match (self, &feature.stats) {
            (Sample::Numeric(values), _) => {
                values.extend(numeric_values(column, rows));
                let excess = values.len().saturating_sub(cap);
                values.drain(..excess);
            }
            (Sample::Buckets(buckets), FeatureStats::Categorical(c)) => {
                buckets.extend(level_buckets(&c.levels, column, rows));
                let excess = buckets.len().saturating_sub(cap);
                buckets.drain(..excess);
            }
            (Sample::Buckets(_), FeatureStats::Numeric(_)) => {}
        }
    }
}

/// The training and new row counts of every bucket of one feature, with labels.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeatureBins {
    /// The input column.
    pub feature: String,
    /// One label per bucket: `<= e0`, `(e0, e1]`, …, `> eN`, or the levels, then
    /// `other` (categorical only) and `missing`.
    pub labels: Vec<String>,
    /// Training rows per bucket.
    pub expected: Vec<u64>,
    /// New rows per bucket.
    pub actual: Vec<u64>,
}

impl FeatureBins {
    /// The buckets of `sample` against `feature`.
    fn of(feature: &FeatureProfile, sample: &Sample) -> FeatureBins {
        let (mut labels, mut expected, mut actual, missing) = match (&feature.stats, sample) {
            (FeatureStats::Numeric(n), Sample::Numeric(values)) => {
                let mut actual = vec![0u64; n.edges.len() + 1];
                let mut missing = 0u64;
                for v in values {
                    if v.is_nan() {
                        missing += 1;
                    } else {
                        actual[bin_of(&n.edges, *v)] += 1;
                    }
                }
                let expected = (0..actual.len())
                    .map(|i| n.counts.get(i).copied().unwrap_or(0))
                    .collect();
                (numeric_labels(&n.edges), expected, actual, missing)
            }
            (FeatureStats::Categorical(c), Sample::Buckets(buckets)) => {
                // Buckets: levels, then other, then missing (see `level_buckets`).
                let mut actual = vec![0u64; c.levels.len() + 2];
                for b in buckets {
                    if let Some(slot) = actual.get_mut(*b as usize) {
                        *slot += 1;
                    }
                }
                let missing = actual.pop().unwrap_or(0);
                let mut expected: Vec<u64> = (0..c.levels.len())
                    .map(|i| c.counts.get(i).copied().unwrap_or(0))
                    .collect();
                expected.push(c.other);
                let mut labels = c.levels.clone();
                labels.push("other".into());
                (labels, expected, actual, missing)
            }
            _ => (Vec::new(), Vec::new(), Vec::new(), 0),
        };
        labels.push("missing".into());
        expected.push(feature.missing);
        actual.push(missing);
        FeatureBins {
            feature: feature.name.clone(),
            labels,
            expected,
            actual,
        }
    }

    /// Population stability index of `actual` against `expected`.
    pub fn psi(&self) -> f64 {
        psi(&self.expected, &self.actual)
    }
}

/// `<= e0`, `(e0, e1]`, …, `> eN` for interior edges `edges`.
fn numeric_labels(edges: &[f64]) -> Vec<String> {
    let Some((first, last)) = edges.first().zip(edges.last()) else {
        return vec!["all values".into()];
    };
    let mut labels = vec![format!("<= {}", short(*first))];
    for pair in edges.windows(2) {
        labels.push(format!("({}, {}]", short(pair[0]), short(pair[1])));
    }
    labels.push(format!("> {}", short(*last)));
    labels
}

/// A number in at most six significant digits.
fn short(v: f64) -> String {
    let text = format!("{v:.6}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text.len() > 12 {
        format!("{v:.4e}")
    } else {
        text
    }
}

/// PSI of bucket counts `actual` against `expected` (0 when either side is empty).
pub fn psi(expected: &[u64], actual: &[u64]) -> f64 {
    let (te, ta) = (expected.iter().sum::<u64>(), actual.iter().sum::<u64>());
    if te == 0 || ta == 0 {
        return 0.0;
    }
    expected
        .iter()
        .zip(actual)
        .map(|(&e, &a)| {
            let e = (e as f64 / te as f64).max(EPSILON);
            let a = (a as f64 / ta as f64).max(EPSILON);
            (a - e) * (a / e).ln()
        })
        .sum()
}

/// The two-sample KS statistic `sup |F_new - F_train|` of the non-missing `values`
/// against the CDF described by quantiles `q`; `None` when either is empty.
pub fn ks_statistic(q: &[f64], values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut sorted: Vec<f64> = values.into_iter().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() || q.is_empty() {
        return None;
    }
    sorted.sort_unstable_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let x = sorted[i];
        let mut j = i + 1;
        while j < sorted.len() && sorted[j] == x {
            j += 1;
        }
        let below = cdf_left(q, x)?;
        let upto = cdf_right(q, x)?;
        d = d
            .max((i as f64 / n - below).abs())
            .max((j as f64 / n - upto).abs());
        i = j;
    }
    Some(d)
}

/// The drift of one feature over `sample`, alerting only when `rows` suffice.
fn feature_drift(
    feature: &FeatureProfile,
    sample: &Sample,
    config: &DriftConfig,
    enough: bool,
) -> FeatureDrift {
    let psi = FeatureBins::of(feature, sample).psi();
    let ks = match (&feature.stats, sample) {
        (FeatureStats::Numeric(n), Sample::Numeric(values)) => {
            ks_statistic(&n.quantiles, values.iter().copied())
        }
        _ => None,
    };
    let alert = enough && (psi > config.psi || ks.is_some_and(|k| k > config.ks));
    FeatureDrift {
        feature: feature.name.clone(),
        psi,
        ks,
        alert,
    }
}

/// A report over one sample per feature holding `rows` rows.
fn report_of(profile: &DataProfile, samples: &[Sample], rows: usize, config: &DriftConfig) -> DriftReport {
    let enough = rows >= min_alert_rows(config.window);
    let features: Vec<FeatureDrift> = profile
        .features
        .iter()
        .zip(samples)
        .map(|(feature, sample)| feature_drift(feature, sample, config, enough))
        .collect();
    DriftReport {
        rows,
        alert: features.iter().any(|f| f.alert),
        features,
    }
}

/// Every feature's rows of `frame` as samples.
fn samples_of(profile: &DataProfile, frame: &Frame) -> Vec<Sample> {
    profile
        .features
        .iter()
        .map(|feature| {
            let mut sample = Sample::empty(feature);
            sample.push(feature, frame.column(&feature.name), 0..frame.n_rows, usize::MAX);
            sample
        })
        .collect()
}

/// The drift of all rows of `frame` at once (offline monitoring): columns matched
/// by name, an absent column counting as missing values. Alerts need
/// `min(config.window, 100)` rows.
pub fn compare(profile: &DataProfile, frame: &Frame, config: &DriftConfig) -> DriftReport {
    report_of(profile, &samples_of(profile, frame), frame.n_rows, config)
}

/// The bucket counts behind [`compare`]'s PSI, per feature (for reports).
pub fn bins(profile: &DataProfile, frame: &Frame) -> Vec<FeatureBins> {
    profile
        .features
        .iter()
        .zip(samples_of(profile, frame))
        .map(|(feature, sample)| FeatureBins::of(feature, &sample))
        .collect()
}

/// The sliding window: the last `window` rows of every feature.
struct Window {
    samples: Vec<Sample>,
    rows: usize,
}

/// Drift over a sliding window of the last `config.window` rows observed, per
/// feature. `Send + Sync`: many request threads may observe while another reports.
pub struct DriftMonitor {
    profile: DataProfile,
    config: DriftConfig,
    window: Mutex<Window>,
}

impl std::fmt::Debug for DriftMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DriftMonitor")
            .field("features", &self.profile.features.len())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DriftMonitor {
    /// A monitor with an empty window (a window of 0 rows acts as 1).
    pub fn new(profile: &DataProfile, config: DriftConfig) -> DriftMonitor {
        let samples = profile.features.iter().map(Sample::empty).collect();
        DriftMonitor {
            profile: profile.clone(),
            config,
            window: Mutex::new(Window { samples, rows: 0 }),
        }
    }

    /// The thresholds and window size.
    pub fn config(&self) -> &DriftConfig {
        &self.config
    }

    /// The training profile compared against.
    pub fn profile(&self) -> &DataProfile {
        &self.profile
    }

    fn cap(&self) -> usize {
        self.config.window.max(1)
    }

    /// Adds the rows of `frame` (columns matched by name to the profile; other
    /// columns ignored, absent ones count as missing values). Only the last
    /// `window` rows are kept.
    pub fn observe(&self, frame: &Frame) {
        let cap = self.cap();
        let start = frame.n_rows.saturating_sub(cap);
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        for (feature, sample) in self.profile.features.iter().zip(window.samples.iter_mut()) {
            sample.push(feature, frame.column(&feature.name), start..frame.n_rows, cap);
        }
        window.rows = (window.rows + frame.n_rows - start).min(cap);
    }

    /// PSI and KS per feature over the current window; see the module docs for
    /// when a feature alerts.
    pub fn report(&self) -> DriftReport {
        let window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        report_of(&self.profile, &window.samples, window.rows, &self.config)
    }

    /// Empties the window.
    pub fn reset(&self) {
        let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        window.samples = self.profile.features.iter().map(Sample::empty).collect();
        window.rows = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlg_compiler::ir::{InputSlot, SlotKind};

    /// A small deterministic generator (xorshift64*), uniform in [0, 1).
    struct Rng(u64);

    impl Rng {
        fn uniform(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }

        /// A standard normal draw (Box-Muller).
        fn normal(&mut self) -> f64 {
            let u = self.uniform().max(1e-12);
            let v = self.uniform();
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }
    }

    fn slots() -> Vec<InputSlot> {
        vec![
            InputSlot {
                name: "x".into(),
                kind: SlotKind::Numeric,
            },
            InputSlot {
                name: "y".into(),
                kind: SlotKind::Numeric,
            },
            InputSlot {
                name: "c".into(),
                kind: SlotKind::Categorical {
                    levels: vec!["a".into(), "b".into()],
                },
            },
        ]
    }

    /// `n` rows: x ~ N(shift, 1), y ~ N(10, 2), c = "a" with probability `p_a`.
    fn frame(seed: u64, n: usize, shift: f64, p_a: f64) -> Frame {
        let mut rng = Rng(seed);
        let x = (0..n).map(|_| rng.normal() + shift).collect();
        let y = (0..n).map(|_| 10.0 + 2.0 * rng.normal()).collect();
        let codes = (0..n).map(|_| u32::from(rng.uniform() >= p_a)).collect();
        Frame::new(
            vec![
                Column::numeric("x", x),
                Column::numeric("y", y),
                Column::categorical("c", codes, vec!["a".into(), "b".into()], vec![false; n]),
            ],
            n,
        )
    }

    fn training() -> DataProfile {
        DataProfile::of(&frame(1, 5000, 0.0, 0.8), &slots())
    }

    fn alerting(report: &DriftReport) -> Vec<&str> {
        report.alerting().map(|f| f.feature.as_str()).collect()
    }

    #[test]
    fn rows_from_the_training_distribution_raise_no_alert() {
        let monitor = DriftMonitor::new(&training(), DriftConfig::default());
        monitor.observe(&frame(2, 1000, 0.0, 0.8));
        let report = monitor.report();
        assert_eq!(report.rows, 1000);
        assert!(!report.alert, "{report:?}");
        for f in &report.features {
            assert!(f.psi < 0.05, "{f:?}");
        }
        assert!(report.features[0].ks.unwrap() < 0.06, "{report:?}");
        assert_eq!(report.features[2].ks, None);
    }

    #[test]
    fn a_shifted_numeric_feature_alerts_alone() {
        let monitor = DriftMonitor::new(&training(), DriftConfig::default());
        monitor.observe(&frame(3, 1000, 2.0, 0.8));
        let report = monitor.report();
        assert_eq!(alerting(&report), vec!["x"], "{report:?}");
        assert!(report.features[0].psi > 1.0, "{report:?}");
        assert!(report.features[0].ks.unwrap() > 0.5, "{report:?}");
    }

    #[test]
    fn flipped_category_frequencies_alert() {
        let report = compare(&training(), &frame(4, 1000, 0.0, 0.2), &DriftConfig::default());
        assert_eq!(alerting(&report), vec!["c"], "{report:?}");
        assert!(report.features[2].psi > 1.0);
    }

    #[test]
    fn the_window_slides() {
        let config = DriftConfig {
            window: 500,
            ..DriftConfig::default()
        };
        let monitor = DriftMonitor::new(&training(), config);
        monitor.observe(&frame(5, 400, 2.0, 0.8));
        assert_eq!(alerting(&monitor.report()), vec!["x"]);
        for seed in 6..9 {
            monitor.observe(&frame(seed, 200, 0.0, 0.8));
        }
        let report = monitor.report();
        assert_eq!(report.rows, 500);
        assert!(!report.alert, "old rows fell out: {report:?}");
        monitor.observe(&frame(9, 2000, 2.0, 0.8));
        assert_eq!(monitor.report().rows, 500);
        assert_eq!(alerting(&monitor.report()), vec!["x"]);
    }

    #[test]
    fn few_rows_never_alert() {
        let monitor = DriftMonitor::new(&training(), DriftConfig::default());
        monitor.observe(&frame(10, 99, 3.0, 0.8));
        let report = monitor.report();
        assert!(report.features[0].psi > 1.0);
        assert!(!report.alert, "{report:?}");
        monitor.observe(&frame(11, 1, 3.0, 0.8));
        assert!(monitor.report().alert);
    }

    #[test]
    fn absent_columns_count_as_missing_and_extra_ones_are_ignored() {
        let full = frame(12, 300, 0.0, 0.8);
        let partial = Frame::new(
            vec![full.columns[1].clone(), Column::numeric("extra", vec![0.0; 300])],
            300,
        );
        let report = compare(&training(), &partial, &DriftConfig::default());
        assert_eq!(alerting(&report), vec!["x", "c"], "{report:?}");
        assert_eq!(report.features[0].ks, None);
        let bins = bins(&training(), &partial);
        assert_eq!(bins[0].actual.last(), Some(&300));
        assert_eq!(bins[2].labels, vec!["a", "b", "other", "missing"]);
    }

    #[test]
    fn compare_matches_a_monitor_holding_the_same_rows() {
        let rows = frame(13, 800, 0.5, 0.6);
        let monitor = DriftMonitor::new(&training(), DriftConfig::default());
        monitor.observe(&rows);
        assert_eq!(
            monitor.report(),
            compare(&training(), &rows, &DriftConfig::default())
        );
    }

    #[test]
    fn a_monitor_is_shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<DriftMonitor>();
        let monitor = DriftMonitor::new(&training(), DriftConfig::default());
        std::thread::scope(|s| {
            for seed in 20..24 {
                let monitor = &monitor;
                s.spawn(move || monitor.observe(&frame(seed, 300, 0.0, 0.8)));
            }
        });
        let report = monitor.report();
        assert_eq!(report.rows, 1000);
        assert!(!report.alert, "{report:?}");
        monitor.reset();
        assert_eq!(monitor.report().rows, 0);
    }

    #[test]
    fn psi_is_finite_with_empty_buckets_and_zero_for_identical_shares() {
        assert_eq!(psi(&[10, 20, 30], &[1, 2, 3]), 0.0);
        let p = psi(&[100, 0], &[0, 100]);
        assert!(p.is_finite() && p > 10.0, "{p}");
        assert_eq!(psi(&[], &[]), 0.0);
    }

    #[test]
    fn ks_of_a_sample_against_its_own_quantiles_is_small() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        let q: Vec<f64> = (0..=100).map(|i| f64::from(i) * 9.99).collect();
        assert!(ks_statistic(&q, values.iter().copied()).unwrap() < 0.01);
        let shifted = values.iter().map(|v| v + 500.0);
        let d = ks_statistic(&q, shifted).unwrap();
        assert!((d - 0.5).abs() < 0.01, "{d}");
    }
}
