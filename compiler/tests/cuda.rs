//! The CUDA backend on a device (feature `cuda`) against the reference
//! interpreter: random graphs before and after the default pipeline, random
//! forests bit for bit, table paths, strides, empty and single-row batches, a
//! large batch, buffer errors and `backends::best`. Without a driver or device
//! every device test prints "no CUDA device: skipped" and passes; NVRTC alone
//! (no device) is enough for the PTX test.
#![cfg(feature = "cuda")]

mod common;

use common::{
    first_mismatch, identical, interpret, logistic_graph, numeric_inputs, random_forest, random_graph,
    random_rows, trees_graph, Rng,
};
use mlg_compiler::backends::cuda::{compile, compile_ptx, device_name, CudaError, CudaGraph};
use mlg_compiler::backends::{best, BackendKind, ExecError, Executable};
use mlg_compiler::ir::{BinaryOp, CompareOp, Graph, GraphBuilder, Op, TreeWalk, UnaryFn};
use mlg_compiler::passes::Pipeline;

const NAN: f32 = f32::NAN;

/// Compiles `graph` for the device; `None` (after printing the skip line) when
/// this machine has no usable CUDA driver, device or NVRTC.
fn device_compile(graph: &Graph) -> Option<CudaGraph> {
    match compile(graph) {
        Ok(g) => Some(g),
        Err(e) if e.is_unavailable() => {
            println!("no CUDA device: skipped ({e})");
            None
        }
        Err(e) => panic!("CUDA compile failed: {e}\n{graph}"),
    }
}

/// Whether `graph` only has ops whose device results must equal the
/// interpreter's bit for bit (no exp, ln, ln_1p, pow, sigmoid or softmax).
fn exact_ops_only(graph: &Graph) -> bool {
    !graph.nodes.iter().any(|n| {
        matches!(
            n.op,
            Op::Softmax { .. }
                | Op::Binary {
                    op: BinaryOp::Pow,
                    ..
                }
                | Op::Unary {
                    func: UnaryFn::Sigmoid | UnaryFn::Exp | UnaryFn::Log | UnaryFn::Log1p,
                    ..
                }
        )
    })
}

/// Runs `compiled` on `n_rows` random rows (20% NaN) and compares with the
/// interpreter: bit for bit when [`exact_ops_only`], else within 1e-5 relative.
fn check(graph: &Graph, compiled: &CudaGraph, seed: u64, n_rows: usize, stride: usize) -> Result<(), String> {
    let rows = random_rows(graph, &mut Rng::new(seed), n_rows, stride, 0.2);
    let want = interpret(graph, &rows, n_rows, stride);
    let mut got = vec![f32::MIN; want.len()];
    compiled
        .try_run(&rows, n_rows, stride, &mut got)
        .map_err(|e| format!("device run failed: {e}"))?;
    if exact_ops_only(graph) && !identical(&want, &got) {
        let at = (0..want.len())
            .find(|&i| want[i].to_bits() != got[i].to_bits() && !(want[i].is_nan() && got[i].is_nan()))
            .unwrap_or(0);
        return Err(format!(
            "output {at} (row {}): interpreter {:?} vs cuda {:?} (bit for bit)\n{graph}",
            at / graph.n_outputs().max(1),
            want[at],
            got[at]
        ));
    }
    match first_mismatch(&want, &got) {
        None => Ok(()),
        Some((i, w, h)) => Err(format!(
            "output {i} (row {}): interpreter {w} vs cuda {h}\n{graph}",
            i / graph.n_outputs().max(1)
        )),
    }
}

/// A graph through every table path: a 100x3 affine, 20 bucket edges, a
/// 20-entry lookup, 20-wide trees; and compare/select on their results.
fn table_paths_graph() -> Graph {
    let mut rng = Rng::new(3);
    let mut inputs = numeric_inputs(3);
    inputs.push(common::categorical("cat"));
    let mut b = GraphBuilder::new("tables", inputs);
    let xs: Vec<_> = (0..4).map(|s| b.input(s).expect("slot")).collect();
    let x = b
        .push(Op::Concat {
            parts: xs[..3].to_vec(),
        })
        .expect("concat");
    let aff = b
        .push(Op::Affine {
            x,
            weights: (0..300).map(|_| rng.range(-1.0, 1.0)).collect(),
            bias: (0..100).map(|_| rng.range(-1.0, 1.0)).collect(),
            missing: vec![0.5, NAN, -1.0],
        })
        .expect("affine");
    let edges: Vec<f32> = (0..20).map(|i| i as f32 * 0.3 - 3.0).collect();
    let bk = b.push(Op::Bucketize { x, edges }).expect("bucketize");
    let table: Vec<f32> = (0..20).map(|i| i as f32 * 1.5).collect();
    let two = b.push(Op::Const { values: vec![2.0] }).expect("const");
    let code = b.binary(BinaryOp::Mul, xs[3], two).expect("mul");
    let lk = b
        .push(Op::Lookup {
            x: code,
            table,
            default: NAN,
        })
        .expect("lookup");
    let forest = random_forest(&mut rng, 3, 20, 12, 5);
    let walk = TreeWalk::Table;
    let tr = b
        .push(Op::Trees {
            x,
            forest: Box::new(forest),
            walk,
        })
        .expect("trees");
    let cmp = b
        .push(Op::Compare {
            op: CompareOp::Ge,
            a: bk,
            b: two,
        })
        .expect("compare");
    let sel = b
        .push(Op::Select {
            cond: cmp,
            a: x,
            b: bk,
        })
        .expect("select");
    for (name, node) in [("aff", aff), ("bk", bk), ("lk", lk), ("tr", tr), ("sel", sel)] {
        b.output(name, node);
    }
    b.finish().expect("valid")
}

