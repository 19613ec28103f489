//! Fit time and held-out accuracy of logistic regression, random forest and
//! gradient boosting on `make_classification`-like data (160,000 training rows
//! × 20 features, 40,000 test rows), next to scikit-learn's figures on the same
//! machine kind (`benches/reference/sklearn_speed.json`). Not a criterion
//! benchmark: one fit takes seconds, so each is timed `MLG_BENCH_REPEATS`
//! times (default 3) and the median is reported.
//!
//! `cargo bench --bench fit` (`MLG_BENCH_ROWS` overrides the training rows,
//! `MLG_BENCH_ONLY=lr,rf,gb` picks models, `MLG_BENCH_VERBOSE=1` prints every
//! repeat). `MLG_BENCH_DATA=file.csv` uses a
//! CSV of `f0..f19,target` instead of generated data — e.g. scikit-learn's own
//! benchmark rows (`gunzip -k synth_clf_200k.csv.gz`): the first 80 % of its
//! rows train, the rest test, as in `sklearn_speed.json`.

mod common;

use std::time::Instant;

/// One benchmarked model: a key, the workflow's model line, and scikit-learn's
/// fit seconds and test accuracy from `sklearn_speed.json` (2 cores).
struct Case {
    key: &'static str,
    label: &'static str,
    model: &'static str,
    sklearn_fit_s: f64,
    sklearn_accuracy: f64,
}

const CASES: &[Case] = &[
    Case {
        key: "lr",
        label: "standardize + logistic_regression",
        model: "model m = logistic_regression(prep)",
        sklearn_fit_s: 0.32,
        sklearn_accuracy: 0.738,
    },
    Case {
        key: "rf",
        label: "random_forest_classifier(trees = 100, max_depth = 10)",
        model: "model m = random_forest_classifier(train, trees = 100, max_depth = 10, seed = 0)",
        sklearn_fit_s: 33.3,
        sklearn_accuracy: 0.924,
    },
    Case {
        key: "gb",
        label: "gradient_boosting_classifier(rounds = 100)",
        model: "model m = gradient_boosting_classifier(train, rounds = 100, seed = 0)",
        sklearn_fit_s: 1.93,
        sklearn_accuracy: 0.951,
    },
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let train_rows = common::env_usize("MLG_BENCH_ROWS", 160_000);
    let repeats = common::env_usize("MLG_BENCH_REPEATS", 3).max(1);
    let only = std::env::var("MLG_BENCH_ONLY").unwrap_or_default();
    let data = common::prepare("fit", train_rows);
    let (dir, train_rows, test_rows) = (&data.dir, data.train_rows, data.test_rows);
    let test = mlg_runtime::csv::read_csv(&dir.join("test.csv")).expect("test data loads");
    let truth = &data.truth;

    println!(
        "fit on {train_rows} rows x {} features, accuracy on {test_rows} held-out rows; \
         median of {repeats}; {} threads",
        data.features,
        rayon::current_num_threads()
    );
    println!(
        "| model | mlg fit (s), median [fastest] (of which Cranelift compile) | mlg accuracy | scikit-learn fit (s) | scikit-learn accuracy | fit time vs scikit-learn |"
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    for case in CASES
        .iter()
        .filter(|c| only.is_empty() || only.split(',').any(|k| k == c.key))
    {
        let source = common::workflow(case.model);
        let wf = mlg::Workflow::from_source("fit.mlg", &source, dir).expect("workflow checks");
        let mut times = Vec::with_capacity(repeats);
        let mut compile = Vec::with_capacity(repeats);
        let mut accuracy = 0.0;
        for _ in 0..repeats {
            let start = Instant::now();
            let model = wf.compile("m").expect("model fits and compiles");
            times.push(start.elapsed().as_secs_f64());
            compile.push(model.compile_time().as_secs_f64());
            let predictions = model.predict(&test).expect("predicts");
            let right = (0..test_rows)
                .filter(|&i| {
                    let text = predictions.prediction_text(i);
                    text == truth[i].to_string()
                })
                .count();
            accuracy = right as f64 / test_rows as f64;
        }
        if std::env::var("MLG_BENCH_VERBOSE").is_ok() {
            eprintln!("{}: {times:.3?}", case.key);
        }
        let fastest = times.iter().copied().fold(f64::INFINITY, f64::min);
        let fit = median(times);
        println!(
            "| {} | {fit:.3} [{fastest:.3}] ({:.3}) | {accuracy:.4} | {:.2} | {:.3} | {:.2}x |",
            case.label,
            median(compile),
            case.sklearn_fit_s,
            case.sklearn_accuracy,
            fit / case.sklearn_fit_s
        );
    }
}
