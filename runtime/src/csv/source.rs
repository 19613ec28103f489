//! Where CSV bytes come from: a whole buffer, or a byte range of a file read
//! in bounded batches, each a run of complete lines.
//!
//! A range `start..end` holds the lines whose first byte lies in it (the
//! convention of Hadoop's text splits): a reader starting inside a line skips
//! to the next line start, and the line under way at `end` is read to its end.
//! Consecutive ranges therefore partition a file's data lines, whatever the
//! offsets, which is how one file is split across processes. A line break
//! inside a quoted field is outside that convention: see [`crate::csv`].

use crate::error::DataError;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Bytes per batch read from a file: big enough to keep every thread busy,
/// small enough that memory never holds more than a few batches of text.
pub(crate) const BATCH_BYTES: usize = 8 << 20;

/// What [`Source::batches`] calls: `Ok(false)` stops the reading.
pub(crate) type Each<'e> = dyn FnMut(&[u8]) -> Result<bool, DataError> + 'e;

/// A source of CSV text that can be read from the data start more than once.
pub(crate) enum Source<'a> {
    /// Text in memory; `data` is where the first data line starts.
    Buffer { bytes: &'a [u8], data: usize },
    /// A file: `start..end` (already past the header) is read in batches of
    /// about `batch` bytes.
    File {
        path: &'a Path,
        name: &'a str,
        start: u64,
        end: u64,
        batch: usize,
    },
}

impl Source<'_> {
    /// Bytes the source spans.
    pub(crate) fn len(&self) -> u64 {
        match *self {
            Source::Buffer { bytes, data } => bytes.len().saturating_sub(data) as u64,
            Source::File { start, end, .. } => end.saturating_sub(start),
        }
    }

    /// Calls `each` with consecutive runs of complete lines (the last line of
    /// the range may lack its line break), in file order, until it returns
    /// `false`.
    pub(crate) fn batches(&self, each: &mut Each<'_>) -> Result<(), DataError> {
        match *self {
            Source::Buffer { bytes, data } => match bytes.get(data..) {
                Some(rest) if !rest.is_empty() => each(rest).map(|_| ()),
                _ => Ok(()),
            },
            Source::File {
                path,
                name,
                start,
                end,
                batch,
            } => read_range(path, name, start..end, batch.max(1), each),
        }
    }
}

fn io(name: &str) -> impl Fn(std::io::Error) -> DataError + '_ {
    move |source| DataError::Io {
        file: name.to_string(),
        source,
    }
}

/// Reads the lines of `path` that start in `range`, in batches of about
/// `batch` bytes: a thread reads batch `k + 1` while `each` parses batch
/// `k`, and the parsed batches' buffers go back to it, so memory holds at
/// most three batches.
fn read_range(
    path: &Path,
    name: &str,
    range: std::ops::Range<u64>,
    batch: usize,
    each: &mut Each<'_>,
) -> Result<(), DataError> {
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(1);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || produce(path, name, range, batch, &full_tx, &empty_rx));
        let mut result = Ok(());
        for buf in full_rx.iter() {
            match each(&buf) {
                Ok(true) => {
                    // The reader may have finished: then the buffer is dropped.
                    let _ = empty_tx.send(buf);
                }
                Ok(false) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // Dropping the receiver stops a reader still under way.
        drop(full_rx);
        let produced = match reader.join() {
            Ok(produced) => produced,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        result.and(produced)
    })
}

/// The reading side of [`read_range`]: sends runs of complete lines (the
/// last line of the range may lack its line break) until the range ends or
/// the receiver is gone.
fn produce(
    path: &Path,
    name: &str,
    range: std::ops::Range<u64>,
    batch: usize,
    full: &std::sync::mpsc::SyncSender<Vec<u8>>,
    empty: &std::sync::mpsc::Receiver<Vec<u8>>,
) -> Result<(), DataError> {
    let (start, end) = (range.start, range.end);
    if start >= end {
        return Ok(());
    }
    let mut file = File::open(path).map_err(io(name))?;
    let mut offset = start;
    let mut buf = batch_buffer(batch);
    if start > 0 {
        // The line under way at `start` belongs to the range before.
        file.seek(SeekFrom::Start(start - 1)).map_err(io(name))?;
        let mut previous = [0u8; 1];
        let got = file.read(&mut previous).map_err(io(name))?;
        if got == 1 && previous[0] != b'\n' {
            loop {
                let skipped = fill(&mut file, &mut buf, batch, name)?;
                if skipped == 0 {
                    return Ok(());
                }
                if let Some(nl) = memchr::memchr(b'\n', &buf) {
                    offset += nl as u64 + 1;
                    buf.drain(..=nl);
                    break;
                }
                offset += buf.len() as u64;
                buf.clear();
            }
        }
    }
    let mut eof = false;
    while offset < end {
        if !eof && buf.len() < batch {
            eof = fill(&mut file, &mut buf, batch, name)? == 0;
        }
        if buf.is_empty() {
            break;
        }
        // Positions below `limit` start in the range; cut after the line
        // holding position `limit - 1`, or after the last complete line.
        let limit = usize::try_from(end - offset).unwrap_or(usize::MAX).min(buf.len());
        let cut = match memchr::memchr(b'\n', &buf[limit - 1..]) {
            Some(nl) => limit + nl,
            None if eof => buf.len(),
            None => match memchr::memrchr(b'\n', &buf) {
                Some(nl) if limit == buf.len() => nl + 1,
                _ => {
                    // One line longer than the buffer: read on.
                    eof = fill(&mut file, &mut buf, batch, name)? == 0;
                    continue;
                }
            },
        };
        // The rest goes into a recycled buffer; this one, cut, to the parser.
        let mut next = empty.try_recv().unwrap_or_else(|_| batch_buffer(batch));
        next.clear();
        next.extend_from_slice(&buf[cut..]);
        buf.truncate(cut);
        offset += cut as u64;
        if full.send(std::mem::replace(&mut buf, next)).is_err() {
            break;
        }
    }
    Ok(())
}

/// An empty buffer with room for a batch and the line under way past it,
/// advised onto huge pages: the file's bytes are copied into it, and 4 KiB
/// pages would cost a fault every 4 KiB of text.
fn batch_buffer(batch: usize) -> Vec<u8> {
    let buf = Vec::with_capacity(batch + (64 << 10));
    crate::memory::advise_huge_pages(&buf);
    buf
}

/// Appends up to `batch` more bytes of `file` to `buf`; returns how many (0
/// at the end of the file).
fn fill(file: &mut File, buf: &mut Vec<u8>, batch: usize, name: &str) -> Result<usize, DataError> {
    loop {
        match (&mut *file).take(batch as u64).read_to_end(buf) {
            Ok(got) => return Ok(got),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(name)(e)),
        }
    }
}

/// The lines of `path` before byte `start` (counting a line under way at
/// `start`, which belongs to the range before): the line number, less one,
/// of the first line a range starting at `start` reads.
pub(crate) fn lines_before(path: &Path, name: &str, start: u64) -> Result<u64, DataError> {
    let mut file = File::open(path).map_err(io(name))?;
    let mut reader = (&mut file).take(start);
    let mut buf = vec![0u8; 1 << 20];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(name)(e)),
        };
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        last = buf[n - 1];
    }
    Ok(lines + u64::from(last != b'\n'))
}
