//! `ensemble` statements: scores on scikit-learn's own folds (members with the
//! settings of `examples/compare/*.mlg`), the combiners' meaning checked
//! against the members' own compiled outputs, compiled ensembles, and the
//! check-time diagnostics.

mod cli_support;

use cli_support::check_errors;

use mlg::executor::{fit_full, optimize};
use mlg::executor::{Chain, Fitted};
use mlg::{RunOptions, Workflow};
use mlg_compiler::ir::{interp, Graph};
use mlg_stdlib::op::Target;
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
        permutation_repeats: 0,
        ..RunOptions::default()
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

/// `graph` interpreted on every row of `wf`'s data source `penguins`.
fn outputs(wf: &Workflow, graph: &Graph) -> (Vec<f32>, usize) {
    outputs_on(wf, "penguins", graph)
}

/// `graph` interpreted on every row of `wf`'s data source `data`.
fn outputs_on(wf: &Workflow, data: &str, graph: &Graph) -> (Vec<f32>, usize) {
    let frame = wf.data_frame(data).expect("data loaded");
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
    compiled_equals_interpreted(&workflow(&source), "penguins", "stack");
}

/// Fits ensemble `name` of `wf` on every row of data source `data`, lowers
/// it, and checks that the optimized graph and the compiled native function
/// (one function for the whole ensemble) give the fitted model's own lowered
/// graph's outputs on every row.
fn compiled_equals_interpreted(wf: &Workflow, data: &str, name: &str) {
    let fitted = fit_full(wf, name).expect("fits");
    let graph = fitted.lower(name).expect("lowers");
    let optimized = optimize(&graph, name, &fitted.transforms, fitted.calibration.as_ref())
        .expect("passes run")
        .graph;
    let (want, n_out) = outputs_on(wf, data, &graph);
    let (after, _) = outputs_on(wf, data, &optimized);
    let model = wf.compile(name).expect("compiles");
    let frame = wf.data_frame(data).expect("data loaded");
    let native = model.predict(&frame).expect("predicts");
    assert_eq!(native.columns.len(), n_out, "{:?}", native.columns);
    for row in 0..frame.n_rows {
        let got = native.row(row).expect("row");
        for k in 0..n_out {
            let (a, b, c) = (want[row * n_out + k], after[row * n_out + k], got[k]);
            // Probabilities and classes to 1e-4 / 1e-5; regression outputs
            // (in the hundreds for diabetes) to as many significant digits.
            let scale = a.abs().max(1.0);
            assert!(
                (a - b).abs() < 1e-4 * scale && (b - c).abs() < 1e-5 * scale,
                "row {row} slot {k}: {a} {b} {c}"
            );
        }
    }
}

