//! Feature binning: per-feature quantile thresholds computed from (at most
//! 200,000 seeded) training rows, and rows mapped to `u8` bin codes stored
//! column-major.
//!
//! Thresholds follow scikit-learn's `_BinMapper`, on the features rounded to
//! `f32` (the inference row ABI): with at most `max_bins` distinct values the
//! thresholds are the midpoints between consecutive ones, otherwise the
//! `averaged_inverted_cdf` percentiles at `i / max_bins`, `i = 1..max_bins`,
//! deduplicated. Every threshold is then rounded down to the largest `f32` not
//! above it, and a value `v` falls in bin `b` = the number of thresholds `< v`.
//! So `v <= thresholds[b]` exactly when `bin(v) <= b`: a split "bin `<= b`"
//! is the `f32` comparison `x <= thresholds[b]` that prediction and the lowered
//! graph perform. A missing (NaN) value gets the bin [`MISSING`], above every
//! real bin (at most 255 of them), as scikit-learn's missing-values bin; the
//! thresholds come from the other values.

use crate::eval::rng::SplitMix64;
use crate::op::Matrix;
use rayon::prelude::*;

/// The bin code of a missing (NaN) value.
pub(crate) const MISSING: u8 = 255;

/// Most rows the thresholds are computed from (scikit-learn's `subsample`).
const BIN_SUBSAMPLE: usize = 200_000;

/// Fitted bin thresholds. Invariant: each feature's thresholds are finite,
/// strictly increasing, and at most 254 of them (so codes fit in `u8`).
/// A categorical feature (`categories[f] = Some(levels)`, empty when none
/// is) bins by its code: code `c` is bin `c`, NaN or any other value the
/// missing bin; its thresholds are unused.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BinMapper {
    pub thresholds: Vec<Vec<f32>>,
    pub categories: Vec<Option<usize>>,
}

/// Order-preserving `u32` key of a finite `f32`.
pub(super) fn key(v: f32) -> u32 {
    let b = v.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | 0x8000_0000
    }
}

/// The `f32` of a [`key`].
fn unkey(k: u32) -> f32 {
    f32::from_bits(if k >> 31 == 1 { k & 0x7FFF_FFFF } else { !k })
}

/// Sorts `keys` ascending: LSD radix sort, three passes of 11 bits.
fn radix_sort(keys: &mut Vec<u32>) {
    let mut other = vec![0u32; keys.len()];
    for shift in [0, 11, 22] {
        let mut counts = vec![0usize; 2048];
        keys.iter()
            .for_each(|&k| counts[((k >> shift) & 0x7FF) as usize] += 1);
        let mut at = 0;
        for c in counts.iter_mut() {
            let n = *c;
            *c = at;
            at += n;
        }
        for &k in keys.iter() {
            let slot = &mut counts[((k >> shift) & 0x7FF) as usize];
            other[*slot] = k;
            *slot += 1;
        }
        std::mem::swap(keys, &mut other);
    }
}

/// The number of `thresholds` below `v`: a branch-free binary search over
/// `padded` (the thresholds, padded with `+inf` to 256 entries).
fn bin_of(padded: &[f32; 256], v: f32) -> u8 {
    let mut base = 0usize;
    let mut half = 128;
    while half > 0 {
        base += half * usize::from(padded[base + half - 1] < v);
        half /= 2;
    }
    base as u8
}

/// The largest `f32` not above `t`.
fn floor_f32(t: f64) -> f32 {
    let r = t as f32;
    if f64::from(r) > t {
        r.next_down()
    } else {
        r
    }
}

/// The rows of `0..n` the thresholds are found from: `None` for all of them,
/// or, above `BIN_SUBSAMPLE`, that many drawn without replacement with
/// `seed` (a partial Fisher–Yates shuffle).
pub(super) fn sample_rows(n: usize, seed: u64) -> Option<Vec<usize>> {
    (n > BIN_SUBSAMPLE).then(|| {
        let mut picked: Vec<usize> = (0..n).collect();
        let mut rng = SplitMix64::new(seed);
        for i in 0..BIN_SUBSAMPLE {
            let j = i + rng.below((n - i) as u64) as usize;
            picked.swap(i, j);
        }
        picked.truncate(BIN_SUBSAMPLE);
        picked
    })
}

