//! What an embedding service pays per call: `Model::load` (read, verify, compile)
//! and `Model::predict` on one in-memory `Row`, next to the raw compiled call
//! (`predict_row_into`) and a one-row `Frame`, plus a 150-row batch of rows.
//!
//! It reads the iris artifact `examples/out/iris.mlgc`, which
//! `cargo run --release -- run examples/iris.mlg` deploys (or the artifact named
//! by `MLG_BENCH_ARTIFACT`); the rows are the first of `examples/data/iris.csv`.
//!
//! `cargo bench -p mlg-runtime --bench predict`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mlg_runtime::csv::read_csv;
use mlg_runtime::{ColumnData, Frame, Model, Row};
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// The workspace root (this crate lives in `runtime/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The artifact to measure.
fn artifact_path() -> PathBuf {
    std::env::var_os("MLG_BENCH_ARTIFACT")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("examples/out/iris.mlgc"))
}

/// Row `index` of `frame` as a [`Row`] of the model's input columns.
fn row_of(frame: &Frame, model: &Model, index: usize) -> Row {
    let mut row = Row::with_capacity(model.inputs().len());
    for slot in model.inputs() {
        let Some(column) = frame.column(&slot.name) else {
            continue;
        };
        if column.missing[index] {
            row.set(slot.name.clone(), None::<f64>);
            continue;
        }
        match &column.data {
            ColumnData::Numeric(values) => row.set(slot.name.clone(), values[index]),
            ColumnData::Categorical { codes, levels } => {
                row.set(slot.name.clone(), levels[codes[index] as usize].clone())
            }
        }
    }
    row
}

/// The first `n` rows of `frame`.
fn head(frame: &Frame, n: usize) -> Frame {
    let columns = frame
        .columns
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.missing.truncate(n);
            match &mut c.data {
                ColumnData::Numeric(v) => v.truncate(n),
                ColumnData::Categorical { codes, .. } => codes.truncate(n),
            }
            c
        })
        .collect();
    Frame::new(columns, n.min(frame.n_rows))
}

fn bench(c: &mut Criterion) {
    let path = artifact_path();
    let model = match Model::load(&path) {
        Ok(model) => model,
        Err(e) => {
            eprintln!(
                "cannot load {}: {e}\nrun `cargo run --release -- run examples/iris.mlg` first \
                 (it deploys examples/out/iris.mlgc), or set MLG_BENCH_ARTIFACT",
                path.display()
            );
            std::process::exit(2);
        }
    };
    let frame = match read_csv(&root().join("examples/data/iris.csv")) {
        Ok(frame) => frame,
        Err(e) => {
            eprintln!("cannot read examples/data/iris.csv: {e}");
            std::process::exit(2);
        }
    };
    let one = [row_of(&frame, &model, 0)];
    let batch: Vec<Row> = (0..frame.n_rows).map(|i| row_of(&frame, &model, i)).collect();
    let one_frame = head(&frame, 1);
    eprintln!(
        "model `{}`: {} inputs, {} outputs; row 0 predicts {:?}",
        model.name(),
        model.inputs().len(),
        model.n_outputs(),
        model.predict(&one).map(|p| p.prediction_text(0))
    );

    let mut group = c.benchmark_group("embed");
    group.bench_function("load", |b| {
        b.iter(|| Model::load(black_box(&path)).map(|m| m.n_outputs()))
    });
    group.bench_function("predict_1_row", |b| b.iter(|| model.predict(black_box(&one))));
    group.bench_function("predict_1_row_frame", |b| {
        b.iter(|| model.predict(black_box(&one_frame)))
    });
    let mut encoded = vec![0.0f32; model.inputs().len()];
    if let Err(e) = mlg_runtime::Input::encode_into(&one, &model, &mut encoded) {
        eprintln!("cannot encode row 0: {e}");
        std::process::exit(2);
    }
    let mut out = vec![0.0f32; model.n_outputs()];
    group.bench_function("predict_row_into", |b| {
        b.iter(|| model.predict_row_into(black_box(&encoded), &mut out))
    });
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("predict_150_rows", |b| {
        b.iter(|| model.predict(black_box(&batch)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
