//! The `mlg` command line: check, explain, run, predict and bench workflows.

use clap::{Parser, Subcommand};
use mlg::error::Error;
use mlg::explain::StageName;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `print!` to stdout, except that a closed pipe (`mlg run ... | head`) ends
/// the program quietly instead of panicking, and another write error is
/// reported on stderr with exit code 1.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        let written = write!(stdout, $($arg)*).and_then(|()| stdout.flush());
        if let Err(e) = written {
            stdout_failed(&e);
        }
    }};
}

/// [`out!`] with a newline.
macro_rules! outln {
    ($($arg:tt)*) => {{
        out!($($arg)*);
        out!("\n");
    }};
}

/// Ends the program after a failed write to stdout.
fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("mlg: cannot write to stdout: {e}");
    std::process::exit(1);
}

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
    Check { file: PathBuf },
    /// Print the text form of a compiler stage (ir, optimized and clif train first).
    Explain {
        file: PathBuf,
        /// ast | graph | ir | optimized | clif
        #[arg(long, default_value = "graph")]
        stage: String,
        /// Only this model (ir, optimized, clif).
        #[arg(long)]
        model: Option<String>,
        /// List every pass: the IR after each pass that changed it, "unchanged" otherwise.
        #[arg(long)]
        passes: bool,
        /// Also run an opt-in compiler transform after the pipeline (repeatable):
        /// quantize-int8, prune-magnitude=FRACTION, prune-neurons=FRACTION.
        #[arg(long = "transform", value_name = "NAME[=AMOUNT]")]
        transforms: Vec<String>,
    },
    /// Train and evaluate the workflow, print results, write artifacts.
    Run {
        file: PathBuf,
        /// Also write the JSON report here.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Also write the self-contained HTML evaluation page here.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Skip permutation importance (5 shuffles per raw column and split).
        #[arg(long)]
        no_importance: bool,
        /// No progress bars and no table.
        #[arg(long)]
        quiet: bool,
        /// Resume searches: take the trials their logs hold instead of training them again.
        #[arg(long)]
        resume: bool,
        /// Folder of the searches' JSON-lines trial logs (NAME.trials.jsonl);
        /// default: out/FILE_STEM/ beside the workflow file.
        #[arg(long, value_name = "DIR")]
        trials_dir: Option<PathBuf>,
    },
    /// Predict rows of a CSV or JSON-lines file with a deployed artifact, streaming.
    Predict {
        artifact: PathBuf,
        /// Rows to predict: .csv (with a header) or .jsonl (one object per line).
        #[arg(long)]
        input: PathBuf,
        /// Write predictions here (.csv or .jsonl) instead of stdout (CSV).
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
    },
    /// Compare new rows with an artifact's training profile: PSI and KS per feature.
    Monitor {
        artifact: PathBuf,
        /// The new rows: .csv or .jsonl.
        #[arg(long)]
        input: PathBuf,
        /// Also write the self-contained HTML drift report here.
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// Measure interpreter vs Cranelift throughput, latency and compile time.
    Bench {
        artifact: PathBuf,
        /// Rows to run (a CSV or JSON-lines file with the artifact's input columns; rows past
        /// the --rows cap are not read).
        #[arg(long, required_unless_present = "rows", conflicts_with = "rows")]
        input: Option<PathBuf>,
        /// Instead of --input, generate this many random rows (seeded) of the artifact's schema
        /// (at most 10,000,000, and 1 GiB of input and output values).
        #[arg(long)]
        rows: Option<usize>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Profile a CSV: per-column statistics, charts and correlations as one HTML page.
    Profile {
        data: PathBuf,
        /// Also chart this column's distribution.
        #[arg(long)]
        target: Option<String>,
        /// Write the self-contained HTML report here.
        #[arg(long)]
        html: PathBuf,
    },
    /// Serve an artifact over HTTP: /predict, /health, /model, /metrics (and /reload with a token).
    Serve {
        artifact: PathBuf,
        /// HOST:PORT to listen on (port 0 picks a free port).
        #[arg(long, default_value = mlg_serve::DEFAULT_ADDR)]
        addr: String,
        /// The largest request body accepted, in bytes (at most 1 GiB).
        #[arg(long, default_value_t = mlg_serve::DEFAULT_MAX_BODY)]
        max_body: usize,
        /// Worker threads of the async runtime, 1 to 1024 (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
        /// Connections served at once; more are answered 503 (lowered to fit
        /// the open-file limit).
        #[arg(long, default_value_t = mlg_serve::config::DEFAULT_MAX_CONNECTIONS)]
        max_connections: usize,
        /// Seconds a client has to send a request's head; also closes
        /// keep-alive connections idle that long.
        #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = mlg_serve::config::seconds)]
        header_timeout: std::time::Duration,
        /// Seconds a client has to send a request's body (and to start
        /// reading a response it stalls).
        #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = mlg_serve::config::seconds)]
        body_timeout: std::time::Duration,
        /// Seconds requests in flight get after SIGTERM or Ctrl-C before the
        /// connections left are dropped.
        #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = mlg_serve::config::seconds)]
        shutdown_timeout: std::time::Duration,
        /// Enable POST /reload, guarded by the bearer token in this file.
        #[arg(long, value_name = "PATH")]
        admin_token_file: Option<PathBuf>,
    },
}

/// `NAME` or `NAME=AMOUNT` of `--transform`.
fn parse_transform(text: &str) -> Result<(String, Option<f64>), Error> {
    match text.split_once('=') {
        None => Ok((text.to_string(), None)),
        Some((name, amount)) => amount
            .trim()
            .parse::<f64>()
            .map(|a| (name.trim().to_string(), Some(a)))
            .map_err(|_| Error::Usage(format!("--transform {text}: `{amount}` is not a number"))),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let limits = match cli.max_memory {
        Some(max_memory) => mlg_compiler::workflow::Limits { max_memory },
        None => mlg_compiler::workflow::Limits::default(),
    };
    match execute(cli.command, limits) {
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
        } => mlg::diagnostics::render(diagnostics, file, source_text, std::io::stderr().is_terminal()),
        other => format!("error: {other}\n"),
    }
}

fn execute(command: Command, limits: mlg_compiler::workflow::Limits) -> mlg::Result<()> {
    match command {
        Command::Check { file } => {
            let wf = mlg::Workflow::from_file_with(&file, limits)?;
            outln!("{}: ok ({} stages)", file.display(), wf.checked.graph.len());
        }
        Command::Explain {
            file,
            stage,
            model,
            passes,
            transforms,
        } => {
            let stage: StageName = stage.parse()?;
            let transforms = transforms
                .iter()
                .map(|t| parse_transform(t))
                .collect::<Result<Vec<_>, Error>>()?;
            let text = if stage == StageName::Ast {
                let source = read(&file)?;
                mlg::Workflow::parse_only(&file.display().to_string(), &source)?.to_string()
            } else {
                let wf = mlg::Workflow::from_file_with(&file, limits)?;
                mlg::explain::explain_with(&wf, stage, model.as_deref(), passes, &transforms)?
            };
            out!("{text}");
        }
        Command::Run {
            file,
            report,
            html,
            no_importance,
            quiet,
            resume,
            trials_dir,
        } => {
            let wf = mlg::Workflow::from_file_with(&file, limits)?;
            let trials_dir = trials_dir.unwrap_or_else(|| {
                let stem = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                file.parent().unwrap_or(Path::new("")).join("out").join(stem)
            });
            let options = mlg::RunOptions {
                progress: !quiet,
                permutation_repeats: if no_importance {
                    0
                } else {
                    mlg::executor::PERMUTATION_REPEATS
                },
                trial_log_dir: Some(trials_dir),
                resume,
            };
            let out = mlg::executor::run(&wf, &options)?;
            if let Some(path) = &report {
                let json = mlg::report::Report::new(&wf.file, &out).to_json();
                mlg::files::write_atomic(path, format!("{json}\n").as_bytes())?;
            }
            if let Some(path) = &html {
                mlg::report_html::write(path, &wf.file, &out)?;
            }
            if !quiet {
                out!("{}", mlg::report::selections(&out.selections));
                out!("{}", mlg::report::searches(&out.searches));
                if !out.evaluations.is_empty() {
                    out!("{}", mlg::report::table(&out.evaluations));
                }
                for path in out.profiles.iter().chain(&out.artifacts).chain(&html) {
                    outln!("wrote {}", path.display());
                }
            }
        }
        Command::Predict {
            artifact,
            input,
            output,
            proba,
            on_invalid,
        } => {
            let model = mlg_runtime::Model::load(&artifact)?;
            let options = mlg::predict::PredictOptions {
                proba,
                progress: true,
                on_invalid: on_invalid.parse().map_err(Error::Usage)?,
                ..mlg::predict::PredictOptions::default()
            };
            let done = mlg::predict::predict_file(&model, &input, output.as_deref(), &options)?;
            if let Some(note) = done.note(&input) {
                eprintln!("{note}");
            }
        }
        Command::Monitor {
            artifact,
            input,
            html,
        } => {
            let monitoring = mlg::monitor::monitor(&artifact, &input)?;
            out!("{}", mlg::monitor::table(&monitoring));
            if let Some(path) = &html {
                mlg::monitor::write_html(path, &monitoring)?;
                outln!("wrote {}", path.display());
            }
        }
        Command::Bench {
            artifact,
            input,
            rows,
            json,
        } => {
            let model = mlg_runtime::Model::load(&artifact)?;
            let (encoded, n_rows, note) = mlg::bench::bench_rows(&model, input.as_deref(), rows)?;
            if let Some(note) = note {
                eprintln!("note: {note}");
            }
            if n_rows == 0 {
                return Err(Error::Usage("there are no rows to benchmark".into()));
            }
            let report = mlg::bench::bench(&model.artifact().graph, &encoded, n_rows)?;
            if json {
                outln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
            } else {
                out!("{report}");
            }
        }
        Command::Profile { data, target, html } => {
            let profile = mlg::profile::run(&data, target.as_deref(), &html)?;
            outln!(
                "wrote {} ({} rows, {} columns)",
                html.display(),
                profile.n_rows,
                profile.columns.len()
            );
        }
        Command::Serve {
            artifact,
            addr,
            max_body,
            workers,
            max_connections,
            header_timeout,
            body_timeout,
            shutdown_timeout,
            admin_token_file,
        } => serve(mlg_serve::Config {
            artifact,
            addr,
            max_body,
            workers,
            max_connections,
            header_timeout,
            body_timeout,
            shutdown_timeout,
            admin_token_file,
        })?,
    }
    Ok(())
}

/// `mlg serve`: loads the artifact, binds, prints `listening on http://ADDR`, and
/// serves until SIGTERM or Ctrl-C.
fn serve(config: mlg_serve::Config) -> mlg::Result<()> {
    let failed = |e: mlg_serve::ServeError| Error::Usage(e.to_string());
    let server = mlg_serve::Server::bind(&config).map_err(failed)?;
    server
        .run(|addr| {
            println!("listening on http://{addr}");
            let _ = std::io::Write::flush(&mut std::io::stdout());
        })
        .map_err(failed)
}

fn read(path: &Path) -> mlg::Result<String> {
    mlg::workflow::read_mlg(path)
}
