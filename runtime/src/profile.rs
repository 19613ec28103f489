//! The training data profile an artifact carries: per input feature, what the
//! training rows looked like (counts, statistics, quantiles, binned histogram or
//! level frequencies), the reference that drift monitoring ([`crate::drift`])
//! compares new rows against.
//!
//! Numeric features keep the 101 percentiles (0%, 1%, …, 100%) of their finite
//! values, for the KS statistic, and a histogram over fixed bin edges: the
//! distinct deciles (10%, …, 90%), so about ten bins of equal training mass. Bin
//! `i` holds the values in `(edges[i-1], edges[i]]`, the first bin everything up to
//! `edges[0]` and the last everything above the last edge; PSI bins new rows with
//! the same edges. Categorical features keep one count per level of the input
//! slot plus an `other` count for values outside those levels.

use crate::frame::{Column, ColumnData, Frame};
use crate::stats::quantile_at;
use mlg_compiler::ir::{InputSlot, SlotKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

mod ranks;
mod select;

/// Number of quantile steps: percentiles `0/100 ..= 100/100`.
pub const QUANTILE_STEPS: usize = 100;
/// Number of equal-mass bins the histogram edges aim for (deciles).
pub const HISTOGRAM_BINS: usize = 10;

/// The profile of the training rows, one entry per input slot in slot order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DataProfile {
    /// Number of training rows profiled.
    pub rows: u64,
    /// One profile per input feature, in the order of the graph's input slots.
    pub features: Vec<FeatureProfile>,
}

/// The profile of one input feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureProfile {
    /// The input column's name.
    pub name: String,
    /// Rows with a value (not missing).
    pub count: u64,
    /// Rows where the value is missing.
    pub missing: u64,
    /// Kind-specific statistics.
    pub stats: FeatureStats,
}

/// Statistics of a numeric or categorical feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FeatureStats {
    /// A numeric feature.
    Numeric(NumericProfile),
    /// A categorical feature.
    Categorical(CategoricalProfile),
}

/// Statistics of a numeric feature. `min`, `max`, `mean`, `std` and the quantiles
/// cover the finite values only (NaN and an empty `quantiles` when there are
/// none); infinite values still count in the histogram's end bins.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NumericProfile {
    /// Smallest finite value.
    pub min: f64,
    /// Largest finite value.
    pub max: f64,
    /// Mean of the finite values.
    pub mean: f64,
    /// Population standard deviation of the finite values.
    pub std: f64,
    /// `QUANTILE_STEPS + 1` quantiles at `p = i / QUANTILE_STEPS`
    /// ([`crate::stats::quantile`], NumPy's default linear method), or empty.
    pub quantiles: Vec<f64>,
    /// Strictly increasing interior bin edges.
    pub edges: Vec<f64>,
    /// Non-missing rows per bin: `edges.len() + 1` counts.
    pub counts: Vec<u64>,
}

/// Level frequencies of a categorical feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoricalProfile {
    /// The input slot's levels (the codes the model knows), in code order.
    pub levels: Vec<String>,
    /// Rows per level, parallel to `levels`.
    pub counts: Vec<u64>,
    /// Non-missing rows whose value is none of `levels` (unseen).
    pub other: u64,
}

impl DataProfile {
    /// Profiles the columns of `frame` that the input slots `inputs` name (matched
    /// by name; other columns, such as the target, are ignored). A slot whose column
    /// the frame lacks is profiled as entirely missing.
    pub fn of(frame: &Frame, inputs: &[InputSlot]) -> DataProfile {
        use rayon::prelude::*;
        // One feature per task: each orders its own copy of the column.
        let features = inputs
            .par_iter()
            .map(|slot| FeatureProfile::of(slot, frame.column(&slot.name), frame.n_rows))
            .collect();
        DataProfile {
            rows: frame.n_rows as u64,
            features,
        }
    }

