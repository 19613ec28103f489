//! Embedding: `Model::predict` on in-memory rows agrees with frames, names the
//! column at fault, and gives the same answers from many threads at once.

mod common;

use mlg_runtime::csv::read_csv_from;
use mlg_runtime::{Frame, Model, Predictions, Row, RowError, RuntimeError, Value};
use std::sync::Arc;

/// Rows of the toy classifier's inputs (`x`, `color`), with missing values and
/// an unseen level, and the same rows as CSV.
fn classifier_rows() -> (Vec<Row>, Frame) {
    let csv = "x,color\n2000,blue\n0,blue\nNA,red\n0,green\n0,\n1000,red\n-5,blue\n";
    let rows = vec![
        Row::new().num("x", 2000.0).cat("color", "blue"),
        Row::new().num("x", 0.0).cat("color", "blue"),
        Row::new().missing("x").cat("color", "red"),
        Row::new().num("x", 0.0).cat("color", "green"),
        Row::new().cat("color", "blue").num("x", 0.0).missing("color"),
        Row::new().cat("color", "red").num("x", 1000.0),
        [("x", Value::from(-5)), ("color", Value::from("blue"))]
            .into_iter()
            .collect(),
    ];
    (rows, read_csv_from(csv.as_bytes(), "rows.csv").unwrap())
}

#[test]
fn rows_predict_like_the_same_frame() {
    let model = Model::from_artifact(common::classifier()).unwrap();
    let (rows, frame) = classifier_rows();
    let from_frame = model.predict(&frame).unwrap();
    let from_vec = model.predict(&rows).unwrap();
    let from_slice = model.predict(&rows[..]).unwrap();
    assert_eq!(from_vec, from_frame);
    assert_eq!(from_slice, from_frame);
    for (i, row) in rows.iter().enumerate() {
        let one = model.predict(row).unwrap();
        let owned = [row.clone()];
        assert_eq!(model.predict(&owned).unwrap(), one);
        assert_eq!(model.predict(std::slice::from_ref(row)).unwrap(), one);
        assert_eq!(one.n_rows, 1);
        assert_eq!(one.row(0), from_frame.row(i), "row {i}");
    }
    let labels: Vec<&str> = (0..rows.len()).map(|i| from_vec.class(i).unwrap()).collect();
    assert_eq!(labels, ["yes", "no", "yes", "no", "no", "yes", "no"]);
    assert_eq!(from_vec.probabilities(0), Some(&[0.0f32, 1.0][..]));
    assert_eq!(from_vec.value(1), Some(0.0));
    assert_eq!(from_vec.class(rows.len()), None);
    assert_eq!(model.predict(&Vec::<Row>::new()).unwrap().n_rows, 0);
}

#[test]
fn regressor_rows_give_values_and_no_probabilities() {
    let model = Model::from_artifact(common::regressor()).unwrap();
    let rows = [
        Row::new().num("x", 1.5),
        Row::new().missing("x"),
        Row::new().num("x", -2.25),
    ];
    let predictions = model.predict(&rows).unwrap();
    let values: Vec<f32> = (0..3).map(|i| predictions.value(i).unwrap()).collect();
    assert_eq!(values, [4.0, 1.0, -3.5]);
    assert_eq!(predictions.class(0), None);
    assert_eq!(predictions.probabilities(0), None);
}

/// The [`RowError`] inside `result`.
fn row_error(result: Result<Predictions, RuntimeError>) -> RowError {
    match result {
        Err(RuntimeError::Row(e)) => e,
        other => panic!("expected a row error, got {other:?}"),
    }
}

#[test]
fn bad_rows_are_typed_errors_naming_the_column() {
    let model = Model::from_artifact(common::classifier()).unwrap();
    let good = Row::new().num("x", 1.0).cat("color", "red");
    let unknown = good.clone().num("colour", 1.0);
    let err = row_error(model.predict(&[good.clone(), unknown]));
    assert!(
        matches!(&err, RowError::UnknownColumn { row: 1, column, .. } if column == "colour"),
        "{err}"
    );
    assert!(err.to_string().contains("`colour`"), "{err}");

    let err = row_error(model.predict(&Row::new().num("x", 1.0)));
    assert_eq!(
        err,
        RowError::MissingColumn {
            row: 0,
            column: "color".into()
        }
    );
    assert_eq!(err.to_string(), "rows[0]: missing input column `color`");

    let err = row_error(model.predict(&[good.clone(), good.clone(), good.clone().cat("x", "big")]));
    assert!(
        matches!(&err, RowError::WrongType { row: 2, column, .. } if column == "x"),
        "{err}"
    );
    assert_eq!(
        model.predict(&good.cat("x", "big")).unwrap_err().to_string(),
        "rows[0]: column `x` expects a number, got the text \"big\""
    );
}

#[test]
fn eight_threads_agree_with_one() {
    let model = Arc::new(Model::from_artifact(common::classifier()).unwrap());
    let colors = ["blue", "red", "green"];
    let rows: Vec<Row> = (0..2000)
        .map(|i| {
            let row = Row::new().num("x", (i as f64 * 7.3) % 3001.0 - 1500.0);
            match i % 5 {
                4 => row.missing("color"),
                k => row.cat("color", colors[k % 3]),
            }
        })
        .collect();
    let expected = model.predict(&rows).unwrap();
    let rows = Arc::new(rows);
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let (model, rows) = (Arc::clone(&model), Arc::clone(&rows));
            std::thread::spawn(move || {
                // Each thread: single rows (the stack path) and whole batches.
                let mut values = Vec::with_capacity(rows.len() * 3);
                for row in rows.iter().skip(t).step_by(8) {
                    values.push((row.clone(), model.predict(row).unwrap()));
                }
                let batch = model.predict(&rows[..]).unwrap();
                (values, batch)
            })
        })
        .collect();
    for (t, handle) in handles.into_iter().enumerate() {
        let (singles, batch) = handle.join().unwrap();
        assert_eq!(batch, expected, "thread {t}");
        for ((row, one), i) in singles.iter().zip((t..).step_by(8)) {
            assert_eq!(one.row(0), expected.row(i), "thread {t}, row {i}: {row:?}");
        }
    }
}
