//! End-to-end tests of the `mlg` binary on the shipped examples: quality against
//! scikit-learn's figures, the JSON report, artifacts, predict, bench, and clear
//! errors (exit code 1, never a panic) on bad input.

mod cli_support;

use cli_support::{fails, fresh_dir, mlg, ok};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A fresh folder holding a copy of `examples/` (so tests never share artifacts).
fn workspace() -> PathBuf {
    let dir = fresh_dir("cli");
    for entry in std::fs::read_dir("examples")
        .unwrap()
        .chain(std::fs::read_dir("examples/data").unwrap())
    {
        let path = entry.unwrap().path();
        if path.is_file() {
            let rel = path.strip_prefix("examples").unwrap();
            std::fs::copy(&path, dir.join(rel)).unwrap();
        }
    }
    dir
}

/// Runs `file` in `dir` and reads its JSON report (written to a fresh folder, so
/// nothing lands in the source tree).
fn run_report(dir: &Path, file: &str) -> Value {
    let report = workspace().join("report.json");
    ok(&mlg(
        &["run", file, "--quiet", "--report", report.to_str().unwrap()],
        dir,
    ));
    serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap()
}

fn metric<'a>(report: &'a Value, model: &str, metric: &str) -> &'a Value {
    let evals = report["evaluations"].as_array().unwrap();
    let e = evals
        .iter()
        .find(|e| e["model"] == model)
        .unwrap_or_else(|| panic!("no evaluation of {model}"));
    &e["metrics"][metric]
}

#[test]
fn iris_logistic_regression_reaches_sklearn_accuracy() {
    let dir = workspace();
    let report = run_report(&dir, "iris.mlg");
    let accuracy = metric(&report, "lr", "accuracy");
    assert!(accuracy["mean"].as_f64().unwrap() >= 0.95, "{accuracy}");
    assert_eq!(accuracy["folds"].as_array().unwrap().len(), 5);
    assert_eq!(report["workflow"], "iris.mlg");
    assert_eq!(report["evaluations"][0]["operator"], "logistic_regression");
    assert!(report["evaluations"][0]["fit_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(report["artifacts"][0], "out/iris.mlgc");
    assert!(dir.join("out/iris.mlgc").is_file());
}

#[test]
fn penguins_mixed_types_reach_sklearn_accuracy() {
    // impute (median / most_frequent) -> standardize -> one_hot -> logistic
    // regression, 5-fold; scikit-learn's ColumnTransformer pipeline: 0.991.
    let dir = workspace();
    let report = run_report(&dir, "penguins.mlg");
    let accuracy = metric(&report, "lr", "accuracy");
    assert!(accuracy["mean"].as_f64().unwrap() >= 0.985, "{accuracy}");
}

#[test]
fn diabetes_linear_regression_reaches_sklearn_r2() {
    let dir = workspace();
    let report = run_report(&dir, "diabetes.mlg");
    assert!(metric(&report, "linear", "r2")["mean"].as_f64().unwrap() >= 0.47);
    assert!(metric(&report, "ridge", "r2")["mean"].as_f64().unwrap() >= 0.47);
}

/// scikit-learn 1.9.1 per-fold scores on the same folds (shared bench
/// `sklearn_baselines.json`: iris and penguins logreg accuracy, diabetes linear and ridge r2).
const SKLEARN_IRIS_LOGREG: [f64; 5] = [
    0.9666666666666667,
    0.9666666666666667,
    0.9666666666666667,
    0.9666666666666667,
    0.9333333333333333,
];
const SKLEARN_DIABETES_LINEAR: [f64; 5] = [
    0.3322332173106183,
    0.45970425424589045,
    0.5370636865383391,
    0.5216539085501788,
    0.5951198005819458,
];
const SKLEARN_PENGUINS_LOGREG: [f64; 5] = [
    0.9855072463768116,
    0.9855072463768116,
    1.0,
    1.0,
    0.9852941176470589,
];
const SKLEARN_DIABETES_RIDGE: [f64; 5] = [
    0.331092906976182,
    0.46088134028577377,
    0.5359319004963137,
    0.5197112646625549,
    0.6004343914680916,
];

fn assert_folds(found: &Value, expected: &[f64]) {
    let found: Vec<f64> = found["folds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(found.len(), expected.len());
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f - e).abs() <= 0.01,
            "fold score {f} vs scikit-learn {e}: {found:?}"
        );
    }
}

