//! An inference graph as an ONNX model (opset 17, and `ai.onnx.ml` 3 for tree
//! ensembles): one ONNX subgraph per IR op, so every model family mlg
//! lowers, preprocessing included, exports, and an op without an exact ONNX
//! form stops the export naming the node.
//!
//! The model takes one input, `input`: a `float` tensor `[N, d]` holding
//! the artifact's input row (its row ABI: numbers as they are, a categorical
//! column as its level code, NaN for missing). It gives one `float` output
//! `[N, w]` per graph output, under the output's name: `class` (the class
//! code) and `proba` for classifiers, `prediction` for regressors. Each IR
//! value is a tensor `[N, width]` (constants `[1, width]`, broadcast).
//!
//! Op by op, with the IR's own rules kept: `FillNan` and an affine layer's
//! `missing` substitution are `Where(IsNaN(x), v, x)`; `Min`/`Max` are
//! `Where(Less(b, a), b, a)` (NaN in `b` ignored, as in the IR); `Argmax`
//! skips NaN (it becomes `-inf` first); `Select` tests `cond != 0`, so NaN
//! picks `a`; `Bucketize` counts edges `<= x` with NaN kept; `Lookup`
//! gathers only at whole indices in range, and gives the default elsewhere;
//! `Trees` (and dequantized `QuantTrees`) become `TreeEnsembleRegressor`
//! with `BRANCH_LEQ` nodes and each split's NaN direction in
//! `nodes_missing_value_tracks_true`. Differences: an affine layer sums
//! every term (the IR skips zero weights, so a NaN input the IR would ignore
//! makes the ONNX output NaN), a quantized layer is exported with its
//! dequantized weights, and `Log1p` is `Log(1 + x)`. Refused: `KnnImpute`
//! and `Int8Affine` (an int8-computed layer), which have no ONNX form that
//! gives the same values.

use super::proto::{
    attribute_proto::AttributeType, tensor_proto::DataType, tensor_shape_proto, type_proto, AttributeProto,
    GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto, TensorProto,
    TensorShapeProto, TypeProto, ValueInfoProto,
};
use mlg_compiler::ir::{BinaryOp, CompareOp, Forest, Graph, NodeId, Op, UnaryFn};
use prost::Message;
use thiserror::Error;

/// Why a graph cannot be exported.
#[derive(Debug, Error)]
pub enum ExportError {
    /// An op with no ONNX form that computes the same.
    #[error("node {node} (`{op}`) has no ONNX form: {why}")]
    Unsupported {
        /// The node's index in the graph.
        node: usize,
        /// The op's name.
        op: &'static str,
        /// Why.
        why: &'static str,
    },
}

/// The ONNX opset of the default domain.
pub const OPSET: i64 = 17;
/// The `ai.onnx.ml` opset (tree ensembles).
pub const ML_OPSET: i64 = 3;
pub(super) const ML: &str = "ai.onnx.ml";
const INPUT: &str = "input";

/// How tree ensembles are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TreeForm {
    /// Standard ONNX ops (`trees_gemm.rs`): every runtime runs them.
    #[default]
    Standard,
    /// `ai.onnx.ml` `TreeEnsembleRegressor`: smaller and faster in ONNX
    /// Runtime, but not every runtime has it (tract does not).
    Ml,
}

/// `artifact`'s graph as a serialized ONNX model named after it, its
/// metadata naming the input columns in order (a categorical column with
/// its levels, whose codes the input takes: `name=a|b|c`; a date column as
/// `name@hours`, the input taking whole hours since 1970-01-01T00:00 UTC), the task, the
/// classes and the target (`mlg.columns`, `mlg.task`, `mlg.classes`,
/// `mlg.target`).
pub fn export_artifact(artifact: &mlg_runtime::Artifact, trees: TreeForm) -> Result<Vec<u8>, ExportError> {
    let columns: Vec<String> = artifact
        .graph
        .inputs
        .iter()
        .map(|s| match &s.kind {
            mlg_compiler::ir::SlotKind::Numeric => s.name.clone(),
            mlg_compiler::ir::SlotKind::Categorical { levels } => format!("{}={}", s.name, levels.join("|")),
            mlg_compiler::ir::SlotKind::Date => format!("{}@hours", s.name),
        })
        .collect();
    let metadata = vec![
        ("mlg.columns".to_string(), columns.join(",")),
        ("mlg.task".to_string(), artifact.task.clone()),
        ("mlg.classes".to_string(), artifact.classes.join(",")),
        ("mlg.target".to_string(), artifact.target.clone()),
    ];
    export(&artifact.graph, &artifact.name, &metadata, trees)
}

