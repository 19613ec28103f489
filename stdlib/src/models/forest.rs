//! `random_forest_classifier` and `random_forest_regressor`: bagged CART trees
//! like scikit-learn's `RandomForestClassifier` / `RandomForestRegressor`,
//! lowered to the sum of the trees' nested `Select`s times `1 / trees`.
//!
//! Every tree is a [`DecisionTree`] (gini / squared error) fitted on a
//! bootstrap sample of the rows (drawn with replacement, or all rows when
//! `bootstrap = false`), scanning a random subset of `max_features` features at
//! every node ([`FeatureSampler`]). Tree `t` draws from a [`SplitMix64`] seeded
//! with the `t`-th output of a `SplitMix64` seeded with `seed`, so the forest
//! depends only on `seed`, never on the thread count that fits it (trees are
//! fitted in parallel with rayon). The random streams differ from
//! scikit-learn's, so forests agree with it statistically, not tree by tree.
//!
//! Prediction averages the trees' leaf values in `f32` exactly as the lowered
//! graph does (left-to-right `Add`, then `Mul` by `f32(1 / trees)`), so the
//! class of [`FittedModel::predict`] is the graph's `Argmax`.

use super::tree::{feature_parts, Criterion, DecisionTree, FeatureSampler, FittedTree};
use crate::eval::rng::SplitMix64;
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_bool, param_int, param_str};
use mlg_compiler::ir::{BinaryOp, GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::{Params, Task};
use rayon::prelude::*;

/// Catalog name of the classifier.
pub const CLASSIFIER: &str = "random_forest_classifier";
/// Catalog name of the regressor.
pub const REGRESSOR: &str = "random_forest_regressor";

/// How many features each node considers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxFeatures {
    /// `max(1, floor(sqrt(d)))`.
    Sqrt,
    /// `max(1, floor(log2(d)))`.
    Log2,
    /// Every feature (`d`).
    All,
}

impl MaxFeatures {
    /// The number of features for `d` training features.
    pub fn count(self, d: usize) -> usize {
        let k = match self {
            MaxFeatures::Sqrt => (d as f64).sqrt().floor() as usize,
            MaxFeatures::Log2 => (d as f64).log2().floor() as usize,
            MaxFeatures::All => d,
        };
        k.clamp(1, d.max(1))
    }
}

/// A configured random forest. Parameters: `trees` (`>= 1`, default 100),
/// `max_depth`, `min_samples_split`, `min_samples_leaf` (as the decision
/// trees), `max_features` (`"sqrt"`, `"log2"` or `"all"`; default `"sqrt"` for
/// the classifier, `"all"` for the regressor), `bootstrap` (default true),
/// `seed` (`>= 0`, default 0).
#[derive(Clone, Debug, PartialEq)]
pub struct RandomForest {
    /// The tree every member is grown as (gini or squared error).
    pub tree: DecisionTree,
    pub trees: usize,
    pub max_features: MaxFeatures,
    pub bootstrap: bool,
    pub seed: u64,
}

impl RandomForest {
    /// The classifier from its checked parameters.
    pub fn classifier(params: &Params) -> Result<Self, OpError> {
        Self::new(CLASSIFIER, params, Criterion::Gini, MaxFeatures::Sqrt)
    }

    /// The regressor from its checked parameters.
    pub fn regressor(params: &Params) -> Result<Self, OpError> {
        Self::new(REGRESSOR, params, Criterion::SquaredError, MaxFeatures::All)
    }

