//! The fitted threshold wrapper: the nested model's lowering, then the
//! positive class's probability compared with the threshold; and the
//! reference interpreter run over a matrix, for predictions outside a
//! compiled graph.

use crate::op::{FittedModel, Matrix, OpError};
use crate::registry::invalid;
use mlg_compiler::ir::{interp, CompareOp, GraphBuilder, InputSlot, NodeId, Op, SlotKind};

/// A fitted classifier whose class is `positive` when that class's
/// probability is at least `threshold`, else `negative`.
#[derive(Debug)]
pub struct FittedThreshold {
    /// The wrapper's catalog name, for errors.
    pub op: &'static str,
    /// The nested model, fitted on every training row.
    pub inner: Box<dyn FittedModel>,
    /// Code of the first class of the training rows.
    pub negative: u32,
    /// Code of the second (positive) class.
    pub positive: u32,
    /// The decision threshold on the positive class's probability.
    pub threshold: f64,
    /// Whether the threshold was tuned (reported as a fit score).
    pub tuned: bool,
}

/// The nested model's `proba` output among its lowered outputs.
fn proba_of(op: &str, outputs: &[(String, NodeId)]) -> Result<NodeId, OpError> {
    outputs
        .iter()
        .find(|(name, _)| name == "proba")
        .map(|(_, node)| *node)
        .ok_or_else(|| invalid(op, "model: the nested model gives no class probabilities"))
}

/// The probability of class `positive` out of the probability vector `proba`
/// (a 0/1 `Affine` row picking it).
fn pick(builder: &mut GraphBuilder, op: &str, proba: NodeId, positive: u32) -> Result<NodeId, OpError> {
    let width = builder.width(proba) as usize;
    if positive as usize >= width {
        return Err(invalid(
            op,
            "model: the nested model's probabilities lack the positive class",
        ));
    }
    let mut weights = vec![0f32; width];
    weights[positive as usize] = 1.0;
    builder
        .push(Op::Affine {
            x: proba,
            weights,
            bias: vec![0.0],
            missing: Vec::new(),
        })
        .map_err(|source| OpError::Lowering {
            op: op.to_string(),
            source,
        })
}

/// Runs the graph that `build` appends to the feature vector of `x`'s
/// columns (numeric inputs) on every row with the reference interpreter:
/// one value per row.
fn run(
    op: &str,
    x: &Matrix,
    build: impl FnOnce(&mut GraphBuilder, NodeId) -> Result<NodeId, OpError>,
) -> Result<Vec<f32>, OpError> {
    let inputs = (0..x.cols)
        .map(|j| InputSlot {
            name: format!("x{j}"),
            kind: SlotKind::Numeric,
        })
        .collect();
    let err = |source| OpError::Lowering {
        op: op.to_string(),
        source,
    };
    let mut builder = GraphBuilder::new(op, inputs);
    let parts = (0..x.cols as u32)
        .map(|j| builder.input(j))
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let features = builder.push(Op::Concat { parts }).map_err(err)?;
    let out = build(&mut builder, features)?;
    builder.output("value", out);
    let graph = builder.finish().map_err(err)?;
    let input: Vec<f32> = x.data.iter().map(|&v| v as f32).collect();
    let mut values = vec![0f32; x.rows];
    interp::eval_rows(&graph, &input, x.rows, x.cols, &mut values);
    Ok(values)
}

/// The probability `model` gives class `positive` on every row of `x`, as
/// its compiled graph computes it.
pub(super) fn positive_proba(
    op: &str,
    model: &dyn FittedModel,
    x: &Matrix,
    positive: u32,
) -> Result<Vec<f32>, OpError> {
    run(op, x, |builder, features| {
        let outputs = model.lower(builder, features)?;
        let proba = proba_of(op, &outputs)?;
        pick(builder, op, proba, positive)
    })
}

impl FittedModel for FittedThreshold {
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        match run(self.op, x, |builder, features| {
            let outputs = self.lower(builder, features)?;
            Ok(outputs[0].1)
        }) {
            Ok(classes) => classes.into_iter().map(f64::from).collect(),
            // The same lowering compiled the model; failing here is a bug.
            Err(e) => panic!("{}: lowering a fitted threshold failed: {e}", self.op),
        }
    }

    /// The nested model's outputs with `class` replaced by
    /// `Select(Compare(Ge, proba[positive], threshold), positive, negative)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let err = |source| OpError::Lowering {
            op: self.op.to_string(),
            source,
        };
        let mut outputs = self.inner.lower(builder, features)?;
        let proba = proba_of(self.op, &outputs)?;
        let p = pick(builder, self.op, proba, self.positive)?;
        let threshold = builder
            .push(Op::Const {
                values: vec![self.threshold as f32],
            })
            .map_err(err)?;
        let cond = builder
            .push(Op::Compare {
                op: CompareOp::Ge,
                a: p,
                b: threshold,
            })
            .map_err(err)?;
        let [positive, negative] = [self.positive, self.negative].map(|c| Op::Const {
            values: vec![c as f32],
        });
        let positive = builder.push(positive).map_err(err)?;
        let negative = builder.push(negative).map_err(err)?;
        let class = builder
            .push(Op::Select {
                cond,
                a: positive,
                b: negative,
            })
            .map_err(err)?;
        match outputs.iter_mut().find(|(name, _)| name == "class") {
            Some(slot) => slot.1 = class,
            None => return Err(invalid(self.op, "model: the nested model gives no class output")),
        }
        Ok(outputs)
    }

    fn coefficients(&self) -> Option<Vec<Vec<f64>>> {
        self.inner.coefficients()
    }

    fn importances(&self) -> Option<Vec<f64>> {
        self.inner.importances()
    }

    /// The nested model's fit scores, and `threshold` when it was tuned.
    fn fit_scores(&self) -> Vec<(String, f64)> {
        let mut scores = self.inner.fit_scores();
        if self.tuned {
            scores.push(("threshold".to_string(), self.threshold));
        }
        scores
    }
}