/// Whether a [`key`] is a NaN's.
fn is_nan_key(k: u32) -> bool {
    unkey(k).is_nan()
}

/// Thresholds of one feature from its values' sorted keys (no NaN's).
fn feature_thresholds(sorted: &[u32], max_bins: usize) -> Vec<f32> {
    if sorted.is_empty() {
        return Vec::new();
    }
    let mut distinct: Vec<f32> = Vec::new();
    let mut last = None;
    for &k in sorted {
        if last != Some(k) {
            distinct.push(unkey(k));
            last = Some(k);
            if distinct.len() > max_bins {
                break;
            }
        }
    }
    let raw: Vec<f64> = if distinct.len() <= max_bins {
        distinct
            .windows(2)
            .map(|w| (f64::from(w[0]) + f64::from(w[1])) / 2.0)
            .collect()
    } else {
        let n = sorted.len();
        let at = |i: usize| f64::from(unkey(sorted[i]));
        (1..max_bins)
            .map(|i| {
                // averaged_inverted_cdf at q = i / max_bins: g = n q.
                let num = n * i;
                let j = num / max_bins;
                if num.is_multiple_of(max_bins) {
                    (at(j - 1) + at(j)) / 2.0
                } else {
                    at(j)
                }
            })
            .collect()
    };
    let mut out: Vec<f32> = raw.into_iter().map(floor_f32).collect();
    out.dedup();
    out
}

/// The listed rows of `x` as column-major `f32` (the row ABI's rounding):
/// feature `f` of the `i`-th listed row at `f * rows.len() + i`.
pub(crate) fn columns(x: &Matrix, rows: &[usize]) -> Vec<f32> {
    const BLOCK: usize = 8192;
    let n = rows.len();
    let mut out = vec![0f32; n * x.cols];
    if n == 0 {
        return out;
    }
    // One task per block of rows, writing that block of every column.
    let mut blocks: Vec<Vec<&mut [f32]>> = (0..n.div_ceil(BLOCK)).map(|_| Vec::new()).collect();
    for col in out.chunks_mut(n) {
        for (b, part) in col.chunks_mut(BLOCK).enumerate() {
            blocks[b].push(part);
        }
    }
    blocks.into_par_iter().enumerate().for_each(|(b, mut parts)| {
        for (i, &r) in rows[b * BLOCK..]
            .iter()
            .take(parts.first().map_or(0, |p| p.len()))
            .enumerate()
        {
            for (part, &v) in parts.iter_mut().zip(x.row(r)) {
                part[i] = v as f32;
            }
        }
    });
    out
}

impl BinMapper {
    /// Thresholds for every feature of the column-major `cols` (`n` values
    /// per feature, finite or NaN, from [`columns`]), from all rows or, when there
    /// are more, `BIN_SUBSAMPLE` drawn without replacement with `seed`.
    /// `2 <= max_bins <= 255`.
    pub fn fit(cols: &[f32], n: usize, max_bins: usize, seed: u64) -> BinMapper {
        let sample = sample_rows(n, seed);
        let thresholds = if n == 0 {
            Vec::new()
        } else {
            cols.par_chunks(n)
                .map(|col| {
                    let mut keys: Vec<u32> = match &sample {
                        Some(rows) => rows.iter().map(|&r| key(col[r])).collect(),
                        None => col.iter().map(|&v| key(v)).collect(),
                    };
                    keys.retain(|&k| !is_nan_key(k));
                    radix_sort(&mut keys);
                    feature_thresholds(&keys, max_bins)
                })
                .collect()
        };
        BinMapper {
            thresholds,
            categories: Vec::new(),
        }
    }

    /// The mapper whose feature `f` has the thresholds of the values whose
    /// [`key`]s are `keys[f]` (in any order), as [`BinMapper::fit`] finds
    /// them from the same values.
    pub fn from_keys(keys: Vec<Vec<u32>>, max_bins: usize) -> BinMapper {
        let thresholds = keys
            .into_par_iter()
            .map(|mut keys| {
                keys.retain(|&k| !is_nan_key(k));
                radix_sort(&mut keys);
                feature_thresholds(&keys, max_bins)
            })
            .collect();
        BinMapper {
            thresholds,
            categories: Vec::new(),
        }
    }

