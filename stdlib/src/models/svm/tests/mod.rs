//! Tests of the support vector machines: the SMO and dual-CD solvers, learning
//! on the bundled datasets' predefined folds, probabilities, determinism,
//! lowering against the IR interpreter, and parameter errors.

mod classify;
mod lower;
mod regress;
mod solver;

use crate::eval::rng::SplitMix64;
use crate::op::{FittedModel, Matrix, Target};
use mlg_compiler::workflow::catalog::Value;

pub(super) use crate::testing::{accuracy, classes, dataset, folds, params, r2, take};

/// `train` and `test` standardised by `train`'s column means and population
/// standard deviations (scikit-learn's `StandardScaler`).
pub(super) fn standardise(train: &Matrix, test: &Matrix) -> (Matrix, Matrix) {
    let d = train.cols;
    let n = train.rows as f64;
    let mean: Vec<f64> = (0..d)
        .map(|j| (0..train.rows).map(|i| train.row(i)[j]).sum::<f64>() / n)
        .collect();
    let std: Vec<f64> = (0..d)
        .map(|j| {
            let v = (0..train.rows)
                .map(|i| (train.row(i)[j] - mean[j]).powi(2))
                .sum::<f64>()
                / n;
            if v > 0.0 {
                v.sqrt()
            } else {
                1.0
            }
        })
        .collect();
    let apply = |m: &Matrix| Matrix {
        rows: m.rows,
        cols: d,
        data: m
            .data
            .iter()
            .enumerate()
            .map(|(i, v)| (v - mean[i % d]) / std[i % d])
            .collect(),
    };
    (apply(train), apply(test))
}

/// Mean over the 5 predefined folds of `score(fitted, test_x, test_y)` for a
/// model fitted by `fit` on the standardised training rows.
pub(super) fn cv_mean(
    name: &str,
    target: impl Fn(&[f64]) -> Target,
    fit: impl Fn(&Matrix, &Target) -> Box<dyn FittedModel>,
    score: impl Fn(&[f64], &[f64]) -> f64,
) -> (f64, Vec<f64>) {
    let (x, y) = dataset(name);
    let fold = folds(name, x.rows);
    let scores: Vec<f64> = (0..5)
        .map(|k| {
            let train: Vec<usize> = (0..x.rows).filter(|&i| fold[i] != k).collect();
            let test: Vec<usize> = (0..x.rows).filter(|&i| fold[i] == k).collect();
            let (xtr, xte) = standardise(&take(&x, &train), &take(&x, &test));
            let ytr: Vec<f64> = train.iter().map(|&i| y[i]).collect();
            let yte: Vec<f64> = test.iter().map(|&i| y[i]).collect();
            let fitted = fit(&xtr, &target(&ytr));
            score(&fitted.predict(&xte), &yte)
        })
        .collect();
    (scores.iter().sum::<f64>() / 5.0, scores)
}

/// Two overlapping Gaussian blobs in `d` dimensions (`n` rows each, centres
/// at `±shift` on every axis), labels 0 and 1.
pub(super) fn blobs(n: usize, d: usize, shift: f64, seed: u64) -> (Matrix, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let mut normal = || {
        let u1 = 1.0 - rng.next_f64();
        let u2 = rng.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let mut data = Vec::with_capacity(2 * n * d);
    let mut y = Vec::with_capacity(2 * n);
    for i in 0..2 * n {
        let c = (i % 2) as f64;
        let centre = if c == 0.0 { -shift } else { shift };
        data.extend((0..d).map(|_| centre + normal()));
        y.push(c);
    }
    (
        Matrix {
            rows: 2 * n,
            cols: d,
            data,
        },
        y,
    )
}
