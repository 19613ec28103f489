//! Exact order statistics of a column without sorting it or copying it whole:
//! the profile's percentiles read about 200 sorted positions of up to
//! millions of values.
//!
//! One pass counts the finite values into [`BINS`] equal-width bins between
//! their minimum and maximum, so a wanted position lies in a known bin; the
//! values of the bins that hold a wanted position are gathered in one more
//! pass, and the positions are found among them the same way, or by sorting
//! them when they are few or when every value was gathered.
//! Bins are monotone in the value, so a bin's values occupy consecutive sorted
//! positions. The order is [`f64::total_cmp`]'s, so `-0.0` sorts before `0.0`
//! as a sort would put them.

/// At most this many values are sorted outright.
const SORT_AT_MOST: usize = 4096;

/// Bins of one counting pass.
const BINS: usize = 1 << 14;

/// The finite values of a column: how many, their sum in row order, the
/// least and the greatest (either zero where both signs occur).
#[derive(Clone, Copy, Debug)]
pub(super) struct Extent {
    pub(super) n: usize,
    pub(super) sum: f64,
    pub(super) lo: f64,
    pub(super) hi: f64,
}

/// The [`Extent`] of `values`, in one pass.
pub(super) fn extent(values: &[f64]) -> Extent {
    let mut e = Extent {
        n: 0,
        sum: -0.0,
        lo: f64::INFINITY,
        hi: f64::NEG_INFINITY,
    };
    for &v in values {
        if v.is_finite() {
            e.n += 1;
            e.sum += v;
            e.lo = if v < e.lo { v } else { e.lo };
            e.hi = if v > e.hi { v } else { e.hi };
        }
    }
    e
}

/// The finite values of `values` (whose [`extent`] is `e`) at the positions
/// `wanted` (ascending, distinct, each below `e.n`) of their ascending
/// [`f64::total_cmp`] sort, in `wanted`'s order.
#[cfg(test)]
pub(super) fn order_statistics(values: &[f64], e: Extent, wanted: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(wanted.len());
    select(values, e, wanted, &mut out);
    out
}

/// [`order_statistics`] with what its counting learned, which counts the
/// finite values at most any number without another pass over them
/// ([`Ranks::finite_at_most`]).
pub(super) fn ranked<'a>(values: &'a [f64], e: Extent, wanted: &[usize]) -> (Vec<f64>, Ranks<'a>) {
    let mut out = Vec::with_capacity(wanted.len());
    let ranks = select(values, e, wanted, &mut out);
    (out, ranks)
}

/// The finite values as [`select`] saw them at its first step.
pub(super) enum Ranks<'a> {
    /// None were wanted: nothing was read.
    Unread(&'a [f64]),
    /// All of them, sorted.
    Sorted(Vec<f64>),
    /// Counted into [`BINS`] bins, the values of the bins that held a wanted
    /// position gathered (`gathered[b]` is `usize::MAX` for the others).
    Binned {
        values: &'a [f64],
        e: Extent,
        counts: Vec<usize>,
        gathered: Vec<usize>,
        kept: Vec<f64>,
    },
}

impl Ranks<'_> {
    /// How many finite values are at most `x`. Bins are monotone in the
    /// value, so the bins below `x`'s hold values below it and those above
    /// values above it; only `x`'s own bin is looked into: among the
    /// gathered values when it was gathered (a quantile between two wanted
    /// positions lies in one of their bins or in an empty one between), else
    /// among all the values.
    pub(super) fn finite_at_most(&self, x: f64) -> usize {
        match self {
            Ranks::Unread(values) => values.iter().filter(|v| v.is_finite() && **v <= x).count(),
            Ranks::Sorted(sorted) => sorted.partition_point(|v| *v <= x),
            Ranks::Binned {
                values,
                e,
                counts,
                gathered,
                kept,
            } => {
                if x < e.lo {
                    return 0;
                }
                if x >= e.hi {
                    return e.n;
                }
                let bin = binning(*e);
                let b = bin(x);
                let below: usize = counts[..b].iter().sum();
                let in_bin = |v: &&f64| bin(**v) == b && **v <= x;
                below
                    + match (gathered[b], counts[b]) {
                        (_, 0) => 0,
                        (usize::MAX, _) => values.iter().filter(|v| v.is_finite()).filter(in_bin).count(),
                        _ => kept.iter().filter(in_bin).count(),
                    }
            }
        }
    }
}

/// The bin of a finite value between `e.lo` and `e.hi` (clamped outside).
fn binning(e: Extent) -> impl Fn(f64) -> usize {
    // Halved, so that `hi - lo` cannot overflow; every step is monotone.
    let (base, span) = (e.lo * 0.5, e.hi * 0.5 - e.lo * 0.5);
    let scale = if span > 0.0 { BINS as f64 / span } else { 0.0 };
    move |v: f64| (((v * 0.5 - base) * scale) as usize).min(BINS - 1)
}

