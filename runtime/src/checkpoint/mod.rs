//! Checkpoints of long fits: a fit saves its state every few rounds, and a
//! later run started with `--resume` continues from the last one instead of
//! starting over (MPI ends a whole job when one process dies, so this is how
//! a distributed fit survives it). The executor says where checkpoints go
//! ([`Slot`]); the fit decides what its state is.
//!
//! File format (little-endian), written atomically ([`crate::files::write_atomic`]):
//!
//! | bytes | field |
//! | --- | --- |
//! | 8 | magic `MLGCKPT\0` |
//! | 4 | format version, 1 |
//! | 8 | fingerprint of what was being fitted (the fit's settings and data) |
//! | 8 | payload length `n` |
//! | 4 | CRC-32 of the payload |
//! | n | payload (the fit's own encoding) |
//!
//! A checkpoint whose fingerprint differs belongs to another fit and is not
//! used; one that is truncated or fails its CRC is an error naming the file.
//! Fits encode their payload with [`Words`], save it through a [`Saver`] and
//! read it back with [`restore`].

mod words;

pub use words::{WordReader, Words};

use crate::collective::Collective;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thiserror::Error;

/// Time between two checkpoints when the fit sets no step count.
const EVERY: Duration = Duration::from_secs(60);

const MAGIC: &[u8; 8] = b"MLGCKPT\0";
const VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8 + 8 + 4;

/// Where one fit keeps its checkpoint, and whether it starts from it.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// The checkpoint file.
    pub path: PathBuf,
    /// Continue from the checkpoint when there is one (`--resume`).
    pub resume: bool,
    /// Whether this process writes it (rank 0 of a distributed job).
    pub writer: bool,
}

thread_local! {
    static SLOT: std::cell::RefCell<Option<Slot>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (a fit) with `slot` as the calling thread's checkpoint slot;
/// fits that checkpoint read it with [`slot`] before they hand work to
/// other threads.
pub fn with_slot<T>(slot: Slot, f: impl FnOnce() -> T) -> T {
    let before = SLOT.with(|s| s.borrow_mut().replace(slot));
    struct Restore(Option<Slot>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            SLOT.with(|s| *s.borrow_mut() = before);
        }
    }
    let _restore = Restore(before);
    f()
}

/// The calling thread's checkpoint slot, if a fit on it should checkpoint.
pub fn slot() -> Option<Slot> {
    SLOT.with(|s| s.borrow().clone())
}

/// A checkpoint that cannot be read or written.
#[derive(Debug, Error)]
pub enum CheckpointError {
    /// The file could not be read or written.
    #[error("checkpoint `{path}`: {message}")]
    Io {
        /// The checkpoint file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The file is not a whole checkpoint of this format.
    #[error("checkpoint `{path}` is damaged ({message}); delete it, or run without --resume")]
    Damaged {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

/// Writes `payload` as the checkpoint of the fit `fingerprint` at `path`
/// (atomically: a reader sees the old checkpoint or the new one).
pub fn save(path: &Path, fingerprint: u64, payload: &[u8]) -> Result<(), CheckpointError> {
    let mut bytes = Vec::with_capacity(HEADER + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&fingerprint.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    let io = |e: std::io::Error| CheckpointError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    crate::files::write_atomic(path, &bytes).map_err(io)
}

/// The payload of the checkpoint at `path` if it is one of the fit
/// `fingerprint`; `None` when there is no file or it belongs to another fit.
pub fn load(path: &Path, fingerprint: u64) -> Result<Option<Vec<u8>>, CheckpointError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CheckpointError::Io {
                path: path.to_path_buf(),
                message: e.to_string(),
            })
        }
    };
    let damaged = |message: &str| CheckpointError::Damaged {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(damaged("not a checkpoint"));
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
    if version != VERSION {
        return Err(damaged(&format!(
            "format version {version}, this mlg reads {VERSION}"
        )));
    }
    if word(12) != fingerprint {
        return Ok(None);
    }
    let len = usize::try_from(word(20)).unwrap_or(usize::MAX);
    let crc = u32::from_le_bytes(bytes[28..32].try_into().unwrap_or_default());
    let payload = &bytes[HEADER..];
    if payload.len() != len {
        return Err(damaged(&format!(
            "{} payload bytes where the header says {len}",
            payload.len()
        )));
    }
    if crc32fast::hash(payload) != crc {
        return Err(damaged("its checksum does not match"));
    }
    Ok(Some(payload.to_vec()))
}

/// FNV-1a 64 of `bytes`: the fingerprint fits build from their settings.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    fingerprint_more(0xcbf2_9ce4_8422_2325, bytes)
}

