//! mlg compiler: workflow graph and checker, inference IR, optimizer passes, backends.
//!
//! The default `workflow` feature builds the `.mlg` checker (and pulls in the
//! DSL); without it the crate holds only what running a fitted graph needs: the
//! IR, the passes, the backends and the column types of `workflow::catalog`.

pub mod backends;
pub mod dates;
pub mod ir;
pub mod passes;
pub mod workflow;
