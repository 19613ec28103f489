//! An ONNX model read into the inference IR (`mlg import model.onnx`).
//!
//! The graph's nodes are taken in file order (ONNX requires a topological
//! order) and each is lowered to IR ops over one input row: a tensor of
//! shape `[N, w]` (or `[N]`, width 1) becomes a node of width `w`; a
//! constant stays a constant until an op needs it as a node. What each ONNX
//! op computes is ONNX Runtime's behaviour, the reference every producer
//! (skl2onnx, onnxmltools) tests against.
//!
//! Inputs: one float tensor `[N, d]`, whose columns are named
//! `{input}_{i}` unless `--columns` names them, or several tensors `[N, 1]`,
//! one column each, named after the input. Outputs: a classifier is a graph
//! with a label output (from a classifier op, or a class table indexed by an
//! `ArgMax`) and a float output of one score per class (probabilities, ZipMap
//! or not), which become the artifact's `class` and `proba`; a regressor has
//! one float output of width 1, its `prediction`. Anything else, and any
//! operator or attribute value not listed in `docs/interop.md`, is refused,
//! naming the node.

mod ml;
mod std_ops;
mod svm;
mod tensor;
mod trees;

use super::proto::{tensor_proto::DataType, type_proto, ModelProto, NodeProto, ValueInfoProto};
use crate::error::{malformed, unsupported, ImportError};
use mlg_compiler::ir::{CompareOp, Graph, GraphBuilder, InputSlot, NodeId, Op, SlotKind, VerifyError};
use prost::Message;
use std::collections::{HashMap, HashSet};
use tensor::{Attrs, Data, Tensor, FORMAT};

/// A value flowing between ONNX nodes.
#[derive(Clone, Debug)]
enum Value {
    /// A per-row tensor `[N, w]`: the IR node computing it.
    Row(NodeId),
    /// A constant tensor.
    Const(Tensor),
    /// A per-row class label: the node giving its index into `classes`.
    Label { index: NodeId, classes: Vec<String> },
}

/// An ONNX model lowered to the IR.
#[derive(Debug)]
pub struct Imported {
    /// The graph: `class` and `proba` outputs, or `prediction`.
    pub graph: Graph,
    /// The class labels of a classifier; empty for a regressor.
    pub classes: Vec<String>,
    /// The producer the file names (e.g. `skl2onnx 1.20.0`).
    pub producer: String,
}

/// The lowering state: the graph so far and every named value.
struct Lowering {
    pub b: GraphBuilder,
    values: HashMap<String, Value>,
    /// Nodes whose values are whole numbers (class indices).
    pub integral: HashSet<NodeId>,
}

fn ir_err(at: &str) -> impl Fn(VerifyError) -> ImportError + '_ {
    move |e| malformed(FORMAT, at, format!("does not lower to a valid graph: {e}"))
}

impl Lowering {
    /// The value named `name`, used by the node at `at`.
    pub fn value(&self, name: &str, at: &str) -> Result<&Value, ImportError> {
        self.values.get(name).ok_or_else(|| {
            malformed(
                FORMAT,
                at,
                format!("input `{name}` is not defined before it is used"),
            )
        })
    }

    /// The value of `node`'s input `i` (an error if absent).
    pub fn input(&self, node: &NodeProto, i: usize, at: &str) -> Result<Value, ImportError> {
        match node.input.get(i).filter(|s| !s.is_empty()) {
            Some(name) => self.value(name, at).cloned(),
            None => Err(malformed(FORMAT, at, format!("input {i} is missing"))),
        }
    }

    /// The value of input `i` as a node: a constant becomes a `Const` of its
    /// values (row-broadcast, so its leading dimension must be 1).
    pub fn row(&mut self, node: &NodeProto, i: usize, at: &str) -> Result<NodeId, ImportError> {
        match self.input(node, i, at)? {
            Value::Row(id) => Ok(id),
            Value::Label { .. } => Err(malformed(
                FORMAT,
                at,
                format!("input {i} is a class label, not numbers"),
            )),
            Value::Const(t) => self.constant(&t, at),
        }
    }

    /// A constant tensor as a `Const` node of its values; a 2-D one must be `[1, w]`.
    pub fn constant(&mut self, t: &Tensor, at: &str) -> Result<NodeId, ImportError> {
        if t.dims.len() > 2 || (t.dims.len() == 2 && t.dims[0] != 1) {
            return Err(unsupported(
                FORMAT,
                format!(
                    "{at}: a constant of shape {:?} used per row (only [w] and [1, w] broadcast)",
                    t.dims
                ),
            ));
        }
        let values: Vec<f32> = t.nums(at)?.iter().map(|&v| v as f32).collect();
        if values.is_empty() {
            return Err(malformed(FORMAT, at, "an empty constant"));
        }
        self.b.push(Op::Const { values }).map_err(ir_err(at))
    }

