//! `mlg predict` from a Parquet file: one row group at a time, so memory is
//! bounded by the largest row group (as it is when writing Parquet). Every
//! column is read and the model takes its inputs by name, as
//! [`mlg_runtime::Model::predict`] does for any frame (categories by label,
//! an unseen one as unseen; extra columns ignored). The loader's rules apply
//! ([`mlg_runtime::parquet`]): a corrupt file or an unsupported column type
//! is an error naming the file. Rows are numbered from 1 in file order where
//! a CSV file would give their lines.

use crate::predict::Chunks;
use mlg_runtime::parquet::{parquet_row_groups, read_parquet_row_groups};
use mlg_runtime::{DataError, Frame};
use std::path::{Path, PathBuf};

/// The row groups of a Parquet file, read in order.
pub struct ParquetRows {
    path: PathBuf,
    groups: usize,
    next: usize,
    len: u64,
    rows: u64,
    lines: Vec<u64>,
    /// The model's input columns.
    inputs: Vec<String>,
    /// The file's columns that are none of `inputs`, once a row group is read.
    extra: Vec<String>,
}

impl ParquetRows {
    /// Opens `path` for a model reading the columns `inputs`, reading its
    /// footer (errors name the file).
    pub fn open(path: &Path, inputs: Vec<String>) -> Result<ParquetRows, DataError> {
        let groups = parquet_row_groups(path)?;
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        Ok(ParquetRows {
            path: path.to_path_buf(),
            groups,
            next: 0,
            len,
            rows: 0,
            lines: Vec::new(),
            inputs,
            extra: Vec::new(),
        })
    }
}

impl Chunks for ParquetRows {
    fn next_chunk(&mut self) -> Result<Option<Frame>, DataError> {
        self.lines.clear();
        while self.next < self.groups {
            let frame = read_parquet_row_groups(&self.path, self.next..self.next + 1)?;
            self.next += 1;
            if frame.n_rows == 0 {
                continue;
            }
            for column in &frame.columns {
                if !self.inputs.contains(&column.name) && !self.extra.contains(&column.name) {
                    self.extra.push(column.name.clone());
                }
            }
            let n = frame.n_rows as u64;
            self.lines = (self.rows + 1..=self.rows + n).collect();
            self.rows += n;
            return Ok(Some(frame));
        }
        Ok(None)
    }

    fn chunk_lines(&self) -> &[u64] {
        &self.lines
    }

    fn rows_read(&self) -> u64 {
        self.rows
    }

    fn extra_columns(&self) -> Vec<String> {
        self.extra.clone()
    }

    fn bytes_read(&self) -> u64 {
        // Row groups done, as a share of the file.
        self.len * self.next as u64 / self.groups.max(1) as u64
    }
}
