//! Compiled-model artifacts (`.mlgc`): a fitted inference graph plus what a service
//! needs to use it, in a versioned, checksummed container.
//!
//! Layout (all integers little-endian):
//!
//! | bytes  | content                                  |
//! |--------|------------------------------------------|
//! | 0..8   | magic `b"MLGC\x00\r\n\x1a"`              |
//! | 8..12  | format version (`u32`, currently 5)      |
//! | 12..20 | payload length (`u64`)                   |
//! | 20..24 | CRC-32 of the payload (`u32`)            |
//! | 24..   | the payload: the [`Artifact`], postcard  |
//!
//! Loading checks every field in that order, decodes, then verifies the graph, the
//! output convention and the profile against the input schema, so a corrupt,
//! foreign or crafted file is refused with a typed error and never reaches the
//! compiler. [`read`] checks the first 24 bytes before reading the rest: the
//! magic, the version, the payload length against a size cap
//! ([`max_artifact_bytes`], 1 GiB unless `MLG_MAX_ARTIFACT_BYTES` says
//! otherwise) and against the file's size, so a large foreign file, a
//! directory or `/dev/zero` is refused without being read.
//!
//! Versions: 2 added the training data profile, the lineage and the monitor
//! settings; 3 added the int8-compute layer (`i8affine`, the last variant of
//! the graph's ops, so a version 2 payload decodes unchanged and older mlg
//! builds refuse version 3 files by their header rather than failing to
//! decode an op they do not know); 4 added quantized trees (`qtrees`, again
//! the last op variant, so versions 2 and 3 decode unchanged); 5 added the
//! live quality settings (`quality`, the last field: a version 2 to 4 payload
//! decodes with a `None` byte appended). Version 1 files still load (they get
//! an empty profile, an empty lineage and no monitor settings, so drift
//! monitoring has nothing to compare against); a version above 5 is refused
//! as written by a newer mlg.

use crate::drift::DriftConfig;
use crate::frame::Frame;
use crate::profile::{DataProfile, FeatureStats};
use crate::quality::QualityConfig;
use hash::Fnv;
use mlg_compiler::ir::{verify, Graph, InputSlot, SlotKind, VerifyError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The first eight bytes of every artifact.
pub const MAGIC: [u8; 8] = *b"MLGC\x00\r\n\x1a";
/// The container format version this build writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 5;
/// The oldest container format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
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
    /// The training rows' profile per input feature (empty for version 1 files).
    pub profile: DataProfile,
    /// Where the model came from.
    pub lineage: Lineage,
    /// Drift monitoring settings from the deploy statement (`monitor = drift(...)`).
    pub monitor: Option<DriftConfig>,
    /// Live quality settings from the deploy statement (`monitor = quality(...)`).
    pub quality: Option<QualityConfig>,
}

impl Artifact {
    /// The input schema: every input column's name and kind (categorical ones with
    /// their levels, in code order), in row-ABI order.
    pub fn schema(&self) -> &[InputSlot] {
        &self.graph.inputs
    }

    /// The drift settings to monitor with: the deploy statement's, or the defaults.
    pub fn drift_config(&self) -> DriftConfig {
        self.monitor.clone().unwrap_or_default()
    }
}

/// Where an artifact came from. Hashes are 64-bit (FNV-1a), as 16 lowercase hex
/// digits; empty for artifacts of format version 1.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct Lineage {
    /// Hash of the `.mlg` source text ([`Lineage::hash_text`]).
    pub source_hash: String,
    /// Hash of the training data frame's contents ([`Lineage::hash_frame`]).
    pub data_hash: String,
    /// The deployed model's `seed` parameter, if it has one.
    pub seed: Option<u64>,
    /// Version of mlg that trained the model.
    pub mlg_version: String,
    /// When the artifact was built, in seconds since the Unix epoch.
    pub created_unix: u64,
}

