//! Run tracking end to end: two runs recorded and compared, the registry's
//! versions and aliases served by address, a failed run recorded with its
//! error, a run killed mid-way left as `interrupted` in a database that
//! keeps working, and runs started together in one folder all recorded.

#[path = "cli_support/mod.rs"]
mod cli_support;
#[path = "serve/support.rs"]
#[allow(dead_code)]
mod support;

use cli_support::{copy_examples, fails, fresh_dir, mlg, ok};
use mlg_tracking::{RunStatus, Store};
use std::path::Path;
use std::time::{Duration, Instant};

/// A folder with iris and its workflow, the model's `c` set to `c`.
fn iris_dir(prefix: &str) -> std::path::PathBuf {
    let dir = fresh_dir(prefix);
    copy_examples(&dir, &["iris.mlg", "data/iris.csv"]);
    dir
}

fn set_c(dir: &Path, c: &str) {
    let path = dir.join("iris.mlg");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("c = ").unwrap() + 4;
    let end = start + text[start..].find(')').unwrap();
    std::fs::write(&path, format!("{}{c}{}", &text[..start], &text[end..])).unwrap();
}

fn store(dir: &Path) -> Store {
    Store::open(&dir.join(".mlg/runs.db")).unwrap()
}

#[test]
fn two_runs_are_recorded_with_params_metrics_and_files_and_compared() {
    let dir = iris_dir("track-two");
    let first = ok(&mlg(&["run", "iris.mlg"], &dir));
    assert!(first.contains("recorded run "), "{first}");
    assert!(first.contains("registered models:/iris/1"), "{first}");
    set_c(&dir, "0.05");
    ok(&mlg(
        &["run", "iris.mlg", "--quiet", "--report", "out/report.json"],
        &dir,
    ));

    let store = store(&dir);
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 2);
    let (b, a) = (&runs[0], &runs[1]);
    assert!(runs.iter().all(|r| r.status == RunStatus::Finished), "{runs:?}");
    assert_ne!(a.source_hash, b.source_hash, "the source changed");
    assert_eq!(a.data_hash, b.data_hash, "the data did not");

    let params = store.params(&b.id).unwrap();
    let c = params.iter().find(|p| p.key == "lr.c").unwrap();
    assert_eq!(c.value, "0.05");
    assert!(
        params
            .iter()
            .any(|p| p.key == "lr.solver" && p.value == "\"lbfgs\""),
        "defaults are recorded"
    );

    // Per split and the estimate, which is their mean for k-fold.
    let metrics = store.metrics(&b.id).unwrap();
    let accuracy: Vec<_> = metrics.iter().filter(|m| m.metric == "accuracy").collect();
    assert_eq!(accuracy.len(), 6);
    let folds: Vec<f64> = accuracy
        .iter()
        .filter(|m| m.fold.is_some())
        .map(|m| m.value)
        .collect();
    let estimate = accuracy.iter().find(|m| m.fold.is_none()).unwrap().value;
    assert!((folds.iter().sum::<f64>() / 5.0 - estimate).abs() < 1e-12);

    let files = store.artifacts(&b.id).unwrap();
    let roles: Vec<&str> = files.iter().map(|f| f.role.as_str()).collect();
    assert_eq!(roles, ["deploy", "report"]);
    let bytes = std::fs::read(dir.join("out/iris.mlgc")).unwrap();
    assert_eq!(files[0].sha256, mlg_tracking::hash::sha256(&bytes));

    let shown = ok(&mlg(&["runs", "list"], &dir));
    assert_eq!(shown.lines().count(), 3, "{shown}");
    assert!(
        shown.lines().nth(1).unwrap().starts_with(b.short_id()),
        "newest first:\n{shown}"
    );

    let compared = ok(&mlg(&["runs", "compare", a.short_id(), &b.id[..12]], &dir));
    assert!(compared.contains("source differs, data same"), "{compared}");
    let c_line = compared.lines().find(|l| l.starts_with("lr.c ")).unwrap();
    assert!(c_line.contains("1.0") && c_line.ends_with("0.05"), "{c_line}");
    let acc_line = compared
        .lines()
        .find(|l| l.starts_with("evaluate#1 lr accuracy"))
        .unwrap();
    let a_acc = store
        .metrics(&a.id)
        .unwrap()
        .into_iter()
        .find(|m| m.metric == "accuracy" && m.fold.is_none())
        .unwrap()
        .value;
    assert!(
        acc_line.ends_with(&format!("{:+.4}", estimate - a_acc)),
        "{acc_line}"
    );
    let page = dir.join(format!(".mlg/compare-{}-{}.html", a.short_id(), b.short_id()));
    let html = std::fs::read_to_string(page).unwrap();
    assert!(html.contains("<td>lr.c</td><td>1.0</td><td>0.05</td>"), "{html}");

    let shown = ok(&mlg(&["runs", "show", &b.id[..6]], &dir));
    assert!(
        shown.contains(&format!("run {}", b.id)) && shown.contains("lr.c               0.05"),
        "{shown}"
    );
    // Editing the data changes its hash.
    let csv = dir.join("data/iris.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, text.lines().take(140).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    ok(&mlg(&["run", "iris.mlg", "--quiet"], &dir));
    assert_ne!(store.runs().unwrap()[0].data_hash, a.data_hash);
}

