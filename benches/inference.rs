//! Inference throughput of a standardize + logistic-regression workflow on
//! 200,000 generated rows × 20 numeric columns: the reference interpreter against
//! the Cranelift function on 1 thread and on all threads, measured in one run.
//!
//! `cargo bench --bench inference`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mlg_compiler::backends::cranelift;
use mlg_compiler::backends::interpreter::Interpreter;
use mlg_compiler::backends::Executable;
use mlg_stdlib::eval::rng::SplitMix64;
use std::fmt::Write;

const ROWS: usize = 200_000;
const COLS: usize = 20;

/// Writes the generated data and a workflow next to it; returns the workflow path.
fn generate(dir: &std::path::Path) -> std::path::PathBuf {
    let mut rng = SplitMix64::new(7);
    let mut gauss = move || {
        let (u, v) = (rng.next_f64().max(1e-12), rng.next_f64());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let weights: Vec<f64> = (0..COLS)
        .map(|j| if j % 3 == 0 { 0.0 } else { (j as f64 - 9.5) / 5.0 })
        .collect();
    let mut csv = String::with_capacity(ROWS * COLS * 10);
    let header: Vec<String> = (0..COLS).map(|j| format!("f{j}")).collect();
    let _ = writeln!(csv, "{},target", header.join(","));
    for _ in 0..ROWS {
        let mut margin = 0.0;
        for (j, w) in weights.iter().enumerate() {
            let z = gauss();
            margin += w * z;
            let _ = write!(csv, "{:.5},", 10.0 * j as f64 + (1.0 + j as f64) * z);
        }
        let _ = writeln!(csv, "{}", u8::from(margin + gauss() > 0.0));
    }
    std::fs::create_dir_all(dir).expect("bench folder");
    std::fs::write(dir.join("synth.csv"), csv).expect("write data");
    let mlg = "data synth = csv(\"synth.csv\", target = \"target\")\n\
               features prep = synth -> standardize(numeric)\n\
               model lr = logistic_regression(prep)\n";
    std::fs::write(dir.join("synth.mlg"), mlg).expect("write workflow");
    dir.join("synth.mlg")
}

fn inference(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("mlg-bench-{}", std::process::id()));
    let wf = mlg::Workflow::from_file(generate(&dir)).expect("workflow checks");
    let model = wf.compile("lr").expect("model trains and compiles");
    let graph = model.artifact().graph.clone();
    let frame = mlg_runtime::csv::read_csv(&dir.join("synth.csv")).expect("data loads");
    let rows = mlg_runtime::rows::encode_rows(&frame, model.inputs()).expect("rows encode");
    let interp = Interpreter::new(graph.clone()).expect("valid graph");
    let exe = cranelift::compile(&graph).expect("compiles");
    let mut out = vec![0f32; ROWS * graph.n_outputs()];

    let mut group = c.benchmark_group("standardize+logistic 200k x 20");
    group
        .throughput(Throughput::Elements(ROWS as u64))
        .sample_size(10);
    group.bench_function("interpreter", |b| {
        b.iter(|| interp.run(&rows, ROWS, COLS, &mut out).expect("runs"))
    });
    group.bench_function("cranelift 1 thread", |b| {
        b.iter(|| {
            exe.run_parallel(&rows, ROWS, COLS, &mut out, Some(1))
                .expect("runs")
        })
    });
    group.bench_function("cranelift all threads", |b| {
        b.iter(|| exe.run_parallel(&rows, ROWS, COLS, &mut out, None).expect("runs"))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, inference);
criterion_main!(benches);
