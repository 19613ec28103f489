//! `mlg check FILE`: parse, resolve and type-check a workflow.

use mlg_compiler::workflow::Limits;
use std::path::PathBuf;

/// Arguments of `mlg check`.
#[derive(clap::Args)]
pub struct Args {
    file: PathBuf,
}

/// Checks the file against `limits` and prints `FILE: ok (N stages)`.
pub fn run(args: &Args, limits: Limits) -> mlg::Result<()> {
    let wf = mlg::Workflow::from_file_with(&args.file, limits)?;
    crate::outln!("{}: ok ({} stages)", args.file.display(), wf.checked.graph.len());
    Ok(())
}
