//! Preprocessing steps: fitted numbers, transform semantics, errors, and
//! agreement between `transform` and the lowered inference graph.

mod common;

use common::{abi_row, assert_graph_agrees, cat, fit, lowering_for, num, params, run_lowered_columns};
use mlg_compiler::workflow::catalog::{Params, Value};
use mlg_runtime::frame::{Column, ColumnData, Frame};
use mlg_stdlib::op::{FittedTransform, OpError};
use mlg_stdlib::transform;

fn sample_frame() -> Frame {
    let nan = f64::NAN;
    Frame::new(
        vec![
            Column::numeric("a", vec![1.0, nan, 3.0, 10.0, 3.0, 1.0]),
            cat(
                "c",
                &[1, 0, 1, 2, 0, 1],
                &["x", "y", "z"],
                &[false, true, false, false, true, false],
            ),
            Column::numeric("b", vec![2.0, 2.0, 2.0, 2.0, 2.0, nan]),
        ],
        6,
    )
}

/// Asserts the lowered graph reproduces `fitted.transform(frame)` on every row
/// (interpreter and Cranelift).
fn assert_lowering_agrees(fitted: &dyn FittedTransform, frame: &Frame) {
    assert_graph_agrees(fitted, frame, 1e-5);
}

#[test]
fn impute_numeric_strategies() {
    let frame = sample_frame();
    let fill_of = |strategy: &str, extra: &[(&str, Value)]| {
        let mut p = vec![("strategy", Value::Str(strategy.into()))];
        p.extend_from_slice(extra);
        let out = fit("impute", &p, &frame, &["a"])
            .unwrap()
            .transform(&frame)
            .unwrap();
        assert!(!out.column("a").unwrap().missing.iter().any(|m| *m));
        num(&out, "a")[1]
    };
    // Observed values 1, 3, 10, 3, 1.
    assert_eq!(fill_of("mean", &[]), 18.0 / 5.0);
    assert_eq!(fill_of("median", &[]), 3.0);
    // 1 and 3 both occur twice: the smaller wins.
    assert_eq!(fill_of("most_frequent", &[]), 1.0);
    assert_eq!(fill_of("constant", &[("value", Value::Float(-7.5))]), -7.5);
    assert_eq!(fill_of("constant", &[("value", Value::Int(4))]), 4.0);
    assert_eq!(fill_of("constant", &[]), 0.0);
    // Even count: mean of the two middle values.
    let even = Frame::new(vec![Column::numeric("a", vec![4.0, 1.0, f64::NAN, 2.0, 8.0])], 5);
    let out = fit(
        "impute",
        &[("strategy", Value::Str("median".into()))],
        &even,
        &["a"],
    )
    .unwrap();
    assert_eq!(num(&out.transform(&even).unwrap(), "a")[2], 3.0);
    // Untouched values pass through, as do unselected columns.
    let out = fit("impute", &[], &frame, &["a"])
        .unwrap()
        .transform(&frame)
        .unwrap();
    assert_eq!(&num(&out, "a")[2..], &[3.0, 10.0, 3.0, 1.0]);
    assert!(num(&out, "b")[5].is_nan());
}

#[test]
fn impute_categorical_most_frequent_and_constant() {
    let frame = sample_frame();
    let p = [("strategy", Value::Str("most_frequent".into()))];
    let out = fit("impute", &p, &frame, &["c"])
        .unwrap()
        .transform(&frame)
        .unwrap();
    let col = out.column("c").unwrap();
    assert!(col.missing.iter().all(|m| !m));
    let ColumnData::Categorical { codes, .. } = &col.data else {
        panic!("categorical")
    };
    // Observed codes 1, 1, 2, 1 → level "y" (code 1) fills rows 1 and 4.
    assert_eq!(codes, &vec![1, 1, 1, 2, 1, 1]);

    let p = [
        ("strategy", Value::Str("constant".into())),
        ("level", Value::Str("z".into())),
    ];
    let out = fit("impute", &p, &frame, &["c"])
        .unwrap()
        .transform(&frame)
        .unwrap();
    assert_eq!(out.column("c").unwrap().display_value(1), "z");

    // A level outside the dictionary is appended to it.
    let p = [
        ("strategy", Value::Str("constant".into())),
        ("level", Value::Str("unknown".into())),
    ];
    let fitted = fit("impute", &p, &frame, &["c"]).unwrap();
    let out = fitted.transform(&frame).unwrap();
    let ColumnData::Categorical { codes, levels } = &out.column("c").unwrap().data else {
        panic!()
    };
    assert_eq!(levels.len(), 4);
    assert_eq!(codes[4], 3);
    assert_eq!(out.column("c").unwrap().display_value(4), "unknown");
    assert_lowering_agrees(fitted.as_ref(), &frame);
}

