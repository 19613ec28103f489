//! The adaptive search strategies end to end: successive halving against the
//! grid it prunes, genetic and tpe determinism, median pruning, early
//! stopping, multi-objective Pareto fronts, and searches over preprocessing
//! parameters and ensemble members.

use mlg::executor::Search;
use mlg::{RunOptions, RunOutput, Workflow};
use std::path::Path;

const IRIS: &str = "data iris = csv(\"data/iris.csv\", target = \"target\")\n";
const BC: &str = "data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n";

fn run(source: &str) -> RunOutput {
    Workflow::from_source("search.mlg", source, Path::new("examples"))
        .unwrap()
        .run(&RunOptions::default())
        .unwrap()
}

fn search(out: &RunOutput, name: &str) -> Search {
    out.searches.iter().find(|s| s.name == name).unwrap().clone()
}

/// `search` with its wall-clock times zeroed, for comparing runs.
fn untimed(search: &Search) -> Search {
    let mut s = search.clone();
    s.trials.iter_mut().for_each(|t| t.seconds = 0.0);
    s
}

#[test]
fn halving_matches_the_grid_at_a_third_of_the_cost() {
    let wf = Workflow::from_file("examples/breast_cancer_halving.mlg").unwrap();
    let out = wf.run(&RunOptions::default()).unwrap();
    let (grid, halving) = (search(&out, "grid"), search(&out, "halving"));
    assert_eq!(grid.trials.len(), 27);
    assert!(
        halving.best_score >= grid.best_score - 0.005,
        "halving {} vs grid {}",
        halving.best_score,
        grid.best_score
    );
    assert!(
        halving.cost <= grid.cost / 3.0,
        "halving cost {} vs grid {}",
        halving.cost,
        grid.cost
    );
    // Rungs of 27, 9, 3 and 1 settings at a 27th, a ninth, a third and all
    // of the rows; only the last rung is ranked.
    let budgets: Vec<f64> = halving.trials.iter().map(|t| t.budget).collect();
    let count = |b: f64| budgets.iter().filter(|&&x| (x - b).abs() < 1e-9).count();
    assert_eq!(
        (count(1.0 / 27.0), count(1.0 / 9.0), count(1.0 / 3.0), count(1.0)),
        (27, 9, 3, 1)
    );
    let best = &halving.trials[halving.best_trial - 1];
    assert_eq!((best.budget, best.rank), (1.0, 1));
    assert!(halving
        .trials
        .iter()
        .filter(|t| t.budget < 1.0)
        .all(|t| t.rank == 0));
}

#[test]
fn halving_can_budget_boosting_rounds() {
    let out = run(&format!(
        "{IRIS}model gb = gradient_boosting_classifier(iris, rounds = 60, seed = 0)\n\
         search s = tune(gb, strategy = halving(eta = 2), budget = \"rounds\", cv = kfold(3)) {{\n\
           max_depth = choice(1, 2, 3, 4)\n\
         }}\n"
    ));
    let s = search(&out, "s");
    let budgets: Vec<f64> = s.trials.iter().map(|t| t.budget).collect();
    assert_eq!(budgets, [0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 1.0]);
    // Rows are not cut: a quarter of the rounds costs a quarter of the rows.
    let full = s.trials[6].cost;
    assert!(
        (s.trials[0].cost - full / 4.0).abs() < 1e-9,
        "{} vs {full}",
        s.trials[0].cost
    );
    assert!(s.best_score > 0.9, "{}", s.best_score);
}

fn tuned(strategy: &str, seed: u64) -> Search {
    let out = run(&format!(
        "{BC}features prep = bc -> standardize(numeric)\n\
         model lr = logistic_regression(prep)\n\
         search s = tune(lr, strategy = {strategy}, trials = 12, seed = {seed}, cv = kfold(3, seed = 0)) {{\n\
           c = float(0.0001, 100, log = true)\n\
           penalty = choice(\"l2\", \"none\")\n\
         }}\n"
    ));
    search(&out, "s")
}

