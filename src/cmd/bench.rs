//! `mlg bench ARTIFACT`: interpreter against Cranelift on the artifact's
//! graph ([`crate::bench`]).

use mlg::error::Error;
use std::path::PathBuf;

/// Arguments of `mlg bench`.
#[derive(clap::Args)]
pub struct Args {
    artifact: PathBuf,
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
    let model = mlg_runtime::Model::load(&args.artifact)?;
    let (encoded, n_rows, note) = crate::bench::bench_rows(&model, args.input.as_deref(), args.rows)?;
    if let Some(note) = note {
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
