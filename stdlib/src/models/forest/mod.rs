//! `random_forest_classifier` / `random_forest_regressor` and
//! `extra_trees_classifier` / `extra_trees_regressor`: bagged CART trees like
//! scikit-learn's `RandomForest*` and `ExtraTrees*`, lowered to the sum of the
//! trees' nested `Select`s times `1 / trees`.
//!
//! Every tree is a [`DecisionTree`] grown on a bootstrap sample of the rows
//! (each row weighted by how often it was drawn, as scikit-learn does; all
//! rows with weight 1 when `bootstrap = false`). With `class_weight = "balanced"`
//! the bootstrap draws a row with probability proportional to its class's
//! weight, as scikit-learn 1.8 and later do (earlier versions multiplied the
//! drawn rows' counts by the weights, which barely moves a fully grown
//! forest; on `examples/compare/churn.mlg` the F1 of the rare class is 0.19
//! this way, 0.10 the old way, scikit-learn 1.9's 0.20);
//! `"balanced_subsample"` draws uniformly and weighs the drawn rows by the
//! sample's class counts. Trees visit a random subset of `max_features`
//! features at every node ([`FeatureSampler`]). Random forests
//! search each visited feature's best threshold (exact or on histograms, the
//! binning shared by all trees); extra trees draw one uniform threshold per
//! visited feature ([`Splitter::Random`]) and default to `bootstrap = false`.
//! Tree `t` draws from a [`SplitMix64`] seeded with the `t`-th output of a
//! `SplitMix64` seeded with `seed`, so the forest depends only on `seed`, never
//! on the thread count that fits it (trees are fitted in parallel with rayon).
//! The random streams differ from scikit-learn's, so forests agree with it
//! statistically, not tree by tree.
//!
//! `oob_score = true` scores every row on the trees whose bootstrap sample
//! missed it (mean of their leaf values): accuracy for a classifier, R² for a
//! regressor, over the rows that some tree missed (scikit-learn also counts
//! rows no tree missed, predicting 0 for them), reported by
//! [`FittedModel::fit_scores`].
//!
//! Prediction averages the trees' leaf values in `f32` exactly as the lowered
//! graph does (left-to-right `Add`, then `Mul` by `f32(1 / trees)`), so the
//! class of [`FittedModel::predict`] is the graph's `Argmax`.
//!
//! `prune(trees = f)` keeps the subset of trees that best matches the whole
//! forest (`prune.rs`); the out-of-bag score stays the whole forest's.
//!
//! A deployed fit grows its trees in batches and saves those grown after a
//! batch (`checkpoint.rs`); `mlg run --resume` grows only the rest, and since
//! each tree depends only on its seed, the forest is the uninterrupted one.

#[cfg(test)]
pub(crate) mod bench;
mod checkpoint;
mod fit;
mod oob;
mod params;
mod prune;
mod ranks;
mod spec;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_extra;

pub use super::tree::MaxFeatures;
pub use prune::PRUNE_TREES;
pub(crate) use spec::DEFS;

