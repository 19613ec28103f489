//! `mlg bench`: throughput of the interpreter and of the Cranelift function on
//! the same rows, single-row latency, and compile time — all from one run.
//! The rows (random, or read from a file) are held in memory, so their count
//! is capped: at most [`MAX_ROWS`], and at most [`MAX_ROW_BYTES`] of input
//! and output values (4 bytes each).

use mlg::error::{Error, Result};
use mlg_compiler::backends::cranelift::{self, CompiledGraph};
use mlg_compiler::backends::interpreter::Interpreter;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{Graph, InputSlot, SlotKind};
use mlg_compiler::workflow::budget::human_bytes;
use mlg_stdlib::eval::rng::SplitMix64;
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

/// Figures from one benchmark run.
#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    /// Rows run per pass.
    pub rows: usize,
    /// Threads of the all-threads pass (rayon's pool).
    pub threads: usize,
    /// Interpreter throughput, one thread.
    pub interpreter_rows_per_s: f64,
    /// Compiled-function throughput, one thread.
    pub cranelift_1_thread_rows_per_s: f64,
    /// Compiled-function throughput, every thread.
    pub cranelift_all_threads_rows_per_s: f64,
    /// Cranelift (1 thread) over the interpreter.
    pub speedup_1_thread: f64,
    /// Median time of one row through the compiled function.
    pub latency_median_us: f64,
    /// 99th percentile of that time.
    pub latency_p99_us: f64,
    /// Time to compile the graph with Cranelift.
    pub compile_ms: f64,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = |x: f64| format!("{:.2} M rows/s", x / 1e6);
        writeln!(f, "rows                      {}", self.rows)?;
        writeln!(f, "interpreter               {}", m(self.interpreter_rows_per_s))?;
        writeln!(
            f,
            "cranelift, 1 thread       {}  ({:.1}x interpreter)",
            m(self.cranelift_1_thread_rows_per_s),
            self.speedup_1_thread
        )?;
        writeln!(
            f,
            "cranelift, {} threads{}    {}",
            self.threads,
            " ".repeat(3usize.saturating_sub(self.threads.to_string().len())),
            m(self.cranelift_all_threads_rows_per_s)
        )?;
        writeln!(
            f,
            "single-row latency        median {:.2} µs, p99 {:.2} µs",
            self.latency_median_us, self.latency_p99_us
        )?;
        writeln!(f, "compile time              {:.2} ms", self.compile_ms)
    }
}

/// The most rows `mlg bench` runs.
pub const MAX_ROWS: usize = 10_000_000;
/// The most bytes of input and output row values `mlg bench` holds: 1 GiB.
pub const MAX_ROW_BYTES: u64 = 1 << 30;

/// The most rows `mlg bench` runs through a model with `n_inputs` input and
/// `n_outputs` output values per row: [`MAX_ROWS`], fewer when their values
/// would pass [`MAX_ROW_BYTES`].
pub fn row_cap(n_inputs: usize, n_outputs: usize) -> usize {
    let per_row = 4 * (n_inputs as u64 + n_outputs as u64).max(1);
    MAX_ROWS.min(usize::try_from(MAX_ROW_BYTES / per_row).unwrap_or(usize::MAX))
}

/// The rows to benchmark `model` on, packed in its row ABI, their count, and
/// notes to show: the input's columns the model does not read (ignored, as
/// `mlg predict` does), and fewer rows used than the input holds. `rows`
/// seeded random rows (refused above [`row_cap`], the message giving the
/// memory they would need), or the first rows of the CSV or JSON-lines file
/// `input`, read in chunks and cut at [`row_cap`].
pub fn bench_rows(
    model: &mlg_runtime::Model,
    input: Option<&Path>,
    rows: Option<usize>,
) -> Result<(Vec<f32>, usize, Vec<String>)> {
    let (n_in, n_out) = (model.inputs().len(), model.n_outputs());
    let cap = row_cap(n_in, n_out);
    match (input, rows) {
        (_, Some(0)) => Err(Error::Usage(
            "--rows 0: there are no rows to benchmark (give at least 1)".into(),
        )),
        (_, Some(n)) if n > cap => {
            let bytes = n as u128 * 4 * (n_in as u128 + n_out as u128);
            Err(Error::Usage(format!(
                "--rows {n} is too many: {n} rows of {n_in} inputs and {n_out} outputs need {} \
                 of memory; mlg bench runs at most {cap} rows of this model (at most {MAX_ROWS} rows \
                 and {} of row values)",
                human_bytes(bytes),
                human_bytes(u128::from(MAX_ROW_BYTES))
            )))
        }
        (_, Some(n)) => Ok((random_rows(model.inputs(), n, 0), n, Vec::new())),
        (Some(path), None) => read_rows(model, path, cap),
        (None, None) => Err(Error::Usage("give --input or --rows".into())),
    }
}

