//! `logistic_regression`: logistic regression with scikit-learn's objective
//! (`C Σ logloss + penalty(W)`, intercepts unpenalised; penalty `½‖W‖²`,
//! `‖W‖₁` or none), binary (one weight vector, sigmoid) or multinomial (one
//! weight vector per class, softmax), minimised by one of four solvers:
//! [`lbfgs`](crate::models::lbfgs), Newton ([`newton`]), nonlinear conjugate
//! gradient ([`cg`]) or stochastic gradient descent ([`sgd`]).

pub mod cg;
mod fitted;
pub mod newton;
pub(crate) mod objective;
pub mod sgd;
mod spec;

pub use fitted::FittedLogistic;
pub(crate) use spec::DEFS;

use crate::models::check_training_data;
use crate::models::checkpoints::{fingerprint_of, SolverCheckpoint};
use crate::models::class_weight::ClassWeights;
use crate::models::lbfgs::{self, LbfgsOptions};
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_bool, param_f64, param_int, param_str};
use mlg_compiler::workflow::catalog::{Params, Task};
use objective::Problem;

const OP: &str = "logistic_regression";

/// The penalty on the weights (never on the intercepts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Penalty {
    /// `½‖W‖²`.
    L2,
    /// `‖W‖₁` (sparse weights).
    L1,
    /// No penalty (the optimum may not exist on separable data).
    None,
}

/// The optimisation algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Solver {
    /// Limited-memory BFGS (smooth penalties only).
    Lbfgs,
    /// Newton-Raphson with the exact Hessian; proximal Newton for `l1`.
    Newton,
    /// Polak-Ribière+ nonlinear conjugate gradient (smooth penalties only).
    Cg,
    /// Per-row stochastic gradient with iterate averaging; truncated for `l1`.
    Sgd,
}

/// Default `tol` of `lbfgs` and `cg`: scikit-learn's (its lbfgs `gtol`, on the
/// same mean-loss scale), so a default fit stops where scikit-learn's does.
pub const GRADIENT_SOLVER_TOL: f64 = 1e-4;

/// The `logistic_regression` model. Parameters: `c` (inverse penalty strength
/// `> 0`, default 1.0), `max_iter` (iterations, default 1000: line searches for
/// `lbfgs`/`cg`, Newton steps for `newton`, epochs for `sgd`), `tol` (default
/// [`GRADIENT_SOLVER_TOL`] for `lbfgs` and `cg`, 1e-8 for `newton` and `sgd`: stop when the max-norm of the gradient of the objective divided by
/// `C n` — of its minimum-norm subgradient with `l1` — is at most this; `sgd`
/// also stops after 5 epochs in a row that lower that objective by at most
/// `max(tol, 1e-7)`),
/// `fit_intercept` (default true), `penalty` (`"l2"`, default, `"l1"` or
/// `"none"`), `solver` (`"lbfgs"`, default, `"newton"`, `"cg"` or `"sgd"`;
/// `l1` needs `newton` or `sgd`), `seed` (row order of `sgd`, default 0),
/// `checkpoint_iterations` (a deployed fit's checkpoints: every this many
/// iterations, epochs for `sgd`), `class_weight` (`"none"`, default,
/// `"balanced"` or a map `{ label = weight }`: each row's log-loss term is
/// multiplied by its class's weight, as scikit-learn's `class_weight` does).
///
/// Fitting minimises `C Σ_i logloss_i + penalty(W)` over the classes present
/// in the training rows (at least two): with two classes one weight vector and
/// `p = sigmoid(w·x + b)`; with more, one weight vector per class and a
/// softmax (symmetric parametrisation, intercepts centred to sum 0). All
/// solvers start from zero and minimise the same objective, so they agree up
/// to their tolerances. Predictions are class codes into the target's labels;
/// classes absent from training get probability 0.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticRegression {
    /// Inverse penalty strength, `> 0`.
    pub c: f64,
    /// The most iterations (line searches, Newton steps or epochs, by solver).
    pub max_iter: usize,
    /// Stop once the scaled gradient's max-norm is at most this.
    pub tol: f64,
    /// Whether an unpenalised intercept is learned.
    pub fit_intercept: bool,
    /// The penalty on the weights.
    pub penalty: Penalty,
    /// The optimiser; `l1` needs `newton` or `sgd`.
    pub solver: Solver,
    /// The seed of `sgd`'s row order.
    pub seed: u64,
    /// Iterations of a deployed `lbfgs`, `newton` or `cg` fit between two
    /// checkpoints (`None`: about a minute).
    pub checkpoint_iterations: Option<usize>,
    /// Per-class weights of the rows' losses.
    pub class_weight: ClassWeights,
}

