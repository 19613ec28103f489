//! Models learn: known coefficients, closed forms, an independent Newton solve,
//! scikit-learn reference coefficients, and lowered graphs that agree with
//! `predict`.

mod common;

use common::{assert_close, load_dataset, matrix, run_graph, to_matrix, Normal};
use mlg_compiler::ir::{GraphBuilder, InputSlot, SlotKind};
use mlg_compiler::workflow::catalog::{Params, Value};
use mlg_stdlib::models::{FittedLinear, FittedLogistic, LinearRegression, LogisticRegression, Ridge};
use mlg_stdlib::op::{FittedModel, Matrix, OpError, Target};
use mlg_stdlib::estimator;

fn params(items: &[(&str, Value)]) -> Params {
    items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn linear(p: &[(&str, Value)], x: &Matrix, y: &[f64]) -> FittedLinear {
    LinearRegression::new(&params(p)).unwrap().fit_linear(x, &Target::Values(y.to_vec())).unwrap()
}

fn ridge(alpha: f64, x: &Matrix, y: &[f64]) -> FittedLinear {
    Ridge::new(&params(&[("alpha", Value::Float(alpha))])).unwrap().fit_linear(x, &Target::Values(y.to_vec())).unwrap()
}

fn classes(codes: &[u32], n_labels: usize) -> Target {
    Target::Classes { codes: codes.to_vec(), labels: (0..n_labels).map(|i| format!("c{i}")).collect() }
}

fn logistic(p: &[(&str, Value)], x: &Matrix, codes: &[u32], n_labels: usize) -> FittedLogistic {
    LogisticRegression::new(&params(p)).unwrap().fit_logistic(x, &classes(codes, n_labels)).unwrap()
}

/// `n × d` standard normal features.
fn features(n: usize, d: usize, seed: u64) -> Matrix {
    let mut g = Normal::new(seed);
    Matrix { rows: n, cols: d, data: (0..n * d).map(|_| g.sample()).collect() }
}

/// Solves the dense system `a x = b` by Gaussian elimination with partial pivoting.
fn gauss_solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs())).unwrap();
        a.swap(col, piv);
        b.swap(col, piv);
        for r in col + 1..n {
            let f = a[r][col] / a[col][col];
            for c in col..n {
                a[r][c] -= f * a[col][c];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        x[r] = (b[r] - (r + 1..n).map(|c| a[r][c] * x[c]).sum::<f64>()) / a[r][r];
    }
    x
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
    let y0: Vec<f64> = (0..x.rows).map(|i| x.row(i).iter().zip(&w).map(|(a, w)| a * w).sum()).collect();
    let fit = linear(&[("fit_intercept", Value::Bool(false))], &x, &y0);
    assert_eq!(fit.intercept, 0.0);
    assert!(fit.weights.iter().zip(&w).all(|(a, b)| (a - b).abs() < 1e-10));
}

#[test]
fn linear_regression_collinear_gives_minimum_norm() {
    // Column 1 duplicates column 0: the minimum-norm solution splits the weight.
    let base = features(50, 2, 3);
    let rows: Vec<Vec<f64>> = (0..50).map(|i| vec![base.row(i)[0], base.row(i)[0], base.row(i)[1]]).collect();
    let x = matrix(&rows);
    let y: Vec<f64> = rows.iter().map(|r| 4.0 * r[0] - r[2] + 2.0).collect();
    let fit = linear(&[], &x, &y);
    assert_close(fit.weights[0], 2.0, 1e-9, "w0");
    assert_close(fit.weights[1], 2.0, 1e-9, "w1");
    assert_close(fit.weights[2], -1.0, 1e-9, "w2");
    assert_close(fit.intercept, 2.0, 1e-9, "b");
}

