//! Shared test helpers: CSV loading for the bundled datasets, frame ↔ matrix
//! conversion, seeded synthetic data, and running lowered graphs through the
//! reference interpreter.
#![allow(dead_code, clippy::needless_range_loop)]

use mlg_compiler::backends::{cranelift, Executable};
use mlg_compiler::ir::{interp, Graph, GraphBuilder, InputSlot, SlotKind};
use mlg_compiler::workflow::catalog::{Params, Value};
use mlg_runtime::frame::{Column, ColumnData, Frame};
use mlg_stdlib::eval::rng::SplitMix64;
use mlg_stdlib::op::{FittedModel, FittedTransform, Lowering, Matrix, OpError, Target};
use mlg_stdlib::transform;

/// A numeric CSV with a header: column names and rows.
pub fn read_csv(path: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let full = format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let rows = lines
        .map(|l| {
            l.split(',')
                .map(|v| {
                    v.trim()
                        .parse::<f64>()
                        .unwrap_or_else(|_| panic!("bad number in {l}"))
                })
                .collect()
        })
        .collect();
    (header, rows)
}

/// A dataset: the features as a frame of numeric columns plus the target column.
pub fn load_dataset(name: &str) -> (Frame, Vec<f64>) {
    let (header, rows) = read_csv(&format!("{name}.csv"));
    let n_features = header.len() - 1;
    let columns = (0..n_features)
        .map(|j| Column::numeric(header[j].clone(), rows.iter().map(|r| r[j]).collect()))
        .collect();
    let target = rows.iter().map(|r| r[n_features]).collect();
    (Frame::new(columns, rows.len()), target)
}

/// The fold id of every row from `<name>.folds.csv` (`row,fold`).
pub fn load_folds(name: &str, n: usize) -> Vec<i64> {
    let (_, rows) = read_csv(&format!("{name}.folds.csv"));
    let mut folds = vec![-1; n];
    for r in rows {
        folds[r[0] as usize] = r[1] as i64;
    }
    folds
}

/// All numeric columns of `frame` as a row-major matrix.
pub fn to_matrix(frame: &Frame) -> Matrix {
    let cols: Vec<&[f64]> = frame
        .columns
        .iter()
        .map(|c| c.as_numeric().expect("numeric column"))
        .collect();
    let mut data = Vec::with_capacity(frame.n_rows * cols.len());
    for i in 0..frame.n_rows {
        data.extend(cols.iter().map(|c| c[i]));
    }
    Matrix {
        rows: frame.n_rows,
        cols: cols.len(),
        data,
    }
}

/// A matrix from rows.
pub fn matrix(rows: &[Vec<f64>]) -> Matrix {
    Matrix {
        rows: rows.len(),
        cols: rows.first().map_or(0, Vec::len),
        data: rows.concat(),
    }
}

/// Standard normal draws (Box–Muller) from a seeded generator.
pub struct Normal(pub SplitMix64);

