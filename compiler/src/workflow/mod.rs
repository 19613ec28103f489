//! The workflow graph: statements of a `.mlg` file as stages, references as edges,
//! and the checker that builds it.
//!
//! Everything here except [`catalog`] needs the DSL and sits behind the default
//! `workflow` feature; [`catalog`] (operator specs, column kinds, schemas) is
//! always built, because the runtime reads artifacts and data with its types.

#[cfg(feature = "workflow")]
pub mod args;
#[cfg(feature = "workflow")]
pub mod budget;
pub mod catalog;
#[cfg(feature = "workflow")]
pub mod check;
#[cfg(feature = "workflow")]
mod check_budget;
#[cfg(feature = "workflow")]
mod check_compress;
#[cfg(feature = "workflow")]
mod check_data;
#[cfg(feature = "workflow")]
pub mod check_distill;
#[cfg(feature = "workflow")]
mod check_ensemble;
#[cfg(feature = "workflow")]
mod check_independent;
#[cfg(feature = "workflow")]
mod check_monitor;
#[cfg(feature = "workflow")]
mod check_outputs;
#[cfg(feature = "workflow")]
mod check_search;
#[cfg(feature = "workflow")]
mod check_select;
#[cfg(feature = "workflow")]
pub mod checkpoint_arg;
#[cfg(feature = "workflow")]
pub mod columns;
#[cfg(feature = "workflow")]
pub mod derive;
#[cfg(feature = "workflow")]
pub mod graph;
#[cfg(feature = "workflow")]
pub mod resolve;
#[cfg(feature = "workflow")]
mod search_options;
#[cfg(feature = "workflow")]
mod search_space;
#[cfg(feature = "workflow")]
pub mod stage;
#[cfg(feature = "workflow")]
pub mod text;
#[cfg(feature = "workflow")]
pub mod trial;

#[cfg(feature = "workflow")]
pub use budget::Limits;
#[cfg(feature = "workflow")]
pub use check::{check, check_with, Workflow};
#[cfg(feature = "workflow")]
pub use check_search::TUNE;
#[cfg(feature = "workflow")]
pub use check_select::SELECT;
#[cfg(feature = "workflow")]
pub use graph::{Graph, NodeId};
#[cfg(feature = "workflow")]
pub use search_options::MAX_TRIALS;
#[cfg(feature = "workflow")]
pub use stage::{Stage, StageKind};
