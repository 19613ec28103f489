//! The boosting objectives: baseline raw scores, per-row `(gradient,
//! hessian)` pairs (stored as `f32`, like scikit-learn), and the mean loss that
//! scores early stopping. Raw scores are `K` vectors of `n` rows (`K = 1`
//! except for multiclass log-loss); sums are exact or on a fixed-point grid
//! (`exact`), so results do not depend on the thread or rank count.

use super::exact::fixed_sum;
use crate::models::logit::{binary_loss, exp_nonpositive};
use mlg_runtime::collective::Collective;
use rayon::prelude::*;

/// Rows per parallel chunk.
const CHUNK: usize = 4096;

/// The loss being minimised; class targets are class indices `0..K` as `f64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Objective {
    /// `½ (raw − y)²`.
    Squared,
    /// `|raw − y|` (leaves refitted to median residuals by the caller).
    Absolute,
    /// Binary log-loss of the margin `raw` (class 1 vs class 0).
    Binary,
    /// Softmax cross-entropy over `K` class scores.
    Multi(usize),
}

/// The median of `v` (mean of the two middle values for an even count; 0
/// for an empty slice). Reorders `v`.
pub(crate) fn median(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    let (_, &mut hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return hi;
    }
    let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (lo + hi) / 2.0
}

/// `e^x` for `x <= 0` in `f32` to a few ulp (`e^x` below `e^-87` is about
/// `1e-38`), branch-free like [`exp_nonpositive`]: degree-6 polynomial on
/// `|r| <= ln 2 / 2`, `2^k` from the exponent bits.
#[inline(always)]
fn fast_exp_neg_f32(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0; // 1.5 · 2^23: rounds to an integer
    let x = x.clamp(-87.0, 0.0);
    let shifted = x * std::f32::consts::LOG2_E + SHIFT;
    let k = shifted - SHIFT;
    let r = x - k * 0.693_359_4 + k * 2.121_944_4e-4;
    let mut p = 1.0 / 720.0;
    for c in [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0] {
        p = p * r + c;
    }
    p * f32::from_bits(shifted.to_bits().wrapping_add(127) << 23)
}

/// The log-loss gradient `p − y` and hessian `p (1 − p)` of margin `r`
/// (`p = σ(r)`), in `f32` (the precision they are stored in) and without
/// cancellation: with `e = exp(−|r|)`, `σ(|r|) = 1/(1+e)`,
/// `σ(−|r|) = e/(1+e)`, and `p − y = p (1 − y) − (1 − p) y`.
#[inline(always)]
fn logistic_gradient(r: f32, y: f32) -> [f32; 2] {
    let e = fast_exp_neg_f32(-r.abs());
    let inv = 1.0 / (1.0 + e);
    let (big, small) = (inv, e * inv);
    let (p, q) = if r >= 0.0 { (big, small) } else { (small, big) };
    [p * (1.0 - y) - q * y, small * inv]
}

impl Objective {
    /// Raw-score vectors (trees per round).
    pub fn outputs(self) -> usize {
        match self {
            Objective::Multi(k) => k,
            _ => 1,
        }
    }

    /// Whether the hessian is the constant 1 (regression losses).
    pub fn const_hessian(self) -> bool {
        matches!(self, Objective::Squared | Objective::Absolute)
    }

    /// The constant raw scores minimising the loss on `y` (non-empty): mean,
    /// median, log-odds, or centred log class priors. Sums are
    /// [`fixed_sum`]'s, so a distributed fit gets the same bits.
    pub fn baseline(self, y: &[f64]) -> Vec<f64> {
        let sums = match self {
            Objective::Absolute => return vec![median(&mut y.to_vec())],
            Objective::Multi(k) => {
                let mut counts = vec![0.0; k];
                y.iter().for_each(|&c| counts[c as usize] += 1.0);
                counts
            }
            Objective::Squared | Objective::Binary => vec![fixed_sum(None, y)],
        };
        self.baseline_from(&sums, y.len() as f64)
    }

