//! The histogram split search: per-node, per-feature sums over the quantile
//! bins of `bins` (channels: row count, then per-class weights for a
//! classifier, or weight and `Σ w·y` for a regressor), scanned between every
//! pair of consecutive bins that hold rows of the node; the threshold is the
//! midpoint of the left bin's largest and the right bin's smallest value.
//!
//! Two modes, picked per tree by cost: when a node scans at least half the
//! features (`2·max_features >= d`, e.g. a decision tree), every node keeps a
//! histogram of all features and each split builds only its smaller child's
//! (from its rows) and gets the larger one by subtraction from the parent's;
//! with fewer features per node (random forests' `sqrt`), building just the
//! visited features' histograms from the node's rows costs less than all
//! features for the smaller child, so no histograms are kept.

use super::bins::f32_at_most;
use super::bins::midpoint;
use super::criterion::proxy;
use super::data::{Labels, TreeData};
use super::grow::{Candidate, Eval, Grower};
use super::Criterion;

/// Histogram buffers of one tree.
pub(crate) struct HistState {
    /// Channels per bin: `1 + classes` or 3.
    pub ch: usize,
    /// Every node keeps a full histogram (subtraction mode).
    pub full: bool,
    /// The histogram search is in use (binned data, payload built).
    enabled: bool,
    /// Channel values of the sample's rows in index-array order: the row at
    /// `idx[i]` has its channels at `payload[i·ch..]` (kept aligned by
    /// [`Grower::partition_hist`], so node scans read it sequentially).
    pub(super) payload: Vec<f64>,
    /// Targets in index-array order (regressor), for `Σ w·y²`.
    pub(super) ys: Vec<f64>,
    /// Partition scratch for `payload` / `ys`.
    pub(super) payload_right: Vec<f64>,
    pub(super) ys_right: Vec<f64>,
    /// One feature's histogram (sampled mode).
    scratch: Vec<f64>,
    /// Left / right / all channel sums while scanning.
    acc: Vec<f64>,
    rest: Vec<f64>,
    total: Vec<f64>,
    /// Released full histograms, reused.
    pool: Vec<Vec<f64>>,
    /// On ranks, a classifier's left-side channel sums (summed over the
    /// ranks) at the best boundary of the last scan, and at the node's
    /// chosen split once [`Grower::best_split`] has picked it: the
    /// children's statistics, without a message (`ranks.rs`).
    pub(super) best_left: Vec<f64>,
    pub(super) chosen_left: Option<Vec<f64>>,
}

impl HistState {
    /// The buffers for a fit of `data` on the sample `rows` (in index-array
    /// order) with row weights `weight`; empty unless `enabled` (and `data`
    /// has bins). `full` selects the subtraction mode.
    pub(crate) fn new(data: &TreeData, weight: &[f64], rows: &[u32], enabled: bool, full: bool) -> Self {
        let width = data.width();
        let ch = match data.labels {
            Labels::Classes { .. } => 1 + width,
            Labels::Values(_) => 3,
        };
        let enabled = enabled && data.bins.is_some();
        let (mut payload, mut ys) = (Vec::new(), Vec::new());
        if enabled {
            payload = vec![0.0; rows.len() * ch];
            for (&r, p) in rows.iter().zip(payload.chunks_exact_mut(ch)) {
                let (r, w) = (r as usize, weight[r as usize]);
                p[0] = 1.0;
                match &data.labels {
                    Labels::Classes { codes, .. } => p[1 + codes[r] as usize] = w,
                    Labels::Values(y) => {
                        p[1] = w;
                        p[2] = w * y[r];
                        ys.push(y[r]);
                    }
                }
            }
        }
        HistState {
            ch,
            full: enabled && full,
            enabled,
            payload,
            ys,
            payload_right: Vec::new(),
            ys_right: Vec::new(),
            best_left: Vec::new(),
            chosen_left: None,
            scratch: Vec::new(),
            acc: vec![0.0; ch],
            rest: vec![0.0; ch],
            total: vec![0.0; ch],
            pool: Vec::new(),
        }
    }

