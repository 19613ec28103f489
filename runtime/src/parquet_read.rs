//! Column-parallel Parquet decoding for [`crate::parquet`], of the whole file or of a range of its row groups.
//!
//! The footer is parsed once; the page-header guards of `parquet_headers.rs`
//! (oversized collections, pages and dictionary counts) run over the chosen row
//! groups' headers without decompressing a page; then every column gets its
//! own reader (the same footer, a projection to that column) in a rayon task,
//! which builds and checks the frame column. The frame is assembled in file
//! order, and when several columns fail the first failing column in file order
//! gives the error, so the outcome does not depend on the thread count.

use crate::error::DataError;
use crate::frame::{Column, ColumnData, Frame};
use crate::parquet::{catching, parquet_error, Builder};
use crate::parquet_source::Source;
use crate::rows::fits_f32;
use ::parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use ::parquet::arrow::ProjectionMask;
use ::parquet::file::metadata::{ParquetMetaData, RowGroupMetaData};
use ::parquet::file::reader::Length;
use rayon::prelude::*;
use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

/// Rows per decoded batch (the crate's default is 1024; larger batches spend less
/// per row on the reader's bookkeeping).
const BATCH_ROWS: usize = 8192;

/// Decodes the row groups in `groups` (all of them when `None`) of `source`, the
/// file named `file`, following the rules of [`crate::parquet`]; `metadata` is
/// its footer when the caller parsed it already, else it is walked (see
/// [`crate::parquet_headers::check_footer`]) and parsed from `source`. Panics
/// in the decoder are caught per column; the caller catches those outside.
pub(crate) fn decode(
    source: &Source,
    metadata: Option<ParquetMetaData>,
    file: &str,
    groups: Option<Range<usize>>,
) -> Result<Frame, DataError> {
    let meta = match metadata {
        Some(metadata) => ArrowReaderMetadata::try_new(Arc::new(metadata), ArrowReaderOptions::new()),
        None => {
            if let Some(footer) = source.footer() {
                crate::parquet::check_footer(file, footer)?;
            }
            ArrowReaderMetadata::load(source, ArrowReaderOptions::new())
        }
    }
    .map_err(|e| parquet_error(file, e))?;
    let all = meta.metadata().row_groups();
    let file_rows = usize::try_from(meta.metadata().file_metadata().num_rows()).unwrap_or(0);
    let (groups, selected, rows_chosen) = match groups {
        None => (0..all.len(), Cow::Borrowed(meta.metadata().as_ref()), file_rows),
        Some(range) => {
            let Some(chosen) = all.get(range.clone()) else {
                return Err(DataError::RowGroupRange {
                    file: file.to_string(),
                    start: range.start,
                    end: range.end,
                    count: all.len(),
                });
            };
            let file_metadata = meta.metadata().file_metadata().clone();
            let rows = rows_in(chosen);
            (
                range,
                Cow::Owned(ParquetMetaData::new(file_metadata, chosen.to_vec())),
                rows,
            )
        }
    };
    if let Err(big) = crate::parquet_headers::check(source, &selected) {
        return Err(parquet_error(file, format!("corrupt file ({big})")));
    }
    let rows_before = rows_in(all.get(..groups.start).unwrap_or_default());

    let schema = meta.schema().clone();
    let mut names: Vec<String> = Vec::with_capacity(schema.fields().len());
    let mut builders: Vec<Builder> = Vec::with_capacity(schema.fields().len());
    for (i, field) in schema.fields().iter().enumerate() {
        crate::frame::push_column_name(&mut names, field.name(), i, file)?;
        builders.push(Builder::for_field(field, file)?);
    }

    let groups: Vec<usize> = groups.collect();
    let read = |(i, (builder, name)): (usize, (Builder, String))| {
        catching(file, || {
            let mut builder = builder;
            // The footer's count, bounded by the file's bits: a corrupt footer
            // must not reserve more than the decoder would ever fill.
            builder.reserve(
                rows_chosen.min(
                    usize::try_from(source.len())
                        .unwrap_or(usize::MAX)
                        .saturating_mul(8),
                ),
            );
            let column = read_column(source, &meta, &groups, i, builder, file, &name)?;
            Ok(finish(column, name))
        })
    };
    let results: Vec<Result<Checked, DataError>> = builders
        .into_par_iter()
        .zip(names)
        .enumerate()
        .map(read)
        .collect();
    let columns = results.into_iter().collect::<Result<Vec<Checked>, DataError>>()?;

    let n_rows = columns.first().map_or(rows_chosen, |c| c.column.len());
    if let Some(bad) = columns.iter().find(|c| c.column.len() != n_rows) {
        return Err(parquet_error(
            file,
            format!(
                "column `{}` holds {} rows, not {n_rows}",
                bad.column.name,
                bad.column.len()
            ),
        ));
    }
    if let Some((column, (row, value))) = columns.iter().find_map(|c| Some((&c.column, c.out_of_range?))) {
        return Err(DataError::OutOfRangeRow {
            file: Some(file.to_string()),
            row: rows_before.saturating_add(row + 1),
            column: column.name.clone(),
            value,
        });
    }
    Ok(Frame {
        columns: columns.into_iter().map(|c| c.column).collect(),
        n_rows,
    })
}

/// The rows `groups` declare (a negative count, in a corrupt footer, as 0).
fn rows_in(groups: &[RowGroupMetaData]) -> usize {
    groups
        .iter()
        .map(|g| usize::try_from(g.num_rows()).unwrap_or(0))
        .fold(0, usize::saturating_add)
}

/// Reads the column at root index `index`, named `name`, of the row groups
/// `groups` into `builder`.
fn read_column(
    source: &Source,
    meta: &ArrowReaderMetadata,
    groups: &[usize],
    index: usize,
    mut builder: Builder,
    file: &str,
    name: &str,
) -> Result<Builder, DataError> {
    let mask = ProjectionMask::roots(meta.parquet_schema(), [index]);
    let mut reader = ParquetRecordBatchReaderBuilder::new_with_metadata(source.clone(), meta.clone())
        .with_projection(mask)
        .with_row_groups(groups.to_vec());
    // The builder caps the batch at the footer's row count: a corrupt footer
    // claiming no rows must not make the batch empty, which would read nothing.
    if meta.metadata().file_metadata().num_rows() > 0 {
        reader = reader.with_batch_size(BATCH_ROWS);
    }
    let reader = reader.build().map_err(|e| parquet_error(file, e))?;
    for batch in reader {
        let batch = batch.map_err(|e| parquet_error(file, e))?;
        let [array] = batch.columns() else {
            return Err(parquet_error(
                file,
                format!(
                    "reading column `{name}` gave {} columns, not 1",
                    batch.num_columns()
                ),
            ));
        };
        builder.append(array.as_ref(), file, name)?;
    }
    Ok(builder)
}

/// A finished column, with its first value outside `f32` (0-based row, value).
struct Checked {
    column: Column,
    out_of_range: Option<(usize, f64)>,
}

/// Finishes `builder` as the column `name` and finds its first number outside `f32`.
fn finish(builder: Builder, name: String) -> Checked {
    let column = builder.finish(name);
    let out_of_range = match &column.data {
        ColumnData::Numeric(values) => values
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_nan() && !fits_f32(**v))
            .map(|(row, v)| (row, *v)),
        ColumnData::Categorical { .. } => None,
    };
    Checked { column, out_of_range }
}
