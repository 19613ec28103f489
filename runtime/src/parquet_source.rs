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
