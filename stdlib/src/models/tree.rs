//! `decision_tree_classifier` and `decision_tree_regressor`: CART trees grown
//! like scikit-learn's `DecisionTreeClassifier` / `DecisionTreeRegressor` with
//! `splitter="best"` and `max_features=None`, lowered to nested `Select`s.
//!
//! Fitting follows scikit-learn's depth-first builder: features are rounded to
//! `f32` first (scikit-learn fits on float32), every feature is scanned at every
//! node, candidate thresholds are midpoints `a/2 + b/2` between consecutive
//! sorted values that differ by more than `1e-7`, the best split maximises the
//! weighted impurity decrease (scikit-learn's proxy), and rows with
//! `x <= threshold` go left. Difference from scikit-learn: it visits features in
//! a random order (`random_state`) and keeps the first of exactly tied splits;
//! here ties go to the lower feature index, then the lower threshold, so the
//! fit is deterministic and has no seed. Without exact ties the trees coincide.
//!
//! Prediction compares `x as f32 <= t32`, where `t32` is the largest `f32` not
//! above the `f64` threshold: for every `f32` input this sends rows the same way
//! as scikit-learn's `f64` comparison, and it is exactly what the lowered graph
//! computes. A NaN feature fails the comparison and goes right.

use super::check_training_data;
use crate::eval::rng::SplitMix64;
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_f64, param_int, param_str};
use mlg_compiler::ir::{CompareOp, GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::{Params, Task};

/// scikit-learn's `FEATURE_THRESHOLD`: sorted values closer than this are equal.
const FEATURE_THRESHOLD: f64 = 1e-7;
/// scikit-learn's `EPSILON` (`np.finfo(np.double).eps`) in the leaf tests.
const EPSILON: f64 = f64::EPSILON;

/// The impurity a tree minimises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Criterion {
    /// `1 - Σ p_k²` over class fractions (classifier).
    Gini,
    /// `-Σ p_k log2 p_k` over class fractions (classifier).
    Entropy,
    /// Variance of the target (regressor).
    SquaredError,
}

/// A configured CART tree: `decision_tree_classifier` (criterion `gini` or
/// `entropy`, target = class labels) or `decision_tree_regressor` (criterion
/// `squared_error`, numeric target). Parameters: `max_depth` (`>= 1`, absent =
/// unlimited), `min_samples_split` (`>= 2`, default 2), `min_samples_leaf`
/// (`>= 1`, default 1), `min_impurity_decrease` (`>= 0`, default 0.0): a node
/// splits only when the split's `n_node/n_total · (impurity − n_L/n_node ·
/// impurity_L − n_R/n_node · impurity_R) + ε >= min_impurity_decrease`.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionTree {
    pub criterion: Criterion,
    pub max_depth: Option<usize>,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    pub min_impurity_decrease: f64,
}

/// Catalog name of the classifier.
pub const CLASSIFIER: &str = "decision_tree_classifier";
/// Catalog name of the regressor.
pub const REGRESSOR: &str = "decision_tree_regressor";

impl DecisionTree {
    /// The classifier from its checked parameters; criterion `gini` (default)
    /// or `entropy`. Out-of-range values are errors.
    pub fn classifier(params: &Params) -> Result<Self, OpError> {
        let criterion = match param_str(CLASSIFIER, params, "criterion")?.unwrap_or("gini") {
            "gini" => Criterion::Gini,
            "entropy" => Criterion::Entropy,
            other => {
                return Err(invalid(
                    CLASSIFIER,
                    format!("criterion must be \"gini\" or \"entropy\", got {other:?}"),
                ))
            }
        };
        Self::with_criterion(CLASSIFIER, params, criterion)
    }

    /// The regressor from its checked parameters; criterion `squared_error`
    /// (the only one). Out-of-range values are errors.
    pub fn regressor(params: &Params) -> Result<Self, OpError> {
        match param_str(REGRESSOR, params, "criterion")?.unwrap_or("squared_error") {
            "squared_error" => Self::with_criterion(REGRESSOR, params, Criterion::SquaredError),
            other => Err(invalid(
                REGRESSOR,
                format!("criterion must be \"squared_error\", got {other:?}"),
            )),
        }
    }

