//! Parameters shared by `svm` and `svr`: the kernel (with `gamma = "scale"`
//! resolved at fit time) and the SMO solver's settings, read and checked from
//! the catalog's parameters.

use super::kernel::Kernel;
use super::smo::SmoOptions;
use crate::op::{Matrix, OpError};
use crate::registry::{invalid, param_bool, param_f64, param_int, param_str};
use mlg_compiler::workflow::catalog::Params;

/// Largest accepted polynomial degree.
pub const MAX_DEGREE: i64 = 64;

/// The kernel family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// `x·z`.
    Linear,
    /// `(gamma x·z + coef0)^degree`.
    Poly,
    /// `exp(-gamma |x - z|²)`.
    Rbf,
    /// `tanh(gamma x·z + coef0)`.
    Sigmoid,
}

/// The kernel as configured: `gamma = None` is scikit-learn's `"scale"`,
/// `1 / (d · Var(X))` over all training values (1 when that variance is 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KernelSpec {
    /// The kernel family.
    pub kind: KernelKind,
    /// Kernel coefficient; `None` is `"scale"`.
    pub gamma: Option<f64>,
    /// Degree of the polynomial kernel.
    pub degree: u32,
    /// Constant of the polynomial and sigmoid kernels.
    pub coef0: f64,
}

impl KernelSpec {
    /// Reads `kernel` (default `"rbf"`), `gamma` (`> 0`, absent = `"scale"`),
    /// `degree` (`0..=64`, default 3) and `coef0` (finite, default 0).
    pub fn parse(op: &str, params: &Params) -> Result<Self, OpError> {
        let kind = match param_str(op, params, "kernel")?.unwrap_or("rbf") {
            "linear" => KernelKind::Linear,
            "poly" => KernelKind::Poly,
            "rbf" => KernelKind::Rbf,
            "sigmoid" => KernelKind::Sigmoid,
            other => {
                return Err(invalid(
                    op,
                    format!("kernel must be \"linear\", \"poly\", \"rbf\" or \"sigmoid\", got \"{other}\""),
                ))
            }
        };
        let gamma = match params.get("gamma") {
            None => None,
            Some(_) => {
                let g = param_f64(op, params, "gamma", 0.0)?;
                if !(g > 0.0 && g.is_finite()) {
                    return Err(invalid(op, format!("gamma must be a finite number > 0, got {g}")));
                }
                Some(g)
            }
        };
        let degree = param_int(op, params, "degree")?.unwrap_or(3);
        if !(0..=MAX_DEGREE).contains(&degree) {
            return Err(invalid(
                op,
                format!("degree must be in 0..={MAX_DEGREE}, got {degree}"),
            ));
        }
        let coef0 = param_f64(op, params, "coef0", 0.0)?;
        if !coef0.is_finite() {
            return Err(invalid(op, format!("coef0 must be finite, got {coef0}")));
        }
        Ok(KernelSpec {
            kind,
            gamma,
            degree: degree as u32,
            coef0,
        })
    }

    /// The kernel for training rows `x`, with `gamma = "scale"` computed from them.
    pub fn resolve(&self, x: &Matrix) -> Kernel {
        let gamma = self.gamma.unwrap_or_else(|| scale_gamma(x));
        match self.kind {
            KernelKind::Linear => Kernel::Linear,
            KernelKind::Poly => Kernel::Poly {
                gamma,
                degree: self.degree,
                coef0: self.coef0,
            },
            KernelKind::Rbf => Kernel::Rbf { gamma },
            KernelKind::Sigmoid => Kernel::Sigmoid {
                gamma,
                coef0: self.coef0,
            },
        }
    }
}

/// `1 / (d · Var(X))` over all values of `x` (population variance), or 1
/// when the variance is 0 or there are no values.
pub fn scale_gamma(x: &Matrix) -> f64 {
    let n = x.data.len() as f64;
    if x.data.is_empty() {
        return 1.0;
    }
    let mean = x.data.iter().sum::<f64>() / n;
    let var = x.data.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    if var > 0.0 && var.is_finite() {
        1.0 / (x.cols as f64 * var)
    } else {
        1.0
    }
}

/// Settings of the dual solver: `c` (`> 0`, default 1), `tol` (`> 0`,
/// default 1e-3), `max_iter` (`>= 1`; absent = libsvm's limit of
/// `max(10⁷, 100 n)` SMO iterations, 1000 dual-CD passes) and `shrinking`
/// (default true).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolverSpec {
    /// Upper bound of every dual variable (penalty on margin violations).
    pub c: f64,
    /// Stopping tolerance on the KKT violation.
    pub tol: f64,
    /// Iteration limit; `None` is the solver's own.
    pub max_iter: Option<usize>,
    /// Use SMO's shrinking heuristic.
    pub shrinking: bool,
}

impl SolverSpec {
    /// Reads and checks the solver parameters.
    pub fn parse(op: &str, params: &Params) -> Result<Self, OpError> {
        let c = param_f64(op, params, "c", 1.0)?;
        if !(c > 0.0 && c.is_finite()) {
            return Err(invalid(op, format!("c must be a finite number > 0, got {c}")));
        }
        let tol = param_f64(op, params, "tol", 1e-3)?;
        if !(tol > 0.0 && tol.is_finite()) {
            return Err(invalid(op, format!("tol must be a finite number > 0, got {tol}")));
        }
        let max_iter = match param_int(op, params, "max_iter")? {
            None => None,
            Some(m) if m >= 1 => Some(usize::try_from(m).unwrap_or(usize::MAX)),
            Some(m) => return Err(invalid(op, format!("max_iter must be at least 1, got {m}"))),
        };
        let shrinking = param_bool(op, params, "shrinking", true)?;
        Ok(SolverSpec {
            c,
            tol,
            max_iter,
            shrinking,
        })
    }

    /// These settings as SMO options.
    pub(crate) fn smo(&self) -> SmoOptions {
        SmoOptions {
            tol: self.tol,
            max_iter: self.max_iter,
            shrinking: self.shrinking,
        }
    }
}
