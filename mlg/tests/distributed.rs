//! Whole workflows run as a distributed job of ranks simulated by threads
//! (`mlg_runtime::collective::Local`; the MPI engine is tested by
//! `tests/distributed.rs` of the binary under `--features mpi`): each rank
//! reads its shard of the CSV, the model deployed by rank 0 predicts what the
//! one-process model predicts, and what cannot run distributed is refused
//! on every rank.

use mlg_runtime::collective::Local;
use mlg_runtime::profile::FeatureStats;
use std::path::{Path, PathBuf};

/// A fresh folder `name` under cargo's scratch space for tests (inside
/// `target/`, so runs do not pile folders up in the system's temp dir).
fn folder(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mlg-distributed-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `n` rows of four features and a class `y` (a noisy linear rule) or, with
/// `regression`, a value `v`.
fn write_data(path: &Path, n: usize, regression: bool) {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let mut text = String::from(if regression { "a,b,c,d,v\n" } else { "a,b,c,d,y\n" });
    for _ in 0..n {
        let x: Vec<f64> = (0..4u8)
            .map(|j| next() * (f64::from(j) + 1.0) + f64::from(j))
            .collect();
        let score = x[0] - 0.5 * x[1] + 0.3 * x[2] - 0.2 * x[3] + 0.4 * next();
        let class = if score > -0.6 { "yes" } else { "no" };
        let target = if regression {
            format!("{:.5}", score * 3.0)
        } else {
            class.to_string()
        };
        text.push_str(&format!(
            "{:.5},{:.5},{:.5},{:.5},{target}\n",
            x[0], x[1], x[2], x[3]
        ));
    }
    std::fs::write(path, text).expect("data");
}

/// A run's evaluations and searches, without what no two runs share (fit
/// and trial times) and the trial log's path.
type Results = (Vec<mlg::executor::Evaluation>, Vec<mlg::executor::Search>);

/// Runs the workflow at `flow` on `ranks` rank threads; each rank's results.
fn evaluate_on_ranks(flow: &Path, ranks: usize) -> Vec<mlg::Result<Results>> {
    let flow = flow.to_path_buf();
    Local::run(ranks, move |_| {
        let wf = mlg::Workflow::from_file(&flow)?;
        let out = mlg::executor::run(&wf, &mlg::RunOptions::default())?;
        let mut evaluations = out.evaluations;
        evaluations.iter_mut().for_each(|e| e.fit_seconds = 0.0);
        let mut searches = out.searches;
        for s in &mut searches {
            s.log = None;
            s.trials.iter_mut().for_each(|t| t.seconds = 0.0);
        }
        Ok((evaluations, searches))
    })
}

/// Runs the workflow at `flow` on `ranks` rank threads; each rank's result.
fn run_on_ranks(flow: &Path, ranks: usize) -> Vec<mlg::Result<()>> {
    evaluate_on_ranks(flow, ranks)
        .into_iter()
        .map(|r| r.map(|_| ()))
        .collect()
}

/// Writes `body` (with `deploy m to "m.mlgc"`) beside the data in a new folder.
fn flow(name: &str, data: &Path, body: &str) -> PathBuf {
    let dir = folder(name);
    let path = dir.join("flow.mlg");
    let text = format!(
        "data d = csv(\"{}\", target = {body}\ndeploy m to \"m.mlgc\"\n",
        data.display()
    );
    std::fs::write(&path, text).expect("flow");
    path
}

/// The error's text, with every diagnostic's message.
fn message(result: mlg::Result<()>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(mlg::Error::Diagnostics { diagnostics, .. }) => diagnostics
            .iter()
            .map(|d| format!("{d:?}"))
            .collect::<Vec<_>>()
            .join("; "),
        Err(e) => e.to_string(),
    }
}

fn predictions(artifact: &Path, data: &Path) -> Vec<f32> {
    let model = mlg_runtime::Model::load(artifact).expect("artifact");
    let frame = mlg_runtime::csv::read_csv_typed(data, &[]).expect("data");
    model.predict(&frame).expect("predict").values
}

