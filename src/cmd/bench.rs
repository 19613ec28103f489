//! `mlg bench ARTIFACT`: interpreter against Cranelift on the artifact's
//! graph ([`crate::bench`]); the artifact may be a registry address.

use mlg::error::Error;
use std::path::PathBuf;

/// Arguments of `mlg bench`.
#[derive(clap::Args)]
pub struct Args {
    /// The artifact file, or a registered version: models:/NAME@ALIAS,
    /// models:/NAME/VERSION or models:/NAME (the latest).
    artifact: PathBuf,
    /// The tracking database a models:/ address is looked up in (default:
    /// .mlg/runs.db in the current folder).
    #[arg(long, value_name = "PATH")]
    tracking: Option<PathBuf>,
    /// Rows to run (a CSV or JSON-lines file with the artifact's input columns; rows past
    /// the --rows cap are not read).
    #[arg(long, required_unless_present = "rows", conflicts_with = "rows")]
    input: Option<PathBuf>,
    /// Instead of --input, generate this many random rows (seeded) of the artifact's schema
    /// (at most 10,000,000, and 1 GiB of input and output values).
    #[arg(long)]
    rows: Option<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Measures and prints the table (or JSON); no rows is an error.
pub fn run(args: &Args) -> mlg::Result<()> {
    let path = crate::cmd::models::artifact_path(&args.artifact, args.tracking.as_ref())?;
    let model = mlg_runtime::Model::load(&path)?;
    let (encoded, n_rows, notes) = crate::bench::bench_rows(&model, args.input.as_deref(), args.rows)?;
    for note in notes {
        eprintln!("note: {note}");
    }
    if n_rows == 0 {
        return Err(Error::Usage("there are no rows to benchmark".into()));
    }
    let report = crate::bench::bench(&model.artifact().graph, &encoded, n_rows)?;
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        crate::out!("{report}");
    }
    Ok(())
}
