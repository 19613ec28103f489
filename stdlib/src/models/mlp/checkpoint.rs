//! Checkpoints of a perceptron fit ([`mlg_runtime::checkpoint`]): after an
//! epoch, everything the next epoch reads: the epochs done, the random
//! generator's state, the row order (each epoch shuffles the one before),
//! the weights, the optimiser's moments (Adam) or velocities (SGD) and step
//! count, the step size, the samples seen, the stopping rule's best loss or
//! score, its counter, the last loss and, with `early_stopping`, the best
//! weights. A resumed fit starts the next epoch from exactly that state, so
//! it ends with the network the uninterrupted fit ends with. In a
//! distributed job rank 0 writes the checkpoint and, on resume, reads it and
//! sends it to every rank.

use super::Layer;
use crate::op::{Matrix, OpError};
use crate::registry::invalid;
use mlg_runtime::checkpoint::{fingerprint, fingerprint_f64s, Slot, WordReader, Words};
use mlg_runtime::collective::Collective;

/// What a perceptron fit has done after some epochs.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct State {
    pub epochs: usize,
    pub rng: u64,
    pub order: Vec<usize>,
    pub layers: Vec<Layer>,
    /// The optimiser's per-parameter vectors (Adam: every first moment, then
    /// every second; SGD: the velocities) and its step count.
    pub moments: Vec<Vec<f64>>,
    pub steps: u64,
    pub lr: f64,
    pub samples_seen: usize,
    pub best_loss: f64,
    pub best_score: f64,
    pub best_layers: Option<Vec<Layer>>,
    pub no_improve: usize,
    pub last_loss: f64,
}

fn put_layers(out: &mut Words, layers: &[Layer]) {
    out.usize(layers.len());
    for l in layers {
        out.usize(l.inputs)
            .usize(l.outputs)
            .f64s(&l.weights)
            .f64s(&l.bias);
    }
}

fn read_layers(r: &mut WordReader<'_>) -> Option<Vec<Layer>> {
    let n = r.count()?;
    (0..n)
        .map(|_| {
            let (inputs, outputs) = (r.count()?, r.count()?);
            let (weights, bias) = (r.f64s()?, r.f64s()?);
            let fits = inputs.checked_mul(outputs) == Some(weights.len()) && bias.len() == outputs;
            fits.then_some(Layer {
                inputs,
                outputs,
                weights,
                bias,
            })
        })
        .collect()
}

impl State {
    /// The payload ([`Words`]).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Words::new();
        out.usize(self.epochs).u64(self.rng).usize(self.order.len());
        self.order.iter().for_each(|&i| {
            out.usize(i);
        });
        put_layers(&mut out, &self.layers);
        out.usize(self.moments.len());
        self.moments.iter().for_each(|m| {
            out.f64s(m);
        });
        out.u64(self.steps)
            .f64(self.lr)
            .usize(self.samples_seen)
            .f64(self.best_loss)
            .f64(self.best_score);
        match &self.best_layers {
            Some(best) => put_layers(out.u64(1), best),
            None => {
                out.u64(0);
            }
        }
        out.usize(self.no_improve).f64(self.last_loss);
        out.into_bytes()
    }

    /// Reads [`State::encode`]'s payload; `None` when it does not parse.
    pub fn decode(bytes: &[u8]) -> Option<State> {
        let mut r = WordReader::new(bytes);
        let (epochs, rng) = (r.usize()?, r.u64()?);
        let n = r.count()?;
        let order = (0..n).map(|_| r.usize()).collect::<Option<Vec<_>>>()?;
        let layers = read_layers(&mut r)?;
        let n = r.count()?;
        let moments = (0..n).map(|_| r.f64s()).collect::<Option<Vec<_>>>()?;
        let (steps, lr, samples_seen) = (r.u64()?, r.f64()?, r.usize()?);
        let (best_loss, best_score) = (r.f64()?, r.f64()?);
        let best_layers = match r.u64()? {
            0 => None,
            1 => Some(read_layers(&mut r)?),
            _ => return None,
        };
        let (no_improve, last_loss) = (r.usize()?, r.f64()?);
        r.is_done().then_some(State {
            epochs,
            rng,
            order,
            layers,
            moments,
            steps,
            lr,
            samples_seen,
            best_loss,
            best_score,
            best_layers,
            no_improve,
            last_loss,
        })
    }
}

/// What a resumed fit must match to continue from a checkpoint: the
/// settings (`settings`, the model's `Debug` form), every rank's row count
/// `total`, and this rank's rows and encoded targets.
pub(super) fn fingerprint_of(settings: &str, total: usize, x: &Matrix, targets: &[f64]) -> u64 {
    let head = format!("{settings} total={total} rows={} cols={}", x.rows, x.cols);
    let h = fingerprint(head.as_bytes());
    fingerprint_f64s(fingerprint_f64s(h, &x.data), targets)
}

