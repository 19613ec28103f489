//! Growing a tree: scikit-learn's depth-first builder over a shared index
//! array (each node owns a contiguous segment, partitioned stably in place),
//! the per-node feature visit order with scikit-learn's `max_features`
//! stopping rule, and the entry points `fit_tree` / `fit_tree_sampled` /
//! `grow`. The per-feature split searches live in `exact` and `hist`.

use super::criterion::NodeStats;
use super::data::{Labels, TreeData};
use super::hist::HistState;
use super::mae::Mae;
use super::*;
use crate::eval::rng::SplitMix64;
use mlg_runtime::collective::Collective;

/// The random source of a tree: the order features are visited in at each
/// node and, for extra trees, the random thresholds. At every node features
/// are drawn without replacement until `max_features` were visited and at
/// least one of them was not constant in the node (scikit-learn's rule:
/// constant features count as visited).
#[derive(Clone, Debug)]
pub struct FeatureSampler {
    rng: SplitMix64,
    max_features: usize,
}

impl FeatureSampler {
    /// A sampler drawing from `rng` and visiting at least `max_features`
    /// (clamped to `1..`) features per node.
    pub fn new(rng: SplitMix64, max_features: usize) -> Self {
        FeatureSampler {
            rng,
            max_features: max_features.max(1),
        }
    }

    /// A uniform index in `from..to` (`from < to`).
    fn draw(&mut self, from: usize, to: usize) -> usize {
        from + self.rng.below((to - from) as u64) as usize
    }

    /// A uniform `f64` in `[0, 1)`.
    pub(super) fn uniform(&mut self) -> f64 {
        self.rng.next_f64()
    }
}

/// The best split found for a node so far.
#[derive(Clone, Copy, Debug)]
pub(super) struct Candidate {
    /// Feature split on.
    pub feature: usize,
    /// The `f64` threshold recorded in the tree (scikit-learn's midpoint, or
    /// the random threshold of extra trees).
    pub threshold: f64,
    /// The `f32` comparison actually used: rows with `x <= threshold32` go left.
    pub threshold32: f32,
    /// scikit-learn's proxy impurity improvement (larger is better).
    pub proxy: f64,
    /// Histogram search: the last bin that goes left (rows with code
    /// `<= bin`, the same rows as `x <= threshold32`).
    pub bin: Option<u8>,
}

/// What scanning one feature of a node gave.
pub(super) enum Eval {
    /// The feature is constant in the node.
    Constant,
    /// The best valid split on the feature, if any.
    Scanned(Option<Candidate>),
}

/// The relative margin by which a later feature's split must beat the best
/// so far in the histogram and random searches ([`Grower::beats`]).
const TIE: f64 = 1e-12;

/// The state of one tree's growth.
pub(super) struct Grower<'a> {
    pub tree: &'a DecisionTree,
    pub data: &'a TreeData,
    /// Weight of every row of `data` (rows outside the sample are unused).
    pub weight: &'a [f64],
    /// `Exact`, `Hist` or `Random`.
    pub search: Splitter,
    pub sampler: FeatureSampler,
    random_order: bool,
    features: Vec<usize>,
    /// The sample's rows; node segments are ranges of it.
    pub idx: Vec<u32>,
    pub keys: Vec<u64>,
    pub sorted: Vec<u32>,
    pub part: Vec<u32>,
    pub left: Vec<f64>,
    pub right: Vec<f64>,
    pub mae: Mae,
    pub hist: HistState,
    /// The ranks whose rows the tree grows on (`ranks.rs`); `None` in one
    /// process.
    pub comm: Option<&'a dyn Collective>,
}

/// A node waiting to be built: its segment of the index array, depth,
/// statistics, impurity, full histogram (hist splitter, all features) and the
/// parent whose `left` (`true`) or `right` child it becomes.
struct Pending {
    start: usize,
    end: usize,
    depth: usize,
    stats: NodeStats,
    impurity: f64,
    hist: Option<Vec<f64>>,
    parent: Option<(usize, bool)>,
}

impl DecisionTree {
    /// [`Estimator::fit`] with the concrete fitted type. Errors on a target of
    /// the wrong kind, a class code outside the labels, a non-finite target, or
    /// missing / non-finite features.
    pub fn fit_tree(&self, x: &Matrix, y: &Target) -> Result<FittedTree, OpError> {
        self.fit_tree_sampled(x, y, None)
    }

