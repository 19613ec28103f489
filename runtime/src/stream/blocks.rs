//! CSV input of [`super::RowChunks`]: the rows after the header read in
//! batches of lines, each batch split at line starts into pieces parsed on
//! all threads, every piece giving chunks of at most `chunk_rows` rows typed
//! by the schema. A batch holding quote marks is parsed as one piece, cut
//! after the last line break outside quotes, so a quoted field may hold line
//! breaks as before.

use super::column::{At, Builder};
use super::plain::{finish, parse_plain, slots_of_fields};
use crate::csv::part::{ends_in_quotes, is_plain, records, PieceError};
use crate::error::DataError;
use crate::frame::Frame;
use mlg_compiler::ir::InputSlot;
use rayon::prelude::*;
use std::collections::VecDeque;
use std::io::Read;

/// Bytes per batch: a few pieces per thread.
const BATCH_BYTES: usize = 4 << 20;

/// One chunk of rows, ready for the caller.
pub(super) struct Parsed {
    pub(super) frame: Frame,
    /// The 1-based line of each row.
    pub(super) lines: Vec<u64>,
    /// Input bytes consumed once this chunk is returned.
    pub(super) bytes: u64,
}

/// The reading state after the header.
pub(super) struct CsvBlocks<R: Read> {
    reader: R,
    /// Unparsed bytes, starting at a line start.
    buf: Vec<u8>,
    eof: bool,
    /// The field index of every input slot.
    positions: Vec<usize>,
    width: usize,
    /// Lines before `buf`.
    line: u64,
    /// Bytes before `buf`.
    bytes: u64,
    ready: VecDeque<Parsed>,
    failed: Option<DataError>,
}

impl<R: Read> CsvBlocks<R> {
    /// `rest`: the bytes read past the header, which ended on line `line`
    /// at byte `bytes`.
    pub(super) fn new(
        reader: R,
        rest: Vec<u8>,
        positions: Vec<usize>,
        width: usize,
        line: u64,
        bytes: u64,
    ) -> Self {
        CsvBlocks {
            reader,
            buf: rest,
            eof: false,
            positions,
            width,
            line,
            bytes,
            ready: VecDeque::new(),
            failed: None,
        }
    }

    /// The next chunk, `None` at the end; the chunks before an error come
    /// first.
    pub(super) fn next(
        &mut self,
        file: &str,
        slots: &[InputSlot],
        chunk_rows: usize,
    ) -> Result<Option<Parsed>, DataError> {
        loop {
            if let Some(parsed) = self.ready.pop_front() {
                return Ok(Some(parsed));
            }
            if let Some(error) = self.failed.take() {
                return Err(error);
            }
            if !self.read_batch(file, slots, chunk_rows)? {
                return Ok(None);
            }
        }
    }

    /// Appends up to `n` bytes of input to `buf`; `eof` once none came.
    fn fill(&mut self, n: usize, file: &str) -> Result<(), DataError> {
        let len = self.buf.len();
        let got = (&mut self.reader)
            .take(n as u64)
            .read_to_end(&mut self.buf)
            .map_err(|source| DataError::Io {
                file: file.to_string(),
                source,
            })?;
        debug_assert_eq!(self.buf.len(), len + got);
        self.eof |= got == 0;
        Ok(())
    }

