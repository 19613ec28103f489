//! What importing a model can go wrong with: the file cannot be read, it is
//! not a model of the format it claims (naming the line or field), or it is
//! one that mlg does not compute (naming the feature it uses).

use thiserror::Error;

/// An import error.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is malformed: `at` says where (a line, a tree, a field).
    #[error("{format} model: {at}: {message}")]
    Malformed {
        /// `LightGBM`, `XGBoost`, `ONNX`.
        format: &'static str,
        /// Where in the file.
        at: String,
        /// What is wrong.
        message: String,
    },
    /// The model uses something mlg cannot compute exactly.
    #[error("{format} model: {what} is not supported")]
    Unsupported {
        /// `LightGBM`, `XGBoost`, `ONNX`.
        format: &'static str,
        /// The feature, operator or setting, named as the format names it.
        what: String,
    },
    /// The file's format could not be told from its name or contents.
    #[error("cannot tell the format of `{path}`: {message}")]
    UnknownFormat {
        /// The file.
        path: String,
        /// What was seen.
        message: String,
    },
    /// `--columns` does not fit the model.
    #[error("{0}")]
    Columns(String),
    /// The lowered graph failed verification (a bug in the importer).
    #[error("the imported model does not lower to a valid graph: {0}")]
    Lowering(String),
}

/// `Malformed` for `format` at `at`.
pub(crate) fn malformed(
    format: &'static str,
    at: impl Into<String>,
    message: impl Into<String>,
) -> ImportError {
    ImportError::Malformed {
        format,
        at: at.into(),
        message: message.into(),
    }
}

/// `Unsupported` for `format`.
pub(crate) fn unsupported(format: &'static str, what: impl Into<String>) -> ImportError {
    ImportError::Unsupported {
        format,
        what: what.into(),
    }
}
