//! The opt-in compression transforms (int8 quantization, magnitude and neuron
//! pruning) on small MLP-like and linear graphs, the zero-weight semantics of
//! `affine` and `qaffine` in the interpreter and the Cranelift backend, the
//! transform registry, the compression pipeline and `parameter_bytes`.

mod common;

use common::{first_mismatch, identical, impute_scale_linear, interpret, logistic_graph, random_rows, Rng};
use mlg_compiler::backends::cranelift::compile;
use mlg_compiler::backends::cuda::kernel_source;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{verify, BinaryOp, Graph, GraphBuilder, NodeId, Op, UnaryFn};
use mlg_compiler::passes::prune_magnitude::prune_count;
use mlg_compiler::passes::quantize_int8::quantize_rows;
use mlg_compiler::passes::{
    parameter_bytes, same_graph, transform, Pass, Pipeline, PruneMagnitude, PruneNeurons, QuantizeInt8,
};

/// Hidden activations the MLP lowering produces.
#[derive(Clone, Copy)]
enum Act {
    Relu,
    Logistic,
    Tanh,
}

/// Pushes `act` on `h` (width `w`) the way the MLP lowering does.
fn activation(b: &mut GraphBuilder, act: Act, h: NodeId, w: usize) -> NodeId {
    match act {
        Act::Relu => {
            let zero = b.push(Op::Const { values: vec![0.0] }).expect("const");
            b.binary(BinaryOp::Max, h, zero).expect("max")
        }
        Act::Logistic => b
            .push(Op::Unary {
                func: UnaryFn::Sigmoid,
                x: h,
            })
            .expect("sigmoid"),
        Act::Tanh => {
            let d = b
                .push(Op::Scale {
                    x: h,
                    mul: vec![2.0; w],
                    add: vec![0.0; w],
                })
                .expect("scale");
            let s = b
                .push(Op::Unary {
                    func: UnaryFn::Sigmoid,
                    x: d,
                })
                .expect("sigmoid");
            b.push(Op::Scale {
                x: s,
                mul: vec![2.0; w],
                add: vec![-1.0; w],
            })
            .expect("scale")
        }
    }
}

/// inputs → (affine → `act`) per hidden width → affine `logits`; with `head`,
/// also softmax `proba` and argmax `class`. Weights uniform in `[-1, 1]`.
fn mlp(n_in: usize, hidden: &[usize], n_out: usize, act: Act, head: bool, seed: u64) -> Graph {
    let mut rng = Rng::new(seed);
    let mut b = GraphBuilder::new("mlp", common::numeric_inputs(n_in));
    let xs = (0..n_in as u32).map(|s| b.input(s).expect("slot")).collect();
    let mut h = b.push(Op::Concat { parts: xs }).expect("concat");
    let mut width = n_in;
    for (l, &w) in hidden.iter().chain([&n_out]).enumerate() {
        let layer = Op::Affine {
            x: h,
            weights: (0..w * width).map(|_| rng.range(-1.0, 1.0)).collect(),
            bias: (0..w).map(|_| rng.range(-0.5, 0.5)).collect(),
            missing: vec![],
        };
        h = b.push(layer).expect("affine");
        if l < hidden.len() {
            h = activation(&mut b, act, h, w);
        }
        width = w;
    }
    b.output("logits", h);
    if head {
        let p = b.push(Op::Softmax { x: h }).expect("softmax");
        let c = b.push(Op::Argmax { x: p }).expect("argmax");
        b.output("proba", p);
        b.output("class", c);
    }
    b.finish().expect("valid mlp")
}

/// The affine-like nodes of `graph` as `(node index, rows, in)`.
fn layers(graph: &Graph) -> Vec<(usize, usize, usize)> {
    graph
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(k, n)| match &n.op {
            Op::Affine { weights, bias, .. } => Some((k, bias.len(), weights.len() / bias.len())),
            Op::QuantAffine { weights, bias, .. } => Some((k, bias.len(), weights.len() / bias.len())),
            _ => None,
        })
        .collect()
}

