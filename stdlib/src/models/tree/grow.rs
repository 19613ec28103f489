//! Growing a CART tree: split search over sorted feature values, impurity
//! bookkeeping, and the optional per-node feature sampler forests use.

use super::check_training_data;
use super::*;
use crate::eval::rng::SplitMix64;
use crate::op::{Matrix, OpError, Target};
use crate::registry::invalid;

/// The largest `f32` that is `<= t` (`t` finite).
pub(super) fn f32_at_most(t: f64) -> f32 {
    let r = t as f32;
    if f64::from(r) > t {
        r.next_down()
    } else {
        r
    }
}

/// Per-node statistics of the target: class counts (or `[Σy]`) and `Σy²`.
struct Stats<'a> {
    criterion: Criterion,
    /// Class index per row (classifier) or unused.
    classes: &'a [usize],
    /// Target per row (regressor) or unused.
    values: &'a [f64],
    width: usize,
}

impl Stats<'_> {
    /// Adds row `r` with sign `s` to `sums`.
    fn add(&self, sums: &mut [f64], r: usize, s: f64) {
        if self.criterion == Criterion::SquaredError {
            sums[0] += s * self.values[r];
        } else {
            sums[self.classes[r]] += s;
        }
    }

    fn totals(&self, rows: &[usize]) -> (Vec<f64>, f64) {
        let mut sums = vec![0.0; self.width];
        let mut sq = 0.0;
        for &r in rows {
            self.add(&mut sums, r, 1.0);
            if self.criterion == Criterion::SquaredError {
                sq += self.values[r] * self.values[r];
            }
        }
        (sums, sq)
    }

    /// Impurity from the sums, `Σy²` and the row count `w`.
    fn impurity(&self, sums: &[f64], sq: f64, w: f64) -> f64 {
        match self.criterion {
            Criterion::Gini => 1.0 - sums.iter().map(|c| c * c).sum::<f64>() / (w * w),
            Criterion::Entropy => sums
                .iter()
                .filter(|&&c| c > 0.0)
                .map(|&c| {
                    let p = c / w;
                    -p * (p.ln() / std::f64::consts::LN_2)
                })
                .sum(),
            Criterion::SquaredError => sq / w - (sums[0] / w).powi(2),
        }
    }

    /// scikit-learn's `proxy_impurity_improvement` for a candidate split.
    fn proxy(&self, left: &[f64], right: &[f64], wl: f64, wr: f64) -> f64 {
        match self.criterion {
            Criterion::SquaredError => left[0] * left[0] / wl + right[0] * right[0] / wr,
            _ => -wr * self.impurity(right, 0.0, wr) - wl * self.impurity(left, 0.0, wl),
        }
    }

    /// Leaf value: class fractions or the mean.
    fn value(&self, sums: &[f64], w: f64) -> Vec<f64> {
        sums.iter().map(|s| s / w).collect()
    }
}

/// Per-node random feature subsets for random forests: at every node the
/// features are visited in a fresh random order and the scan stops once
/// `max_features` non-constant features have been tried and a valid split was
/// found (scikit-learn's `max_features` semantics).
#[derive(Clone, Debug)]
pub struct FeatureSampler {
    rng: SplitMix64,
    max_features: usize,
}

impl FeatureSampler {
    /// A sampler drawing from `rng` and trying at least `max_features`
    /// (clamped to `1..`) non-constant features per node.
    pub fn new(rng: SplitMix64, max_features: usize) -> Self {
        FeatureSampler {
            rng,
            max_features: max_features.max(1),
        }
    }

    /// A random order of the `d` features for one node.
    fn order(&mut self, d: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..d).collect();
        self.rng.shuffle(&mut order);
        order
    }
}

/// A node still to be built: its training rows, depth, impurity, and the
/// parent whose `left` (`true`) or `right` child it becomes.
struct Pending {
    rows: Vec<usize>,
    depth: usize,
    impurity: f64,
    parent: Option<(usize, bool)>,
}

/// The best split of a node found by the scan.
struct Best {
    feature: usize,
    threshold: f64,
    proxy: f64,
}

