//! CUDA kernel source generation (no `cuda` feature, no GPU): snapshots of a
//! small graph and a tiny tree, a graph with every op (table paths included),
//! the refusal of `knn_impute`, and the generated kernels built for the host
//! with the system C++ compiler (a shim stands in for the CUDA built-ins) and
//! run against the interpreter: bit for bit without transcendental ops, within
//! 1e-5 relative with them. The backend selection (`backends::best`) falls back
//! to Cranelift on a machine without CUDA.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{
    first_mismatch, identical, interpret, logistic_graph, numeric_inputs, random_forest, random_graph,
    random_rows, tiny_forest, trees_graph, Rng,
};
use mlg_compiler::backends::cuda::{kernel_source, CudaError, KERNEL_NAME};
use mlg_compiler::backends::{best, BackendKind, Executable};
use mlg_compiler::ir::qtrees::LeafFormat;
use mlg_compiler::ir::{
    ActQuant, BinaryOp, CompareOp, Graph, GraphBuilder, NodeId, Op, QuantForest, TreeWalk, UnaryFn,
};
use mlg_compiler::passes::Pipeline;

const NAN: f32 = f32::NAN;

/// `Scale -> Affine (with a missing default) -> Sigmoid` over two inputs.
fn scale_affine_sigmoid() -> Graph {
    let mut b = GraphBuilder::new("small", numeric_inputs(2));
    let x0 = b.input(0).expect("slot");
    let x1 = b.input(1).expect("slot");
    let x = b.push(Op::Concat { parts: vec![x0, x1] }).expect("concat");
    let s = b
        .push(Op::Scale {
            x,
            mul: vec![2.0, 0.5],
            add: vec![-1.0, 0.1],
        })
        .expect("scale");
    let a = b
        .push(Op::Affine {
            x: s,
            weights: vec![1.5, -0.5],
            bias: vec![0.125],
            missing: vec![NAN, 3.0],
        })
        .expect("affine");
    let p = b
        .push(Op::Unary {
            func: UnaryFn::Sigmoid,
            x: a,
        })
        .expect("sigmoid");
    b.output("p", p);
    b.finish().expect("valid")
}

