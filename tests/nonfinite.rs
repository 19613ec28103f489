//! Training never produces a silent wrong model: a model whose outputs go NaN
//! or infinite is an error naming it (and the split, the ensemble or the
//! deploy), never scored, selected or deployed; in a search it is a failed
//! trial with its reason. A chain whose features keep no column predicts a
//! constant instead of failing with an internal error. An atomic write
//! removes what a killed run left.

mod cli_support;

use cli_support::{copy_examples, fails_cleanly, fresh_dir, mlg, mlg_limited, ok};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A fresh folder with iris and diabetes, and `source` as `w.mlg`.
fn workspace(source: &str) -> PathBuf {
    let dir = fresh_dir("nonfinite");
    copy_examples(&dir, &["data/iris.csv", "data/diabetes.csv"]);
    // 40 rows where `y = 1e38 * (x1 - x2)`: a linear fit is exact in f64,
    // but its f32 products overflow.
    let mut csv = String::from("x1,x2,y\n");
    for i in 1..=40 {
        let d = i % 3;
        csv.push_str(&format!("{},{i},{}\n", i + d, f64::from(d) * 1e38));
    }
    std::fs::write(dir.join("data/over.csv"), csv).unwrap();
    std::fs::write(dir.join("w.mlg"), source).unwrap();
    dir
}

/// `mlg run w.mlg` that must fail cleanly; its stderr.
fn run_fails(dir: &Path) -> String {
    fails_cleanly(&mlg_limited(&["run", "w.mlg", "--quiet"], dir, 2048, 120))
}

fn report(dir: &Path) -> Value {
    ok(&mlg(&["run", "w.mlg", "--quiet", "--report", "r.json"], dir));
    serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap()
}

#[test]
fn a_diverging_learning_rate_is_an_error_and_nothing_is_deployed() {
    let dir = workspace(
        "data d = csv(\"data/iris.csv\", target = \"target\")\n\
         model gb = gradient_boosting_classifier(d, learning_rate = 1e300, rounds = 5)\n\
         evaluate gb with kfold(3)\n\
         deploy gb to \"out/gb.mlgc\"\n",
    );
    let err = run_fails(&dir);
    assert!(err.contains("gb: gradient_boosting_classifier"), "{err}");
    assert!(
        err.contains("round 1") && err.contains("learning_rate 1e300"),
        "{err}"
    );
    assert!(err.contains("lower learning_rate"), "{err}");
    assert!(!dir.join("out/gb.mlgc").exists());
}

#[test]
fn overflowing_predictions_are_refused_per_split_member_and_deploy() {
    let evaluated = workspace(
        "data d = csv(\"data/over.csv\", target = \"y\")\n\
         model m = linear_regression(d)\n\
         evaluate m with kfold(4)\n",
    );
    let err = run_fails(&evaluated);
    assert!(
        err.contains("model `m` gives NaN or infinite outputs on the held-out rows of split"),
        "{err}"
    );
    assert!(err.contains("the first at data row"), "{err}");

    let ensemble = workspace(
        "data d = csv(\"data/over.csv\", target = \"y\")\n\
         model m = linear_regression(d)\n\
         model t = decision_tree_regressor(d)\n\
         ensemble e = mean(t, m)\n\
         evaluate e with kfold(4)\n",
    );
    let err = run_fails(&ensemble);
    assert!(
        err.contains("model `m`") && err.contains("(as a member of ensemble `e`)"),
        "{err}"
    );

    let deployed = workspace(
        "data d = csv(\"data/over.csv\", target = \"y\")\n\
         model m = linear_regression(d)\n\
         deploy m to \"out/m.mlgc\"\n",
    );
    let err = run_fails(&deployed);
    assert!(
        err.contains("model `m` gives NaN or infinite outputs on its training rows"),
        "{err}"
    );
    assert!(!deployed.join("out/m.mlgc").exists());
}

