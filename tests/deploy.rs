//! Deployed artifacts: profile, lineage, metrics and monitor settings survive the
//! round trip; newer-format, truncated and corrupt files are refused with a clear
//! message; `monitor = drift(...)` and `quality(...)` are checked; `mlg
//! monitor` flags drift.

mod cli_support;

use cli_support::{copy_examples, fails, fresh_dir, mlg, ok};
use mlg::{Error, Workflow};
use mlg_runtime::artifact::{self, Lineage};
use mlg_runtime::drift::DriftConfig;
use mlg_runtime::profile::FeatureStats;
use mlg_runtime::Artifact;
use std::path::{Path, PathBuf};

/// A seeded forest on iris, deployed with drift settings.
const IRIS: &str = "data iris = csv(\"data/iris.csv\", target = \"target\")
model rf = random_forest_classifier(iris, trees = 10, seed = 3)
evaluate rf with kfold(3, seed = 0) metrics accuracy
deploy rf to \"out/iris.mlgc\" { monitor = drift(psi = 0.3, ks = 0.15, window = 500) }
";

/// A fresh folder holding `data/iris.csv`.
fn workspace() -> PathBuf {
    let dir = fresh_dir("deploy");
    copy_examples(&dir, &["data/iris.csv"]);
    dir
}

/// Runs `source` in `dir` and reads back the artifact it deploys.
fn deploy(dir: &Path, source: &str) -> Artifact {
    let wf = Workflow::from_source("iris.mlg", source, dir).unwrap();
    let options = mlg::RunOptions {
        permutation_repeats: 0,
        ..mlg::RunOptions::default()
    };
    let out = wf.run(&options).unwrap();
    assert_eq!(out.artifacts, vec![dir.join("out/iris.mlgc")]);
    artifact::read(&dir.join("out/iris.mlgc")).unwrap()
}

#[test]
fn artifacts_carry_profile_lineage_metrics_and_monitor_settings() {
    let dir = workspace();
    let a = deploy(&dir, IRIS);
    assert_eq!(a.schema().len(), 4);
    assert_eq!(a.profile.rows, 150);
    assert_eq!(a.profile.features.len(), 4);
    let sepal = a.profile.feature("sepal_length_cm").unwrap();
    assert_eq!((sepal.count, sepal.missing), (150, 0));
    let FeatureStats::Numeric(n) = &sepal.stats else {
        panic!("sepal length is numeric")
    };
    assert!((n.mean - 5.8433).abs() < 1e-3, "{}", n.mean);
    assert_eq!((n.min, n.max), (4.3, 7.9));
    assert_eq!(n.quantiles.len(), 101);
    assert_eq!(n.counts.iter().sum::<u64>(), 150);
    assert!(a.metrics["accuracy"] > 0.9, "{:?}", a.metrics);
    assert_eq!(a.lineage.source_hash, Lineage::hash_text(IRIS));
    assert_eq!(a.lineage.data_hash.len(), 16);
    assert_eq!(a.lineage.seed, Some(3));
    assert_eq!(a.lineage.mlg_version, env!("CARGO_PKG_VERSION"));
    assert!(a.lineage.created_unix > 1_600_000_000);
    assert_eq!(
        a.monitor,
        Some(DriftConfig {
            psi: 0.3,
            ks: 0.15,
            window: 500
        })
    );
    // The same artifact compiles and predicts.
    assert!(mlg_runtime::Model::load(dir.join("out/iris.mlgc")).is_ok());
}

