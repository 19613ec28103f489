//! The workflow graph: statements of a `.mlg` file as stages, references as edges.

pub mod catalog;
