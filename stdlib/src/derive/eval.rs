//! The meaning of a `derive` expression, evaluated in `f64` over a frame. The
//! lowering in [`super::lower`] builds IR with the same semantics:
//!
//! - arithmetic, `log`, `exp`, `sqrt`, `abs` are IEEE (`log(0) = -inf`,
//!   `log(-1) = NaN`, `1 / 0 = inf`);
//! - `a ^ k` for a literal integer `k` in `0..=MAX_SMALL_POWER` is repeated
//!   multiplication `a * a * ... * a` (so negative bases work: `(-2)^3 = -8`),
//!   and `a ^ 0` is 1 unless `a` is missing; any other `a ^ b` follows the IR's
//!   `pow`: `exp(b ln a)` for `a > 0`, `0^b` is 0 / 1 / inf for `b` > / = / < 0,
//!   and NaN for a negative or missing base;
//! - comparisons, `and`, `or`, `not`, `min`, `max` and the condition of `if`
//!   give NaN when an operand is NaN (a missing value stays missing rather
//!   than becoming "false"); otherwise truth is "non-zero" and results are 1/0;
//! - `if c then a else b` evaluates to `a` or `b` by `c` (the other branch's
//!   value, NaN or not, is ignored);
//! - the date functions read a date column's hours since the epoch with
//!   [`mlg_runtime::dates`]' floor-division calendar, which the lowering
//!   repeats op for op (every value an integer below 2^24, so `f32` agrees).

use crate::op::OpError;
use crate::preprocess::frame_column;
use crate::scale::numeric_values;
use mlg_compiler::workflow::derive::OP;
use mlg_dsl::expr::{BinOp, CmpOp, ExprAst, ExprNode, Func, LogicOp};
use mlg_runtime::dates;
use mlg_runtime::frame::Frame;

/// The largest literal exponent lowered as repeated multiplication.
pub const MAX_SMALL_POWER: u32 = 16;

/// `Some(k)` when `exponent` is a number literal that is an integer in
/// `0..=MAX_SMALL_POWER`.
pub fn small_power(exponent: &ExprAst) -> Option<u32> {
    match exponent.kind {
        ExprNode::Number(v) if v.fract() == 0.0 && (0.0..=f64::from(MAX_SMALL_POWER)).contains(&v) => {
            Some(v as u32)
        }
        _ => None,
    }
}

/// `a` multiplied by itself `k` times, left to right; `k = 0` gives 1, or NaN
/// for a NaN `a`.
pub fn repeated_mul(a: f64, k: u32) -> f64 {
    if k == 0 {
        return if a.is_nan() { f64::NAN } else { 1.0 };
    }
    (1..k).fold(a, |acc, _| acc * a)
}

/// The IR's `pow` in `f64`: `exp(b ln a)` for `a > 0`; for `a == 0`, 0 / 1 /
/// inf / NaN for `b` > 0, = 0, < 0, NaN; NaN for negative or NaN `a`.
pub fn pow(a: f64, b: f64) -> f64 {
    if a > 0.0 {
        (b * a.ln()).exp()
    } else if a == 0.0 {
        if b > 0.0 {
            0.0
        } else if b == 0.0 {
            1.0
        } else if b < 0.0 {
            f64::INFINITY
        } else {
            f64::NAN
        }
    } else {
        f64::NAN
    }
}

/// 1.0 or 0.0.
fn truth(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// `f(a, b)`, or NaN when either operand is NaN.
fn strict(a: f64, b: f64, f: impl Fn(f64, f64) -> f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        f(a, b)
    }
}

/// A comparison: 1/0, NaN when an operand is NaN.
pub fn compare(op: CmpOp, a: f64, b: f64) -> f64 {
    strict(a, b, |a, b| {
        truth(match op {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => a == b,
            CmpOp::Ne => a != b,
        })
    })
}

