//! The bytes of a Parquet file as the `parquet` crate reads them, with one
//! difference from its own `File` and `Bytes` sources: a read that wants
//! bytes past the end of the file is an error, not zero bytes. The crate's
//! Thrift decoder skips fields with `io::copy`, which treats zero bytes as
//! done, so a corrupt header declaring a list of two billion doubles was
//! "skipped" two billion times at the end of the file (30 s for a 1 KB file;
//! found by fuzzing). Every offset in a well-formed file lies inside it, so
//! nothing valid reads past the end.

use bytes::Bytes;
use parquet::errors::{ParquetError, Result};
use parquet::file::reader::{ChunkReader, Length};
use std::io::{self, Read};

/// A whole Parquet file in memory.
#[derive(Clone)]
pub(crate) struct Source(pub(crate) Bytes);

/// Bytes per parallel read of [`Source::read`].
const READ_PIECE: usize = 8 << 20;

impl Source {
    /// The file at `path`, read in pieces on every thread (the copy from the
    /// page cache and the page faults of the new buffer are the larger part
    /// of reading a Parquet file). A file that shrinks while it is read is
    /// an [`io::ErrorKind::UnexpectedEof`] error.
    pub(crate) fn read(path: &std::path::Path) -> io::Result<Source> {
        #[cfg(unix)]
        {
            use rayon::prelude::*;
            use std::os::unix::fs::FileExt;
            let file = std::fs::File::open(path)?;
            let len = usize::try_from(file.metadata()?.len())
                .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "the file is larger than memory"))?;
            let mut bytes = vec![0u8; len];
            crate::memory::advise_huge_pages(&bytes);
            bytes
                .par_chunks_mut(READ_PIECE)
                .enumerate()
                .try_for_each(|(i, piece)| file.read_exact_at(piece, (i * READ_PIECE) as u64))?;
            Ok(Source(bytes.into()))
        }
        #[cfg(not(unix))]
        {
            std::fs::read(path).map(|bytes| Source(bytes.into()))
        }
    }
}

impl Length for Source {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
}

impl ChunkReader for Source {
    type T = Strict;

    fn get_read(&self, start: u64) -> Result<Strict> {
        if start > self.len() {
            return Err(ParquetError::EOF(format!(
                "expected to read at offset {start}, while the file has length {}",
                self.len()
            )));
        }
        Ok(Strict {
            bytes: self.0.clone(),
            pos: start as usize,
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> Result<Bytes> {
        self.0.get_bytes(start, length)
    }
}

/// A reader over [`Source`] from some offset on; see the module doc.
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
