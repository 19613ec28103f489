//! The tree passes: `tree-inputs` narrows a forest's input to the parts its
//! splits read (so column pruning drops the rest), `tree-layout` picks the
//! walk by size; both leave outputs bit-identical.

mod common;

use common::{identical, interpret, numeric_inputs, Rng};
use mlg_compiler::ir::{verify, Forest, Graph, GraphBuilder, Op, TreeNode, TreeWalk};
use mlg_compiler::passes::{Pass, Pipeline, TreeInputs, TreeLayout};

/// A random tree of at most `depth` splits on `features`, appended to `forest`
/// (children after parents), with `k` leaf values.
fn push_random_tree(forest: &mut Forest, rng: &mut Rng, depth: usize, features: &[u32], k: usize) {
    let root = forest.nodes.len() as u32;
    forest.roots.push(root);
    // Breadth-first: (node index, remaining depth); children are appended later.
    let mut queue = vec![(root as usize, depth)];
    forest.nodes.push(TreeNode::Leaf { value: 0 });
    while let Some((i, left_depth)) = queue.pop() {
        if left_depth == 0 || rng.chance(0.2) {
            let value = forest.leaves.len() as u32;
            forest.leaves.extend((0..k).map(|_| rng.range(-1.0, 1.0)));
            forest.nodes[i] = TreeNode::Leaf { value };
            continue;
        }
        let left = forest.nodes.len() as u32;
        forest.nodes.push(TreeNode::Leaf { value: 0 });
        forest.nodes.push(TreeNode::Leaf { value: 0 });
        forest.nodes[i] = TreeNode::Split {
            feature: features[rng.below(features.len())],
            threshold: rng.range(-1.0, 1.0),
            missing_left: rng.chance(0.5),
            left,
            right: left + 1,
        };
        queue.push((left as usize, left_depth - 1));
        queue.push((left as usize + 1, left_depth - 1));
    }
}

/// Six numeric inputs concatenated (the fourth through a `scale`), and a
/// forest of `trees` trees of depth `depth` splitting only on features 1, 3
/// and 4, followed by an argmax.
fn forest_graph(trees: usize, depth: usize, seed: u64) -> Graph {
    let mut rng = Rng::new(seed);
    let mut b = GraphBuilder::new("forest", numeric_inputs(6));
    let mut parts: Vec<_> = (0..6).map(|s| b.input(s).expect("slot")).collect();
    parts[3] = b
        .push(Op::Scale {
            x: parts[3],
            mul: vec![2.0],
            add: vec![-0.5],
        })
        .expect("scale");
    let x = b.push(Op::Concat { parts }).expect("concat");
    let mut forest = Forest {
        nodes: Vec::new(),
        roots: Vec::new(),
        leaves: Vec::new(),
        base: vec![0.25, -0.25],
    };
    for _ in 0..trees {
        push_random_tree(&mut forest, &mut rng, depth, &[1, 3, 4], 2);
    }
    let sum = b
        .push(Op::Trees {
            x,
            forest: Box::new(forest),
            walk: TreeWalk::Table,
        })
        .expect("trees");
    let class = b.push(Op::Argmax { x: sum }).expect("argmax");
    b.output("class", class);
    b.output("score", sum);
    b.finish().expect("valid graph")
}

/// Random rows for `graph`'s six inputs (a quarter NaN), and the same rows
/// keeping only `slots`.
fn rows(n: usize, slots: &[usize], seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::new(seed);
    let full: Vec<f32> = (0..n * 6)
        .map(|_| {
            if rng.chance(0.25) {
                f32::NAN
            } else {
                rng.range(-1.5, 1.5)
            }
        })
        .collect();
    let narrow = full
        .chunks(6)
        .flat_map(|r| slots.iter().map(move |&s| r[s]))
        .collect();
    (full, narrow)
}

