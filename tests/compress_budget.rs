//! `compress NAME = MODEL -> budget(...)` end to end: on breast_cancer the
//! MLP's choice is the smallest variant whose accuracy is within the budget
//! (and at most half the MLP's size), every candidate is reported with its
//! score, size and latency, a factorization that cannot apply is reported
//! and left out, `objective = "latency"` keeps the fastest, an impossible
//! budget stops the run with every candidate's figures, and misuses of
//! `budget` are check-time errors naming the step.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `mlg run FILE --report` in `examples/`; the output and the JSON report
/// (`Null` when the run failed).
fn run(file: &Path, tag: &str) -> (Output, Value) {
    let dir = std::env::temp_dir().join(format!("mlg-budget-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .arg("run")
        .arg(file)
        .args(["--quiet", "--no-importance", "--report"])
        .arg(&path)
        .current_dir(root().join("examples"))
        .output()
        .unwrap();
    let report = std::fs::read_to_string(&path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
    (out, report)
}

/// Writes `source` next to the examples' data as `budget-TAG-PID.mlg`.
fn write(source: &str, tag: &str) -> PathBuf {
    let file = root()
        .join("examples")
        .join(format!("budget-{tag}-{}.mlg", std::process::id()));
    std::fs::write(&file, source).unwrap();
    file
}

/// The selection named `name` of `report`.
fn selection<'r>(report: &'r Value, name: &str) -> &'r Value {
    report["selections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no selection {name}"))
}