    /// Whether the histogram search (and its payload) is in use.
    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Returns a full histogram to the pool.
    pub(crate) fn recycle(&mut self, hist: Option<Vec<f64>>) {
        if let Some(h) = hist {
            self.pool.push(h);
        }
    }
}

/// Adds the channels of `rows` (`payload`, aligned with `rows`) into `hist`
/// at their bin codes.
fn accumulate(codes: &[u8], rows: &[u32], payload: &[f64], ch: usize, hist: &mut [f64]) {
    #[inline(always)]
    fn fixed<const C: usize>(codes: &[u8], rows: &[u32], payload: &[f64], hist: &mut [f64]) {
        for (&r, src) in rows.iter().zip(payload.chunks_exact(C)) {
            let b = codes[r as usize] as usize * C;
            let src: &[f64; C] = src.try_into().expect("C channels");
            let dst: &mut [f64; C] = (&mut hist[b..b + C]).try_into().expect("C channels");
            for c in 0..C {
                dst[c] += src[c];
            }
        }
    }
    match ch {
        2 => fixed::<2>(codes, rows, payload, hist),
        3 => fixed::<3>(codes, rows, payload, hist),
        4 => fixed::<4>(codes, rows, payload, hist),
        5 => fixed::<5>(codes, rows, payload, hist),
        _ => {
            for (&r, src) in rows.iter().zip(payload.chunks_exact(ch)) {
                let b = codes[r as usize] as usize * ch;
                hist[b..b + ch].iter_mut().zip(src).for_each(|(h, v)| *h += v);
            }
        }
    }
}

