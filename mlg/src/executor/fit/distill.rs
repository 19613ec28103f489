//! `distill(student = ..., temperature = T, alpha = a, augment = n)`: fits
//! the teacher on the training rows (the run's own fit of it when another
//! chain made one, see [`super::shared`]), runs its compiled function over
//! those rows and `n` synthetic ones, and fits the student on the teacher's
//! targets. Following Hinton, Vinyals & Dean (2015), a classifier's target
//! is `alpha · softmax(z / T) + (1 - alpha) · onehot(y)`, with the teacher's
//! probabilities softened as `p^(1/T)` renormalized (the same thing for a
//! softmax or sigmoid output); the student is trained at temperature 1 on
//! that mix, which drops Hinton's `T²` rescaling of the soft term. A
//! regressor's target is `alpha · teacher + (1 - alpha) · y`. Synthetic rows
//! (Bucilă, Caruana & Niculescu-Mizil 2006) take each column from a random
//! training row of one class (of one target decile for regression), chosen
//! as the class of a random training row, and carry only the teacher's
//! targets.

use super::{Chain, ChainKind, FittedChain};
use crate::error::{Error, Result};
use crate::executor::fit::compile_with;
use crate::executor::fit::finite::{check_chain, Batch};
use mlg_compiler::backends::Executable;
use mlg_compiler::workflow::stage::ModelStage;
use mlg_runtime::Frame;
use mlg_stdlib::eval::rng::SplitMix64;
use mlg_stdlib::op::Target;
use std::sync::Arc;

/// Soft class targets: `width` probabilities (one per label) per row.
#[derive(Clone, Debug)]
pub struct Soft {
    /// Row-major probabilities, each row summing to 1.
    pub values: Vec<f64>,
    /// Labels per row.
    pub width: usize,
}

impl Soft {
    /// The rows at `rows`, in that order.
    pub fn take(&self, rows: &[usize]) -> Soft {
        let w = self.width;
        Soft {
            values: rows
                .iter()
                .flat_map(|&r| &self.values[r * w..(r + 1) * w])
                .copied()
                .collect(),
            width: w,
        }
    }
}

/// Deciles the synthetic rows of a regression are drawn within.
const VALUE_STRATA: usize = 10;

/// Fits the student `model` of `chain` on `rows` from `teacher`'s
/// predictions (see the module doc).
pub(super) fn fit(
    chain: &Chain,
    teacher: &Chain,
    model: &ModelStage,
    target: &Target,
    rows: &[usize],
) -> Result<FittedChain> {
    let name = &chain.model_name;
    let (Some(d), ChainKind::Model { steps, .. }) = (&model.distill, &chain.kind) else {
        return Err(Error::Usage(format!("model `{name}` has no teacher to distill")));
    };
    if !Arc::ptr_eq(&chain.frame, &teacher.frame) {
        return Err(Error::Usage(format!(
            "model `{name}`: the student and its teacher `{}` must read the same data",
            d.teacher
        )));
    }
    let (shared, transforms, calibration) = teacher.fit_shared(target, rows)?;
    let (graph, exe) = compile_with(
        &shared.fitted,
        &teacher.model_name,
        &transforms,
        calibration.as_ref(),
    )?;
    let frame = augmented(&chain.frame, target, rows, d.augment, d.seed);
    let n = frame.n_rows;
    let encoded = mlg_runtime::rows::encode_rows(&frame, &graph.inputs)?;
    let n_out = exe.n_outputs();
    let mut out = vec![0f32; n * n_out];
    exe.run(&encoded, n, graph.n_inputs(), &mut out)?;
    let during = format!(
        "teaching `{name}` ({} training and {} synthetic rows)",
        rows.len(),
        d.augment
    );
    let positions: Vec<usize> = (0..n).collect();
    let batch = Batch {
        model: &teacher.model_name,
        during: &during,
        rows: &positions,
        encoded: &encoded,
        inputs: &graph.inputs,
    };
    check_chain(&shared.fitted, &frame, &batch, &out, n_out)?;
    let truth = target.take(rows);
    let (student_target, soft) = match &truth {
        Target::Classes { codes, labels } => {
            let soft = class_targets(&out, n_out, labels.len(), codes, d.temperature, d.alpha);
            let hard = soft.values.chunks_exact(soft.width).map(argmax).collect();
            let takes_soft =
                mlg_stdlib::operators::find(&model.op.op).is_some_and(|def| def.capabilities.soft_targets);
            let target = Target::Classes {
                codes: hard,
                labels: labels.clone(),
            };
            (target, takes_soft.then_some(soft))
        }
        Target::Values(values) => {
            let mix = out.chunks_exact(n_out).enumerate().map(|(i, o)| {
                let taught = f64::from(o[0]);
                values
                    .get(i)
                    .map_or(taught, |y| d.alpha * taught + (1.0 - d.alpha) * y)
            });
            (Target::Values(mix.collect()), None)
        }
    };
    let student = Chain {
        frame: Arc::new(frame),
        shared: None,
        ..chain.clone()
    };
    student.fit_model(steps, model, &student_target, &positions, soft.as_ref())
}

