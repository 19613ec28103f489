//! `Op::QuantTrees`: the quantization keeps every split's decision, the leaf
//! error stays within half a step, the Cranelift table walk (8-byte records,
//! binned rows, `f16` and `i8` leaves) and the branch walk match the
//! interpreter bit for bit, and the verifier refuses broken tables.

mod common;

use common::{identical, interpret, random_forest, tiny_forest, trees_graph, Rng};
use mlg_compiler::backends::cranelift::compile;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::qtrees::{f16_to_f32, f32_to_f16, LeafFormat};
use mlg_compiler::ir::{verify, Forest, Graph, Op, QuantForest, QuantNode, TreeNode, TreeWalk};
use mlg_compiler::passes::{parameter_bytes, Pass, QuantizeTrees};

/// A random forest without NaN thresholds (which quantization refuses) and
/// with leaves within `f16`'s range (up to `1e4`, of mixed magnitudes).
fn forest(rng: &mut Rng, d: usize, k: usize, n_trees: usize, depth: usize) -> Forest {
    let mut f = random_forest(rng, d, k, n_trees, depth);
    for v in &mut f.leaves {
        *v /= 100.0;
    }
    for node in &mut f.nodes {
        if let TreeNode::Split { threshold, .. } = node {
            if threshold.is_nan() {
                *threshold = 0.5;
            }
        }
    }
    f
}

/// Rows over `d` features: NaN, infinities, the forest's exact thresholds
/// and values around them.
fn rows(rng: &mut Rng, forest: &Forest, d: usize, n: usize) -> Vec<f32> {
    let thresholds: Vec<f32> = forest
        .nodes
        .iter()
        .filter_map(|node| match node {
            TreeNode::Split { threshold, .. } => Some(*threshold),
            TreeNode::Leaf { .. } => None,
        })
        .collect();
    (0..n * d)
        .map(|_| match rng.below(8) {
            0 => f32::NAN,
            1 => [f32::INFINITY, f32::NEG_INFINITY][rng.below(2)],
            2 | 3 if !thresholds.is_empty() => thresholds[rng.below(thresholds.len())],
            _ => rng.range(-3.0, 3.0),
        })
        .collect()
}

/// The graph of `forest` (over `d` inputs) with its trees quantized to `format`.
fn quantized(forest: Forest, d: usize, format: LeafFormat, walk: TreeWalk) -> Graph {
    let graph = trees_graph("q", d, forest, walk);
    let out = QuantizeTrees { format }.rewrite(graph);
    assert!(out.changed, "a forest without NaN thresholds is quantized");
    verify(&out.data).expect("the quantized graph verifies");
    out.data
}

fn run(graph: &Graph, rows: &[f32], n: usize, d: usize) -> Vec<f32> {
    let mut got = vec![f32::MIN; n * graph.n_outputs()];
    compile(graph)
        .expect("compiles")
        .run(rows, n, d, &mut got)
        .expect("runs");
    got
}

