//! Probability metrics, balanced accuracy and the binary / micro averages
//! against scikit-learn 1.9.1. Reference numbers from `roc_auc_score`,
//! `log_loss`, `balanced_accuracy_score`, `f1_score`, `precision_score`,
//! `recall_score` on the arrays written here (multiclass AUC with
//! `multi_class="ovr", average="macro"`).

use mlg_stdlib::metrics::{classification_metric, probability_metric};

const YB: [u32; 8] = [0, 1, 1, 0, 1, 0, 1, 1];
const PB: [f64; 8] = [0.1, 0.8, 0.35, 0.35, 0.9, 0.2, 0.6, 0.4];

fn binary_proba() -> Vec<f64> {
    PB.iter().flat_map(|&p| [1.0 - p, p]).collect()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn binary_auc_and_log_loss_match_sklearn() {
    close(
        probability_metric("roc_auc", &YB, &binary_proba(), 2).unwrap(),
        0.9666666666666668,
    );
    close(
        probability_metric("log_loss", &YB, &binary_proba(), 2).unwrap(),
        0.4455911912719187,
    );
}

#[test]
fn binary_and_balanced_label_metrics_match_sklearn() {
    let pred: Vec<u32> = PB.iter().map(|&p| u32::from(p > 0.5)).collect();
    close(classification_metric("f1", &YB, &pred, 2).unwrap(), 0.75);
    close(classification_metric("precision", &YB, &pred, 2).unwrap(), 1.0);
    close(classification_metric("recall", &YB, &pred, 2).unwrap(), 0.6);
    close(
        classification_metric("balanced_accuracy", &YB, &pred, 2).unwrap(),
        0.8,
    );
    let accuracy = classification_metric("accuracy", &YB, &pred, 2).unwrap();
    close(
        classification_metric("f1_micro", &YB, &pred, 2).unwrap(),
        accuracy,
    );
}

#[test]
fn multiclass_ovr_auc_log_loss_and_balanced_accuracy_match_sklearn() {
    let y = [0u32, 1, 2, 2, 1, 0, 2, 1];
    let p = [
        0.7, 0.2, 0.1, 0.2, 0.5, 0.3, 0.1, 0.3, 0.6, 0.3, 0.3, 0.4, 0.4, 0.4, 0.2, 0.5, 0.25, 0.25, 0.2, 0.2,
        0.6, 0.5, 0.3, 0.2,
    ];
    close(
        probability_metric("roc_auc", &y, &p, 3).unwrap(),
        0.9638888888888889,
    );
    close(
        probability_metric("log_loss", &y, &p, 3).unwrap(),
        0.7251468525831063,
    );
    let pred = [0u32, 1, 2, 2, 0, 0, 2, 1];
    close(
        classification_metric("balanced_accuracy", &y, &pred, 3).unwrap(),
        0.8888888888888888,
    );
}

#[test]
fn undefined_or_misused_metrics_are_errors() {
    let all_one = [1u32; 4];
    let p: Vec<f64> = [0.2, 0.4, 0.6, 0.8].iter().flat_map(|&x| [1.0 - x, x]).collect();
    assert!(probability_metric("roc_auc", &all_one, &p, 2).is_err());
    assert!(classification_metric("f1", &[0, 1, 2], &[0, 1, 2], 3).is_err());
    assert!(classification_metric("roc_auc", &[0, 1], &[0, 1], 2).is_err());
    assert!(probability_metric("log_loss", &[0, 1], &[0.5, 0.5], 2).is_err());
}