#[test]
fn quality_settings_reach_the_artifact_and_need_an_evaluated_score() {
    let dir = workspace();
    let source = IRIS.replace(
        "{ monitor = drift(psi = 0.3, ks = 0.15, window = 500) }",
        "{ monitor = [drift(window = 200), quality(window = 100, accuracy_drop = 0.1)] }",
    );
    let a = deploy(&dir, &source);
    assert_eq!(a.monitor.map(|m| m.window), Some(200));
    let q = a.quality.expect("quality settings");
    assert_eq!((q.window, q.accuracy_drop, q.rmse_rise), (100, 0.1, 0.2));

    // Without an evaluated accuracy there is nothing to compare live accuracy with.
    let unevaluated = source.replace("evaluate rf with kfold(3, seed = 0) metrics accuracy\n", "");
    let wf = Workflow::from_source("iris.mlg", &unevaluated, &dir).unwrap();
    let err = wf.run(&mlg::RunOptions::default()).unwrap_err();
    assert!(matches!(err, Error::QualityBaseline { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "deploy `rf`: `monitor = quality(...)` compares live accuracy with the model's evaluated \
         accuracy, but no `evaluate` of `rf` reports accuracy; add `accuracy` to the metrics of an \
         evaluate statement of `rf`"
    );
}

#[test]
fn monitor_scores_labelled_rows_and_fails_on_a_quality_drop() {
    let dir = workspace();
    let source = IRIS.replace(
        "{ monitor = drift(psi = 0.3, ks = 0.15, window = 500) }",
        "{ monitor = quality(window = 100, accuracy_drop = 0.05) }",
    );
    let a = deploy(&dir, &source);
    let evaluated = a.metrics["accuracy"];
    let iris = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let labels: String = iris
        .lines()
        .map(|l| format!("{}\n", l.rsplit(',').next().unwrap()))
        .collect();
    std::fs::write(dir.join("labels.csv"), &labels).unwrap();
    let out = ok(&mlg(
        &[
            "monitor",
            "out/iris.mlgc",
            "--input",
            "data/iris.csv",
            "--labels",
            "labels.csv",
        ],
        &dir,
    ));
    assert!(out.contains("quality of 150 labelled rows (labels.csv)"), "{out}");
    // The forest's accuracy on its own training rows is above the evaluated one.
    let accuracy: f64 = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("accuracy"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(accuracy >= evaluated - 0.05, "{out}");
    assert!(
        out.contains(&format!("evaluated accuracy {evaluated:.4}")),
        "{out}"
    );
    assert!(out.ends_with("no quality alert\n"), "{out}");

    // Labels that are all the next class: accuracy drops to near 0.
    let wrong: String = iris
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let t = l.rsplit(',').next().unwrap();
            if i == 0 {
                format!("{t}\n")
            } else {
                format!("{}\n", (t.parse::<u32>().unwrap() + 1) % 3)
            }
        })
        .collect();
    std::fs::write(dir.join("wrong.csv"), wrong).unwrap();
    let run = mlg(
        &[
            "monitor",
            "out/iris.mlgc",
            "--input",
            "data/iris.csv",
            "--labels",
            "wrong.csv",
        ],
        &dir,
    );
    let err = fails(&run);
    assert!(err.contains("quality alert on data/iris.csv"), "{err}");
    assert!(String::from_utf8_lossy(&run.stdout).ends_with("quality alert\n"));

    // Labels that do not line up with the rows are refused.
    std::fs::write(dir.join("short.csv"), "target\n0\n1\n").unwrap();
    let err = fails(&mlg(
        &[
            "monitor",
            "out/iris.mlgc",
            "--input",
            "data/iris.csv",
            "--labels",
            "short.csv",
        ],
        &dir,
    ));
    assert!(
        err.contains("short.csv holds 2 labels but the input holds 150 rows"),
        "{err}"
    );
}

#[test]
fn lineage_follows_the_source_and_the_data() {
    let first = deploy(&workspace(), IRIS);
    let again = deploy(&workspace(), IRIS);
    assert_eq!(first.lineage.data_hash, again.lineage.data_hash);
    assert_eq!(first.lineage.source_hash, again.lineage.source_hash);
    assert_eq!(first.profile, again.profile);

    let edited = format!("# retrained\n{IRIS}");
    let changed = deploy(&workspace(), &edited);
    assert_ne!(changed.lineage.source_hash, first.lineage.source_hash);
    assert_eq!(changed.lineage.data_hash, first.lineage.data_hash);

    let dir = workspace();
    let iris = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    std::fs::write(dir.join("data/iris.csv"), iris.replacen("5.1,3.5", "5.2,3.5", 1)).unwrap();
    let other_data = deploy(&dir, IRIS);
    assert_ne!(other_data.lineage.data_hash, first.lineage.data_hash);
}

#[test]
fn compiling_without_a_deploy_statement_has_no_monitor_settings() {
    let dir = workspace();
    let source = IRIS.lines().take(2).collect::<Vec<_>>().join("\n");
    let wf = Workflow::from_source("iris.mlg", &source, &dir).unwrap();
    let model = wf.compile("rf").unwrap();
    assert_eq!(model.artifact().monitor, None);
    assert_eq!(model.artifact().profile.features.len(), 4);
}

#[test]
fn newer_truncated_and_corrupt_artifacts_are_refused_with_the_reason() {
    let dir = workspace();
    deploy(&dir, IRIS);
    let bytes = std::fs::read(dir.join("out/iris.mlgc")).unwrap();
    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&6u32.to_le_bytes());
    std::fs::write(dir.join("newer.mlgc"), &newer).unwrap();
    std::fs::write(dir.join("truncated.mlgc"), &bytes[..bytes.len() - 100]).unwrap();
    let mut corrupt = bytes.clone();
    let middle = bytes.len() / 2;
    corrupt[middle] ^= 0x10;
    std::fs::write(dir.join("corrupt.mlgc"), &corrupt).unwrap();
    for (file, reason) in [
        (
            "newer.mlgc",
            "written by a newer mlg: format version 6, this build reads up to 5",
        ),
        ("truncated.mlgc", "artifact is truncated"),
        ("corrupt.mlgc", "payload checksum"),
    ] {
        for command in ["predict", "monitor"] {
            let err = fails(&mlg(&[command, file, "--input", "data/iris.csv"], &dir));
            assert!(
                err.contains(file) && err.contains(reason),
                "{command} {file}: {err}"
            );
        }
    }
}

