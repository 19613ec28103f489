//! Metrics against hand-computed values (checked with scikit-learn 1.9.1).

use mlg_compiler::workflow::catalog::Task;
use mlg_stdlib::metrics::{CLASSIFICATION_METRICS, REGRESSION_METRICS};
use mlg_stdlib::{classification_metric, metric_task, regression_metric};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn classification_metrics_by_hand() {
    let t = [0, 0, 1, 1, 2, 2, 2];
    let p = [0, 1, 1, 1, 0, 0, 2];
    // Class 3 exists in the label set but in neither vector: it is not averaged.
    let m = |name| classification_metric(name, &t, &p, 4).unwrap();
    // Per class: P = 1/3, 2/3, 1; R = 1/2, 1, 1/3; F1 = 0.4, 0.8, 0.5; support 2, 2, 3.
    assert!(close(m("accuracy"), 4.0 / 7.0));
    assert!(close(m("precision_macro"), 2.0 / 3.0));
    assert!(close(m("recall_macro"), 11.0 / 18.0));
    assert!(close(m("f1_macro"), 1.7 / 3.0));
    assert!(close(m("precision_weighted"), 5.0 / 7.0));
    assert!(close(m("recall_weighted"), 4.0 / 7.0));
    assert!(close(m("f1_weighted"), 3.9 / 7.0));
}

#[test]
fn class_absent_from_predictions_counts_as_zero() {
    let t = [0, 1, 2, 2];
    let p = [0, 1, 1, 1];
    let m = |name| classification_metric(name, &t, &p, 3).unwrap();
    // Class 2 is never predicted: precision 0/0 → 0, recall 0, F1 0.
    assert!(close(m("precision_macro"), 4.0 / 9.0));
    assert!(close(m("recall_macro"), 2.0 / 3.0));
    assert!(close(m("f1_macro"), 0.5));
    assert!(close(m("precision_weighted"), 1.0 / 3.0));
    assert!(close(m("recall_weighted"), 0.5));
    assert!(close(m("f1_weighted"), 0.375));
    assert!(close(m("accuracy"), 0.5));
    // Perfect predictions score 1 for every label metric that applies to three
    // classes (binary-only and probability metrics have their own tests).
    let label_metrics = CLASSIFICATION_METRICS.iter().filter(|n| {
        !mlg_stdlib::metrics::PROBABILITY_METRICS.contains(n) && !matches!(**n, "precision" | "recall" | "f1")
    });
    for name in label_metrics {
        assert!(
            close(classification_metric(name, &t, &t, 3).unwrap(), 1.0),
            "{name}"
        );
    }
}

#[test]
fn regression_metrics_by_hand() {
    let t = [3.0, -0.5, 2.0, 7.0];
    let p = [2.5, 0.0, 2.0, 8.0];
    assert!(close(regression_metric("mse", &t, &p).unwrap(), 0.375));
    assert!(close(regression_metric("rmse", &t, &p).unwrap(), 0.375f64.sqrt()));
    assert!(close(regression_metric("mae", &t, &p).unwrap(), 0.5));
    assert!(close(
        regression_metric("r2", &t, &p).unwrap(),
        0.9486081370449679
    ));
    // Constant truth: perfect → 1, otherwise 0 (no division by zero).
    assert_eq!(regression_metric("r2", &[2.0; 3], &[2.0; 3]).unwrap(), 1.0);
    assert_eq!(regression_metric("r2", &[2.0; 3], &[2.0, 3.0, 2.0]).unwrap(), 0.0);
    // Worse than the mean gives a negative r2.
    assert!(regression_metric("r2", &[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap() < 0.0);
}

#[test]
fn metric_errors_and_tasks() {
    assert!(classification_metric("accuracy", &[0, 1], &[0], 2).is_err());
    assert!(classification_metric("accuracy", &[], &[], 2).is_err());
    assert!(classification_metric("accuracy", &[0, 5], &[0, 1], 2).is_err());
    assert!(classification_metric("r2", &[0], &[0], 1).is_err());
    assert!(regression_metric("accuracy", &[0.0], &[0.0]).is_err());
    assert!(regression_metric("mse", &[0.0, 1.0], &[0.0]).is_err());
    for name in CLASSIFICATION_METRICS {
        assert_eq!(metric_task(name), Some(Task::Classification));
    }
    for name in REGRESSION_METRICS {
        assert_eq!(metric_task(name), Some(Task::Regression));
    }
    assert_eq!(metric_task("auc"), None);
}