#[test]
fn tree_inputs_lets_column_pruning_drop_unsplit_columns() {
    let graph = forest_graph(8, 4, 3);
    let narrowed = TreeInputs.run(&graph);
    verify(&narrowed).expect("narrowed graph verifies");
    let optimized = Pipeline::default().run(&graph).expect("pipeline").graph;
    let names: Vec<&str> = optimized.inputs.iter().map(|s| s.name.as_str()).collect();
    let want: Vec<&str> = [1, 3, 4].iter().map(|&s| graph.inputs[s].name.as_str()).collect();
    assert_eq!(names, want, "only the split columns are read\n{optimized}");
    let (full, narrow) = rows(400, &[1, 3, 4], 9);
    let before = interpret(&graph, &full, 400, 6);
    assert!(identical(&before, &interpret(&narrowed, &full, 400, 6)));
    assert!(identical(&before, &interpret(&optimized, &narrow, 400, 3)));
    assert_eq!(
        TreeInputs.run(&narrowed),
        narrowed,
        "a narrowed forest is a fixed point"
    );
}

#[test]
fn tree_layout_picks_branches_for_small_forests_and_tables_for_large() {
    let walk = |g: &Graph| {
        g.nodes
            .iter()
            .find_map(|n| match &n.op {
                Op::Trees { walk, .. } => Some(*walk),
                _ => None,
            })
            .expect("a trees node")
    };
    let small = forest_graph(2, 3, 1);
    let laid = TreeLayout.run(&small);
    assert_eq!(walk(&laid), TreeWalk::Branches);
    let large = forest_graph(60, 6, 2);
    assert_eq!(walk(&TreeLayout.run(&large)), TreeWalk::Table);
    let (full, _) = rows(200, &[], 4);
    assert!(identical(
        &interpret(&small, &full, 200, 6),
        &interpret(&laid, &full, 200, 6)
    ));
    let text = Pipeline::default()
        .run(&small)
        .expect("pipeline")
        .graph
        .to_string();
    insta::assert_snapshot!("tree_passes_small_forest", text);
}

#[test]
fn verify_names_a_broken_tree_table() {
    let mut graph = forest_graph(2, 2, 5);
    let node = graph
        .nodes
        .iter_mut()
        .find(|n| matches!(n.op, Op::Trees { .. }))
        .expect("trees node");
    if let Op::Trees { forest, .. } = &mut node.op {
        forest.nodes[0] = TreeNode::Split {
            feature: 9,
            threshold: 0.0,
            missing_left: false,
            left: 1,
            right: 2,
        };
    }
    let err = verify(&graph)
        .expect_err("feature 9 of 6 is out of range")
        .to_string();
    assert!(err.contains("feature 9 of 6"), "{err}");
}

#[test]
fn common_subexpressions_computes_shared_preprocessing_once() {
    use mlg_compiler::ir::BinaryOp;
    use mlg_compiler::passes::CommonSubexpressions;
    // Two members each lowered their own copy of the same scaling.
    let mut b = GraphBuilder::new("members", numeric_inputs(2));
    let x0 = b.input(0).expect("slot");
    let x1 = b.input(1).expect("slot");
    let scale = |b: &mut GraphBuilder, x| {
        b.push(Op::Scale {
            x,
            mul: vec![3.0],
            add: vec![f32::NAN],
        })
        .expect("scale")
    };
    let (s1, s2) = (scale(&mut b, x0), scale(&mut b, x0));
    let t = scale(&mut b, x1);
    let sum = b.binary(BinaryOp::Add, s1, s2).expect("add");
    let y = b.binary(BinaryOp::Mul, sum, t).expect("mul");
    b.output("y", y);
    let graph = b.finish().expect("valid");
    let shared = CommonSubexpressions.run(&graph);
    verify(&shared).expect("verifies");
    assert_eq!(shared.nodes.len(), graph.nodes.len() - 1, "{shared}");
    let (full, _) = rows(50, &[], 6);
    let rows2: Vec<f32> = full.chunks(6).flat_map(|r| [r[0], r[1]]).collect();
    assert!(identical(
        &interpret(&graph, &rows2, 50, 2),
        &interpret(&shared, &rows2, 50, 2)
    ));
}
