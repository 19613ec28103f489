//! CUDA C source generation: one kernel per verified inference graph.
//!
//! The kernel is
//! `extern "C" __global__ void mlg_rows(const float* in, unsigned long long n_rows, unsigned long long stride, float* out)`:
//! one thread per row (grid-stride loop), every op inline as scalar `float`
//! locals in node order, following [`crate::ir::interp`] operation for operation:
//!
//! - `+ - * /` are single IEEE `f32` operations in the interpreter's order, which
//!   holds only when NVRTC is told `--fmad=false` (no contraction into FMA),
//!   `--prec-div=true`, `--prec-sqrt=true` and `--ftz=false` ([`NVRTC_OPTIONS`]).
//! - `exp`, `ln`, `ln_1p` and `pow` are evaluated in `f64` and rounded once to
//!   `f32` (like the Cranelift backend), so they match a correctly rounded `f32`
//!   function except next to a rounding boundary.
//! - Comparisons, `select`, `bucketize`, `lookup` and trees are exact.
//! - Constants are printed exactly: short decimals when the decimal is the exact
//!   value, hexadecimal floats otherwise, bit patterns for infinities and NaN;
//!   tables (large affine weights, tree nodes and leaves, long edge lists and
//!   lookup tables) are `static __device__ const unsigned int` arrays of `f32`
//!   bit patterns read with `__uint_as_float`; int8 weights are `signed char`
//!   arrays. Zero affine weights are skipped, as in the interpreter.
//! - `Op::Trees` walks its node table in a loop exactly like
//!   [`crate::ir::Forest::eval`] whatever its `walk` says; `Op::KnnImpute` is
//!   refused with [`CudaError::Unsupported`].

mod layers;
mod lit;

use super::error::CudaError;
use crate::ir::{verify, BinaryOp, CompareOp, Graph, NodeId, Op, UnaryFn};
use layers::Weights;
pub use lit::lit;
use lit::{at, comment_safe};

/// The kernel's name in the generated source.
pub const KERNEL_NAME: &str = "mlg_rows";

/// The NVRTC options the generated source is written for: IEEE `f32` arithmetic
/// without FMA contraction, so every `*` and `+` rounds like the interpreter.
pub const NVRTC_OPTIONS: [&str; 5] = [
    "--std=c++17",
    "--fmad=false",
    "--prec-div=true",
    "--prec-sqrt=true",
    "--ftz=false",
];

/// Affine maps with more weights than this read them from a table in a loop
/// instead of spelling every product out.
const INLINE_AFFINE_WEIGHTS: usize = 256;
/// Bucketize edge lists and lookup tables longer than this go to a table.
const INLINE_TABLE: usize = 16;
/// Tree ensembles wider than this accumulate into a local array in a loop.
const INLINE_TREE_WIDTH: usize = 16;

/// Helpers shared by every kernel (all inlined by NVRTC).
const PRELUDE: &str = r#"#define MLG_NAN __uint_as_float(0x7fc00000u)
#define MLG_INF __uint_as_float(0x7f800000u)

/* exp, ln, ln_1p in f64, rounded once to f32. */
static __device__ __forceinline__ float mlg_exp(float x) { return (float)exp((double)x); }
static __device__ __forceinline__ float mlg_log(float x) { return (float)log((double)x); }
static __device__ __forceinline__ float mlg_log1p(float x) { return (float)log1p((double)x); }
/* 1 / (1 + exp(-x)) in f32, in that order. */
static __device__ __forceinline__ float mlg_sigmoid(float x) { return 1.0f / (1.0f + mlg_exp(-x)); }
/* NaN in a propagates, NaN in b is ignored. */
static __device__ __forceinline__ float mlg_min(float a, float b) { return b < a ? b : a; }
static __device__ __forceinline__ float mlg_max(float a, float b) { return b > a ? b : a; }
/* An integral t through a saturating conversion to int (NaN: 0), clamped to
   0..255: the int8 layer's input byte and zero point. */
