//! Fuzz target: the whole check of a `.mlg` file as `mlg check` runs it
//! (parse, the compiler's checker against the standard catalog, the stdlib
//! checks, the data frames of every data stage), then the miette rendering of
//! any diagnostics. Programs read their data from a scratch folder holding
//! `data/*.csv` (small copies of the examples' files, fuzz/data/).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The data files the seeds name, as `data/NAME` under the base folder.
const DATA: &[(&str, &[u8])] = &[
    ("iris.csv", include_bytes!("../data/iris.csv")),
    ("iris.folds.csv", include_bytes!("../data/iris.folds.csv")),
    ("iris_top.csv", include_bytes!("../data/iris_top.csv")),
    ("iris_bottom.csv", include_bytes!("../data/iris_bottom.csv")),
    ("iris_left.csv", include_bytes!("../data/iris_left.csv")),
    ("iris_right.csv", include_bytes!("../data/iris_right.csv")),
    ("penguins.csv", include_bytes!("../data/penguins.csv")),
    ("penguins.folds.csv", include_bytes!("../data/penguins.folds.csv")),
    (
        "penguins_complete.csv",
        include_bytes!("../data/penguins_complete.csv"),
    ),
    ("diabetes.csv", include_bytes!("../data/diabetes.csv")),
    ("diabetes.folds.csv", include_bytes!("../data/diabetes.folds.csv")),
    ("breast_cancer.csv", include_bytes!("../data/breast_cancer.csv")),
    (
        "breast_cancer.folds.csv",
        include_bytes!("../data/breast_cancer.folds.csv"),
    ),
];

/// The base folder, written once per process.
fn base_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("mlg-fuzz-check-{}", std::process::id()));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).expect("create the fuzz base folder");
        for (name, bytes) in DATA {
            std::fs::write(data.join(name), bytes).expect("write a fuzz data file");
        }
        dir
    })
}

/// `MLG_FUZZ_VERBOSE=1` prints each input's outcome (for replaying seeds).
fn verbose() -> bool {
    static VERBOSE: OnceLock<bool> = OnceLock::new();
    *VERBOSE.get_or_init(|| std::env::var_os("MLG_FUZZ_VERBOSE").is_some_and(|v| v != "0"))
}

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let outcome = match mlg::Workflow::from_source("fuzz.mlg", &source, base_dir()) {
        Ok(wf) => format!("ok: {} stages", wf.checked.graph.order().len()),
        Err(mlg::Error::Diagnostics {
            file,
            source_text,
            diagnostics,
        }) => mlg_cli::diagnostics::render(&diagnostics, &file, &source_text, false),
        Err(e) => e.to_string(),
    };
    if verbose() {
        let mut end = outcome.len().min(2000);
        while !outcome.is_char_boundary(end) {
            end -= 1;
        }
        eprintln!("{}", &outcome[..end]);
    }
});
