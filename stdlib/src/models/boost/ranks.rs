//! Gradient boosting on rows spread over the ranks of a distributed job:
//! what the ranks must agree on before the first tree. The bin thresholds
//! come from the same rows one process would sample (picked by global row
//! number and gathered from the ranks that hold them), so the bins are
//! exactly one process's; the classes and the baseline come from sums over
//! the ranks. The trees then grow from histograms summed over the ranks
//! (`grow.rs`).

use super::bins::{key, sample_rows, BinMapper};
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
pub(super) fn baseline(comm: &dyn Collective, objective: Objective, y: &[f64]) -> Vec<f64> {
    let mut sums = match objective {
        Objective::Multi(k) => {
            let mut counts = vec![0.0; k];
            y.iter().for_each(|&c| counts[c as usize] += 1.0);
            counts
        }
        _ => vec![y.iter().sum::<f64>()],
    };
    sums.push(y.len() as f64);
    comm.all_reduce_f64(&mut sums);
    let n = sums.pop().unwrap_or(0.0).max(1.0);
    let clip = |p: f64| p.clamp(1e-12, 1.0 - 1e-12);
    match objective {
        Objective::Multi(k) => {
            let logs: Vec<f64> = sums.iter().map(|&c| clip(c / n).ln()).collect();
            let mean = logs.iter().sum::<f64>() / k as f64;
            logs.iter().map(|l| l - mean).collect()
        }
        Objective::Binary => {
            let p = clip(sums[0] / n);
            vec![(p / (1.0 - p)).ln()]
        }
        Objective::Squared | Objective::Absolute => vec![sums[0] / n],
    }
}
