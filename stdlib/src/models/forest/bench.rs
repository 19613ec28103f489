//! The forest fit-speed benchmark (an `#[ignore]` test): 100 trees of depth 10
//! on 160,000 × 20 rows of `make_classification`-like binary data, scored on
//! 40,000 held-out rows. Run it with
//! `cargo test --release -p mlg-stdlib --lib forest -- --ignored --nocapture`.
//!
//! The data is generated here like scikit-learn's `make_classification(
//! n_features=20, n_informative=10, n_redundant=5, n_clusters_per_class=2,
//! flip_y=0.01, class_sep=1.0)` (same construction, different random stream).
//! Set `MLG_SYNTH_CSV` to a plain CSV with a header and the class in the last
//! column (e.g. the un-gzipped `shared/bench/data/synth_clf_200k.csv.gz`) to
//! use those rows instead (first 160,000 train, next 40,000 test), and
//! `MLG_SYNTH_DUMP` to a path to write the generated rows there for a
//! scikit-learn comparison on identical data; `MLG_SPLITTER` and `MLG_SEED`
//! set the forest's `splitter` and `seed`.

use crate::eval::rng::SplitMix64;
use crate::op::Matrix;

/// Standard normal draws (Box–Muller).
fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.next_f64();
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `n` rows × 20 features and their 0/1 classes, built like scikit-learn's
/// `make_classification` with 10 informative, 5 redundant and 5 noise
/// features, two clusters per class on hypercube vertices (`class_sep = 1`),
/// 1 % flipped labels, rows and columns shuffled.
pub(crate) fn make_classification(n: usize, seed: u64) -> (Matrix, Vec<u32>) {
    const INF: usize = 10;
    const RED: usize = 5;
    const D: usize = 20;
    const CLUSTERS: usize = 4;
    let mut rng = SplitMix64::new(seed);
    let mut vertices: Vec<u64> = Vec::new();
    while vertices.len() < CLUSTERS {
        let v = rng.below(1 << INF);
        if !vertices.contains(&v) {
            vertices.push(v);
        }
    }
    let uniform =
        |rng: &mut SplitMix64, k: usize| -> Vec<f64> { (0..k).map(|_| 2.0 * rng.next_f64() - 1.0).collect() };
    let mixes: Vec<Vec<f64>> = (0..CLUSTERS).map(|_| uniform(&mut rng, INF * INF)).collect();
    let redundant = uniform(&mut rng, INF * RED);
    let mut columns: Vec<usize> = (0..D).collect();
    rng.shuffle(&mut columns);
    let mut data = vec![0.0; n * D];
    let mut y = vec![0u32; n];
    let mut row = [0.0f64; D];
    for i in 0..n {
        let cluster = rng.below(CLUSTERS as u64) as usize;
        let z: Vec<f64> = (0..INF).map(|_| normal(&mut rng)).collect();
        for a in 0..INF {
            let centre = if vertices[cluster] >> a & 1 == 1 {
                1.0
            } else {
                -1.0
            };
            row[a] = centre + (0..INF).map(|b| z[b] * mixes[cluster][b * INF + a]).sum::<f64>();
        }
        for r in 0..RED {
            row[INF + r] = (0..INF).map(|a| row[a] * redundant[a * RED + r]).sum();
        }
        for v in row.iter_mut().skip(INF + RED) {
            *v = normal(&mut rng);
        }
        for (j, &c) in columns.iter().enumerate() {
            // Rounded to f32 like the benchmark CSV ('%.7g').
            data[i * D + j] = f64::from(row[c] as f32);
        }
        y[i] = (cluster % 2) as u32;
        if rng.next_f64() < 0.01 {
            y[i] = rng.below(2) as u32;
        }
    }
    (
        Matrix {
            rows: n,
            cols: D,
            data,
        },
        y,
    )
}

/// Rows and classes from a CSV with a header and the class in the last column.
fn read_csv(path: &str) -> (Matrix, Vec<u32>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let cols = lines.next().map_or(0, |h| h.split(',').count()) - 1;
    let (mut data, mut y) = (Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.is_empty()) {
        let values: Vec<f64> = line.split(',').map(|v| v.parse().expect("number")).collect();
        data.extend_from_slice(&values[..cols]);
        y.push(values[cols] as u32);
    }
    (
        Matrix {
            rows: y.len(),
            cols,
            data,
        },
        y,
    )
}

