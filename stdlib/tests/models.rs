//! Regression models learn: known coefficients, minimum-norm solutions, the
//! ridge closed form, scikit-learn reference coefficients, and lowered graphs
//! that agree with `predict`.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{
    assert_close, features, gauss_solve, load_dataset, matrix, params, run_model_graph, to_matrix, Normal,
};
use mlg_compiler::workflow::catalog::Value;
use mlg_stdlib::models::{FittedLinear, LinearRegression, Ridge};
use mlg_stdlib::op::{FittedModel, Matrix, Target};

fn linear(p: &[(&str, Value)], x: &Matrix, y: &[f64]) -> FittedLinear {
    LinearRegression::new(&params(p))
        .unwrap()
        .fit_linear(x, &Target::Values(y.to_vec()))
        .unwrap()
}

fn ridge(alpha: f64, x: &Matrix, y: &[f64]) -> FittedLinear {
    Ridge::new(&params(&[("alpha", Value::Float(alpha))]))
        .unwrap()
        .fit_linear(x, &Target::Values(y.to_vec()))
        .unwrap()
}

#[test]
fn linear_regression_recovers_coefficients() {
    let x = features(300, 4, 1);
    let (w, b) = ([1.5, -2.0, 0.5, 3.0], 0.7);
    let mut noise = Normal::new(2);
    let y: Vec<f64> = (0..x.rows)
        .map(|i| b + x.row(i).iter().zip(&w).map(|(a, w)| a * w).sum::<f64>() + 1e-8 * noise.sample())
        .collect();
    let fit = linear(&[], &x, &y);
    for j in 0..4 {
        assert_close(fit.weights[j], w[j], 1e-6, "weight");
    }
    assert_close(fit.intercept, b, 1e-6, "intercept");
    let pred = fit.predict(&x);
    assert!(pred.iter().zip(&y).all(|(p, t)| (p - t).abs() < 1e-6));

    // Without intercept on data through the origin.
    let y0: Vec<f64> = (0..x.rows)
        .map(|i| x.row(i).iter().zip(&w).map(|(a, w)| a * w).sum())
        .collect();
    let fit = linear(&[("fit_intercept", Value::Bool(false))], &x, &y0);
    assert_eq!(fit.intercept, 0.0);
    assert!(fit.weights.iter().zip(&w).all(|(a, b)| (a - b).abs() < 1e-10));
}

#[test]
fn linear_regression_collinear_gives_minimum_norm() {
    // Column 1 duplicates column 0: the minimum-norm solution splits the weight.
    let base = features(50, 2, 3);
    let rows: Vec<Vec<f64>> = (0..50)
        .map(|i| vec![base.row(i)[0], base.row(i)[0], base.row(i)[1]])
        .collect();
    let x = matrix(&rows);
    let y: Vec<f64> = rows.iter().map(|r| 4.0 * r[0] - r[2] + 2.0).collect();
    let fit = linear(&[], &x, &y);
    assert_close(fit.weights[0], 2.0, 1e-9, "w0");
    assert_close(fit.weights[1], 2.0, 1e-9, "w1");
    assert_close(fit.weights[2], -1.0, 1e-9, "w2");
    assert_close(fit.intercept, 2.0, 1e-9, "b");
}

#[test]
fn linear_regression_wide_and_empty_problems() {
    // More features than rows: the minimum-norm solution interpolates exactly.
    let x = features(3, 5, 8);
    let y = [1.0, -2.0, 0.5];
    let fit = linear(&[("fit_intercept", Value::Bool(false))], &x, &y);
    for (p, t) in fit.predict(&x).iter().zip(y) {
        assert_close(*p, t, 1e-9, "interpolation");
    }
    // Minimum norm: w lies in the row space, w = Xᵀ(XXᵀ)⁻¹y.
    let gram: Vec<Vec<f64>> = (0..3)
        .map(|i| {
            (0..3)
                .map(|k| x.row(i).iter().zip(x.row(k)).map(|(a, b)| a * b).sum())
                .collect()
        })
        .collect();
    let coef = gauss_solve(gram, y.to_vec());
    for j in 0..5 {
        let want: f64 = (0..3).map(|i| coef[i] * x.row(i)[j]).sum();
        assert_close(fit.weights[j], want, 1e-9, "minimum-norm weight");
    }
    // No features at all: the intercept is the mean.
    let empty = Matrix {
        rows: 4,
        cols: 0,
        data: Vec::new(),
    };
    let y = [1.0, 2.0, 3.0, 6.0];
    assert_eq!(linear(&[], &empty, &y).intercept, 3.0);
    assert_eq!(ridge(1.0, &empty, &y).intercept, 3.0);
}

