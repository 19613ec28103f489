//! Layers computed in int8 (`i8affine`): the compiled code gives the
//! interpreter's outputs bit for bit, static and dynamic, and the
//! `quantize-int8-*` transforms stay close to the float model.

mod common;

use common::{identical, interpret, random_rows, Rng};
use mlg_compiler::backends::cranelift::compile;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{ActQuant, Graph, GraphBuilder, NodeId, Op, UnaryFn};
use mlg_compiler::passes::{transform, Calibration, Int8Compute, Pass};

/// One `i8affine` of `outputs` rows over `inputs` inputs (input 4 unused, a
/// quarter of the weights zero, the whole `i8` range), `missing` defaults on
/// two thirds of the inputs.
fn layer(inputs: usize, outputs: usize, activations: Option<ActQuant>, seed: u64) -> Graph {
    let mut rng = Rng::new(seed);
    let mut b = GraphBuilder::new("int8", common::numeric_inputs(inputs));
    let xs: Vec<NodeId> = (0..inputs as u32).map(|s| b.input(s).expect("slot")).collect();
    let x = b.push(Op::Concat { parts: xs }).expect("concat");
    let weights = (0..outputs * inputs)
        .map(|i| match (i % inputs, rng.chance(0.25)) {
            (4, _) | (_, true) => 0,
            _ => (rng.below(256) as i32 - 128) as i8,
        })
        .collect();
    let missing = (0..inputs)
        .map(|j| if j % 3 == 0 { f32::NAN } else { 0.5 })
        .collect();
    let y = b
        .push(Op::Int8Affine {
            x,
            weights,
            scales: (0..outputs).map(|r| 0.01 + r as f32 * 0.003).collect(),
            bias: (0..outputs).map(|_| rng.range(-1.0, 1.0)).collect(),
            missing,
            activations,
        })
        .expect("i8affine");
    b.output("y", y);
    b.finish().expect("valid graph")
}

/// Compiled outputs of `graph` on `rows` (`n` rows of `stride`).
fn run(graph: &Graph, rows: &[f32], n: usize, stride: usize) -> Vec<f32> {
    let mut got = vec![f32::MIN; n * graph.n_outputs()];
    compile(graph)
        .expect("compiles")
        .run(rows, n, stride, &mut got)
        .expect("runs");
    got
}

#[test]
fn int8_layers_compile_to_the_interpreters_outputs_bit_for_bit() {
    let calibrated = Some(ActQuant {
        scale: 3.0 / 255.0,
        zero: 100,
    });
    // Unrolled layers, and layers of more than 4096 weights, which loop over
    // a weight table (input chunks padded to a multiple of four).
    for (inputs, outputs, seed) in [
        (9usize, 7usize, 3u64),
        (17, 8, 4),
        (6, 1, 5),
        (33, 13, 6),
        (300, 5, 7),
        (300, 21, 8),
        (70, 61, 9),
    ] {
        for activations in [None, calibrated] {
            let graph = layer(inputs, outputs, activations, seed);
            let mut rows = random_rows(&graph, &mut Rng::new(seed), 41, inputs, 0.05);
            // Out-of-range, all-zero and infinite rows.
            rows[..inputs].iter_mut().for_each(|v| *v *= 1000.0);
            rows[inputs..2 * inputs].iter_mut().for_each(|v| *v = 0.0);
            rows[2 * inputs + 1] = f32::INFINITY;
            let expected = interpret(&graph, &rows, 41, inputs);
            let got = run(&graph, &rows, 41, inputs);
            assert!(
                identical(&expected, &got),
                "{inputs} x {outputs}, {activations:?}:\n{expected:?}\n{got:?}"
            );
            assert!(expected.iter().any(|v| v.is_finite()));
            assert!(
                expected[2 * outputs..3 * outputs].iter().all(|v| v.is_nan()),
                "inf → NaN"
            );
        }
    }
}

/// `inputs -> 32 (relu) -> 3`, weights and biases seeded.
fn mlp(inputs: usize, seed: u64) -> Graph {
    let mut rng = Rng::new(seed);
    let mut b = GraphBuilder::new("mlp", common::numeric_inputs(inputs));
    let xs: Vec<NodeId> = (0..inputs as u32).map(|s| b.input(s).expect("slot")).collect();
    let x = b.push(Op::Concat { parts: xs }).expect("concat");
    let mut dense = |b: &mut GraphBuilder, x, inw: usize, out: usize| {
        b.push(Op::Affine {
            x,
            weights: (0..inw * out).map(|_| rng.range(-0.5, 0.5)).collect(),
            bias: (0..out).map(|_| rng.range(-0.1, 0.1)).collect(),
            missing: Vec::new(),
        })
        .expect("affine")
    };
    let h = dense(&mut b, x, inputs, 32);
    let h = b
        .push(Op::Unary {
            func: UnaryFn::Abs,
            x: h,
        })
        .expect("abs");
    let y = dense(&mut b, h, 32, 3);
    b.output("y", y);
    b.finish().expect("valid graph")
}

#[test]
fn static_and_dynamic_int8_stay_within_a_few_steps_of_the_float_model() {
    let (inputs, n) = (20, 200);
    let graph = mlp(inputs, 11);
    let rows = random_rows(&graph, &mut Rng::new(12), n, inputs, 0.0);
    let float = interpret(&graph, &rows, n, inputs);
    let spread = float.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    // Calibrated on the rows it is measured on: a row beyond the calibrated
    // range is clipped to it, by design.
    let calibration = Calibration {
        rows: rows.clone(),
        n_rows: n,
    };
    for pass in [
        Int8Compute { calibration: None },
        Int8Compute {
            calibration: Some(calibration),
        },
    ] {
        let quantized = pass.run(&graph);
        let layers = quantized
            .nodes
            .iter()
            .filter(|n| matches!(n.op, Op::Int8Affine { .. }))
            .count();
        assert_eq!(layers, 2, "{}", pass.name());
        let got = run(&quantized, &rows, n, inputs);
        assert!(identical(&interpret(&quantized, &rows, n, inputs), &got));
        let worst = float
            .iter()
            .zip(&got)
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(worst < 0.03 * spread, "{}: {worst} of {spread}", pass.name());
        assert!(
            worst > 0.0,
            "{} computed exactly: nothing was quantized",
            pass.name()
        );
    }
}

#[test]
fn the_static_transform_by_name_asks_for_a_compress_statement() {
    let err = transform("quantize-int8-static", Some(1000.0))
        .err()
        .expect("refused");
    assert!(err.contains("calibrate = n"), "{err}");
    let dynamic = transform("quantize-int8-dynamic", None).expect("dynamic by name");
    assert_eq!(dynamic.name(), "quantize-int8-dynamic");
}