    /// Reads and parses one batch into `ready` (or `failed`); `false` at the
    /// end of the input.
    fn read_batch(&mut self, file: &str, slots: &[InputSlot], chunk_rows: usize) -> Result<bool, DataError> {
        let cut = loop {
            if !self.eof && self.buf.len() < BATCH_BYTES {
                self.fill(BATCH_BYTES - self.buf.len(), file)?;
            }
            if self.buf.is_empty() {
                return Ok(false);
            }
            if self.eof {
                break self.buf.len();
            }
            if let Some(cut) = last_record_end(&self.buf) {
                break cut;
            }
            // One record longer than the buffer: read on.
            self.fill(BATCH_BYTES, file)?;
        };
        let batch = &self.buf[..cut];
        let pieces = if memchr::memchr(b'"', batch).is_some() {
            vec![batch]
        } else {
            crate::csv::parallel::split(batch, rayon::current_num_threads() * 2, 64 << 10)
        };
        let (positions, width) = (&self.positions, self.width);
        let results: Vec<Piece> = pieces
            .par_iter()
            .map(|piece| parse(piece, file, slots, positions, width, chunk_rows))
            .collect();
        let mut base = self.line;
        let batch_end = self.bytes + cut as u64;
        for piece in results {
            for mut parsed in piece.chunks {
                parsed.lines.iter_mut().for_each(|l| *l += base);
                parsed.bytes = batch_end;
                self.ready.push_back(parsed);
            }
            if let Some(error) = piece.error {
                self.failed = Some(error.into_error(base, file, width));
                break;
            }
            base += piece.lines;
        }
        self.line = base;
        self.bytes = batch_end;
        self.buf.drain(..cut);
        Ok(true)
    }
}

/// Where the last complete record of `buf` ends (after its line break),
/// line breaks inside quoted fields not counting; `None` when no record is
/// complete.
fn last_record_end(buf: &[u8]) -> Option<usize> {
    let mut end = memchr::memrchr(b'\n', buf)? + 1;
    if memchr::memchr(b'"', buf).is_none() {
        return Some(end);
    }
    while ends_in_quotes(&buf[..end]) {
        end = memchr::memrchr(b'\n', &buf[..end - 1])? + 1;
    }
    Some(end)
}

/// What one piece gives: its chunks (lines relative to the piece), its line
/// count, and the error that stopped it.
pub(super) struct Piece {
    pub(super) chunks: Vec<Parsed>,
    pub(super) lines: u64,
    pub(super) error: Option<PieceError>,
}

/// Parses one piece into chunks of at most `chunk_rows` rows (a plain one
/// in one pass: [`parse_plain`]).
fn parse(
    piece: &[u8],
    file: &str,
    slots: &[InputSlot],
    positions: &[usize],
    width: usize,
    chunk_rows: usize,
) -> Piece {
    if is_plain(piece) {
        if let Some(slot_of) = slots_of_fields(positions, width) {
            return parse_plain(piece, file, slots, &slot_of, chunk_rows);
        }
    }
    parse_general(piece, file, slots, positions, width, chunk_rows)
}

/// [`parse`] of any piece, record by record through [`records`].
pub(super) fn parse_general(
    piece: &[u8],
    file: &str,
    slots: &[InputSlot],
    positions: &[usize],
    width: usize,
    chunk_rows: usize,
) -> Piece {
    let mut builders: Vec<Builder> = slots.iter().map(Builder::new).collect();
    let mut chunks = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut error = None;
    // Every line break is a line; the piece's first line is line 1.
    let counted = records(piece, &mut |line, fields| {
        let line = line + 1;
        if fields.len() != width {
            error = Some(PieceError::Width {
                line,
                found: fields.len(),
            });
            return false;
        }
        for ((builder, slot), &j) in builders.iter_mut().zip(slots).zip(positions) {
            let raw = fields[j];
            if builder.push_plain(raw) {
                continue;
            }
            let Ok(text) = std::str::from_utf8(raw) else {
                error = Some(PieceError::Data(DataError::Utf8 {
                    file: file.to_string(),
                    line,
                }));
                return false;
            };
            let at = At {
                file,
                line,
                column: &slot.name,
            };
            if let Err(e) = builder.push_text(text, &at) {
                error = Some(PieceError::Data(e));
                return false;
            }
        }
        lines.push(line);
        if lines.len() >= chunk_rows {
            finish(&mut builders, slots, &mut lines, &mut chunks);
        }
        true
    });
    if error.is_some() {
        // A row that failed halfway leaves its columns uneven: drop it.
        lines.clear();
    }
    finish(&mut builders, slots, &mut lines, &mut chunks);
    let lines = counted.unwrap_or_else(|_| memchr::memchr_iter(b'\n', piece).count() as u64);
    Piece { chunks, lines, error }
}
