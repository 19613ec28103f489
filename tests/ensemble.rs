//! `ensemble` statements: scores on scikit-learn's own folds (members with the
//! settings of `examples/compare/*.mlg`), the combiners' meaning checked
//! against the members' own compiled outputs, compiled ensembles, and the
//! check-time diagnostics.

use mlg::executor::{compile, fit_full};
use mlg::{Error, RunOptions, Workflow};
use mlg_compiler::ir::{interp, Graph};
use std::path::Path;

const PENGUINS: &str = r#"
data penguins = csv("data/penguins.csv", target = "species")
features raw = penguins
  -> impute(numeric, strategy = "median")
  -> impute(categorical, strategy = "most_frequent")
  -> one_hot(categorical)
features scaled = penguins
  -> impute(numeric, strategy = "median")
  -> impute(categorical, strategy = "most_frequent")
  -> standardize(numeric)
  -> one_hot(categorical)
model lr  = logistic_regression(scaled)
model rf  = random_forest_classifier(raw, trees = 100)
model svm = svm(scaled, kernel = "rbf")
"#;

const BREAST_CANCER: &str = r#"
data bc = csv("data/breast_cancer.csv", target = "target")
features scaled = bc -> standardize(numeric)
model lr  = logistic_regression(scaled)
model rf  = random_forest_classifier(bc, trees = 100)
model svm = svm(scaled, kernel = "rbf")
"#;

const DIABETES: &str = r#"
data diabetes = csv("data/diabetes.csv", target = "target")
features scaled = diabetes -> standardize(numeric)
model ridge = ridge(scaled, alpha = 1.0)
model tree  = decision_tree_regressor(diabetes, max_depth = 3)
"#;

fn workflow(source: &str) -> Workflow {
    Workflow::from_source("ensemble.mlg", source, Path::new("examples"))
        .unwrap_or_else(|e| panic!("workflow checks: {e}"))
}

/// Runs `source`'s evaluations; returns `(model, metric estimate)` of `metric`.
fn scores(source: &str, metric: &str) -> Vec<(String, f64)> {
    let options = RunOptions {
        progress: false,
        permutation_repeats: 0,
    };
    let out = workflow(source).run(&options).expect("workflow runs");
    out.evaluations
        .iter()
        .map(|e| (e.model.clone(), e.metrics[metric].estimate))
        .collect()
}

fn score_of(scores: &[(String, f64)], model: &str) -> f64 {
    scores
        .iter()
        .find(|(m, _)| m == model)
        .unwrap_or_else(|| panic!("no score for {model}: {scores:?}"))
        .1
}

#[test]
fn penguins_votes_on_sklearn_folds() {
    let source = format!(
        "{PENGUINS}ensemble sv = soft_vote(lr, rf, svm)\nensemble hv = hard_vote(lr, rf, svm)\n\
         ensemble avg = mean(lr, rf)\nensemble w = weighted(lr, rf, weights = \"0.3,0.7\")\n\
         evaluate sv, hv, avg, w with predefined_folds(\"data/penguins.folds.csv\") metrics accuracy\n"
    );
    let s = scores(&source, "accuracy");
    eprintln!("penguins: {s:?}");
    assert!(score_of(&s, "sv") >= 0.985, "{s:?}");
    assert!(score_of(&s, "hv") >= 0.975, "{s:?}");
    assert!(score_of(&s, "avg") >= 0.975, "{s:?}");
    assert!(score_of(&s, "w") >= 0.97, "{s:?}");
}

#[test]
fn breast_cancer_stacking_on_sklearn_folds() {
    let source = format!(
        "{BREAST_CANCER}ensemble stack = stacking(lr, rf, svm, meta = logistic_regression(c = 1.0), \
         passthrough = false, cv = 5)\n\
         evaluate stack with predefined_folds(\"data/breast_cancer.folds.csv\") metrics accuracy\n"
    );
    let s = scores(&source, "accuracy");
    eprintln!("breast_cancer: {s:?}");
    assert!(score_of(&s, "stack") >= 0.975, "{s:?}");
}