    fn with_criterion(op: &str, params: &Params, criterion: Criterion) -> Result<Self, OpError> {
        let int = |name: &str, min: i64, default: Option<i64>| -> Result<Option<usize>, OpError> {
            match param_int(op, params, name)?.or(default) {
                None => Ok(None),
                Some(v) if v < min => Err(invalid(op, format!("{name} must be at least {min}, got {v}"))),
                Some(v) => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
            }
        };
        let min_impurity_decrease = param_f64(op, params, "min_impurity_decrease", 0.0)?;
        if min_impurity_decrease.is_nan() || min_impurity_decrease < 0.0 {
            return Err(invalid(
                op,
                format!("min_impurity_decrease must be >= 0, got {min_impurity_decrease}"),
            ));
        }
        Ok(DecisionTree {
            criterion,
            max_depth: int("max_depth", 1, None)?,
            min_samples_split: int("min_samples_split", 2, Some(2))?.unwrap_or(2),
            min_samples_leaf: int("min_samples_leaf", 1, Some(1))?.unwrap_or(1),
            min_impurity_decrease,
        })
    }

    fn op(&self) -> &'static str {
        match self.criterion {
            Criterion::SquaredError => REGRESSOR,
            Criterion::Gini | Criterion::Entropy => CLASSIFIER,
        }
    }
}

impl Estimator for DecisionTree {
    fn task(&self) -> Task {
        match self.criterion {
            Criterion::SquaredError => Task::Regression,
            Criterion::Gini | Criterion::Entropy => Task::Classification,
        }
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_tree(x, y)?))
    }
}

/// One node of a fitted tree. Children have larger indices than their parent.
#[derive(Clone, Debug, PartialEq)]
pub struct TreeNode {
    /// The split of an internal node, `None` for a leaf.
    pub split: Option<Split>,
    /// Leaf output: class probabilities (one per label) or `[mean]`; also kept
    /// for internal nodes (their training rows' value), as scikit-learn does.
    pub value: Vec<f64>,
    /// The node's impurity under the tree's criterion.
    pub impurity: f64,
    /// Number of training rows that reached the node.
    pub n_samples: usize,
}

/// A split: rows with `x[feature] as f32 <= threshold32` go to `left`.
#[derive(Clone, Debug, PartialEq)]
pub struct Split {
    pub feature: usize,
    /// scikit-learn's `f64` threshold (midpoint of two `f32` feature values).
    pub threshold: f64,
    /// The largest `f32` not above `threshold`: the comparison actually used.
    pub threshold32: f32,
    pub left: usize,
    pub right: usize,
}

/// A fitted tree. Invariant: `nodes[0]` is the root and every split's children
/// exist; classifier leaves hold `n_labels` probabilities, regressor leaves one
/// value.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedTree {
    pub classifier: bool,
    pub n_features: usize,
    pub nodes: Vec<TreeNode>,
    /// scikit-learn's `feature_importances_`: total weighted impurity decrease
    /// per feature, normalised to sum 1 (all zero for a single leaf).
    pub feature_importances: Vec<f64>,
}

/// The largest `f32` that is `<= t` (`t` finite).
fn f32_at_most(t: f64) -> f32 {
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

impl FittedTree {
    /// The leaf reached by one row (`f32` comparisons; NaN goes right).
    pub fn leaf(&self, row: &[f64]) -> &TreeNode {
        let mut node = &self.nodes[0];
        while let Some(split) = &node.split {
            let v = row.get(split.feature).copied().unwrap_or(f64::NAN) as f32;
            node = &self.nodes[if v <= split.threshold32 {
                split.left
            } else {
                split.right
            }];
        }
        node
    }

    /// Class probabilities (classifier, one per label) or `[value]`, as the
    /// lowered graph stores them before rounding to `f32`.
    pub fn predict_value(&self, row: &[f64]) -> &[f64] {
        &self.leaf(row).value
    }

    /// Number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.nodes.iter().filter(|n| n.split.is_none()).count()
    }

    /// Depth of the tree (a single leaf has depth 0).
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(s) = &node.split {
                depth[s.left] = depth[i] + 1;
                depth[s.right] = depth[i] + 1;
            }
        }
        depth.into_iter().max().unwrap_or(0)
    }
}

