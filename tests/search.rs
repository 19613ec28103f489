//! `search NAME = tune(MODEL, ...) { space }` end to end: the grid search of
//! `examples/breast_cancer_search.mlg` against scikit-learn's `GridSearchCV`
//! (benches/reference/sklearn_baselines.json, `grid_search`), seeded random
//! search, the best trial standing in for the search in later stages, and the
//! check-time diagnostics of bad spaces.

mod cli_support;

use cli_support::check_errors;

use mlg::executor::Search;
use mlg::{RunOptions, RunOutput, Workflow};
use std::path::Path;

const IRIS: &str = "data iris = csv(\"data/iris.csv\", target = \"target\")\n\
                    features prep = iris -> standardize(numeric)\n";

/// scikit-learn's GridSearchCV best mean accuracy on the same folds.
const SKLEARN_BEST: f64 = 0.9648812296227295;

/// Checks and runs `source` against `examples/`.
fn run(source: &str) -> RunOutput {
    Workflow::from_source("search.mlg", source, Path::new("examples"))
        .unwrap()
        .run(&RunOptions::default())
        .unwrap()
}

#[test]
fn grid_search_on_breast_cancer_is_within_a_point_of_scikit_learn() {
    let wf = Workflow::from_file("examples/breast_cancer_search.mlg").unwrap();
    let out = wf.run(&RunOptions::default()).unwrap();
    let search = &out.searches[0];
    assert_eq!(search.strategy, "grid");
    assert_eq!(search.metric, "accuracy");
    assert_eq!(search.trials.len(), 4);
    // The last setting varies fastest: (50, none), (50, 8), (100, none), (100, 8).
    let points: Vec<String> = search
        .trials
        .iter()
        .map(|t| format!("{}/{}", t.params["trees"], t.params["max_depth"]))
        .collect();
    assert_eq!(points, ["50/null", "50/8", "100/null", "100/8"]);
    assert!(
        (search.best_score - SKLEARN_BEST).abs() <= 0.01,
        "best {} vs scikit-learn {SKLEARN_BEST}",
        search.best_score
    );
    let best = search.trials.iter().map(|t| t.mean).fold(f64::MIN, f64::max);
    assert_eq!(search.best_score, best);
    // Ties go to the earlier trial.
    let first_best = search.trials.iter().position(|t| t.mean == best).unwrap();
    assert_eq!(search.best_trial, first_best + 1);
    assert_eq!(search.model, format!("best#{}", search.best_trial));
    // `evaluate best` evaluates the refit best trial.
    assert_eq!(out.evaluations[0].model, "best");
    assert_eq!(
        out.evaluations[0].selected.as_deref(),
        Some(search.model.as_str())
    );
    let json = mlg_report::report::Report::new(&wf.file, &out).to_json();
    assert!(json.contains("\"searches\""), "{json}");
    assert!(json.contains("\"best_params\""), "{json}");
    let table = mlg_report::report::searches(&out.searches);
    assert!(table.starts_with("search best: grid over rf"), "{table}");
}

/// `search` with its wall-clock times zeroed, for comparing runs.
fn untimed(search: &Search) -> Search {
    let mut s = search.clone();
    s.trials.iter_mut().for_each(|t| t.seconds = 0.0);
    s
}

fn random(seed: u64) -> Search {
    let source = format!(
        "{IRIS}model lr = logistic_regression(prep)\n\
         search tuned = tune(lr, strategy = \"random\", trials = 5, seed = {seed}, cv = kfold(3)) {{\n\
           c = float(0.01, 10, log = true)\n\
           max_iter = int(50, 200)\n\
         }}\n"
    );
    run(&source).searches.remove(0)
}

#[test]
fn random_search_is_deterministic_for_a_seed_and_thread_count() {
    let a = random(3);
    assert_eq!(a.trials.len(), 5);
    for t in &a.trials {
        let c = t.params["c"].as_f64().unwrap();
        let it = t.params["max_iter"].as_i64().unwrap();
        assert!((0.01..=10.0).contains(&c), "{c}");
        assert!((50..=200).contains(&it), "{it}");
    }
    assert_eq!(untimed(&a), untimed(&random(3)));
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| random(3));
    assert_eq!(untimed(&a), untimed(&one_thread));
    let other = random(4);
    assert_ne!(
        a.trials.iter().map(|t| &t.params).collect::<Vec<_>>(),
        other.trials.iter().map(|t| &t.params).collect::<Vec<_>>()
    );
}

