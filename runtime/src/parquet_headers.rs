//! A bound on the work of reading Parquet page headers. The `parquet`
//! crate skips unknown header fields with its Thrift reader, which walks a
//! list (or map) of booleans element by element without reading a byte per
//! element as the compact protocol prescribes: a 10-byte header declaring a
//! list of 2^31 booleans costs seconds, and a few such headers minutes
//! (found by fuzzing). Before the crate reads a column chunk, this walks its
//! page headers the same way and refuses a collection whose declared size
//! exceeds the bytes left in the chunk, which no valid file has. It also
//! refuses a page whose uncompressed size is more than Snappy (the one codec
//! this build decodes) can produce from its compressed bytes: the crate
//! allocates that size before decompressing, so a few corrupt bytes asked
//! for gigabytes (found by fuzzing). And it refuses a dictionary page that
//! claims more values than its uncompressed bytes can hold (every encoding
//! of a dictionary spends at least a bit per value): the decoder sizes a
//! dictionary from that count before reading it, so a corrupt count in a
//! file of a few kilobytes made it allocate and fill gigabytes (found by
//! fuzzing). Anything else it does not understand it leaves to the crate,
//! which reports it. Only headers are read: no page is decompressed.
//!
//! The footer (the file's `FileMetaData`) is walked the same way before the
//! crate parses it ([`check_footer`]): its unknown fields are skipped by the
//! same reader, so a footer of a few bytes declaring a list of 2^31 booleans
//! kept the decoder busy for seconds (found by fuzzing). In both walks every
//! collection element counts against the bytes of the struct walked: a valid
//! encoding spends at least a byte on each, so more elements in all than
//! bytes is refused too (many lists of booleans, each within the bytes left,
//! would otherwise add up).

use crate::parquet_roles::{by_id, Role, EMPTY};
use crate::parquet_source::Source;
use parquet::file::metadata::ParquetMetaData;

/// Most nesting the walk follows: the crate skips an unknown field up to 64
/// levels deep, below the few levels of the structs it knows.
const DEPTH: u32 = 80;

/// Most bytes Snappy can produce per compressed byte: a copy of at most 64
/// bytes takes a tag of at least 2 bytes; rounded up.
const SNAPPY_RATIO: u64 = 32;
/// Uncompressed sizes up to this are never refused.
const SMALL_PAGE: u64 = 1 << 20;

/// What a page header declares that its bytes cannot hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Oversized {
    /// A collection of `size` elements with only `left` bytes after it.
    Collection { size: u64, left: usize, column: String },
    /// A page of `uncompressed` bytes from `compressed` bytes.
    Page {
        uncompressed: u64,
        compressed: u64,
        column: String,
    },
    /// A dictionary page of `values` values in `bytes` uncompressed bytes.
    Dictionary { values: u64, bytes: u64, column: String },
    /// A collection of `size` elements in the footer, `left` bytes after it.
    Footer { size: u64, left: usize },
}

impl std::fmt::Display for Oversized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Oversized::Collection { size, left, column } => write!(
                f,
                "a page header of column `{column}` declares {size} elements with {left} bytes left"
            ),
            Oversized::Page {
                uncompressed,
                compressed,
                column,
            } => write!(
                f,
                "a page of column `{column}` declares {uncompressed} bytes uncompressed from {compressed} compressed"
            ),
            Oversized::Dictionary { values, bytes, column } => write!(
                f,
                "a dictionary page of column `{column}` claims {values} values in {bytes} bytes"
            ),
            Oversized::Footer { size, left } => {
                write!(f, "the footer declares {size} elements with {left} bytes left")
            }
        }
    }
}

