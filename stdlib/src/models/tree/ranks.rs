//! Growing one tree on rows spread over the ranks of a distributed job
//! (random forests and extra trees under `distribute = "data"`): every
//! statistic a split decision reads is summed over the ranks before it is
//! read, so every rank picks the same split and grows the same tree while
//! partitioning only its own rows. What is summed:
//!
//! - a node's statistics (rows, weight, class weights or `Σ w·y`, `Σ w·y²`):
//!   the root's, and both children's after each split; a classifier's
//!   children take theirs from the split's summed histogram instead, which
//!   holds them (one message fewer per split);
//! - histograms: a node's full histogram, or (fewer features per node) the
//!   histograms of the first `max_features` visited features in one message,
//!   then one per further feature while all visited ones were constant;
//! - extra trees: the node's minimum and maximum of a feature, then the left
//!   side's statistics at the random threshold.
//!
//! Class weights are integers without `class_weight` (bootstrap counts), so
//! a classifier's sums are exact in any order and its trees equal one
//! process's bit for bit; a regressor's sums of `w·y` are equal to rounding.

use super::criterion::NodeStats;
use super::grow::Grower;
use mlg_runtime::collective::Collective;

impl Grower<'_> {
    /// Sums the statistics `each` over the ranks, in one message (no-op in
    /// one process). The absolute-error fields are not summed (refused on
    /// ranks).
    pub(super) fn sum_stats(&self, each: &mut [&mut NodeStats]) {
        let Some(comm) = self.comm else { return };
        let mut flat = Vec::new();
        for s in each.iter() {
            flat.push(s.n as f64);
            flat.push(s.w);
            flat.extend_from_slice(&s.sums);
            flat.push(s.sq);
        }
        comm.all_reduce_f64(&mut flat);
        let mut at = flat.into_iter();
        for s in each.iter_mut() {
            s.n = at.next().unwrap_or_default() as usize;
            s.w = at.next().unwrap_or_default();
            s.sums.iter_mut().for_each(|v| *v = at.next().unwrap_or_default());
            s.sq = at.next().unwrap_or_default();
        }
    }

    /// On ranks, a classifier's children's statistics at the split
    /// [`Grower::best_split`] chose from a summed histogram: the left side's
    /// row count and class weights at the split's boundary, and the rest of
    /// `parent`'s. Only where every weight is an integer (no
    /// `class_weight`), so the sums are exact and equal the rows' sums;
    /// `None` otherwise, in one process, for regressors, and for a split
    /// found another way (the caller then sums the children's statistics).
    pub(super) fn children_from_hist(&mut self, parent: &NodeStats) -> Option<(NodeStats, NodeStats)> {
        let whole = |v: &f64| v.fract() == 0.0;
        let left = (self.hist.chosen_left.take())
            .filter(|l| self.comm.is_some() && l.iter().all(whole) && parent.sums.iter().all(whole))?;
        let (n, sums) = (left[0] as usize, left[1..].to_vec());
        let w: f64 = sums.iter().sum();
        let rest: Vec<f64> = parent.sums.iter().zip(&sums).map(|(p, l)| p - l).collect();
        let stats = |n: usize, w: f64, sums: Vec<f64>| NodeStats {
            n,
            w,
            sums,
            sq: 0.0,
            median: 0.0,
            abs_error: 0.0,
        };
        Some((stats(n, w, sums), stats(parent.n - n, parent.w - w, rest)))
    }

    /// Sums `values` over the ranks (no-op in one process).
    pub(super) fn sum(&self, values: &mut [f64]) {
        if let Some(comm) = self.comm {
            comm.all_reduce_f64(values);
        }
    }

    /// The minimum and maximum over the ranks of `lo` and `hi`.
    pub(super) fn extremes(&self, lo: f32, hi: f32) -> (f32, f32) {
        let Some(comm) = self.comm else { return (lo, hi) };
        let mut low = [-f64::from(lo), f64::from(hi)];
        comm.all_reduce_extreme(&mut low, true);
        (-low[0] as f32, low[1] as f32)
    }

    /// Whether this growth sums over ranks.
    pub(super) fn on_ranks(&self) -> bool {
        self.comm.is_some()
    }

    /// The summed histograms of `features` over the node `idx[start..end]`,
    /// one message for all of them: the buffer and each feature's start in it.
    pub(super) fn visited_hists(
        &mut self,
        features: &[usize],
        start: usize,
        end: usize,
    ) -> (Vec<f64>, Vec<usize>) {
        let Some(bins) = self.data.bins.as_ref() else {
            return (Vec::new(), Vec::new());
        };
        let ch = self.hist.ch;
        let mut at = Vec::with_capacity(features.len());
        let mut size = 0;
        for &f in features {
            at.push(size);
            size += bins.n_bins(f) * ch;
        }
        let mut h = vec![0.0; size];
        for (&f, &from) in features.iter().zip(&at) {
            let to = from + bins.n_bins(f) * ch;
            self.accumulate_into(f, start, end, &mut h[from..to]);
        }
        self.sum(&mut h);
        (h, at)
    }
}

/// The collective a tree grows over: `Some` only when it has several ranks.
pub(crate) fn several(comm: Option<&dyn Collective>) -> Option<&dyn Collective> {
    comm.filter(|c| c.size() > 1)
}