#[test]
fn genetic_and_tpe_are_deterministic_whatever_the_thread_count() {
    for strategy in ["genetic(population = 4)", "tpe(startup = 4)"] {
        let a = tuned(strategy, 1);
        assert_eq!(a.trials.len(), 12, "{strategy}");
        for t in &a.trials {
            let c = t.params["c"].as_f64().unwrap();
            assert!((0.0001..=100.0).contains(&c), "{strategy}: c = {c}");
        }
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| tuned(strategy, 1));
        assert_eq!(untimed(&a), untimed(&one), "{strategy}");
        assert_ne!(
            a.trials.iter().map(|t| &t.params).collect::<Vec<_>>(),
            tuned(strategy, 2)
                .trials
                .iter()
                .map(|t| &t.params)
                .collect::<Vec<_>>(),
            "{strategy}: another seed, other points"
        );
        // Standardized breast_cancer is nearly separable: a tuned C finds it.
        assert!(a.best_score > 0.96, "{strategy}: {}", a.best_score);
    }
}

#[test]
fn median_pruning_stops_weak_trials_early() {
    let source = |prune: bool| {
        format!(
            "{BC}model tree = decision_tree_classifier(bc, seed = 0)\n\
             search s = tune(tree, strategy = \"grid\", prune = {prune}, cv = kfold(5, seed = 0)) {{\n\
               max_depth = choice(1, 2, 3, 4, 5, 6, 8, 10)\n\
               min_samples_leaf = choice(1, 40, 120)\n\
             }}\n"
        )
    };
    let pruned = search(&run(&source(true)), "s");
    let full = search(&run(&source(false)), "s");
    let stopped: Vec<_> = pruned.trials.iter().filter(|t| t.status == "pruned").collect();
    assert!(!stopped.is_empty(), "no trial was pruned");
    // The first chunk has no earlier trials to compare with.
    assert!(stopped.iter().all(|t| t.trial > mlg::executor::SEARCH_CHUNK));
    let full_cost = full.trials[0].cost;
    assert!(stopped
        .iter()
        .all(|t| t.cost < full_cost && t.mean.is_nan() && t.rank == 0));
    assert!(pruned.cost < full.cost);
    assert_eq!(pruned.best_score, full.best_score);
}

#[test]
fn early_stopping_ends_a_search_without_improvement() {
    let out = run(&format!(
        "{IRIS}model tree = decision_tree_classifier(iris, seed = 0)\n\
         search s = tune(tree, strategy = \"random\", trials = 40, early_stop = 4, seed = 0, cv = kfold(3)) {{\n\
           max_depth = int(1, 12)\n\
           min_samples_leaf = int(1, 20)\n\
         }}\n"
    ));
    let s = search(&out, "s");
    assert!(s.trials.len() < 40, "{} trials", s.trials.len());
    assert_eq!(s.trials.len() % mlg::executor::SEARCH_CHUNK, 0);
    assert!(
        s.stopped.as_deref().unwrap_or("").starts_with("early stop"),
        "{:?}",
        s.stopped
    );
}

#[test]
fn two_objectives_give_a_pareto_front() {
    let out = run(&format!(
        "{BC}model rf = random_forest_classifier(bc, seed = 0)\n\
         search s = tune(rf, strategy = \"grid\", cv = kfold(3, seed = 0),\n\
                         objectives = [maximize(\"accuracy\"), minimize(\"size_bytes\")]) {{\n\
           trees = choice(1, 5, 40)\n\
           max_depth = choice(1, 3, none)\n\
         }}\n"
    ));
    let s = search(&out, "s");
    assert_eq!(s.objectives.len(), 2);
    assert_eq!(s.objectives[1].direction, "minimize");
    let size = |t: usize| s.trials[t - 1].objectives[1];
    let acc = |t: usize| s.trials[t - 1].objectives[0];
    // The smallest forest and the most accurate one are on the front, and no
    // trial beats a front trial on both objectives.
    let smallest = (1..=9).min_by(|&a, &b| size(a).total_cmp(&size(b))).unwrap();
    assert!(s.pareto.contains(&smallest), "{:?}", s.pareto);
    assert!(s.pareto.contains(&s.best_trial), "{:?}", s.pareto);
    for &f in &s.pareto {
        assert!(s.trials[f - 1].pareto);
        for t in 1..=9 {
            assert!(
                !(acc(t) > acc(f) && size(t) < size(f)),
                "#{t} dominates front trial #{f}"
            );
        }
    }
    assert!(s.pareto.len() >= 2 && s.pareto.len() < 9, "{:?}", s.pareto);
    // Latency is measured on the compiled function.
    let out = run(&format!(
        "{IRIS}model tree = decision_tree_classifier(iris, seed = 0)\n\
         search s = tune(tree, objectives = [maximize(\"accuracy\"), minimize(\"latency_us\")], cv = kfold(3)) {{\n\
           max_depth = choice(1, 4)\n\
         }}\n"
    ));
    let s = search(&out, "s");
    assert!(s
        .trials
        .iter()
        .all(|t| t.objectives[1] > 0.0 && t.objectives[1] < 1000.0));
}

