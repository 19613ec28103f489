//! Data profiling: per-column statistics, a Pearson correlation matrix and the
//! target's distribution of one frame (`mlg-report` renders it as a page).

mod alerts;
mod stats;

pub use alerts::{alerts, is_id_like, Alert, AlertKind};
use stats::{count_distinct_sorted, pearson};
pub use stats::{format_number, histogram, quantile};

use crate::error::{Error, Result};
use mlg_runtime::frame::{Column, ColumnData, Frame};

/// Equal-width bins of a numeric histogram.
pub const HISTOGRAM_BINS: usize = 20;
/// The most levels a categorical bar chart (and level table) shows.
pub const TOP_LEVELS: usize = 20;
/// The quantiles reported for numeric columns, as fractions.
pub const QUANTILES: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];
/// The most numeric columns the correlation matrix covers: those of highest
/// variance. Correlations cost columns² × rows, so a wide file is capped.
pub const MAX_CORRELATED: usize = 50;
/// The most columns that get a card with statistics and a chart on the
/// page (the first ones in file order); the overview table lists them all.
pub const MAX_COLUMN_CARDS: usize = 100;

/// The profile of a whole data file.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// Where the data came from (shown in the page title).
    pub source: String,
    /// Number of rows.
    pub n_rows: usize,
    /// One profile per column, in file order.
    pub columns: Vec<ColumnProfile>,
    /// Pearson correlations between the numeric columns.
    pub correlations: Correlations,
    /// The target's distribution, when a target was named.
    pub target: Option<TargetProfile>,
}

/// The profile of one column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnProfile {
    /// Column name, as in the file header.
    pub name: String,
    /// Number of missing entries.
    pub missing: usize,
    /// Number of distinct non-missing values.
    pub distinct: usize,
    /// Kind-specific statistics.
    pub stats: ColumnStats,
}

/// Statistics that depend on a column's kind.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnStats {
    /// A numeric column; `None` when it has no finite values.
    Numeric(Option<NumericStats>),
    /// A categorical column.
    Categorical(CategoricalStats),
}

/// Summary statistics of the finite, non-missing values of a numeric column.
#[derive(Clone, Debug, PartialEq)]
pub struct NumericStats {
    /// Number of finite values the statistics cover.
    pub count: usize,
    /// Non-missing values that are infinite (left out of every statistic).
    pub non_finite: usize,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 denominator; 0 for a single value).
    pub std: f64,
    /// `(fraction, value)` for each of [`QUANTILES`], linearly interpolated.
    pub quantiles: Vec<(f64, f64)>,
    /// Histogram over `[min, max]`.
    pub histogram: Histogram,
    /// Sample skewness (Fisher's, `m3 / m2^1.5`; 0 without spread).
    pub skewness: f64,
    /// Whether every value is a whole number.
    pub whole: bool,
}

/// Equal-width bin counts over `[lo, hi]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Left edge of the first bin.
    pub lo: f64,
    /// Right edge of the last bin.
    pub hi: f64,
    /// Count per bin; the last bin is closed on the right.
    pub counts: Vec<usize>,
}

/// Level frequencies of a categorical column.
#[derive(Clone, Debug, PartialEq)]
pub struct CategoricalStats {
    /// `(level, count)` of the most frequent levels (at most [`TOP_LEVELS`]),
    /// most frequent first, ties in level order.
    pub top: Vec<(String, usize)>,
    /// Number of non-missing entries whose level is not in `top`.
    pub other: usize,
}

/// Pairwise-complete Pearson correlations between numeric columns: all of
/// them, or the [`MAX_CORRELATED`] of highest variance.
#[derive(Clone, Debug, PartialEq)]
pub struct Correlations {
    /// Names of the numeric columns covered, in file order.
    pub names: Vec<String>,
    /// How many numeric columns the data has (more than `names` when capped).
    pub numeric_columns: usize,
    /// `values[i][j]`: correlation of columns `i` and `j`; `None` when fewer than two
    /// rows have both values or one of them is constant over those rows.
    pub values: Vec<Vec<Option<f64>>>,
}