/// Compiles `graph` with Cranelift and checks it against the interpreter on
/// random rows with NaN and infinities: bit for bit when `exact`.
fn cranelift_agrees(graph: &Graph, seed: u64, exact: bool) {
    verify(graph).expect("verifies");
    let n = 101;
    let mut rows = random_rows(graph, &mut Rng::new(seed), n, graph.n_inputs(), 0.15);
    for (j, v) in rows.iter_mut().enumerate().filter(|(j, _)| j % 11 == 5) {
        *v = [f32::INFINITY, f32::NEG_INFINITY, 0.0, -0.0][j % 4];
    }
    let want = interpret(graph, &rows, n, graph.n_inputs());
    let compiled = compile(graph).expect("compiles");
    let mut got = vec![0.0; want.len()];
    compiled
        .run(&rows, n, graph.n_inputs(), &mut got)
        .expect("buffers fit");
    if exact {
        assert!(identical(&want, &got), "cranelift differs in some bit:\n{graph}");
    } else if let Some((i, a, b)) = first_mismatch(&want, &got) {
        panic!("output {i}: interpreter {a} vs cranelift {b}\n{graph}");
    }
}

#[test]
fn zero_weights_are_skipped_even_for_nan_and_inf() {
    let mut b = GraphBuilder::new("sparse", common::numeric_inputs(3));
    let xs = (0..3).map(|s| b.input(s).expect("slot")).collect();
    let x = b.push(Op::Concat { parts: xs }).expect("concat");
    let a = b
        .push(Op::Affine {
            x,
            weights: vec![0.0, 2.0, -0.0, 1.0, 0.0, 0.5],
            bias: vec![1.0, -1.0],
            missing: vec![f32::NAN, 4.0, 7.0],
        })
        .expect("affine");
    let q = b
        .push(Op::QuantAffine {
            x,
            weights: vec![0, 3, 0, -127, 0, 0],
            scales: vec![0.5, 0.25],
            bias: vec![1.0, -1.0],
            missing: vec![f32::NAN, 4.0, 7.0],
        })
        .expect("qaffine");
    b.output("a", a);
    b.output("q", q);
    let graph = b.finish().expect("valid");
    let rows = [f32::NAN, 1.5, f32::INFINITY, f32::INFINITY, f32::NAN, f32::NAN];
    let out = interpret(&graph, &rows, 2, 3);
    // Row 0: x' = [NaN, 1.5, inf]; row 1: x' = [inf, 4, 7].
    assert_eq!(out[0], 4.0, "the 0 weight skips NaN, the -0 weight skips inf");
    assert!(out[1].is_nan(), "weight 1 reads the NaN x0");
    assert_eq!(out[2], 1.0 + 0.5 * (3.0 * 1.5));
    assert!(out[3].is_nan(), "q = -127 reads the NaN x0");
    assert_eq!(out[4], 1.0 + 2.0 * 4.0);
    assert_eq!(out[5], f32::INFINITY);
    assert_eq!(out[6], 1.0 + 0.5 * (3.0 * 4.0));
    assert_eq!(out[7], f32::NEG_INFINITY);
    let mut got = vec![0.0; out.len()];
    let compiled = compile(&graph).expect("compiles");
    compiled.run(&rows, 2, 3, &mut got).expect("buffers fit");
    assert!(identical(&out, &got), "{out:?} vs cranelift {got:?}");
    cranelift_agrees(&graph, 1, true);
}

#[test]
fn quantize_rows_maps_the_largest_weight_to_127() {
    let (q, scales) = quantize_rows(
        &[0.5, -1.27, 0.0, 0.01, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, -2.0, 1.0],
        4,
    );
    assert_eq!(scales, vec![1.27 / 127.0, 1.0, 2.0 / 127.0]);
    assert_eq!(&q[..4], &[50, -127, 0, 1]);
    assert_eq!(&q[4..8], &[0, 0, 0, 0], "a zero row gets scale 1 and zeros");
    assert_eq!(&q[8..], &[127, 127, -127, 64]);
}