/// [`order_statistics`], appending to `out`; what its first step saw.
fn select<'a>(values: &'a [f64], e: Extent, wanted: &[usize], out: &mut Vec<f64>) -> Ranks<'a> {
    if wanted.is_empty() {
        return Ranks::Unread(values);
    }
    let finite = || values.iter().copied().filter(|v| v.is_finite());
    let n = e.n;
    if n <= SORT_AT_MOST {
        let mut sorted: Vec<f64> = finite().collect();
        sorted.sort_unstable_by(f64::total_cmp);
        out.extend(wanted.iter().map(|&r| sorted[r]));
        return Ranks::Sorted(sorted);
    }
    let bin = binning(e);
    let mut counts = vec![0usize; BINS];
    for v in finite() {
        counts[bin(v)] += 1;
    }
    // Each wanted position's bin and its position inside it; `gathered[b]`:
    // where bin `b`'s values start among the gathered ones.
    let mut at = Vec::with_capacity(wanted.len());
    let mut gathered = vec![usize::MAX; BINS];
    let (mut b, mut start, mut total) = (0, 0, 0);
    for &r in wanted {
        while start + counts[b] <= r {
            start += counts[b];
            b += 1;
        }
        if gathered[b] == usize::MAX {
            gathered[b] = total;
            total += counts[b];
        }
        at.push((b, r - start));
    }
    let mut kept = Vec::with_capacity(total);
    kept.extend(finite().filter(|&v| gathered[bin(v)] != usize::MAX));
    // Bins are monotone in the value, so the gathered values of bin `b` hold
    // the gathered positions `gathered[b]..` in their own sorted order.
    let inner: Vec<usize> = at.iter().map(|&(b, i)| gathered[b] + i).collect();
    let mut found = Vec::with_capacity(inner.len());
    if kept.len() < n {
        select(&kept, extent(&kept), &inner, &mut found);
    } else {
        // No narrower range to count again (every value sits in a wanted bin,
        // as when a column holds a few distinct values).
        kept.sort_unstable_by(f64::total_cmp);
        found.extend(inner.iter().map(|&r| kept[r]));
    }
    out.extend(found);
    Ranks::Binned {
        values,
        e,
        counts,
        gathered,
        kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted_finite(values: &[f64]) -> Vec<f64> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_unstable_by(f64::total_cmp);
        sorted
    }

    fn check(values: &[f64]) {
        let sorted = sorted_finite(values);
        let wanted: Vec<usize> = (0..sorted.len())
            .step_by(sorted.len() / 97 + 1)
            .chain([sorted.len() - 1])
            .collect();
        let mut wanted = wanted;
        wanted.dedup();
        let got = order_statistics(values, extent(values), &wanted);
        for (&r, g) in wanted.iter().zip(&got) {
            assert_eq!(
                g.to_bits(),
                sorted[r].to_bits(),
                "position {r} of {}",
                sorted.len()
            );
        }
    }

    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn spread_values_give_the_sorted_positions() {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        let values: Vec<f64> = (0..50_000)
            .map(|_| (xorshift(&mut s) % 1_000_000) as f64 / 7.0 - 5e4)
            .collect();
        check(&values);
    }

    #[test]
    fn ties_signed_zeros_and_non_finite_values_are_handled() {
        let mut s = 7u64;
        let values: Vec<f64> = (0..20_000)
            .map(|i| match i % 9 {
                0 => 0.0,
                1 => -0.0,
                2 => f64::NAN,
                3 => f64::INFINITY,
                4 => 3.0,
                _ => (xorshift(&mut s) % 100) as f64,
            })
            .collect();
        check(&values);
    }

    #[test]
    fn an_outlier_and_clustered_values_still_give_exact_positions() {
        let mut s = 11u64;
        // Nearly every value in the first of the outer bins: counted again inside it.
        let mut values: Vec<f64> = (0..30_000)
            .map(|_| (xorshift(&mut s) % 10_000) as f64 * 1e-4)
            .collect();
        values.push(1e300);
        values.push(-1e300);
        check(&values);
        // Clusters narrower than a bin, one per wanted bin: sorted.
        let clusters: Vec<f64> = (0..30_000)
            .map(|i: u32| f64::from(i % 300) * 1e6 + f64::from(i / 300) * 1e-3)
            .collect();
        check(&clusters);
        // Only signed zeros: one bin that cannot be split.
        let zeros: Vec<f64> = (0..10_000).map(|i| if i % 3 == 0 { -0.0 } else { 0.0 }).collect();
        check(&zeros);
    }
}
