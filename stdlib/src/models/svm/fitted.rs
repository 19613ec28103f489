//! The fitted `svm`: decision values, voting, probabilities, and the lowered
//! class/probability head.

use super::expansion::Expansion;
use super::platt::{couple, normalise, ovr_scores, pairs, sigmoid_predict, softmax, MIN_PROB};
use crate::models::to_f32;
use crate::op::{FittedModel, Matrix, OpError};
use mlg_compiler::ir::{BinaryOp, CompareOp, GraphBuilder, NodeId, Op, UnaryFn, VerifyError};
use rayon::prelude::*;

/// How more than two classes are split into binary problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multiclass {
    /// One problem per class pair; prediction by majority vote, ties to the
    /// lowest class (libsvm, scikit-learn's `SVC.predict`).
    Ovo,
    /// One problem per class against the rest; prediction by the largest
    /// decision value (first on ties).
    Ovr,
}

/// A fitted support vector classifier.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedSvm {
    /// The decision functions: one per class pair `(a, b)`, `a < b` in
    /// libsvm's order (positive favours `a`), or one per class (`Ovr`; positive
    /// favours the class). Two classes always use the single pair function.
    pub expansion: Expansion,
    /// Class codes seen in training, ascending.
    pub classes: Vec<u32>,
    /// Number of target labels (width of the probability output).
    pub n_labels: usize,
    /// How the decision functions split the classes.
    pub multiclass: Multiclass,
    /// Platt's `(A, B)` per decision function, when fitted with `probability`.
    pub platt: Option<Vec<(f64, f64)>>,
    /// Support vectors per fitted class.
    pub n_support: Vec<usize>,
    /// Solver iterations summed over the binary problems.
    pub iterations: usize,
    /// Whether every binary problem met its tolerance.
    pub converged: bool,
}

impl FittedSvm {
    /// The decision values of every row, row-major `x.rows × P` (see
    /// [`FittedSvm::expansion`] for their order and sign).
    pub fn decision_function(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .into_par_iter()
            .flat_map_iter(|i| self.expansion.decisions(x.row(i)))
            .collect()
    }

    /// Index of the predicted fitted class from one row's decision values.
    fn winner(&self, dec: &[f64]) -> usize {
        let k = self.classes.len();
        let scores = match self.multiclass {
            Multiclass::Ovo => {
                let mut votes = vec![0.0; k];
                for (&(a, b), &f) in pairs(k).iter().zip(dec) {
                    votes[if f > 0.0 { a } else { b }] += 1.0;
                }
                votes
            }
            Multiclass::Ovr => dec.to_vec(),
        };
        // First maximum wins, like the IR's Argmax.
        (0..k).fold(0, |best, c| if scores[c] > scores[best] { c } else { best })
    }

    /// Probabilities over the fitted classes from one row's decision values:
    /// Platt-coupled when fitted with `probability`, else a squashing of the
    /// scores (binary: `sigmoid` of the margin; one-vs-one: softmax of
    /// scikit-learn's vote-plus-confidence scores; one-vs-rest: softmax).
    fn class_proba(&self, dec: &[f64]) -> Vec<f64> {
        let k = self.classes.len();
        match (&self.platt, self.multiclass) {
            (Some(ab), Multiclass::Ovo) if k == 2 => {
                let r = sigmoid_predict(dec[0], ab[0]);
                vec![r, 1.0 - r]
            }
            (Some(ab), Multiclass::Ovo) => {
                let r: Vec<f64> = dec.iter().zip(ab).map(|(&f, &p)| sigmoid_predict(f, p)).collect();
                couple(&r, k)
            }
            (Some(ab), Multiclass::Ovr) => {
                normalise(dec.iter().zip(ab).map(|(&f, &p)| sigmoid_predict(f, p)).collect())
            }
            (None, Multiclass::Ovo) if k == 2 => {
                let p1 = 1.0 / (1.0 + dec[0].exp());
                vec![1.0 - p1, p1]
            }
            (None, Multiclass::Ovo) => softmax(&ovr_scores(dec, k)),
            (None, Multiclass::Ovr) => softmax(dec),
        }
    }

