//! `mlg models list|promote`: the model registry of the tracking database
//! ([`mlg_tracking::registry`]).

use crate::cmd::runs::{open, usage};
use std::path::PathBuf;

/// Arguments of `mlg models`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ModelsCommand,
    /// The tracking database (default: .mlg/runs.db in the current folder).
    #[arg(long, global = true, value_name = "PATH")]
    tracking: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum ModelsCommand {
    /// Every registered version: name, version, aliases, run, date and stored path.
    List,
    /// Point an alias at a version; `mlg serve models:/NAME@ALIAS` then serves it.
    Promote {
        /// The model's name (its deployed file's stem).
        name: String,
        /// The version (1, 2, ...).
        version: i64,
        /// The alias to set or move.
        #[arg(long, default_value = "production")]
        alias: String,
    },
}

/// Prints the registry, or sets an alias.
pub fn run(args: &Args) -> mlg::Result<()> {
    let store = open(args.tracking.as_ref())?;
    match &args.command {
        ModelsCommand::List => crate::out!(
            "{}",
            mlg_tracking::text::models(&store, &store.models().map_err(usage)?)
        ),
        ModelsCommand::Promote { name, version, alias } => {
            store.promote(name, *version, alias).map_err(usage)?;
            crate::outln!("{name} version {version} is now models:/{name}@{alias}");
        }
    }
    Ok(())
}

/// `artifact` itself, or the stored copy a `models:/...` address names in
/// the database at `tracking` (default `.mlg/runs.db`).
pub fn artifact_path(artifact: &std::path::Path, tracking: Option<&PathBuf>) -> mlg::Result<PathBuf> {
    let text = artifact.to_string_lossy();
    if !text.starts_with(mlg_tracking::registry::SCHEME) {
        return Ok(artifact.to_path_buf());
    }
    let store = open(tracking)?;
    let version = store.resolve(&text).map_err(usage)?;
    Ok(store.stored(&version))
}
