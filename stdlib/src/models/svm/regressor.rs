//! `svr`: epsilon-support vector regression (scikit-learn's `SVR`) by the
//! same SMO solver over libsvm's `2n`-variable dual, optionally on a
//! standardised target (scikit-learn's
//! `TransformedTargetRegressor(SVR(), StandardScaler())`).

use super::binary::CACHE_BYTES;
use super::expansion::Expansion;
use super::kernel::KernelCache;
use super::params::{KernelSpec, SolverSpec};
use super::smo::{self, Problem};
use crate::models::check_training_data;
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_bool, param_f64};
use mlg_compiler::ir::{GraphBuilder, NodeId};
use mlg_compiler::workflow::catalog::{Params, Task};
use rayon::prelude::*;

/// Catalog name of the regressor.
pub const OP: &str = "svr";

/// The `svr` model. Parameters: the kernel ([`KernelSpec`]), the solver
/// ([`SolverSpec`]), `epsilon` (half-width of the loss-free tube, `>= 0`,
/// default 0.1, in standardised units when `scale_target`) and
/// `scale_target` (standardise `y` before fitting and undo it in the
/// prediction, default false).
#[derive(Clone, Debug, PartialEq)]
pub struct Svr {
    /// The kernel and its parameters.
    pub kernel: KernelSpec,
    /// Bound `c`, tolerance, iteration limit, shrinking.
    pub solver: SolverSpec,
    /// Half-width of the loss-free tube.
    pub epsilon: f64,
    /// Standardise the target before fitting.
    pub scale_target: bool,
}

impl Svr {
    /// Reads and checks the parameters.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let epsilon = param_f64(OP, params, "epsilon", 0.1)?;
        if !(epsilon >= 0.0 && epsilon.is_finite()) {
            return Err(invalid(
                OP,
                format!("epsilon must be a finite number >= 0, got {epsilon}"),
            ));
        }
        Ok(Svr {
            kernel: KernelSpec::parse(OP, params)?,
            solver: SolverSpec::parse(OP, params)?,
            epsilon,
            scale_target: param_bool(OP, params, "scale_target", false)?,
        })
    }

    /// [`Estimator::fit`] with the concrete fitted type. Errors on a class
    /// target, no feature columns, or non-finite features or targets.
    pub fn fit_svr(&self, x: &Matrix, y: &Target) -> Result<FittedSvr, OpError> {
        check_training_data(OP, x, y)?;
        let Target::Values(values) = y else {
            return Err(invalid(OP, "needs a numeric target; use svm for classes"));
        };
        if x.cols == 0 {
            return Err(invalid(OP, "needs at least one feature column"));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(invalid(OP, "the target holds missing or infinite values"));
        }
        let n = x.rows;
        let (mean, scale) = if self.scale_target {
            let mean = values.iter().sum::<f64>() / n as f64;
            let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
            let std = var.sqrt();
            (mean, if std > 0.0 && std.is_finite() { std } else { 1.0 })
        } else {
            (0.0, 1.0)
        };
        let z: Vec<f64> = values.iter().map(|v| (v - mean) / scale).collect();
        let kernel = self.kernel.resolve(x);
        let problem = Problem {
            cache: KernelCache::new(&x.data, x.cols, kernel, CACHE_BYTES),
            real: (0..2 * n).map(|t| t % n).collect(),
            y: (0..2 * n).map(|t| if t < n { 1.0 } else { -1.0 }).collect(),
            p: (0..2 * n)
                .map(|t| {
                    if t < n {
                        self.epsilon - z[t]
                    } else {
                        self.epsilon + z[t - n]
                    }
                })
                .collect(),
            c: vec![self.solver.c; 2 * n],
        };
        let s = smo::solve(problem, &self.solver.smo());
        let function: Vec<(usize, f64)> = (0..n)
            .map(|i| (i, scale * (s.alpha[i] - s.alpha[i + n])))
            .collect();
        let order: Vec<usize> = (0..n).collect();
        let expansion = Expansion::assemble(kernel, x, &order, &[function], vec![mean - scale * s.rho]);
        Ok(FittedSvr {
            expansion,
            target_mean: mean,
            target_scale: scale,
            iterations: s.iterations,
            converged: s.converged,
        })
    }
}

impl Estimator for Svr {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_svr(x, y)?))
    }
}

/// A fitted support vector regressor. The target scaling is folded into the
/// expansion: `prediction = Σ_s coef_s K(sv_s, x) + bias` in target units.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedSvr {
    /// One decision function; coefficients and intercept already multiplied
    /// by `target_scale` (and `target_mean` added to the intercept).
    pub expansion: Expansion,
    /// Mean subtracted from the target before fitting (0 without `scale_target`).
    pub target_mean: f64,
    /// Scale the target was divided by (1 without `scale_target`).
    pub target_scale: f64,
    /// SMO iterations.
    pub iterations: usize,
    /// Whether the solver met its tolerance.
    pub converged: bool,
}

impl FittedModel for FittedSvr {
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .into_par_iter()
            .map(|i| self.expansion.decisions(x.row(i))[0])
            .collect()
    }

    /// The kernel expansion ([`Expansion::lower`]) as `("prediction", value)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let value = self.expansion.lower(OP, builder, features)?;
        Ok(vec![("prediction".to_string(), value)])
    }

    /// Linear kernel only: the primal weights (one row, target units).
    fn coefficients(&self) -> Option<Vec<Vec<f64>>> {
        self.expansion.linear.clone().map(|w| vec![w])
    }

    /// `|w|` per feature (linear kernel only).
    fn importances(&self) -> Option<Vec<f64>> {
        self.coefficients()
            .map(|rows| crate::op::column_sums(&rows, f64::abs))
    }
}
