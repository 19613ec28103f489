//! Streaming batch I/O: input rows read in chunks of at most `chunk_rows` rows
//! (CSV or JSON lines), each chunk a [`Frame`] typed by a model's input schema, and
//! predictions written chunk by chunk (CSV, JSON lines or Parquet). Memory stays
//! bounded by the chunk size (and, for Parquet, the row group size) whatever the
//! input's length.
//!
//! Only the schema's columns are read; other columns are ignored. Numeric inputs
//! must parse as numbers (a CSV field or JSON string that does not is a
//! [`DataError::Unparseable`] naming the file, line and column). Categorical inputs
//! keep the schema's levels as codes `0..levels`, and a value outside them gets a
//! code past those levels, which the row encoder maps to the unseen code, as
//! [`crate::Model::predict`] does for any frame. The CSV missing-value tokens
//! ([`crate::csv::is_missing_token`]) and JSON `null` are missing values. A number
//! for a numeric input must be finite in `f32` (`inf`, `1e39` or `1e400` is a
//! [`DataError::OutOfRange`] naming the line, the column and the text). A JSON
//! object that names a key twice is a [`DataError::DuplicateKey`].

use crate::error::DataError;
use crate::frame::Frame;
use column::{At, Builder};
use mlg_compiler::ir::InputSlot;
use std::io::Read;
use std::path::Path;

/// Rows per chunk unless told otherwise.
pub const DEFAULT_CHUNK_ROWS: usize = 8192;

/// A row file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line, `{"column": value, ...}`.
    JsonLines,
}

impl Format {
    /// The format a file name's extension names: `.csv`, or `.jsonl` / `.ndjson`
    /// (any letter case); `None` for any other name, `.parquet` included (see
    /// [`OutputFormat`]).
    pub fn from_path(path: &Path) -> Option<Format> {
        match OutputFormat::from_path(path)? {
            OutputFormat::Csv => Some(Format::Csv),
            OutputFormat::JsonLines => Some(Format::JsonLines),
            OutputFormat::Parquet => None,
        }
    }
}

/// A predictions file format ([`PredictionWriter`]): a row [`Format`], or
/// Parquet, which is written but never read as rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// A Parquet file (Snappy-compressed). Writing it needs the crate's
    /// `parquet` feature; without it [`PredictionWriter::new`] refuses it.
    Parquet,
}

impl OutputFormat {
    /// The format a file name's extension names, in any letter case: `.csv`,
    /// `.jsonl` / `.ndjson`, or `.parquet` / `.pq` (the names
    /// `mlg_runtime::parquet::is_parquet_path` accepts); `None` otherwise.
    pub fn from_path(path: &Path) -> Option<OutputFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(OutputFormat::Csv),
            "jsonl" | "ndjson" => Some(OutputFormat::JsonLines),
            "parquet" | "pq" => Some(OutputFormat::Parquet),
            _ => None,
        }
    }
}

impl From<Format> for OutputFormat {
    /// The same row format, as an output format.
    fn from(format: Format) -> OutputFormat {
        match format {
            Format::Csv => OutputFormat::Csv,
            Format::JsonLines => OutputFormat::JsonLines,
        }
    }
}

/// The format-specific reading state.
enum Source<R: Read> {
    Csv(Box<blocks::CsvBlocks<R>>),
    JsonLines(Box<jsonl::JsonlBlocks<R>>),
}

/// Reads rows in chunks of at most `chunk_rows`, each a [`Frame`] with one column per
/// input slot (see the module docs).
pub struct RowChunks<R: Read> {
    source: Source<R>,
    file: String,
    slots: Vec<InputSlot>,
    chunk_rows: usize,
    bytes: u64,
    rows: u64,
    /// The 1-based line of each row of the current chunk.
    lines: Vec<u64>,
    /// CSV: the header's columns that are no input column.
    extra: Vec<String>,
}