#[test]
fn predefined_folds_match_sklearn_per_fold() {
    let dir = PathBuf::from("tests/programs");
    let iris = run_report(&dir, "iris_sklearn_folds.mlg");
    assert_folds(metric(&iris, "lr", "accuracy"), &SKLEARN_IRIS_LOGREG);
    let diabetes = run_report(&dir, "diabetes_sklearn_folds.mlg");
    assert_folds(metric(&diabetes, "linear", "r2"), &SKLEARN_DIABETES_LINEAR);
    assert_folds(metric(&diabetes, "ridge", "r2"), &SKLEARN_DIABETES_RIDGE);
    let penguins = run_report(&dir, "penguins_sklearn_folds.mlg");
    assert_folds(metric(&penguins, "lr", "accuracy"), &SKLEARN_PENGUINS_LOGREG);
}

#[test]
fn run_prints_a_table_and_quiet_prints_nothing() {
    let dir = workspace();
    let table = ok(&mlg(&["run", "iris.mlg"], &dir));
    assert!(
        table.contains("accuracy") && table.contains("logistic_regression"),
        "{table}"
    );
    assert!(table.contains("wrote out/iris.mlgc"), "{table}");
    assert_eq!(ok(&mlg(&["run", "iris.mlg", "--quiet"], &dir)), "");
    // A file that declares a model and asks nothing of it says so.
    let idle = "data d = csv(\"data/iris.csv\", target = \"target\")\nmodel m = logistic_regression(d)\n";
    std::fs::write(dir.join("idle.mlg"), idle).unwrap();
    let said = ok(&mlg(&["run", "idle.mlg"], &dir));
    assert!(
        said.contains("nothing to run: idle.mlg has no evaluate") && said.contains("no model was trained"),
        "{said}"
    );
    assert_eq!(ok(&mlg(&["run", "idle.mlg", "--quiet"], &dir)), "");
}

