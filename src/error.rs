//! The top-level error of the mlg library and CLI.

use mlg_dsl::Diagnostic;
use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong between reading a `.mlg` file and writing its results.
#[derive(Debug, Error)]
pub enum Error {
    #[error("cannot read `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write `{path}`: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("{file}: {} error(s)", diagnostics.len())]
    Diagnostics {
        file: String,
        source_text: String,
        diagnostics: Vec<Diagnostic>,
    },
    #[error(transparent)]
    Data(#[from] mlg_runtime::DataError),
    #[error("{stage}: {source}")]
    Op {
        stage: String,
        source: mlg_stdlib::op::OpError,
    },
    #[error(transparent)]
    Artifact(#[from] mlg_runtime::ArtifactError),
    #[error(transparent)]
    Runtime(#[from] mlg_runtime::RuntimeError),
    /// An optimizer pass broke the graph: a bug in mlg.
    #[error(
        "model `{model}`: internal error: {source}; this is a bug in mlg, \
         please report it with the workflow that caused it"
    )]
    Pass {
        model: String,
        source: mlg_compiler::passes::PassError,
    },
    #[error("model `{model}`: {source}")]
    Codegen {
        model: String,
        source: mlg_compiler::backends::cranelift::CodegenError,
    },
    #[error(transparent)]
    Exec(#[from] mlg_compiler::backends::ExecError),
    /// `mlg predict` met rows the model cannot predict (`--on-invalid error`).
    #[error(transparent)]
    Unpredictable(#[from] crate::predict::UnpredictableRows),
    /// A fitted model's outputs are NaN or infinite (the non-finite policy,
    /// `executor::finite`): it is not scored, selected or deployed.
    #[error(
        "model `{model}` gives NaN or infinite outputs {during}: {bad} of {total} rows, \
         the first at data row {first_row}; {cause}"
    )]
    NonFinite {
        model: String,
        during: String,
        bad: usize,
        total: usize,
        /// 1-based, header not counted.
        first_row: usize,
        cause: String,
    },
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// An operator error attributed to `stage`.
    pub fn op(stage: impl Into<String>, source: mlg_stdlib::op::OpError) -> Error {
        Error::Op {
            stage: stage.into(),
            source,
        }
    }
}

/// Result alias for the mlg library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
