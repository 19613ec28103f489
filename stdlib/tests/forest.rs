//! Random forests (`random_forest_classifier`, `random_forest_regressor`):
//! 5-fold scores on the predefined iris and diabetes folds against
//! scikit-learn 1.9.1, determinism for a fixed seed (also on a one-thread rayon
//! pool), parameter checks, and the lowered graph on the interpreter and
//! Cranelift against `predict`.
//!
//! The random streams differ from scikit-learn's, so scores are compared with
//! a tolerance, not exactly.

mod common;

use common::{abi_row, load_dataset, load_folds, lowering_for, params, run_model_graph, to_matrix};
use mlg_compiler::backends::{cranelift, Executable};
use mlg_compiler::ir::{interp, Op};
use mlg_compiler::workflow::catalog::{Catalog, OpKind, Task, Value};
use mlg_runtime::frame::Frame;
use mlg_stdlib::catalog::StdCatalog;
use mlg_stdlib::estimator;
use mlg_stdlib::models::{FittedForest, RandomForest};
use mlg_stdlib::op::{FittedModel, Matrix, Target};

fn iris() -> (Frame, Matrix, Target) {
    let (frame, y) = load_dataset("iris");
    let x = to_matrix(&frame);
    let target = Target::Classes {
        codes: y.iter().map(|&v| v as u32).collect(),
        labels: vec!["0".into(), "1".into(), "2".into()],
    };
    (frame, x, target)
}

fn take(x: &Matrix, rows: &[usize]) -> Matrix {
    Matrix {
        rows: rows.len(),
        cols: x.cols,
        data: rows.iter().flat_map(|&r| x.row(r).iter().copied()).collect(),
    }
}

/// Training and test rows of fold `k`.
fn split(folds: &[i64], k: i64) -> (Vec<usize>, Vec<usize>) {
    let train = (0..folds.len()).filter(|&i| folds[i] != k).collect();
    let test = (0..folds.len()).filter(|&i| folds[i] == k).collect();
    (train, test)
}

#[test]
fn iris_folds_accuracy_close_to_sklearn() {
    // RandomForestClassifier(100, random_state=0) on iris.folds.csv:
    // [0.9667, 0.9667, 0.9, 0.9333, 0.9333], mean 0.94.
    let (_, x, y) = iris();
    let folds = load_folds("iris", x.rows);
    let forest = RandomForest::classifier(&params(&[])).expect("params");
    let mut accs = Vec::new();
    for k in 0..5 {
        let (train, test) = split(&folds, k);
        let fitted = forest
            .fit_forest(&take(&x, &train), &y.take(&train))
            .expect("fit");
        let pred = fitted.predict(&take(&x, &test));
        let Target::Classes { codes, .. } = y.take(&test) else {
            unreachable!("classes")
        };
        let hits = pred
            .iter()
            .zip(&codes)
            .filter(|(p, c)| **p == f64::from(**c))
            .count();
        accs.push(hits as f64 / test.len() as f64);
    }
    let mean = accs.iter().sum::<f64>() / 5.0;
    println!("iris fold accuracies {accs:?} mean {mean}");
    assert!((mean - 0.94).abs() <= 0.015, "mean accuracy {mean} ({accs:?})");
}

#[test]
fn diabetes_folds_r2_close_to_sklearn() {
    // RandomForestRegressor(100, random_state=0) on diabetes.folds.csv:
    // [0.2706, 0.4427, 0.5617, 0.3616, 0.4603], mean 0.4193774217182759.
    const SKLEARN_MEAN_R2: f64 = 0.4193774217182759;
    let (frame, y) = load_dataset("diabetes");
    let x = to_matrix(&frame);
    let folds = load_folds("diabetes", x.rows);
    let forest = RandomForest::regressor(&params(&[])).expect("params");
    let mut r2s = Vec::new();
    for k in 0..5 {
        let (train, test) = split(&folds, k);
        let ytrain: Vec<f64> = train.iter().map(|&i| y[i]).collect();
        let fitted = forest
            .fit_forest(&take(&x, &train), &Target::Values(ytrain))
            .expect("fit");
        let pred = fitted.predict(&take(&x, &test));
        let truth: Vec<f64> = test.iter().map(|&i| y[i]).collect();
        let mean = truth.iter().sum::<f64>() / truth.len() as f64;
        let ss_res: f64 = pred.iter().zip(&truth).map(|(p, t)| (p - t).powi(2)).sum();
        let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
        r2s.push(1.0 - ss_res / ss_tot);
    }
    let mean = r2s.iter().sum::<f64>() / 5.0;
    println!("diabetes fold R2 {r2s:?} mean {mean}");
    assert!((mean - SKLEARN_MEAN_R2).abs() <= 0.03, "mean R2 {mean} ({r2s:?})");
}

#[test]
fn same_seed_gives_identical_forests_on_any_thread_count() {
    let (_, x, y) = iris();
    let forest = RandomForest::classifier(&params(&[("trees", Value::Int(20)), ("seed", Value::Int(7))]))
        .expect("params");
    let a = forest.fit_forest(&x, &y).expect("fit");
    let b = forest.fit_forest(&x, &y).expect("fit");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool");
    let c = pool.install(|| forest.fit_forest(&x, &y)).expect("fit");
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(a.predict(&x), c.predict(&x));
    let other = RandomForest::classifier(&params(&[("trees", Value::Int(20)), ("seed", Value::Int(8))]))
        .expect("params")
        .fit_forest(&x, &y)
        .expect("fit");
    assert_ne!(a.trees, other.trees);

    let (frame, yd) = load_dataset("diabetes");
    let xd = to_matrix(&frame);
    let reg = RandomForest::regressor(&params(&[("trees", Value::Int(10))])).expect("params");
    let target = Target::Values(yd);
    let r1 = reg.fit_forest(&xd, &target).expect("fit");
    let r2 = pool.install(|| reg.fit_forest(&xd, &target)).expect("fit");
    assert_eq!(r1.predict(&xd), r2.predict(&xd));
}

