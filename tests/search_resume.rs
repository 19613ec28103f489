//! `mlg run --resume`: a search killed after some trials, rerun with
//! `--resume`, reaches the same result as an uninterrupted run and trains
//! none of the trials its log already holds.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Enough trials that the search is still running when the log holds the
/// first chunks.
const SOURCE: &str = "data bc = csv(\"DATA\", target = \"target\")\n\
model gb = gradient_boosting_classifier(bc, seed = 0)\n\
search tuned = tune(gb, strategy = \"random\", trials = 48, seed = 5, cv = kfold(5, seed = 0)) {\n\
  rounds = int(20, 80)\n\
  learning_rate = float(0.02, 0.5, log = true)\n\
  max_depth = int(2, 5)\n\
}\n";

fn workflow(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let data = std::fs::canonicalize("examples/data/breast_cancer.csv").unwrap();
    let path = dir.join("tune.mlg");
    std::fs::write(&path, SOURCE.replace("DATA", &data.display().to_string())).unwrap();
    path
}

fn mlg(file: &Path, report: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlg"));
    cmd.arg("run")
        .arg(file)
        .arg("--quiet")
        .arg("--no-importance")
        .arg("--report")
        .arg(report)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Trial records in the log (the header and a cut last line excluded).
fn logged(log: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .collect()
}

fn search(report: &Path) -> Value {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    json["searches"][0].clone()
}

/// (params, mean, status) of every trial: what must not depend on a kill.
fn outcomes(search: &Value) -> Vec<(String, String, String)> {
    search["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["params"].to_string(),
                t["mean"].to_string(),
                t["status"].to_string(),
            )
        })
        .collect()
}

#[test]
fn a_killed_search_resumes_without_retraining_finished_trials() {
    let dir = std::env::temp_dir().join(format!("mlg-resume-{}", std::process::id()));
    let file = workflow(&dir);
    let log = dir.join("out").join("tune").join("tuned.trials.jsonl");

    // Kill once the log holds a chunk of trials.
    let mut child = mlg(&file, &dir.join("killed.json"), &[]).spawn().unwrap();
    let started = Instant::now();
    let killed_at = loop {
        let n = logged(&log).len();
        if n >= 8 {
            break n;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the search ended ({status}) before it could be killed");
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no trial logged in 300 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let before = logged(&log);
    assert!(
        before.len() >= killed_at && before.len() < 48,
        "{} trials logged",
        before.len()
    );

    let resumed = mlg(&file, &dir.join("resumed.json"), &["--resume"])
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let resumed = search(&dir.join("resumed.json"));
    assert_eq!(resumed["trials"].as_array().unwrap().len(), 48);
    assert_eq!(resumed["resumed"].as_u64().unwrap() as usize, before.len());
    // The logged trials were read back, not trained: same records, same times.
    let after = logged(&log);
    assert_eq!(after.len(), 48);
    assert_eq!(&after[..before.len()], &before[..]);
    for (i, t) in resumed["trials"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            t["resumed"].as_bool().unwrap(),
            i < before.len(),
            "trial {}",
            i + 1
        );
    }

    // The same result as a search that was never interrupted.
    let fresh = mlg(
        &file,
        &dir.join("fresh.json"),
        &["--trials-dir", &dir.join("fresh").display().to_string()],
    )
    .output()
    .unwrap();
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    let fresh = search(&dir.join("fresh.json"));
    assert_eq!(outcomes(&resumed), outcomes(&fresh));
    assert_eq!(resumed["best_trial"], fresh["best_trial"]);
    assert_eq!(fresh["resumed"].as_u64(), Some(0));

    // A changed search refuses the old log rather than mixing trials.
    std::fs::write(
        &file,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("int(2, 5)", "int(2, 6)"),
    )
    .unwrap();
    let changed = mlg(&file, &dir.join("changed.json"), &["--resume"])
        .output()
        .unwrap();
    assert!(!changed.status.success());
    let stderr = String::from_utf8_lossy(&changed.stderr);
    assert!(stderr.contains("changed since it was written"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A small grid search (4 trials) on iris.
const SMALL: &str = "data d = csv(\"DATA\", target = \"target\")\n\
model t = decision_tree_classifier(d, seed = 0)\n\
search s = tune(t, strategy = \"grid\", cv = kfold(3, seed = 0)) {\n\
  max_depth = choice(1, 2, 3, 4)\n\
}\n";

#[test]
fn a_damaged_log_is_refused_and_only_a_torn_last_line_is_dropped() {
    let dir = std::env::temp_dir().join(format!("mlg-resume-damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = std::fs::canonicalize("examples/data/iris.csv").unwrap();
    let file = dir.join("small.mlg");
    std::fs::write(&file, SMALL.replace("DATA", &data.display().to_string())).unwrap();
    let log = dir.join("out").join("small").join("s.trials.jsonl");
    let first = mlg(&file, &dir.join("first.json"), &[]).output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let whole = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = whole.lines().collect();
    assert_eq!(lines.len(), 5, "{whole}");

    // A garbage line in the middle: refused, naming the file and the line;
    // the log is left as it was and nothing is trained.
    let garbage = format!(
        "{}\n{}\n#garbage\n{}\n",
        lines[0],
        lines[1],
        lines[2..].join("\n")
    );
    std::fs::write(&log, &garbage).unwrap();
    let out = mlg(&file, &dir.join("garbage.json"), &["--resume"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("s.trials.jsonl") && stderr.contains("line 3 is not JSON"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&log).unwrap(), garbage);
    assert!(!dir.join("garbage.json").exists());

    // A record with a mistyped field is refused the same way.
    let mistyped = whole.replacen("\"status\":\"complete\"", "\"status\":7", 1);
    std::fs::write(&log, &mistyped).unwrap();
    let out = mlg(&file, &dir.join("mistyped.json"), &["--resume"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 2 is not a trial record"), "{stderr}");

    // The last line cut short by a kill (no newline): dropped with a note,
    // and only that trial trains again.
    let torn = &whole[..whole.len() - 20];
    std::fs::write(&log, torn).unwrap();
    let out = mlg(&file, &dir.join("torn.json"), &["--resume"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("its last line (5) was cut short"), "{stderr}");
    let resumed = search(&dir.join("torn.json"));
    assert_eq!(resumed["resumed"].as_u64(), Some(3));
    assert_eq!(outcomes(&resumed), outcomes(&search(&dir.join("first.json"))));
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 5);
    let _ = std::fs::remove_dir_all(dir);
}
