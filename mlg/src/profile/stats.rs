//! Numeric building blocks of the profile: distinct counts, quantiles, histograms,
//! pairwise-complete Pearson correlation and number formatting.

use super::Histogram;
use mlg_runtime::frame::Column;

/// Distinct values of a sorted slice (`-0.0` and `0.0` count as one).
pub(crate) fn count_distinct_sorted(sorted: &[f64]) -> usize {
    let mut distinct = 0;
    let mut last: Option<f64> = None;
    for &v in sorted {
        if last != Some(v) {
            distinct += 1;
            last = Some(v);
        }
    }
    distinct
}

/// NumPy's linear quantile, the one every crate of mlg uses.
pub use mlg_runtime::stats::quantile;

/// `bins` equal-width bins over the range of `values` (finite, any order); a single
/// repeated value puts everything in one bin centred on it.
pub fn histogram(values: &[f64], bins: usize) -> Histogram {
    let bins = bins.max(1);
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        return Histogram {
            lo: 0.0,
            hi: 1.0,
            counts: vec![0; bins],
        };
    }
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 0.5, hi + 0.5) };
    let mut counts = vec![0usize; bins];
    let width = (hi - lo) / bins as f64;
    for &v in values {
        let bin = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[bin] += 1;
    }
    Histogram { lo, hi, counts }
}

/// Pearson correlation of two numeric columns over their pairwise-complete rows.
pub(crate) fn pearson((ca, a): (&Column, &[f64]), (cb, b): (&Column, &[f64])) -> Option<f64> {
    let usable = |col: &Column, v: &[f64], i: usize| !col.missing[i] && v[i].is_finite();
    let pairs: Vec<(f64, f64)> = (0..a.len().min(b.len()))
        .filter(|&i| usable(ca, a, i) && usable(cb, b, i))
        .map(|i| (a[i], b[i]))
        .collect();
    if pairs.len() < 2 {
        return None;
    }
    let n = pairs.len() as f64;
    let mean_a = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_b = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in &pairs {
        let (dx, dy) = (x - mean_a, y - mean_b);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    let denominator = (saa * sbb).sqrt();
    (denominator > 0.0).then(|| (sab / denominator).clamp(-1.0, 1.0))
}

/// A number for display: integers in full, others to six significant digits,
/// very large or small magnitudes in scientific notation.
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let magnitude = v.abs().log10().floor();
    if !(-4.0..9.0).contains(&magnitude) {
        return format!("{v:.3e}");
    }
    let decimals = (5.0 - magnitude).max(0.0) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert!((quantile(&v, 0.25) - 1.75).abs() < 1e-12);
    }

    #[test]
    fn histogram_covers_every_value() {
        let h = histogram(&[0.0, 1.0, 2.0, 10.0], 20);
        assert_eq!(h.counts.iter().sum::<usize>(), 4);
        assert_eq!(h.counts[0], 1);
        assert_eq!(h.counts[19], 1);
        let flat = histogram(&[3.0, 3.0], 20);
        assert_eq!(flat.counts.iter().sum::<usize>(), 2);
    }

    #[test]
    fn numbers_format_compactly() {
        assert_eq!(format_number(3750.0), "3750");
        assert_eq!(format_number(4201.754386), "4201.75");
        assert_eq!(format_number(0.1234567), "0.123457");
        assert_eq!(format_number(-1.5), "-1.5");
    }
}
