//! The lineage hashes of an artifact: FNV-1a 64-bit of the `.mlg` source's
//! bytes, and a frame's content hash built from FNV-1a over 64-bit words, one
//! word per value, each column hashed on its own thread.

use crate::frame::{Column, ColumnData, Frame};
use rayon::prelude::*;

/// FNV-1a's 64-bit prime.
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// The word of a missing value: a NaN, which no present number is (NaN is
/// read as missing).
const MISSING: u64 = 0x7ff8_0000_0000_0001;

/// The 64-bit FNV-1a hash.
pub(super) struct Fnv(pub u64);

impl Fnv {
    /// The FNV-1a offset basis.
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    /// Folds in `bytes`, one byte per step.
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(PRIME);
        }
    }

    /// Folds in one 64-bit word in one step (as FNV-1a does a byte). Every
    /// step is a bijection of the state, so sequences that differ in one word
    /// hash differently.
    pub fn word(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(PRIME);
    }

    /// 16 lowercase hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The content hash of `frame` (see [`super::Lineage::hash_frame`]): the row
/// count, then each column's hash in order, as words; the result goes through
/// a final mix (MurmurHash3's `fmix64`) so every input bit reaches every
/// output bit.
pub(super) fn frame(frame: &Frame) -> String {
    let columns: Vec<u64> = frame.columns.par_iter().map(column).collect();
    let mut hash = Fnv::new();
    hash.word(frame.n_rows as u64);
    columns.into_iter().for_each(|c| hash.word(c));
    Fnv(fmix64(hash.0)).hex()
}

/// One column: its name (bytes), a `0xff` byte and its kind (`n` or `c`),
/// then one word per value: a number's bits with `-0` folded into `0`, a
/// categorical value's level text hashed with [`Fnv::write`] (so dictionary
/// order does not matter), [`MISSING`] where missing.
fn column(column: &Column) -> u64 {
    let mut hash = Fnv::new();
    hash.write(column.name.as_bytes());
    hash.write(&[0xff]);
    match &column.data {
        ColumnData::Numeric(values) => {
            hash.write(b"n");
            for (v, m) in values.iter().zip(&column.missing) {
                hash.word(if *m || v.is_nan() {
                    MISSING
                } else {
                    (if *v == 0.0 { 0.0f64 } else { *v }).to_bits()
                });
            }
        }
        ColumnData::Categorical { codes, levels } => {
            hash.write(b"c");
            let level_words: Vec<u64> = levels
                .iter()
                .map(|level| {
                    let mut h = Fnv::new();
                    h.write(level.as_bytes());
                    h.0
                })
                .collect();
            for (c, m) in codes.iter().zip(&column.missing) {
                hash.word(match level_words.get(*c as usize) {
                    Some(word) if !*m => *word,
                    _ => MISSING,
                });
            }
        }
    }
    hash.0
}

/// MurmurHash3's 64-bit finalizer.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}