/// The soft targets of every row: the teacher's probabilities (outputs
/// `[class, p_0, ..]`, `n_out` per row) softened by `temperature`, mixed with
/// weight `1 - alpha` with the one-hot `codes` of the first `codes.len()`
/// rows (the training rows; the rest are synthetic).
fn class_targets(
    out: &[f32],
    n_out: usize,
    width: usize,
    codes: &[u32],
    temperature: f64,
    alpha: f64,
) -> Soft {
    let mut values = Vec::with_capacity(out.len() / n_out.max(1) * width);
    for (i, row) in out.chunks_exact(n_out).enumerate() {
        let softened: Vec<f64> = (0..width)
            .map(|k| {
                row.get(k + 1)
                    .map_or(0.0, |&p| f64::from(p).max(0.0).powf(1.0 / temperature))
            })
            .collect();
        let total: f64 = softened.iter().sum();
        for (k, p) in softened.iter().enumerate() {
            let taught = if total > 0.0 {
                p / total
            } else {
                1.0 / width as f64
            };
            values.push(match codes.get(i) {
                Some(&c) => alpha * taught + (1.0 - alpha) * f64::from(u8::from(c as usize == k)),
                None => taught,
            });
        }
    }
    Soft { values, width }
}

/// The index of the largest value (the first of equals).
fn argmax(row: &[f64]) -> u32 {
    let mut best = 0;
    for (k, &p) in row.iter().enumerate() {
        if p > row[best] {
            best = k;
        }
    }
    best as u32
}

/// The frame of `rows` followed by `extra` synthetic rows: each takes every
/// column from its own random training row of one stratum (a class, or a
/// decile of the target), the stratum of a random training row.
fn augmented(frame: &Frame, target: &Target, rows: &[usize], extra: usize, seed: u64) -> Frame {
    if extra == 0 || rows.is_empty() {
        return frame.take(rows);
    }
    let stratum = strata(target, rows);
    let n_strata = stratum.iter().max().map_or(0, |&s| s + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_strata];
    for (i, &s) in stratum.iter().enumerate() {
        members[s].push(rows[i]);
    }
    let mut rng = SplitMix64::new(seed);
    let mut picks: Vec<Vec<usize>> = vec![rows.to_vec(); frame.columns.len()];
    for _ in 0..extra {
        let anchor = rng.below(rows.len() as u64) as usize;
        let pool = &members[stratum[anchor]];
        for column in picks.iter_mut() {
            column.push(pool[rng.below(pool.len() as u64) as usize]);
        }
    }
    let columns = frame.columns.iter().zip(&picks).map(|(c, p)| c.take(p)).collect();
    Frame::new(columns, rows.len() + extra)
}

/// The stratum of each training row: its class, or its target decile.
fn strata(target: &Target, rows: &[usize]) -> Vec<usize> {
    match target {
        Target::Classes { codes, .. } => rows.iter().map(|&r| codes[r] as usize).collect(),
        Target::Values(values) => {
            let mut order: Vec<usize> = (0..rows.len()).collect();
            order.sort_by(|&a, &b| values[rows[a]].total_cmp(&values[rows[b]]));
            let mut out = vec![0; rows.len()];
            for (rank, &i) in order.iter().enumerate() {
                out[i] = rank * VALUE_STRATA / rows.len();
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_targets_soften_then_mix_with_the_labels() {
        // One training row of class 0 and one synthetic row; the teacher says 0.8 / 0.2.
        let out = [0.0, 0.8, 0.2, 0.0, 0.8, 0.2];
        let soft = class_targets(&out, 3, 2, &[0], 2.0, 0.5);
        let (a, b) = (0.8f64.sqrt(), 0.2f64.sqrt());
        let p0 = f64::from(0.8f32).sqrt() / (f64::from(0.8f32).sqrt() + f64::from(0.2f32).sqrt());
        assert!((p0 - a / (a + b)).abs() < 1e-6);
        assert!((soft.values[0] - (0.5 * p0 + 0.5)).abs() < 1e-12);
        assert!((soft.values[1] - 0.5 * (1.0 - p0)).abs() < 1e-12);
        assert!((soft.values[2] - p0).abs() < 1e-12);
        assert_eq!(argmax(&soft.values[2..4]), 0);
    }

    #[test]
    fn synthetic_rows_take_each_column_from_their_own_class() {
        let frame = Frame::new(
            vec![
                mlg_runtime::frame::Column::numeric("a", vec![1.0, 2.0, 10.0, 20.0]),
                mlg_runtime::frame::Column::numeric("b", vec![1.0, 2.0, 10.0, 20.0]),
            ],
            4,
        );
        let target = Target::Classes {
            codes: vec![0, 0, 1, 1],
            labels: vec!["x".into(), "y".into()],
        };
        let out = augmented(&frame, &target, &[0, 1, 2, 3], 200, 7);
        assert_eq!(out.n_rows, 204);
        let a = out.columns[0].as_numeric().unwrap_or_default();
        let b = out.columns[1].as_numeric().unwrap_or_default();
        // Columns never mix classes, and rows do mix rows within a class.
        assert!(a.iter().zip(b).all(|(a, b)| (*a < 5.0) == (*b < 5.0)));
        assert!(a.iter().zip(b).any(|(a, b)| a != b));
        assert!(a[4..].iter().any(|v| *v < 5.0) && a[4..].iter().any(|v| *v > 5.0));
    }
}
