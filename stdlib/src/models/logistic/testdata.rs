//! Test data for the linear models: the bundled CSV datasets of
//! `examples/data` and column standardization.

use crate::op::Matrix;

/// `examples/data/<name>.csv` (numeric, header row, target last): the features
/// and the target column. Panics on a missing or malformed file (test data).
pub(crate) fn load(name: &str) -> (Matrix, Vec<f64>) {
    let path = format!("{}/../examples/data/{name}.csv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let cols = lines.next().expect("header").split(',').count() - 1;
    let (mut data, mut target) = (Vec::new(), Vec::new());
    for line in lines {
        let values: Vec<f64> = line
            .split(',')
            .map(|v| {
                v.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("bad number in {line}"))
            })
            .collect();
        data.extend_from_slice(&values[..cols]);
        target.push(values[cols]);
    }
    let rows = target.len();
    (Matrix { rows, cols, data }, target)
}

/// Standardizes every column in place to mean 0 and unit population standard
/// deviation (scikit-learn's `StandardScaler`).
pub(crate) fn standardize_columns(x: &mut Matrix) {
    let n = x.rows as f64;
    for j in 0..x.cols {
        let mean = (0..x.rows).map(|i| x.data[i * x.cols + j]).sum::<f64>() / n;
        let var = (0..x.rows)
            .map(|i| (x.data[i * x.cols + j] - mean).powi(2))
            .sum::<f64>()
            / n;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        (0..x.rows).for_each(|i| x.data[i * x.cols + j] = (x.data[i * x.cols + j] - mean) / sd);
    }
}
