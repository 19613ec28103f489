//! The `low-rank` transform: exact reproduction of layers of low rank, the
//! energy rule, the cost rule that leaves layers alone, NaN defaults through
//! the first factor, the Cranelift code of factorized graphs, and the registry.
#![cfg(feature = "low-rank")]

mod common;

use common::{interpret, numeric_inputs, Rng};
use mlg_compiler::backends::cranelift::compile;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{verify, BinaryOp, Graph, GraphBuilder, Op};
use mlg_compiler::passes::{transform, LowRank, Pass, Rank};

/// inputs (`n_in`) → affine `w` (`out` rows) with bias and `missing` → relu →
/// affine to one output `y`.
fn layer_graph(n_in: usize, w: Vec<f32>, out: usize, rng: &mut Rng) -> Graph {
    let mut b = GraphBuilder::new("layer", numeric_inputs(n_in));
    let xs = (0..n_in as u32).map(|s| b.input(s).expect("slot")).collect();
    let x = b.push(Op::Concat { parts: xs }).expect("concat");
    let h = b
        .push(Op::Affine {
            x,
            weights: w,
            bias: (0..out).map(|_| rng.range(-0.5, 0.5)).collect(),
            missing: (0..n_in).map(|j| j as f32 * 0.25).collect(),
        })
        .expect("affine");
    let zero = b.push(Op::Const { values: vec![0.0] }).expect("const");
    let r = b.binary(BinaryOp::Max, h, zero).expect("relu");
    let y = b
        .push(Op::Affine {
            x: r,
            weights: (0..out).map(|_| rng.range(-1.0, 1.0)).collect(),
            bias: vec![0.1],
            missing: vec![],
        })
        .expect("affine");
    b.output("y", y);
    b.finish().expect("valid graph")
}

/// A random `out x n_in` matrix of rank `rank` (a product of two random factors).
fn rank_matrix(out: usize, n_in: usize, rank: usize, rng: &mut Rng) -> Vec<f32> {
    let a: Vec<f32> = (0..out * rank).map(|_| rng.range(-1.0, 1.0)).collect();
    let b: Vec<f32> = (0..rank * n_in).map(|_| rng.range(-1.0, 1.0)).collect();
    (0..out)
        .flat_map(|r| {
            let (a, b) = (&a, &b);
            (0..n_in).map(move |c| (0..rank).map(|q| a[r * rank + q] * b[q * n_in + c]).sum())
        })
        .collect()
}

/// The widths of the graph's affines, in node order.
fn affine_widths(graph: &Graph) -> Vec<u32> {
    graph
        .nodes
        .iter()
        .filter(|n| matches!(n.op, Op::Affine { .. }))
        .map(|n| n.width)
        .collect()
}

/// Rows of `n_in` values in `[-2, 2]`, every seventh value NaN.
fn rows(n_rows: usize, n_in: usize, rng: &mut Rng) -> Vec<f32> {
    (0..n_rows * n_in)
        .map(|i| {
            if i % 7 == 3 {
                f32::NAN
            } else {
                rng.range(-2.0, 2.0)
            }
        })
        .collect()
}

#[test]
fn a_layer_of_low_rank_is_reproduced_by_two_narrow_layers() {
    let mut rng = Rng::new(3);
    let (n_in, out) = (12, 8);
    let graph = layer_graph(n_in, rank_matrix(out, n_in, 3, &mut rng), out, &mut rng);
    let pass = LowRank { rank: Rank::Fixed(3) };
    assert_eq!(pass.factorized_layers(&graph), 1);
    let factored = pass.rewrite(graph.clone());
    assert!(factored.changed);
    let factored = factored.data;
    verify(&factored).expect("factored graph verifies");
    // 3 x (12 + 8) = 60 multiply-adds instead of 96; the 1 x 8 head stays.
    assert_eq!(affine_widths(&factored), vec![3, 8, 1]);
    let data = rows(50, n_in, &mut rng);
    let want = interpret(&graph, &data, 50, n_in);
    let got = interpret(&factored, &data, 50, n_in);
    for (w, g) in want.iter().zip(&got) {
        assert!((w - g).abs() <= 1e-4 * (1.0 + w.abs()), "{w} vs {g}");
    }
    let compiled = compile(&factored).expect("compile");
    let mut native = vec![0.0; got.len()];
    compiled.run(&data, 50, n_in, &mut native).expect("buffers fit");
    assert_eq!(native, got, "Cranelift agrees with the interpreter");
}

#[test]
fn energy_keeps_the_fewest_singular_values_that_reach_the_share() {
    let mut rng = Rng::new(5);
    let (n_in, out) = (12, 8);
    // Rows are scaled unit vectors: the singular values are 8, 4, 2, 1, 0.5, ...
    let mut w = vec![0.0; out * n_in];
    for r in 0..out {
        w[r * n_in + r] = 8.0 / (1 << r) as f32;
    }
    let graph = layer_graph(n_in, w, out, &mut rng);
    // Energies: 64 / 85.3 = 0.75, 80 / 85.3 = 0.94, 84 / 85.3 = 0.98, 85 / 85.3.
    for (share, k) in [(0.5, 1), (0.7, 1), (0.8, 2), (0.9, 2), (0.95, 3), (0.99, 4)] {
        let factored = LowRank {
            rank: Rank::Energy(share),
        }
        .rewrite(graph.clone())
        .data;
        assert_eq!(affine_widths(&factored), vec![k, 8, 1], "energy {share}");
    }
}

#[test]
fn layers_that_are_not_cheaper_factored_are_left_alone() {
    let mut rng = Rng::new(7);
    let (n_in, out) = (12, 8);
    let graph = layer_graph(n_in, rank_matrix(out, n_in, 8, &mut rng), out, &mut rng);
    // 5 x 20 = 100 multiply-adds against 96, and no rank reaches 8 = min(12, 8).
    for rank in [
        Rank::Fixed(5),
        Rank::Fixed(8),
        Rank::Fixed(40),
        Rank::Energy(0.999_999),
    ] {
        let pass = LowRank { rank };
        assert_eq!(pass.factorized_layers(&graph), 0, "{rank:?}");
        let result = pass.rewrite(graph.clone());
        assert!(!result.changed, "{rank:?}");
        assert_eq!(result.data, graph);
    }
    // A factorized graph is a fixed point at the same rank.
    let once = LowRank { rank: Rank::Fixed(4) }.rewrite(graph.clone()).data;
    assert_eq!(affine_widths(&once), vec![4, 8, 1]);
    assert!(!LowRank { rank: Rank::Fixed(4) }.rewrite(once).changed);
}

#[test]
fn the_registry_reads_a_rank_or_an_energy_share() {
    assert_eq!(
        transform("low-rank", Some(16.0)).expect("rank").name(),
        "low-rank"
    );
    assert_eq!(
        transform("low-rank", Some(0.95)).expect("energy").name(),
        "low-rank"
    );
    let err = |amount| transform("low-rank", amount).err().expect("refused");
    assert_eq!(
        err(Some(2.5)),
        "transform `low-rank` takes a whole rank of at least 1 or an energy share strictly between 0 and 1, got 2.5"
    );
    assert!(err(Some(0.0)).contains("got 0"));
    assert!(err(None).contains("needs a rank (e.g. low-rank=16)"));
    assert!(transform("nope", None)
        .err()
        .expect("unknown")
        .contains("low-rank"));
}
