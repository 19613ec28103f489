//! ONNX: the protobuf messages (generated from the vendored `onnx.proto`)
//! and the export of an inference graph as an ONNX model.

pub mod export;
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod proto;
mod trees_gemm;
mod trees_ml;

pub use export::{export, ExportError, TreeForm};
