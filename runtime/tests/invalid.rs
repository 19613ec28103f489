//! Rows a model cannot predict are never a made-up answer: `predict` refuses
//! them naming the row and the columns; `predict_with` drops them or keeps them
//! as NaN; `predict_encoded` does the same for row-ABI rows.

mod common;

use mlg_runtime::{Column, Frame, InvalidRow, InvalidRows, Model, OnInvalid, Row, RowError, RuntimeError};

fn frame(x: &[f64], z: &[f64]) -> Frame {
    Frame::new(
        vec![Column::numeric("x", x.to_vec()), Column::numeric("z", z.to_vec())],
        x.len(),
    )
}

fn invalid(err: RuntimeError) -> InvalidRows {
    match err {
        RuntimeError::InvalidRows(rows) => rows,
        other => panic!("expected InvalidRows, got {other:?}"),
    }
}

fn row(row: usize, missing: &[&str], unimputed: &[&str]) -> InvalidRow {
    InvalidRow {
        row,
        missing: missing.iter().map(|s| s.to_string()).collect(),
        unimputed: unimputed.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn a_missing_input_without_imputation_is_an_error_naming_row_and_column() {
    let model = Model::from_artifact(common::partial_imputer()).unwrap();
    let nan = f64::NAN;
    // Row 1 lacks `z` (no imputation); row 2 lacks `x` (imputed as 0): fine.
    let err = model
        .predict(&frame(&[1.0, 2.0, nan], &[1.0, nan, 1.0]))
        .unwrap_err();
    let text = err.to_string();
    let rows = invalid(err);
    assert_eq!(rows.count, 1);
    assert_eq!(rows.n_rows, 3);
    assert_eq!(rows.first, vec![row(1, &["z"], &["z"])]);
    assert_eq!(
        text,
        "1 of 3 rows cannot be predicted: row 1: column `z` is missing and the model has no imputation for it"
    );
    assert_eq!(model.takes_missing(), vec![Some(true), Some(false)]);
    // Without row 1 every prediction is there and finite.
    let ok = model.predict(&frame(&[1.0, nan], &[1.0, 1.0])).unwrap();
    assert_eq!(ok.values, vec![6.0, 4.0]);
    assert!(ok.invalid.is_empty());
}

#[test]
fn skip_drops_invalid_rows_and_null_keeps_them_empty() {
    let model = Model::from_artifact(common::partial_imputer()).unwrap();
    let input = frame(&[1.0, 2.0, 3.0, f64::NAN], &[1.0, f64::NAN, 0.0, f64::NAN]);
    let skipped = model.predict_with(&input, OnInvalid::Skip).unwrap();
    assert_eq!(skipped.n_rows, 2);
    assert_eq!(skipped.values, vec![6.0, 7.0]);
    assert_eq!(
        skipped.invalid,
        vec![row(1, &["z"], &["z"]), row(3, &["x", "z"], &["z"])]
    );
    assert_eq!(skipped.to_csv_string().unwrap(), "prediction\n6\n7\n");
    let nulls = model.predict_with(&input, OnInvalid::Null).unwrap();
    assert_eq!(nulls.n_rows, 4);
    assert_eq!(nulls.invalid, skipped.invalid);
    // A one-column row with an empty field is quoted, so that it is not a blank line.
    assert_eq!(nulls.to_csv_string().unwrap(), "prediction\n6\n\"\"\n7\n\"\"\n");
    assert_eq!(nulls.prediction_text(1), "");
}

#[test]
fn a_classifier_never_answers_class_zero_for_a_row_it_cannot_predict() {
    let model = Model::from_artifact(common::classifier_without_imputation()).unwrap();
    let one = Row::new().missing("x").cat("color", "red");
    let err = invalid(model.predict(&one).unwrap_err());
    assert_eq!(err.first, vec![row(0, &["x"], &["x"])]);
    let nulls = model.predict_with(&[one.clone(), one], OnInvalid::Null).unwrap();
    assert_eq!(nulls.class(0), None);
    assert_eq!(nulls.prediction_text(1), "");
    assert!(nulls.probabilities(0).unwrap().iter().all(|p| p.is_nan()));
    assert_eq!(
        nulls.to_csv_string().unwrap(),
        "prediction,proba_no,proba_yes\n,,\n,,\n"
    );
    // A missing color is fine: the one-hot of a missing level is all zeros.
    let fine = model
        .predict(&Row::new().num("x", 5000.0).missing("color"))
        .unwrap();
    assert_eq!(fine.class(0), Some("yes"));
}

#[test]
fn an_output_that_overflows_is_invalid_even_with_every_input_present() {
    let model = Model::from_artifact(common::partial_imputer()).unwrap();
    // 2 * 3e38 overflows f32.
    let err = model
        .predict(&Row::new().num("x", 3e38).num("z", 0.0))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 of 1 row cannot be predicted: row 0: the model's output is not finite (no input is missing)"
    );
}

#[test]
fn errors_describe_the_first_five_rows_and_count_the_rest() {
    let model = Model::from_artifact(common::partial_imputer()).unwrap();
    let z: Vec<f64> = (0..20).map(|i| if i % 2 == 1 { f64::NAN } else { 1.0 }).collect();
    let rows = invalid(model.predict(&frame(&[1.0; 20], &z)).unwrap_err());
    assert_eq!(rows.count, 10);
    let first: Vec<usize> = rows.first.iter().map(|r| r.row).collect();
    assert_eq!(first, vec![1, 3, 5, 7, 9]);
    assert!(rows.to_string().ends_with("; and 5 more"), "{rows}");
}

#[test]
fn encoded_rows_are_checked_like_frames() {
    let model = Model::from_artifact(common::partial_imputer()).unwrap();
    let rows = [1.0, 1.0, 2.0, f32::INFINITY, f32::NAN, 0.0];
    let err = invalid(model.predict_encoded(&rows, 3, OnInvalid::Error).unwrap_err());
    // An infinite `z` is named like a missing one; row 2's missing `x` is imputed.
    assert_eq!(err.first, vec![row(1, &["z"], &["z"])]);
    let nulls = model.predict_encoded(&rows, 3, OnInvalid::Null).unwrap();
    assert_eq!(nulls.values[0], 6.0);
    assert!(nulls.values[1].is_nan());
    assert_eq!(nulls.values[2], 1.0);
    let one = model
        .predict_encoded(&[f32::NAN, f32::NAN], 1, OnInvalid::Skip)
        .unwrap();
    assert_eq!(one.n_rows, 0);
    assert_eq!(one.invalid, vec![row(0, &["x", "z"], &["z"])]);
    let shape = model.predict_encoded(&[1.0], 1, OnInvalid::Error).unwrap_err();
    assert!(matches!(shape, RuntimeError::InputShape { .. }), "{shape:?}");
}

#[test]
fn rows_and_frames_refuse_numbers_outside_f32_before_predicting() {
    let model = Model::from_artifact(common::partial_imputer()).unwrap();
    let err = model
        .predict(&Row::new().num("x", 1e39).num("z", 0.0))
        .unwrap_err();
    assert!(
        matches!(&err, RuntimeError::Row(RowError::OutOfRange { row: 0, column, .. }) if column == "x"),
        "{err:?}"
    );
    let err = model
        .predict(&frame(&[1.0, f64::NEG_INFINITY], &[0.0, 0.0]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `x`: row 2 holds -inf, which is not a finite number in 32-bit floats \
         (models compute in f32: |x| must be at most 3.4028235e38)"
    );
}

#[test]
fn policies_parse_from_their_names() {
    for policy in [OnInvalid::Error, OnInvalid::Skip, OnInvalid::Null] {
        assert_eq!(policy.name().parse::<OnInvalid>(), Ok(policy));
    }
    let err = "drop".parse::<OnInvalid>().unwrap_err();
    assert!(err.contains("error, skip or null"), "{err}");
}