use super::tree::{empty_forest, push_trees, DecisionTree, FittedTree, Splitter};
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::invalid;
use mlg_compiler::ir::{BinaryOp, GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::Task;
use rayon::prelude::*;

/// Catalog name of the random forest classifier.
pub const CLASSIFIER: &str = "random_forest_classifier";
/// Catalog name of the random forest regressor.
pub const REGRESSOR: &str = "random_forest_regressor";
/// Catalog name of the extra-trees classifier.
pub const EXTRA_CLASSIFIER: &str = "extra_trees_classifier";
/// Catalog name of the extra-trees regressor.
pub const EXTRA_REGRESSOR: &str = "extra_trees_regressor";

/// A configured forest. Parameters: `trees` (`>= 1`, default 100),
/// `max_depth`, `min_samples_split`, `min_samples_leaf`, `criterion` (as the
/// decision trees), `max_features` (`"sqrt"`, `"log2"` or `"all"`; default
/// `"sqrt"` for classifiers, `"all"` for regressors), `bootstrap` (default
/// true for random forests, false for extra trees), `seed` (`>= 0`, default
/// 0), `class_weight` (classifiers: `"none"`, `"balanced"`,
/// `"balanced_subsample"`), `splitter` (random forests: `"auto"`, `"exact"`,
/// `"hist"`), `oob_score` (default false; needs `bootstrap`),
/// `checkpoint_trees`.
#[derive(Clone, Debug, PartialEq)]
pub struct RandomForest {
    /// The tree every member is grown as; `splitter` is
    /// [`Splitter::Random`] for extra trees.
    pub tree: DecisionTree,
    /// Number of trees (`>= 1`).
    pub trees: usize,
    /// Features visited per node (mirrors `tree.max_features`).
    pub max_features: MaxFeatures,
    /// Fit each tree on a bootstrap sample (rows weighted by draw counts).
    pub bootstrap: bool,
    /// Seed of every random draw of the fit.
    pub seed: u64,
    /// Compute the out-of-bag score at fit time (needs `bootstrap`).
    pub oob_score: bool,
    /// Trees between two checkpoints of a deployed fit (`None`: about a minute).
    pub checkpoint_trees: Option<usize>,
    /// The share of trees removed after fitting (`prune(trees = f)`, see
    /// `prune.rs`); `None` keeps every tree.
    pub prune_trees: Option<f64>,
}

impl RandomForest {
    /// The catalog name of this forest.
    pub fn op(&self) -> &'static str {
        forest_name(
            self.tree.splitter == Splitter::Random,
            self.tree.criterion.is_classifier(),
        )
    }
}

/// The catalog name of a forest: extra trees or not, classifier or not.
fn forest_name(extra: bool, classifier: bool) -> &'static str {
    match (extra, classifier) {
        (false, true) => CLASSIFIER,
        (false, false) => REGRESSOR,
        (true, true) => EXTRA_CLASSIFIER,
        (true, false) => EXTRA_REGRESSOR,
    }
}

impl Estimator for RandomForest {
    fn task(&self) -> Task {
        if self.tree.criterion.is_classifier() {
            Task::Classification
        } else {
            Task::Regression
        }
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        let mut forest = self.fit_forest(x, y)?;
        if let Some(share) = self.prune_trees {
            let keep = prune::select(&forest.trees, x, share);
            let mut trees = std::mem::take(&mut forest.trees)
                .into_iter()
                .map(Some)
                .collect::<Vec<_>>();
            forest.trees = keep.into_iter().filter_map(|t| trees[t].take()).collect();
        }
        Ok(Box::new(forest))
    }
}

/// A fitted forest. Invariant: at least one tree, all of the same kind and
/// leaf width, fitted on `n_features` features.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedForest {
    /// Classifier (leaf values = class probabilities) or regressor.
    pub classifier: bool,
    /// Number of training features.
    pub n_features: usize,
    /// The trees, in seed order.
    pub trees: Vec<FittedTree>,
    /// Out-of-bag accuracy (classifier) or R² (regressor) when requested and
    /// some row was out of bag.
    pub oob_score: Option<f64>,
    /// Catalog name of the forest that was fitted (for error messages).
    pub op: &'static str,
}

impl FittedForest {
    /// The mean of the trees' leaf values for one row (class probabilities or
    /// `[prediction]`), computed in `f32` as the lowered graph does.
    pub fn predict_value(&self, row: &[f64]) -> Vec<f32> {
        let mut sum: Vec<f32> = Vec::new();
        for tree in &self.trees {
            let value = tree.predict_value(row);
            if sum.is_empty() {
                sum = value.iter().map(|&v| v as f32).collect();
            } else {
                sum.iter_mut().zip(value).for_each(|(s, &v)| *s += v as f32);
            }
        }
        let scale = (1.0 / self.trees.len().max(1) as f64) as f32;
        sum.iter_mut().for_each(|s| *s *= scale);
        sum
    }
}

