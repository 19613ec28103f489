//! Nonlinear conjugate gradient for the smooth logistic objectives:
//! Polak-Ribière+ directions with restarts (every `n_params` iterations, on
//! loss of orthogonality, and whenever the direction is not a descent
//! direction) and a strong-Wolfe line search (Nocedal & Wright, §5.2).

use super::objective::{dot, Problem};
use super::Solution;
use crate::models::checkpoints::{decode, SolverCheckpoint};
use crate::models::lbfgs::{line_search, max_abs};
use mlg_runtime::checkpoint::Words;

/// Curvature constant of the strong Wolfe conditions: tighter than L-BFGS's
/// 0.9, since conjugacy needs nearly exact line minimisation.
const C2: f64 = 0.1;
/// Powell's restart test: restart when `|g_k · g_{k-1}| ≥ ORTHO |g_k|²`.
const ORTHO: f64 = 0.2;

/// Minimises the smooth objective of `problem` from 0. Stops when the
/// gradient's max-norm is at most `tol` (converged), after `max_iter` line
/// searches, or when even a steepest-descent step fails to decrease it.
pub(crate) fn conjugate_gradient(
    problem: &Problem,
    max_iter: usize,
    tol: f64,
    checkpoint: &mut SolverCheckpoint,
) -> Result<Solution, ()> {
    let m = problem.n_params();
    let mut objective = |p: &[f64], g: &mut [f64]| problem.eval(p, Some(g));
    let mut g = vec![0.0; m];
    let State {
        mut p,
        mut dir,
        mut restarted,
        mut previous,
        mut iterations,
    } = match checkpoint.take() {
        Some(bytes) => State::read(&bytes, m).ok_or(())?,
        None => State {
            p: vec![0.0; m],
            dir: Vec::new(),
            restarted: true,
            previous: None,
            iterations: 0,
        },
    };
    let mut f = objective(&p, &mut g);
    if dir.is_empty() {
        dir = g.iter().map(|v| -v).collect();
    }
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
        checkpoint.after(iterations, || {
            let mut w = Words::new();
            let (step, slope) = previous.unwrap_or((f64::NAN, f64::NAN));
            w.usize(iterations)
                .usize(usize::from(restarted))
                .f64(step)
                .f64(slope)
                .f64s(&p)
                .f64s(&dir);
            w
        });
    }
    let grad_max = max_abs(&g);
    Ok(Solution {
        params: p,
        iterations,
        converged: grad_max <= tol,
        grad_max,
    })
}

/// What an iteration starts from: the point, the search direction, whether
/// it was a restart, the previous step and slope (`None` before the first),
/// and the iterations done (the value and gradient follow from the point).
struct State {
    p: Vec<f64>,
    dir: Vec<f64>,
    restarted: bool,
    previous: Option<(f64, f64)>,
    iterations: usize,
}

impl State {
    /// The state in `bytes` (written after an iteration), for `m` parameters.
    fn read(bytes: &[u8], m: usize) -> Option<State> {
        decode(bytes, |r| {
            let iterations = r.usize()?;
            let restarted = r.usize()? == 1;
            let (step, slope) = (r.f64()?, r.f64()?);
            let (p, dir) = (r.f64s()?, r.f64s()?);
            (p.len() == m && dir.len() == m).then_some(State {
                p,
                dir,
                restarted,
                previous: Some((step, slope)),
                iterations,
            })
        })
    }
}
