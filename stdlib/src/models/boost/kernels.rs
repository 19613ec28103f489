//! The inner loops that fill one node's gradient/hessian histograms, and the
//! row partition of a split.
//!
//! Every feature's bins are summed over the node's rows on one thread;
//! features are spread over threads only for nodes with enough work to pay
//! for it. Gradients and hessians arrive as integer grid steps (`exact`):
//! inner loops add a row's gradient steps, hessian steps and 1 to its bin's
//! three `i64` sums, exactly, so histograms do not depend on the order of
//! the rows, the thread count or the ranks the rows are spread over.

use super::bins::MISSING;
use super::grow::BinnedData;
use super::hist::{scan_any, subtract, Bin, Candidate, FeatureHist, SplitInfo, SplitRules, Sums, SLOTS};
use rayon::prelude::*;

/// Rows × features below which a histogram is built on the calling thread.
const PARALLEL_WORK: usize = 4096;
/// Rows of a node from which its features are scanned in parallel.
const PARALLEL_SCAN_ROWS: usize = 1024;
/// Rows in a node above which the partition runs in parallel chunks.
const PARALLEL_PARTITION: usize = 4096;

/// Rows of a node from which its histograms are filled in two copies.
const TWO_COPIES_ROWS: usize = 2048;

/// Features whose bins one pass over a node's rows fills: the row index and
/// gradient pair are loaded once for all of them.
const GROUP: usize = 2;

/// Sums `gh[k]` (gradient and hessian steps) and a count into bin
/// `cols[w][row(k)]` of `outs[w]` (cleared first) for `k < n` and every `w`
/// (no overflow: a step count is below `2^31`, and a node has fewer than
/// `2^32` rows).
#[inline(always)]
fn fill<const W: usize>(
    n: usize,
    row: impl Fn(usize) -> usize,
    cols: [&[u8]; W],
    gh: &[[i32; 2]],
    mut outs: [&mut FeatureHist; W],
) {
    for out in outs.iter_mut() {
        out.fill(Bin::default());
    }
    if n < TWO_COPIES_ROWS {
        for (k, &p) in gh[..n].iter().enumerate() {
            let r = row(k);
            for w in 0..W {
                outs[w][cols[w][r] as usize].add(p);
            }
        }
        return;
    }
    // Odd rows go to a second copy, merged at the end: a run of rows in one
    // bin then makes two chains of additions through memory, not one.
    let mut odd = [[Bin::default(); SLOTS]; W];
    for (k, pair) in gh[..n].chunks_exact(2).enumerate() {
        let (r0, r1) = (row(2 * k), row(2 * k + 1));
        for w in 0..W {
            outs[w][cols[w][r0] as usize].add(pair[0]);
            odd[w][cols[w][r1] as usize].add(pair[1]);
        }
    }
    if n % 2 == 1 {
        let r = row(n - 1);
        for w in 0..W {
            outs[w][cols[w][r] as usize].add(gh[n - 1]);
        }
    }
    for (out, odd) in outs.iter_mut().zip(&odd) {
        for (bin, extra) in out.iter_mut().zip(odd) {
            bin.g += extra.g;
            bin.h += extra.h;
            bin.n += extra.n;
        }
    }
}

/// One feature's share of a histogram pass.
struct Job<'a> {
    feature: usize,
    col: &'a [u8],
    small: &'a mut FeatureHist,
    big: Option<&'a mut FeatureHist>,
}

/// The per-feature split candidates of the two nodes of a pass, in feature
/// order (`None` where a node is not scanned or a feature has no valid split).
pub(crate) type Candidates = Vec<(usize, Option<Candidate>)>;