/// A graph with every op but `knn_impute`, each through its inline path and
/// (large affine, long edge list, long lookup table, wide trees) its table path.
fn all_ops_graph() -> Graph {
    let mut rng = Rng::new(7);
    let mut inputs = numeric_inputs(4);
    inputs.push(common::categorical("cat"));
    let mut b = GraphBuilder::new("all_ops", inputs);
    let xs: Vec<NodeId> = (0..5).map(|s| b.input(s).expect("slot")).collect();
    let mut outs = Vec::new();
    let c = b
        .push(Op::Const {
            values: vec![0.5, -1.0, 0.1],
        })
        .expect("const");
    let one = b.push(Op::Const { values: vec![2.0] }).expect("const");
    let x = b
        .push(Op::Concat {
            parts: xs[..3].to_vec(),
        })
        .expect("concat");
    let fill = b
        .push(Op::FillNan {
            x,
            values: vec![0.0, NAN, 1.5],
        })
        .expect("fill");
    let sc = b
        .push(Op::Scale {
            x: fill,
            mul: vec![0.7, -1.3, 2.0],
            add: vec![0.1, 0.0, -0.25],
        })
        .expect("scale");
    let oh = b
        .push(Op::OneHot {
            x: xs[4],
            codes: vec![0.0, 1.0, 2.0],
        })
        .expect("one_hot");
    let feats = b.push(Op::Concat { parts: vec![sc, oh] }).expect("concat");
    let aff = b
        .push(Op::Affine {
            x: feats,
            weights: (0..12).map(|_| rng.range(-1.0, 1.0)).collect(),
            bias: vec![0.3, -0.2],
            missing: vec![1.0, NAN, -2.0, 0.0, 0.0, 0.0],
        })
        .expect("affine");
    let big = b
        .push(Op::Affine {
            x,
            weights: (0..300).map(|_| rng.range(-1.0, 1.0)).collect(),
            bias: (0..100).map(|_| rng.range(-1.0, 1.0)).collect(),
            missing: vec![0.5, NAN, -1.0],
        })
        .expect("big affine");
    // Quantized and sparse affines, inline and table paths, with zero weights.
    let qaff = b
        .push(Op::QuantAffine {
            x: feats,
            weights: vec![12, 0, -127, 5, 0, 1, 0, 0, 0, 0, 0, 0],
            scales: vec![0.01, 1.0],
            bias: vec![0.3, -0.2],
            missing: vec![1.0, NAN, -2.0, 0.0, 0.0, 0.0],
        })
        .expect("qaffine");
    let qbig = b
        .push(Op::QuantAffine {
            x,
            weights: (0..450)
                .map(|i| if i % 5 == 0 { 0 } else { (i * 37 % 255) as i8 })
                .collect(),
            scales: (0..150).map(|_| rng.range(0.001, 0.01)).collect(),
            bias: (0..150).map(|_| rng.range(-1.0, 1.0)).collect(),
            missing: vec![0.5, NAN, -1.0],
        })
        .expect("big qaffine");
    // Int8-compute layers, calibrated and dynamic.
    let i8s = b
        .push(Op::Int8Affine {
            x: feats,
            weights: vec![12, 0, -127, 5, 0, 1, 0, 0, 0, 0, 0, 0],
            scales: vec![0.01, 1.0],
            bias: vec![0.3, -0.2],
            missing: vec![1.0, NAN, -2.0, 0.0, 0.0, 0.0],
            activations: Some(ActQuant {
                scale: 0.02,
                zero: 128,
            }),
        })
        .expect("static i8affine");
    let i8d = b
        .push(Op::Int8Affine {
            x,
            weights: (0..450)
                .map(|i| if i % 5 == 0 { 0 } else { (i * 37 % 255) as i8 })
                .collect(),
            scales: (0..150).map(|_| rng.range(0.001, 0.01)).collect(),
            bias: (0..150).map(|_| rng.range(-1.0, 1.0)).collect(),
            missing: vec![0.5, NAN, -1.0],
            activations: None,
        })
        .expect("dynamic i8affine");
    let sparse = b
        .push(Op::Affine {
            x,
            weights: (0..600)
                .map(|i| if i % 4 == 1 { 0.0 } else { rng.range(-1.0, 1.0) })
                .collect(),
            bias: (0..200).map(|_| rng.range(-1.0, 1.0)).collect(),
            missing: vec![],
        })
        .expect("sparse affine");
    outs.extend([c, feats, aff, big, qaff, qbig, i8s, i8d, sparse]);
    for func in [
        UnaryFn::Sigmoid,
        UnaryFn::Exp,
        UnaryFn::Neg,
        UnaryFn::Abs,
        UnaryFn::Log,
        UnaryFn::Log1p,
        UnaryFn::Sqrt,
    ] {
        outs.push(b.push(Op::Unary { func, x }).expect("unary"));
    }
    for op in [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Min,
        BinaryOp::Max,
        BinaryOp::Pow,
    ] {
        outs.push(b.binary(op, x, c).expect("binary"));
        outs.push(b.binary(op, one, x).expect("broadcast binary"));
    }
    let sm = b.push(Op::Softmax { x: aff }).expect("softmax");
    let am = b.push(Op::Argmax { x: sm }).expect("argmax");
    let am_x = b.push(Op::Argmax { x }).expect("argmax");
    outs.extend([sm, am, am_x]);
    let mut cmp = Vec::new();
    for op in [
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Eq,
        CompareOp::Ne,
    ] {
        cmp.push(b.push(Op::Compare { op, a: x, b: xs[3] }).expect("compare"));
    }
    outs.extend(cmp.iter().copied());
    outs.push(
        b.push(Op::Select {
            cond: cmp[0],
            a: sc,
            b: c,
        })
        .expect("select"),
    );
    outs.push(
        b.push(Op::Select {
            cond: xs[3],
            a: one,
            b: x,
        })
        .expect("select"),
    );
    let edges = vec![-1.0, 0.0, 0.0, 1.0];
    outs.push(b.push(Op::Bucketize { x, edges }).expect("bucketize"));
    outs.push(b.push(Op::Bucketize { x, edges: vec![] }).expect("bucketize"));
    let long: Vec<f32> = (0..20).map(|i| i as f32 * 0.3 - 3.0).collect();
    outs.push(b.push(Op::Bucketize { x, edges: long }).expect("bucketize"));
    let table = vec![10.0, NAN, -30.0];
    outs.push(
        b.push(Op::Lookup {
            x: xs[4],
            table,
            default: -1.0,
        })
        .expect("lookup"),
    );
    let table: Vec<f32> = (0..20).map(|i| i as f32 * 1.5).collect();
    let shifted = b.binary(BinaryOp::Mul, xs[4], one).expect("mul");
    outs.push(
        b.push(Op::Lookup {
            x: shifted,
            table,
            default: NAN,
        })
        .expect("lookup"),
    );
    outs.push(
        b.push(Op::Lookup {
            x: xs[0],
            table: vec![],
            default: 4.0,
        })
        .expect("lookup"),
    );
    let forest = random_forest(&mut rng, 3, 1, 6, 4);
    let walk = TreeWalk::Table;
    outs.push(
        b.push(Op::Trees {
            x,
            forest: Box::new(forest),
            walk,
        })
        .expect("trees"),
    );
    let forest = random_forest(&mut rng, 6, 20, 5, 3);
    outs.push(
        b.push(Op::Trees {
            x: feats,
            forest: Box::new(forest),
            walk,
        })
        .expect("wide trees"),
    );
    // Leaves within f16's range and no NaN threshold: both formats quantize.
    let mut forest = random_forest(&mut rng, 6, 2, 5, 3);
    for v in &mut forest.leaves {
        *v /= 100.0;
    }
    for node in &mut forest.nodes {
        if let mlg_compiler::ir::TreeNode::Split { threshold, .. } = node {
            if threshold.is_nan() {
                *threshold = 0.25;
            }
        }
    }
    for format in [LeafFormat::Int8, LeafFormat::F16] {
        let forest = QuantForest::quantize(&forest, 6, format).expect("quantizes");
        outs.push(
            b.push(Op::QuantTrees {
                x: feats,
                forest: Box::new(forest),
                walk,
            })
            .expect("quantized trees"),
        );
    }
    for (i, o) in outs.into_iter().enumerate() {
        b.output(format!("o{i}"), o);
    }
    b.finish().expect("valid")
}