#[test]
fn ranks_deploy_the_model_one_process_deploys() {
    let dir = folder("data");
    let (classes, values) = (dir.join("classes.csv"), dir.join("values.csv"));
    write_data(&classes, 3000, false);
    write_data(&values, 3000, true);
    let bodies = [
        (
            "logistic",
            "\"y\")\nfeatures s = d -> standardize(numeric)\nmodel m = logistic_regression(s, tol = 1e-10)",
        ),
        (
            "newton",
            "\"y\")\nmodel m = logistic_regression(d, solver = \"newton\")",
        ),
        (
            "boosting",
            "\"y\")\nmodel m = gradient_boosting_classifier(d, rounds = 4, early_stopping = \"off\")",
        ),
        (
            "boosting-early",
            "\"y\")\nmodel m = gradient_boosting_classifier(d, rounds = 30, early_stopping = \"on\", \
             subsample = 0.8, learning_rate = 0.5, n_iter_no_change = 2)",
        ),
        (
            "linear",
            "\"v\")\nfeatures s = d -> standardize(numeric)\nmodel m = linear_regression(s)",
        ),
        (
            "mlp",
            "\"y\")\nfeatures s = d -> standardize(numeric)\n\
             model m = mlp_classifier(s, hidden = \"6\", epochs = 5, batch_size = 100)",
        ),
        (
            "forest",
            "\"y\")\nmodel m = random_forest_classifier(d, trees = 5, splitter = \"hist\", oob_score = true)",
        ),
        (
            "extra",
            "\"y\")\nmodel m = extra_trees_classifier(d, trees = 5, max_depth = 6)",
        ),
        (
            "mlp-early",
            "\"y\")\nfeatures s = d -> standardize(numeric)\n\
             model m = mlp_classifier(s, hidden = \"6\", epochs = 30, early_stopping = true, \
             learning_rate = 0.05, tol = 0.01)",
        ),
    ];
    for (name, body) in bodies {
        let data = if name == "linear" { &values } else { &classes };
        let one = flow(&format!("{name}-1"), data, body);
        for result in run_on_ranks(&one, 1) {
            assert!(result.is_ok(), "{name}, one process: {}", message(result));
        }
        let want = predictions(&one.with_file_name("m.mlgc"), data);
        for ranks in [2, 3] {
            let many = flow(&format!("{name}-{ranks}"), data, body);
            for (rank, result) in run_on_ranks(&many, ranks).into_iter().enumerate() {
                assert!(
                    result.is_ok(),
                    "{name}, rank {rank} of {ranks}: {}",
                    message(result)
                );
            }
            let artifact = many.with_file_name("m.mlgc");
            let got = predictions(&artifact, data);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-4 * w.abs().max(1.0),
                    "{name} on {ranks} ranks: {g} vs {w}"
                );
            }
            let loaded = mlg_runtime::artifact::read(&artifact).expect("artifact");
            assert_eq!(loaded.profile.rows, 3000);
            let FeatureStats::Numeric(a) = &loaded.profile.features[0].stats else {
                panic!("numeric profile");
            };
            assert!((a.mean - 0.0).abs() < 0.05, "{}", a.mean);
        }
    }
}

