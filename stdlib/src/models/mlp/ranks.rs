//! The perceptron on rows spread over the ranks of a distributed job:
//! synchronous data-parallel mini-batch training, as Horovod runs it, with
//! one difference: the mini-batch is global. Every rank draws the same
//! permutation of the global row numbers (rank 0's rows first, then rank
//! 1's, ...), so each mini-batch is the set of rows one process would take;
//! each rank sums the gradient and the loss over the batch rows it holds,
//! the sums are added over the ranks in rank order (every rank gets the
//! same bits), and every rank takes the same optimiser step. The model is
//! one process's up to the order of the additions. One all-reduce of every
//! weight per mini-batch: its cost is that of the parameters, not the rows.

use mlg_runtime::collective::Collective;

/// Where this rank's rows sit among every rank's.
pub(super) struct Shard {
    /// The global number of this rank's first row.
    pub offset: usize,
    /// This rank's rows.
    pub local: usize,
    /// Every rank's rows.
    pub total: usize,
    /// The number of ranks.
    pub ranks: usize,
}

impl Shard {
    /// This rank's rows among the ranks of `comm`, holding `n` rows; every
    /// rank must call it.
    pub fn of(comm: &dyn Collective, n: usize) -> Shard {
        let counts = mlg_runtime::collective::counts(comm, n);
        Shard {
            offset: counts[..comm.rank()].iter().sum(),
            local: n,
            total: counts.iter().sum(),
            ranks: comm.size(),
        }
    }

    /// The local row of global row `row`, when this rank holds it.
    pub fn local_row(&self, row: usize) -> Option<usize> {
        row.checked_sub(self.offset).filter(|&i| i < self.local)
    }
}

/// The mean and standard deviation (1 when it is 0) of every rank's
/// targets, this rank holding `values`: one process's figures, the sums
/// taken over the ranks.
pub(super) fn moments(comm: &dyn Collective, values: &[f64]) -> (f64, f64) {
    let mut sums = [values.iter().sum::<f64>(), values.len() as f64];
    comm.all_reduce_f64(&mut sums);
    let mean = sums[0] / sums[1];
    let mut squares = [values.iter().map(|t| (t - mean).powi(2)).sum::<f64>()];
    comm.all_reduce_f64(&mut squares);
    let var = squares[0] / sums[1];
    (mean, if var > 0.0 { var.sqrt() } else { 1.0 })
}

/// Adds `grads` and `loss` over the ranks of `comm` (in one all-reduce,
/// through `buffer`), so every rank holds the whole mini-batch's sums.
pub(super) fn sum_batch(
    comm: &dyn Collective,
    grads: &mut [Vec<f64>],
    loss: &mut f64,
    buffer: &mut Vec<f64>,
) {
    buffer.clear();
    buffer.extend(grads.iter().flatten());
    buffer.push(*loss);
    comm.all_reduce_f64(buffer);
    let mut summed = buffer.iter();
    for g in grads.iter_mut().flat_map(|g| g.iter_mut()) {
        *g = summed.next().copied().unwrap_or_default();
    }
    *loss = summed.next().copied().unwrap_or_default();
}