#[test]
fn the_best_trial_stands_in_for_the_search() {
    let out_dir = std::env::temp_dir().join(format!("mlg-search-{}", std::process::id()));
    let artifact = out_dir.join("tree.mlgc");
    let source = format!(
        "{IRIS}model tree = decision_tree_classifier(prep, seed = 0)\n\
         model lr = logistic_regression(prep)\n\
         search deep = tune(tree) {{ max_depth = int(1, 3) }}\n\
         model pick = select(deep, lr)\n\
         deploy deep to {:?}\n",
        artifact.display().to_string()
    );
    let wf = Workflow::from_source("search.mlg", &source, Path::new("examples")).unwrap();
    let out = wf.run(&RunOptions::default()).unwrap();
    assert_eq!(out.searches.len(), 1, "a search runs once however many use it");
    let search = &out.searches[0];
    let depths: Vec<i64> = search
        .trials
        .iter()
        .map(|t| t.params["max_depth"].as_i64().unwrap())
        .collect();
    assert_eq!(depths, [1, 2, 3]);
    // A depth-1 stump cannot separate three classes.
    assert_ne!(search.best_trial, 1);
    let pick = &out.selections[0];
    assert!(pick.candidates.iter().any(|c| c.model == "deep"));
    assert!(artifact.is_file());
    let model = wf.compile("deep").unwrap();
    assert_eq!(model.artifact().name, "deep");
    let _ = std::fs::remove_dir_all(out_dir);
}

macro_rules! mistake {
    ($name:ident, $source:expr) => {
        #[test]
        fn $name() {
            let text = check_errors(&$source);
            insta::assert_snapshot!(stringify!($name), text);
        }
    };
}

const RF: &str = "data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                  model rf = random_forest_classifier(bc)\n";

mistake!(
    empty_space,
    format!("{RF}search best = tune(rf, strategy = \"grid\") {{ }}\n")
);
mistake!(
    int_range_reversed,
    format!("{RF}search best = tune(rf, strategy = \"random\", trials = 4) {{ max_depth = int(5, 2) }}\n")
);
mistake!(
    parameter_the_model_lacks,
    format!("{RF}search best = tune(rf) {{ max_dpeth = choice(4, 8) }}\n")
);
mistake!(
    float_in_a_grid,
    format!("{IRIS}model lr = logistic_regression(prep)\nsearch best = tune(lr, strategy = \"grid\") {{ c = float(0.1, 10) }}\n")
);
mistake!(
    choice_value_of_the_wrong_type,
    format!("{RF}search best = tune(rf) {{ trees = choice(50, \"many\") }}\n")
);
mistake!(
    unknown_strategy,
    format!("{RF}search best = tune(rf, strategy = \"bayes\", trials = 5) {{ trees = int(10, 100) }}\n")
);
mistake!(
    member_the_ensemble_lacks,
    format!("{IRIS}model lr = logistic_regression(prep)\nmodel tree = decision_tree_classifier(prep)\nensemble vote = soft_vote(lr, tree)\nsearch best = tune(vote) {{ svm.c = choice(1, 10) }}\n")
);
mistake!(
    features_step_the_stage_lacks,
    format!("{IRIS}model lr = logistic_regression(prep)\nsearch best = tune(lr) {{ prep.standardise.with_mean = choice(true, false) }}\n")
);
mistake!(
    budget_without_halving,
    format!("{RF}search best = tune(rf, strategy = \"random\", trials = 4, budget = \"rows\") {{ trees = int(10, 50) }}\n")
);
mistake!(
    budget_not_an_integer_parameter,
    format!("{RF}search best = tune(rf, strategy = \"halving\", budget = \"criterion\") {{ trees = choice(10, 50) }}\n")
);
mistake!(
    prune_with_halving,
    format!(
        "{RF}search best = tune(rf, strategy = \"halving\", prune = true) {{ trees = choice(10, 50) }}\n"
    )
);
mistake!(
    metric_and_objectives,
    format!("{RF}search best = tune(rf, metric = \"accuracy\", objectives = [maximize(\"f1_macro\")]) {{ trees = choice(10, 50) }}\n")
);
mistake!(
    latency_as_the_first_objective,
    format!("{RF}search best = tune(rf, objectives = [minimize(\"latency_us\"), maximize(\"accuracy\")]) {{ trees = choice(10, 50) }}\n")
);
mistake!(
    strategy_setting_out_of_range,
    format!("{RF}search best = tune(rf, strategy = tpe(startup = 0, warmup = 3), trials = 8) {{ trees = int(10, 50) }}\n")
);
mistake!(
    halving_over_a_float_without_trials,
    format!("{IRIS}model lr = logistic_regression(prep)\nsearch best = tune(lr, strategy = \"halving\") {{ c = float(0.1, 10) }}\n")
);
