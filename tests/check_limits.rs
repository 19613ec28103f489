//! `mlg check` refuses, before any work and in bounded time and memory, the
//! inputs that used to crash it or run away: huge parameters, outputs wider or
//! larger than the caps, long `derive` chains, repeated parameters, very long
//! lines and files that are not UTF-8. Each runs the binary under an
//! address-space limit and a timeout and expects a clean error (exit 1 or 2)
//! naming the stage, the estimate and the cap.

mod cli_support;

use cli_support::{copy_examples, fails_cleanly, fresh_dir, mlg_limited};
use std::path::PathBuf;

/// Memory (MiB) and time (s) each check may take.
const MEMORY_MB: u64 = 1024;
const SECONDS: u64 = 60;

/// A fresh folder with iris and breast cancer.
fn dir() -> PathBuf {
    let dir = fresh_dir("check_limits");
    copy_examples(&dir, &["data/iris.csv", "data/breast_cancer.csv"]);
    dir
}

/// Checks `source` with `extra` flags and returns its stderr, asserting a
/// clean failure; messages that miette wrapped are joined back into one line.
fn refused(source: &str, extra: &[&str]) -> String {
    let dir = dir();
    std::fs::write(dir.join("t.mlg"), source).unwrap();
    let mut args = vec!["check", "t.mlg"];
    args.extend_from_slice(extra);
    fails_cleanly(&mlg_limited(&args, &dir, MEMORY_MB, SECONDS)).replace("\n  │ ", " ")
}

const IRIS: &str = "data d = csv(\"data/iris.csv\", target = \"target\")\n";
const CANCER: &str = "data d = csv(\"data/breast_cancer.csv\", target = \"target\")\n";

#[test]
fn parameters_that_size_allocations_are_bounded() {
    let err = refused(
        &format!("{IRIS}model m = random_forest_classifier(d, trees = 9223372036854775807)\n"),
        &[],
    );
    assert!(err.contains("expects an integer in 1..=100000"), "{err}");
    let err = refused(
        &format!("{IRIS}model m = mlp_classifier(d, hidden = \"1000000000\")\n"),
        &[],
    );
    assert!(err.contains("wider than the limit of 100000"), "{err}");
    let layers = vec!["100"; 1000].join(",");
    let err = refused(
        &format!("{IRIS}model m = mlp_classifier(d, hidden = \"{layers}\")\n"),
        &[],
    );
    assert!(err.contains("`hidden` has 1000 layers; at most 64"), "{err}");
    let err = refused(&format!("{IRIS}features f = d -> lda(n = 100000000)\n"), &[]);
    assert!(
        err.contains("parameter `n` of `lda` expects an integer in 1..=1000000"),
        "{err}"
    );
}

#[test]
fn outputs_past_the_column_limit_or_memory_cap_name_stage_estimate_and_cap() {
    let err = refused(
        &format!("{CANCER}features wide = d -> polynomial(degree = 8)\n"),
        &[],
    );
    assert!(
        err.contains("`polynomial` in features `wide` gives an estimated 48,903,491 columns × 569 rows")
            && err.contains("over the limit of 1,000,000 columns per stage"),
        "{err}"
    );
    // Degree 3 over the 30 inputs and the target adds 5,424 products to the 31
    // columns: fine by default, refused under a 10 MiB cap.
    let err = refused(
        &format!("{CANCER}features wide = d -> polynomial(degree = 3)\n"),
        &["--max-memory", "10M"],
    );
    assert!(
        err.contains("5,455 columns × 569 rows (23.7 MiB as f64), over the memory cap of 10.0 MiB")
            && err.contains("--max-memory"),
        "{err}"
    );
    let err = refused(
        &format!("{IRIS}model m = mlp_classifier(d, hidden = \"100000,100000\")\n"),
        &[],
    );
    assert!(
        err.contains("model `m`: `mlp_classifier` has an estimated") && err.contains("over the memory cap"),
        "{err}"
    );
    let err = refused(
        &format!("{IRIS}model m = random_forest_classifier(d, trees = 100000)\n"),
        &["--max-memory", "1M"],
    );
    assert!(
        err.contains("model `m`: `random_forest_classifier` has an estimated 120,000,000 parameters"),
        "{err}"
    );
    let err = refused(&format!("{IRIS}model m = ridge(d)\n"), &["--max-memory", "lots"]);
    assert!(err.contains("`lots` is not a size such as 512M or 32G"), "{err}");
}

