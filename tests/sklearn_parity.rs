//! Every model family against scikit-learn on identical splits: runs
//! `examples/compare/*.mlg` (scikit-learn's own folds) and checks each model's
//! mean score is at most 1.5 accuracy points (0.03 R²) below the figure for the
//! same family and settings in `benches/reference/sklearn_baselines.json`
//! (scoring higher is not a failure); models scikit-learn was not run with
//! must clear a floor.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Largest allowed gap to scikit-learn's mean: accuracy points, then R².
const ACCURACY_GAP: f64 = 0.015;
const R2_GAP: f64 = 0.03;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `examples/compare/<name>.mlg` and returns its JSON report.
fn run(name: &str) -> Value {
    let dir = std::env::temp_dir().join(format!("mlg-parity-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args([
            "run",
            &format!("{name}.mlg"),
            "--quiet",
            "--no-importance",
            "--no-tracking",
            "--report",
        ])
        .arg(&report)
        .current_dir(root().join("examples/compare"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mlg run {name}.mlg failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    value
}

fn baselines() -> Value {
    let path: &Path = &root().join("benches/reference/sklearn_baselines.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Models whose scikit-learn score depends on `random_state` by more than the
/// allowed gap: the range of scikit-learn's own means over `random_state`
/// 0..20 on the same folds. A fully grown regression tree on diabetes breaks
/// ties between equally good splits by a random feature order, and that alone
/// moves its R² from -0.244 to -0.155 (mean -0.205); measured with
/// `cross_val_score(DecisionTreeRegressor(random_state=s), X, y,
/// cv=PredefinedSplit(folds), scoring="r2")`, scikit-learn 1.9.1.
const SEED_SPREAD: &[(&str, &str, f64, f64)] = &[("diabetes", "decision_tree", -0.244, -0.155)];

/// The scikit-learn model a workflow's model is compared with (our one
/// boosting family is histogram-based, like `HistGradientBoosting*`).
fn sklearn_name(model: &str) -> &str {
    match model {
        "gradient_boosting" | "gradient_boosting_native" => "hist_gradient_boosting",
        other => other,
    }
}

/// Checks every evaluated model of `dataset` against scikit-learn on `metric`;
/// models without a scikit-learn figure must still beat `floor`. Returns
/// the run's report.
fn check(dataset: &str, metric: &str, gap: f64, floor: f64) -> Value {
    let report = run(dataset);
    let reference = baselines();
    let models = &reference["datasets"][dataset]["models"];
    let evaluations = report["evaluations"].as_array().unwrap();
    assert!(evaluations.len() >= 6, "{dataset}: {} models", evaluations.len());
    let mut failures = Vec::new();
    for e in evaluations {
        let name = e["model"].as_str().unwrap();
        let ours = e["metrics"][metric]["mean"].as_f64().unwrap();
        let spread = SEED_SPREAD
            .iter()
            .find(|(d, m, _, _)| *d == dataset && *m == name);
        if let Some((_, _, low, high)) = spread {
            if ours < low - gap || ours > high + gap {
                failures.push(format!(
                    "{name}: {ours:.4} outside scikit-learn's seed range [{low}, {high}]"
                ));
            }
            continue;
        }
        match models[sklearn_name(name)][metric]["mean"].as_f64() {
            Some(theirs) if (ours - theirs).abs() > gap && ours < theirs => {
                failures.push(format!("{name}: {ours:.4} vs scikit-learn {theirs:.4}"))
            }
            None if ours < floor => failures.push(format!("{name}: {ours:.4} below {floor}")),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{dataset} {metric}: {failures:?}");
    report
}

#[test]
fn iris_families_match_sklearn() {
    check("iris", "accuracy", ACCURACY_GAP, 0.9);
}

#[test]
fn breast_cancer_families_match_sklearn() {
    check("breast_cancer", "accuracy", ACCURACY_GAP, 0.9);
}

/// Largest gap, either way, between gradient boosting with penguins'
/// categories and missing values native and scikit-learn's
/// `HistGradientBoostingClassifier(categorical_features="from_dtype")`.
const NATIVE_GAP: f64 = 0.01;

/// Besides every family's accuracy: `gradient_boosting_native`, fed the raw
/// columns (island and sex split as categories, missing values as NaN),
/// within one point of scikit-learn's `HistGradientBoostingClassifier` with
/// the same columns native (`benches/reference/hgb_categorical.json`, from
/// scripts/hgb_categorical_reference.py), on accuracy and macro F1.
#[test]
fn penguins_families_match_sklearn() {
    let report = check("penguins", "accuracy", ACCURACY_GAP, 0.9);
    let path = root().join("benches/reference/hgb_categorical.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let evaluations = report["evaluations"].as_array().unwrap();
    let native = evaluations
        .iter()
        .find(|e| e["model"] == "gradient_boosting_native")
        .expect("gradient_boosting_native");
    for metric in ["accuracy", "f1_macro"] {
        let ours = native["metrics"][metric]["mean"].as_f64().unwrap();
        let theirs = reference["models"]["native"][metric].as_f64().unwrap();
        assert!(
            (ours - theirs).abs() <= NATIVE_GAP,
            "native categories, {metric}: {ours:.4} vs scikit-learn {theirs:.4}"
        );
    }
}

#[test]
fn diabetes_families_match_sklearn() {
    check("diabetes", "r2", R2_GAP, 0.4);
}

/// Largest allowed gap to scikit-learn's F1 of the rare class on churn: 182
/// positives over five folds make F1 noisy, and the tree models draw other
/// random streams than scikit-learn's.
const CHURN_F1_GAP: f64 = 0.03;

/// `examples/compare/churn.mlg` against `benches/reference/class_weight.json`
/// (scripts/class_weight_reference.py): without class weights logistic
/// regression and the SVM predict "no" for every customer, as
/// scikit-learn's do (F1 0); `class_weight = "balanced"` brings every family
/// to scikit-learn's F1, well above its unweighted one; a threshold tuned
/// for F1 (`tuned_threshold`) reaches scikit-learn's
/// `TunedThresholdClassifierCV`, above either.
#[test]
fn churn_class_weights_match_sklearn() {
    let report = run("churn");
    let path = root().join("benches/reference/class_weight.json");
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let f1 = |name: &str| -> f64 {
        let evaluations = report["evaluations"].as_array().unwrap();
        let e = evaluations
            .iter()
            .find(|e| e["model"] == name)
            .unwrap_or_else(|| panic!("no {name}"));
        e["metrics"]["f1"]["mean"].as_f64().unwrap()
    };
    let mut failures = Vec::new();
    for name in ["logreg", "svm_linear"] {
        if f1(name) > 0.01 {
            failures.push(format!(
                "{name}: F1 {:.4} without class weights, scikit-learn's is 0",
                f1(name)
            ));
        }
    }
    for name in ["logreg", "svm_linear", "gradient_boosting", "random_forest"] {
        let balanced = format!("{name}_balanced");
        let (ours, plain) = (f1(&balanced), f1(name));
        let theirs = reference["models"][&balanced]["f1"].as_f64().unwrap();
        if (ours - theirs).abs() > CHURN_F1_GAP {
            failures.push(format!("{balanced}: F1 {ours:.4} vs scikit-learn {theirs:.4}"));
        }
        if ours < plain + 0.1 {
            failures.push(format!("{balanced}: F1 {ours:.4}, unweighted {plain:.4}"));
        }
    }
    for name in ["logreg_tuned", "logreg_tuned_balanced"] {
        let (ours, theirs) = (f1(name), reference["models"][name]["f1"].as_f64().unwrap());
        if (ours - theirs).abs() > CHURN_F1_GAP || ours < f1("logreg_balanced") {
            failures.push(format!("{name}: F1 {ours:.4} vs scikit-learn {theirs:.4}"));
        }
    }
    assert!(failures.is_empty(), "churn: {failures:?}");
}
