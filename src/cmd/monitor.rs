//! `mlg monitor ARTIFACT --input FILE [--labels LABELS]`: PSI and KS of new
//! rows against the artifact's training profile ([`mlg_report::monitor`])
//! and, with labels, their quality ([`mlg_report::quality`]); the artifact
//! may be a registry address, and input columns the model does not read are
//! named on stderr. An alert exits with status 1 (after the table) unless
//! `--no-fail`, so the command can gate a CI job.

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
    /// The input rows' true labels, in order: a CSV whose column named as
    /// the model's target (or whose only column) holds them.
    #[arg(long, value_name = "CSV")]
    labels: Option<PathBuf>,
    /// Exit with status 1 when a drift or quality alert fires (the default).
    #[arg(long, overrides_with = "no_fail")]
    fail_on_alert: bool,
    /// Exit with status 0 even when an alert fires.
    #[arg(long, overrides_with = "fail_on_alert")]
    no_fail: bool,
}

/// Prints the drift table and writes the page when asked.
pub fn run(args: &Args) -> mlg::Result<()> {
    let path = crate::cmd::models::artifact_path(&args.artifact, args.tracking.as_ref())?;
    let monitoring = mlg_report::monitor::monitor_labelled(&path, &args.input, args.labels.as_deref())?;
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
    if let Some(quality) = &monitoring.quality {
        crate::out!("\n{}", mlg_report::quality::table(quality));
    }
    if let Some(path) = &args.html {
        mlg_report::monitor::write_html(path, &monitoring)?;
        crate::outln!("wrote {}", path.display());
    }
    let alerts: Vec<&str> = [
        (monitoring.alert(), "drift"),
        (monitoring.quality_alert(), "quality"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    if alerts.is_empty() || args.no_fail {
        return Ok(());
    }
    Err(mlg::error::Error::Alert(format!(
        "{} alert on {} (pass --no-fail to exit 0 on alerts)",
        alerts.join(" and "),
        args.input.display()
    )))
}
