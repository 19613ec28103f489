//! The inference IR: a typed dataflow over `f32` row values with fitted constants inlined.
//!
//! A [`Graph`] maps one input row (the row ABI: one `f32` slot per input column,
//! NaN for missing, dictionary codes for categoricals, `-1` for unseen categories)
//! to one output row (the concatenation of [`Graph::outputs`]). Every node holds a
//! vector of `width` `f32` values. Invariant: nodes are stored in topological
//! order — every operand of node `i` has an id smaller than `i`. The reference
//! interpreter ([`interp`]) defines what each op means; passes and backends must
//! agree with it.

pub mod bounds;
pub mod builder;
pub mod int8;
pub mod interp;
pub mod qtrees;
pub mod text;
pub mod trees;
pub mod verify;

use serde::{Deserialize, Serialize};

pub use builder::GraphBuilder;
pub use qtrees::{QuantForest, QuantLeaves, QuantNode};
pub use trees::{Forest, TreeNode, TreeWalk};
pub use verify::{verify, VerifyError};

/// Index of a node inside its [`Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The position of the node in [`Graph::nodes`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Elementwise unary functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnaryFn {
    /// `1 / (1 + exp(-x))`.
    Sigmoid,
    /// `exp(x)`.
    Exp,
    /// `-x`.
    Neg,
    /// `|x|`.
    Abs,
    /// `ln(x)` exactly as `f32::ln`: `ln(0) = -inf`, `ln(x < 0) = NaN`, `ln(inf) = inf`.
    Log,
    /// `ln(1 + x)` exactly as `f32::ln_1p`: `-1` gives `-inf`, below `-1` NaN.
    Log1p,
    /// `sqrt(x)` exactly as `f32::sqrt` (correctly rounded; negative gives NaN).
    Sqrt,
    /// `floor(x)` exactly as `f32::floor` (NaN and infinities unchanged).
    Floor,
}

/// Elementwise binary operators; an operand of width 1 broadcasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinaryOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b`.
    Div,
    /// `if b < a { b } else { a }`: NaN in `a` propagates, NaN in `b` is ignored.
    Min,
    /// `if b > a { b } else { a }`: NaN in `a` propagates, NaN in `b` is ignored.
    Max,
    /// `a` to the power `b`: for `a > 0`, `exp(b * ln a)` evaluated in `f64` and
    /// rounded once to `f32` (so `inf^0` and `1^inf` are NaN); for `a == 0`, `0` when
    /// `b > 0`, `1` when `b == 0`, `+inf` when `b < 0` and NaN when `b` is NaN; for
    /// `a < 0` or NaN, NaN (unlike `f32::powf`, which is defined for integral `b`).
    Pow,
}

/// IEEE comparisons for [`Op::Compare`]: every comparison involving NaN is false
/// except [`CompareOp::Ne`], which is true.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CompareOp {
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// `a == b`.
    Eq,
    /// `a != b` (true when either is NaN).
    Ne,
}

