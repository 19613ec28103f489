//! Optimizer passes: IR text before/after as snapshots, and interpreter outputs
//! before vs after on random rows with NaN.

mod common;

use common::{first_mismatch, identical, impute_scale_linear, interpret, random_graph, random_rows, Rng};
use mlg_compiler::ir::{Graph, GraphBuilder, Op, UnaryFn, VerifyError};
use mlg_compiler::passes::{
    AffineFusion, ConstantFolding, DeadNodes, Pass, PassError, Pipeline, Transformed,
};
use proptest::prelude::*;

/// Interpreter outputs of `before` and `after` on 500 random rows (25% NaN):
/// bit-identical when `exact`, else within the backend tolerance.
fn assert_equivalent(before: &Graph, after: &Graph, seed: u64, exact: bool) {
    assert_eq!(before.inputs, after.inputs, "input slots are the ABI");
    assert_eq!(before.n_outputs(), after.n_outputs());
    let n = 500;
    let rows = random_rows(before, &mut Rng::new(seed), n, before.n_inputs(), 0.25);
    let want = interpret(before, &rows, n, before.n_inputs());
    let got = interpret(after, &rows, n, after.n_inputs());
    if exact {
        assert!(
            identical(&want, &got),
            "outputs differ\nbefore:\n{before}\nafter:\n{after}"
        );
    } else if let Some((i, a, b)) = first_mismatch(&want, &got) {
        panic!("output {i}: {a} before vs {b} after\nbefore:\n{before}\nafter:\n{after}");
    }
}

/// Constants feeding arithmetic, a softmax, an affine and a one-hot, next to an
/// input-dependent chain that must stay.
fn constant_graph() -> Graph {
    let mut b = GraphBuilder::new("consts", common::numeric_inputs(1));
    let x = b.input(0).expect("slot");
    let c = b
        .push(Op::Const {
            values: vec![1.0, -2.0],
        })
        .expect("const");
    let s = b
        .push(Op::Scale {
            x: c,
            mul: vec![0.5, 2.0],
            add: vec![1.0, 0.0],
        })
        .expect("scale");
    let sm = b.push(Op::Softmax { x: s }).expect("softmax");
    let code = b.push(Op::Const { values: vec![1.0] }).expect("const");
    let oh = b
        .push(Op::OneHot {
            x: code,
            codes: vec![0.0, 1.0],
        })
        .expect("one_hot");
    let cat = b.push(Op::Concat { parts: vec![sm, oh] }).expect("concat");
    let aff = b
        .push(Op::Affine {
            x: cat,
            weights: vec![1.0, 2.0, 3.0, 4.0],
            bias: vec![0.5],
            missing: vec![],
        })
        .expect("affine");
    let e = b
        .push(Op::Unary {
            func: UnaryFn::Exp,
            x: aff,
        })
        .expect("exp");
    let y = b.binary(mlg_compiler::ir::BinaryOp::Mul, x, e).expect("mul");
    let am = b.push(Op::Argmax { x: cat }).expect("argmax");
    b.output("y", y);
    b.output("k", am);
    b.finish().expect("valid")
}

#[test]
fn constant_folding_folds_constant_subgraphs() {
    let before = constant_graph();
    let after = ConstantFolding.run(&before);
    insta::assert_snapshot!("constant_folding_before", before.to_string());
    insta::assert_snapshot!("constant_folding_after", after.to_string());
    assert!(
        matches!(after.nodes[8].op, Op::Const { .. }),
        "exp of a constant affine folds"
    );
    assert!(
        matches!(after.nodes[9].op, Op::Binary { .. }),
        "input-dependent op stays"
    );
    assert_equivalent(&before, &after, 1, true);
}

