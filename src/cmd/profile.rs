//! `mlg profile DATA --html PAGE`: the data profile page of a CSV file.

use std::path::PathBuf;

/// Arguments of `mlg profile`.
#[derive(clap::Args)]
pub struct Args {
    data: PathBuf,
    /// Also chart this column's distribution.
    #[arg(long)]
    target: Option<String>,
    /// Write the self-contained HTML report here.
    #[arg(long)]
    html: PathBuf,
}

/// Profiles the file, writes the page and says what it wrote.
pub fn run(args: &Args) -> mlg::Result<()> {
    let profile = mlg_report::profile::run(&args.data, args.target.as_deref(), &args.html)?;
    for alert in mlg_report::profile::alerts(&profile) {
        crate::outln!("{}: {}", alert.kind.name(), alert.message);
    }
    crate::outln!(
        "wrote {} ({} rows, {} columns)",
        args.html.display(),
        profile.n_rows,
        profile.columns.len()
    );
    Ok(())
}
