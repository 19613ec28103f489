//! Gradient boosting: learning on the bundled datasets' predefined folds,
//! determinism, growth limits, early stopping and parameter errors.

use super::*;
use crate::op::{FittedModel, Matrix, Target};
use mlg_compiler::workflow::catalog::Value;

pub(super) use crate::testing::{accuracy, classes, dataset, folds, params, r2, take};

/// Mean test score over the 5 predefined folds of `name`.
fn fold_score(name: &str, model: &GradientBoosting, score: fn(&[f64], &[f64]) -> f64) -> f64 {
    let (x, y) = dataset(name);
    let fold = folds(name, x.rows);
    let mut total = 0.0;
    for k in 0..5 {
        let train: Vec<usize> = (0..x.rows).filter(|&i| fold[i] != k).collect();
        let test: Vec<usize> = (0..x.rows).filter(|&i| fold[i] == k).collect();
        let ytr: Vec<f64> = train.iter().map(|&i| y[i]).collect();
        let target = if model.loss == BoostLoss::LogLoss {
            classes(&ytr)
        } else {
            Target::Values(ytr)
        };
        let fitted = model.fit_boost(&take(&x, &train), &target).expect("fit");
        let truth: Vec<f64> = test.iter().map(|&i| y[i]).collect();
        total += score(&fitted.predict(&take(&x, &test)), &truth);
    }
    let mean = total / 5.0;
    println!("{name}: mean fold score {mean:.4}");
    mean
}

#[test]
fn iris_multiclass_beats_majority_and_nears_sklearn() {
    let gb = GradientBoosting::classifier(&params(&[])).expect("params");
    let acc = fold_score("iris", &gb, accuracy);
    // Majority class: 1/3; scikit-learn's HistGradientBoosting: 0.9467.
    assert!(acc >= 0.92, "iris accuracy {acc}");
}

#[test]
fn breast_cancer_binary_beats_majority_and_nears_sklearn() {
    let gb = GradientBoosting::classifier(&params(&[])).expect("params");
    let acc = fold_score("breast_cancer", &gb, accuracy);
    // Majority class: 0.627; scikit-learn's HistGradientBoosting: 0.9701.
    assert!(acc >= 0.95, "breast_cancer accuracy {acc}");
}

#[test]
fn diabetes_regression_both_losses_beat_the_mean() {
    let sq = GradientBoosting::regressor(&params(&[])).expect("params");
    let r2_sq = fold_score("diabetes", &sq, r2);
    // scikit-learn's HistGradientBoostingRegressor: R² 0.4012.
    assert!(r2_sq >= 0.37, "squared error R² {r2_sq}");
    let abs = GradientBoosting::regressor(&params(&[("loss", Value::Str("absolute_error".into()))]))
        .expect("params");
    let r2_abs = fold_score("diabetes", &abs, r2);
    assert!(r2_abs >= 0.3, "absolute error R² {r2_abs}");
}

#[test]
fn same_seed_gives_identical_models_on_any_thread_count() {
    let (x, y) = dataset("breast_cancer");
    let p = params(&[
        ("rounds", Value::Int(15)),
        ("subsample", Value::Float(0.7)),
        ("colsample", Value::Float(0.5)),
        ("seed", Value::Int(3)),
    ]);
    let gb = GradientBoosting::classifier(&p).expect("params");
    let a = gb.fit_boost(&x, &classes(&y)).expect("fit");
    let b = gb.fit_boost(&x, &classes(&y)).expect("fit");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let c = pool.install(|| gb.fit_boost(&x, &classes(&y))).expect("fit");
    assert_eq!(a, b);
    assert_eq!(a, c);
    let other = GradientBoosting::classifier(&params(&[
        ("rounds", Value::Int(15)),
        ("subsample", Value::Float(0.7)),
        ("colsample", Value::Float(0.5)),
        ("seed", Value::Int(4)),
    ]))
    .expect("params")
    .fit_boost(&x, &classes(&y))
    .expect("fit");
    assert_ne!(a.trees, other.trees);
}

