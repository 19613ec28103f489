//! The stable text form of the inference IR, used by `mlg explain --stage ir|optimized`
//! and by snapshot tests. Constants print with at most 6 significant digits so the
//! text does not change with last-bit noise in fitted values.

use std::fmt::{self, Display, Formatter, Write};

use super::{BinaryOp, CompareOp, Graph, Op, SlotKind, UnaryFn};

/// Formats an `f32` with at most 6 significant digits: plain decimal notation for
/// magnitudes in `[1e-4, 1e6)` (e.g. `0.123457`, `-5.6`, `3`), exponent notation
/// otherwise (e.g. `1e-7`, `1.5e20`), and `0`, `-0`, `NaN`, `inf`, `-inf` as such.
pub fn fmt_f32(x: f32) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Round to 6 significant digits in decimal, then print the shortest form of that.
    let rounded: f64 = format!("{:.5e}", f64::from(x)).parse().unwrap_or(f64::from(x));
    let mag = rounded.abs();
    if (1e-4..1e6).contains(&mag) {
        format!("{rounded}")
    } else {
        format!("{rounded:e}")
    }
}

/// Writes `[a, b, c]` with [`fmt_f32`] elements.
fn write_vec(f: &mut Formatter<'_>, values: &[f32]) -> fmt::Result {
    f.write_char('[')?;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(&fmt_f32(*v))?;
    }
    f.write_char(']')
}

/// Lowercase name of a unary function in the text form.
fn unary_name(func: UnaryFn) -> &'static str {
    match func {
        UnaryFn::Sigmoid => "sigmoid",
        UnaryFn::Exp => "exp",
        UnaryFn::Neg => "neg",
        UnaryFn::Abs => "abs",
        UnaryFn::Log => "log",
        UnaryFn::Log1p => "log1p",
        UnaryFn::Floor => "floor",
        UnaryFn::Sqrt => "sqrt",
    }
}

/// Lowercase name of a binary operator in the text form.
fn binary_name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "add",
        BinaryOp::Sub => "sub",
        BinaryOp::Mul => "mul",
        BinaryOp::Div => "div",
        BinaryOp::Min => "min",
        BinaryOp::Max => "max",
        BinaryOp::Pow => "pow",
    }
}

/// Lowercase name of a comparison in the text form.
fn compare_name(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Lt => "lt",
        CompareOp::Le => "le",
        CompareOp::Gt => "gt",
        CompareOp::Ge => "ge",
        CompareOp::Eq => "eq",
        CompareOp::Ne => "ne",
    }
}