    /// Class probabilities, row-major `x.rows × n_labels` in label order (0 for
    /// labels absent from training); what the lowered `proba` output computes.
    pub fn predict_proba(&self, x: &Matrix) -> Vec<f64> {
        let dec = self.decision_function(x);
        let p = self.expansion.bias.len();
        let mut out = vec![0.0; x.rows * self.n_labels];
        for i in 0..x.rows {
            let probs = self.class_proba(&dec[i * p..(i + 1) * p]);
            for (c, v) in self.classes.iter().zip(probs) {
                out[i * self.n_labels + *c as usize] = v;
            }
        }
        out
    }

    /// The lowered head over decision values `dec`: `class` by votes (or the
    /// largest one-vs-rest score) and `proba` as in [`FittedSvm::predict_proba`].
    fn lower_head(
        &self,
        builder: &mut GraphBuilder,
        dec: NodeId,
    ) -> Result<Vec<(String, NodeId)>, VerifyError> {
        let k = self.classes.len();
        let all_pairs = pairs(k);
        let n_dec = self.expansion.bias.len();
        let votes = match self.multiclass {
            Multiclass::Ovo => {
                let zero = builder.push(Op::Const { values: vec![0.0] })?;
                let pos = builder.push(Op::Compare {
                    op: CompareOp::Gt,
                    a: dec,
                    b: zero,
                })?;
                let mut w = vec![0.0; k * n_dec];
                let mut b = vec![0.0; k];
                for (p, &(a, c)) in all_pairs.iter().enumerate() {
                    w[a * n_dec + p] = 1.0;
                    w[c * n_dec + p] = -1.0;
                    b[c] += 1.0;
                }
                affine(builder, pos, &w, &b)?
            }
            Multiclass::Ovr => dec,
        };
        let absent = if self.multiclass == Multiclass::Ovo {
            -1.0
        } else {
            -f64::from(f32::MAX)
        };
        let placed = self.place(builder, votes, absent)?;
        let class = builder.push(Op::Argmax { x: placed })?;
        let probs = match (&self.platt, self.multiclass) {
            (Some(ab), _) => {
                let w = diag(&ab.iter().map(|(a, _)| -a).collect::<Vec<_>>());
                let z = affine(builder, dec, &w, &ab.iter().map(|(_, b)| -b).collect::<Vec<_>>())?;
                let r = builder.push(Op::Unary {
                    func: UnaryFn::Sigmoid,
                    x: z,
                })?;
                let lo = builder.push(Op::Const {
                    values: vec![MIN_PROB as f32],
                })?;
                let hi = builder.push(Op::Const {
                    values: vec![(1.0 - MIN_PROB) as f32],
                })?;
                let r = builder.binary(BinaryOp::Max, r, lo)?;
                let r = builder.binary(BinaryOp::Min, r, hi)?;
                let one = builder.push(Op::Const { values: vec![1.0] })?;
                let rest = builder.binary(BinaryOp::Sub, one, r)?;
                if self.multiclass == Multiclass::Ovr {
                    normalise_node(builder, r, k)?
                } else if k == 2 {
                    builder.push(Op::Concat { parts: vec![r, rest] })?
                } else {
                    let both = builder.push(Op::Concat { parts: vec![r, rest] })?;
                    let inv = builder.binary(BinaryOp::Div, one, both)?;
                    let mut w = vec![0.0; k * 2 * n_dec];
                    for (p, &(a, c)) in all_pairs.iter().enumerate() {
                        w[a * 2 * n_dec + p] = 1.0;
                        w[c * 2 * n_dec + n_dec + p] = 1.0;
                    }
                    let s = affine(builder, inv, &w, &vec![-(k as f64 - 2.0); k])?;
                    let q = builder.binary(BinaryOp::Div, one, s)?;
                    normalise_node(builder, q, k)?
                }
            }
            (None, Multiclass::Ovo) if k == 2 => {
                let p1 = affine(builder, dec, &[-1.0], &[0.0])?;
                let p1 = builder.push(Op::Unary {
                    func: UnaryFn::Sigmoid,
                    x: p1,
                })?;
                let one = builder.push(Op::Const { values: vec![1.0] })?;
                let p0 = builder.binary(BinaryOp::Sub, one, p1)?;
                builder.push(Op::Concat { parts: vec![p0, p1] })?
            }
            (None, Multiclass::Ovo) => {
                let mut w = vec![0.0; k * n_dec];
                for (p, &(a, c)) in all_pairs.iter().enumerate() {
                    w[a * n_dec + p] = 1.0;
                    w[c * n_dec + p] = -1.0;
                }
                let conf = affine(builder, dec, &w, &vec![0.0; k])?;
                let abs = builder.push(Op::Unary {
                    func: UnaryFn::Abs,
                    x: conf,
                })?;
                let den = builder.push(Op::Scale {
                    x: abs,
                    mul: vec![3.0; k],
                    add: vec![3.0; k],
                })?;
                let squashed = builder.binary(BinaryOp::Div, conf, den)?;
                let scores = builder.binary(BinaryOp::Add, votes, squashed)?;
                builder.push(Op::Softmax { x: scores })?
            }
            (None, Multiclass::Ovr) => builder.push(Op::Softmax { x: dec })?,
        };
        let proba = self.place(builder, probs, 0.0)?;
        Ok(vec![("class".to_string(), class), ("proba".to_string(), proba)])
    }

