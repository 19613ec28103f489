//! Times a compiled 30 x 64 affine before and after faer's SVD has run on the
//! same thread (which leaves the upper halves of the AVX registers dirty), to
//! check that calls into compiled code clear that state (`backends/cranelift/avx.rs`).
//!
//! `cargo run --release -p mlg-compiler --example avx_state`

use mlg_compiler::backends::cranelift::compile;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{Graph, GraphBuilder, InputSlot, Op, SlotKind};
use mlg_compiler::passes::{LowRank, Pass, Rank};
use std::time::Instant;

/// Inputs → one 64 x 30 affine.
fn affine() -> Graph {
    let (d, h) = (30, 64);
    let inputs = (0..d)
        .map(|i| InputSlot {
            name: format!("x{i}"),
            kind: SlotKind::Numeric,
        })
        .collect();
    let mut b = GraphBuilder::new("affine", inputs);
    let xs = (0..d as u32).map(|s| b.input(s).expect("input")).collect();
    let x = b.push(Op::Concat { parts: xs }).expect("concat");
    let y = b
        .push(Op::Affine {
            x,
            weights: (0..h * d)
                .map(|i| ((i * 37 % 101) as f32 - 50.0) / 100.0)
                .collect(),
            bias: vec![0.1; h],
            missing: vec![],
        })
        .expect("affine");
    b.output("y", y);
    b.finish().expect("valid graph")
}

/// Microseconds per single-row call, best of 5 passes of 2,000 calls.
fn per_row(graph: &Graph) -> f64 {
    let compiled = compile(graph).expect("compile");
    let row = vec![0.5f32; graph.n_inputs()];
    let mut out = vec![0f32; graph.n_outputs()];
    (0..5)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..2000 {
                compiled.run(&row, 1, row.len(), &mut out).expect("buffers fit");
            }
            started.elapsed().as_secs_f64() * 1e6 / 2000.0
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let graph = affine();
    println!(
        "before any SVD:                 {:.3} µs per row",
        per_row(&graph)
    );
    // The low-rank pass runs faer's thin SVD on this thread.
    let factored = LowRank { rank: Rank::Fixed(4) }.rewrite(graph.clone());
    assert!(factored.changed);
    println!(
        "after faer's SVD (same thread): {:.3} µs per row",
        per_row(&graph)
    );
}
