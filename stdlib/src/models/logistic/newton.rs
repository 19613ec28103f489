//! Newton solvers for logistic regression: Newton-Raphson (IRLS) with the exact
//! Hessian, a Cholesky solve and a backtracking Armijo line search for the
//! smooth objectives (`l2`, `none`), and proximal Newton for `l1` (the
//! quadratic model plus `l1 ‖W‖₁` minimised by coordinate descent, then a
//! backtracking line search on the composite objective; Lee, Sun & Saunders
//! 2014, as in glmnet/newGLMNET).

use super::objective::{dot, Problem};
use super::Solution;
use crate::models::checkpoints::{decode, SolverCheckpoint};
use crate::models::elastic_net::soft_threshold;
use crate::models::lbfgs::max_abs;
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use mlg_runtime::checkpoint::Words;

/// Sufficient-decrease constant of the line searches.
const ARMIJO: f64 = 1e-4;
/// Most step halvings per line search.
const MAX_HALVINGS: usize = 60;
/// Relative diagonal damping always added before factorising: keeps the solve
/// well defined along the softmax's flat directions (equal shifts of every
/// class) and on (nearly) separable data without penalty.
const DAMPING: f64 = 1e-10;
/// Most coordinate-descent sweeps over the quadratic model of one L1 step.
const MAX_SWEEPS: usize = 1000;

/// Minimises the smooth objective of `problem` by damped Newton steps from 0.
/// Stops when the gradient's max-norm is at most `tol` (converged), after
/// `max_iter` Newton steps, or when no step along the Newton direction (or,
/// failing that, the negative gradient) decreases the objective.
pub(crate) fn newton(
    problem: &Problem,
    max_iter: usize,
    tol: f64,
    checkpoint: &mut SolverCheckpoint,
) -> Result<Solution, ()> {
    let m = problem.n_params();
    let (mut p, mut iterations) = start(m, checkpoint)?;
    let mut g = vec![0.0; m];
    let mut f = problem.eval(&p, Some(&mut g));
    while max_abs(&g) > tol && iterations < max_iter {
        let h = problem.hessian(&p);
        let neg_g: Vec<f64> = g.iter().map(|v| -v).collect();
        let mut dir = solve_spd(&h, m, &neg_g).unwrap_or_else(|| neg_g.clone());
        let newton_slope = dot(&g, &dir);
        if newton_slope.is_nan() || newton_slope >= 0.0 {
            dir = neg_g;
        }
        let slope = dot(&g, &dir);
        let merit = |_: &[f64], g_t: &[f64], f_t: f64, t: f64| {
            f_t <= f + ARMIJO * t * slope || stalled_but_better(f, f_t, max_abs(&g), max_abs(g_t))
        };
        let Some((p_t, f_t, g_t)) = backtrack(problem, &p, &dir, merit) else {
            break;
        };
        (p, f, g) = (p_t, f_t, g_t);
        iterations += 1;
        checkpoint.after(iterations, || words(&p, iterations));
    }
    let grad_max = max_abs(&g);
    Ok(Solution {
        params: p,
        iterations,
        converged: grad_max <= tol,
        grad_max,
    })
}

/// The point and iterations done to start from: restored, or 0 and none.
fn start(m: usize, checkpoint: &mut SolverCheckpoint) -> Result<(Vec<f64>, usize), ()> {
    let Some(bytes) = checkpoint.take() else {
        return Ok((vec![0.0; m], 0));
    };
    decode(&bytes, |r| {
        let iterations = r.usize()?;
        let p = r.f64s()?;
        (p.len() == m).then_some((p, iterations))
    })
    .ok_or(())
}

/// A Newton solver's state: its iterations done and point (the value and
/// gradient follow from the point).
fn words(p: &[f64], iterations: usize) -> Words {
    let mut w = Words::new();
    w.usize(iterations).f64s(p);
    w
}

/// Minimises `problem` (its smooth part, normally without `l2`) plus
/// `l1 ‖W‖₁` (intercepts unpenalised) by proximal Newton steps from 0. Stops
/// when the minimum-norm subgradient's max-norm is at most `tol`, after
/// `max_iter` steps, or when no step decreases the composite objective.
pub(crate) fn proximal_newton(
    problem: &Problem,
    l1: f64,
    (max_iter, tol): (usize, f64),
    checkpoint: &mut SolverCheckpoint,
) -> Result<Solution, ()> {
    let m = problem.n_params();
    let nw = problem.n_weights();
    let l1_norm = |p: &[f64]| p[..nw].iter().map(|w| w.abs()).sum::<f64>();
    let (mut p, mut iterations) = start(m, checkpoint)?;
    let mut g = vec![0.0; m];
    let mut f = problem.eval(&p, Some(&mut g));
    loop {
        let opt = subgradient_max(&p, &g, l1, nw);
        if opt <= tol || iterations >= max_iter {
            return Ok(Solution {
                params: p,
                iterations,
                converged: opt <= tol,
                grad_max: opt,
            });
        }
        let mut h = problem.hessian(&p);
        damp(&mut h, m);
        let step = quadratic_l1_step(&h, m, &g, &p, l1, nw);
        let target: Vec<f64> = p.iter().zip(&step).map(|(a, b)| a + b).collect();
        // Predicted decrease of the composite objective (negative unless at a
        // minimiser of the model).
        let decrease = dot(&g, &step) + l1 * (l1_norm(&target) - l1_norm(&p));
        let composite = f + l1 * l1_norm(&p);
        let merit = |p_t: &[f64], g_t: &[f64], f_t: f64, t: f64| {
            let c_t = f_t + l1 * l1_norm(p_t);
            c_t <= composite + ARMIJO * t * decrease
                || stalled_but_better(composite, c_t, opt, subgradient_max(p_t, g_t, l1, nw))
        };
        let stopped = |p| Solution {
            params: p,
            iterations,
            converged: false,
            grad_max: opt,
        };
        if decrease.is_nan() || decrease >= 0.0 {
            return Ok(stopped(p));
        }
        let Some((p_t, f_t, g_t)) = backtrack(problem, &p, &step, merit) else {
            return Ok(stopped(p));
        };
        (p, f, g) = (p_t, f_t, g_t);
        iterations += 1;
        checkpoint.after(iterations, || words(&p, iterations));
    }
}