/// Walks every page header of every column chunk of the row groups of
/// `metadata` in `source`, the file (or the parts of it those groups need).
pub(crate) fn check(source: &Source, metadata: &ParquetMetaData) -> Result<(), Oversized> {
    for group in metadata.row_groups() {
        for column in group.columns() {
            let start = column
                .dictionary_page_offset()
                .unwrap_or(column.data_page_offset());
            let (Ok(start), Ok(len)) = (u64::try_from(start), u64::try_from(column.compressed_size())) else {
                continue;
            };
            // Pages start within the chunk's bytes, but the crate reads a
            // header from a reader that runs to the end of the part read, and
            // checks its length against the chunk only once it has read it:
            // a header walked only to the chunk's end let a list of 2^31
            // booleans past it through (found by fuzzing).
            let Some(bytes) = source.bytes_from(start, u64::MAX) else {
                continue;
            };
            let end = usize::try_from(len).map_or(bytes.len(), |len| len.min(bytes.len()));
            let mut pos = 0;
            while pos < end {
                let mut walk = Walk::new(bytes, pos);
                match walk.structure(DEPTH, Role::Page) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(size) => {
                        return Err(Oversized::Collection {
                            size,
                            left: bytes.len() - walk.pos,
                            column: column.column_path().to_string(),
                        })
                    }
                }
                if let (Some(compressed), Some(uncompressed)) = (walk.page_size, walk.uncompressed) {
                    let compressed = compressed as u64;
                    if uncompressed > SMALL_PAGE.max(compressed.saturating_mul(SNAPPY_RATIO)) {
                        return Err(Oversized::Page {
                            uncompressed,
                            compressed,
                            column: column.column_path().to_string(),
                        });
                    }
                }
                if let (Some(values), Some(size)) = (walk.dictionary_values, walk.uncompressed) {
                    if values > 8 * (size + 1) {
                        return Err(Oversized::Dictionary {
                            values,
                            bytes: size,
                            column: column.column_path().to_string(),
                        });
                    }
                }
                match walk.page_size {
                    Some(size) if walk.pos > pos => pos = walk.pos.saturating_add(size),
                    _ => break,
                }
            }
        }
    }
    Ok(())
}

/// Walks `footer`, the Thrift bytes of a file's `FileMetaData` (see
/// [`footer_of`]), refusing a collection larger than the bytes can hold.
/// Bytes that stop making sense are left to the crate, which reports them.
pub(crate) fn check_footer(footer: &[u8]) -> Result<(), Oversized> {
    let mut walk = Walk::new(footer, 0);
    match walk.structure(DEPTH, Role::FileMeta) {
        Err(size) => Err(Oversized::Footer {
            size,
            left: footer.len() - walk.pos,
        }),
        Ok(_) => Ok(()),
    }
}

/// The footer's bytes within `tail`, the last bytes of a Parquet file: the
/// length in the 4 bytes before the closing `PAR1`, and that many bytes
/// before them. `None` when `tail` does not end so, or holds less than the
/// length says (the crate then reports the file).
pub(crate) fn footer_of(tail: &[u8]) -> Option<&[u8]> {
    let end = tail.len().checked_sub(8)?;
    if &tail[end + 4..] != b"PAR1" {
        return None;
    }
    let len = u32::from_le_bytes(tail[end..end + 4].try_into().ok()?) as usize;
    tail.get(end.checked_sub(len)?..end)
}

/// A cursor over the compact protocol. Methods return `Ok(false)` when the
/// bytes stop making sense (the crate will say why), `Err(size)` for an
/// oversized collection.
struct Walk<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Field 3 of the top-level `PageHeader`: the page's compressed size.
    page_size: Option<usize>,
    /// Field 2: its uncompressed size.
    uncompressed: Option<u64>,
    /// Field 1 of field 7 (`DictionaryPageHeader`): its value count, as the
    /// crate converts it (an `i32`; a negative one counts as huge).
    dictionary_values: Option<u64>,
    /// Collection elements the bytes can still hold in all (one byte each).
    elements_left: u64,
}

impl<'a> Walk<'a> {
    /// A walk of `bytes` from `pos`.
    fn new(bytes: &'a [u8], pos: usize) -> Walk<'a> {
        Walk {
            bytes,
            pos,
            page_size: None,
            uncompressed: None,
            dictionary_values: None,
            elements_left: (bytes.len() - pos.min(bytes.len())) as u64,
        }
    }

    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    /// A varint read as the crate reads one: any number of bytes (not at
    /// most ten), the shift wrapping at 64 bits. Stopping at ten bytes lost
    /// step with the crate on a 30-byte varint (found by fuzzing).
    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        let mut shift = 0u32;
        loop {
            let b = self.byte()?;
            value |= u64::from(b & 0x7F).wrapping_shl(shift);
            if b & 0x80 == 0 {
                return Some(value);
            }
            shift = shift.wrapping_add(7);
        }
    }

    fn skip(&mut self, n: u64) -> bool {
        match usize::try_from(n).ok().and_then(|n| self.pos.checked_add(n)) {
            Some(end) if end <= self.bytes.len() => {
                self.pos = end;
                true
            }
            _ => false,
        }
    }

