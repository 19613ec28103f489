//! Compiled-model artifacts (`.mlgc`): a fitted inference graph plus what a service
//! needs to use it, in a versioned, checksummed container.
//!
//! Layout (all integers little-endian):
//!
//! | bytes  | content                                  |
//! |--------|------------------------------------------|
//! | 0..8   | magic `b"MLGC\x00\r\n\x1a"`              |
//! | 8..12  | format version (`u32`, currently 1)      |
//! | 12..20 | payload length (`u64`)                   |
//! | 20..24 | CRC-32 of the payload (`u32`)            |
//! | 24..   | the payload: the [`Artifact`], postcard  |
//!
//! Loading checks every field in that order, decodes, then verifies the graph and
//! the output convention, so a corrupt, foreign or crafted file is refused with a
//! typed error and never reaches the compiler.

use mlg_compiler::ir::{verify, Graph, VerifyError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

/// The first eight bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"MLGC\x00\r\n\x1a";
/// The container format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Length of the fixed header before the payload.
pub const HEADER_LEN: usize = 24;

/// A fitted, compiled-ready model.
///
/// Output convention of `graph`: a classifier (`task == "classification"`) has
/// exactly the outputs `class` (width 1, an index into `classes`) then `proba` (width
/// `classes.len()`); a regressor (`task == "regression"`) has exactly one output
/// `prediction` of width 1 and no classes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Artifact {
    /// Name of the deployed model (e.g. the workflow's deploy target).
    pub name: String,
    /// Name of the workflow that produced it.
    pub workflow: String,
    /// `"classification"` or `"regression"`.
    pub task: String,
    /// Name of the target column.
    pub target: String,
    /// Class labels in output order; empty for regression.
    pub classes: Vec<String>,
    /// The fitted inference graph; its inputs are the input schema.
    pub graph: Graph,
    /// Evaluation metrics by name.
    pub metrics: BTreeMap<String, f64>,
    /// Version of mlg that wrote it.
    pub mlg_version: String,
}

/// Why an artifact could not be written or read.
#[derive(Debug, Error)]
pub enum ArtifactError {
    /// The file could not be read or written.
    #[error("cannot access artifact `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A content error in the file at `path` (see [`ArtifactError::root`]).
    #[error("{}: {source}", path.display())]
    InFile {
        path: PathBuf,
        #[source]
        source: Box<ArtifactError>,
    },
    /// The bytes do not start with [`MAGIC`].
    #[error("not an mlg artifact: the file does not start with the mlg artifact magic")]
    NotAnArtifact,
    /// The container version is not one this build reads.
    #[error("artifact format version {found} is not supported (this build reads version {supported})")]
    UnsupportedVersion { found: u32, supported: u32 },
    /// The file ends before the header or payload does.
    #[error("artifact is truncated: expected {expected} bytes, found {found}")]
    Truncated { expected: u64, found: u64 },
    /// Bytes follow the payload.
    #[error("artifact has trailing data: expected {expected} bytes, found {found}")]
    TrailingData { expected: u64, found: u64 },
    /// The payload's CRC-32 differs from the header's.
    #[error(
        "artifact is corrupt: payload checksum {computed:#010x} does not match the stored {stored:#010x}"
    )]
    ChecksumMismatch { stored: u32, computed: u32 },
    /// The payload is not a valid serialized artifact.
    #[error("artifact payload cannot be decoded: {0}")]
    Decode(String),
    /// The artifact could not be serialized.
    #[error("artifact cannot be encoded: {0}")]
    Encode(String),
    /// The inference graph is malformed.
    #[error("artifact holds an invalid inference graph: {0}")]
    InvalidGraph(#[from] VerifyError),
    /// Task, classes and graph outputs disagree with the output convention.
    #[error("artifact is inconsistent: {0}")]
    Inconsistent(String),
}

impl ArtifactError {
    /// The underlying error, looking through [`ArtifactError::InFile`].
    pub fn root(&self) -> &ArtifactError {
        match self {
            ArtifactError::InFile { source, .. } => source.root(),
            other => other,
        }
    }
}

