//! CART trees (`decision_tree_classifier`, `decision_tree_regressor`) against
//! scikit-learn 1.9.1 (numpy only): iris and diabetes fits, the predefined iris
//! folds, parameter and data checks, and the lowered nested-`Select` graph on
//! the interpreter and Cranelift.
//!
//! References: `DecisionTreeClassifier(max_depth=3, random_state=rs).fit(X, y)`
//! on `tests/data/iris.csv` and `DecisionTreeRegressor(max_depth=4,
//! random_state=rs)` on `tests/data/diabetes.csv`, reading `predict(X)`,
//! `feature_importances_`, `tree_.feature` and `tree_.threshold`. The iris root
//! has an exact tie (petal length <= 2.45 and petal width <= 0.8 both isolate
//! setosa): scikit-learn with random_state 0..3 picks petal width, with 4 petal
//! length; mlg breaks ties by the lower feature index, i.e. petal length, so
//! its importances are those of random_state=4 (predictions agree for all).

mod common;
mod tree_reference;

use common::{
    abi_row, assert_close, load_dataset, load_folds, lowering_for, params, run_model_graph, to_matrix,
};
use mlg_compiler::backends::{cranelift, Executable};
use mlg_compiler::ir::{interp, Op};
use mlg_compiler::workflow::catalog::{Catalog, OpKind, Task, Value};
use mlg_runtime::frame::Frame;
use mlg_stdlib::catalog::StdCatalog;
use mlg_stdlib::estimator;
use mlg_stdlib::models::{DecisionTree, FittedTree};
use mlg_stdlib::op::{FittedModel, Matrix, OpError, Target};
use tree_reference::{DIABETES_DEPTH4, IRIS_DEPTH3};

fn iris() -> (Frame, Matrix, Target) {
    let (frame, y) = load_dataset("iris");
    let x = to_matrix(&frame);
    let target = Target::Classes {
        codes: y.iter().map(|&v| v as u32).collect(),
        labels: vec!["0".into(), "1".into(), "2".into()],
    };
    (frame, x, target)
}

fn classifier(items: &[(&str, Value)]) -> DecisionTree {
    DecisionTree::classifier(&params(items)).expect("params")
}

fn regressor(items: &[(&str, Value)]) -> DecisionTree {
    DecisionTree::regressor(&params(items)).expect("params")
}

fn codes(t: &Target) -> Vec<f64> {
    match t {
        Target::Classes { codes, .. } => codes.iter().map(|&c| f64::from(c)).collect(),
        Target::Values(v) => v.clone(),
    }
}

fn accuracy(pred: &[f64], want: &[f64]) -> f64 {
    pred.iter().zip(want).filter(|(a, b)| a == b).count() as f64 / want.len() as f64
}

#[test]
fn iris_depth3_matches_sklearn() {
    let (_, x, y) = iris();
    let fitted = classifier(&[("max_depth", Value::Int(3))])
        .fit_tree(&x, &y)
        .expect("fit");
    let pred = fitted.predict(&x);
    let want: Vec<f64> = IRIS_DEPTH3.iter().map(|&c| f64::from(c)).collect();
    assert_eq!(pred, want);
    assert_eq!(accuracy(&pred, &codes(&y)), 0.9733333333333334);
    // random_state=4's tree (root on petal length, see the module docs).
    let want_imp = [0.0, 0.0, 0.5856155514031495, 0.4143844485968506];
    let imp = fitted.importances().expect("importances");
    for (j, (g, w)) in imp.iter().zip(want_imp).enumerate() {
        assert_close(*g, w, 1e-9, &format!("importance {j}"));
    }
    // tree_.feature / tree_.threshold in scikit-learn's (pre-order) node order.
    let splits: Vec<(usize, f64)> = fitted
        .nodes
        .iter()
        .filter_map(|n| n.split.as_ref().map(|s| (s.feature, s.threshold)))
        .collect();
    assert_eq!(
        splits,
        [
            (2, 2.449999988079071),
            (3, 1.75),
            (2, 4.950000047683716),
            (2, 4.8500001430511475)
        ]
    );
    assert_eq!((fitted.n_leaves(), fitted.depth()), (5, 3));
    // Leaf probabilities: row 70 ends in the (0, 1/3, 2/3) leaf.
    assert_eq!(fitted.predict_value(x.row(70)), [0.0, 1.0 / 3.0, 2.0 / 3.0]);
    assert_eq!(fitted.predict_value(x.row(0)), [1.0, 0.0, 0.0]);
}

