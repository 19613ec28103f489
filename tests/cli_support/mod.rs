//! Helpers shared by the end-to-end tests: a fresh folder with copies of
//! example files, running the `mlg` binary there and reading its outcome
//! (success with stdout, or exit code 1 with a message — a panic exits 101),
//! and the rendered check-time diagnostics of a workflow source.
#![allow(dead_code)]

use mlg::{Error, Workflow};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A new empty folder `mlg-PREFIX-N` (with a `data/` folder) under cargo's
/// scratch space for tests (inside `target/`, replaced by the next run
/// rather than piling up in the temp dir), so tests never share artifacts.
pub fn fresh_dir(prefix: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("mlg-{prefix}-{}", NEXT.fetch_add(1, Ordering::SeqCst)));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    dir
}

/// Copies `examples/NAME` for each name (e.g. `iris.mlg`, `data/iris.csv`)
/// into `dir` at the same relative path.
pub fn copy_examples(dir: &Path, names: &[&str]) {
    for name in names {
        std::fs::copy(Path::new("examples").join(name), dir.join(name)).unwrap();
    }
}

/// Runs `mlg ARGS` in `cwd`.
pub fn mlg(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// The stdout of a run that must succeed.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "mlg failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The stderr of a run that must fail with exit code 1.
pub fn fails(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Checks `source` as if it were `examples/bad.mlg` and renders its
/// diagnostics (no colour); panics when it checks.
pub fn check_errors(source: &str) -> String {
    match Workflow::from_source("bad.mlg", source, Path::new("examples")) {
        Ok(_) => panic!("expected diagnostics for:\n{source}"),
        Err(Error::Diagnostics {
            file,
            source_text,
            diagnostics,
        }) => mlg_cli::diagnostics::render(&diagnostics, &file, &source_text, false),
        Err(other) => panic!("expected diagnostics, got {other}"),
    }
}

/// The outcome of [`mlg_limited`]: the process output, and whether the
/// time limit killed it.
pub struct Limited {
    pub output: Output,
    pub timed_out: bool,
}

/// Runs `mlg ARGS` in `cwd` under an address-space limit of `memory_mb` MiB
/// (`ulimit -v`) and a wall-clock limit of `seconds` (coreutils `timeout`,
/// SIGKILL), so a runaway allocation fails inside the test instead of taking
/// the machine down.
pub fn mlg_limited(args: &[&str], cwd: &Path, memory_mb: u64, seconds: u64) -> Limited {
    let script = format!(
        "ulimit -v {}; exec timeout -s KILL {seconds} \"$0\" \"$@\"",
        memory_mb * 1024
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_mlg"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    let timed_out = output.status.code() == Some(137) || output.status.code().is_none();
    Limited { output, timed_out }
}

/// The stderr of a limited run that must end with a clean error: exit code 1
/// or 2, within its time limit — never a panic (101), an abort (134) or a
/// signal. Panics with the run's output otherwise.
pub fn fails_cleanly(run: &Limited) -> String {
    let stderr = String::from_utf8_lossy(&run.output.stderr).into_owned();
    assert!(!run.timed_out, "mlg ran past its time limit; stderr:\n{stderr}");
    let code = run.output.status.code();
    assert!(
        matches!(code, Some(1) | Some(2)),
        "expected exit code 1 or 2, got {code:?}; stderr:\n{}",
        &stderr[..stderr.len().min(4000)]
    );
    assert!(!stderr.contains("panicked"), "mlg panicked:\n{stderr}");
    stderr
}

/// True when nothing named `name` or ending in `.tmp` was left in `dir`.
pub fn nothing_written(dir: &Path, name: &str) -> bool {
    let temps = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"));
    !dir.join(name).exists() && !temps
}

/// Writes `dir/bad.csv`: 10,000 iris rows whose line 9002 (in the second
/// chunk of 8,192 rows, after the first was predicted) reads `oops` for
/// `petal_length_cm`.
pub fn write_bad_iris_rows(dir: &Path) {
    let mut text = String::from("sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n");
    for i in 0..10_000 {
        text.push_str(if i == 9_000 {
            "5.1,3.5,oops,0.2\n"
        } else {
            "5.1,3.5,1.4,0.2\n"
        });
    }
    std::fs::write(dir.join("bad.csv"), &text).unwrap();
}
