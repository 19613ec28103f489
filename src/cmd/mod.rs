//! One module per `mlg` command: its arguments (clap) and what it does.
//! Each `run` returns [`mlg::Result`]; `main` renders the error.

pub mod bench;
pub mod check;
pub mod explain;
pub mod export;
pub mod import;
pub mod models;
pub mod monitor;
pub mod predict;
pub mod profile;
pub mod run;
pub mod runs;
pub mod serve;