#[test]
fn impute_errors_name_the_column() {
    let frame = sample_frame();
    for strategy in ["mean", "median"] {
        let err = fit(
            "impute",
            &[("strategy", Value::Str(strategy.into()))],
            &frame,
            &["c"],
        )
        .unwrap_err();
        let OpError::Column { column, message, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(column, "c");
        assert!(message.contains("most_frequent"), "{message}");
    }
    let empty = Frame::new(vec![Column::numeric("gone", vec![f64::NAN; 3])], 3);
    for strategy in ["mean", "median", "most_frequent"] {
        let err = fit(
            "impute",
            &[("strategy", Value::Str(strategy.into()))],
            &empty,
            &["gone"],
        )
        .unwrap_err();
        assert!(
            matches!(&err, OpError::Column { column, .. } if column == "gone"),
            "{err:?}"
        );
    }
    let err = fit(
        "impute",
        &[("strategy", Value::Str("constant".into()))],
        &frame,
        &["c"],
    )
    .unwrap_err();
    assert!(err.to_string().contains("level"), "{err}");
    let err = fit("impute", &[], &frame, &["nope"]).unwrap_err();
    assert!(matches!(&err, OpError::Column { column, .. } if column == "nope"));
    // Transforming a frame that lacks a fitted column names it.
    let fitted = fit("impute", &[], &frame, &["a"]).unwrap();
    let err = fitted.transform(&frame.without("a")).unwrap_err();
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "a"),
        "{err:?}"
    );
    assert!(matches!(
        transform("nonsense", &Params::new()),
        Err(OpError::Invalid { .. })
    ));
    let bad = params(&[("strategy", Value::Str("mode".into()))]);
    assert!(matches!(transform("impute", &bad), Err(OpError::Invalid { .. })));
}

#[test]
fn impute_lowering_agrees_with_transform() {
    let frame = sample_frame();
    let fitted = fit(
        "impute",
        &[("strategy", Value::Str("median".into()))],
        &frame,
        &["a", "b"],
    )
    .unwrap();
    assert_lowering_agrees(fitted.as_ref(), &frame);
    let p = [("strategy", Value::Str("most_frequent".into()))];
    let fitted = fit("impute", &p, &frame, &["a", "c", "b"]).unwrap();
    assert_lowering_agrees(fitted.as_ref(), &frame);
}

#[test]
fn standardize_numbers() {
    let nan = f64::NAN;
    let frame = Frame::new(
        vec![
            Column::numeric("x", vec![1.0, 2.0, nan, 3.0, 4.0]),
            Column::numeric("k", vec![5.0; 5]),
        ],
        5,
    );
    let std = 1.25f64.sqrt();
    let out = fit("standardize", &[], &frame, &["x", "k"])
        .unwrap()
        .transform(&frame)
        .unwrap();
    let x = num(&out, "x");
    assert!((x[0] - (1.0 - 2.5) / std).abs() < 1e-12);
    assert!((x[4] - 1.5 / std).abs() < 1e-12);
    assert!(x[2].is_nan() && out.column("x").unwrap().missing[2]);
    // Mean 0, population variance 1 over the observed values.
    let obs: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
    assert!(obs.iter().sum::<f64>().abs() < 1e-12);
    assert!((obs.iter().map(|v| v * v).sum::<f64>() / 4.0 - 1.0).abs() < 1e-12);
    // A constant column has scale 1: only centred.
    assert_eq!(num(&out, "k"), &[0.0; 5]);

    let p = [("with_mean", Value::Bool(false))];
    let out = fit("standardize", &p, &frame, &["x"])
        .unwrap()
        .transform(&frame)
        .unwrap();
    assert!((num(&out, "x")[3] - 3.0 / std).abs() < 1e-12);
    let p = [("with_std", Value::Bool(false))];
    let out = fit("standardize", &p, &frame, &["x"])
        .unwrap()
        .transform(&frame)
        .unwrap();
    assert_eq!(num(&out, "x")[3], 0.5);
}

