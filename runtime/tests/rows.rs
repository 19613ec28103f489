//! The row ABI encoder: slot order, category mapping by string, missing and unseen.

use mlg_compiler::ir::{InputSlot, SlotKind};
use mlg_runtime::csv::read_csv_from;
use mlg_runtime::rows::{encode_range_into, encode_rows, input_bounds};
use mlg_runtime::{Column, DataError, Frame};

fn num(name: &str) -> InputSlot {
    InputSlot {
        name: name.into(),
        kind: SlotKind::Numeric,
    }
}

fn cat(name: &str, levels: &[&str]) -> InputSlot {
    InputSlot {
        name: name.into(),
        kind: SlotKind::Categorical {
            levels: levels.iter().map(|l| l.to_string()).collect(),
        },
    }
}

/// Compares encoded rows, treating NaN as equal to NaN.
fn assert_rows(actual: &[f32], expected: &[f32]) {
    assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            a == e || (a.is_nan() && e.is_nan()),
            "slot {i}: {a} != {e} in {actual:?}"
        );
    }
}

#[test]
fn slots_follow_slot_order_and_map_levels_by_string() {
    // The frame's own dictionary (sorted: blue, green, red) differs from the slot's.
    let frame = read_csv_from(
        &b"color,extra,x\nred,1,0.5\ngreen,2,NA\nblue,3,2\n,4,-1\n"[..],
        "t.csv",
    )
    .unwrap();
    let slots = vec![num("x"), cat("color", &["red", "blue"])];
    let rows = encode_rows(&frame, &slots).unwrap();
    let nan = f32::NAN;
    assert_rows(&rows, &[0.5, 0.0, nan, -1.0, 2.0, 1.0, -1.0, nan]);
}

#[test]
fn missing_columns_are_all_listed() {
    let frame = read_csv_from(&b"a\n1\n"[..], "t.csv").unwrap();
    let err = encode_rows(&frame, &[num("b"), num("a"), cat("c", &["x"])]).unwrap_err();
    match &err {
        DataError::MissingColumns { columns } => assert_eq!(columns, &["b", "c"]),
        other => panic!("expected MissingColumns, got {other:?}"),
    }
    assert_eq!(err.to_string(), "missing input columns: b, c");
}

#[test]
fn categorical_column_in_numeric_slot_names_column_row_and_value() {
    let frame = read_csv_from(&b"x\nNA\nabc\n1\n"[..], "t.csv").unwrap();
    let err = encode_rows(&frame, &[num("x")]).unwrap_err();
    match &err {
        DataError::NotNumeric { column, row, value } => {
            assert_eq!((column.as_str(), *row, value.as_str()), ("x", 2, "abc"));
        }
        other => panic!("expected NotNumeric, got {other:?}"),
    }
    assert!(err.to_string().contains("`x`") && err.to_string().contains("`abc`"));
}

#[test]
fn numeric_column_in_categorical_slot_matches_by_value() {
    let frame = Frame::new(vec![Column::numeric("k", vec![2.0, 10.0, f64::NAN, 7.0])], 4);
    let rows = encode_rows(&frame, &[cat("k", &["10", "2.0", "x"])]).unwrap();
    assert_rows(&rows, &[1.0, 0.0, f32::NAN, -1.0]);
}

#[test]
fn inconsistent_frames_are_errors_not_panics() {
    let short = Frame {
        columns: vec![Column::numeric("x", vec![1.0])],
        n_rows: 2,
    };
    assert!(matches!(
        encode_rows(&short, &[num("x")]),
        Err(DataError::InvalidFrame { .. })
    ));
    let bad_code = Frame {
        columns: vec![Column::categorical(
            "c",
            vec![0, 5],
            vec!["a".into()],
            vec![false, false],
        )],
        n_rows: 2,
    };
    assert!(matches!(
        encode_rows(&bad_code, &[cat("c", &["a"])]),
        Err(DataError::InvalidFrame { .. })
    ));
}

#[test]
fn large_batches_match_a_row_by_row_encoding() {
    let n = 50_000;
    let xs: Vec<f64> = (0..n)
        .map(|i| if i % 7 == 0 { f64::NAN } else { i as f64 * 0.25 })
        .collect();
    let ys: Vec<f64> = (0..n).map(|i| -(i as f64)).collect();
    let codes: Vec<u32> = (0..n).map(|i| (i % 3) as u32).collect();
    let missing: Vec<bool> = (0..n).map(|i| i % 11 == 0).collect();
    let levels = vec!["a".to_string(), "b".to_string(), "z".to_string()];
    let frame = Frame::new(
        vec![
            Column::numeric("x", xs.clone()),
            Column::categorical("c", codes.clone(), levels, missing.clone()),
            Column::numeric("y", ys.clone()),
        ],
        n,
    );
    let rows = encode_rows(&frame, &[num("y"), cat("c", &["b", "a"]), num("x")]).unwrap();
    let mut expected = Vec::with_capacity(n * 3);
    for i in 0..n {
        let code = if missing[i] {
            f32::NAN
        } else {
            [1.0, 0.0, -1.0][codes[i] as usize]
        };
        expected.extend([ys[i] as f32, code, xs[i] as f32]);
    }
    assert_rows(&rows, &expected);
}

#[test]
fn no_slots_or_no_rows_give_empty_buffers() {
    let frame = read_csv_from(&b"a\n1\n2\n"[..], "t.csv").unwrap();
    assert!(encode_rows(&frame, &[]).unwrap().is_empty());
    let empty = read_csv_from(&b"a\n"[..], "t.csv").unwrap();
    assert!(encode_rows(&empty, &[num("a")]).unwrap().is_empty());
}

/// A range of rows encodes as those rows taken out of the frame would, checks
/// only those rows, and names frame rows in its errors.
#[test]
fn a_row_range_encodes_in_place_and_names_frame_rows() {
    let values = vec![1.0, 1e300, 2.0, 3.0, 4.0, 1e300];
    let missing = vec![false, false, false, true, false, false];
    let frame = Frame::new(
        vec![Column {
            missing,
            ..Column::numeric("x", values)
        }],
        6,
    );
    let slots = [num("x")];
    let mut out = vec![0.0f32; 3];
    encode_range_into(&frame, &slots, 2..5, &mut out).unwrap();
    assert_rows(&out, &[2.0, f32::NAN, 4.0]);
    let taken = encode_rows(&frame.take(&[2, 3, 4]), &slots).unwrap();
    assert_rows(&out, &taken);
    let err = encode_range_into(&frame, &slots, 3..6, &mut out).unwrap_err();
    match err {
        DataError::OutOfRangeRow { row, .. } => assert_eq!(row, 6),
        other => panic!("expected OutOfRangeRow, got {other:?}"),
    }
    let err = encode_range_into(&frame, &slots, 5..8, &mut out).unwrap_err();
    assert!(matches!(err, DataError::InvalidFrame { .. }), "{err:?}");
}

/// Bounds are the largest encoded magnitude per slot, and none where a row
/// would encode to NaN.
#[test]
fn input_bounds_are_the_largest_encoded_magnitudes() {
    let frame = read_csv_from(&b"a,b,c,color\n1.5,2,x,red\n-4,NA,y,blue\n"[..], "t.csv").unwrap();
    let slots = vec![
        num("a"),
        num("b"),
        num("c"),
        cat("color", &["red", "blue", "green"]),
        num("gone"),
    ];
    let bounds = input_bounds(&frame, &slots);
    assert_eq!(bounds, vec![Some(4.0), None, None, Some(3.0), None]);
}
