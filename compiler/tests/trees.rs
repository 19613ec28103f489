//! `Op::Trees`: the Cranelift backend, all three walks, against the interpreter bit
//! for bit on random forests (NaN, infinities and exact threshold values in the
//! rows; NaN and infinite thresholds), batch sizes around the row groups,
//! parallel runs, row tiles (partial last tiles, chained forests), trees inside
//! larger graphs, the CLIF text and the verifier.

mod common;

use common::{identical, interpret, numeric_inputs, tiny_forest, trees_graph, Rng};
use mlg_compiler::backends::cranelift::{clif_text, compile, CompiledGraph};
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{verify, Forest, Graph, GraphBuilder, NodeId, Op, TreeNode, TreeWalk, VerifyError};

const NAN: f32 = f32::NAN;
const INF: f32 = f32::INFINITY;

/// Values shared by thresholds and rows, so that rows hit thresholds exactly.
const POOL: [f32; 9] = [-2.0, -1.0, -0.5, 0.0, -0.0, 0.5, 1.0, 2.5, 1e-3];

/// A threshold: mostly from [`POOL`], sometimes random, infinite or NaN.
fn threshold(rng: &mut Rng) -> f32 {
    match rng.below(20) {
        0 => NAN,
        1 => INF,
        2 => -INF,
        3..=11 => POOL[rng.below(POOL.len())],
        _ => rng.range(-3.0, 3.0),
    }
}

/// A row value: like [`threshold`], with more NaN.
fn row_value(rng: &mut Rng) -> f32 {
    if rng.chance(0.15) {
        NAN
    } else {
        threshold(rng)
    }
}

/// Appends one random tree to `forest`: its depth is exactly `depth` (one
/// root-to-leaf path is forced that long, other branches stop at random), its
/// subtrees are numbered in a random order (children always after parents).
fn push_tree(forest: &mut Forest, rng: &mut Rng, d: usize, depth: usize) {
    forest.roots.push(forest.nodes.len() as u32);
    grow(forest, rng, d, depth, true);
}

/// Appends the subtree with `depth` levels left (reaching it when `forced`)
/// and returns its root index.
fn grow(forest: &mut Forest, rng: &mut Rng, d: usize, depth: usize, forced: bool) -> u32 {
    let k = forest.width();
    let at = forest.nodes.len();
    if depth == 0 || (!forced && rng.chance(0.35)) {
        forest.nodes.push(TreeNode::Leaf {
            value: forest.leaves.len() as u32,
        });
        for _ in 0..k {
            // Mixed magnitudes make the order of the additions visible.
            let v = match rng.below(4) {
                0 => rng.range(-1e6, 1e6),
                1 => rng.range(-1e-3, 1e-3),
                _ => rng.range(-1.0, 1.0),
            };
            forest.leaves.push(v);
        }
        return at as u32;
    }
    forest.nodes.push(TreeNode::Leaf { value: 0 }); // placeholder
    let forced_left = rng.chance(0.5);
    let (left, right) = if rng.chance(0.5) {
        let l = grow(forest, rng, d, depth - 1, forced && forced_left);
        let r = grow(forest, rng, d, depth - 1, forced && !forced_left);
        (l, r)
    } else {
        let r = grow(forest, rng, d, depth - 1, forced && !forced_left);
        let l = grow(forest, rng, d, depth - 1, forced && forced_left);
        (l, r)
    };
    forest.nodes[at] = TreeNode::Split {
        feature: rng.below(d) as u32,
        threshold: threshold(rng),
        missing_left: rng.chance(0.5),
        left,
        right,
    };
    at as u32
}

/// A random forest over `d` features: `n_trees` trees of random depth in
/// `0..=max_depth` (the first a single leaf), `k` outputs.
fn random_forest(rng: &mut Rng, d: usize, k: usize, n_trees: usize, max_depth: usize) -> Forest {
    let mut forest = Forest {
        nodes: Vec::new(),
        roots: Vec::new(),
        leaves: Vec::new(),
        base: (0..k).map(|_| rng.range(-1.0, 1.0)).collect(),
    };
    for t in 0..n_trees {
        let depth = if t == 0 { 0 } else { rng.below(max_depth + 1) };
        push_tree(&mut forest, rng, d, depth);
    }
    assert_eq!(forest.check(d), Ok(()));
    forest
}

