//! Models trained elsewhere, read into mlg's inference IR: LightGBM text
//! models and XGBoost JSON models become a tree ensemble ([`Ensemble`]),
//! which [`lower`] turns into a graph that the usual passes optimize and the
//! Cranelift backend compiles, saved as an ordinary artifact ([`import`]).
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
}

impl Format {
    /// The format of a model file, from its first bytes: LightGBM models
    /// start with the line `tree`, XGBoost JSON models with `{`.
    pub fn of(path: &Path, text: &str) -> Result<Format, ImportError> {
        let start = text.trim_start();
        if start.starts_with("tree\n") || start.starts_with("tree\r\n") {
            Ok(Format::LightGbm)
        } else if start.starts_with('{') {
            Ok(Format::XGBoost)
        } else {
            Err(ImportError::UnknownFormat {
                path: path.display().to_string(),
                message: "neither a LightGBM text model (first line `tree`) nor an XGBoost JSON model \
                          (a JSON object); ONNX import is not built yet"
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
    let text = String::from_utf8(bytes).map_err(|e| ImportError::UnknownFormat {
        path: path.display().to_string(),
        message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })?;
    let name = path
        .file_stem()
        .map_or_else(|| "imported".to_string(), |s| s.to_string_lossy().into_owned());
    let format = Format::of(path, &text)?;
    let ensemble = match format {
        Format::LightGbm => lightgbm::parse(&text)?,
        Format::XGBoost => xgboost::parse(&text)?,
    };
    artifact(ensemble, &name, &text, options)
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
    let graph = lower::lower(&ensemble, name)?;
    let graph = mlg_compiler::passes::Pipeline::default()
        .optimize(graph)
        .map_err(|e| ImportError::Lowering(e.to_string()))?;
    let classes: Vec<String> = match ensemble.link {
        Link::Sigmoid => vec!["0".into(), "1".into()],
        Link::Softmax => (0..ensemble.n_outputs).map(|c| c.to_string()).collect(),
        Link::Identity | Link::Exp => Vec::new(),
    };
    let version = env!("CARGO_PKG_VERSION").to_string();
    let artifact = Artifact {
        name: name.to_string(),
        workflow: format!("imported from a {} model", ensemble.source),
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
            source_hash: Lineage::hash_text(source_text),
            data_hash: String::new(),
            seed: None,
            mlg_version: version,
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        },
        monitor: None,
    };
    mlg_runtime::artifact::validate(&artifact).map_err(|e| ImportError::Lowering(e.to_string()))?;
    Ok(artifact)
}
