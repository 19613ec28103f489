//! The stdlib's analyzer rules (`mlg_stdlib::checks`) run through the
//! checker's `Catalog::analyze` hook: `mlg_compiler::workflow::check` with the
//! standard catalog reports what only the operator implementations can rule
//! out, and nothing for a sound workflow.

use mlg_compiler::workflow::catalog::{ColumnInfo, ColumnKind, Schema, SchemaSource};
use mlg_compiler::workflow::{self, Workflow};
use mlg_dsl::Diagnostic;
use mlg_stdlib::catalog::StdCatalog;
use std::path::Path;

/// Every file has two numeric columns `a`, `b` and a two-class target `y`.
struct Fixed;

impl SchemaSource for Fixed {
    fn schema(&self, _format: &str, _path: &Path) -> Result<Schema, String> {
        let numeric = |name: &str| ColumnInfo {
            name: name.to_string(),
            kind: ColumnKind::Numeric,
            missing: 0,
            levels: Vec::new(),
        };
        Ok(Schema {
            columns: vec![
                numeric("a"),
                numeric("b"),
                ColumnInfo {
                    name: "y".to_string(),
                    kind: ColumnKind::Categorical,
                    missing: 0,
                    levels: vec!["no".to_string(), "yes".to_string()],
                },
            ],
            rows: 100,
        })
    }
}

const DATA: &str = "data d = csv(\"d.csv\", target = \"y\")\nfeatures f = d -> standardize(numeric)\n";

fn check(body: &str) -> Result<Workflow, Vec<Diagnostic>> {
    let program = mlg_dsl::parse(&format!("{DATA}{body}")).expect("parses");
    workflow::check(&program, &StdCatalog, &Fixed, Path::new("."))
}

fn codes(result: Result<Workflow, Vec<Diagnostic>>) -> Vec<String> {
    match result {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.iter().map(|d| format!("{}: {d}", d.code)).collect(),
    }
}

#[test]
fn a_sound_workflow_passes_and_has_no_analyzer_errors() {
    let checked = check("model m = logistic_regression(f)\ncompress small = m -> quantize(\"int8\")\n")
        .expect("checks");
    assert!(mlg_stdlib::checks::errors(&checked).is_empty());
}

#[test]
fn parameters_the_constructor_refuses_fail_the_check() {
    let found = codes(check("model m = mlp_classifier(f, hidden = \"0\")\n"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("mlg::model_parameters"), "{found:?}");
}

#[test]
fn compression_steps_follow_the_models_capabilities() {
    let found = codes(check(
        "model m = logistic_regression(f)\ncompress c = m -> prune(neurons = 0.5)\n",
    ));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("mlg::compress_step"), "{found:?}");
    assert!(found[0].contains("removes hidden units of an MLP"), "{found:?}");
    assert!(codes(check(
        "model m = mlp_classifier(f)\ncompress c = m -> prune(neurons = 0.5)\n"
    ))
    .is_empty());
    let trees = "model t = decision_tree_classifier(f)\ncompress c = t -> prune(ccp_alpha = 0.01)\n";
    assert!(codes(check(trees)).is_empty());
}