impl Normal {
    pub fn new(seed: u64) -> Self {
        Normal(SplitMix64::new(seed))
    }
    pub fn sample(&mut self) -> f64 {
        let u1 = 1.0 - self.0.next_f64();
        let u2 = self.0.next_f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// A lowering over one input slot per frame column (numeric or categorical with
/// the frame's dictionary), each column bound to its `Input` node.
pub fn lowering_for(frame: &Frame) -> Lowering {
    let inputs = frame
        .columns
        .iter()
        .map(|c| InputSlot {
            name: c.name.clone(),
            kind: match &c.data {
                ColumnData::Numeric(_) => SlotKind::Numeric,
                ColumnData::Categorical { levels, .. } => SlotKind::Categorical {
                    levels: levels.clone(),
                },
            },
        })
        .collect();
    let mut builder = GraphBuilder::new("test", inputs);
    let columns = (0..frame.columns.len())
        .map(|slot| {
            (
                frame.columns[slot].name.clone(),
                builder.input(slot as u32).expect("input"),
            )
        })
        .collect();
    Lowering { builder, columns }
}

/// Row `i` of `frame` in the row ABI: numbers, NaN when missing, codes for categoricals.
pub fn abi_row(frame: &Frame, i: usize) -> Vec<f32> {
    frame
        .columns
        .iter()
        .map(|c| {
            if c.missing[i] {
                return f32::NAN;
            }
            match &c.data {
                ColumnData::Numeric(v) => v[i] as f32,
                ColumnData::Categorical { codes, .. } => codes[i] as f32,
            }
        })
        .collect()
}

/// Runs `graph` on one input row through the reference interpreter.
pub fn run_graph(graph: &Graph, row: &[f32]) -> Vec<f32> {
    let mut scratch = Vec::new();
    let mut out = vec![0.0; graph.n_outputs()];
    interp::eval_row(graph, row, &mut scratch, &mut out);
    out
}

/// Finishes `lowering` with every current column as an output and evaluates it
/// on every row of `frame`, returning one output row per frame row.
pub fn run_lowered_columns(mut lowering: Lowering, frame: &Frame) -> (Vec<String>, Vec<Vec<f32>>) {
    let names: Vec<String> = lowering.columns.iter().map(|(n, _)| n.clone()).collect();
    for (name, node) in lowering.columns.clone() {
        lowering.builder.output(name, node);
    }
    let graph = lowering.builder.finish().expect("valid graph");
    let rows = (0..frame.n_rows)
        .map(|i| run_graph(&graph, &abi_row(frame, i)))
        .collect();
    (names, rows)
}

/// Asserts `|a - b| <= tol` with a readable message.
pub fn assert_close(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b} (tol {tol})");
}

pub fn params(items: &[(&str, Value)]) -> Params {
    items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// `n × d` standard normal features.
pub fn features(n: usize, d: usize, seed: u64) -> Matrix {
    let mut g = Normal::new(seed);
    Matrix {
        rows: n,
        cols: d,
        data: (0..n * d).map(|_| g.sample()).collect(),
    }
}

/// Solves the dense system `a x = b` by Gaussian elimination with partial pivoting.
pub fn gauss_solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap();
        a.swap(col, piv);
        b.swap(col, piv);
        for r in col + 1..n {
            let f = a[r][col] / a[col][col];
            for c in col..n {
                a[r][c] -= f * a[col][c];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        x[r] = (b[r] - (r + 1..n).map(|c| a[r][c] * x[c]).sum::<f64>()) / a[r][r];
    }
    x
}

/// Lowers `model` over a feature vector built from `d` numeric inputs and runs
/// the graph on every row of `x`.
pub fn run_model_graph(model: &dyn FittedModel, x: &Matrix) -> (Vec<String>, Vec<Vec<f32>>) {
    let inputs = (0..x.cols)
        .map(|j| InputSlot {
            name: format!("x{j}"),
            kind: SlotKind::Numeric,
        })
        .collect();
    let mut b = GraphBuilder::new("model", inputs);
    let parts = (0..x.cols as u32).map(|j| b.input(j).unwrap()).collect();
    let features = b.push(mlg_compiler::ir::Op::Concat { parts }).unwrap();
    let outputs = model.lower(&mut b, features).unwrap();
    let names = outputs.iter().map(|(n, _)| n.clone()).collect();
    for (name, node) in outputs {
        b.output(name, node);
    }
    let graph = b.finish().unwrap();
    let rows = (0..x.rows)
        .map(|i| run_graph(&graph, &x.row(i).iter().map(|v| *v as f32).collect::<Vec<_>>()))
        .collect();
    (names, rows)
}

/// Owned names from string slices.
pub fn names(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|s| s.to_string()).collect()
}

/// A categorical column with the given codes, dictionary and missing flags.
pub fn cat(name: &str, codes: &[u32], levels: &[&str], missing: &[bool]) -> Column {
    Column::categorical(
        name,
        codes.to_vec(),
        levels.iter().map(|s| s.to_string()).collect(),
        missing.to_vec(),
    )
}

/// The values of numeric column `name` of `frame`.
pub fn num<'a>(frame: &'a Frame, name: &str) -> &'a [f64] {
    frame
        .column(name)
        .and_then(Column::as_numeric)
        .expect("numeric column")
}

/// A frame of numeric columns given as `(name, values)`.
pub fn numeric_frame(cols: &[(&str, &[f64])]) -> Frame {
    let n = cols.first().map_or(0, |c| c.1.len());
    Frame::new(
        cols.iter()
            .map(|(name, v)| Column::numeric(*name, v.to_vec()))
            .collect(),
        n,
    )
}

