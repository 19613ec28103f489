//! The smooth part of the logistic-regression objective on the mean-loss scale,
//! `(1/n) Σ logloss_i + l2/2 ‖W‖²`, with its gradient and exact Hessian,
//! evaluated over fixed row blocks in parallel (rayon) and summed in block
//! order, so results do not depend on the thread count.

use crate::models::logit::binary_loss;
use crate::op::Matrix;
use rayon::prelude::*;

/// Fewest rows in one parallel block; smaller inputs run as one block.
const MIN_BLOCK: usize = 1024;
/// Most blocks an evaluation is split into (bounds the partial-sum memory).
const MAX_BLOCKS: usize = 64;
/// Rows accumulated together into the Hessian (see [`add_outer_group`]).
const GROUP: usize = 4;

/// A logistic-regression training problem. Parameters are laid out as
/// `[W (k × d row-major), b (k, only with an intercept)]`; `k = 1` is the binary
/// model (`p = sigmoid(w·x + b)` for class 1), `k > 1` the multinomial one
/// (`p = softmax(Wx + b)`).
pub(crate) struct Problem<'a> {
    pub x: &'a Matrix,
    /// Class index of every row: `0..2` when `k = 1`, else `0..k`.
    pub y: &'a [usize],
    /// The weight of a row of each class index (`class_weight`): its loss,
    /// gradient and Hessian terms are multiplied by it. `None`: all 1.
    pub class_weights: Option<&'a [f64]>,
    pub k: usize,
    pub intercept: bool,
    /// Coefficient of `½‖W‖²` (0 for no smooth penalty).
    pub l2: f64,
    /// The rows of the whole problem: `x.rows` in one process, the sum over
    /// the ranks of a distributed job, whose sums of losses, gradients and
    /// Hessians are added across ranks ([`mlg_runtime::collective`]) before
    /// they are divided by it.
    pub total_rows: f64,
}