#[test]
fn regression_ensembles_run() {
    let source = format!(
        "{DIABETES}ensemble avg = mean(ridge, tree)\nensemble w = weighted(ridge, tree, weights = \"3, 1\")\n\
         ensemble stack = stacking(ridge, tree, passthrough = true, cv = 3)\n\
         evaluate ridge, avg, w, stack with kfold(5, seed = 0) metrics r2\n"
    );
    let s = scores(&source, "r2");
    eprintln!("diabetes: {s:?}");
    for m in ["avg", "w", "stack"] {
        assert!(score_of(&s, m) > 0.35, "{m}: {s:?}");
    }
}

/// `graph` interpreted on every data row of `wf`'s first data source.
fn outputs(wf: &Workflow, graph: &Graph) -> (Vec<f32>, usize) {
    let frame = wf.data_frame("penguins").expect("data loaded");
    let rows = mlg_runtime::rows::encode_rows(&frame, &graph.inputs).expect("rows encode");
    let n_out = graph.n_outputs();
    let mut out = vec![0.0; frame.n_rows * n_out];
    interp::eval_rows(graph, &rows, frame.n_rows, graph.n_inputs(), &mut out);
    (out, n_out)
}

fn lowered(wf: &Workflow, name: &str) -> Graph {
    fit_full(wf, name).expect("fits").lower(name).expect("lowers")
}

#[test]
fn combiners_mean_what_they_say() {
    let source = format!(
        "{PENGUINS}ensemble sv = soft_vote(lr, rf, svm)\nensemble hv = hard_vote(lr, rf, svm)\n\
         ensemble w = weighted(lr, rf, weights = \"1,3\")\n"
    );
    let wf = workflow(&source);
    let members: Vec<(Vec<f32>, usize)> = ["lr", "rf", "svm"]
        .iter()
        .map(|m| outputs(&wf, &lowered(&wf, m)))
        .collect();
    let (sv, n_out) = outputs(&wf, &lowered(&wf, "sv"));
    let (hv, _) = outputs(&wf, &lowered(&wf, "hv"));
    let (w, _) = outputs(&wf, &lowered(&wf, "w"));
    assert_eq!(n_out, 4, "class then three probabilities");
    for row in 0..sv.len() / n_out {
        let at = |o: &[f32], k: usize| o[row * n_out + k];
        for k in 1..n_out {
            let mean = members.iter().map(|(o, _)| at(o, k)).sum::<f32>() / 3.0;
            assert!((at(&sv, k) - mean).abs() < 1e-5, "row {row}: soft vote proba");
            let weighted = 0.25 * at(&members[0].0, k) + 0.75 * at(&members[1].0, k);
            assert!((at(&w, k) - weighted).abs() < 1e-5, "row {row}: weighted proba");
        }
        let mut votes = [0usize; 3];
        for (o, _) in &members {
            votes[at(o, 0) as usize] += 1;
        }
        let most = *votes.iter().max().unwrap_or(&0);
        let majority = votes.iter().position(|&v| v == most).unwrap_or(0);
        assert_eq!(at(&hv, 0) as usize, majority, "row {row}: hard vote {votes:?}");
    }
}

#[test]
fn stacking_compiles_into_one_function_equal_to_the_interpreter() {
    let source = format!("{PENGUINS}ensemble stack = stacking(lr, rf, svm, cv = 3)\n");
    let wf = workflow(&source);
    let fitted = fit_full(&wf, "stack").expect("fits");
    let graph = fitted.lower("stack").expect("lowers");
    let optimized = compile::optimize(&graph, "stack", &fitted.transforms)
        .expect("passes run")
        .graph;
    let (want, n_out) = outputs(&wf, &graph);
    let (after, _) = outputs(&wf, &optimized);
    let model = wf.compile("stack").expect("compiles");
    let frame = wf.data_frame("penguins").expect("data loaded");
    let native = model.predict(&frame).expect("predicts");
    assert_eq!(native.columns.len(), n_out, "{:?}", native.columns);
    for row in 0..frame.n_rows {
        let got = native.row(row).expect("row");
        for k in 0..n_out {
            let (a, b, c) = (want[row * n_out + k], after[row * n_out + k], got[k]);
            assert!(
                (a - b).abs() < 1e-4 && (b - c).abs() < 1e-5,
                "row {row} slot {k}: {a} {b} {c}"
            );
        }
    }
}