/// Checks the graph and the output convention documented on [`Artifact`].
pub fn validate(artifact: &Artifact) -> Result<(), ArtifactError> {
    verify(&artifact.graph)?;
    let graph = &artifact.graph;
    let outputs: Vec<(&str, u32)> = graph
        .outputs
        .iter()
        .map(|o| (o.name.as_str(), graph.node(o.node).width))
        .collect();
    let bad = |message: String| Err(ArtifactError::Inconsistent(message));
    match artifact.task.as_str() {
        "classification" => {
            let n = artifact.classes.len();
            if n == 0 {
                return bad("a classifier needs at least one class label".into());
            }
            if let Some(dup) = artifact
                .classes
                .iter()
                .enumerate()
                .find(|(i, c)| artifact.classes[..*i].contains(c))
            {
                return bad(format!("class label `{}` appears twice", dup.1));
            }
            if outputs != [("class", 1), ("proba", n as u32)] {
                return bad(format!(
                    "a classifier with {n} classes must have outputs class[1], proba[{n}]; found {}",
                    describe(&outputs)
                ));
            }
        }
        "regression" => {
            if !artifact.classes.is_empty() {
                return bad("a regressor has no class labels".into());
            }
            if outputs != [("prediction", 1)] {
                return bad(format!(
                    "a regressor must have the output prediction[1]; found {}",
                    describe(&outputs)
                ));
            }
        }
        other => {
            return bad(format!(
                "unknown task `{other}` (expected classification or regression)"
            ))
        }
    }
    Ok(())
}

fn describe(outputs: &[(&str, u32)]) -> String {
    let parts: Vec<String> = outputs.iter().map(|(n, w)| format!("{n}[{w}]")).collect();
    parts.join(", ")
}

/// Serializes `artifact` into the container format, after [`validate`] (so nothing
/// is written that loading would refuse).
pub fn to_bytes(artifact: &Artifact) -> Result<Vec<u8>, ArtifactError> {
    validate(artifact)?;
    let payload = postcard::to_allocvec(artifact).map_err(|e| ArtifactError::Encode(e.to_string()))?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// Parses the container: magic, version, length, checksum, payload, then
/// [`validate`]. Never panics, whatever the bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<Artifact, ArtifactError> {
    let found = bytes.len() as u64;
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(ArtifactError::NotAnArtifact);
    }
    let header = match bytes.get(..HEADER_LEN) {
        Some(header) => header,
        None => {
            return Err(ArtifactError::Truncated {
                expected: HEADER_LEN as u64,
                found,
            })
        }
    };
    let version = le_u32(&header[8..12]);
    if version != FORMAT_VERSION {
        return Err(ArtifactError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let length = le_u64(&header[12..20]);
    let stored = le_u32(&header[20..24]);
    let expected = length.saturating_add(HEADER_LEN as u64);
    if found < expected {
        return Err(ArtifactError::Truncated { expected, found });
    }
    if found > expected {
        return Err(ArtifactError::TrailingData { expected, found });
    }
    let payload = &bytes[HEADER_LEN..];
    let computed = crc32fast::hash(payload);
    if computed != stored {
        return Err(ArtifactError::ChecksumMismatch { stored, computed });
    }
    let (artifact, rest): (Artifact, &[u8]) =
        postcard::take_from_bytes(payload).map_err(|e| ArtifactError::Decode(e.to_string()))?;
    if !rest.is_empty() {
        return Err(ArtifactError::Decode(format!(
            "{} unused bytes after the artifact",
            rest.len()
        )));
    }
    validate(&artifact)?;
    Ok(artifact)
}

/// A little-endian `u32` from (at most) four bytes.
fn le_u32(bytes: &[u8]) -> u32 {
    bytes.iter().rev().fold(0, |acc, &b| (acc << 8) | u32::from(b))
}

/// A little-endian `u64` from (at most) eight bytes.
fn le_u64(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

/// Distinguishes temporary files of concurrent writers in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `artifact` to `path`, creating parent directories. The bytes go to a
/// temporary file in the same directory, are synced, then renamed over `path`, so a
/// failure never leaves a half-written artifact nor destroys a previous one.
pub fn write(path: &Path, artifact: &Artifact) -> Result<(), ArtifactError> {
    let bytes = to_bytes(artifact)?;
    let io = |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let serial = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{file_name}.{}.{serial}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if let Err(source) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(io(source));
    }
    Ok(())
}

/// Reads and checks the artifact at `path` ([`from_bytes`]); content errors come
/// wrapped in [`ArtifactError::InFile`] naming the path.
pub fn read(path: &Path) -> Result<Artifact, ArtifactError> {
    let bytes = std::fs::read(path).map_err(|source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(&bytes).map_err(|e| ArtifactError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}
