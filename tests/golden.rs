//! Every example, run through the library, gives the same JSON report and the
//! same deployed artifacts as the committed ones in `tests/golden/` (made by
//! `mlg run EXAMPLE --report` before the executor was restructured). Only what
//! depends on the clock or the output folder is masked: fit and trial seconds, `latency_us`
//! objectives and the Pareto fronts they decide, the compression table's `latency_us` (a selection's
//! candidates' too), the trial log's path, the
//! artifacts' folder, and the artifact's creation time. `MLG_BLESS=1` rewrites the golden files.

use mlg::{RunOptions, Workflow};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A fresh folder whose `data` is the examples' data, so that deploy
/// statements write there and not into `examples/out`.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlg-golden-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = std::fs::canonicalize("examples/data").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(data, dir.join("data")).unwrap();
    dir
}

/// `report` with the clock-dependent values set to null, and written paths
/// cut to their file names.
fn mask(mut report: Value) -> Value {
    for path in report["artifacts"].as_array_mut().into_iter().flatten() {
        let name = path
            .as_str()
            .and_then(|p| Path::new(p).file_name())
            .map(|n| n.to_string_lossy().into_owned());
        *path = name.map_or(Value::Null, Value::String);
    }
    for e in report["evaluations"].as_array_mut().into_iter().flatten() {
        e["fit_seconds"] = Value::Null;
        if let Some(latency) = e.get_mut("compression").and_then(|c| c.get_mut("latency_us")) {
            *latency = Value::Null;
        }
    }
    for c in report["selections"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .flat_map(|s| s["candidates"].as_array_mut().into_iter().flatten())
    {
        c["fit_seconds"] = Value::Null;
        if let Some(latency) = c.get_mut("compression").and_then(|c| c.get_mut("latency_us")) {
            *latency = Value::Null;
        }
    }
    for s in report["searches"].as_array_mut().into_iter().flatten() {
        s["log"] = Value::Null;
        let timed: Vec<usize> = s["objectives"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, o)| o["name"] == "latency_us")
            .map(|(i, _)| i)
            .collect();
        if !timed.is_empty() {
            s["pareto"] = Value::Null;
        }
        for t in s["trials"].as_array_mut().into_iter().flatten() {
            t["seconds"] = Value::Null;
            if !timed.is_empty() {
                t["pareto"] = Value::Null;
            }
            for &i in &timed {
                t["objectives"][i] = Value::Null;
            }
        }
    }
    report
}

/// The artifact at `path` with its creation time zeroed, as bytes.
fn artifact_bytes(path: &Path) -> Vec<u8> {
    let mut artifact = mlg_runtime::artifact::read(path).unwrap();
    artifact.lineage.created_unix = 0;
    mlg_runtime::artifact::to_bytes(&artifact).unwrap()
}

fn check_example(name: &str) {
    let file = format!("examples/{name}.mlg");
    let dir = scratch(name);
    let source = std::fs::read_to_string(&file).unwrap();
    let wf = Workflow::from_source(&file, &source, &dir).unwrap();
    let options = RunOptions {
        trial_log_dir: Some(dir.join("trials")),
        ..RunOptions::default()
    };
    let out = wf.run(&options).unwrap();
    let json = mlg_report::Report::new(&wf.file, &out).to_json();
    let golden = Path::new("tests/golden");
    let bless = std::env::var_os("MLG_BLESS").is_some();
    let report_path = golden.join(format!("{name}.json"));
    if bless {
        std::fs::write(&report_path, format!("{json}\n")).unwrap();
    }
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let actual: Value = serde_json::from_str(&json).unwrap();
    assert!(
        mask(actual) == mask(expected),
        "{name}: the report differs from {}",
        report_path.display()
    );
    for written in &out.artifacts {
        let golden_artifact = golden.join(format!("{name}.mlgc"));
        if bless {
            std::fs::copy(written, &golden_artifact).unwrap();
        }
        assert!(
            artifact_bytes(written) == artifact_bytes(&golden_artifact),
            "{name}: the artifact differs from {}",
            golden_artifact.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

macro_rules! examples {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check_example(stringify!($name));
            }
        )*
    };
}

examples!(
    breast_cancer_blending,
    breast_cancer_compress,
    compress_budget,
    breast_cancer_distributed,
    breast_cancer_halving,
    breast_cancer_search,
    breast_cancer_tune,
    compress_distill,
    diabetes,
    iris,
    penguins,
    penguins_ensemble,
    penguins_forest,
);