/// `n_rows` random rows of `d` values (see [`row_value`]).
fn rows(rng: &mut Rng, n_rows: usize, d: usize) -> Vec<f32> {
    (0..n_rows * d).map(|_| row_value(rng)).collect()
}

/// Runs `graph` compiled on `rows` (stride `n_inputs`) and checks it equals
/// the interpreter bit for bit (NaN equal to NaN).
fn check(graph: &Graph, rows: &[f32], n_rows: usize, what: &str) {
    check_compiled(graph, &compile(graph).expect("compile"), rows, n_rows, what);
}

/// [`check`] with `graph` already compiled.
fn check_compiled(graph: &Graph, compiled: &CompiledGraph, rows: &[f32], n_rows: usize, what: &str) {
    let d = graph.n_inputs();
    let want = interpret(graph, rows, n_rows, d);
    let mut got = vec![f32::MIN; want.len()];
    compiled.run(rows, n_rows, d, &mut got).expect("run");
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "{what}: element {i} (row {}): compiled {g} vs interpreter {w}",
            i / graph.n_outputs()
        );
    }
}

#[test]
fn random_forests_match_the_interpreter_bit_for_bit() {
    let mut rng = Rng::new(11);
    for case in 0..24 {
        let d = 1 + rng.below(6);
        let k = 1 + case % 3;
        let n_trees = if case % 4 == 0 {
            1 + rng.below(50)
        } else {
            1 + rng.below(12)
        };
        let forest = random_forest(&mut rng, d, k, n_trees, 12);
        for walk in [TreeWalk::Table, TreeWalk::Branches] {
            let graph = trees_graph("trees", d, forest.clone(), walk);
            let compiled = compile(&graph).expect("compile");
            for n_rows in [1, 3, 4, 5, 9, 37] {
                let data = rows(&mut rng, n_rows, d);
                let what = format!("case {case} {walk:?} {n_rows} rows");
                check_compiled(&graph, &compiled, &data, n_rows, &what);
            }
        }
    }
}

#[test]
fn hand_checked_splits_follow_nan_infinity_and_ties() {
    // Tree 0: x0 <= 1 (NaN left) ? [x1 <= NaN (NaN left) ? 10 : 20] : 30.
    // Tree 1: x1 <= inf (NaN right) ? 100 : 200. Tree 2: a single leaf 1000.
    let forest = Forest {
        nodes: vec![
            TreeNode::Split {
                feature: 0,
                threshold: 1.0,
                missing_left: true,
                left: 1,
                right: 4,
            },
            TreeNode::Split {
                feature: 1,
                threshold: NAN,
                missing_left: true,
                left: 2,
                right: 3,
            },
            TreeNode::Leaf { value: 0 },
            TreeNode::Leaf { value: 1 },
            TreeNode::Leaf { value: 2 },
            TreeNode::Split {
                feature: 1,
                threshold: INF,
                missing_left: false,
                left: 6,
                right: 7,
            },
            TreeNode::Leaf { value: 3 },
            TreeNode::Leaf { value: 4 },
            TreeNode::Leaf { value: 5 },
        ],
        roots: vec![0, 5, 8],
        leaves: vec![10.0, 20.0, 30.0, 100.0, 200.0, 1000.0],
        base: vec![0.5],
    };
    let input = [
        1.0, NAN, // tie goes left, NaN x1 left: 10 + 200
        NAN, 3.0, // NaN x0 left, x1 present: 20 + 100
        1.5, INF, // right: 30 + 100 (inf <= inf)
        -INF, -INF, // 20 + 100
    ];
    let want = [1210.5, 1120.5, 1130.5, 1120.5];
    for walk in [TreeWalk::Table, TreeWalk::Branches, TreeWalk::Chain] {
        let graph = trees_graph("trees", 2, forest.clone(), walk);
        assert_eq!(interpret(&graph, &input, 4, 2), want);
        check(&graph, &input, 4, &format!("{walk:?}"));
    }
}