impl DecisionTree {
    /// [`Estimator::fit`] with the concrete fitted type. Errors on a target of
    /// the wrong kind, a class code outside the labels, a non-finite target, or
    /// missing / non-finite features.
    pub fn fit_tree(&self, x: &Matrix, y: &Target) -> Result<FittedTree, OpError> {
        self.fit_tree_sampled(x, y, None)
    }

    /// [`DecisionTree::fit_tree`] with an optional per-node feature sampler;
    /// `None` scans every feature in index order (the plain tree).
    pub fn fit_tree_sampled(
        &self,
        x: &Matrix,
        y: &Target,
        mut sampler: Option<&mut FeatureSampler>,
    ) -> Result<FittedTree, OpError> {
        let op = self.op();
        check_training_data(op, x, y)?;
        let classifier = self.criterion != Criterion::SquaredError;
        let (classes, values, width) = match (y, classifier) {
            (Target::Classes { codes, labels }, true) => {
                if let Some(&bad) = codes.iter().find(|&&c| c as usize >= labels.len()) {
                    return Err(invalid(
                        op,
                        format!("class code {bad} out of range for {} labels", labels.len()),
                    ));
                }
                (
                    codes.iter().map(|&c| c as usize).collect(),
                    Vec::new(),
                    labels.len(),
                )
            }
            (Target::Values(v), false) => {
                if let Some(row) = v.iter().position(|t| !t.is_finite()) {
                    return Err(invalid(op, format!("target of row {row} is missing or infinite")));
                }
                (Vec::new(), v.clone(), 1)
            }
            (_, true) => {
                return Err(invalid(
                    op,
                    "needs class labels; use decision_tree_regressor for a numeric target",
                ))
            }
            (_, false) => {
                return Err(invalid(
                    op,
                    "needs a numeric target; use decision_tree_classifier for class labels",
                ))
            }
        };
        let stats = Stats {
            criterion: self.criterion,
            classes: &classes,
            values: &values,
            width,
        };
        // scikit-learn fits on float32 features.
        let xf: Vec<f64> = x.data.iter().map(|&v| f64::from(v as f32)).collect();
        let d = x.cols;
        let n_total = x.rows as f64;
        let max_depth = self.max_depth.unwrap_or(usize::MAX);

        let all: Vec<usize> = (0..x.rows).collect();
        let (sums, sq) = stats.totals(&all);
        let root_impurity = stats.impurity(&sums, sq, n_total);
        let mut nodes: Vec<TreeNode> = Vec::new();
        let mut importances = vec![0.0; d];
        let mut stack = vec![Pending {
            rows: all,
            depth: 0,
            impurity: root_impurity,
            parent: None,
        }];
        while let Some(Pending {
            rows,
            depth,
            impurity,
            parent,
        }) = stack.pop()
        {
            let w = rows.len() as f64;
            let (sums, _) = stats.totals(&rows);
            let id = nodes.len();
            nodes.push(TreeNode {
                split: None,
                value: stats.value(&sums, w),
                impurity,
                n_samples: rows.len(),
            });
            if let Some((p, is_left)) = parent {
                if let Some(split) = nodes[p].split.as_mut() {
                    if is_left {
                        split.left = id;
                    } else {
                        split.right = id;
                    }
                }
            }
            let n = rows.len();
            if depth >= max_depth
                || n < self.min_samples_split
                || n < 2 * self.min_samples_leaf
                || impurity <= EPSILON
            {
                continue;
            }
            let (order, limit) = match sampler.as_deref_mut() {
                Some(s) => (s.order(d), s.max_features),
                None => ((0..d).collect(), d),
            };
            let Some(best) = self.best_split(&stats, &xf, d, &rows, &order, limit) else {
                continue;
            };
            let (left, right): (Vec<usize>, Vec<usize>) = rows
                .iter()
                .partition(|&&r| xf[r * d + best.feature] <= best.threshold);
            let (wl, wr) = (left.len() as f64, right.len() as f64);
            let (ls, lsq) = stats.totals(&left);
            let (rs, rsq) = stats.totals(&right);
            let (il, ir) = (stats.impurity(&ls, lsq, wl), stats.impurity(&rs, rsq, wr));
            let improvement = (w / n_total) * (impurity - wr / w * ir - wl / w * il);
            if improvement + EPSILON < self.min_impurity_decrease {
                continue;
            }
            importances[best.feature] += w * impurity - wl * il - wr * ir;
            nodes[id].split = Some(Split {
                feature: best.feature,
                threshold: best.threshold,
                threshold32: f32_at_most(best.threshold),
                left: 0,
                right: 0,
            });
            // Right pushed first so the left subtree is built (and numbered) first.
            stack.push(Pending {
                rows: right,
                depth: depth + 1,
                impurity: ir,
                parent: Some((id, false)),
            });
            stack.push(Pending {
                rows: left,
                depth: depth + 1,
                impurity: il,
                parent: Some((id, true)),
            });
        }
        importances.iter_mut().for_each(|v| *v /= n_total);
        let total: f64 = importances.iter().sum();
        if total > 0.0 {
            importances.iter_mut().for_each(|v| *v /= total);
        }
        Ok(FittedTree {
            classifier,
            n_features: d,
            nodes,
            feature_importances: importances,
        })
    }

