//! Times `mlg_runtime::parquet::read_table` on one file (CSV, or Parquet by
//! its extension): file → typed columns in memory, the scope pandas' and
//! polars' `read_csv` / `read_parquet` have. Prints
//! one JSON object (median, min and max of the runs, MB/s from the median).
//! Threads: `RAYON_NUM_THREADS` (default: every core).
//!
//! `cargo run --release -p mlg-runtime --example ingest -- FILE [RUNS]`

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: ingest FILE [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut seconds = Vec::with_capacity(runs);
    let mut shape = (0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        match mlg_runtime::parquet::read_table(std::path::Path::new(path)) {
            Ok(frame) => shape = (frame.n_rows, frame.columns.len()),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
        seconds.push(start.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    println!(
        "{{\"tool\": \"mlg\", \"file\": {path:?}, \"bytes\": {bytes}, \"rows\": {}, \"columns\": {}, \"threads\": {}, \
         \"runs\": {runs}, \"median_s\": {median:.6}, \"min_s\": {:.6}, \"max_s\": {:.6}, \"mb_per_s\": {:.1}}}",
        shape.0,
        shape.1,
        rayon::current_num_threads(),
        seconds[0],
        seconds[seconds.len() - 1],
        bytes as f64 / 1e6 / median,
    );
}
