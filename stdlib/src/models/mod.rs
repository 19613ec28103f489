//! Models: least squares (`linear_regression`), L2-penalised least squares
//! (`ridge`), L1-penalised least squares (`lasso`), logistic regression
//! (`logistic_regression`), CART decision trees (`decision_tree_classifier`,
//! `decision_tree_regressor`), multi-layer perceptrons (`mlp_classifier`,
//! `mlp_regressor`), the L-BFGS optimiser, and input checks common to
//! every model.

pub mod boost;
pub(crate) mod checkpoints;
pub mod class_weight;
pub mod constant;
pub mod elastic_net;
pub mod forest;
pub mod lasso;
pub mod lbfgs;
pub mod linear;
pub mod logistic;
pub(crate) mod logit;
pub mod mlp;
pub mod naive_bayes;
pub mod ridge;
pub mod svm;
pub mod threshold;
pub mod tree;

pub use constant::FittedConstant;
pub use elastic_net::ElasticNet;
pub use forest::{FittedForest, RandomForest, PRUNE_TREES};
pub use lasso::Lasso;
pub use linear::{FittedLinear, LinearRegression};
pub use logistic::{FittedLogistic, LogisticRegression};
pub use mlp::{
    FittedMlp, LowRankFit, Mlp, Prune, LOW_RANK_FINETUNE, LOW_RANK_RANK, PRUNE_FINETUNE, PRUNE_MAGNITUDE,
    PRUNE_STEPS,
};
pub use naive_bayes::{FittedGaussianNb, GaussianNb};
pub use ridge::Ridge;
pub use tree::{DecisionTree, FittedTree};

use crate::design::Columns;
use crate::op::{Matrix, OpError, Target};
use crate::registry::invalid;

/// Checks that `x` is well formed, finite and has one row per target, returning
/// an error for `op` otherwise.
pub(crate) fn check_training_data(op: &str, x: &Matrix, y: &Target) -> Result<(), OpError> {
    check_training_shape(op, x, y)?;
    match first_non_finite(&x.data) {
        Some(pos) => Err(bad_feature(
            op,
            x,
            pos,
            "is missing or infinite; impute before this model",
        )),
        None => Ok(()),
    }
}

/// [`check_training_data`] for models that take missing (NaN) features:
/// only infinite values are refused.
pub(crate) fn check_training_data_missing_ok(op: &str, x: &Matrix, y: &Target) -> Result<(), OpError> {
    check_training_shape(op, x, y)?;
    match x.data.iter().position(|v| v.is_infinite()) {
        Some(pos) => Err(bad_feature(op, x, pos, "is infinite")),
        None => Ok(()),
    }
}

/// The error for the value at `pos` of `x`'s data: "feature F of row R
/// `what`".
fn bad_feature(op: &str, x: &Matrix, pos: usize, what: &str) -> OpError {
    let cols = x.cols.max(1);
    invalid(op, format!("feature {} of row {} {what}", pos % cols, pos / cols))
}

/// The shape checks of [`check_training_data`]: as many targets as rows, at
/// least one row.
fn check_training_shape(op: &str, x: &Matrix, y: &Target) -> Result<(), OpError> {
    if x.data.len() != x.rows * x.cols {
        return Err(invalid(
            op,
            format!("matrix holds {} values for {}x{}", x.data.len(), x.rows, x.cols),
        ));
    }
    if x.rows != y.len() {
        return Err(invalid(
            op,
            format!("{} feature rows but {} targets", x.rows, y.len()),
        ));
    }
    if x.rows == 0 {
        return Err(invalid(op, "no training rows"));
    }
    Ok(())
}

/// The index of the first value of `values` that is NaN or infinite. Blocks
/// are tested on every thread without a branch per value, and only a block
/// that holds such a value is searched.
pub(crate) fn first_non_finite(values: &[f64]) -> Option<usize> {
    use rayon::prelude::*;
    const BLOCK: usize = 1 << 14;
    let finite = |block: &[f64]| block.iter().fold(true, |all, v| all & v.is_finite());
    let bad = values.par_chunks(BLOCK).position_first(|block| !finite(block))?;
    let start = bad * BLOCK;
    values[start..]
        .iter()
        .position(|v| !v.is_finite())
        .map(|i| start + i)
}

#[cfg(test)]
#[test]
fn the_first_non_finite_value_is_found_in_any_block() {
    let mut values = vec![1.5; 100_000];
    assert_eq!(first_non_finite(&values), None);
    values[70_000] = f64::NEG_INFINITY;
    values[90_000] = f64::NAN;
    assert_eq!(first_non_finite(&values), Some(70_000));
    values[3] = f64::NAN;
    assert_eq!(first_non_finite(&values), Some(3));
    assert_eq!(first_non_finite(&[]), None);
}

/// [`check_training_data`] for data given as borrowed columns, with the same
/// messages.
pub(crate) fn check_columns(op: &str, x: &Columns<'_>, y: &Target) -> Result<(), OpError> {
    if x.n_rows() != y.len() {
        return Err(invalid(
            op,
            format!("{} feature rows but {} targets", x.n_rows(), y.len()),
        ));
    }
    if x.n_rows() == 0 {
        return Err(invalid(op, "no training rows"));
    }
    if let Some((row, feature)) = x.first_non_finite() {
        return Err(invalid(
            op,
            format!("feature {feature} of row {row} is missing or infinite; impute before this model"),
        ));
    }
    Ok(())
}

