//! Models: load, predict frames and raw rows, and write predictions as CSV.

mod common;

use mlg_runtime::artifact::write;
use mlg_runtime::csv::read_csv_from;
use mlg_runtime::{Column, Frame, Model, RuntimeError};

#[test]
fn classifier_predictions_csv_matches_expected_text() {
    let model = Model::from_artifact(common::classifier()).unwrap();
    let input = "id,color,x\n1,blue,2000\n2,blue,0\n3,red,NA\n4,green,0\n5,,0\n6,red,1000\n";
    let frame = read_csv_from(input.as_bytes(), "in.csv").unwrap();
    let predictions = model.predict(&frame).unwrap();
    assert_eq!(predictions.columns, vec!["class", "proba_no", "proba_yes"]);
    assert_eq!(predictions.n_rows, 6);
    let expected = "prediction,proba_no,proba_yes\n\
                    yes,0,1\n\
                    no,1,0\n\
                    yes,0,1\n\
                    no,1,0\n\
                    no,1,0\n\
                    yes,0,1\n";
    assert_eq!(predictions.to_csv_string().unwrap(), expected);
}

#[test]
fn regressor_predictions_csv_matches_expected_text() {
    let model = Model::from_artifact(common::regressor()).unwrap();
    let frame = read_csv_from(&b"x\n1.5\nNA\n-2.25\n"[..], "in.csv").unwrap();
    let predictions = model.predict(&frame).unwrap();
    assert_eq!(predictions.columns, vec!["prediction"]);
    assert_eq!(predictions.to_csv_string().unwrap(), "prediction\n4\n1\n-3.5\n");
}

#[test]
fn load_reads_a_written_artifact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out/clf.mlgc");
    write(&path, &common::classifier()).unwrap();
    let model = Model::load(&path).unwrap();
    assert_eq!(model.name(), "clf");
    assert_eq!(model.task(), "classification");
    assert_eq!(model.classes(), &["no".to_string(), "yes".to_string()]);
    assert_eq!(model.inputs().len(), 2);
    assert_eq!(model.n_outputs(), 3);
    let not_there = Model::load(dir.path().join("missing.mlgc")).unwrap_err();
    assert!(matches!(not_there, RuntimeError::Artifact(_)));
}

#[test]
fn large_batches_keep_row_order() {
    let model = Model::from_artifact(common::regressor()).unwrap();
    let n = 100_003;
    let xs: Vec<f64> = (0..n).map(|i| (i as f64) - 5000.0).collect();
    let frame = Frame::new(vec![Column::numeric("x", xs.clone())], n);
    let predictions = model.predict(&frame).unwrap();
    assert_eq!(predictions.values.len(), n);
    for (i, (&y, &x)) in predictions.values.iter().zip(&xs).enumerate() {
        assert_eq!(y, 2.0 * x as f32 + 1.0, "row {i}");
    }
}

#[test]
fn predict_rows_checks_the_shape() {
    let model = Model::from_artifact(common::classifier()).unwrap();
    let out = model.predict_rows(&[2000.0, 0.0, 0.0, f32::NAN], 2).unwrap();
    assert_eq!(out, vec![1.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
    let err = model.predict_rows(&[1.0, 2.0, 3.0], 2).unwrap_err();
    assert!(
        matches!(err, RuntimeError::InputShape { expected: 4, .. }),
        "{err:?}"
    );
    assert!(model.predict_rows(&[], 0).unwrap().is_empty());
    // One row into a caller's buffer: the same values as the batch call.
    let mut one = [0.0f32; 3];
    model.predict_row_into(&[2000.0, 0.0], &mut one).unwrap();
    assert_eq!(one, [1.0, 0.0, 1.0]);
    model.predict_row_into(&[0.0, f32::NAN], &mut one).unwrap();
    assert_eq!(one, [0.0, 1.0, 0.0]);
    let err = model.predict_row_into(&[1.0], &mut one).unwrap_err();
    assert!(
        matches!(err, RuntimeError::InputShape { expected: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn missing_input_columns_are_reported() {
    let model = Model::from_artifact(common::classifier()).unwrap();
    let frame = read_csv_from(&b"y\n1\n"[..], "in.csv").unwrap();
    let err = model.predict(&frame).unwrap_err();
    assert_eq!(err.to_string(), "missing input columns: x, color");
}

#[test]
fn invalid_artifacts_are_refused_before_compiling() {
    let mut artifact = common::regressor();
    artifact.task = "classification".into();
    assert!(matches!(
        Model::from_artifact(artifact),
        Err(RuntimeError::Artifact(_))
    ));
}

#[test]
fn models_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Model>();
}
