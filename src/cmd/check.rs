//! `mlg check FILE`: parse, resolve and type-check a workflow.

use mlg_compiler::workflow::Limits;
use std::path::PathBuf;

/// Arguments of `mlg check`.
#[derive(clap::Args)]
pub struct Args {
    file: PathBuf,
}

/// Checks the file against `limits`, prints its warnings on stderr and
/// `FILE: ok (N stages)` (with the count of warnings, if any).
pub fn run(args: &Args, limits: Limits) -> mlg::Result<()> {
    let wf = mlg::Workflow::from_file_with(&args.file, limits)?;
    crate::diagnostics::print_warnings(&wf);
    let warned = match wf.warnings.len() {
        0 => String::new(),
        1 => ", 1 warning".to_string(),
        n => format!(", {n} warnings"),
    };
    crate::outln!(
        "{}: ok ({} stages{warned})",
        args.file.display(),
        wf.checked.graph.len()
    );
    Ok(())
}