#[test]
fn what_cannot_run_distributed_is_refused_on_every_rank() {
    let dir = folder("refused-data");
    let data = dir.join("data.csv");
    write_data(&data, 200, false);
    let forest = flow(
        "refused",
        &data,
        "\"y\")\nmodel m = random_forest_classifier(d, splitter = \"exact\")",
    );
    let tiny = dir.join("tiny.csv");
    std::fs::write(&tiny, "a,y\n1,yes\n2,no\n").expect("tiny");
    let empty = flow("empty", &tiny, "\"y\")\nmodel m = logistic_regression(d)");
    let values = dir.join("values.csv");
    write_data(&values, 200, true);
    let absolute = flow(
        "absolute",
        &values,
        "\"v\")\nmodel m = gradient_boosting_regressor(d, loss = \"absolute_error\")",
    );
    for (path, expected) in [
        (
            forest,
            "`random_forest_classifier` with splitter \"exact\" (use \"hist\": one process grows the \
             same forest with it) does not run distributed yet",
        ),
        (empty, "holds no rows"),
        (
            absolute,
            "`gradient_boosting_regressor` with loss \"absolute_error\" does not run distributed yet",
        ),
    ] {
        for (rank, result) in run_on_ranks(&path, 3).into_iter().enumerate() {
            let message = message(result);
            assert!(message.contains(expected), "rank {rank}: {message}");
        }
        assert!(!path.with_file_name("m.mlgc").exists(), "no artifact");
    }
}

/// A workflow that evaluates, selects and searches runs task-parallel: every
/// rank reads all the rows, the folds and trials are dealt out to the ranks,
/// and every rank ends with the evaluations (scores, confusion matrices,
/// importances, pooled predictions) and searches one process computes; rank
/// 0 alone deploys.
#[test]
fn evaluations_deal_their_folds_out_to_the_ranks() {
    let dir = folder("tasks-data");
    let data = dir.join("classes.csv");
    write_data(&data, 600, false);
    let path = flow(
        "tasks",
        &data,
        "\"y\")\nfeatures s = d -> standardize(numeric)\nmodel lr = logistic_regression(s)\n\
         model tree = decision_tree_classifier(d, max_depth = 4)\n\
         model m = select(lr, tree, metric = \"accuracy\", cv = kfold(3, seed = 1))\n\
         search deep = tune(tree, strategy = \"random\", trials = 5, seed = 3, cv = kfold(3, seed = 2)) {\n\
           max_depth = int(2, 8)\n\
         }\n\
         evaluate lr, tree, deep with kfold(5, seed = 0) metrics accuracy, f1_macro",
    );
    let one = evaluate_on_ranks(&path, 1)
        .pop()
        .expect("one rank")
        .expect("one process runs");
    assert_eq!((one.0.len(), one.1.len(), one.1[0].trials.len()), (3, 1, 5));
    std::fs::remove_file(path.with_file_name("m.mlgc")).expect("deployed");
    for ranks in [2, 3] {
        for (rank, got) in evaluate_on_ranks(&path, ranks).into_iter().enumerate() {
            let got = got.unwrap_or_else(|e| panic!("rank {rank} of {ranks}: {e}"));
            assert_eq!(got, one, "rank {rank} of {ranks}");
        }
        assert!(path.with_file_name("m.mlgc").exists(), "rank 0 deployed");
    }
}

/// `csv("parts/*.csv")` reads every matching file; on ranks, whole files
/// per rank when there are enough, else a share of each; a pattern that
/// matches nothing is an error on every rank.
#[test]
fn a_glob_source_spreads_its_files_over_the_ranks() {
    let dir = folder("glob");
    let parts = dir.join("parts");
    std::fs::create_dir_all(&parts).expect("parts");
    let whole = dir.join("whole.csv");
    write_data(&whole, 3000, false);
    let text = std::fs::read_to_string(&whole).expect("whole");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines.collect();
    for (k, chunk) in rows.chunks(1000).enumerate() {
        std::fs::write(
            parts.join(format!("part{k}.csv")),
            format!("{header}\n{}\n", chunk.join("\n")),
        )
        .expect("part");
    }
    let body =
        "\"y\")\nfeatures s = d -> standardize(numeric)\nmodel m = logistic_regression(s, tol = 1e-10)";
    let one = flow("glob-one", &whole, body);
    run_on_ranks(&one, 1).pop().expect("rank").expect("one process");
    let want = predictions(&one.with_file_name("m.mlgc"), &whole);
    for ranks in [1, 2, 4] {
        let many = flow(&format!("glob-{ranks}"), &parts.join("*.csv"), body);
        for (rank, result) in run_on_ranks(&many, ranks).into_iter().enumerate() {
            assert!(result.is_ok(), "rank {rank} of {ranks}: {}", message(result));
        }
        let got = predictions(&many.with_file_name("m.mlgc"), &whole);
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-4 * w.abs().max(1.0),
                "{ranks} ranks: {g} vs {w}"
            );
        }
    }
    let none = flow("glob-none", &parts.join("*.parquet"), body);
    for ranks in [1, 2] {
        for result in run_on_ranks(&none, ranks) {
            let m = message(result);
            assert!(m.contains("matches no file"), "{m}");
        }
    }
}

