//! Speed check (ignored by default; run with `cargo test --release -p
//! mlg-stdlib --lib boost -- --ignored --nocapture`): 100 rounds on 160,000
//! rows × 20 features of make_classification-like data, with fit time and
//! test accuracy printed, once with `early_stopping = "off"` and once with
//! `"auto"` (`BENCH_MODES=off,auto` by default; a comma list picks others).
//! Set `BOOST_BENCH_CSV=path` to also write the data (train rows first, then
//! test rows) for comparison with scikit-learn.

use super::tests::{classes, params};
use super::*;
use crate::eval::rng::SplitMix64;
use crate::op::{FittedModel, Matrix};
use mlg_compiler::workflow::catalog::Value;
use std::time::Instant;

/// Standard normal draw (Box–Muller).
fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.next_f64();
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// scikit-learn's `make_classification` recipe (2 classes, 2 clusters per
/// class on ±1 hypercube vertices, `informative` mixed Gaussian features, 2
/// redundant linear combinations, the rest noise, 1% labels flipped).
fn make_classification(n: usize, d: usize, informative: usize, seed: u64) -> (Matrix, Vec<f64>) {
    let mut rng = SplitMix64::new(seed);
    let mut centroids: Vec<Vec<f64>> = Vec::new();
    while centroids.len() < 4 {
        let c: Vec<f64> = (0..informative)
            .map(|_| if rng.next_u64() & 1 == 1 { 1.0 } else { -1.0 })
            .collect();
        if !centroids.contains(&c) {
            centroids.push(c);
        }
    }
    let mixes: Vec<Vec<f64>> = (0..4)
        .map(|_| {
            (0..informative * informative)
                .map(|_| 2.0 * rng.next_f64() - 1.0)
                .collect()
        })
        .collect();
    let redundant: Vec<f64> = (0..informative * 2).map(|_| 2.0 * rng.next_f64() - 1.0).collect();
    let mut data = Vec::with_capacity(n * d);
    let mut y = Vec::with_capacity(n);
    let mut z = vec![0.0; informative];
    for _ in 0..n {
        let cluster = rng.below(4) as usize;
        z.iter_mut().for_each(|v| *v = normal(&mut rng));
        let row: Vec<f64> = (0..informative)
            .map(|j| {
                centroids[cluster][j]
                    + (0..informative)
                        .map(|i| z[i] * mixes[cluster][i * informative + j])
                        .sum::<f64>()
            })
            .collect();
        data.extend(&row);
        for r in 0..2 {
            data.push((0..informative).map(|i| row[i] * redundant[i * 2 + r]).sum());
        }
        for _ in informative + 2..d {
            data.push(normal(&mut rng));
        }
        let label = if rng.next_f64() < 0.01 {
            rng.below(2)
        } else {
            (cluster / 2) as u64
        };
        y.push(label as f64);
    }
    (
        Matrix {
            rows: n,
            cols: d,
            data,
        },
        y,
    )
}

#[test]
#[ignore = "speed benchmark; run in release with --ignored"]
fn bench_160k_rows_100_rounds() {
    let (n_train, n_test, d) = (160_000, 40_000, 20);
    let (x, y) = make_classification(n_train + n_test, d, 10, 42);
    if let Ok(path) = std::env::var("BOOST_BENCH_CSV") {
        let mut out = String::new();
        for (i, label) in y.iter().enumerate() {
            let row: Vec<String> = x.row(i).iter().map(|v| format!("{v}")).collect();
            out.push_str(&format!("{},{label}\n", row.join(",")));
        }
        std::fs::write(&path, out).expect("write csv");
    }
    let train = Matrix {
        rows: n_train,
        cols: d,
        data: x.data[..n_train * d].to_vec(),
    };
    let test = Matrix {
        rows: n_test,
        cols: d,
        data: x.data[n_train * d..].to_vec(),
    };
    let target = classes(&y[..n_train]);
    let modes: Vec<String> = std::env::var("BENCH_MODES")
        .map(|m| m.split(',').map(String::from).collect())
        .unwrap_or(vec!["off".into(), "auto".into()]);
    for mode in modes.iter().map(String::as_str) {
        let gb = GradientBoosting::classifier(&params(&[("early_stopping", Value::Str(mode.into()))]))
            .expect("params");
        let start = Instant::now();
        let fitted = gb.fit_boost(&train, &target).expect("fit");
        let secs = start.elapsed().as_secs_f64();
        let pred = fitted.predict(&test);
        let acc = pred.iter().zip(&y[n_train..]).filter(|(p, t)| p == t).count() as f64 / n_test as f64;
        println!(
            "early_stopping={mode}: {} rounds in {secs:.3} s, test accuracy {acc:.4} ({} threads)",
            fitted.rounds,
            rayon::current_num_threads()
        );
    }
}
