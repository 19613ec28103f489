//! The top-level error of the mlg library and CLI.

use mlg_dsl::Diagnostic;
use std::fmt;
use std::path::PathBuf;
use thiserror::Error;

/// Everything that can go wrong between reading a `.mlg` file and writing its results.
#[derive(Debug, Error)]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file could not be written (the previous one, if any, is intact).
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The `.mlg` file does not parse or check: the CLI draws these with
    /// the source.
    #[error("{file}: {} error(s)", diagnostics.len())]
    Diagnostics {
        /// The file name used in messages.
        file: String,
        /// Its text, for drawing the spans.
        source_text: String,
        /// Every error, in source order.
        diagnostics: Vec<Diagnostic>,
    },
    /// A data file is malformed.
    #[error(transparent)]
    Data(#[from] mlg_runtime::DataError),
    /// An operator refused its data or parameters while fitting.
    #[error("{stage}: {source}")]
    Op {
        /// The stage the operator belongs to.
        stage: String,
        /// The operator's error.
        source: mlg_stdlib::op::OpError,
    },
    /// An artifact could not be written or read.
    #[error(transparent)]
    Artifact(#[from] mlg_runtime::ArtifactError),
    /// Loading or running a compiled model failed.
    #[error(transparent)]
    Runtime(#[from] mlg_runtime::RuntimeError),
    /// An optimizer pass broke the graph: a bug in mlg.
    #[error(
        "model `{model}`: internal error: {source}; this is a bug in mlg, \
         please report it with the workflow that caused it"
    )]
    Pass {
        /// The model whose graph broke.
        model: String,
        /// The pass and what it broke.
        source: mlg_compiler::passes::PassError,
    },
    /// Cranelift could not compile a model's graph.
    #[error("model `{model}`: {source}")]
    Codegen {
        /// The model.
        model: String,
        /// The code generator's error.
        source: mlg_compiler::backends::cranelift::CodegenError,
    },
    /// A compiled or interpreted graph refused its input.
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
        /// The model.
        model: String,
        /// When: "on fold 3's held-out rows", "on its training rows", ...
        during: String,
        /// Rows with a non-finite output.
        bad: usize,
        /// Rows predicted.
        total: usize,
        /// 1-based, header not counted.
        first_row: usize,
        /// The likely cause, named for the user.
        cause: String,
    },
    /// A request that cannot be met (an unknown stage, a bad option), said
    /// in words.
    #[error("{0}")]
    Usage(String),
    /// A `deploy ... to "m.onnx"` whose model has no ONNX form.
    #[error("deploy `{target}` to {path}: {source}")]
    OnnxExport {
        /// The deployed stage.
        target: String,
        /// The `.onnx` file it was to be written to.
        path: PathBuf,
        /// The node with no ONNX form.
        source: mlg_interop::onnx::ExportError,
    },
    /// A `deploy ... { monitor = quality(...) }` whose model has no evaluated
    /// score for live quality to be compared with.
    #[error(
        "deploy `{target}`: `monitor = quality(...)` compares live {metric} with the model's \
         evaluated {metric}, but no `evaluate` of `{target}` reports {metric}; add `{metric}` \
         to the metrics of an evaluate statement of `{target}`"
    )]
    QualityBaseline {
        /// The deployed stage.
        target: String,
        /// `accuracy` (classifier) or `rmse` (regressor).
        metric: &'static str,
    },
    /// `mlg monitor` found drift or a quality drop (its table says where).
    #[error("{0}")]
    Alert(String),
    /// A distributed job cannot go on, said the same way on every rank (the
    /// ranks agreed on it, or it follows from the workflow file alone).
    #[error("{0}")]
    Distributed(String),
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