/// `graph` as a serialized ONNX model named `name`, with `metadata` (key,
/// value) pairs (e.g. the input columns and classes), trees written in
/// `trees` form.
pub fn export(
    graph: &Graph,
    name: &str,
    metadata: &[(String, String)],
    trees: TreeForm,
) -> Result<Vec<u8>, ExportError> {
    let mut b = Builder {
        tree_form: trees,
        ..Builder::default()
    };
    let mut values: Vec<String> = Vec::with_capacity(graph.nodes.len());
    for (i, node) in graph.nodes.iter().enumerate() {
        let v = |id: NodeId| values[id.index()].clone();
        let out = match &node.op {
            Op::Input { slot } => {
                let index = b.ints(&[i64::from(*slot)], &[1]);
                b.op("Gather", &[INPUT, &index], vec![attr_i("axis", 1)])
            }
            Op::Const { values: c } => b.floats(c, &[1, c.len() as i64]),
            Op::Concat { parts } => {
                let parts: Vec<String> = parts.iter().map(|&p| v(p)).collect();
                let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
                b.op("Concat", &refs, vec![attr_i("axis", 1)])
            }
            Op::FillNan { x, values: fill } => b.fill_nan(&v(*x), fill),
            Op::Scale { x, mul, add } => {
                let m = b.floats(mul, &[1, mul.len() as i64]);
                let a = b.floats(add, &[1, add.len() as i64]);
                let scaled = b.op("Mul", &[&v(*x), &m], vec![]);
                b.op("Add", &[&scaled, &a], vec![])
            }
            Op::OneHot { x, codes } => {
                let c = b.floats(codes, &[1, codes.len() as i64]);
                let eq = b.op("Equal", &[&v(*x), &c], vec![]);
                b.cast(&eq)
            }
            Op::Affine {
                x,
                weights,
                bias,
                missing,
            } => b.affine(&v(*x), weights, bias, missing),
            Op::QuantAffine {
                x,
                weights,
                scales,
                bias,
                missing,
            } => {
                let n_in = weights.len() / scales.len().max(1);
                let w: Vec<f32> = weights
                    .iter()
                    .enumerate()
                    .map(|(k, &q)| f32::from(q) * scales[k / n_in.max(1)])
                    .collect();
                b.affine(&v(*x), &w, bias, missing)
            }
            Op::Unary { func, x } => {
                let x = v(*x);
                match func {
                    UnaryFn::Sigmoid => b.op("Sigmoid", &[&x], vec![]),
                    UnaryFn::Exp => b.op("Exp", &[&x], vec![]),
                    UnaryFn::Neg => b.op("Neg", &[&x], vec![]),
                    UnaryFn::Abs => b.op("Abs", &[&x], vec![]),
                    UnaryFn::Log => b.op("Log", &[&x], vec![]),
                    UnaryFn::Sqrt => b.op("Sqrt", &[&x], vec![]),
                    UnaryFn::Floor => b.op("Floor", &[&x], vec![]),
                    UnaryFn::Log1p => {
                        let one = b.floats(&[1.0], &[1, 1]);
                        let sum = b.op("Add", &[&x, &one], vec![]);
                        b.op("Log", &[&sum], vec![])
                    }
                }
            }
            Op::Binary { op, a, b: rhs } => {
                let (a, r) = (v(*a), v(*rhs));
                match op {
                    BinaryOp::Add => b.op("Add", &[&a, &r], vec![]),
                    BinaryOp::Sub => b.op("Sub", &[&a, &r], vec![]),
                    BinaryOp::Mul => b.op("Mul", &[&a, &r], vec![]),
                    BinaryOp::Div => b.op("Div", &[&a, &r], vec![]),
                    BinaryOp::Min | BinaryOp::Max => {
                        let cmp = if *op == BinaryOp::Min { "Less" } else { "Greater" };
                        let take = b.op(cmp, &[&r, &a], vec![]);
                        b.op("Where", &[&take, &r, &a], vec![])
                    }
                    BinaryOp::Pow => {
                        // The IR's power is NaN for a negative (or NaN) base.
                        let zero = b.floats(&[0.0], &[1, 1]);
                        let ok = b.op("GreaterOrEqual", &[&a, &zero], vec![]);
                        let p = b.op("Pow", &[&a, &r], vec![]);
                        let nan = b.floats(&[f32::NAN], &[1, 1]);
                        b.op("Where", &[&ok, &p, &nan], vec![])
                    }
                }
            }
            Op::Softmax { x } => b.op("Softmax", &[&v(*x)], vec![attr_i("axis", 1)]),
            Op::Argmax { x } => {
                let x = v(*x);
                let isnan = b.op("IsNaN", &[&x], vec![]);
                let low = b.floats(&[f32::NEG_INFINITY], &[1, 1]);
                let clean = b.op("Where", &[&isnan, &low, &x], vec![]);
                let arg = b.op(
                    "ArgMax",
                    &[&clean],
                    vec![attr_i("axis", 1), attr_i("keepdims", 1)],
                );
                b.cast(&arg)
            }
            Op::Compare { op, a, b: rhs } => {
                let (a, r) = (v(*a), v(*rhs));
                let test = match op {
                    CompareOp::Lt => b.op("Less", &[&a, &r], vec![]),
                    CompareOp::Le => b.op("LessOrEqual", &[&a, &r], vec![]),
                    CompareOp::Gt => b.op("Greater", &[&a, &r], vec![]),
                    CompareOp::Ge => b.op("GreaterOrEqual", &[&a, &r], vec![]),
                    CompareOp::Eq => b.op("Equal", &[&a, &r], vec![]),
                    CompareOp::Ne => {
                        let eq = b.op("Equal", &[&a, &r], vec![]);
                        b.op("Not", &[&eq], vec![])
                    }
                };
                b.cast(&test)
            }
            Op::Select { cond, a, b: other } => {
                let zero = b.floats(&[0.0], &[1, 1]);
                let eq = b.op("Equal", &[&v(*cond), &zero], vec![]);
                let holds = b.op("Not", &[&eq], vec![]);
                b.op("Where", &[&holds, &v(*a), &v(*other)], vec![])
            }
            Op::Bucketize { x, edges } => b.bucketize(&v(*x), edges),
            Op::Lookup { x, table, default } => b.lookup(&v(*x), table, *default),
            Op::Trees { x, forest, .. } => b.forest(&v(*x), forest).ok_or(too_big(i))?,
            Op::QuantTrees { x, forest, .. } => b.forest(&v(*x), &forest.dequantize()).ok_or(too_big(i))?,
            Op::KnnImpute { .. } => {
                return Err(ExportError::Unsupported {
                    node: i,
                    op: "knn_impute",
                    why: "nearest-neighbour imputation has no ONNX operator",
                })
            }
            Op::Int8Affine { .. } => return Err(ExportError::Unsupported {
                node: i,
                op: "i8affine",
                why:
                    "a layer computed in int8 (quantize with activations): export the model before that step",
            }),
        };
        values.push(out);
    }
    // Every output as [N, width], constant ones broadcast to the rows.
    let shape = b.op("Shape", &[INPUT], vec![]);
    let (start, end) = (b.ints(&[0], &[1]), b.ints(&[1], &[1]));
    let rows = b.op("Slice", &[&shape, &start, &end], vec![]);
    let mut outputs = Vec::with_capacity(graph.outputs.len());
    for o in &graph.outputs {
        let width = i64::from(graph.node(o.node).width);
        let w = b.ints(&[width], &[1]);
        let target = b.op("Concat", &[&rows, &w], vec![attr_i("axis", 0)]);
        b.nodes.push(NodeProto {
            input: vec![values[o.node.index()].clone(), target],
            output: vec![o.name.clone()],
            name: Some(format!("output_{}", o.name)),
            op_type: Some("Expand".into()),
            ..Default::default()
        });
        outputs.push(value_info(&o.name, width));
    }
    let mut opsets = vec![OperatorSetIdProto {
        domain: Some(String::new()),
        version: Some(OPSET),
    }];
    if b.ml {
        opsets.push(OperatorSetIdProto {
            domain: Some(ML.into()),
            version: Some(ML_OPSET),
        });
    }
    let model = ModelProto {
        ir_version: Some(8),
        opset_import: opsets,
        producer_name: Some("mlg".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        graph: Some(GraphProto {
            node: b.nodes,
            name: Some(name.into()),
            initializer: b.inits,
            input: vec![value_info(INPUT, graph.inputs.len() as i64)],
            output: outputs,
            ..Default::default()
        }),
        metadata_props: metadata
            .iter()
            .map(|(k, v)| StringStringEntryProto {
                key: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect(),
        ..Default::default()
    };
    Ok(model.encode_to_vec())
}

/// The error of a tree ensemble too large for the standard-op form.
fn too_big(node: usize) -> ExportError {
    ExportError::Unsupported {
        node,
        op: "trees",
        why: "the ensemble is too large for standard ONNX ops: export it with the ai.onnx.ml \
              TreeEnsembleRegressor instead (`--tree-ensemble`)",
    }
}

/// A `float` tensor `[N, width]` named `name`.
fn value_info(name: &str, width: i64) -> ValueInfoProto {
    let dim = |d: tensor_shape_proto::dimension::Value| tensor_shape_proto::Dimension {
        value: Some(d),
        ..Default::default()
    };
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto {
                    dim: vec![
                        dim(tensor_shape_proto::dimension::Value::DimParam("N".into())),
                        dim(tensor_shape_proto::dimension::Value::DimValue(width)),
                    ],
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn attr(name: &str, ty: AttributeType) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(ty as i32),
        ..Default::default()
    }
}

pub(super) fn attr_i(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        i: Some(v),
        ..attr(name, AttributeType::Int)
    }
}

pub(super) fn attr_s(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        s: Some(v.as_bytes().to_vec()),
        ..attr(name, AttributeType::String)
    }
}

pub(super) fn attr_ints(name: &str, v: Vec<i64>) -> AttributeProto {
    AttributeProto {
        ints: v,
        ..attr(name, AttributeType::Ints)
    }
}

pub(super) fn attr_floats(name: &str, v: Vec<f32>) -> AttributeProto {
    AttributeProto {
        floats: v,
        ..attr(name, AttributeType::Floats)
    }
}

pub(super) fn attr_strings(name: &str, v: Vec<&str>) -> AttributeProto {
    AttributeProto {
        strings: v.into_iter().map(|s| s.as_bytes().to_vec()).collect(),
        ..attr(name, AttributeType::Strings)
    }
}

/// The nodes and initializers written so far.
#[derive(Default)]
pub(super) struct Builder {
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    count: usize,
    /// Whether an `ai.onnx.ml` op was used.
    pub(super) ml: bool,
    /// How to write tree ensembles.
    tree_form: TreeForm,
}

impl Builder {
    fn fresh(&mut self, hint: &str) -> String {
        self.count += 1;
        format!("{hint}_{}", self.count)
    }

    /// A node of `op` (default domain) on `inputs`; its one output's name.
    pub(super) fn op(&mut self, op: &str, inputs: &[&str], attributes: Vec<AttributeProto>) -> String {
        self.op_in("", op, inputs, attributes)
    }

    pub(super) fn op_in(
        &mut self,
        domain: &str,
        op: &str,
        inputs: &[&str],
        attributes: Vec<AttributeProto>,
    ) -> String {
        let out = self.fresh(&op.to_ascii_lowercase());
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            name: Some(out.clone()),
            op_type: Some(op.into()),
            domain: Some(domain.into()),
            attribute: attributes,
            ..Default::default()
        });
        out
    }

    fn init(&mut self, ty: DataType, dims: &[i64], raw: Vec<u8>) -> String {
        let name = self.fresh("const");
        self.inits.push(TensorProto {
            dims: dims.to_vec(),
            data_type: Some(ty as i32),
            name: Some(name.clone()),
            raw_data: Some(raw),
            ..Default::default()
        });
        name
    }

    pub(super) fn floats(&mut self, v: &[f32], dims: &[i64]) -> String {
        self.init(
            DataType::Float,
            dims,
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        )
    }

    pub(super) fn ints(&mut self, v: &[i64], dims: &[i64]) -> String {
        self.init(
            DataType::Int64,
            dims,
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        )
    }

    pub(super) fn cast(&mut self, x: &str) -> String {
        self.op("Cast", &[x], vec![attr_i("to", DataType::Float as i64)])
    }

    /// `isnan(x) ? fill : x` per column.
    fn fill_nan(&mut self, x: &str, fill: &[f32]) -> String {
        let f = self.floats(fill, &[1, fill.len() as i64]);
        let isnan = self.op("IsNaN", &[x], vec![]);
        self.op("Where", &[&isnan, &f, x], vec![])
    }

    /// `bias + x' Wᵀ`, with `x'` the `missing` substitution.
    fn affine(&mut self, x: &str, weights: &[f32], bias: &[f32], missing: &[f32]) -> String {
        let (n_out, n_in) = (bias.len(), weights.len() / bias.len().max(1));
        let x = if missing.iter().any(|m| !m.is_nan()) {
            // NaN in `missing` keeps the NaN: Where(IsNaN(x), missing, x) does.
            self.fill_nan(x, missing)
        } else {
            x.to_string()
        };
        let mut wt = vec![0.0f32; n_in * n_out];
        for r in 0..n_out {
            for j in 0..n_in {
                wt[j * n_out + r] = weights[r * n_in + j];
            }
        }
        let w = self.floats(&wt, &[n_in as i64, n_out as i64]);
        let bias = self.floats(bias, &[1, n_out as i64]);
        let product = self.op("MatMul", &[&x, &w], vec![]);
        self.op("Add", &[&product, &bias], vec![])
    }

    /// The number of `edges` at or below each element; NaN stays NaN.
    fn bucketize(&mut self, x: &str, edges: &[f32]) -> String {
        let isnan = self.op("IsNaN", &[x], vec![]);
        let count = if edges.is_empty() {
            let zero = self.floats(&[0.0], &[1, 1]);
            let shape = self.op("Shape", &[x], vec![]);
            self.op("Expand", &[&zero, &shape], vec![])
        } else {
            let axes = self.ints(&[2], &[1]);
            let column = self.op("Unsqueeze", &[x, &axes], vec![]);
            let e = self.floats(edges, &[1, 1, edges.len() as i64]);
            let ge = self.op("GreaterOrEqual", &[&column, &e], vec![]);
            let ones = self.cast(&ge);
            self.op("ReduceSum", &[&ones, &axes], vec![attr_i("keepdims", 0)])
        };
        self.op("Where", &[&isnan, x, &count], vec![])
    }

    /// `table[x]` at whole `x` in range, else `default`.
    fn lookup(&mut self, x: &str, table: &[f32], default: f32) -> String {
        let zero = self.floats(&[0.0], &[1, 1]);
        let len = self.floats(&[table.len() as f32], &[1, 1]);
        let floor = self.op("Floor", &[x], vec![]);
        let whole = self.op("Equal", &[&floor, x], vec![]);
        let low = self.op("GreaterOrEqual", &[x, &zero], vec![]);
        let high = self.op("Less", &[x, &len], vec![]);
        let in_range = self.op("And", &[&low, &high], vec![]);
        let valid = self.op("And", &[&whole, &in_range], vec![]);
        let safe = self.op("Where", &[&valid, x, &zero], vec![]);
        let index = self.op("Cast", &[&safe], vec![attr_i("to", DataType::Int64 as i64)]);
        let t = self.floats(table, &[table.len() as i64]);
        let got = self.op("Gather", &[&t, &index], vec![attr_i("axis", 0)]);
        let d = self.floats(&[default], &[1, 1]);
        self.op("Where", &[&valid, &got, &d], vec![])
    }

    /// `forest` over `x`, in the chosen form; `None` when it is too large
    /// for the standard form.
    fn forest(&mut self, x: &str, forest: &Forest) -> Option<String> {
        match self.tree_form {
            TreeForm::Standard => self.trees_gemm(x, forest),
            TreeForm::Ml => Some(self.trees_ml(x, forest)),
        }
    }
}
