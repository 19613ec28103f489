//! Growing one tree on binned rows from gradients and hessians, best-first
//! (leaf-wise) or level-wise, like scikit-learn's `TreeGrower`.
//!
//! The node's rows are a range of one partitioned row list. A node's
//! histogram is built only for the smaller child of a split; the larger
//! child's is the parent's minus it (computed in the parent's buffer). A node
//! may split when it is shallower than `max_depth`, has at least
//! `2 · min_samples_leaf` rows, and [`best_split`] finds a split; growth stops
//! at `max_leaf_nodes` leaves. Leaf values are `−learning_rate · G / (H + λ)`.
//!
//! Distributed (LightGBM's and XGBoost's data-parallel `hist`): each rank
//! holds some of the rows and builds its histograms from them; every
//! histogram is summed over the ranks before it is scanned or subtracted, so
//! every rank sees the histograms of all the rows, picks the same splits and
//! grows the same tree, while partitioning only its own rows.

use super::categorical::BinSet;
use super::hist::{choose, subtract, Bin, FeatureHist, SplitInfo, SplitRules, Sums, Unit};
use super::kernels::{partition, pass, scan};
use mlg_runtime::collective::Collective;
use rayon::prelude::*;
use std::sync::Arc;

/// Rows of a node from which its gradient pairs are gathered in parallel.
const PARALLEL_GATHER_ROWS: usize = 8192;

/// Tree-shape parameters of one grower.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GrowParams {
    pub max_leaf_nodes: usize,
    pub max_depth: Option<usize>,
    pub depthwise: bool,
    pub learning_rate: f64,
    pub rules: SplitRules,
}

/// One node of a grown tree; children have larger indices than their parent.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct GrownNode {
    /// `(feature, bin, left, right)`: rows with bin `<= bin` go left.
    pub split: Option<(usize, u8, usize, usize)>,
    /// Whether rows missing the split's feature go left.
    pub missing_left: bool,
    /// A categorical split's left set of bins (then `bin` is unused).
    pub cats: Option<BinSet>,
    /// Leaf value (shrinkage applied); also set, unused, on internal nodes.
    pub value: f64,
    /// Gain of the node's split (0 for leaves).
    pub gain: f64,
    /// The node's rows: `rows[start..end]` of the grower's row list.
    pub start: usize,
    pub end: usize,
}

impl GrownNode {
    /// Whether a row of bin `code` goes left at this node's split.
    #[inline]
    pub fn goes_left(&self, code: u8) -> bool {
        match (&self.cats, self.split) {
            (Some(set), _) => super::categorical::contains(set, code),
            (None, Some((_, bin, ..))) => code <= bin || (self.missing_left && code == super::bins::MISSING),
            (None, None) => false,
        }
    }
}

/// The binned training data a grower reads.
pub(crate) struct BinnedData<'a> {
    /// Column-major bin codes, `n_rows` per feature.
    pub codes: &'a [u8],
    pub n_rows: usize,
    /// Bins per feature.
    pub n_bins: &'a [usize],
    /// Whether each feature is categorical (its bins are category codes,
    /// split by sets, see [`super::categorical`]).
    pub categorical: &'a [bool],
}

/// A node waiting to be split (or to become a leaf).
struct Open {
    node: usize,
    depth: usize,
    hist: Option<Vec<FeatureHist>>,
    split: Option<SplitInfo>,
}

/// Grows trees; buffers are reused from tree to tree.
pub(crate) struct Grower<'a> {
    data: BinnedData<'a>,
    params: GrowParams,
    pool: Vec<Vec<FeatureHist>>,
    gathered: Vec<[i32; 2]>,
    scratch: Vec<u32>,
    /// The ranks of a distributed job (`None` in one process).
    comm: Option<Arc<dyn Collective>>,
    /// Distributed: the features this rank sums and scans, and every rank's
    /// count of histogram values ([`super::ranks::blocks`]), for the tree
    /// being grown.
    owned: Vec<bool>,
    counts: Vec<usize>,
}

/// A grown tree and the partitioned rows its nodes' ranges index.
pub(crate) struct GrownTree {
    pub nodes: Vec<GrownNode>,
    pub rows: Vec<u32>,
}

/// The open node to split next: the largest gain (best-first), or the
/// shallowest then largest gain (level-wise); the first on ties.
fn next_split(open: &[Open], depthwise: bool) -> Option<usize> {
    open.iter()
        .enumerate()
        .filter_map(|(i, o)| o.split.map(|s| (i, o.depth, s.gain)))
        .reduce(|best, cur| {
            let better = if depthwise {
                cur.1 < best.1 || (cur.1 == best.1 && cur.2 > best.2)
            } else {
                cur.2 > best.2
            };
            if better {
                cur
            } else {
                best
            }
        })
        .map(|(i, ..)| i)
}

