//! Probability estimates from decision values: Platt's sigmoid fitted by
//! Lin, Lin & Weng's (2007) Newton method with backtracking (libsvm's
//! `sigmoid_train`), and the pairwise coupling of one-vs-one probabilities by
//! Price, Knerr, Personnaz & Dreyfus (1995), which the inference IR computes
//! with elementwise ops only.

/// Pairwise probabilities are clamped to `[MIN_PROB, 1 - MIN_PROB]` (libsvm's
/// `min_prob`), which also keeps the coupling's reciprocals finite.
pub const MIN_PROB: f64 = 1e-7;

/// Fits `P(y = +1 | f) = 1 / (1 + exp(A f + B))` to decision values `dec`
/// and labels `y = ±1.0` by maximum likelihood with Platt's smoothed targets
/// `(n₊ + 1) / (n₊ + 2)` and `1 / (n₋ + 2)`. Returns `(A, B)`.
pub fn sigmoid_train(dec: &[f64], y: &[f64]) -> (f64, f64) {
    const MAX_ITER: usize = 100;
    const MIN_STEP: f64 = 1e-10;
    const SIGMA: f64 = 1e-12;
    const EPS: f64 = 1e-5;
    let prior1 = y.iter().filter(|&&v| v > 0.0).count() as f64;
    let prior0 = y.len() as f64 - prior1;
    let (hi, lo) = ((prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0));
    let t: Vec<f64> = y.iter().map(|&v| if v > 0.0 { hi } else { lo }).collect();
    let objective = |a: f64, b: f64| -> f64 {
        dec.iter()
            .zip(&t)
            .map(|(&f, &ti)| {
                let z = f * a + b;
                if z >= 0.0 {
                    ti * z + (-z).exp().ln_1p()
                } else {
                    (ti - 1.0) * z + z.exp().ln_1p()
                }
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
    let mut fval = objective(a, b);
    for _ in 0..MAX_ITER {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (SIGMA, SIGMA, 0.0, 0.0, 0.0);
        for (&f, &ti) in dec.iter().zip(&t) {
            let z = f * a + b;
            let (p, q) = if z >= 0.0 {
                let e = (-z).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = z.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += f * f * d2;
            h22 += d2;
            h21 += f * d2;
            let d1 = ti - p;
            g1 += f * d1;
            g2 += d1;
        }
        if g1.abs() < EPS && g2.abs() < EPS {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        while step >= MIN_STEP {
            let (na, nb) = (a + step * da, b + step * db);
            let nf = objective(na, nb);
            if nf < fval + 1e-4 * step * gd {
                a = na;
                b = nb;
                fval = nf;
                break;
            }
            step /= 2.0;
        }
        if step < MIN_STEP {
            break;
        }
    }
    (a, b)
}

/// `1 / (1 + exp(A f + B))` clamped to `[MIN_PROB, 1 - MIN_PROB]`.
pub fn sigmoid_predict(f: f64, (a, b): (f64, f64)) -> f64 {
    let z = a * f + b;
    let p = if z >= 0.0 {
        (-z).exp() / (1.0 + (-z).exp())
    } else {
        1.0 / (1.0 + z.exp())
    };
    p.clamp(MIN_PROB, 1.0 - MIN_PROB)
}

/// The one-vs-one pairs `(a, b)`, `a < b`, of `k` classes in libsvm's order.
pub fn pairs(k: usize) -> Vec<(usize, usize)> {
    (0..k).flat_map(|a| (a + 1..k).map(move |b| (a, b))).collect()
}

/// Class probabilities from pairwise `r[p] = P(a | a or b)` (clamped):
/// `q_i = 1 / (Σ_{j≠i} 1/r_ij - (k - 2))`, normalised to sum 1. The
/// denominator is at least 1 because every `r_ij ≤ 1`.
pub fn couple(r: &[f64], k: usize) -> Vec<f64> {
    let mut s = vec![-(k as f64 - 2.0); k];
    for (&(a, b), &rp) in pairs(k).iter().zip(r) {
        s[a] += 1.0 / rp;
        s[b] += 1.0 / (1.0 - rp);
    }
    normalise(s.iter().map(|v| 1.0 / v).collect())
}

/// `v / Σv`.
pub fn normalise(v: Vec<f64>) -> Vec<f64> {
    let total: f64 = v.iter().sum();
    v.into_iter().map(|x| x / total).collect()
}

/// `exp(v - max v) / Σ exp(v - max v)`.
pub fn softmax(v: &[f64]) -> Vec<f64> {
    let m = v.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    normalise(v.iter().map(|x| (x - m).exp()).collect())
}

/// scikit-learn's one-vs-one → one-vs-rest scores (`_ovr_decision_function`):
/// per class, its votes plus its summed confidence `s` squashed to
/// `s / (3 (|s| + 1))`, which stays within `(-1/3, 1/3)` and so only breaks
/// ties between equal vote counts. `dec[p] > 0` votes for the pair's first class.
pub fn ovr_scores(dec: &[f64], k: usize) -> Vec<f64> {
    let (mut votes, mut conf) = (vec![0.0; k], vec![0.0; k]);
    for (&(a, b), &f) in pairs(k).iter().zip(dec) {
        votes[if f > 0.0 { a } else { b }] += 1.0;
        conf[a] += f;
        conf[b] -= f;
    }
    votes
        .iter()
        .zip(&conf)
        .map(|(v, s)| v + s / (3.0 * (s.abs() + 1.0)))
        .collect()
}
