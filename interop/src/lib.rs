//! Models trained elsewhere, read into mlg's inference IR: LightGBM text
//! models and XGBoost JSON models become a tree ensemble ([`Ensemble`]),
//! which [`lower`] turns into a graph, and ONNX models are lowered node by
//! node ([`onnx::import`]); the usual passes optimize the graph and the
//! Cranelift backend compiles it, saved as an ordinary artifact ([`import`]).
//! Anything a format allows that mlg cannot compute exactly is refused,
//! naming it. The other way, [`onnx::export`] writes an inference graph as
//! an ONNX model.

pub mod ensemble;
pub mod error;
pub mod lightgbm;
pub mod lower;
pub mod onnx;
pub mod xgboost;

pub use ensemble::{Ensemble, Link, Node, Test, Tree};
pub use error::ImportError;

use mlg_runtime::artifact::{Artifact, Lineage};
use std::path::Path;

/// The formats `mlg import` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A LightGBM text model (`.txt`).
    LightGbm,
    /// An XGBoost JSON model (`.json`).
    XGBoost,
    /// An ONNX model (`.onnx`, a protobuf `ModelProto`).
    Onnx,
}

impl Format {
    /// The format of a model file: ONNX by its `.onnx` extension or its
    /// first byte (field 1 of `ModelProto`, `ir_version`, tag `0x08`);
    /// LightGBM models start with the line `tree`, XGBoost JSON models
    /// with `{`.
    pub fn of(path: &Path, bytes: &[u8]) -> Result<Format, ImportError> {
        let onnx_name = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx"));
        let start = bytes.trim_ascii_start();
        if onnx_name || bytes.first() == Some(&0x08) {
            Ok(Format::Onnx)
        } else if start.starts_with(b"tree\n") || start.starts_with(b"tree\r\n") {
            Ok(Format::LightGbm)
        } else if start.starts_with(b"{") {
            Ok(Format::XGBoost)
        } else {
            Err(ImportError::UnknownFormat {
                path: path.display().to_string(),
                message: "neither an ONNX model (`.onnx`), a LightGBM text model (first line `tree`) \
                          nor an XGBoost JSON model (a JSON object)"
                    .into(),
            })
        }
    }
}

/// How to import: the input column names to use instead of the model's.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// `--columns a,b,c`: one name per model feature, in order.
    pub columns: Option<Vec<String>>,
}

/// Reads the model at `path`, lowers it, runs the standard passes over it
/// and returns it as an artifact named after the file, with no metrics and
/// no training profile. The artifact's lineage hashes the model file.
pub fn import(path: &Path, options: &ImportOptions) -> Result<Artifact, ImportError> {
    let io = |source| ImportError::Io {
        path: path.display().to_string(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let name = path
        .file_stem()
        .map_or_else(|| "imported".to_string(), |s| s.to_string_lossy().into_owned());
    let format = Format::of(path, &bytes)?;
    if format == Format::Onnx {
        return onnx_artifact(&bytes, &name, options);
    }
    let text = String::from_utf8(bytes).map_err(|e| ImportError::UnknownFormat {
        path: path.display().to_string(),
        message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })?;
    let ensemble = match format {
        Format::LightGbm => lightgbm::parse(&text)?,
        Format::XGBoost => xgboost::parse(&text)?,
        Format::Onnx => unreachable!("ONNX returned above"),
    };
    artifact(ensemble, &name, &text, options)
}

/// The serialized ONNX model `bytes` as an optimized artifact named `name`.
pub fn onnx_artifact(bytes: &[u8], name: &str, options: &ImportOptions) -> Result<Artifact, ImportError> {
    let imported = onnx::import::import(bytes, options.columns.as_deref())?;
    let graph = optimize(imported.graph)?;
    let workflow = format!("imported from an ONNX model ({})", imported.producer);
    finish(
        graph,
        name.to_string(),
        workflow,
        imported.classes,
        Lineage::hash_bytes(bytes),
    )
}

/// `graph` after the standard passes.
fn optimize(graph: mlg_compiler::ir::Graph) -> Result<mlg_compiler::ir::Graph, ImportError> {
    mlg_compiler::passes::Pipeline::default()
        .optimize(graph)
        .map_err(|e| ImportError::Lowering(e.to_string()))
}

/// `ensemble` (read from `source_text`) as an optimized artifact named `name`.
pub fn artifact(
    mut ensemble: Ensemble,
    name: &str,
    source_text: &str,
    options: &ImportOptions,
) -> Result<Artifact, ImportError> {
    if let Some(columns) = &options.columns {
        if columns.len() != ensemble.features.len() {
            return Err(ImportError::Columns(format!(
                "--columns names {} columns, but the {} model has {} features",
                columns.len(),
                ensemble.source,
                ensemble.features.len()
            )));
        }
        ensemble.features.clone_from(columns);
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = ensemble.features.iter().find(|f| !seen.insert(f.as_str())) {
        return Err(ImportError::Columns(format!(
            "the feature name `{twice}` is given twice; name the columns with --columns"
        )));
    }
    let graph = optimize(lower::lower(&ensemble, name)?)?;
    let classes: Vec<String> = match ensemble.link {
        Link::Sigmoid => vec!["0".into(), "1".into()],
        Link::Softmax => (0..ensemble.n_outputs).map(|c| c.to_string()).collect(),
        Link::Identity | Link::Exp => Vec::new(),
    };
    let workflow = format!("imported from a {} model", ensemble.source);
    finish(
        graph,
        name.to_string(),
        workflow,
        classes,
        Lineage::hash_text(source_text),
    )
}

/// The artifact of an imported `graph`, with no metrics and no profile.
fn finish(
    graph: mlg_compiler::ir::Graph,
    name: String,
    workflow: String,
    classes: Vec<String>,
    source_hash: String,
) -> Result<Artifact, ImportError> {
    let version = env!("CARGO_PKG_VERSION").to_string();
    let artifact = Artifact {
        name,
        workflow,
        task: if classes.is_empty() {
            "regression"
        } else {
            "classification"
        }
        .to_string(),
        target: "target".to_string(),
        classes,
        graph,
        metrics: Default::default(),
        mlg_version: version.clone(),
        profile: Default::default(),
        lineage: Lineage {
            source_hash,
            data_hash: String::new(),
            seed: None,
            mlg_version: version,
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        },
        monitor: None,
        quality: None,
    };
    mlg_runtime::artifact::validate(&artifact).map_err(|e| ImportError::Lowering(e.to_string()))?;
    Ok(artifact)
}