#[test]
fn linear_regression_matches_scikit_learn_on_diabetes() {
    let (frame, y) = load_dataset("diabetes");
    let fit = linear(&[], &to_matrix(&frame), &y);
    // sklearn.linear_model.LinearRegression().fit(X, y) (scikit-learn 1.9.1).
    let reference = [
        -3.6361224224e-02,
        -2.2859648090e+01,
        5.6029620919e+00,
        1.1168079933e+00,
        -1.0899963341e+00,
        7.4645045551e-01,
        3.7200471509e-01,
        6.5338319360e+00,
        6.8483124965e+01,
        2.8011698932e-01,
    ];
    for (got, want) in fit.weights.iter().zip(reference) {
        assert_close(*got, want, 1e-8 * want.abs().max(1.0), "diabetes coefficient");
    }
    assert_close(fit.intercept, -334.5671385187859, 1e-6, "diabetes intercept");
}

#[test]
fn ridge_matches_closed_form_and_shrinks() {
    let x = features(40, 3, 4);
    let mut g = Normal::new(5);
    let y: Vec<f64> = (0..40)
        .map(|i| 2.0 * x.row(i)[0] - x.row(i)[2] + 5.0 + 0.3 * g.sample())
        .collect();
    let alpha = 3.0;
    // Closed form on the centred data: (XcᵀXc + αI) w = Xcᵀ yc.
    let xm: Vec<f64> = (0..3)
        .map(|j| (0..40).map(|i| x.row(i)[j]).sum::<f64>() / 40.0)
        .collect();
    let ym = y.iter().sum::<f64>() / 40.0;
    let a: Vec<Vec<f64>> = (0..3)
        .map(|p| {
            (0..3)
                .map(|q| {
                    let s: f64 = (0..40)
                        .map(|i| (x.row(i)[p] - xm[p]) * (x.row(i)[q] - xm[q]))
                        .sum();
                    s + if p == q { alpha } else { 0.0 }
                })
                .collect()
        })
        .collect();
    let b: Vec<f64> = (0..3)
        .map(|p| (0..40).map(|i| (x.row(i)[p] - xm[p]) * (y[i] - ym)).sum())
        .collect();
    let w = gauss_solve(a, b);
    let fit = ridge(alpha, &x, &y);
    for j in 0..3 {
        assert_close(fit.weights[j], w[j], 1e-10, "ridge weight");
    }
    let b0 = ym - (0..3).map(|j| xm[j] * w[j]).sum::<f64>();
    assert_close(fit.intercept, b0, 1e-10, "ridge intercept");

    // Larger alpha, smaller weights; alpha 0 is least squares.
    let norm = |f: &FittedLinear| f.weights.iter().map(|v| v * v).sum::<f64>().sqrt();
    let norms: Vec<f64> = [0.0, 1.0, 10.0, 100.0, 1e4]
        .iter()
        .map(|&a| norm(&ridge(a, &x, &y)))
        .collect();
    assert!(norms.windows(2).all(|p| p[1] < p[0]), "{norms:?}");
    let ols = linear(&[], &x, &y);
    let r0 = ridge(0.0, &x, &y);
    assert!(ols
        .weights
        .iter()
        .zip(&r0.weights)
        .all(|(a, b)| (a - b).abs() < 1e-10));
}

#[test]
fn ridge_matches_scikit_learn_on_diabetes() {
    let (frame, y) = load_dataset("diabetes");
    let fit = ridge(10.0, &to_matrix(&frame), &y);
    // sklearn.linear_model.Ridge(alpha=10.0).fit(X, y) (scikit-learn 1.9.1).
    let reference = [
        -1.8830389045e-02,
        -2.0529217756e+01,
        5.8337334945e+00,
        1.1235145910e+00,
        -5.0536902743e-02,
        -2.0862182197e-01,
        -7.7519854549e-01,
        4.6843002899e+00,
        3.7258731732e+01,
        3.2299468121e-01,
    ];
    for (got, want) in fit.weights.iter().zip(reference) {
        assert_close(
            *got,
            want,
            1e-7 * want.abs().max(1.0),
            "diabetes ridge coefficient",
        );
    }
    assert_close(
        fit.intercept,
        -226.25423522596347,
        1e-5,
        "diabetes ridge intercept",
    );
}

#[test]
fn lowered_regressor_agrees_with_predict() {
    let x = features(60, 3, 21);
    let y: Vec<f64> = (0..60).map(|i| 1.0 + x.row(i)[0] - 0.5 * x.row(i)[2]).collect();
    let fit = ridge(0.5, &x, &y);
    let (names, rows) = run_model_graph(&fit, &x);
    assert_eq!(names, ["prediction"]);
    for (row, want) in rows.iter().zip(fit.predict(&x)) {
        assert!((f64::from(row[0]) - want).abs() < 1e-4 * want.abs().max(1.0));
    }
}
