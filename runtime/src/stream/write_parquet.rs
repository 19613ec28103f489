//! The Parquet sink of [`super::PredictionWriter`]: one Arrow record batch per
//! chunk of predictions, written with `parquet`'s `ArrowWriter` in row groups of
//! bounded size, so memory stays bounded whatever the number of rows.

use crate::predictions::Predictions;
use ::parquet::arrow::ArrowWriter;
use ::parquet::basic::Compression;
use ::parquet::errors::ParquetError;
use ::parquet::file::properties::WriterProperties;
use arrow_array::builder::{Float32Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use std::io::{self, Write};
use std::sync::Arc;

/// Rows per row group at most. `ArrowWriter` keeps a row group's encoded
/// columns in memory until it is full, so this (with [`ROW_GROUP_BYTES`])
/// bounds what the sink holds.
pub(super) const ROW_GROUP_ROWS: usize = 65_536;

/// Estimated encoded bytes per row group at most, whichever of this and
/// [`ROW_GROUP_ROWS`] is reached first (it matters for models with many
/// classes and `--proba`).
pub(super) const ROW_GROUP_BYTES: usize = 32 << 20;

/// Writes predictions as Parquet: an optional `Utf8` ID column, a
/// `prediction` column (`Utf8` class labels for classifiers, `Float32` for
/// regressors), then one nullable `Float32` column per probability column name. A non-finite number, and a classifier
/// row whose class is not a valid label index, is a null.
pub(super) struct ParquetSink<W: Write> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    /// Whether the first column holds row IDs.
    id: bool,
}

impl<W: Write + Send> ParquetSink<W> {
    /// A sink writing `columns` (the ID column when `id`, `prediction`, then
    /// the probability columns) to `out`; `classifier` types `prediction`.
    pub(super) fn new(out: W, columns: &[String], classifier: bool, id: bool) -> io::Result<Self> {
        let first = usize::from(id);
        let prediction = if classifier {
            DataType::Utf8
        } else {
            DataType::Float32
        };
        let fields: Vec<Field> = columns
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let kind = if i < first {
                    DataType::Utf8
                } else if i == first {
                    prediction.clone()
                } else {
                    DataType::Float32
                };
                Field::new(name, kind, true)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties)).map_err(io_error)?;
        Ok(ParquetSink { writer, schema, id })
    }

    /// Appends every row of `predictions` as one record batch (the writer
    /// cuts it into row groups).
    /// `ids` holds each row's ID when the sink has an ID column.
    pub(super) fn write(&mut self, predictions: &Predictions, ids: &[String]) -> io::Result<()> {
        let n = predictions.n_rows;
        let classes = predictions.classes.len();
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.schema.fields().len());
        if self.id {
            let mut texts = StringBuilder::with_capacity(n, ids.iter().map(String::len).sum());
            for id in ids {
                texts.append_value(id);
            }
            arrays.push(Arc::new(texts.finish()));
        }
        let first = |row: usize| predictions.row(row).and_then(|r| r.first()).copied();
        if predictions.is_classification() {
            let mut labels = StringBuilder::with_capacity(n, 8 * n);
            for row in 0..n {
                match first(row) {
                    Some(v) if is_class_index(v, classes) => labels.append_value(predictions.label_of(row)),
                    _ => labels.append_null(),
                }
            }
            arrays.push(Arc::new(labels.finish()));
        } else {
            let mut numbers = Float32Builder::with_capacity(n);
            for row in 0..n {
                numbers.append_option(first(row).filter(|v| v.is_finite()));
            }
            arrays.push(Arc::new(numbers.finish()));
        }
        // Probability column `j` is value `j` of each row.
        for j in 1..self.schema.fields().len() - usize::from(self.id) {
            let mut numbers = Float32Builder::with_capacity(n);
            for row in 0..n {
                let v = predictions.row(row).and_then(|r| r.get(j)).copied();
                numbers.append_option(v.filter(|v| v.is_finite()));
            }
            arrays.push(Arc::new(numbers.finish()));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(io::Error::other)?;
        self.writer.write(&batch).map_err(io_error)
    }

    /// Writes the last row group and the footer, flushes, and returns `out`.
    pub(super) fn finish(self) -> io::Result<W> {
        let mut out = self.writer.into_inner().map_err(io_error)?;
        out.flush()?;
        Ok(out)
    }
}

/// True when `v` is the index of one of `classes` labels, as
/// [`Predictions::label_of`] reads it (anything else is an invalid row's NaN).
fn is_class_index(v: f32, classes: usize) -> bool {
    v >= 0.0 && v.fract() == 0.0 && (v as usize) < classes
}

/// A Parquet error as an I/O error: the underlying I/O error itself when
/// there is one (a full disk stays a full disk), otherwise wrapped.
fn io_error(e: ParquetError) -> io::Error {
    match e {
        ParquetError::External(inner) => match inner.downcast::<io::Error>() {
            Ok(io) => *io,
            Err(other) => io::Error::other(other),
        },
        other => io::Error::other(other),
    }
}
