//! Data shared by the model benchmarks (`fit`, `models`): scikit-learn's
//! benchmark rows from `MLG_BENCH_DATA` or generated `make_classification`-like
//! rows, written as train/test CSVs for a workflow to read.

use mlg_stdlib::op::Matrix;
use mlg_stdlib::synth::Classification;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A benchmark data set on disk: `train.csv` and `test.csv` (`f0..f19,target`)
/// in `dir`, the test labels, and the row counts.
pub struct BenchData {
    pub dir: PathBuf,
    pub train_rows: usize,
    pub test_rows: usize,
    pub features: usize,
    pub truth: Vec<u32>,
}

impl Drop for BenchData {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `name` from the environment as a number, or `default`.
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Loads `MLG_BENCH_DATA` (first 80 % train, as in `sklearn_speed.json`) or
/// generates `train_rows + train_rows / 4` rows, and writes both splits into a
/// fresh folder named after `tag`.
pub fn prepare(tag: &str, train_rows: usize) -> BenchData {
    let dir = std::env::temp_dir().join(format!("mlg-{tag}-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench folder");
    let (x, y) = match std::env::var("MLG_BENCH_DATA") {
        Ok(path) => read_matrix(Path::new(&path)),
        Err(_) => Classification::benchmark(train_rows + train_rows / 4, 0).generate(),
    };
    let train_rows = train_rows.min(x.rows * 4 / 5);
    write_csv(&dir.join("train.csv"), &x, &y, 0..train_rows);
    write_csv(&dir.join("test.csv"), &x, &y, train_rows..x.rows);
    BenchData {
        dir,
        train_rows,
        test_rows: x.rows - train_rows,
        features: x.cols,
        truth: y[train_rows..].to_vec(),
    }
}

fn write_csv(path: &Path, x: &Matrix, y: &[u32], rows: std::ops::Range<usize>) {
    let mut csv = String::with_capacity(rows.len() * x.cols * 10);
    let header: Vec<String> = (0..x.cols).map(|j| format!("f{j}")).collect();
    let _ = writeln!(csv, "{},target", header.join(","));
    for i in rows {
        for v in x.row(i) {
            let _ = write!(csv, "{v:.6},");
        }
        let _ = writeln!(csv, "{}", y[i]);
    }
    std::fs::write(path, csv).expect("write data");
}

/// Reads a CSV whose last column is a 0/1 target into a matrix and labels.
fn read_matrix(path: &Path) -> (Matrix, Vec<u32>) {
    let text = std::fs::read_to_string(path).expect("MLG_BENCH_DATA is readable");
    let mut data = Vec::new();
    let mut labels = Vec::new();
    let mut cols = 0;
    for line in text.lines().skip(1).filter(|l| !l.is_empty()) {
        let fields: Vec<f64> = line
            .split(',')
            .map(|f| f.parse().expect("numeric field"))
            .collect();
        let (target, features) = fields.split_last().expect("non-empty row");
        cols = features.len();
        data.extend_from_slice(features);
        labels.push(*target as u32);
    }
    let rows = labels.len();
    (Matrix { rows, cols, data }, labels)
}

/// The workflow source training `model_line` on `train.csv` (with a
/// `standardize` features step named `prep`).
pub fn workflow(model_line: &str) -> String {
    format!(
        "data train = csv(\"train.csv\", target = \"target\")\n\
         features prep = train -> standardize(numeric)\n{model_line}\n"
    )
}
