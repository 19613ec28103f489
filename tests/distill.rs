//! `distill` end to end: `examples/compress_distill.mlg` distils a stacked
//! ensemble into a 16-unit MLP within a point of its accuracy at a fiftieth
//! of its compiled size, with both in the compression table; a regression
//! student with `alpha = 0` and no synthetic rows is its plain model, and
//! with `alpha = 1` and synthetic rows it learns the forest's smoother
//! function and scores better. Wrong teachers and students are check errors
//! in `tests/compress.rs`.

mod cli_support;

use cli_support::{fresh_dir, mlg, ok};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Runs `file` (in `examples/`) and returns its JSON report.
fn report(file: &Path) -> Value {
    let path = fresh_dir("distill").join("report.json");
    let file = file.to_string_lossy();
    let path_text = path.to_string_lossy();
    ok(&mlg(
        &["run", "--quiet", "--no-importance", "--report", &path_text, &file],
        &examples(),
    ));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn evaluation<'r>(report: &'r Value, model: &str) -> &'r Value {
    report["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["model"] == model)
        .unwrap_or_else(|| panic!("no evaluation of {model}"))
}

fn mean(report: &Value, model: &str, metric: &str) -> f64 {
    evaluation(report, model)["metrics"][metric]["mean"]
        .as_f64()
        .unwrap()
}

#[test]
fn a_distilled_mlp_keeps_the_stacks_accuracy_at_a_fraction_of_its_size() {
    let report = report(Path::new("compress_distill.mlg"));
    let (teacher, student) = (
        mean(&report, "stack", "accuracy"),
        mean(&report, "student", "accuracy"),
    );
    assert!(teacher > 0.96, "the stack learns: {teacher}");
    assert!(
        student >= teacher - 0.01,
        "the student is within a point of its teacher: {student} vs {teacher}"
    );
    let table = |model: &str| evaluation(&report, model)["compression"].clone();
    let (t, s) = (table("stack"), table("student"));
    assert_eq!(s["base"], "stack");
    assert!(
        s["steps"][0]
            .as_str()
            .unwrap()
            .starts_with("distill(teacher=stack, temperature=2, alpha=0.5, augment=500"),
        "{s}"
    );
    let size = |c: &Value| c["size_bytes"].as_f64().unwrap();
    assert!(
        size(&s) * 10.0 <= size(&t),
        "the student is at least 10x smaller: {s} vs {t}"
    );
    for c in [&t, &s] {
        assert!(c["latency_us"].as_f64().is_some_and(|l| l > 0.0), "{c}");
    }
}

#[test]
fn a_regression_student_learns_the_teachers_function() {
    let file = fresh_dir("distill-regression").join("distill_regression.mlg");
    let data = examples().join("data/diabetes.csv");
    std::fs::write(
        &file,
        format!(
            "data d = csv({:?}, target = \"target\")\n\
             model rf = random_forest_regressor(d, trees = 100, seed = 0)\n\
             model tree = decision_tree_regressor(d, max_depth = 4)\n\
             compress taught = rf -> distill(student = decision_tree_regressor(d, max_depth = 4), alpha = 1.0, augment = 1000)\n\
             compress labels = rf -> distill(student = decision_tree_regressor(d, max_depth = 4), alpha = 0.0)\n\
             evaluate rf, tree, taught, labels with kfold(5, seed = 0) metrics r2\n",
            data.to_string_lossy()
        ),
    )
    .unwrap();
    let report = report(&file);
    let r2 = |m: &str| mean(&report, m, "r2");
    assert_eq!(
        r2("labels"),
        r2("tree"),
        "alpha = 0 without synthetic rows is the plain fit"
    );
    assert!(
        r2("taught") > r2("tree") + 0.03,
        "the forest's targets help the depth-4 tree: {} vs {}",
        r2("taught"),
        r2("tree")
    );
}