    /// The baseline from the target's sum (squared, binary) or the class
    /// counts (multinomial) over `n` rows.
    pub fn baseline_from(self, sums: &[f64], n: f64) -> Vec<f64> {
        let n = n.max(1.0);
        let clip = |p: f64| p.clamp(1e-12, 1.0 - 1e-12);
        match self {
            Objective::Squared | Objective::Absolute => vec![sums[0] / n],
            Objective::Binary => {
                let p = clip(sums[0] / n);
                vec![(p / (1.0 - p)).ln()]
            }
            Objective::Multi(k) => {
                let logs: Vec<f64> = sums.iter().map(|&c| clip(c / n).ln()).collect();
                let mean = logs.iter().sum::<f64>() / k as f64;
                logs.iter().map(|l| l - mean).collect()
            }
        }
    }

    /// [`Objective::baseline`] of a classifier whose rows of class index `c`
    /// weigh `weights[c]`: the log-odds or log priors of the weighted class
    /// totals over the rows of every rank (`comm`).
    pub fn weighted_baseline(self, comm: Option<&dyn Collective>, y: &[f64], weights: &[f64]) -> Vec<f64> {
        let mut totals = vec![0.0; weights.len()];
        y.iter().for_each(|&c| totals[c as usize] += 1.0);
        if let Some(comm) = comm {
            comm.all_reduce_f64(&mut totals);
        }
        totals.iter_mut().zip(weights).for_each(|(t, w)| *t *= w);
        let n = totals.iter().sum();
        match self {
            Objective::Multi(_) => self.baseline_from(&totals, n),
            _ => self.baseline_from(&totals[1..], n),
        }
    }

    /// Multiplies each row's `(gradient, hessian)` pairs by its weight
    /// `weights[y]` (`y` a class index).
    pub fn weigh(gh: &mut [Vec<[f32; 2]>], y: &[f64], weights: &[f64]) {
        let weights: Vec<f32> = weights.iter().map(|&w| w as f32).collect();
        for out in gh.iter_mut() {
            out.par_chunks_mut(CHUNK)
                .zip(y.par_chunks(CHUNK))
                .for_each(|(o, y)| {
                    for (p, &c) in o.iter_mut().zip(y) {
                        let w = weights[c as usize];
                        *p = [p[0] * w, p[1] * w];
                    }
                });
        }
    }

    /// Writes the `(gradient, hessian)` pair of every row into `gh[k]` from
    /// the raw scores `raw[k]` (hessian 1 for the regression losses).
    pub fn gradients(self, y: &[f64], raw: &[Vec<f64>], gh: &mut [Vec<[f32; 2]>]) {
        let n_chunks = y.len().div_ceil(CHUNK);
        let mut jobs: Vec<Vec<&mut [[f32; 2]]>> = (0..n_chunks).map(|_| Vec::new()).collect();
        for out in gh.iter_mut() {
            for (c, chunk) in out.chunks_mut(CHUNK).enumerate() {
                jobs[c].push(chunk);
            }
        }
        jobs.into_par_iter().enumerate().for_each(|(c, mut parts)| {
            let base = c * CHUNK;
            let len = parts.first().map_or(0, |p| p.len());
            let y = &y[base..base + len];
            match self {
                Objective::Squared => {
                    for ((o, &r), &t) in parts[0].iter_mut().zip(&raw[0][base..base + len]).zip(y) {
                        *o = [(r - t) as f32, 1.0];
                    }
                }
                Objective::Absolute => {
                    for ((o, &r), &t) in parts[0].iter_mut().zip(&raw[0][base..base + len]).zip(y) {
                        *o = [if r > t { 1.0 } else { -1.0 }, 1.0];
                    }
                }
                Objective::Binary => {
                    for ((o, &r), &t) in parts[0].iter_mut().zip(&raw[0][base..base + len]).zip(y) {
                        *o = logistic_gradient(r as f32, t as f32);
                    }
                }
                Objective::Multi(k) => {
                    let mut e = vec![0.0; k];
                    for i in 0..len {
                        let r = base + i;
                        let m = (0..k).map(|j| raw[j][r]).fold(f64::NEG_INFINITY, f64::max);
                        let mut sum = 0.0;
                        for (j, ej) in e.iter_mut().enumerate() {
                            *ej = exp_nonpositive(raw[j][r] - m);
                            sum += *ej;
                        }
                        for (j, part) in parts.iter_mut().enumerate() {
                            let p = e[j] / sum;
                            let target = if y[i] as usize == j { 1.0 } else { 0.0 };
                            part[i] = [(p - target) as f32, (p * (1.0 - p)) as f32];
                        }
                    }
                }
            }
        });
    }

