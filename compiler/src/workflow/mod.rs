//! The workflow graph: statements of a `.mlg` file as stages, references as edges,
//! and the checker that builds it.

pub mod args;
pub mod catalog;
pub mod check;
mod check_compress;
mod check_data;
mod check_ensemble;
mod check_outputs;
mod check_search;
mod check_select;
pub mod columns;
pub mod derive;
pub mod graph;
pub mod resolve;
mod search_options;
mod search_space;
pub mod stage;
pub mod text;
pub mod trial;

pub use check::{check, Workflow};
pub use check_search::TUNE;
pub use check_select::SELECT;
pub use graph::{Graph, NodeId};
pub use search_options::MAX_TRIALS;
pub use stage::{Stage, StageKind};