#[test]
fn unknown_member() {
    let text = check_errors(&format!("{PENGUINS}ensemble e = soft_vote(lr, rff)\n"));
    assert!(text.contains("rff") && text.contains("rf"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn member_of_another_task() {
    let text = check_errors(
        "data iris = csv(\"data/iris.csv\", target = \"target\")\n\
         model c = logistic_regression(iris)\nmodel r = ridge(iris)\nensemble e = mean(c, r)\n",
    );
    assert!(text.contains("mlg::ensemble_tasks"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn members_of_two_data_sources() {
    let text = check_errors(&format!(
        "{PENGUINS}data iris = csv(\"data/iris.csv\", target = \"target\")\n\
         model other = logistic_regression(iris)\nensemble e = soft_vote(lr, other)\n"
    ));
    assert!(text.contains("mlg::ensemble_data"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn meta_model_that_is_not_a_model() {
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = stacking(lr, rf, meta = standardize())\n"
    ));
    assert!(text.contains("standardize"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn meta_model_of_another_task() {
    for combiner in ["stacking", "blending"] {
        let text = check_errors(&format!(
            "{PENGUINS}ensemble e = {combiner}(lr, rf, meta = ridge())\n"
        ));
        assert!(
            text.contains("mlg::ensemble_meta")
                && text.contains(
                    "the members are classification models, but the meta-model `ridge` is a regression model"
                )
                && text.contains("needs a classification model")
                && text.contains("help: e.g. meta = logistic_regression()"),
            "{text}"
        );
        let text = check_errors(&format!(
            "{DIABETES}ensemble e = {combiner}(ridge, tree, meta = gaussian_nb())\n"
        ));
        assert!(
            text.contains(
                "the members are regression models, but the meta-model `gaussian_nb` is a classification model"
            ) && text.contains("help: e.g. meta = linear_regression()"),
            "{text}"
        );
    }
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = blending(lr, rf, meta = ridge())\n"
    ));
    insta::assert_snapshot!(text);
}

#[test]
fn meta_model_that_cannot_take_the_members_outputs() {
    // Not a model at all: a features step, a metric, or a stage name.
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = blending(lr, rf, meta = pca())\n"
    ));
    assert!(
        text.contains("mlg::unknown_model")
            && text.contains("parameter `meta` of `blending` expects a model, and `pca` is not one")
            && text.contains("`pca` is a features step")
            && text.contains("help: known models:"),
        "{text}"
    );
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = stacking(lr, rf, meta = accuracy())\n"
    ));
    assert!(text.contains("`accuracy` is a metric"), "{text}");
    let text = check_errors(&format!("{PENGUINS}ensemble e = stacking(lr, rf, meta = svm)\n"));
    assert!(
        text.contains("parameter `meta` of `stacking` expects a model call")
            && text.contains("found the name `svm`"),
        "{text}"
    );
    // Raw inputs the meta-model cannot take: categorical or incomplete.
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = blending(lr, rf, passthrough = true)\n"
    ));
    assert!(
        text.contains("mlg::ensemble_passthrough")
            && text.contains("`passthrough = true` gives the meta-model the raw inputs of `penguins`")
            && text.contains("`island` (categorical)")
            && text.contains("help: leave passthrough = false"),
        "{text}"
    );
}

#[test]
fn weights_of_the_wrong_count() {
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = weighted(lr, rf, svm, weights = \"0.3,0.7\")\n"
    ));
    assert!(text.contains("has 3 members but 2 weights"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn votes_need_classifiers_and_passthrough_numeric_inputs() {
    let text = check_errors(&format!("{DIABETES}ensemble e = hard_vote(ridge, tree)\n"));
    assert!(text.contains("mlg::ensemble_task"), "{text}");
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = stacking(lr, rf, passthrough = true)\n"
    ));
    assert!(
        text.contains("mlg::ensemble_passthrough") && text.contains("island"),
        "{text}"
    );
    let text = check_errors(&format!("{PENGUINS}ensemble e = soft_vote(lr)\n"));
    assert!(text.contains("at least two"), "{text}");
    let text = check_errors(&format!("{PENGUINS}ensemble e = soft_vote(lr, raw)\n"));
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
            permutation_repeats: 0,
            ..RunOptions::default()
        })
        .expect("workflow runs");
    assert_eq!(out.selections[0].chosen, "avg", "{:?}", out.selections[0]);
    assert!(artifact.exists(), "the ensemble is deployed");
    let _ = std::fs::remove_dir_all(&dir);
}

const BLEND: &str = "ensemble blend = blending(lr, rf, svm, meta = logistic_regression(c = 1.0), \
                     holdout = 0.2, seed = 0)\n";

#[test]
fn breast_cancer_blending_under_kfold() {
    let source = format!("{BREAST_CANCER}{BLEND}evaluate blend with kfold(5, seed = 0) metrics accuracy\n");
    let s = scores(&source, "accuracy");
    eprintln!("breast_cancer blending: {s:?}");
    assert!(score_of(&s, "blend") >= 0.965, "{s:?}");
}