#[test]
fn growth_respects_leaf_and_depth_limits() {
    let (x, y) = dataset("diabetes");
    let leafwise = GradientBoosting::regressor(&params(&[
        ("rounds", Value::Int(5)),
        ("max_leaf_nodes", Value::Int(7)),
        ("min_samples_leaf", Value::Int(5)),
    ]))
    .expect("params")
    .fit_boost(&x, &Target::Values(y.clone()))
    .expect("fit");
    for tree in &leafwise.trees[0] {
        let leaves = tree.nodes.iter().filter(|n| n.split.is_none()).count();
        assert_eq!(leaves, 7);
    }
    let depthwise = GradientBoosting::regressor(&params(&[
        ("rounds", Value::Int(5)),
        ("growth", Value::Str("depth".into())),
        ("max_depth", Value::Int(2)),
        ("min_samples_leaf", Value::Int(5)),
    ]))
    .expect("params")
    .fit_boost(&x, &Target::Values(y))
    .expect("fit");
    for tree in &depthwise.trees[0] {
        // A full level-wise tree of depth 2: three splits, four leaves.
        assert_eq!(tree.nodes.len(), 7);
        assert!(tree.nodes[1].split.is_some() && tree.nodes[2].split.is_some());
    }
}

#[test]
fn importances_are_normalised_and_find_the_signal() {
    let n = 600;
    let mut rng = crate::eval::rng::SplitMix64::new(11);
    let data: Vec<f64> = (0..n * 4).map(|_| rng.next_f64()).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| if data[i * 4 + 2] > 0.5 { 1.0 } else { 0.0 })
        .collect();
    let x = Matrix {
        rows: n,
        cols: 4,
        data,
    };
    let fitted = GradientBoosting::classifier(&params(&[("rounds", Value::Int(20))]))
        .expect("params")
        .fit_boost(&x, &classes(&y))
        .expect("fit");
    let imp = fitted.importances().expect("importances");
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(imp[2] > 0.9, "{imp:?}");
    // Quantile bins may straddle 0.5 and misplace a row or two.
    assert!(accuracy(&fitted.predict(&x), &y) >= 0.99);
}

#[test]
fn early_stopping_stops_an_easy_problem_early() {
    let n = 3000;
    let mut rng = crate::eval::rng::SplitMix64::new(5);
    let data: Vec<f64> = (0..n * 3).map(|_| rng.below(10) as f64).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| 2.0 * f64::from(u8::from(data[i * 3] > 4.0)) + f64::from(u8::from(data[i * 3 + 1] > 6.0)))
        .collect();
    let x = Matrix {
        rows: n,
        cols: 3,
        data,
    };
    let run = |mode: &str| {
        GradientBoosting::regressor(&params(&[
            ("rounds", Value::Int(400)),
            ("learning_rate", Value::Float(0.5)),
            ("early_stopping", Value::Str(mode.into())),
        ]))
        .expect("params")
        .fit_boost(&x, &Target::Values(y.clone()))
        .expect("fit")
    };
    let stopped = run("on");
    assert!(stopped.rounds < 100, "ran {} rounds", stopped.rounds);
    assert!(stopped.validation_loss.is_some_and(|l| l < 0.01));
    assert_eq!(run("auto").rounds, 400, "auto is off for 3000 rows");
    assert_eq!(run("off").n_trees(), 400);
}

