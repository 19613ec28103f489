//! The lowered graph of fitted boosters, run through the reference
//! interpreter, reproduces `predict` and the class probabilities bit for bit
//! (binary, multiclass, absent labels, both regression losses, NaN inputs);
//! compiled with Cranelift it gives the same classes and predictions.

use super::tests::{classes, dataset, params, take};
use super::*;
use crate::op::{Estimator, FittedModel, Matrix, Target};
use mlg_compiler::backends::{cranelift, Executable};
use mlg_compiler::ir::{interp, GraphBuilder, InputSlot, Op, SlotKind};
use mlg_compiler::workflow::catalog::Value;

/// Every row's output vector of `model`'s lowered graph (unoptimised) on the
/// interpreter, after checking that Cranelift computes the same classes and
/// predictions (probabilities to `1e-6`).
fn run_lowered(model: &FittedBoost, x: &Matrix) -> Vec<Vec<f32>> {
    let inputs = (0..x.cols)
        .map(|j| InputSlot {
            name: format!("x{j}"),
            kind: SlotKind::Numeric,
        })
        .collect();
    let mut b = GraphBuilder::new("boost", inputs);
    let parts = (0..x.cols).map(|j| b.input(j as u32).expect("input")).collect();
    let features = b.push(Op::Concat { parts }).expect("concat");
    let outputs = model.lower(&mut b, features).expect("lower");
    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    if model.classifier {
        assert_eq!(names, ["class", "proba"]);
    } else {
        assert_eq!(names, ["prediction"]);
    }
    for (name, node) in outputs {
        b.output(name, node);
    }
    let graph = b.finish().expect("verify");
    let input: Vec<f32> = x.data.iter().map(|&v| v as f32).collect();
    let width = graph.n_outputs();
    let mut by_interp = vec![0.0f32; x.rows * width];
    interp::eval_rows(&graph, &input, x.rows, x.cols, &mut by_interp);
    let exe = cranelift::compile(&graph).expect("cranelift compile");
    let mut by_jit = vec![0.0f32; x.rows * width];
    exe.run(&input, x.rows, x.cols, &mut by_jit)
        .expect("cranelift run");
    // Cranelift's inline `exp` may differ from `f32::exp` by an ulp near a
    // rounding boundary (see its `math` module), so sigmoid/softmax outputs are
    // compared to 1e-6; classes and summed raw scores must match exactly.
    for (i, (a, b)) in by_interp.iter().zip(&by_jit).enumerate() {
        if model.classifier && i % width != 0 {
            assert!(
                (a - b).abs() <= 1e-6,
                "value {i}: interpreter {a:e} vs cranelift {b:e}"
            );
        } else {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "value {i}: interpreter {a:e} vs cranelift {b:e}"
            );
        }
    }
    by_interp.chunks(width).map(<[f32]>::to_vec).collect()
}

/// `x`'s rows, then jittered copies of them, then a row of NaN features.
fn probe_rows(x: &Matrix) -> Matrix {
    let mut rng = crate::eval::rng::SplitMix64::new(9);
    let mut data = x.data.clone();
    data.extend(x.data.iter().map(|&v| v * (1.0 + 0.05 * (rng.next_f64() - 0.5))));
    data.extend(std::iter::repeat_n(f64::NAN, x.cols));
    Matrix {
        rows: 2 * x.rows + 1,
        cols: x.cols,
        data,
    }
}

fn assert_same_bits(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    if let Some(i) = (0..a.len()).find(|&i| a[i].to_bits() != b[i].to_bits()) {
        panic!("{what}: value {i} differs: {:e} vs {:e}", a[i], b[i]);
    }
}

fn check_classifier(model: &FittedBoost, x: &Matrix) {
    let probe = probe_rows(x);
    let lowered = run_lowered(model, &probe);
    let predicted = model.predict(&probe);
    for (i, out) in lowered.iter().enumerate() {
        assert_eq!(f64::from(out[0]), predicted[i], "class of row {i}");
        assert_same_bits(&out[1..], &model.proba(probe.row(i)), "proba");
    }
}