/// The class codes, label count and sorted distinct classes of a classifier's
/// training target; errors for `op` on a numeric target, a code outside the
/// labels, or fewer than two distinct classes.
pub(crate) fn training_classes<'a>(op: &str, y: &'a Target) -> Result<(&'a [u32], usize, Vec<u32>), OpError> {
    let Target::Classes { codes, labels } = y else {
        return Err(invalid(
            op,
            "needs class labels; use a regressor for a numeric target",
        ));
    };
    if let Some(&bad) = codes.iter().find(|&&c| c as usize >= labels.len()) {
        return Err(invalid(
            op,
            format!("class code {bad} out of range for {} labels", labels.len()),
        ));
    }
    // The classes some rank's rows hold (a single process: its own rows').
    let mut present = vec![0u64; labels.len()];
    codes.iter().for_each(|&c| present[c as usize] = 1);
    mlg_runtime::collective::current().all_reduce_u64(&mut present);
    let classes: Vec<u32> = (0..labels.len() as u32)
        .filter(|&c| present[c as usize] > 0)
        .collect();
    if classes.len() < 2 {
        return Err(invalid(
            op,
            format!(
                "the training rows hold {} class(es); at least 2 are needed",
                classes.len()
            ),
        ));
    }
    Ok((codes, labels.len(), classes))
}

/// Index of the first largest of `scores` (0 when there is none), the
/// choice of the IR's `Argmax`.
pub(crate) fn first_argmax(scores: &[f64]) -> usize {
    scores
        .iter()
        .enumerate()
        .fold(0, |best, (c, v)| if *v > scores[best] { c } else { best })
}

/// The label code (as `f64`) a classifier predicts from one row's `scores`:
/// width 1 is a binary margin (the second fitted class when positive), a
/// wider one holds one score per fitted class ([`first_argmax`]).
/// `classes[c]` is the label code of fitted class `c`.
pub(crate) fn predicted_class(scores: &[f64], classes: &[u32]) -> f64 {
    let best = if scores.len() == 1 {
        usize::from(scores[0] > 0.0)
    } else {
        first_argmax(scores)
    };
    f64::from(classes[best])
}

/// Errors for `op` unless the node `features` has width `n_features`: the
/// check a fitted model's `lower` starts with.
pub(crate) fn check_feature_width(
    builder: &mlg_compiler::ir::GraphBuilder,
    op: &str,
    features: mlg_compiler::ir::NodeId,
    n_features: usize,
) -> Result<(), OpError> {
    let width = builder.width(features) as usize;
    if width != n_features {
        return Err(invalid(
            op,
            format!("feature vector has width {width}, the model was fitted on {n_features} features"),
        ));
    }
    Ok(())
}

/// Column means of `x`.
pub(crate) fn column_means(x: &Matrix) -> Vec<f64> {
    let mut means = vec![0.0; x.cols];
    for i in 0..x.rows {
        means.iter_mut().zip(x.row(i)).for_each(|(m, v)| *m += v);
    }
    means.iter_mut().for_each(|m| *m /= x.rows as f64);
    means
}

/// Weights rounded to the `f32` constants of the inference IR.
pub(crate) fn to_f32(values: &[f64]) -> Vec<f32> {
    values.iter().map(|&v| v as f32).collect()
}

/// Appends a classifier's output head to `builder` and returns its outputs
/// `[("class", argmax), ("proba", proba)]`. `scores` of width 1 is a binary
/// margin: `p1 = sigmoid(scores)`, `p0 = 1 - p1` (needs exactly two `classes`);
/// a wider `scores` holds one score per fitted class: `proba = Softmax(scores)`.
/// `classes[c]` is the label code of fitted class `c`; the probabilities are
/// placed in label order over `n_labels` labels, 0 for labels absent from
/// training.
pub(crate) fn lower_class_head(
    builder: &mut mlg_compiler::ir::GraphBuilder,
    op: &str,
    scores: mlg_compiler::ir::NodeId,
    classes: &[u32],
    n_labels: usize,
) -> Result<Vec<(String, mlg_compiler::ir::NodeId)>, crate::op::OpError> {
    use mlg_compiler::ir::{BinaryOp, Op, UnaryFn};
    let err = |source| crate::op::OpError::Lowering {
        op: op.to_string(),
        source,
    };
    let proba = if builder.width(scores) == 1 {
        let [first, second] = classes else {
            return Err(crate::registry::invalid(
                op,
                "a binary margin needs exactly two classes",
            ));
        };
        let p1 = builder
            .push(Op::Unary {
                func: UnaryFn::Sigmoid,
                x: scores,
            })
            .map_err(err)?;
        let one = builder.push(Op::Const { values: vec![1.0] }).map_err(err)?;
        let p0 = builder.binary(BinaryOp::Sub, one, p1).map_err(err)?;
        let mut parts = Vec::with_capacity(n_labels);
        let mut zero = None;
        for label in 0..n_labels as u32 {
            let part = if label == *first {
                p0
            } else if label == *second {
                p1
            } else {
                match zero {
                    Some(node) => node,
                    None => *zero.insert(builder.push(Op::Const { values: vec![0.0] }).map_err(err)?),
                }
            };
            parts.push(part);
        }
        builder.push(Op::Concat { parts }).map_err(err)?
    } else {
        let soft = builder.push(Op::Softmax { x: scores }).map_err(err)?;
        let k = classes.len();
        if k == n_labels {
            soft
        } else {
            let mut place = vec![0.0f32; n_labels * k];
            for (c, &label) in classes.iter().enumerate() {
                place[label as usize * k + c] = 1.0;
            }
            builder
                .push(Op::Affine {
                    x: soft,
                    weights: place,
                    bias: vec![0.0; n_labels],
                    missing: Vec::new(),
                })
                .map_err(err)?
        }
    };
    let class = builder.push(Op::Argmax { x: proba }).map_err(err)?;
    Ok(vec![("class".to_string(), class), ("proba".to_string(), proba)])
}