    /// A struct's fields up to its stop byte; `role` says which struct it is
    /// (the fields kept are those of the page header and of its dictionary
    /// page header).
    fn structure(&mut self, depth: u32, role: Role) -> Result<bool, u64> {
        if depth == 0 {
            return Ok(false);
        }
        let mut id: i64 = 0;
        loop {
            let Some(header) = self.byte() else {
                return Ok(false);
            };
            let kind = header & 0x0F;
            if kind == 0 {
                return Ok(true);
            }
            // As the crate: an explicit id is a zigzag i16; a delta that
            // overflows i16 is its error, so any id will do here.
            id = match header >> 4 {
                0 => match self.varint() {
                    Some(z) => i64::from((((z >> 1) as i64) ^ -((z & 1) as i64)) as i16),
                    None => return Ok(false),
                },
                delta => i64::from((id as i16).wrapping_add(i16::from(delta))),
            };
            // The sizes and the dictionary's count, read as the crate reads an
            // i32 whatever the declared type: zigzag over 64 bits, truncated.
            if matches!((role, id), (Role::Page, 2 | 3) | (Role::Dictionary, 1)) {
                let Some(z) = self.varint() else { return Ok(false) };
                let value = (((z >> 1) as i64) ^ -((z & 1) as i64)) as i32;
                match role {
                    Role::Page if id == 3 => self.page_size = usize::try_from(value).ok(),
                    Role::Page => self.uncompressed = u64::try_from(value).ok(),
                    // A negative count is refused as a huge one.
                    _ => self.dictionary_values = Some(u64::try_from(value).unwrap_or(u64::MAX)),
                }
                continue;
            }
            // The crate reads these fields as their id says, not as their
            // header's type does; walking them by the type would lose step
            // with it (found by fuzzing: a footer's field 1 declared a list,
            // read as an i32, before an unknown map of 618 booleans; and a
            // page header's the same way).
            let (kind, elements, inner) = by_id(role, id).unwrap_or((kind, None, Role::Nested));
            if !self.value(kind, depth - 1, elements, inner)? {
                return Ok(false);
            }
        }
    }

    /// One value of compact type `kind`. A boolean has no bytes here, as in
    /// the crate (a struct field's type carries its value; the crate reads
    /// nothing for a collection's boolean either, which is the problem).
    /// A list's elements are of type `elements` when given (as the crate
    /// reads a known field's), else as declared; structs within are walked
    /// as `inner`.
    fn value(&mut self, kind: u8, depth: u32, elements: Option<u8>, inner: Role) -> Result<bool, u64> {
        Ok(match kind {
            1 | 2 => true,
            3 => self.skip(1),
            4..=6 => self.varint().is_some(),
            7 => self.skip(8),
            8 => match self.varint() {
                Some(len) => self.skip(len),
                None => false,
            },
            9 | 10 => {
                let Some(header) = self.byte() else {
                    return Ok(false);
                };
                let size = match header >> 4 {
                    15 => match self.varint() {
                        Some(size) => size,
                        None => return Ok(false),
                    },
                    size => u64::from(size),
                };
                self.elements(size, &[elements.unwrap_or(header & 0x0F)], depth, inner)?
            }
            11 => {
                let Some(size) = self.varint() else {
                    return Ok(false);
                };
                if size == 0 {
                    return Ok(true);
                }
                let Some(kv) = self.byte() else { return Ok(false) };
                self.elements(size, &[kv >> 4, kv & 0x0F], depth, Role::Nested)?
            }
            12 => self.structure(depth, inner)?,
            13 => self.skip(16),
            EMPTY => self.byte() == Some(0),
            _ => false,
        })
    }