/// `(model, accuracy, size_bytes, latency_us)` of every candidate scored.
fn candidates(s: &Value) -> Vec<(String, f64, f64, f64)> {
    s["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["model"].as_str().unwrap().to_string(),
                e["metrics"]["accuracy"]["estimate"].as_f64().unwrap(),
                e["compression"]["size_bytes"].as_f64().unwrap(),
                e["compression"]["latency_us"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_budget_keeps_the_smallest_variant_within_it() {
    let (out, report) = run(Path::new("compress_budget.mlg"), "example");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mlp = selection(&report, "mlp_auto");
    let all = candidates(mlp);
    let base = all.iter().find(|c| c.0 == "mlp").unwrap().clone();
    assert!(base.1 > 0.97, "the MLP learns: {}", base.1);
    let within: Vec<&(String, f64, f64, f64)> =
        all.iter().filter(|c| c.1 >= base.1 - 0.005 - 1e-12).collect();
    let named: Vec<&str> = mlp["budget"]["within"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(named, within.iter().map(|c| c.0.as_str()).collect::<Vec<_>>());
    let chosen = all.iter().find(|c| c.0 == mlp["chosen"]).unwrap();
    assert!(
        within.iter().all(|c| chosen.2 <= c.2),
        "{chosen:?} is not the smallest of {within:?}"
    );
    assert!(chosen.1 >= base.1 - 0.005, "{chosen:?} against {base:?}");
    assert!(
        chosen.2 <= base.2 / 2.0,
        "{chosen:?} is not half the size of {base:?}"
    );
    // Pruning 80 % of the weights costs more than the budget allows.
    let p80 = all.iter().find(|c| c.0 == "mlp_auto[magnitude=0.8]").unwrap();
    assert!(
        p80.1 < base.1 - 0.005 && !named.contains(&p80.0.as_str()),
        "{p80:?}"
    );
    // A 64 x 30 layer keeps more than 95 % of its energy only at a rank that
    // would cost more than the layer itself: reported, not scored.
    let failed = mlp["budget"]["failed"].as_array().unwrap();
    assert!(
        failed.iter().any(
            |f| f[0] == "mlp_auto[energy=0.95]" && f[1].as_str().unwrap().contains("factorizes no layer")
        ),
        "{failed:?}"
    );
    assert!(all.iter().all(|c| c.0 != "mlp_auto[energy=0.95]"));
    // The forest: every candidate within 20 µs; the evaluation of `rf_auto`
    // is the chosen variant's.
    let rf = selection(&report, "rf_auto");
    let chosen = rf["chosen"].as_str().unwrap();
    assert!(chosen.starts_with("rf_auto["), "{chosen}");
    let evaluated = report["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["model"] == "rf_auto")
        .unwrap();
    assert_eq!(evaluated["selected"], chosen);
    let figures = candidates(rf);
    let rf_base = figures.iter().find(|c| c.0 == "rf").unwrap();
    let rf_chosen = figures.iter().find(|c| c.0 == chosen).unwrap();
    assert!(
        rf_chosen.2 < rf_base.2 * 0.6 && rf_chosen.3 <= 20.0,
        "{rf_chosen:?} against {rf_base:?}"
    );
}

#[test]
fn objective_latency_keeps_the_fastest_and_an_impossible_budget_stops_the_run() {
    let head = "data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                model gb = gradient_boosting_classifier(bc, rounds = 30, seed = 0)\n";
    let file = write(
        &format!("{head}compress fast = gb -> budget(accuracy_drop = 0.01, objective = \"latency\", cv = kfold(3))\nevaluate fast with kfold(3)\n"),
        "latency",
    );
    let (out, report) = run(&file, "latency");
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s = selection(&report, "fast");
    assert_eq!(s["budget"]["objective"], "latency");
    let all = candidates(s);
    let names: Vec<&str> = all.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["gb", "fast[int8]", "fast[f16]"]);
    let within: Vec<&str> = s["budget"]["within"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let fastest = all
        .iter()
        .filter(|c| within.contains(&c.0.as_str()))
        .min_by(|a, b| a.3.total_cmp(&b.3))
        .unwrap();
    assert_eq!(s["chosen"], fastest.0.as_str());

    let file = write(
        &format!("{head}compress fast = gb -> budget(latency_us = 0.000001, cv = kfold(3))\nevaluate fast with kfold(3)\n"),
        "impossible",
    );
    let (out, _) = run(&file, "impossible");
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for want in [
        "`fast`: no candidate meets budget(accuracy_drop=0.005, latency_us=0.000001",
        "gb: accuracy 0.",
        "fast[int8]: accuracy",
        "fast[f16]: accuracy",
    ] {
        assert!(stderr.contains(want), "wanted {want:?} in:\n{stderr}");
    }
}

/// `mlg check` on `source` fails with a message containing `want`.
fn check_fails(source: &str, want: &str) {
    let file = write(source, "check");
    let out = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{source}\nunexpectedly checked");
    assert!(stderr.contains(want), "{source}\nwanted {want:?} in:\n{stderr}");
}

#[test]
fn misused_budgets_are_check_errors() {
    let head = "data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                features s = bc -> standardize(numeric)\nmodel lr = logistic_regression(s)\n\
                model rf = random_forest_classifier(bc, trees = 10)\n";
    check_fails(
        &format!("{head}compress c = lr -> quantize(\"int8\") -> budget()\n"),
        "`budget(...)` chooses the steps itself: it must be the only step",
    );
    check_fails(
        &format!("{head}compress c = lr -> budget() -> quantize(\"int8\")\n"),
        "`budget(...)` chooses the steps itself: it must be the only step",
    );
    check_fails(
        &format!("{head}ensemble e = soft_vote(lr, rf)\ncompress c = e -> budget()\n"),
        "`compress` takes a model, but `e` is a `ensemble` stage",
    );
    check_fails(
        &format!("{head}compress c = lr -> budget(0.01)\n"),
        "`budget` takes named arguments only",
    );
    check_fails(
        &format!("{head}compress c = lr -> budget(cv = 5)\n"),
        "parameter `cv` of `budget` expects an evaluation method call",
    );
    check_fails(
        &format!("{head}compress c = lr -> budget(metric = \"r2\")\n"),
        "r2",
    );
    check_fails(
        &format!("{head}compress c = lr -> budget(accuracy = 0.01)\n"),
        "accuracy_drop",
    );
    check_fails(
        &format!("{head}compress c = lr -> budget(objective = \"speed\")\n"),
        "objective",
    );
    check_fails(
        &format!("{head}compress c = lr -> budget(accuracy_drop = -1)\n"),
        "accuracy_drop",
    );
}
