//! Scaling steps (`min_max`, `robust_scale`, `max_abs`): fitted numbers and
//! transforms against scikit-learn, parameter errors, and agreement between
//! `transform`, the interpreted lowered graph and its Cranelift compilation.
//!
//! Reference numbers come from scikit-learn 1.9.1 (numpy percentiles), computed
//! on the `train()` matrix below with `MinMaxScaler()`,
//! `MinMaxScaler(feature_range=(-1, 3))`, `RobustScaler()`,
//! `RobustScaler(quantile_range=(10, 90))`, `RobustScaler(with_centering=False)`
//! and `MaxAbsScaler()`: `.fit(X)` then `.transform(X)` / `.transform(NEW)`.

mod common;

use common::{assert_lowering_agrees, lowering_for, params};
use mlg_compiler::ir::Op;
use mlg_compiler::workflow::catalog::Value;
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::op::{FittedTransform, OpError, Target};
use mlg_stdlib::transform;

const NAN: f64 = f64::NAN;

/// Columns a, b (constant), c as rows, plus a categorical column `k`.
fn frame_of(rows: &[[f64; 3]]) -> Frame {
    let col = |j: usize, name: &str| Column::numeric(name, rows.iter().map(|r| r[j]).collect());
    let k = Column::categorical(
        "k",
        vec![0; rows.len()],
        vec!["x".into()],
        vec![false; rows.len()],
    );
    Frame::new(vec![col(0, "a"), k, col(1, "b"), col(2, "c")], rows.len())
}

fn train() -> Frame {
    frame_of(&[
        [1.0, 0.5, -8.0],
        [NAN, 0.5, 2.0],
        [3.0, 0.5, 0.0],
        [10.0, 0.5, 5.5],
        [-2.0, 0.5, 1.0],
        [4.5, NAN, -3.0],
        [7.0, 0.5, 12.0],
    ])
}

/// Rows never seen in training (outside the training ranges, and missing).
fn new_rows() -> Frame {
    frame_of(&[[20.0, 1.5, -20.0], [-5.0, NAN, 3.25]])
}

fn fit(op: &str, p: &[(&str, Value)], frame: &Frame) -> Result<Box<dyn FittedTransform>, OpError> {
    common::fit(op, p, frame, &["a", "b", "c"])
}

/// Asserts `fitted.transform(frame)` gives `want` (rows of a, b, c; NaN where
/// missing) and leaves `k` alone, and that the lowered graph agrees.
fn assert_transform(fitted: &dyn FittedTransform, frame: &Frame, want: &[[f64; 3]]) {
    let out = fitted.transform(frame).expect("transform");
    assert_eq!(out.names(), ["a", "k", "b", "c"]);
    assert_eq!(out.column("k"), frame.column("k"));
    for (j, name) in ["a", "b", "c"].iter().enumerate() {
        let col = out.column(name).expect("column");
        let got = col.as_numeric().expect("numeric");
        for (i, row) in want.iter().enumerate() {
            let w = row[j];
            if w.is_nan() {
                assert!(
                    got[i].is_nan() && col.missing[i],
                    "{name}[{i}] should stay missing"
                );
            } else {
                assert!(
                    (got[i] - w).abs() <= 1e-12,
                    "{name}[{i}]: {} vs sklearn {w}",
                    got[i]
                );
            }
        }
    }
    assert_backends_agree(fitted, frame);
}

/// Lowers `fitted`, checks every step is an `Op::Scale`, and checks that the
/// interpreter and Cranelift give identical rows that match `transform`.
fn assert_backends_agree(fitted: &dyn FittedTransform, frame: &Frame) {
    let mut lowering = lowering_for(frame);
    let n_inputs = lowering.builder.graph().nodes.len();
    fitted.lower(&mut lowering).expect("lower");
    let added = &lowering.builder.graph().nodes[n_inputs..];
    assert_eq!(added.len(), 3, "one scale node per selected column");
    assert!(added.iter().all(|n| matches!(n.op, Op::Scale { .. })));
    assert_lowering_agrees(lowering, fitted, frame, 1e-5);
}

