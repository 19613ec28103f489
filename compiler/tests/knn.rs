//! `Op::KnnImpute`: the interpreter against scikit-learn's `KNNImputer` on a
//! small matrix, and the Cranelift backend against the interpreter on random
//! data with NaNs (all-missing rows, `k` above the candidate count, ties).

mod common;

use common::{interpret, numeric_inputs, Rng};
use mlg_compiler::backends::cranelift::{clif_text, compile};
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{Graph, GraphBuilder, Op};

const NAN: f32 = f32::NAN;

/// A graph imputing its `d` inputs against `train` with `k` neighbours.
fn knn_graph(d: usize, train: Vec<f32>, k: u32) -> Graph {
    let mut b = GraphBuilder::new("knn", numeric_inputs(d));
    let parts = (0..d as u32).map(|s| b.input(s).expect("input")).collect();
    let x = b.push(Op::Concat { parts }).expect("concat");
    let y = b.push(Op::KnnImpute { x, train, k }).expect("knn");
    b.output("y", y);
    b.finish().expect("valid graph")
}

/// Runs `graph` compiled on `rows` and checks it equals the interpreter bit
/// for bit (NaN equal to NaN); returns the interpreter's output.
fn both(graph: &Graph, rows: &[f32], n_rows: usize) -> Vec<f32> {
    let d = graph.n_inputs();
    let want = interpret(graph, rows, n_rows, d);
    let compiled = compile(graph).expect("compile");
    let mut got = vec![0.0; want.len()];
    compiled.run(rows, n_rows, d, &mut got).expect("run");
    for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan()),
            "element {i}: compiled {g} vs interpreter {w}"
        );
    }
    want
}

const TRAIN: [f32; 18] = [
    1.0, 2.0, NAN, 3.0, NAN, 4.0, NAN, 6.0, 5.0, 8.0, 8.0, 8.0, 2.0, 1.0, 0.5, NAN, NAN, 7.0,
];
const QUERIES: [f32; 18] = [
    NAN, 2.0, 3.0, 4.0, NAN, NAN, NAN, NAN, NAN, 1.0, 2.0, 3.0, 0.0, NAN, 1.0, 7.0, 7.0, NAN,
];

/// `KNNImputer(n_neighbors=k).fit(TRAIN).transform(QUERIES)` with scikit-learn
/// 1.x in float64 (run with `/tmp/skv/bin/python`), for k = 1, 2 and 10.
const SKLEARN: [(u32, [f64; 18]); 3] = [
    (
        1,
        [
            1.0, 2.0, 3.0, 4.0, 1.0, 4.0, 3.5, 4.25, 4.9, 1.0, 2.0, 3.0, 0.0, 2.0, 1.0, 7.0, 7.0, 5.0,
        ],
    ),
    (
        2,
        [
            2.0, 2.0, 3.0, 4.0, 1.5, 2.25, 3.5, 4.25, 4.9, 1.0, 2.0, 3.0, 0.0, 1.5, 1.0, 7.0, 7.0, 6.5,
        ],
    ),
    (
        10,
        [
            3.5,
            2.0,
            3.0,
            4.0,
            3.666_666_666_666_666_5,
            4.166_666_666_666_667,
            3.5,
            4.25,
            4.9,
            1.0,
            2.0,
            3.0,
            0.0,
            4.25,
            1.0,
            7.0,
            7.0,
            4.375,
        ],
    ),
];

#[test]
fn matches_sklearn_on_a_small_matrix() {
    for (k, want) in SKLEARN {
        let graph = knn_graph(3, TRAIN.to_vec(), k);
        let got = both(&graph, &QUERIES, 6);
        for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
            let tol = 1e-5 * f64::from(g).abs().max(w.abs()) + 1e-6;
            assert!(
                (f64::from(g) - w).abs() <= tol,
                "k {k} element {i}: {g} vs sklearn {w}"
            );
        }
    }
}

#[test]
fn ties_go_to_the_lower_training_row() {
    // Rows 0 and 1 are both at distance 1 from the query; k = 1 takes row 0.
    let graph = knn_graph(2, vec![1.0, 10.0, 3.0, 20.0, 9.0, 30.0], 1);
    assert_eq!(both(&graph, &[2.0, NAN], 1), vec![2.0, 10.0]);
}

#[test]
fn a_column_never_present_stays_nan() {
    let graph = knn_graph(2, vec![1.0, NAN, 2.0, NAN], 3);
    let got = both(&graph, &[NAN, NAN, 1.5, NAN], 2);
    assert_eq!(got[0], 1.5);
    assert!(got[1].is_nan() && got[3].is_nan());
    assert_eq!(got[2], 1.5);
}

#[test]
fn compiled_matches_interpreter_on_random_data() {
    let mut rng = Rng::new(7);
    for case in 0..24 {
        let d = 1 + rng.below(5);
        let n = 1 + rng.below(if case % 4 == 0 { 3 } else { 300 });
        let k = 1 + rng.below(if case % 3 == 0 { 2 * n + 2 } else { 6 }) as u32;
        // Small integers make exact distance ties common.
        let value = |rng: &mut Rng| {
            if rng.chance(0.25) {
                NAN
            } else if case % 2 == 0 {
                rng.below(4) as f32
            } else {
                rng.range(-3.0, 3.0)
            }
        };
        let train: Vec<f32> = (0..n * d).map(|_| value(&mut rng)).collect();
        let n_rows = 37;
        let mut rows: Vec<f32> = (0..n_rows * d).map(|_| value(&mut rng)).collect();
        rows[..d].iter_mut().for_each(|v| *v = NAN); // one all-missing row
        let graph = knn_graph(d, train, k);
        both(&graph, &rows, n_rows);
    }
}

#[test]
fn row_function_has_no_calls_and_text_form_is_short() {
    let graph = knn_graph(3, TRAIN.to_vec(), 2);
    let clif = clif_text(&graph).expect("clif");
    assert!(!clif.contains("call"), "the row function must not call anything");
    assert!(clif.contains("symbol"), "the training matrix is a data object");
    let text = graph.to_string();
    assert!(text.contains("knn_impute %3 k=2 train=<18 values> : 3"), "{text}");
}

#[test]
fn verify_rejects_bad_shapes() {
    let mut b = GraphBuilder::new("bad", numeric_inputs(2));
    let x0 = b.input(0).expect("input");
    let x1 = b.input(1).expect("input");
    let x = b.push(Op::Concat { parts: vec![x0, x1] }).expect("concat");
    let bad = |train: Vec<f32>, k| Op::KnnImpute { x, train, k };
    assert!(b.push(bad(vec![1.0, 2.0, 3.0], 1)).is_err(), "ragged rows");
    assert!(b.push(bad(Vec::new(), 1)).is_err(), "no rows");
    assert!(b.push(bad(vec![1.0, 2.0], 0)).is_err(), "k = 0");
    assert!(b.push(bad(vec![1.0, 2.0], 1)).is_ok());
}
