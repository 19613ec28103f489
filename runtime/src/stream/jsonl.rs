//! JSON-lines input of [`super::RowChunks`]: lines read in batches of complete
//! lines, each batch split at line starts into pieces whose lines are parsed on
//! all threads ([`super::json`]'s rules, one object per line), the pieces'
//! rows joined in file order into chunks of exactly `chunk_rows` rows (the
//! last one shorter), so that frames, lines, byte counts and errors equal a
//! line-by-line reading's. A byte range of a file reads only the lines that
//! start within it ([`RowChunks::jsonl_range`]).

mod piece;

use super::blocks::Parsed;
use super::{RowChunks, Source};
use crate::error::DataError;
use crate::frame::{Column, ColumnData, Frame};
use mlg_compiler::ir::{InputSlot, SlotKind};
#[cfg(test)]
pub(super) use piece::row;
use piece::{parse, Part, Piece};
use rayon::prelude::*;
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

/// Bytes per batch: a few pieces per thread, and the bound on the text held.
const BATCH_BYTES: usize = 4 << 20;

/// Pieces of a batch smaller than this are not worth a thread.
const MIN_PIECE: usize = 64 << 10;

/// How batches are read and cut into pieces: `batch` bytes per batch (a
/// longer line makes a longer batch) and pieces of at least `piece` bytes, or
/// a few per thread when `None`. Tests make both tiny.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Split {
    /// Bytes read per batch, at least 1.
    pub(crate) batch: usize,
    /// Smallest piece, in bytes; `None`: the default, about four per thread.
    pub(crate) piece: Option<usize>,
}

impl Default for Split {
    /// [`BATCH_BYTES`] per batch, pieces of at least [`MIN_PIECE`] bytes.
    fn default() -> Split {
        Split {
            batch: BATCH_BYTES,
            piece: None,
        }
    }
}

/// The JSON-lines reading state: the unparsed text and the parsed rows not
/// yet handed out. Memory holds at most one batch of text and the rows of
/// one batch, plus fewer than `chunk_rows` rows kept for the next chunk.
pub(super) struct JsonlBlocks<R: Read> {
    reader: R,
    split: Split,
    /// Unparsed bytes, starting at a line start (unless `skip`).
    buf: Vec<u8>,
    eof: bool,
    /// The I/O error that ended the input early; reported once the complete
    /// lines read before it are.
    io_error: Option<DataError>,
    /// Whether `buf` starts inside a line that belongs to the range before.
    skip: bool,
    /// Bytes read before `buf`, from where reading started.
    offset: u64,
    /// No line starting at or past this offset (from where reading started)
    /// is read; `None` reads to the end.
    limit: Option<u64>,
    /// Lines of the file before `buf`.
    line: u64,
    /// No batch is left to read (the end, or an error).
    done: bool,
    /// Parsed pieces in file order; the front one has `taken` rows handed out.
    queue: VecDeque<Piece>,
    taken: usize,
    /// Rows in `queue` not yet handed out.
    queued: usize,
    /// The error of the earliest bad line, returned once the rows before it are.
    failed: Option<DataError>,
    /// Keys of the rows parsed so far that are no input column.
    extra: Vec<String>,
}

impl<R: Read> JsonlBlocks<R> {
    /// Reads `reader` from a line start that follows `line` lines of the file
    /// (or, with `skip`, from inside the `line`th line, whose rest is skipped),
    /// reading no line that starts `limit` bytes or more past the reader's
    /// start.
    pub(super) fn new(reader: R, line: u64, limit: Option<u64>, skip: bool) -> Self {
        JsonlBlocks {
            reader,
            split: Split::default(),
            buf: Vec::new(),
            eof: false,
            io_error: None,
            skip,
            offset: 0,
            limit,
            line,
            done: false,
            queue: VecDeque::new(),
            taken: 0,
            queued: 0,
            failed: None,
            extra: Vec::new(),
        }
    }

    /// Keys of the rows parsed so far that are no input column, in order of
    /// first appearance (at most [`piece::MAX_EXTRA`]).
    pub(super) fn extra(&self) -> &[String] {
        &self.extra
    }

