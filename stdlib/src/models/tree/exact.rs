//! Per-feature split searches on raw values: the exact search (scikit-learn's
//! `BestSplitter`: sort the node's values, scan every boundary between values
//! more than `FEATURE_THRESHOLD` apart) and the extra-trees search
//! (scikit-learn's `RandomSplitter`: one uniform threshold between the node's
//! minimum and maximum).

use super::bins::f32_at_most;
use super::bins::midpoint;
use super::criterion::{proxy, NodeStats};
use super::data::Labels;
use super::grow::{Candidate, Eval, Grower};
use super::{Criterion, FEATURE_THRESHOLD};

/// A sort key ordering `(x, row)` pairs by value, then row (`x` finite).
fn key(x: f32, row: u32) -> u64 {
    let bits = x.to_bits();
    let ordered = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    };
    (u64::from(ordered) << 32) | u64::from(row)
}

/// The value of a [`key`].
fn key_value(k: u64) -> f64 {
    let ordered = (k >> 32) as u32;
    let bits = if ordered >> 31 == 1 {
        ordered & 0x7fff_ffff
    } else {
        !ordered
    };
    f64::from(f32::from_bits(bits))
}

impl Grower<'_> {
    /// Adds (`sign = 1`) or removes (`-1`) row `r` to the left statistics.
    #[inline]
    fn add_left(&mut self, r: u32, sign: f64) -> f64 {
        let (r, w) = (r as usize, self.weight[r as usize]);
        match &self.data.labels {
            Labels::Classes { codes, .. } => self.left[codes[r] as usize] += sign * w,
            Labels::Values(y) => self.left[0] += sign * (w * y[r]),
        }
        w
    }

    /// The exact search on feature `f` of the node `idx[start..end]`.
    pub(super) fn eval_exact(&mut self, f: usize, start: usize, end: usize, stats: &NodeStats) -> Eval {
        let col = self.data.col(f);
        self.keys.clear();
        self.keys
            .extend(self.idx[start..end].iter().map(|&r| key(col[r as usize], r)));
        self.keys.sort_unstable();
        let n = self.keys.len();
        if key_value(self.keys[n - 1]) <= key_value(self.keys[0]) + FEATURE_THRESHOLD {
            return Eval::Constant;
        }
        self.sorted.clear();
        self.sorted.extend(self.keys.iter().map(|&k| k as u32));
        let crit = self.tree.criterion;
        let mae = crit == Criterion::AbsoluteError;
        if mae {
            self.mae.split_errors(self.weight, &self.sorted);
        }
        let min_leaf = self.tree.min_samples_leaf;
        let mut best: Option<Candidate> = None;
        // scikit-learn's Criterion.reset / update: statistics of rows [0, pos).
        self.left.iter_mut().for_each(|v| *v = 0.0);
        let mut wl = 0.0;
        let (mut pos, mut p) = (0usize, 0usize);
        while p < n {
            while p + 1 < n && key_value(self.keys[p + 1]) <= key_value(self.keys[p]) + FEATURE_THRESHOLD {
                p += 1;
            }
            p += 1;
            if p >= n || p < min_leaf || n - p < min_leaf {
                continue;
            }
            if mae || p - pos <= n - p {
                for q in pos..p {
                    wl += self.add_left(self.sorted[q], 1.0);
                }
            } else {
                self.left.copy_from_slice(&stats.sums);
                wl = stats.w;
                for q in (p..n).rev() {
                    wl -= self.add_left(self.sorted[q], -1.0);
                }
            }
            pos = p;
            let wr = stats.w - wl;
            let gain = if mae {
                let (il, ir) = (self.mae.left[p - 1] / wl, self.mae.right[p] / wr);
                -wr * ir - wl * il
            } else {
                for ((r, t), l) in self.right.iter_mut().zip(&stats.sums).zip(&self.left) {
                    *r = t - l;
                }
                proxy(crit, &self.left, &self.right, wl, wr)
            };
            if best.is_none_or(|b| gain > b.proxy) {
                let threshold = midpoint(key_value(self.keys[p - 1]), key_value(self.keys[p]));
                best = Some(Candidate {
                    feature: f,
                    threshold,
                    threshold32: f32_at_most(threshold),
                    proxy: gain,
                    bin: None,
                });
            }
        }
        Eval::Scanned(best)
    }

    /// The extra-trees search on feature `f`: a uniform threshold in the
    /// node's `[min, max)` (`min` when it rounds to `max`).
    pub(super) fn eval_random(&mut self, f: usize, start: usize, end: usize, stats: &NodeStats) -> Eval {
        let col = self.data.col(f);
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for &r in &self.idx[start..end] {
            let x = col[r as usize];
            lo = lo.min(x);
            hi = hi.max(x);
        }
        let (lo, hi) = self.extremes(lo, hi);
        let (lo, hi) = (f64::from(lo), f64::from(hi));
        if hi <= lo + FEATURE_THRESHOLD {
            return Eval::Constant;
        }
        let mut threshold = lo + (hi - lo) * self.sampler.uniform();
        if threshold >= hi {
            threshold = lo;
        }
        let t32 = f32_at_most(threshold);
        let crit = self.tree.criterion;
        self.left.iter_mut().for_each(|v| *v = 0.0);
        let (mut nl, mut wl) = (0usize, 0.0);
        self.part.clear();
        self.sorted.clear();
        for i in start..end {
            let r = self.idx[i];
            if col[r as usize] <= t32 {
                nl += 1;
                wl += self.add_left(r, 1.0);
                self.part.push(r);
            } else {
                self.sorted.push(r);
            }
        }
        if self.on_ranks() {
            let mut sums = [vec![nl as f64, wl], self.left.clone()].concat();
            self.sum(&mut sums);
            (nl, wl) = (sums[0] as usize, sums[1]);
            self.left.copy_from_slice(&sums[2..]);
        }
        let min_leaf = self.tree.min_samples_leaf;
        if nl < min_leaf || stats.n - nl < min_leaf {
            return Eval::Scanned(None);
        }
        let wr = stats.w - wl;
        let gain = match (&self.data.labels, crit) {
            (Labels::Values(y), Criterion::AbsoluteError) => {
                let (_, el) = self.mae.node(y, self.weight, &self.part);
                let (_, er) = self.mae.node(y, self.weight, &self.sorted);
                -wr * (er / wr) - wl * (el / wl)
            }
            _ => {
                for ((r, t), l) in self.right.iter_mut().zip(&stats.sums).zip(&self.left) {
                    *r = t - l;
                }
                proxy(crit, &self.left, &self.right, wl, wr)
            }
        };
        Eval::Scanned(Some(Candidate {
            feature: f,
            threshold,
            threshold32: t32,
            proxy: gain,
            bin: None,
        }))
    }
}