    /// [`DecisionTree::fit_tree`] with an optional feature sampler, which then
    /// replaces `max_features` / `seed` and always visits features in random
    /// order; `None` uses the tree's own (index order when every feature is
    /// scanned and thresholds are not random).
    pub fn fit_tree_sampled(
        &self,
        x: &Matrix,
        y: &Target,
        sampler: Option<&mut FeatureSampler>,
    ) -> Result<FittedTree, OpError> {
        let classifier = self.criterion.is_classifier();
        let other = if classifier { REGRESSOR } else { CLASSIFIER };
        let binned = self.resolved_splitter(x.rows) == Splitter::Hist;
        let data = TreeData::new(self.op(), other, x, y, classifier, binned)?;
        let mut weight = vec![1.0; data.n];
        if let (Some(per_label), Labels::Classes { codes, .. }) =
            (self.class_weight.per_label(self.op(), y, None)?, &data.labels)
        {
            for (w, &c) in weight.iter_mut().zip(codes) {
                *w = per_label[c as usize];
            }
        }
        let rows: Vec<u32> = (0..data.n as u32).collect();
        Ok(match sampler {
            Some(s) => {
                let (tree, used) = self.grow(&data, &weight, rows, s.clone(), true, None);
                *s = used;
                tree
            }
            None => {
                let k = self.max_features.count(data.d);
                let random = k < data.d || self.splitter == Splitter::Random;
                let sampler = FeatureSampler::new(SplitMix64::new(self.seed), k);
                self.grow(&data, &weight, rows, sampler, random, None).0
            }
        })
    }

    /// Grows a tree on the sample `rows` (ascending, distinct, positive
    /// `weight`) of `data`, visiting features in `sampler` order when
    /// `random_order` (index order otherwise). Uses the histogram search when
    /// the resolved splitter is `Hist` and `data` has bins (exact otherwise).
    /// Returns the tree and the sampler's final state.
    ///
    /// With `comm` of several ranks, this rank holds `data` and every rank
    /// calls it with the same sampler: the tree is that of one process
    /// holding every rank's rows (`ranks.rs`). The histogram search then
    /// needs bins equal on every rank, and the exact search is not available.
    pub(crate) fn grow(
        &self,
        data: &TreeData,
        weight: &[f64],
        rows: Vec<u32>,
        sampler: FeatureSampler,
        random_order: bool,
        comm: Option<&dyn Collective>,
    ) -> (FittedTree, FeatureSampler) {
        let search = match self.resolved_splitter(data.n) {
            Splitter::Hist if data.bins.is_none() => Splitter::Exact,
            Splitter::Auto => Splitter::Exact,
            other => other,
        };
        let k = sampler.max_features;
        let hist = HistState::new(data, weight, &rows, search == Splitter::Hist, 2 * k >= data.d);
        let mut g = Grower {
            tree: self,
            data,
            weight,
            search,
            sampler,
            random_order,
            features: (0..data.d).collect(),
            idx: rows,
            keys: Vec::new(),
            sorted: Vec::new(),
            part: Vec::new(),
            left: vec![0.0; data.width()],
            right: vec![0.0; data.width()],
            mae: Mae::default(),
            hist,
            comm: super::ranks::several(comm),
        };
        let mut tree = g.build();
        super::prune::prune(&mut tree, self.ccp_alpha);
        (tree, g.sampler)
    }

    /// Whether a node at `depth` with `stats` and `impurity` may be split.
    fn may_split(&self, depth: usize, stats: &NodeStats, impurity: f64) -> bool {
        depth < self.max_depth.unwrap_or(usize::MAX)
            && stats.n >= self.min_samples_split
            && stats.n >= 2 * self.min_samples_leaf
            && impurity > EPSILON
    }
}