/// Writes the operands and attributes of `op` (everything after the mnemonic).
fn write_op(f: &mut Formatter<'_>, op: &Op) -> fmt::Result {
    match op {
        Op::Input { slot } => write!(f, "input {slot}"),
        Op::Const { values } => {
            f.write_str("const ")?;
            write_vec(f, values)
        }
        Op::Concat { parts } => {
            f.write_str("concat ")?;
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "%{}", p.0)?;
            }
            Ok(())
        }
        Op::FillNan { x, values } => {
            write!(f, "fill_nan %{} values=", x.0)?;
            write_vec(f, values)
        }
        Op::Scale { x, mul, add } => {
            write!(f, "scale %{} mul=", x.0)?;
            write_vec(f, mul)?;
            f.write_str(" add=")?;
            write_vec(f, add)
        }
        Op::OneHot { x, codes } => {
            write!(f, "one_hot %{} codes=", x.0)?;
            write_vec(f, codes)
        }
        Op::Affine {
            x,
            weights,
            bias,
            missing,
        } => {
            write!(f, "affine %{} w=[", x.0)?;
            let inw = weights.len().checked_div(bias.len()).unwrap_or(0);
            for r in 0..bias.len() {
                if r > 0 {
                    f.write_str(", ")?;
                }
                write_vec(f, weights.get(r * inw..(r + 1) * inw).unwrap_or(&[]))?;
            }
            f.write_str("] b=")?;
            write_vec(f, bias)?;
            if !missing.is_empty() {
                f.write_str(" missing=")?;
                write_vec(f, missing)?;
            }
            Ok(())
        }
        Op::QuantAffine {
            x,
            weights,
            scales,
            bias,
            missing,
        } => {
            // Int8 weight matrices are large: print their shape and density only.
            let inw = weights.len().checked_div(bias.len()).unwrap_or(0);
            let nonzero = weights.iter().filter(|&&q| q != 0).count();
            write!(
                f,
                "qaffine %{} rows={} in={inw} nonzero={nonzero} scales=",
                x.0,
                bias.len()
            )?;
            write_vec(f, scales)?;
            f.write_str(" bias=")?;
            write_vec(f, bias)?;
            if !missing.is_empty() {
                f.write_str(" missing=")?;
                write_vec(f, missing)?;
            }
            Ok(())
        }
        Op::Int8Affine {
            x,
            weights,
            scales,
            bias,
            missing,
            activations,
        } => {
            let inw = weights.len().checked_div(bias.len()).unwrap_or(0);
            let nonzero = weights.iter().filter(|&&q| q != 0).count();
            write!(
                f,
                "i8affine %{} rows={} in={inw} nonzero={nonzero} act=",
                x.0,
                bias.len()
            )?;
            match activations {
                Some(a) => write!(f, "static({}, {})", a.scale, a.zero)?,
                None => f.write_str("dynamic")?,
            }
            f.write_str(" scales=")?;
            write_vec(f, scales)?;
            f.write_str(" bias=")?;
            write_vec(f, bias)?;
            if !missing.is_empty() {
                f.write_str(" missing=")?;
                write_vec(f, missing)?;
            }
            Ok(())
        }
        Op::Unary { func, x } => write!(f, "{} %{}", unary_name(*func), x.0),
        Op::Binary { op, a, b } => write!(f, "{} %{}, %{}", binary_name(*op), a.0, b.0),
        Op::Softmax { x } => write!(f, "softmax %{}", x.0),
        Op::Argmax { x } => write!(f, "argmax %{}", x.0),
        Op::Compare { op, a, b } => write!(f, "{} %{}, %{}", compare_name(*op), a.0, b.0),
        Op::Select { cond, a, b } => write!(f, "select %{}, %{}, %{}", cond.0, a.0, b.0),
        Op::Bucketize { x, edges } => {
            write!(f, "bucketize %{} edges=", x.0)?;
            write_vec(f, edges)
        }
        Op::Lookup { x, table, default } => {
            write!(f, "lookup %{} table=", x.0)?;
            write_vec(f, table)?;
            write!(f, " default={}", fmt_f32(*default))
        }
        Op::KnnImpute { x, train, k } => {
            // The training matrix can hold thousands of values: print its size only.
            write!(f, "knn_impute %{} k={k} train=<{} values>", x.0, train.len())
        }
        Op::Trees { x, forest, walk } => {
            // Tables can hold millions of values: print their shape only.
            let depths = forest.depths();
            write!(
                f,
                "trees %{} n={} nodes={} leaves={} max_depth={} walk={} base=",
                x.0,
                forest.roots.len(),
                forest.nodes.len(),
                forest.leaves.len() / forest.width().max(1),
                depths.iter().max().copied().unwrap_or(0),
                walk.name()
            )?;
            write_vec(f, &forest.base)
        }
        Op::QuantTrees { x, forest, walk } => {
            let edges: usize = forest.edges.iter().map(Vec::len).sum();
            write!(
                f,
                "qtrees %{} n={} nodes={} edges={edges} leaves={}x{} walk={} base=",
                x.0,
                forest.roots.len(),
                forest.nodes.len(),
                forest.leaves.len() / forest.width().max(1),
                forest.leaves.name(),
                walk.name()
            )?;
            write_vec(f, &forest.base)
        }
    }
}

impl Display for Graph {
    /// The stable text form: a header, one line per input slot, one per node
    /// (`%id = op operands attrs : width`) and one per output.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let n_outputs: usize = self
            .outputs
            .iter()
            .map(|o| self.nodes.get(o.node.index()).map_or(0, |n| n.width as usize))
            .sum();
        writeln!(
            f,
            "graph {} ({} inputs -> {} outputs)",
            self.name,
            self.inputs.len(),
            n_outputs
        )?;
        for (i, slot) in self.inputs.iter().enumerate() {
            write!(f, "  input {i} {:?}: ", slot.name)?;
            match &slot.kind {
                SlotKind::Numeric => f.write_str("num")?,
                SlotKind::Categorical { levels } => write!(f, "cat[{}]", levels.join(", "))?,
                SlotKind::Date => f.write_str("date")?,
            }
            f.write_char('\n')?;
        }
        for (i, node) in self.nodes.iter().enumerate() {
            write!(f, "  %{i} = ")?;
            write_op(f, &node.op)?;
            writeln!(f, " : {}", node.width)?;
        }
        for out in &self.outputs {
            writeln!(f, "  out {} = %{}", out.name, out.node.0)?;
        }
        Ok(())
    }
}
