//! The HTML evaluation page and the `mlg run --html` flag: sections and charts
//! asserted by structure (element classes and counts), not by bytes.

use super::{scratch, signal_and_noise, IRIS};
use std::path::Path;
use std::process::Command;

/// Occurrences of `needle` in `page`.
fn count(page: &str, needle: &str) -> usize {
    page.matches(needle).count()
}

#[test]
fn page_has_every_section_for_classifiers_and_regressors() {
    let source = format!(
        "{IRIS}model lr = logistic_regression(prep)\n\
         model tree = decision_tree_classifier(prep, max_depth = 2)\n\
         model best = select(lr, tree, metric = \"accuracy\")\n\
         evaluate lr, tree with kfold(5, seed = 0) metrics accuracy, roc_auc\n\
         data diabetes = csv(\"data/diabetes.csv\", target = \"target\")\n\
         model lin = linear_regression(diabetes)\n\
         model dtree = decision_tree_regressor(diabetes, max_depth = 3)\n\
         evaluate lin, dtree with kfold(3) metrics mse, r2\n"
    );
    let wf = mlg::Workflow::from_source("page.mlg", &source, Path::new("examples")).unwrap();
    let out = wf.run(&mlg::RunOptions::default()).unwrap();
    let page = mlg_report::html::render(&wf.file, &out);
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    assert!(!page.contains("<script"), "self-contained, no scripts");
    assert!(!page.contains("NaN"), "no NaN coordinates");
    // One selection, two evaluate statements, each with a ranked table and a fold chart.
    assert_eq!(count(&page, "<section class=\"selection\""), 1);
    assert!(page.contains("<strong class=\"chosen\">lr</strong>"));
    assert_eq!(count(&page, "<section class=\"evaluation\""), 2);
    assert_eq!(count(&page, "<table class=\"ranking\">"), 3);
    assert_eq!(count(&page, "class=\"chart folds\""), 3);
    assert_eq!(count(&page, "<tr class=\"best\""), 3);
    assert!(
        page.contains("<tr class=\"best\" data-model=\"lin\">"),
        "lower mse ranks first"
    );
    // Classifiers: a confusion heatmap (3×3 cells) and three one-vs-rest ROC curves each.
    assert_eq!(count(&page, "class=\"chart confusion\""), 2);
    assert_eq!(count(&page, "<g class=\"cell\""), 18);
    assert_eq!(count(&page, "class=\"chart roc\""), 2);
    assert_eq!(count(&page, "<polyline class=\"curve\""), 6);
    assert!(page.contains("data-class=\"2 vs rest\""));
    // Regressors: predicted-vs-actual scatter with every held-out row.
    assert_eq!(count(&page, "class=\"chart scatter\""), 2);
    assert_eq!(count(&page, "<circle class=\"point\""), 2 * 442);
    // Importances: coefficients (lr, lin) and impurity (trees) for all four
    // models, permutation importance for all four, coefficient tables for two.
    assert_eq!(count(&page, "class=\"chart importances\""), 4);
    assert_eq!(count(&page, "Model importances (coefficients)"), 2);
    assert_eq!(count(&page, "Model importances (impurity)"), 2);
    assert_eq!(count(&page, "class=\"chart permutation\""), 4);
    assert_eq!(count(&page, "<table class=\"coefficients\">"), 2);
    assert!(page.contains("data-feature=\"petal_width_cm\""));
}

#[test]
fn compression_section_lists_each_base_with_its_variants() {
    let source = format!(
        "{IRIS}model lr = logistic_regression(prep)\n\
         compress small = lr -> prune(magnitude = 0.5)\n\
         model tree = decision_tree_classifier(prep, max_depth = 2)\n\
         evaluate tree, small, lr with kfold(3, seed = 0) metrics accuracy\n"
    );
    let wf = mlg::Workflow::from_source("page.mlg", &source, Path::new("examples")).unwrap();
    let out = wf.run(&mlg::RunOptions::default()).unwrap();
    let page = mlg_report::html::render(&wf.file, &out);
    let table = page
        .split("<table class=\"compression\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("a compression table");
    // lr and its variant, base first; the tree compresses nothing and has no variant.
    let rows: Vec<&str> = table.matches("<tr data-model=\"").collect();
    assert_eq!(rows.len(), 2, "{table}");
    let lr = table.find("data-model=\"lr\"").unwrap();
    let small = table.find("data-model=\"small\"").unwrap();
    assert!(lr < small, "{table}");
    assert!(table.contains("<code>prune(magnitude=0.5)</code>"), "{table}");
    // Half of the 3 x 4 weights: the size relative to the base is below 1.
    assert!(table.contains("<small>(0."), "{table}");
    assert_eq!(count(&page, "class=\"chart compression\""), 1);
    assert_eq!(count(&page, "<circle class=\"point\" cx="), 2);
    assert!(!page.contains("size_bytes"), "sizes are not fit scores any more");
}

#[test]
fn run_html_flag_writes_the_page_and_a_binary_roc() {
    let dir = signal_and_noise();
    std::fs::write(
        dir.join("binary.mlg"),
        "data d = csv(\"signal.csv\", target = \"target\")\n\
         model lr = logistic_regression(d)\n\
         model nb = gaussian_nb(d)\n\
         evaluate lr, nb with bootstrap(n = 10, seed = 1) metrics roc_auc\n",
    )
    .unwrap();
    let out = scratch();
    let (page, report) = (out.join("page.html"), out.join("report.json"));
    let status = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args(["run", "binary.mlg", "--no-importance", "--html"])
        .arg(&page)
        .arg("--report")
        .arg(&report)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(stdout.contains(&format!("wrote {}", page.display())), "{stdout}");
    let html = std::fs::read_to_string(&page).unwrap();
    // Binary: one curve per model (the positive class against the other).
    assert_eq!(count(&html, "<polyline class=\"curve\""), 2);
    assert!(html.contains("data-class=\"yes vs no\""));
    assert_eq!(count(&html, "class=\"chart permutation\""), 0, "--no-importance");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let lr = &json["evaluations"][0];
    assert_eq!(lr["permutation_importance"], serde_json::Value::Null);
    let auc = &lr["metrics"]["roc_auc"];
    let expected = 0.368 * auc["resubstitution"].as_f64().unwrap() + 0.632 * auc["mean"].as_f64().unwrap();
    assert!(
        (auc["estimate"].as_f64().unwrap() - expected).abs() < 1e-12,
        "{auc}"
    );
    assert_eq!(lr["confusion_matrix"]["labels"], serde_json::json!(["no", "yes"]));
    assert!(
        lr["coefficients"]["outputs"] == serde_json::json!(["yes"]),
        "{}",
        lr["coefficients"]
    );
}
