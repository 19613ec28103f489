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
use std::io::{BufRead, BufReader, Read};
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
    JsonLines {
        reader: BufReader<R>,
        line: u64,
        text: String,
    },
}

/// Reads rows in chunks of at most `chunk_rows`, each a [`Frame`] with one column per
/// input slot (see the module docs).
pub struct RowChunks<R: Read> {
    source: Source<R>,
    file: String,
    slots: Vec<InputSlot>,
    builders: Vec<Builder>,
    chunk_rows: usize,
    bytes: u64,
    rows: u64,
    /// The 1-based line of each row of the current chunk.
    lines: Vec<u64>,
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
                    "the header lacks the model's input column{} {} (it has: {})",
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
        Ok(chunks)
    }

    /// A JSON-lines reader: one object per line (blank lines skipped). A line
    /// that is not an object, or lacks an input column, is a
    /// [`DataError::Malformed`] naming the line.
    pub fn json_lines(reader: R, file: &str, slots: &[InputSlot], chunk_rows: usize) -> Self {
        let source = Source::JsonLines {
            reader: BufReader::new(reader),
            line: 0,
            text: String::new(),
        };
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
            builders: slots.iter().map(Builder::new).collect(),
            chunk_rows: chunk_rows.max(1),
            bytes: 0,
            rows: 0,
            lines: Vec::new(),
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
        let mut n = 0;
        while n < self.chunk_rows && self.next_row()? {
            n += 1;
        }
        if n == 0 {
            return Ok(None);
        }
        self.rows += n as u64;
        let columns = self
            .builders
            .iter_mut()
            .zip(&self.slots)
            .map(|(b, s)| b.take(&s.name))
            .collect();
        Ok(Some(Frame::new(columns, n)))
    }

    /// Reads one row into the builders; `false` at the end of the input.
    fn next_row(&mut self) -> Result<bool, DataError> {
        let file = self.file.as_str();
        match &mut self.source {
            // CSV is read a chunk at a time in `next_chunk`.
            Source::Csv(_) => Ok(false),
            Source::JsonLines { reader, line, text } => loop {
                text.clear();
                *line += 1;
                let read = reader.read_line(text).map_err(|source| {
                    if source.kind() == std::io::ErrorKind::InvalidData {
                        DataError::Utf8 {
                            file: file.to_string(),
                            line: *line,
                        }
                    } else {
                        DataError::Io {
                            file: file.to_string(),
                            source,
                        }
                    }
                })?;
                if read == 0 {
                    return Ok(false);
                }
                self.bytes += read as u64;
                let trimmed = text.trim();
                if trimmed.is_empty() {
                    continue;
                }
                let malformed = |message: String| DataError::Malformed {
                    file: file.to_string(),
                    line: *line,
                    message,
                };
                let object = match json::parse_line(trimmed) {
                    Ok(json::Line::Object(object)) => object,
                    Ok(json::Line::Duplicate(key)) => {
                        return Err(DataError::DuplicateKey {
                            file: file.to_string(),
                            line: *line,
                            key,
                        })
                    }
                    Ok(json::Line::NotObject) => {
                        return Err(malformed(
                            "expected a JSON object such as {\"column\": value}".to_string(),
                        ))
                    }
                    Err(e) => return Err(malformed(format!("invalid JSON: {e}"))),
                };
                for (builder, slot) in self.builders.iter_mut().zip(&self.slots) {
                    let Some(&value) = object.get(&slot.name) else {
                        return Err(malformed(format!(
                            "no value for input column `{}` (write null for a missing value)",
                            slot.name
                        )));
                    };
                    let at = At {
                        file,
                        line: *line,
                        column: &slot.name,
                    };
                    builder.push_json(value, &at)?;
                }
                self.lines.push(*line);
                return Ok(true);
            },
        }
    }
}

mod blocks;
mod column;
mod json;
mod write;
#[cfg(feature = "parquet")]
mod write_parquet;

pub use write::PredictionWriter;

#[cfg(test)]
mod tests;
