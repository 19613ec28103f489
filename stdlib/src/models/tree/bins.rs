//! Quantile binning for the histogram splitter: each feature is binned once
//! per fit into at most [`MAX_BINS`] bins whose edges are `f32` thresholds,
//! and every row gets a `u8` bin code per feature (column-major).
//!
//! Edges are placed between distinct values (values closer than
//! `FEATURE_THRESHOLD` count as one), at the midpoint `a/2 + b/2` rounded down
//! to `f32`: a feature with at most 255 distinct values gets an edge between
//! every pair of neighbours (so the histogram search sees the exact
//! splitter's candidates), a feature with more gets edges at the
//! distinct-value boundaries nearest to the row quantiles `i / 255`. Code of
//! `x` = number of edges `e` with `x > e`. Each bin also records its smallest
//! and largest value, so a split between bins `b` and the next bin `b'` that
//! holds rows of the node can be placed at the midpoint of `max(b)` and
//! `min(b')`, exactly where the exact splitter puts it when bins hold single
//! values; any threshold in that gap sends the node's rows by their codes.

use super::FEATURE_THRESHOLD;
use mlg_runtime::checkpoint::{WordReader, Words};
use mlg_runtime::collective::Collective;

/// One feature's `f32` edges and each bin's smallest and largest value.
type Edges = (Vec<f32>, Vec<f64>, Vec<f64>);

/// The most bins per feature (codes fit in a `u8`).
pub(crate) const MAX_BINS: usize = 255;

/// Bin edges and codes of every feature. Invariant: `edges32[j]` strictly
/// increasing with `edges32[j].len() < MAX_BINS`, `codes[j * n + r] <=
/// edges32[j].len()`.
#[derive(Clone, Debug)]
pub(crate) struct Bins {
    /// Smallest and largest value of each bin (as `f64` of the `f32` values).
    pub lo: Vec<Vec<f64>>,
    pub hi: Vec<Vec<f64>>,
    /// The `f32` comparison value of each edge.
    pub edges32: Vec<Vec<f32>>,
    /// Bin code of row `r` for feature `j` at `codes[j * n + r]`.
    pub codes: Vec<u8>,
    /// Offset of feature `j`'s first bin in a full histogram.
    pub offsets: Vec<usize>,
    /// Total number of bins over all features.
    pub total: usize,
}

impl Bins {
    /// Bins the column-major `cols` (`n` rows, `d` features).
    pub(crate) fn new(cols: &[f32], n: usize, d: usize) -> Self {
        let mut sorted: Vec<f32> = Vec::with_capacity(n);
        let per_feature = (0..d)
            .map(|j| {
                sorted.clear();
                sorted.extend_from_slice(&cols[j * n..(j + 1) * n]);
                sorted.sort_unstable_by(f32::total_cmp);
                edges(&sorted)
            })
            .collect();
        Self::from_edges(cols, n, per_feature)
    }

    /// Bins this rank's column-major `cols` (`n` rows, `d` features) by the
    /// rows of every rank of `comm`: rank `j % size` gathers column `j` from
    /// every rank (one column held at a time) and places its edges, then the
    /// ranks exchange the edges. They are, with each bin's smallest and
    /// largest value, those [`Bins::new`] finds in one process holding every
    /// row, and the sorting is shared out.
    pub(crate) fn gathered(comm: &dyn Collective, cols: &[f32], n: usize, d: usize) -> Self {
        let size = comm.size();
        let mut words = Words::new();
        for j in 0..d {
            let bits: Vec<u8> = cols[j * n..(j + 1) * n]
                .iter()
                .flat_map(|v| v.to_bits().to_le_bytes())
                .collect();
            let Some(parts) = comm.gather(j % size, &bits) else {
                continue;
            };
            let mut sorted: Vec<f32> = parts
                .iter()
                .flat_map(|p| p.chunks_exact(4))
                .map(|b| f32::from_le_bytes(b.try_into().unwrap_or_default()))
                .collect();
            sorted.sort_unstable_by(f32::total_cmp);
            let (e32, lo, hi) = edges(&sorted);
            let e: Vec<f64> = e32.iter().map(|&v| f64::from(v)).collect();
            words.usize(j).f64s(&e).f64s(&lo).f64s(&hi);
        }
        let mut per_feature: Vec<Edges> = vec![(Vec::new(), Vec::new(), Vec::new()); d];
        for part in comm.all_gather(&words.into_bytes()) {
            let mut r = WordReader::new(&part);
            while !r.is_done() {
                let read = (|| {
                    let j = r.usize()?;
                    let e32 = r.f64s()?.into_iter().map(|v| v as f32).collect();
                    Some((j, (e32, r.f64s()?, r.f64s()?)))
                })();
                match read {
                    Some((j, edges)) if j < d => per_feature[j] = edges,
                    _ => break,
                }
            }
        }
        Self::from_edges(cols, n, per_feature)
    }

