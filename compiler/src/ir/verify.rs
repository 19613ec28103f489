//! The IR verifier: operands exist and precede their users, widths and constant
//! lengths agree, outputs exist. Run after lowering, after every pass, and on load.

use super::{Graph, NodeId, Op, INT8_MAX_INPUTS};
use thiserror::Error;

/// Largest `k` of [`Op::KnnImpute`]: compiled code keeps `min(k, n)` distances
/// and values on the stack for every row in flight.
pub const KNN_MAX_K: u32 = 4096;

/// Why a graph is not well formed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum VerifyError {
    /// An operand is not an earlier node of the graph.
    #[error("node %{node}: operand %{operand} does not precede it")]
    BadOperand {
        /// The node using the operand.
        node: u32,
        /// The operand's id.
        operand: u32,
    },
    /// The op's constants or operand widths break its rules.
    #[error("node %{node} ({op}): {message}")]
    Shape {
        /// The malformed node.
        node: u32,
        /// Its op's mnemonic.
        op: &'static str,
        /// Which rule it breaks.
        message: String,
    },
    /// The node's stored width is not the width its op produces.
    #[error("node %{node}: stored width {stored} but the op produces {computed}")]
    Width {
        /// The node.
        node: u32,
        /// [`Node::width`](super::Node::width) as stored.
        stored: u32,
        /// The width the op produces.
        computed: u32,
    },
    /// An output names a node the graph does not have.
    #[error("output `{name}` refers to missing node %{node}")]
    BadOutput {
        /// The output's name.
        name: String,
        /// The missing node's id.
        node: u32,
    },
    /// The graph has no outputs.
    #[error("graph has no outputs")]
    NoOutputs,
}

/// The width of a dense layer (`affine`, `qaffine`, `i8affine`) of `inw`
/// inputs with the given numbers of weights, scales (one per row; an
/// `affine` passes its rows), biases and `missing` defaults, or what is
/// wrong with its shape.
fn dense(inw: usize, weights: usize, scales: usize, rows: usize, missing: usize) -> Result<u32, String> {
    if rows == 0 {
        return Err("no outputs".into());
    }
    if scales != rows {
        return Err(format!("{scales} scales for {rows} rows"));
    }
    if weights != inw * rows {
        return Err(format!("{weights} weights for {rows}x{inw}"));
    }
    if missing != 0 && missing != inw {
        return Err(format!("{missing} missing defaults for width {inw}"));
    }
    Ok(rows as u32)
}

