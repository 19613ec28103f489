//! liblinear's dual coordinate descent for the L1-loss (hinge) linear SVM
//! (Hsieh, Chang, Lin, Keerthi & Sundararajan 2008): minimises
//! `½ αᵀQ̄α - Σα` over `0 ≤ α ≤ C` with `Q̄_st = y_s y_t x̄_s·x̄_t`, keeping
//! `w = Σ α_t y_t x̄_t` up to date, in a seeded random order per pass, with
//! liblinear's shrinking on the projected gradient.
//!
//! The intercept is learned as the weight of an extra constant feature of
//! value `bias_scale` (liblinear's `-B`), so it is regularised by
//! `b² / (2 bias_scale²)`; a larger scale approaches SMO's unregularised
//! intercept.

use super::kernel::dot;
use crate::eval::rng::SplitMix64;

/// The result of [`solve`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DcdSolution {
    /// The dual variables, one per row.
    pub alpha: Vec<f64>,
    /// Weights of the `d` real features.
    pub w: Vec<f64>,
    /// Intercept: the decision is `w·x + bias`.
    pub bias: f64,
    /// Passes over the rows.
    pub iterations: usize,
    /// False when `max_iter` passes ended before the projected-gradient gap
    /// fell below `tol`.
    pub converged: bool,
}

/// Settings of [`solve`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct DcdOptions {
    /// Upper bound `C` of every `α_t`.
    pub c: f64,
    /// Stop when the projected gradient's spread over a full pass is at most this.
    pub tol: f64,
    /// Most passes over the rows.
    pub max_iter: usize,
    /// Value of the constant feature that carries the intercept.
    pub bias_scale: f64,
    /// Seed of the visiting order.
    pub seed: u64,
}

/// Solves the dual on the `y.len()` rows of row-major `x` (`d` columns) with
/// labels `y = ±1.0`; row `t`'s bound is `C · scale[t]` (liblinear's class
/// weights; `scale` empty: all 1).
pub(crate) fn solve(x: &[f64], d: usize, y: &[f64], scale: &[f64], options: &DcdOptions) -> DcdSolution {
    let DcdOptions {
        c,
        tol,
        max_iter,
        bias_scale,
        seed,
    } = *options;
    let n = y.len();
    let bound = |i: usize| scale.get(i).map_or(c, |s| c * s);
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let b2 = bias_scale * bias_scale;
    let qd: Vec<f64> = (0..n).map(|i| dot(row(i), row(i)) + b2).collect();
    let mut alpha = vec![0.0; n];
    let mut w = vec![0.0; d];
    let mut wb = 0.0;
    let mut index: Vec<usize> = (0..n).collect();
    let mut active = n;
    let mut rng = SplitMix64::new(seed);
    let (mut pg_max_old, mut pg_min_old) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut iterations, mut converged) = (0, false);
    while iterations < max_iter {
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        rng.shuffle(&mut index[..active]);
        let mut s = 0;
        while s < active {
            let i = index[s];
            let g = y[i] * (dot(&w, row(i)) + wb * bias_scale) - 1.0;
            let pg = if alpha[i] == 0.0 {
                if g > pg_max_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                }
                g.min(0.0)
            } else if alpha[i] == bound(i) {
                if g < pg_min_old {
                    active -= 1;
                    index.swap(s, active);
                    continue;
                }
                g.max(0.0)
            } else {
                g
            };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 && qd[i] > 0.0 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).clamp(0.0, bound(i));
                let step = (alpha[i] - old) * y[i];
                w.iter_mut().zip(row(i)).for_each(|(wj, xj)| *wj += step * xj);
                wb += step * bias_scale;
            }
            s += 1;
        }
        iterations += 1;
        if pg_max - pg_min <= tol {
            if active == n {
                converged = true;
                break;
            }
            active = n;
            pg_max_old = f64::INFINITY;
            pg_min_old = f64::NEG_INFINITY;
            continue;
        }
        pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
        pg_min_old = if pg_min >= 0.0 { f64::NEG_INFINITY } else { pg_min };
    }
    DcdSolution {
        alpha,
        w,
        bias: wb * bias_scale,
        iterations,
        converged,
    }
}