/// Fits the features step `op` with parameters `p` on the columns `cols` of
/// `frame`, against an all-zero numeric target.
pub fn fit(
    op: &str,
    p: &[(&str, Value)],
    frame: &Frame,
    cols: &[&str],
) -> Result<Box<dyn FittedTransform>, OpError> {
    let target = Target::Values(vec![0.0; frame.n_rows]);
    transform(op, &params(p))?.fit(frame, &names(cols), &target)
}

/// A finished graph's outputs on every row of a frame from both backends,
/// row-major (`names.len()` values per row).
pub struct BackendRows {
    /// The output (column) names, in order.
    pub names: Vec<String>,
    /// From the reference interpreter (`interp::eval_rows`).
    pub interp: Vec<f32>,
    /// From the Cranelift backend.
    pub native: Vec<f32>,
}

/// Finishes `lowering` with every current column as an output and runs the
/// graph on every row of `frame` through the interpreter (`eval_rows`) and the
/// Cranelift backend.
pub fn run_backends(mut lowering: Lowering, frame: &Frame) -> BackendRows {
    let names: Vec<String> = lowering.columns.iter().map(|(n, _)| n.clone()).collect();
    for (name, node) in lowering.columns.clone() {
        lowering.builder.output(name, node);
    }
    let graph = lowering.builder.finish().expect("valid graph");
    let (n, width) = (frame.n_rows, graph.n_inputs());
    let input: Vec<f32> = (0..n).flat_map(|i| abi_row(frame, i)).collect();
    let mut by_interp = vec![0.0f32; n * graph.n_outputs()];
    interp::eval_rows(&graph, &input, n, width, &mut by_interp);
    let exe = cranelift::compile(&graph).expect("cranelift compile");
    let mut by_jit = vec![0.0f32; n * graph.n_outputs()];
    exe.run(&input, n, width, &mut by_jit).expect("cranelift run");
    BackendRows {
        names,
        interp: by_interp,
        native: by_jit,
    }
}

/// Lowers `fitted` over every column of `frame` (see [`lowering_for`]).
pub fn lowered(fitted: &dyn FittedTransform, frame: &Frame) -> Lowering {
    let mut lowering = lowering_for(frame);
    fitted.lower(&mut lowering).expect("lower");
    lowering
}

/// Lowers `fitted` and asserts the graph agrees with `fitted.transform(frame)`
/// (see [`assert_lowering_agrees`]); returns both backends' rows.
pub fn assert_graph_agrees(fitted: &dyn FittedTransform, frame: &Frame, rel: f32) -> BackendRows {
    assert_lowering_agrees(lowered(fitted, frame), fitted, frame, rel)
}

/// Runs the already lowered `lowering` of `fitted` on every row of `frame`
/// with the interpreter and Cranelift, and asserts: the output columns are
/// those of `fitted.transform(frame)`, both backends agree exactly (NaN with
/// NaN), and they match the transform in the row ABI (NaN with NaN, otherwise
/// within `rel * max(|want|, 1)`). Returns both backends' rows.
pub fn assert_lowering_agrees(
    lowering: Lowering,
    fitted: &dyn FittedTransform,
    frame: &Frame,
    rel: f32,
) -> BackendRows {
    let expected = fitted.transform(frame).expect("transform");
    let rows = run_backends(lowering, frame);
    let (cols, by_interp, by_jit) = (&rows.names, &rows.interp, &rows.native);
    assert_eq!(*cols, expected.names());
    for i in 0..frame.n_rows {
        for (j, want) in abi_row(&expected, i).iter().enumerate() {
            let (a, b) = (by_interp[i * cols.len() + j], by_jit[i * cols.len() + j]);
            assert!(
                a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                "row {i} {}: interp {a} vs cranelift {b}",
                cols[j]
            );
            let ok = (a.is_nan() && want.is_nan()) || (a - want).abs() <= rel * want.abs().max(1.0);
            assert!(ok, "row {i} {}: graph {a} vs transform {want}", cols[j]);
        }
    }
    rows
}
