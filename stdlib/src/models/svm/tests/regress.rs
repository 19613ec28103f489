//! `svr` on diabetes (scikit-learn's folds), target scaling, and errors.

use super::super::Svr;
use super::*;
use crate::op::{Estimator, OpError};

fn svr(items: &[(&str, Value)]) -> Svr {
    Svr::new(&params(items)).expect("valid parameters")
}

fn values(y: &[f64]) -> Target {
    Target::Values(y.to_vec())
}

#[test]
fn diabetes_rbf_r2_close_to_sklearn() {
    // TransformedTargetRegressor(SVR(), StandardScaler()) after StandardScaler
    // on diabetes.folds.csv: mean R² 0.455980705474169.
    let model = svr(&[("scale_target", Value::Bool(true))]);
    let (mean, folds) = cv_mean("diabetes", values, |x, y| model.fit(x, y).expect("fit"), r2);
    println!("diabetes svr rbf folds {folds:?} mean {mean}");
    assert!(
        (mean - 0.455980705474169).abs() <= 0.03,
        "mean R² {mean} ({folds:?})"
    );
}

#[test]
fn sklearn_support_vectors_and_predictions_on_diabetes() {
    // scikit-learn 1.9.1: SVR() on standardised diabetes X and y: 389 support
    // vectors; predictions of rows 0, 1, 2 in standardised units.
    const PREDICTIONS: [f64; 3] = [0.9691892828, -1.0534710094, 0.4422918057];
    let (x, y) = dataset("diabetes");
    let (xs, _) = standardise(&x, &x);
    let fitted = svr(&[("scale_target", Value::Bool(true))])
        .fit_svr(&xs, &values(&y))
        .expect("fit");
    let pred = fitted.predict(&take(&xs, &[0, 1, 2]));
    let scaled: Vec<f64> = pred
        .iter()
        .map(|p| (p - fitted.target_mean) / fitted.target_scale)
        .collect();
    println!(
        "{} support vectors, predictions {scaled:?}",
        fitted.expansion.n_sv()
    );
    assert_eq!(fitted.expansion.n_sv(), 389);
    for (got, want) in scaled.iter().zip(PREDICTIONS) {
        assert!((got - want).abs() < 2e-3, "{scaled:?} vs {PREDICTIONS:?}");
    }
}

#[test]
fn unscaled_target_fits_a_smooth_function() {
    // y = sin(x0) + x1² / 4 on [-2, 2]²; epsilon-tube of 0.05.
    let (x, _) = blobs(60, 2, 0.0, 9);
    let y: Vec<f64> = (0..x.rows)
        .map(|i| x.row(i)[0].sin() + x.row(i)[1].powi(2) / 4.0)
        .collect();
    let model = svr(&[("c", Value::Float(10.0)), ("epsilon", Value::Float(0.05))]);
    let fitted = model.fit_svr(&x, &values(&y)).expect("fit");
    let score = r2(&fitted.predict(&x), &y);
    println!("train R² {score}, {} support vectors", fitted.expansion.n_sv());
    assert!(score > 0.95, "R² {score}");
    assert!(fitted.converged);
    // The scaled fit predicts in target units too.
    let shifted: Vec<f64> = y.iter().map(|v| 100.0 + 30.0 * v).collect();
    let scaled = svr(&[
        ("c", Value::Float(10.0)),
        ("epsilon", Value::Float(0.05)),
        ("scale_target", Value::Bool(true)),
    ])
    .fit_svr(&x, &values(&shifted))
    .expect("fit");
    let score = r2(&scaled.predict(&x), &shifted);
    assert!(score > 0.95, "scaled R² {score}");
    assert!((scaled.target_mean - 100.0).abs() < 30.0 && scaled.target_scale > 1.0);
}

#[test]
fn linear_svr_coefficients_recover_a_linear_target() {
    let (x, _) = blobs(40, 3, 0.0, 11);
    let y: Vec<f64> = (0..x.rows)
        .map(|i| 2.0 * x.row(i)[0] - x.row(i)[2] + 0.5)
        .collect();
    let fitted = svr(&[
        ("kernel", Value::Str("linear".into())),
        ("c", Value::Float(100.0)),
        ("epsilon", Value::Float(0.01)),
    ])
    .fit_svr(&x, &values(&y))
    .expect("fit");
    let coef = fitted.coefficients().expect("linear");
    assert_eq!(coef.len(), 1);
    for (got, want) in coef[0].iter().zip([2.0, 0.0, -1.0]) {
        assert!((got - want).abs() < 0.02, "{coef:?}");
    }
}

#[test]
fn bad_parameters_and_data_give_op_errors() {
    for items in [
        vec![("epsilon", Value::Float(-0.1))],
        vec![("c", Value::Float(0.0))],
        vec![("kernel", Value::Str("cubic".into()))],
        vec![("gamma", Value::Float(-1.0))],
        vec![("scale_target", Value::Str("yes".into()))],
        vec![("coef0", Value::Float(f64::INFINITY))],
    ] {
        assert!(
            matches!(Svr::new(&params(&items)), Err(OpError::Invalid { .. })),
            "{items:?} accepted"
        );
    }
    let x = Matrix {
        rows: 2,
        cols: 1,
        data: vec![0.0, 1.0],
    };
    let model = svr(&[]);
    assert!(model.fit(&x, &classes(&[0.0, 1.0])).is_err());
    assert!(model.fit(&x, &values(&[0.0, f64::NAN])).is_err());
    let empty = Matrix {
        rows: 2,
        cols: 0,
        data: vec![],
    };
    assert!(model.fit(&empty, &values(&[0.0, 1.0])).is_err());
}
