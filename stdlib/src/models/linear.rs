//! `linear_regression`: ordinary least squares with an optional intercept,
//! solved as a minimum-norm least-squares problem on the centred data (thin SVD),
//! which matches scikit-learn's `LinearRegression` also for collinear features.

use super::{check_feature_width, check_training_data, column_means, to_f32};
use crate::catalog::p;
use crate::op::{boxed_model, Estimator, FittedModel, Matrix, OpError, Target};
use crate::operators::OperatorDef;
use crate::registry::{invalid, param_bool};
use faer::Mat;
use mlg_compiler::ir::{GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType, Params, Task};

const OP: &str = "linear_regression";

/// The `linear_regression` model's definition.
pub(crate) const DEFS: &[OperatorDef] = &[OperatorDef::estimator(
    OpSpec {
        name: OP,
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "ordinary least squares",
        params: &[p(
            "fit_intercept",
            ParamType::Bool,
            Default::Bool(true),
            "learn an intercept",
        )],
    },
    |params| boxed_model(LinearRegression::new(params)),
)];

/// The `linear_regression` model. Parameter: `fit_intercept` (default true).
/// Fitting learns `w` minimising `‖y - Xw - b‖²` (minimum-norm `w` when `X` is
/// rank deficient) and `b = ȳ - x̄·w` (0 without intercept). Predicts `x·w + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearRegression {
    /// Whether an intercept is learned (else it is 0).
    pub fit_intercept: bool,
}

impl LinearRegression {
    /// Reads the checked parameters.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        Ok(LinearRegression {
            fit_intercept: param_bool(OP, params, "fit_intercept", true)?,
        })
    }
}

impl Estimator for LinearRegression {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_linear(x, y)?))
    }
}

impl LinearRegression {
    /// [`Estimator::fit`] with the concrete fitted type. Errors on a class
    /// target or non-finite data.
    pub fn fit_linear(&self, x: &Matrix, y: &Target) -> Result<FittedLinear, OpError> {
        let problem = CenteredProblem::new(OP, x, y, self.fit_intercept)?;
        let weights = problem.solve_svd(OP, 0.0)?;
        Ok(problem.finish(weights))
    }
}

/// A least-squares problem with `X` and `y` centred (when fitting an intercept),
/// shared by `linear_regression` and `ridge`.
pub(crate) struct CenteredProblem {
    /// Centred `X`, `n × d`.
    pub a: Mat<f64>,
    /// Centred `y`, `n × 1`.
    pub b: Mat<f64>,
    pub x_mean: Vec<f64>,
    pub y_mean: f64,
}

impl CenteredProblem {
    /// Checks the data and centres it (means are zero without intercept).
    pub fn new(op: &str, x: &Matrix, y: &Target, fit_intercept: bool) -> Result<Self, OpError> {
        check_training_data(op, x, y)?;
        let Target::Values(values) = y else {
            return Err(invalid(
                op,
                "needs a numeric target; use a classifier for class labels",
            ));
        };
        if let Some(row) = values.iter().position(|v| !v.is_finite()) {
            return Err(invalid(op, format!("target of row {row} is missing or infinite")));
        }
        let (x_mean, y_mean) = if fit_intercept {
            (column_means(x), values.iter().sum::<f64>() / values.len() as f64)
        } else {
            (vec![0.0; x.cols], 0.0)
        };
        let a = Mat::from_fn(x.rows, x.cols, |i, j| x.data[i * x.cols + j] - x_mean[j]);
        let b = Mat::from_fn(x.rows, 1, |i, _| values[i] - y_mean);
        Ok(CenteredProblem { a, b, x_mean, y_mean })
    }

    /// `argmin ‖b - A w‖² + alpha ‖w‖²` through the thin SVD `A = U S Vᵀ`:
    /// `w = Σ_i v_i s_i / (s_i² + alpha) (u_iᵀ b)`, dropping singular values below
    /// `eps · max(n, d) · s_max` (the minimum-norm solution when `alpha = 0`).
    pub fn solve_svd(&self, op: &str, alpha: f64) -> Result<Vec<f64>, OpError> {
        let d = self.a.ncols();
        if d == 0 {
            return Ok(Vec::new());
        }
        let svd = self
            .a
            .thin_svd()
            .map_err(|e| invalid(op, format!("singular value decomposition failed: {e:?}")))?;
        let (u, s, v) = (svd.U(), svd.S().column_vector(), svd.V());
        let s_max = s.iter().fold(0.0f64, |m, &v| m.max(v));
        let cutoff = f64::EPSILON * self.a.nrows().max(d) as f64 * s_max;
        let mut w = vec![0.0; d];
        for (k, &sk) in s.iter().enumerate() {
            if sk <= cutoff || sk == 0.0 {
                continue;
            }
            let ub: f64 = (0..self.a.nrows()).map(|i| u[(i, k)] * self.b[(i, 0)]).sum();
            let factor = sk / (sk * sk + alpha) * ub;
            w.iter_mut()
                .enumerate()
                .for_each(|(j, wj)| *wj += v[(j, k)] * factor);
        }
        Ok(w)
    }

    /// The fitted model for `weights`: intercept `ȳ - x̄·w`.
    pub fn finish(&self, weights: Vec<f64>) -> FittedLinear {
        let intercept = self.y_mean - self.x_mean.iter().zip(&weights).map(|(m, w)| m * w).sum::<f64>();
        FittedLinear { weights, intercept }
    }
}

/// A fitted linear regressor: `prediction = x·weights + intercept`.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLinear {
    /// One weight per input column.
    pub weights: Vec<f64>,
    /// The constant term.
    pub intercept: f64,
}

impl FittedModel for FittedLinear {
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                self.intercept
                    + x.row(i)
                        .iter()
                        .zip(&self.weights)
                        .map(|(a, w)| a * w)
                        .sum::<f64>()
            })
            .collect()
    }

    /// `Affine { x: features, weights: 1×d, bias: [intercept] }` as `("prediction", node)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        check_feature_width(builder, "regression model", features, self.weights.len())?;
        let op = Op::Affine {
            x: features,
            weights: to_f32(&self.weights),
            bias: vec![self.intercept as f32],
            missing: Vec::new(),
        };
        let node = builder.push(op).map_err(|source| crate::op::OpError::Lowering {
            op: "regression model".into(),
            source,
        })?;
        Ok(vec![("prediction".to_string(), node)])
    }

    /// One row: `weights`.
    fn coefficients(&self) -> Option<Vec<Vec<f64>>> {
        Some(vec![self.weights.clone()])
    }

    /// `|weights|`.
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.weights.iter().map(|w| w.abs()).collect())
    }
}