#[test]
fn run_parallel_over_many_rows_equals_the_interpreter() {
    let mut rng = Rng::new(5);
    let d = 4;
    let forest = random_forest(&mut rng, d, 2, 30, 10);
    let n = 10_003;
    let data = rows(&mut rng, n, d);
    for walk in [TreeWalk::Table, TreeWalk::Branches] {
        let graph = trees_graph("trees", d, forest.clone(), walk);
        let want = interpret(&graph, &data, n, d);
        let compiled = compile(&graph).expect("compile");
        for threads in [None, Some(2), Some(3)] {
            let mut got = vec![-7.0; want.len()];
            compiled
                .run_parallel(&data, n, d, &mut got, threads)
                .expect("buffers fit");
            assert!(identical(&want, &got), "{walk:?} threads {threads:?}");
        }
    }
}

/// scale(x) -> trees (3 classes) -> softmax, argmax; outputs class, proba and raw.
fn classifier(d: usize, forest: Forest, walk: TreeWalk) -> Graph {
    let mut b = GraphBuilder::new("forest_classifier", numeric_inputs(d));
    let parts = (0..d as u32).map(|s| b.input(s).expect("input")).collect();
    let x = b.push(Op::Concat { parts }).expect("concat");
    let z = b
        .push(Op::Scale {
            x,
            mul: (0..d).map(|i| 0.5 + i as f32).collect(),
            add: (0..d).map(|i| i as f32 * -0.25).collect(),
        })
        .expect("scale");
    let raw = b
        .push(Op::Trees {
            x: z,
            forest: Box::new(forest),
            walk,
        })
        .expect("trees");
    let proba = b.push(Op::Softmax { x: raw }).expect("softmax");
    let class = b.push(Op::Argmax { x: proba }).expect("argmax");
    b.output("class", class);
    b.output("proba", proba);
    b.output("raw", raw);
    b.finish().expect("valid graph")
}

#[test]
fn trees_between_other_ops_match() {
    let mut rng = Rng::new(23);
    for case in 0..4 {
        let d = 3 + case;
        let forest = random_forest(&mut rng, d, 3, 20, 8);
        for walk in [TreeWalk::Table, TreeWalk::Branches] {
            let graph = classifier(d, forest.clone(), walk);
            let compiled = compile(&graph).expect("compile");
            for n_rows in [1, 7, 8, 21] {
                let data = rows(&mut rng, n_rows, d);
                let what = format!("case {case} {walk:?} {n_rows} rows");
                check_compiled(&graph, &compiled, &data, n_rows, &what);
            }
        }
    }
}

#[test]
fn two_forests_on_one_input_match() {
    // Two tree tables (two data objects) next to a KnnImpute (a third).
    let mut rng = Rng::new(3);
    let d = 3;
    let mut b = GraphBuilder::new("two", numeric_inputs(d));
    let parts: Vec<NodeId> = (0..d as u32).map(|s| b.input(s).expect("input")).collect();
    let x = b.push(Op::Concat { parts }).expect("concat");
    let train = (0..12).map(|_| row_value(&mut rng)).collect();
    let imputed = b.push(Op::KnnImpute { x, train, k: 2 }).expect("knn");
    for (i, walk) in [TreeWalk::Table, TreeWalk::Table, TreeWalk::Branches]
        .into_iter()
        .enumerate()
    {
        let forest = Box::new(random_forest(&mut rng, d, 1 + i, 9, 6));
        let input = if i == 1 { imputed } else { x };
        let y = b
            .push(Op::Trees {
                x: input,
                forest,
                walk,
            })
            .expect("trees");
        b.output(format!("y{i}"), y);
    }
    let graph = b.finish().expect("valid graph");
    let data = rows(&mut rng, 29, d);
    check(&graph, &data, 29, "two forests");
}