static __device__ __forceinline__ int mlg_byte(float t) {
  if (isnan(t) || t <= 0.0f) return 0;
  if (t >= 255.0f) return 255;
  return (int)t;
}
/* exp(b ln a) in f64 for a > 0; the interpreter's rules for a == 0, a < 0 and NaN. */
static __device__ __forceinline__ float mlg_pow(float a, float b) {
  if (a > 0.0f) return (float)exp((double)b * log((double)a));
  if (a == 0.0f) {
    if (b > 0.0f) return 0.0f;
    if (b == 0.0f) return 1.0f;
    if (b < 0.0f) return MLG_INF;
  }
  return MLG_NAN;
}
/* The number of ascending edges <= x, NaN for NaN. */
static __device__ __forceinline__ float mlg_bucketize(float x, const unsigned int* edges, unsigned int n) {
  if (isnan(x)) return MLG_NAN;
  unsigned int c = 0u;
  for (unsigned int i = 0u; i < n; ++i) c += __uint_as_float(edges[i]) <= x ? 1u : 0u;
  return (float)c;
}
/* table[x] for an integral x in 0..n (-0 counts as 0), else dflt. */
static __device__ __forceinline__ float mlg_lookup(float x, const unsigned int* table, unsigned int n, float n_f, float dflt) {
  if (x >= 0.0f && truncf(x) == x && x < n_f) return __uint_as_float(table[(unsigned int)x]);
  return dflt;
}
/* The leaf offset one tree sends x to. Node i is 4 words: feature (bit 31 set:
   NaN goes left; all ones: a leaf), threshold bits, left (a leaf: its value
   offset), right. */
static __device__ __forceinline__ unsigned int mlg_leaf(const unsigned int* nodes, unsigned int i, const float* x) {
  unsigned int f = nodes[4u * i];
  while (f != 0xffffffffu) {
    const float v = x[f & 0x7fffffffu];
    const bool left = v <= __uint_as_float(nodes[4u * i + 1u]) || (isnan(v) && (f >> 31) != 0u);
    i = left ? nodes[4u * i + 2u] : nodes[4u * i + 3u];
    f = nodes[4u * i];
  }
  return nodes[4u * i + 2u];
}
"#;

/// Generates the CUDA C source of the `mlg_rows` kernel for `graph`.
///
/// Fails when the graph does not verify or holds an op the kernel cannot
/// express ([`Op::KnnImpute`]); the result is deterministic, so it is also the
/// text that `explain`-style snapshots show.
pub fn kernel_source(graph: &Graph) -> Result<String, CudaError> {
    verify(graph)?;
    let mut gen = Gen {
        graph,
        tables: String::new(),
        body: String::new(),
        vals: Vec::with_capacity(graph.nodes.len()),
    };
    for k in 0..graph.nodes.len() {
        let refs = gen.node(k)?;
        gen.vals.push(refs);
    }
    let n_out = graph.n_outputs();
    gen.line("");
    let mut at = 0usize;
    for o in &graph.outputs {
        gen.line(&format!("/* output {} */", comment_safe(&o.name)));
        for r in gen.vals[o.node.index()].clone() {
            gen.line(&format!("dst[{at}] = {r};"));
            at += 1;
        }
    }
    let mut src = String::new();
    src.push_str(&format!(
        "/* mlg CUDA kernel for graph `{}`: {} input slots, {} outputs, {} nodes.\n   \
         Generated by mlg-compiler; compile with {}. */\n",
        comment_safe(&graph.name),
        graph.n_inputs(),
        n_out,
        graph.nodes.len(),
        NVRTC_OPTIONS.join(" ")
    ));
    src.push_str(PRELUDE);
    if !gen.tables.is_empty() {
        src.push('\n');
        src.push_str(&gen.tables);
    }
    src.push_str(&format!(
        "\nextern \"C\" __global__ void {KERNEL_NAME}(const float* in, unsigned long long n_rows, \
         unsigned long long stride, float* out) {{\n  \
         const unsigned long long step = (unsigned long long)gridDim.x * blockDim.x;\n  \
         for (unsigned long long r = (unsigned long long)blockIdx.x * blockDim.x + threadIdx.x; r < n_rows; r += step) {{\n    \
         const float* row = in + r * stride;\n    \
         float* dst = out + r * {n_out}ull;\n"
    ));
    src.push_str(&gen.body);
    src.push_str("  }\n}\n");
    Ok(src)
}

/// The generator's state: tables before the kernel, the row body, and for every
/// node done so far the expression of each of its elements.
struct Gen<'a> {
    graph: &'a Graph,
    tables: String,
    body: String,
    vals: Vec<Vec<String>>,
}

