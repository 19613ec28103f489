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
        "gradient_boosting" => "hist_gradient_boosting",
        other => other,
    }
}

/// Checks every evaluated model of `dataset` against scikit-learn on `metric`;
/// models without a scikit-learn figure must still beat `floor`.
fn check(dataset: &str, metric: &str, gap: f64, floor: f64) {
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
}

#[test]
fn iris_families_match_sklearn() {
    check("iris", "accuracy", ACCURACY_GAP, 0.9);
}

#[test]
fn breast_cancer_families_match_sklearn() {
    check("breast_cancer", "accuracy", ACCURACY_GAP, 0.9);
}

#[test]
fn penguins_families_match_sklearn() {
    check("penguins", "accuracy", ACCURACY_GAP, 0.9);
}

#[test]
fn diabetes_families_match_sklearn() {
    check("diabetes", "r2", R2_GAP, 0.4);
}
