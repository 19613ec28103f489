//! `ridge`: least squares with an L2 penalty `alpha ‖w‖²` on the weights (not the
//! intercept), solved from the normal equations by Cholesky, like scikit-learn's
//! `Ridge(solver="cholesky")`.

use super::linear::{CenteredProblem, Data, FittedLinear};
use crate::catalog::{p, POSITIVE};
use crate::design::Columns;
use crate::op::{boxed_model, Estimator, FittedModel, Matrix, OpError, Target};
use crate::operators::OperatorDef;
use crate::registry::{invalid, param_bool, param_f64};
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType, Params, Task};

const OP: &str = "ridge";

/// The `ridge` model's definition.
pub(crate) const DEFS: &[OperatorDef] = &[OperatorDef::estimator(
    OpSpec {
        name: OP,
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "least squares with an L2 penalty alpha * |w|^2",
        params: &[
            p("alpha", POSITIVE, Default::Float(1.0), "penalty strength"),
            p(
                "fit_intercept",
                ParamType::Bool,
                Default::Bool(true),
                "learn an intercept",
            ),
        ],
    },
    |params| boxed_model(Ridge::new(params)),
)];

/// The `ridge` model. Parameters: `alpha` (penalty strength ≥ 0, default 1.0),
/// `fit_intercept` (default true). Fitting centres `X` and `y` (so the intercept
/// is not penalised) and solves `(XᵀX + alpha I) w = Xᵀy`; when that matrix is
/// not positive definite (`alpha = 0` with collinear features) it falls back to
/// the minimum-norm SVD solution. The fitted model is a
/// [`FittedLinear`](super::FittedLinear): `prediction = x·w + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct Ridge {
    /// Penalty strength, finite and `>= 0`.
    pub alpha: f64,
    /// Whether an unpenalised intercept is learned.
    pub fit_intercept: bool,
}

impl Ridge {
    /// Reads the checked parameters; a negative or non-finite `alpha` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let alpha = param_f64(OP, params, "alpha", 1.0)?;
        if !(alpha >= 0.0 && alpha.is_finite()) {
            return Err(invalid(
                OP,
                format!("alpha must be a finite number >= 0, got {alpha}"),
            ));
        }
        Ok(Ridge {
            alpha,
            fit_intercept: param_bool(OP, params, "fit_intercept", true)?,
        })
    }
}

impl Estimator for Ridge {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_data(Data::Matrix(x), y)?))
    }

    fn fit_columns(&self, x: &Columns<'_>, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_data(Data::Columns(x), y)?))
    }
}

impl Ridge {
    /// [`Estimator::fit`] with the concrete fitted type. Errors on a class
    /// target or non-finite data.
    pub fn fit_linear(&self, x: &Matrix, y: &Target) -> Result<FittedLinear, OpError> {
        self.fit_data(Data::Matrix(x), y)
    }

    fn fit_data(&self, x: Data<'_>, y: &Target) -> Result<FittedLinear, OpError> {
        let problem = CenteredProblem::reduced(OP, x, y, self.fit_intercept)?;
        let d = problem.a.ncols();
        let mut gram: Mat<f64> = problem.a.transpose() * &problem.a;
        for j in 0..d {
            gram[(j, j)] += self.alpha;
        }
        let rhs: Mat<f64> = problem.a.transpose() * &problem.b;
        let weights = if d == 0 {
            Vec::new()
        } else {
            match gram.llt(Side::Lower) {
                Ok(llt) => {
                    let w = llt.solve(&rhs);
                    let w: Vec<f64> = (0..d).map(|j| w[(j, 0)]).collect();
                    if w.iter().all(|v| v.is_finite()) {
                        w
                    } else {
                        problem.solve_svd(OP, self.alpha)?
                    }
                }
                Err(_) => problem.solve_svd(OP, self.alpha)?,
            }
        };
        Ok(problem.finish(weights))
    }
}
