//! Criteria and class weights against scikit-learn 1.9.1 (`tests_ref`):
//! entropy on breast_cancer, absolute error on diabetes, `"balanced"` class
//! weights on an imbalanced set, and the weighted-median arithmetic.

use super::mae::Mae;
use super::tests::{accuracy, classes, load, params, r2};
use super::tests_ref::*;
use super::*;
use crate::op::{FittedModel, Matrix, Target};
use mlg_compiler::workflow::catalog::Value;

fn digits(s: &str) -> Vec<f64> {
    s.bytes().map(|b| f64::from(b - b'0')).collect()
}

#[test]
fn entropy_tree_matches_sklearn_on_breast_cancer() {
    let (x, y) = load("breast_cancer");
    let tree = DecisionTree::classifier(&params(&[
        ("criterion", Value::Str("entropy".into())),
        ("max_depth", Value::Int(4)),
    ]))
    .expect("params");
    let fitted = tree.fit_tree(&x, &classes(&y)).expect("fit");
    assert_eq!(fitted.predict(&x), digits(BC_ENTROPY_DEPTH4));
    // Gini learns the same data differently but as well.
    let gini = DecisionTree::classifier(&params(&[("max_depth", Value::Int(4))]))
        .expect("params")
        .fit_tree(&x, &classes(&y))
        .expect("fit");
    assert!(accuracy(&gini.predict(&x), &y) > 0.97);
    assert_ne!(gini.nodes, fitted.nodes);
}

/// Compares a fitted tree node by node (pre-order) with scikit-learn's
/// `(feature, threshold, value)` rows.
fn assert_nodes(fitted: &FittedTree, want: &[(i64, f64, f64)]) {
    assert_eq!(fitted.nodes.len(), want.len(), "node count");
    for (i, (node, &(f, t, v))) in fitted.nodes.iter().zip(want).enumerate() {
        assert_eq!(node.value, [v], "value of node {i}");
        match &node.split {
            Some(s) => assert_eq!((s.feature as i64, s.threshold), (f, t), "split of node {i}"),
            None => assert_eq!(f, -2, "node {i} is a leaf here"),
        }
    }
}

#[test]
fn absolute_error_tree_matches_sklearn_on_diabetes() {
    let (x, y) = load("diabetes");
    let y = Target::Values(y);
    for (depth, leaf, want) in [
        (3, 1, DIABETES_MAE_DEPTH3_LEAF1),
        (4, 5, DIABETES_MAE_DEPTH4_LEAF5),
    ] {
        let fitted = DecisionTree::regressor(&params(&[
            ("criterion", Value::Str("absolute_error".into())),
            ("max_depth", Value::Int(depth)),
            ("min_samples_leaf", Value::Int(leaf)),
        ]))
        .expect("params")
        .fit_tree(&x, &y)
        .expect("fit");
        assert_nodes(&fitted, want);
        let imp = fitted.importances().expect("importances");
        assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}

#[test]
fn squared_and_absolute_error_both_learn() {
    let (x, y) = load("diabetes");
    let target = Target::Values(y.clone());
    for criterion in ["squared_error", "absolute_error"] {
        let fitted = DecisionTree::regressor(&params(&[
            ("criterion", Value::Str(criterion.into())),
            ("max_depth", Value::Int(5)),
        ]))
        .expect("params")
        .fit_tree(&x, &target)
        .expect("fit");
        let score = r2(&fitted.predict(&x), &y);
        assert!(score > 0.5, "{criterion}: training R² {score}");
    }
}

#[test]
fn weighted_median_and_absolute_error() {
    let y = [1.0, 2.0, 3.0, 10.0];
    let rows = [0, 1, 2, 3];
    let mut mae = Mae::default();
    // Even weight: the midpoint of the two middle values.
    assert_eq!(mae.node(&y, &[1.0; 4], &rows), (2.5, 10.0));
    // Weight 3 on the value 3 moves the median there.
    assert_eq!(mae.node(&y, &[1.0, 1.0, 3.0, 1.0], &rows), (3.0, 10.0));
    // Prefix / suffix errors in a given order.
    mae.prepare(&y, &rows);
    mae.split_errors(&[1.0; 4], &[3, 0, 1, 2]);
    assert_eq!(mae.left, [0.0, 9.0, 9.0, 10.0]);
    assert_eq!(mae.right, [10.0, 2.0, 1.0, 0.0]);
}

/// 200 rows, two features, about 16 % of them class 1 (the set behind the
/// `IMBALANCED_*` references).
fn imbalanced() -> (Matrix, Target) {
    let mut data = Vec::new();
    let mut codes = Vec::new();
    for i in 0..200u64 {
        let x0 = (i * 7919 % 1000) as f64 / 100.0;
        let x1 = (i * 104_729 % 997) as f64 / 50.0;
        data.extend([x0, x1]);
        codes.push(u32::from((x0 + 0.5 * x1 > 14.0 && i % 3 != 0) || i % 23 == 0));
    }
    let x = Matrix {
        rows: 200,
        cols: 2,
        data,
    };
    let y = Target::Classes {
        codes,
        labels: vec!["0".into(), "1".into()],
    };
    (x, y)
}

#[test]
fn balanced_class_weight_changes_decisions_like_sklearn() {
    let (x, y) = imbalanced();
    let want = [
        (1, IMBALANCED_DEPTH1_PLAIN, IMBALANCED_DEPTH1_BALANCED),
        (2, IMBALANCED_DEPTH2_PLAIN, IMBALANCED_DEPTH2_BALANCED),
    ];
    for (depth, plain, balanced) in want {
        let fit = |cw: &str| {
            DecisionTree::classifier(&params(&[
                ("max_depth", Value::Int(depth)),
                ("class_weight", Value::Str(cw.into())),
            ]))
            .expect("params")
            .fit_tree(&x, &y)
            .expect("fit")
        };
        let (p, b) = (fit("none").predict(&x), fit("balanced").predict(&x));
        assert_eq!(p, digits(plain), "depth {depth} unweighted");
        assert_eq!(b, digits(balanced), "depth {depth} balanced");
        // Balancing predicts the minority class on more rows.
        assert!(b.iter().sum::<f64>() > p.iter().sum::<f64>());
    }
    // The balanced root weighs both classes equally.
    let root = &DecisionTree::classifier(&params(&[("class_weight", Value::Str("balanced".into()))]))
        .expect("params")
        .fit_tree(&x, &y)
        .expect("fit")
        .nodes[0];
    assert!((root.value[0] - 0.5).abs() < 1e-12 && (root.value[1] - 0.5).abs() < 1e-12);
}

#[test]
fn class_weights_follow_sklearn() {
    // compute_sample_weight("balanced", [1, 1, 1, 1, 0, 0]) = [.75 ×4, 1.5 ×2];
    // an absent label weighs 0.
    assert_eq!(
        class_weights_over(None, &[1, 1, 1, 1, 0, 0], &[1.0; 6], 3),
        [1.5, 0.75, 0.0]
    );
    // Multiplicities count as repeated rows.
    assert_eq!(
        class_weights_over(None, &[0, 1], &[3.0, 1.0], 2),
        [4.0 / 6.0, 2.0]
    );
}