impl<R: Read> RowChunks<R> {
    /// A CSV reader: reads the header now and fails with a [`DataError::Malformed`]
    /// at line 1 naming every input column the header lacks.
    pub fn csv(mut reader: R, file: &str, slots: &[InputSlot], chunk_rows: usize) -> Result<Self, DataError> {
        // The header is read from the first bytes, as many as it takes.
        let mut head = Vec::new();
        let (record, position) = loop {
            let want = (head.len() as u64).max(64 << 10);
            let got = (&mut reader)
                .take(want)
                .read_to_end(&mut head)
                .map_err(|source| DataError::Io {
                    file: file.to_string(),
                    source,
                })?;
            let complete = (got as u64) < want;
            let mut header = ::csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(head.as_slice());
            let mut record = ::csv::StringRecord::new();
            let read = header.read_record(&mut record);
            let position = header.position().clone();
            match read {
                Ok(_) if !complete && position.byte() >= head.len() as u64 => continue,
                Ok(true) => break (record, position),
                Ok(false) => {
                    return Err(DataError::Empty {
                        file: file.to_string(),
                    })
                }
                Err(e) if complete => return Err(crate::csv::csv_error(e, file)),
                Err(_) => continue,
            }
        };
        let names: Vec<&str> = record
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if i == 0 {
                    n.trim_start_matches('\u{feff}')
                } else {
                    n
                }
                .trim()
            })
            .collect();
        let mut positions = Vec::with_capacity(slots.len());
        let mut absent = Vec::new();
        for slot in slots {
            let mut found = names.iter().enumerate().filter(|(_, n)| **n == slot.name);
            match (found.next(), found.next()) {
                (Some((i, _)), None) => positions.push(i),
                (Some(_), Some(_)) => {
                    return Err(DataError::DuplicateColumn {
                        file: file.to_string(),
                        column: slot.name.clone(),
                    })
                }
                (None, _) => absent.push(format!("`{}`", slot.name)),
            }
        }
        if !absent.is_empty() {
            return Err(DataError::Malformed {
                file: file.to_string(),
                line: 1,
                message: format!(
                    "the header lacks the column{} {} (it has: {})",
                    if absent.len() == 1 { "" } else { "s" },
                    absent.join(", "),
                    names.join(", ")
                ),
            });
        }
        let width = names.len();
        let bytes = position.byte();
        let rest = head.split_off((bytes as usize).min(head.len()));
        let lines = position.line().saturating_sub(1);
        let source = Source::Csv(Box::new(blocks::CsvBlocks::new(
            reader, rest, positions, width, lines, bytes,
        )));
        let mut chunks = RowChunks::with(source, file, slots, chunk_rows);
        chunks.bytes = bytes;
        for name in names {
            if !slots.iter().any(|s| s.name == name) && !chunks.extra.iter().any(|e| e == name) {
                chunks.extra.push(name.to_string());
            }
        }
        Ok(chunks)
    }

    /// A JSON-lines reader: one object per line (blank lines skipped). A line
    /// that is not an object, or lacks an input column, is a
    /// [`DataError::Malformed`] naming the line. Lines are read in batches and
    /// parsed on all threads; when several lines are bad, the error is the
    /// earliest's, after the chunks wholly before it. See also
    /// [`RowChunks::jsonl_range`].
    pub fn json_lines(reader: R, file: &str, slots: &[InputSlot], chunk_rows: usize) -> Self {
        let source = Source::JsonLines(Box::new(jsonl::JsonlBlocks::new(reader, 0, None, false)));
        RowChunks::with(source, file, slots, chunk_rows)
    }

    /// A reader of `format`.
    pub fn new(
        reader: R,
        format: Format,
        file: &str,
        slots: &[InputSlot],
        chunk_rows: usize,
    ) -> Result<Self, DataError> {
        match format {
            Format::Csv => RowChunks::csv(reader, file, slots, chunk_rows),
            Format::JsonLines => Ok(RowChunks::json_lines(reader, file, slots, chunk_rows)),
        }
    }

    fn with(source: Source<R>, file: &str, slots: &[InputSlot], chunk_rows: usize) -> Self {
        RowChunks {
            source,
            file: file.to_string(),
            slots: slots.to_vec(),
            chunk_rows: chunk_rows.max(1),
            bytes: 0,
            rows: 0,
            lines: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// The input's columns that are no input column of the model (ignored):
    /// a CSV header's, from the start; JSON lines' keys, of the rows parsed
    /// so far (at most 20 names).
    pub fn extra_columns(&self) -> Vec<String> {
        match &self.source {
            Source::Csv(_) => self.extra.clone(),
            Source::JsonLines(lines) => lines.extra().to_vec(),
        }
    }

    /// Input bytes consumed so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Data rows read so far.
    pub fn rows_read(&self) -> u64 {
        self.rows
    }

    /// The 1-based line in the input where each row of the last chunk
    /// [`RowChunks::next_chunk`] returned starts (a row's index in the chunk
    /// indexes this), for messages about rows.
    pub fn chunk_lines(&self) -> &[u64] {
        &self.lines
    }

    /// The next chunk of rows, or `None` at the end of the input.
    pub fn next_chunk(&mut self) -> Result<Option<Frame>, DataError> {
        self.lines.clear();
        if let Source::Csv(blocks) = &mut self.source {
            let Some(parsed) = blocks.next(&self.file, &self.slots, self.chunk_rows)? else {
                return Ok(None);
            };
            self.rows += parsed.frame.n_rows as u64;
            self.bytes = parsed.bytes;
            self.lines = parsed.lines;
            return Ok(Some(parsed.frame));
        }
        let Source::JsonLines(lines) = &mut self.source else {
            return Ok(None);
        };
        let Some(parsed) = lines.next(&self.file, &self.slots, self.chunk_rows)? else {
            self.bytes = lines.consumed();
            return Ok(None);
        };
        self.rows += parsed.frame.n_rows as u64;
        self.bytes = parsed.bytes;
        self.lines = parsed.lines;
        Ok(Some(parsed.frame))
    }
}

mod blocks;
mod column;
mod json;
mod jsonl;
mod plain;
mod write;
#[cfg(feature = "parquet")]
mod write_parquet;

pub use write::PredictionWriter;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_jsonl;
