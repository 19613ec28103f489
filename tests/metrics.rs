//! Probability metrics in `evaluate`: `roc_auc` and `log_loss` are computed from
//! the compiled function's probability outputs, next to label metrics.

use std::path::Path;

#[test]
fn iris_reports_auc_log_loss_and_balanced_accuracy() {
    let wf = mlg::Workflow::from_source(
        "m.mlg",
        "data iris = csv(\"data/iris.csv\", target = \"target\")\n\
         features prep = iris -> standardize(numeric)\n\
         model lr = logistic_regression(prep)\n\
         evaluate lr with predefined_folds(\"data/iris.folds.csv\") metrics accuracy, balanced_accuracy, roc_auc, log_loss\n",
        Path::new("examples"),
    )
    .unwrap();
    let out = wf.run(&mlg::RunOptions::default()).unwrap();
    let m = &out.evaluations[0].metrics;
    // Iris folds are balanced, so balanced accuracy equals accuracy per fold.
    for (a, b) in m["accuracy"].folds.iter().zip(&m["balanced_accuracy"].folds) {
        assert!((a - b).abs() < 0.02, "{a} vs {b}");
    }
    assert!(m["roc_auc"].mean > 0.98, "{:?}", m["roc_auc"]);
    assert!(
        m["log_loss"].mean > 0.0 && m["log_loss"].mean < 0.2,
        "{:?}",
        m["log_loss"]
    );
}

#[test]
fn binary_metrics_on_a_multiclass_target_fail_with_a_clear_message() {
    let wf = mlg::Workflow::from_source(
        "m.mlg",
        "data iris = csv(\"data/iris.csv\", target = \"target\")\n\
         model lr = logistic_regression(iris)\n\
         evaluate lr metrics f1\n",
        Path::new("examples"),
    )
    .unwrap();
    let err = wf.run(&mlg::RunOptions::default()).unwrap_err().to_string();
    assert!(err.contains("use `f1_macro`"), "{err}");
}