impl Grower<'_> {
    /// The histogram of every feature over `idx[start..end]`.
    pub(super) fn full_hist(&mut self, start: usize, end: usize) -> Vec<f64> {
        let Some(bins) = self.data.bins.as_ref() else {
            return Vec::new();
        };
        let ch = self.hist.ch;
        let mut h = self.hist.pool.pop().unwrap_or_default();
        h.clear();
        h.resize(bins.total * ch, 0.0);
        let rows = &self.idx[start..end];
        for j in 0..self.data.d {
            let off = bins.offsets[j] * ch;
            let payload = &self.hist.payload[start * ch..end * ch];
            accumulate(bins.codes(j, self.data.n), rows, payload, ch, &mut h[off..]);
        }
        self.sum(&mut h);
        h
    }

    /// Adds feature `f`'s channels of the node `idx[start..end]` (this
    /// rank's rows) into `h`, one bin after another.
    pub(super) fn accumulate_into(&self, f: usize, start: usize, end: usize, h: &mut [f64]) {
        let Some(bins) = self.data.bins.as_ref() else {
            return;
        };
        let ch = self.hist.ch;
        let rows = &self.idx[start..end];
        let payload = &self.hist.payload[start * ch..end * ch];
        accumulate(bins.codes(f, self.data.n), rows, payload, ch, h);
    }

    /// The children's full histograms after splitting `parent` at `mid`
    /// (`(start, mid, end)`), for the children that `need` one: the smaller
    /// child (by the rows `counts` of both, over every rank) from its rows,
    /// the larger one as parent − smaller.
    pub(super) fn child_hists(
        &mut self,
        parent: Option<Vec<f64>>,
        (start, mid, end): (usize, usize, usize),
        need: (bool, bool),
        counts: (usize, usize),
    ) -> (Option<Vec<f64>>, Option<Vec<f64>>) {
        let Some(mut parent) = parent else {
            return (None, None);
        };
        let left_small = counts.0 <= counts.1;
        let (need_small, need_large) = if left_small { need } else { (need.1, need.0) };
        let (small, large) = if need_large {
            let small = if left_small {
                self.full_hist(start, mid)
            } else {
                self.full_hist(mid, end)
            };
            parent.iter_mut().zip(&small).for_each(|(p, s)| *p -= s);
            if need_small {
                (Some(small), Some(parent))
            } else {
                self.hist.recycle(Some(small));
                (None, Some(parent))
            }
        } else {
            self.hist.recycle(Some(parent));
            let small = need_small.then(|| {
                if left_small {
                    self.full_hist(start, mid)
                } else {
                    self.full_hist(mid, end)
                }
            });
            (small, None)
        };
        if left_small {
            (small, large)
        } else {
            (large, small)
        }
    }

    /// The histogram search on feature `f` of the node `idx[start..end]`,
    /// reading the node's full histogram `node` when it has one.
    pub(super) fn eval_hist(&mut self, f: usize, start: usize, end: usize, node: Option<&[f64]>) -> Eval {
        let Some(bins) = self.data.bins.as_ref() else {
            return Eval::Constant;
        };
        let (ch, nb) = (self.hist.ch, bins.n_bins(f));
        let mut scratch = std::mem::take(&mut self.hist.scratch);
        let h: &[f64] = match node {
            Some(full) => &full[bins.offsets[f] * ch..(bins.offsets[f] + nb) * ch],
            None => {
                scratch.clear();
                scratch.resize(nb * ch, 0.0);
                self.accumulate_into(f, start, end, &mut scratch);
                self.sum(&mut scratch);
                &scratch
            }
        };
        let eval = self.scan_hist(f, h, nb);
        self.hist.scratch = scratch;
        eval
    }

    /// Scans the `nb` bins of feature `f`'s histogram `h` for the best split.
    pub(super) fn scan_hist(&mut self, f: usize, h: &[f64], nb: usize) -> Eval {
        let ch = self.hist.ch;
        let keep_left = self.comm.is_some() && self.tree.criterion.is_classifier();
        let HistState {
            acc,
            rest,
            total,
            best_left,
            ..
        } = &mut self.hist;
        total.iter_mut().for_each(|v| *v = 0.0);
        let mut non_empty = 0usize;
        for bin in h.chunks_exact(ch) {
            if bin[0] > 0.0 {
                non_empty += 1;
                total.iter_mut().zip(bin).for_each(|(t, v)| *t += v);
            }
        }
        if non_empty <= 1 {
            return Eval::Constant;
        }
        let Some(bins) = self.data.bins.as_ref() else {
            return Eval::Constant;
        };
        let total: &[f64] = total;
        let (n, min_leaf) = (total[0], self.tree.min_samples_leaf as f64);
        let crit = self.tree.criterion;
        let classifier = crit.is_classifier();
        let w_total: f64 = if classifier {
            total[1..].iter().sum()
        } else {
            total[1]
        };
        acc.iter_mut().for_each(|v| *v = 0.0);
        let mut best: Option<Candidate> = None;
        // `acc` holds bins 0..=prev, the last non-empty bin before `b`.
        let mut prev: Option<usize> = None;
        for (b, bin) in h.chunks_exact(ch).enumerate().take(nb) {
            if bin[0] <= 0.0 {
                continue;
            }
            let nl = acc[0];
            if let Some(p) = prev.filter(|_| nl >= min_leaf && n - nl >= min_leaf) {
                rest.iter_mut()
                    .zip(total)
                    .zip(acc.iter())
                    .for_each(|((r, t), a)| *r = t - a);
                let gain = if classifier {
                    let wl: f64 = acc[1..].iter().sum();
                    proxy(crit, &acc[1..], &rest[1..], wl, w_total - wl)
                } else {
                    proxy(
                        Criterion::SquaredError,
                        &acc[2..3],
                        &rest[2..3],
                        acc[1],
                        w_total - acc[1],
                    )
                };
                if best.is_none_or(|c| gain > c.proxy) {
                    if keep_left {
                        best_left.clone_from(acc);
                    }
                    let threshold = midpoint(bins.hi[f][p], bins.lo[f][b]);
                    best = Some(Candidate {
                        feature: f,
                        threshold,
                        threshold32: f32_at_most(threshold),
                        proxy: gain,
                        bin: u8::try_from(p).ok(),
                    });
                }
            }
            acc.iter_mut().zip(bin).for_each(|(a, v)| *a += v);
            prev = Some(b);
        }
        Eval::Scanned(best)
    }
}