/// The rendered check errors of `source`.
fn errors(source: &str) -> String {
    match Workflow::from_source("bad.mlg", source, Path::new("examples")) {
        Ok(_) => panic!("expected diagnostics for:\n{source}"),
        Err(Error::Diagnostics {
            file,
            source_text,
            diagnostics,
        }) => mlg::diagnostics::render(&diagnostics, &file, &source_text, false),
        Err(other) => panic!("expected diagnostics, got {other}"),
    }
}

#[test]
fn unknown_member() {
    let text = errors(&format!("{PENGUINS}ensemble e = soft_vote(lr, rff)\n"));
    assert!(text.contains("rff") && text.contains("rf"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn member_of_another_task() {
    let text = errors(
        "data iris = csv(\"data/iris.csv\", target = \"target\")\n\
         model c = logistic_regression(iris)\nmodel r = ridge(iris)\nensemble e = mean(c, r)\n",
    );
    assert!(text.contains("mlg::ensemble_tasks"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn members_of_two_data_sources() {
    let text = errors(&format!(
        "{PENGUINS}data iris = csv(\"data/iris.csv\", target = \"target\")\n\
         model other = logistic_regression(iris)\nensemble e = soft_vote(lr, other)\n"
    ));
    assert!(text.contains("mlg::ensemble_data"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn meta_model_that_is_not_a_model() {
    let text = errors(&format!(
        "{PENGUINS}ensemble e = stacking(lr, rf, meta = standardize())\n"
    ));
    assert!(text.contains("standardize"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn meta_model_of_another_task() {
    let text = errors(&format!(
        "{PENGUINS}ensemble e = stacking(lr, rf, meta = ridge())\n"
    ));
    assert!(text.contains("mlg::ensemble_meta"), "{text}");
}

#[test]
fn weights_of_the_wrong_count() {
    let text = errors(&format!(
        "{PENGUINS}ensemble e = weighted(lr, rf, svm, weights = \"0.3,0.7\")\n"
    ));
    assert!(text.contains("has 3 members but 2 weights"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn votes_need_classifiers_and_passthrough_numeric_inputs() {
    let text = errors(&format!("{DIABETES}ensemble e = hard_vote(ridge, tree)\n"));
    assert!(text.contains("mlg::ensemble_task"), "{text}");
    let text = errors(&format!(
        "{PENGUINS}ensemble e = stacking(lr, rf, passthrough = true)\n"
    ));
    assert!(
        text.contains("mlg::ensemble_passthrough") && text.contains("island"),
        "{text}"
    );
    let text = errors(&format!("{PENGUINS}ensemble e = soft_vote(lr)\n"));
    assert!(text.contains("at least two"), "{text}");
    let text = errors(&format!("{PENGUINS}ensemble e = soft_vote(lr, raw)\n"));
    assert!(text.contains("`raw` is a `features` stage"), "{text}");
}

#[test]
fn select_and_deploy_take_an_ensemble() {
    let dir = std::env::temp_dir().join(format!("mlg-ensemble-{}", std::process::id()));
    let artifact = dir.join("best.mlgc");
    let source = format!(
        "{DIABETES}ensemble avg = mean(ridge, tree)\n\
         model best = select(tree, avg, metric = \"r2\", cv = kfold(3, seed = 0))\n\
         deploy best to {:?}\n",
        artifact.display().to_string()
    );
    let out = workflow(&source)
        .run(&RunOptions {
            progress: false,
            permutation_repeats: 0,
        })
        .expect("workflow runs");
    assert_eq!(out.selections[0].chosen, "avg", "{:?}", out.selections[0]);
    assert!(artifact.exists(), "the ensemble is deployed");
    let _ = std::fs::remove_dir_all(&dir);
}