/// The scores of every evaluation in `results`, in order, then every
/// search trial's mean score.
fn scores(results: &Results) -> Vec<f64> {
    let folds = results
        .0
        .iter()
        .flat_map(|e| e.metrics.values().flat_map(|m| m.folds.clone()));
    let trials = results.1.iter().flat_map(|s| s.trials.iter().map(|t| t.mean));
    folds.chain(trials).collect()
}

/// `distribute = "data"` on an evaluation runs its splits in turn, each fit
/// on every rank's share of the split's training rows; on a model, its
/// deploy fit. Scores and predictions are one process's (to the solvers'
/// tolerance); every rank holds the same.
#[test]
fn distribute_data_fits_every_split_and_the_deploy_on_shares_of_the_rows() {
    let dir = folder("distribute-data");
    let data = dir.join("classes.csv");
    write_data(&data, 900, false);
    let path = flow(
        "distribute",
        &data,
        "\"y\")\nfeatures s = d -> standardize(numeric)\n\
         model m = logistic_regression(s, tol = 1e-10, distribute = \"data\")\n\
         model net = mlp_classifier(s, hidden = \"4\", epochs = 5, batch_size = 50)\n\
         evaluate m, net with kfold(3, seed = 0, distribute = \"data\") metrics accuracy, log_loss\n\
         search best = tune(m, strategy = \"grid\", metric = \"log_loss\", \
         cv = kfold(2, seed = 1, distribute = \"data\")) {\n  c = choice(0.5, 2.0)\n}",
    );
    let one = evaluate_on_ranks(&path, 1)
        .pop()
        .expect("one rank")
        .expect("one process runs");
    let want = scores(&one);
    assert_eq!(want.len(), 2 * 2 * 3 + 2);
    let artifact = path.with_file_name("m.mlgc");
    let predicted = predictions(&artifact, &data);
    std::fs::remove_file(&artifact).expect("deployed");
    for ranks in [2, 3] {
        let all: Vec<Results> = evaluate_on_ranks(&path, ranks)
            .into_iter()
            .enumerate()
            .map(|(rank, r)| r.unwrap_or_else(|e| panic!("rank {rank} of {ranks}: {e}")))
            .collect();
        for got in &all {
            assert_eq!(scores(got), scores(&all[0]), "every rank holds the same scores");
        }
        for (g, w) in scores(&all[0]).iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-6 * w.abs().max(1.0),
                "{ranks} ranks: {g} vs {w}\n{:?}\n{want:?}",
                scores(&all[0])
            );
        }
        for (g, w) in predictions(&artifact, &data).iter().zip(&predicted) {
            assert!((g - w).abs() <= 1e-4, "{ranks} ranks: {g} vs {w}");
        }
        let loaded = mlg_runtime::artifact::read(&artifact).expect("artifact");
        assert_eq!(loaded.profile.rows, 900, "the profile merges every rank's share");
    }
}