    /// `v` (one value per fitted class) spread into label order, `fill` for
    /// labels absent from training.
    fn place(&self, builder: &mut GraphBuilder, v: NodeId, fill: f64) -> Result<NodeId, VerifyError> {
        let k = self.classes.len();
        if k == self.n_labels {
            return Ok(v);
        }
        let mut w = vec![0.0; self.n_labels * k];
        let mut b = vec![fill; self.n_labels];
        for (c, &label) in self.classes.iter().enumerate() {
            w[label as usize * k + c] = 1.0;
            b[label as usize] = 0.0;
        }
        affine(builder, v, &w, &b)
    }
}

/// `Affine(x, weights, bias)` with the constants rounded to `f32`.
fn affine(
    builder: &mut GraphBuilder,
    x: NodeId,
    weights: &[f64],
    bias: &[f64],
) -> Result<NodeId, VerifyError> {
    builder.push(Op::Affine {
        x,
        weights: to_f32(weights),
        bias: to_f32(bias),
        missing: Vec::new(),
    })
}

/// A `n × n` diagonal matrix, row-major.
fn diag(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut w = vec![0.0; n * n];
    values.iter().enumerate().for_each(|(i, &v)| w[i * n + i] = v);
    w
}

/// `q / Σq` for a width-`k` node.
fn normalise_node(builder: &mut GraphBuilder, q: NodeId, k: usize) -> Result<NodeId, VerifyError> {
    let total = affine(builder, q, &vec![1.0; k], &[0.0])?;
    builder.binary(BinaryOp::Div, q, total)
}

impl FittedModel for FittedSvm {
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        let dec = self.decision_function(x);
        let p = self.expansion.bias.len();
        (0..x.rows)
            .map(|i| f64::from(self.classes[self.winner(&dec[i * p..(i + 1) * p])]))
            .collect()
    }

    /// The decision values ([`Expansion::lower`]), then one-vs-one votes
    /// `Affine(Compare(dec > 0))` (or the one-vs-rest scores) placed in label
    /// order, `class = Argmax` of them; `proba`: clamped Platt sigmoids
    /// coupled by `q_i = 1 / (Σ_j 1/r_ij - (k-2))` and normalised (binary:
    /// `[r, 1 - r]`), or without Platt the squashed scores of
    /// [`FittedSvm::predict_proba`].
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let dec = self.expansion.lower(super::classifier::OP, builder, features)?;
        self.lower_head(builder, dec).map_err(|source| OpError::Lowering {
            op: super::classifier::OP.to_string(),
            source,
        })
    }

    /// Linear kernel only: the primal weights, one row per decision function;
    /// with two classes one row whose positive side is the second class
    /// (scikit-learn's `coef_` sign).
    fn coefficients(&self) -> Option<Vec<Vec<f64>>> {
        let w = self.expansion.linear.as_ref()?;
        let d = self.expansion.d.max(1);
        let sign = if self.classes.len() == 2 { -1.0 } else { 1.0 };
        Some(
            w.chunks(d)
                .map(|r| r.iter().map(|v| sign * v).collect())
                .collect(),
        )
    }

    /// Sum of `|w|` over the weight rows (linear kernel only).
    fn importances(&self) -> Option<Vec<f64>> {
        self.coefficients()
            .map(|rows| crate::op::column_sums(&rows, f64::abs))
    }
}