#[test]
fn min_max_matches_sklearn() {
    let fitted = fit("min_max", &[], &train()).unwrap();
    let train_want = [
        [0.25, 0.0, 0.0],
        [NAN, 0.0, 0.5],
        [0.41666666666666663, 0.0, 0.4],
        [0.9999999999999999, 0.0, 0.675],
        [0.0, 0.0, 0.45],
        [0.5416666666666666, NAN, 0.25],
        [0.7499999999999999, 0.0, 1.0],
    ];
    assert_transform(fitted.as_ref(), &train(), &train_want);
    // No clipping; the constant column b divides by 1: 1.5 - 0.5 + 0 = 1.
    let new_want = [
        [1.8333333333333333, 1.0, -0.6],
        [-0.24999999999999997, NAN, 0.5625],
    ];
    assert_transform(fitted.as_ref(), &new_rows(), &new_want);
}

#[test]
fn min_max_custom_range_matches_sklearn() {
    let p = [("min", Value::Int(-1)), ("max", Value::Float(3.0))];
    let fitted = fit("min_max", &p, &train()).unwrap();
    let train_want = [
        [-5.551115123125783e-17, -1.0, -1.0],
        [NAN, -1.0, 1.0],
        [0.6666666666666666, -1.0, 0.6000000000000001],
        [2.9999999999999996, -1.0, 1.7000000000000002],
        [-1.0, -1.0, 0.8],
        [1.1666666666666665, NAN, 0.0],
        [1.9999999999999996, -1.0, 3.0000000000000004],
    ];
    assert_transform(fitted.as_ref(), &train(), &train_want);
    // sklearn's scale_ for the constant column is (3 - -1) / 1 = 4: 1.5 -> 3.
    let new_want = [[6.333333333333333, 3.0, -3.4], [-2.0, NAN, 1.25]];
    assert_transform(fitted.as_ref(), &new_rows(), &new_want);
}

#[test]
fn robust_scale_matches_sklearn() {
    // center_ = [3.75, 0.5, 1.0], scale_ = [4.875, 1.0, 5.25].
    let fitted = fit("robust_scale", &[], &train()).unwrap();
    let train_want = [
        [-0.5641025641025641, 0.0, -1.7142857142857142],
        [NAN, 0.0, 0.19047619047619047],
        [-0.15384615384615385, 0.0, -0.19047619047619047],
        [1.2820512820512822, 0.0, 0.8571428571428571],
        [-1.1794871794871795, 0.0, 0.0],
        [0.15384615384615385, NAN, -0.7619047619047619],
        [0.6666666666666666, 0.0, 2.0952380952380953],
    ];
    assert_transform(fitted.as_ref(), &train(), &train_want);
    let new_want = [
        [3.3333333333333335, 1.0, -4.0],
        [-1.794871794871795, NAN, 0.42857142857142855],
    ];
    assert_transform(fitted.as_ref(), &new_rows(), &new_want);
}

#[test]
fn robust_scale_quantiles_and_flags_match_sklearn() {
    // scale_ = [9.0, 1.0, 13.100000000000001] for quantile_range=(10, 90).
    let p = [("q_low", Value::Int(10)), ("q_high", Value::Float(90.0))];
    let fitted = fit("robust_scale", &p, &train()).unwrap();
    let new_want = [
        [1.8055555555555556, 1.0, -1.6030534351145036],
        [-0.9722222222222222, NAN, 0.17175572519083968],
    ];
    assert_transform(fitted.as_ref(), &new_rows(), &new_want);

    let p = [("with_centering", Value::Bool(false))];
    let fitted = fit("robust_scale", &p, &train()).unwrap();
    let new_want = [
        [4.102564102564102, 1.5, -3.8095238095238093],
        [-1.0256410256410255, NAN, 0.6190476190476191],
    ];
    assert_transform(fitted.as_ref(), &new_rows(), &new_want);

    // Neither centring nor scaling: the identity.
    let p = [
        ("with_centering", Value::Bool(false)),
        ("with_scaling", Value::Bool(false)),
    ];
    let fitted = fit("robust_scale", &p, &train()).unwrap();
    assert_transform(
        fitted.as_ref(),
        &new_rows(),
        &[[20.0, 1.5, -20.0], [-5.0, NAN, 3.25]],
    );
}