/// Up to `cap` rows of the file at `path` in `model`'s row ABI, and the
/// notes of [`bench_rows`].
fn read_rows(model: &mlg_runtime::Model, path: &Path, cap: usize) -> Result<(Vec<f32>, usize, Vec<String>)> {
    use mlg_runtime::stream::{Format, RowChunks, DEFAULT_CHUNK_ROWS};
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let format = Format::from_path(path).unwrap_or(Format::Csv);
    let mut chunks = RowChunks::new(file, format, &name, model.inputs(), DEFAULT_CHUNK_ROWS.min(cap))?;
    let mut rows = Vec::new();
    let mut n_rows = 0;
    let ignored = |chunks: &RowChunks<std::fs::File>| {
        let extra = chunks.extra_columns();
        let names: Vec<String> = extra.iter().map(|c| format!("`{c}`")).collect();
        (!extra.is_empty()).then(|| {
            format!(
                "{name}: ignored {} column{} the model does not read: {}",
                extra.len(),
                if extra.len() == 1 { "" } else { "s" },
                names.join(", ")
            )
        })
    };
    while n_rows < cap {
        let Some(chunk) = chunks.next_chunk()? else {
            return Ok((rows, n_rows, ignored(&chunks).into_iter().collect()));
        };
        let take = chunk.n_rows.min(cap - n_rows);
        let chunk = if take < chunk.n_rows {
            chunk.take(&(0..take).collect::<Vec<_>>())
        } else {
            chunk
        };
        rows.extend(mlg_runtime::rows::encode_rows(&chunk, model.inputs())?);
        n_rows += take;
    }
    let more = chunks.next_chunk()?.is_some();
    let note = more.then(|| {
        format!("benchmarking the first {cap} rows of {name} (the most mlg bench holds for this model)")
    });
    Ok((rows, n_rows, ignored(&chunks).into_iter().chain(note).collect()))
}

/// `n_rows` seeded random rows in the row ABI of `slots`: standard-normal numbers
/// (scaled by the slot index so columns differ), uniform codes for categoricals,
/// uniform hours of 2000-2029 for dates.
pub fn random_rows(slots: &[InputSlot], n_rows: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    let mut rows = Vec::with_capacity(n_rows * slots.len());
    for _ in 0..n_rows {
        for (j, slot) in slots.iter().enumerate() {
            rows.push(match &slot.kind {
                SlotKind::Numeric => {
                    let (u, v) = (rng.next_f64().max(1e-12), rng.next_f64());
                    let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
                    (z * (1.0 + j as f64)) as f32
                }
                SlotKind::Categorical { levels } => rng.below(levels.len().max(1) as u64) as f32,
                // An hour of 2000-2029 (2000-01-01 is hour 262,968).
                SlotKind::Date => (262_968 + rng.below(263_000)) as f32,
            });
        }
    }
    rows
}

/// Best rows/s of `f` over repeated runs lasting at least `budget` in total.
fn throughput(rows: usize, budget: Duration, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut best = Duration::MAX;
    let started = Instant::now();
    let mut runs = 0;
    while runs < 3 || started.elapsed() < budget {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed());
        runs += 1;
    }
    Ok(rows as f64 / best.as_secs_f64().max(1e-12))
}

/// Benchmarks `graph` on `input` (`n_rows` rows packed with stride = inputs).
pub fn bench(graph: &Graph, input: &[f32], n_rows: usize) -> Result<BenchReport> {
    let stride = graph.n_inputs();
    let n_out = graph.n_outputs();
    let mut compile_times = Vec::new();
    let mut compiled: Option<CompiledGraph> = None;
    for _ in 0..5 {
        let exe = cranelift::compile(graph).map_err(|source| mlg::Error::Codegen {
            model: graph.name.clone(),
            source,
        })?;
        compile_times.push(exe.compile_time());
        compiled = Some(exe);
    }
    compile_times.sort();
    let exe = compiled.ok_or_else(|| mlg::Error::Usage("compilation produced nothing".into()))?;
    let interp =
        Interpreter::new(graph.clone()).map_err(|e| mlg::Error::Usage(format!("invalid graph: {e}")))?;
    let mut out = vec![0f32; n_rows * n_out];
    let budget = Duration::from_millis(700);
    let interpreter = throughput(
        n_rows,
        budget,
        || Ok(interp.run(input, n_rows, stride, &mut out)?),
    )?;
    let one = throughput(n_rows, budget, || {
        Ok(exe.run_parallel(input, n_rows, stride, &mut out, Some(1))?)
    })?;
    let all = throughput(n_rows, budget, || {
        Ok(exe.run_parallel(input, n_rows, stride, &mut out, None)?)
    })?;
    let mut latencies = Vec::with_capacity(20_000);
    let mut row_out = vec![0f32; n_out];
    for i in 0..20_000 {
        let row = (i % n_rows.max(1)) * stride;
        let t = Instant::now();
        exe.run(&input[row..row + stride], 1, stride, &mut row_out)?;
        latencies.push(t.elapsed());
    }
    latencies.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    Ok(BenchReport {
        rows: n_rows,
        threads: rayon::current_num_threads(),
        interpreter_rows_per_s: interpreter,
        cranelift_1_thread_rows_per_s: one,
        cranelift_all_threads_rows_per_s: all,
        speedup_1_thread: one / interpreter,
        latency_median_us: us(latencies[latencies.len() / 2]),
        latency_p99_us: us(latencies[latencies.len() * 99 / 100]),
        compile_ms: compile_times[compile_times.len() / 2].as_secs_f64() * 1e3,
    })
}