#[test]
fn device_name_is_reported() {
    match device_name() {
        Ok(name) => println!("CUDA device 0: {name}"),
        Err(e) if e.is_unavailable() => println!("no CUDA device: skipped ({e})"),
        Err(e) => panic!("device probe failed: {e}"),
    }
}

#[test]
fn nvrtc_compiles_generated_kernels() {
    let mut graphs = vec![table_paths_graph(), logistic_graph(20, 1)];
    graphs.extend((0..40).map(random_graph));
    let mut rng = Rng::new(9);
    graphs.push(trees_graph(
        "forest",
        4,
        random_forest(&mut rng, 4, 3, 30, 8),
        TreeWalk::Table,
    ));
    for (i, graph) in graphs.iter().enumerate() {
        match compile_ptx(graph, None) {
            Ok(ptx) => {
                assert!(
                    ptx.contains(".entry mlg_rows"),
                    "graph {i}: no kernel entry in the PTX"
                );
                // `--fmad=false`: no f32 multiply-add is contracted into an FMA.
                assert!(
                    !ptx.contains("fma.rn.f32"),
                    "graph {i}: the PTX fuses an f32 multiply-add"
                );
            }
            Err(CudaError::NoNvrtc) => {
                println!("no NVRTC: skipped");
                return;
            }
            Err(e) => panic!("graph {i}: {e}\n{graph}"),
        }
    }
    println!("NVRTC compiled {} kernels", graphs.len());
}

