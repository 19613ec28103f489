//! Nonlinear conjugate gradient for the smooth logistic objectives:
//! Polak-Ribière+ directions with restarts (every `n_params` iterations, on
//! loss of orthogonality, and whenever the direction is not a descent
//! direction) and a strong-Wolfe line search (Nocedal & Wright, §5.2).

use super::objective::{dot, Problem};
use super::Solution;
use crate::models::lbfgs::{line_search, max_abs};

/// Curvature constant of the strong Wolfe conditions: tighter than L-BFGS's
/// 0.9, since conjugacy needs nearly exact line minimisation.
const C2: f64 = 0.1;
/// Powell's restart test: restart when `|g_k · g_{k-1}| ≥ ORTHO |g_k|²`.
const ORTHO: f64 = 0.2;

/// Minimises the smooth objective of `problem` from 0. Stops when the
/// gradient's max-norm is at most `tol` (converged), after `max_iter` line
/// searches, or when even a steepest-descent step fails to decrease it.
pub(crate) fn conjugate_gradient(problem: &Problem, max_iter: usize, tol: f64) -> Solution {
    let m = problem.n_params();
    let mut objective = |p: &[f64], g: &mut [f64]| problem.eval(p, Some(g));
    let mut p = vec![0.0; m];
    let mut g = vec![0.0; m];
    let mut f = objective(&p, &mut g);
    let mut dir: Vec<f64> = g.iter().map(|v| -v).collect();
    let mut restarted = true;
    // Step and slope of the previous line search, for the next initial step.
    let mut previous: Option<(f64, f64)> = None;
    let mut iterations = 0;
    while max_abs(&g) > tol && iterations < max_iter && f.is_finite() {
        let mut slope = dot(&g, &dir);
        if slope.is_nan() || slope >= 0.0 {
            dir = g.iter().map(|v| -v).collect();
            slope = dot(&g, &dir);
            restarted = true;
        }
        // Nocedal & Wright's guess: the previous step's first-order change.
        let first = match previous {
            Some((step, prev_slope)) if step * prev_slope / slope > 0.0 => {
                (step * prev_slope / slope).min(1e10)
            }
            _ => 1.0 / dot(&g, &g).sqrt().max(1.0),
        };
        let Some(trial) = line_search(&mut objective, &p, f, slope, &dir, first, C2) else {
            if restarted {
                break;
            }
            dir = g.iter().map(|v| -v).collect();
            restarted = true;
            continue;
        };
        iterations += 1;
        previous = Some((trial.step, slope));
        let g_new = trial.grad;
        let gg = dot(&g, &g);
        let beta = (dot(&g_new, &g_new) - dot(&g_new, &g)) / gg;
        restarted = iterations % m.max(1) == 0
            || dot(&g_new, &g).abs() >= ORTHO * dot(&g_new, &g_new)
            || beta.is_nan()
            || beta <= 0.0;
        let beta = if restarted { 0.0 } else { beta };
        dir.iter_mut()
            .zip(&g_new)
            .for_each(|(d, gn)| *d = -gn + beta * *d);
        (p, f, g) = (trial.x, trial.value, g_new);
    }
    let grad_max = max_abs(&g);
    Solution {
        params: p,
        iterations,
        converged: grad_max <= tol,
        grad_max,
    }
}
