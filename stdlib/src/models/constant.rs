//! The model a chain fits when its features steps keep no column (e.g. a
//! selector whose threshold drops every column): with nothing to learn
//! from, any model predicts a constant, so this one does so explicitly —
//! the training mean for a regressor, the training class frequencies (and
//! the most frequent class, the lowest code on ties) for a classifier. It
//! lowers to constants, never to a feature vector of width zero, which the
//! IR cannot hold.

use crate::op::{FittedModel, Matrix, OpError, Target};
use crate::registry::invalid;
use mlg_compiler::ir::{GraphBuilder, NodeId, Op};

/// A constant prediction learnt from the targets alone.
#[derive(Clone, Debug, PartialEq)]
pub enum FittedConstant {
    /// A regressor's training mean.
    Value(f64),
    /// A classifier's class frequencies, one per label (summing to 1).
    Classes(Vec<f64>),
}

impl FittedConstant {
    /// Learns the constant from `y` on behalf of model `op`; no rows, or a
    /// non-finite regression target, is an error.
    pub fn fit(op: &str, y: &Target) -> Result<FittedConstant, OpError> {
        if y.is_empty() {
            return Err(invalid(op, "no training rows"));
        }
        match y {
            Target::Values(values) => {
                if let Some(row) = values.iter().position(|v| !v.is_finite()) {
                    return Err(invalid(op, format!("target of row {row} is missing or infinite")));
                }
                Ok(FittedConstant::Value(
                    values.iter().sum::<f64>() / values.len() as f64,
                ))
            }
            Target::Classes { codes, labels } => {
                let mut counts = vec![0.0; labels.len()];
                for &c in codes {
                    match counts.get_mut(c as usize) {
                        Some(count) => *count += 1.0,
                        None => return Err(invalid(op, format!("class code {c} has no label"))),
                    }
                }
                let n = codes.len() as f64;
                Ok(FittedConstant::Classes(counts.iter().map(|c| c / n).collect()))
            }
        }
    }

    /// The predicted class code, or the predicted value.
    fn value(&self) -> f64 {
        match self {
            FittedConstant::Value(v) => *v,
            FittedConstant::Classes(p) => {
                let mut best = 0;
                for (k, &v) in p.iter().enumerate() {
                    if v > p[best] {
                        best = k;
                    }
                }
                best as f64
            }
        }
    }
}

impl FittedModel for FittedConstant {
    /// The constant for every row.
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        vec![self.value(); x.rows]
    }

    /// Ignores `features` (any node): `prediction = Const[mean]`, or
    /// `proba = Const[frequencies]` and `class = Const[code]`.
    fn lower(&self, builder: &mut GraphBuilder, _features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        let err = |source| OpError::Lowering {
            op: "constant model".into(),
            source,
        };
        let class_or_value = builder
            .push(Op::Const {
                values: vec![self.value() as f32],
            })
            .map_err(err)?;
        match self {
            FittedConstant::Value(_) => Ok(vec![("prediction".to_string(), class_or_value)]),
            FittedConstant::Classes(p) => {
                let proba = builder
                    .push(Op::Const {
                        values: p.iter().map(|&v| v as f32).collect(),
                    })
                    .map_err(err)?;
                Ok(vec![
                    ("class".to_string(), class_or_value),
                    ("proba".to_string(), proba),
                ])
            }
        }
    }

    /// No features: no importances.
    fn importances(&self) -> Option<Vec<f64>> {
        Some(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlg_compiler::ir::{interp, InputSlot, SlotKind};

    fn graph_of(model: &FittedConstant) -> mlg_compiler::ir::Graph {
        let slot = InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        };
        let mut b = GraphBuilder::new("c", vec![slot]);
        let x = b.input(0).unwrap();
        for (name, node) in model.lower(&mut b, x).unwrap() {
            b.output(name, node);
        }
        b.finish().unwrap()
    }

    #[test]
    fn a_regressor_predicts_the_training_mean() {
        let model = FittedConstant::fit("m", &Target::Values(vec![1.0, 2.0, 6.0])).unwrap();
        assert_eq!(model, FittedConstant::Value(3.0));
        let mut out = [0.0f32; 2];
        interp::eval_rows(&graph_of(&model), &[10.0, -4.0], 2, 1, &mut out);
        assert_eq!(out, [3.0, 3.0]);
        assert!(FittedConstant::fit("m", &Target::Values(vec![1.0, f64::NAN])).is_err());
    }

    #[test]
    fn a_classifier_predicts_the_frequencies_and_the_commonest_class() {
        let y = Target::Classes {
            codes: vec![2, 1, 2, 2],
            labels: vec!["a".into(), "b".into(), "c".into()],
        };
        let model = FittedConstant::fit("m", &y).unwrap();
        assert_eq!(model, FittedConstant::Classes(vec![0.0, 0.25, 0.75]));
        let mut out = [0.0f32; 4];
        interp::eval_rows(&graph_of(&model), &[5.0], 1, 1, &mut out);
        assert_eq!(out, [2.0, 0.0, 0.25, 0.75]);
    }
}