impl Problem<'_> {
    /// Number of weights `k · d` (the penalised parameters, stored first).
    pub fn n_weights(&self) -> usize {
        self.k * self.x.cols
    }

    /// Number of parameters: weights plus one intercept per row of `W`.
    pub fn n_params(&self) -> usize {
        self.n_weights() + if self.intercept { self.k } else { 0 }
    }

    /// The whole problem's row count as `f64` (every rank's rows).
    pub fn n(&self) -> f64 {
        self.total_rows
    }

    /// The weight of a row of class index `yi`.
    #[inline]
    pub fn weight(&self, yi: usize) -> f64 {
        self.class_weights.map_or(1.0, |w| w[yi])
    }

    /// Row ranges of the parallel blocks (a pure function of the row count).
    fn blocks(&self) -> Vec<std::ops::Range<usize>> {
        let n = self.x.rows;
        let size = MIN_BLOCK.max(n.div_ceil(MAX_BLOCKS));
        (0..n.div_ceil(size))
            .map(|b| b * size..((b + 1) * size).min(n))
            .collect()
    }

    /// The scores `z` (one per weight row) of row `i` under parameters `p`.
    #[inline]
    pub fn scores(&self, p: &[f64], i: usize, z: &mut [f64]) {
        self.row_scores(p, self.x.row(i), z);
    }

    /// The scores `z` (one per weight row) of the feature vector `row`.
    #[inline]
    pub fn row_scores(&self, p: &[f64], row: &[f64], z: &mut [f64]) {
        let d = self.x.cols;
        for (c, zc) in z.iter_mut().enumerate() {
            let b = if self.intercept { p[self.k * d + c] } else { 0.0 };
            *zc = b + dot(row, &p[c * d..(c + 1) * d]);
        }
    }

    /// Residuals `r = ∂ logloss / ∂z` (into `r`, length `k`) and the log-loss
    /// of a row of class `yi` with scores `z` (overwritten by probabilities when
    /// `k > 1`).
    #[inline]
    pub fn residuals(&self, yi: usize, z: &mut [f64], r: &mut [f64]) -> f64 {
        if self.k == 1 {
            let (loss, residual) = binary_loss(z[0], yi as f64);
            r[0] = residual;
            loss
        } else {
            let lse = log_sum_exp(z);
            let loss = lse - z[yi];
            for (c, (zc, rc)) in z.iter_mut().zip(r.iter_mut()).enumerate() {
                *zc = (*zc - lse).exp();
                *rc = *zc - if c == yi { 1.0 } else { 0.0 };
            }
            loss
        }
    }

    /// The objective at `p`; with `grad`, also writes its gradient there.
    pub fn eval(&self, p: &[f64], grad: Option<&mut [f64]>) -> f64 {
        self.eval_parts(p, grad).0
    }

    /// [`Problem::eval`] and, second, the mean log-loss alone (the objective
    /// without its penalty, as `eval` with `l2 = 0` gives it).
    pub fn eval_parts(&self, p: &[f64], grad: Option<&mut [f64]>) -> (f64, f64) {
        let (d, k) = (self.x.cols, self.k);
        let want_grad = grad.is_some();
        let m = self.n_params();
        let parts: Vec<(f64, Vec<f64>)> = self
            .blocks()
            .into_par_iter()
            .map(|rows| {
                if k == 1 {
                    return self.binary_block(p, rows, want_grad);
                }
                let mut g = if want_grad { vec![0.0; m] } else { Vec::new() };
                let (mut z, mut r) = (vec![0.0; k], vec![0.0; k]);
                // Residuals of GROUP rows per class, folded into g together.
                let mut rs = vec![0.0; k * GROUP];
                let mut loss = 0.0;
                let rows: Vec<usize> = rows.collect();
                for group in rows.chunks(GROUP) {
                    rs.iter_mut().for_each(|v| *v = 0.0);
                    for (j, &i) in group.iter().enumerate() {
                        self.scores(p, i, &mut z);
                        let w = self.weight(self.y[i]);
                        loss += w * self.residuals(self.y[i], &mut z, &mut r);
                        r.iter()
                            .enumerate()
                            .for_each(|(c, rc)| rs[c * GROUP + j] = w * rc);
                    }
                    if !want_grad {
                        continue;
                    }
                    // A short last group repeats its first row with residual 0.
                    let x = |j: usize| self.x.row(group[j.min(group.len() - 1)]);
                    let (x0, x1, x2, x3) = (x(0), x(1), x(2), x(3));
                    for (c, w) in rs.chunks_exact(GROUP).enumerate() {
                        let columns = x0.iter().zip(x1).zip(x2).zip(x3);
                        for (gj, (((a0, a1), a2), a3)) in g[c * d..(c + 1) * d].iter_mut().zip(columns) {
                            *gj += w[0] * a0 + w[1] * a1 + w[2] * a2 + w[3] * a3;
                        }
                        if self.intercept {
                            g[k * d + c] += (w[0] + w[1]) + (w[2] + w[3]);
                        }
                    }
                }
                (loss, g)
            })
            .collect();
        let n = self.n();
        // [loss, gradient]: this rank's sums, then every rank's.
        let mut sums = vec![0.0; 1 + if want_grad { m } else { 0 }];
        for (l, g) in &parts {
            sums[0] += l;
            sums[1..].iter_mut().zip(g).for_each(|(a, b)| *a += b);
        }
        mlg_runtime::collective::current().all_reduce_f64(&mut sums);
        let loss = sums[0];
        if let Some(grad) = grad {
            grad.copy_from_slice(&sums[1..]);
            grad.iter_mut().for_each(|v| *v /= n);
            for j in 0..self.n_weights() {
                grad[j] += self.l2 * p[j];
            }
        }
        let sq: f64 = p[..self.n_weights()].iter().map(|w| w * w).sum();
        (loss / n + 0.5 * self.l2 * sq, loss / n)
    }

    /// [`eval`](Self::eval)'s per-block work for `k = 1`: the summed log-loss
    /// of `rows` and (with `want_grad`) the summed gradient, without the
    /// penalty.
    fn binary_block(&self, p: &[f64], rows: std::ops::Range<usize>, want_grad: bool) -> (f64, Vec<f64>) {
        let d = self.x.cols;
        let (w, b) = (&p[..d], if self.intercept { p[d] } else { 0.0 });
        let mut g = if want_grad {
            vec![0.0; self.n_params()]
        } else {
            Vec::new()
        };
        let data = &self.x.data[rows.start * d..rows.end * d];
        let mut loss = 0.0;
        for (chunk, labels) in data.chunks(GROUP * d).zip(self.y[rows].chunks(GROUP)) {
            // Residuals of the group's rows; 0 past a short last group.
            let (mut zs, mut ys) = ([0.0; GROUP], [0.0; GROUP]);
            for ((row, &yi), (z, y)) in chunk.chunks_exact(d).zip(labels).zip(zs.iter_mut().zip(&mut ys)) {
                *z = b + dot(row, w);
                *y = yi as f64;
            }
            // All lanes in one straight-line pass (vectorisable); a short
            // last group's padding lanes are dropped below.
            let mut rs = [0.0; GROUP];
            let mut ls = [0.0; GROUP];
            for j in 0..GROUP {
                (ls[j], rs[j]) = binary_loss(zs[j], ys[j]);
            }
            if let Some(weights) = self.class_weights {
                for (j, &yi) in labels.iter().enumerate() {
                    ls[j] *= weights[yi];
                    rs[j] *= weights[yi];
                }
            }
            for l in &ls[..labels.len()] {
                loss += l;
            }
            rs[labels.len()..].iter_mut().for_each(|r| *r = 0.0);
            if want_grad {
                let x = |j: usize| &chunk[j.min(labels.len() - 1) * d..][..d];
                let columns = x(0).iter().zip(x(1)).zip(x(2)).zip(x(3));
                for (gj, (((a0, a1), a2), a3)) in g[..d].iter_mut().zip(columns) {
                    *gj += rs[0] * a0 + rs[1] * a1 + rs[2] * a2 + rs[3] * a3;
                }
                if self.intercept {
                    g[d] += (rs[0] + rs[1]) + (rs[2] + rs[3]);
                }
            }
        }
        (loss, g)
    }

    /// The exact Hessian of the objective at `p`, dense row-major
    /// `n_params × n_params`.
    pub fn hessian(&self, p: &[f64]) -> Vec<f64> {
        let (d, k) = (self.x.cols, self.k);
        let da = d + usize::from(self.intercept);
        let pairs = k * (k + 1) / 2;
        // Per block: one da × da upper triangle per class pair (c ≤ c2), in the
        // augmented row x̃ = (x, 1).
        let parts: Vec<Vec<f64>> = self
            .blocks()
            .into_par_iter()
            .map(|rows| {
                let mut acc = vec![0.0; pairs * da * da];
                let (mut z, mut r) = (vec![0.0; k], vec![0.0; k]);
                // GROUP augmented rows and their weight per class pair.
                let mut xs = vec![1.0; GROUP * da];
                let mut weights = vec![0.0; pairs * GROUP];
                let rows: Vec<usize> = rows.collect();
                for group in rows.chunks(GROUP) {
                    // Rows missing from a short last group keep weight 0.
                    weights.iter_mut().for_each(|w| *w = 0.0);
                    for (g, &i) in group.iter().enumerate() {
                        xs[g * da..g * da + d].copy_from_slice(self.x.row(i));
                        self.scores(p, i, &mut z);
                        let w = self.weight(self.y[i]);
                        if k == 1 {
                            let s = sigmoid(z[0]);
                            weights[g] = w * s * (1.0 - s);
                            continue;
                        }
                        self.residuals(self.y[i], &mut z, &mut r);
                        let mut pair = 0;
                        for c in 0..k {
                            for c2 in c..k {
                                weights[pair * GROUP + g] =
                                    w * z[c] * (if c == c2 { 1.0 } else { 0.0 } - z[c2]);
                                pair += 1;
                            }
                        }
                    }
                    for (pair, w) in weights.chunks_exact(GROUP).enumerate() {
                        add_outer_group(&mut acc[pair * da * da..(pair + 1) * da * da], &xs, w, da);
                    }
                }
                acc
            })
            .collect();
        let mut acc = vec![0.0; pairs * da * da];
        for part in &parts {
            acc.iter_mut().zip(part).for_each(|(a, b)| *a += b);
        }
        mlg_runtime::collective::current().all_reduce_f64(&mut acc);
        let m = self.n_params();
        // Parameter index of feature a (a == d: the intercept) of class c.
        let index = |c: usize, a: usize| if a < d { c * d + a } else { k * d + c };
        let n = self.n();
        let mut h = vec![0.0; m * m];
        let mut pair = 0;
        for c in 0..k {
            for c2 in c..k {
                let block = &acc[pair * da * da..(pair + 1) * da * da];
                for a in 0..da {
                    for b in 0..da {
                        let v = block[a.min(b) * da + a.max(b)] / n;
                        h[index(c, a) * m + index(c2, b)] = v;
                        h[index(c2, b) * m + index(c, a)] = v;
                    }
                }
                pair += 1;
            }
        }
        for j in 0..self.n_weights() {
            h[j * m + j] += self.l2;
        }
        h
    }
}