#[test]
fn blending_compiles_into_one_function_equal_to_the_interpreter() {
    let source = format!(
        "{BREAST_CANCER}{BLEND}ensemble through = blending(lr, svm, holdout = 0.3, seed = 7, passthrough = true)\n"
    );
    let wf = workflow(&source);
    compiled_equals_interpreted(&wf, "bc", "blend");
    compiled_equals_interpreted(&wf, "bc", "through");
    let source = format!("{PENGUINS}ensemble blend = blending(lr, rf, svm, holdout = 0.25)\n");
    compiled_equals_interpreted(&workflow(&source), "penguins", "blend");
    // A regularized meta-model: with `passthrough`, the ridge member's
    // held-out predictions are (up to f32 rounding) a linear map of the raw
    // inputs beside them, and an unregularized least-squares meta-model fits
    // that near-singular design with huge, cancelling weights.
    let source = format!(
        "{DIABETES}ensemble blend = blending(ridge, tree, passthrough = true, meta = ridge(alpha = 1.0))\n"
    );
    compiled_equals_interpreted(&workflow(&source), "diabetes", "blend");
}

/// Classic blending: the fitted ensemble keeps the members fitted on the rows
/// its (stratified, seeded) holdout leaves; they are not refitted on all rows.
#[test]
fn blending_keeps_the_members_fitted_on_the_rows_not_held_out() {
    let wf = workflow(&format!("{BREAST_CANCER}{BLEND}"));
    let fitted = fit_full(&wf, "blend").expect("fits");
    let Fitted::Ensemble(ensemble) = &fitted.fitted else {
        panic!("an ensemble");
    };
    let lr = Chain::of(&wf, "lr").expect("lr's chain");
    let target = lr.target().expect("target");
    let Target::Classes { codes, .. } = &target else {
        panic!("classes");
    };
    let n = codes.len();
    let split = mlg_stdlib::eval::holdout(n, 0.2, 0, Some(codes)).expect("split")[0].clone();
    assert_eq!(split.test.len(), (0.2 * n as f64).ceil() as usize);
    let on_rest = lr
        .fit(&target, &split.train)
        .expect("fits")
        .lower("lr")
        .expect("lowers");
    let on_all = lowered(&wf, "lr");
    let (member, _) = &ensemble.members[0];
    assert_eq!(member, "lr");
    let inside = ensemble.members[0].1.lower("lr").expect("lowers");
    let (a, n_out) = outputs_on(&wf, "bc", &inside);
    let (b, _) = outputs_on(&wf, "bc", &on_rest);
    let (c, _) = outputs_on(&wf, "bc", &on_all);
    assert_eq!(a.len(), n * n_out);
    assert!(
        a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6),
        "the member is lr fitted on the other rows"
    );
    assert!(
        a.iter().zip(&c).any(|(x, y)| (x - y).abs() > 1e-4),
        "not lr fitted on every row"
    );
}

#[test]
fn blending_holdout_must_be_a_share() {
    for (value, label) in [
        ("0", "holds out no rows for the meta-model"),
        ("0.0", "holds out no rows for the meta-model"),
        ("1", "leaves no rows to fit the members"),
        ("1.5", "not a share of the rows"),
        ("-0.2", "not a share of the rows"),
    ] {
        let text = check_errors(&format!(
            "{PENGUINS}ensemble e = blending(lr, rf, holdout = {value})\n"
        ));
        assert!(
            text.contains("mlg::ensemble_holdout")
                && text.contains(&format!(
                    "`holdout` must lie strictly between 0 and 1, but it is {}",
                    value.parse::<f64>().unwrap_or(f64::NAN)
                ))
                && text.contains(label)
                && text.contains("help: `holdout` is the share of the training rows"),
            "{value}: {text}"
        );
    }
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = blending(lr, rf, holdout = \"0.2\")\n"
    ));
    assert!(
        text.contains("mlg::param_type") && text.contains("parameter `holdout` of `blending` expects"),
        "{text}"
    );
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = blending(lr, rf, holdout = 0.2, holdout = 0.3)\n"
    ));
    assert!(text.contains("mlg::duplicate_param"), "{text}");
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = stacking(lr, rf, holdout = 0.2)\n"
    ));
    assert!(text.contains("mlg::unknown_param"), "{text}");
    let text = check_errors(&format!(
        "{PENGUINS}ensemble e = blending(lr, rf, holdout = 1.5)\n"
    ));
    insta::assert_snapshot!(text);
}