/// Sparse and int8 affines (inline and table paths, with `missing`) and nothing
/// transcendental, so the host-built kernel must match bit for bit.
fn sparse_quant_graph() -> Graph {
    let mut rng = Rng::new(9);
    let mut b = GraphBuilder::new("sparse_quant", numeric_inputs(3));
    let parts = (0..3).map(|s| b.input(s).expect("slot")).collect();
    let x = b.push(Op::Concat { parts }).expect("concat");
    let missing = vec![0.5, NAN, -1.0];
    let mut outs = Vec::new();
    for rows in [2usize, 150] {
        let weights = (0..rows * 3)
            .map(|i| if i % 3 == 1 { 0.0 } else { rng.range(-1.0, 1.0) })
            .collect();
        let bias: Vec<f32> = (0..rows).map(|_| rng.range(-1.0, 1.0)).collect();
        let a = Op::Affine {
            x,
            weights,
            bias: bias.clone(),
            missing: missing.clone(),
        };
        let q = Op::QuantAffine {
            x,
            weights: (0..rows * 3)
                .map(|i| if i % 4 == 0 { 0 } else { (i * 53 % 255) as i8 })
                .collect(),
            scales: (0..rows).map(|_| rng.range(0.001, 0.01)).collect(),
            bias,
            missing: missing.clone(),
        };
        outs.push(b.push(a).expect("affine"));
        outs.push(b.push(q).expect("qaffine"));
    }
    for (i, o) in outs.into_iter().enumerate() {
        b.output(format!("o{i}"), o);
    }
    b.finish().expect("valid")
}