/// Adds `Σ_g w[g] x_g x_gᵀ` over the [`GROUP`] rows `x_g` of `xs` (each `n`
/// long) to the upper triangle of the row-major `n × n` matrix `acc`; grouping
/// rows reuses every loaded accumulator [`GROUP`] times.
fn add_outer_group(acc: &mut [f64], xs: &[f64], w: &[f64], n: usize) {
    let (x0, x1, x2, x3) = (&xs[..n], &xs[n..2 * n], &xs[2 * n..3 * n], &xs[3 * n..4 * n]);
    for a in 0..n {
        let t = [w[0] * x0[a], w[1] * x1[a], w[2] * x2[a], w[3] * x3[a]];
        let row = &mut acc[a * n + a..(a + 1) * n];
        let columns = x0[a..].iter().zip(&x1[a..]).zip(&x2[a..]).zip(&x3[a..]);
        for (h, (((b0, b1), b2), b3)) in row.iter_mut().zip(columns) {
            *h += t[0] * b0 + t[1] * b1 + t[2] * b2 + t[3] * b3;
        }
    }
}

/// `a · b` with four independent accumulators (vectorisable).
#[inline]
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0; 4];
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// The logistic function, without overflow.
#[inline]
pub(crate) fn sigmoid(z: f64) -> f64 {
    let e = (-z.abs()).exp();
    (if z >= 0.0 { 1.0 } else { e }) / (1.0 + e)
}

/// `log Σ exp(z)`, shifted by the maximum for stability.
pub(crate) fn log_sum_exp(z: &[f64]) -> f64 {
    let m = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}
