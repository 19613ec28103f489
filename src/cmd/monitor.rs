//! `mlg monitor ARTIFACT --input FILE`: PSI and KS of new rows against the
//! artifact's training profile ([`mlg_report::monitor`]).

use std::path::PathBuf;

/// Arguments of `mlg monitor`.
#[derive(clap::Args)]
pub struct Args {
    artifact: PathBuf,
    /// The new rows: .csv or .jsonl.
    #[arg(long)]
    input: PathBuf,
    /// Also write the self-contained HTML drift report here.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// Prints the drift table and writes the page when asked.
pub fn run(args: &Args) -> mlg::Result<()> {
    let monitoring = mlg_report::monitor::monitor(&args.artifact, &args.input)?;
    crate::out!("{}", mlg_report::monitor::table(&monitoring));
    if let Some(path) = &args.html {
        mlg_report::monitor::write_html(path, &monitoring)?;
        crate::outln!("wrote {}", path.display());
    }
    Ok(())
}