    /// `size` elements, each one value of every kind in `kinds`. A valid
    /// file spends at least a byte per element; the crate may spend none.
    fn elements(&mut self, size: u64, kinds: &[u8], depth: u32, inner: Role) -> Result<bool, u64> {
        if size > (self.bytes.len() - self.pos) as u64 || size > self.elements_left {
            return Err(size);
        }
        self.elements_left -= size;
        if depth == 0 {
            return Ok(false);
        }
        for _ in 0..size {
            for &kind in kinds {
                if !self.value(kind, depth - 1, None, inner)? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::Walk;

    fn walk(bytes: &[u8]) -> (Result<bool, u64>, Option<usize>) {
        let mut w = Walk::new(bytes, 0);
        let r = w.structure(super::DEPTH, super::Role::Page);
        (r, w.page_size)
    }

    #[test]
    fn field_ids_wrap_as_the_crate_reads_them_instead_of_overflowing() {
        // Found by fuzzing: an explicit field id of i64::MAX (zigzag), then
        // a field id delta, overflowed the walk's id.
        let mut bytes = vec![0x05];
        bytes.extend([0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]);
        bytes.push(0x00);
        bytes.extend([0xF5, 0x00, 0x00]);
        assert_eq!(walk(&bytes).0, Ok(true));
    }

    #[test]
    fn a_header_gives_its_page_size() {
        // type = 0 (i32 field 1), uncompressed 10 (field 2), compressed 7 (field 3), stop.
        assert_eq!(
            walk(&[0x15, 0x00, 0x15, 0x14, 0x15, 0x0E, 0x00]),
            (Ok(true), Some(7))
        );
    }

    #[test]
    fn a_list_of_booleans_larger_than_the_bytes_is_refused() {
        // Field 9 (delta 9), a list (type 9) of 2^31 - 1 booleans (size nibble 15, varint).
        let header = [0x99, 0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00];
        assert_eq!(walk(&header).0, Err(0x7FFF_FFFF));
        // Three booleans with three bytes left (the page's data follows) are fine.
        assert_eq!(walk(&[0x99, 0x31, 0x00, 0xAA, 0xBB, 0xCC]).0, Ok(true));
    }

    #[test]
    fn page_header_fields_are_read_by_id_whatever_their_declared_type() {
        // Field 1 (the page type) declared a string (0x18): the crate reads it
        // as a varint (0x04) whatever the type, then field 20 (explicit id,
        // zigzag 0x28), an unknown list of 2^31 - 1 booleans. Walked by the
        // declared type, 0x04 was a length that skipped the list's header.
        let header = [0x18, 0x04, 0x09, 0x28, 0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00];
        assert_eq!(walk(&header).0, Err(0x7FFF_FFFF));
    }

    #[test]
    fn a_dictionary_header_gives_its_value_count() {
        // type = 2 (dictionary page), uncompressed 10, compressed 7, then field
        // 7 (delta 4 from 3), a struct (type 12): num_values = 1000 (field 1,
        // zigzag 2000 = varint D0 0F), encoding 0 (field 2), stop; stop.
        let header = [
            0x15, 0x04, 0x15, 0x14, 0x15, 0x0E, 0x4C, 0x15, 0xD0, 0x0F, 0x15, 0x00, 0x00, 0x00,
        ];
        let mut w = Walk::new(&header, 0);
        assert_eq!(w.structure(super::DEPTH, super::Role::Page), Ok(true));
        assert_eq!(
            (w.uncompressed, w.page_size, w.dictionary_values),
            (Some(10), Some(7), Some(1000))
        );
        assert_eq!(w.pos, header.len());
    }

    #[test]
    fn lists_of_booleans_within_the_bytes_each_but_not_in_all_are_refused() {
        // Field 9: a list of 3 lists (type 9) of 5 booleans each (header 0x51),
        // then 6 bytes of page data: 12 bytes in all, and each inner list fits in
        // the bytes after it, but 3 + 5 + 5 elements do not fit in 12.
        let header = [0x99, 0x39, 0x51, 0x51, 0x51, 0x00, 1, 2, 3, 4, 5, 6];
        assert_eq!(walk(&header).0, Err(5));
    }

    #[test]
    fn a_footer_is_found_from_the_end_of_the_file() {
        let mut tail = b"PAR1".to_vec();
        tail.extend([0x15, 0x02, 0x00]);
        tail.extend(3u32.to_le_bytes());
        tail.extend(b"PAR1");
        assert_eq!(super::footer_of(&tail), Some(&[0x15, 0x02, 0x00][..]));
        tail[7] = 200;
        assert_eq!(super::footer_of(&tail), None);
        assert_eq!(super::footer_of(b"PAR"), None);
        // Field 15 (delta 15), a list of 2^31 - 1 booleans.
        let footer = [0xF9, 0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00];
        assert_eq!(
            super::check_footer(&footer).map_err(|e| e.to_string()),
            Err("the footer declares 2147483647 elements with 1 bytes left".to_string())
        );
        assert_eq!(super::check_footer(&[0x15, 0x02, 0x00]), Ok(()));
    }
}