#[test]
fn quantize_int8_stays_close_to_f32() {
    for (k, graph) in [
        mlp(6, &[8], 3, Act::Relu, true, 1),
        mlp(5, &[7, 4], 2, Act::Tanh, true, 2),
        mlp(4, &[6], 1, Act::Logistic, false, 3),
        Pipeline::default()
            .run(&logistic_graph(20, 4))
            .expect("pipeline")
            .graph,
        Pipeline::default()
            .run(&impute_scale_linear())
            .expect("pipeline")
            .graph,
    ]
    .into_iter()
    .enumerate()
    {
        let q = QuantizeInt8.run(&graph);
        verify(&q).expect("verifies");
        assert_eq!(q.inputs, graph.inputs);
        assert!(
            q.nodes.iter().all(|n| !matches!(n.op, Op::Affine { .. })),
            "every affine is quantized"
        );
        for n in &q.nodes {
            if let Op::QuantAffine { weights, bias, .. } = &n.op {
                let inw = weights.len() / bias.len();
                for row in weights.chunks(inw) {
                    assert!(row.iter().all(|&v| v != i8::MIN), "symmetric range");
                    assert!(row.iter().all(|&v| v == 0) || row.iter().any(|&v| v.abs() == 127));
                }
            }
        }
        let n = 400;
        let rows = random_rows(&graph, &mut Rng::new(k as u64), n, graph.n_inputs(), 0.0);
        let want = interpret(&graph, &rows, n, graph.n_inputs());
        let got = interpret(&q, &rows, n, graph.n_inputs());
        let n_out = graph.n_outputs();
        // Argmax classes are skipped (a flip near a tie is legitimate).
        let class: Vec<bool> = graph
            .outputs
            .iter()
            .flat_map(|o| std::iter::repeat_n(o.name == "class", graph.node(o.node).width as usize))
            .collect();
        let (mut worst, mut sum, mut count) = (0.0f32, 0.0f64, 0usize);
        for (i, (a, b)) in want.iter().zip(&got).enumerate() {
            if !class[i % n_out] {
                let e = (a - b).abs() / a.abs().max(1.0);
                worst = worst.max(e);
                sum += f64::from(e);
                count += 1;
            }
        }
        let mean = sum / count as f64;
        println!("graph {k}: worst {worst}, mean {mean}");
        assert!(
            worst < 0.05 && mean < 0.01,
            "graph {k}: error {worst} (mean {mean})\n{graph}"
        );
    }
}

#[test]
fn prune_magnitude_zeroes_exactly_the_smallest() {
    for (k, fraction) in [(0usize, 0.5), (1, 0.3), (2, 0.9)] {
        let graph = mlp(6, &[8, 5], 3, Act::Relu, true, 10 + k as u64);
        let pruned = PruneMagnitude { fraction }.run(&graph);
        verify(&pruned).expect("verifies");
        for ((i, rows, inw), _) in layers(&graph).into_iter().zip(layers(&pruned)) {
            let (Op::Affine { weights: before, .. }, Op::Affine { weights: after, .. }) =
                (&graph.nodes[i].op, &pruned.nodes[i].op)
            else {
                panic!("node {i} stays an affine");
            };
            let zeros = after.iter().filter(|w| **w == 0.0).count();
            assert_eq!(zeros, prune_count(rows * inw, fraction));
            assert_eq!(zeros, (fraction * (rows * inw) as f64).floor() as usize);
            let kept_min = after
                .iter()
                .filter(|w| **w != 0.0)
                .map(|w| w.abs())
                .fold(f32::INFINITY, f32::min);
            for (b, a) in before.iter().zip(after) {
                assert!(
                    *a == *b || (*a == 0.0 && b.abs() <= kept_min),
                    "only the smallest go"
                );
            }
        }
        cranelift_agrees(&pruned, k as u64, false);
    }
    // Ties go by index: of four equal magnitudes, the first two.
    let mut b = GraphBuilder::new("ties", common::numeric_inputs(1));
    let x = b.input(0).expect("slot");
    let a = b
        .push(Op::Affine {
            x,
            weights: vec![1.0, -1.0, 1.0, 1.0, 3.0],
            bias: vec![0.0; 5],
            missing: vec![],
        })
        .expect("affine");
    b.output("a", a);
    let pruned = PruneMagnitude { fraction: 0.5 }.run(&b.finish().expect("valid"));
    let Op::Affine { weights, .. } = &pruned.nodes[1].op else {
        panic!("affine")
    };
    assert_eq!(weights, &vec![0.0, 0.0, 1.0, 1.0, 3.0]);
}

#[test]
fn prune_magnitude_prunes_quantized_layers_by_effective_magnitude() {
    let q = QuantizeInt8.run(&mlp(6, &[8], 3, Act::Relu, false, 20));
    let pruned = PruneMagnitude { fraction: 0.5 }.run(&q);
    verify(&pruned).expect("verifies");
    for (i, rows, inw) in layers(&pruned) {
        let Op::QuantAffine { weights, scales, .. } = &pruned.nodes[i].op else {
            panic!("qaffine")
        };
        assert_eq!(
            weights.iter().filter(|&&v| v == 0).count(),
            prune_count(rows * inw, 0.5)
        );
        let eff = |j: usize| f32::from(weights[j]).abs() * scales[j / inw];
        let Op::QuantAffine { weights: orig, .. } = &q.nodes[i].op else {
            panic!("qaffine")
        };
        let kept_min = (0..weights.len())
            .filter(|&j| weights[j] != 0)
            .map(eff)
            .fold(f32::INFINITY, f32::min);
        for j in 0..weights.len() {
            if weights[j] == 0 {
                assert!(f32::from(orig[j]).abs() * scales[j / inw] <= kept_min);
            }
        }
    }
    cranelift_agrees(&pruned, 3, true);
}