    /// The profile of the feature named `name`.
    pub fn feature(&self, name: &str) -> Option<&FeatureProfile> {
        self.features.iter().find(|f| f.name == name)
    }

    /// True when the profile holds no features (artifacts of format version 1).
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }
}

/// The sorted positions (ascending, distinct) that [`quantile`] reads for the
/// [`QUANTILE_STEPS`]` + 1` percentiles of `n` values: the first, the last and
/// each percentile's two neighbours.
fn quantile_positions(n: usize) -> Vec<usize> {
    let last = n.saturating_sub(1);
    let mut wanted: Vec<usize> = (0..=QUANTILE_STEPS)
        .flat_map(|i| {
            let below = (last as f64 * (i as f64 / QUANTILE_STEPS as f64)).floor() as usize;
            [below.min(last), (below + 1).min(last)]
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// The histogram's bin edges: the distinct deciles among `quantiles` (the
/// [`QUANTILE_STEPS`]` + 1` percentiles, or none).
fn edges_of(quantiles: &[f64]) -> Vec<f64> {
    let mut edges: Vec<f64> = Vec::new();
    if !quantiles.is_empty() {
        let step = QUANTILE_STEPS / HISTOGRAM_BINS;
        for k in 1..HISTOGRAM_BINS {
            let edge = quantiles[k * step];
            if edges.last().is_none_or(|last| edge > *last) {
                edges.push(edge);
            }
        }
    }
    edges
}

impl FeatureProfile {
    /// Profiles `column` (absent: every row missing) as input slot `slot`.
    fn of(slot: &InputSlot, column: Option<&Column>, n_rows: usize) -> FeatureProfile {
        match &slot.kind {
            SlotKind::Numeric | SlotKind::Date => {
                let values = numeric_column(column, n_rows);
                let missing = values.iter().filter(|v| v.is_nan()).count() as u64;
                FeatureProfile {
                    name: slot.name.clone(),
                    count: n_rows as u64 - missing,
                    missing,
                    stats: FeatureStats::Numeric(NumericProfile::of(&values)),
                }
            }
            SlotKind::Categorical { levels } => {
                let buckets = level_buckets(levels, column, 0..n_rows);
                let mut counts = vec![0u64; levels.len() + 2];
                for b in buckets {
                    counts[b as usize] += 1;
                }
                let missing = counts.pop().unwrap_or(0);
                let other = counts.pop().unwrap_or(0);
                FeatureProfile {
                    name: slot.name.clone(),
                    count: n_rows as u64 - missing,
                    missing,
                    stats: FeatureStats::Categorical(CategoricalProfile {
                        levels: levels.clone(),
                        counts,
                        other,
                    }),
                }
            }
        }
    }

    /// True for numeric features.
    pub fn is_numeric(&self) -> bool {
        matches!(self.stats, FeatureStats::Numeric(_))
    }
}

impl NumericProfile {
    /// Statistics of `values` (NaN = missing, skipped).
    fn of(values: &[f64]) -> NumericProfile {
        // Sums in row order; the percentiles from the order statistics alone.
        let finite = || values.iter().copied().filter(|v| v.is_finite());
        let extent = select::extent(values);
        let (count, sum) = (extent.n, extent.sum);
        let n = count as f64;
        let (mean, std) = if count == 0 {
            (f64::NAN, f64::NAN)
        } else {
            let mean = sum / n;
            let var = finite().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            (mean, var.sqrt())
        };
        let positions = if count == 0 {
            Vec::new()
        } else {
            quantile_positions(count)
        };
        let (stats, ranks) = select::ranked(values, extent, &positions);
        // `quantile_at` reads only `positions`.
        let at = |i: usize| stats[positions.partition_point(|&p| p < i)];
        let quantiles: Vec<f64> = if count == 0 {
            Vec::new()
        } else {
            (0..=QUANTILE_STEPS)
                .map(|i| quantile_at(count, at, i as f64 / QUANTILE_STEPS as f64))
                .collect()
        };
        let edges = edges_of(&quantiles);
        let counts = ranked_bin_counts(&edges, values, &ranks, count);
        NumericProfile {
            min: stats.first().copied().unwrap_or(f64::NAN),
            max: stats.last().copied().unwrap_or(f64::NAN),
            mean,
            std,
            quantiles,
            edges,
            counts,
        }
    }

    /// The training CDF at `x` (the fraction of values `<= x`), interpolated
    /// linearly between the stored quantiles; `None` without quantiles.
    pub fn cdf(&self, x: f64) -> Option<f64> {
        cdf_right(&self.quantiles, x)
    }
}

/// The bin of a non-missing value `v`: the number of edges below it, so bin `i` is
/// `(edges[i-1], edges[i]]`.
pub fn bin_of(edges: &[f64], v: f64) -> usize {
    edges.partition_point(|e| *e < v)
}

/// How many non-missing `values` fall in each of the `edges.len() + 1` bins
/// of [`bin_of`]. Each value's bin is a count of comparisons against the
/// edges padded with `+inf` to a fixed length, without a branch per edge
/// (a binary search over ten random bins mispredicts most of its branches).
pub fn bin_counts(edges: &[f64], values: &[f64]) -> Vec<u64> {
    const PADDED: usize = 16;
    let mut counts = vec![0u64; edges.len() + 1];
    if edges.len() > PADDED {
        for v in values.iter().filter(|v| !v.is_nan()) {
            counts[bin_of(edges, *v)] += 1;
        }
        return counts;
    }
    let mut padded = [f64::INFINITY; PADDED];
    padded[..edges.len()].copy_from_slice(edges);
    // `counts` is indexed by at most `edges.len()`: `+inf < v` never holds.
    for &v in values {
        if !v.is_nan() {
            let below: usize = padded.iter().map(|e| usize::from(*e < v)).sum();
            counts[below] += 1;
        }
    }
    counts
}

/// [`bin_counts`] from `ranks`, what selecting the percentiles of `values`
/// (`finite` of them finite) learned: the values at most each edge are
/// counted without another pass over them.
fn ranked_bin_counts(edges: &[f64], values: &[f64], ranks: &select::Ranks<'_>, finite: usize) -> Vec<u64> {
    if !edges.iter().all(|e| e.is_finite()) {
        return bin_counts(edges, values);
    }
    let present = values.iter().filter(|v| !v.is_nan()).count();
    let below_all = match present > finite {
        true => values.iter().filter(|v| **v == f64::NEG_INFINITY).count(),
        false => 0,
    };
    // A value's bin is the number of edges below it: bin `k` holds the
    // values at most `edges[k]` and above `edges[k - 1]`.
    let mut counts = Vec::with_capacity(edges.len() + 1);
    let mut before = 0;
    for &edge in edges {
        let at_most = below_all + ranks.finite_at_most(edge);
        counts.push((at_most - before) as u64);
        before = at_most;
    }
    counts.push((present - before) as u64);
    counts
}

/// The fraction `p` the stored quantile `q[i]` sits at.
fn step_p(i: usize, q: &[f64]) -> f64 {
    i as f64 / (q.len().max(2) - 1) as f64
}

/// `F(x)`, the fraction of training values `<= x`, from quantiles `q` at evenly
/// spaced `p`; `None` when `q` is empty.
pub fn cdf_right(q: &[f64], x: f64) -> Option<f64> {
    let (first, last) = (*q.first()?, *q.last()?);
    if x.is_nan() {
        return None;
    }
    if x < first {
        return Some(0.0);
    }
    if x >= last {
        return Some(1.0);
    }
    // Largest i with q[i] <= x; x < last, so i + 1 exists.
    let i = q.partition_point(|v| *v <= x) - 1;
    Some(interpolate(q, i, x))
}

/// `F(x-)`, the fraction of training values `< x`, from quantiles `q`.
pub fn cdf_left(q: &[f64], x: f64) -> Option<f64> {
    let (first, last) = (*q.first()?, *q.last()?);
    if x.is_nan() {
        return None;
    }
    if x <= first {
        return Some(0.0);
    }
    if x > last {
        return Some(1.0);
    }
    // Smallest j with q[j] >= x; x > first, so j >= 1.
    let j = q.partition_point(|v| *v < x);
    if q[j] == x {
        return Some(step_p(j, q));
    }
    Some(interpolate(q, j - 1, x))
}

/// The CDF at `x` with `q[i] <= x < q[i+1]` (or `x == q[i]`): linear between the
/// two quantiles' fractions.
fn interpolate(q: &[f64], i: usize, x: f64) -> f64 {
    let p = step_p(i, q);
    match q.get(i + 1) {
        Some(&next) if next > q[i] && x > q[i] => p + (x - q[i]) / (next - q[i]) * (step_p(i + 1, q) - p),
        _ => p,
    }
}

/// [`numeric_values`] of every one of the `n_rows` rows, borrowed from a
/// numeric column without a missing mark (whose missing values are NaN
/// already).
fn numeric_column(column: Option<&Column>, n_rows: usize) -> std::borrow::Cow<'_, [f64]> {
    if let Some(Column {
        data: ColumnData::Numeric(values),
        missing,
        ..
    }) = column
    {
        if values.len() == n_rows && missing.len() == n_rows && !missing.iter().any(|m| *m) {
            return std::borrow::Cow::Borrowed(values);
        }
    }
    std::borrow::Cow::Owned(numeric_values(column, 0..n_rows))
}

/// The values of rows `rows` of `column` read as numbers, NaN where missing:
/// absent columns are all missing, categorical ones parse their level text (text
/// that is not a number counts as missing).
pub fn numeric_values(column: Option<&Column>, rows: std::ops::Range<usize>) -> Vec<f64> {
    let Some(column) = column else {
        return vec![f64::NAN; rows.len()];
    };
    let missing = |r: usize| column.missing.get(r).copied().unwrap_or(true);
    match &column.data {
        ColumnData::Numeric(values) => crate::memory::collect_huge(rows.map(|r| match values.get(r) {
            Some(v) if !missing(r) => *v,
            _ => f64::NAN,
        })),
        ColumnData::Categorical { codes, levels } => {
            let parsed: Vec<f64> = levels
                .iter()
                .map(|l| l.trim().parse::<f64>().unwrap_or(f64::NAN))
                .collect();
            rows.map(|r| {
                if missing(r) {
                    return f64::NAN;
                }
                codes
                    .get(r)
                    .and_then(|c| parsed.get(*c as usize))
                    .copied()
                    .unwrap_or(f64::NAN)
            })
            .collect()
        }
    }
}

/// The bucket of each of rows `rows` of `column` against `levels`: the level's
/// index, `levels.len()` for a value outside them (other) and `levels.len() + 1`
/// for a missing one. Categorical columns match by level text; numeric ones by
/// value against the levels that parse as numbers (as the row encoder does).
pub fn level_buckets(levels: &[String], column: Option<&Column>, rows: std::ops::Range<usize>) -> Vec<u32> {
    let other = levels.len() as u32;
    let missing_bucket = other + 1;
    let Some(column) = column else {
        return vec![missing_bucket; rows.len()];
    };
    let missing = |r: usize| column.missing.get(r).copied().unwrap_or(true);
    match &column.data {
        ColumnData::Categorical { codes, levels: own } => {
            let index: HashMap<&str, u32> = levels
                .iter()
                .enumerate()
                .rev()
                .map(|(i, l)| (l.as_str(), i as u32))
                .collect();
            let map: Vec<u32> = own
                .iter()
                .map(|l| index.get(l.as_str()).copied().unwrap_or(other))
                .collect();
            rows.map(|r| {
                if missing(r) {
                    return missing_bucket;
                }
                codes
                    .get(r)
                    .and_then(|c| map.get(*c as usize))
                    .copied()
                    .unwrap_or(other)
            })
            .collect()
        }
        ColumnData::Numeric(values) => {
            let mut index: HashMap<u64, u32> = HashMap::new();
            for (i, level) in levels.iter().enumerate() {
                if let Ok(v) = level.trim().parse::<f64>() {
                    index.entry(value_key(v)).or_insert(i as u32);
                }
            }
            rows.map(|r| match values.get(r) {
                Some(v) if !missing(r) && !v.is_nan() => index.get(&value_key(*v)).copied().unwrap_or(other),
                _ => missing_bucket,
            })
            .collect()
        }
    }
}

/// `f64` bits with `-0.0` folded into `0.0`, for value lookups.
fn value_key(v: f64) -> u64 {
    if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::quantile;

    fn numeric_slot(name: &str) -> InputSlot {
        InputSlot {
            name: name.into(),
            kind: SlotKind::Numeric,
        }
    }

    /// On more values than it sorts outright, the profile gives every
    /// percentile, the minimum and the maximum exactly as a full sort does.
    #[test]
    fn profile_quantiles_equal_sorted_ones() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for n in [65, 1000, 4097, 50_000] {
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // Ties, both signs of zero and missing values, as real columns have.
                    match i % 7 {
                        0 if i % 2 == 0 => 0.0,
                        0 => -0.0,
                        3 if i % 5 == 0 => f64::NAN,
                        _ => ((state % 2001) as f64 - 1000.0) / 8.0,
                    }
                })
                .collect();
            let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            sorted.sort_unstable_by(f64::total_cmp);
            let profile = NumericProfile::of(&values);
            for (i, got) in profile.quantiles.iter().enumerate() {
                let p = i as f64 / QUANTILE_STEPS as f64;
                assert_eq!(got.to_bits(), quantile(&sorted, p).to_bits(), "n = {n}, p = {p}");
            }
            assert_eq!(profile.min.to_bits(), sorted[0].to_bits());
            assert_eq!(profile.max.to_bits(), sorted[sorted.len() - 1].to_bits());
        }
    }

    #[test]
    fn numeric_profile_has_statistics_quantiles_and_decile_bins() {
        let values: Vec<f64> = (1..=100).map(f64::from).chain([f64::NAN]).collect();
        let frame = Frame::new(vec![Column::numeric("x", values)], 101);
        let profile = DataProfile::of(&frame, &[numeric_slot("x")]);
        assert_eq!(profile.rows, 101);
        let f = &profile.features[0];
        assert_eq!((f.count, f.missing), (100, 1));
        let FeatureStats::Numeric(n) = &f.stats else {
            panic!("numeric expected")
        };
        assert_eq!((n.min, n.max, n.mean), (1.0, 100.0, 50.5));
        assert!((n.std - 28.866).abs() < 1e-3, "{}", n.std);
        assert_eq!(n.quantiles.len(), QUANTILE_STEPS + 1);
        assert_eq!(n.quantiles[50], 50.5);
        assert_eq!(n.edges.len(), 9);
        assert_eq!(n.counts, vec![10; 10]);
        assert_eq!(n.cdf(50.5), Some(0.5));
        assert_eq!(n.cdf(0.0), Some(0.0));
        assert_eq!(n.cdf(1000.0), Some(1.0));
    }

    #[test]
    fn bin_counts_are_the_binary_searchs_counts() {
        let values: Vec<f64> = (0..5000)
            .map(|i| match i % 11 {
                0 => f64::NAN,
                1 => f64::INFINITY,
                2 => f64::NEG_INFINITY,
                3 => 2.0,
                _ => f64::from((i * 7919) % 100) / 10.0,
            })
            .collect();
        for edges in [
            vec![],
            vec![2.0],
            vec![-1.0, 2.0, 2.5, 9.0],
            (0..9).map(f64::from).collect(),
            (0..20).map(f64::from).collect(),
        ] {
            let mut expected = vec![0u64; edges.len() + 1];
            values
                .iter()
                .filter(|v| !v.is_nan())
                .for_each(|v| expected[bin_of(&edges, *v)] += 1);
            assert_eq!(bin_counts(&edges, &values), expected, "{edges:?}");
        }
    }

    /// The decile counts taken from the percentile selection equal those of
    /// a pass over the values, whatever the column: sorted outright or
    /// binned, ties, signed zeros, infinities, missing values, clusters.
    #[test]
    fn decile_counts_from_the_selection_equal_a_counting_pass() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let columns: Vec<Vec<f64>> = (0..12)
            .map(|k| {
                let n = [50, 3000, 5000, 40_000][k % 4];
                (0..n)
                    .map(|i| match (k, next() % 23) {
                        (0..=3, 0) => f64::NAN,
                        (0..=3, 1) => f64::INFINITY,
                        (0..=3, 2) => f64::NEG_INFINITY,
                        (0..=3, 3) => -0.0,
                        (0..=3, _) => ((next() % 2001) as f64 - 1000.0) / 8.0,
                        (4..=7, r) => (r % 4) as f64,
                        // A cluster finer than a bin beside a far outlier.
                        _ if i == 0 => 1e12,
                        _ => (next() % 10_000) as f64 * 1e-9,
                    })
                    .collect()
            })
            .collect();
        for values in &columns {
            let profile = NumericProfile::of(values);
            assert_eq!(
                profile.counts,
                bin_counts(&profile.edges, values),
                "{:?}",
                profile.edges
            );
            let present = values.iter().filter(|v| !v.is_nan()).count() as u64;
            assert_eq!(profile.counts.iter().sum::<u64>(), present);
        }
    }

    #[test]
    fn constant_and_empty_numeric_columns_do_not_break_the_bins() {
        let frame = Frame::new(
            vec![
                Column::numeric("c", vec![3.0; 5]),
                Column::numeric("e", vec![f64::NAN; 5]),
            ],
            5,
        );
        let profile = DataProfile::of(
            &frame,
            &[numeric_slot("c"), numeric_slot("e"), numeric_slot("absent")],
        );
        let FeatureStats::Numeric(c) = &profile.features[0].stats else {
            panic!()
        };
        assert_eq!(c.edges, vec![3.0]);
        assert_eq!(c.counts, vec![5, 0]);
        assert_eq!(c.std, 0.0);
        assert_eq!(cdf_left(&c.quantiles, 3.0), Some(0.0));
        assert_eq!(cdf_right(&c.quantiles, 3.0), Some(1.0));
        let FeatureStats::Numeric(e) = &profile.features[1].stats else {
            panic!()
        };
        assert!(e.quantiles.is_empty() && e.edges.is_empty());
        assert_eq!(e.counts, vec![0]);
        assert_eq!(profile.features[2].missing, 5);
    }

    #[test]
    fn categorical_profile_counts_levels_other_and_missing() {
        let column = Column::categorical(
            "c",
            vec![0, 1, 1, 2, 0],
            vec!["a".into(), "b".into(), "zz".into()],
            vec![false, false, false, false, true],
        );
        let frame = Frame::new(vec![column], 5);
        let slot = InputSlot {
            name: "c".into(),
            kind: SlotKind::Categorical {
                levels: vec!["b".into(), "a".into()],
            },
        };
        let f = &DataProfile::of(&frame, &[slot]).features[0];
        assert_eq!((f.count, f.missing), (4, 1));
        let FeatureStats::Categorical(c) = &f.stats else {
            panic!()
        };
        assert_eq!(c.counts, vec![2, 1]);
        assert_eq!(c.other, 1);
    }

    #[test]
    fn numeric_columns_match_numeric_levels_by_value() {
        let column = Column::numeric("c", vec![1.0, 2.0, 7.0, f64::NAN]);
        let levels = vec!["1".to_string(), "2.0".to_string()];
        assert_eq!(level_buckets(&levels, Some(&column), 0..4), vec![0, 1, 2, 3]);
    }
}