/// Which `Op` variant `op` is; exhaustive, so a new variant must be added here
/// (and to [`all_ops_graph`]).
fn variant(op: &Op) -> usize {
    match op {
        Op::Input { .. } => 0,
        Op::Const { .. } => 1,
        Op::Concat { .. } => 2,
        Op::FillNan { .. } => 3,
        Op::Scale { .. } => 4,
        Op::OneHot { .. } => 5,
        Op::Affine { .. } => 6,
        Op::Unary { .. } => 7,
        Op::Binary { .. } => 8,
        Op::Softmax { .. } => 9,
        Op::Argmax { .. } => 10,
        Op::Compare { .. } => 11,
        Op::Select { .. } => 12,
        Op::Bucketize { .. } => 13,
        Op::Lookup { .. } => 14,
        Op::Trees { .. } => 15,
        Op::QuantAffine { .. } => 16,
        Op::KnnImpute { .. } => 17,
        Op::Int8Affine { .. } => 18,
        Op::QuantTrees { .. } => 19,
    }
}

#[test]
fn snapshot_scale_affine_sigmoid() {
    insta::assert_snapshot!(kernel_source(&scale_affine_sigmoid()).expect("source"));
}

#[test]
fn snapshot_tiny_tree() {
    insta::assert_snapshot!(
        kernel_source(&trees_graph("tiny", 2, tiny_forest(), TreeWalk::Branches)).expect("source")
    );
}

#[test]
fn every_op_but_knn_produces_source() {
    let graph = all_ops_graph();
    let mut seen = [false; 20];
    for node in &graph.nodes {
        seen[variant(&node.op)] = true;
    }
    assert!(
        seen[..17].iter().all(|s| *s) && seen[18] && seen[19],
        "the graph misses an op: {seen:?}"
    );
    let src = kernel_source(&graph).expect("source");
    assert!(src.contains(&format!("extern \"C\" __global__ void {KERNEL_NAME}(const float* in, unsigned long long n_rows, unsigned long long stride, float* out)")));
    for (k, node) in graph.nodes.iter().enumerate() {
        assert!(
            src.contains(&format!("/* n{k} = {}", node.op.mnemonic())),
            "node {k} ({}) is not emitted",
            node.op.mnemonic()
        );
    }
    // The table paths.
    for table in [
        "mlg_bucketize(",
        "mlg_lookup(",
        "mlg_leaf(",
        "_w[300] =",
        "const signed char mlg_n",
        "if (q != 0)",
        "if (w != 0.0f)",
        "_leaves[",
    ] {
        assert!(src.contains(table), "no {table} in the source");
    }
    assert_eq!(src.matches("dst[").count(), graph.n_outputs());
}

#[test]
fn knn_impute_is_unsupported() {
    let mut b = GraphBuilder::new("knn", numeric_inputs(2));
    let x0 = b.input(0).expect("slot");
    let x1 = b.input(1).expect("slot");
    let x = b.push(Op::Concat { parts: vec![x0, x1] }).expect("concat");
    let y = b
        .push(Op::KnnImpute {
            x,
            train: vec![1.0, 2.0, 3.0, NAN],
            k: 1,
        })
        .expect("knn");
    b.output("y", y);
    let graph = b.finish().expect("valid");
    let err = kernel_source(&graph).expect_err("knn is not supported");
    assert_eq!(err, CudaError::Unsupported { op: "knn_impute" });
    assert!(err.to_string().contains("knn_impute"), "{err}");
    assert!(!err.is_unavailable());
}

#[test]
fn invalid_graph_is_refused() {
    let mut graph = scale_affine_sigmoid();
    graph.nodes[3].width = 7;
    assert!(matches!(kernel_source(&graph), Err(CudaError::Verify(_))));
}

