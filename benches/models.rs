//! Inference speed of the three anchor models of `sklearn_speed.json` —
//! standardize + logistic regression, random forest (100 trees, depth 10)
//! and gradient boosting (100 rounds) — trained on 160,000 rows × 20 features
//! and run on the 40,000 held-out rows through `mlg bench`'s measurement
//! (interpreter, Cranelift on 1 thread and on all threads, single-row
//! latency, compile time; all in one run), next to the anchors' figures.
//!
//! `cargo bench --bench models` (`MLG_BENCH_DATA=synth.csv` runs on
//! scikit-learn's own rows, gunzipped from `synth_clf_200k.csv.gz`;
//! `MLG_BENCH_ONLY=lr,rf,gb` picks models).

mod common;

/// One benchmarked model and the anchors measured on the same machine kind.
struct Case {
    key: &'static str,
    label: &'static str,
    model: &'static str,
    /// `(name, rows/s, single-row µs)` of the anchors (`sklearn_speed.json`).
    anchors: &'static [(&'static str, f64, f64)],
    /// The targets: rows/s and single-row µs.
    target: (f64, f64),
}

const CASES: &[Case] = &[
    Case {
        key: "lr",
        label: "standardize + logistic_regression",
        model: "model m = logistic_regression(prep)",
        anchors: &[("scikit-learn", 3.10e6, 336.0), ("ONNX Runtime", 16.0e6, 7.5)],
        target: (48e6, 1.0),
    },
    Case {
        key: "rf",
        label: "random_forest_classifier(trees = 100, max_depth = 10)",
        model: "model m = random_forest_classifier(train, trees = 100, max_depth = 10, seed = 0)",
        anchors: &[
            ("scikit-learn", 192e3, 6342.0),
            ("Treelite", 103e3, f64::NAN),
            ("ONNX Runtime", 214e3, 18.0),
        ],
        target: (2e6, 15.0),
    },
    Case {
        key: "gb",
        label: "gradient_boosting_classifier(rounds = 100)",
        model: "model m = gradient_boosting_classifier(train, rounds = 100, seed = 0)",
        anchors: &[("lleaves (LightGBM 100)", 847e3, 11.1)],
        target: (1.7e6, 5.0),
    },
];

fn main() {
    let only = std::env::var("MLG_BENCH_ONLY").unwrap_or_default();
    let data = common::prepare("models", common::env_usize("MLG_BENCH_ROWS", 160_000));
    let test = mlg_runtime::csv::read_csv(&data.dir.join("test.csv")).expect("test data loads");
    println!(
        "inference on {} held-out rows x {} features (trained on {}); {} threads",
        data.test_rows,
        data.features,
        data.train_rows,
        rayon::current_num_threads()
    );
    println!(
        "| model | interpreter rows/s | mlg 1 thread rows/s | mlg all threads rows/s | mlg single row µs (median / p99) | compile ms | anchors (rows/s, single row µs) | target |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for case in CASES
        .iter()
        .filter(|c| only.is_empty() || only.split(',').any(|k| k == c.key))
    {
        let source = common::workflow(case.model);
        let wf = mlg::Workflow::from_source("models.mlg", &source, &data.dir).expect("workflow checks");
        let model = wf.compile("m").expect("model fits and compiles");
        let rows = mlg_runtime::rows::encode_rows(&test, model.inputs()).expect("rows encode");
        let graph = &model.artifact().graph;
        let r = mlg_cli::bench::bench(graph, &rows, test.n_rows).expect("bench runs");
        let predictions = model.predict(&test).expect("predicts");
        let right = (0..test.n_rows)
            .filter(|&i| predictions.prediction_text(i) == data.truth[i].to_string())
            .count();
        let anchors: Vec<String> = case
            .anchors
            .iter()
            .map(|(name, rps, us)| {
                let us = if us.is_nan() {
                    "-".to_string()
                } else {
                    format!("{us}")
                };
                format!("{name} {} / {us}", mrows(*rps))
            })
            .collect();
        println!(
            "| {} (accuracy {:.4}) | {} | {} | {} | {:.2} / {:.2} | {:.1} | {} | ≥ {} and ≤ {} µs |",
            case.label,
            right as f64 / test.n_rows as f64,
            mrows(r.interpreter_rows_per_s),
            mrows(r.cranelift_1_thread_rows_per_s),
            mrows(r.cranelift_all_threads_rows_per_s),
            r.latency_median_us,
            r.latency_p99_us,
            r.compile_ms,
            anchors.join("; "),
            mrows(case.target.0),
            case.target.1
        );
    }
}

/// Rows per second as `12.3 M` or `456 k`.
fn mrows(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else {
        format!("{:.0} k", x / 1e3)
    }
}