impl Grower<'_> {
    fn stats(&mut self, start: usize, end: usize) -> NodeStats {
        NodeStats::of(
            self.data,
            self.weight,
            &self.idx[start..end],
            self.tree.criterion,
            &mut self.mae,
        )
    }

    fn build(&mut self) -> FittedTree {
        let (tree, crit, d) = (self.tree, self.tree.criterion, self.data.d);
        let n = self.idx.len();
        let mut root = self.stats(0, n);
        self.sum_stats(&mut [&mut root]);
        let total_w = root.w;
        let impurity = root.impurity(crit);
        let hist = (self.hist.full && tree.may_split(0, &root, impurity)).then(|| self.full_hist(0, n));
        let mut stack = vec![Pending {
            start: 0,
            end: n,
            depth: 0,
            stats: root,
            impurity,
            hist,
            parent: None,
        }];
        let mut nodes: Vec<TreeNode> = Vec::new();
        let mut importances = vec![0.0; d];
        while let Some(p) = stack.pop() {
            let id = nodes.len();
            nodes.push(TreeNode {
                split: None,
                value: p.stats.value(crit),
                impurity: p.impurity,
                n_samples: p.stats.n,
                weight: p.stats.w,
            });
            if let Some((parent, is_left)) = p.parent {
                if let Some(split) = nodes[parent].split.as_mut() {
                    if is_left {
                        split.left = id;
                    } else {
                        split.right = id;
                    }
                }
            }
            let best = if tree.may_split(p.depth, &p.stats, p.impurity) {
                self.best_split(p.start, p.end, &p.stats, p.hist.as_deref())
            } else {
                None
            };
            let Some(best) = best else {
                self.hist.recycle(p.hist);
                continue;
            };
            let (mid, mut ls, mut rs) = self.partition(p.start, p.end, &best);
            match self.children_from_hist(&p.stats) {
                Some(children) => (ls, rs) = children,
                None => self.sum_stats(&mut [&mut ls, &mut rs]),
            }
            let (il, ir) = (ls.impurity(crit), rs.impurity(crit));
            let (w, wl, wr) = (p.stats.w, ls.w, rs.w);
            let improvement = (w / total_w) * (p.impurity - wr / w * ir - wl / w * il);
            if ls.n == 0 || rs.n == 0 || improvement + EPSILON < tree.min_impurity_decrease {
                self.hist.recycle(p.hist);
                continue;
            }
            importances[best.feature] += w * p.impurity - wl * il - wr * ir;
            nodes[id].split = Some(Split {
                feature: best.feature,
                threshold: best.threshold,
                threshold32: best.threshold32,
                left: 0,
                right: 0,
            });
            let need = (
                tree.may_split(p.depth + 1, &ls, il),
                tree.may_split(p.depth + 1, &rs, ir),
            );
            let (hl, hr) = self.child_hists(p.hist, (p.start, mid, p.end), need, (ls.n, rs.n));
            // Right pushed first so the left subtree is built (and numbered) first.
            for (start, end, stats, impurity, hist, is_left) in
                [(mid, p.end, rs, ir, hr, false), (p.start, mid, ls, il, hl, true)]
            {
                stack.push(Pending {
                    start,
                    end,
                    depth: p.depth + 1,
                    stats,
                    impurity,
                    hist,
                    parent: Some((id, is_left)),
                });
            }
        }
        importances.iter_mut().for_each(|v| *v /= total_w);
        let total: f64 = importances.iter().sum();
        if total > 0.0 {
            importances.iter_mut().for_each(|v| *v /= total);
        }
        FittedTree {
            classifier: crit.is_classifier(),
            n_features: d,
            nodes,
            feature_importances: importances,
        }
    }

    /// The best split of the node `idx[start..end]` over the visited features
    /// (first found wins: earlier visited feature, then lower threshold).
    fn best_split(
        &mut self,
        start: usize,
        end: usize,
        stats: &NodeStats,
        hist: Option<&[f64]>,
    ) -> Option<Candidate> {
        let d = self.data.d;
        self.hist.chosen_left = None;
        if self.tree.criterion == Criterion::AbsoluteError && self.search == Splitter::Exact {
            if let Labels::Values(y) = &self.data.labels {
                self.mae.prepare(y, &self.idx[start..end]);
            }
        }
        let k = self.sampler.max_features;
        // On ranks without a node histogram, the first `k` features (always
        // visited) are drawn first and their histograms summed in one message.
        let ahead = if self.on_ranks() && self.search == Splitter::Hist && hist.is_none() {
            k.min(d)
        } else {
            0
        };
        for i in 0..ahead {
            self.next_feature(i);
        }
        let (fetched, at) = if ahead > 0 {
            self.visited_hists(&self.features_at(ahead), start, end)
        } else {
            (Vec::new(), Vec::new())
        };
        let (mut visited, mut non_constant) = (0usize, false);
        let mut best: Option<Candidate> = None;
        for i in 0..d {
            if visited >= k && non_constant {
                break;
            }
            let f = match (i < ahead, self.random_order) {
                (true, true) => self.features[i],
                (true, false) => i,
                (false, _) => self.next_feature(i),
            };
            visited += 1;
            let eval = match self.search {
                Splitter::Hist if i < ahead => {
                    let nb = self.data.bins.as_ref().map_or(0, |b| b.n_bins(f));
                    let ch = self.hist.ch;
                    self.scan_hist(f, &fetched[at[i]..at[i] + nb * ch], nb)
                }
                Splitter::Hist => self.eval_hist(f, start, end, hist),
                Splitter::Random => self.eval_random(f, start, end, stats),
                Splitter::Exact | Splitter::Auto => self.eval_exact(f, start, end, stats),
            };
            if let Eval::Scanned(found) = eval {
                non_constant = true;
                if let Some(c) = found {
                    if best.is_none_or(|b| self.beats(c.proxy, b.proxy)) {
                        best = Some(c);
                        self.hist.chosen_left = (self.search == Splitter::Hist
                            && !self.hist.best_left.is_empty())
                        .then(|| self.hist.best_left.clone());
                    }
                }
            }
        }
        best
    }

    /// Whether a feature whose best split has proxy `gain` replaces the best
    /// so far (`best`). The histogram and random searches need it larger by
    /// more than rounding (a relative [`TIE`]): two features that cut a node's
    /// rows the same way tie exactly, and sums taken in another order (over
    /// ranks) must not decide between them. The exact search keeps
    /// scikit-learn's plain comparison.
    fn beats(&self, gain: f64, best: f64) -> bool {
        match self.search {
            Splitter::Exact | Splitter::Auto => gain > best,
            Splitter::Hist | Splitter::Random => gain > best + TIE * best.abs(),
        }
    }

    /// Draws the `i`-th feature visited at a node (index order when not
    /// random).
    fn next_feature(&mut self, i: usize) -> usize {
        if self.random_order {
            let j = self.sampler.draw(i, self.data.d);
            self.features.swap(i, j);
            self.features[i]
        } else {
            i
        }
    }

    /// The first `count` features visited at this node, once drawn.
    fn features_at(&self, count: usize) -> Vec<usize> {
        if self.random_order {
            self.features[..count].to_vec()
        } else {
            (0..count).collect()
        }
    }
}
