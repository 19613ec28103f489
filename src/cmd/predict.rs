//! `mlg predict ARTIFACT --input FILE`: stream rows through a deployed model
//! ([`crate::predict`]).

use mlg::error::Error;
use std::path::PathBuf;

/// Arguments of `mlg predict`.
#[derive(clap::Args)]
pub struct Args {
    /// The artifact file, or a registered version: models:/NAME@ALIAS,
    /// models:/NAME/VERSION or models:/NAME (the latest).
    artifact: PathBuf,
    /// The tracking database a models:/ address is looked up in (default:
    /// .mlg/runs.db in the current folder).
    #[arg(long, value_name = "PATH")]
    tracking: Option<PathBuf>,
    /// Rows to predict: .csv (with a header), .jsonl (one object per line) or
    /// .parquet / .pq (read row group by row group).
    #[arg(long)]
    input: PathBuf,
    /// Write predictions here instead of stdout (CSV): .csv, .jsonl, or
    /// .parquet / .pq (Snappy-compressed; nulls where CSV is empty).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Also write one proba_<label> column per class (classifiers only).
    #[arg(long)]
    proba: bool,
    /// Rows the model cannot predict (a missing value it has no imputation
    /// for): error (fail naming them), skip (drop them) or null (write an
    /// empty prediction); skip and null list them on stderr.
    #[arg(long, default_value = "error", value_parser = ["error", "skip", "null"])]
    on_invalid: String,
    /// Refuse an input with columns the model does not read (by default they
    /// are ignored and named on stderr).
    #[arg(long)]
    strict_columns: bool,
    /// Write this input column first in the output, as read, to join each
    /// prediction back to its row (it need not be a model input).
    #[arg(long, value_name = "COLUMN")]
    id: Option<String>,
}

/// Loads the artifact and predicts every input row; notes ignored columns
/// and skipped or null rows on stderr.
pub fn run(args: &Args) -> mlg::Result<()> {
    let path = crate::cmd::models::artifact_path(&args.artifact, args.tracking.as_ref())?;
    let artifact = mlg_runtime::artifact::read(&path)?;
    let options = crate::predict::PredictOptions {
        proba: args.proba,
        progress: true,
        on_invalid: args.on_invalid.parse().map_err(Error::Usage)?,
        strict_columns: args.strict_columns,
        id: args.id.clone(),
        ..crate::predict::PredictOptions::default()
    };
    let done = crate::predict::predict_artifact(artifact, &args.input, args.output.as_deref(), &options)?;
    if let Some(note) = done.note(&args.input) {
        eprintln!("{note}");
    }
    Ok(())
}