/// One pass over the active features of a node, [`GROUP`] features per task
/// (tasks in parallel for large nodes). For each feature it fills `small`
/// from the node's rows of `data` — every row `0..n_rows` in order (`rows` =
/// `None`, `gh` indexed by row) or the listed `rows` with their gradient pairs
/// gathered (`gh[k]` belongs to `rows[k]`) — then turns `big`, when given
/// (the parent's histogram), into the sibling's by subtraction, and scans
/// each node whose sums are given (`small_total`, `big_total`) for its best
/// boundary.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pass(
    data: &BinnedData,
    rules: &SplitRules,
    rows: Option<&[u32]>,
    gh: &[[i32; 2]],
    active: &[bool],
    small: (&mut [FeatureHist], Option<Sums>),
    big: Option<(&mut [FeatureHist], Option<Sums>)>,
) -> [Candidates; 2] {
    let n = data.n_rows;
    let (small, small_total) = small;
    let (big, big_total) = match big {
        Some((hist, total)) => (Some(hist), total),
        None => (None, None),
    };
    let mut bigs: Vec<Option<&mut FeatureHist>> = match big {
        Some(hist) => hist.iter_mut().map(Some).collect(),
        None => small.iter().map(|_| None).collect(),
    };
    let mut jobs: Vec<Job> = small
        .iter_mut()
        .zip(bigs.iter_mut())
        .enumerate()
        .filter(|(f, _)| active[*f])
        .map(|(feature, (small, big))| Job {
            feature,
            col: &data.codes[feature * n..(feature + 1) * n],
            small,
            big: big.take(),
        })
        .collect();
    let m = rows.map_or(n, <[u32]>::len);
    let task = |group: &mut [Job]| -> Vec<(usize, Option<Candidate>, Option<Candidate>)> {
        match (&mut *group, rows) {
            ([a, b], None) => fill(m, |k| k, [a.col, b.col], gh, [&mut *a.small, &mut *b.small]),
            ([a, b], Some(rows)) => fill(
                m,
                |k| rows[k] as usize,
                [a.col, b.col],
                gh,
                [&mut *a.small, &mut *b.small],
            ),
            ([a], None) => fill(m, |k| k, [a.col], gh, [&mut *a.small]),
            ([a], Some(rows)) => fill(m, |k| rows[k] as usize, [a.col], gh, [&mut *a.small]),
            _ => unreachable!("groups hold one or two features"),
        }
        group
            .iter_mut()
            .map(|job| {
                let bins = data.n_bins[job.feature];
                let cat = data.categorical[job.feature];
                let missing = MISSING as usize;
                let scan_small = small_total
                    .and_then(|t| scan_any(&job.small[..bins], &job.small[missing], t, rules, cat));
                let scan_big = job.big.as_deref_mut().and_then(|big| {
                    subtract(big, job.small);
                    big_total.and_then(|t| scan_any(&big[..bins], &big[missing], t, rules, cat))
                });
                (job.feature, scan_small, scan_big)
            })
            .collect()
    };
    let results: Vec<_> = if m * jobs.len() >= PARALLEL_WORK && rayon::current_num_threads() > 1 {
        jobs.par_chunks_mut(GROUP).flat_map_iter(task).collect()
    } else {
        jobs.chunks_mut(GROUP).flat_map(task).collect()
    };
    let small_candidates = results.iter().map(|&(f, c, _)| (f, c)).collect();
    let big_candidates = results.iter().map(|&(f, _, c)| (f, c)).collect();
    [small_candidates, big_candidates]
}

/// The candidates of every active feature of a filled histogram (features
/// scanned in parallel for large nodes).
pub(crate) fn scan(
    data: &BinnedData,
    rules: &SplitRules,
    hist: &[FeatureHist],
    total: Sums,
    active: &[bool],
) -> Candidates {
    let one = |f: usize| {
        (
            f,
            active[f]
                .then(|| {
                    scan_any(
                        &hist[f][..data.n_bins[f]],
                        &hist[f][MISSING as usize],
                        total,
                        rules,
                        data.categorical[f],
                    )
                })
                .flatten(),
        )
    };
    if total.n as usize >= PARALLEL_SCAN_ROWS && rayon::current_num_threads() > 1 {
        (0..hist.len()).into_par_iter().map(one).collect()
    } else {
        (0..hist.len()).map(one).collect()
    }
}