    /// Bytes consumed from where reading started: through the last row handed
    /// out, or everything read once the input is exhausted.
    pub(super) fn consumed(&self) -> u64 {
        self.offset
    }

    /// The next chunk of `chunk_rows` rows (fewer only at the end), `None` at
    /// the end; the chunks wholly before the earliest bad line come first, then
    /// its error, then `None`.
    pub(super) fn next(
        &mut self,
        file: &str,
        slots: &[InputSlot],
        chunk_rows: usize,
    ) -> Result<Option<Parsed>, DataError> {
        let chunk_rows = chunk_rows.max(1);
        loop {
            if self.queued >= chunk_rows {
                return Ok(Some(self.take(chunk_rows, slots, None)));
            }
            if let Some(error) = self.failed.take() {
                self.queue.clear();
                self.queued = 0;
                return Err(error);
            }
            if self.done {
                if self.queued == 0 {
                    return Ok(None);
                }
                return Ok(Some(self.take(self.queued, slots, Some(self.offset))));
            }
            self.read_batch(file, slots);
        }
    }

    /// Appends up to `n` (at least 1) more bytes of input to `buf`; at the end
    /// of the input, or on an I/O error (kept in `io_error`), sets `eof`.
    fn fill(&mut self, n: usize, file: &str) {
        let n = n.max(1);
        match (&mut self.reader).take(n as u64).read_to_end(&mut self.buf) {
            // `read_to_end` stops short of `n` only at the end of the input.
            Ok(got) => self.eof |= got < n,
            Err(source) => {
                self.eof = true;
                self.io_error = Some(DataError::Io {
                    file: file.to_string(),
                    source,
                });
            }
        }
    }

    /// The length of the next batch at the front of `buf`, reading as needed:
    /// complete lines, the last line of the input (or the one under way at the
    /// range's end) possibly without its line break; `None` when no line is
    /// left. A line cut short by an I/O error is never part of a batch.
    fn cut(&mut self, file: &str) -> Option<usize> {
        let batch = self.split.batch.max(1);
        loop {
            if !self.eof && self.buf.len() < batch {
                self.fill(batch - self.buf.len(), file);
            }
            if self.skip {
                match memchr::memchr(b'\n', &self.buf) {
                    Some(nl) => {
                        self.offset += nl as u64 + 1;
                        self.buf.drain(..=nl);
                        self.skip = false;
                        continue;
                    }
                    None => {
                        self.offset += self.buf.len() as u64;
                        self.buf.clear();
                        if self.eof {
                            return None;
                        }
                        continue;
                    }
                }
            }
            // Lines may start at the first `room` bytes of `buf`.
            let room = match self.limit {
                Some(limit) => usize::try_from(limit.saturating_sub(self.offset)).unwrap_or(usize::MAX),
                None => usize::MAX,
            };
            if room == 0 || self.buf.is_empty() {
                return None;
            }
            let last_break = || memchr::memrchr(b'\n', &self.buf).map(|nl| nl + 1);
            if room < self.buf.len() {
                // Cut after the line holding the range's last byte.
                if let Some(nl) = memchr::memchr(b'\n', &self.buf[room - 1..]) {
                    return Some(room + nl);
                }
            } else if !self.eof {
                if let Some(cut) = last_break() {
                    return Some(cut);
                }
            }
            if self.eof {
                return match self.io_error {
                    Some(_) => last_break(),
                    None => Some(self.buf.len()),
                };
            }
            // One line longer than the buffer: read on.
            self.fill(batch, file);
        }
    }