impl<'a> Grower<'a> {
    /// A grower over `data` with `params`; with `comm` (a distributed job),
    /// histograms are summed over its ranks.
    pub fn new(data: BinnedData<'a>, params: GrowParams, comm: Option<Arc<dyn Collective>>) -> Self {
        Grower {
            data,
            params,
            pool: Vec::new(),
            gathered: Vec::new(),
            scratch: Vec::new(),
            comm: comm.filter(|c| c.size() > 1),
            owned: Vec::new(),
            counts: Vec::new(),
        }
    }

    /// In a distributed job, replaces the bins of this rank's features of
    /// `hist` (this rank's rows) by their sums over every rank.
    fn reduce(&self, hist: &mut [FeatureHist], active: &[bool]) {
        if let Some(comm) = &self.comm {
            let layout = (active, &self.owned[..], &self.counts[..]);
            super::ranks::reduce_owned(comm.as_ref(), hist, layout, self.data.n_bins);
        }
    }

    fn take_hist(&mut self) -> Vec<FeatureHist> {
        self.pool
            .pop()
            .unwrap_or_else(|| vec![[Bin::default(); super::hist::SLOTS]; self.data.n_bins.len()])
    }

    /// Gathers the gradient pairs of `rows` into `self.gathered`.
    fn gather(&mut self, rows: &[u32], gh: &[[i32; 2]]) {
        self.gathered.clear();
        if rows.len() >= PARALLEL_GATHER_ROWS {
            self.gathered.par_extend(rows.par_iter().map(|&r| gh[r as usize]));
        } else {
            self.gathered.extend(rows.iter().map(|&r| gh[r as usize]));
        }
    }

    /// The root's histogram, sums and best split.
    fn root(
        &mut self,
        rows: &[u32],
        all: bool,
        gh: &[[i32; 2]],
        active: &[bool],
    ) -> (Vec<FeatureHist>, Sums, Option<SplitInfo>) {
        let mut hist = self.take_hist();
        let rules = self.params.rules;
        if all {
            pass(&self.data, &rules, None, gh, active, (&mut hist, None), None);
        } else {
            self.gather(rows, gh);
            pass(
                &self.data,
                &rules,
                Some(rows),
                &self.gathered,
                active,
                (&mut hist, None),
                None,
            );
        }
        self.reduce(&mut hist, active);
        // Distributed, each rank reads and scans only the features it owns.
        let mine = if self.comm.is_some() {
            &self.owned[..]
        } else {
            active
        };
        let first = mine.iter().position(|&a| a);
        let sums = first.map(|f| Sums::of_feature(&hist, f));
        let split = sums
            .filter(|s| self.can_split(0, s.n))
            .and_then(|sums| choose(scan(&self.data, &rules, &hist, sums, mine), sums, &rules));
        let (sums, split) = match &self.comm {
            Some(comm) => {
                let [agreed] = super::ranks::agree(comm.as_ref(), [(sums, split)]);
                agreed
            }
            None => (sums, split),
        };
        (hist, sums.unwrap_or_default(), split)
    }

    /// Both children's histograms and best splits (`None` where not
    /// `splittable`): child `small`'s histogram is built from `small_rows`,
    /// the other's by subtraction in the parent's buffer, in one pass.
    #[allow(clippy::too_many_arguments)]
    fn children(
        &mut self,
        mut parent: Vec<FeatureHist>,
        small_rows: &[u32],
        small: usize,
        sums: [Sums; 2],
        splittable: [bool; 2],
        gh: &[[i32; 2]],
        active: &[bool],
    ) -> [(Option<Vec<FeatureHist>>, Option<SplitInfo>); 2] {
        let mut small_hist = self.take_hist();
        self.gather(small_rows, gh);
        let rules = self.params.rules;
        let total = |k: usize| splittable[k].then_some(sums[k]);
        if let Some(comm) = self.comm.clone() {
            // Build this rank's part, sum it over the ranks, then subtract
            // and scan (one process fuses the three in one pass).
            pass(
                &self.data,
                &rules,
                Some(small_rows),
                &self.gathered,
                active,
                (&mut small_hist, None),
                None,
            );
            self.reduce(&mut small_hist, active);
            let owned = &self.owned;
            for (f, (p, c)) in parent.iter_mut().zip(&small_hist).enumerate() {
                if owned[f] {
                    subtract(p, c);
                }
            }
            let best = |hist: &[FeatureHist], k: usize| {
                total(k).and_then(|t| choose(scan(&self.data, &rules, hist, t, owned), t, &rules))
            };
            let mine = [(None, best(&small_hist, small)), (None, best(&parent, 1 - small))];
            let [(_, small_split), (_, big_split)] = super::ranks::agree(comm.as_ref(), mine);
            let out = [(Some(small_hist), small_split), (Some(parent), big_split)];
            return if small == 0 {
                out
            } else {
                let [a, b] = out;
                [b, a]
            };
        }
        let [small_candidates, big_candidates] = pass(
            &self.data,
            &rules,
            Some(small_rows),
            &self.gathered,
            active,
            (&mut small_hist, total(small)),
            Some((&mut parent, total(1 - small))),
        );
        let small_split = total(small).and_then(|t| choose(small_candidates, t, &rules));
        let big_split = total(1 - small).and_then(|t| choose(big_candidates, t, &rules));
        let out = [(Some(small_hist), small_split), (Some(parent), big_split)];
        if small == 0 {
            out
        } else {
            let [a, b] = out;
            [b, a]
        }
    }