/// The distribution of the target column.
#[derive(Clone, Debug, PartialEq)]
pub struct TargetProfile {
    /// Target column name.
    pub name: String,
    /// Number of missing target entries.
    pub missing: usize,
    /// How the distribution is charted.
    pub distribution: TargetDistribution,
}

/// A target distribution: counts per value, or a histogram for continuous targets.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetDistribution {
    /// `(value, count)` per distinct value (categorical targets, or numeric ones with
    /// at most [`TOP_LEVELS`] distinct values); for categoricals at most [`TOP_LEVELS`].
    Counts(Vec<(String, usize)>),
    /// Histogram of a numeric target with many distinct values.
    Histogram(Histogram),
}

/// Profiles `frame`; `target`, when given, must name one of its columns.
pub fn profile(frame: &Frame, source: &str, target: Option<&str>) -> Result<Profile> {
    let target = match target {
        None => None,
        Some(name) => {
            let column = frame.column(name).ok_or_else(|| {
                Error::Usage(format!(
                    "target column `{name}` is not in {source}; its columns are: {}",
                    frame.names().join(", ")
                ))
            })?;
            Some(target_profile(column))
        }
    };
    Ok(Profile {
        source: source.to_string(),
        n_rows: frame.n_rows,
        columns: frame.columns.iter().map(column_profile).collect(),
        correlations: correlations(frame),
        target,
    })
}

/// Profiles one column.
pub fn column_profile(column: &Column) -> ColumnProfile {
    let missing = column.missing_count();
    match &column.data {
        ColumnData::Numeric(values) => {
            let present = present_values(column, values);
            let mut sorted = present.clone();
            sorted.sort_by(f64::total_cmp);
            let distinct = count_distinct_sorted(&sorted);
            ColumnProfile {
                name: column.name.clone(),
                missing,
                distinct,
                stats: ColumnStats::Numeric(numeric_stats(&sorted)),
            }
        }
        ColumnData::Categorical { .. } => {
            let counts = level_counts(column);
            let distinct = counts.iter().filter(|(_, c)| *c > 0).count();
            let present: usize = counts.iter().map(|(_, c)| c).sum();
            let top: Vec<(String, usize)> = counts
                .into_iter()
                .filter(|(_, c)| *c > 0)
                .take(TOP_LEVELS)
                .collect();
            let shown: usize = top.iter().map(|(_, c)| c).sum();
            ColumnProfile {
                name: column.name.clone(),
                missing,
                distinct,
                stats: ColumnStats::Categorical(CategoricalStats {
                    top,
                    other: present - shown,
                }),
            }
        }
    }
}

/// The non-missing values of a numeric column (NaN never counts as present).
fn present_values(column: &Column, values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .zip(&column.missing)
        .filter(|(v, m)| !**m && !v.is_nan())
        .map(|(v, _)| *v)
        .collect()
}

/// `(level, count)` for every level of a categorical column, most frequent first,
/// ties in level order.
fn level_counts(column: &Column) -> Vec<(String, usize)> {
    let ColumnData::Categorical { codes, levels } = &column.data else {
        return Vec::new();
    };
    let mut counts = vec![0usize; levels.len()];
    for (code, missing) in codes.iter().zip(&column.missing) {
        if let (false, Some(slot)) = (*missing, counts.get_mut(*code as usize)) {
            *slot += 1;
        }
    }
    let mut pairs: Vec<(String, usize)> = levels.iter().cloned().zip(counts).collect();
    pairs.sort_by_key(|pair| std::cmp::Reverse(pair.1));
    pairs
}