/// `graph` with the columns `removed` of affine node `b` zeroed: what neuron
/// pruning must compute bit for bit, since zero weights are skipped.
fn zero_columns(graph: &Graph, b: usize, removed: &[usize]) -> Graph {
    let mut g = graph.clone();
    if let Op::Affine { weights, bias, .. } = &mut g.nodes[b].op {
        let inw = weights.len() / bias.len();
        for (j, w) in weights.iter_mut().enumerate() {
            if removed.contains(&(j % inw)) {
                *w = 0.0;
            }
        }
    }
    g
}

/// The `n` columns of affine node `b` with the smallest L2 norm (ties: lower index).
fn weakest_columns(graph: &Graph, b: usize, n: usize) -> Vec<usize> {
    let Op::Affine { weights, bias, .. } = &graph.nodes[b].op else {
        panic!("affine")
    };
    let inw = weights.len() / bias.len();
    let norm = |j: usize| -> f64 {
        weights
            .iter()
            .skip(j)
            .step_by(inw)
            .map(|&w| f64::from(w).powi(2))
            .sum()
    };
    let mut cols: Vec<usize> = (0..inw).collect();
    cols.sort_by(|&a, &c| norm(a).total_cmp(&norm(c)).then(a.cmp(&c)));
    cols.truncate(n);
    cols
}

#[test]
fn prune_neurons_removes_the_weakest_units() {
    for (k, act) in [Act::Relu, Act::Logistic, Act::Tanh].into_iter().enumerate() {
        let graph = mlp(6, &[8], 3, act, true, 30 + k as u64);
        let pruned = PruneNeurons { fraction: 0.25 }.run(&graph);
        verify(&pruned).expect("verifies");
        let (before, after) = (layers(&graph), layers(&pruned));
        assert_eq!(before, vec![(before[0].0, 8, 6), (before[1].0, 3, 8)]);
        assert_eq!(
            (after[0].1, after[0].2, after[1].1, after[1].2),
            (6, 6, 3, 6),
            "2 of 8 units go"
        );
        // Bit for bit the original with those columns of b zeroed.
        let expected = zero_columns(&graph, before[1].0, &weakest_columns(&graph, before[1].0, 2));
        let n = 300;
        let rows = random_rows(&graph, &mut Rng::new(k as u64), n, 6, 0.1);
        let want = interpret(&expected, &rows, n, 6);
        let got = interpret(&pruned, &rows, n, 6);
        assert!(identical(&want, &got), "activation {k}\n{pruned}");
        cranelift_agrees(&pruned, k as u64, false);
    }
}

#[test]
fn prune_neurons_handles_stacked_layers_and_leaves_others_alone() {
    let graph = mlp(5, &[10, 4], 2, Act::Relu, false, 40);
    let pruned = PruneNeurons { fraction: 0.5 }.run(&graph);
    verify(&pruned).expect("verifies");
    let shapes: Vec<(usize, usize)> = layers(&pruned).iter().map(|l| (l.1, l.2)).collect();
    assert_eq!(shapes, vec![(5, 5), (2, 5), (2, 2)], "both hidden layers halve");
    cranelift_agrees(&pruned, 4, true);
    // Nothing to prune: a linear model, and an MLP whose hidden layer is an output.
    for graph in [logistic_graph(20, 5), impute_scale_linear()] {
        assert!(same_graph(&PruneNeurons { fraction: 0.5 }.run(&graph), &graph));
    }
    let mut exposed = mlp(4, &[6], 2, Act::Relu, false, 41);
    exposed.outputs.push(mlg_compiler::ir::Output {
        name: "hidden".into(),
        node: NodeId(5),
    });
    assert!(matches!(exposed.nodes[5].op, Op::Affine { .. }));
    assert!(same_graph(
        &PruneNeurons { fraction: 0.5 }.run(&exposed),
        &exposed
    ));
}

#[test]
fn transformed_graphs_compile_bit_for_bit() {
    let base = mlp(7, &[9, 5], 3, Act::Relu, false, 50);
    let quant = QuantizeInt8.run(&base);
    let both = QuantizeInt8.run(&PruneMagnitude { fraction: 0.6 }.run(&base));
    let all = Pipeline::with_transforms(vec![
        transform("prune-neurons", Some(0.3)).expect("known"),
        transform("prune-magnitude", Some(0.5)).expect("known"),
        transform("quantize-int8", None).expect("known"),
    ])
    .run(&base)
    .expect("pipeline")
    .graph;
    for (i, g) in [quant, both, all].iter().enumerate() {
        cranelift_agrees(g, 60 + i as u64, true);
        let src = kernel_source(g).expect("cuda source");
        assert!(src.contains("qaffine"), "{src}");
    }
    let fused = Pipeline::default()
        .run(&logistic_graph(20, 6))
        .expect("pipeline")
        .graph;
    cranelift_agrees(&QuantizeInt8.run(&fused), 7, false);
}