/// The diagnostics' messages and help lines of checking `deploy_line` after a model.
fn deploy_errors(deploy_line: &str) -> Vec<String> {
    let source = format!(
        "data iris = csv(\"data/iris.csv\", target = \"target\")\nmodel lr = logistic_regression(iris)\n{deploy_line}\n"
    );
    match Workflow::from_source("bad.mlg", &source, Path::new("examples")) {
        Err(Error::Diagnostics { diagnostics, .. }) => diagnostics
            .iter()
            .map(|d| format!("{} | {}", d.message, d.help.clone().unwrap_or_default()))
            .collect(),
        Err(other) => panic!("expected diagnostics, got {other}"),
        Ok(_) => panic!("expected diagnostics for {deploy_line}"),
    }
}

#[test]
fn monitor_options_are_checked() {
    let ok_source =
        "data iris = csv(\"data/iris.csv\", target = \"target\")\nmodel lr = logistic_regression(iris)\n\
                     deploy lr to \"out/x.mlgc\" { monitor = drift(window = 50) }\n";
    let wf = Workflow::from_source("ok.mlg", ok_source, Path::new("examples")).unwrap();
    let deploy = wf
        .stages()
        .find_map(|s| match &s.kind {
            mlg_compiler::workflow::StageKind::Deploy(d) => Some(d.clone()),
            _ => None,
        })
        .unwrap();
    let m = deploy.monitor.unwrap();
    assert_eq!((m.psi, m.ks, m.window), (0.2, 0.1, 50));

    let cases = [
        (
            "{ monitr = drift() }",
            "unknown deploy option `monitr` | did you mean `monitor`?",
        ),
        (
            "{ monitor = drift(psi = 0) }",
            "drift `psi` must be a number above 0",
        ),
        (
            "{ monitor = drift(ks = 1.5) }",
            "drift `ks` must be a number in (0, 1]",
        ),
        (
            "{ monitor = drift(window = 5) }",
            "drift `window` must be an integer of at least 10",
        ),
        (
            "{ monitor = drift(window = 100.5) }",
            "drift `window` must be an integer of at least 10",
        ),
        (
            "{ monitor = drift(psy = 0.1) }",
            "drift has no parameter `psy` | did you mean `psi`?",
        ),
        ("{ monitor = drift(0.1) }", "drift arguments must be named"),
        (
            "{ monitor = drfit() }",
            "unknown monitor `drfit` | did you mean `drift`?",
        ),
        (
            "{ monitor = \"drift\" }",
            "`monitor` takes drift(...), quality(...) or a list of them",
        ),
        (
            "{ monitor = quality(accuracy_drop = 0) }",
            "quality `accuracy_drop` must be a number in (0, 1]",
        ),
        (
            "{ monitor = quality(window = 5) }",
            "quality `window` must be an integer of at least 10",
        ),
        (
            "{ monitor = quality(acuracy_drop = 0.1) }",
            "quality has no parameter `acuracy_drop` | did you mean `accuracy_drop`?",
        ),
        (
            "{ monitor = [quality(), quality()] }",
            "monitor `quality` is given twice",
        ),
        (
            "{ monitor = qualty() }",
            "unknown monitor `qualty` | did you mean `quality`?",
        ),
        (
            "{ monitor = drift(), monitor = drift() }",
            "deploy option `monitor` is given twice",
        ),
        (
            "{ monitor = drift(psi = 0.1, psi = 0.2) }",
            "drift parameter `psi` is given twice",
        ),
    ];
    for (options, expected) in cases {
        let errors = deploy_errors(&format!("deploy lr to \"out/x.mlgc\" {options}"));
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(expected) || e.contains(expected)),
            "{options}: {errors:?}"
        );
    }
}