/// Index of the largest `f32`-rounded value, first on ties (the graph's `Argmax`).
fn argmax_f32(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if (v as f32) > (values[best] as f32) {
            best = i;
        }
    }
    best
}

impl FittedModel for FittedTree {
    /// Classifier: the class code with the largest leaf probability (lower
    /// code on ties, compared as `f32` like the graph). Regressor: the leaf mean.
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                let value = self.predict_value(x.row(i));
                if self.classifier {
                    argmax_f32(value) as f64
                } else {
                    value.first().copied().unwrap_or(f64::NAN)
                }
            })
            .collect()
    }

    /// Nested `Select`s over the width-1 parts of the `features` `Concat`: a
    /// leaf is a `Const` of its value, a split is `Select { cond: Compare(Le,
    /// x_j, Const t32), a: left, b: right }`. Classifier: `("class",
    /// Argmax(proba))`, `("proba", proba)`; regressor: `("prediction", value)`.
    /// Errors when `features` is not a `Concat` of `n_features` width-1 nodes.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = if self.classifier { CLASSIFIER } else { REGRESSOR };
        let parts = feature_parts(op, builder, features, self.n_features)?;
        let root = self.lower_value(op, builder, &parts)?;
        let lowering = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        if self.classifier {
            let class = builder.push(Op::Argmax { x: root }).map_err(lowering)?;
            Ok(vec![("class".to_string(), class), ("proba".to_string(), root)])
        } else {
            Ok(vec![("prediction".to_string(), root)])
        }
    }

    /// scikit-learn's `feature_importances_` (normalised impurity decrease).
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.feature_importances.clone())
    }
}

/// The width-1 parts of the `features` `Concat` (`n_features` of them), or an
/// error for operator `op`.
pub(crate) fn feature_parts(
    op: &str,
    builder: &GraphBuilder,
    features: NodeId,
    n_features: usize,
) -> Result<Vec<NodeId>, OpError> {
    let parts = match &builder.graph().node(features).op {
        Op::Concat { parts } => parts.clone(),
        other => {
            return Err(invalid(
                op,
                format!(
                    "the feature vector must be a concat of columns, got `{}`",
                    other.mnemonic()
                ),
            ))
        }
    };
    if parts.len() != n_features || parts.iter().any(|&p| builder.width(p) != 1) {
        return Err(invalid(
            op,
            format!(
                "feature vector has {} parts, the model was fitted on {} single-column features",
                parts.len(),
                n_features
            ),
        ));
    }
    Ok(parts)
}

impl FittedTree {
    /// The tree's nested `Select`s over the feature `parts`: a leaf is a
    /// `Const` of its value, a split is `Select { cond: Compare(Le, x_j, Const
    /// t32), a: left, b: right }`. Returns the root node (leaf values: class
    /// probabilities or `[mean]`).
    pub(crate) fn lower_value(
        &self,
        op: &str,
        builder: &mut GraphBuilder,
        parts: &[NodeId],
    ) -> Result<NodeId, OpError> {
        let lowering = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        // Children have larger indices than their parent: build in reverse.
        let mut built: Vec<Option<NodeId>> = vec![None; self.nodes.len()];
        for i in (0..self.nodes.len()).rev() {
            let node = &self.nodes[i];
            let id = match &node.split {
                None => builder
                    .push(Op::Const {
                        values: node.value.iter().map(|&v| v as f32).collect(),
                    })
                    .map_err(lowering)?,
                Some(s) => {
                    let (Some(a), Some(b)) = (built[s.left], built[s.right]) else {
                        return Err(invalid(op, format!("node {i} has a child that was not built")));
                    };
                    let t = builder
                        .push(Op::Const {
                            values: vec![s.threshold32],
                        })
                        .map_err(lowering)?;
                    let cond = builder
                        .push(Op::Compare {
                            op: CompareOp::Le,
                            a: parts[s.feature],
                            b: t,
                        })
                        .map_err(lowering)?;
                    builder.push(Op::Select { cond, a, b }).map_err(lowering)?
                }
            };
            built[i] = Some(id);
        }
        built
            .first()
            .copied()
            .flatten()
            .ok_or_else(|| invalid(op, "the tree has no nodes"))
    }
}