#[test]
fn preprocessing_parameters_are_searched_with_the_model() {
    let source = format!(
        "{IRIS}features prep = iris -> standardize(numeric) -> select_k_best(k = 4)\n\
         model lr = logistic_regression(prep)\n\
         search s = tune(lr, cv = kfold(3, seed = 0)) {{\n\
           prep.select_k_best.k = choice(1, 2, 3)\n\
           c = choice(0.01, 1.0)\n\
         }}\n"
    );
    let wf = Workflow::from_source("search.mlg", &source, Path::new("examples")).unwrap();
    let out = wf.run(&RunOptions::default()).unwrap();
    let s = search(&out, "s");
    let ks: Vec<i64> = s
        .trials
        .iter()
        .map(|t| t.params["prep.select_k_best.k"].as_i64().unwrap())
        .collect();
    assert_eq!(ks, [1, 1, 2, 2, 3, 3]);
    let means: Vec<f64> = s.trials.iter().map(|t| t.mean).collect();
    assert_ne!(means[0], means[4], "k changes what the model sees");
    // The compiled best trial reads only the columns its k kept.
    let k = s.best_params["prep.select_k_best.k"].as_i64().unwrap() as usize;
    let model = wf.compile("s").unwrap();
    assert_eq!(model.artifact().graph.inputs.len(), k);
}

#[test]
fn ensembles_tune_their_members_and_fuse_searched_models() {
    let out = run(&format!(
        "{IRIS}features prep = iris -> standardize(numeric)\n\
         model lr = logistic_regression(prep)\n\
         model tree = decision_tree_classifier(prep, seed = 0)\n\
         ensemble vote = soft_vote(lr, tree)\n\
         search tuned_vote = tune(vote, cv = kfold(3, seed = 0)) {{\n\
           tree.max_depth = choice(1, 3)\n\
           lr.c = choice(0.01, 1.0)\n\
         }}\n\
         search deep = tune(tree, cv = kfold(3, seed = 0)) {{ max_depth = choice(1, 3) }}\n\
         ensemble fused = mean(deep, lr)\n\
         evaluate tuned_vote, fused with kfold(3, seed = 1)\n"
    ));
    let s = search(&out, "tuned_vote");
    assert_eq!(s.trials.len(), 4);
    assert_eq!(s.operator, "soft_vote");
    let depth1: Vec<f64> = s
        .trials
        .iter()
        .filter(|t| t.params["tree.max_depth"] == 1)
        .map(|t| t.mean)
        .collect();
    let depth3: Vec<f64> = s
        .trials
        .iter()
        .filter(|t| t.params["tree.max_depth"] == 3)
        .map(|t| t.mean)
        .collect();
    assert_ne!(depth1, depth3);
    let fused = out.evaluations.iter().find(|e| e.model == "fused").unwrap();
    assert!(
        fused.metrics["accuracy"].mean > 0.9,
        "{:?}",
        fused.metrics["accuracy"]
    );
    assert_eq!(search(&out, "deep").best_params["max_depth"], 3);
}
