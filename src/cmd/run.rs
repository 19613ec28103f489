//! `mlg run FILE`: train, evaluate, search and deploy; print the tables and
//! write the reports asked for.

use crate::cmd::runs::usage;
use mlg_compiler::workflow::Limits;
use std::path::{Path, PathBuf};

/// Arguments of `mlg run`.
#[derive(clap::Args)]
pub struct Args {
    file: PathBuf,
    /// Also write the JSON report here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Also write the self-contained HTML evaluation page here.
    #[arg(long)]
    html: Option<PathBuf>,
    /// Also write every evaluated model's out-of-fold predictions here (CSV:
    /// statement, model, split, row, truth, prediction, proba_<label>...).
    #[arg(long, value_name = "FILE")]
    oof: Option<PathBuf>,
    /// Skip permutation importance (5 shuffles per raw column and split).
    #[arg(long)]
    no_importance: bool,
    /// No progress bars and no table.
    #[arg(long)]
    quiet: bool,
    /// Resume: searches take the trials their logs hold instead of training them
    /// again, and deployed boosting fits continue from their checkpoints
    /// (out/FILE_STEM/checkpoints/).
    #[arg(long)]
    resume: bool,
    /// Folder of the searches' JSON-lines trial logs (NAME.trials.jsonl);
    /// default: out/FILE_STEM/ beside the workflow file.
    #[arg(long, value_name = "DIR")]
    trials_dir: Option<PathBuf>,
    /// The tracking database that records the run (default: .mlg/runs.db
    /// beside the workflow file).
    #[arg(long, value_name = "PATH")]
    tracking: Option<PathBuf>,
    /// Record nothing in a tracking database.
    #[arg(long, conflicts_with = "tracking")]
    no_tracking: bool,
}

/// Runs the workflow with progress bars (unless `--quiet`), writes the
/// reports, prints the selections, searches, evaluations and what was
/// written, and records the run in the tracking database (unless
/// `--no-tracking`): `running` before training, then `finished` with its
/// results or `failed` with its error.
pub fn run(args: &Args, limits: Limits) -> mlg::Result<()> {
    let wf = mlg::Workflow::from_file_with(&args.file, limits)?;
    if !args.quiet {
        crate::diagnostics::print_warnings(&wf);
    }
    let trials_dir = args.trials_dir.clone().unwrap_or_else(|| {
        let stem = args
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        args.file.parent().unwrap_or(Path::new("")).join("out").join(stem)
    });
    // In a distributed job (mpirun) every rank trains; only rank 0 shows
    // progress, prints, writes and records.
    let rank = mlg_runtime::collective::current().rank();
    let quiet = args.quiet || rank != 0;
    let tracker = if args.no_tracking || rank != 0 {
        None
    } else {
        let path = args
            .tracking
            .clone()
            .unwrap_or_else(|| mlg_tracking::default_path(&args.file));
        let command: Vec<String> = std::env::args().collect();
        Some(mlg_tracking::Tracker::start(&path, &wf, &command.join(" ")).map_err(usage)?)
    };
    let result = train_and_write(args, &wf, &trials_dir, quiet);
    let Some(tracker) = tracker else {
        return result.map(drop);
    };
    let out = match result {
        Ok(out) => out,
        Err(e) => {
            if let Err(not_recorded) = tracker.fail(&e.to_string()) {
                eprintln!("warning: the failure was not recorded: {not_recorded}");
            }
            return Err(e);
        }
    };
    let mut files: Vec<(&str, PathBuf)> = out.artifacts.iter().map(|p| ("deploy", p.clone())).collect();
    files.extend(out.profiles.iter().map(|p| ("profile", p.clone())));
    files.extend(args.report.iter().map(|p| ("report", p.clone())));
    files.extend(args.html.iter().map(|p| ("html", p.clone())));
    files.extend(args.oof.iter().map(|p| ("oof", p.clone())));
    files.extend(
        out.searches
            .iter()
            .map(|s| ("trials", trials_dir.join(format!("{}.trials.jsonl", s.name)))),
    );
    let id = tracker.id().to_string();
    let db = tracker.store().path().to_path_buf();
    // The work is done and written: a record that fails is a warning (the
    // run then reads `interrupted`), not a failed run.
    let versions = match tracker.finish(&wf, &out, &files) {
        Ok(versions) => versions,
        Err(e) => {
            eprintln!("warning: the run was not recorded: {e}");
            return Ok(());
        }
    };
    if !quiet {
        crate::outln!("recorded run {} in {}", &id[..8], db.display());
        for v in versions {
            crate::outln!("registered models:/{}/{}", v.name, v.version);
        }
    }
    Ok(())
}

/// Trains, writes the reports asked for and prints the tables.
fn train_and_write(
    args: &Args,
    wf: &mlg::Workflow,
    trials_dir: &Path,
    quiet: bool,
) -> mlg::Result<mlg::RunOutput> {
    let options = mlg::RunOptions {
        permutation_repeats: if args.no_importance {
            0
        } else {
            mlg::executor::PERMUTATION_REPEATS
        },
        checkpoint_dir: Some(trials_dir.join("checkpoints")),
        trial_log_dir: Some(trials_dir.to_path_buf()),
        resume: args.resume,
    };
    let rank = mlg_runtime::collective::current().rank();
    let observer = crate::progress::Progress::new(!quiet);
    let out = mlg::executor::run_with(wf, &options, &observer)?;
    if rank != 0 {
        return Ok(out);
    }
    if let Some(path) = &args.report {
        let json = mlg_report::Report::new(&wf.file, &out).to_json();
        mlg::files::write_atomic(path, format!("{json}\n").as_bytes())?;
    }
    if let Some(path) = &args.html {
        mlg_report::html::write(path, &wf.file, &out)?;
    }
    if let Some(path) = &args.oof {
        mlg::files::write_atomic(path, &mlg_report::oof::oof_csv(&out.evaluations))?;
    }
    if !quiet {
        if let Some(how) = &out.distributed {
            crate::outln!("{how}");
        }
        crate::out!("{}", mlg_report::report::selections(&out.selections));
        crate::out!("{}", mlg_report::report::searches(&out.searches));
        if !out.evaluations.is_empty() {
            crate::out!("{}", mlg_report::report::table(&out.evaluations));
        }
        for path in out
            .profiles
            .iter()
            .chain(&out.artifacts)
            .chain(&args.html)
            .chain(&args.oof)
        {
            crate::outln!("wrote {}", path.display());
        }
        let did_nothing = out.selections.is_empty()
            && out.searches.is_empty()
            && out.evaluations.is_empty()
            && out.profiles.is_empty()
            && out.artifacts.is_empty();
        if did_nothing {
            crate::outln!(
                "nothing to run: {} has no evaluate, select, search, profile or deploy \
                 statement, so no model was trained",
                args.file.display()
            );
        }
    }
    Ok(out)
}
