//! Univariate scores of one feature against the target, as used by
//! `select_k_best`. Inputs have no missing values; class targets are given as
//! codes `0..k` of the classes present (every code occurs at least once).

/// Number of equal-frequency bins of the `mutual_info` estimator.
pub const MI_BINS: usize = 10;

/// ANOVA F statistic of `x` across the classes `y` (`k` of them, `k ≥ 2`, more
/// rows than classes), as scikit-learn's `f_classif`:
/// `(SSB / (k - 1)) / (SSW / (n - k))`. NaN when `x` is constant (0/0), `+inf`
/// when only the within-class spread is zero.
pub fn f_classif(x: &[f64], y: &[usize], k: usize) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let (mut sums, mut counts) = (vec![0.0; k], vec![0usize; k]);
    for (&v, &c) in x.iter().zip(y) {
        sums[c] += v;
        counts[c] += 1;
    }
    let means: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| s / c.max(1) as f64)
        .collect();
    let ssb: f64 = means
        .iter()
        .zip(&counts)
        .map(|(m, &c)| c as f64 * (m - mean) * (m - mean))
        .sum();
    let ssw: f64 = x
        .iter()
        .zip(y)
        .map(|(&v, &c)| (v - means[c]) * (v - means[c]))
        .sum();
    (ssb / (k as f64 - 1.0)) / (ssw / (n - k as f64))
}

/// F statistic of the univariate linear regression of `y` on `x` (both
/// centred), as scikit-learn's `f_regression`: `r² / (1 - r²) · (n - 2)` with
/// `r` the Pearson correlation. As with scikit-learn's `force_finite`, a
/// constant `x` or `y` gives 0 and a perfect correlation gives `f64::MAX`.
pub fn f_regression(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return 0.0;
    }
    let r = sxy / (sxx.sqrt() * syy.sqrt());
    let f = r * r / (1.0 - r * r) * (n - 2.0);
    if f.is_infinite() {
        f64::MAX
    } else {
        f
    }
}

/// Chi-squared statistic of the non-negative feature `x` against the classes
/// `y`, as scikit-learn's `chi2`: observed = per-class sums of `x`, expected =
/// class frequency × total of `x`, summed `(obs - exp)² / exp`. NaN when `x`
/// is all zeros.
pub fn chi2(x: &[f64], y: &[usize], k: usize) -> f64 {
    let n = x.len() as f64;
    let total: f64 = x.iter().sum();
    let (mut observed, mut counts) = (vec![0.0; k], vec![0usize; k]);
    for (&v, &c) in x.iter().zip(y) {
        observed[c] += v;
        counts[c] += 1;
    }
    observed
        .iter()
        .zip(&counts)
        .map(|(&obs, &c)| {
            let exp = c as f64 / n * total;
            (obs - exp) * (obs - exp) / exp
        })
        .sum()
}

/// Equal-frequency bin (`0..bins`) of every value of `x`: with `s` the sorted
/// values, the edges are `e_j = s[j·n / bins]` for `j = 1..bins` (integer
/// division) and a value's bin is the number of edges it is `≥` to, so equal
/// values share a bin.
pub fn quantile_bins(x: &[f64], bins: usize) -> Vec<usize> {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let edges: Vec<f64> = (1..bins)
        .filter_map(|j| sorted.get(j * n / bins).copied())
        .collect();
    x.iter()
        .map(|&v| edges.iter().filter(|&&e| v >= e).count())
        .collect()
}

/// Mutual information (nats) between two discrete variables given as codes
/// `a` (`0..ka`) and `b` (`0..kb`): `Σ p(i,j) ln(p(i,j) / (p(i) p(j)))` with
/// empirical frequencies.
pub fn discrete_mi(a: &[usize], ka: usize, b: &[usize], kb: usize) -> f64 {
    let n = a.len() as f64;
    let mut joint = vec![0usize; ka * kb];
    let (mut pa, mut pb) = (vec![0usize; ka], vec![0usize; kb]);
    for (&i, &j) in a.iter().zip(b) {
        joint[i * kb + j] += 1;
        pa[i] += 1;
        pb[j] += 1;
    }
    let mut mi = 0.0;
    for i in 0..ka {
        for j in 0..kb {
            let nij = joint[i * kb + j] as f64;
            if nij > 0.0 {
                mi += nij / n * (n * nij / (pa[i] as f64 * pb[j] as f64)).ln();
            }
        }
    }
    mi.max(0.0)
}
