//! The bytes of a Parquet file as the `parquet` crate reads them: the whole
//! file, or only the parts a read of some row groups needs (their column
//! chunks and the footer), read on every thread. One difference from the
//! crate's own `File` and `Bytes` sources: a read that wants bytes past the
//! end of the file, or outside the parts read, is an error, not zero bytes.
//! The crate's Thrift decoder skips fields with `io::copy`, which treats zero
//! bytes as done, so a corrupt header declaring a list of two billion doubles
//! was "skipped" two billion times at the end of the file (30 s for a 1 KB
//! file; found by fuzzing). Every offset in a well-formed file lies inside
//! it, and a read of row groups touches only their chunks and the footer, so
//! nothing valid reads outside.

use bytes::Bytes;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::reader::{ChunkReader, Length};
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// Bytes per parallel read.
const READ_PIECE: usize = 8 << 20;

/// Parts of a Parquet file in memory: disjoint runs of bytes at their file
/// offsets, sorted, and the file's length.
#[derive(Clone)]
pub(crate) struct Source {
    parts: Arc<[(u64, Bytes)]>,
    len: u64,
}

impl Source {
    /// The whole file at `path`, read in pieces on every thread (the copy
    /// from the page cache and the page faults of the new buffer are the
    /// larger part of reading a Parquet file).
    pub(crate) fn read(path: &Path) -> io::Result<Source> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        let bytes = read_at(&file, 0..len)?;
        Ok(Source {
            parts: Arc::new([(0, bytes)]),
            len,
        })
    }

    /// The parts of the file at `path` that reading the row groups `groups`
    /// needs: the bytes from the first to the end of the last of their column
    /// chunks, and the footer (whose `metadata` the caller parsed). Offsets a
    /// corrupt footer puts outside the file are clamped to it (the decoder
    /// then reports them).
    pub(crate) fn read_groups(
        path: &Path,
        metadata: &ParquetMetaData,
        groups: Range<usize>,
    ) -> io::Result<Source> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        // The footer: its length in the 4 bytes before the closing magic.
        let mut tail = [0u8; 8];
        let tail_start = len.saturating_sub(8);
        read_exact_at(&file, &mut tail[..(len - tail_start) as usize], tail_start)?;
        let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
        let footer_start = len.saturating_sub(footer.saturating_add(8));
        let (mut first, mut end) = (u64::MAX, 0u64);
        for group in metadata.row_groups().get(groups).unwrap_or_default() {
            for column in group.columns() {
                let start = column
                    .dictionary_page_offset()
                    .unwrap_or(column.data_page_offset());
                let (Ok(start), Ok(size)) = (u64::try_from(start), u64::try_from(column.compressed_size()))
                else {
                    continue;
                };
                first = first.min(start);
                end = end.max(start.saturating_add(size));
            }
        }
        let (first, end) = (first.min(len), end.min(len));
        let parts: Vec<(u64, Bytes)> = if first >= end {
            vec![(footer_start, read_at(&file, footer_start..len)?)]
        } else if end >= footer_start {
            vec![(
                first.min(footer_start),
                read_at(&file, first.min(footer_start)..len)?,
            )]
        } else {
            vec![
                (first, read_at(&file, first..end)?),
                (footer_start, read_at(&file, footer_start..len)?),
            ]
        };
        Ok(Source {
            parts: parts.into(),
            len,
        })
    }

    /// Up to `length` bytes of the file from `start`: those the part holding
    /// `start` has (fewer where a corrupt length runs past it).
    pub(crate) fn bytes_from(&self, start: u64, length: u64) -> Option<&[u8]> {
        let (base, bytes) = self.part_at(start)?;
        let from = usize::try_from(start - base).ok()?;
        let to = usize::try_from(length).map_or(bytes.len(), |l| from.saturating_add(l).min(bytes.len()));
        bytes.get(from..to)
    }

    /// The footer's bytes (see [`crate::parquet_headers::footer_of`]), when
    /// the last part read holds them.
    pub(crate) fn footer(&self) -> Option<&[u8]> {
        let (base, bytes) = self.parts.last()?;
        if base + bytes.len() as u64 != self.len {
            return None;
        }
        crate::parquet_headers::footer_of(bytes)
    }

    /// The part holding file offset `start` (or ending at it).
    fn part_at(&self, start: u64) -> Option<&(u64, Bytes)> {
        self.parts
            .iter()
            .find(|(base, bytes)| *base <= start && start <= base + bytes.len() as u64)
    }

    fn outside(&self, start: u64) -> ParquetError {
        ParquetError::EOF(format!(
            "expected to read at offset {start}, outside the part read of a file of length {}",
            self.len
        ))
    }
}

