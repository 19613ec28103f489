//! The contract every catalog model keeps, checked for each one the catalog
//! lists (so a new model is covered the day it is registered): with its
//! default parameters it learns (clearly beats the majority class or the mean
//! on held-out rows), fitting twice with the same seed gives the same model,
//! and a target of the wrong kind is an error, not a panic.

mod common;

use common::{load_dataset, load_folds, to_matrix};
use mlg_compiler::workflow::catalog::{Catalog, Default, OpKind, OpSpec, ParamType, Params, Task, Value};
use mlg_stdlib::catalog::StdCatalog;
use mlg_stdlib::eval::rng::SplitMix64;
use mlg_stdlib::op::{Matrix, Target};
use mlg_stdlib::synth::gaussian;

/// Every model the catalog lists, with its task.
fn models() -> Vec<(OpSpec, Task)> {
    StdCatalog
        .entries()
        .iter()
        .filter_map(|spec| match spec.kind {
            OpKind::Model { task } => Some((*spec, task)),
            _ => None,
        })
        .collect()
}

/// Models that split two classes only (a decision threshold): they learn
/// iris's "2 against the rest".
const BINARY_ONLY: &[&str] = &["fixed_threshold", "tuned_threshold"];

/// The checker's view of a call with no arguments: every default filled in,
/// a required nested model as `logistic_regression` with its defaults,
/// plus `seed = 3` where the model takes one and fewer trees for forests.
fn default_params(spec: &OpSpec) -> Params {
    let mut params = Params::new();
    for p in spec.params {
        let value = match p.default {
            Default::Int(i) => Value::Int(i),
            Default::Float(f) => Value::Float(f),
            Default::Bool(b) => Value::Bool(b),
            Default::Str(s) => Value::Str(s.to_string()),
            Default::Required if p.ty == ParamType::Model => {
                let logistic = StdCatalog
                    .get("logistic_regression")
                    .expect("logistic_regression");
                Value::Model {
                    op: logistic.name.to_string(),
                    params: default_params(logistic),
                }
            }
            Default::Required | Default::Optional => continue,
        };
        params.insert(p.name.to_string(), value);
    }
    if params.contains_key("seed") {
        params.insert("seed".into(), Value::Int(3));
    }
    if params.contains_key("trees") {
        params.insert("trees".into(), Value::Int(20));
    }
    params
}

fn standardize(x: &mut Matrix) {
    for j in 0..x.cols {
        let col: Vec<f64> = (0..x.rows).map(|i| x.data[i * x.cols + j]).collect();
        let mean = col.iter().sum::<f64>() / x.rows as f64;
        let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / x.rows as f64).sqrt();
        for (i, v) in col.iter().enumerate() {
            x.data[i * x.cols + j] = (v - mean) / sd.max(1e-12);
        }
    }
}

fn rows(x: &Matrix, keep: &[usize]) -> Matrix {
    Matrix {
        rows: keep.len(),
        cols: x.cols,
        data: keep.iter().flat_map(|&r| x.row(r).to_vec()).collect(),
    }
}

/// Standardised iris split by scikit-learn's fold 0: train, test.
fn iris() -> ((Matrix, Target), (Matrix, Vec<u32>)) {
    let (frame, target) = load_dataset("iris");
    let mut x = to_matrix(&frame);
    standardize(&mut x);
    let folds = load_folds("iris", x.rows);
    let train: Vec<usize> = (0..x.rows).filter(|&i| folds[i] != 0).collect();
    let test: Vec<usize> = (0..x.rows).filter(|&i| folds[i] == 0).collect();
    let y = Target::Classes {
        codes: train.iter().map(|&i| target[i] as u32).collect(),
        labels: vec!["0".into(), "1".into(), "2".into()],
    };
    let truth = test.iter().map(|&i| target[i] as u32).collect();
    ((rows(&x, &train), y), (rows(&x, &test), truth))
}

/// [`iris`] with class 2 against the rest (codes 1 and 0).
fn binary_iris() -> ((Matrix, Target), (Matrix, Vec<u32>)) {
    let ((x, y), (x_test, truth)) = iris();
    let Target::Classes { codes, .. } = y else {
        unreachable!("classes")
    };
    let y = Target::Classes {
        codes: codes.iter().map(|&c| u32::from(c == 2)).collect(),
        labels: vec!["other".into(), "2".into()],
    };
    (
        (x, y),
        (x_test, truth.iter().map(|&c| u32::from(c == 2)).collect()),
    )
}

