//! `elastic_net`: least squares with a mixed L1/L2 penalty, scikit-learn's
//! `ElasticNet` objective
//! `(1/(2n)) ‖y - Xw - b‖² + alpha·l1_ratio ‖w‖₁ + alpha·(1 - l1_ratio)/2 ‖w‖²`
//! (intercept not penalised), and the cyclic coordinate-descent core it shares
//! with [`lasso`](super::lasso) (elastic net with `l1_ratio = 1`).

use super::linear::{CenteredProblem, FittedLinear};
use crate::catalog::{p, POSITIVE};
use crate::models::checkpoints::{decode, fingerprint_of, SolverCheckpoint};
use crate::op::{boxed_model, Estimator, FittedModel, Matrix, OpError, Target};
use crate::operators::OperatorDef;
use crate::registry::{invalid, param_bool, param_f64, param_int};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamSpec, ParamType, Params, Task};
use mlg_runtime::checkpoint::Words;

const OP: &str = "elastic_net";

/// `fit_intercept`, `max_iter` and `tol`: the parameters `elastic_net` and
/// `lasso` share with the coordinate descent they run.
pub(crate) const COORDINATE_DESCENT: [ParamSpec; 4] = [
    p(
        "fit_intercept",
        ParamType::Bool,
        Default::Bool(true),
        "learn an intercept",
    ),
    p(
        "max_iter",
        ParamType::Int {
            min: 1,
            max: 1_000_000,
        },
        Default::Int(1000),
        "coordinate-descent sweep limit",
    ),
    p(
        "tol",
        ParamType::Float {
            min: f64::MIN_POSITIVE,
            max: f64::INFINITY,
        },
        Default::Float(1e-4),
        "stop when the duality gap is below tol * |y - mean(y)|^2",
    ),
    p(
        "checkpoint_iterations",
        ParamType::Int {
            min: 1,
            max: 1_000_000,
        },
        Default::Optional,
        "save a checkpoint every this many sweeps when deployed (default: about once a minute); \
             `mlg run --resume` continues from it",
    ),
];

/// The `elastic_net` model's definition.
pub(crate) const DEFS: &[OperatorDef] = &[OperatorDef::estimator(
    OpSpec {
        name: OP,
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "least squares with alpha * (l1_ratio * |w|_1 + (1 - l1_ratio) / 2 * |w|^2) \
                      (scikit-learn's ElasticNet), coordinate descent",
        params: &[
            p("alpha", POSITIVE, Default::Float(1.0), "penalty strength"),
            p(
                "l1_ratio",
                ParamType::Float { min: 0.0, max: 1.0 },
                Default::Float(0.5),
                "share of the L1 penalty (1 = lasso, 0 = ridge)",
            ),
            COORDINATE_DESCENT[0],
            COORDINATE_DESCENT[1],
            COORDINATE_DESCENT[2],
            COORDINATE_DESCENT[3],
        ],
    },
    |params| boxed_model(ElasticNet::new(params)),
)
.with_details(
    "Minimises scikit-learn's `ElasticNet` objective \
         `(1/(2n))|y - Xw - b|² + alpha·l1_ratio·|w|₁ + alpha·(1 - l1_ratio)/2·|w|²` by the same \
         coordinate descent as `lasso`.",
)];

/// How much smaller than `tol` the relative coordinate-update tolerance is.
/// scikit-learn only evaluates the duality gap once the largest coordinate
/// update of a sweep is below `tol` times the largest coefficient, and with the
/// default `tol = 1e-4` that stops visibly short of the optimum (coefficients
/// off by ~1e-3 relative). Requiring updates below `tol · 1e-8` before the gap
/// check converges to the optimum to ~1e-9 relative on well-conditioned data.
const UPDATE_TOL_FACTOR: f64 = 1e-8;

/// The `elastic_net` model. Parameters: `alpha` (penalty strength, finite ≥ 0,
/// default 1.0), `l1_ratio` (share of the L1 penalty, in `[0, 1]`, default
/// 0.5), `fit_intercept` (default true), `max_iter` (coordinate-descent
/// sweeps, ≥ 1, default 1000), `tol` (> 0, default 1e-4),
/// `checkpoint_iterations` (a deployed fit's checkpoints, in sweeps).
///
/// Fitting centres `X` and `y` when `fit_intercept`, then minimises the
/// objective above by [`coordinate_descent`] from `w = 0`, with the stopping
/// rule described there. The fitted model is a
/// [`FittedLinear`](super::FittedLinear): `prediction = x·w + b` with
/// `b = ȳ - x̄·w`; importances are `|w|`.
#[derive(Clone, Debug, PartialEq)]
pub struct ElasticNet {
    /// Penalty strength, finite and `>= 0`.
    pub alpha: f64,
    /// The L1 share of the penalty, in `[0, 1]` (1 is the lasso, 0 ridge).
    pub l1_ratio: f64,
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

impl ElasticNet {
    /// Reads the checked parameters; a negative or non-finite `alpha`, an
    /// `l1_ratio` outside `[0, 1]`, `max_iter < 1`, or a `tol` that is not a
    /// finite positive number is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let l1_ratio = param_f64(OP, params, "l1_ratio", 0.5)?;
        if !(0.0..=1.0).contains(&l1_ratio) {
            return Err(invalid(OP, format!("l1_ratio must be in [0, 1], got {l1_ratio}")));
        }
        let (alpha, fit_intercept, max_iter, tol) = descent_params(OP, params)?;
        Ok(ElasticNet {
            alpha,
            l1_ratio,
            fit_intercept,
            max_iter,
            tol,
            checkpoint_iterations: checkpoint_every(OP, params)?,
        })
    }

