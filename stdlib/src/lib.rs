//! mlg standard library: preprocessing steps, models, metrics and evaluation splits.

pub mod op;