    fn new(op: &str, params: &Params, criterion: Criterion, default: MaxFeatures) -> Result<Self, OpError> {
        let int = |name: &str, min: i64, default: Option<i64>| -> Result<Option<usize>, OpError> {
            match param_int(op, params, name)?.or(default) {
                None => Ok(None),
                Some(v) if v < min => Err(invalid(op, format!("{name} must be at least {min}, got {v}"))),
                Some(v) => Ok(Some(usize::try_from(v).unwrap_or(usize::MAX))),
            }
        };
        let max_features = match param_str(op, params, "max_features")? {
            None => default,
            Some("sqrt") => MaxFeatures::Sqrt,
            Some("log2") => MaxFeatures::Log2,
            Some("all") => MaxFeatures::All,
            Some(other) => {
                return Err(invalid(
                    op,
                    format!("max_features must be \"sqrt\", \"log2\" or \"all\", got {other:?}"),
                ))
            }
        };
        let seed = match param_int(op, params, "seed")?.unwrap_or(0) {
            s if s < 0 => return Err(invalid(op, format!("seed must be at least 0, got {s}"))),
            s => s as u64,
        };
        Ok(RandomForest {
            tree: DecisionTree {
                criterion,
                max_depth: int("max_depth", 1, None)?,
                min_samples_split: int("min_samples_split", 2, Some(2))?.unwrap_or(2),
                min_samples_leaf: int("min_samples_leaf", 1, Some(1))?.unwrap_or(1),
                min_impurity_decrease: 0.0,
            },
            trees: int("trees", 1, Some(100))?.unwrap_or(100),
            max_features,
            bootstrap: param_bool(op, params, "bootstrap", true)?,
            seed,
        })
    }

    fn op(&self) -> &'static str {
        if self.tree.criterion == Criterion::SquaredError {
            REGRESSOR
        } else {
            CLASSIFIER
        }
    }

    /// [`Estimator::fit`] with the concrete fitted type: the trees in order,
    /// fitted in parallel. Errors as [`DecisionTree::fit_tree`] does.
    pub fn fit_forest(&self, x: &Matrix, y: &Target) -> Result<FittedForest, OpError> {
        let op = self.op();
        super::check_training_data(op, x, y)?;
        let mut base = SplitMix64::new(self.seed);
        let seeds: Vec<u64> = (0..self.trees).map(|_| base.next_u64()).collect();
        let k = self.max_features.count(x.cols);
        let trees = seeds
            .par_iter()
            .map(|&s| {
                let mut rng = SplitMix64::new(s);
                let fitted = if self.bootstrap {
                    let rows: Vec<usize> = (0..x.rows).map(|_| rng.below(x.rows as u64) as usize).collect();
                    let sample = Matrix {
                        rows: x.rows,
                        cols: x.cols,
                        data: rows.iter().flat_map(|&r| x.row(r).iter().copied()).collect(),
                    };
                    let mut sampler = FeatureSampler::new(rng, k);
                    self.tree
                        .fit_tree_sampled(&sample, &y.take(&rows), Some(&mut sampler))
                } else {
                    let mut sampler = FeatureSampler::new(rng, k);
                    self.tree.fit_tree_sampled(x, y, Some(&mut sampler))
                };
                fitted.map_err(|e| match e {
                    OpError::Invalid { message, .. } => invalid(op, message),
                    other => other,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FittedForest {
            classifier: self.tree.criterion != Criterion::SquaredError,
            n_features: x.cols,
            trees,
        })
    }
}

impl Estimator for RandomForest {
    fn task(&self) -> Task {
        if self.tree.criterion == Criterion::SquaredError {
            Task::Regression
        } else {
            Task::Classification
        }
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_forest(x, y)?))
    }
}

/// A fitted forest. Invariant: at least one tree, all of the same kind and
/// leaf width, fitted on `n_features` features.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedForest {
    pub classifier: bool,
    pub n_features: usize,
    pub trees: Vec<FittedTree>,
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
    /// code on ties). Regressor: the mean of the trees' predictions.
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                let value = self.predict_value(x.row(i));
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
    }

    /// Every tree lowered as a single tree, summed with `Add` (left to right)
    /// and multiplied by `Const 1/trees`. Classifier: `("class",
    /// Argmax(proba))`, `("proba", proba)`; regressor: `("prediction", mean)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let op = if self.classifier { CLASSIFIER } else { REGRESSOR };
        let parts = feature_parts(op, builder, features, self.n_features)?;
        let lowering = |source| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        let mut sum: Option<NodeId> = None;
        for tree in &self.trees {
            let root = tree.lower_value(op, builder, &parts)?;
            sum = Some(match sum {
                None => root,
                Some(acc) => builder
                    .push(Op::Binary {
                        op: BinaryOp::Add,
                        a: acc,
                        b: root,
                    })
                    .map_err(lowering)?,
            });
        }
        let Some(sum) = sum else {
            return Err(invalid(op, "the forest has no trees"));
        };
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
}
