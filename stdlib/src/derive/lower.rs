//! Lowers a `derive` expression to the inference IR with the semantics of
//! [`super::eval`]: IEEE arithmetic maps to `Binary` / `Unary` ops, a small
//! literal power to a chain of `Mul`, and every operator that must propagate
//! NaN but does not in the IR (`Compare`, `Min`, `Max`, `Select`) is wrapped in
//! a guard `select(x != x, x, result)` for each operand `x` that is not a
//! number literal (literals are never NaN).

use super::dates;
use super::eval::small_power;
use crate::op::{Lowering, OpError};
use crate::preprocess::{lowered_column, lowering_error};
use mlg_compiler::ir::{BinaryOp, CompareOp, NodeId, Op, UnaryFn};
use mlg_compiler::workflow::derive::OP;
use mlg_dsl::expr::{BinOp, CmpOp, ExprAst, ExprNode, Func, LogicOp};

pub(super) fn push(lowering: &mut Lowering, op: Op) -> Result<NodeId, OpError> {
    lowering.builder.push(op).map_err(lowering_error(OP))
}

pub(super) fn constant(lowering: &mut Lowering, value: f32) -> Result<NodeId, OpError> {
    push(lowering, Op::Const { values: vec![value] })
}

pub(super) fn binary(lowering: &mut Lowering, op: BinaryOp, a: NodeId, b: NodeId) -> Result<NodeId, OpError> {
    lowering.builder.binary(op, a, b).map_err(lowering_error(OP))
}

fn compare(lowering: &mut Lowering, op: CompareOp, a: NodeId, b: NodeId) -> Result<NodeId, OpError> {
    push(lowering, Op::Compare { op, a, b })
}

/// `x` when `x` is NaN, else `result`; skipped for literal operands.
fn guard(lowering: &mut Lowering, operand: &ExprAst, x: NodeId, result: NodeId) -> Result<NodeId, OpError> {
    if matches!(operand.kind, ExprNode::Number(_)) {
        return Ok(result);
    }
    let is_nan = compare(lowering, CompareOp::Ne, x, x)?;
    push(
        lowering,
        Op::Select {
            cond: is_nan,
            a: x,
            b: result,
        },
    )
}

/// `x != 0` as 1/0 (NaN gives 1; callers guard NaN operands).
fn nonzero(lowering: &mut Lowering, x: NodeId) -> Result<NodeId, OpError> {
    let zero = constant(lowering, 0.0)?;
    compare(lowering, CompareOp::Ne, x, zero)
}