/// Runs started together in one folder share its database: each waits for
/// the others' writes instead of failing with "database is locked", and
/// every run and registered version is recorded once.
#[test]
fn runs_started_together_in_one_folder_are_all_recorded() {
    let dir = iris_dir("track-concurrent");
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_mlg"))
                .args(["run", "iris.mlg", "--quiet", "--no-importance"])
                .current_dir(&dir)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        ok(&child.wait_with_output().unwrap());
    }
    let runs = store(&dir).runs().unwrap();
    assert_eq!(runs.len(), 8, "{runs:?}");
    assert!(runs.iter().all(|r| r.status == RunStatus::Finished), "{runs:?}");
    let versions: Vec<i64> = store(&dir).models().unwrap().iter().map(|v| v.version).collect();
    assert_eq!(versions, [1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn registered_versions_are_served_and_predicted_by_alias() {
    let dir = iris_dir("track-registry");
    ok(&mlg(&["run", "iris.mlg", "--quiet"], &dir));
    set_c(&dir, "0.01");
    ok(&mlg(&["run", "iris.mlg", "--quiet"], &dir));
    // The run overwrote out/iris.mlgc; version 1 is the registry's own copy.
    let promoted = ok(&mlg(&["models", "promote", "iris", "1"], &dir));
    assert_eq!(promoted.trim(), "iris version 1 is now models:/iris@production");
    let listed = ok(&mlg(&["models", "list"], &dir));
    assert!(listed.lines().nth(1).unwrap().contains("production"), "{listed}");
    assert!(!listed.lines().nth(2).unwrap().contains("production"), "{listed}");

    let predict = |address: &str| {
        let out = ok(&mlg(
            &["predict", address, "--input", "data/iris.csv", "--proba"],
            &dir,
        ));
        out.lines().nth(1).unwrap().to_string()
    };
    let v1 = predict("models:/iris@production");
    assert_eq!(v1, predict("models:/iris/1"));
    assert_ne!(v1, predict("models:/iris"), "c = 0.01 gives other probabilities");
    assert_eq!(
        predict("models:/iris"),
        predict("out/iris.mlgc"),
        "the latest is the last deployed"
    );

    let db = dir.join(".mlg/runs.db");
    let server = support::Server::start(
        Path::new("models:/iris@production"),
        &["--tracking", db.to_str().unwrap()],
    );
    let reply = server.post("/predict", r#"{"rows": [{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}]}"#);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("\"0\""), "{}", reply.body);
    drop(server);

    // bench and monitor take the address too, and name a column the model
    // does not read, as predict and serve do.
    let iris = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let extra: String = iris
        .lines()
        .enumerate()
        .map(|(i, line)| format!("{line},{}\n", if i == 0 { "batch" } else { "b7" }))
        .collect();
    std::fs::write(dir.join("extra.csv"), extra).unwrap();
    for command in ["bench", "monitor"] {
        let out = mlg(
            &[command, "models:/iris@production", "--input", "extra.csv"],
            &dir,
        );
        ok(&out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("extra.csv: ignored 2 columns the model does not read: `target`, `batch`"),
            "{command}: {stderr}"
        );
    }

    let err = fails(&mlg(
        &["predict", "models:/iris@staging", "--input", "data/iris.csv"],
        &dir,
    ));
    assert!(err.contains("model `iris` has no alias `staging`"), "{err}");
    let stored = store(&dir).models().unwrap()[0].clone();
    let path = store(&dir).stored(&stored);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.push(0);
    std::fs::write(&path, bytes).unwrap();
    let err = fails(&mlg(
        &["predict", "models:/iris@production", "--input", "data/iris.csv"],
        &dir,
    ));
    assert!(err.contains("changed since it was registered"), "{err}");
}

#[test]
fn a_failed_run_is_recorded_with_its_error_and_no_tracking_records_nothing() {
    let dir = iris_dir("track-failed");
    // `out` is a file, so deploying to out/iris.mlgc fails after training.
    std::fs::write(dir.join("out"), "not a folder").unwrap();
    let err = fails(&mlg(&["run", "iris.mlg", "--quiet"], &dir));
    let runs = store(&dir).runs().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Failed);
    let recorded = runs[0].error.clone().unwrap();
    assert!(
        err.contains(&recorded),
        "the error printed is the one recorded: {err} / {recorded}"
    );
    assert!(recorded.contains("out/iris.mlgc"), "{recorded}");
    assert!(store(&dir).metrics(&runs[0].id).unwrap().is_empty());

    let quiet = iris_dir("track-off");
    ok(&mlg(&["run", "iris.mlg", "--quiet", "--no-tracking"], &quiet));
    assert!(!quiet.join(".mlg").exists());
    let err = fails(&mlg(&["runs", "list"], &quiet));
    assert!(err.contains("no tracking database at `.mlg/runs.db`"), "{err}");
}

#[test]
fn a_run_killed_mid_way_is_interrupted_and_the_database_keeps_working() {
    let dir = fresh_dir("track-killed");
    copy_examples(
        &dir,
        &[
            "breast_cancer_search.mlg",
            "data/breast_cancer.csv",
            "data/breast_cancer.folds.csv",
            "iris.mlg",
            "data/iris.csv",
        ],
    );
    let db = dir.join("elsewhere/runs.db");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args([
            "run",
            "breast_cancer_search.mlg",
            "--quiet",
            "--tracking",
            "elsewhere/runs.db",
        ])
        .current_dir(&dir)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let running = loop {
        assert!(Instant::now() < deadline, "the run was never recorded as running");
        let runs = if db.exists() {
            Store::open(&db).unwrap().runs().unwrap()
        } else {
            Vec::new()
        };
        if let Some(run) = runs.into_iter().next() {
            break run;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(running.status, RunStatus::Running);
    child.kill().unwrap();
    child.wait().unwrap();

    let store = Store::open(&db).unwrap();
    let after = store.run(&running.id).unwrap();
    assert_eq!(after.status, RunStatus::Interrupted, "its process is gone");
    assert!(
        store.params(&after.id).unwrap().is_empty(),
        "nothing half-written"
    );
    assert!(store.metrics(&after.id).unwrap().is_empty());
    let listed = ok(&mlg(&["runs", "list", "--tracking", "elsewhere/runs.db"], &dir));
    assert!(listed.contains("interrupted"), "{listed}");

    ok(&mlg(
        &["run", "iris.mlg", "--quiet", "--tracking", "elsewhere/runs.db"],
        &dir,
    ));
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].status, RunStatus::Finished);
    assert_eq!(runs[1].status, RunStatus::Interrupted);
}
