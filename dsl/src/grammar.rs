//! The pest parser generated from `mlg.pest`; private to the crate.

/// The generated parser; `Rule` names one variant per grammar rule.
#[derive(pest_derive::Parser)]
#[grammar = "mlg.pest"]
pub(crate) struct MlgParser;
