//! Helpers shared by the model unit tests: the bundled datasets of
//! `examples/data` as matrices, their predefined folds, parameter maps and
//! scores.

use crate::op::{Matrix, Target};
use mlg_compiler::workflow::catalog::{Params, Value};

/// A bundled numeric CSV of `examples/data`: features and the last column.
pub(crate) fn dataset(name: &str) -> (Matrix, Vec<f64>) {
    let path = format!("{}/../examples/data/{name}.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(|v| v.trim().parse().expect("number")).collect())
        .collect();
    let cols = rows[0].len() - 1;
    let data = rows.iter().flat_map(|r| r[..cols].iter().copied()).collect();
    let y = rows.iter().map(|r| r[cols]).collect();
    let x = Matrix {
        rows: rows.len(),
        cols,
        data,
    };
    (x, y)
}

/// The fold of every row of `examples/data/<name>.folds.csv`.
pub(crate) fn folds(name: &str, n: usize) -> Vec<usize> {
    let (m, fold) = dataset(&format!("{name}.folds"));
    let mut out = vec![0; n];
    for i in 0..m.rows {
        out[m.data[i] as usize] = fold[i] as usize;
    }
    out
}

pub(crate) fn params(items: &[(&str, Value)]) -> Params {
    items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Class target from codes `0..k`.
pub(crate) fn classes(y: &[f64]) -> Target {
    let k = y.iter().fold(0.0f64, |a, &b| a.max(b)) as usize + 1;
    Target::Classes {
        codes: y.iter().map(|&v| v as u32).collect(),
        labels: (0..k).map(|c| c.to_string()).collect(),
    }
}

pub(crate) fn take(x: &Matrix, rows: &[usize]) -> Matrix {
    Matrix {
        rows: rows.len(),
        cols: x.cols,
        data: rows.iter().flat_map(|&r| x.row(r).iter().copied()).collect(),
    }
}

pub(crate) fn accuracy(pred: &[f64], truth: &[f64]) -> f64 {
    pred.iter().zip(truth).filter(|(p, t)| p == t).count() as f64 / truth.len() as f64
}

pub(crate) fn r2(pred: &[f64], truth: &[f64]) -> f64 {
    let mean = truth.iter().sum::<f64>() / truth.len() as f64;
    let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    let ss_res: f64 = pred.iter().zip(truth).map(|(p, t)| (t - p).powi(2)).sum();
    1.0 - ss_res / ss_tot
}

/// `n` rows of three deterministic features in `[-1, 1]` and two classes
/// split by a line: a small problem for fits that must be repeated.
pub(crate) fn two_classes(n: usize) -> (Matrix, Target) {
    let data: Vec<f64> = (0..n * 3)
        .map(|i| ((i * 7919) % 101) as f64 / 50.0 - 1.0)
        .collect();
    let codes: Vec<u32> = (0..n)
        .map(|i| u32::from(data[i * 3] + 0.5 * data[i * 3 + 1] > 0.0))
        .collect();
    let x = Matrix {
        rows: n,
        cols: 3,
        data,
    };
    let y = Target::Classes {
        codes,
        labels: vec!["a".into(), "b".into()],
    };
    (x, y)
}

/// The fingerprint and payload of the checkpoint a fit left at `path`
/// (read back through [`mlg_runtime::checkpoint::load`], so its CRC counts).
pub(crate) fn saved_checkpoint(path: &std::path::Path) -> (u64, Vec<u8>) {
    let bytes = std::fs::read(path).expect("checkpoint");
    let print = u64::from_le_bytes(bytes[12..20].try_into().expect("header"));
    let payload = mlg_runtime::checkpoint::load(path, print)
        .expect("load")
        .expect("this fit's");
    (print, payload)
}
