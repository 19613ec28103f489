//! The training profile of rows spread over the ranks of a distributed job,
//! without gathering them: counts, missing values, level counts and histogram
//! counts are summed (exact), min and max reduced (exact), the mean and the
//! standard deviation computed from summed sums and squared deviations, and
//! the percentiles read from a histogram of [`QUANTILE_BINS`] equal-width bins
//! between the minimum and the maximum, summed over the ranks.
//!
//! The percentiles' error: each order statistic is placed inside its bin by
//! its rank among the bin's values (as if they were spread evenly), so it is
//! off by less than one bin width, `(max - min) / QUANTILE_BINS`; the 0% and
//! 100% points are the exact minimum and maximum.

use super::{
    bin_counts, edges_of, level_buckets, numeric_values, CategoricalProfile, DataProfile, FeatureProfile,
    FeatureStats, NumericProfile, QUANTILE_STEPS,
};
use crate::collective::Collective;
use crate::frame::{Column, Frame};
use mlg_compiler::ir::{InputSlot, SlotKind};

/// Equal-width bins of the percentile histogram (see the module's error bound).
pub const QUANTILE_BINS: usize = 1 << 14;

impl DataProfile {
    /// The profile of every rank's rows of `frame` (this rank holds some of
    /// them): [`DataProfile::of`] in one process, else the merge this
    /// module describes. Every rank must call it with the same `inputs`.
    pub fn of_ranks(comm: &dyn Collective, frame: &Frame, inputs: &[InputSlot]) -> DataProfile {
        if comm.size() == 1 {
            return DataProfile::of(frame, inputs);
        }
        let mut rows = [frame.n_rows as u64];
        comm.all_reduce_u64(&mut rows);
        let features = inputs
            .iter()
            .map(|slot| feature(comm, slot, frame.column(&slot.name), frame.n_rows))
            .collect();
        DataProfile {
            rows: rows[0],
            features,
        }
    }
}

