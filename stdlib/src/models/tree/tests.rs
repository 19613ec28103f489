//! Shared helpers of the tree and forest unit tests (bundled CSV datasets,
//! parameters, the lowered graph on the reference interpreter) and the
//! lowering checks of every new tree variant.

use super::*;
use crate::op::{FittedModel, Matrix, Target};
use mlg_compiler::ir::{interp, GraphBuilder, InputSlot, Op, SlotKind};
use mlg_compiler::workflow::catalog::{Params, Value};

/// Features and target of `examples/data/<name>.csv` (numeric columns, the
/// target last).
pub(crate) fn load(name: &str) -> (Matrix, Vec<f64>) {
    let path = format!("{}/../examples/data/{name}.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let cols = lines.next().map_or(1, |h| h.split(',').count()) - 1;
    let (mut data, mut y) = (Vec::new(), Vec::new());
    for line in lines {
        let values: Vec<f64> = line
            .split(',')
            .map(|v| v.trim().parse().expect("number"))
            .collect();
        data.extend_from_slice(&values[..cols]);
        y.push(values[cols]);
    }
    (
        Matrix {
            rows: y.len(),
            cols,
            data,
        },
        y,
    )
}

/// The fold (0..5) of every row from `examples/data/<name>.folds.csv`.
pub(crate) fn folds(name: &str, n: usize) -> Vec<usize> {
    let path = format!("{}/../examples/data/{name}.folds.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut folds = vec![usize::MAX; n];
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (row, fold) = line.split_once(',').expect("row,fold");
        folds[row.trim().parse::<usize>().expect("row")] = fold.trim().parse().expect("fold");
    }
    folds
}

/// Class labels `0..k` from integer-valued targets.
pub(crate) fn classes(y: &[f64]) -> Target {
    let k = y.iter().fold(0.0f64, |m, &v| m.max(v)) as usize + 1;
    Target::Classes {
        codes: y.iter().map(|&v| v as u32).collect(),
        labels: (0..k).map(|c| c.to_string()).collect(),
    }
}

/// Parameters from `(name, value)` pairs.
pub(crate) fn params(items: &[(&str, Value)]) -> Params {
    items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// The rows `rows` of `x`.
pub(crate) fn take(x: &Matrix, rows: &[usize]) -> Matrix {
    Matrix {
        rows: rows.len(),
        cols: x.cols,
        data: rows.iter().flat_map(|&r| x.row(r).iter().copied()).collect(),
    }
}

/// Fraction of equal entries.
pub(crate) fn accuracy(pred: &[f64], want: &[f64]) -> f64 {
    pred.iter().zip(want).filter(|(a, b)| a == b).count() as f64 / want.len() as f64
}

/// R² of `pred` against `want`.
pub(crate) fn r2(pred: &[f64], want: &[f64]) -> f64 {
    let mean = want.iter().sum::<f64>() / want.len() as f64;
    let ss_res: f64 = pred.iter().zip(want).map(|(p, t)| (p - t).powi(2)).sum();
    let ss_tot: f64 = want.iter().map(|t| (t - mean).powi(2)).sum();
    1.0 - ss_res / ss_tot
}

/// Lowers `model` over `x.cols` numeric inputs and evaluates the graph on
/// every row of `x` with the reference interpreter: one output row per row.
pub(crate) fn run_graph(model: &dyn FittedModel, x: &Matrix) -> Vec<Vec<f32>> {
    let inputs = (0..x.cols)
        .map(|j| InputSlot {
            name: format!("x{j}"),
            kind: SlotKind::Numeric,
        })
        .collect();
    let mut b = GraphBuilder::new("model", inputs);
    let parts = (0..x.cols as u32).map(|j| b.input(j).expect("input")).collect();
    let features = b.push(Op::Concat { parts }).expect("concat");
    for (name, node) in model.lower(&mut b, features).expect("lower") {
        b.output(name, node);
    }
    let graph = b.finish().expect("valid graph");
    let width = graph.n_outputs();
    let input: Vec<f32> = x.data.iter().map(|&v| v as f32).collect();
    let mut out = vec![0.0f32; x.rows * width];
    interp::eval_rows(&graph, &input, x.rows, x.cols, &mut out);
    out.chunks(width).map(<[f32]>::to_vec).collect()
}

/// Asserts that the lowered tree gives `predict` (and the leaf values) on
/// every row of `x`.
fn assert_graph_matches(tree: &FittedTree, x: &Matrix) {
    let pred = tree.predict(x);
    for (i, row) in run_graph(tree, x).iter().enumerate() {
        assert_eq!(row[0], pred[i] as f32, "row {i}");
        if tree.classifier {
            let proba: Vec<f32> = tree.predict_value(x.row(i)).iter().map(|&p| p as f32).collect();
            assert_eq!(&row[1..], &proba[..], "proba of row {i}");
        }
    }
}

#[test]
fn lowered_tree_variants_equal_predict() {
    let (bc, yb) = load("breast_cancer");
    let yb = classes(&yb);
    let (db, yd) = load("diabetes");
    let yd = Target::Values(yd);
    let s = |v: &str| Value::Str(v.into());
    let clf = [
        vec![("criterion", s("entropy")), ("max_depth", Value::Int(5))],
        vec![("class_weight", s("balanced")), ("max_depth", Value::Int(4))],
        vec![("splitter", s("hist")), ("max_depth", Value::Int(6))],
        vec![("max_features", s("sqrt")), ("seed", Value::Int(3))],
    ];
    for items in clf {
        let tree = DecisionTree::classifier(&params(&items)).expect("params");
        assert_graph_matches(&tree.fit_tree(&bc, &yb).expect("fit"), &bc);
    }
    let reg = [
        vec![("criterion", s("absolute_error")), ("max_depth", Value::Int(4))],
        vec![("splitter", s("hist")), ("max_depth", Value::Int(6))],
        vec![("max_features", s("log2")), ("min_samples_leaf", Value::Int(5))],
    ];
    for items in reg {
        let tree = DecisionTree::regressor(&params(&items)).expect("params");
        assert_graph_matches(&tree.fit_tree(&db, &yd).expect("fit"), &db);
    }
}