    /// The width of a per-row node.
    pub fn width(&self, id: NodeId) -> usize {
        self.b.width(id) as usize
    }

    /// Binds `node`'s output `i` to `value`.
    pub fn bind(&mut self, node: &NodeProto, i: usize, value: Value) {
        if let Some(name) = node.output.get(i).filter(|s| !s.is_empty()) {
            self.values.insert(name.clone(), value);
        }
    }

    /// `x op c` (`1.0` or `0.0`) against the constant `c`.
    pub fn compare_to(&mut self, op: CompareOp, x: NodeId, c: f32, at: &str) -> Result<NodeId, ImportError> {
        let c = self.push(Op::Const { values: vec![c] }, at)?;
        self.push(Op::Compare { op, a: x, b: c }, at)
    }

    /// Appends `op`.
    pub fn push(&mut self, op: Op, at: &str) -> Result<NodeId, ImportError> {
        self.b.push(op).map_err(ir_err(at))
    }
}

/// The static shape of a graph input: element type and dimensions (`None`
/// for a symbolic one).
fn input_shape(v: &ValueInfoProto) -> Result<(i32, Vec<Option<i64>>), ImportError> {
    let name = v.name.clone().unwrap_or_default();
    let at = format!("graph input `{name}`");
    let Some(type_proto::Value::TensorType(t)) = v.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(unsupported(
            FORMAT,
            format!("{at}: an input that is not a tensor"),
        ));
    };
    let dims = t
        .shape
        .as_ref()
        .ok_or_else(|| malformed(FORMAT, &at, "no shape"))?
        .dim
        .iter()
        .map(|d| match d.value {
            Some(crate::onnx::proto::tensor_shape_proto::dimension::Value::DimValue(v)) => Some(v),
            _ => None,
        })
        .collect();
    Ok((t.elem_type.unwrap_or(0), dims))
}

/// Reads the serialized ONNX model `bytes`; `columns` renames the input
/// columns (one name per column, in order).
pub fn import(bytes: &[u8], columns: Option<&[String]>) -> Result<Imported, ImportError> {
    let model = ModelProto::decode(bytes)
        .map_err(|e| malformed(FORMAT, "the file", format!("not an ONNX protobuf: {e}")))?;
    for set in &model.opset_import {
        let domain = set.domain.as_deref().unwrap_or("");
        if !matches!(domain, "" | "ai.onnx" | "ai.onnx.ml") {
            return Err(unsupported(FORMAT, format!("operators of the domain `{domain}`")));
        }
    }
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| malformed(FORMAT, "the file", "no graph"))?;
    let initialized: HashMap<&str, usize> = graph
        .initializer
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.name.as_deref().map(|n| (n, i)))
        .collect();
    if !graph.sparse_initializer.is_empty() {
        return Err(unsupported(FORMAT, "sparse initializers"));
    }
    // Inputs that are initializers are constants (ONNX IR < 4 lists them).
    let inputs: Vec<&ValueInfoProto> = graph
        .input
        .iter()
        .filter(|v| !initialized.contains_key(v.name.as_deref().unwrap_or("")))
        .collect();
    if inputs.is_empty() {
        return Err(malformed(FORMAT, "the graph", "no inputs"));
    }
    let mut slots = Vec::new();
    let mut bound: Vec<(String, usize, usize)> = Vec::new();
    for v in &inputs {
        let name = v.name.clone().unwrap_or_default();
        let (ty, dims) = input_shape(v)?;
        if !matches!(
            DataType::try_from(ty),
            Ok(DataType::Float | DataType::Double | DataType::Int64 | DataType::Int32)
        ) {
            return Err(unsupported(
                FORMAT,
                format!(
                    "graph input `{name}` of element type {} (numbers only)",
                    tensor::type_name(ty)
                ),
            ));
        }
        let width = match dims.as_slice() {
            [_] => 1,
            [_, Some(w)] if *w >= 1 && *w <= 1 << 20 => *w as usize,
            _ => {
                return Err(unsupported(
                    FORMAT,
                    format!("graph input `{name}` of shape {dims:?} (expected [N, d] with a fixed d)"),
                ))
            }
        };
        let first = slots.len();
        for i in 0..width {
            let column = if width == 1 && inputs.len() > 1 {
                name.clone()
            } else {
                format!("{name}_{i}")
            };
            slots.push(InputSlot {
                name: column,
                kind: SlotKind::Numeric,
            });
        }
        bound.push((name, first, width));
    }
    if let Some(columns) = columns {
        if columns.len() != slots.len() {
            return Err(ImportError::Columns(format!(
                "--columns names {} columns, but the ONNX model takes {}",
                columns.len(),
                slots.len()
            )));
        }
        for (slot, name) in slots.iter_mut().zip(columns) {
            slot.name.clone_from(name);
        }
    }
    let name = graph.name.clone().unwrap_or_else(|| "onnx".into());
    let mut low = Lowering {
        b: GraphBuilder::new(name, slots),
        values: HashMap::new(),
        integral: HashSet::new(),
    };
    for t in &graph.initializer {
        let n = t.name.clone().unwrap_or_default();
        let value = tensor::tensor(t, &format!("initializer `{n}`"))?;
        low.values.insert(n, Value::Const(value));
    }
    for (name, first, width) in &bound {
        let parts = (*first..first + width)
            .map(|s| low.b.input(s as u32))
            .collect::<Result<Vec<_>, _>>()
            .map_err(ir_err("the inputs"))?;
        let id = if parts.len() == 1 {
            parts[0]
        } else {
            low.push(Op::Concat { parts }, "the inputs")?
        };
        low.values.insert(name.clone(), Value::Row(id));
    }
    for (i, node) in graph.node.iter().enumerate() {
        let op = node.op_type.as_deref().unwrap_or("");
        let at = format!(
            "node {i} `{}` ({op})",
            node.name
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or("unnamed")
        );
        let attrs = Attrs::new(node, at.clone());
        match node.domain.as_deref().unwrap_or("") {
            "" | "ai.onnx" => std_ops::lower(&mut low, node, op, &attrs)?,
            "ai.onnx.ml" => match op {
                "TreeEnsembleRegressor" | "TreeEnsembleClassifier" => {
                    trees::lower(&mut low, node, op, &attrs)?
                }
                _ => ml::lower(&mut low, node, op, &attrs)?,
            },
            other => return Err(unsupported(FORMAT, format!("{at}: the domain `{other}`"))),
        }
    }
    let outputs: Vec<String> = graph
        .output
        .iter()
        .map(|o| o.name.clone().unwrap_or_default())
        .collect();
    finish(low, &outputs, &model)
}