/// Appends the nodes computing `expr` (width 1) over `lowering.columns` and
/// returns the result node. Errors when a column is not in the lowering or the
/// builder rejects a node.
pub fn lower_expr(expr: &ExprAst, lowering: &mut Lowering) -> Result<NodeId, OpError> {
    match &expr.kind {
        ExprNode::Number(v) => constant(lowering, *v as f32),
        ExprNode::Column(name) => lowered_column(OP, lowering, name),
        ExprNode::Neg(x) => {
            let x = lower_expr(x, lowering)?;
            push(
                lowering,
                Op::Unary {
                    func: UnaryFn::Neg,
                    x,
                },
            )
        }
        ExprNode::Not(operand) => {
            let x = lower_expr(operand, lowering)?;
            let zero = constant(lowering, 0.0)?;
            let r = compare(lowering, CompareOp::Eq, x, zero)?;
            guard(lowering, operand, x, r)
        }
        ExprNode::Binary(BinOp::Pow, base, exponent) if small_power(exponent).is_some() => {
            let a = lower_expr(base, lowering)?;
            match small_power(exponent).unwrap_or(1) {
                0 => {
                    let one = constant(lowering, 1.0)?;
                    guard(lowering, base, a, one)
                }
                k => (1..k).try_fold(a, |acc, _| binary(lowering, BinaryOp::Mul, acc, a)),
            }
        }
        ExprNode::Binary(op, lhs, rhs) => {
            let (a, b) = (lower_expr(lhs, lowering)?, lower_expr(rhs, lowering)?);
            let op = match op {
                BinOp::Add => BinaryOp::Add,
                BinOp::Sub => BinaryOp::Sub,
                BinOp::Mul => BinaryOp::Mul,
                BinOp::Div => BinaryOp::Div,
                BinOp::Pow => BinaryOp::Pow,
            };
            binary(lowering, op, a, b)
        }
        ExprNode::Compare(op, lhs, rhs) => {
            let (a, b) = (lower_expr(lhs, lowering)?, lower_expr(rhs, lowering)?);
            let op = match op {
                CmpOp::Lt => CompareOp::Lt,
                CmpOp::Le => CompareOp::Le,
                CmpOp::Gt => CompareOp::Gt,
                CmpOp::Ge => CompareOp::Ge,
                CmpOp::Eq => CompareOp::Eq,
                CmpOp::Ne => CompareOp::Ne,
            };
            let r = compare(lowering, op, a, b)?;
            let r = guard(lowering, lhs, a, r)?;
            guard(lowering, rhs, b, r)
        }
        ExprNode::Logic(op, lhs, rhs) => {
            let (a, b) = (lower_expr(lhs, lowering)?, lower_expr(rhs, lowering)?);
            let (ta, tb) = (nonzero(lowering, a)?, nonzero(lowering, b)?);
            let join = match op {
                LogicOp::And => BinaryOp::Mul,
                LogicOp::Or => BinaryOp::Max,
            };
            let r = binary(lowering, join, ta, tb)?;
            let r = guard(lowering, lhs, a, r)?;
            guard(lowering, rhs, b, r)
        }
        ExprNode::Call(func, args) => {
            let mut nodes = Vec::with_capacity(args.len());
            for arg in args {
                nodes.push(lower_expr(arg, lowering)?);
            }
            let Some(&x) = nodes.first() else {
                return Err(crate::registry::invalid(
                    OP,
                    format!("`{}` without arguments", func.name()),
                ));
            };
            let unary = |func| Op::Unary { func, x };
            match (func, nodes.get(1), args.get(1)) {
                (Func::Log, ..) => push(lowering, unary(UnaryFn::Log)),
                (Func::Exp, ..) => push(lowering, unary(UnaryFn::Exp)),
                (Func::Sqrt, ..) => push(lowering, unary(UnaryFn::Sqrt)),
                (Func::Abs, ..) => push(lowering, unary(UnaryFn::Abs)),
                (Func::Min | Func::Max, Some(&y), Some(second)) => {
                    let op = if *func == Func::Min {
                        BinaryOp::Min
                    } else {
                        BinaryOp::Max
                    };
                    // The IR's min/max propagate a NaN first operand only.
                    let r = binary(lowering, op, x, y)?;
                    guard(lowering, second, y, r)
                }
                (Func::Min | Func::Max | Func::DaysBetween, None, _) => Err(crate::registry::invalid(
                    OP,
                    format!("`{}` needs two arguments", func.name()),
                )),
                (Func::Min | Func::Max, ..) => Err(crate::registry::invalid(
                    OP,
                    format!("`{}` needs two arguments", func.name()),
                )),
                (Func::DaysBetween, Some(&y), _) => {
                    let (from, to) = (dates::days(lowering, x)?, dates::days(lowering, y)?);
                    binary(lowering, BinaryOp::Sub, to, from)
                }
                (Func::Year | Func::Month | Func::Day, ..) => {
                    let (year, month, day) = dates::civil(lowering, x)?;
                    Ok(match func {
                        Func::Year => year,
                        Func::Month => month,
                        _ => day,
                    })
                }
                (Func::Weekday, ..) => dates::weekday(lowering, x),
                (Func::Hour, ..) => dates::hour(lowering, x),
                (Func::Epoch, ..) => {
                    let hours_per_day = constant(lowering, 24.0)?;
                    binary(lowering, BinaryOp::Div, x, hours_per_day)
                }
            }
        }
        ExprNode::If(cond, then, otherwise) => {
            let c = lower_expr(cond, lowering)?;
            let (a, b) = (lower_expr(then, lowering)?, lower_expr(otherwise, lowering)?);
            let r = push(lowering, Op::Select { cond: c, a, b })?;
            guard(lowering, cond, c, r)
        }
    }
}