/// Statistics of the finite values in `sorted` (ascending, NaN-free).
fn numeric_stats(sorted: &[f64]) -> Option<NumericStats> {
    let finite: Vec<f64> = sorted.iter().copied().filter(|v| v.is_finite()).collect();
    let non_finite = sorted.len() - finite.len();
    let (&min, &max) = (finite.first()?, finite.last()?);
    let n = finite.len();
    let mean = finite.iter().sum::<f64>() / n as f64;
    let std = if n > 1 {
        (finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let quantiles = QUANTILES.iter().map(|&p| (p, quantile(&finite, p))).collect();
    Some(NumericStats {
        count: n,
        non_finite,
        min,
        max,
        mean,
        std,
        quantiles,
        histogram: histogram(&finite, HISTOGRAM_BINS),
        skewness: skewness(&finite, mean),
        whole: finite.iter().all(|v| v.fract() == 0.0),
    })
}

/// Fisher's skewness `m3 / m2^1.5` of `values` around their `mean` (0 when
/// they do not spread).
fn skewness(values: &[f64], mean: f64) -> f64 {
    let n = values.len().max(1) as f64;
    let m2 = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let m3 = values.iter().map(|v| (v - mean).powi(3)).sum::<f64>() / n;
    if m2 > 0.0 {
        m3 / m2.powf(1.5)
    } else {
        0.0
    }
}

/// Pearson correlations between every pair of numeric columns of `frame`, each over
/// the rows where both values are present and finite; with more than
/// [`MAX_CORRELATED`] numeric columns, between the ones of highest variance
/// (ties: the earlier column), kept in file order.
pub fn correlations(frame: &Frame) -> Correlations {
    let numeric: Vec<(&Column, &[f64])> = frame
        .columns
        .iter()
        .filter_map(|c| c.as_numeric().map(|v| (c, v)))
        .collect();
    let mut chosen: Vec<usize> = (0..numeric.len()).collect();
    if numeric.len() > MAX_CORRELATED {
        let spread: Vec<f64> = numeric.iter().map(|(c, v)| variance(c, v)).collect();
        // Columns without a variance (no finite values) sort last.
        let key = |i: usize| {
            if spread[i].is_nan() {
                f64::NEG_INFINITY
            } else {
                spread[i]
            }
        };
        chosen.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
        chosen.truncate(MAX_CORRELATED);
        chosen.sort_unstable();
    }
    let mut values = vec![vec![None; chosen.len()]; chosen.len()];
    for (i, &a) in chosen.iter().enumerate() {
        for (j, &b) in chosen.iter().enumerate().skip(i) {
            let r = pearson(numeric[a], numeric[b]);
            values[i][j] = r;
            values[j][i] = r;
        }
    }
    Correlations {
        names: chosen.iter().map(|&i| numeric[i].0.name.clone()).collect(),
        numeric_columns: numeric.len(),
        values,
    }
}

/// The population variance of a numeric column's present, finite values
/// (NaN when it has none).
fn variance(column: &Column, values: &[f64]) -> f64 {
    let (mut n, mut mean, mut m2) = (0.0, 0.0, 0.0);
    for (v, missing) in values.iter().zip(&column.missing) {
        if *missing || !v.is_finite() {
            continue;
        }
        // Welford's update: stable for large offsets.
        n += 1.0;
        let delta = v - mean;
        mean += delta / n;
        m2 += delta * (v - mean);
    }
    if n == 0.0 {
        f64::NAN
    } else {
        m2 / n
    }
}

/// The distribution of the target column.
fn target_profile(column: &Column) -> TargetProfile {
    let profile = column_profile(column);
    let distribution = match (&column.data, &profile.stats) {
        (ColumnData::Categorical { .. }, ColumnStats::Categorical(stats)) => {
            TargetDistribution::Counts(stats.top.clone())
        }
        (ColumnData::Numeric(values), _) if profile.distinct <= TOP_LEVELS => {
            let mut sorted = present_values(column, values);
            sorted.sort_by(f64::total_cmp);
            let mut counts: Vec<(String, usize)> = Vec::new();
            let mut last: Option<f64> = None;
            for v in sorted {
                match counts.last_mut() {
                    Some((_, count)) if last == Some(v) => *count += 1,
                    _ => counts.push((format_number(v), 1)),
                }
                last = Some(v);
            }
            TargetDistribution::Counts(counts)
        }
        (_, ColumnStats::Numeric(Some(stats))) => TargetDistribution::Histogram(stats.histogram.clone()),
        _ => TargetDistribution::Counts(Vec::new()),
    };
    TargetProfile {
        name: column.name.clone(),
        missing: profile.missing,
        distribution,
    }
}