#[test]
fn quantized_forests_compile_to_the_interpreters_outputs_bit_for_bit() {
    let mut rng = Rng::new(41);
    for case in 0..24 {
        let d = 1 + rng.below(6);
        let k = 1 + rng.below(3);
        let trees = 1 + rng.below(40);
        let depth = 1 + rng.below(7);
        let f = forest(&mut rng, d, k, trees, depth);
        for format in [LeafFormat::F16, LeafFormat::Int8] {
            for walk in [TreeWalk::Table, TreeWalk::Branches] {
                let graph = quantized(f.clone(), d, format, walk);
                for n in [1usize, 7, 16, 33, 500] {
                    let x = rows(&mut rng, &f, d, n);
                    let want = interpret(&graph, &x, n, d);
                    let got = run(&graph, &x, n, d);
                    assert!(
                        identical(&want, &got),
                        "case {case} {format:?} {walk:?} n={n}: compiled {got:?} != interpreted {want:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn bins_send_every_row_where_the_thresholds_did() {
    let mut rng = Rng::new(7);
    for _ in 0..40 {
        let d = 1 + rng.below(5);
        let (k, trees) = (1 + rng.below(2), 1 + rng.below(20));
        let mut f = forest(&mut rng, d, k, trees, 6);
        // Leaves that f16 holds exactly: any difference is a decision.
        for (i, v) in f.leaves.iter_mut().enumerate() {
            *v = (i % 64) as f32 - 32.0;
        }
        let q = QuantForest::quantize(&f, d, LeafFormat::F16).expect("quantizes");
        let k = f.width();
        for _ in 0..200 {
            let x = rows(&mut rng, &f, d, 1);
            let (mut want, mut got) = (vec![0.0; k], vec![0.0; k]);
            f.eval(&x, &mut want);
            q.eval(&x, &mut got);
            assert!(identical(&want, &got), "row {x:?}: {got:?} != {want:?}");
            q.dequantize().eval(&x, &mut got);
            assert!(identical(&want, &got), "dequantized, row {x:?}");
        }
    }
}

#[test]
fn int8_leaves_move_by_at_most_half_a_step_per_tree() {
    let mut rng = Rng::new(3);
    let d = 4;
    let f = forest(&mut rng, d, 2, 30, 5);
    let q = QuantForest::quantize(&f, d, LeafFormat::Int8).expect("quantizes");
    let mlg_compiler::ir::QuantLeaves::Int8 { scales, .. } = &q.leaves else {
        panic!("int8 leaves")
    };
    let bound: f32 = scales.iter().map(|s| s / 2.0).sum();
    for _ in 0..500 {
        let x: Vec<f32> = (0..d).map(|_| rng.range(-3.0, 3.0)).collect();
        let (mut want, mut got) = (vec![0.0; 2], vec![0.0; 2]);
        f.eval(&x, &mut want);
        q.eval(&x, &mut got);
        for (w, g) in want.iter().zip(&got) {
            // f32 sums of magnitudes up to 1e6 add their own rounding.
            assert!((w - g).abs() <= bound * 1.001 + 1.0, "{g} vs {w} (bound {bound})");
        }
    }
}

#[test]
fn f16_conversion_is_exact_and_rounds_to_nearest_even() {
    for h in 0..=u16::MAX {
        if h & 0x7c00 == 0x7c00 {
            continue; // infinities and NaN are never stored
        }
        let v = f16_to_f32(h);
        assert_eq!(f32_to_f16(v), Some(h), "{h:#06x} -> {v}");
    }
    assert_eq!(f16_to_f32(0x3c00), 1.0);
    assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
    assert_eq!(f16_to_f32(0xc000), -2.0);
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even 1.
    assert_eq!(f32_to_f16(1.0 + 2f32.powi(-11)), Some(0x3c00));
    assert_eq!(f32_to_f16(1.0 + 3.0 * 2f32.powi(-11)), Some(0x3c02));
    assert_eq!(f32_to_f16(65504.0), Some(0x7bff));
    assert_eq!(f32_to_f16(70000.0), None);
    assert_eq!(f32_to_f16(f32::NAN), None);
}

#[test]
fn quantized_tables_take_fewer_bytes_and_show_in_the_text_form() {
    let mut rng = Rng::new(5);
    let f = forest(&mut rng, 5, 1, 50, 6);
    let plain = trees_graph("t", 5, f.clone(), TreeWalk::Table);
    let int8 = quantized(f.clone(), 5, LeafFormat::Int8, TreeWalk::Table);
    let f16 = quantized(f, 5, LeafFormat::F16, TreeWalk::Table);
    let (b_plain, _) = parameter_bytes(&plain);
    let (b_int8, _) = parameter_bytes(&int8);
    let (b_f16, _) = parameter_bytes(&f16);
    assert!(
        b_int8 < b_f16 && b_f16 < b_plain,
        "{b_int8} < {b_f16} < {b_plain}"
    );
    // Node records halve, leaf values shrink 4x; edges and scales are added.
    assert!(
        b_int8 * 5 < b_plain * 3,
        "int8 tables are under 60% of the size: {b_int8} vs {b_plain}"
    );
    let text = int8.to_string();
    assert!(
        text.contains("qtrees %") && text.contains("xint8 walk=table"),
        "{text}"
    );
}

#[test]
fn nan_thresholds_stay_unquantized_and_broken_bins_fail_verification() {
    let mut f = tiny_forest();
    if let TreeNode::Split { threshold, .. } = &mut f.nodes[0] {
        *threshold = f32::NAN;
    }
    let graph = trees_graph("nan", 2, f, TreeWalk::Table);
    assert!(
        !QuantizeTrees {
            format: LeafFormat::Int8
        }
        .rewrite(graph)
        .changed
    );

    let mut graph = quantized(tiny_forest(), 2, LeafFormat::Int8, TreeWalk::Table);
    let node = graph
        .nodes
        .iter_mut()
        .find(|n| matches!(n.op, Op::QuantTrees { .. }));
    let Some(Op::QuantTrees { forest, .. }) = node.map(|n| &mut n.op) else {
        panic!("a qtrees node")
    };
    if let QuantNode::Split { bin, .. } = &mut forest.nodes[0] {
        *bin = 3; // feature 0 has one edge
    }
    let err = verify(&graph).expect_err("a bin past the edges");
    assert!(err.to_string().contains("bin 3 of 1 edges"), "{err}");
    // A root past the nodes or a missing scale is an error, not a panic.
    for (i, broken) in ["roots", "scales"].into_iter().enumerate() {
        let mut graph = quantized(tiny_forest(), 2, LeafFormat::Int8, TreeWalk::Table);
        for node in &mut graph.nodes {
            if let Op::QuantTrees { forest, .. } = &mut node.op {
                match i {
                    0 => {
                        forest.roots.push(99);
                        if let mlg_compiler::ir::QuantLeaves::Int8 { scales, .. } = &mut forest.leaves {
                            scales.push(1.0);
                        }
                    }
                    _ => {
                        forest.leaves = mlg_compiler::ir::QuantLeaves::Int8 {
                            values: vec![1, 2, 3],
                            scales: vec![],
                        }
                    }
                }
            }
        }
        let err = verify(&graph).expect_err(broken);
        assert!(err.to_string().contains(broken), "{err}");
    }
}

/// A full tree of `depth` levels over `d` features (thresholds from a small
/// pool, so features share edges), leaves `0, 1, 2, ...` over 64.
fn full_tree(rng: &mut Rng, d: usize, depth: usize) -> Forest {
    let mut f = Forest {
        nodes: Vec::new(),
        roots: vec![0],
        leaves: Vec::new(),
        base: vec![0.5],
    };
    // Breadth-first: node i's children are 2i + 1 and 2i + 2.
    let n = (1usize << (depth + 1)) - 1;
    for i in 0..n {
        if 2 * i + 2 < n {
            f.nodes.push(TreeNode::Split {
                feature: rng.below(d) as u32,
                threshold: (rng.below(200) as f32 - 100.0) / 50.0,
                missing_left: rng.chance(0.5),
                left: (2 * i + 1) as u32,
                right: (2 * i + 2) as u32,
            });
        } else {
            f.nodes.push(TreeNode::Leaf {
                value: f.leaves.len() as u32,
            });
            f.leaves.push(f.leaves.len() as f32 / 64.0);
        }
    }
    f
}

#[test]
fn a_tree_too_large_for_compact_records_walks_the_f32_table_with_the_same_results() {
    let mut rng = Rng::new(11);
    let d = 3;
    // 131,071 nodes: child indices past u16.
    let f = full_tree(&mut rng, d, 16);
    for format in [LeafFormat::F16, LeafFormat::Int8] {
        let graph = quantized(f.clone(), d, format, TreeWalk::Table);
        let x = rows(&mut rng, &f, d, 64);
        assert!(identical(&interpret(&graph, &x, 64, d), &run(&graph, &x, 64, d)));
    }
}

#[test]
fn quantized_trees_read_only_the_inputs_they_split_on_after_optimization() {
    let mut rng = Rng::new(13);
    // Five inputs; the trees split on inputs 1 and 3 only.
    let mut f = forest(&mut rng, 2, 1, 10, 4);
    for node in &mut f.nodes {
        if let TreeNode::Split { feature, .. } = node {
            *feature = [1, 3][*feature as usize];
        }
    }
    let graph = quantized(f.clone(), 5, LeafFormat::Int8, TreeWalk::Table);
    let optimized = mlg_compiler::passes::Pipeline::default()
        .optimize(graph.clone())
        .expect("optimizes");
    let qtrees = optimized
        .nodes
        .iter()
        .find_map(|n| match &n.op {
            Op::QuantTrees { x, forest, .. } => Some((*x, forest.edges.len())),
            _ => None,
        })
        .expect("a qtrees node");
    assert_eq!(optimized.node(qtrees.0).width, 2, "{optimized}");
    assert_eq!(qtrees.1, 2, "one edge list per remaining input");
    // Column pruning keeps slots 1 and 3: rows are encoded for those.
    assert_eq!(optimized.inputs.len(), 2);
    let x = rows(&mut rng, &f, 5, 40);
    let narrow: Vec<f32> = x.chunks(5).flat_map(|r| [r[1], r[3]]).collect();
    assert!(identical(
        &interpret(&graph, &x, 40, 5),
        &run(&optimized, &narrow, 40, 2)
    ));
}
