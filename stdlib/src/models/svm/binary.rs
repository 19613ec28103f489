//! One binary C-SVC subproblem: training by SMO (or dual coordinate descent
//! for the linear kernel), decision values, and libsvm's Platt calibration on
//! 5-fold cross-validated decision values.

use super::dcd::{self, DcdOptions};
use super::kernel::{Kernel, KernelCache};
use super::params::SolverSpec;
use super::platt;
use super::smo::{self, Problem};
use crate::eval::rng::SplitMix64;
use rayon::prelude::*;

/// Bytes of kernel rows one solver may cache.
pub(crate) const CACHE_BYTES: usize = 100 << 20;
/// Dual-CD passes when `max_iter` is not given (liblinear's default).
const DCD_MAX_ITER: usize = 1000;
/// Folds of the cross-validation behind Platt scaling (libsvm's 5).
const PLATT_FOLDS: usize = 5;

/// How to train a binary subproblem.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Setup<'a> {
    /// The resolved kernel.
    pub kernel: Kernel,
    /// Bound, tolerance, iteration limit, shrinking.
    pub solver: &'a SolverSpec,
    /// Use dual coordinate descent (linear kernel only) instead of SMO.
    pub dual_cd: bool,
    /// Dual CD's constant intercept feature value.
    pub intercept_scaling: f64,
}

/// A trained binary decision function `Σ_t coef_t K(x_t, x) - rho`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct BinaryFit {
    /// `α_t y_t` for every training row (0 for non-support vectors).
    pub coef: Vec<f64>,
    /// Threshold subtracted from the kernel sum.
    pub rho: f64,
    /// Solver iterations (SMO steps or dual-CD passes).
    pub iterations: usize,
    /// Whether the solver met its tolerance.
    pub converged: bool,
}

/// Trains on the `y.len()` rows of row-major `x` (`d` columns) with labels
/// `y = ±1.0` (both present) and bounds `C · scale[t]` (`scale` empty: all
/// `C`); `seed` orders dual CD's passes.
pub(crate) fn train(
    x: &[f64],
    d: usize,
    y: &[f64],
    scale: &[f64],
    setup: &Setup<'_>,
    seed: u64,
) -> BinaryFit {
    let n = y.len();
    if setup.dual_cd {
        let options = DcdOptions {
            c: setup.solver.c,
            tol: setup.solver.tol,
            max_iter: setup.solver.max_iter.unwrap_or(DCD_MAX_ITER),
            bias_scale: setup.intercept_scaling,
            seed,
        };
        let s = dcd::solve(x, d, y, scale, &options);
        return BinaryFit {
            coef: s.alpha.iter().zip(y).map(|(a, yi)| a * yi).collect(),
            rho: -s.bias,
            iterations: s.iterations,
            converged: s.converged,
        };
    }
    let problem = Problem {
        cache: KernelCache::new(x, d, setup.kernel, CACHE_BYTES),
        real: (0..n).collect(),
        y: y.to_vec(),
        p: vec![-1.0; n],
        c: (0..n)
            .map(|t| scale.get(t).map_or(setup.solver.c, |s| setup.solver.c * s))
            .collect(),
    };
    let s = smo::solve(problem, &setup.solver.smo());
    BinaryFit {
        coef: s.alpha.iter().zip(y).map(|(a, yi)| a * yi).collect(),
        rho: s.rho,
        iterations: s.iterations,
        converged: s.converged,
    }
}

/// The decision value of `fit` (trained on row-major `x`) at `row`.
pub(crate) fn decision(x: &[f64], d: usize, fit: &BinaryFit, kernel: Kernel, row: &[f64]) -> f64 {
    let sum: f64 = fit
        .coef
        .iter()
        .enumerate()
        .filter(|(_, c)| **c != 0.0)
        .map(|(t, c)| c * kernel.eval(&x[t * d..(t + 1) * d], row))
        .sum();
    sum - fit.rho
}

/// libsvm's `svm_binary_svc_probability`: decision values of every row from
/// a model trained without its fold (5 folds of a seeded permutation; a fold
/// whose training part holds one class only gets `±1`), then the sigmoid
/// `P(y = +1 | f) = 1 / (1 + exp(A f + B))` fitted to them (the folds' models
/// with the rows' bound scales `scale`, as [`train`]). Returns `(A, B)`.
pub(crate) fn platt_ab(
    x: &[f64],
    d: usize,
    y: &[f64],
    scale: &[f64],
    setup: &Setup<'_>,
    seed: u64,
) -> (f64, f64) {
    let n = y.len();
    let mut rng = SplitMix64::new(seed);
    let mut perm: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut perm);
    let fold_seeds: Vec<u64> = (0..PLATT_FOLDS).map(|_| rng.next_u64()).collect();
    let folds: Vec<Vec<(usize, f64)>> = (0..PLATT_FOLDS)
        .into_par_iter()
        .map(|f| {
            let (begin, end) = (f * n / PLATT_FOLDS, (f + 1) * n / PLATT_FOLDS);
            let train_rows: Vec<usize> = perm[..begin].iter().chain(&perm[end..]).copied().collect();
            let sub_y: Vec<f64> = train_rows.iter().map(|&r| y[r]).collect();
            let sub_scale: Vec<f64> = if scale.is_empty() {
                Vec::new()
            } else {
                train_rows.iter().map(|&r| scale[r]).collect()
            };
            let positives = sub_y.iter().filter(|&&v| v > 0.0).count();
            let constant = match (positives, sub_y.len() - positives) {
                (0, 0) => Some(0.0),
                (_, 0) => Some(1.0),
                (0, _) => Some(-1.0),
                _ => None,
            };
            let test = &perm[begin..end];
            if let Some(v) = constant {
                return test.iter().map(|&r| (r, v)).collect();
            }
            let sub_x: Vec<f64> = train_rows
                .iter()
                .flat_map(|&r| x[r * d..(r + 1) * d].iter().copied())
                .collect();
            let fit = train(&sub_x, d, &sub_y, &sub_scale, setup, fold_seeds[f]);
            test.iter()
                .map(|&r| (r, decision(&sub_x, d, &fit, setup.kernel, &x[r * d..(r + 1) * d])))
                .collect()
        })
        .collect();
    let mut values = vec![0.0; n];
    folds.iter().flatten().for_each(|&(r, v)| values[r] = v);
    platt::sigmoid_train(&values, y)
}