#[test]
fn monitor_reports_drift_offline() {
    let dir = workspace();
    deploy(&dir, IRIS);
    let same = ok(&mlg(
        &[
            "monitor",
            "out/iris.mlgc",
            "--input",
            "data/iris.csv",
            "--html",
            "same.html",
        ],
        &dir,
    ));
    assert!(same.contains("no drift alert"), "{same}");
    assert!(!same.contains("ALERT"), "{same}");
    assert!(!same.contains("input anomalies"), "{same}");
    assert!(same.contains("psi > 0.3, ks > 0.15"), "{same}");

    let iris = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let mut lines = iris.lines();
    let mut shifted = format!("{}\n", lines.next().unwrap());
    for line in lines {
        let mut fields: Vec<String> = line.split(',').map(String::from).collect();
        let petal: f64 = fields[2].parse().unwrap();
        fields[2] = format!("{}", petal + 3.5);
        shifted.push_str(&fields.join(","));
        shifted.push('\n');
    }
    std::fs::write(dir.join("shifted.csv"), shifted).unwrap();
    // An alert exits 1 after the table (to gate a CI job), unless --no-fail.
    let args = [
        "monitor",
        "out/iris.mlgc",
        "--input",
        "shifted.csv",
        "--html",
        "report/drift.html",
    ];
    let failed = mlg(&args, &dir);
    let err = fails(&failed);
    assert!(
        err.contains("drift alert on shifted.csv (pass --no-fail to exit 0 on alerts)"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&failed.stdout).contains("drift alert: petal_length_cm"));
    let out = ok(&mlg(&[&args[..], &["--no-fail"]].concat(), &dir));
    assert!(out.contains("drift alert: petal_length_cm"), "{out}");
    // Petal lengths above the training maximum (6.9) after the shift.
    let above = iris
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap() + 3.5 > 6.9)
        .count();
    assert!(
        out.contains(&format!(
            "input anomalies (values the training rows never showed): petal_length_cm: {above} out_of_range"
        )),
        "{out}"
    );
    let alerting: Vec<&str> = out.lines().filter(|l| l.ends_with("ALERT")).collect();
    assert_eq!(alerting.len(), 1, "{out}");
    assert!(alerting[0].starts_with("petal_length_cm"), "{out}");

    let html = std::fs::read_to_string(dir.join("report/drift.html")).unwrap();
    for name in [
        "sepal_length_cm",
        "sepal_width_cm",
        "petal_length_cm",
        "petal_width_cm",
    ] {
        assert!(html.contains(name), "{name} missing from the report");
    }
    assert!(html.contains("drift alert") && html.contains("<svg"));
    assert!(!html.contains("<script"));
    let calm = std::fs::read_to_string(dir.join("same.html")).unwrap();
    assert!(calm.contains("no drift alert"));
}

/// `tests/fixtures/iris_v1.mlgc`: the iris logistic regression in a format version
/// 1 container (no profile, lineage or monitor settings).
#[test]
fn format_version_1_artifacts_predict_but_cannot_be_monitored() {
    let fixture = Path::new("tests/fixtures/iris_v1.mlgc");
    let bytes = std::fs::read(fixture).unwrap();
    assert_eq!(&bytes[8..12], &1u32.to_le_bytes());
    let a = artifact::read(fixture).unwrap();
    assert!(a.profile.is_empty());
    assert_eq!(a.lineage, Lineage::default());
    assert_eq!(a.monitor, None);
    let dir = workspace();
    std::fs::copy(fixture, dir.join("old.mlgc")).unwrap();
    let preds = ok(&mlg(&["predict", "old.mlgc", "--input", "data/iris.csv"], &dir));
    assert_eq!(preds.lines().count(), 151);
    let err = fails(&mlg(&["monitor", "old.mlgc", "--input", "data/iris.csv"], &dir));
    assert!(
        err.contains("old.mlgc") && err.contains("no training profile"),
        "{err}"
    );
}
