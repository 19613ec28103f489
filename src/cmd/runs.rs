//! `mlg runs list|show|compare`: the runs the tracking database recorded
//! ([`mlg_tracking`]).

use mlg::error::Error;
use mlg_tracking::{Store, TrackingError};
use std::path::PathBuf;

/// Arguments of `mlg runs`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: RunsCommand,
    /// The tracking database (default: .mlg/runs.db in the current folder).
    #[arg(long, global = true, value_name = "PATH")]
    tracking: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
enum RunsCommand {
    /// Every run, newest first: ID, start (UTC), status, duration, workflow, best score.
    List,
    /// One run: its hashes, parameters, metrics (estimate and per split) and files.
    Show {
        /// The run's ID or a unique prefix of it.
        run: String,
    },
    /// Two runs' metric estimates with B − A, and the parameters that differ;
    /// also writes the comparison as an HTML page.
    Compare {
        /// Run A (ID or unique prefix).
        a: String,
        /// Run B (ID or unique prefix).
        b: String,
        /// Where to write the HTML page (default: compare-A-B.html beside the database).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
}

/// The database at `--tracking`, or `.mlg/runs.db` in the current folder;
/// a missing default database is an error that says how one is made.
pub(crate) fn open(tracking: Option<&PathBuf>) -> mlg::Result<Store> {
    let path = tracking
        .cloned()
        .unwrap_or_else(|| PathBuf::from(".mlg").join(mlg_tracking::DB_FILE));
    if !path.is_file() {
        return Err(Error::Usage(format!(
            "no tracking database at `{}`: `mlg run` creates one beside the workflow \
             (.mlg/runs.db); pass --tracking PATH to read another",
            path.display()
        )));
    }
    Store::open(&path).map_err(usage)
}

/// A tracking error as a usage error (what the CLI prints). Takes the
/// error by value to serve as `map_err(usage)`.
#[allow(clippy::needless_pass_by_value)]
pub(crate) fn usage(e: TrackingError) -> Error {
    Error::Usage(e.to_string())
}

/// Prints what the subcommand asks for.
pub fn run(args: &Args) -> mlg::Result<()> {
    let store = open(args.tracking.as_ref())?;
    match &args.command {
        RunsCommand::List => crate::out!("{}", mlg_tracking::text::list(&store.runs().map_err(usage)?)),
        RunsCommand::Show { run } => crate::out!("{}", mlg_tracking::text::show(&store, run).map_err(usage)?),
        RunsCommand::Compare { a, b, html } => {
            let comparison = store.compare(a, b).map_err(usage)?;
            crate::out!("{}", comparison.text());
            let path = html.clone().unwrap_or_else(|| {
                let dir = store.path().parent().map(PathBuf::from).unwrap_or_default();
                dir.join(format!(
                    "compare-{}-{}.html",
                    comparison.a.short_id(),
                    comparison.b.short_id()
                ))
            });
            mlg::files::write_atomic(&path, comparison.html().as_bytes())?;
            crate::outln!("wrote {}", path.display());
        }
    }
    Ok(())
}