fn check_regressor(model: &FittedBoost, x: &Matrix) {
    let probe = probe_rows(x);
    let lowered = run_lowered(model, &probe);
    let predicted = model.predict(&probe);
    for (i, out) in lowered.iter().enumerate() {
        assert_eq!(out.len(), 1);
        assert_eq!(f64::from(out[0]).to_bits(), predicted[i].to_bits(), "row {i}");
    }
}

#[test]
fn binary_graph_equals_predict() {
    let (x, y) = dataset("breast_cancer");
    let model = GradientBoosting::classifier(&params(&[("rounds", Value::Int(25))]))
        .expect("params")
        .fit_boost(&x, &classes(&y))
        .expect("fit");
    assert_eq!(model.trees.len(), 1);
    check_classifier(&model, &x);
}

#[test]
fn multiclass_graph_equals_predict_with_an_absent_label() {
    let (x, y) = dataset("iris");
    let target = Target::Classes {
        codes: y.iter().map(|&v| v as u32).collect(),
        labels: vec!["0".into(), "1".into(), "2".into(), "unseen".into()],
    };
    let model = GradientBoosting::classifier(&params(&[("rounds", Value::Int(20))]))
        .expect("params")
        .fit_boost(&x, &target)
        .expect("fit");
    assert_eq!((model.trees.len(), model.n_labels), (3, 4));
    check_classifier(&model, &x);
    let all = GradientBoosting::classifier(&params(&[("rounds", Value::Int(10))]))
        .expect("params")
        .fit_boost(&x, &classes(&y))
        .expect("fit");
    check_classifier(&all, &x);
}

#[test]
fn binary_graph_places_two_of_three_labels() {
    let (x, y) = dataset("iris");
    let rows: Vec<usize> = (0..x.rows).filter(|&i| y[i] != 1.0).collect();
    let target = Target::Classes {
        codes: rows.iter().map(|&i| y[i] as u32).collect(),
        labels: vec!["0".into(), "1".into(), "2".into()],
    };
    let sub = take(&x, &rows);
    let model = GradientBoosting::classifier(&params(&[
        ("rounds", Value::Int(10)),
        ("min_samples_leaf", Value::Int(5)),
    ]))
    .expect("params")
    .fit_boost(&sub, &target)
    .expect("fit");
    assert_eq!(model.classes, vec![0, 2]);
    check_classifier(&model, &x);
    let pred = model.predict(&sub);
    assert!(pred.iter().zip(&rows).all(|(p, &i)| *p == y[i]));
}

#[test]
fn regression_graphs_equal_predict_for_both_losses() {
    let (x, y) = dataset("diabetes");
    for loss in ["squared_error", "absolute_error"] {
        let model = GradientBoosting::regressor(&params(&[
            ("rounds", Value::Int(30)),
            ("loss", Value::Str(loss.into())),
            ("growth", Value::Str("depth".into())),
            ("max_depth", Value::Int(4)),
        ]))
        .expect("params")
        .fit_boost(&x, &Target::Values(y.clone()))
        .expect("fit");
        check_regressor(&model, &x);
    }
}

#[test]
fn lowering_rejects_a_feature_vector_of_the_wrong_width() {
    let (x, y) = dataset("diabetes");
    let model = GradientBoosting::regressor(&params(&[("rounds", Value::Int(2))]))
        .expect("params")
        .fit_boost(&x, &Target::Values(y))
        .expect("fit");
    let inputs = vec![InputSlot {
        name: "only".into(),
        kind: SlotKind::Numeric,
    }];
    let mut b = GraphBuilder::new("boost", inputs);
    let one = b.input(0).expect("input");
    let features = b.push(Op::Concat { parts: vec![one] }).expect("concat");
    assert!(model.lower(&mut b, features).is_err());
}