    /// Reads one batch and parses its pieces in parallel into `queue`, up to
    /// the piece holding the earliest bad line, whose error goes to `failed`;
    /// sets `done` when nothing is left to read.
    fn read_batch(&mut self, file: &str, slots: &[InputSlot]) {
        let Some(cut) = self.cut(file) else {
            self.done = true;
            self.failed = self.io_error.take();
            return;
        };
        let batch = &self.buf[..cut];
        let pieces = match self.split.piece {
            None => crate::csv::parallel::split(batch, rayon::current_num_threads() * 4, MIN_PIECE),
            Some(piece) => {
                let piece = piece.max(1);
                crate::csv::parallel::split(batch, batch.len() / piece + 1, piece)
            }
        };
        // Each piece's lines before it and offset, counted from its line breaks.
        let breaks: Vec<u64> = pieces
            .par_iter()
            .map(|p| memchr::memchr_iter(b'\n', p).count() as u64)
            .collect();
        let mut starts = Vec::with_capacity(pieces.len());
        let (mut line, mut offset) = (self.line, self.offset);
        for (piece, breaks) in pieces.iter().zip(&breaks) {
            starts.push((line, offset));
            line += breaks;
            offset += piece.len() as u64;
        }
        let parsed: Vec<Piece> = pieces
            .par_iter()
            .zip(starts.par_iter())
            .map(|(piece, &(line, offset))| parse(piece, line, offset, file, slots))
            .collect();
        self.line = line;
        self.offset = offset;
        self.buf.drain(..cut);
        for mut piece in parsed {
            for key in std::mem::take(&mut piece.extra) {
                if self.extra.len() < piece::MAX_EXTRA && !self.extra.contains(&key) {
                    self.extra.push(key);
                }
            }
            let error = piece.error.take();
            if !piece.lines.is_empty() {
                self.queued += piece.lines.len();
                self.queue.push_back(piece);
            }
            if let Some(error) = error {
                self.failed = Some(error);
                self.done = true;
                return;
            }
        }
    }

    /// Hands out the next `n` (at most `queued`) rows as one chunk; `end`: the
    /// bytes consumed once it is returned, when not the end of its last row.
    fn take(&mut self, n: usize, slots: &[InputSlot], end: Option<u64>) -> Parsed {
        let mut columns: Vec<Joined> = slots.iter().map(Joined::new).collect();
        let mut lines = Vec::with_capacity(n);
        let mut bytes = end.unwrap_or(0);
        while lines.len() < n {
            let Some(front) = self.queue.front() else {
                break;
            };
            let from = self.taken;
            let count = (front.lines.len() - from).min(n - lines.len());
            let rows = from..from + count;
            for (joined, part) in columns.iter_mut().zip(&front.columns) {
                joined.extend(part, rows.clone());
            }
            lines.extend_from_slice(&front.lines[rows.clone()]);
            if end.is_none() {
                bytes = front.ends[rows.end - 1];
            }
            self.taken = rows.end;
            if self.taken == front.lines.len() {
                self.queue.pop_front();
                self.taken = 0;
            }
        }
        self.queued -= lines.len();
        let columns = columns
            .into_iter()
            .zip(slots)
            .map(|(joined, slot)| joined.finish(&slot.name))
            .collect();
        Parsed {
            frame: Frame::new(columns, lines.len()),
            lines,
            bytes,
        }
    }
}

/// One column of a chunk joined from pieces: categorical codes renumbered so
/// that unseen values get codes past the schema's levels in the order they
/// first appear in the chunk, as one [`Builder`] fed row by row gives.
enum Joined {
    Numeric {
        values: Vec<f64>,
        missing: Vec<bool>,
    },
    Categorical {
        /// The schema's levels, then the chunk's unseen values.
        levels: Vec<String>,
        known: u32,
        unseen: HashMap<String, u32>,
        codes: Vec<u32>,
        missing: Vec<bool>,
    },
}

impl Joined {
    /// An empty column of `slot`'s kind.
    fn new(slot: &InputSlot) -> Joined {
        match &slot.kind {
            SlotKind::Numeric => Joined::Numeric {
                values: Vec::new(),
                missing: Vec::new(),
            },
            SlotKind::Date => Joined::Categorical {
                levels: Vec::new(),
                known: 0,
                unseen: HashMap::new(),
                codes: Vec::new(),
                missing: Vec::new(),
            },
            SlotKind::Categorical { levels } => Joined::Categorical {
                levels: levels.clone(),
                known: levels.len() as u32,
                unseen: HashMap::new(),
                codes: Vec::new(),
                missing: Vec::new(),
            },
        }
    }