#[test]
fn table_code_does_not_grow_with_the_model() {
    let mut rng = Rng::new(8);
    let small = trees_graph("trees", 5, random_forest(&mut rng, 5, 1, 2, 3), TreeWalk::Table);
    let big = trees_graph(
        "trees",
        5,
        random_forest(&mut rng, 5, 1, 100, 10),
        TreeWalk::Table,
    );
    let (small, big) = (clif_text(&small).expect("clif"), clif_text(&big).expect("clif"));
    // Only the spilling differs: at most 5 features of 3 kinds, up to 3
    // instructions each, for the 16 rows of the group and the single row.
    assert!(
        big.lines().count() <= small.lines().count() + (16 + 1) * 3 * 5 * 3,
        "{} vs {} lines",
        big.lines().count(),
        small.lines().count()
    );
}

#[test]
fn clif_has_no_calls_and_tiny_branches_snapshot() {
    for walk in [TreeWalk::Table, TreeWalk::Branches] {
        let clif = clif_text(&trees_graph("trees", 2, tiny_forest(), walk)).expect("clif");
        assert!(!clif.contains("call"), "{walk:?} calls something:\n{clif}");
        assert_eq!(clif.contains("symbol_value"), walk == TreeWalk::Table, "{walk:?}");
    }
    let graph = trees_graph("tiny", 2, tiny_forest(), TreeWalk::Branches);
    insta::assert_snapshot!(clif_text(&graph).expect("clif"));
}

/// `verify`'s message for the tiny graph with `forest` in place of its tables.
fn verify_message(forest: Forest) -> String {
    let mut graph = trees_graph("trees", 2, tiny_forest(), TreeWalk::Table);
    let Op::Trees { forest: f, .. } = &mut graph.nodes[3].op else {
        panic!("node 3 is the trees node");
    };
    **f = forest;
    let err: VerifyError = verify(&graph).expect_err("bad table");
    assert!(compile(&graph).is_err(), "compile verifies too");
    err.to_string()
}

#[test]
fn verifier_rejects_bad_tables() {
    let split = |feature, left, right| TreeNode::Split {
        feature,
        threshold: 0.0,
        missing_left: false,
        left,
        right,
    };
    let with = |nodes: Vec<TreeNode>| Forest {
        nodes,
        ..tiny_forest()
    };
    let backwards = with(vec![
        TreeNode::Leaf { value: 0 },
        split(0, 0, 2),
        TreeNode::Leaf { value: 1 },
    ]);
    let msg = verify_message(Forest {
        roots: vec![0, 1],
        ..backwards
    });
    assert!(
        msg.contains("node %3 (trees)") && msg.contains("node 1 has child 0 outside"),
        "{msg}"
    );

    let mut nodes = tiny_forest().nodes;
    nodes[1] = split(2, 2, 3);
    let msg = verify_message(with(nodes));
    assert!(msg.contains("node 1 splits on feature 2 of 2"), "{msg}");

    let mut nodes = tiny_forest().nodes;
    nodes[4] = TreeNode::Leaf { value: 3 };
    let msg = verify_message(with(nodes));
    assert!(
        msg.contains("node 4 has leaf value offset 3 outside the leaves"),
        "{msg}"
    );

    let msg = verify_message(Forest {
        roots: vec![],
        ..tiny_forest()
    });
    assert!(msg.contains("roots must start at node 0"), "{msg}");
}

#[test]
fn tiles_with_partial_last_tiles_match() {
    // 20 inputs: tiles of 1024 rows; 300 inputs: wide spill areas, short tiles.
    let mut rng = Rng::new(31);
    for (d, n_trees, counts) in [
        (20, 30, &[8, 16, 1023, 1024, 1025, 2061][..]),
        (300, 40, &[7, 9, 250, 333][..]),
    ] {
        let forest = random_forest(&mut rng, d, 2, n_trees, 12);
        for graph in [
            trees_graph("trees", d, forest.clone(), TreeWalk::Table),
            classifier(d, forest.clone(), TreeWalk::Table),
        ] {
            let compiled = compile(&graph).expect("compile");
            for &n_rows in counts {
                let data = rows(&mut rng, n_rows, d);
                let what = format!("{} d {d} {n_rows} rows", graph.name);
                check_compiled(&graph, &compiled, &data, n_rows, &what);
            }
        }
    }
}

