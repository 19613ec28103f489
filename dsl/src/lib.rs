//! The `.mlg` language: pest grammar, AST with spans, diagnostics. This crate
//! knows nothing of the workflow graph or the inference IR.

pub mod ast;
pub mod diagnostic;
pub mod span;

pub use diagnostic::{Diagnostic, Label};
pub use span::Span;