#[test]
fn random_graphs_produce_source() {
    for seed in 0..300 {
        let graph = random_graph(seed);
        let src = kernel_source(&graph).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{graph}"));
        assert_eq!(src.matches("dst[").count(), graph.n_outputs(), "seed {seed}");
    }
}

#[test]
fn best_runs_like_the_interpreter() {
    let graph = logistic_graph(20, 3);
    let chosen = best(&graph).expect("compiles");
    match chosen.backend {
        BackendKind::Cuda => assert!(chosen.cuda_unavailable.is_none()),
        BackendKind::Cranelift => {
            let why = chosen.cuda_unavailable.as_ref().expect("a reason");
            println!("best chose {}: {why}", chosen.name());
        }
    }
    if !cfg!(feature = "cuda") {
        assert_eq!(chosen.backend, BackendKind::Cranelift);
        assert_eq!(chosen.cuda_unavailable, Some(CudaError::NotBuilt));
    }
    let rows = random_rows(&graph, &mut Rng::new(5), 300, 21, 0.1);
    let want = interpret(&graph, &rows, 300, 21);
    let mut got = vec![0.0; want.len()];
    chosen.run(&rows, 300, 21, &mut got).expect("buffers fit");
    assert_eq!(first_mismatch(&want, &got), None);
    assert_eq!(chosen.n_inputs(), 20);
    assert_eq!(chosen.n_outputs(), 3);
}

/// Stand-ins for the CUDA built-ins the generated source uses, so that a host
/// C++17 compiler builds it; one thread runs every row.
const HOST_SHIM: &str = r#"#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#define __global__
#define __device__
#define __forceinline__ inline
using std::isnan;
struct mlg_dim3 { unsigned int x; };
static const mlg_dim3 blockIdx = {0}, blockDim = {1}, gridDim = {1}, threadIdx = {0};
static inline float __uint_as_float(unsigned int u) { float f; std::memcpy(&f, &u, 4); return f; }
"#;

