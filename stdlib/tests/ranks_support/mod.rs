//! What the tests of distributed fits share: ranks simulated as threads
//! (`mlg_runtime::collective::Local`), each given a contiguous share of the
//! rows, and a deterministic design.
#![allow(dead_code)]

use mlg_runtime::collective::{share, Local};
use mlg_stdlib::op::Matrix;

/// Runs `f` on `size` ranks, rank `r` given its share of `0..n`.
pub fn on_ranks<T: Send + 'static>(
    size: usize,
    n: usize,
    f: impl Fn(std::ops::Range<usize>) -> T + Send + Sync + 'static,
) -> Vec<T> {
    Local::run(size, move |rank| f(share(n, size, rank)))
}

/// A deterministic design: `n` rows of `d` features and a noisy linear score.
pub fn data(n: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let x: Vec<f64> = (0..n * d).map(|i| next() * (1.0 + (i % d) as f64)).collect();
    let score: Vec<f64> = (0..n)
        .map(|i| (0..d).map(|j| x[i * d + j] * (j as f64 - 1.5)).sum::<f64>() + 0.3 * next())
        .collect();
    (x, score)
}

pub fn rows(x: &[f64], d: usize, r: std::ops::Range<usize>) -> Matrix {
    Matrix {
        rows: r.len(),
        cols: d,
        data: x[r.start * d..r.end * d].to_vec(),
    }
}

pub fn close(a: &[f64], b: &[f64], rel: f64) {
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= rel * scale, "{a:?}\nvs\n{b:?}");
    }
}