/// The state to resume from, when the run resumes and the slot holds a
/// checkpoint of the fit `print` ([`mlg_runtime::checkpoint::restore`]).
/// A state whose shapes differ from `layers`' and `moments`', or whose row
/// order is not a permutation of `order`'s rows, is an error: the
/// fingerprint matched, so the file is damaged.
pub(super) fn restore(
    op: &str,
    slot: &Slot,
    print: u64,
    comm: Option<&dyn Collective>,
    (layers, moments, order): (&[Layer], &[Vec<f64>], &[usize]),
) -> Result<Option<State>, OpError> {
    let Some(payload) = mlg_runtime::checkpoint::restore(slot, print, comm).map_err(|e| invalid(op, e))?
    else {
        return Ok(None);
    };
    let shape = |l: &[Layer]| l.iter().map(|l| (l.inputs, l.outputs)).collect::<Vec<_>>();
    let lens = |m: &[Vec<f64>]| m.iter().map(Vec::len).collect::<Vec<_>>();
    let rows = |o: &[usize]| {
        let mut o = o.to_vec();
        o.sort_unstable();
        o
    };
    match State::decode(&payload) {
        Some(state)
            if shape(&state.layers) == shape(layers)
                && lens(&state.moments) == lens(moments)
                && rows(&state.order) == rows(order) =>
        {
            Ok(Some(state))
        }
        _ => Err(invalid(
            op,
            format!(
                "checkpoint `{}` does not hold this perceptron's state; delete it",
                slot.path.display()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_garbage_does_not_parse() {
        let layer = Layer {
            inputs: 2,
            outputs: 1,
            weights: vec![0.5, -1.25],
            bias: vec![0.125],
        };
        let state = State {
            epochs: 4,
            rng: 0xDEAD_BEEF,
            order: vec![2, 0, 1],
            layers: vec![layer.clone()],
            moments: vec![vec![0.1, 0.2], vec![0.3]],
            steps: 12,
            lr: 1e-3,
            samples_seen: 12,
            best_loss: 0.7,
            best_score: f64::NEG_INFINITY,
            best_layers: Some(vec![layer]),
            no_improve: 2,
            last_loss: 0.71,
        };
        assert_eq!(State::decode(&state.encode()), Some(state.clone()));
        let bytes = state.encode();
        assert_eq!(State::decode(&bytes[..bytes.len() - 8]), None);
        assert_eq!(State::decode(&[0xff; 64]), None);
    }

    /// A fit resumed from the checkpoint of epoch 8 ends with the network of
    /// the fit that ran 10 epochs uninterrupted: with early stopping (the
    /// best weights and score matter) and with SGD's adaptive schedule.
    #[test]
    fn a_resumed_fit_equals_the_uninterrupted_one() {
        use crate::models::mlp::Mlp;
        use mlg_compiler::workflow::catalog::{Params, Value};
        use mlg_runtime::checkpoint::with_slot;
        let (x, y) = crate::testing::two_classes(300);
        let dir = std::env::temp_dir().join(format!("mlg-mlp-checkpoint-{}", std::process::id()));
        let path = dir.join("mlp.ckpt");
        let slot = |resume| Slot {
            path: path.clone(),
            resume,
            writer: true,
        };
        for extra in [
            vec![("early_stopping", Value::Bool(true))],
            vec![
                ("solver", Value::Str("sgd".into())),
                ("schedule", Value::Str("adaptive".into())),
            ],
        ] {
            let mut params = Params::new();
            params.insert("hidden".into(), Value::Str("5".into()));
            params.insert("epochs".into(), Value::Int(10));
            params.insert("batch_size".into(), Value::Int(32));
            params.insert("checkpoint_epochs".into(), Value::Int(4));
            params.insert("tol".into(), Value::Float(0.0));
            for (k, v) in extra {
                params.insert(k.into(), v);
            }
            let mlp = Mlp::classifier(&params).expect("params");
            let plain = mlp.fit_mlp(&x, &y).expect("fit");
            assert_eq!(plain.epochs_run, 10);
            let _ = std::fs::remove_file(&path);
            let first = with_slot(slot(false), || mlp.fit_mlp(&x, &y)).expect("fit");
            assert_eq!(first, plain);
            let (print, payload) = crate::testing::saved_checkpoint(&path);
            let mut state = State::decode(&payload).expect("a perceptron state");
            assert_eq!(state.epochs, 8);
            let resumed = with_slot(slot(true), || mlp.fit_mlp(&x, &y)).expect("resumed");
            assert_eq!(resumed, plain);
            // The resumed fit took its state from the file: a weight changed
            // there shows.
            state.layers[0].weights[0] += 1.0;
            if let Some(best) = state.best_layers.as_mut() {
                best[0].weights[0] += 1.0;
            }
            mlg_runtime::checkpoint::save(&path, print, &state.encode()).expect("save");
            let tampered = with_slot(slot(true), || mlp.fit_mlp(&x, &y)).expect("resumed");
            assert_ne!(tampered.layers, plain.layers);
            // A state of other shapes is refused, naming the file.
            state.layers[0].inputs = 1;
            state.layers[0].weights.truncate(5);
            mlg_runtime::checkpoint::save(&path, print, &state.encode()).expect("save");
            let err = with_slot(slot(true), || mlp.fit_mlp(&x, &y))
                .unwrap_err()
                .to_string();
            assert!(err.contains("mlp.ckpt") && err.contains("delete it"), "{err}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
