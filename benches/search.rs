//! Search strategies against each other (not a timing benchmark: it compares
//! scores and training cost). Two tables:
//!
//! 1. `halving` against `grid` over the same 27 random-forest settings on
//!    breast_cancer (`examples/breast_cancer_halving.mlg`): best score and
//!    training cost (rows × fits).
//! 2. `random`, `tpe` and `genetic` at equal trials on one space, the best
//!    cross-validated score of each averaged over 5 seeds.
//!
//! `cargo bench --bench search` (`MLG_BENCH_TRIALS` sets the trials of table 2,
//! default 30; `MLG_BENCH_SPACE=gb|mlp` picks its space, default gb).

use mlg::{RunOptions, Workflow};
use std::path::Path;

const SEEDS: [u64; 5] = [0, 1, 2, 3, 4];

fn main() {
    halving_vs_grid();
    let trials: usize = std::env::var("MLG_BENCH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let space = std::env::var("MLG_BENCH_SPACE").unwrap_or_else(|_| "gb".into());
    model_based_vs_random(&space, trials);
}

fn halving_vs_grid() {
    let wf = Workflow::from_file("examples/breast_cancer_halving.mlg").expect("example checks");
    let out = wf.run(&RunOptions::default()).expect("example runs");
    println!("| strategy | trials | best accuracy | cost (row-fits) | cost / grid |");
    println!("| --- | --- | --- | --- | --- |");
    let grid_cost = out
        .searches
        .iter()
        .find(|s| s.name == "grid")
        .map_or(1.0, |s| s.cost);
    for s in &out.searches {
        println!(
            "| {} | {} | {:.4} | {:.0} | {:.3} |",
            s.strategy,
            s.trials.len(),
            s.best_score,
            s.cost,
            s.cost / grid_cost
        );
    }
    println!();
}

/// The workflow of table 2 for one strategy and seed.
fn source(space: &str, strategy: &str, trials: usize, seed: u64) -> String {
    let (model, block) = match space {
        "mlp" => (
            "features prep = bc -> standardize(numeric)\nmodel m = mlp_classifier(prep, seed = 0)",
            "alpha = float(0.00001, 10, log = true)\n  activation = choice(\"relu\", \"tanh\", \"logistic\")\n  epochs = int(5, 100)",
        ),
        _ => (
            "model m = gradient_boosting_classifier(bc, seed = 0)",
            "learning_rate = float(0.001, 1.0, log = true)\n  rounds = int(5, 150)\n  max_depth = int(1, 8)\n  min_samples_leaf = int(1, 60)",
        ),
    };
    format!(
        "data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n{model}\n\
         search s = tune(m, strategy = \"{strategy}\", trials = {trials}, seed = {seed}, cv = kfold(5, seed = 0)) {{\n  {block}\n}}\n"
    )
}

fn model_based_vs_random(space: &str, trials: usize) {
    println!("space `{space}`, {trials} trials each, best kfold(5) accuracy per seed");
    println!("| strategy | seed 0 | seed 1 | seed 2 | seed 3 | seed 4 | mean |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for strategy in ["random", "tpe", "genetic"] {
        let scores: Vec<f64> = SEEDS
            .iter()
            .map(|&seed| {
                let wf = Workflow::from_source(
                    "bench.mlg",
                    &source(space, strategy, trials, seed),
                    Path::new("examples"),
                )
                .expect("bench workflow checks");
                wf.run(&RunOptions::default())
                    .expect("bench workflow runs")
                    .searches[0]
                    .best_score
            })
            .collect();
        let cells: Vec<String> = scores.iter().map(|s| format!("{s:.4}")).collect();
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        println!("| {strategy} | {} | {mean:.4} |", cells.join(" | "));
    }
}
