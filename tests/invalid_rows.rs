//! Issue 13's silent wrong answers at prediction time, each a regression test:
//! a row with a missing, infinite or out-of-f32 value never predicts class "0";
//! `--on-invalid` drops such rows or writes them empty; a JSON row with a key
//! given twice is refused in `mlg predict` and `mlg monitor`.

mod cli_support;

use cli_support::{copy_examples, fails_cleanly, fresh_dir, mlg, mlg_limited, nothing_written, ok};
use std::path::{Path, PathBuf};

/// Memory and time limits of the runs expected to fail.
const MEMORY_MB: u64 = 2048;
const SECONDS: u64 = 120;

/// A fresh folder with iris trained and deployed (`out/iris.mlgc`, a model
/// with no imputation: standardize then logistic regression).
fn deployed_iris() -> (PathBuf, String) {
    let dir = fresh_dir("invalid");
    copy_examples(&dir, &["iris.mlg", "data/iris.csv"]);
    ok(&mlg(&["run", "iris.mlg", "--quiet", "--no-importance"], &dir));
    let artifact = dir.join("out/iris.mlgc").display().to_string();
    (dir, artifact)
}

const HEADER: &str = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn a_row_the_model_cannot_predict_fails_naming_its_line_and_column() {
    let (dir, a) = deployed_iris();
    write(
        &dir,
        "rows.csv",
        &format!("{HEADER}5.1,3.5,1.4,0.2\nNA,3.0,1.4,0.2\n6.3,3.3,6.0,2.5\n,2.9,4.5,\n"),
    );
    let run = mlg_limited(
        &["predict", &a, "--input", "rows.csv", "--output", "out.csv"],
        &dir,
        MEMORY_MB,
        SECONDS,
    );
    let err = fails_cleanly(&run);
    assert!(
        err.contains("rows.csv: the model cannot predict 2 rows")
            && err.contains(
                "line 3: column `sepal_length_cm` is missing and the model has no imputation for it"
            )
            && err.contains("line 5: columns `sepal_length_cm`, `petal_width_cm` are missing"),
        "{err}"
    );
    assert!(err.contains("--on-invalid skip"), "{err}");
    assert!(nothing_written(&dir, "out.csv"), "a failed run leaves no output");
    // The same rows as JSON lines, with `null` for the missing value.
    write(
        &dir,
        "rows.jsonl",
        "{\"sepal_length_cm\": 5.1, \"sepal_width_cm\": 3.5, \"petal_length_cm\": 1.4, \"petal_width_cm\": 0.2}\n\
         {\"sepal_length_cm\": null, \"sepal_width_cm\": 3.0, \"petal_length_cm\": 1.4, \"petal_width_cm\": 0.2}\n",
    );
    let err = fails_cleanly(&mlg_limited(
        &["predict", &a, "--input", "rows.jsonl"],
        &dir,
        MEMORY_MB,
        SECONDS,
    ));
    assert!(
        err.contains("line 2: column `sepal_length_cm` is missing"),
        "{err}"
    );
}

#[test]
fn infinite_and_out_of_range_numbers_are_refused_at_read_time() {
    let (dir, a) = deployed_iris();
    for (i, bad) in ["inf", "-infinity", "1e39", "3.5e38"].iter().enumerate() {
        let name = format!("big{i}.csv");
        write(
            &dir,
            &name,
            &format!("{HEADER}5.1,3.5,1.4,0.2\n5.1,{bad},1.4,0.2\n"),
        );
        let err = fails_cleanly(&mlg_limited(
            &["predict", &a, "--input", &name, "--output", "out.csv"],
            &dir,
            MEMORY_MB,
            SECONDS,
        ));
        assert!(
            err.contains(&format!(
                "{name}:3: column `sepal_width_cm`: `{bad}` is not a finite number in 32-bit floats"
            )),
            "{err}"
        );
        assert!(nothing_written(&dir, "out.csv"));
    }
    // A JSON number too large for f64 is named with its column too.
    write(
        &dir,
        "big.jsonl",
        "{\"sepal_length_cm\": 1e400, \"sepal_width_cm\": 3.5, \"petal_length_cm\": 1.4, \"petal_width_cm\": 0.2}\n",
    );
    let err = fails_cleanly(&mlg_limited(
        &["predict", &a, "--input", "big.jsonl"],
        &dir,
        MEMORY_MB,
        SECONDS,
    ));
    assert!(
        err.contains("big.jsonl:1: column `sepal_length_cm`: `1e400` is not a finite number"),
        "{err}"
    );
}

#[test]
fn on_invalid_skip_drops_rows_and_null_writes_them_empty() {
    let (dir, a) = deployed_iris();
    write(
        &dir,
        "rows.csv",
        &format!("{HEADER}5.1,3.5,1.4,0.2\nNA,3.0,1.4,0.2\n6.3,3.3,6.0,2.5\n"),
    );
    let skip = mlg(
        &["predict", &a, "--input", "rows.csv", "--on-invalid", "skip"],
        &dir,
    );
    assert_eq!(ok(&skip), "prediction\n0\n2\n");
    let note = String::from_utf8_lossy(&skip.stderr);
    assert!(
        note.contains("rows.csv: skipped 1 row the model cannot predict:")
            && note.contains("line 3: column `sepal_length_cm` is missing"),
        "{note}"
    );
    let null = mlg(
        &[
            "predict",
            &a,
            "--input",
            "rows.csv",
            "--on-invalid",
            "null",
            "--proba",
        ],
        &dir,
    );
    let lines: Vec<String> = ok(&null).lines().map(String::from).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[2], ",,,", "an invalid row is written empty, never class 0");
    assert!(
        lines[1].starts_with("0,") && lines[3].starts_with("2,"),
        "{lines:?}"
    );
    assert!(String::from_utf8_lossy(&null.stderr).contains("wrote an empty prediction for 1 row"));
    ok(&mlg(
        &[
            "predict",
            &a,
            "--input",
            "rows.csv",
            "--on-invalid",
            "null",
            "--output",
            "p.jsonl",
        ],
        &dir,
    ));
    let json = std::fs::read_to_string(dir.join("p.jsonl")).unwrap();
    assert_eq!(json.lines().nth(1), Some("{\"prediction\":null}"), "{json}");
    let bad = fails_cleanly(&mlg_limited(
        &["predict", &a, "--input", "rows.csv", "--on-invalid", "drop"],
        &dir,
        MEMORY_MB,
        SECONDS,
    ));
    assert!(bad.contains("drop"), "{bad}");
}

#[test]
fn a_json_key_given_twice_is_refused_in_predict_and_monitor() {
    let (dir, a) = deployed_iris();
    write(
        &dir,
        "dup.jsonl",
        "{\"sepal_length_cm\": 5.1, \"sepal_width_cm\": 3.5, \"petal_length_cm\": 1.4, \"petal_width_cm\": 0.2}\n\
         {\"sepal_length_cm\": 5.1, \"sepal_width_cm\": 3.5, \"petal_length_cm\": 1.4, \"petal_width_cm\": 0.2, \"sepal_width_cm\": 9}\n",
    );
    for command in ["predict", "monitor"] {
        let err = fails_cleanly(&mlg_limited(
            &[command, &a, "--input", "dup.jsonl"],
            &dir,
            MEMORY_MB,
            SECONDS,
        ));
        assert!(
            err.contains("dup.jsonl:2: key `sepal_width_cm` appears more than once"),
            "{command}: {err}"
        );
    }
}
