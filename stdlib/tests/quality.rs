//! Cross-validated quality on the shared datasets with the shared folds, against
//! scikit-learn's figures (`shared/bench/sklearn_baselines.json`): the whole
//! pipeline (standardize refitted per fold, then the model) through the public
//! constructors, splits and metrics.

mod common;

use common::{load_dataset, load_folds, to_matrix};
use mlg_compiler::workflow::catalog::{Params, Value};
use mlg_runtime::frame::Frame;
use mlg_stdlib::op::Target;
use mlg_stdlib::{classification_metric, estimator, predefined, regression_metric, transform};

/// Per-fold scores of `standardize → model` on `dataset` with the shared folds.
fn cross_validate(
    dataset: &str,
    model: &str,
    model_params: &Params,
    classify: bool,
    metric: &str,
) -> Vec<f64> {
    let (frame, target) = load_dataset(dataset);
    let folds = predefined(&load_folds(dataset, frame.n_rows)).unwrap();
    assert_eq!(folds.len(), 5);
    let selected: Vec<String> = frame.names().iter().map(|s| s.to_string()).collect();
    let n_labels = if classify {
        target.iter().fold(0.0f64, |m, v| m.max(*v)) as usize + 1
    } else {
        0
    };
    let make_target = |rows: &[usize]| {
        if classify {
            Target::Classes {
                codes: rows.iter().map(|&r| target[r] as u32).collect(),
                labels: (0..n_labels).map(|c| c.to_string()).collect(),
            }
        } else {
            Target::Values(rows.iter().map(|&r| target[r]).collect())
        }
    };
    folds
        .iter()
        .map(|split| {
            let (train, test): (Frame, Frame) = (frame.take(&split.train), frame.take(&split.test));
            let scaler = transform("standardize", &Params::new())
                .unwrap()
                .fit(&train, &selected, &make_target(&split.train))
                .unwrap();
            let x_train = to_matrix(&scaler.transform(&train).unwrap());
            let x_test = to_matrix(&scaler.transform(&test).unwrap());
            let fitted = estimator(model, model_params)
                .unwrap()
                .fit(&x_train, &make_target(&split.train))
                .unwrap();
            let pred = fitted.predict(&x_test);
            if classify {
                let truth: Vec<u32> = split.test.iter().map(|&r| target[r] as u32).collect();
                let pred: Vec<u32> = pred.iter().map(|p| *p as u32).collect();
                classification_metric(metric, &truth, &pred, n_labels).unwrap()
            } else {
                let truth: Vec<f64> = split.test.iter().map(|&r| target[r]).collect();
                regression_metric(metric, &truth, &pred).unwrap()
            }
        })
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn iris_logistic_regression_matches_scikit_learn() {
    let p: Params = [("c".to_string(), Value::Float(1.0))].into_iter().collect();
    let acc = cross_validate("iris", "logistic_regression", &p, true, "accuracy");
    let sklearn = [
        0.9666666666666667,
        0.9666666666666667,
        0.9666666666666667,
        0.9666666666666667,
        0.9333333333333333,
    ];
    println!("iris logistic accuracy per fold {acc:?}, mean {}", mean(&acc));
    for (got, want) in acc.iter().zip(sklearn) {
        assert!(
            (got - want).abs() < 1e-9,
            "fold accuracy {got} vs scikit-learn {want}"
        );
    }
    assert!((mean(&acc) - 0.96).abs() < 0.01);
    let f1 = cross_validate("iris", "logistic_regression", &p, true, "f1_macro");
    println!("iris logistic f1_macro mean {}", mean(&f1));
    assert!((mean(&f1) - 0.9597984861142755).abs() < 1e-9);
}

#[test]
fn diabetes_linear_and_ridge_match_scikit_learn() {
    let lin = cross_validate("diabetes", "linear_regression", &Params::new(), false, "r2");
    println!("diabetes linear r2 per fold {lin:?}, mean {}", mean(&lin));
    let sklearn = [
        0.3322332173106183,
        0.45970425424589045,
        0.5370636865383391,
        0.5216539085501788,
        0.5951198005819458,
    ];
    for (got, want) in lin.iter().zip(sklearn) {
        assert!(
            (got - want).abs() < 1e-9,
            "linear fold r2 {got} vs scikit-learn {want}"
        );
    }
    assert!((mean(&lin) - 0.48915497344539444).abs() < 1e-9);
    let mse = cross_validate("diabetes", "linear_regression", &Params::new(), false, "mse");
    assert!((mean(&mse) - 2977.598515063296).abs() < 1e-6);

    let ridge = cross_validate("diabetes", "ridge", &Params::new(), false, "r2");
    println!(
        "diabetes ridge(alpha=1) r2 per fold {ridge:?}, mean {}",
        mean(&ridge)
    );
    assert!((mean(&ridge) - 0.4896103607777832).abs() < 1e-9);
}
