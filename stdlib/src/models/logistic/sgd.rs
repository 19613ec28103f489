//! Stochastic gradient descent for logistic regression: one row per update in
//! a seeded random order, an inverse-scaling learning rate, truncation with a
//! cumulative penalty for `l1`, and Polyak-Ruppert averaging of the iterates
//! after the first epoch. A deployed fit saves its state after the epochs
//! that are due ([`SolverCheckpoint`]); a resumed fit shuffles the rows
//! again from the seed and continues with the saved generator, block order
//! and iterates, so it ends where the uninterrupted fit ends.

use super::objective::{dot, sigmoid, Problem};
use super::Solution;
use crate::eval::rng::SplitMix64;
use crate::models::checkpoints::{decode, SolverCheckpoint};
use crate::models::elastic_net::soft_threshold;
use crate::models::logistic::newton::subgradient_max;
use mlg_runtime::checkpoint::Words;

/// Rows visited consecutively (in the shuffled copy) between random jumps.
const BLOCK: usize = 64;
/// Epochs without averaging before the running average starts.
const BURN_IN: usize = 1;
/// Epochs in a row without an improvement above `tol` that stop the fit.
const PATIENCE: usize = 5;
/// Smallest improvement threshold: single-row gradients are too noisy for the
/// 1e-8 default of the deterministic solvers, which would run every epoch.
const MIN_TOL: f64 = 1e-7;
/// Cap on the decay scale `τ = min(n, DECAY_STEPS)` of the learning rate
/// `η₀ / sqrt(1 + t / τ)`, so that large data sets settle within an epoch.
const DECAY_STEPS: f64 = 1000.0;

/// Minimises `problem`'s objective plus `l1 ‖W‖₁` by SGD from 0 and returns
/// the averaged iterate.
///
/// The rows are shuffled once by a [`SplitMix64`] seeded with `seed`, and
/// every epoch visits consecutive blocks of [`BLOCK`] of them in an order the
/// same generator reshuffles (memory-friendly; the rows are copied once in
/// shuffled order). The update for row `i` at step `t` is
/// `θ ← θ - η_t ∇f_i(θ)` with `f_i` the row's loss plus the `l2` term; with
/// `l1`, every weight is then truncated towards 0 (never across it) by the
/// cumulative penalty `Σ_s η_s l1` it is owed minus the shrinkage it already
/// received (Tsuruoka et al. 2009), which keeps zero weights at zero. The
/// learning rate decays as `η_t = η₀ / sqrt(1 + t / min(n, 1000))` (inverse scaling) from
/// `η₀ = 1 / (L̄ + l2)`, `L̄` the mean over rows of the loss-curvature bound
/// (`¼‖x̃‖²` binary, `½‖x̃‖²` multinomial, `x̃` the row with the intercept's
/// 1). Iterates after the first epoch are averaged (Polyak-Ruppert); after
/// each averaged epoch the full objective is evaluated at the average, and
/// fitting stops (converged) once it has not improved on its best value by more
/// than `max(tol, 1e-7)` for [`PATIENCE`] epochs in a row, or its optimality
/// measure (gradient / minimum-norm subgradient max-norm) is at most `tol`; else after
/// `max_epochs` epochs. With `l1`, one proximal full-gradient step of size `η₀`
/// (at most 1 / the Lipschitz constant of the mean loss's gradient, so it
/// cannot increase the objective) from the average restores exact zeros.
/// `Err` when `checkpoint` restores a state that is not this fit's.
pub(crate) fn sgd(
    problem: &Problem,
    l1: f64,
    seed: u64,
    (max_epochs, tol): (usize, f64),
    checkpoint: &mut SolverCheckpoint,
) -> Result<Solution, ()> {
    let (n, d, k) = (problem.x.rows, problem.x.cols, problem.k);
    let (m, nw) = (problem.n_params(), problem.n_weights());
    let curvature = if k == 1 { 0.25 } else { 0.5 };
    let mean_sq = (0..n)
        .map(|i| dot(problem.x.row(i), problem.x.row(i)))
        .sum::<f64>()
        / n as f64
        + if problem.intercept { 1.0 } else { 0.0 };
    let eta0 = 1.0 / (curvature * mean_sq + problem.l2).max(1e-12);
    let decay_steps = (n as f64).min(DECAY_STEPS);
    let improvement_tol = tol.max(MIN_TOL);
    let mut rng = SplitMix64::new(seed);
    // The rows in one seeded random order, copied so an epoch reads memory in
    // runs of BLOCK rows; each epoch then visits the blocks in a fresh order.
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let rows: Vec<f64> = order
        .iter()
        .flat_map(|&i| problem.x.row(i).iter().copied())
        .collect();
    let labels: Vec<usize> = order.iter().map(|&i| problem.y[i]).collect();
    let (mut z, mut r) = (vec![0.0; k], vec![0.0; k]);
    let mut g = vec![0.0; m];
    let State {
        mut epochs,
        rng: state,
        mut theta,
        mut average,
        mut averaged,
        mut step,
        mut best,
        mut stale,
        mut owed,
        mut applied,
        mut blocks,
    } = match checkpoint.take() {
        Some(bytes) => State::read(&bytes, (m, nw, n.div_ceil(BLOCK))).ok_or(())?,
        None => State {
            epochs: 0,
            rng: rng.state(),
            theta: vec![0.0; m],
            average: vec![0.0; m],
            averaged: 0.0,
            step: 0.0,
            best: f64::INFINITY,
            stale: 0,
            // Total L1 shrinkage owed per weight, and (signed) shrinkage
            // applied to each.
            owed: 0.0,
            applied: vec![0.0; nw],
            blocks: (0..n.div_ceil(BLOCK)).collect(),
        },
    };
    rng = SplitMix64::new(state);
    let (mut converged, mut opt) = (false, f64::INFINITY);
    while epochs < max_epochs {
        rng.shuffle(&mut blocks);
        for i in blocks.iter().flat_map(|b| b * BLOCK..((b + 1) * BLOCK).min(n)) {
            let eta = eta0 / (1.0 + step / decay_steps).sqrt();
            step += 1.0;
            let row = &rows[i * d..(i + 1) * d];
            problem.row_scores(&theta, row, &mut z);
            if k == 1 {
                // The loss itself is not needed here: skip its logarithm.
                r[0] = sigmoid(z[0]) - labels[i] as f64;
            } else {
                problem.residuals(labels[i], &mut z, &mut r);
            }
            let w = problem.weight(labels[i]);
            r.iter_mut().for_each(|rc| *rc *= w);
            let decay = 1.0 - eta * problem.l2;
            for (c, &rc) in r.iter().enumerate() {
                let scale = eta * rc;
                theta[c * d..(c + 1) * d]
                    .iter_mut()
                    .zip(row)
                    .for_each(|(w, x)| *w = *w * decay - scale * x);
                if problem.intercept {
                    theta[k * d + c] -= scale;
                }
            }
            if l1 > 0.0 {
                // Cumulative L1 penalty (Tsuruoka, Tsujii & Ananiadou 2009): each
                // weight is pulled towards 0 by the penalty it should have
                // received so far minus what it got, and clipped at 0.
                owed += eta * l1;
                for (w, got) in theta[..nw].iter_mut().zip(applied.iter_mut()) {
                    let before = *w;
                    if *w > 0.0 {
                        *w = (*w - (owed + *got)).max(0.0);
                    } else if *w < 0.0 {
                        *w = (*w + (owed - *got)).min(0.0);
                    }
                    *got += *w - before;
                }
            }
            if epochs >= BURN_IN {
                averaged += 1.0;
                let weight = 1.0 / averaged;
                average
                    .iter_mut()
                    .zip(&theta)
                    .for_each(|(a, v)| *a += (v - *a) * weight);
            }
        }
        epochs += 1;
        if averaged == 0.0 {
            continue;
        }
        let value = problem.eval(&average, Some(&mut g)) + l1 * l1_norm(&average[..nw]);
        opt = subgradient_max(&average, &g, l1, nw);
        if value > best - improvement_tol {
            stale += 1;
        } else {
            stale = 0;
        }
        best = best.min(value);
        if stale >= PATIENCE || opt <= tol {
            converged = true;
            break;
        }
        checkpoint.after(epochs, || {
            let mut w = Words::new();
            w.usize(epochs)
                .u64(rng.state())
                .f64(averaged)
                .f64(step)
                .f64(best)
                .usize(stale)
                .f64(owed)
                .f64s(&theta)
                .f64s(&average)
                .f64s(&applied)
                .usize(blocks.len());
            for &b in &blocks {
                w.usize(b);
            }
            w
        });
    }
    let mut params = if averaged > 0.0 { average } else { theta };
    if l1 > 0.0 {
        // η₀ ≤ 1 / L: trace(X̃ᵀX̃) / n bounds the largest eigenvalue.
        problem.eval(&params, Some(&mut g));
        for (j, (pj, gj)) in params.iter_mut().zip(&g).enumerate() {
            let moved = *pj - eta0 * gj;
            *pj = if j < nw {
                soft_threshold(moved, eta0 * l1)
            } else {
                moved
            };
        }
        opt = f64::INFINITY;
    }
    if !opt.is_finite() {
        problem.eval(&params, Some(&mut g));
        opt = subgradient_max(&params, &g, l1, nw);
    }
    Ok(Solution {
        params,
        iterations: epochs,
        converged,
        grad_max: opt,
    })
}