    /// [`Estimator::fit`] with the concrete fitted type. Errors on a class
    /// target, non-finite data or a row count that does not match the target.
    pub fn fit_linear(&self, x: &Matrix, y: &Target) -> Result<FittedLinear, OpError> {
        let penalty = (self.alpha * self.l1_ratio, self.alpha * (1.0 - self.l1_ratio));
        let descent = (self.max_iter, self.tol, self.checkpoint_iterations);
        fit_penalised(
            OP,
            &format!("{self:?}"),
            (x, y),
            self.fit_intercept,
            penalty,
            descent,
        )
    }
}

impl Estimator for ElasticNet {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_linear(x, y)?))
    }
}

/// The parameters `alpha`, `fit_intercept`, `max_iter` and `tol` shared by
/// `lasso` and `elastic_net`, checked as [`ElasticNet::new`] documents.
pub(crate) fn descent_params(op: &str, params: &Params) -> Result<(f64, bool, usize, f64), OpError> {
    let alpha = param_f64(op, params, "alpha", 1.0)?;
    if !(alpha >= 0.0 && alpha.is_finite()) {
        return Err(invalid(
            op,
            format!("alpha must be a finite number >= 0, got {alpha}"),
        ));
    }
    let max_iter = param_int(op, params, "max_iter")?.unwrap_or(1000);
    if max_iter < 1 {
        return Err(invalid(
            op,
            format!("max_iter must be at least 1, got {max_iter}"),
        ));
    }
    let tol = param_f64(op, params, "tol", 1e-4)?;
    if !(tol > 0.0 && tol.is_finite()) {
        return Err(invalid(op, format!("tol must be a finite number > 0, got {tol}")));
    }
    let fit_intercept = param_bool(op, params, "fit_intercept", true)?;
    Ok((
        alpha,
        fit_intercept,
        usize::try_from(max_iter).unwrap_or(usize::MAX),
        tol,
    ))
}

/// `checkpoint_iterations` of a coordinate-descent model (`None` without it).
pub(crate) fn checkpoint_every(op: &str, params: &Params) -> Result<Option<usize>, OpError> {
    Ok(param_int(op, params, "checkpoint_iterations")?
        .map(|k| usize::try_from(k.max(1)).unwrap_or(usize::MAX)))
}

/// Fits `(1/(2n)) ‖y - Xw - b‖² + l1 ‖w‖₁ + l2/2 ‖w‖²` (`penalty = (l1,
/// l2)`) on centred data by [`coordinate_descent`] (`descent = (max_iter,
/// tol, checkpoint sweeps)`) and returns the linear model with its
/// intercept. A deployed fit saves its state as it goes; `settings` (the
/// model's `Debug` form) is part of the checkpoint's fingerprint.
pub(crate) fn fit_penalised(
    op: &str,
    settings: &str,
    (x, y): (&Matrix, &Target),
    fit_intercept: bool,
    (l1, l2): (f64, f64),
    (max_iter, tol, every): (usize, f64, Option<usize>),
) -> Result<FittedLinear, OpError> {
    let problem = CenteredProblem::new(op, x, y, fit_intercept)?;
    let (n, d) = (problem.a.nrows(), problem.a.ncols());
    let columns: Vec<Vec<f64>> = (0..d)
        .map(|j| (0..n).map(|i| problem.a[(i, j)]).collect())
        .collect();
    let target: Vec<f64> = (0..n).map(|i| problem.b[(i, 0)]).collect();
    let scale = n as f64;
    let mut checkpoint = SolverCheckpoint::open(op, || fingerprint_of(settings, x, y), every)?;
    let weights = coordinate_descent(
        &columns,
        &target,
        (l1 * scale, l2 * scale),
        (max_iter, tol),
        &mut checkpoint,
    )
    .map_err(|()| checkpoint.unreadable(op))?;
    checkpoint.finish(op)?;
    Ok(problem.finish(weights))
}

