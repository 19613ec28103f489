//! The `mlg` command line: check, explain, run, predict, monitor, bench,
//! profile and serve workflows. Each command is a module of `mlg_cli::cmd`.

use clap::{Parser, Subcommand};
use mlg::error::Error;
use mlg_cli::cmd;
use std::io::IsTerminal;
use std::process::ExitCode;

/// `mlg --version`: the package version, with ` (mpi)` when the build has
/// the `mpi` feature (distributed runs under `mpirun`/`srun`).
#[cfg(feature = "mpi")]
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (mpi)");
/// `mlg --version`: the package version (this build has no MPI).
#[cfg(not(feature = "mpi"))]
const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Parser)]
#[command(
    name = "mlg",
    version = VERSION,
    about = "Check, train, evaluate and compile whole ML workflows"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Largest estimated memory of one stage, checked before any work
    /// (e.g. 512M, 32G; default: half the machine's memory).
    #[arg(long, global = true, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u64>,
}

/// `SIZE` of `--max-memory`: bytes, or a number with K, M, G or T (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (number, unit) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => (&t[..i], t[i..].to_ascii_uppercase()),
        None => (t, String::new()),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 512M or 32G"))?;
    let shift = match unit.trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("`{text}`: the unit must be K, M, G or T")),
    };
    let bytes = value * (1u64 << shift) as f64;
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("`{text}` must be at least 1 byte and below 16 EiB"));
    }
    Ok(bytes as u64)
}

#[derive(Subcommand)]
enum Command {
    /// Parse, resolve and type-check a workflow; print diagnostics.
    Check(cmd::check::Args),
    /// Print the text form of a compiler stage (ir, optimized and clif train first).
    Explain(cmd::explain::Args),
    /// Train and evaluate the workflow, print results, write artifacts.
    Run(cmd::run::Args),
    /// Predict rows of a CSV or JSON-lines file with a deployed artifact, streaming.
    Predict(cmd::predict::Args),
    /// Compare new rows with an artifact's training profile: PSI and KS per feature.
    Monitor(cmd::monitor::Args),
    /// Measure interpreter vs Cranelift throughput, latency and compile time.
    Bench(cmd::bench::Args),
    /// Profile a CSV: per-column statistics, charts and correlations as one HTML page.
    Profile(cmd::profile::Args),
    /// Write an artifact's inference graph as a standard ONNX model.
    Export(cmd::export::Args),
    /// Import an ONNX model, a LightGBM text model or an XGBoost JSON model as an artifact.
    Import(cmd::import::Args),
    /// Serve an artifact over HTTP: /predict, /health, /model, /metrics (and /reload with a token).
    Serve(cmd::serve::Args),
    /// The runs `mlg run` recorded: list, show one, compare two.
    Runs(cmd::runs::Args),
    /// The model registry: list versions, promote one to an alias.
    Models(cmd::models::Args),
}

fn main() -> ExitCode {
    // Arguments first: `--help`, `--version` and usage errors end the process
    // before MPI is initialised (exiting after MPI_Init without MPI_Finalize
    // makes mpirun report the job as failed).
    let cli = Cli::parse();
    // Kept to the end of main: dropping it finalises MPI.
    #[cfg(feature = "mpi")]
    let _mpi = match start_mpi() {
        Ok(guard) => guard,
        Err(message) => {
            eprintln!("error: cannot start MPI: {message}");
            return ExitCode::FAILURE;
        }
    };
    let limits = match cli.max_memory {
        Some(max_memory) => mlg_compiler::workflow::Limits { max_memory },
        None => mlg_compiler::workflow::Limits::default(),
    };
    let done = match cli.command {
        Command::Check(args) => cmd::check::run(&args, limits),
        Command::Explain(args) => cmd::explain::run(&args, limits),
        Command::Run(args) => cmd::run::run(&args, limits),
        Command::Predict(args) => cmd::predict::run(&args),
        Command::Monitor(args) => cmd::monitor::run(&args),
        Command::Bench(args) => cmd::bench::run(&args),
        Command::Profile(args) => cmd::profile::run(&args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Import(args) => cmd::import::run(&args),
        Command::Export(args) => cmd::export::run(&args),
        Command::Runs(args) => cmd::runs::run(&args),
        Command::Models(args) => cmd::models::run(&args),
    };
    #[cfg(feature = "mpi")]
    if std::env::var_os("MLG_MPI_STATS").is_some() && mlg_runtime::collective::current().size() > 1 {
        let (calls, bytes) = mlg_cli::mpi::traffic();
        let rank = mlg_runtime::collective::current().rank();
        eprintln!("rank {rank}: {calls} collective calls, {bytes} bytes sent");
    }
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let collective = mlg_runtime::collective::current();
            if collective.size() <= 1 {
                eprint!("{}", render_error(&e));
                return ExitCode::FAILURE;
            }
            // The other ranks may wait in a collective for this one: say why
            // (ranks other than 0 tag every line) and end the whole job.
            let rank = collective.rank();
            // Errors every rank meets at the same point (the ranks agreed on
            // them, or they follow from the workflow file): rank 0 says it,
            // and every rank just exits.
            if matches!(e, Error::Distributed(_) | Error::Diagnostics { .. }) {
                if rank == 0 {
                    eprint!("{}", render_error(&e));
                }
                return ExitCode::FAILURE;
            }
            let text = render_error(&e);
            if rank == 0 {
                eprint!("{text}");
            } else {
                eprint!(
                    "{}",
                    text.lines()
                        .map(|line| format!("rank {rank}: {line}\n"))
                        .collect::<String>()
                );
            }
            collective.abort(1)
        }
    }
}

/// Under `mpirun`/`srun` with more than one rank, initialises MPI and
/// installs it as the process's collective; the guard finalises MPI when
/// dropped. `None` (and MPI untouched) otherwise.
#[cfg(feature = "mpi")]
fn start_mpi() -> Result<Option<mlg_cli::mpi::MpiGuard>, String> {
    if !mlg_cli::mpi::detected() {
        return Ok(None);
    }
    let (guard, mpi) = mlg_cli::mpi::Mpi::init()?;
    if !mlg_runtime::collective::install(std::sync::Arc::new(mpi)) {
        return Err("another collective was installed already".to_string());
    }
    Ok(Some(guard))
}

fn render_error(e: &Error) -> String {
    match e {
        Error::Diagnostics {
            file,
            source_text,
            diagnostics,
        } => mlg_cli::diagnostics::render(diagnostics, file, source_text, std::io::stderr().is_terminal()),
        other => format!("error: {other}\n"),
    }
}
