//! The Cranelift backend against the reference interpreter: random graphs before
//! and after the default pipeline, strides, empty and single-row batches, parallel
//! runs, buffer errors and the CLIF text.

mod common;

use common::{first_mismatch, identical, interpret, logistic_graph, random_graph, random_rows, Rng};
use mlg_compiler::backends::cranelift::{clif_text, compile};
use mlg_compiler::backends::interpreter::Interpreter;
use mlg_compiler::backends::{ExecError, Executable};
use mlg_compiler::ir::{Graph, GraphBuilder, Op, UnaryFn};
use mlg_compiler::passes::Pipeline;
use proptest::prelude::*;

/// Runs `graph` compiled on `n_rows` random rows (20% NaN) and compares with the interpreter.
fn check_against_interpreter(graph: &Graph, seed: u64, n_rows: usize, stride: usize) -> Result<(), String> {
    let compiled = compile(graph).map_err(|e| format!("compile failed: {e}"))?;
    let rows = random_rows(graph, &mut Rng::new(seed), n_rows, stride, 0.2);
    let expected = interpret(graph, &rows, n_rows, stride);
    let mut got = vec![f32::MIN; expected.len()];
    compiled
        .run(&rows, n_rows, stride, &mut got)
        .map_err(|e| e.to_string())?;
    match first_mismatch(&expected, &got) {
        None => Ok(()),
        Some((i, want, have)) => Err(format!(
            "output {i} (row {}): interpreter {want} vs cranelift {have}\n{graph}",
            i / graph.n_outputs()
        )),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_graphs_match_interpreter(seed in any::<u64>()) {
        let graph = random_graph(seed);
        let n_rows = 61 + (seed % 8) as usize;
        check_against_interpreter(&graph, seed ^ 1, n_rows, graph.n_inputs()).map_err(TestCaseError::fail)?;
        let optimized = Pipeline::default().run(&graph).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check_against_interpreter(&optimized.graph, seed ^ 2, 64, graph.n_inputs())
            .map_err(TestCaseError::fail)?;
    }
}

#[test]
fn exp_agrees_with_std_on_a_dense_sweep() {
    let mut b = GraphBuilder::new("exp", common::numeric_inputs(1));
    let x = b.input(0).expect("slot");
    let e = b
        .push(Op::Unary {
            func: UnaryFn::Exp,
            x,
        })
        .expect("exp");
    b.output("e", e);
    let graph = b.finish().expect("valid");
    let compiled = compile(&graph).expect("compiles");
    let mut rows: Vec<f32> = (0..200_001)
        .map(|i| -110.0 + 200.0 * i as f32 / 200_000.0)
        .collect();
    rows.extend([
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        88.72,
        88.73,
        -87.3,
        -103.0,
    ]);
    let mut out = vec![0.0; rows.len()];
    compiled.run(&rows, rows.len(), 1, &mut out).expect("buffers fit");
    let mut exact = 0usize;
    for (&x, &y) in rows.iter().zip(&out) {
        let want = x.exp();
        assert!(common::close(want, y), "exp({x}) = {y}, std gives {want}");
        exact += usize::from(want.to_bits() == y.to_bits() || (want.is_nan() && y.is_nan()));
    }
    assert!(
        exact * 1000 >= rows.len() * 999,
        "only {exact} of {} bit-exact",
        rows.len()
    );
}

#[test]
fn row_stride_larger_than_inputs_skips_padding() {
    let graph = logistic_graph(20, 7);
    check_against_interpreter(&graph, 11, 257, 23).expect("stride 23 agrees");
    let graph = random_graph(99);
    check_against_interpreter(&graph, 12, 100, graph.n_inputs() + 5).expect("padded rows agree");
}

/// Dense layers (plain and int8) of four or more outputs run four outputs
/// per `f32x4`: 7 and 8 outputs (a partial last vector, and none), zero weights in some lanes
/// and whole columns, NaN inputs with and without a missing-value default;
/// the outputs are the interpreter's bit for bit.
#[test]
fn wide_affines_in_vector_lanes_round_like_the_interpreter() {
    use mlg_compiler::ir::NodeId;
    for (outputs, seed) in [(7usize, 3u64), (8, 4), (4, 5), (13, 6)] {
        let inputs = 9;
        let mut rng = common::Rng::new(seed);
        let mut b = GraphBuilder::new("wide", common::numeric_inputs(inputs));
        let xs: Vec<NodeId> = (0..inputs as u32).map(|s| b.input(s).expect("slot")).collect();
        let x = b.push(Op::Concat { parts: xs }).expect("concat");
        let weights: Vec<f32> = (0..outputs * inputs)
            .map(|i| match (i % inputs, rng.chance(0.25)) {
                (4, _) | (_, true) => 0.0,
                _ => rng.range(-2.0, 2.0),
            })
            .collect();
        let bias: Vec<f32> = (0..outputs).map(|_| rng.range(-1.0, 1.0)).collect();
        let missing: Vec<f32> = (0..inputs)
            .map(|j| if j % 3 == 0 { f32::NAN } else { 0.5 })
            .collect();
        let quantized: Vec<i8> = weights.iter().map(|&w| (w * 60.0) as i8).collect();
        let scales = (0..outputs).map(|r| 0.01 + r as f32 * 0.003).collect();
        let q = b
            .push(Op::QuantAffine {
                x,
                weights: quantized,
                scales,
                bias: bias.clone(),
                missing: missing.clone(),
            })
            .expect("qaffine");
        let y = b
            .push(Op::Affine {
                x,
                weights,
                bias,
                missing,
            })
            .expect("affine");
        b.output("y", y);
        b.output("q", q);
        let graph = b.finish().expect("valid graph");
        let rows = random_rows(&graph, &mut Rng::new(seed), 37, inputs, 0.2);
        let expected = interpret(&graph, &rows, 37, inputs);
        let mut got = vec![f32::MIN; expected.len()];
        compile(&graph)
            .expect("compiles")
            .run(&rows, 37, inputs, &mut got)
            .expect("runs");
        assert!(
            identical(&expected, &got),
            "{outputs} outputs:\n{expected:?}\n{got:?}"
        );
    }
}

#[test]
fn every_batch_size_around_the_interleave_group_agrees() {
    let graph = logistic_graph(20, 11);
    for n_rows in 1..=13 {
        check_against_interpreter(&graph, n_rows as u64, n_rows, 23)
            .unwrap_or_else(|e| panic!("{n_rows} rows: {e}"));
    }
}

#[test]
fn zero_and_one_rows() {
    let graph = logistic_graph(20, 3);
    let compiled = compile(&graph).expect("compiles");
    let mut out = [];
    compiled.run(&[], 0, 20, &mut out).expect("empty batch is fine");
    compiled
        .run_parallel(&[], 0, 20, &mut out, None)
        .expect("empty parallel batch is fine");
    check_against_interpreter(&graph, 5, 1, 20).expect("one row agrees");
    // One row with a short stride buffer: only n_inputs values are needed.
    let rows = random_rows(&graph, &mut Rng::new(8), 1, 20, 0.0);
    let mut got = vec![0.0; 3];
    compiled
        .run(&rows, 1, 64, &mut got)
        .expect("a single row needs only n_inputs values");
    assert!(identical(&got, &interpret(&graph, &rows, 1, 64)));
}

#[test]
fn run_parallel_equals_run_on_100k_rows() {
    let graph = logistic_graph(20, 21);
    let compiled = compile(&graph).expect("compiles");
    let n = 100_000;
    let rows = random_rows(&graph, &mut Rng::new(4), n, 20, 0.05);
    let mut serial = vec![0.0; n * 3];
    compiled.run(&rows, n, 20, &mut serial).expect("buffers fit");
    for threads in [None, Some(1), Some(2), Some(3)] {
        let mut parallel = vec![-7.0; n * 3];
        compiled
            .run_parallel(&rows, n, 20, &mut parallel, threads)
            .expect("buffers fit");
        assert!(
            identical(&serial, &parallel),
            "threads {threads:?} differ from run"
        );
    }
    // Also agrees with the interpreter backend.
    let interp = Interpreter::new(graph).expect("valid");
    let mut want = vec![0.0; n * 3];
    interp.run(&rows, n, 20, &mut want).expect("buffers fit");
    assert_eq!(first_mismatch(&want, &serial), None);
}

#[test]
fn buffer_size_errors_are_errors() {
    let graph = logistic_graph(20, 1);
    let compiled = compile(&graph).expect("compiles");
    let interp = Interpreter::new(graph).expect("valid");
    let rows = vec![0.0; 20 * 10];
    let mut out = vec![0.0; 3 * 10];
    for exe in [&compiled as &dyn Executable, &interp] {
        assert!(matches!(
            exe.run(&rows, 10, 19, &mut out),
            Err(ExecError::Stride {
                stride: 19,
                inputs: 20
            })
        ));
        assert!(matches!(
            exe.run(&rows, 11, 20, &mut out),
            Err(ExecError::InputTooShort { needed: 220, .. })
        ));
        assert!(matches!(
            exe.run(&rows, 10, 20, &mut out[..29]),
            Err(ExecError::OutputTooShort { needed: 30, .. })
        ));
        assert!(matches!(
            exe.run(&rows, usize::MAX, 20, &mut out),
            Err(ExecError::InputTooShort { .. })
        ));
        assert!(exe.run(&rows, 10, 20, &mut out).is_ok());
    }
    let err = compiled.run_parallel(&rows, 10_000, 20, &mut out, Some(2));
    assert!(matches!(err, Err(ExecError::InputTooShort { .. })));
}

#[test]
fn invalid_graph_is_refused() {
    let mut graph = logistic_graph(3, 1);
    graph.nodes[4].width = 9;
    assert!(compile(&graph).is_err());
    assert!(clif_text(&graph).is_err());
    assert!(Interpreter::new(graph).is_err());
}

#[test]
fn compiled_graph_reports_itself() {
    let graph = logistic_graph(4, 2);
    let compiled = compile(&graph).expect("compiles");
    assert_eq!((compiled.n_inputs(), compiled.n_outputs()), (4, 3));
    assert!(compiled.compile_time().as_nanos() > 0);
    assert_eq!(compiled.clif_text(), clif_text(&graph).expect("valid"));
    assert!(
        !compiled.clif_text().contains("call"),
        "the row function must not call anything"
    );
}

#[test]
fn clif_snapshot_scale_affine_sigmoid() {
    let mut b = GraphBuilder::new("small", common::numeric_inputs(2));
    let x0 = b.input(0).expect("slot");
    let x1 = b.input(1).expect("slot");
    let x = b.push(Op::Concat { parts: vec![x0, x1] }).expect("concat");
    let s = b
        .push(Op::Scale {
            x,
            mul: vec![2.0, 0.5],
            add: vec![-1.0, 0.25],
        })
        .expect("scale");
    let a = b
        .push(Op::Affine {
            x: s,
            weights: vec![1.5, -0.5],
            bias: vec![0.125],
            missing: vec![f32::NAN, 3.0],
        })
        .expect("affine");
    let p = b
        .push(Op::Unary {
            func: UnaryFn::Sigmoid,
            x: a,
        })
        .expect("sigmoid");
    b.output("p", p);
    let graph = b.finish().expect("valid");
    insta::assert_snapshot!(clif_text(&graph).expect("valid"));
}