#[test]
fn linear_regression_matches_scikit_learn_on_diabetes() {
    let (frame, y) = load_dataset("diabetes");
    let fit = linear(&[], &to_matrix(&frame), &y);
    // sklearn.linear_model.LinearRegression().fit(X, y) (scikit-learn 1.9.1).
    let reference = [
        -3.6361224224e-02, -2.2859648090e+01, 5.6029620919e+00, 1.1168079933e+00, -1.0899963341e+00,
        7.4645045551e-01, 3.7200471509e-01, 6.5338319360e+00, 6.8483124965e+01, 2.8011698932e-01,
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
    let y: Vec<f64> = (0..40).map(|i| 2.0 * x.row(i)[0] - x.row(i)[2] + 5.0 + 0.3 * g.sample()).collect();
    let alpha = 3.0;
    // Closed form on the centred data: (XcᵀXc + αI) w = Xcᵀ yc.
    let xm: Vec<f64> = (0..3).map(|j| (0..40).map(|i| x.row(i)[j]).sum::<f64>() / 40.0).collect();
    let ym = y.iter().sum::<f64>() / 40.0;
    let a: Vec<Vec<f64>> = (0..3)
        .map(|p| {
            (0..3)
                .map(|q| {
                    let s: f64 = (0..40).map(|i| (x.row(i)[p] - xm[p]) * (x.row(i)[q] - xm[q])).sum();
                    s + if p == q { alpha } else { 0.0 }
                })
                .collect()
        })
        .collect();
    let b: Vec<f64> = (0..3).map(|p| (0..40).map(|i| (x.row(i)[p] - xm[p]) * (y[i] - ym)).sum()).collect();
    let w = gauss_solve(a, b);
    let fit = ridge(alpha, &x, &y);
    for j in 0..3 {
        assert_close(fit.weights[j], w[j], 1e-10, "ridge weight");
    }
    let b0 = ym - (0..3).map(|j| xm[j] * w[j]).sum::<f64>();
    assert_close(fit.intercept, b0, 1e-10, "ridge intercept");

    // Larger alpha, smaller weights; alpha 0 is least squares.
    let norm = |f: &FittedLinear| f.weights.iter().map(|v| v * v).sum::<f64>().sqrt();
    let norms: Vec<f64> = [0.0, 1.0, 10.0, 100.0, 1e4].iter().map(|&a| norm(&ridge(a, &x, &y))).collect();
    assert!(norms.windows(2).all(|p| p[1] < p[0]), "{norms:?}");
    let ols = linear(&[], &x, &y);
    let r0 = ridge(0.0, &x, &y);
    assert!(ols.weights.iter().zip(&r0.weights).all(|(a, b)| (a - b).abs() < 1e-10));
}

#[test]
fn ridge_matches_scikit_learn_on_diabetes() {
    let (frame, y) = load_dataset("diabetes");
    let fit = ridge(10.0, &to_matrix(&frame), &y);
    // sklearn.linear_model.Ridge(alpha=10.0).fit(X, y) (scikit-learn 1.9.1).
    let reference = [
        -1.8830389045e-02, -2.0529217756e+01, 5.8337334945e+00, 1.1235145910e+00, -5.0536902743e-02,
        -2.0862182197e-01, -7.7519854549e-01, 4.6843002899e+00, 3.7258731732e+01, 3.2299468121e-01,
    ];
    for (got, want) in fit.weights.iter().zip(reference) {
        assert_close(*got, want, 1e-7 * want.abs().max(1.0), "diabetes ridge coefficient");
    }
    assert_close(fit.intercept, -226.25423522596347, 1e-5, "diabetes ridge intercept");
}

/// Newton's method on `(1/n) Σ logloss + ‖w‖²/(2Cn)` with an intercept:
/// an independent solver for the binary objective.
fn newton_binary(x: &Matrix, y: &[u32], c: f64) -> Vec<f64> {
    let (n, d) = (x.rows, x.cols);
    let mut beta = vec![0.0; d + 1];
    let pen = 1.0 / (c * n as f64);
    for _ in 0..50 {
        let mut g = vec![0.0; d + 1];
        let mut h = vec![vec![0.0; d + 1]; d + 1];
        for i in 0..n {
            let mut xi = x.row(i).to_vec();
            xi.push(1.0);
            let z: f64 = xi.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            for a in 0..=d {
                g[a] += (p - y[i] as f64) * xi[a] / n as f64;
                for b in 0..=d {
                    h[a][b] += p * (1.0 - p) * xi[a] * xi[b] / n as f64;
                }
            }
        }
        for j in 0..d {
            g[j] += pen * beta[j];
            h[j][j] += pen;
        }
        let step = gauss_solve(h, g);
        beta.iter_mut().zip(&step).for_each(|(b, s)| *b -= s);
    }
    beta
}

#[test]
fn logistic_binary_matches_newton_solve() {
    // Overlapping classes: a bounded optimum that Newton finds to machine precision.
    let x = matrix(&[
        vec![0.5, 1.0], vec![1.5, -0.5], vec![-1.0, 0.3], vec![2.0, 2.0], vec![-0.3, -1.2],
        vec![0.1, 0.4], vec![1.1, 0.9], vec![-2.0, -0.5], vec![0.7, -0.8], vec![-0.6, 1.5],
    ]);
    let y = [1, 1, 0, 1, 0, 0, 1, 0, 1, 0];
    for c in [0.1, 1.0, 100.0] {
        let fit = logistic(&[("c", Value::Float(c)), ("tol", Value::Float(1e-12))], &x, &y, 2);
        let newton = newton_binary(&x, &y, c);
        assert!(fit.converged && fit.grad_max <= 1e-12, "{fit:?}");
        for j in 0..2 {
            assert_close(fit.weights[j], newton[j], 1e-8, "binary weight vs Newton");
        }
        assert_close(fit.intercepts[0], newton[2], 1e-8, "binary intercept vs Newton");
    }
}

#[test]
fn logistic_binary_learns_separable_data() {
    let x = features(400, 3, 7);
    let codes: Vec<u32> = (0..400).map(|i| u32::from(x.row(i)[0] - 2.0 * x.row(i)[1] + 0.5 > 0.0)).collect();
    let fit = logistic(&[], &x, &codes, 2);
    assert!(fit.converged && fit.grad_max <= 1e-8, "{fit:?}");
    let pred = fit.predict(&x);
    let acc = pred.iter().zip(&codes).filter(|(p, c)| **p == **c as f64).count() as f64 / 400.0;
    assert!(acc > 0.95, "accuracy {acc}");
    // The learned direction matches the true boundary (1, -2, 0).
    let w = &fit.weights;
    assert!(w[0] > 0.0 && w[1] < 0.0 && (w[1] / w[0] + 2.0).abs() < 0.3 && w[2].abs() < 0.25 * w[0], "{w:?}");
}

#[test]
fn logistic_multinomial_learns_blobs() {
    let mut g = Normal::new(11);
    let centres = [[0.0, 4.0], [4.0, -2.0], [-4.0, -2.0]];
    let mut rows = Vec::new();
    let mut codes = Vec::new();
    for i in 0..300 {
        let c = i % 3;
        rows.push(vec![centres[c][0] + g.sample(), centres[c][1] + g.sample()]);
        codes.push(c as u32);
    }
    let x = matrix(&rows);
    let fit = logistic(&[], &x, &codes, 3);
    assert!(fit.converged && fit.grad_max <= 1e-8, "{fit:?}");
    let pred = fit.predict(&x);
    let acc = pred.iter().zip(&codes).filter(|(p, c)| **p == **c as f64).count() as f64 / 300.0;
    assert!(acc > 0.95, "accuracy {acc}");
    // Symmetric parametrisation: weights and intercepts sum to zero over classes.
    for j in 0..2 {
        assert!((0..3).map(|c| fit.weights[c * 2 + j]).sum::<f64>().abs() < 1e-6);
    }
    assert!(fit.intercepts.iter().sum::<f64>().abs() < 1e-12);
    let proba = fit.predict_proba(&x);
    assert!(proba.chunks(3).all(|p| (p.iter().sum::<f64>() - 1.0).abs() < 1e-12));
}

/// Standardized iris features (population std of the given rows) and targets.
fn iris_standardized(rows: &[usize]) -> (Matrix, Vec<u32>) {
    let (frame, target) = load_dataset("iris");
    let x = to_matrix(&frame.take(rows));
    let mut data = x.data.clone();
    for j in 0..x.cols {
        let col: Vec<f64> = (0..x.rows).map(|i| x.row(i)[j]).collect();
        let mean = col.iter().sum::<f64>() / col.len() as f64;
        let std = (col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / col.len() as f64).sqrt();
        (0..x.rows).for_each(|i| data[i * x.cols + j] = (x.row(i)[j] - mean) / std);
    }
    (Matrix { data, ..x }, rows.iter().map(|&r| target[r] as u32).collect())
}

#[test]
fn logistic_matches_scikit_learn_on_iris() {
    // Multinomial, fold 0 of the shared folds as test: train on the other rows.
    let folds = common::load_folds("iris", 150);
    let train: Vec<usize> = (0..150).filter(|&i| folds[i] != 0).collect();
    let (x, y) = iris_standardized(&train);
    let fit = logistic(&[], &x, &y, 3);
    // StandardScaler + LogisticRegression(C=1, tol=1e-10) coef_ / intercept_.
    let coef = [
        -0.9799731411, 1.0422318304, -1.7841227705, -1.6748648821, 0.5837778269, -0.4874547825, -0.3437526926,
        -0.7231319785, 0.3961953142, -0.5547770478, 2.1278754631, 2.3979968606,
    ];
    let intercept = [-0.2443703184, 1.8610677084, -1.61669739];
    for (got, want) in fit.weights.iter().zip(coef) {
        assert_close(*got, want, 1e-5, "iris multinomial coefficient");
    }
    for (got, want) in fit.intercepts.iter().zip(intercept) {
        assert_close(*got, want, 1e-5, "iris multinomial intercept");
    }
    // Binary: versicolor (1) vs virginica (2) on all 100 of their rows.
    let rows: Vec<usize> = (50..150).collect();
    let (x, y) = iris_standardized(&rows);
    let y: Vec<u32> = y.iter().map(|c| c - 1).collect();
    let fit = logistic(&[], &x, &y, 2);
    let coef = [-0.2788052197, -0.5923689731, 2.2109197416, 2.3905428022];
    for (got, want) in fit.weights.iter().zip(coef) {
        assert_close(*got, want, 1e-5, "iris binary coefficient");
    }
    assert_close(fit.intercepts[0], 0.1015661199, 1e-5, "iris binary intercept");
}

#[test]
fn logistic_errors() {
    let x = features(10, 2, 1);
    let est = LogisticRegression::new(&Params::new()).unwrap();
    let err = est.fit_logistic(&x, &classes(&[1; 10], 3)).unwrap_err();
    assert!(err.to_string().contains("at least 2"), "{err}");
    assert!(est.fit_logistic(&x, &Target::Values(vec![0.0; 10])).is_err());
    let mut bad = x.clone();
    bad.data[3] = f64::NAN;
    assert!(matches!(est.fit_logistic(&bad, &classes(&[0, 1, 0, 1, 0, 1, 0, 1, 0, 1], 2)), Err(OpError::Invalid { .. })));
    assert!(LogisticRegression::new(&params(&[("c", Value::Float(0.0))])).is_err());
    assert!(LinearRegression::new(&Params::new()).unwrap().fit_linear(&x, &classes(&[0; 10], 1)).is_err());
    assert!(Ridge::new(&params(&[("alpha", Value::Float(-1.0))])).is_err());
    assert!(matches!(estimator("random_forest", &Params::new()), Err(OpError::Invalid { .. })));
    let est = estimator("logistic_regression", &params(&[("c", Value::Int(2))])).unwrap();
    assert_eq!(est.task(), mlg_compiler::workflow::catalog::Task::Classification);
}

/// Lowers `model` over a feature vector built from `d` numeric inputs and runs
/// the graph on every row of `x`.
fn run_model_graph(model: &dyn FittedModel, x: &Matrix) -> (Vec<String>, Vec<Vec<f32>>) {
    let inputs = (0..x.cols).map(|j| InputSlot { name: format!("x{j}"), kind: SlotKind::Numeric }).collect();
    let mut b = GraphBuilder::new("model", inputs);
    let parts = (0..x.cols as u32).map(|j| b.input(j).unwrap()).collect();
    let features = b.push(mlg_compiler::ir::Op::Concat { parts }).unwrap();
    let outputs = model.lower(&mut b, features).unwrap();
    let names = outputs.iter().map(|(n, _)| n.clone()).collect();
    for (name, node) in outputs {
        b.output(name, node);
    }
    let graph = b.finish().unwrap();
    let rows = (0..x.rows).map(|i| run_graph(&graph, &x.row(i).iter().map(|v| *v as f32).collect::<Vec<_>>())).collect();
    (names, rows)
}

fn assert_classifier_graph_agrees(fit: &FittedLogistic, x: &Matrix) {
    let (names, rows) = run_model_graph(fit, x);
    assert_eq!(names, ["class", "proba"]);
    let pred = fit.predict(x);
    let proba = fit.predict_proba(x);
    let k = fit.n_labels;
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 1 + k);
        let want = &proba[i * k..(i + 1) * k];
        for (got, want) in row[1..].iter().zip(want) {
            assert!((*got as f64 - want).abs() < 1e-5, "row {i}: {row:?} vs {want:?}");
        }
        let margin = {
            let mut s = want.to_vec();
            s.sort_by(|a, b| b.total_cmp(a));
            s[0] - s[1]
        };
        if margin > 1e-4 {
            assert_eq!(row[0] as f64, pred[i], "row {i}");
        }
    }
}