/// A solver's outcome: parameters `[W (k × d), b (k)]` and convergence state.
pub(crate) struct Solution {
    pub params: Vec<f64>,
    pub iterations: usize,
    pub converged: bool,
    /// The solver's optimality measure at `params` (see [`FittedLogistic`]).
    pub grad_max: f64,
}

impl LogisticRegression {
    /// Reads the checked parameters; `c <= 0`, `max_iter < 1`, `tol < 0`, a
    /// negative `seed`, an unknown `penalty` or `solver`, and `penalty = "l1"`
    /// with a solver other than `newton` or `sgd` are errors.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let c = param_f64(OP, params, "c", 1.0)?;
        if !(c > 0.0 && c.is_finite()) {
            return Err(invalid(OP, format!("c must be a finite number > 0, got {c}")));
        }
        let max_iter = param_int(OP, params, "max_iter")?.unwrap_or(1000);
        if max_iter < 1 {
            return Err(invalid(
                OP,
                format!("max_iter must be at least 1, got {max_iter}"),
            ));
        }
        let fit_intercept = param_bool(OP, params, "fit_intercept", true)?;
        let penalty = match param_str(OP, params, "penalty")?.unwrap_or("l2") {
            "l2" => Penalty::L2,
            "l1" => Penalty::L1,
            "none" => Penalty::None,
            other => {
                return Err(invalid(
                    OP,
                    format!("penalty must be \"l2\", \"l1\" or \"none\", got {other:?}"),
                ))
            }
        };
        let solver = match param_str(OP, params, "solver")?.unwrap_or("lbfgs") {
            "lbfgs" => Solver::Lbfgs,
            "newton" => Solver::Newton,
            "cg" => Solver::Cg,
            "sgd" => Solver::Sgd,
            other => {
                return Err(invalid(
                    OP,
                    format!("solver must be \"lbfgs\", \"newton\", \"cg\" or \"sgd\", got {other:?}"),
                ))
            }
        };
        let default_tol = match solver {
            Solver::Lbfgs | Solver::Cg => GRADIENT_SOLVER_TOL,
            Solver::Newton | Solver::Sgd => 1e-8,
        };
        let tol = param_f64(OP, params, "tol", default_tol)?;
        if tol.is_nan() || tol < 0.0 {
            return Err(invalid(OP, format!("tol must be >= 0, got {tol}")));
        }
        if penalty == Penalty::L1 && matches!(solver, Solver::Lbfgs | Solver::Cg) {
            let name = if solver == Solver::Lbfgs { "lbfgs" } else { "cg" };
            return Err(invalid(
                OP,
                format!(
                    "penalty \"l1\" is not differentiable and solver \"{name}\" needs a smooth \
                     objective; use solver \"newton\" or \"sgd\" with l1"
                ),
            ));
        }
        let seed = param_int(OP, params, "seed")?.unwrap_or(0);
        let seed = u64::try_from(seed).map_err(|_| invalid(OP, format!("seed must be >= 0, got {seed}")))?;
        Ok(LogisticRegression {
            c,
            max_iter: usize::try_from(max_iter).unwrap_or(usize::MAX),
            tol,
            fit_intercept,
            penalty,
            solver,
            seed,
            checkpoint_iterations: param_int(OP, params, "checkpoint_iterations")?
                .map(|k| usize::try_from(k.max(1)).unwrap_or(usize::MAX)),
            class_weight: ClassWeights::parse(OP, params)?,
        })
    }
}

impl Estimator for LogisticRegression {
    fn task(&self) -> Task {
        Task::Classification
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_logistic(x, y)?))
    }
}

