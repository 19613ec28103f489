//! SHA-256 of texts and files, the hash of a workflow's data, and new run IDs.

use crate::TrackingError;
use mlg_compiler::workflow::stage::DataSource;
use mlg_compiler::workflow::StageKind;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of `bytes`, as hex.
pub fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Feeds the file at `path` into `hasher`, returning its length in bytes.
fn feed(hasher: &mut Sha256, path: &Path) -> Result<u64, TrackingError> {
    let io = |source| TrackingError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Ok(total);
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
}

/// SHA-256 (hex) and length of the file at `path`.
pub fn file_sha256(path: &Path) -> Result<(String, u64), TrackingError> {
    let mut hasher = Sha256::new();
    let len = feed(&mut hasher, path)?;
    Ok((hex(&hasher.finalize()), len))
}

/// SHA-256 of every data file the workflow reads, in statement order: each
/// `csv(...)` / `parquet(...)` path as written, then the bytes of each file
/// it names (a glob's matches in name order). Two runs over the same files
/// get the same hash; one edited byte changes it.
pub fn data_sha256(wf: &mlg::Workflow) -> Result<String, TrackingError> {
    let mut hasher = Sha256::new();
    for &id in wf.checked.graph.order() {
        let stage = wf.checked.graph.stage(id);
        let StageKind::Data(data) = &stage.kind else {
            continue;
        };
        let DataSource::File { path, path_text, .. } = &data.source else {
            continue;
        };
        hasher.update(path_text.as_bytes());
        hasher.update([0]);
        let files = if mlg::pattern::is_pattern(path) {
            mlg::pattern::expand(path).map_err(|message| TrackingError::Io {
                path: path.clone(),
                source: std::io::Error::other(message),
            })?
        } else {
            vec![path.clone()]
        };
        for file in files {
            let len = feed(&mut hasher, &file)?;
            hasher.update(len.to_le_bytes());
        }
    }
    Ok(hex(&hasher.finalize()))
}

/// A new run ID: 32 hex digits from the time, the process and `salt`.
pub(crate) fn run_id(salt: &str) -> String {
    let mut hasher = Sha256::new();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.update(nanos.to_le_bytes());
    hasher.update(std::process::id().to_le_bytes());
    hasher.update(salt.as_bytes());
    hex(&hasher.finalize())[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::sha256;

    #[test]
    fn sha256_of_abc_is_the_standard_vector() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