/// Iris for `spec`: [`binary_iris`] for the [`BINARY_ONLY`] models.
fn iris_for(spec: &OpSpec) -> ((Matrix, Target), (Matrix, Vec<u32>)) {
    if BINARY_ONLY.contains(&spec.name) {
        binary_iris()
    } else {
        iris()
    }
}

/// A regression problem with a strong signal: `y = 3 x0 - 2 x1 + x2 x3 + noise`
/// over 5 standard normal features; 400 training and 200 test rows.
fn regression() -> ((Matrix, Vec<f64>), (Matrix, Vec<f64>)) {
    let mut rng = SplitMix64::new(17);
    let make = |n: usize, rng: &mut SplitMix64| {
        let data: Vec<f64> = (0..n * 5).map(|_| gaussian(rng)).collect();
        let y = (0..n)
            .map(|i| {
                let r = &data[i * 5..i * 5 + 5];
                3.0 * r[0] - 2.0 * r[1] + r[2] * r[3] + 0.5 * gaussian(rng)
            })
            .collect();
        (
            Matrix {
                rows: n,
                cols: 5,
                data,
            },
            y,
        )
    };
    (make(400, &mut rng), make(200, &mut rng))
}

fn r2(truth: &[f64], pred: &[f64]) -> f64 {
    let mean = truth.iter().sum::<f64>() / truth.len() as f64;
    let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    let ss_res: f64 = truth.iter().zip(pred).map(|(t, p)| (t - p).powi(2)).sum();
    1.0 - ss_res / ss_tot
}

#[test]
fn every_model_learns_with_its_defaults() {
    let ((xr, yr), (xr_test, truth_r)) = regression();
    let mut failures = Vec::new();
    for (spec, task) in models() {
        let ((xc, yc), (xc_test, truth_c)) = iris_for(&spec);
        let model = mlg_stdlib::estimator(spec.name, &default_params(&spec)).expect("defaults are valid");
        match task {
            Task::Classification => {
                let fitted = model
                    .fit(&xc, &yc)
                    .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
                let pred = fitted.predict(&xc_test);
                let right = pred
                    .iter()
                    .zip(&truth_c)
                    .filter(|(p, t)| **p == f64::from(**t))
                    .count();
                let acc = right as f64 / truth_c.len() as f64;
                // The majority class holds a third of iris (two thirds of
                // binary iris).
                if acc < 0.8 {
                    failures.push(format!("{}: held-out accuracy {acc:.3}", spec.name));
                }
            }
            Task::Regression => {
                let fitted = model
                    .fit(&xr, &Target::Values(yr.clone()))
                    .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
                let score = r2(&truth_r, &fitted.predict(&xr_test));
                // The mean scores 0.
                if score < 0.5 {
                    failures.push(format!("{}: held-out R² {score:.3}", spec.name));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn every_model_fits_deterministically() {
    let ((xr, yr), (xr_test, _)) = regression();
    let yr = Target::Values(yr);
    for (spec, task) in models() {
        let ((xc, yc), (xc_test, _)) = iris_for(&spec);
        let params = default_params(&spec);
        let (x, y, test) = match task {
            Task::Classification => (&xc, &yc, &xc_test),
            Task::Regression => (&xr, &yr, &xr_test),
        };
        let fit = || {
            let model = mlg_stdlib::estimator(spec.name, &params).expect("defaults are valid");
            model.fit(x, y).unwrap_or_else(|e| panic!("{}: {e}", spec.name))
        };
        let (a, b) = (fit(), fit());
        let bits = |p: Vec<f64>| p.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(a.predict(test)), bits(b.predict(test)), "{}", spec.name);
        assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "{}: fitted state differs",
            spec.name
        );
    }
}

#[test]
fn a_target_of_the_wrong_kind_is_an_error() {
    let ((xc, yc), _) = iris();
    let values = Target::Values((0..xc.rows).map(|i| i as f64 * 0.5).collect());
    for (spec, task) in models() {
        let model = mlg_stdlib::estimator(spec.name, &default_params(&spec)).expect("defaults are valid");
        let wrong = match task {
            Task::Classification => &values,
            Task::Regression => &yc,
        };
        assert!(
            model.fit(&xc, wrong).is_err(),
            "{} accepted a {task:?} target of the wrong kind",
            spec.name
        );
    }
}
