//! `mlg monitor ARTIFACT --input FILE`: PSI and KS of new rows against the
//! artifact's training profile ([`mlg_report::monitor`]); the artifact may
//! be a registry address, and input columns the model does not read are
//! named on stderr.

use std::path::PathBuf;

/// Arguments of `mlg monitor`.
#[derive(clap::Args)]
pub struct Args {
    /// The artifact file, or a registered version: models:/NAME@ALIAS,
    /// models:/NAME/VERSION or models:/NAME (the latest).
    artifact: PathBuf,
    /// The tracking database a models:/ address is looked up in (default:
    /// .mlg/runs.db in the current folder).
    #[arg(long, value_name = "PATH")]
    tracking: Option<PathBuf>,
    /// The new rows: .csv or .jsonl.
    #[arg(long)]
    input: PathBuf,
    /// Also write the self-contained HTML drift report here.
    #[arg(long)]
    html: Option<PathBuf>,
}

/// Prints the drift table and writes the page when asked.
pub fn run(args: &Args) -> mlg::Result<()> {
    let path = crate::cmd::models::artifact_path(&args.artifact, args.tracking.as_ref())?;
    let monitoring = mlg_report::monitor::monitor(&path, &args.input)?;
    if !monitoring.ignored_columns.is_empty() {
        let names: Vec<String> = monitoring
            .ignored_columns
            .iter()
            .map(|c| format!("`{c}`"))
            .collect();
        eprintln!(
            "note: {}: ignored {} column{} the model does not read: {}",
            args.input.display(),
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            names.join(", ")
        );
    }
    crate::out!("{}", mlg_report::monitor::table(&monitoring));
    if let Some(path) = &args.html {
        mlg_report::monitor::write_html(path, &monitoring)?;
        crate::outln!("wrote {}", path.display());
    }
    Ok(())
}
