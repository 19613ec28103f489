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
use mlg_runtime::checkpoint::{self, Slot};
use mlg_runtime::collective::Collective;
use std::time::{Duration, Instant};

/// Seconds between two checkpoints when the model sets no `checkpoint_rounds`.
const EVERY: Duration = Duration::from_secs(60);

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

fn put(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_f64s(out: &mut Vec<u8>, values: &[f64]) {
    put(out, values.len() as u64);
    values.iter().for_each(|v| put(out, v.to_bits()));
}

impl State {
    /// The payload: words of 8 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        put(&mut out, self.rounds as u64);
        put(&mut out, self.rng);
        put_f64s(&mut out, &self.scores);
        put_f64s(&mut out, &self.gains);
        put(&mut out, self.grown.len() as u64);
        for trees in &self.grown {
            put(&mut out, trees.len() as u64);
            for nodes in trees {
                put(&mut out, nodes.len() as u64);
                for node in nodes {
                    let (f, bin, l, r) = node.split.map_or((u64::MAX, 0, 0, 0), |(f, b, l, r)| {
                        (f as u64, u64::from(b), l as u64, r as u64)
                    });
                    for word in [f, bin, l, r, node.value.to_bits(), node.gain.to_bits()] {
                        put(&mut out, word);
                    }
                }
            }
        }
        out
    }

    /// Reads [`State::encode`]'s payload; `None` when it does not parse.
    pub fn decode(bytes: &[u8]) -> Option<State> {
        let mut words = bytes
            .chunks_exact(8)
            .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()));
        let mut next = || words.next();
        let count = |v: u64| usize::try_from(v).ok().filter(|&n| n <= bytes.len() / 8);
        let rounds = count(next()?)?;
        let rng = next()?;
        let f64s = |next: &mut dyn FnMut() -> Option<u64>| -> Option<Vec<f64>> {
            let n = count(next()?)?;
            (0..n).map(|_| next().map(f64::from_bits)).collect()
        };
        let scores = f64s(&mut next)?;
        let gains = f64s(&mut next)?;
        let classes = count(next()?)?;
        let mut grown = Vec::with_capacity(classes);
        for _ in 0..classes {
            let n_trees = count(next()?)?;
            let mut trees = Vec::with_capacity(n_trees);
            for _ in 0..n_trees {
                let n_nodes = count(next()?)?;
                let mut nodes = Vec::with_capacity(n_nodes);
                for _ in 0..n_nodes {
                    let (f, bin, l, r) = (next()?, next()?, next()?, next()?);
                    let split = if f == u64::MAX {
                        None
                    } else {
                        Some((count(f)?, u8::try_from(bin).ok()?, count(l)?, count(r)?))
                    };
                    nodes.push(GrownNode {
                        split,
                        value: f64::from_bits(next()?),
                        gain: f64::from_bits(next()?),
                        start: 0,
                        end: 0,
                    });
                }
                trees.push(nodes);
            }
            grown.push(trees);
        }
        Some(State {
            rounds,
            rng,
            scores,
            gains,
            grown,
        })
    }
}

/// Saves a fit's state into its slot every `every` rounds, or about once a
/// minute without it; only the slot's writer writes.
pub(super) struct Saver {
    slot: Slot,
    fingerprint: u64,
    every: Option<usize>,
    last: Instant,
}

impl Saver {
    /// A saver for the fit `fingerprint` into `slot`.
    pub fn new(slot: Slot, fingerprint: u64, every: Option<usize>) -> Saver {
        Saver {
            slot,
            fingerprint,
            every,
            last: Instant::now(),
        }
    }

    /// After round `rounds`, saves `state()` when it is due (on the writer).
    /// Errors name the file.
    pub fn after_round(
        &mut self,
        op: &str,
        rounds: usize,
        state: impl FnOnce() -> State,
    ) -> Result<(), OpError> {
        let due = match self.every {
            Some(k) => rounds.is_multiple_of(k),
            None => self.last.elapsed() >= EVERY,
        };
        if !due || !self.slot.writer {
            return Ok(());
        }
        self.last = Instant::now();
        checkpoint::save(&self.slot.path, self.fingerprint, &state().encode())
            .map_err(|e| invalid(op, e.to_string()))
    }
}

/// The state to resume from: the slot's checkpoint of the fit
/// `fingerprint` when the run resumes and there is one. In a distributed job
/// rank 0 reads it and sends it to every rank (so all resume alike).
pub(super) fn restore(
    op: &str,
    slot: &Slot,
    fingerprint: u64,
    comm: Option<&dyn Collective>,
) -> Result<Option<State>, OpError> {
    if !slot.resume {
        return Ok(None);
    }
    let read = || -> Result<Option<Vec<u8>>, String> {
        checkpoint::load(&slot.path, fingerprint).map_err(|e| e.to_string())
    };
    let loaded = match comm {
        None => read(),
        Some(c) => {
            // [0] no checkpoint, [1, payload..] one, [2, message..] an error.
            let mine = if c.rank() == 0 {
                match read() {
                    Ok(None) => vec![0],
                    Ok(Some(p)) => [vec![1], p].concat(),
                    Err(m) => [vec![2], m.into_bytes()].concat(),
                }
            } else {
                Vec::new()
            };
            let got = c.broadcast(0, &mine);
            match got.split_first() {
                Some((1, payload)) => Ok(Some(payload.to_vec())),
                Some((2, message)) => Err(format!("rank 0: {}", String::from_utf8_lossy(message))),
                _ => Ok(None),
            }
        }
    };
    let Some(payload) = loaded.map_err(|e| invalid(op, e))? else {
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
                node(None, -0.25),
                node(None, 0.375),
            ]]],
        };
        assert_eq!(State::decode(&state.encode()), Some(state.clone()));
        let bytes = state.encode();
        assert_eq!(State::decode(&bytes[..bytes.len() - 8]), None);
        assert_eq!(State::decode(&[0xff; 64]), None);
    }
}