/// `and` / `or` on non-zero truth: 1/0, NaN when an operand is NaN.
pub fn logic(op: LogicOp, a: f64, b: f64) -> f64 {
    strict(a, b, |a, b| match op {
        LogicOp::And => truth(a != 0.0 && b != 0.0),
        LogicOp::Or => truth(a != 0.0 || b != 0.0),
    })
}

/// A function of one or two arguments (`b` is ignored by one-argument ones).
pub fn call(func: Func, a: f64, b: f64) -> f64 {
    match func {
        Func::Log => a.ln(),
        Func::Exp => a.exp(),
        Func::Sqrt => a.sqrt(),
        Func::Abs => a.abs(),
        Func::Min => strict(a, b, f64::min),
        Func::Max => strict(a, b, f64::max),
        Func::Year => dates::civil(a).0,
        Func::Month => dates::civil(a).1,
        Func::Day => dates::civil(a).2,
        Func::Weekday => dates::weekday(a),
        Func::Hour => dates::hour(a),
        Func::Epoch => a / 24.0,
        Func::DaysBetween => dates::days(b) - dates::days(a),
    }
}

/// `expr` on every row of `frame`: missing entries of used columns are NaN.
/// Errors when a used column is absent or categorical.
pub fn evaluate(expr: &ExprAst, frame: &Frame) -> Result<Vec<f64>, OpError> {
    let n = frame.n_rows;
    let zip = |a: Vec<f64>, b: Vec<f64>, f: &dyn Fn(f64, f64) -> f64| -> Vec<f64> {
        a.into_iter().zip(b).map(|(a, b)| f(a, b)).collect()
    };
    Ok(match &expr.kind {
        ExprNode::Number(v) => vec![*v; n],
        ExprNode::Column(name) => {
            let column = frame_column(OP, frame, name)?;
            let values = numeric_values(OP, column)?;
            values
                .iter()
                .zip(&column.missing)
                .map(|(&v, &m)| if m { f64::NAN } else { v })
                .collect()
        }
        ExprNode::Neg(x) => evaluate(x, frame)?.into_iter().map(|v| -v).collect(),
        ExprNode::Not(x) => evaluate(x, frame)?
            .into_iter()
            .map(|v| if v.is_nan() { v } else { truth(v == 0.0) })
            .collect(),
        ExprNode::Binary(BinOp::Pow, a, b) if small_power(b).is_some() => {
            let k = small_power(b).unwrap_or(1);
            evaluate(a, frame)?
                .into_iter()
                .map(|v| repeated_mul(v, k))
                .collect()
        }
        ExprNode::Binary(op, a, b) => {
            let f = |a: f64, b: f64| match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Pow => pow(a, b),
            };
            zip(evaluate(a, frame)?, evaluate(b, frame)?, &f)
        }
        ExprNode::Compare(op, a, b) => zip(evaluate(a, frame)?, evaluate(b, frame)?, &|a, b| {
            compare(*op, a, b)
        }),
        ExprNode::Logic(op, a, b) => zip(evaluate(a, frame)?, evaluate(b, frame)?, &|a, b| logic(*op, a, b)),
        ExprNode::Call(func, args) => {
            let a = match args.first() {
                Some(a) => evaluate(a, frame)?,
                None => vec![f64::NAN; n],
            };
            let b = match args.get(1) {
                Some(b) => evaluate(b, frame)?,
                None => vec![f64::NAN; n],
            };
            zip(a, b, &|a, b| call(*func, a, b))
        }
        ExprNode::If(c, a, b) => {
            let (c, a, b) = (evaluate(c, frame)?, evaluate(a, frame)?, evaluate(b, frame)?);
            c.into_iter()
                .zip(a.into_iter().zip(b))
                .map(|(c, (a, b))| {
                    if c.is_nan() {
                        c
                    } else if c != 0.0 {
                        a
                    } else {
                        b
                    }
                })
                .collect()
        }
    })
}