/// Names the graph's outputs by the artifact convention.
fn finish(mut low: Lowering, outputs: &[String], model: &ModelProto) -> Result<Imported, ImportError> {
    let mut label = None;
    let mut floats = Vec::new();
    for name in outputs {
        match low.value(name, &format!("graph output `{name}`"))?.clone() {
            Value::Label { index, classes } => {
                if label.replace((index, classes)).is_some() {
                    return Err(unsupported(FORMAT, "a graph with two label outputs"));
                }
            }
            Value::Row(id) => floats.push((name.clone(), id)),
            Value::Const(_) => {
                return Err(unsupported(
                    FORMAT,
                    format!("graph output `{name}` is a constant"),
                ))
            }
        }
    }
    let classes = match label {
        Some((index, classes)) => {
            let n = classes.len();
            let (_, proba) = floats.iter().find(|(_, id)| low.width(*id) == n).ok_or_else(|| {
                unsupported(
                    FORMAT,
                    format!("a classifier with no output of one score per class ({n} classes)"),
                )
            })?;
            let proba = *proba;
            low.b.output("class", index);
            low.b.output("proba", proba);
            classes
        }
        None => {
            let [(name, id)] = floats.as_slice() else {
                return Err(unsupported(
                    FORMAT,
                    format!(
                        "a graph with {} numeric outputs and no label (a regressor has one)",
                        floats.len()
                    ),
                ));
            };
            if low.width(*id) != 1 {
                return Err(unsupported(
                    FORMAT,
                    format!(
                        "graph output `{name}` of width {} (a regressor predicts one value)",
                        low.width(*id)
                    ),
                ));
            }
            low.b.output("prediction", *id);
            Vec::new()
        }
    };
    let graph = low.b.finish().map_err(ir_err("the graph"))?;
    let producer = format!(
        "{} {}",
        model.producer_name.as_deref().unwrap_or("an unnamed producer"),
        model.producer_version.as_deref().unwrap_or("")
    )
    .trim()
    .to_string();
    Ok(Imported {
        graph,
        classes,
        producer,
    })
}

/// Class labels from a `classlabels_ints` / `classlabels_strings` pair.
fn class_labels(attrs: &Attrs, ints: &str, strings: &str) -> Vec<String> {
    let s = attrs.strings(strings);
    if s.is_empty() {
        attrs.ints(ints).iter().map(ToString::to_string).collect()
    } else {
        s
    }
}

/// A constant's values as class names (a table indexed by a label).
fn names(t: &Tensor) -> Vec<String> {
    match &t.data {
        Data::Str(s) => s.clone(),
        Data::Num(v) => v.iter().map(|x| format!("{x}")).collect(),
    }
}