impl Lineage {
    /// FNV-1a 64-bit of the UTF-8 bytes of `text`, as hex.
    pub fn hash_text(text: &str) -> String {
        Self::hash_bytes(text.as_bytes())
    }

    /// [`hash_text`](Self::hash_text) of a file that is not text (an ONNX model).
    pub fn hash_bytes(bytes: &[u8]) -> String {
        let mut hash = Fnv::new();
        hash.write(bytes);
        hash.hex()
    }

    /// A 64-bit hash of a frame's contents, as hex: row count, then per column
    /// its name, kind and every value (numbers by their bits with `-0` folded
    /// into `0`, categorical values by their level text, missing values by a
    /// marker), so the hash does not depend on dictionary order or on the
    /// file's formatting. FNV-1a over one 64-bit word per value, columns on
    /// every thread, then a final mix (see `artifact/hash.rs`); artifacts of
    /// mlg before 2026-12-05 hashed byte by byte, so the same data then gave
    /// another value.
    pub fn hash_frame(frame: &Frame) -> String {
        hash::frame(frame)
    }
}

/// The payload of format version 1: [`Artifact`] without profile, lineage and
/// monitor settings.
#[derive(Serialize, Deserialize)]
struct ArtifactV1 {
    name: String,
    workflow: String,
    task: String,
    target: String,
    classes: Vec<String>,
    graph: Graph,
    metrics: BTreeMap<String, f64>,
    mlg_version: String,
}

impl From<ArtifactV1> for Artifact {
    fn from(v1: ArtifactV1) -> Artifact {
        Artifact {
            name: v1.name,
            workflow: v1.workflow,
            task: v1.task,
            target: v1.target,
            classes: v1.classes,
            graph: v1.graph,
            metrics: v1.metrics,
            mlg_version: v1.mlg_version,
            profile: DataProfile::default(),
            lineage: Lineage::default(),
            monitor: None,
            quality: None,
        }
    }
}

/// Why an artifact could not be written or read.
#[derive(Debug, Error)]
pub enum ArtifactError {
    /// The file could not be read or written.
    #[error("cannot access artifact `{}`: {source}", path.display())]
    Io {
        /// The artifact file.
        path: PathBuf,
        #[source]
        /// The I/O error.
        source: std::io::Error,
    },
    /// A content error in the file at `path` (see [`ArtifactError::root`]).
    #[error("{}: {source}", path.display())]
    InFile {
        /// The artifact file.
        path: PathBuf,
        #[source]
        /// What is wrong with its content.
        source: Box<ArtifactError>,
    },
    /// The bytes do not start with [`MAGIC`].
    #[error("not an mlg artifact: the file does not start with the mlg artifact magic")]
    NotAnArtifact,
    /// The container version is older than any this build reads.
    #[error(
        "artifact format version {found} is not supported (this build reads versions {oldest} to {newest})"
    )]
    UnsupportedVersion {
        /// The file's version.
        found: u32,
        /// The oldest version this build reads.
        oldest: u32,
        /// The newest version this build reads.
        newest: u32,
    },
    /// The container was written by a newer mlg.
    #[error("written by a newer mlg: format version {found}, this build reads up to {supported}")]
    NewerVersion {
        /// The file's version.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The header's payload length is above the reader's cap
    /// ([`max_artifact_bytes`]).
    #[error(
        "artifact payload of {length} bytes is larger than the limit of {limit} bytes \
         (set MLG_MAX_ARTIFACT_BYTES to raise it)"
    )]
    TooLarge {
        /// The payload length in the header.
        length: u64,
        /// The cap in force.
        limit: u64,
    },
    /// The file ends before the header or payload does.
    #[error("artifact is truncated: expected {expected} bytes, found {found}")]
    Truncated {
        /// The file length the header calls for.
        expected: u64,
        /// The bytes there are.
        found: u64,
    },
    /// Bytes follow the payload.
    #[error("artifact has trailing data: expected {expected} bytes, found {found}")]
    TrailingData {
        /// The file length the header calls for.
        expected: u64,
        /// The bytes there are.
        found: u64,
    },
    /// The payload's CRC-32 differs from the header's.
    #[error(
        "artifact is corrupt: payload checksum {computed:#010x} does not match the stored {stored:#010x}"
    )]
    ChecksumMismatch {
        /// The CRC-32 in the header.
        stored: u32,
        /// The CRC-32 of the payload read.
        computed: u32,
    },
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
    validate_profile(artifact)?;
    if let Some(config) = &artifact.monitor {
        if !(config.psi > 0.0 && config.psi.is_finite()) {
            return bad(format!(
                "monitor psi threshold {} is not a number above 0",
                config.psi
            ));
        }
        if !(config.ks > 0.0 && config.ks <= 1.0) {
            return bad(format!("monitor ks threshold {} is not in (0, 1]", config.ks));
        }
        if config.window == 0 {
            return bad("monitor window is 0 rows".into());
        }
    }
    Ok(())
}

