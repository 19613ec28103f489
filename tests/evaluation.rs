//! Evaluation beyond plain k-fold: repeated k-fold and the .632 bootstrap,
//! confusion matrices, ranking, `select` (run and check-time errors), the HTML
//! evaluation page and permutation importance.

mod cli_support;

use cli_support::check_errors;

use mlg::executor::Evaluation;
use mlg::{RunOptions, RunOutput, Workflow};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

const IRIS: &str = "data iris = csv(\"data/iris.csv\", target = \"target\")\n\
                    features prep = iris -> standardize(numeric)\n";

/// Checks and runs `source` against `examples/`.
fn run(source: &str) -> RunOutput {
    Workflow::from_source("eval.mlg", source, Path::new("examples"))
        .unwrap()
        .run(&RunOptions::default())
        .unwrap()
}

fn find<'a>(out: &'a RunOutput, statement: &str, model: &str) -> &'a Evaluation {
    out.evaluations
        .iter()
        .find(|e| e.statement == statement && e.model == model)
        .unwrap_or_else(|| panic!("no evaluation of {model} in {statement}"))
}

/// A fresh temporary folder, removed with its contents when dropped.
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for Scratch {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh temporary folder.
fn scratch() -> Scratch {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mlg-eval-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

#[test]
fn repeated_kfold_runs_k_times_repeats_folds_deterministically() {
    let source = |seed: u32| {
        format!(
            "{IRIS}model lr = logistic_regression(prep)\n\
             evaluate lr with repeated_kfold(5, repeats = 3, seed = {seed}) metrics accuracy\n"
        )
    };
    let a = run(&source(4));
    let folds = &a.evaluations[0].metrics["accuracy"].folds;
    assert_eq!(folds.len(), 15);
    // Each repeat tests every row once.
    let cm = a.evaluations[0].confusion_matrix.as_ref().unwrap();
    assert_eq!(cm.counts.iter().flatten().sum::<u64>(), 450);
    assert_eq!(folds, &run(&source(4)).evaluations[0].metrics["accuracy"].folds);
    assert_ne!(folds, &run(&source(5)).evaluations[0].metrics["accuracy"].folds);
    // Rounds reshuffle: the three rounds' fold scores are not copies.
    assert!(
        folds[0..5] != folds[5..10] || folds[5..10] != folds[10..15],
        "{folds:?}"
    );
}

#[test]
fn bootstrap_reports_the_632_estimate() {
    // x decides the class except at x = 5 and x = 30, each repeated three times
    // with one minority label: a fully grown tree gets exactly 2 of 44 rows
    // wrong when fitted and scored on every row.
    let dir = scratch();
    let mut csv = String::from("x,target\n");
    for x in 0..40 {
        csv.push_str(&format!("{x},{}\n", if x >= 20 { "b" } else { "a" }));
    }
    csv.push_str("5,a\n5,b\n30,b\n30,a\n");
    std::fs::write(dir.join("conflicts.csv"), csv).unwrap();
    let out = Workflow::from_source(
        "boot.mlg",
        "data d = csv(\"conflicts.csv\", target = \"target\")\n\
         model tree = decision_tree_classifier(d)\n\
         evaluate tree with bootstrap(n = 30, seed = 2) metrics accuracy\n",
        &dir,
    )
    .unwrap()
    .run(&RunOptions::default())
    .unwrap();
    let acc = &out.evaluations[0].metrics["accuracy"];
    assert_eq!(acc.folds.len(), 30);
    assert_eq!(acc.resubstitution, Some(42.0 / 44.0));
    let oob = acc.folds.iter().sum::<f64>() / 30.0;
    assert!((acc.mean - oob).abs() < 1e-12);
    let expected = 0.368 * (42.0 / 44.0) + 0.632 * oob;
    assert!(
        (acc.estimate - expected).abs() < 1e-12,
        "{} vs {expected}",
        acc.estimate
    );
    assert!(acc.estimate > acc.mean, "resubstitution is optimistic here");
    // Out-of-bag rows only: about 36.8% of 44 rows per resample.
    let held_out: u64 = out.evaluations[0]
        .confusion_matrix
        .as_ref()
        .unwrap()
        .counts
        .iter()
        .flatten()
        .sum();
    assert!((300..700).contains(&held_out), "{held_out}");
}

#[test]
fn confusion_matrix_on_iris_predefined_folds_matches_sklearn() {
    let out = run(&format!(
        "{IRIS}model lr = logistic_regression(prep, c = 1.0)\n\
         evaluate lr with predefined_folds(\"data/iris.folds.csv\")\n"
    ));
    let cm = out.evaluations[0].confusion_matrix.as_ref().unwrap();
    assert_eq!(cm.labels, ["0", "1", "2"]);
    assert_eq!(cm.counts.iter().flatten().sum::<u64>(), 150);
    // scikit-learn: confusion_matrix(y, cross_val_predict(StandardScaler +
    // LogisticRegression(C=1), cv=PredefinedSplit(iris.folds.csv))).
    assert_eq!(cm.counts, vec![vec![50, 0, 0], vec![0, 48, 2], vec![0, 4, 46]]);
}

#[test]
fn evaluate_ranks_models_by_the_first_metric() {
    let out = run(&format!(
        "{IRIS}model stump = decision_tree_classifier(prep, max_depth = 1)\n\
         model lr = logistic_regression(prep)\n\
         model tree = decision_tree_classifier(prep, max_depth = 3)\n\
         evaluate stump, lr, tree with kfold(5, seed = 0) metrics accuracy, f1_macro\n\
         evaluate stump, lr with kfold(5, seed = 0) metrics log_loss\n"
    ));
    let stump = find(&out, "evaluate#1", "stump");
    let lr = find(&out, "evaluate#1", "lr");
    assert_eq!(stump.ranked_by, "accuracy");
    assert_eq!((lr.rank, lr.best), (1, true));
    assert_eq!((stump.rank, stump.best), (3, false));
    assert_eq!(find(&out, "evaluate#1", "tree").rank, 2);
    // log_loss is a loss: the smaller one ranks first.
    let (s2, l2) = (find(&out, "evaluate#2", "stump"), find(&out, "evaluate#2", "lr"));
    assert!(l2.metrics["log_loss"].mean < s2.metrics["log_loss"].mean);
    assert!(l2.best && l2.rank == 1 && s2.rank == 2);
    let table = mlg_report::report::table(&out.evaluations);
    assert!(table.contains("ranked by accuracy (higher is better)"), "{table}");
    assert!(table.contains("ranked by log_loss (lower is better)"), "{table}");
    let first_row = table.lines().nth(3).unwrap();
    assert!(
        first_row.starts_with("1 *") && first_row.contains("lr"),
        "{table}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&mlg_report::report::Report::new("eval.mlg", &out).to_json()).unwrap();
    let best: Vec<&serde_json::Value> = json["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["best"] == true)
        .collect();
    assert_eq!(best.len(), 2);
    assert!(best.iter().all(|e| e["model"] == "lr" && e["rank"] == 1));
}

#[test]
fn the_table_lists_metrics_in_the_statement_order() {
    let out = run(&format!(
        "{IRIS}model lr = logistic_regression(prep)\n\
         evaluate lr with kfold(3, seed = 0) metrics f1_macro, balanced_accuracy, accuracy\n"
    ));
    let table = mlg_report::report::table(&out.evaluations);
    let header = table.lines().nth(1).unwrap();
    let at = |name: &str| header.find(name).unwrap_or_else(|| panic!("{name} in {table}"));
    assert!(
        at("f1_macro") < at("balanced_accuracy") && at("balanced_accuracy") < at(" accuracy"),
        "{table}"
    );
}

#[test]
fn a_tie_for_best_is_shown_in_the_table_and_the_page() {
    // The same model twice scores the same on every split.
    let out = run(&format!(
        "{IRIS}model a = logistic_regression(prep)\n\
         model b = logistic_regression(prep)\n\
         model stump = decision_tree_classifier(prep, max_depth = 1)\n\
         evaluate stump, b, a with kfold(3, seed = 0) metrics accuracy\n"
    ));
    let table = mlg_report::report::table(&out.evaluations);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[3].starts_with("1 *   b "), "{table}");
    assert!(lines[4].starts_with("2 =   a "), "{table}");
    assert!(lines[5].starts_with("3     stump"), "{table}");
    let score = find(&out, "evaluate#1", "a").ranking_score().unwrap();
    assert_eq!(
        lines[6],
        format!("tie for best: b and a score {score:.4} accuracy; b ranks first because it comes first in the statement")
    );
    let dir = scratch();
    let page = dir.join("tie.html");
    mlg_report::html::write(&page, "eval.mlg", &out).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("<span class=\"badge tie\">tie</span>").count(),
        2,
        "a and b"
    );
    assert!(html.contains("tie for best: b and a"));
}

#[test]
fn select_binds_the_better_model_and_deploy_uses_it() {
    let dir = scratch();
    let artifact = dir.join("best.mlgc");
    let source = format!(
        "{IRIS}model stump = decision_tree_classifier(prep, max_depth = 1)\n\
         model lr = logistic_regression(prep)\n\
         model best = select(stump, lr, metric = \"f1_macro\", cv = kfold(4, seed = 1))\n\
         evaluate best, stump with holdout(0.3)\n\
         deploy best to \"{}\"\n",
        artifact.display()
    );
    let wf = Workflow::from_source("select.mlg", &source, Path::new("examples")).unwrap();
    let out = wf.run(&RunOptions::default()).unwrap();
    let selection = &out.selections[0];
    assert_eq!(
        (selection.chosen.as_str(), selection.model.as_str()),
        ("lr", "lr")
    );
    assert_eq!(selection.metric, "f1_macro");
    assert_eq!(selection.candidates.len(), 2);
    let lr = selection.candidates.iter().find(|c| c.model == "lr").unwrap();
    assert!(lr.best && lr.metrics["f1_macro"].folds.len() == 4);
    let best = find(&out, "evaluate#1", "best");
    assert_eq!(best.selected.as_deref(), Some("lr"));
    assert_eq!(best.operator, "logistic_regression");
    let deployed = mlg_runtime::Model::load(&artifact).unwrap();
    assert_eq!(deployed.name(), "best");
    let frame = mlg_runtime::csv::read_csv(Path::new("examples/data/iris.csv")).unwrap();
    let reference = wf.compile("lr").unwrap().predict(&frame).unwrap();
    assert_eq!(deployed.predict(&frame).unwrap().values, reference.values);
    assert_eq!(
        wf.compile("best").unwrap().predict(&frame).unwrap().values,
        reference.values
    );
    let line = mlg_report::report::selections(&out.selections);
    assert!(line.starts_with("select best: chose lr by f1_macro"), "{line}");
}

#[test]
fn select_mistakes_are_reported_at_check_time() {
    let models = "model lr = logistic_regression(prep)\n\
                  model lin = linear_regression(prep)\n";
    let cases = [
        (
            "unknown_model",
            "model best = select(lr, forest, metric = \"accuracy\")\n",
        ),
        ("mixed_tasks", "model best = select(lr, lin)\n"),
        (
            "metric_of_wrong_task",
            "model best = select(lr, metric = \"r2\")\n",
        ),
        ("not_a_model", "model best = select(lr, prep)\n"),
        (
            "bad_parameters",
            "model best = select(lr, metrc = \"accuracy\", cv = 5)\n",
        ),
        ("no_candidates", "model best = select(metric = \"accuracy\")\n"),
    ];
    for (name, statement) in cases {
        let text = check_errors(&format!("{IRIS}{models}{statement}"));
        insta::assert_snapshot!(format!("select_{name}"), text);
    }
}

/// A binary target decided by `signal` (plus 5% flipped labels) beside a
/// column of pure noise, written to a fresh folder.
fn signal_and_noise() -> Scratch {
    let dir = scratch();
    let mut rng = mlg_stdlib::eval::rng::SplitMix64::new(11);
    let mut csv = String::from("signal,noise,target\n");
    for _ in 0..300 {
        let (signal, noise) = (rng.next_f64() * 2.0 - 1.0, rng.next_f64() * 2.0 - 1.0);
        let flip = rng.next_f64() < 0.05;
        let label = (signal > 0.0) != flip;
        csv.push_str(&format!(
            "{signal:.5},{noise:.5},{}\n",
            if label { "yes" } else { "no" }
        ));
    }
    std::fs::write(dir.join("signal.csv"), csv).unwrap();
    dir
}

#[test]
fn permutation_importance_ranks_the_informative_column_first() {
    let dir = signal_and_noise();
    let out = Workflow::from_source(
        "perm.mlg",
        "data d = csv(\"signal.csv\", target = \"target\")\n\
         model lr = logistic_regression(d)\n\
         evaluate lr with kfold(5, seed = 3) metrics accuracy\n",
        &dir,
    )
    .unwrap()
    .run(&RunOptions::default())
    .unwrap();
    let perm = out.evaluations[0].permutation_importance.as_ref().unwrap();
    assert_eq!((perm.metric.as_str(), perm.repeats), ("accuracy", 5));
    assert_eq!(perm.features[0].feature, "signal");
    let (signal, noise) = (&perm.features[0], &perm.features[1]);
    assert!(signal.mean > 0.3, "{signal:?}");
    assert!(noise.mean.abs() < 0.03, "{noise:?}");
    assert!(perm.baseline > 0.85, "{}", perm.baseline);
    let off = Workflow::from_source(
        "perm.mlg",
        "data d = csv(\"signal.csv\", target = \"target\")\n\
         model lr = logistic_regression(d)\n\
         evaluate lr\n",
        &dir,
    )
    .unwrap()
    .run(&RunOptions {
        permutation_repeats: 0,
        ..RunOptions::default()
    })
    .unwrap();
    assert!(off.evaluations[0].permutation_importance.is_none());
}

#[path = "evaluation/html.rs"]
mod html;

/// On churn (9 % positives whose true probability stays below 0.5) a linear
/// SVM without class weights never predicts "yes": the evaluation lists the
/// class with its held-out rows, the terminal table warns with the fix, and
/// the weighted model gets no warning.
#[test]
fn a_classifier_that_never_predicts_a_class_is_warned_about() {
    let out = run("data churn = csv(\"data/churn.csv\", target = \"churn\")\n\
         features scaled = churn -> standardize(numeric) -> one_hot(categorical)\n\
         model plain = svm(scaled, kernel = \"linear\", solver = \"dual_cd\")\n\
         model weighted = svm(scaled, kernel = \"linear\", solver = \"dual_cd\", class_weight = \"balanced\")\n\
         evaluate plain, weighted with kfold(3) metrics f1\n");
    let plain = find(&out, "evaluate#1", "plain");
    assert_eq!(plain.never_predicted.len(), 1, "{:?}", plain.never_predicted);
    assert_eq!(plain.never_predicted[0].label, "yes");
    assert_eq!(plain.never_predicted[0].rows, 182);
    assert!(find(&out, "evaluate#1", "weighted").never_predicted.is_empty());
    let table = mlg_report::report::table(&out.evaluations);
    assert!(
        table.contains(
            "warning: plain never predicts \"yes\" (182 held-out rows) in evaluate#1; \
             set class_weight = \"balanced\" on plain to weigh rare classes up"
        ),
        "{table}"
    );
    assert!(!table.contains("warning: weighted"), "{table}");
}
