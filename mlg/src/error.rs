//! The top-level error of the mlg library and CLI.

use mlg_dsl::Diagnostic;
use std::fmt;
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
    Unpredictable(#[from] UnpredictableRows),
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

/// `mlg predict --on-invalid error` met rows the model cannot predict: the
/// first of them by line, in the first chunk that held any (reading stops
/// there; rows are read a chunk at a time).
#[derive(Clone, Debug, PartialEq)]
pub struct UnpredictableRows {
    /// The input file as given.
    pub file: String,
    /// Invalid rows in that chunk.
    pub count: usize,
    /// Line and reason of the first ones.
    pub first: Vec<(u64, String)>,
    /// The line reading stopped at.
    pub last_line: u64,
    /// The output file, which was left untouched (`None`: stdout).
    pub output: Option<PathBuf>,
}

impl fmt::Display for UnpredictableRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = if self.count == 1 { "row" } else { "rows" };
        write!(
            f,
            "{}: the model cannot predict {} {rows} (reading stopped at line {}):",
            self.file, self.count, self.last_line
        )?;
        for (line, reason) in &self.first {
            write!(f, "\n  line {line}: {reason}")?;
        }
        if self.count > self.first.len() {
            write!(f, "\n  ... and {} more", self.count - self.first.len())?;
        }
        if let Some(output) = &self.output {
            write!(f, "\n`{}` was not written.", output.display())?;
        }
        write!(
            f,
            "\nUse --on-invalid skip to drop such rows, or --on-invalid null to write an empty prediction for them."
        )
    }
}

impl std::error::Error for UnpredictableRows {}