#[test]
fn importances_are_normalised_and_favour_petals() {
    let (_, x, y) = iris();
    let fitted = RandomForest::classifier(&params(&[("trees", Value::Int(30))]))
        .expect("params")
        .fit_forest(&x, &y)
        .expect("fit");
    let imp = fitted.importances().expect("importances");
    assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(imp[2] + imp[3] > imp[0] + imp[1], "{imp:?}");
}

#[test]
fn parameters_defaults_and_errors() {
    let c = RandomForest::classifier(&params(&[])).expect("params");
    assert_eq!((c.trees, c.bootstrap, c.seed), (100, true, 0));
    assert_eq!(c.max_features, mlg_stdlib::models::forest::MaxFeatures::Sqrt);
    let r = RandomForest::regressor(&params(&[])).expect("params");
    assert_eq!(r.max_features, mlg_stdlib::models::forest::MaxFeatures::All);
    assert!(RandomForest::classifier(&params(&[("trees", Value::Int(0))])).is_err());
    assert!(RandomForest::classifier(&params(&[("max_features", Value::Str("half".into()))])).is_err());
    assert!(RandomForest::regressor(&params(&[("min_samples_split", Value::Int(1))])).is_err());
    assert!(estimator("random_forest_classifier", &params(&[])).is_ok());
    assert!(estimator("random_forest_regressor", &params(&[])).is_ok());
    for (name, task, default) in [
        ("random_forest_classifier", Task::Classification, "sqrt"),
        ("random_forest_regressor", Task::Regression, "all"),
    ] {
        let spec = StdCatalog.get(name).expect("catalog entry");
        assert_eq!(spec.kind, OpKind::Model { task });
        let mf = spec
            .params
            .iter()
            .find(|p| p.name == "max_features")
            .expect("max_features");
        assert_eq!(format!("{:?}", mf.default), format!("Str({default:?})"));
    }
    // A numeric target for the classifier is an error, not a panic.
    let (_, x, _) = iris();
    assert!(c.fit_forest(&x, &Target::Values(vec![0.0; x.rows])).is_err());
}

/// Lowers `fitted` over the columns of `frame`, runs interpreter and Cranelift
/// on every row, asserts they agree bit for bit, and returns the rows.
fn run_both(fitted: &FittedForest, frame: &Frame) -> (usize, Vec<f32>) {
    let mut lowering = lowering_for(frame);
    let parts = lowering.columns.iter().map(|(_, id)| *id).collect();
    let features = lowering.builder.push(Op::Concat { parts }).expect("concat");
    let outputs = fitted.lower(&mut lowering.builder, features).expect("lower");
    for (name, node) in outputs {
        lowering.builder.output(name, node);
    }
    let graph = lowering.builder.finish().expect("valid graph");
    let (n, width, out) = (frame.n_rows, graph.n_inputs(), graph.n_outputs());
    let input: Vec<f32> = (0..n).flat_map(|i| abi_row(frame, i)).collect();
    let mut by_interp = vec![0.0f32; n * out];
    interp::eval_rows(&graph, &input, n, width, &mut by_interp);
    let exe = cranelift::compile(&graph).expect("cranelift compile");
    let mut by_jit = vec![0.0f32; n * out];
    exe.run(&input, n, width, &mut by_jit).expect("cranelift run");
    for (i, (a, b)) in by_interp.iter().zip(&by_jit).enumerate() {
        assert_eq!(a.to_bits(), b.to_bits(), "value {i}: interp {a} vs cranelift {b}");
    }
    (out, by_interp)
}

#[test]
fn lowered_forests_agree_with_predict_on_both_backends() {
    let small = [("trees", Value::Int(10)), ("max_depth", Value::Int(3))];
    let (frame, x, y) = iris();
    let fitted = RandomForest::classifier(&params(&small))
        .expect("params")
        .fit_forest(&x, &y)
        .expect("fit");
    let pred = fitted.predict(&x);
    let (out, rows) = run_both(&fitted, &frame);
    assert_eq!(out, 4, "class + 3 probabilities");
    for i in 0..x.rows {
        let row = &rows[i * out..(i + 1) * out];
        assert_eq!(f64::from(row[0]), pred[i], "row {i} class");
        assert_eq!(
            &row[1..],
            fitted.predict_value(x.row(i)).as_slice(),
            "row {i} proba"
        );
    }
    let (names, _) = run_model_graph(&fitted, &x);
    assert_eq!(names, ["class", "proba"]);

    let (dframe, yd) = load_dataset("diabetes");
    let xd = to_matrix(&dframe);
    let reg = RandomForest::regressor(&params(&small))
        .expect("params")
        .fit_forest(&xd, &Target::Values(yd))
        .expect("fit");
    let pred = reg.predict(&xd);
    let (out, rows) = run_both(&reg, &dframe);
    assert_eq!(out, 1);
    for (i, (g, p)) in rows.iter().zip(&pred).enumerate() {
        assert_eq!(f64::from(*g), *p, "row {i}");
    }
}