#[test]
fn affine_fusion_agrees_with_zero_weights() {
    // Prune first so that fusion folds scale / fill_nan chains into zero weights.
    for graph in [impute_scale_linear(), logistic_graph(8, 7)] {
        let pruned = PruneMagnitude { fraction: 0.5 }.run(&graph);
        let optimized = Pipeline::default().run(&pruned).expect("pipeline").graph;
        let n = 500;
        let rows = random_rows(&pruned, &mut Rng::new(8), n, pruned.n_inputs(), 0.3);
        let want = interpret(&pruned, &rows, n, pruned.n_inputs());
        let slots: Vec<usize> = optimized
            .inputs
            .iter()
            .map(|slot| {
                pruned
                    .inputs
                    .iter()
                    .position(|p| p.name == slot.name)
                    .expect("slot kept")
            })
            .collect();
        let reencoded: Vec<f32> = (0..n)
            .flat_map(|r| slots.iter().map(move |&s| (r, s)))
            .map(|(r, s)| rows[r * pruned.n_inputs() + s])
            .collect();
        let got = interpret(&optimized, &reencoded, n, optimized.n_inputs());
        assert_eq!(first_mismatch(&want, &got), None, "{pruned}\n{optimized}");
        cranelift_agrees(&optimized, 9, false);
    }
}

#[test]
fn transform_registry_and_pipeline() {
    let err = transform("nope", None).err().expect("unknown");
    for name in ["nope", "quantize-int8", "prune-magnitude", "prune-neurons"] {
        assert!(err.contains(name), "{err}");
    }
    assert!(transform("prune-magnitude", None).is_err(), "amount required");
    assert!(transform("prune-neurons", Some(1.0)).is_err());
    assert!(transform("prune-neurons", Some(0.0)).is_err());
    assert!(transform("prune-neurons", Some(f64::NAN)).is_err());
    assert!(transform("quantize-int8", Some(0.5)).is_err());
    for name in ["quantize-int8", "prune-magnitude", "prune-neurons"] {
        let amount = (name != "quantize-int8").then_some(0.5);
        assert_eq!(transform(name, amount).expect("known").name(), name);
    }
    let pipeline = Pipeline::with_transforms(vec![transform("quantize-int8", None).expect("known")]);
    // Transforms first, on the model's own weights, then the default passes.
    let mut names = vec!["quantize-int8"];
    names.extend(Pipeline::default().names());
    assert_eq!(pipeline.names(), names);
    assert!(!Pipeline::default().names().contains(&"quantize-int8"));
}

#[test]
fn parameter_bytes_shrink_about_4x_under_quantization() {
    let graph = mlp(64, &[64], 3, Act::Relu, true, 70);
    let (bytes, nonzero) = parameter_bytes(&graph);
    assert_eq!(nonzero, 64 * 64 + 3 * 64);
    assert_eq!(
        bytes,
        4 * (nonzero + 64 + 3 + 1),
        "weights, biases, the relu zero"
    );
    let (qbytes, qnonzero) = parameter_bytes(&QuantizeInt8.run(&graph));
    assert!(
        qnonzero <= nonzero && qnonzero > nonzero * 98 / 100,
        "only tiny weights round to 0"
    );
    assert_eq!(
        qbytes,
        qnonzero + 4 * (2 * (64 + 3) + 1),
        "1 per weight, a scale and a bias per row"
    );
    let ratio = bytes as f64 / qbytes as f64;
    assert!((3.5..4.0).contains(&ratio), "ratio {ratio}");
    let (pbytes, pnonzero) = parameter_bytes(&PruneMagnitude { fraction: 0.5 }.run(&graph));
    assert_eq!(pnonzero, 64 * 32 + 3 * 32);
    assert_eq!(
        pbytes,
        bytes - 4 * (nonzero - pnonzero),
        "zero weights are not stored"
    );
}

#[test]
fn quantized_text_form_snapshot() {
    let graph = QuantizeInt8.run(&mlp(3, &[4], 2, Act::Relu, true, 80));
    insta::assert_snapshot!(graph.to_string());
}