/// One operation of the inference IR. Widths are stated per variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    /// Input slot `slot` of the row (width 1).
    Input {
        /// Index into [`Graph::inputs`].
        slot: u32,
    },
    /// Constant vector (width `values.len()`).
    Const {
        /// The values, in order.
        values: Vec<f32>,
    },
    /// Concatenation of the parts in order (width = sum of part widths).
    Concat {
        /// The nodes whose values are joined, in order.
        parts: Vec<NodeId>,
    },
    /// `isnan(x[i]) ? values[i] : x[i]` (width of `x` = `values.len()`).
    FillNan {
        /// The operand.
        x: NodeId,
        /// The replacement for a NaN, per element.
        values: Vec<f32>,
    },
    /// `x[i] * mul[i] + add[i]` (width of `x` = `mul.len()` = `add.len()`).
    Scale {
        /// The operand.
        x: NodeId,
        /// The factor, per element.
        mul: Vec<f32>,
        /// The offset added after multiplying, per element.
        add: Vec<f32>,
    },
    /// One-hot encoding of a width-1 code: element `i` is `1.0` when `x == codes[i]`,
    /// else `0.0`; NaN or an unknown code gives all zeros (width `codes.len()`).
    OneHot {
        /// The width-1 category code.
        x: NodeId,
        /// The code each output element stands for.
        codes: Vec<f32>,
    },
    /// `y[r] = bias[r] + sum_j weights[r * in + j] * x'[j]` where `in` is the width of
    /// `x`, and `x'[j] = missing[j]` when `x[j]` is NaN and `missing[j]` is not NaN,
    /// else `x[j]` (`missing` empty means no substitution). Terms whose weight is
    /// exactly `0.0` (either sign) are skipped, so a pruned weight ignores even a
    /// NaN or infinite `x'[j]`. Width `bias.len()`.
    Affine {
        /// The operand, of width `in`.
        x: NodeId,
        /// Row-major `bias.len() x in` weight matrix.
        weights: Vec<f32>,
        /// The constant term, one per output.
        bias: Vec<f32>,
        /// Per-input replacement for NaN (NaN: none); empty or of width `in`.
        missing: Vec<f32>,
    },
    /// Int8-quantized [`Op::Affine`]: `y[r] = bias[r] + scales[r] * s[r]` with
    /// `s[r] = sum_j (weights[r * in + j] as f32) * x'[j]` accumulated in `f32` from
    /// `0` in increasing `j`, terms with a zero weight skipped, `x'` as in
    /// [`Op::Affine`]. `scales.len() = bias.len()`; width `bias.len()`.
    QuantAffine {
        /// The operand, of width `in`.
        x: NodeId,
        /// Row-major `bias.len() x in` quantized weights.
        weights: Vec<i8>,
        /// The dequantization factor of each weight row.
        scales: Vec<f32>,
        /// The constant term, one per output.
        bias: Vec<f32>,
        /// Per-input replacement for NaN, as in [`Op::Affine`].
        missing: Vec<f32>,
    },
    /// Elementwise function (width of `x`).
    Unary {
        /// The function applied.
        func: UnaryFn,
        /// The operand.
        x: NodeId,
    },
    /// Elementwise `a op b`; widths equal, or one of them is 1 and broadcasts.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        a: NodeId,
        /// The right operand.
        b: NodeId,
    },
    /// `exp(x[i] - max x) / sum_k exp(x[k] - max x)` (width of `x`).
    Softmax {
        /// The scores.
        x: NodeId,
    },
    /// Index of the largest element as `f32`, first one on ties; NaN elements are
    /// skipped, all-NaN gives `0` (width 1).
    Argmax {
        /// The values searched.
        x: NodeId,
    },
    /// Elementwise `a op b` as `1.0` (true) or `0.0` (false), IEEE semantics (see
    /// [`CompareOp`]); widths equal, or one of them is 1 and broadcasts.
    Compare {
        /// The comparison.
        op: CompareOp,
        /// The left operand.
        a: NodeId,
        /// The right operand.
        b: NodeId,
    },
    /// Elementwise `cond != 0.0 ? a : b` (a NaN `cond` selects `a`); the three widths
    /// are equal or 1, and width-1 operands broadcast to the largest width.
    Select {
        /// The condition; non-zero or NaN picks `a`.
        cond: NodeId,
        /// The value where the condition holds.
        a: NodeId,
        /// The value where it does not.
        b: NodeId,
    },
    /// Elementwise bucket index: the number of `edges` `e` with `e <= x[i]` as `f32`,
    /// NaN for NaN (width of `x`). `edges` are ascending, without NaN, possibly empty.
    Bucketize {
        /// The operand.
        x: NodeId,
        /// The ascending bucket edges.
        edges: Vec<f32>,
    },
    /// Table lookup of a width-1 `x`: `table[x]` when `x` is an integer in
    /// `0..table.len()` (`-0.0` counts as `0`), else `default` (NaN, negative,
    /// fractional or too large). Width 1.
    Lookup {
        /// The width-1 index.
        x: NodeId,
        /// The value for each index in `0..table.len()`.
        table: Vec<f32>,
        /// The value for any other `x`.
        default: f32,
    },
    /// k-nearest-neighbour imputation (scikit-learn's `KNNImputer` with uniform
    /// weights and the `nan_euclidean` metric) of a width-`d` `x` against `n`
    /// training rows stored row-major in `train` (`n * d` values, NaN = missing,
    /// `n >= 1`), `k >= 1`. Width `d`. A row without NaN passes through; otherwise
    /// each NaN `x[j]` becomes the mean of column `j` over the `k` training rows
    /// nearest to `x` among those with column `j` present and a finite distance
    /// (ties: lower row index first; fewer candidates: all of them), or the
    /// training mean of column `j` when there is no candidate (NaN when column `j`
    /// is never present). Arithmetic: see [`interp::knn_impute`].
    KnnImpute {
        /// The row to complete, of width `d`.
        x: NodeId,
        /// The training rows, row-major, `n * d` values.
        train: Vec<f32>,
        /// How many neighbours are averaged.
        k: u32,
    },
    /// A sum of decision trees over the width-`d` `x` (a tree, a forest or a
    /// boosted ensemble): `base` plus, tree by tree in order, the leaf each tree
    /// sends the row to, accumulated in `f32` (see [`Forest::eval`]). Width
    /// `forest.base.len()`. `walk` only says how backends evaluate it.
    Trees {
        /// The features the trees split on.
        x: NodeId,
        /// The trees, their leaves and the base score.
        forest: Box<Forest>,
        /// How backends walk the trees; does not change the result.
        walk: TreeWalk,
    },
    /// A dense layer computed in integers (int8 weights, 8-bit activations,
    /// `i32` sums). With `x'` as in [`Op::Affine`] and `used` the inputs with
    /// a nonzero weight in some row:
    /// - activation scale `a` and zero point `z`: `activations` when given
    ///   (calibrated); otherwise from the row's `lo = min(0, min x'[used])`
    ///   and `hi = max(0, max x'[used])` (NaN never compares), `a = (hi - lo)
    ///   / 255`, `z = clamp(round(-lo * inv), 0, 255)` with `inv = 255 / (hi
    ///   - lo)`, and `a = inv = z = 0` when `hi - lo` is not positive;
    /// - `u[j] = clamp(round(x'[j] * inv) + z, 0, 255)` (`inv = 1 / a` when
    ///   calibrated; round half to even; through a saturating `i32`, NaN to
    ///   0), for used `j`;
    /// - `acc[r] = sum_j weights[r * in + j] * (u[j] - z)` in `i32`, exact;
    /// - `y[r] = (bias[r] + scales[r] * (a * (acc[r] as f32))) + flag`,
    ///   where `flag = sum_j x'[used j] * 0` from `+0` is NaN when a used
    ///   input is NaN or infinite and `+0` otherwise.
    ///
    /// `in <= 65536` (so `acc` cannot overflow); `scales.len() = bias.len()`;
    /// width `bias.len()`. Arithmetic: see [`int8::int8_affine`].
    Int8Affine {
        /// The operand, of width `in`.
        x: NodeId,
        /// Row-major `bias.len() x in` quantized weights.
        weights: Vec<i8>,
        /// The dequantization factor of each weight row.
        scales: Vec<f32>,
        /// The constant term, one per output.
        bias: Vec<f32>,
        /// Per-input replacement for NaN, as in [`Op::Affine`].
        missing: Vec<f32>,
        /// The calibrated activation quantization (static), or `None` to
        /// compute it from every row (dynamic).
        activations: Option<ActQuant>,
    },
    /// [`Op::Trees`] with quantized tables: each split compares the bin of
    /// its feature (the number of that feature's edges below the value, NaN
    /// by `missing_left`) with a `u16` bin index, and leaf values are `f16`
    /// or `i8` with one scale per tree (see [`QuantForest::eval`]). Width
    /// `forest.base.len()`; `walk` only says how backends evaluate it.
    QuantTrees {
        /// The features the trees split on.
        x: NodeId,
        /// The quantized trees, their edges, leaves and base score.
        forest: Box<QuantForest>,
        /// How backends walk the trees; does not change the result.
        walk: TreeWalk,
    },
}

