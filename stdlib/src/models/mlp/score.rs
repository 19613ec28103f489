//! The held-out score `early_stopping` watches: accuracy (classifier) or R²
//! of the standardised target (regressor). On rows spread over the ranks
//! each rank scores the held-out rows it holds and the counts and sums are
//! added over the ranks (R² in two rounds: the mean, then the squares), so
//! the score is one process's up to the order of the additions.

use super::{Layer, Mlp};
use crate::op::Matrix;
use mlg_compiler::workflow::catalog::Task;
use mlg_runtime::collective::Collective;

use super::ranks::Shard;

/// The score of the network `layers` on the global rows `rows`, this rank
/// holding `x` with `targets` (`k` per row) as `shard` of `comm`'s rows.
pub(super) fn validation_score(
    layers: &[Layer],
    mlp: &Mlp,
    (x, targets, k): (&Matrix, &[f64], usize),
    rows: &[usize],
    (shard, comm): (&Shard, &dyn Collective),
) -> f64 {
    let local: Vec<usize> = rows.iter().filter_map(|&r| shard.local_row(r)).collect();
    let outputs: Vec<Vec<f64>> = local
        .iter()
        .map(|&i| {
            let mut h = x.row(i).to_vec();
            for (l, layer) in layers.iter().enumerate() {
                let mut out = vec![0.0; layer.outputs];
                layer.forward(&h, &mut out);
                if l + 1 < layers.len() {
                    out.iter_mut().for_each(|v| *v = mlp.activation.apply(*v));
                }
                h = out;
            }
            h
        })
        .collect();
    let truth = |i: usize| &targets[i * k..(i + 1) * k];
    let count = local.len() as f64;
    if mlp.task == Task::Classification {
        let correct = local
            .iter()
            .zip(&outputs)
            .filter(|(&i, z)| {
                let t = truth(i);
                if k == 1 {
                    (z[0] > 0.0) == (t[0] > 0.5)
                } else {
                    let best = z
                        .iter()
                        .enumerate()
                        .fold(0, |b, (c, v)| if *v > z[b] { c } else { b });
                    t[best] == 1.0
                }
            })
            .count();
        let mut sums = [correct as f64, count];
        comm.all_reduce_f64(&mut sums);
        sums[0] / sums[1].max(1.0)
    } else {
        let mut sums = [local.iter().map(|&i| truth(i)[0]).sum::<f64>(), count];
        comm.all_reduce_f64(&mut sums);
        let mean = sums[0] / sums[1].max(1.0);
        let mut squares = [
            local.iter().map(|&i| (truth(i)[0] - mean).powi(2)).sum::<f64>(),
            local
                .iter()
                .zip(&outputs)
                .map(|(&i, z)| (truth(i)[0] - z[0]).powi(2))
                .sum::<f64>(),
        ];
        comm.all_reduce_f64(&mut squares);
        let [ss_tot, ss_res] = squares;
        if ss_tot > 0.0 {
            1.0 - ss_res / ss_tot
        } else {
            0.0
        }
    }
}