/// What an epoch starts from: the epochs done, the generator's state, the
/// iterate, its running average and the rows averaged, the step count, the
/// best objective and the epochs since it improved, the L1 penalty owed and
/// applied, and the order of the row blocks (each epoch shuffles the last).
struct State {
    epochs: usize,
    rng: u64,
    theta: Vec<f64>,
    average: Vec<f64>,
    averaged: f64,
    step: f64,
    best: f64,
    stale: usize,
    owed: f64,
    applied: Vec<f64>,
    blocks: Vec<usize>,
}

impl State {
    /// The state in `bytes` (written after an epoch), for `m` parameters,
    /// `nw` weights and `n_blocks` row blocks.
    fn read(bytes: &[u8], (m, nw, n_blocks): (usize, usize, usize)) -> Option<State> {
        decode(bytes, |r| {
            let (epochs, rng) = (r.usize()?, r.u64()?);
            let (averaged, step, best) = (r.f64()?, r.f64()?, r.f64()?);
            let (stale, owed) = (r.usize()?, r.f64()?);
            let (theta, average, applied) = (r.f64s()?, r.f64s()?, r.f64s()?);
            let count = r.count()?;
            let blocks: Vec<usize> = (0..count).map(|_| r.usize()).collect::<Option<_>>()?;
            let mut seen = vec![false; n_blocks];
            let permutation = blocks.len() == n_blocks
                && blocks
                    .iter()
                    .all(|&b| b < n_blocks && !std::mem::replace(&mut seen[b], true));
            let sizes = theta.len() == m && average.len() == m && applied.len() == nw;
            (permutation && sizes).then_some(State {
                epochs,
                rng,
                theta,
                average,
                averaged,
                step,
                best,
                stale,
                owed,
                applied,
                blocks,
            })
        })
    }
}

fn l1_norm(w: &[f64]) -> f64 {
    w.iter().map(|v| v.abs()).sum()
}
