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

use super::error::CudaError;
use crate::ir::{verify, BinaryOp, CompareOp, Forest, Graph, NodeId, Op, TreeNode, UnaryFn};

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
            Op::Unary { func, x } => elementwise(self, &|g, i| {
                let a = &g.of(*x)[i];
                match func {
                    UnaryFn::Sigmoid => format!("mlg_sigmoid({a})"),
                    UnaryFn::Exp => format!("mlg_exp({a})"),
                    UnaryFn::Neg => format!("-{a}"),
                    UnaryFn::Abs => format!("fabsf({a})"),
                    UnaryFn::Log => format!("mlg_log({a})"),
                    UnaryFn::Log1p => format!("mlg_log1p({a})"),
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
        };
        debug_assert_eq!(refs.len(), w, "node {k} emitted the wrong width");
        Ok(refs)
    }

    /// `Op::Affine` and `Op::QuantAffine`: spelled out (`bias + w0 * x0 + w1 * x1
    /// + ...`, which C evaluates left to right like the interpreter's
    /// accumulation; quantized: `bias + scale * (0.0f + q0 * x0 + ...)`) up to
    /// [`INLINE_AFFINE_WEIGHTS`] nonzero weights, else a loop over weight tables.
    /// Zero weights are skipped like the interpreter does (no term inline, a test
    /// in the loop), and only columns some nonzero weight reads get `missing`.
    fn affine(
        &mut self,
        k: usize,
        x: NodeId,
        weights: Weights<'_>,
        bias: &[f32],
        missing: &[f32],
    ) -> Vec<String> {
        let mut xs = self.of(x).to_vec();
        let (rows, inw) = (bias.len(), xs.len());
        for (j, v) in xs.iter_mut().enumerate() {
            let used = (0..rows).any(|r| weights.nonzero(r * inw + j));
            if let Some(&d) = missing.get(j).filter(|d| used && !d.is_nan()) {
                let sub = format!("n{k}_x{j}");
                self.line(&format!("const float {sub} = isnan({v}) ? {} : {v};", lit(d)));
                *v = sub;
            }
        }
        let name = |r: usize| {
            if rows == 1 {
                format!("n{k}")
            } else {
                format!("n{k}_{r}")
            }
        };
        let nonzero = (0..rows * inw).filter(|&i| weights.nonzero(i)).count();
        if nonzero <= INLINE_AFFINE_WEIGHTS {
            return (0..rows)
                .map(|r| {
                    let mut sum = match weights {
                        Weights::F32(_) => lit(bias[r]),
                        Weights::Int8(..) => "0.0f".to_string(),
                    };
                    for (j, v) in xs.iter().enumerate() {
                        if weights.nonzero(r * inw + j) {
                            sum.push_str(&format!(" + {} * {v}", lit(weights.value(r * inw + j))));
                        }
                    }
                    let e = match weights {
                        Weights::F32(_) => sum,
                        Weights::Int8(_, scales) => {
                            format!("{} + {} * ({sum})", lit(bias[r]), lit(scales[r]))
                        }
                    };
                    self.line(&format!("const float {} = {e};", name(r)));
                    name(r)
                })
                .collect();
        }
        let (wt, bt) = (format!("mlg_n{k}_w"), format!("mlg_n{k}_b"));
        self.table(&bt, bias.iter().map(|v| v.to_bits()));
        self.line(&format!("const float n{k}_in[{inw}] = {{{}}};", xs.join(", ")));
        self.line(&format!("float n{k}[{rows}];"));
        self.line(&format!("for (unsigned int r = 0u; r < {rows}u; ++r) {{"));
        match weights {
            Weights::F32(w) => {
                self.table(&wt, w.iter().map(|v| v.to_bits()));
                self.line(&format!("  float acc = __uint_as_float({bt}[r]);"));
                self.line(&format!("  for (unsigned int j = 0u; j < {inw}u; ++j) {{"));
                self.line(&format!(
                    "    const float w = __uint_as_float({wt}[r * {inw}u + j]);"
                ));
                self.line(&format!("    if (w != 0.0f) acc += w * n{k}_in[j];"));
                self.line("  }");
                self.line(&format!("  n{k}[r] = acc;"));
            }
            Weights::Int8(q, scales) => {
                let st = format!("mlg_n{k}_s");
                self.table_i8(&wt, q);
                self.table(&st, scales.iter().map(|v| v.to_bits()));
                self.line("  float acc = 0.0f;");
                self.line(&format!("  for (unsigned int j = 0u; j < {inw}u; ++j) {{"));
                self.line(&format!("    const int q = {wt}[r * {inw}u + j];"));
                self.line(&format!("    if (q != 0) acc += (float)q * n{k}_in[j];"));
                self.line("  }");
                self.line(&format!(
                    "  n{k}[r] = __uint_as_float({bt}[r]) + __uint_as_float({st}[r]) * acc;"
                ));
            }
        }
        self.line("}");
        (0..rows).map(|r| format!("n{k}[{r}]")).collect()
    }

    /// `Op::Softmax` as [`crate::ir::interp::softmax`]: running max from `x[0]`,
    /// `e[i] = exp(x[i] - m)`, the sum from `e[0]` in order, `e[i] / sum`.
    fn softmax(&mut self, k: usize, x: NodeId) -> Vec<String> {
        let xs = self.of(x).to_vec();
        let w = xs.len();
        self.line(&format!("float n{k}_m = {};", xs[0]));
        for v in &xs[1..] {
            self.line(&format!("if ({v} > n{k}_m) n{k}_m = {v};"));
        }
        let es: Vec<String> = (0..w).map(|i| format!("n{k}_e{i}")).collect();
        for (e, v) in es.iter().zip(&xs) {
            self.line(&format!("const float {e} = mlg_exp({v} - n{k}_m);"));
        }
        self.line(&format!("const float n{k}_sum = {};", es.join(" + ")));
        es.iter()
            .enumerate()
            .map(|(i, e)| {
                let out = if w == 1 {
                    format!("n{k}")
                } else {
                    format!("n{k}_{i}")
                };
                self.line(&format!("const float {out} = {e} / n{k}_sum;"));
                out
            })
            .collect()
    }

    /// `Op::Trees` as [`Forest::eval`]: the node table, roots and leaves as
    /// tables; `out = base`, then tree by tree `out[c] += leaves[leaf + c]`.
    fn trees(&mut self, k: usize, x: NodeId, forest: &Forest) -> Vec<String> {
        let mut words = Vec::with_capacity(forest.nodes.len() * 4);
        for n in &forest.nodes {
            match *n {
                TreeNode::Split {
                    feature,
                    threshold,
                    missing_left,
                    left,
                    right,
                } => words.extend([
                    feature | if missing_left { 1 << 31 } else { 0 },
                    threshold.to_bits(),
                    left,
                    right,
                ]),
                TreeNode::Leaf { value } => words.extend([u32::MAX, 0, value, 0]),
            }
        }
        let (nodes, roots, leaves) = (
            format!("mlg_n{k}_nodes"),
            format!("mlg_n{k}_roots"),
            format!("mlg_n{k}_leaves"),
        );
        self.table(&nodes, words.into_iter());
        self.table(&roots, forest.roots.iter().copied());
        self.table(&leaves, forest.leaves.iter().map(|v| v.to_bits()));
        let xs = self.of(x).to_vec();
        self.line(&format!(
            "const float n{k}_x[{}] = {{{}}};",
            xs.len(),
            xs.join(", ")
        ));
        let kw = forest.width();
        let n_trees = forest.roots.len();
        let refs: Vec<String> = if kw > INLINE_TREE_WIDTH {
            let base: Vec<String> = forest.base.iter().map(|v| lit(*v)).collect();
            self.line(&format!("float n{k}[{kw}] = {{{}}};", base.join(", ")));
            (0..kw).map(|c| format!("n{k}[{c}]")).collect()
        } else {
            (0..kw)
                .map(|c| {
                    let out = if kw == 1 {
                        format!("n{k}")
                    } else {
                        format!("n{k}_{c}")
                    };
                    self.line(&format!("float {out} = {};", lit(forest.base[c])));
                    out
                })
                .collect()
        };
        self.line(&format!("for (unsigned int t = 0u; t < {n_trees}u; ++t) {{"));
        self.line(&format!(
            "  const unsigned int leaf = mlg_leaf({nodes}, {roots}[t], n{k}_x);"
        ));
        if kw > INLINE_TREE_WIDTH {
            self.line(&format!(
                "  for (unsigned int c = 0u; c < {kw}u; ++c) n{k}[c] += __uint_as_float({leaves}[leaf + c]);"
            ));
        } else {
            for (c, r) in refs.iter().enumerate() {
                self.line(&format!("  {r} += __uint_as_float({leaves}[leaf + {c}u]);"));
            }
        }
        self.line("}");
        refs
    }
}