    /// The levels of feature `f` when it is categorical.
    pub fn levels(&self, f: usize) -> Option<usize> {
        self.categories.get(f).copied().flatten()
    }

    /// Number of bins of feature `f`: thresholds + 1, or a categorical
    /// feature's levels (at least one).
    pub fn n_bins(&self, f: usize) -> usize {
        match self.levels(f) {
            Some(levels) => levels.max(1),
            None => self.thresholds[f].len() + 1,
        }
    }

    /// The bin codes of the column-major `cols` (`n` rows per feature, as
    /// from [`columns`]), column-major alike.
    pub fn bin_columns(&self, cols: &[f32], n: usize) -> Vec<u8> {
        let mut out = vec![0u8; cols.len()];
        if n == 0 {
            return out;
        }
        out.par_chunks_mut(n)
            .zip(cols.par_chunks(n))
            .zip(&self.thresholds)
            .enumerate()
            .for_each(|(f, ((codes, col), t))| {
                if let Some(levels) = self.levels(f) {
                    for (c, &v) in codes.iter_mut().zip(col) {
                        let known = v >= 0.0 && v < levels as f32 && v.fract() == 0.0;
                        *c = if known { v as u8 } else { MISSING };
                    }
                    return;
                }
                let mut padded = [f32::INFINITY; 256];
                padded[..t.len()].copy_from_slice(t);
                for (c, &v) in codes.iter_mut().zip(col) {
                    *c = if v.is_nan() { MISSING } else { bin_of(&padded, v) };
                }
            });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_preserve_order_and_round_trip() {
        let vals = [-3.5f32, -0.0, 0.0, 1e-30, 2.0, 7.25];
        for w in vals.windows(2) {
            assert!(key(w[0]) <= key(w[1]));
        }
        for &v in &vals {
            assert_eq!(unkey(key(v)).to_bits(), v.to_bits());
        }
    }

    #[test]
    fn radix_sort_and_bin_search_agree_with_std() {
        let mut rng = SplitMix64::new(3);
        let mut keys: Vec<u32> = (0..5000).map(|_| rng.next_u64() as u32).collect();
        let mut expect = keys.clone();
        expect.sort_unstable();
        radix_sort(&mut keys);
        assert_eq!(keys, expect);
        let t: Vec<f32> = (0..200).map(|i| i as f32 * 0.5).collect();
        let mut padded = [f32::INFINITY; 256];
        padded[..200].copy_from_slice(&t);
        for i in -10..520 {
            let v = i as f32 * 0.2;
            assert_eq!(bin_of(&padded, v) as usize, t.partition_point(|&e| e < v), "{v}");
        }
        assert_eq!(bin_of(&padded, f32::NAN), 0);
    }

    #[test]
    fn few_distinct_values_give_midpoints() {
        let x = Matrix {
            rows: 6,
            cols: 1,
            data: vec![1.0, 3.0, 2.0, 3.0, 1.0, 2.0],
        };
        let cols = columns(&x, &(0..6).collect::<Vec<_>>());
        let m = BinMapper::fit(&cols, 6, 255, 0);
        assert_eq!(m.thresholds[0], vec![1.5, 2.5]);
        assert_eq!(m.bin_columns(&cols, 6), vec![0, 2, 1, 2, 0, 1]);
    }

    #[test]
    fn many_values_give_quantile_bins_that_respect_thresholds() {
        let n = 1000;
        let x = Matrix {
            rows: n,
            cols: 1,
            data: (0..n).map(|i| ((i * 7919) % n) as f64 * 0.37).collect(),
        };
        let cols = columns(&x, &(0..n).collect::<Vec<_>>());
        let m = BinMapper::fit(&cols, n, 16, 0);
        let t = &m.thresholds[0];
        assert_eq!(t.len(), 15);
        assert!(t.windows(2).all(|w| w[0] < w[1]));
        let codes = m.bin_columns(&cols, n);
        let mut counts = [0usize; 16];
        for (i, &c) in codes.iter().enumerate() {
            let v = x.data[i] as f32;
            let b = c as usize;
            assert!(b == 15 || v <= t[b]);
            assert!(b == 0 || v > t[b - 1]);
            counts[b] += 1;
        }
        assert!(counts.iter().all(|&c| (55..=70).contains(&c)), "{counts:?}");
    }
}