#[test]
fn max_abs_matches_sklearn() {
    // scale_ = [10.0, 0.5, 12.0].
    let fitted = fit("max_abs", &[], &train()).unwrap();
    let train_want = [
        [0.1, 1.0, -0.6666666666666666],
        [NAN, 1.0, 0.16666666666666666],
        [0.3, 1.0, 0.0],
        [1.0, 1.0, 0.4583333333333333],
        [-0.2, 1.0, 0.08333333333333333],
        [0.45, NAN, -0.25],
        [0.7, 1.0, 1.0],
    ];
    assert_transform(fitted.as_ref(), &train(), &train_want);
    let new_want = [[2.0, 3.0, -1.6666666666666667], [-0.5, NAN, 0.2708333333333333]];
    assert_transform(fitted.as_ref(), &new_rows(), &new_want);
}

#[test]
fn degenerate_columns_get_scale_one() {
    // All-zero a (max |x| = 0, range 0, IQR 0) and all-missing c.
    let frame = frame_of(&[[0.0, 2.0, NAN], [0.0, 4.0, NAN], [0.0, 6.0, NAN]]);
    let probe = frame_of(&[[3.0, 5.0, 7.0]]);
    let cases: [(&str, [f64; 3]); 3] = [
        // a: (3 - 0) * 1 + 0; b: (5 - 2) / 4; c untouched.
        ("min_max", [3.0, 0.75, 7.0]),
        // a: (3 - 0) / 1; b: median 4, IQR 5 - 3 = 2 → 0.5.
        ("robust_scale", [3.0, 0.5, 7.0]),
        ("max_abs", [3.0, 5.0 / 6.0, 7.0]),
    ];
    for (op, want) in cases {
        let fitted = fit(op, &[], &frame).unwrap();
        assert_transform(fitted.as_ref(), &probe, &[want]);
    }
}

#[test]
fn parameter_errors_name_the_parameter() {
    let invalid = |op: &str, p: &[(&str, Value)], name: &str| {
        let err = transform(op, &params(p)).err().expect("an error");
        assert!(matches!(err, OpError::Invalid { .. }), "{err:?}");
        assert!(err.to_string().contains(name), "{err}");
    };
    invalid("min_max", &[("min", Value::Float(1.0))], "`min`");
    invalid(
        "min_max",
        &[("min", Value::Float(2.0)), ("max", Value::Float(-1.0))],
        "`max`",
    );
    invalid("robust_scale", &[("q_low", Value::Float(80.0))], "`q_low`");
    invalid("robust_scale", &[("q_high", Value::Float(100.5))], "`q_high`");
    invalid("min_max", &[("min", Value::Str("0".into()))], "`min`");
}

#[test]
fn categorical_and_infinite_columns_are_errors() {
    let target = Target::Values(vec![0.0; 7]);
    for op in ["min_max", "robust_scale", "max_abs"] {
        let step = transform(op, &params(&[])).unwrap();
        let err = step.fit(&train(), &["k".to_string()], &target).unwrap_err();
        assert!(
            matches!(&err, OpError::Column { column, .. } if column == "k"),
            "{err:?}"
        );
        let err = step.fit(&train(), &["zz".to_string()], &target).unwrap_err();
        assert!(
            matches!(&err, OpError::Column { column, .. } if column == "zz"),
            "{err:?}"
        );
        let inf = frame_of(&[[1.0, 2.0, f64::INFINITY]]);
        let err = step
            .fit(&inf, &["c".to_string()], &Target::Values(vec![0.0]))
            .unwrap_err();
        assert!(err.to_string().contains("infinite"), "{err}");
    }
}

#[test]
fn catalog_lists_the_scalers() {
    use mlg_compiler::workflow::catalog::{Catalog, Default};
    let catalog = mlg_stdlib::catalog::StdCatalog;
    let spec = catalog.get("robust_scale").expect("robust_scale");
    let defaults: Vec<(&str, Default)> = spec.params.iter().map(|p| (p.name, p.default)).collect();
    assert_eq!(
        defaults,
        [
            ("with_centering", Default::Bool(true)),
            ("with_scaling", Default::Bool(true)),
            ("q_low", Default::Float(25.0)),
            ("q_high", Default::Float(75.0)),
        ]
    );
    assert_eq!(catalog.get("min_max").expect("min_max").params.len(), 2);
    assert!(catalog.get("max_abs").expect("max_abs").params.is_empty());
}