/// Near the optimum the objective stops changing in floating point and the
/// Armijo test fails on rounding: a step that leaves the value unchanged to
/// 1e-12 relative but lowers the optimality measure is accepted then.
fn stalled_but_better(value: f64, value_t: f64, opt: f64, opt_t: f64) -> bool {
    (value_t - value).abs() <= 1e-12 * value.abs().max(f64::MIN_POSITIVE) && opt_t < opt
}

/// Tries `p + t dir` for `t = 1, ½, ¼, …` and returns the first point (value
/// and gradient) that `accept(point, gradient, value, t)` approves.
#[allow(clippy::type_complexity)]
fn backtrack(
    problem: &Problem,
    p: &[f64],
    dir: &[f64],
    accept: impl Fn(&[f64], &[f64], f64, f64) -> bool,
) -> Option<(Vec<f64>, f64, Vec<f64>)> {
    let mut t = 1.0;
    let mut g_t = vec![0.0; p.len()];
    for _ in 0..MAX_HALVINGS {
        let p_t: Vec<f64> = p.iter().zip(dir).map(|(a, b)| a + t * b).collect();
        let f_t = problem.eval(&p_t, Some(&mut g_t));
        if f_t.is_finite() && accept(&p_t, &g_t, f_t, t) {
            return Some((p_t, f_t, g_t));
        }
        t *= 0.5;
    }
    None
}

/// Max-norm of the minimum-norm subgradient of `f + l1 ‖p[..nw]‖₁` given the
/// gradient `g` of `f`.
pub(crate) fn subgradient_max(p: &[f64], g: &[f64], l1: f64, nw: usize) -> f64 {
    let part = p.iter().zip(g).enumerate().map(|(j, (&pj, &gj))| {
        if j >= nw {
            gj.abs()
        } else if pj > 0.0 {
            (gj + l1).abs()
        } else if pj < 0.0 {
            (gj - l1).abs()
        } else {
            (gj.abs() - l1).max(0.0)
        }
    });
    part.fold(0.0, |a: f64, v| if v.is_nan() { f64::INFINITY } else { a.max(v) })
}

/// Adds [`DAMPING`] times the largest diagonal entry to the diagonal of the
/// row-major `m × m` matrix `h`.
fn damp(h: &mut [f64], m: usize) {
    let max_diag = (0..m).map(|j| h[j * m + j]).fold(0.0f64, f64::max);
    let shift = DAMPING * max_diag.max(f64::MIN_POSITIVE);
    (0..m).for_each(|j| h[j * m + j] += shift);
}

/// Solves `h x = rhs` for the symmetric positive semi-definite row-major
/// `m × m` matrix `h` by Cholesky after [`damp`]ing it, raising the damping
/// when the factorisation fails; `None` when it never succeeds.
fn solve_spd(h: &[f64], m: usize, rhs: &[f64]) -> Option<Vec<f64>> {
    let mut h = h.to_vec();
    damp(&mut h, m);
    let max_diag = (0..m).map(|j| h[j * m + j]).fold(0.0f64, f64::max);
    let mut extra = 0.0;
    for _ in 0..10 {
        let a = Mat::from_fn(m, m, |i, j| h[i * m + j] + if i == j { extra } else { 0.0 });
        if let Ok(llt) = a.llt(Side::Lower) {
            let x = llt.solve(Mat::from_fn(m, 1, |i, _| rhs[i]));
            let x: Vec<f64> = (0..m).map(|i| x[(i, 0)]).collect();
            if x.iter().all(|v| v.is_finite()) {
                return Some(x);
            }
        }
        extra = if extra == 0.0 {
            1e-8 * max_diag.max(1e-300)
        } else {
            extra * 100.0
        };
    }
    None
}

/// The step `Δ` minimising `gᵀΔ + ½ ΔᵀHΔ + l1 ‖(p + Δ)[..nw]‖₁` by cyclic
/// coordinate descent (`h` row-major `m × m` with a positive diagonal). Sweeps
/// until the largest coordinate change is below `1e-12 · (1 + max |p + Δ|)`
/// or [`MAX_SWEEPS`] sweeps.
fn quadratic_l1_step(h: &[f64], m: usize, g: &[f64], p: &[f64], l1: f64, nw: usize) -> Vec<f64> {
    let mut step = vec![0.0; m];
    // h · step, kept up to date.
    let mut hs = vec![0.0; m];
    for _ in 0..MAX_SWEEPS {
        let (mut change, mut size) = (0.0f64, 0.0f64);
        for j in 0..m {
            let hjj = h[j * m + j];
            if hjj.is_nan() || hjj <= 0.0 {
                continue;
            }
            let z = p[j] + step[j];
            let moved = z - (g[j] + hs[j]) / hjj;
            let new = if j < nw {
                soft_threshold(moved, l1 / hjj)
            } else {
                moved
            };
            let delta = new - z;
            if delta != 0.0 {
                step[j] += delta;
                hs.iter_mut()
                    .zip(&h[j * m..(j + 1) * m])
                    .for_each(|(a, b)| *a += delta * b);
            }
            change = change.max(delta.abs());
            size = size.max(new.abs());
        }
        if change <= 1e-12 * (1.0 + size) {
            break;
        }
    }
    step
}