#[test]
fn standardize_errors_and_lowering() {
    let frame = sample_frame();
    let err = fit("standardize", &[], &frame, &["c"]).unwrap_err();
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "c"),
        "{err:?}"
    );
    let fitted = fit("standardize", &[], &frame, &["a", "b"]).unwrap();
    assert_lowering_agrees(fitted.as_ref(), &frame);
    let fitted = fit(
        "standardize",
        &[("with_mean", Value::Bool(false))],
        &frame,
        &["a"],
    )
    .unwrap();
    assert_lowering_agrees(fitted.as_ref(), &frame);
}

fn colours() -> Frame {
    Frame::new(
        vec![
            Column::numeric("a", vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            cat(
                "c",
                &[0, 2, 2, 0, 1, 0],
                &["blue", "green", "red"],
                &[false, false, false, false, false, true],
            ),
            Column::numeric("b", vec![0.0; 6]),
        ],
        6,
    )
}

#[test]
fn one_hot_columns_values_and_unseen_levels() {
    let frame = colours();
    // Train on rows 0..4: levels blue and red only ("green" unseen).
    let train = frame.take(&[0, 1, 2, 3]);
    let fitted = fit("one_hot", &[], &train, &["c"]).unwrap();
    let out = fitted.transform(&frame).unwrap();
    assert_eq!(out.names(), vec!["a", "c=blue", "c=red", "b"]);
    assert_eq!(num(&out, "c=blue"), &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    // Row 4 is green (unseen in training) and row 5 is missing: all zeros.
    assert_eq!(num(&out, "c=red"), &[0.0, 1.0, 1.0, 0.0, 0.0, 0.0]);
    assert_lowering_agrees(fitted.as_ref(), &frame);

    // max_categories keeps the most frequent; ties go to the lower code.
    let p = [("max_categories", Value::Int(1))];
    let out = fit("one_hot", &p, &train, &["c"])
        .unwrap()
        .transform(&frame)
        .unwrap();
    assert_eq!(out.names(), vec!["a", "c=blue", "b"]);
    let skewed = frame.take(&[1, 2, 0, 4]);
    let p = [("max_categories", Value::Int(2))];
    let fitted = fit("one_hot", &p, &skewed, &["c"]).unwrap();
    // red ×2 then blue/green ×1 tie → blue (code 0); output in level order.
    assert_eq!(
        fitted.transform(&frame).unwrap().names(),
        vec!["a", "c=blue", "c=red", "b"]
    );
    assert_lowering_agrees(fitted.as_ref(), &frame);
}

#[test]
fn one_hot_errors() {
    let frame = colours();
    let err = fit("one_hot", &[], &frame, &["a"]).unwrap_err();
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "a"),
        "{err:?}"
    );
    assert!(transform("one_hot", &params(&[("max_categories", Value::Int(0))])).is_err());
    let fitted = fit("one_hot", &[], &frame, &["c"]).unwrap();
    let err = fitted.transform(&frame.without("c")).unwrap_err();
    assert!(
        matches!(&err, OpError::Column { column, .. } if column == "c"),
        "{err:?}"
    );
}

#[test]
fn chained_steps_lower_like_they_transform() {
    // impute(most_frequent) → one_hot → standardize, fitted on the transformed
    // frames in sequence, lowered in sequence into one graph.
    let frame = colours();
    let mf = [("strategy", Value::Str("most_frequent".into()))];
    let imp = fit("impute", &mf, &frame, &["c"]).unwrap();
    let f1 = imp.transform(&frame).unwrap();
    let oh = fit("one_hot", &[], &f1, &["c"]).unwrap();
    let f2 = oh.transform(&f1).unwrap();
    let st = fit("standardize", &[], &f2, &["a", "c=blue", "c=green", "c=red"]).unwrap();
    let f3 = st.transform(&f2).unwrap();
    let mut lowering = lowering_for(&frame);
    for step in [&imp, &oh, &st] {
        step.lower(&mut lowering).unwrap();
    }
    let (cols, rows) = run_lowered_columns(lowering, &frame);
    assert_eq!(cols, f3.names());
    for (i, row) in rows.iter().enumerate() {
        for (got, want) in row.iter().zip(abi_row(&f3, i)) {
            assert!(
                (got - want).abs() < 1e-5,
                "row {i}: {row:?} vs {:?}",
                abi_row(&f3, i)
            );
        }
    }
    // The missing colour was imputed as blue (most frequent), then encoded.
    assert_eq!(num(&f2, "c=blue")[5], 1.0);
}