impl FittedModel for FittedForest {
    /// Classifier: the class code with the largest mean probability (lower
    /// code on ties). Regressor: the mean of the trees' predictions. Rows are
    /// processed in parallel blocks, tree by tree within a block; every row
    /// still sums its trees in order, so the values equal
    /// [`FittedForest::predict_value`].
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        const BLOCK: usize = 256;
        let width = self.trees.first().map_or(1, |t| t.nodes[0].value.len());
        let scale = (1.0 / self.trees.len().max(1) as f64) as f32;
        let blocks: Vec<usize> = (0..x.rows).step_by(BLOCK).collect();
        let per_block: Vec<Vec<f64>> = blocks
            .par_iter()
            .map(|&from| {
                let to = (from + BLOCK).min(x.rows);
                let mut sum = vec![0.0f32; (to - from) * width];
                for (t, tree) in self.trees.iter().enumerate() {
                    for (i, acc) in (from..to).zip(sum.chunks_exact_mut(width)) {
                        let value = tree.predict_value(x.row(i));
                        for (a, &v) in acc.iter_mut().zip(value) {
                            *a = if t == 0 { v as f32 } else { *a + v as f32 };
                        }
                    }
                }
                sum.chunks_exact(width)
                    .map(|acc| {
                        let value: Vec<f32> = acc.iter().map(|a| a * scale).collect();
                        if self.classifier {
                            let mut best = 0;
                            for (c, &v) in value.iter().enumerate() {
                                if v > value[best] {
                                    best = c;
                                }
                            }
                            best as f64
                        } else {
                            value.first().map_or(f64::NAN, |&v| f64::from(v))
                        }
                    })
                    .collect()
            })
            .collect();
        per_block.concat()
    }

    /// Every tree in one `Op::Trees` (summed in tree order from 0), multiplied
    /// by `Const 1/trees`. Classifier: `("class",
    /// Argmax(proba))`, `("proba", proba)`; regressor: `("prediction", mean)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = self.op;
        let lowering = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        let width = self.trees.first().map_or(1, FittedTree::value_width);
        let mut forest = empty_forest(vec![0.0; width]);
        for tree in &self.trees {
            tree.push_to(&mut forest);
        }
        let sum = push_trees(op, builder, features, self.n_features, forest)?;
        let scale = builder
            .push(Op::Const {
                values: vec![(1.0 / self.trees.len() as f64) as f32],
            })
            .map_err(lowering)?;
        let mean = builder
            .push(Op::Binary {
                op: BinaryOp::Mul,
                a: sum,
                b: scale,
            })
            .map_err(lowering)?;
        if self.classifier {
            let class = builder.push(Op::Argmax { x: mean }).map_err(lowering)?;
            Ok(vec![("class".to_string(), class), ("proba".to_string(), mean)])
        } else {
            Ok(vec![("prediction".to_string(), mean)])
        }
    }

    /// Mean of the trees' normalised importances, renormalised to sum 1 (all
    /// zero when every tree is a single leaf).
    fn importances(&self) -> Option<Vec<f64>> {
        let mut total = vec![0.0; self.n_features];
        for tree in &self.trees {
            total
                .iter_mut()
                .zip(&tree.feature_importances)
                .for_each(|(t, v)| *t += v);
        }
        let n = self.trees.len().max(1) as f64;
        total.iter_mut().for_each(|t| *t /= n);
        let sum: f64 = total.iter().sum();
        if sum > 0.0 {
            total.iter_mut().for_each(|t| *t /= sum);
        }
        Some(total)
    }

    /// `("oob_accuracy", v)` (classifier) or `("oob_r2", v)` (regressor) when
    /// the forest was fitted with `oob_score = true`; empty otherwise.
    fn fit_scores(&self) -> Vec<(String, f64)> {
        let name = if self.classifier { "oob_accuracy" } else { "oob_r2" };
        self.oob_score
            .map(|v| (name.to_string(), v))
            .into_iter()
            .collect()
    }
}