/// The weight matrix of an affine op: `f32`, or `i8` with per-row scales.
#[derive(Clone, Copy)]
enum Weights<'a> {
    F32(&'a [f32]),
    Int8(&'a [i8], &'a [f32]),
}

impl Weights<'_> {
    /// Whether weight `i` is nonzero (a zero weight's term is skipped).
    fn nonzero(self, i: usize) -> bool {
        match self {
            Weights::F32(w) => w[i] != 0.0,
            Weights::Int8(q, _) => q[i] != 0,
        }
    }

    /// Weight `i` as the `f32` the product uses (an `i8` converts exactly).
    fn value(self, i: usize) -> f32 {
        match self {
            Weights::F32(w) => w[i],
            Weights::Int8(q, _) => f32::from(q[i]),
        }
    }
}

/// Element `i` of an operand that broadcasts when it has width 1.
fn at(v: &[String], i: usize) -> &str {
    if v.len() == 1 {
        &v[0]
    } else {
        &v[i]
    }
}

/// An exact CUDA `float` literal for `v`: the shortest decimal when it is the
/// exact value (`0.5f`, `-3.0f`), else a hexadecimal float (`0x1.99999ap-4f`);
/// infinities and NaN (bits kept) through `__uint_as_float`. Negative values are
/// parenthesized so that they can follow any operator.
pub fn lit(v: f32) -> String {
    if !v.is_finite() {
        return format!("__uint_as_float(0x{:08x}u)", v.to_bits());
    }
    let dec = format!("{v:?}");
    let exact = dec
        .parse::<f64>()
        .is_ok_and(|d| d.to_bits() == f64::from(v).to_bits());
    let body = if exact {
        format!("{}f", dec.trim_start_matches('-'))
    } else {
        hex_float(v.abs())
    };
    if v.is_sign_negative() {
        format!("(-{body})")
    } else {
        body
    }
}

