//! A small prediction service embedding `mlg-runtime`: it loads one artifact
//! and answers JSON-lines requests from stdin on a pool of worker threads that
//! share one `Arc<Model>`, writing one response line per request, in request
//! order, to stdout (protocol in [`protocol`]).
//!
//! ```sh
//! cargo run --release -p mlg-embed-example -- examples/out/iris.mlgc [--workers N]
//! ```
//!
//! It depends on `mlg-runtime` (without its `parquet` feature) and `serde_json`
//! only: no DSL, trainer or HTTP stack.

mod protocol;

use mlg_runtime::Model;
use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;

const USAGE: &str = "usage: mlg-embed-example ARTIFACT [--workers N]

Reads one JSON request per line from stdin, {\"rows\": [{\"column\": value, ...}]},
and writes one JSON response per line to stdout, in the same order.";

/// Command-line options.
struct Options {
    artifact: String,
    workers: usize,
}

/// Parses the arguments after the program name.
fn options(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut artifact = None;
    let mut workers = thread::available_parallelism().map_or(2, |n| n.get());
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Err(String::new()),
            "--workers" => {
                let value = args.next().ok_or("--workers needs a number")?;
                workers = match value.parse::<usize>() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(format!("--workers needs a positive number, got `{value}`")),
                };
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            path if artifact.is_none() => artifact = Some(path.to_string()),
            extra => return Err(format!("unexpected argument `{extra}`")),
        }
    }
    let artifact = artifact.ok_or("missing ARTIFACT")?;
    Ok(Options { artifact, workers })
}

fn main() -> ExitCode {
    let options = match options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    let model = match Model::load(&options.artifact) {
        Ok(model) => Arc::new(model),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "loaded `{}` ({}, {} inputs) in {:.1} ms; {} workers",
        model.name(),
        model.task(),
        model.inputs().len(),
        started.elapsed().as_secs_f64() * 1e3,
        options.workers
    );
    match serve(
        &model,
        options.workers,
        std::io::stdin().lock(),
        std::io::stdout(),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Answers every request line of `input` on `workers` threads and writes the
/// responses to `output` in input order. Blank lines are skipped.
fn serve(
    model: &Arc<Model>,
    workers: usize,
    input: impl BufRead,
    output: impl Write + Send + 'static,
) -> std::io::Result<()> {
    // Bounded, so a fast reader cannot queue the whole input in memory.
    let (jobs, queue) = mpsc::sync_channel::<(u64, String)>(workers * 4);
    let queue = Arc::new(Mutex::new(queue));
    let (results, answers) = mpsc::channel::<(u64, String)>();
    let pool: Vec<_> = (0..workers)
        .map(|_| {
            let (model, queue, results) = (Arc::clone(model), Arc::clone(&queue), results.clone());
            thread::spawn(move || worker(&model, &queue, &results))
        })
        .collect();
    drop(results);
    let writer = thread::spawn(move || write_in_order(&answers, output));

    let mut read = Ok(());
    let mut seq = 0u64;
    for line in input.lines() {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                read = Err(e);
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        if jobs.send((seq, line)).is_err() {
            break; // every worker is gone: the writer failed
        }
        seq += 1;
    }
    drop(jobs);
    for handle in pool {
        let _ = handle.join();
    }
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("the writer thread panicked")));
    read.and(written)
}

/// Takes request lines off the shared queue until it closes.
fn worker(model: &Model, queue: &Mutex<Receiver<(u64, String)>>, results: &mpsc::Sender<(u64, String)>) {
    loop {
        // A poisoned lock only means another worker panicked; the queue is fine.
        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok((seq, line)) = job else { return };
        if results.send((seq, protocol::answer(model, &line))).is_err() {
            return;
        }
    }
}

/// Writes answers in sequence order: an answer waits until every earlier one
/// has been written. Flushes whenever it has caught up, so an interactive client
/// sees each answer at once.
fn write_in_order(answers: &Receiver<(u64, String)>, output: impl Write) -> std::io::Result<()> {
    let mut out = BufWriter::new(output);
    let mut pending = BTreeMap::new();
    let mut next = 0u64;
    for (seq, answer) in answers.iter() {
        pending.insert(seq, answer);
        while let Some(answer) = pending.remove(&next) {
            writeln!(out, "{answer}")?;
            next += 1;
        }
        if pending.is_empty() {
            out.flush()?;
        }
    }
    out.flush()
}
