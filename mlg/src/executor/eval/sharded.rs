//! An evaluation in a data-parallel job, whose ranks each hold a contiguous
//! shard of the rows (a workflow whose data do not fit on each rank,
//! [`crate::mode::Mode`]). The splits are one process's: every rank draws
//! them over the global row numbers (the classes of a stratified method are
//! gathered first, 4 bytes a row). Each split then runs in turn: every rank
//! fits the chain on the training rows it holds, the fits summing over the
//! ranks as a data-parallel fit does, and predicts the held-out rows it
//! holds; the predictions are gathered (the model's outputs, not the data)
//! and scored on every held-out row, so the scores are one process's up to
//! the fits' rounding. Permutation importance, which shuffles held-out
//! columns across ranks, is not measured here.

use super::fold::{score, FoldOutcome};
use crate::error::{Error, Result};
use mlg_runtime::collective::{concat_u32, counts, Collective};
use mlg_stdlib::eval::Split;
use mlg_stdlib::op::Target;
use std::sync::Arc;

/// This rank's rows among every rank's.
pub struct Shards {
    comm: Arc<dyn Collective>,
    /// Every rank's row count, in rank order.
    counts: Vec<usize>,
}

impl Shards {
    /// `Some` in a data-parallel job of several ranks (the current group is
    /// the job's), this rank holding `n` rows; every rank must call it.
    pub fn of(n: usize) -> Option<Shards> {
        let comm = mlg_runtime::collective::current();
        if comm.size() == 1 {
            return None;
        }
        let counts = counts(comm.as_ref(), n);
        Some(Shards { comm, counts })
    }

    /// Rows of every rank.
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The global number of this rank's first row.
    fn offset(&self) -> usize {
        self.counts[..self.comm.rank()].iter().sum()
    }

    /// The rank holding global row `r`.
    fn owner(&self, r: usize) -> usize {
        let mut end = 0;
        for (rank, &n) in self.counts.iter().enumerate() {
            end += n;
            if r < end {
                return rank;
            }
        }
        self.counts.len() - 1
    }

    /// Every rank's `local` target, in global row order.
    pub fn target(&self, local: &Target) -> Target {
        match local {
            Target::Classes { codes, labels } => Target::Classes {
                codes: concat_u32(self.comm.as_ref(), codes),
                labels: labels.clone(),
            },
            Target::Values(values) => {
                let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                let all = self.comm.all_gather(&bytes);
                Target::Values(
                    all.iter()
                        .flat_map(|part| part.chunks_exact(8))
                        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default()))
                        .collect(),
                )
            }
        }
    }

    /// The rows of `split` (global numbers) that this rank holds, as its own
    /// row numbers, in the split's order.
    fn local(&self, split: &Split) -> Split {
        let (from, to) = (self.offset(), self.offset() + self.counts[self.comm.rank()]);
        let mine = |rows: &[usize]| -> Vec<usize> {
            rows.iter()
                .filter(|&&r| (from..to).contains(&r))
                .map(|&r| r - from)
                .collect()
        };
        Split {
            train: mine(&split.train),
            test: mine(&split.test),
        }
    }

    /// Rank 0's fit scores on every rank: measurements such as
    /// `latency_us` differ by rank, and every rank must rank trials alike.
    fn rank0_scores(&self, mine: &[(String, f64)]) -> Vec<(String, f64)> {
        let mut bytes = Vec::new();
        for (name, v) in mine {
            bytes.extend_from_slice(name.as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        let got = self.comm.broadcast(0, &bytes);
        let mut out = Vec::new();
        let mut rest = &got[..];
        while let Some(end) = rest.iter().position(|&b| b == 0) {
            let Some(value) = rest.get(end + 1..end + 9) else {
                break;
            };
            let name = String::from_utf8_lossy(&rest[..end]).into_owned();
            out.push((name, f64::from_le_bytes(value.try_into().unwrap_or_default())));
            rest = &rest[end + 9..];
        }
        out
    }

    /// Split `split` of an evaluation: `run` on this rank's part of it (its
    /// fits summing over the ranks), a failure on any rank failing every
    /// rank, then the outputs of every held-out row in the split's order and
    /// `metrics` scored on them against `truth` (every rank's target).
    pub fn run_split(
        &self,
        split: &Split,
        truth: &Target,
        metrics: &[String],
        run: impl FnOnce(&Split) -> Result<FoldOutcome>,
    ) -> Result<FoldOutcome> {
        let outcome = run(&self.local(split));
        let failed = self
            .comm
            .failures(outcome.as_ref().map(|_| ()).map_err(ToString::to_string));
        match failed.first() {
            Some((rank, _)) if *rank == self.comm.rank() => return outcome,
            Some((rank, message)) => return Err(Error::Distributed(format!("rank {rank}: {message}"))),
            None => {}
        }
        let mut outcome = outcome?;
        let bytes: Vec<u8> = outcome.outputs.iter().flat_map(|v| v.to_le_bytes()).collect();
        let parts: Vec<Vec<f32>> = self
            .comm
            .all_gather(&bytes)
            .iter()
            .map(|part| {
                part.chunks_exact(4)
                    .map(|b| f32::from_le_bytes(b.try_into().unwrap_or_default()))
                    .collect()
            })
            .collect();
        // Each rank's held-out rows come in the split's order: take them rank
        // by rank as the split names their rows.
        let n_out = outcome.n_out.max(1);
        let mut next = vec![0usize; parts.len()];
        let mut outputs = Vec::with_capacity(split.test.len() * n_out);
        for &r in &split.test {
            let rank = self.owner(r);
            let at = next[rank];
            let row = parts[rank].get(at * n_out..(at + 1) * n_out).ok_or_else(|| {
                Error::Distributed(format!(
                    "rank {rank} sent fewer held-out predictions than it holds rows"
                ))
            })?;
            outputs.extend_from_slice(row);
            next[rank] += 1;
        }
        outcome.outputs = outputs;
        outcome.fit_scores = self.rank0_scores(&outcome.fit_scores);
        let held_out = truth.take(&split.test);
        outcome.scores = metrics
            .iter()
            .map(|m| score(m, &held_out, &outcome.outputs, n_out, outcome.n_classes))
            .collect::<std::result::Result<Vec<f64>, _>>()
            .map_err(|e| Error::op("evaluate", e))?;
        Ok(outcome)
    }
}
