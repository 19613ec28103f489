//! Ensembles: fitting the members and the combiner on some data rows, and
//! lowering the fitted ensemble into one inference graph — every member's
//! features chain and model over the shared raw inputs, then the combiner's
//! ops. Stacking trains its meta-model on out-of-fold member predictions over
//! the ensemble's training rows (an inner, seeded, stratified k-fold), never
//! on in-sample ones; the members are then refit on all of those rows.
//! Blending holds out one seeded (stratified) share of the training rows: the
//! members are fitted once on the rest and kept as they are, and the
//! meta-model learns from their predictions for the held-out rows. Both
//! lower the same way ([`Combiner::Stacking`]).

use super::finite::{check_chain, Batch};
use super::{compile_chain, Chain, Fitted, FittedChain, Transform};
use crate::error::{Error, Result};
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{BinaryOp, GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::{Params, Task, Value};
use mlg_compiler::workflow::stage::EnsembleStage;
use mlg_stdlib::op::{FittedModel, Matrix, OpError, Target};
use rayon::prelude::*;

/// A fitted ensemble: its fitted members (by stage name) and combiner.
#[derive(Debug)]
pub struct FittedEnsemble {
    /// Each member's stage name and fitted chain, in the order written.
    pub members: Vec<(String, FittedChain)>,
    /// How the members' outputs become the ensemble's.
    pub combiner: Combiner,
}

/// A fitted combiner.
#[derive(Debug)]
pub enum Combiner {
    /// The mean of the members' probabilities (classifiers) or predictions.
    Mean,
    /// A weighted mean; the weights sum to 1.
    Weighted(Vec<f64>),
    /// The class most members predict (ties: the lowest class index); the
    /// probabilities are the vote shares.
    HardVote,
    /// The class of highest mean probability.
    SoftVote,
    /// A meta-model over the members' probabilities or predictions (member
    /// after member), followed by the raw inputs when `passthrough`: the
    /// fitted form of both `stacking` and `blending` (which differ only in
    /// the rows the members and the meta-model are fitted on).
    Stacking {
        meta: Box<dyn FittedModel>,
        passthrough: bool,
    },
}

/// Fits ensemble `chain` (whose kind holds `members` and `stage`) on the data
/// rows `rows`: the members on all of them (for `blending`, on the rows its
/// holdout leaves), and the combiner.
pub fn fit(
    chain: &Chain,
    members: &[Chain],
    stage: &EnsembleStage,
    target: &Target,
    rows: &[usize],
) -> Result<FittedChain> {
    let name = chain.model_name.as_str();
    let params = &stage.combiner.params;
    let fit_members = |rows: &[usize]| -> Result<Vec<FittedChain>> {
        members.par_iter().map(|m| m.fit(target, rows)).collect()
    };
    let (combiner, fitted) = match stage.combiner.op.as_str() {
        "mean" => (Combiner::Mean, fit_members(rows)?),
        "weighted" => (Combiner::Weighted(stage.weights.clone()), fit_members(rows)?),
        "hard_vote" => (Combiner::HardVote, fit_members(rows)?),
        "soft_vote" => (Combiner::SoftVote, fit_members(rows)?),
        "stacking" => {
            let cv = params.get("cv").and_then(Value::as_i64).unwrap_or(5).max(2) as usize;
            let seed = params.get("seed").and_then(Value::as_i64).unwrap_or(0) as u64;
            let x = out_of_fold(chain, members, target, rows, cv, seed)?;
            let combiner = fit_meta(chain, params, x, target, rows)?;
            (combiner, fit_members(rows)?)
        }
        "blending" => {
            let share = params.get("holdout").and_then(Value::as_f64).unwrap_or(0.2);
            let seed = params.get("seed").and_then(Value::as_i64).unwrap_or(0) as u64;
            let strata: Option<Vec<u32>> = match target {
                Target::Classes { codes, .. } => Some(rows.iter().map(|&r| codes[r]).collect()),
                Target::Values(_) => None,
            };
            let split = mlg_stdlib::eval::holdout(rows.len(), share, seed, strata.as_deref())
                .map_err(|e| Error::op(name, e))?
                .pop()
                .ok_or_else(|| {
                    Error::Usage(format!("ensemble `{name}`: blending without a holdout split"))
                })?;
            let fit_rows: Vec<usize> = split.train.iter().map(|&i| rows[i]).collect();
            let held_out: Vec<usize> = split.test.iter().map(|&i| rows[i]).collect();
            let fitted = fit_members(&fit_rows)?;
            let x = member_values(chain, members, &fitted, target, &held_out)?;
            (fit_meta(chain, params, x, target, &held_out)?, fitted)
        }
        other => {
            return Err(Error::Usage(format!(
                "ensemble `{name}`: unknown combiner `{other}`"
            )))
        }
    };
    let mut transforms: Vec<Transform> = Vec::new();
    for t in fitted.iter().flat_map(|f| f.transforms.iter()) {
        if !transforms.contains(t) {
            transforms.push(*t);
        }
    }
    // Every member reads the same raw row ABI, so any member's calibration
    // rows calibrate the whole graph.
    let calibration = fitted.iter().find_map(|f| f.calibration.clone());
    let classes = match target {
        Target::Classes { labels, .. } => labels.clone(),
        Target::Values(_) => Vec::new(),
    };
    Ok(FittedChain {
        fitted: Fitted::Ensemble(FittedEnsemble {
            members: members.iter().map(|m| m.model_name.clone()).zip(fitted).collect(),
            combiner,
        }),
        inputs: chain.input_slots(),
        classes,
        task: chain.task,
        features: Vec::new(),
        transforms,
        calibration,
    })
}

/// Fits a stacking or blending meta-model (`meta` and `passthrough` of
/// `params`) on the member values `x` of the data rows `rows` (row `i` of `x`
/// is row `rows[i]`), followed by those rows' raw inputs with `passthrough`.
fn fit_meta(chain: &Chain, params: &Params, x: Matrix, target: &Target, rows: &[usize]) -> Result<Combiner> {
    let name = chain.model_name.as_str();
    let (meta_op, meta_params) = params.get("meta").and_then(Value::as_model).ok_or_else(|| {
        Error::Usage(format!(
            "ensemble `{name}`: {} without a meta-model",
            chain.operator
        ))
    })?;
    let passthrough = params
        .get("passthrough")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let x = if passthrough {
        // A meta-model that learns where missing values go gets them as NaN.
        let missing_ok = mlg_stdlib::operators::find(meta_op).is_some_and(|def| def.capabilities.missing);
        let raw = super::matrix_rows(&chain.frame, rows, &chain.target, missing_ok)
            .map_err(|e| Error::op(name, e))?;
        hstack(&x, &raw)
    } else {
        x
    };
    let meta = mlg_stdlib::estimator(meta_op, meta_params)
        .and_then(|e| e.fit(&x, &target.take(rows)))
        .map_err(|e| Error::op(name, e))?;
    Ok(Combiner::Stacking { meta, passthrough })
}

/// The values the fitted `members` give the data rows `rows` (in that
/// order) through their compiled functions: row-major, members side by side
/// (see [`member_output`]).
fn member_values(
    chain: &Chain,
    members: &[Chain],
    fitted: &[FittedChain],
    target: &Target,
    rows: &[usize],
) -> Result<Matrix> {
    let per_member = per_member(target);
    let cols = per_member * members.len();
    let values = members
        .par_iter()
        .zip(fitted)
        .map(|(member, fitted)| member_output(chain, member, fitted, rows, per_member))
        .collect::<Result<Vec<_>>>()?;
    let mut data = vec![0.0; rows.len() * cols];
    for (m, picked) in values.iter().enumerate() {
        for k in 0..rows.len() {
            let at = k * cols + m * per_member;
            data[at..at + per_member].copy_from_slice(&picked[k * per_member..(k + 1) * per_member]);
        }
    }
    Ok(Matrix {
        rows: rows.len(),
        cols,
        data,
    })
}

/// How many values each member gives the meta-model: the number of classes
/// for classifiers, 1 for regressors.
fn per_member(target: &Target) -> usize {
    match target {
        Target::Classes { labels, .. } => labels.len(),
        Target::Values(_) => 1,
    }
}

/// The values fitted member `member` gives the data rows `rows` through its
/// compiled function, row after row: its `per_member` class probabilities
/// (classifiers) or its prediction (regressors). NaN or infinite values are
/// an error naming the member ([`super::finite`]).
fn member_output(
    chain: &Chain,
    member: &Chain,
    fitted: &FittedChain,
    rows: &[usize],
    per_member: usize,
) -> Result<Vec<f64>> {
    let (graph, exe) = compile_chain(fitted, &member.model_name)?;
    let frame = chain.frame.take(rows);
    let encoded = mlg_runtime::rows::encode_rows(&frame, &graph.inputs)?;
    let n_out = exe.n_outputs();
    let mut out = vec![0f32; rows.len() * n_out];
    exe.run(&encoded, rows.len(), graph.n_inputs(), &mut out)?;
    let during = format!(
        "as a member of ensemble `{}`, on the rows its meta-model learns from",
        chain.model_name
    );
    let batch = Batch {
        model: &member.model_name,
        during: &during,
        rows,
        encoded: &encoded,
        inputs: &graph.inputs,
    };
    check_chain(fitted, &frame, &batch, &out, n_out)?;
    let skip = usize::from(chain.task == Task::Classification);
    if n_out < skip + per_member {
        return Err(Error::op(
            &chain.model_name,
            OpError::Invalid {
                op: member.model_name.clone(),
                message: format!("gives {n_out} outputs per row, expected {}", skip + per_member),
            },
        ));
    }
    Ok(out
        .chunks_exact(n_out)
        .flat_map(|row| row[skip..skip + per_member].iter().map(|&v| f64::from(v)))
        .collect())
}

/// The members' out-of-fold values for `rows` (in that order): each member
/// fitted on the other folds of an inner seeded k-fold (stratified for
/// classifiers) predicts its held-out rows through its compiled function.
/// Row-major, members side by side: class probabilities for classifiers, the
/// prediction for regressors.
fn out_of_fold(
    chain: &Chain,
    members: &[Chain],
    target: &Target,
    rows: &[usize],
    cv: usize,
    seed: u64,
) -> Result<Matrix> {
    let name = chain.model_name.as_str();
    let strata: Option<Vec<u32>> = match target {
        Target::Classes { codes, .. } => Some(rows.iter().map(|&r| codes[r]).collect()),
        Target::Values(_) => None,
    };
    let splits = mlg_stdlib::eval::kfold(rows.len(), cv, true, seed, strata.as_deref())
        .map_err(|e| Error::op(name, e))?;
    let per_member = per_member(target);
    let cols = per_member * members.len();
    let jobs: Vec<(usize, usize)> = (0..splits.len())
        .flat_map(|s| (0..members.len()).map(move |m| (s, m)))
        .collect();
    let values = jobs
        .par_iter()
        .map(|&(s, m)| {
            let split = &splits[s];
            let train: Vec<usize> = split.train.iter().map(|&i| rows[i]).collect();
            let test: Vec<usize> = split.test.iter().map(|&i| rows[i]).collect();
            let member = &members[m];
            let fitted = member.fit(target, &train)?;
            Ok((s, m, member_output(chain, member, &fitted, &test, per_member)?))
        })
        .collect::<Result<Vec<_>>>()?;
    let mut data = vec![0.0; rows.len() * cols];
    for (s, m, picked) in values {
        for (k, &i) in splits[s].test.iter().enumerate() {
            let at = i * cols + m * per_member;
            data[at..at + per_member].copy_from_slice(&picked[k * per_member..(k + 1) * per_member]);
        }
    }
    Ok(Matrix {
        rows: rows.len(),
        cols,
        data,
    })
}

/// `a` and `b` (same rows) side by side.
fn hstack(a: &Matrix, b: &Matrix) -> Matrix {
    let cols = a.cols + b.cols;
    let mut data = Vec::with_capacity(a.rows * cols);
    for i in 0..a.rows {
        data.extend_from_slice(&a.data[i * a.cols..(i + 1) * a.cols]);
        data.extend_from_slice(&b.data[i * b.cols..(i + 1) * b.cols]);
    }
    Matrix {
        rows: a.rows,
        cols,
        data,
    }
}

impl FittedEnsemble {
    /// Appends every member and the combiner to `builder` over the raw input
    /// columns `inputs` (by name); returns the ensemble's outputs: `class`
    /// then `proba` for classifiers, `prediction` for regressors.
    pub fn lower_into(
        &self,
        builder: &mut GraphBuilder,
        inputs: &[(String, NodeId)],
        task: Task,
        name: &str,
    ) -> Result<Vec<(String, NodeId)>> {
        let mut outputs = Vec::with_capacity(self.members.len());
        for (member, fitted) in &self.members {
            outputs.push(fitted.lower_into(builder, inputs, member)?);
        }
        let wanted = match task {
            Task::Classification => "proba",
            Task::Regression => "prediction",
        };
        let values = outputs
            .iter()
            .zip(&self.members)
            .map(|(outs, (member, _))| output(outs, wanted, member))
            .collect::<Result<Vec<_>>>()?;
        let mut b = Ops { builder, name };
        let combined = match &self.combiner {
            Combiner::Mean | Combiner::SoftVote => {
                let n = values.len() as f64;
                b.weighted_sum(&values, &vec![1.0 / n; values.len()])?
            }
            Combiner::Weighted(weights) => b.weighted_sum(&values, weights)?,
            Combiner::HardVote => {
                let width = b.builder.width(values[0]);
                let codes: Vec<f32> = (0..width).map(|k| k as f32).collect();
                let votes = outputs
                    .iter()
                    .zip(&self.members)
                    .map(|(outs, (member, _))| {
                        let class = output(outs, "class", member)?;
                        b.push(Op::OneHot {
                            x: class,
                            codes: codes.clone(),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let n = votes.len() as f64;
                b.weighted_sum(&votes, &vec![1.0 / n; votes.len()])?
            }
            Combiner::Stacking { meta, passthrough } => {
                let mut parts = values.clone();
                if *passthrough {
                    parts.extend(inputs.iter().map(|(_, id)| *id));
                }
                let features = b.push(Op::Concat { parts })?;
                return meta.lower(b.builder, features).map_err(|e| Error::op(name, e));
            }
        };
        Ok(match task {
            Task::Classification => {
                let class = b.push(Op::Argmax { x: combined })?;
                vec![("class".to_string(), class), ("proba".to_string(), combined)]
            }
            Task::Regression => vec![("prediction".to_string(), combined)],
        })
    }
}

/// The output named `wanted` of member `member`.
fn output(outs: &[(String, NodeId)], wanted: &str, member: &str) -> Result<NodeId> {
    outs.iter()
        .find(|(n, _)| n == wanted)
        .map(|(_, id)| *id)
        .ok_or_else(|| Error::Usage(format!("ensemble member `{member}` has no `{wanted}` output")))
}

/// The builder with the ensemble's name for errors.
struct Ops<'b> {
    builder: &'b mut GraphBuilder,
    name: &'b str,
}

impl Ops<'_> {
    fn push(&mut self, op: Op) -> Result<NodeId> {
        let name = self.name;
        self.builder.push(op).map_err(|source| {
            Error::op(
                name,
                OpError::Lowering {
                    op: name.to_string(),
                    source,
                },
            )
        })
    }

    /// `sum_i weights[i] * values[i]`: per value a multiply by a width-1
    /// constant (skipped for weight 1), then a chain of adds.
    fn weighted_sum(&mut self, values: &[NodeId], weights: &[f64]) -> Result<NodeId> {
        let mut sum: Option<NodeId> = None;
        for (&v, &w) in values.iter().zip(weights) {
            let term = if w == 1.0 {
                v
            } else {
                let c = self.push(Op::Const {
                    values: vec![w as f32],
                })?;
                self.push(Op::Binary {
                    op: BinaryOp::Mul,
                    a: v,
                    b: c,
                })?
            };
            sum = Some(match sum {
                None => term,
                Some(acc) => self.push(Op::Binary {
                    op: BinaryOp::Add,
                    a: acc,
                    b: term,
                })?,
            });
        }
        sum.ok_or_else(|| Error::Usage(format!("ensemble `{}` has no members", self.name)))
    }
}