impl LogisticRegression {
    /// [`Estimator::fit`] with the concrete fitted type (coefficients,
    /// probabilities, convergence state, objective). Errors on a non-class
    /// target, fewer than two classes in `y`, non-finite features, or a solver
    /// that diverged.
    pub fn fit_logistic(&self, x: &Matrix, y: &Target) -> Result<FittedLogistic, OpError> {
        check_training_data(OP, x, y)?;
        let (codes, n_labels, classes) = super::training_classes(OP, y)?;
        let index: Vec<usize> = codes
            .iter()
            .map(|c| classes.binary_search(c).unwrap_or_default())
            .collect();
        // Per class index (the order of `classes`), from the weights per label.
        let class_weights: Option<Vec<f64>> = self
            .class_weight
            .per_label(OP, y, Some(mlg_runtime::collective::current().as_ref()))?
            .map(|per_label| classes.iter().map(|&c| per_label[c as usize]).collect());
        let d = x.cols;
        let k = if classes.len() == 2 { 1 } else { classes.len() };
        // Both penalties on the mean-loss scale: the objective divided by C n.
        // Every rank's rows in a distributed job (only lbfgs, newton and cg
        // sum over ranks; sgd's row-by-row steps are refused there).
        let mut rows = [x.rows as u64];
        mlg_runtime::collective::current().all_reduce_u64(&mut rows);
        let total_rows = rows[0] as f64;
        let strength = 1.0 / (self.c * total_rows);
        let l2 = if self.penalty == Penalty::L2 {
            strength
        } else {
            0.0
        };
        let l1 = if self.penalty == Penalty::L1 {
            strength
        } else {
            0.0
        };
        let problem = Problem {
            x,
            y: &index,
            class_weights: class_weights.as_deref(),
            k,
            intercept: self.fit_intercept,
            l2,
            total_rows,
        };
        // A deployed fit saves its solver's state as it goes.
        let mut checkpoint = SolverCheckpoint::open(
            OP,
            || fingerprint_of(&format!("{self:?}"), x, y),
            self.checkpoint_iterations,
        )?;
        let (it, tol) = (self.max_iter, self.tol);
        // The parameters and mean log-loss of the solver's last evaluation.
        let last = std::cell::RefCell::new(None::<(Vec<f64>, f64)>);
        let solved = match self.solver {
            Solver::Lbfgs => {
                let options = LbfgsOptions {
                    memory: 10,
                    max_iter: it,
                    tol,
                };
                let objective = |p: &[f64], g: &mut [f64]| {
                    let (value, loss) = problem.eval_parts(p, Some(g));
                    *last.borrow_mut() = Some((p.to_vec(), loss));
                    value
                };
                lbfgs::minimize_saved(
                    objective,
                    vec![0.0; problem.n_params()],
                    &options,
                    &mut checkpoint,
                )
                .map(|r| Solution {
                    params: r.x,
                    iterations: r.iterations,
                    converged: r.converged,
                    grad_max: r.grad_max,
                })
            }
            Solver::Newton if l1 > 0.0 => newton::proximal_newton(&problem, l1, (it, tol), &mut checkpoint),
            Solver::Newton => newton::newton(&problem, it, tol, &mut checkpoint),
            Solver::Cg => cg::conjugate_gradient(&problem, it, tol, &mut checkpoint),
            Solver::Sgd => sgd::sgd(&problem, l1, self.seed, (it, tol), &mut checkpoint),
        };
        let solution = solved.map_err(|()| checkpoint.unreadable(OP))?;
        checkpoint.finish(OP)?;
        let p = solution.params;
        if p.iter().any(|v| !v.is_finite()) {
            return Err(invalid(OP, "optimisation diverged (non-finite coefficients)"));
        }
        let weights = p[..k * d].to_vec();
        let mut intercepts = if self.fit_intercept {
            p[k * d..].to_vec()
        } else {
            vec![0.0; k]
        };
        if k > 1 {
            // Softmax is invariant to a shift of all intercepts; fix the sum at 0.
            let mean = intercepts.iter().sum::<f64>() / k as f64;
            intercepts.iter_mut().for_each(|b| *b -= mean);
        }
        // The solver's last evaluation was at the solution, usually: its loss
        // is the one an evaluation there would give (the same sums).
        let mean_loss = match last.into_inner() {
            Some((at, loss)) if at.iter().zip(&p).all(|(a, b)| a.to_bits() == b.to_bits()) => loss,
            _ => Problem { l2: 0.0, ..problem }.eval(&p, None),
        };
        let penalty = match self.penalty {
            Penalty::L2 => 0.5 * weights.iter().map(|w| w * w).sum::<f64>(),
            Penalty::L1 => weights.iter().map(|w| w.abs()).sum::<f64>(),
            Penalty::None => 0.0,
        };
        Ok(FittedLogistic {
            n_features: d,
            n_labels,
            classes,
            weights,
            intercepts,
            iterations: solution.iterations,
            converged: solution.converged,
            grad_max: solution.grad_max,
            objective: self.c * total_rows * mean_loss + penalty,
            mean_objective: mean_loss + penalty * strength,
        })
    }
}

#[cfg(test)]
pub(crate) mod testdata;
#[cfg(test)]
mod tests;