impl Gen<'_> {
    /// Appends one line to the row body (inside the row loop).
    fn line(&mut self, text: &str) {
        if !text.is_empty() {
            self.body.push_str("    ");
            self.body.push_str(text);
        }
        self.body.push('\n');
    }

    /// Appends `static __device__ const unsigned int {name}[] = {bits of values};`.
    fn table(&mut self, name: &str, values: impl ExactSizeIterator<Item = u32>) {
        let n = values.len().max(1);
        self.tables
            .push_str(&format!("static __device__ const unsigned int {name}[{n}] = {{"));
        let mut any = false;
        for (i, v) in values.enumerate() {
            if i % 8 == 0 {
                self.tables.push_str("\n  ");
            } else {
                self.tables.push(' ');
            }
            self.tables.push_str(&format!("0x{v:08x}u,"));
            any = true;
        }
        if !any {
            self.tables.push_str("0u");
        }
        self.tables.push_str("\n};\n");
    }

    /// Appends `static __device__ const signed char {name}[] = {values};`.
    fn table_i8(&mut self, name: &str, values: &[i8]) {
        let n = values.len().max(1);
        self.tables
            .push_str(&format!("static __device__ const signed char {name}[{n}] = {{"));
        for (i, v) in values.iter().enumerate() {
            self.tables.push_str(if i % 16 == 0 { "\n  " } else { " " });
            self.tables.push_str(&format!("{v},"));
        }
        if values.is_empty() {
            self.tables.push('0');
        }
        self.tables.push_str("\n};\n");
    }

    /// The element expressions of operand `id`.
    fn of(&self, id: NodeId) -> &[String] {
        &self.vals[id.index()]
    }

    /// Emits node `k` and returns its element expressions.
    fn node(&mut self, k: usize) -> Result<Vec<String>, CudaError> {
        let graph = self.graph;
        let node = &graph.nodes[k];
        let w = node.width as usize;
        let name = |i: usize| {
            if w == 1 {
                format!("n{k}")
            } else {
                format!("n{k}_{i}")
            }
        };
        let mut operands: Vec<String> = node.op.operands().iter().map(|o| format!("n{}", o.0)).collect();
        let kind = match &node.op {
            Op::Input { slot } => {
                operands.push(format!("slot {slot}"));
                String::new()
            }
            Op::Unary { func, .. } => format!(".{func:?}"),
            Op::Binary { op, .. } => format!(".{op:?}"),
            Op::Compare { op, .. } => format!(".{op:?}"),
            _ => String::new(),
        };
        self.line(&format!(
            "/* n{k} = {}{}({}) */",
            node.op.mnemonic(),
            kind.to_lowercase(),
            operands.join(", ")
        ));
        // Element-wise ops: one `const float` per element from an expression.
        let elementwise = |gen: &mut Self, f: &dyn Fn(&Self, usize) -> String| {
            let mut out = Vec::with_capacity(w);
            for i in 0..w {
                let e = f(gen, i);
                gen.line(&format!("const float {} = {e};", name(i)));
                out.push(name(i));
            }
            out
        };
        let refs = match &node.op {
            Op::Input { slot } => elementwise(self, &|_, _| format!("row[{slot}]")),
            Op::Const { values } => elementwise(self, &|_, i| lit(values[i])),
            Op::Concat { parts } => parts.iter().flat_map(|p| self.of(*p).to_vec()).collect(),
            Op::FillNan { x, values } => elementwise(self, &|g, i| {
                let a = &g.of(*x)[i];
                format!("isnan({a}) ? {} : {a}", lit(values[i]))
            }),
            Op::Scale { x, mul, add } => elementwise(self, &|g, i| {
                format!("{} * {} + {}", g.of(*x)[i], lit(mul[i]), lit(add[i]))
            }),
            Op::OneHot { x, codes } => elementwise(self, &|g, i| {
                format!("{} == {} ? 1.0f : 0.0f", g.of(*x)[0], lit(codes[i]))
            }),
            Op::Affine {
                x,
                weights,
                bias,
                missing,
            } => self.affine(k, *x, Weights::F32(weights), bias, missing),
            Op::QuantAffine {
                x,
                weights,
                scales,
                bias,
                missing,
            } => self.affine(k, *x, Weights::Int8(weights, scales), bias, missing),
            Op::Int8Affine {
                x,
                weights,
                scales,
                bias,
                missing,
                activations,
            } => self.int8_affine(k, *x, weights, scales, bias, missing, *activations),
            Op::Unary { func, x } => elementwise(self, &|g, i| {
                let a = &g.of(*x)[i];
                match func {
                    UnaryFn::Sigmoid => format!("mlg_sigmoid({a})"),
                    UnaryFn::Exp => format!("mlg_exp({a})"),
                    UnaryFn::Neg => format!("-{a}"),
                    UnaryFn::Abs => format!("fabsf({a})"),
                    UnaryFn::Log => format!("mlg_log({a})"),
                    UnaryFn::Log1p => format!("mlg_log1p({a})"),
                    UnaryFn::Floor => format!("floorf({a})"),
                    UnaryFn::Sqrt => format!("sqrtf({a})"),
                }
            }),
            Op::Binary { op, a, b } => elementwise(self, &|g, i| {
                let (a, b) = (at(g.of(*a), i), at(g.of(*b), i));
                match op {
                    BinaryOp::Add => format!("{a} + {b}"),
                    BinaryOp::Sub => format!("{a} - {b}"),
                    BinaryOp::Mul => format!("{a} * {b}"),
                    BinaryOp::Div => format!("{a} / {b}"),
                    BinaryOp::Min => format!("mlg_min({a}, {b})"),
                    BinaryOp::Max => format!("mlg_max({a}, {b})"),
                    BinaryOp::Pow => format!("mlg_pow({a}, {b})"),
                }
            }),
            Op::Softmax { x } => self.softmax(k, *x),
            Op::Argmax { x } => {
                let xs = self.of(*x).to_vec();
                self.line(&format!("float n{k}_best = -MLG_INF;"));
                self.line(&format!("float n{k} = 0.0f;"));
                for (i, v) in xs.iter().enumerate() {
                    self.line(&format!(
                        "if ({v} > n{k}_best) {{ n{k}_best = {v}; n{k} = {i}.0f; }}"
                    ));
                }
                vec![format!("n{k}")]
            }
            Op::Compare { op, a, b } => elementwise(self, &|g, i| {
                let (a, b) = (at(g.of(*a), i), at(g.of(*b), i));
                let c = match op {
                    CompareOp::Lt => "<",
                    CompareOp::Le => "<=",
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                    CompareOp::Eq => "==",
                    CompareOp::Ne => "!=",
                };
                format!("{a} {c} {b} ? 1.0f : 0.0f")
            }),
            Op::Select { cond, a, b } => elementwise(self, &|g, i| {
                let (c, a, b) = (at(g.of(*cond), i), at(g.of(*a), i), at(g.of(*b), i));
                format!("{c} != 0.0f ? {a} : {b}")
            }),
            Op::Bucketize { x, edges } => {
                if edges.len() > INLINE_TABLE {
                    let table = format!("mlg_n{k}_edges");
                    self.table(&table, edges.iter().map(|e| e.to_bits()));
                    let n = edges.len();
                    elementwise(self, &|g, i| {
                        format!("mlg_bucketize({}, {table}, {n}u)", g.of(*x)[i])
                    })
                } else {
                    elementwise(self, &|g, i| {
                        let a = &g.of(*x)[i];
                        let count = if edges.is_empty() {
                            "0.0f".to_string()
                        } else {
                            let terms: Vec<String> =
                                edges.iter().map(|e| format!("({} <= {a})", lit(*e))).collect();
                            format!("(float)({})", terms.join(" + "))
                        };
                        format!("isnan({a}) ? MLG_NAN : {count}")
                    })
                }
            }
            Op::Lookup { x, table, default } => {
                if table.len() > INLINE_TABLE {
                    let name = format!("mlg_n{k}_table");
                    self.table(&name, table.iter().map(|e| e.to_bits()));
                    let n = table.len();
                    elementwise(self, &|g, _| {
                        format!(
                            "mlg_lookup({}, {name}, {n}u, {}, {})",
                            g.of(*x)[0],
                            lit(n as f32),
                            lit(*default)
                        )
                    })
                } else {
                    // An integral x in 0..len equals exactly one of 0.0, 1.0, ...
                    elementwise(self, &|g, _| {
                        let a = &g.of(*x)[0];
                        let mut e = String::new();
                        for (i, v) in table.iter().enumerate() {
                            e.push_str(&format!("{a} == {i}.0f ? {} : ", lit(*v)));
                        }
                        e.push_str(&lit(*default));
                        e
                    })
                }
            }
            Op::KnnImpute { .. } => {
                return Err(CudaError::Unsupported {
                    op: node.op.mnemonic(),
                })
            }
            Op::Trees { x, forest, .. } => self.trees(k, *x, forest),
            // The same decisions and leaf values as f32 tables.
            Op::QuantTrees { x, forest, .. } => self.trees(k, *x, &forest.dequantize()),
        };
        debug_assert_eq!(refs.len(), w, "node {k} emitted the wrong width");
        Ok(refs)
    }
}