/// [`fingerprint`] of the bytes hashed into `h`, then `bytes` (to hash
/// large data piece by piece).
pub fn fingerprint_more(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// Values per block of [`fingerprint_f64s`].
const BLOCK: usize = 8192;

/// Independent hash lanes per block of [`fingerprint_f64s`].
const LANES: usize = 4;

/// [`fingerprint_more`] of `h` and then the bits of `values`, digested for
/// speed: each block of [`BLOCK`] values is hashed word by word (FNV-1a
/// over 64-bit words, one multiply per value where the byte-wise hash takes
/// eight) in [`LANES`] interleaved lanes (value `i` into lane `i % LANES`, so
/// the multiplies do not wait on each other), the lanes' hashes folded in
/// order into the block's; the blocks run on all threads, and their hashes
/// are then hashed in order, so the result does not depend on the thread
/// count.
pub fn fingerprint_f64s(h: u64, values: &[f64]) -> u64 {
    fingerprint_words(h, values, |v| v.to_bits())
}

/// [`fingerprint_f64s`] of `values` as 64-bit words (class codes, say).
pub fn fingerprint_u32s(h: u64, values: &[u32]) -> u64 {
    fingerprint_words(h, values, |v| u64::from(*v))
}

/// [`fingerprint_f64s`] of any values, each taken as the word `word` gives.
fn fingerprint_words<T: Sync>(h: u64, values: &[T], word: impl Fn(&T) -> u64 + Sync) -> u64 {
    use rayon::prelude::*;
    const BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    let step = |h: u64, word: u64| (h ^ word).wrapping_mul(0x0100_0000_01b3);
    let blocks: Vec<u64> = values
        .par_chunks(BLOCK)
        .map(|block| {
            let mut lanes = [BASIS; LANES];
            let mut quads = block.chunks_exact(LANES);
            for quad in &mut quads {
                for (lane, v) in lanes.iter_mut().zip(quad) {
                    *lane = step(*lane, word(v));
                }
            }
            for (lane, v) in lanes.iter_mut().zip(quads.remainder()) {
                *lane = step(*lane, word(v));
            }
            lanes.iter().fold(BASIS, |h, lane| step(h, *lane))
        })
        .collect();
    let bytes: Vec<u8> = blocks.iter().flat_map(|b| b.to_le_bytes()).collect();
    fingerprint_more(fingerprint_more(h, &(values.len() as u64).to_le_bytes()), &bytes)
}

/// Saves a fit's state into its slot every `every` steps (rounds, epochs),
/// or about once a minute without it; only the slot's writer writes.
#[derive(Debug)]
pub struct Saver {
    slot: Slot,
    fingerprint: u64,
    every: Option<usize>,
    last: Instant,
}

impl Saver {
    /// A saver for the fit `fingerprint` into `slot`.
    pub fn new(slot: Slot, fingerprint: u64, every: Option<usize>) -> Saver {
        Saver {
            slot,
            fingerprint,
            every,
            last: Instant::now(),
        }
    }

    /// After step `done`, saves `payload()` when it is due (on the writer).
    pub fn after(&mut self, done: usize, payload: impl FnOnce() -> Vec<u8>) -> Result<(), CheckpointError> {
        let due = match self.every {
            Some(k) => done.is_multiple_of(k),
            None => self.last.elapsed() >= EVERY,
        };
        if !due || !self.slot.writer {
            return Ok(());
        }
        self.last = Instant::now();
        save(&self.slot.path, self.fingerprint, &payload())
    }
}

/// The payload to resume from: the slot's checkpoint of the fit
/// `fingerprint` when the run resumes and there is one. With `comm` (a
/// distributed job) rank 0 reads it and sends it to every rank, so all
/// resume alike; an error there is every rank's, named `rank 0: ...`.
pub fn restore(
    slot: &Slot,
    fingerprint: u64,
    comm: Option<&dyn Collective>,
) -> Result<Option<Vec<u8>>, String> {
    if !slot.resume {
        return Ok(None);
    }
    let read = || load(&slot.path, fingerprint).map_err(|e| e.to_string());
    let Some(c) = comm else {
        return read();
    };
    // [0] no checkpoint, [1, payload..] one, [2, message..] an error.
    let mine = if c.rank() == 0 {
        match read() {
            Ok(None) => vec![0],
            Ok(Some(p)) => [vec![1], p].concat(),
            Err(m) => [vec![2], m.into_bytes()].concat(),
        }
    } else {
        Vec::new()
    };
    let got = c.broadcast(0, &mine);
    match got.split_first() {
        Some((1, payload)) => Ok(Some(payload.to_vec())),
        Some((2, message)) => Err(format!("rank 0: {}", String::from_utf8_lossy(message))),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_fingerprints_see_every_value_and_not_the_thread_count() {
        let values: Vec<f64> = (0..50_000).map(|i| f64::from(i) * 0.37).collect();
        let h = fingerprint_f64s(7, &values);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        assert_eq!(one.install(|| fingerprint_f64s(7, &values)), h);
        let mut changed = values.clone();
        changed[40_000] = f64::from_bits(changed[40_000].to_bits() ^ 1);
        assert_ne!(fingerprint_f64s(7, &changed), h);
        assert_ne!(fingerprint_f64s(7, &values[..49_999]), h);
        assert_ne!(fingerprint_f64s(8, &values), h);
        // Two values swapped across lanes, and a lane's last value changed.
        let mut swapped = values.clone();
        swapped.swap(1, 2);
        assert_ne!(fingerprint_f64s(7, &swapped), h);
        let codes: Vec<u32> = (0..10_001).map(|i| i % 3).collect();
        let mut other = codes.clone();
        other[10_000] = 2;
        assert_ne!(fingerprint_u32s(7, &codes), fingerprint_u32s(7, &other));
    }

    #[test]
    fn saved_checkpoints_load_back_and_damage_is_named() {
        let dir = std::env::temp_dir().join(format!("mlg-checkpoint-{}", std::process::id()));
        let path = dir.join("checkpoints").join("m.ckpt");
        assert_eq!(load(&path, 7).expect("none"), None);
        save(&path, 7, b"state of round 10").expect("save");
        assert_eq!(
            load(&path, 7).expect("load").as_deref(),
            Some(&b"state of round 10"[..])
        );
        assert_eq!(load(&path, 8).expect("another fit"), None);
        let mut bytes = std::fs::read(&path).expect("read");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&path, &bytes).expect("write");
        let err = load(&path, 7).unwrap_err().to_string();
        assert!(err.contains("damaged (its checksum does not match)"), "{err}");
        std::fs::write(&path, &bytes[..20]).expect("write");
        assert!(load(&path, 7)
            .unwrap_err()
            .to_string()
            .contains("not a checkpoint"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