/// The quantization of a layer's input: `u = clamp(round(x / scale) + zero,
/// 0, 255)` stands for `(u - zero) * scale`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActQuant {
    /// The value of one step; finite and positive.
    pub scale: f32,
    /// The step that stands for `0`.
    pub zero: u8,
}

/// The most inputs an [`Op::Int8Affine`] takes: `255 * 128 * 65536 < 2^31`,
/// so its `i32` sums cannot overflow.
pub const INT8_MAX_INPUTS: usize = 65_536;

impl Op {
    /// The operands of this op, in order.
    pub fn operands(&self) -> Vec<NodeId> {
        match self {
            Op::Input { .. } | Op::Const { .. } => Vec::new(),
            Op::Concat { parts } => parts.clone(),
            Op::FillNan { x, .. }
            | Op::Scale { x, .. }
            | Op::OneHot { x, .. }
            | Op::Affine { x, .. }
            | Op::QuantAffine { x, .. }
            | Op::Int8Affine { x, .. }
            | Op::Unary { x, .. }
            | Op::Softmax { x }
            | Op::Argmax { x }
            | Op::Bucketize { x, .. }
            | Op::Lookup { x, .. }
            | Op::KnnImpute { x, .. }
            | Op::Trees { x, .. }
            | Op::QuantTrees { x, .. } => vec![*x],
            Op::Binary { a, b, .. } | Op::Compare { a, b, .. } => vec![*a, *b],
            Op::Select { cond, a, b } => vec![*cond, *a, *b],
        }
    }