#[test]
fn iris_entropy_depth3_matches_sklearn_predictions() {
    let (_, x, y) = iris();
    let fitted = classifier(&[
        ("max_depth", Value::Int(3)),
        ("criterion", Value::Str("entropy".into())),
    ])
    .fit_tree(&x, &y)
    .expect("fit");
    let want: Vec<f64> = IRIS_DEPTH3.iter().map(|&c| f64::from(c)).collect();
    assert_eq!(fitted.predict(&x), want);
    // scikit-learn (random_state=0, root on petal width): [0, 0, 0.0706, 0.9294];
    // the tie at the root moves weight to petal length here, total stays 1.
    let imp = fitted.importances().expect("importances");
    assert_close(imp.iter().sum::<f64>(), 1.0, 1e-12, "importance sum");
    assert_eq!((imp[0], imp[1]), (0.0, 0.0));
}

#[test]
fn iris_predefined_folds_match_sklearn() {
    // sklearn_baselines: DecisionTreeClassifier(random_state=0) on the folds of
    // iris.folds.csv: [0.9667, 0.9667, 0.8667, 0.9667, 0.9] (same for
    // random_state 0..3).
    let (_, x, y) = iris();
    let folds = load_folds("iris", x.rows);
    let all = codes(&y);
    let want = [
        0.9666666666666667,
        0.9666666666666667,
        0.8666666666666667,
        0.9666666666666667,
        0.9,
    ];
    for (k, want) in want.iter().enumerate() {
        let train: Vec<usize> = (0..x.rows).filter(|&i| folds[i] != k as i64).collect();
        let test: Vec<usize> = (0..x.rows).filter(|&i| folds[i] == k as i64).collect();
        let take = |rows: &[usize]| Matrix {
            rows: rows.len(),
            cols: x.cols,
            data: rows.iter().flat_map(|&i| x.row(i).to_vec()).collect(),
        };
        let fitted = classifier(&[])
            .fit_tree(&take(&train), &y.take(&train))
            .expect("fit");
        let truth: Vec<f64> = test.iter().map(|&i| all[i]).collect();
        let acc = accuracy(&fitted.predict(&take(&test)), &truth);
        assert_eq!(acc, *want, "fold {k}");
        // Unlimited depth: the training rows are fitted perfectly unless two
        // identical rows disagree.
        let train_truth: Vec<f64> = train.iter().map(|&i| all[i]).collect();
        assert_eq!(accuracy(&fitted.predict(&take(&train)), &train_truth), 1.0);
    }
}

#[test]
fn diabetes_depth4_matches_sklearn() {
    let (frame, y) = load_dataset("diabetes");
    let x = to_matrix(&frame);
    let fitted = regressor(&[("max_depth", Value::Int(4))])
        .fit_tree(&x, &Target::Values(y.clone()))
        .expect("fit");
    let pred = fitted.predict(&x);
    for (i, (g, w)) in pred.iter().zip(DIABETES_DEPTH4).enumerate() {
        assert_close(*g, w, 1e-9 * w.abs(), &format!("row {i}"));
    }
    assert_eq!((fitted.n_leaves(), fitted.depth()), (16, 4));
    // The root splits on s5 (column 8), its children on bmi (2) as in
    // scikit-learn for every random_state.
    let root = fitted.nodes[0].split.as_ref().expect("split");
    assert_eq!(root.feature, 8);
    let imp = fitted.importances().expect("importances");
    assert_close(imp.iter().sum::<f64>(), 1.0, 1e-12, "importance sum");
    // scikit-learn (random_state=0): bmi 0.32692, s5 0.52798; ties deeper in the
    // tree only move weight between the smaller features.
    assert_close(imp[2], 0.3269170865882414, 1e-9, "bmi");
    assert_close(imp[8], 0.5279809823001954, 1e-9, "s5");
}

