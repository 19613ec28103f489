//! Checkpoints of a boosting fit ([`mlg_runtime::checkpoint`]): after a
//! round, the rounds done, the random generator's state, the held-out
//! scores, the split gains and every grown tree (bin splits and `f64` leaf
//! values). A resumed fit rebuilds the raw scores by adding the trees in
//! order, the same additions the fit made, so it goes on exactly where the
//! interrupted one was and ends with the same model. In a distributed job
//! rank 0 writes the checkpoint and, on resume, reads it and sends it to the
//! other ranks; each rank rebuilds the raw scores of its own rows.

use super::grow::GrownNode;
use crate::op::OpError;
use crate::registry::invalid;
use mlg_runtime::checkpoint::{Slot, WordReader, Words};
use mlg_runtime::collective::Collective;

/// What a boosting fit has done after some rounds.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct State {
    pub rounds: usize,
    pub rng: u64,
    pub scores: Vec<f64>,
    pub gains: Vec<f64>,
    /// Per raw score (class), the nodes of every tree grown so far.
    pub grown: Vec<Vec<Vec<GrownNode>>>,
}

impl State {
    /// The payload ([`Words`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Words::new();
        out.usize(self.rounds)
            .u64(self.rng)
            .f64s(&self.scores)
            .f64s(&self.gains);
        out.usize(self.grown.len());
        for trees in &self.grown {
            out.usize(trees.len());
            for nodes in trees {
                out.usize(nodes.len());
                for node in nodes {
                    // The bin word carries where missing values go in bit 8
                    // and, in bit 9, a categorical split, whose set follows.
                    let (f, bin, l, r) = node.split.map_or((u64::MAX, 0, 0, 0), |(f, b, l, r)| {
                        (
                            f as u64,
                            u64::from(b)
                                | u64::from(node.missing_left) << 8
                                | u64::from(node.cats.is_some()) << 9,
                            l as u64,
                            r as u64,
                        )
                    });
                    out.u64(f).u64(bin).u64(l).u64(r).f64(node.value).f64(node.gain);
                    if let (Some(set), Some(_)) = (node.cats, node.split) {
                        set.iter().for_each(|&w| {
                            out.u64(w);
                        });
                    }
                }
            }
        }
        out.into_bytes()
    }

    /// Reads [`State::encode`]'s payload; `None` when it does not parse.
    pub fn decode(bytes: &[u8]) -> Option<State> {
        let mut r = WordReader::new(bytes);
        let (rounds, rng) = (r.usize()?, r.u64()?);
        let (scores, gains) = (r.f64s()?, r.f64s()?);
        let classes = r.count()?;
        let mut grown = Vec::with_capacity(classes);
        for _ in 0..classes {
            let n_trees = r.count()?;
            let mut trees = Vec::with_capacity(n_trees);
            for _ in 0..n_trees {
                let n_nodes = r.count()?;
                let mut nodes = Vec::with_capacity(n_nodes);
                for _ in 0..n_nodes {
                    let f = r.u64()?;
                    let (split, word) = if f == u64::MAX {
                        let _ = (r.u64()?, r.u64()?, r.u64()?);
                        (None, 0)
                    } else {
                        let f = usize::try_from(f).ok()?;
                        let word = r.u64()?;
                        if word > 0x3FF {
                            return None;
                        }
                        (Some((f, word as u8, r.usize()?, r.usize()?)), word)
                    };
                    let (value, gain) = (r.f64()?, r.f64()?);
                    let cats = match word >> 9 {
                        1 => Some([r.u64()?, r.u64()?, r.u64()?, r.u64()?]),
                        _ => None,
                    };
                    nodes.push(GrownNode {
                        split,
                        missing_left: word >> 8 & 1 == 1,
                        cats,
                        value,
                        gain,
                        start: 0,
                        end: 0,
                    });
                }
                // Children are nodes of the same tree.
                let n = nodes.len();
                if nodes
                    .iter()
                    .any(|node| node.split.is_some_and(|(_, _, l, r)| l >= n || r >= n))
                {
                    return None;
                }
                trees.push(nodes);
            }
            grown.push(trees);
        }
        r.is_done().then_some(State {
            rounds,
            rng,
            scores,
            gains,
            grown,
        })
    }
}

/// The state to resume from: the slot's checkpoint of the fit
/// `fingerprint` when the run resumes and there is one
/// ([`mlg_runtime::checkpoint::restore`]).
pub(super) fn restore(
    op: &str,
    slot: &Slot,
    fingerprint: u64,
    comm: Option<&dyn Collective>,
) -> Result<Option<State>, OpError> {
    let Some(payload) =
        mlg_runtime::checkpoint::restore(slot, fingerprint, comm).map_err(|e| invalid(op, e))?
    else {
        return Ok(None);
    };
    State::decode(&payload).map(Some).ok_or_else(|| {
        invalid(
            op,
            format!(
                "checkpoint `{}` does not hold a boosting state; delete it",
                slot.path.display()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_garbage_does_not_parse() {
        let node = |split, value| GrownNode {
            split,
            missing_left: false,
            cats: None,
            value,
            gain: 0.5,
            start: 0,
            end: 0,
        };
        let state = State {
            rounds: 3,
            rng: 0xDEAD_BEEF,
            scores: vec![-0.7, -0.6],
            gains: vec![1.0, 0.0, 2.5],
            grown: vec![vec![vec![
                node(Some((2, 17, 1, 2)), 0.1),
                GrownNode {
                    missing_left: true,
                    cats: Some([0b101, 0, 0, 1 << 63]),
                    ..node(Some((0, 0, 3, 4)), 0.0)
                },
                node(None, 0.375),
                node(None, -0.25),
                node(None, 0.5),
            ]]],
        };
        assert_eq!(State::decode(&state.encode()), Some(state.clone()));
        let bytes = state.encode();
        assert_eq!(State::decode(&bytes[..bytes.len() - 8]), None);
        assert_eq!(State::decode(&[0xff; 64]), None);
    }
}