/// A C++ compiler on this machine, if any.
fn host_compiler() -> Option<&'static str> {
    ["c++", "g++", "clang++"].into_iter().find(|cc| {
        Command::new(cc)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Builds one host program holding `graphs`' kernels (graph `i` in namespace
/// `g{i}`); it runs as `prog i in_file n_rows stride out_file`.
fn build_host_program(cc: &str, graphs: &[Graph], dir: &Path) -> PathBuf {
    let mut src = String::from(HOST_SHIM);
    for (i, g) in graphs.iter().enumerate() {
        let kernel = kernel_source(g).expect("source").replace("extern \"C\" ", "");
        src.push_str(&format!("namespace g{i} {{\n{kernel}}}\n"));
    }
    src.push_str(
        "int main(int argc, char** argv) {\n  if (argc != 6) return 2;\n  int g = atoi(argv[1]);\n  \
         unsigned long long n = strtoull(argv[3], 0, 10), stride = strtoull(argv[4], 0, 10);\n  \
         FILE* f = fopen(argv[2], \"rb\"); if (!f) return 3;\n  std::vector<float> in;\n  float v;\n  \
         while (fread(&v, 4, 1, f) == 1) in.push_back(v);\n  fclose(f);\n  std::vector<float> out(1 << 20);\n  \
         switch (g) {\n",
    );
    for i in 0..graphs.len() {
        src.push_str(&format!(
            "    case {i}: g{i}::mlg_rows(in.data(), n, stride, out.data()); break;\n"
        ));
    }
    src.push_str(&format!(
        "    default: return 4;\n  }}\n  size_t n_out = 0;\n  switch (g) {{\n{}  }}\n  \
         FILE* o = fopen(argv[5], \"wb\"); if (!o) return 5;\n  fwrite(out.data(), 4, n_out, o);\n  fclose(o);\n  return 0;\n}}\n",
        graphs
            .iter()
            .enumerate()
            .map(|(i, g)| format!("    case {i}: n_out = n * {}; break;\n", g.n_outputs()))
            .collect::<String>()
    ));
    let cpp = dir.join("kernels.cpp");
    std::fs::write(&cpp, src).expect("write the source");
    let exe = dir.join("kernels");
    let out = Command::new(cc)
        .args(["-std=c++17", "-O1", "-ffp-contract=off", "-w", "-o"])
        .arg(&exe)
        .arg(&cpp)
        .output()
        .expect("run the C++ compiler");
    assert!(
        out.status.success(),
        "the generated kernels do not compile as C++:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs graph `i` of the host program on `rows`.
fn run_host(
    exe: &Path,
    dir: &Path,
    i: usize,
    graph: &Graph,
    rows: &[f32],
    n_rows: usize,
    stride: usize,
) -> Vec<f32> {
    let (inp, outp) = (dir.join(format!("in{i}")), dir.join(format!("out{i}")));
    std::fs::write(
        &inp,
        rows.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>(),
    )
    .expect("write rows");
    let status = Command::new(exe)
        .arg(i.to_string())
        .arg(&inp)
        .arg(n_rows.to_string())
        .arg(stride.to_string())
        .arg(&outp)
        .status()
        .expect("run the kernels");
    assert!(status.success(), "graph {i}: {status}");
    let bytes = std::fs::read(&outp).expect("read outputs");
    let out: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert_eq!(out.len(), n_rows * graph.n_outputs());
    out
}

/// Whether `graph` has an op evaluated with a transcendental function (whose
/// host and interpreter results may differ in the last bit).
fn transcendental(graph: &Graph) -> bool {
    graph.nodes.iter().any(|n| {
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

#[test]
fn host_built_kernels_match_the_interpreter() {
    let Some(cc) = host_compiler() else {
        println!("no C++ compiler: skipped");
        return;
    };
    let mut graphs = vec![
        scale_affine_sigmoid(),
        trees_graph("tiny", 2, tiny_forest(), TreeWalk::Branches),
        all_ops_graph(),
        logistic_graph(20, 1),
        sparse_quant_graph(),
    ];
    for seed in 0..60 {
        let graph = random_graph(seed);
        if seed % 2 == 0 {
            graphs.push(Pipeline::default().run(&graph).expect("pipeline").graph);
        }
        graphs.push(graph);
    }
    let mut rng = Rng::new(11);
    for (d, k, trees, depth) in [(3, 1, 20, 6), (5, 3, 40, 8), (2, 18, 10, 3)] {
        let forest = random_forest(&mut rng, d, k, trees, depth);
        let mut b = GraphBuilder::new("forest", numeric_inputs(d));
        let parts = (0..d as u32).map(|s| b.input(s).expect("slot")).collect();
        let x = b.push(Op::Concat { parts }).expect("concat");
        let walk = TreeWalk::Table;
        let y = b
            .push(Op::Trees {
                x,
                forest: Box::new(forest),
                walk,
            })
            .expect("trees");
        b.output("y", y);
        graphs.push(b.finish().expect("valid"));
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cuda_source_host_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let exe = build_host_program(cc, &graphs, &dir);
    for (i, graph) in graphs.iter().enumerate() {
        let n_rows = 200;
        let stride = graph.n_inputs() + i % 3;
        let mut rows = random_rows(graph, &mut Rng::new(i as u64), n_rows, stride, 0.2);
        // Exact threshold and edge hits, infinities and signed zeros.
        for (j, v) in rows.iter_mut().enumerate().filter(|(j, _)| j % 7 == 3) {
            *v = [0.0, -0.0, 1.0, -1.0, 2.0, f32::INFINITY, f32::NEG_INFINITY, 0.5][j % 8];
        }
        let want = interpret(graph, &rows, n_rows, stride);
        let got = run_host(&exe, &dir, i, graph, &rows, n_rows, stride);
        if transcendental(graph) {
            if let Some((at, w, h)) = first_mismatch(&want, &got) {
                panic!("graph {i}, output {at}: interpreter {w} vs kernel {h}\n{graph}");
            }
        } else {
            assert!(identical(&want, &got), "graph {i} differs in some bit:\n{graph}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