#[test]
fn random_graphs_match_interpreter() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for seed in 0..150u64 {
        let graph = random_graph(seed);
        let optimized = Pipeline::default().run(&graph).expect("pipeline").graph;
        for (what, g) in [("raw", &graph), ("optimized", &optimized)] {
            let Some(compiled) = device_compile(g) else { return };
            let n_rows = 61 + (seed % 8) as usize;
            let stride = g.n_inputs() + (seed % 3) as usize;
            if let Err(e) = check(g, &compiled, seed ^ 1, n_rows, stride) {
                failures.push(format!("seed {seed} ({what}): {e}"));
            }
            checked += 1;
        }
    }
    println!("random graphs: {checked} checked, {} failed", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn random_forests_match_bit_for_bit() {
    let mut rng = Rng::new(21);
    let mut checked = 0;
    for (d, k, trees, depth) in [
        (1, 1, 1, 0),
        (3, 1, 50, 6),
        (5, 3, 100, 10),
        (8, 2, 200, 12),
        (4, 17, 20, 4),
    ] {
        let graph = trees_graph(
            "forest",
            d,
            random_forest(&mut rng, d, k, trees, depth),
            TreeWalk::Table,
        );
        let Some(compiled) = device_compile(&graph) else {
            return;
        };
        let n_rows = 5000;
        let mut rows = random_rows(&graph, &mut rng, n_rows, d, 0.15);
        // Exact threshold hits, infinities and signed zeros.
        for (j, v) in rows.iter_mut().enumerate().filter(|(j, _)| j % 5 == 2) {
            *v = [0.0, -0.0, 1.0, -1.0, 2.0, f32::INFINITY, f32::NEG_INFINITY, -2.0][j % 8];
        }
        let want = interpret(&graph, &rows, n_rows, d);
        let mut got = vec![0.0; want.len()];
        compiled.try_run(&rows, n_rows, d, &mut got).expect("device run");
        assert!(identical(&want, &got), "forest d={d} k={k} trees={trees} differs");
        checked += 1;
    }
    println!("random forests: {checked} checked bit for bit");
}

#[test]
fn table_paths_match_bit_for_bit() {
    let graph = table_paths_graph();
    let Some(compiled) = device_compile(&graph) else {
        return;
    };
    for (seed, n_rows, stride) in [(1, 1, 4), (2, 127, 4), (3, 1000, 7)] {
        check(&graph, &compiled, seed, n_rows, stride).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn batches_strides_and_sizes() {
    let graph = logistic_graph(20, 5);
    let Some(compiled) = device_compile(&graph) else {
        return;
    };
    println!(
        "CUDA device: {} ({}), compile {:?}",
        compiled.device_name(),
        compiled.arch(),
        compiled.compile_time()
    );
    for (n_rows, stride) in [(0, 20), (1, 20), (127, 20), (128, 20), (129, 23), (100_000, 20)] {
        check(&graph, &compiled, n_rows as u64, n_rows, stride)
            .unwrap_or_else(|e| panic!("{n_rows} rows: {e}"));
    }
    // Executable::run gives the same as try_run, and no device error was recorded.
    let rows = random_rows(&graph, &mut Rng::new(4), 1000, 20, 0.1);
    let mut a = vec![0.0; 3000];
    let mut b = vec![1.0; 3000];
    compiled.run(&rows, 1000, 20, &mut a).expect("run");
    compiled.try_run(&rows, 1000, 20, &mut b).expect("try_run");
    assert!(identical(&a, &b));
    assert_eq!(compiled.last_error(), None);
    assert!(compiled.source().contains("mlg_rows") && compiled.ptx().contains(".entry mlg_rows"));
}

#[test]
fn large_batch_timing() {
    let graph = logistic_graph(20, 6);
    let Some(compiled) = device_compile(&graph) else {
        return;
    };
    let n_rows = 1_000_000;
    let rows = random_rows(&graph, &mut Rng::new(8), n_rows, 20, 0.05);
    let mut out = vec![0.0; n_rows * 3];
    let start = std::time::Instant::now();
    compiled.try_run(&rows, n_rows, 20, &mut out).expect("device run");
    let first = start.elapsed();
    let start = std::time::Instant::now();
    compiled.try_run(&rows, n_rows, 20, &mut out).expect("device run");
    println!(
        "1M rows x 20 inputs on {}: first run {first:?}, second {:?} (copies included)",
        compiled.device_name(),
        start.elapsed()
    );
    let want = interpret(&graph, &rows, n_rows, 20);
    assert_eq!(first_mismatch(&want, &out), None);
}

/// A 100-tree depth-8 forest over 1M rows: the device (copies included)
/// against the Cranelift table walk on one thread and on every core, in the
/// same run, with the outputs compared.
#[test]
fn forest_batch_timing() {
    use rayon::prelude::*;
    let d = 20;
    let graph = trees_graph(
        "forest",
        d,
        random_forest(&mut Rng::new(31), d, 1, 100, 8),
        TreeWalk::Table,
    );
    let Some(compiled) = device_compile(&graph) else {
        return;
    };
    let native = mlg_compiler::backends::cranelift::compile(&graph).expect("cranelift compiles");
    let n_rows = 1_000_000;
    let rows = random_rows(&graph, &mut Rng::new(9), n_rows, d, 0.05);
    let mut out = vec![0.0; n_rows];
    compiled.try_run(&rows, n_rows, d, &mut out).expect("device run");
    let start = std::time::Instant::now();
    compiled.try_run(&rows, n_rows, d, &mut out).expect("device run");
    let device = start.elapsed();
    let mut cpu = vec![0.0; n_rows];
    let start = std::time::Instant::now();
    native.run(&rows, n_rows, d, &mut cpu).expect("native run");
    let one_thread = start.elapsed();
    let chunk = 16_384;
    let start = std::time::Instant::now();
    rows.par_chunks(chunk * d)
        .zip(cpu.par_chunks_mut(chunk))
        .try_for_each(|(r, o)| native.run(r, o.len(), d, o))
        .expect("native run");
    let all_threads = start.elapsed();
    println!(
        "forest 100 trees depth 8, 1M rows x {d} inputs on {}: device {device:?} (copies included), \
         Cranelift 1 thread {one_thread:?}, {} threads {all_threads:?}",
        compiled.device_name(),
        rayon::current_num_threads()
    );
    assert_eq!(first_mismatch(&cpu, &out), None);
}

#[test]
fn buffer_errors_are_errors() {
    let graph = logistic_graph(4, 2);
    let Some(compiled) = device_compile(&graph) else {
        return;
    };
    let rows = vec![0.0; 8];
    let mut out = vec![0.0; 6];
    assert!(matches!(
        compiled.run(&rows, 2, 3, &mut out),
        Err(ExecError::Stride { .. })
    ));
    assert!(matches!(
        compiled.run(&rows, 3, 4, &mut out),
        Err(ExecError::InputTooShort { .. })
    ));
    assert!(matches!(
        compiled.try_run(&rows, 2, 4, &mut out[..5]),
        Err(CudaError::Exec(ExecError::OutputTooShort { .. }))
    ));
    compiled.run(&rows, 2, 4, &mut out).expect("fits");
}

#[test]
fn best_picks_cuda_when_it_works() {
    let graph = logistic_graph(20, 9);
    let chosen = best(&graph).expect("compiles");
    match (&chosen.backend, &chosen.cuda_unavailable) {
        (BackendKind::Cuda, None) => println!("best chose cuda"),
        (BackendKind::Cranelift, Some(e)) if e.is_unavailable() => println!("no CUDA device: skipped ({e})"),
        (kind, why) => panic!("best chose {kind:?} because {why:?}"),
    }
}