#[test]
fn dead_nodes_drops_unused_nodes_but_keeps_slots() {
    let before = ConstantFolding.run(&constant_graph());
    let after = DeadNodes.run(&before);
    insta::assert_snapshot!("dead_nodes_after", after.to_string());
    assert_eq!(after.nodes.len(), 4, "input, folded exp, mul, folded argmax");
    assert_equivalent(&before, &after, 2, true);
    // An output-only graph keeps every slot even with no input node left.
    let mut b = GraphBuilder::new("unused", common::numeric_inputs(3));
    b.input(1).expect("slot");
    let c = b.push(Op::Const { values: vec![4.0] }).expect("const");
    b.output("c", c);
    let g = DeadNodes.run(&b.finish().expect("valid"));
    assert_eq!((g.inputs.len(), g.nodes.len()), (3, 1));
}

#[test]
fn affine_fusion_collapses_impute_scale_linear() {
    let before = impute_scale_linear();
    let fused = AffineFusion.run(&before);
    let after = DeadNodes.run(&fused);
    insta::assert_snapshot!("affine_fusion_before", before.to_string());
    insta::assert_snapshot!("affine_fusion_after", after.to_string());
    let affine = after
        .nodes
        .iter()
        .find(|n| matches!(n.op, Op::Affine { .. }))
        .expect("affine stays");
    let Op::Affine { x, missing, .. } = &affine.op else {
        unreachable!()
    };
    assert!(matches!(after.node(*x).op, Op::Concat { .. }));
    assert_eq!(
        after
            .nodes
            .iter()
            .filter(|n| matches!(n.op, Op::Scale { .. } | Op::FillNan { .. }))
            .count(),
        0
    );
    assert_eq!(missing.len(), 5);
    assert_equivalent(&before, &fused, 3, false);
    assert_equivalent(&before, &after, 4, false);
}

#[test]
fn affine_fusion_composes_existing_missing_and_fill_above_scale() {
    let mut b = GraphBuilder::new("compose", common::numeric_inputs(2));
    let x0 = b.input(0).expect("slot");
    let x1 = b.input(1).expect("slot");
    // fill above a scale: the fill moves below as (v - add) / mul.
    let s0 = b
        .push(Op::Scale {
            x: x0,
            mul: vec![4.0],
            add: vec![1.0],
        })
        .expect("scale");
    let f0 = b
        .push(Op::FillNan {
            x: s0,
            values: vec![-3.0],
        })
        .expect("fill");
    // a scale by zero under the affine's own default cannot take the default below.
    let s1 = b
        .push(Op::Scale {
            x: x1,
            mul: vec![0.0],
            add: vec![2.0],
        })
        .expect("scale");
    let x = b.push(Op::Concat { parts: vec![f0, s1] }).expect("concat");
    let y = b
        .push(Op::Affine {
            x,
            weights: vec![1.0, 1.0],
            bias: vec![0.0],
            missing: vec![7.0, 5.0],
        })
        .expect("affine");
    b.output("y", y);
    let before = b.finish().expect("valid");
    let after = DeadNodes.run(&AffineFusion.run(&before));
    insta::assert_snapshot!("affine_fusion_compose_after", after.to_string());
    assert!(
        after.nodes.iter().any(|n| matches!(n.op, Op::Scale { .. })),
        "zero-mul scale stays"
    );
    assert_equivalent(&before, &after, 5, false);
}

#[test]
fn affine_fusion_leaves_plain_affines_alone() {
    let graph = common::logistic_graph(3, 9);
    let once = DeadNodes.run(&AffineFusion.run(&graph));
    assert_ne!(once, graph);
    let twice = AffineFusion.run(&once);
    assert_eq!(twice, once, "a fused graph is a fixed point");
}

#[test]
fn pipeline_reports_steps() {
    let pipeline = Pipeline::default();
    assert_eq!(
        pipeline.names(),
        [
            "constant-folding",
            "common-subexpressions",
            "affine-fusion",
            "tree-inputs",
            "dead-nodes",
            "column-pruning",
            "tree-layout"
        ]
    );
    let graph = impute_scale_linear();
    let optimized = pipeline.run(&graph).expect("valid graph");
    let changed: Vec<bool> = optimized.steps.iter().map(|s| s.changed).collect();
    assert_eq!(changed, [false, false, true, false, true, false, false]);
    assert!(mlg_compiler::passes::same_graph(
        &optimized.steps[6].after,
        &optimized.graph
    ));
    insta::assert_snapshot!("pipeline_optimized", optimized.graph.to_string());
    assert_equivalent(&graph, &optimized.graph, 6, false);
}