/// `|v|` (finite, non-negative) as a C hexadecimal float literal with an `f` suffix.
fn hex_float(v: f32) -> String {
    let bits = v.to_bits();
    let exp = (bits >> 23) & 0xff;
    let mant = bits & 0x7f_ffff;
    if exp == 0 && mant == 0 {
        return "0x0p+0f".into();
    }
    // Normal: 1.m * 2^(exp - 127); subnormal: 0.m * 2^-126. `m` as 24 bits = 6 hex digits.
    let (lead, e) = if exp == 0 {
        (0, -126)
    } else {
        (1, exp as i32 - 127)
    };
    let digits = format!("{:06x}", mant << 1);
    let digits = digits.trim_end_matches('0');
    let frac = if digits.is_empty() {
        String::new()
    } else {
        format!(".{digits}")
    };
    format!("0x{lead}{frac}p{e:+}f")
}

/// `s` with `*/` broken so that it cannot end a C comment, and without NUL
/// (NVRTC takes the source as a C string).
fn comment_safe(s: &str) -> String {
    s.replace("*/", "* /").replace('\0', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses what [`lit`] prints for a finite value back to `f32`.
    fn parse(s: &str) -> f32 {
        let s = s.trim_start_matches('(').trim_end_matches(')');
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let s = s.trim_end_matches('f');
        let v = if let Some(hex) = s.strip_prefix("0x") {
            let (mant, exp) = hex.split_once('p').expect("exponent");
            let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
            let mut m = u64::from_str_radix(int, 16).expect("int") as f64;
            for (i, c) in frac.chars().enumerate() {
                m += f64::from(c.to_digit(16).expect("hex digit")) / 16f64.powi(i as i32 + 1);
            }
            (m * 2f64.powi(exp.parse::<i32>().expect("exp"))) as f32
        } else {
            s.parse::<f32>().expect("decimal")
        };
        if neg {
            -v
        } else {
            v
        }
    }

    #[test]
    fn literals_are_exact() {
        let cases = [
            0.0f32,
            -0.0,
            1.0,
            -1.5,
            0.1,
            -0.3,
            1e-3,
            3.4028235e38,
            -3.4028235e38,
            f32::MIN_POSITIVE,
            1e-45,
            -7e-39,
            16777217.0,
            0.333_333_34,
        ];
        for v in cases {
            let s = lit(v);
            assert_eq!(parse(&s).to_bits(), v.to_bits(), "{v:?} printed as {s}");
        }
        assert_eq!(lit(0.5), "0.5f");
        assert_eq!(lit(-2.0), "(-2.0f)");
        assert_eq!(lit(0.1), "0x1.99999ap-4f");
        assert_eq!(lit(f32::INFINITY), "__uint_as_float(0x7f800000u)");
        assert_eq!(lit(f32::NEG_INFINITY), "__uint_as_float(0xff800000u)");
    }
}
