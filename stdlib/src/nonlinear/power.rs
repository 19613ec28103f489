//! `power`: the Yeo-Johnson power transform with a maximum-likelihood `λ` per
//! column, optionally followed by standardization, like scikit-learn's
//! `PowerTransformer(method="yeo-johnson")` (version 1.9, which finds `λ` with
//! scipy's bounded Brent search `fminbound`, reproduced here).

use super::{constant, map_column, push};
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::preprocess::{lowered_column, set_lowered_column};
use crate::registry::param_bool;
use crate::scale::{nonzero_scale, observed_values};
use mlg_compiler::ir::{BinaryOp, CompareOp, NodeId, Op, UnaryFn};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "power";

/// scipy's Brent tolerance on `λ` (`optimize.brent`'s default, used by `yeojohnson_normmax`).
const LAMBDA_TOL: f64 = 1.48e-8;
/// scipy's `fminbound` evaluation budget.
const MAX_EVALS: usize = 500;

/// The `power` features step. Parameter: `standardize` (bool, default true).
/// Fitting, per selected numeric column over its non-missing training values:
/// `λ` maximises the Yeo-Johnson log-likelihood
/// `-n/2 ln var(ψ(x, λ)) + (λ - 1) Σ sign(x) ln(1 + |x|)` by bounded Brent
/// search over scipy's overflow-safe interval (about `[-63, 63]` for data of
/// magnitude 10, narrower for larger data); a constant column gets `λ = 1` (the
/// identity); then, when `standardize`, the mean and population standard
/// deviation of the transformed values (a deviation below `10 * f64::EPSILON`
/// becomes 1). Transforming maps `x` to `(ψ(x, λ) - mean) / std` with
/// `ψ = ((x + 1)^λ - 1) / λ` (or `ln(1 + x)` at `λ = 0`) for `x >= 0` and
/// `-((1 - x)^(2 - λ) - 1) / (2 - λ)` (or `-ln(1 - x)` at `λ = 2`) for `x < 0`;
/// missing values stay missing. Lowers both branches with `Pow` / `Log1p`,
/// chooses with `Compare(Ge, x, 0)` + `Select`, then a `Scale`; in `f32`, `λ`
/// within ~1e-3 of 0 or 2 loses a few digits to cancellation.
#[derive(Clone, Debug, PartialEq)]
pub struct Power {
    /// Whether the transformed values are standardized.
    pub standardize: bool,
}

impl Power {
    /// Reads the checked parameters.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        Ok(Power {
            standardize: param_bool(OP, params, "standardize", true)?,
        })
    }
}

/// What was learned for one column: `x' = (ψ(x, lambda) - mean) / scale`.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnPower {
    /// The column.
    pub column: String,
    /// The Yeo-Johnson `λ`.
    pub lambda: f64,
    /// 0 when not standardizing.
    pub mean: f64,
    /// 1 when not standardizing or the deviation is zero.
    pub scale: f64,
}

/// A fitted `power`: one [`ColumnPower`] per selected column.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedPower {
    /// One per selected column, in selection order.
    pub columns: Vec<ColumnPower>,
}

/// The Yeo-Johnson transform `ψ(x, λ)` as scipy computes it (`expm1` / `log1p`).
pub fn yeo_johnson(x: f64, lambda: f64) -> f64 {
    if x >= 0.0 {
        if lambda.abs() < f64::EPSILON {
            x.ln_1p()
        } else {
            (lambda * x.ln_1p()).exp_m1() / lambda
        }
    } else if (lambda - 2.0).abs() > f64::EPSILON {
        -((2.0 - lambda) * (-x).ln_1p()).exp_m1() / (2.0 - lambda)
    } else {
        -(-x).ln_1p()
    }
}

/// Mean and population variance.
fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var)
}

/// The negated Yeo-Johnson log-likelihood of `λ` for `x` (non-empty); `+inf`
/// when the transformed variance vanishes or overflows.
fn neg_log_likelihood(x: &[f64], lambda: f64, log_sum: f64) -> f64 {
    let trans: Vec<f64> = x.iter().map(|&v| yeo_johnson(v, lambda)).collect();
    let (_, var) = mean_var(&trans);
    if var.is_nan() || var < f64::MIN_POSITIVE || var.is_infinite() {
        return f64::INFINITY;
    }
    let llf = -(x.len() as f64) / 2.0 * var.ln() + (lambda - 1.0) * log_sum;
    -llf
}

