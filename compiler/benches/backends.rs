//! Throughput of the backends on a logistic-regression inference graph:
//! standardize(20 columns) → affine(1×20) → sigmoid → [1 - p, p] → argmax, after
//! `Pipeline::default()`, on 200,000 random rows; and on a forest of 100 full
//! trees of depth 10 over 20 columns (interpreter, table walk, branches), with
//! the compile time of both walks.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mlg_compiler::backends::cranelift::compile;
use mlg_compiler::backends::interpreter::Interpreter;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{
    BinaryOp, Forest, Graph, GraphBuilder, InputSlot, NodeId, Op, SlotKind, TreeNode, TreeWalk, UnaryFn,
};
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

/// Appends a full tree of `depth` levels below node `at` (pre-order), with
/// thresholds and leaves from `vals` and features from `0..COLS`.
fn full_tree(forest: &mut Forest, vals: &mut impl Iterator<Item = f32>, depth: usize) -> u32 {
    let at = forest.nodes.len();
    let mut next = || vals.next().unwrap_or(0.0);
    if depth == 0 {
        forest.nodes.push(TreeNode::Leaf {
            value: forest.leaves.len() as u32,
        });
        forest.leaves.push(next());
        return at as u32;
    }
    let feature = ((next() + 1.0) * 0.5 * COLS as f32) as u32 % COLS as u32;
    let threshold = next() * 2.0;
    let missing_left = next() > 0.0;
    forest.nodes.push(TreeNode::Leaf { value: 0 });
    let left = full_tree(forest, vals, depth - 1);
    let right = full_tree(forest, vals, depth - 1);
    forest.nodes[at] = TreeNode::Split {
        feature,
        threshold,
        missing_left,
        left,
        right,
    };
    at as u32
}

/// `trees(concat(inputs))`: 100 full trees of depth 10 (204,700 nodes), one output.
fn forest(walk: TreeWalk) -> Graph {
    let mut vals = values(5, 1 << 22).into_iter();
    let mut forest = Forest {
        nodes: Vec::new(),
        roots: Vec::new(),
        leaves: Vec::new(),
        base: vec![0.5],
    };
    for _ in 0..100 {
        forest.roots.push(forest.nodes.len() as u32);
        full_tree(&mut forest, &mut vals, 10);
    }
    let inputs = (0..COLS)
        .map(|i| InputSlot {
            name: format!("x{i}"),
            kind: SlotKind::Numeric,
        })
        .collect();
    let mut b = GraphBuilder::new("bench_forest", inputs);
    let parts = (0..COLS as u32)
        .map(|s| b.input(s).expect("slot exists"))
        .collect();
    let x = b.push(Op::Concat { parts }).expect("concat");
    let forest = Box::new(forest);
    let y = b.push(Op::Trees { x, forest, walk }).expect("trees");
    b.output("y", y);
    b.finish().expect("valid graph")
}

/// Rows per second of a 100 × depth-10 forest, and compile times of both walks.
fn forests(c: &mut Criterion) {
    const FOREST_ROWS: usize = 20_000;
    let table = forest(TreeWalk::Table);
    let branches = forest(TreeWalk::Branches);
    // 5% missing values, so that both NaN rules are exercised.
    let input: Vec<f32> = values(6, FOREST_ROWS * COLS)
        .iter()
        .map(|&v| if v.abs() < 0.05 { f32::NAN } else { v * 2.0 })
        .collect();
    let mut out = vec![0.0f32; FOREST_ROWS];
    let interp = Interpreter::new(table.clone()).expect("valid graph");
    let compiled_table = compile(&table).expect("compiles");
    let compiled_branches = compile(&branches).expect("compiles");
    let mut group = c.benchmark_group("forest_100x10");
    group.throughput(Throughput::Elements(FOREST_ROWS as u64));
    group.sample_size(10);
    group.bench_function("interpreter", |b| {
        b.iter(|| {
            interp
                .run(&input, FOREST_ROWS, COLS, &mut out)
                .expect("buffers fit")
        })
    });
    for (name, compiled) in [
        ("table_1_thread", &compiled_table),
        ("branches_1_thread", &compiled_branches),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                compiled
                    .run_parallel(&input, FOREST_ROWS, COLS, &mut out, Some(1))
                    .expect("buffers fit")
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("forest_100x10_compile");
    group.sample_size(10);
    group.bench_function("table", |b| b.iter(|| compile(&table).expect("compiles")));
    group.bench_function("branches", |b| b.iter(|| compile(&branches).expect("compiles")));
    group.finish();
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

criterion_group!(benches, backends, forests);
criterion_main!(benches);