#[test]
fn the_deploy_check_covers_the_rows_the_model_trained_on() {
    let dir = workspace(
        "data d = csv(\"data/outlier.csv\", target = \"y\")\n\
         features f = d -> drop_outliers(numeric)\n\
         model m = linear_regression(f)\n\
         deploy m to \"out/m.mlgc\"\n",
    );
    // `y = 100 x`, and one outlier whose prediction overflows f32; the step
    // drops it from training, so it is not what the model learnt from.
    let mut csv = String::from("x,y\n");
    for i in 1..=40 {
        csv.push_str(&format!("{i},{}\n", 100 * i));
    }
    csv.push_str("1e37,5\n");
    std::fs::write(dir.join("data/outlier.csv"), csv).unwrap();
    ok(&mlg(&["run", "w.mlg", "--quiet"], &dir));
    assert!(dir.join("out/m.mlgc").exists());
}

#[test]
fn a_diverging_trial_fails_with_its_reason_and_is_never_best() {
    let dir = workspace(
        "data d = csv(\"data/iris.csv\", target = \"target\")\n\
         model gb = gradient_boosting_classifier(d, rounds = 5, seed = 0)\n\
         search s = tune(gb, strategy = \"grid\", cv = kfold(3, seed = 0)) {\n\
           learning_rate = choice(1e300, 0.1)\n\
         }\n\
         deploy s to \"out/s.mlgc\"\n",
    );
    let report = report(&dir);
    let search = &report["searches"][0];
    let trials = search["trials"].as_array().unwrap();
    assert_eq!(trials[0]["status"], "failed");
    let reason = trials[0]["error"].as_str().unwrap();
    assert!(reason.contains("learning_rate 1e300"), "{reason}");
    assert_eq!(trials[1]["status"], "complete");
    assert_eq!(search["best_trial"], 2);
    assert!(dir.join("out/s.mlgc").exists());
}

#[test]
fn features_that_keep_no_column_give_a_constant_model() {
    // Every ridge coefficient is far below the threshold: no column is kept.
    let dir = workspace(
        "data d = csv(\"data/diabetes.csv\", target = \"target\")\n\
         features f = d -> select_from_model(numeric, model = ridge(alpha = 1.0), threshold = \"1e30\")\n\
         model m = ridge(f)\n\
         evaluate m with kfold(3)\n\
         deploy m to \"out/m.mlgc\"\n",
    );
    let report = report(&dir);
    let r2 = report["evaluations"][0]["metrics"]["r2"]["mean"]
        .as_f64()
        .unwrap();
    assert!(r2 <= 0.0 && r2 > -0.1, "a constant model's r2 is about 0: {r2}");
    let out = ok(&mlg(
        &["predict", "out/m.mlgc", "--input", "data/diabetes.csv"],
        &dir,
    ));
    let text = std::fs::read_to_string(dir.join("data/diabetes.csv")).unwrap();
    let targets: Vec<f64> = text
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    let mean = targets.iter().sum::<f64>() / targets.len() as f64;
    let predictions: Vec<f64> = out.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    assert_eq!(predictions.len(), targets.len());
    assert!(
        predictions.iter().all(|p| (p - mean).abs() < 1e-3 * mean),
        "{}",
        &out[..200]
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_removes_temporary_files_a_killed_run_left_beside_its_outputs() {
    let dir = workspace(
        "data d = csv(\"data/iris.csv\", target = \"target\")\n\
         model t = decision_tree_classifier(d, max_depth = 2)\n\
         deploy t to \"out/t.mlgc\"\n",
    );
    std::fs::create_dir_all(dir.join("out")).unwrap();
    // Process ids never reach 2^22 + 7 on Linux: these writers are gone.
    let stale = [
        ".t.mlgc.mlg-tmp-4194311-0",
        ".t.mlgc.4194311.3.tmp",
        "r.json.4194311.tmp",
    ];
    std::fs::write(dir.join("out").join(stale[0]), vec![0u8; 1 << 16]).unwrap();
    std::fs::write(dir.join("out").join(stale[1]), vec![0u8; 1 << 16]).unwrap();
    std::fs::write(dir.join(stale[2]), "{").unwrap();
    report(&dir);
    assert!(dir.join("out/t.mlgc").exists());
    assert!(!dir.join("out").join(stale[0]).exists());
    assert!(!dir.join("out").join(stale[1]).exists());
    assert!(!dir.join(stale[2]).exists());
}