/// Branchless stable partition of `rows` by `left(col[row])`: lefts in
/// place, rights through `scratch` (at least as long as `rows`). Returns
/// the left count.
#[inline(always)]
fn partition_chunk(rows: &mut [u32], col: &[u8], left: impl Fn(u8) -> bool, scratch: &mut [u32]) -> usize {
    let (mut nl, mut nr) = (0, 0);
    for i in 0..rows.len() {
        let r = rows[i];
        let left = usize::from(left(col[r as usize]));
        rows[nl] = r;
        scratch[nr] = r;
        nl += left;
        nr += 1 - left;
    }
    rows[nl..].copy_from_slice(&scratch[..nr]);
    nl
}

/// Stable in-place partition of `rows` by where `split` sends `col[row]`
/// ([`SplitInfo::goes_left`]; lefts first); `scratch` is resized as
/// needed. Returns the number of rows sent left.
pub(crate) fn partition(rows: &mut [u32], col: &[u8], split: &SplitInfo, scratch: &mut Vec<u32>) -> usize {
    match split.cats {
        Some(set) => partition_by(rows, col, move |c| super::categorical::contains(&set, c), scratch),
        None => {
            let (bin, missing_left) = (split.bin, split.missing_left);
            partition_by(
                rows,
                col,
                move |c| (c <= bin) | ((c == MISSING) & missing_left),
                scratch,
            )
        }
    }
}

/// [`partition`] by the predicate `left`.
fn partition_by(
    rows: &mut [u32],
    col: &[u8],
    left: impl Fn(u8) -> bool + Copy + Sync,
    scratch: &mut Vec<u32>,
) -> usize {
    let n = rows.len();
    if scratch.len() < n {
        scratch.resize(n, 0);
    }
    if n < PARALLEL_PARTITION {
        return partition_chunk(rows, col, left, scratch);
    }
    let chunk = n.div_ceil(rayon::current_num_threads().max(1) * 2);
    let scratch = &mut scratch[..n];
    let lefts: Vec<usize> = rows
        .par_chunks_mut(chunk)
        .zip(scratch.par_chunks_mut(chunk))
        .map(|(r, s)| partition_chunk(r, col, left, s))
        .collect();
    // Each chunk is now [its lefts][its rights]: move all lefts, then all
    // rights, into `scratch` (disjoint destinations), and copy back.
    let n_left: usize = lefts.iter().sum();
    let (mut left_dst, mut right_dst) = scratch.split_at_mut(n_left);
    let mut moves = Vec::with_capacity(lefts.len());
    for (src, &nl) in rows.chunks(chunk).zip(&lefts) {
        let (l, rest) = std::mem::take(&mut left_dst).split_at_mut(nl);
        let (r, rest_r) = std::mem::take(&mut right_dst).split_at_mut(src.len() - nl);
        (left_dst, right_dst) = (rest, rest_r);
        moves.push((src, l, r));
    }
    moves.into_par_iter().for_each(|(src, l, r)| {
        let nl = l.len();
        l.copy_from_slice(&src[..nl]);
        r.copy_from_slice(&src[nl..]);
    });
    rows.par_chunks_mut(chunk)
        .zip(scratch.par_chunks(chunk))
        .for_each(|(dst, src)| dst.copy_from_slice(src));
    n_left
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_stable_sequential_and_parallel() {
        for n in [10, 200_000] {
            let col: Vec<u8> = (0..n).map(|i| ((i * 37) % 11) as u8).collect();
            let mut rows: Vec<u32> = (0..n as u32).filter(|r| r % 3 != 0).collect();
            let expect_left: Vec<u32> = rows.iter().copied().filter(|&r| col[r as usize] <= 4).collect();
            let expect_right: Vec<u32> = rows.iter().copied().filter(|&r| col[r as usize] > 4).collect();
            let mut scratch = Vec::new();
            let split = SplitInfo {
                feature: 0,
                bin: 4,
                missing_left: false,
                gain: 1.0,
                left: Sums::default(),
                right: Sums::default(),
                cats: None,
            };
            let nl = partition(&mut rows, &col, &split, &mut scratch);
            assert_eq!(nl, expect_left.len());
            assert_eq!(&rows[..nl], &expect_left[..]);
            assert_eq!(&rows[nl..], &expect_right[..]);
        }
    }
}