/// Checks that the profile is empty or describes exactly the input slots, with
/// well-formed bins.
fn validate_profile(artifact: &Artifact) -> Result<(), ArtifactError> {
    let profile = &artifact.profile;
    if profile.is_empty() {
        return Ok(());
    }
    let bad = |message: String| Err(ArtifactError::Inconsistent(message));
    let slots = artifact.schema();
    if profile.features.len() != slots.len() {
        return bad(format!(
            "the profile has {} features but the model has {} inputs",
            profile.features.len(),
            slots.len()
        ));
    }
    for (feature, slot) in profile.features.iter().zip(slots) {
        if feature.name != slot.name {
            return bad(format!(
                "profile feature `{}` does not match input `{}`",
                feature.name, slot.name
            ));
        }
        let ok = match (&feature.stats, &slot.kind) {
            (FeatureStats::Numeric(n), SlotKind::Numeric | SlotKind::Date) => {
                n.counts.len() == n.edges.len() + 1
                    && n.edges.windows(2).all(|w| w[0] < w[1])
                    && n.edges.iter().all(|e| e.is_finite())
                    && n.quantiles.windows(2).all(|w| w[0] <= w[1])
                    && n.quantiles.iter().all(|q| q.is_finite())
            }
            (FeatureStats::Categorical(c), SlotKind::Categorical { levels }) => {
                c.levels == *levels && c.counts.len() == levels.len()
            }
            _ => false,
        };
        if !ok {
            return bad(format!("the profile of input `{}` is malformed", slot.name));
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
    from_bytes_limited(bytes, u64::MAX)
}

/// Checks the fixed header at the start of `bytes` (fewer than
/// [`HEADER_LEN`] bytes when the file is shorter): the magic, the version and
/// the payload length against `limit`. Returns the payload length.
fn check_header(bytes: &[u8], limit: u64) -> Result<u64, ArtifactError> {
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(ArtifactError::NotAnArtifact);
    }
    let Some(header) = bytes.get(..HEADER_LEN) else {
        return Err(ArtifactError::Truncated {
            expected: HEADER_LEN as u64,
            found: bytes.len() as u64,
        });
    };
    let version = le_u32(&header[8..12]);
    if version > FORMAT_VERSION {
        return Err(ArtifactError::NewerVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if version < OLDEST_FORMAT_VERSION {
        return Err(ArtifactError::UnsupportedVersion {
            found: version,
            oldest: OLDEST_FORMAT_VERSION,
            newest: FORMAT_VERSION,
        });
    }
    let length = le_u64(&header[12..20]);
    if length > limit {
        return Err(ArtifactError::TooLarge { length, limit });
    }
    Ok(length)
}

/// [`from_bytes`], refusing a payload longer than `limit` bytes.
fn from_bytes_limited(bytes: &[u8], limit: u64) -> Result<Artifact, ArtifactError> {
    let found = bytes.len() as u64;
    let length = check_header(bytes, limit)?;
    let version = le_u32(&bytes[8..12]);
    let stored = le_u32(&bytes[20..24]);
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
    let decode = |e: postcard::Error| ArtifactError::Decode(e.to_string());
    let extended;
    let (artifact, rest): (Artifact, &[u8]) = if version == 1 {
        let (v1, rest): (ArtifactV1, &[u8]) = postcard::take_from_bytes(payload).map_err(decode)?;
        (v1.into(), rest)
    } else if version < 5 {
        // Versions 2 to 4 end before `quality`: postcard's `None` is one zero byte.
        extended = [payload, &[0]].concat();
        postcard::take_from_bytes(&extended).map_err(decode)?
    } else {
        postcard::take_from_bytes(payload).map_err(decode)?
    };
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

/// Writes `artifact` to `path` atomically ([`crate::files::AtomicFile`]:
/// a temporary file beside it, synced, then renamed over it), creating parent
/// folders, so a failure never leaves a half-written artifact nor destroys a
/// previous one, and a temporary file a killed run left is removed.
pub fn write(path: &Path, artifact: &Artifact) -> Result<(), ArtifactError> {
    let bytes = to_bytes(artifact)?;
    crate::files::write_atomic(path, &bytes).map_err(|source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The largest artifact [`read`] accepts unless `MLG_MAX_ARTIFACT_BYTES`
/// says otherwise: 1 GiB.
pub const MAX_ARTIFACT_BYTES: u64 = 1 << 30;

/// The largest artifact file [`read`] accepts, in bytes: the environment
/// variable `MLG_MAX_ARTIFACT_BYTES` when it holds a whole number, else
/// [`MAX_ARTIFACT_BYTES`].
pub fn max_artifact_bytes() -> u64 {
    std::env::var("MLG_MAX_ARTIFACT_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(MAX_ARTIFACT_BYTES)
}

/// Reads and checks the artifact at `path` ([`from_bytes`]), refusing a file
/// larger than [`max_artifact_bytes`]; content errors come wrapped in
/// [`ArtifactError::InFile`] naming the path.
pub fn read(path: &Path) -> Result<Artifact, ArtifactError> {
    read_limited(path, max_artifact_bytes())
}

/// [`read`] with an explicit size cap. The header is read and checked first
/// (magic, version, then the payload length against the cap and, for a
/// regular file, against the file's size), so a file that is not an
/// artifact, or is too large, is refused after reading at most
/// [`HEADER_LEN`] bytes; `/dev/zero` or a directory is refused at once.
pub fn read_limited(path: &Path, limit: u64) -> Result<Artifact, ArtifactError> {
    let io = |source| ArtifactError::Io {
        path: path.to_path_buf(),
        source,
    };
    let in_file = |e: ArtifactError| ArtifactError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is a directory, not an artifact file",
        )));
    }
    let mut header = Vec::with_capacity(HEADER_LEN);
    (&mut file)
        .take(HEADER_LEN as u64)
        .read_to_end(&mut header)
        .map_err(io)?;
    let length = check_header(&header, limit).map_err(in_file)?;
    let expected = length.saturating_add(HEADER_LEN as u64);
    if meta.is_file() && meta.len() != expected {
        let found = meta.len();
        return Err(in_file(if found < expected {
            ArtifactError::Truncated { expected, found }
        } else {
            ArtifactError::TrailingData { expected, found }
        }));
    }
    // At most one byte past the payload: enough to tell trailing data.
    let mut bytes = header;
    if meta.is_file() {
        bytes.reserve_exact(usize::try_from(length).unwrap_or(0));
    }
    file.take(length.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    from_bytes_limited(&bytes, limit).map_err(in_file)
}

mod hash;
#[cfg(test)]
mod tests;