#[test]
fn chained_forests_in_tiles_match() {
    // x -> table -> concat(x, sums) -> table and branches -> outputs: the second
    // table reads the first one's sums in its tile pass.
    let mut rng = Rng::new(41);
    let d = 4;
    let mut b = GraphBuilder::new("chained", numeric_inputs(d));
    let parts: Vec<NodeId> = (0..d as u32).map(|s| b.input(s).expect("input")).collect();
    let x = b.push(Op::Concat { parts: parts.clone() }).expect("concat");
    let first = Box::new(random_forest(&mut rng, d, 2, 15, 8));
    let t1 = b
        .push(Op::Trees {
            x,
            forest: first,
            walk: TreeWalk::Table,
        })
        .expect("trees");
    let mut wide = parts;
    wide.push(t1);
    let x2 = b.push(Op::Concat { parts: wide }).expect("concat");
    for (i, walk) in [TreeWalk::Table, TreeWalk::Branches].into_iter().enumerate() {
        let forest = Box::new(random_forest(&mut rng, d + 2, 1 + i, 12, 7));
        let y = b.push(Op::Trees { x: x2, forest, walk }).expect("trees");
        b.output(format!("y{i}"), y);
    }
    b.output("first", t1);
    let graph = b.finish().expect("valid graph");
    let compiled = compile(&graph).expect("compile");
    for n_rows in [1, 8, 29, 1100, 2500] {
        let data = rows(&mut rng, n_rows, d);
        check_compiled(
            &graph,
            &compiled,
            &data,
            n_rows,
            &format!("chained {n_rows} rows"),
        );
        let want = interpret(&graph, &data, n_rows, d);
        let mut got = vec![-7.0; want.len()];
        compiled
            .run_parallel(&data, n_rows, d, &mut got, Some(2))
            .expect("buffers fit");
        assert!(identical(&want, &got), "chained {n_rows} rows in parallel");
    }
}

#[test]
fn chained_walks_match_the_interpreter_bit_for_bit() {
    // One output (the chained walk's case): single rows (the tree-by-tree
    // table), row groups, partial tiles, wide spill areas, parallel runs.
    let mut rng = Rng::new(53);
    for (case, (d, n_trees, counts)) in [
        (3, 1, &[1, 2, 16, 17][..]),
        (5, 40, &[1, 3, 9, 16, 37, 1023, 1025, 2061][..]),
        (20, 60, &[1, 16, 1024, 1100][..]),
        (300, 25, &[1, 7, 250, 333][..]),
    ]
    .into_iter()
    .enumerate()
    {
        let forest = random_forest(&mut rng, d, 1, n_trees, 12);
        let graph = trees_graph("trees", d, forest, TreeWalk::Chain);
        let compiled = compile(&graph).expect("compile");
        for &n_rows in counts {
            let data = rows(&mut rng, n_rows, d);
            check_compiled(
                &graph,
                &compiled,
                &data,
                n_rows,
                &format!("case {case} chain {n_rows} rows"),
            );
        }
        let n = 5_003;
        let data = rows(&mut rng, n, d);
        let want = interpret(&graph, &data, n, d);
        let mut got = vec![-7.0; want.len()];
        compiled
            .run_parallel(&data, n, d, &mut got, Some(2))
            .expect("buffers fit");
        assert!(identical(&want, &got), "case {case} chain in parallel");
    }
}

#[test]
fn a_chained_walk_of_several_outputs_is_refused() {
    let mut rng = Rng::new(59);
    let mut b = GraphBuilder::new("trees", numeric_inputs(3));
    let parts = (0..3).map(|s| b.input(s).expect("input")).collect();
    let x = b.push(Op::Concat { parts }).expect("concat");
    let forest = Box::new(random_forest(&mut rng, 3, 2, 4, 5));
    let err = b
        .push(Op::Trees {
            x,
            forest,
            walk: TreeWalk::Chain,
        })
        .expect_err("two outputs");
    assert!(
        err.to_string().contains("a chained walk of 2 outputs (one only)"),
        "{err}"
    );
}
