//! The `mlg` command line: check, explain, run, predict, monitor, bench,
//! profile and serve workflows. Each command is a module of `mlg_cli::cmd`.

use clap::{Parser, Subcommand};
use mlg::error::Error;
use mlg_cli::cmd;
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mlg",
    version,
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
    /// Serve an artifact over HTTP: /predict, /health, /model, /metrics (and /reload with a token).
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let limits = match cli.max_memory {
        Some(max_memory) => mlg_compiler::workflow::Limits { max_memory },
        None => mlg_compiler::workflow::Limits::default(),
    };
    let done = match cli.command {
        Command::Check(args) => cmd::check::run(&args, limits),
        Command::Explain(args) => cmd::explain::run(&args, limits),
        Command::Run(args) => cmd::run::run(args, limits),
        Command::Predict(args) => cmd::predict::run(&args),
        Command::Monitor(args) => cmd::monitor::run(&args),
        Command::Bench(args) => cmd::bench::run(&args),
        Command::Profile(args) => cmd::profile::run(&args),
        Command::Serve(args) => cmd::serve::run(args),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprint!("{}", render_error(&e));
            ExitCode::FAILURE
        }
    }
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