#[test]
fn limits_that_depend_on_the_data_are_checked_before_run() {
    let err = refused(&format!("{IRIS}features f = d -> truncated_svd(n = 9)\n"), &[]);
    assert!(
        err.contains("asks for n = 9 components, but at most 4 are possible here"),
        "{err}"
    );
    let err = refused(&format!("{IRIS}features f = d -> lda(n = 3)\n"), &[]);
    assert!(
        err.contains("at most 2 are possible here (the target's 3 classes minus one)"),
        "{err}"
    );
    let err = refused(
        &format!("{IRIS}model m = ridge(d)\nevaluate m with kfold(65536)\n"),
        &[],
    );
    assert!(
        err.contains("`kfold` with k = 65536 folds needs at least 65536 rows, but `d` has 150"),
        "{err}"
    );
    let err = refused(
        &format!("{IRIS}features f = d -> select_from_model(model = ridge(), threshold = \"bogus\")\n"),
        &[],
    );
    assert!(err.contains("got \"bogus\""), "{err}");
}

#[test]
fn long_derive_chains_are_refused_without_overflowing_the_stack() {
    for op in [" + ", " ^ "] {
        let terms = vec!["sepal_length_cm"; 100_000].join(op);
        let err = refused(&format!("{IRIS}features f = d -> derive(s = \"{terms}\")\n"), &[]);
        assert!(err.contains("expression has more than 256 operators"), "{err}");
        assert!(err.contains("at t.mlg:2:"), "{err}");
    }
}

#[test]
fn repeated_parameters_and_errors_are_reported_once_and_capped() {
    let repeated = ", alpha = 1".repeat(50_000);
    let err = refused(&format!("{IRIS}model m = ridge(d{repeated})\n"), &[]);
    assert!(
        err.contains("parameter `alpha` of `ridge` is given 50000 times"),
        "{err}"
    );
    assert!(err.len() < 10_000, "{} bytes of diagnostics", err.len());
    let unknown = ", bogus = 1".repeat(5_000);
    let err = refused(&format!("{IRIS}model m = ridge(d{unknown})\n"), &[]);
    assert_eq!(err.matches("has no parameter `bogus`").count(), 3, "{err}");
    assert!(
        err.contains("… and 4997 more error(s) repeating one above"),
        "{err}"
    );
}

#[test]
fn an_error_on_a_very_long_line_shows_its_place_and_an_excerpt() {
    let source = format!("{IRIS}{}model m = ridgex(d)\n", " ".repeat(70_000));
    let err = refused(&source, &[]);
    assert!(err.contains("unknown model `ridgex`"), "{err}");
    assert!(err.contains("at t.mlg:2:70011"), "{err}");
    assert!(err.contains("model m = [ridgex](d)"), "{err}");
}

#[test]
fn a_file_that_is_not_utf8_is_refused_at_its_first_bad_byte() {
    let dir = dir();
    std::fs::write(dir.join("t.mlg"), b"data d = csv(\"data/iris.csv\")\n# caf\xe9\n").unwrap();
    let err = fails_cleanly(&mlg_limited(&["check", "t.mlg"], &dir, MEMORY_MB, SECONDS));
    assert!(
        err.contains("the file is not UTF-8: byte 0xE9 at byte offset 35"),
        "{err}"
    );
    assert!(err.contains("t.mlg:2:6"), "{err}");
}