#[test]
fn lowered_models_agree_with_predict() {
    let x = features(60, 3, 21);
    let y: Vec<f64> = (0..60).map(|i| 1.0 + x.row(i)[0] - 0.5 * x.row(i)[2]).collect();
    let fit = ridge(0.5, &x, &y);
    let (names, rows) = run_model_graph(&fit, &x);
    assert_eq!(names, ["prediction"]);
    for (row, want) in rows.iter().zip(fit.predict(&x)) {
        assert!((row[0] as f64 - want).abs() < 1e-4 * want.abs().max(1.0));
    }
    let bin: Vec<u32> = (0..60).map(|i| u32::from(x.row(i)[1] + 0.3 * x.row(i)[0] > 0.0)).collect();
    assert_classifier_graph_agrees(&logistic(&[("c", Value::Float(0.5))], &x, &bin, 2), &x);
    let multi: Vec<u32> = (0..60).map(|i| (x.row(i)[0] > 0.0) as u32 + (x.row(i)[1] > 0.5) as u32).collect();
    assert_classifier_graph_agrees(&logistic(&[], &x, &multi, 3), &x);
    // Labels absent from training get probability 0 at their position.
    let sparse: Vec<u32> = multi.iter().map(|c| [0, 2, 3][*c as usize]).collect();
    let fit = logistic(&[], &x, &sparse, 5);
    assert_eq!(fit.classes, [0, 2, 3]);
    assert_classifier_graph_agrees(&fit, &x);
    let pair: Vec<u32> = bin.iter().map(|c| c * 2).collect();
    let fit = logistic(&[], &x, &pair, 3);
    assert!(fit.predict(&x).iter().all(|p| *p == 0.0 || *p == 2.0));
    assert_classifier_graph_agrees(&fit, &x);
}
