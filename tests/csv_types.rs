//! A numeric column that turns to text is an error naming the line, the column
//! and the value, in `mlg check` and `mlg run`; `csv(..., types = {...})`
//! declares the column's kind instead, and its mistakes are check-time
//! diagnostics with stable codes.

mod cli_support;

use cli_support::{fails_cleanly, fresh_dir, mlg, mlg_limited, ok};
use mlg::{Error, Workflow};
use std::path::{Path, PathBuf};

/// A folder with `data/codes.csv`: 10,000 rows of a numeric-looking `code`, a
/// feature `x` and a class `y`, with `abc` as the last row's `code`.
fn codes_dir() -> PathBuf {
    let dir = fresh_dir("csv-types");
    let mut text = String::from("code,x,y\n");
    for i in 0..10_000 {
        let code = if i == 9_999 {
            "abc".to_string()
        } else {
            (i % 36).to_string()
        };
        text.push_str(&format!("{code},{},{}\n", i % 7, i % 2));
    }
    std::fs::write(dir.join("data/codes.csv"), text).unwrap();
    dir
}

fn workflow(types: &str) -> String {
    format!(
        "data d = csv(\"data/codes.csv\", target = \"y\"{types})\n\
         features f = d -> one_hot(categorical)\n\
         model m = logistic_regression(f)\n\
         evaluate m with holdout(0.25, seed = 0) metrics accuracy\n"
    )
}

/// The rendered diagnostics of checking `source` in `dir`.
fn diagnostics(dir: &Path, source: &str) -> String {
    match Workflow::from_source("w.mlg", source, dir) {
        Ok(_) => panic!("expected diagnostics for:\n{source}"),
        Err(Error::Diagnostics {
            file,
            source_text,
            diagnostics,
        }) => mlg_cli::diagnostics::render(&diagnostics, &file, &source_text, false),
        Err(other) => panic!("expected diagnostics, got {other}"),
    }
}

#[test]
fn text_in_the_last_row_of_a_numeric_column_fails_check_and_run() {
    let dir = codes_dir();
    std::fs::write(dir.join("w.mlg"), workflow("")).unwrap();
    for command in ["check", "run"] {
        let err = fails_cleanly(&mlg_limited(&[command, "w.mlg"], &dir, 2048, 120));
        assert!(
            err.contains("data/codes.csv:10001: column `code` holds numbers, but `abc` is not a number")
                && err.contains("types = { code = \"categorical\" }"),
            "{command}: {err}"
        );
    }
}

#[test]
fn types_declares_the_column_categorical() {
    let dir = codes_dir();
    let source = workflow(", types = { code = \"categorical\", \"x\" = \"numeric\" }");
    std::fs::write(dir.join("w.mlg"), &source).unwrap();
    ok(&mlg(&["check", "w.mlg"], &dir));
    let wf = Workflow::from_source("w.mlg", &source, &dir).unwrap();
    let schema = wf.data_frame("d").unwrap().schema();
    let code = schema.get("code").unwrap();
    assert_eq!(code.kind.to_string(), "cat");
    assert_eq!(code.levels.len(), 37, "36 numeric-looking levels and `abc`");
    assert_eq!(schema.get("x").unwrap().kind.to_string(), "num");
}

#[test]
fn mistakes_in_types_are_diagnostics_at_the_key_or_value() {
    let dir = codes_dir();
    let unknown = diagnostics(
        &dir,
        &workflow(", types = { code = \"categorical\", xx = \"numeric\" }"),
    );
    assert!(
        unknown.contains("mlg::missing_column")
            && unknown.contains("no column named `xx`")
            && unknown.contains("did you mean `x`?"),
        "{unknown}"
    );
    let type_name = diagnostics(&dir, &workflow(", types = { code = \"categoric\" }"));
    assert!(
        type_name.contains("mlg::type_name")
            && type_name.contains("unknown column type \"categoric\" for column `code`")
            && type_name.contains("did you mean \"categorical\"?"),
        "{type_name}"
    );
    let not_string = diagnostics(&dir, &workflow(", types = { code = 5 }"));
    assert!(
        not_string.contains("mlg::param_type")
            && not_string.contains("parameter `types` of `csv` expects a string for `code`")
            && not_string.contains("found the integer `5`"),
        "{not_string}"
    );
    let twice = diagnostics(
        &dir,
        &workflow(", types = { code = \"categorical\", code = \"numeric\" }"),
    );
    assert!(
        twice.contains("mlg::duplicate_key") && twice.contains("key `code` appears twice"),
        "{twice}"
    );
    let not_map = diagnostics(&dir, &workflow(", types = \"categorical\""));
    assert!(
        not_map.contains("mlg::param_type") && not_map.contains("expects a map of strings"),
        "{not_map}"
    );
}
