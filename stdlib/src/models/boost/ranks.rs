//! Gradient boosting on rows spread over the ranks of a distributed job:
//! what the ranks must agree on before the first tree. The bin thresholds
//! come from the same rows one process would sample (picked by global row
//! number and gathered from the ranks that hold them), so the bins are
//! exactly one process's; the classes and the baseline come from sums over
//! the ranks. The trees then grow from histograms summed over the ranks
//! (`grow.rs`): each rank owns a block of the features ([`blocks`]),
//! receives only its block of every node's summed histogram (a
//! reduce-scatter, [`reduce_owned`]), scans those features, and the ranks
//! exchange their best splits ([`agree`]), as LightGBM's data-parallel mode
//! does.

use super::bins::{key, sample_rows, BinMapper, MISSING};
use super::exact::fixed_sum;
use super::hist::{Bin, FeatureHist, SplitInfo, Sums};
use super::loss::Objective;
use mlg_runtime::collective::Collective;

/// The bin thresholds of the rows of every rank, this rank holding the
/// column-major `cols` (`n` rows per feature, `d` features): the global rows
/// [`sample_rows`] picks (all of them up to its sample size) are gathered
/// from their ranks, so the mapper equals [`BinMapper::fit`] on all the rows.
pub(super) fn mapper(
    comm: &dyn Collective,
    cols: &[f32],
    n: usize,
    d: usize,
    max_bins: usize,
    seed: u64,
) -> BinMapper {
    let counts = mlg_runtime::collective::counts(comm, n);
    let total: usize = counts.iter().sum();
    let offset: usize = counts[..comm.rank()].iter().sum();
    // This rank's rows among the sampled ones, as local row numbers.
    let local: Vec<usize> = match sample_rows(total, seed) {
        Some(picked) => picked
            .into_iter()
            .filter(|r| (offset..offset + n).contains(r))
            .map(|r| r - offset)
            .collect(),
        None => (0..n).collect(),
    };
    let mine: Vec<u8> = (0..d)
        .flat_map(|f| local.iter().map(move |&r| key(cols[f * n + r])))
        .flat_map(u32::to_le_bytes)
        .collect();
    let all = comm.all_gather(&mine);
    let keys: Vec<Vec<u32>> = (0..d)
        .map(|f| {
            all.iter()
                .flat_map(|part| {
                    let m = part.len() / 4 / d.max(1);
                    part[f * m * 4..(f + 1) * m * 4]
                        .chunks_exact(4)
                        .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()))
                })
                .collect()
        })
        .collect();
    BinMapper::from_keys(keys, max_bins)
}

/// The classes some rank's rows hold (ascending codes), from this rank's
/// `codes` into `n_labels` labels.
pub(super) fn classes(comm: &dyn Collective, codes: &[u32], n_labels: usize) -> Vec<u32> {
    let mut present = vec![0u64; n_labels];
    codes.iter().for_each(|&c| present[c as usize] = 1);
    comm.all_reduce_u64(&mut present);
    (0..n_labels as u32)
        .filter(|&c| present[c as usize] > 0)
        .collect()
}

/// [`Objective::baseline`] of every rank's targets, this rank holding `y`
/// (the squared, binary and multinomial losses, whose baselines are means
/// and class shares; the absolute loss's median is refused before fitting).
/// Counts are exact, and the target sum is [`fixed_sum`]'s: the bits of
/// one process's baseline.
pub(super) fn baseline(comm: &dyn Collective, objective: Objective, y: &[f64]) -> Vec<f64> {
    let mut counts = match objective {
        Objective::Multi(k) => {
            let mut counts = vec![0u64; k];
            y.iter().for_each(|&c| counts[c as usize] += 1);
            counts
        }
        _ => Vec::new(),
    };
    counts.push(y.len() as u64);
    comm.all_reduce_u64(&mut counts);
    let n = counts.pop().unwrap_or(0) as f64;
    let sums: Vec<f64> = match objective {
        Objective::Multi(_) => counts.iter().map(|&c| c as f64).collect(),
        _ => vec![fixed_sum(Some(comm), y)],
    };
    objective.baseline_from(&sums, n)
}

/// The features each rank sums and scans (LightGBM's feature-block
/// reduce-scatter): the `active` features in index order, cut into `size`
/// consecutive blocks of about equal bins (`n_bins`), rank 0 taking the
/// first. Returns whether this `rank` owns each feature, and every rank's
/// count of histogram values (3 per bin of its features).
pub(super) fn blocks(active: &[bool], n_bins: &[usize], size: usize, rank: usize) -> (Vec<bool>, Vec<usize>) {
    let total: usize = (0..active.len()).filter(|&f| active[f]).map(|f| n_bins[f]).sum();
    let mut owned = vec![false; active.len()];
    let mut counts = vec![0usize; size];
    let mut done = 0usize;
    for f in (0..active.len()).filter(|&f| active[f]) {
        // The rank whose share of the bins holds this feature's first bin.
        let owner = (done * size / total.max(1)).min(size - 1);
        owned[f] = owner == rank;
        // Its real bins and the missing-values bin.
        counts[owner] += 3 * (n_bins[f] + 1);
        done += n_bins[f];
    }
    (owned, counts)
}

