//! Throughput of the backends on a logistic-regression inference graph:
//! standardize(20 columns) → affine(1×20) → sigmoid → [1 - p, p] → argmax, after
//! `Pipeline::default()`, on 200,000 random rows.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mlg_compiler::backends::cranelift::compile;
use mlg_compiler::backends::interpreter::Interpreter;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{BinaryOp, Graph, GraphBuilder, InputSlot, NodeId, Op, SlotKind, UnaryFn};
use mlg_compiler::passes::Pipeline;

const COLS: usize = 20;
const ROWS: usize = 200_000;

/// Deterministic pseudo-random values in `[-1, 1)` (xorshift).
fn values(seed: u64, n: usize) -> Vec<f32> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

/// The benchmark graph before optimization.
fn logistic() -> Graph {
    let inputs = (0..COLS)
        .map(|i| InputSlot {
            name: format!("x{i}"),
            kind: SlotKind::Numeric,
        })
        .collect();
    let mut b = GraphBuilder::new("bench_logistic", inputs);
    let xs: Vec<NodeId> = (0..COLS as u32)
        .map(|s| b.input(s).expect("slot exists"))
        .collect();
    let x = b.push(Op::Concat { parts: xs }).expect("concat");
    let mul = values(1, COLS).iter().map(|v| 1.5 + v).collect();
    let z = b
        .push(Op::Scale {
            x,
            mul,
            add: values(2, COLS),
        })
        .expect("scale");
    let lin = b
        .push(Op::Affine {
            x: z,
            weights: values(3, COLS),
            bias: vec![0.1],
            missing: vec![],
        })
        .expect("affine");
    let p = b
        .push(Op::Unary {
            func: UnaryFn::Sigmoid,
            x: lin,
        })
        .expect("sigmoid");
    let one = b.push(Op::Const { values: vec![1.0] }).expect("const");
    let q = b.binary(BinaryOp::Sub, one, p).expect("sub");
    let proba = b.push(Op::Concat { parts: vec![q, p] }).expect("concat");
    let class = b.push(Op::Argmax { x: proba }).expect("argmax");
    b.output("class", class);
    b.output("proba", proba);
    b.finish().expect("valid graph")
}

fn backends(c: &mut Criterion) {
    let graph = Pipeline::default().run(&logistic()).expect("pipeline runs").graph;
    let input: Vec<f32> = values(4, ROWS * COLS).iter().map(|v| v * 3.0).collect();
    let mut out = vec![0.0f32; ROWS * graph.n_outputs()];
    let interp = Interpreter::new(graph.clone()).expect("valid graph");
    let compiled = compile(&graph).expect("compiles");
    let mut group = c.benchmark_group("logistic_20");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);
    group.bench_function("interpreter", |b| {
        b.iter(|| interp.run(&input, ROWS, COLS, &mut out).expect("buffers fit"))
    });
    group.bench_function("cranelift_1_thread", |b| {
        b.iter(|| {
            compiled
                .run_parallel(&input, ROWS, COLS, &mut out, Some(1))
                .expect("buffers fit")
        })
    });
    group.bench_function("cranelift_2_threads", |b| {
        b.iter(|| {
            compiled
                .run_parallel(&input, ROWS, COLS, &mut out, Some(2))
                .expect("buffers fit")
        })
    });
    group.bench_function("cranelift_all_threads", |b| {
        b.iter(|| {
            compiled
                .run_parallel(&input, ROWS, COLS, &mut out, None)
                .expect("buffers fit")
        })
    });
    group.finish();
}

criterion_group!(benches, backends);
criterion_main!(benches);
