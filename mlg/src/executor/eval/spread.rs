//! Task parallelism for evaluation: in a distributed job whose ranks each
//! hold all the rows, the splits of an evaluation are dealt out to the ranks
//! (split `i` to rank `i mod size`), each fits and scores its own, and the
//! outcomes are gathered back in split order on every rank, so every rank
//! summarizes the same outcomes as one process would. With `distribute =
//! "data"` on the method the splits run in turn on every rank instead, each
//! fit on the rank's share of the split's training rows and summing over
//! the ranks ([`mlg_runtime::collective::scoped`]); every rank then holds
//! the same fitted chain and scores every held-out row itself, so the
//! outcomes agree with nothing to gather.

use super::fold::FoldOutcome;
use crate::error::{Error, Result};
use mlg_runtime::collective::{scoped, share, Collective};
use mlg_stdlib::eval::Split;
use rayon::prelude::*;
use std::sync::Arc;

/// The ranks an evaluation's splits are dealt to (or, in data mode, fitted on).
#[derive(Clone, Copy)]
pub struct Ranks<'a>(pub &'a Arc<dyn Collective>);

impl std::fmt::Debug for Ranks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Ranks({} of {})", self.0.rank(), self.0.size())
    }
}

/// `run` on this rank's share of `split`'s training rows (every held-out
/// row kept), with `group` as the calling thread's group, so the fits in it
/// sum over the ranks: one split of a `distribute = "data"` evaluation.
pub fn on_shares<T>(group: &Arc<dyn Collective>, split: &Split, run: impl FnOnce(&Split) -> T) -> T {
    let mine = Split {
        train: split.train[share(split.train.len(), group.size(), group.rank())].to_vec(),
        test: split.test.clone(),
    };
    scoped(Arc::clone(group), || run(&mine))
}

/// What a rank sends: its splits' outcomes with their indices, or its error.
type Part = std::result::Result<Vec<(usize, FoldOutcome)>, String>;

/// The outcome of every split in order: `run(i, split)` for all of them in
/// this process (in parallel), or, with `ranks`, for this rank's share, the
/// rest gathered from the other ranks. A split that failed on any rank is an
/// [`Error::Distributed`] on every rank, naming the rank. With `data`, on
/// many ranks, the splits run in turn, fitted on the ranks' shares (module
/// doc; the caller checked that the chain can, and a rank's own failure
/// ends the job).
pub fn run_splits(
    ranks: Option<Ranks<'_>>,
    data: bool,
    splits: &[Split],
    run: impl Fn(usize, &Split) -> Result<FoldOutcome> + Sync,
) -> Result<Vec<FoldOutcome>> {
    let Some(Ranks(group)) = ranks.filter(|r| r.0.size() > 1) else {
        return splits.par_iter().enumerate().map(|(i, s)| run(i, s)).collect();
    };
    let comm = group.as_ref();
    let (rank, size) = (comm.rank(), comm.size());
    if data {
        return splits
            .iter()
            .enumerate()
            .map(|(i, split)| on_shares(group, split, |mine| run(i, mine)))
            .collect();
    }
    let mine: Part = splits
        .par_iter()
        .enumerate()
        .filter(|(i, _)| i % size == rank)
        .map(|(i, s)| run(i, s).map(|outcome| (i, outcome)))
        .collect::<Result<Vec<_>>>()
        .map_err(|e| e.to_string());
    let bytes = postcard::to_allocvec(&mine)
        .map_err(|e| Error::Distributed(format!("cannot encode rank {rank}'s evaluation: {e}")))?;
    let mut outcomes: Vec<Option<FoldOutcome>> = splits.iter().map(|_| None).collect();
    let mut failed = None;
    for (from, part) in comm.all_gather(&bytes).iter().enumerate() {
        let part: Part = postcard::from_bytes(part)
            .map_err(|e| Error::Distributed(format!("cannot decode rank {from}'s evaluation: {e}")))?;
        match part {
            Ok(done) => done.into_iter().for_each(|(i, o)| outcomes[i] = Some(o)),
            Err(message) => {
                failed.get_or_insert(format!("rank {from}: {message}"));
            }
        }
    }
    if let Some(message) = failed {
        return Err(Error::Distributed(message));
    }
    outcomes
        .into_iter()
        .enumerate()
        .map(|(i, o)| o.ok_or_else(|| Error::Distributed(format!("split {i} was run by no rank"))))
        .collect()
}