#[test]
fn predict_with_the_deployed_artifact() {
    let dir = workspace();
    ok(&mlg(&["run", "iris.mlg", "--quiet"], &dir));
    ok(&mlg(
        &[
            "predict",
            "out/iris.mlgc",
            "--input",
            "data/iris.csv",
            "--output",
            "preds.csv",
            "--proba",
        ],
        &dir,
    ));
    let preds = std::fs::read_to_string(dir.join("preds.csv")).unwrap();
    let mut lines = preds.lines();
    assert_eq!(lines.next(), Some("prediction,proba_0,proba_1,proba_2"));
    let truth: Vec<String> = std::fs::read_to_string(dir.join("data/iris.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 150);
    let correct = rows
        .iter()
        .zip(&truth)
        .filter(|(p, t)| p.split(',').next() == Some(t.as_str()))
        .count();
    assert!(correct >= 145, "{correct}/150 training rows right");
    for row in &rows {
        let p: f64 = row.split(',').skip(1).map(|x| x.parse::<f64>().unwrap()).sum();
        assert!((p - 1.0).abs() < 1e-4, "probabilities sum to {p}");
    }
    let stdout = ok(&mlg(
        &["predict", "out/iris.mlgc", "--input", "data/iris.csv", "--proba"],
        &dir,
    ));
    assert_eq!(stdout, preds);
}

#[test]
fn bench_reports_every_figure() {
    let dir = workspace();
    ok(&mlg(&["run", "diabetes.mlg", "--quiet"], &dir));
    let out = ok(&mlg(
        &[
            "bench",
            "out/diabetes.mlgc",
            "--input",
            "data/diabetes.csv",
            "--json",
        ],
        &dir,
    ));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"], 442);
    for key in [
        "interpreter_rows_per_s",
        "cranelift_1_thread_rows_per_s",
        "cranelift_all_threads_rows_per_s",
        "latency_median_us",
        "latency_p99_us",
        "compile_ms",
    ] {
        assert!(v[key].as_f64().unwrap() > 0.0, "{key}: {}", v[key]);
    }
    let generated = ok(&mlg(&["bench", "out/diabetes.mlgc", "--rows", "5000"], &dir));
    assert!(
        generated.contains("rows                      5000"),
        "{generated}"
    );
    assert!(generated.contains("cranelift, 1 thread"), "{generated}");
    let err = fails(&mlg(&["bench", "out/diabetes.mlgc", "--rows", "0"], &dir));
    assert!(err.contains("no rows"), "{err}");
}

#[test]
fn check_and_explain() {
    let dir = workspace();
    assert!(ok(&mlg(&["check", "iris.mlg"], &dir)).contains("ok"));
    let passes = ok(&mlg(
        &["explain", "iris.mlg", "--stage", "optimized", "--passes"],
        &dir,
    ));
    assert!(passes.contains("## after affine-fusion"), "{passes}");
    assert!(passes.contains("unchanged"), "{passes}");
    let err = fails(&mlg(&["explain", "iris.mlg", "--stage", "bytecode"], &dir));
    assert!(err.contains("stages: ast, graph, ir, optimized, clif"), "{err}");
}

#[test]
fn check_reports_diagnostics_with_location() {
    let dir = workspace();
    std::fs::write(
        dir.join("bad.mlg"),
        "data iris = csv(\"data/iris.csv\", target = \"target\")\nmodel lr = logistic_regresion(iris)\n",
    )
    .unwrap();
    let err = fails(&mlg(&["check", "bad.mlg"], &dir));
    assert!(err.contains("unknown model `logistic_regresion`"), "{err}");
    assert!(err.contains("bad.mlg:2:12"), "{err}");
    assert!(err.contains("did you mean `logistic_regression`?"), "{err}");
}

#[test]
fn corrupt_or_foreign_artifacts_are_refused() {
    let dir = workspace();
    ok(&mlg(&["run", "iris.mlg", "--quiet"], &dir));
    let bytes = std::fs::read(dir.join("out/iris.mlgc")).unwrap();
    std::fs::write(dir.join("truncated.mlgc"), &bytes[..bytes.len() / 2]).unwrap();
    let err = fails(&mlg(
        &["predict", "truncated.mlgc", "--input", "data/iris.csv"],
        &dir,
    ));
    assert!(err.contains("truncated"), "{err}");
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    std::fs::write(dir.join("flipped.mlgc"), &flipped).unwrap();
    let err = fails(&mlg(
        &["predict", "flipped.mlgc", "--input", "data/iris.csv"],
        &dir,
    ));
    assert!(err.contains("checksum"), "{err}");
    let err = fails(&mlg(
        &["predict", "data/iris.csv", "--input", "data/iris.csv"],
        &dir,
    ));
    assert!(
        err.contains("not an mlg artifact") || err.contains("magic"),
        "{err}"
    );
}

#[test]
fn malformed_prediction_input_names_file_row_and_column() {
    let dir = workspace();
    ok(&mlg(&["run", "iris.mlg", "--quiet"], &dir));
    std::fs::write(
        dir.join("bad.csv"),
        "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n5.1,3.5,1.4,0.2\n4.9,abc,1.4,0.2\n",
    )
    .unwrap();
    let err = fails(&mlg(&["predict", "out/iris.mlgc", "--input", "bad.csv"], &dir));
    assert!(
        err.contains("bad.csv") && err.contains("abc") && err.contains("sepal_width_cm"),
        "{err}"
    );
    assert!(err.contains('3'), "line number missing: {err}");
    std::fs::write(dir.join("short.csv"), "sepal_length_cm,sepal_width_cm\n5.1,3.5\n").unwrap();
    let err = fails(&mlg(&["predict", "out/iris.mlgc", "--input", "short.csv"], &dir));
    assert!(
        err.contains("petal_length_cm") && err.contains("petal_width_cm"),
        "{err}"
    );
}

/// `mlg run ... | head -1` closes the pipe early: mlg ends quietly, no panic.
#[test]
fn a_closed_stdout_pipe_ends_quietly() {
    let dir = workspace();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args(["run", "iris.mlg", "--no-importance"])
        .current_dir(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before mlg writes its tables.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// `mlg run --oof FILE` writes each held-out row of each split once per
/// model: under kfold(5) iris's 150 rows appear once each, the share
/// predicted right equals the report's accuracy (five folds of 30 rows), and
/// each row's probabilities sum to 1.
#[test]
fn run_writes_out_of_fold_predictions() {
    let dir = workspace();
    let args = [
        "run",
        "iris.mlg",
        "--quiet",
        "--no-importance",
        "--oof",
        "oof.csv",
        "--report",
        "r.json",
    ];
    ok(&mlg(&args, &dir));
    let text = std::fs::read_to_string(dir.join("oof.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("statement,model,split,row,truth,prediction,proba_0,proba_1,proba_2")
    );
    let mut rows = Vec::new();
    let mut right = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(&fields[..2], ["evaluate#1", "lr"], "{line}");
        let split: usize = fields[2].parse().unwrap();
        assert!((1..=5).contains(&split), "{line}");
        rows.push(fields[3].parse::<usize>().unwrap());
        right += usize::from(fields[4] == fields[5]);
        let total: f64 = fields[6..].iter().map(|p| p.parse::<f64>().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-5, "{line}");
    }
    rows.sort_unstable();
    assert_eq!(rows, (0..150).collect::<Vec<_>>());
    let report: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    let accuracy = metric(&report, "lr", "accuracy")["mean"].as_f64().unwrap();
    assert!(
        (right as f64 / 150.0 - accuracy).abs() < 1e-12,
        "{right} vs {accuracy}"
    );
}
