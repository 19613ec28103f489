//! mlg runtime: frames, CSV loading, artifacts and compiled models for services.
//!
//! A service needs only [`Model::load`] and [`Model::predict`]: the model reads an
//! `.mlgc` artifact ([`artifact`]), compiles its inference graph, encodes frames
//! into the row ABI ([`rows`]) and runs the compiled function over all rows. A row
//! it cannot predict is an error naming the row and the columns, never a made-up
//! class ([`invalid`]).

pub mod anomaly;
pub mod artifact;
pub mod checkpoint;
pub mod collective;
pub mod combine;
pub mod csv;
pub mod dates;
pub mod drift;
pub mod error;
pub mod files;
pub mod frame;
pub mod invalid;
pub mod memory;
pub mod model;
#[cfg(feature = "parquet")]
pub mod parquet;
#[cfg(feature = "parquet")]
mod parquet_headers;
#[cfg(feature = "parquet")]
mod parquet_read;
#[cfg(feature = "parquet")]
mod parquet_roles;
#[cfg(feature = "parquet")]
mod parquet_source;
pub mod predictions;
pub mod profile;
pub mod quality;
pub mod record;
pub mod rows;
pub mod schema;
pub mod stats;
pub mod stream;

pub use artifact::{Artifact, ArtifactError};
pub use error::DataError;
pub use frame::{Column, ColumnData, Frame};
pub use invalid::{InvalidRow, InvalidRows, OnInvalid};
pub use model::{Input, Model, Predictions};
pub use record::{Row, RowError, Value};

use mlg_compiler::backends::cranelift::CodegenError;
use mlg_compiler::backends::ExecError;
use thiserror::Error;

/// Why a model could not be loaded or run.
#[derive(Debug, Error)]
pub enum RuntimeError {
    /// The input data could not be read or encoded.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The artifact could not be read or is invalid.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The inference graph could not be compiled.
    #[error("cannot compile the model: {0}")]
    Codegen(#[from] CodegenError),
    /// The compiled function refused the batch.
    #[error("cannot run the model: {0}")]
    Exec(#[from] ExecError),
    /// A [`Row`] does not fit the model's inputs (the column is named).
    #[error(transparent)]
    Row(#[from] RowError),
    /// Some rows cannot be predicted (their outputs are not finite), and the
    /// policy was [`OnInvalid::Error`]: the first rows with their columns.
    #[error(transparent)]
    InvalidRows(#[from] InvalidRows),
    /// `predict_rows` got a buffer that is not whole rows.
    #[error("the input holds {len} values, but {n_rows} rows of {width} input slots need {expected}")]
    InputShape {
        /// The buffer's length.
        len: usize,
        /// The rows asked for.
        n_rows: usize,
        /// The model's input slots per row.
        width: usize,
        /// The length `n_rows` rows need.
        expected: usize,
    },
}
