//! Models: least squares (`linear_regression`), L2-penalised least squares
//! (`ridge`), L1-penalised least squares (`lasso`), logistic regression
//! (`logistic_regression`), CART decision trees (`decision_tree_classifier`,
//! `decision_tree_regressor`), multi-layer perceptrons (`mlp_classifier`,
//! `mlp_regressor`), the L-BFGS optimiser, and input checks common to
//! every model.

pub mod forest;
pub mod lasso;
pub mod lbfgs;
pub mod linear;
pub mod logistic;
pub mod mlp;
pub mod naive_bayes;
pub mod ridge;
pub mod tree;

pub use forest::{FittedForest, RandomForest};
pub use lasso::Lasso;
pub use linear::{FittedLinear, LinearRegression};
pub use logistic::{FittedLogistic, LogisticRegression};
pub use mlp::{FittedMlp, Mlp};
pub use naive_bayes::{FittedGaussianNb, GaussianNb};
pub use ridge::Ridge;
pub use tree::{DecisionTree, FittedTree};

use crate::op::{Matrix, OpError, Target};
use crate::registry::invalid;

/// Checks that `x` is well formed, finite and has one row per target, returning
/// an error for `op` otherwise.
pub(crate) fn check_training_data(op: &str, x: &Matrix, y: &Target) -> Result<(), OpError> {
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
    if let Some(pos) = x.data.iter().position(|v| !v.is_finite()) {
        return Err(invalid(
            op,
            format!(
                "feature {} of row {} is missing or infinite; impute before this model",
                pos % x.cols.max(1),
                pos / x.cols.max(1)
            ),
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