/// The bytes `range` of `file`, read in pieces on every thread into a buffer
/// advised onto huge pages. A file that shrinks while it is read is an
/// [`io::ErrorKind::UnexpectedEof`] error.
fn read_at(file: &File, range: Range<u64>) -> io::Result<Bytes> {
    use rayon::prelude::*;
    let len = usize::try_from(range.end.saturating_sub(range.start))
        .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "the file is larger than memory"))?;
    let mut bytes = vec![0u8; len];
    crate::memory::advise_huge_pages(&bytes);
    bytes
        .par_chunks_mut(READ_PIECE)
        .enumerate()
        .try_for_each(|(i, piece)| read_exact_at(file, piece, range.start + (i * READ_PIECE) as u64))?;
    Ok(bytes.into())
}

/// The footer's bytes of the Parquet file `file` (see
/// [`crate::parquet_headers::footer_of`]); `None` when its end does not
/// give a footer that fits in it.
pub(crate) fn read_footer(file: &File) -> io::Result<Option<Vec<u8>>> {
    let len = file.metadata()?.len();
    let mut tail = [0u8; 8];
    if len < 8 {
        return Ok(None);
    }
    read_exact_at(file, &mut tail, len - 8)?;
    if &tail[4..] != b"PAR1" {
        return Ok(None);
    }
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    let Some(start) = len.checked_sub(footer + 8) else {
        return Ok(None);
    };
    let mut bytes = vec![0u8; footer as usize];
    read_exact_at(file, &mut bytes, start)?;
    Ok(Some(bytes))
}

/// Fills `buf` from `file` at `offset`.
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            match std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], offset + done as u64)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => done += n,
            }
        }
        Ok(())
    }
}

impl Length for Source {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for Source {
    type T = Strict;

    fn get_read(&self, start: u64) -> Result<Strict> {
        let Some((base, bytes)) = self.part_at(start) else {
            return Err(self.outside(start));
        };
        Ok(Strict {
            bytes: bytes.clone(),
            pos: (start - base) as usize,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes> {
        let Some((base, bytes)) = self.part_at(start) else {
            return Err(self.outside(start));
        };
        let from = (start - base) as usize;
        match from.checked_add(length) {
            Some(to) if to <= bytes.len() => Ok(bytes.slice(from..to)),
            _ => Err(self.outside(start.saturating_add(length as u64))),
        }
    }
}

/// A reader over one part of a [`Source`] from some offset on; see the
/// module doc.
pub(crate) struct Strict {
    bytes: Bytes,
    pos: usize,
}

impl Read for Strict {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let rest = &self.bytes[self.pos.min(self.bytes.len())..];
        if rest.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "a read past the end of the file (corrupt offsets or lengths)",
            ));
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::Source;
    use arrow_array::{ArrayRef, Int64Array, RecordBatch};
    use parquet::arrow::ArrowWriter;
    use parquet::file::metadata::ParquetMetaDataReader;
    use parquet::file::properties::WriterProperties;
    use parquet::file::reader::ChunkReader;
    use std::sync::Arc;

    /// A range holds its groups' chunks and the footer, nothing of the
    /// other groups: reading those is an error, not a silent zero.
    #[test]
    fn a_range_reads_only_its_chunks_and_the_footer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("groups.parquet");
        let values: ArrayRef = Arc::new(Int64Array::from((0..40_000).collect::<Vec<i64>>()));
        let batch = RecordBatch::try_from_iter([("n", values)]).unwrap();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(10_000))
            .build();
        let mut writer = ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            batch.schema(),
            Some(properties),
        )
        .unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let metadata = ParquetMetaDataReader::new()
            .parse_and_finish(&std::fs::File::open(&path).unwrap())
            .unwrap();
        assert_eq!(metadata.num_row_groups(), 4);
        let chunk = |g: usize| {
            let c = metadata.row_group(g).column(0);
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset()) as u64;
            (start, c.compressed_size() as usize)
        };
        let source = Source::read_groups(&path, &metadata, 1..2).unwrap();
        let held: usize = source.parts.iter().map(|(_, b)| b.len()).sum();
        let whole = std::fs::metadata(&path).unwrap().len() as usize;
        assert!(held < whole / 2, "{held} of {whole} bytes");
        let (start, len) = chunk(1);
        let whole_source = Source::read(&path).unwrap();
        assert_eq!(
            source.get_bytes(start, len).unwrap(),
            whole_source.get_bytes(start, len).unwrap()
        );
        let (other, len) = chunk(3);
        assert!(source.get_bytes(other, len).is_err());
        assert!(source.get_read(other).is_err());
    }
}