/// Lowers `fitted` over the columns of `frame`, runs interpreter and Cranelift
/// on every row, asserts they agree bit for bit, and returns the rows
/// (`n_outputs` values each).
fn run_both(fitted: &FittedTree, frame: &Frame) -> (usize, Vec<f32>) {
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
fn lowered_classifier_agrees_with_predict_on_both_backends() {
    let (frame, x, y) = iris();
    for depth in [Some(3), None] {
        let items: Vec<(&str, Value)> = depth.map(|d| ("max_depth", Value::Int(d))).into_iter().collect();
        let fitted = classifier(&items).fit_tree(&x, &y).expect("fit");
        let pred = fitted.predict(&x);
        let (width, rows) = run_both(&fitted, &frame);
        assert_eq!(width, 4);
        for i in 0..x.rows {
            let row = &rows[i * width..(i + 1) * width];
            assert_eq!(f64::from(row[0]), pred[i], "class of row {i}");
            let proba: Vec<f32> = fitted.predict_value(x.row(i)).iter().map(|&p| p as f32).collect();
            assert_eq!(&row[1..], &proba[..], "proba of row {i}");
        }
    }
}

#[test]
fn lowered_regressor_agrees_with_predict_on_both_backends() {
    let (frame, y) = load_dataset("diabetes");
    let x = to_matrix(&frame);
    let fitted = regressor(&[])
        .fit_tree(&x, &Target::Values(y.clone()))
        .expect("fit");
    // Unlimited depth: every distinct training row gets its own target.
    let pred = fitted.predict(&x);
    assert_eq!(pred, y);
    let (width, rows) = run_both(&fitted, &frame);
    assert_eq!(width, 1);
    for i in 0..x.rows {
        assert_eq!(rows[i], pred[i] as f32, "row {i}");
    }
    // run_model_graph (f32 inputs through a plain Concat) gives the same.
    let (names, by_graph) = run_model_graph(&fitted, &x);
    assert_eq!(names, ["prediction"]);
    assert!(by_graph.iter().zip(&pred).all(|(r, p)| r[0] == *p as f32));
}

#[test]
fn thresholds_round_down_to_f32_and_nan_goes_right() {
    // Values 0.1 and 0.2: the f64 midpoint of their f32 roundings is not an
    // f32; the stored f32 threshold is the largest f32 below it.
    let x = Matrix {
        rows: 4,
        cols: 1,
        data: vec![0.1, 0.1, 0.2, 0.2],
    };
    let y = Target::Values(vec![1.0, 1.0, 5.0, 5.0]);
    let fitted = regressor(&[]).fit_tree(&x, &y).expect("fit");
    let split = fitted.nodes[0].split.as_ref().expect("split");
    let mid = f64::from(0.1f32) / 2.0 + f64::from(0.2f32) / 2.0;
    assert_eq!(split.threshold, mid);
    assert!(f64::from(split.threshold32) <= mid && f64::from(split.threshold32.next_up()) > mid);
    let probe = Matrix {
        rows: 3,
        cols: 1,
        data: vec![0.1, 0.2, f64::NAN],
    };
    assert_eq!(fitted.predict(&probe), [1.0, 5.0, 5.0]);
    let (_, rows) = run_model_graph(&fitted, &probe);
    assert_eq!(rows, [vec![1.0f32], vec![5.0], vec![5.0]]);
}

#[test]
fn stopping_rules_follow_sklearn() {
    let (_, x, y) = iris();
    // min_samples_leaf = 60: the 50 setosa rows cannot form a leaf, so every
    // node keeps at least 60 rows.
    let fitted = classifier(&[("min_samples_leaf", Value::Int(60))])
        .fit_tree(&x, &y)
        .expect("fit");
    for node in &fitted.nodes {
        assert!(node.n_samples >= 60, "node with {} rows", node.n_samples);
    }
    // min_samples_split above the row count: a single leaf with the class shares.
    let stump = classifier(&[("min_samples_split", Value::Int(151))])
        .fit_tree(&x, &y)
        .expect("fit");
    assert_eq!(stump.nodes.len(), 1);
    assert_eq!(stump.nodes[0].value, [1.0 / 3.0; 3]);
    assert_eq!(stump.importances(), Some(vec![0.0; 4]));
    // Ties between classes predict the lower class code.
    assert_eq!(stump.predict(&x)[0], 0.0);
    // min_impurity_decrease: the root split gains (2/3 - 1/3) = 1/3 of gini; a
    // larger requirement keeps a single leaf.
    let root_only = classifier(&[("min_impurity_decrease", Value::Float(0.34))])
        .fit_tree(&x, &y)
        .expect("fit");
    assert_eq!(root_only.nodes.len(), 1);
    let one_split = classifier(&[("min_impurity_decrease", Value::Float(0.3))])
        .fit_tree(&x, &y)
        .expect("fit");
    assert_eq!((one_split.nodes.len(), one_split.depth()), (3, 1));
}

#[test]
fn bad_parameters_and_data_are_errors() {
    let is_invalid = |r: Result<DecisionTree, OpError>| matches!(r, Err(OpError::Invalid { .. }));
    assert!(is_invalid(DecisionTree::classifier(&params(&[(
        "max_depth",
        Value::Int(0)
    )]))));
    assert!(is_invalid(DecisionTree::classifier(&params(&[(
        "min_samples_split",
        Value::Int(1)
    )]))));
    assert!(is_invalid(DecisionTree::classifier(&params(&[(
        "min_samples_leaf",
        Value::Int(0)
    )]))));
    assert!(is_invalid(DecisionTree::classifier(&params(&[(
        "criterion",
        Value::Str("squared_error".into())
    )]))));
    assert!(is_invalid(DecisionTree::regressor(&params(&[(
        "criterion",
        Value::Str("gini".into())
    )]))));
    assert!(is_invalid(DecisionTree::regressor(&params(&[(
        "min_impurity_decrease",
        Value::Float(-1.0)
    )]))));
    let (_, x, y) = iris();
    // Wrong target kinds.
    assert!(regressor(&[]).fit_tree(&x, &y).is_err());
    assert!(classifier(&[])
        .fit_tree(&x, &Target::Values(vec![0.0; 150]))
        .is_err());
    // Missing feature values are rejected, not a panic.
    let mut holes = x.clone();
    holes.data[5] = f64::NAN;
    let err = classifier(&[]).fit_tree(&holes, &y).expect_err("NaN");
    assert!(err.to_string().contains("missing"), "{err}");
    // Lowering over a feature vector of the wrong width is an error.
    let fitted = classifier(&[("max_depth", Value::Int(2))])
        .fit_tree(&x, &y)
        .expect("fit");
    let mut b = mlg_compiler::ir::GraphBuilder::new("t", Vec::new());
    let c = b.push(Op::Const { values: vec![0.0; 3] }).expect("const");
    let err = fitted.lower(&mut b, c).expect_err("width 3 of 4").to_string();
    assert!(err.contains("width 3") && err.contains("4 features"), "{err}");
}

#[test]
fn registry_and_catalog_know_both_trees() {
    let clf = estimator(
        "decision_tree_classifier",
        &params(&[("max_depth", Value::Int(3))]),
    )
    .expect("classifier");
    assert_eq!(clf.task(), Task::Classification);
    let reg = estimator("decision_tree_regressor", &params(&[])).expect("regressor");
    assert_eq!(reg.task(), Task::Regression);
    let (_, x, y) = iris();
    let pred = clf.fit(&x, &y).expect("fit").predict(&x);
    assert_eq!(accuracy(&pred, &codes(&y)), 0.9733333333333334);
    let base = [
        "max_depth",
        "min_samples_split",
        "min_samples_leaf",
        "criterion",
        "min_impurity_decrease",
        "ccp_alpha",
        "max_features",
    ];
    for (name, task, extra) in [
        (
            "decision_tree_classifier",
            Task::Classification,
            &["class_weight", "splitter", "seed"][..],
        ),
        (
            "decision_tree_regressor",
            Task::Regression,
            &["splitter", "seed"][..],
        ),
    ] {
        let spec = StdCatalog.get(name).expect("in catalog");
        assert_eq!(spec.kind, OpKind::Model { task });
        let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
        let expected: Vec<&str> = base.iter().chain(extra).copied().collect();
        assert_eq!(names, expected);
    }
}