    /// The bins of `cols` (`n` rows per feature) from each feature's edges
    /// and bin extremes.
    fn from_edges(cols: &[f32], n: usize, per_feature: Vec<Edges>) -> Self {
        let d = per_feature.len();
        let mut bins = Bins {
            lo: Vec::with_capacity(d),
            hi: Vec::with_capacity(d),
            edges32: Vec::with_capacity(d),
            codes: vec![0; n * d],
            offsets: Vec::with_capacity(d),
            total: 0,
        };
        for (j, (e32, lo, hi)) in per_feature.into_iter().enumerate() {
            let col = &cols[j * n..(j + 1) * n];
            for (code, &x) in bins.codes[j * n..(j + 1) * n].iter_mut().zip(col) {
                *code = e32.partition_point(|&e| x > e) as u8;
            }
            bins.offsets.push(bins.total);
            bins.total += e32.len() + 1;
            bins.lo.push(lo);
            bins.hi.push(hi);
            bins.edges32.push(e32);
        }
        bins
    }

    /// Number of bins of feature `j`.
    pub(crate) fn n_bins(&self, j: usize) -> usize {
        self.edges32[j].len() + 1
    }

    /// Bin codes of feature `j` (`n` rows).
    pub(crate) fn codes(&self, j: usize, n: usize) -> &[u8] {
        &self.codes[j * n..(j + 1) * n]
    }
}

/// The `f32` edges of one sorted column and the smallest and largest value
/// of each of its bins.
fn edges(sorted: &[f32]) -> Edges {
    // Groups of (nearly) equal values: (first value, last value, rows up to and
    // including this group).
    let mut groups: Vec<(f64, f64, usize)> = Vec::new();
    for (i, &v) in sorted.iter().enumerate() {
        let v = f64::from(v);
        match groups.last_mut() {
            Some(g) if v <= g.1 + FEATURE_THRESHOLD => {
                g.1 = v;
                g.2 = i + 1;
            }
            _ => groups.push((v, v, i + 1)),
        }
    }
    let n = sorted.len();
    // Boundary `g` lies between groups g and g + 1.
    let boundaries: Vec<usize> = if groups.len() <= MAX_BINS {
        (0..groups.len().saturating_sub(1)).collect()
    } else {
        let mut chosen: Vec<usize> = Vec::with_capacity(MAX_BINS - 1);
        let mut g = 0;
        for q in 1..MAX_BINS {
            let target = (q * n).div_ceil(MAX_BINS);
            while g + 1 < groups.len() - 1 && groups[g].2 < target {
                g += 1;
            }
            if chosen.last() != Some(&g) {
                chosen.push(g);
            }
        }
        chosen
    };
    let mut e32 = Vec::with_capacity(boundaries.len());
    let (mut lo, mut hi) = (Vec::new(), Vec::new());
    let mut first = 0;
    for &g in &boundaries {
        e32.push(f32_at_most(midpoint(groups[g].1, groups[g + 1].0)));
        lo.push(groups[first].0);
        hi.push(groups[g].1);
        first = g + 1;
    }
    if let Some(last) = groups.last() {
        lo.push(groups[first].0);
        hi.push(last.1);
    }
    (e32, lo, hi)
}

/// scikit-learn's threshold between sorted neighbours `a < b`: the midpoint,
/// or `a` when the midpoint rounds to `b` (or overflows).
pub(super) fn midpoint(a: f64, b: f64) -> f64 {
    let t = a / 2.0 + b / 2.0;
    if t == b || t.is_infinite() {
        a
    } else {
        t
    }
}

/// The largest `f32` that is `<= t` (`t` finite).
pub(crate) fn f32_at_most(t: f64) -> f32 {
    let r = t as f32;
    if f64::from(r) > t {
        r.next_down()
    } else {
        r
    }
}