/// A search stands for its best trial's model, so it may be a member: its
/// task and data source are the searched model's. (Fitting one is the
/// executor's business and tested with searches.)
#[test]
fn searched_models_are_members() {
    let search = "search best = tune(rf, strategy = \"grid\", cv = kfold(3), metric = \"accuracy\") {\n  \
                  trees = choice(10, 20)\n}\n";
    let wf = workflow(&format!(
        "{BREAST_CANCER}{search}ensemble vote = soft_vote(lr, best)\n\
         ensemble blend = blending(best, svm, passthrough = true)\n"
    ));
    for name in ["vote", "blend"] {
        assert!(
            wf.stage(name).is_some_and(|s| s.kind.keyword() == "ensemble"),
            "{name} checks"
        );
    }
    let text = check_errors(&format!(
        "{PENGUINS}data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
         model bc_rf = random_forest_classifier(bc)\n\
         search best = tune(bc_rf, strategy = \"grid\", cv = kfold(3), metric = \"accuracy\") {{\n  \
         trees = choice(10, 20)\n}}\nensemble e = soft_vote(lr, best)\n"
    ));
    assert!(
        text.contains("mlg::ensemble_data")
            && text.contains("`lr` learns from `penguins`")
            && text.contains("trained on other data"),
        "{text}"
    );
}

#[test]
fn the_blending_example_checks() {
    let wf = Workflow::from_file("examples/breast_cancer_blending.mlg")
        .unwrap_or_else(|e| panic!("the example checks: {e}"));
    assert!(wf.stage("blend").is_some());
}

#[test]
fn stacking_passes_missing_raw_inputs_to_a_meta_model_that_takes_them() {
    // diabetes with every 7th value of `bmi` and `bp` left empty.
    let dir = std::env::temp_dir().join(format!("mlg-ensemble-missing-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let text = std::fs::read_to_string("examples/data/diabetes.csv").unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let holes: Vec<usize> = ["bmi", "bp"]
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap())
        .collect();
    let mut out = vec![header.join(",")];
    for (i, line) in text.lines().skip(1).enumerate() {
        let mut fields: Vec<&str> = line.split(',').collect();
        if i % 7 == 3 {
            for &h in &holes {
                fields[h] = "";
            }
        }
        out.push(fields.join(","));
    }
    std::fs::write(dir.join("data/holes.csv"), out.join("\n") + "\n").unwrap();
    let base = "data d = csv(\"data/holes.csv\", target = \"target\")\n\
                model a = gradient_boosting_regressor(d, rounds = 40)\n\
                model b = gradient_boosting_regressor(d, rounds = 80, learning_rate = 0.05, max_depth = 2)\n";
    let stacked = format!(
        "{base}ensemble s = stacking(a, b, meta = gradient_boosting_regressor(rounds = 30), passthrough = true)\n\
         evaluate s, a with kfold(4, seed = 0) metrics r2\n"
    );
    let wf = Workflow::from_source("holes.mlg", &stacked, &dir).unwrap_or_else(|e| panic!("checks: {e}"));
    let run = wf
        .run(&RunOptions {
            permutation_repeats: 0,
            ..RunOptions::default()
        })
        .unwrap();
    let r2 = |m: &str| run.evaluations.iter().find(|e| e.model == m).unwrap().metrics["r2"].estimate;
    assert!(
        r2("s") > 0.3 && r2("a") > 0.3,
        "stack {} member {}",
        r2("s"),
        r2("a")
    );
    compiled_equals_interpreted(&wf, "d", "s");
    // A meta-model that needs complete inputs is refused at check time, saying what would work.
    let linear = format!("{base}ensemble s = stacking(a, b, meta = ridge(), passthrough = true)\n");
    let Err(mlg::Error::Diagnostics { diagnostics, .. }) = Workflow::from_source("holes.mlg", &linear, &dir)
    else {
        panic!("a ridge meta-model cannot take missing raw inputs")
    };
    assert!(
        diagnostics[0].message.contains("must be numeric and complete"),
        "{}",
        diagnostics[0].message
    );
    assert!(diagnostics[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("meta-model that takes missing values"));
    let _ = std::fs::remove_dir_all(&dir);
}