#[test]
fn distribute_asks_what_it_can_and_says_why_not() {
    let dir = folder("distribute-refused");
    let data = dir.join("classes.csv");
    write_data(&data, 200, false);
    let forest = flow(
        "forest",
        &data,
        "\"y\")\nmodel m = svm(d)\n\
         evaluate m with kfold(2, distribute = \"data\")",
    );
    let search = flow(
        "search",
        &data,
        "\"y\")\nmodel t = decision_tree_classifier(d)\n\
         search m = tune(t, strategy = \"grid\", cv = kfold(2, distribute = \"data\")) {\n  max_depth = choice(2, 3)\n}",
    );
    for (path, expected) in [
        (
            forest,
            "`distribute = \"data\"` asks to fit `m` on every rank's share of the rows; the model \
             `svm` does not run distributed yet",
        ),
        (
            search,
            "`m`: `distribute = \"data\"` asks to fit `t` on every rank's share of the rows; the \
             model `decision_tree_classifier` does not run distributed yet",
        ),
    ] {
        // One process runs them: the choice is about ranks.
        for result in run_on_ranks(&path, 1) {
            assert!(result.is_ok(), "one process: {}", message(result));
        }
        for (rank, result) in run_on_ranks(&path, 2).into_iter().enumerate() {
            let message = message(result);
            assert!(message.contains(expected), "rank {rank}: {message}");
        }
    }
    let bad = flow(
        "bad",
        &data,
        "\"y\")\nmodel m = logistic_regression(d, distribute = \"both\")",
    );
    let message = message(run_on_ranks(&bad, 1).pop().expect("one rank"));
    assert!(
        message.contains("mlg::param_type") && message.contains("parameter `distribute` expects"),
        "{message}"
    );
}

/// The run output says how a job of many ranks ran, and one process says
/// nothing of it.
#[test]
fn the_output_says_how_the_ranks_ran() {
    let dir = folder("distribution-data");
    let data = dir.join("classes.csv");
    write_data(&data, 300, false);
    let tasks = flow(
        "distribution-tasks",
        &data,
        "\"y\")\nmodel m = logistic_regression(d, distribute = \"data\")\n\
         evaluate m with kfold(2, distribute = \"data\")",
    );
    let data_job = flow(
        "distribution-data-job",
        &data,
        "\"y\")\nmodel m = logistic_regression(d)",
    );
    let how = |path: &Path, ranks: usize| -> Vec<Option<String>> {
        let path = path.to_path_buf();
        Local::run(ranks, move |_| {
            mlg::mode::with_budget(1_000_000_000, || {
                let wf = mlg::Workflow::from_file(&path).expect("workflow");
                let out = mlg::executor::run(&wf, &mlg::RunOptions::default()).expect("run");
                out.distributed.map(|d| d.to_string())
            })
        })
    };
    assert_eq!(how(&tasks, 1), vec![None]);
    for line in how(&tasks, 2) {
        let line = line.expect("a distributed job says how it ran");
        assert!(
            line.starts_with("distributed over 2 ranks: task parallelism")
                && line.contains("(`evaluate#1` evaluates; its data (")
                && line
                    .ends_with("fit on each rank (<= 1.0 GB)); fitted on shares of the rows: m, evaluate#1"),
            "{line}"
        );
    }
    for line in how(&data_job, 3) {
        assert_eq!(
            line.as_deref(),
            Some(
                "distributed over 3 ranks: data parallelism, every rank holding its share of the \
                 rows (the workflow only trains and deploys)"
            )
        );
    }
}