/// The words one rank sends about a node: its sums and its best split
/// (integers as their two's complement, the gain as its bits).
fn put(out: &mut Vec<u64>, sums: Option<Sums>, split: Option<SplitInfo>) {
    let s = |s: Sums| [s.g as u64, s.h as u64, u64::from(s.n)];
    out.push(u64::from(sums.is_some()));
    out.extend(s(sums.unwrap_or_default()));
    out.push(u64::from(split.is_some()));
    let sp = split.unwrap_or(SplitInfo {
        feature: 0,
        bin: 0,
        missing_left: false,
        gain: 0.0,
        left: Sums::default(),
        right: Sums::default(),
        cats: None,
    });
    // The bin word carries where missing values go in bit 8, and whether
    // the split is categorical (its set in the last four words) in bit 9.
    let bin = u64::from(sp.bin) | u64::from(sp.missing_left) << 8 | u64::from(sp.cats.is_some()) << 9;
    out.extend([sp.feature as u64, bin, sp.gain.to_bits()]);
    out.extend(s(sp.left));
    out.extend(s(sp.right));
    out.extend(sp.cats.unwrap_or_default());
}

/// Words per node in [`put`].
const WORDS: usize = 18;

/// What the ranks agree on for `K` nodes, from each rank's `(sums, best
/// split)` per node (its own features only): the sums of the lowest rank
/// that has some (rank 0 owns the first feature), and the split of largest
/// gain, the lower feature (so the lower rank) on ties.
pub(super) fn agree<const K: usize>(
    comm: &dyn Collective,
    mine: [(Option<Sums>, Option<SplitInfo>); K],
) -> [(Option<Sums>, Option<SplitInfo>); K] {
    let mut words = Vec::with_capacity(K * WORDS);
    for (sums, split) in mine {
        put(&mut words, sums, split);
    }
    let bytes: Vec<u8> = words.iter().flat_map(|v| v.to_le_bytes()).collect();
    let all: Vec<Vec<u64>> = comm
        .all_gather(&bytes)
        .iter()
        .map(|b| {
            b.chunks_exact(8)
                .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
                .collect()
        })
        .collect();
    let sums = |w: &[u64]| Sums {
        g: w[0] as i64,
        h: w[1] as i64,
        n: w[2] as u32,
    };
    std::array::from_fn(|k| {
        let mut out: (Option<Sums>, Option<SplitInfo>) = (None, None);
        for theirs in &all {
            let Some(w) = theirs.get(k * WORDS..(k + 1) * WORDS) else {
                continue;
            };
            if out.0.is_none() && w[0] == 1 {
                out.0 = Some(sums(&w[1..4]));
            }
            let gain = f64::from_bits(w[7]);
            if w[4] == 1 && out.1.is_none_or(|b| gain > b.gain) {
                out.1 = Some(SplitInfo {
                    feature: w[5] as usize,
                    bin: w[6] as u8,
                    missing_left: w[6] >> 8 & 1 == 1,
                    gain,
                    left: sums(&w[8..11]),
                    right: sums(&w[11..14]),
                    cats: (w[6] >> 9 & 1 == 1).then(|| [w[14], w[15], w[16], w[17]]),
                });
            }
        }
        out
    })
}

/// Replaces the bins of this rank's `owned` features of `hist` (this rank's
/// rows) by their sums over every rank, receiving only those: the `active`
/// features' bins (`n_bins`, then the missing-values bin) go out in index
/// order, `counts` per rank ([`blocks`]). The other features' bins keep
/// this rank's sums.
pub(super) fn reduce_owned(
    comm: &dyn Collective,
    hist: &mut [FeatureHist],
    (active, owned, counts): (&[bool], &[bool], &[usize]),
    n_bins: &[usize],
) {
    let mut flat = Vec::with_capacity(counts.iter().sum());
    for (f, h) in hist.iter().enumerate().filter(|(f, _)| active[*f]) {
        flat.extend(
            h[..n_bins[f]]
                .iter()
                .chain(std::iter::once(&h[MISSING as usize]))
                .flat_map(|b| [b.g as u64, b.h as u64, b.n as u64]),
        );
    }
    let mine = comm.reduce_scatter_u64(&flat, counts);
    let mut sums = mine.chunks_exact(3);
    for (f, h) in hist.iter_mut().enumerate().filter(|(f, _)| owned[*f]) {
        let (real, rest) = h.split_at_mut(n_bins[f]);
        let missing = &mut rest[MISSING as usize - n_bins[f]];
        for (b, s) in real.iter_mut().chain(std::iter::once(missing)).zip(&mut sums) {
            *b = Bin::new(s[0] as i64, s[1] as i64, s[2] as i64);
        }
    }
}
