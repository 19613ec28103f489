//! mlg compiler: workflow graph and checker, inference IR, optimizer passes, backends.

pub mod backends;
pub mod ir;
pub mod passes;
pub mod workflow;