/// Missing values learn their own direction: when a feature is missing
/// exactly for the rows of one class, the booster separates them by
/// missingness alone, and the lowered graph (its `missing_left` splits)
/// reproduces `predict` on rows with and without NaN.
#[test]
fn missing_values_learn_a_direction_and_lower() {
    let (x, y) = dataset("breast_cancer");
    let codes: Vec<u32> = y.iter().map(|&v| v as u32).collect();
    // Feature 0 is missing on every class-1 row: the split that sends the
    // missing rows one way and every value the other is perfect.
    let mut with_nan = x.clone();
    for (i, &c) in codes.iter().enumerate() {
        if c == 1 {
            with_nan.data[i * x.cols] = f64::NAN;
        }
    }
    let model = GradientBoosting::classifier(&params(&[("rounds", Value::Int(10))]))
        .expect("params")
        .fit_boost(&with_nan, &classes(&y))
        .expect("fit");
    let root = &model.trees[0][0].nodes[0];
    assert!(
        root.split.is_some_and(|(f, ..)| f == 0),
        "the root splits on missingness: {root:?}"
    );
    let predicted = model.predict(&with_nan);
    let right = predicted
        .iter()
        .zip(&codes)
        .filter(|(p, c)| **p == f64::from(**c))
        .count();
    assert_eq!(right, codes.len());
    check_classifier(&model, &with_nan);
}

/// Rows whose class is whether category code `x0` (of 6) is in {0, 2, 5},
/// missing for every 7th row (then class 1), with a noise feature `x1`.
fn categorical_rows(n: usize) -> (Matrix, Vec<f64>) {
    let mut data = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let code = (i * 5 + i / 6) % 6;
        let missing = i % 7 == 0;
        data.push(if missing { f64::NAN } else { code as f64 });
        data.push(((i * 37) % 101) as f64 / 10.0);
        y.push(if missing || [0, 2, 5].contains(&code) {
            1.0
        } else {
            0.0
        });
    }
    (
        Matrix {
            rows: n,
            cols: 2,
            data,
        },
        y,
    )
}

fn levels(categorical: bool) -> Vec<(String, Option<usize>)> {
    vec![("x0".into(), categorical.then_some(6)), ("x1".into(), None)]
}

/// A set split is what a threshold cannot be: one stump on the codes as
/// categories separates {0, 2, 5} and the missing rows from the others,
/// a stump on the codes as numbers cannot; and the lowered graph (one
/// `Lookup` per set) reproduces `predict`, unseen (`-1`), fractional and
/// missing codes included.
#[test]
fn categorical_sets_split_what_thresholds_cannot_and_lower() {
    let (x, y) = categorical_rows(600);
    let stump = GradientBoosting::classifier(&params(&[
        ("rounds", Value::Int(1)),
        ("max_leaf_nodes", Value::Int(2)),
        ("learning_rate", Value::Float(1.0)),
    ]))
    .expect("params");
    let accuracy = |model: &dyn FittedModel| {
        let predicted = model.predict(&x);
        predicted.iter().zip(&y).filter(|(p, t)| p == t).count() as f64 / y.len() as f64
    };
    let native = stump
        .fit_categorical(&x, &classes(&y), &levels(true))
        .expect("fit");
    let numeric = stump
        .fit_categorical(&x, &classes(&y), &levels(false))
        .expect("fit");
    assert_eq!(accuracy(native.as_ref()), 1.0);
    assert!(accuracy(numeric.as_ref()) < 0.8, "{}", accuracy(numeric.as_ref()));

    let model = GradientBoosting {
        categories: vec![Some(6), None],
        ..GradientBoosting::classifier(&params(&[("rounds", Value::Int(8))])).expect("params")
    }
    .fit_boost(&x, &classes(&y))
    .expect("fit");
    let root = &model.trees[0][0].nodes[0];
    let set = root.left_codes.expect("the root splits on a set");
    let left: Vec<u8> = (0..6)
        .filter(|&c| super::categorical::contains(&set, c))
        .collect();
    assert!(left == [0, 2, 5] || left == [1, 3, 4], "{left:?}");
    assert_eq!(
        root.missing_left,
        left == [0, 2, 5],
        "missing rows go with class 1"
    );
    let mut probe = x.clone();
    for v in [-1.0, 2.5, 6.0, 250.0] {
        probe.data.extend([v, 1.0]);
        probe.rows += 1;
    }
    check_classifier(&model, &probe);
}

#[test]
fn too_many_levels_for_the_bins_is_an_error() {
    let (x, y) = categorical_rows(60);
    let model = GradientBoosting::classifier(&params(&[("max_bins", Value::Int(4))])).expect("params");
    let err = model
        .fit_categorical(&x, &classes(&y), &levels(true))
        .expect_err("6 levels, 4 bins");
    assert!(
        err.to_string()
            .contains("`x0` has 6 levels, more than max_bins = 4"),
        "{err}"
    );
}