#[test]
fn bad_parameters_and_data_give_errors() {
    let bad = [
        ("learning_rate", Value::Float(0.0)),
        ("max_bins", Value::Int(256)),
        ("max_bins", Value::Int(1)),
        ("rounds", Value::Int(0)),
        ("max_leaf_nodes", Value::Int(1)),
        ("subsample", Value::Float(1.5)),
        ("colsample", Value::Float(0.0)),
        ("validation_fraction", Value::Float(1.0)),
        ("growth", Value::Str("wide".into())),
        ("early_stopping", Value::Str("maybe".into())),
        ("l2_regularization", Value::Float(-1.0)),
        ("seed", Value::Int(-1)),
        ("rounds", Value::Str("many".into())),
    ];
    for (name, value) in bad {
        let p = params(&[(name, value.clone())]);
        assert!(GradientBoosting::classifier(&p).is_err(), "{name} = {value:?}");
        assert!(crate::estimator(REGRESSOR, &p).is_err(), "{name} = {value:?}");
    }
    let huber = params(&[("loss", Value::Str("huber".into()))]);
    assert!(GradientBoosting::regressor(&huber).is_err());
    assert!(!DEFS.iter().any(|d| d.spec.name == "random_forest_classifier"));

    let x = Matrix {
        rows: 4,
        cols: 1,
        data: vec![1.0, 2.0, 3.0, 4.0],
    };
    let clf = GradientBoosting::classifier(&params(&[])).expect("params");
    let reg = GradientBoosting::regressor(&params(&[])).expect("params");
    assert!(
        clf.fit_boost(&x, &classes(&[1.0, 1.0, 1.0, 1.0])).is_err(),
        "one class"
    );
    assert!(
        clf.fit_boost(&x, &Target::Values(vec![0.0; 4])).is_err(),
        "numeric target"
    );
    assert!(
        reg.fit_boost(&x, &classes(&[0.0, 1.0, 0.0, 1.0])).is_err(),
        "class target"
    );
    assert!(reg
        .fit_boost(&x, &Target::Values(vec![0.0, 1.0, f64::NAN, 2.0]))
        .is_err());
    // Missing (NaN) features are learned from; infinite ones are refused.
    let nan = Matrix {
        rows: 4,
        cols: 1,
        data: vec![1.0, f64::NAN, 3.0, 4.0],
    };
    assert!(
        reg.fit_boost(&nan, &Target::Values(vec![0.0; 4])).is_ok(),
        "NaN feature"
    );
    let inf = Matrix {
        data: vec![1.0, f64::INFINITY, 3.0, 4.0],
        ..nan
    };
    let err = reg
        .fit_boost(&inf, &Target::Values(vec![0.0; 4]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("feature 0 of row 1 is infinite"), "{err}");
    let tiny_split =
        GradientBoosting::regressor(&params(&[("early_stopping", Value::Str("on".into()))])).expect("params");
    let one = Matrix {
        rows: 1,
        cols: 1,
        data: vec![1.0],
    };
    assert!(
        tiny_split.fit_boost(&one, &Target::Values(vec![0.0])).is_err(),
        "empty side"
    );
}

#[test]
fn catalog_entries_name_both_models() {
    let names: Vec<&str> = DEFS.iter().map(|d| d.spec.name).collect();
    assert_eq!(names, vec![CLASSIFIER, REGRESSOR]);
    for def in DEFS {
        assert!(crate::estimator(def.spec.name, &params(&[])).is_ok());
    }
}

/// A fit resumed from a checkpoint ends with the model of the fit that was
/// not interrupted: rows subsampled, features sampled and early stopping on,
/// so the generator, the held-out scores and the raw scores all matter.
#[test]
fn a_resumed_fit_equals_the_uninterrupted_one() {
    use mlg_runtime::checkpoint::{with_slot, Slot};
    let (x, y) = dataset("breast_cancer");
    let settings = |seed: i64| {
        params(&[
            ("rounds", Value::Int(10)),
            ("subsample", Value::Float(0.8)),
            ("colsample", Value::Float(0.5)),
            ("early_stopping", Value::Str("on".into())),
            ("n_iter_no_change", Value::Int(50)),
            ("checkpoint_rounds", Value::Int(4)),
            ("seed", Value::Int(seed)),
        ])
    };
    let gb = GradientBoosting::classifier(&settings(3)).expect("params");
    let plain = gb.fit_boost(&x, &classes(&y)).expect("fit");
    let dir = std::env::temp_dir().join(format!("mlg-boost-checkpoint-{}", std::process::id()));
    let slot = |resume| Slot {
        path: dir.join("gb.ckpt"),
        resume,
        writer: true,
    };
    // The first run leaves the checkpoint of round 8 behind it.
    let first = with_slot(slot(false), || gb.fit_boost(&x, &classes(&y))).expect("fit");
    assert_eq!(first, plain);
    assert!(dir.join("gb.ckpt").exists());
    let path = dir.join("gb.ckpt");
    let (print, payload) = crate::testing::saved_checkpoint(&path);
    let mut state = super::checkpoint::State::decode(&payload).expect("a boosting state");
    assert_eq!((state.rounds, state.grown[0].len()), (8, 8));
    let resumed = with_slot(slot(true), || gb.fit_boost(&x, &classes(&y))).expect("resumed");
    assert_eq!(resumed, plain);
    // The resumed fit took its state from the file: gains changed there show.
    state.gains.iter_mut().for_each(|g| *g += 1.0);
    mlg_runtime::checkpoint::save(&path, print, &state.encode()).expect("save");
    let tampered = with_slot(slot(true), || gb.fit_boost(&x, &classes(&y))).expect("resumed");
    assert_eq!(tampered.trees, plain.trees);
    assert_ne!(tampered.gains, plain.gains);
    // Another fit (another seed) does not take that checkpoint.
    let other = GradientBoosting::classifier(&settings(4)).expect("params");
    let fresh = other.fit_boost(&x, &classes(&y)).expect("fit");
    let ignored = with_slot(slot(true), || other.fit_boost(&x, &classes(&y))).expect("fit");
    assert_eq!(ignored, fresh);
    // A damaged checkpoint is an error naming the file.
    std::fs::write(dir.join("gb.ckpt"), b"MLGCKPT\0 truncated").expect("write");
    let err = with_slot(slot(true), || other.fit_boost(&x, &classes(&y)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("gb.ckpt") && err.contains("damaged"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
