//! `lasso`: least squares with an L1 penalty, scikit-learn's `Lasso` objective
//! `(1/(2n)) ‖y - Xw - b‖² + alpha ‖w‖₁` (intercept not penalised), solved by
//! the cyclic coordinate descent with soft-thresholding and duality-gap stopping
//! rule it shares with [`elastic_net`](super::elastic_net) (`l1_ratio = 1`). The L1 penalty sets coefficients exactly to zero, which is what makes
//! it useful inside `select_from_model`.

use super::elastic_net::{checkpoint_every, descent_params, fit_penalised, COORDINATE_DESCENT};
use super::linear::FittedLinear;
use crate::catalog::{p, POSITIVE};
use crate::op::{boxed_model, Estimator, FittedModel, Matrix, OpError, Target};
use crate::operators::OperatorDef;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, Params, Task};

const OP: &str = "lasso";

/// The `lasso` model's definition.
pub(crate) const DEFS: &[OperatorDef] = &[OperatorDef::estimator(
    OpSpec {
        name: OP,
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "least squares with an L1 penalty alpha * |w|_1 (scikit-learn's Lasso), coordinate descent",
        params: &[
            p("alpha", POSITIVE, Default::Float(1.0), "penalty strength"),
            COORDINATE_DESCENT[0],
            COORDINATE_DESCENT[1],
            COORDINATE_DESCENT[2],
            COORDINATE_DESCENT[3],
        ],
    },
    |params| boxed_model(Lasso::new(params)),
)
.with_details(
    "Minimises scikit-learn's `Lasso` objective `(1/(2n))|y - Xw - b|² + alpha·|w|₁` by cyclic \
         coordinate descent. Coefficients of dropped columns are exactly zero, so \
         `select_from_model(numeric, model = lasso(alpha = 0.1), threshold = \"1e-5\")` is L1-based \
         selection.",
)];

/// The `lasso` model. Parameters: `alpha` (penalty strength, finite ≥ 0,
/// default 1.0), `fit_intercept` (default true), `max_iter` (coordinate-descent
/// sweeps, ≥ 1, default 1000), `tol` (> 0, default 1e-4),
/// `checkpoint_iterations` (a deployed fit's checkpoints, in sweeps).
///
/// Fitting centres `X` and `y` when `fit_intercept` (so the intercept is not
/// penalised), then minimises `(1/(2n)) ‖y - Xw‖² + alpha ‖w‖₁` by cyclic
/// coordinate descent from `w = 0`
/// ([`coordinate_descent`](super::elastic_net::coordinate_descent)). It stops after a sweep whose largest
/// coefficient change is at most `tol · 1e-8` times the largest |coefficient|
/// (or every coefficient is zero) and whose duality gap is at most
/// `tol · ‖y‖²` (centred `y`, scikit-learn's scaling), or after `max_iter`
/// sweeps, whichever comes first. Columns that are constant after centring get
/// weight 0. The fitted model is a [`FittedLinear`](super::FittedLinear):
/// `prediction = x·w + b` with `b = ȳ - x̄·w`; importances are `|w|`.
#[derive(Clone, Debug, PartialEq)]
pub struct Lasso {
    /// Penalty strength, finite and `>= 0`.
    pub alpha: f64,
    /// Whether an unpenalised intercept is learned.
    pub fit_intercept: bool,
    /// The most coordinate-descent sweeps.
    pub max_iter: usize,
    /// The duality-gap tolerance, relative to `‖y‖²`.
    pub tol: f64,
    /// Sweeps of a deployed fit between two checkpoints (`None`: about a
    /// minute).
    pub checkpoint_iterations: Option<usize>,
}

impl Lasso {
    /// Reads the checked parameters; a negative or non-finite `alpha`,
    /// `max_iter < 1`, or a `tol` that is not a finite positive number is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let (alpha, fit_intercept, max_iter, tol) = descent_params(OP, params)?;
        Ok(Lasso {
            alpha,
            fit_intercept,
            max_iter,
            tol,
            checkpoint_iterations: checkpoint_every(OP, params)?,
        })
    }
}

impl Estimator for Lasso {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_linear(x, y)?))
    }
}

impl Lasso {
    /// [`Estimator::fit`] with the concrete fitted type. Errors on a class
    /// target, non-finite data or a row count that does not match the target.
    pub fn fit_linear(&self, x: &Matrix, y: &Target) -> Result<FittedLinear, OpError> {
        let descent = (self.max_iter, self.tol, self.checkpoint_iterations);
        fit_penalised(
            OP,
            &format!("{self:?}"),
            (x, y),
            self.fit_intercept,
            (self.alpha, 0.0),
            descent,
        )
    }
}