    /// Rewrites every operand through `f` (used by passes that renumber nodes).
    pub fn map_operands(&self, mut f: impl FnMut(NodeId) -> NodeId) -> Op {
        let mut op = self.clone();
        match &mut op {
            Op::Input { .. } | Op::Const { .. } => {}
            Op::Concat { parts } => parts.iter_mut().for_each(|p| *p = f(*p)),
            Op::FillNan { x, .. }
            | Op::Scale { x, .. }
            | Op::OneHot { x, .. }
            | Op::Affine { x, .. }
            | Op::QuantAffine { x, .. }
            | Op::Int8Affine { x, .. }
            | Op::Unary { x, .. }
            | Op::Softmax { x }
            | Op::Argmax { x }
            | Op::Bucketize { x, .. }
            | Op::Lookup { x, .. }
            | Op::KnnImpute { x, .. }
            | Op::Trees { x, .. }
            | Op::QuantTrees { x, .. } => *x = f(*x),
            Op::Binary { a, b, .. } | Op::Compare { a, b, .. } => {
                *a = f(*a);
                *b = f(*b);
            }
            Op::Select { cond, a, b } => {
                *cond = f(*cond);
                *a = f(*a);
                *b = f(*b);
            }
        }
        op
    }

    /// Short lowercase name used by the text form.
    pub fn mnemonic(&self) -> &'static str {
        match self {
            Op::Input { .. } => "input",
            Op::Const { .. } => "const",
            Op::Concat { .. } => "concat",
            Op::FillNan { .. } => "fill_nan",
            Op::Scale { .. } => "scale",
            Op::OneHot { .. } => "one_hot",
            Op::Affine { .. } => "affine",
            Op::QuantAffine { .. } => "qaffine",
            Op::Int8Affine { .. } => "i8affine",
            Op::Unary { .. } => "unary",
            Op::Binary { .. } => "binary",
            Op::Softmax { .. } => "softmax",
            Op::Argmax { .. } => "argmax",
            Op::Compare { .. } => "compare",
            Op::Select { .. } => "select",
            Op::Bucketize { .. } => "bucketize",
            Op::Lookup { .. } => "lookup",
            Op::KnnImpute { .. } => "knn_impute",
            Op::Trees { .. } => "trees",
            Op::QuantTrees { .. } => "qtrees",
        }
    }
}

/// A node: its op and the number of `f32` values it produces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// What the node computes; its operands come earlier in [`Graph::nodes`].
    pub op: Op,
    /// The number of values it produces, as its op's width rule says.
    pub width: u32,
}

/// What an input slot carries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SlotKind {
    /// A number; NaN when missing.
    Numeric,
    /// A category code into `levels`; NaN when missing, `-1` when unseen.
    Categorical {
        /// The category names; code `i` is `levels[i]`.
        levels: Vec<String>,
    },
    /// A date or time given as ISO-8601 text (`2024-03-01`,
    /// `2024-03-01T13:45:00Z`), carried as the number of whole hours since
    /// 1970-01-01T00:00 UTC (minutes and seconds dropped; an offset applied
    /// first); NaN when missing.
    Date,
}

/// One slot of the input row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputSlot {
    /// The column the slot is read from.
    pub name: String,
    /// How the column's values are encoded in the slot.
    pub kind: SlotKind,
}

/// One named output; the output row is the concatenation of all outputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The output's name (e.g. `class`, `proba`).
    pub name: String,
    /// The node whose values it is.
    pub node: NodeId,
}

/// A fitted inference graph from one input row to one output row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    /// The graph's name (the model it was lowered from).
    pub name: String,
    /// The input row's slots, in order.
    pub inputs: Vec<InputSlot>,
    /// The nodes in topological order: operands before their users.
    pub nodes: Vec<Node>,
    /// The named outputs, in output-row order.
    pub outputs: Vec<Output>,
}

impl Graph {
    /// The node with id `id`.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Number of `f32` slots in one input row.
    pub fn n_inputs(&self) -> usize {
        self.inputs.len()
    }

    /// Number of `f32` slots in one output row.
    pub fn n_outputs(&self) -> usize {
        self.outputs
            .iter()
            .map(|o| self.node(o.node).width as usize)
            .sum()
    }

    /// Number of consumers of each node (outputs count as consumers).
    pub fn use_counts(&self) -> Vec<usize> {
        let mut uses = vec![0usize; self.nodes.len()];
        for node in &self.nodes {
            for operand in node.op.operands() {
                uses[operand.index()] += 1;
            }
        }
        for out in &self.outputs {
            uses[out.node.index()] += 1;
        }
        uses
    }
}
