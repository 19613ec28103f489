//! The `.mlg` language: pest grammar, AST with spans, diagnostics. This crate
//! knows nothing of the workflow graph or the inference IR.

pub mod ast;
pub mod diagnostic;
pub mod expr;
pub mod foreign_names;
mod grammar;
mod parse;
pub mod span;
mod syntax_error;
pub mod text;

pub use diagnostic::{Diagnostic, Label};
pub use parse::parse;
pub use span::Span;
pub use syntax_error::{MAX_NESTING, SYNTAX};