/// Computes the width `op` produces when placed at `id` in `graph` (operands must
/// already be in `graph`), or says why the op is malformed.
pub fn op_width(graph: &Graph, id: NodeId, op: &Op) -> Result<u32, VerifyError> {
    let mnemonic = op.mnemonic();
    let shape = |message: String| VerifyError::Shape {
        node: id.0,
        op: mnemonic,
        message,
    };
    for operand in op.operands() {
        if operand >= id || operand.index() >= graph.nodes.len() {
            return Err(VerifyError::BadOperand {
                node: id.0,
                operand: operand.0,
            });
        }
    }
    let w = |n: NodeId| graph.nodes[n.index()].width;
    let width = match op {
        Op::Input { slot } => {
            if *slot as usize >= graph.inputs.len() {
                return Err(shape(format!(
                    "slot {slot} but the graph has {} inputs",
                    graph.inputs.len()
                )));
            }
            1
        }
        Op::Const { values } => values.len() as u32,
        Op::Concat { parts } => {
            if parts.is_empty() {
                return Err(shape("concat of nothing".into()));
            }
            parts.iter().map(|p| w(*p)).sum()
        }
        Op::FillNan { x, values } => {
            if values.len() as u32 != w(*x) {
                return Err(shape(format!("{} fill values for width {}", values.len(), w(*x))));
            }
            w(*x)
        }
        Op::Scale { x, mul, add } => {
            if mul.len() as u32 != w(*x) || add.len() as u32 != w(*x) {
                return Err(shape(format!(
                    "mul {} / add {} for width {}",
                    mul.len(),
                    add.len(),
                    w(*x)
                )));
            }
            w(*x)
        }
        Op::OneHot { x, codes } => {
            if w(*x) != 1 {
                return Err(shape(format!("operand width {} (must be 1)", w(*x))));
            }
            if codes.is_empty() {
                return Err(shape("no codes".into()));
            }
            codes.len() as u32
        }
        Op::Affine {
            x,
            weights,
            bias,
            missing,
        } => dense(
            w(*x) as usize,
            weights.len(),
            bias.len(),
            bias.len(),
            missing.len(),
        )
        .map_err(shape)?,
        Op::QuantAffine {
            x,
            weights,
            scales,
            bias,
            missing,
        } => dense(
            w(*x) as usize,
            weights.len(),
            scales.len(),
            bias.len(),
            missing.len(),
        )
        .map_err(shape)?,
        Op::Int8Affine {
            x,
            weights,
            scales,
            bias,
            missing,
            activations,
        } => {
            let inw = w(*x) as usize;
            if inw > INT8_MAX_INPUTS {
                return Err(shape(format!(
                    "{inw} inputs, more than the {INT8_MAX_INPUTS} an int8 layer sums exactly"
                )));
            }
            if let Some(a) = activations {
                if !(a.scale.is_finite() && a.scale > 0.0) {
                    return Err(shape(format!(
                        "activation scale {} is not finite and positive",
                        a.scale
                    )));
                }
            }
            dense(inw, weights.len(), scales.len(), bias.len(), missing.len()).map_err(shape)?
        }
        Op::Unary { x, .. } | Op::Softmax { x } => w(*x),
        Op::Argmax { .. } => 1,
        Op::Binary { a, b, .. } | Op::Compare { a, b, .. } => {
            let (wa, wb) = (w(*a), w(*b));
            if wa == wb || wb == 1 {
                wa
            } else if wa == 1 {
                wb
            } else {
                return Err(shape(format!("operand widths {wa} and {wb}")));
            }
        }
        Op::Select { cond, a, b } => {
            let widths = [w(*cond), w(*a), w(*b)];
            let max = widths.iter().copied().max().unwrap_or(1);
            if widths.iter().any(|&x| x != 1 && x != max) {
                return Err(shape(format!(
                    "operand widths {}, {} and {}",
                    widths[0], widths[1], widths[2]
                )));
            }
            max
        }
        Op::Bucketize { x, edges } => {
            if edges.iter().any(|e| e.is_nan()) {
                return Err(shape("NaN edge".into()));
            }
            if edges.windows(2).any(|p| p[1] < p[0]) {
                return Err(shape("edges are not ascending".into()));
            }
            w(*x)
        }
        Op::Lookup { x, .. } => {
            if w(*x) != 1 {
                return Err(shape(format!("operand width {} (must be 1)", w(*x))));
            }
            1
        }
        Op::KnnImpute { x, train, k } => {
            let d = w(*x) as usize;
            if *k == 0 || *k > KNN_MAX_K {
                return Err(shape(format!("k = {k} (must be in 1..={KNN_MAX_K})")));
            }
            if train.is_empty() || d == 0 || train.len() % d != 0 {
                return Err(shape(format!(
                    "{} training values do not form rows of width {d}",
                    train.len()
                )));
            }
            w(*x)
        }
        Op::Trees { x, forest, walk } => {
            forest.check(w(*x) as usize).map_err(shape)?;
            if *walk == super::TreeWalk::Chain && forest.width() != 1 {
                return Err(shape(format!(
                    "a chained walk of {} outputs (one only)",
                    forest.width()
                )));
            }
            forest.width() as u32
        }
        Op::QuantTrees { x, forest, walk } => {
            forest.check(w(*x) as usize).map_err(shape)?;
            if *walk == super::TreeWalk::Chain && forest.width() != 1 {
                return Err(shape(format!(
                    "a chained walk of {} outputs (one only)",
                    forest.width()
                )));
            }
            forest.width() as u32
        }
    };
    if width == 0 {
        return Err(shape("zero width".into()));
    }
    Ok(width)
}

/// Checks every invariant of `graph`.
pub fn verify(graph: &Graph) -> Result<(), VerifyError> {
    for (i, node) in graph.nodes.iter().enumerate() {
        let id = NodeId(i as u32);
        let computed = op_width(graph, id, &node.op)?;
        if computed != node.width {
            return Err(VerifyError::Width {
                node: id.0,
                stored: node.width,
                computed,
            });
        }
    }
    if graph.outputs.is_empty() {
        return Err(VerifyError::NoOutputs);
    }
    for out in &graph.outputs {
        if out.node.index() >= graph.nodes.len() {
            return Err(VerifyError::BadOutput {
                name: out.name.clone(),
                node: out.node.0,
            });
        }
    }
    Ok(())
}