    /// Appends rows `rows` of `part` (a column of the same slot).
    fn extend(&mut self, part: &Part, rows: Range<usize>) {
        match (self, part) {
            (
                Joined::Numeric { values, missing },
                Part::Numeric {
                    values: v,
                    missing: m,
                },
            ) => {
                values.extend_from_slice(&v[rows.clone()]);
                missing.extend_from_slice(&m[rows]);
            }
            (
                Joined::Categorical {
                    levels,
                    known,
                    unseen,
                    codes,
                    missing,
                },
                Part::Categorical {
                    codes: c,
                    missing: m,
                    unseen: names,
                },
            ) => {
                // The piece's unseen codes, renumbered as first met.
                let mut renumbered: Vec<Option<u32>> = vec![None; names.len()];
                for (&code, &absent) in c[rows.clone()].iter().zip(&m[rows.clone()]) {
                    if absent || code < *known {
                        codes.push(code);
                        continue;
                    }
                    let i = (code - *known) as usize;
                    let code = match renumbered.get(i).copied().flatten() {
                        Some(code) => code,
                        None => {
                            let name = names.get(i).map_or("", String::as_str);
                            let code = *unseen.entry(name.to_string()).or_insert_with(|| {
                                levels.push(name.to_string());
                                (levels.len() - 1) as u32
                            });
                            if let Some(slot) = renumbered.get_mut(i) {
                                *slot = Some(code);
                            }
                            code
                        }
                    };
                    codes.push(code);
                }
                missing.extend_from_slice(&m[rows]);
            }
            // A piece's columns follow the slots, as the joined ones do.
            _ => {}
        }
    }

    /// The column, named `name`.
    fn finish(self, name: &str) -> Column {
        match self {
            Joined::Numeric { values, missing } => Column {
                name: name.to_string(),
                data: ColumnData::Numeric(values),
                missing,
            },
            Joined::Categorical {
                levels,
                codes,
                missing,
                ..
            } => Column::categorical(name, codes, levels, missing),
        }
    }
}

impl RowChunks<File> {
    /// A JSON-lines reader of the lines of the file at `path` that start
    /// within the byte range `bytes` (offsets into the file): a range starting
    /// inside a line skips to the next line start, and the line under way at
    /// `bytes.end` is read to its end, so ranges that meet end to end give
    /// every line exactly once (how one file is read in shards, as
    /// [`crate::csv::read_csv_range`] does). `file` names the file in errors;
    /// lines in errors and [`RowChunks::chunk_lines`] are counted from the
    /// file's start, which this constructor counts by reading the bytes
    /// before the range once. [`RowChunks::bytes_read`] counts from
    /// `bytes.start`. Otherwise as [`RowChunks::json_lines`].
    pub fn jsonl_range(
        path: &Path,
        file: &str,
        slots: &[InputSlot],
        chunk_rows: usize,
        bytes: Range<u64>,
    ) -> Result<Self, DataError> {
        let io = |source| DataError::Io {
            file: file.to_string(),
            source,
        };
        let mut reader = File::open(path).map_err(io)?;
        let (mut lines, mut last) = (0u64, b'\n');
        let mut buf = vec![0u8; 1 << 20];
        let mut before = (&mut reader).take(bytes.start);
        loop {
            let n = match before.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(io(e)),
            };
            lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            last = buf[n - 1];
        }
        // A line under way at the range's start belongs to the range before.
        let skip = last != b'\n';
        reader.seek(SeekFrom::Start(bytes.start)).map_err(io)?;
        let limit = bytes.end.saturating_sub(bytes.start);
        let blocks = JsonlBlocks::new(reader, lines + u64::from(skip), Some(limit), skip);
        Ok(RowChunks::with(
            Source::JsonLines(Box::new(blocks)),
            file,
            slots,
            chunk_rows,
        ))
    }
}

impl<R: Read> RowChunks<R> {
    /// Reads JSON lines in batches of `batch` bytes cut into pieces of at
    /// least `piece` bytes (for tests that need pieces to really split); no
    /// effect on a CSV reader.
    #[cfg(test)]
    pub(crate) fn with_split(mut self, batch: usize, piece: Option<usize>) -> Self {
        if let Source::JsonLines(blocks) = &mut self.source {
            blocks.split = Split { batch, piece };
        }
        self
    }
}
