//! CUDA source of the wide ops: affine layers (spelled out, or loops over
//! weight tables), int8 layers, softmax and tree ensembles.

use super::lit::lit;
use super::{Gen, INLINE_AFFINE_WEIGHTS, INLINE_TREE_WIDTH};
use crate::ir::{ActQuant, Forest, NodeId, TreeNode};

impl Gen<'_> {
    /// `Op::Affine` and `Op::QuantAffine`: spelled out (`bias + w0 * x0 + w1 * x1
    /// + ...`, which C evaluates left to right like the interpreter's
    /// accumulation; quantized: `bias + scale * (0.0f + q0 * x0 + ...)`) up to
    /// [`INLINE_AFFINE_WEIGHTS`] nonzero weights, else a loop over weight tables.
    /// Zero weights are skipped like the interpreter does (no term inline, a test
    /// in the loop), and only columns some nonzero weight reads get `missing`.
    pub(super) fn affine(
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

    /// `Op::Int8Affine` as [`crate::ir::int8::int8_affine`]: the used inputs
    /// (others are `0.0f`, which moves neither the range nor the flag), their
    /// range and quantization, an `int` sum per row over a weight table, and
    /// the dequantization in the interpreter's order. `mlg_byte` saturates
    /// and turns NaN into 0, as the reference's conversion does.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn int8_affine(
        &mut self,
        k: usize,
        x: NodeId,
        weights: &[i8],
        scales: &[f32],
        bias: &[f32],
        missing: &[f32],
        activations: Option<ActQuant>,
    ) -> Vec<String> {
        let xs = self.of(x).to_vec();
        let (rows, inw) = (bias.len(), xs.len());
        let used = crate::ir::int8::used_inputs(weights, inw);
        let inputs: Vec<String> = xs
            .iter()
            .enumerate()
            .map(|(j, v)| match missing.get(j) {
                _ if !used[j] => "0.0f".to_string(),
                Some(&d) if !d.is_nan() => format!("(isnan({v}) ? {} : {v})", lit(d)),
                _ => v.clone(),
            })
            .collect();
        let (wt, st, bt) = (
            format!("mlg_n{k}_w"),
            format!("mlg_n{k}_s"),
            format!("mlg_n{k}_b"),
        );
        self.table_i8(&wt, weights);
        self.table(&st, scales.iter().map(|v| v.to_bits()));
        self.table(&bt, bias.iter().map(|v| v.to_bits()));
        self.line(&format!(
            "const float n{k}_in[{inw}] = {{{}}};",
            inputs.join(", ")
        ));
        self.line(&format!(
            "float n{k}_flag = 0.0f, n{k}_lo = 0.0f, n{k}_hi = 0.0f;"
        ));
        self.line(&format!("for (unsigned int j = 0u; j < {inw}u; ++j) {{"));
        self.line(&format!("  const float v = n{k}_in[j];"));
        self.line(&format!("  n{k}_flag += v * 0.0f;"));
        self.line(&format!("  if (v < n{k}_lo) n{k}_lo = v;"));
        self.line(&format!("  if (v > n{k}_hi) n{k}_hi = v;"));
        self.line("}");
        match activations {
            Some(act) => {
                let q = crate::ir::int8::RowQuant::fixed(act);
                self.line(&format!(
                    "const float n{k}_scale = {}, n{k}_inv = {}; const int n{k}_zero = {};",
                    lit(q.scale),
                    lit(q.inv),
                    q.zero
                ));
            }
            None => {
                self.line(&format!("const float n{k}_range = n{k}_hi - n{k}_lo;"));
                self.line(&format!(
                    "float n{k}_scale = 0.0f, n{k}_inv = 0.0f; int n{k}_zero = 0;"
                ));
                self.line(&format!("if (n{k}_range > 0.0f) {{"));
                self.line(&format!("  n{k}_inv = 255.0f / n{k}_range;"));
                self.line(&format!("  n{k}_scale = n{k}_range / 255.0f;"));
                self.line(&format!("  n{k}_zero = mlg_byte(rintf(-n{k}_lo * n{k}_inv));"));
                self.line("}");
            }
        }
        self.line(&format!("int n{k}_u[{inw}];"));
        self.line(&format!("for (unsigned int j = 0u; j < {inw}u; ++j) {{"));
        self.line(&format!(
            "  n{k}_u[j] = mlg_byte(rintf(n{k}_in[j] * n{k}_inv) + (float)n{k}_zero) - n{k}_zero;"
        ));
        self.line("}");
        self.line(&format!("float n{k}[{rows}];"));
        self.line(&format!("for (unsigned int r = 0u; r < {rows}u; ++r) {{"));
        self.line("  int acc = 0;");
        self.line(&format!(
            "  for (unsigned int j = 0u; j < {inw}u; ++j) acc += (int){wt}[r * {inw}u + j] * n{k}_u[j];"
        ));
        self.line(&format!(
            "  n{k}[r] = (__uint_as_float({bt}[r]) + __uint_as_float({st}[r]) * (n{k}_scale * (float)acc)) + n{k}_flag;"
        ));
        self.line("}");
        (0..rows).map(|r| format!("n{k}[{r}]")).collect()
    }

    /// `Op::Softmax` as [`crate::ir::interp::softmax`]: running max from `x[0]`,
    /// `e[i] = exp(x[i] - m)`, the sum from `e[0]` in order, `e[i] / sum`.
    pub(super) fn softmax(&mut self, k: usize, x: NodeId) -> Vec<String> {
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
    pub(super) fn trees(&mut self, k: usize, x: NodeId, forest: &Forest) -> Vec<String> {
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
pub(super) enum Weights<'a> {
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