/// One input slot's profile over every rank's rows.
fn feature(
    comm: &dyn Collective,
    slot: &InputSlot,
    column: Option<&Column>,
    n_rows: usize,
) -> FeatureProfile {
    match &slot.kind {
        SlotKind::Numeric | SlotKind::Date => {
            let values = numeric_values(column, 0..n_rows);
            let mut missing = [values.iter().filter(|v| v.is_nan()).count() as u64];
            comm.all_reduce_u64(&mut missing);
            let stats = numeric(comm, &values);
            let mut rows = [n_rows as u64];
            comm.all_reduce_u64(&mut rows);
            FeatureProfile {
                name: slot.name.clone(),
                count: rows[0] - missing[0],
                missing: missing[0],
                stats: FeatureStats::Numeric(stats),
            }
        }
        SlotKind::Categorical { levels } => {
            let mut counts = vec![0u64; levels.len() + 2];
            for b in level_buckets(levels, column, 0..n_rows) {
                counts[b as usize] += 1;
            }
            comm.all_reduce_u64(&mut counts);
            let missing = counts.pop().unwrap_or(0);
            let other = counts.pop().unwrap_or(0);
            let count = counts.iter().sum::<u64>() + other;
            FeatureProfile {
                name: slot.name.clone(),
                count,
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

/// The numeric statistics of every rank's `values` (NaN = missing).
fn numeric(comm: &dyn Collective, values: &[f64]) -> NumericProfile {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let mut sums = [finite.len() as f64, finite.iter().sum::<f64>()];
    comm.all_reduce_f64(&mut sums);
    let mut low = [finite.iter().copied().fold(f64::INFINITY, f64::min)];
    let mut high = [finite.iter().copied().fold(f64::NEG_INFINITY, f64::max)];
    comm.all_reduce_extreme(&mut low, false);
    comm.all_reduce_extreme(&mut high, true);
    let (n, min, max) = (sums[0], low[0], high[0]);
    if n == 0.0 {
        return NumericProfile {
            min: f64::NAN,
            max: f64::NAN,
            mean: f64::NAN,
            std: f64::NAN,
            quantiles: Vec::new(),
            edges: Vec::new(),
            counts: vec![values.iter().filter(|v| !v.is_nan()).count() as u64],
        };
    }
    let mean = sums[1] / n;
    let mut squares = [finite.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>()];
    comm.all_reduce_f64(&mut squares);
    let quantiles = percentiles(comm, &finite, n as u64, min, max);
    let edges = edges_of(&quantiles);
    let mut counts = bin_counts(&edges, values);
    comm.all_reduce_u64(&mut counts);
    NumericProfile {
        min,
        max,
        mean,
        std: (squares[0] / n).sqrt(),
        quantiles,
        edges,
        counts,
    }
}

/// The [`QUANTILE_STEPS`]` + 1` percentiles (NumPy's linear rule) of every
/// rank's `finite` values, `n` of them in all, between `min` and `max`.
fn percentiles(comm: &dyn Collective, finite: &[f64], n: u64, min: f64, max: f64) -> Vec<f64> {
    if min == max {
        return vec![min; QUANTILE_STEPS + 1];
    }
    let width = (max - min) / QUANTILE_BINS as f64;
    let mut hist = vec![0u64; QUANTILE_BINS];
    for v in finite {
        hist[(((v - min) / width) as usize).min(QUANTILE_BINS - 1)] += 1;
    }
    comm.all_reduce_u64(&mut hist);
    let mut below = Vec::with_capacity(QUANTILE_BINS + 1);
    below.push(0u64);
    for h in &hist {
        below.push(below.last().copied().unwrap_or(0) + h);
    }
    // The k-th smallest value (0-based), spread evenly inside its bin.
    let order = |k: u64| -> f64 {
        if k == 0 {
            return min;
        }
        if k + 1 >= n {
            return max;
        }
        let bin = below.partition_point(|&b| b <= k) - 1;
        let inside = (k - below[bin]) as f64 + 0.5;
        (min + (bin as f64 + inside / hist[bin].max(1) as f64) * width).clamp(min, max)
    };
    (0..=QUANTILE_STEPS)
        .map(|i| {
            let position = (n - 1) as f64 * (i as f64 / QUANTILE_STEPS as f64);
            let k = position.floor() as u64;
            let (a, b) = (order(k), order((k + 1).min(n - 1)));
            a + (position - k as f64) * (b - a)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collective::{share, Local};
    use std::sync::Arc;

    #[test]
    fn ranks_merge_to_the_one_process_profile_within_the_stated_error() {
        let n = 10_000;
        let values: Vec<f64> = (0..n)
            .map(|i| {
                if i % 97 == 0 {
                    f64::NAN
                } else {
                    ((i * 7919) % 1000) as f64 / 10.0 + (i % 3) as f64
                }
            })
            .collect();
        let colours = ["red", "blue", "green"];
        let frame_of = move |r: std::ops::Range<usize>| {
            let codes: Vec<u32> = r.clone().map(|i| (i % 3) as u32).collect();
            let levels = colours.iter().map(|c| c.to_string()).collect();
            Frame::new(
                vec![
                    Column::numeric("x", values[r.clone()].to_vec()),
                    Column::categorical("c", codes, levels, vec![false; r.len()]),
                ],
                r.len(),
            )
        };
        let inputs = vec![
            InputSlot {
                name: "x".into(),
                kind: SlotKind::Numeric,
            },
            InputSlot {
                name: "c".into(),
                kind: SlotKind::Categorical {
                    levels: vec!["blue".into(), "red".into()],
                },
            },
        ];
        let one = DataProfile::of(&frame_of(0..n), &inputs);
        let (frame_of, slots) = (Arc::new(frame_of), Arc::new(inputs));
        let profiles = Local::run(3, move |rank| {
            let c = crate::collective::current();
            DataProfile::of_ranks(c.as_ref(), &frame_of(share(n, 3, rank)), &slots)
        });
        for got in profiles {
            assert_eq!(got.rows, one.rows);
            assert_eq!(got.features[1], one.features[1], "level counts are exact");
            let (FeatureStats::Numeric(a), FeatureStats::Numeric(b)) =
                (&got.features[0].stats, &one.features[0].stats)
            else {
                panic!("numeric");
            };
            assert_eq!(
                (got.features[0].count, got.features[0].missing),
                (one.features[0].count, one.features[0].missing)
            );
            assert_eq!((a.min, a.max), (b.min, b.max));
            assert!((a.mean - b.mean).abs() <= 1e-9 * b.mean.abs());
            assert!((a.std - b.std).abs() <= 1e-9 * b.std);
            let bin = (b.max - b.min) / QUANTILE_BINS as f64;
            for (qa, qb) in a.quantiles.iter().zip(&b.quantiles) {
                assert!((qa - qb).abs() <= bin, "{qa} vs {qb}, bin {bin}");
            }
            assert_eq!(a.counts.iter().sum::<u64>(), b.counts.iter().sum::<u64>());
        }
    }
}