/// CPU seconds this process has used so far (user + system, from
/// `/proc/self/stat`; 0 where that file does not exist).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the
    // 14th and 15th fields of the line, in clock ticks (100 per second).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Rows `from..to` of `x`.
fn rows(x: &Matrix, from: usize, to: usize) -> Matrix {
    Matrix {
        rows: to - from,
        cols: x.cols,
        data: x.data[from * x.cols..to * x.cols].to_vec(),
    }
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn forest_fit_speed_160k_rows() {
    use crate::models::RandomForest;
    use crate::op::{Estimator, Target};
    use mlg_compiler::workflow::catalog::{Params, Value};
    let (x, y) = match std::env::var("MLG_SYNTH_CSV") {
        Ok(path) => read_csv(&path),
        Err(_) => make_classification(200_000, 0),
    };
    if let Ok(path) = std::env::var("MLG_SYNTH_DUMP") {
        let mut out = String::new();
        out.push_str(&(0..x.cols).map(|j| format!("f{j}")).collect::<Vec<_>>().join(","));
        out.push_str(",target\n");
        for (i, class) in y.iter().enumerate() {
            let row: Vec<String> = x.row(i).iter().map(|v| format!("{}", *v as f32)).collect();
            out.push_str(&format!("{},{class}\n", row.join(",")));
        }
        std::fs::write(&path, out).expect("dump");
    }
    let (train, test) = (160_000.min(x.rows * 4 / 5), x.rows.min(200_000));
    let xtr = rows(&x, 0, train);
    let xte = rows(&x, train, test);
    let target = Target::Classes {
        codes: y[..train].to_vec(),
        labels: vec!["0".into(), "1".into()],
    };
    let mut params = Params::new();
    params.insert("trees".into(), Value::Int(100));
    params.insert("max_depth".into(), Value::Int(10));
    if let Ok(s) = std::env::var("MLG_SPLITTER") {
        params.insert("splitter".into(), Value::Str(s));
    }
    if let Some(seed) = std::env::var("MLG_SEED").ok().and_then(|s| s.parse().ok()) {
        params.insert("seed".into(), Value::Int(seed));
    }
    let forest = RandomForest::classifier(&params).expect("params");
    let (start, cpu) = (std::time::Instant::now(), cpu_seconds());
    let fitted = forest.fit(&xtr, &target).expect("fit");
    let fit_s = start.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds() - cpu;
    let pred = fitted.predict(&xte);
    let hits = pred
        .iter()
        .zip(&y[train..test])
        .filter(|(p, c)| **p == f64::from(**c))
        .count();
    let acc = hits as f64 / (test - train) as f64;
    println!(
        "random forest 100 trees depth 10: {train} x {} rows fit in {fit_s:.2} s ({cpu_s:.2} CPU s), test accuracy {acc:.4} on {} rows ({} threads)",
        x.cols,
        test - train,
        rayon::current_num_threads()
    );
    assert!(acc > 0.85, "accuracy {acc}");
}

#[test]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
fn tree_splitter_crossover() {
    use crate::models::DecisionTree;
    use crate::op::{FittedModel, Target};
    use mlg_compiler::workflow::catalog::{Params, Value};
    let (x, y) = make_classification(100_000, 7);
    let test = rows(&x, 80_000, 100_000);
    for n in [5_000, 20_000, 80_000] {
        let train = rows(&x, 0, n);
        let target = Target::Classes {
            codes: y[..n].to_vec(),
            labels: vec!["0".into(), "1".into()],
        };
        for splitter in ["exact", "hist"] {
            let mut params = Params::new();
            params.insert("splitter".into(), Value::Str(splitter.into()));
            params.insert("max_depth".into(), Value::Int(10));
            let tree = DecisionTree::classifier(&params).expect("params");
            let start = std::time::Instant::now();
            let fitted = tree.fit_tree(&train, &target).expect("fit");
            let fit_s = start.elapsed().as_secs_f64();
            let hits = fitted
                .predict(&test)
                .iter()
                .zip(&y[80_000..])
                .filter(|(p, c)| **p == f64::from(**c))
                .count();
            println!(
                "decision tree depth 10, {n} rows, {splitter}: fit {:.1} ms, test accuracy {:.4}",
                fit_s * 1e3,
                hits as f64 / 20_000.0
            );
        }
    }
}