/// scipy's `fminbound`: Brent's golden-section / parabolic minimisation of `f`
/// on `[lo, hi]` to absolute tolerance `xtol`, step for step.
fn fminbound(f: impl Fn(f64) -> f64, lo: f64, hi: f64, xtol: f64) -> f64 {
    let sqrt_eps = 2.2e-16f64.sqrt();
    let golden_mean = 0.5 * (3.0 - 5.0f64.sqrt());
    let (mut a, mut b) = (lo, hi);
    let mut fulc = a + golden_mean * (b - a);
    let (mut nfc, mut xf) = (fulc, fulc);
    let (mut rat, mut e) = (0.0f64, 0.0f64);
    let mut fx = f(xf);
    let mut evals = 1;
    let (mut ffulc, mut fnfc) = (fx, fx);
    let mut xm = 0.5 * (a + b);
    let mut tol1 = sqrt_eps * xf.abs() + xtol / 3.0;
    let mut tol2 = 2.0 * tol1;
    let sign = |v: f64| {
        if v > 0.0 {
            1.0
        } else if v < 0.0 {
            -1.0
        } else {
            0.0
        }
    };
    while (xf - xm).abs() > tol2 - 0.5 * (b - a) {
        let mut golden = true;
        if e.abs() > tol1 {
            golden = false;
            let mut r = (xf - nfc) * (fx - ffulc);
            let mut q = (xf - fulc) * (fx - fnfc);
            let mut p = (xf - fulc) * q - (xf - nfc) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            }
            q = q.abs();
            r = e;
            e = rat;
            if p.abs() < (0.5 * q * r).abs() && p > q * (a - xf) && p < q * (b - xf) {
                rat = p / q;
                let x = xf + rat;
                if (x - a) < tol2 || (b - x) < tol2 {
                    let si = sign(xm - xf) + if xm - xf == 0.0 { 1.0 } else { 0.0 };
                    rat = tol1 * si;
                }
            } else {
                golden = true;
            }
        }
        if golden {
            e = if xf >= xm { a - xf } else { b - xf };
            rat = golden_mean * e;
        }
        let si = sign(rat) + if rat == 0.0 { 1.0 } else { 0.0 };
        let x = xf + si * rat.abs().max(tol1);
        let fu = f(x);
        evals += 1;
        if fu <= fx {
            if x >= xf {
                a = xf;
            } else {
                b = xf;
            }
            (fulc, ffulc) = (nfc, fnfc);
            (nfc, fnfc) = (xf, fx);
            (xf, fx) = (x, fu);
        } else {
            if x < xf {
                a = x;
            } else {
                b = x;
            }
            if fu <= fnfc || nfc == xf {
                (fulc, ffulc) = (nfc, fnfc);
                (nfc, fnfc) = (x, fu);
            } else if fu <= ffulc || fulc == xf || fulc == nfc {
                (fulc, ffulc) = (x, fu);
            }
        }
        xm = 0.5 * (a + b);
        tol1 = sqrt_eps * xf.abs() + xtol / 3.0;
        tol2 = 2.0 * tol1;
        if evals >= MAX_EVALS {
            break;
        }
    }
    xf
}

/// The maximum-likelihood `λ` for `x` (non-empty, finite), as scipy's
/// `yeojohnson_normmax`: a search interval keeping `ψ` and its variance finite
/// for data up to 20 times the largest observed magnitude.
pub fn optimal_lambda(x: &[f64]) -> f64 {
    let (mean, var) = mean_var(x);
    let n = x.len() as f64;
    let eps = f64::EPSILON;
    // scikit-learn's `_is_constant_feature`: a constant column keeps λ = 1.
    if var <= n * eps * var + (n * mean * eps).powi(2) {
        return 1.0;
    }
    let max_abs = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let log1p_max_x = (20.0 * max_abs).ln_1p();
    let log_eps = eps.ln();
    let log_tiny = (f64::MIN_POSITIVE.ln() - log_eps) / 2.0;
    let log_max = (f64::MAX.ln() + log_eps) / 2.0;
    let (mut lo, mut hi) = (log_tiny / log1p_max_x, log_max / log1p_max_x);
    if x.iter().all(|&v| v < 0.0) {
        (lo, hi) = (2.0 - hi, 2.0 - lo);
    } else if x.iter().any(|&v| v < 0.0) {
        (lo, hi) = ((2.0 - hi).max(lo), (2.0 - lo).min(hi));
    }
    let log_sum: f64 = x.iter().map(|&v| v.signum() * v.abs().ln_1p()).sum();
    fminbound(|l| neg_log_likelihood(x, l, log_sum), lo, hi, LAMBDA_TOL)
}

