//! Helpers shared by the Parquet tests: writing files, building batches,
//! and comparing frames.
#![allow(dead_code)]

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use mlg_runtime::{ColumnData, DataError, Frame};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Writes `batches` to `dir/name`, one row group per batch.
pub fn write_parquet(dir: &Path, name: &str, batches: &[RecordBatch]) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batches[0].schema(), None).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
        writer.flush().unwrap();
    }
    writer.close().unwrap();
    path
}

pub fn write_csv(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A batch of nullable columns.
pub fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter_with_nullable(columns.into_iter().map(|(n, a)| (n, a, true))).unwrap()
}

pub fn row_groups(path: &Path) -> usize {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    builder.metadata().num_row_groups()
}

/// Frames are the same: names, kinds, masks, levels, codes (exactly, missing rows
/// included) and numbers (NaN equal to NaN).
pub fn assert_same(parquet: &Frame, csv: &Frame) {
    assert_eq!(parquet.names(), csv.names());
    assert_eq!(parquet.n_rows, csv.n_rows);
    for (p, c) in parquet.columns.iter().zip(&csv.columns) {
        assert_eq!(p.missing, c.missing, "mask of `{}`", p.name);
        match (&p.data, &c.data) {
            (ColumnData::Numeric(a), ColumnData::Numeric(b)) => {
                let same =
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
                assert!(same, "values of `{}`: {a:?} vs {b:?}", p.name);
            }
            (a, b) => assert_eq!(a, b, "column `{}`", p.name),
        }
    }
}

pub fn levels_and_codes(frame: &Frame, name: &str) -> (Vec<String>, Vec<u32>) {
    match &frame.column(name).unwrap().data {
        ColumnData::Categorical { codes, levels } => (levels.clone(), codes.clone()),
        other @ ColumnData::Numeric(_) => panic!("`{name}` is not categorical: {other:?}"),
    }
}

/// A small valid file's bytes.
pub fn good_file_bytes(dir: &Path) -> Vec<u8> {
    let rows: Vec<i64> = (0..500).collect();
    let labels: Vec<String> = rows.iter().map(|i| format!("level{}", i % 7)).collect();
    let batch = batch(vec![
        ("n", Arc::new(Int64Array::from(rows)) as ArrayRef),
        ("s", Arc::new(StringArray::from(labels))),
    ]);
    std::fs::read(write_parquet(dir, "good.parquet", &[batch])).unwrap()
}

pub fn assert_parquet_error(result: Result<Frame, DataError>, path: &Path) {
    match result {
        Err(err @ DataError::Parquet { .. }) => {
            let message = err.to_string();
            assert!(message.contains(&path.display().to_string()), "{message}");
        }
        other => panic!("expected a Parquet error, got {other:?}"),
    }
}
