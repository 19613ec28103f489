//! Order statistics shared by every crate: the quantile (NumPy's default
//! "linear" method, bit for bit) and the median (`numpy.median`), so profiles,
//! scalers and reports agree with each other and with NumPy / scikit-learn.

/// The `q` quantile (`0 <= q <= 1`) of `sorted` (ascending) with NumPy's
/// default method, `numpy.quantile(a, q)` (`method="linear"`, R's type 7),
/// reproducing its arithmetic so results match it bit for bit.
///
/// With `n = sorted.len()` and `h = (n - 1) * q`, the result interpolates
/// between `a = sorted[floor(h)]` and `b = sorted[floor(h) + 1]` at
/// `t = h - floor(h)` the way NumPy's `_lerp` does: `a + (b - a) * t` when
/// `t < 0.5`, else `b - (b - a) * (1 - t)` (the nearer end, so the result
/// stays within `[a, b]`); at `h >= n - 1` both ends are the last value.
///
/// `q` outside `[0, 1]` is clamped (NumPy raises); a NaN `q` and an empty
/// `sorted` give NaN (NumPy raises). `sorted` should hold no NaN (callers drop
/// missing values first, like `numpy.nanquantile`); as in NumPy, a NaN where
/// an ascending [`f64::total_cmp`] sort puts it (last, or first for a negative
/// NaN) makes the result NaN. With infinite values NumPy's arithmetic can give
/// NaN (`inf - inf`); so does this function.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    quantile_at(sorted.len(), |i| sorted[i], q)
}

/// [`quantile`] of a sorted sequence of `n` values that `at(i)` reads (at
/// position `0`, `n - 1` and the two neighbours of `(n - 1) * q`), so that
/// callers holding only those order statistics get the same bits.
pub fn quantile_at(n: usize, at: impl Fn(usize) -> f64, q: f64) -> f64 {
    let Some(last) = n.checked_sub(1) else {
        return f64::NAN;
    };
    let (first, last_value) = (at(0), at(last));
    if q.is_nan() || first.is_nan() || last_value.is_nan() {
        return f64::NAN;
    }
    // numpy: virtual index (n - 1) * q, then `_get_indexes` and `_get_gamma`.
    let h = last as f64 * q.clamp(0.0, 1.0);
    if h >= last as f64 {
        // Both neighbours are index -1 (the last value), gamma = h - (-1).
        return lerp(last_value, last_value, h + 1.0);
    }
    let below = h.floor();
    // 0 <= below < last here, so both indices are in range.
    let i = below as usize;
    lerp(at(i), at(i + 1), h - below)
}

/// The median of `sorted` (ascending) like `numpy.median`: the middle value,
/// or the mean `(a + b) / 2` of the two middle values (which can differ from
/// [`quantile`]`(sorted, 0.5)` in the last bit: NumPy's median averages, its
/// quantile interpolates). Empty `sorted` gives NaN (NumPy warns and returns
/// NaN); NaN handling is [`quantile`]'s.
pub fn median(sorted: &[f64]) -> f64 {
    let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) else {
        return f64::NAN;
    };
    if first.is_nan() || last.is_nan() {
        return f64::NAN;
    }
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// NumPy's `_lerp(a, b, t)`: interpolates from the nearer end.
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bitwise equality, so a last-bit difference fails.
    fn same(got: f64, want: f64) -> bool {
        got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan())
    }

    #[test]
    fn quantiles_match_numpy_bit_for_bit() {
        // Expected values: `numpy.quantile(numpy.array(a), q)` (numpy 2.4,
        // default method="linear"), printed with `repr`.
        let cases: &[(&[f64], f64, f64)] = &[
            // np.quantile([5.0], q) is 5.0 for every q.
            (&[5.0], 0.0, 5.0),
            (&[5.0], 0.3, 5.0),
            (&[5.0], 1.0, 5.0),
            // np.quantile([1., 2., 4., 7., 11.], [0, .25, .375, .6, .75, .9, 1])
            (&[1.0, 2.0, 4.0, 7.0, 11.0], 0.0, 1.0),
            (&[1.0, 2.0, 4.0, 7.0, 11.0], 0.25, 2.0),
            (&[1.0, 2.0, 4.0, 7.0, 11.0], 0.375, 3.0),
            (&[1.0, 2.0, 4.0, 7.0, 11.0], 0.6, 5.199999999999999),
            (&[1.0, 2.0, 4.0, 7.0, 11.0], 0.75, 7.0),
            (&[1.0, 2.0, 4.0, 7.0, 11.0], 0.9, 9.4),
            (&[1.0, 2.0, 4.0, 7.0, 11.0], 1.0, 11.0),
            // np.quantile([1., 2., 3., 4.], [.25, .5]): h = 0.75 and 1.5.
            (&[1.0, 2.0, 3.0, 4.0], 0.25, 1.75),
            (&[1.0, 2.0, 3.0, 4.0], 0.5, 2.5),
            // np.quantile([0.1, 0.7], 0.7): t >= 0.5 interpolates from 0.7
            // down, 0.5199999999999999 (a + (b - a) * t would give 0.52).
            (&[0.1, 0.7], 0.7, 0.5199999999999999),
            // np.quantile([-3.5, -0.25, 0.0, 2.0, 1e6], 0.99): t = 0.96.
            (&[-3.5, -0.25, 0.0, 2.0, 1e6], 0.99, 960000.08),
            // Out-of-range q is clamped (numpy raises instead).
            (&[1.0, 2.0, 4.0, 7.0, 11.0], -0.5, 1.0),
            (&[1.0, 2.0, 4.0, 7.0, 11.0], 1.5, 11.0),
        ];
        for &(a, q, want) in cases {
            let got = quantile(a, q);
            assert!(same(got, want), "quantile({a:?}, {q}) = {got:?}, numpy {want:?}");
        }
    }

    #[test]
    fn empty_input_and_nan_give_nan() {
        assert!(quantile(&[], 0.5).is_nan());
        assert!(quantile(&[1.0, 2.0], f64::NAN).is_nan());
        // np.quantile([1., 2., np.nan], 0.0) is nan: a sort puts NaN last.
        assert!(quantile(&[1.0, 2.0, f64::NAN], 0.0).is_nan());
        assert!(quantile(&[-f64::NAN, 1.0, 2.0], 1.0).is_nan());
        assert!(median(&[]).is_nan());
        assert!(median(&[1.0, f64::NAN]).is_nan());
    }

    #[test]
    fn medians_match_numpy() {
        // np.median([1., 2., 4., 7., 11.]) == 4.0; np.median([1., 2., 4., 7.]) == 3.0;
        // np.median([7.]) == 7.0.
        assert!(same(median(&[1.0, 2.0, 4.0, 7.0, 11.0]), 4.0));
        assert!(same(median(&[1.0, 2.0, 4.0, 7.0]), 3.0));
        assert!(same(median(&[7.0]), 7.0));
        // np.median([-7.12, 8.97]) == 0.9250000000000003 (the mean), while
        // np.quantile([-7.12, 8.97], 0.5) == 0.9250000000000007 (the
        // interpolation).
        assert!(same(median(&[-7.12, 8.97]), 0.9250000000000003));
        assert!(same(quantile(&[-7.12, 8.97], 0.5), 0.9250000000000007));
    }
}