impl Transform for Power {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let mut columns = Vec::with_capacity(selected.len());
        for name in selected {
            let values = observed_values(OP, frame, name)?;
            let (mut lambda, mut mean, mut scale) = (1.0, 0.0, 1.0);
            if !values.is_empty() {
                lambda = optimal_lambda(&values);
                if self.standardize {
                    let trans: Vec<f64> = values.iter().map(|&v| yeo_johnson(v, lambda)).collect();
                    let (m, var) = mean_var(&trans);
                    mean = m;
                    scale = nonzero_scale(var.sqrt());
                }
            }
            columns.push(ColumnPower {
                column: name.clone(),
                lambda,
                mean,
                scale,
            });
        }
        Ok(Box::new(FittedPower { columns }))
    }
}

/// Appends `((base)^exponent - 1) / exponent * sign` where `base` is `x * mul + 1`,
/// or `sign * log1p(x * mul)` when `exponent` is (numerically) 0.
fn lower_branch(
    lowering: &mut Lowering,
    x: NodeId,
    mul: f32,
    exponent: f64,
    sign: f64,
) -> Result<NodeId, OpError> {
    if exponent.abs() < f64::EPSILON {
        let arg = push(
            OP,
            lowering,
            Op::Scale {
                x,
                mul: vec![mul],
                add: vec![0.0],
            },
        )?;
        let l = push(
            OP,
            lowering,
            Op::Unary {
                func: UnaryFn::Log1p,
                x: arg,
            },
        )?;
        return push(
            OP,
            lowering,
            Op::Scale {
                x: l,
                mul: vec![sign as f32],
                add: vec![0.0],
            },
        );
    }
    let base = push(
        OP,
        lowering,
        Op::Scale {
            x,
            mul: vec![mul],
            add: vec![1.0],
        },
    )?;
    let e = constant(OP, lowering, exponent as f32)?;
    let p = push(
        OP,
        lowering,
        Op::Binary {
            op: BinaryOp::Pow,
            a: base,
            b: e,
        },
    )?;
    let k = sign / exponent;
    push(
        OP,
        lowering,
        Op::Scale {
            x: p,
            mul: vec![k as f32],
            add: vec![-k as f32],
        },
    )
}

impl FittedTransform for FittedPower {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut out = frame.clone();
        for c in &self.columns {
            map_column(OP, &mut out, &c.column, |x| {
                (yeo_johnson(x, c.lambda) - c.mean) / c.scale
            })?;
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for c in &self.columns {
            let x = lowered_column(OP, lowering, &c.column)?;
            let pos = lower_branch(lowering, x, 1.0, c.lambda, 1.0)?;
            // λ == 2 within machine epsilon takes the log branch, as `yeo_johnson` does.
            let neg_exponent = if (c.lambda - 2.0).abs() > f64::EPSILON {
                2.0 - c.lambda
            } else {
                0.0
            };
            let neg = lower_branch(lowering, x, -1.0, neg_exponent, -1.0)?;
            let zero = constant(OP, lowering, 0.0)?;
            let ge = push(
                OP,
                lowering,
                Op::Compare {
                    op: CompareOp::Ge,
                    a: x,
                    b: zero,
                },
            )?;
            let psi = push(
                OP,
                lowering,
                Op::Select {
                    cond: ge,
                    a: pos,
                    b: neg,
                },
            )?;
            let y = push(
                OP,
                lowering,
                Op::Scale {
                    x: psi,
                    mul: vec![(1.0 / c.scale) as f32],
                    add: vec![(-c.mean / c.scale) as f32],
                },
            )?;
            set_lowered_column(lowering, &c.column, y);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yeo_johnson_branches() {
        assert!((yeo_johnson(3.0, 0.0) - 4f64.ln()).abs() < 1e-15);
        assert!((yeo_johnson(3.0, 2.0) - 7.5).abs() < 1e-14);
        assert!((yeo_johnson(-3.0, 2.0) + 4f64.ln()).abs() < 1e-15);
        assert!((yeo_johnson(-3.0, 0.0) - -7.5).abs() < 1e-14);
        assert_eq!(yeo_johnson(0.0, 0.7), 0.0);
    }

    #[test]
    fn fminbound_finds_a_parabola_minimum() {
        let x = fminbound(|l| (l - 0.3) * (l - 0.3) + 1.0, -5.0, 5.0, 1e-10);
        assert!((x - 0.3).abs() < 1e-8, "{x}");
        let edge = fminbound(|l| l, -2.0, 2.0, 1e-8);
        assert!((edge + 2.0).abs() < 1e-6, "{edge}");
    }
}
