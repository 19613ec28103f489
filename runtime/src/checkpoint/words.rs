//! The payload encoding fits use for their checkpoints: a sequence of
//! little-endian 64-bit words (counts, integers, `f64` bits), read back with
//! every count bounded by the words left, so a damaged payload gives `None`,
//! never a huge allocation.

/// Builds a payload word by word.
#[derive(Debug, Default)]
pub struct Words(Vec<u8>);

impl Words {
    /// An empty payload.
    pub fn new() -> Words {
        Words::default()
    }

    /// Appends one word.
    pub fn u64(&mut self, v: u64) -> &mut Words {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Appends a count or index.
    pub fn usize(&mut self, v: usize) -> &mut Words {
        self.u64(v as u64)
    }

    /// Appends a number's bits.
    pub fn f64(&mut self, v: f64) -> &mut Words {
        self.u64(v.to_bits())
    }

    /// Appends the length of `values`, then each one's bits.
    pub fn f64s(&mut self, values: &[f64]) -> &mut Words {
        self.usize(values.len());
        values.iter().for_each(|v| {
            self.f64(*v);
        });
        self
    }

    /// The payload.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// Reads a [`Words`] payload back; every method gives `None` once the
/// payload runs out or holds an impossible count.
#[derive(Debug)]
pub struct WordReader<'a> {
    words: std::slice::ChunksExact<'a, u8>,
}

impl<'a> WordReader<'a> {
    /// A reader of `bytes` from the start.
    pub fn new(bytes: &'a [u8]) -> WordReader<'a> {
        WordReader {
            words: bytes.chunks_exact(8),
        }
    }

    /// The next word.
    pub fn u64(&mut self) -> Option<u64> {
        let word = self.words.next()?;
        Some(u64::from_le_bytes(word.try_into().ok()?))
    }

    /// The next number.
    pub fn f64(&mut self) -> Option<f64> {
        self.u64().map(f64::from_bits)
    }

    /// The next word as a plain number (rounds done, samples seen, an index).
    pub fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// The next count, at most the words left (every counted item
    /// takes at least a word).
    pub fn count(&mut self) -> Option<usize> {
        let v = usize::try_from(self.u64()?).ok()?;
        (v <= self.words.len()).then_some(v)
    }

    /// A count, then that many numbers.
    pub fn f64s(&mut self) -> Option<Vec<f64>> {
        let n = self.count()?;
        (0..n).map(|_| self.f64()).collect()
    }

    /// True when every word was read.
    pub fn is_done(&self) -> bool {
        self.words.len() == 0 && self.words.remainder().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_read_back_and_bad_counts_are_refused() {
        let mut w = Words::new();
        w.u64(7).f64s(&[1.5, -0.25]).f64(f64::NAN);
        let bytes = w.into_bytes();
        let mut r = WordReader::new(&bytes);
        assert_eq!(r.u64(), Some(7));
        assert_eq!(r.f64s(), Some(vec![1.5, -0.25]));
        assert!(r.f64().is_some_and(f64::is_nan));
        assert!(r.is_done());
        assert_eq!(r.u64(), None);
        let mut huge = Words::new();
        huge.u64(u64::MAX).u64(1);
        let huge = huge.into_bytes();
        assert_eq!(WordReader::new(&huge).f64s(), None);
    }
}
