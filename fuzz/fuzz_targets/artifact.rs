//! Fuzz target: the artifact loader, from bytes (`artifact::from_bytes`:
//! header, checksum, postcard decoding, graph and profile validation) and from
//! a file (`artifact::read_limited`, which checks the header before reading
//! the rest), on the input as given and with the header's length and checksum
//! made to match (so mutations reach the decoder). Both loaders must agree, and
//! an artifact that loads must re-serialize and load again to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlg_fuzz::{scratch_file, with_fixed_header};
use mlg_runtime::artifact::{from_bytes, read_limited, to_bytes, ArtifactError, HEADER_LEN};
use std::path::PathBuf;
use std::sync::OnceLock;

/// The size cap given to the file loader: small, so fuzzed lengths hit it.
const LIMIT: u64 = 1 << 16;

fn scratch() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| scratch_file("mlgc"))
}

fn load(bytes: &[u8]) {
    let direct = from_bytes(bytes);
    std::fs::write(scratch(), bytes).expect("write the scratch file");
    let via_file = read_limited(scratch(), LIMIT);
    match (&direct, &via_file) {
        (Ok(a), Ok(b)) => {
            assert!(
                to_bytes(a).ok() == to_bytes(b).ok(),
                "the two loaders read different artifacts"
            )
        }
        (Ok(_), Err(e)) => assert!(
            bytes.len() as u64 > LIMIT + HEADER_LEN as u64
                && matches!(e.root(), ArtifactError::TooLarge { .. }),
            "from_bytes loads what read_limited refuses: {e}"
        ),
        (Err(e), Ok(_)) => panic!("read_limited loads what from_bytes refuses: {e}"),
        (Err(_), Err(_)) => {}
    }
    let Ok(artifact) = direct else {
        return;
    };
    let written = to_bytes(&artifact).expect("a loaded artifact re-serializes");
    let again = from_bytes(&written).expect("a re-serialized artifact loads");
    let rewritten = to_bytes(&again).expect("a reloaded artifact re-serializes");
    assert!(written == rewritten, "re-serialization is not stable");
}

fuzz_target!(|data: &[u8]| {
    load(data);
    if let Some(fixed) = with_fixed_header(data) {
        if fixed != data {
            load(&fixed);
        }
    }
});