    fn can_split(&self, depth: usize, n: u32) -> bool {
        self.params.max_depth.is_none_or(|m| depth < m)
            && n as usize >= 2 * self.params.rules.min_samples_leaf as usize
    }

    fn leaf_value(&self, s: Sums) -> f64 {
        let (g, h) = s.real(self.params.rules.unit);
        let v = -self.params.learning_rate * g / (h + self.params.rules.l2);
        if v.is_finite() {
            v
        } else {
            0.0
        }
    }

    /// Grows one tree on the rows `rows` (ascending; every row when `all`)
    /// from the per-row `(gradient, hessian)` pairs `gh` in grid steps of
    /// size `unit`, using the `active` features only (at least one).
    pub fn grow(
        &mut self,
        mut rows: Vec<u32>,
        all: bool,
        (gh, unit): (&[[i32; 2]], Unit),
        active: &[bool],
    ) -> GrownTree {
        self.params.rules.unit = unit;
        if let Some(comm) = &self.comm {
            (self.owned, self.counts) =
                super::ranks::blocks(active, self.data.n_bins, comm.size(), comm.rank());
        }
        let (root_hist, sums, split) = self.root(&rows, all, gh, active);
        let mut nodes = vec![GrownNode {
            split: None,
            missing_left: false,
            cats: None,
            value: self.leaf_value(sums),
            gain: 0.0,
            start: 0,
            end: rows.len(),
        }];
        let mut open = vec![Open {
            node: 0,
            depth: 0,
            hist: Some(root_hist),
            split,
        }];
        let mut n_leaves = 1;
        while n_leaves < self.params.max_leaf_nodes {
            let Some(i) = next_split(&open, self.params.depthwise) else {
                break;
            };
            let parent = open.remove(i);
            let Some(split) = parent.split else { break };
            let (start, end) = (nodes[parent.node].start, nodes[parent.node].end);
            let col =
                &self.data.codes[split.feature * self.data.n_rows..(split.feature + 1) * self.data.n_rows];
            let n_left = partition(&mut rows[start..end], col, &split, &mut self.scratch);
            debug_assert!(self.comm.is_some() || n_left == split.left.n as usize);
            let (l, r) = (nodes.len(), nodes.len() + 1);
            nodes[parent.node].split = Some((split.feature, split.bin, l, r));
            nodes[parent.node].missing_left = split.missing_left;
            nodes[parent.node].cats = split.cats;
            nodes[parent.node].gain = split.gain;
            for (sums, s, e) in [
                (split.left, start, start + n_left),
                (split.right, start + n_left, end),
            ] {
                nodes.push(GrownNode {
                    split: None,
                    missing_left: false,
                    cats: None,
                    value: self.leaf_value(sums),
                    gain: 0.0,
                    start: s,
                    end: e,
                });
            }
            n_leaves += 1;
            let depth = parent.depth + 1;
            let full = n_leaves >= self.params.max_leaf_nodes;
            let splittable = [
                !full && self.can_split(depth, split.left.n),
                !full && self.can_split(depth, split.right.n),
            ];
            let children = match parent.hist {
                Some(hist) if splittable[0] || splittable[1] => {
                    let small = usize::from(split.right.n < split.left.n);
                    let (s, e) = (nodes[l + small].start, nodes[l + small].end);
                    let sums = [split.left, split.right];
                    self.children(hist, &rows[s..e], small, sums, splittable, gh, active)
                }
                other => {
                    if let Some(hist) = other {
                        self.pool.push(hist);
                    }
                    [(None, None), (None, None)]
                }
            };
            for (k, (hist, split)) in children.into_iter().enumerate() {
                let hist = match (hist, split.is_some()) {
                    (Some(hh), false) => {
                        self.pool.push(hh);
                        None
                    }
                    (hh, _) => hh,
                };
                open.push(Open {
                    node: l + k,
                    depth,
                    hist,
                    split,
                });
            }
        }
        for o in open {
            if let Some(hh) = o.hist {
                self.pool.push(hh);
            }
        }
        GrownTree { nodes, rows }
    }
}