/// A deliberately broken pass: widens the first node.
struct Breaks;

impl Pass for Breaks {
    fn name(&self) -> &'static str {
        "breaks"
    }

    fn rewrite(&self, mut graph: Graph) -> Transformed<Graph> {
        graph.nodes[0].width += 1;
        Transformed::yes(graph)
    }
}

#[test]
fn pipeline_names_the_failing_pass() {
    let graph = impute_scale_linear();
    let err = Pipeline::new(vec![Box::new(DeadNodes), Box::new(Breaks)])
        .run(&graph)
        .expect_err("broken");
    assert_eq!(err.pass, "breaks");
    assert!(matches!(err.source, VerifyError::Width { node: 0, .. }));
    assert!(err.to_string().contains("pass `breaks`"), "{err}");
    let mut bad = graph.clone();
    bad.outputs.clear();
    let err = Pipeline::default().run(&bad).expect_err("no outputs");
    assert_eq!(
        err,
        PassError {
            pass: "<input>",
            source: VerifyError::NoOutputs
        }
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn folding_and_dead_nodes_are_exact_on_random_graphs(seed in any::<u64>()) {
        let graph = random_graph(seed);
        let after = DeadNodes.run(&ConstantFolding.run(&graph));
        mlg_compiler::ir::verify(&after).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let n = 50;
        let rows = random_rows(&graph, &mut Rng::new(seed), n, graph.n_inputs(), 0.2);
        let want = interpret(&graph, &rows, n, graph.n_inputs());
        let got = interpret(&after, &rows, n, graph.n_inputs());
        prop_assert!(identical(&want, &got), "before:\n{}\nafter:\n{}", graph, after);
    }

    #[test]
    fn pipeline_output_verifies_on_random_graphs(seed in any::<u64>()) {
        let optimized = Pipeline::default().run(&random_graph(seed));
        prop_assert!(optimized.is_ok(), "{:?}", optimized.err());
    }
}

#[test]
fn column_pruning_drops_unread_inputs_and_renumbers_the_rest() {
    use mlg_compiler::ir::{GraphBuilder, Op};
    use mlg_compiler::passes::ColumnPruning;
    // Inputs a, b, c, d; only b and d reach the output (a and c were "selected away").
    let mut b = GraphBuilder::new("pruned", common::numeric_inputs(4));
    let xs: Vec<_> = (0..4).map(|s| b.input(s).expect("slot")).collect();
    let kept = b
        .push(Op::Concat {
            parts: vec![xs[1], xs[3]],
        })
        .expect("concat");
    let y = b
        .push(Op::Affine {
            x: kept,
            weights: vec![2.0, -3.0],
            bias: vec![0.5],
            missing: vec![],
        })
        .expect("affine");
    b.output("prediction", y);
    let graph = b.finish().expect("valid");
    let pruned = ColumnPruning.run(&graph);
    mlg_compiler::ir::verify(&pruned).expect("pruned graph verifies");
    let names: Vec<&str> = pruned.inputs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [graph.inputs[1].name.as_str(), graph.inputs[3].name.as_str()]
    );
    insta::assert_snapshot!("column_pruning_before", graph.to_string());
    insta::assert_snapshot!("column_pruning_after", pruned.to_string());
    // The same rows, encoded for each graph's own inputs, give identical outputs.
    let full = [7.0f32, 1.5, -4.0, 0.25, 9.0, f32::NAN, 3.0, -1.0];
    let narrow = [1.5f32, 0.25, f32::NAN, -1.0];
    let before = common::interpret(&graph, &full, 2, 4);
    let after = common::interpret(&pruned, &narrow, 2, 2);
    assert!(common::identical(&before, &after), "{before:?} vs {after:?}");
    assert_eq!(
        ColumnPruning.run(&pruned),
        pruned,
        "a pruned graph is a fixed point"
    );
}
