//! Every model of the shipped examples, fitted for real: the optimized graph
//! gives the unoptimized graph's outputs, and the Cranelift function gives the
//! interpreter's, on random rows with missing values (bit for bit where the
//! graph is tree tables and comparisons; else within 1e-5 relative for codegen
//! and 1e-4 for the passes, whose affine fusion refolds standardisation into
//! the weights and so rounds differently where a logit cancels).

use mlg::executor::{fit_full, optimize};
use mlg::Workflow;
use mlg_compiler::backends::cranelift;
use mlg_compiler::ir::{interp, Graph, InputSlot, SlotKind};
use mlg_stdlib::eval::rng::SplitMix64;

const ROWS: usize = 257;

/// `ROWS` seeded rows for `slots`: `mlg bench`'s random rows, a fifth of the
/// values replaced by NaN (missing), and every fifth categorical an unseen `-1`.
fn rows(slots: &[InputSlot], seed: u64) -> Vec<f32> {
    let mut rows = mlg_cli::bench::random_rows(slots, ROWS, seed);
    let mut rng = SplitMix64::new(seed ^ 0xA5A5);
    let d = slots.len();
    for (i, v) in rows.iter_mut().enumerate() {
        let u = rng.next_f64();
        if u < 0.2 {
            *v = f32::NAN;
        } else if u < 0.25 && matches!(slots[i % d].kind, SlotKind::Categorical { .. }) {
            *v = -1.0;
        }
    }
    rows
}

/// `rows` (in `from`'s slot order) re-encoded for `to`'s slots, by name.
fn reencode(rows: &[f32], from: &[InputSlot], to: &[InputSlot]) -> Vec<f32> {
    let index: Vec<usize> = to
        .iter()
        .map(|s| {
            from.iter()
                .position(|f| f.name == s.name)
                .expect("pruned slot exists")
        })
        .collect();
    rows.chunks(from.len())
        .flat_map(|row| index.iter().map(move |&j| row[j]))
        .collect()
}

fn interpret(graph: &Graph, rows: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; ROWS * graph.n_outputs()];
    interp::eval_rows(graph, rows, ROWS, graph.n_inputs(), &mut out);
    out
}

/// Equal bit for bit, both NaN, or within `tol` relative (`tol / 10` absolute).
fn close(a: f32, b: f32, tol: f32) -> bool {
    a.to_bits() == b.to_bits()
        || (a.is_nan() && b.is_nan())
        || (a - b).abs() <= tol * a.abs().max(b.abs()) + tol / 10.0
}

fn check(what: &str, want: &[f32], got: &[f32], n_out: usize, tol: f32) {
    let bad: Vec<usize> = (0..want.len())
        .filter(|&i| !close(want[i], got[i], tol))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: {} of {} values differ, first at row {} ({} vs {})",
        bad.len(),
        want.len(),
        bad[0] / n_out,
        want[bad[0]],
        got[bad[0]]
    );
}

fn all_models_agree(example: &str) {
    let wf = Workflow::from_file(format!("examples/{example}.mlg")).expect("example checks");
    for (k, name) in wf.models().into_iter().enumerate() {
        let fitted = fit_full(&wf, &name).expect("model fits");
        let lowered = fitted.lower(&name).expect("model lowers");
        let optimized = optimize(&lowered, &name, &fitted.transforms, fitted.calibration.as_ref())
            .expect("passes run")
            .graph;
        let raw = rows(&lowered.inputs, 11 + k as u64);
        let narrow = reencode(&raw, &lowered.inputs, &optimized.inputs);
        let n_out = lowered.n_outputs();
        let before = interpret(&lowered, &raw);
        let after = interpret(&optimized, &narrow);
        check(
            &format!("{example}/{name}: optimized IR"),
            &before,
            &after,
            n_out,
            1e-4,
        );
        let exe = cranelift::compile(&optimized).expect("compiles");
        let mut native = vec![0.0; ROWS * n_out];
        exe.run_parallel(&narrow, ROWS, optimized.n_inputs(), &mut native, Some(1))
            .expect("runs");
        check(
            &format!("{example}/{name}: Cranelift"),
            &after,
            &native,
            n_out,
            1e-5,
        );
    }
}

#[test]
fn iris_and_diabetes_examples() {
    all_models_agree("iris");
    all_models_agree("diabetes");
    all_models_agree("penguins");
}

#[test]
fn tree_ensemble_example() {
    all_models_agree("penguins_forest");
}

#[test]
fn every_model_family_on_iris_and_diabetes() {
    all_models_agree("compare/iris");
    all_models_agree("compare/diabetes");
}

#[test]
fn every_model_family_on_penguins_and_breast_cancer() {
    all_models_agree("compare/penguins");
    all_models_agree("compare/breast_cancer");
}

#[test]
fn ensemble_example() {
    all_models_agree("penguins_ensemble");
}