/// Minimises `0.5 ‖y - Σ_j w_j x_j‖² + l1 ‖w‖₁ + l2/2 ‖w‖²` (the elastic-net
/// objective times `n`) over `w`, one coordinate at a time in column order,
/// starting from zero: `w_j ← soft(x_jᵀ r_j, l1) / (‖x_j‖² + l2)` with `r_j`
/// the residual without feature `j`. It stops after a sweep whose largest
/// coefficient change is at most `tol · 1e-8` times the largest |coefficient|
/// (or every coefficient is zero) and whose duality gap (see [`duality_gap`]) is
/// at most `tol · ‖y‖²` (scikit-learn's scaling), or after `max_iter` sweeps. Columns that are all
/// zero get weight 0. `columns` are the `d` columns of `X`, each as long as `y`.
///
/// After each sweep that does not stop it, `checkpoint` may save the sweeps
/// done, `w` and the residual (kept, not recomputed: its updates' rounding
/// is part of the path); a restored state continues from there, ending
/// where the uninterrupted descent ends. A restored state of other sizes is
/// `Err(())`.
pub(crate) fn coordinate_descent(
    columns: &[Vec<f64>],
    y: &[f64],
    (l1, l2): (f64, f64),
    (max_iter, tol): (usize, f64),
    checkpoint: &mut SolverCheckpoint,
) -> Result<Vec<f64>, ()> {
    let d = columns.len();
    if d == 0 {
        return Ok(Vec::new());
    }
    let norms: Vec<f64> = columns.iter().map(|c| dot(c, c)).collect();
    let gap_tol = tol * dot(y, y);
    let update_tol = tol * UPDATE_TOL_FACTOR;
    // Residual y - Xw, kept up to date as coordinates move.
    let (done, mut w, mut residual) = match checkpoint.take() {
        Some(bytes) => decode(&bytes, |r| {
            let (done, w, residual) = (r.usize()?, r.f64s()?, r.f64s()?);
            (w.len() == d && residual.len() == y.len()).then_some((done, w, residual))
        })
        .ok_or(())?,
        None => (0, vec![0.0; d], y.to_vec()),
    };
    for sweep in done..max_iter {
        let (mut w_max, mut dw_max) = (0.0f64, 0.0f64);
        for (j, column) in columns.iter().enumerate() {
            if norms[j] == 0.0 {
                continue;
            }
            let old = w[j];
            let rho = dot(column, &residual) + old * norms[j];
            let new = soft_threshold(rho, l1) / (norms[j] + l2);
            if new != old {
                let delta = new - old;
                residual.iter_mut().zip(column).for_each(|(r, x)| *r -= delta * x);
                w[j] = new;
            }
            dw_max = dw_max.max((new - old).abs());
            w_max = w_max.max(new.abs());
        }
        if (w_max == 0.0 || dw_max <= update_tol * w_max)
            && duality_gap(columns, y, &residual, &w, l1, l2) <= gap_tol
        {
            break;
        }
        checkpoint.after(sweep + 1, || {
            let mut words = Words::new();
            words.usize(sweep + 1).f64s(&w).f64s(&residual);
            words
        });
    }
    Ok(w)
}

/// The duality gap of `w` (residual `y - Xw`) for
/// `0.5 ‖y - Xw‖² + l1 ‖w‖₁ + l2/2 ‖w‖²`, with the dual point `residual`
/// scaled into the feasible set `‖Xᵀθ - l2 w‖_∞ ≤ l1`, exactly as
/// scikit-learn's `enet_coordinate_descent`. Without an L1 part the exact
/// ridge gap is used (scikit-learn's never falls below its tolerance there), and
/// without any penalty the gap is taken as 0.
fn duality_gap(columns: &[Vec<f64>], y: &[f64], residual: &[f64], w: &[f64], l1: f64, l2: f64) -> f64 {
    let kkt = columns.iter().zip(w).map(|(c, wj)| dot(c, residual) - l2 * wj);
    if l1 == 0.0 {
        // No feasible set to scale into: the ridge gap ‖Xᵀr - l2 w‖² / (2 l2) is
        // exact, and without any penalty only the update rule can stop.
        return if l2 > 0.0 {
            kkt.map(|v| v * v).sum::<f64>() / (2.0 * l2)
        } else {
            0.0
        };
    }
    let dual_norm = kkt.map(f64::abs).fold(0.0f64, f64::max);
    let r_norm2 = dot(residual, residual);
    let w_norm2 = dot(w, w);
    let (scale, mut gap) = if dual_norm > l1 {
        let scale = l1 / dual_norm;
        (scale, 0.5 * (r_norm2 + r_norm2 * scale * scale))
    } else {
        (1.0, r_norm2)
    };
    let l1_norm: f64 = w.iter().map(|v| v.abs()).sum();
    gap += l1 * l1_norm - scale * dot(residual, y) + 0.5 * l2 * (1.0 + scale * scale) * w_norm2;
    gap
}

/// `sign(v) · max(|v| - t, 0)`.
pub(crate) fn soft_threshold(v: f64, t: f64) -> f64 {
    if v > t {
        v - t
    } else if v < -t {
        v + t
    } else {
        0.0
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests;
