//! Logistic regression learns: an independent Newton solve, separable binary
//! and multinomial data, scikit-learn's iris coefficients, errors, and lowered
//! graphs that agree with `predict` / `predict_proba`.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{
    assert_close, features, gauss_solve, load_dataset, matrix, params, run_model_graph, to_matrix, Normal,
};
use mlg_compiler::workflow::catalog::{Params, Value};
use mlg_stdlib::estimator;
use mlg_stdlib::models::{FittedLogistic, LinearRegression, LogisticRegression, Ridge};
use mlg_stdlib::op::{FittedModel, Matrix, OpError, Target};

fn classes(codes: &[u32], n_labels: usize) -> Target {
    Target::Classes {
        codes: codes.to_vec(),
        labels: (0..n_labels).map(|i| format!("c{i}")).collect(),
    }
}

fn logistic(p: &[(&str, Value)], x: &Matrix, codes: &[u32], n_labels: usize) -> FittedLogistic {
    LogisticRegression::new(&params(p))
        .unwrap()
        .fit_logistic(x, &classes(codes, n_labels))
        .unwrap()
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
                g[a] += (p - f64::from(y[i])) * xi[a] / n as f64;
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
        vec![0.5, 1.0],
        vec![1.5, -0.5],
        vec![-1.0, 0.3],
        vec![2.0, 2.0],
        vec![-0.3, -1.2],
        vec![0.1, 0.4],
        vec![1.1, 0.9],
        vec![-2.0, -0.5],
        vec![0.7, -0.8],
        vec![-0.6, 1.5],
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
    let codes: Vec<u32> = (0..400)
        .map(|i| u32::from(x.row(i)[0] - 2.0 * x.row(i)[1] + 0.5 > 0.0))
        .collect();
    let fit = logistic(&[], &x, &codes, 2);
    assert!(
        fit.converged && fit.grad_max <= mlg_stdlib::models::logistic::GRADIENT_SOLVER_TOL,
        "{fit:?}"
    );
    let pred = fit.predict(&x);
    let acc = pred
        .iter()
        .zip(&codes)
        .filter(|(p, c)| **p == f64::from(**c))
        .count() as f64
        / 400.0;
    assert!(acc > 0.95, "accuracy {acc}");
    // The learned direction matches the true boundary (1, -2, 0).
    let w = &fit.weights;
    assert!(
        w[0] > 0.0 && w[1] < 0.0 && (w[1] / w[0] + 2.0).abs() < 0.3 && w[2].abs() < 0.25 * w[0],
        "{w:?}"
    );
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
    assert!(
        fit.converged && fit.grad_max <= mlg_stdlib::models::logistic::GRADIENT_SOLVER_TOL,
        "{fit:?}"
    );
    let pred = fit.predict(&x);
    let acc = pred
        .iter()
        .zip(&codes)
        .filter(|(p, c)| **p == f64::from(**c))
        .count() as f64
        / 300.0;
    assert!(acc > 0.95, "accuracy {acc}");
    // Symmetric parametrisation: weights and intercepts sum to zero over classes.
    for j in 0..2 {
        assert!((0..3).map(|c| fit.weights[c * 2 + j]).sum::<f64>().abs() < 1e-6);
    }
    assert!(fit.intercepts.iter().sum::<f64>().abs() < 1e-12);
    let proba = fit.predict_proba(&x);
    assert!(proba
        .chunks(3)
        .all(|p| (p.iter().sum::<f64>() - 1.0).abs() < 1e-12));
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
    (
        Matrix { data, ..x },
        rows.iter().map(|&r| target[r] as u32).collect(),
    )
}

#[test]
fn logistic_matches_scikit_learn_on_iris() {
    // Multinomial, fold 0 of the shared folds as test: train on the other rows.
    let folds = common::load_folds("iris", 150);
    let train: Vec<usize> = (0..150).filter(|&i| folds[i] != 0).collect();
    let (x, y) = iris_standardized(&train);
    let fit = logistic(&[("tol", Value::Float(1e-8))], &x, &y, 3);
    // StandardScaler + LogisticRegression(C=1, tol=1e-10) coef_ / intercept_,
    // so mlg runs to a tighter tol than its default.
    let coef = [
        -0.9799731411,
        1.0422318304,
        -1.7841227705,
        -1.6748648821,
        0.5837778269,
        -0.4874547825,
        -0.3437526926,
        -0.7231319785,
        0.3961953142,
        -0.5547770478,
        2.1278754631,
        2.3979968606,
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
    let fit = logistic(&[("tol", Value::Float(1e-8))], &x, &y, 2);
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
    assert!(matches!(
        est.fit_logistic(&bad, &classes(&[0, 1, 0, 1, 0, 1, 0, 1, 0, 1], 2)),
        Err(OpError::Invalid { .. })
    ));
    assert!(LogisticRegression::new(&params(&[("c", Value::Float(0.0))])).is_err());
    assert!(LinearRegression::new(&Params::new())
        .unwrap()
        .fit_linear(&x, &classes(&[0; 10], 1))
        .is_err());
    assert!(Ridge::new(&params(&[("alpha", Value::Float(-1.0))])).is_err());
    assert!(matches!(
        estimator("random_forest", &Params::new()),
        Err(OpError::Invalid { .. })
    ));
    let est = estimator("logistic_regression", &params(&[("c", Value::Int(2))])).unwrap();
    assert_eq!(est.task(), mlg_compiler::workflow::catalog::Task::Classification);
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
            assert!(
                (f64::from(*got) - want).abs() < 1e-5,
                "row {i}: {row:?} vs {want:?}"
            );
        }
        let margin = {
            let mut s = want.to_vec();
            s.sort_by(|a, b| b.total_cmp(a));
            s[0] - s[1]
        };
        if margin > 1e-4 {
            assert_eq!(f64::from(row[0]), pred[i], "row {i}");
        }
    }
}

#[test]
fn lowered_classifiers_agree_with_predict() {
    let x = features(60, 3, 21);
    let bin: Vec<u32> = (0..60)
        .map(|i| u32::from(x.row(i)[1] + 0.3 * x.row(i)[0] > 0.0))
        .collect();
    assert_classifier_graph_agrees(&logistic(&[("c", Value::Float(0.5))], &x, &bin, 2), &x);
    let multi: Vec<u32> = (0..60)
        .map(|i| u32::from(x.row(i)[0] > 0.0) + u32::from(x.row(i)[1] > 0.5))
        .collect();
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
