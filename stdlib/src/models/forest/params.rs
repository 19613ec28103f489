//! Building random forests and extra trees from their checked parameters.

use super::*;
use crate::models::tree::params as tp;
use crate::models::tree::Criterion;
use crate::registry::param_bool;
use mlg_compiler::workflow::catalog::Params;

impl RandomForest {
    /// `random_forest_classifier` from its checked parameters.
    pub fn classifier(params: &Params) -> Result<Self, OpError> {
        Self::from_params(params, false, true)
    }

    /// `random_forest_regressor` from its checked parameters.
    pub fn regressor(params: &Params) -> Result<Self, OpError> {
        Self::from_params(params, false, false)
    }

    /// `extra_trees_classifier` from its checked parameters.
    pub fn extra_classifier(params: &Params) -> Result<Self, OpError> {
        Self::from_params(params, true, true)
    }

    /// `extra_trees_regressor` from its checked parameters.
    pub fn extra_regressor(params: &Params) -> Result<Self, OpError> {
        Self::from_params(params, true, false)
    }

    fn from_params(params: &Params, extra: bool, classifier: bool) -> Result<Self, OpError> {
        let op = forest_name(extra, classifier);
        let mut tree = DecisionTree::new(tp::criterion(op, params, classifier)?);
        tp::stopping(op, params, &mut tree)?;
        let default = if classifier {
            MaxFeatures::Sqrt
        } else {
            MaxFeatures::All
        };
        let max_features = tp::max_features(op, params, default)?;
        tree.max_features = max_features;
        tree.class_weight = tp::class_weight(op, params, classifier, true)?;
        tree.splitter = if extra {
            Splitter::Random
        } else {
            tp::splitter(op, params, tree.criterion)?
        };
        let seed = tp::seed(op, params)?;
        tree.seed = seed;
        let bootstrap = param_bool(op, params, "bootstrap", !extra)?;
        let oob_score = param_bool(op, params, "oob_score", false)?;
        if oob_score && !bootstrap {
            return Err(invalid(
                op,
                "oob_score needs bootstrap = true (no row is out of bag otherwise)",
            ));
        }
        if tree.criterion == Criterion::AbsoluteError && tree.splitter == Splitter::Hist {
            return Err(invalid(
                op,
                "criterion \"absolute_error\" needs splitter \"exact\"",
            ));
        }
        Ok(RandomForest {
            tree,
            trees: tp::bounded_int(op, params, "trees", 1, Some(100))?.unwrap_or(100),
            max_features,
            bootstrap,
            seed,
            oob_score,
            checkpoint_trees: tp::bounded_int(op, params, "checkpoint_trees", 1, None)?,
            prune_trees: match crate::registry::param_f64(op, params, super::PRUNE_TREES, 0.0)? {
                0.0 => None,
                f if f > 0.0 && f < 1.0 => Some(f),
                f => {
                    return Err(invalid(
                        op,
                        format!("the pruned share of trees must be in (0, 1), got {f}"),
                    ))
                }
            },
        })
    }
}
