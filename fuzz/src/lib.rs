//! Helpers shared by the fuzz targets: the frame invariant every reader must
//! keep, and the small input schema the streaming readers and the request
//! decoder are fuzzed against.

use mlg_compiler::ir::{InputSlot, SlotKind};
use mlg_runtime::{ColumnData, Frame};

/// Every column of `frame` has `frame.n_rows` values and as many missing flags.
/// Cheap, and a frame that breaks it makes later indexing panic far from the
/// reader that built it.
pub fn check_frame(frame: &Frame) {
    for column in &frame.columns {
        let values = match &column.data {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Categorical { codes, .. } => codes.len(),
        };
        assert_eq!(
            column.missing.len(),
            frame.n_rows,
            "column `{}`: missing mask length",
            column.name
        );
        assert_eq!(values, frame.n_rows, "column `{}`: value count", column.name);
    }
}

/// The schema of the streaming-reader and request targets: numeric `x` and
/// categorical `c` with levels `a` and `b` (the names the seeds use).
pub fn slots() -> Vec<InputSlot> {
    vec![
        InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        },
        InputSlot {
            name: "c".into(),
            kind: SlotKind::Categorical {
                levels: vec!["a".into(), "b".into()],
            },
        },
    ]
}

/// `data` with a consistent artifact header: when it starts with the magic and
/// holds a whole header, the payload length and CRC-32 are rewritten to match
/// the bytes after the header (the version is kept), so mutated payloads get
/// past the checksum to the decoder and the validator. `None` otherwise.
pub fn with_fixed_header(data: &[u8]) -> Option<Vec<u8>> {
    use mlg_runtime::artifact::{HEADER_LEN, MAGIC};
    if data.len() < HEADER_LEN || data[..MAGIC.len()] != MAGIC {
        return None;
    }
    let payload = &data[HEADER_LEN..];
    let mut bytes = data[..12].to_vec();
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32(payload).to_le_bytes());
    bytes.extend_from_slice(payload);
    Some(bytes)
}

/// CRC-32 (IEEE, as crc32fast computes it), bitwise: the fuzz crate needs no
/// dependency for a few kilobytes a run.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A scratch file name for this process, on tmpfs (`/dev/shm`) where there is
/// one: the loaders that take a path are fed through it on every input.
pub fn scratch_file(extension: &str) -> std::path::PathBuf {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("mlg-fuzz-{}.{extension}", std::process::id()))
}