/// A workflow that evaluates data that do not fit on each rank (here a
/// budget of one byte) runs data-parallel: each rank reads its share of the
/// rows, the splits are one process's, every fit sums over the ranks, and
/// the held-out predictions are gathered and scored: the scores and pooled
/// predictions are one process's (a forest's exactly; logistic and linear
/// regression's to the solvers' rounding).
#[test]
fn evaluations_on_shards_score_what_one_process_scores() {
    let dir = folder("shards-data");
    let (classes, values) = (dir.join("classes.csv"), dir.join("values.csv"));
    write_data(&classes, 900, false);
    write_data(&values, 900, true);
    let cases = [
        (
            "shards-logistic",
            &classes,
            "\"y\")\nfeatures s = d -> standardize(numeric)\nmodel m = logistic_regression(s, tol = 1e-10)\n\
             evaluate m with kfold(3, seed = 4) metrics accuracy, log_loss",
        ),
        (
            "shards-forest",
            &classes,
            "\"y\")\nmodel m = random_forest_classifier(d, trees = 4, splitter = \"hist\", max_depth = 5)\n\
             evaluate m with kfold(4, seed = 1) metrics accuracy, f1_macro",
        ),
        (
            "shards-select",
            &classes,
            "\"y\")\nfeatures s = d -> standardize(numeric)\nmodel lr = logistic_regression(s, tol = 1e-10)\n\
             model f = random_forest_classifier(d, trees = 4, splitter = \"hist\", max_depth = 5)\n\
             model m = select(lr, f, metric = \"accuracy\", cv = kfold(3, seed = 1))\n\
             evaluate m with kfold(3, seed = 4) metrics accuracy",
        ),
        (
            "shards-search",
            &classes,
            "\"y\")\nfeatures s = d -> standardize(numeric)\nmodel lr = logistic_regression(s, tol = 1e-10)\n\
             search m = tune(lr, strategy = \"grid\", metric = \"accuracy\", cv = kfold(3, seed = 2)) {\n\
               c = choice(0.01, 1.0)\n\
             }\n\
             evaluate m with kfold(3, seed = 4) metrics accuracy",
        ),
        (
            "shards-linear",
            &values,
            "\"v\")\nmodel m = linear_regression(d)\nevaluate m with holdout(test = 0.3, seed = 2) metrics r2, rmse",
        ),
    ];
    for (name, data, body) in cases {
        let path = flow(name, data, body);
        let one = evaluate_on_ranks(&path, 1)
            .pop()
            .expect("one")
            .expect("one process")
            .0;
        let one_chosen: Vec<String> = Local::run(1, {
            let path = path.clone();
            move |_| {
                let wf = mlg::Workflow::from_file(&path).expect("workflow");
                let out = mlg::executor::run(&wf, &mlg::RunOptions::default()).expect("run");
                let mut chosen: Vec<String> = out.selections.iter().map(|s| s.chosen.clone()).collect();
                chosen.extend(
                    out.searches
                        .iter()
                        .map(|s| format!("best trial {}", s.best_trial)),
                );
                chosen
            }
        })
        .pop()
        .expect("one rank");
        for ranks in [2, 3] {
            let path = path.clone();
            let got = Local::run(ranks, move |_| {
                mlg::mode::with_budget(1, || {
                    let wf = mlg::Workflow::from_file(&path)?;
                    let out = mlg::executor::run(&wf, &mlg::RunOptions::default())?;
                    let mut chosen: Vec<String> = out.selections.iter().map(|s| s.chosen.clone()).collect();
                    chosen.extend(
                        out.searches
                            .iter()
                            .map(|s| format!("best trial {}", s.best_trial)),
                    );
                    Ok::<_, mlg::Error>((out.evaluations, out.distributed, chosen))
                })
            });
            for (rank, result) in got.into_iter().enumerate() {
                let (evaluations, how, chosen) =
                    result.unwrap_or_else(|e| panic!("{name}, rank {rank} of {ranks}: {e}"));
                assert_eq!(chosen, one_chosen, "{name}: the selection");
                let how = how.expect("a distributed job says how it ran");
                assert_eq!(how.mode, "data", "{name}");
                assert!(how.reason.contains("do not fit on each rank"), "{}", how.reason);
                let (a, b) = (&evaluations[0], &one[0]);
                for (metric, want) in &b.metrics {
                    let have = &a.metrics[metric];
                    assert_eq!(have.folds.len(), want.folds.len(), "{name} {metric}");
                    for (x, y) in have.folds.iter().zip(&want.folds) {
                        assert!(
                            (x - y).abs() <= 1e-6 * y.abs().max(1.0),
                            "{name} {metric} on {ranks} ranks: {x} vs {y}"
                        );
                    }
                }
                if name == "shards-forest" {
                    assert_eq!(a.held_out, b.held_out, "{name}: the pooled predictions");
                    assert_eq!(a.confusion_matrix, b.confusion_matrix, "{name}");
                }
            }
        }
    }
}