    /// The mean loss of raw scores `raw` on `y` over the rows of every rank
    /// (`comm`), summed by [`fixed_sum`]: the same bits however the rows are
    /// spread. With `weights` (per class index), the weighted mean.
    pub fn loss(
        self,
        comm: Option<&dyn Collective>,
        y: &[f64],
        raw: &[Vec<f64>],
        weights: Option<&[f64]>,
    ) -> f64 {
        let row_loss = |r: usize| -> f64 {
            match self {
                Objective::Squared => 0.5 * (raw[0][r] - y[r]).powi(2),
                Objective::Absolute => (raw[0][r] - y[r]).abs(),
                Objective::Binary => {
                    let m = raw[0][r];
                    binary_loss(m, y[r]).0
                }
                Objective::Multi(k) => {
                    let m = (0..k).map(|j| raw[j][r]).fold(f64::NEG_INFINITY, f64::max);
                    let lse = m + (0..k).map(|j| (raw[j][r] - m).exp()).sum::<f64>().ln();
                    lse - raw[y[r] as usize][r]
                }
            }
        };
        let losses: Vec<f64> = (0..y.len())
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|r| match weights {
                Some(w) => w[y[r] as usize] * row_loss(r),
                None => row_loss(r),
            })
            .collect();
        if let Some(w) = weights {
            let row_weights: Vec<f64> = y.iter().map(|&c| w[c as usize]).collect();
            let total = fixed_sum(comm, &row_weights);
            return fixed_sum(comm, &losses) / if total > 0.0 { total } else { 1.0 };
        }
        let mut n = [y.len() as u64];
        if let Some(comm) = comm {
            comm.all_reduce_u64(&mut n);
        }
        fixed_sum(comm, &losses) / n[0].max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_is_accurate() {
        for i in 0..=8700 {
            let x = -(i as f32) * 0.01;
            let (a, b) = (f64::from(fast_exp_neg_f32(x)), f64::from(x).exp());
            assert!((a - b).abs() <= 4e-7 * b, "{x}: {a:e} vs {b:e}");
        }
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }

    #[test]
    fn baselines_minimise_the_constant_loss() {
        let y = [0.0, 1.0, 1.0, 1.0];
        let b = Objective::Binary.baseline(&y)[0];
        assert!((b - 3f64.ln()).abs() < 1e-12);
        let m = Objective::Multi(3).baseline(&[0.0, 1.0, 1.0, 2.0]);
        assert!((m[1] - m[0] - 2f64.ln()).abs() < 1e-12);
        assert!(m.iter().sum::<f64>().abs() < 1e-12);
        assert_eq!(Objective::Absolute.baseline(&[5.0, 1.0, 2.0]), vec![2.0]);
    }

    #[test]
    fn binary_gradients_match_the_formulas() {
        let y = vec![0.0, 1.0, 1.0];
        let raw = vec![vec![0.0, 2.0, -3.0]];
        let mut gh = vec![vec![[0.0f32; 2]; 3]];
        Objective::Binary.gradients(&y, &raw, &mut gh);
        let p = 1.0 / (1.0 + (-2.0f64).exp());
        let q = 1.0 / (1.0 + 3.0f64.exp());
        let close = |a: [f32; 2], b: [f64; 2]| (0..2).all(|i| (f64::from(a[i]) - b[i]).abs() < 1e-7);
        assert_eq!(gh[0][0], [0.5, 0.25]);
        assert!(close(gh[0][1], [p - 1.0, p * (1.0 - p)]), "{:?}", gh[0][1]);
        assert!(close(gh[0][2], [q - 1.0, q * (1.0 - q)]), "{:?}", gh[0][2]);
        let raw = vec![vec![1.0, 2.0, -3.0]];
        Objective::Squared.gradients(&[0.5, 2.0, 0.0], &raw, &mut gh);
        assert_eq!(gh[0], vec![[0.5, 1.0], [0.0, 1.0], [-3.0, 1.0]]);
        let loss = Objective::Binary.loss(None, &[0.0, 1.0], &[vec![0.0, 2.0]], None);
        assert!((loss - (2f64.ln() + (1.0 + (-2.0f64).exp()).ln()) / 2.0).abs() < 1e-12);
    }
}
