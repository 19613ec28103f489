//! ONNX: the protobuf messages (generated from the vendored `onnx.proto`)
//! the export of an inference graph as an ONNX model, and the import of an
//! ONNX model into one.

pub mod export;
pub mod import;
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto;
mod trees_gemm;
mod trees_ml;

pub use export::{export, export_artifact, ExportError, TreeForm};