    /// The split of `rows` with the largest proxy improvement over the
    /// features in `order` (first found wins: earlier feature in `order`, then
    /// lower threshold), honouring `min_samples_leaf`; `None` when no split is
    /// valid. Stops once `limit` non-constant features were scanned and a
    /// valid split exists.
    fn best_split(
        &self,
        stats: &Stats,
        xf: &[f64],
        d: usize,
        rows: &[usize],
        order: &[usize],
        limit: usize,
    ) -> Option<Best> {
        let n = rows.len();
        let (total, _) = stats.totals(rows);
        let mut best: Option<Best> = None;
        let mut sorted = rows.to_vec();
        let mut left = vec![0.0; stats.width];
        let mut right = vec![0.0; stats.width];
        let mut scanned = 0usize;
        for &j in order {
            if scanned >= limit && best.is_some() {
                break;
            }
            let xv = |r: usize| xf[r * d + j];
            sorted.sort_by(|&a, &b| xv(a).total_cmp(&xv(b)));
            if xv(sorted[n - 1]) <= xv(sorted[0]) + FEATURE_THRESHOLD {
                continue;
            }
            scanned += 1;
            // scikit-learn's Criterion.reset / update: sums of rows [0, pos).
            left.iter_mut().for_each(|v| *v = 0.0);
            let mut pos = 0usize;
            let mut p = 0usize;
            while p < n {
                while p + 1 < n && xv(sorted[p + 1]) <= xv(sorted[p]) + FEATURE_THRESHOLD {
                    p += 1;
                }
                p += 1;
                if p >= n {
                    continue;
                }
                if p < self.min_samples_leaf || n - p < self.min_samples_leaf {
                    continue;
                }
                if p - pos <= n - p {
                    for &r in &sorted[pos..p] {
                        stats.add(&mut left, r, 1.0);
                    }
                } else {
                    left.copy_from_slice(&total);
                    for &r in sorted[p..].iter().rev() {
                        stats.add(&mut left, r, -1.0);
                    }
                }
                pos = p;
                right
                    .iter_mut()
                    .zip(&total)
                    .zip(&left)
                    .for_each(|((r, t), l)| *r = t - l);
                let proxy = stats.proxy(&left, &right, p as f64, (n - p) as f64);
                if best.as_ref().is_none_or(|b| proxy > b.proxy) {
                    let (a, b) = (xv(sorted[p - 1]), xv(sorted[p]));
                    let mut threshold = a / 2.0 + b / 2.0;
                    if threshold == b || threshold.is_infinite() {
                        threshold = a;
                    }
                    best = Some(Best {
                        feature: j,
                        threshold,
                        proxy,
                    });
                }
            }
        }
        best
    }
}
