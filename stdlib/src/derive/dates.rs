//! The date functions of `derive` lowered to the IR: the floor-division
//! calendar of [`mlg_runtime::dates`] on a date column's hours since the
//! epoch, op for op (`Div` then `Floor` for every floor division), so the
//! compiled function gives exactly what training computed in `f64`: every
//! intermediate value is an integer below 2^24 in magnitude for years
//! 1900-2199, and each quotient is at least `1 / divisor` away from the
//! next integer, more than `f32`'s rounding error there.

use super::lower::{binary, constant, push};
use crate::op::{Lowering, OpError};
use mlg_compiler::ir::{BinaryOp, CompareOp, NodeId, Op, UnaryFn};

/// `floor(a / c)`.
fn floor_div(lowering: &mut Lowering, a: NodeId, c: f32) -> Result<NodeId, OpError> {
    let c = constant(lowering, c)?;
    let q = binary(lowering, BinaryOp::Div, a, c)?;
    push(
        lowering,
        Op::Unary {
            func: UnaryFn::Floor,
            x: q,
        },
    )
}

/// `a * k + b` for constants `k`, `b`... as `a * k` then `+ b`.
fn scale(lowering: &mut Lowering, a: NodeId, k: f32, b: f32) -> Result<NodeId, OpError> {
    let k = constant(lowering, k)?;
    let product = binary(lowering, BinaryOp::Mul, a, k)?;
    if b == 0.0 {
        return Ok(product);
    }
    let b = constant(lowering, b)?;
    binary(lowering, BinaryOp::Add, product, b)
}

/// `a - k * b`.
fn minus_times(lowering: &mut Lowering, a: NodeId, k: f32, b: NodeId) -> Result<NodeId, OpError> {
    let kb = scale(lowering, b, k, 0.0)?;
    binary(lowering, BinaryOp::Sub, a, kb)
}

/// Whole days since the epoch: `floor(h / 24)`.
pub fn days(lowering: &mut Lowering, h: NodeId) -> Result<NodeId, OpError> {
    floor_div(lowering, h, 24.0)
}

/// The hour of the day: `h - 24 floor(h / 24)`.
pub fn hour(lowering: &mut Lowering, h: NodeId) -> Result<NodeId, OpError> {
    let d = days(lowering, h)?;
    minus_times(lowering, h, 24.0, d)
}

/// Monday 0 to Sunday 6: `d - 7 floor(d / 7)` with `d = days + 3`.
pub fn weekday(lowering: &mut Lowering, h: NodeId) -> Result<NodeId, OpError> {
    let days = days(lowering, h)?;
    let three = constant(lowering, 3.0)?;
    let d = binary(lowering, BinaryOp::Add, days, three)?;
    let weeks = floor_div(lowering, d, 7.0)?;
    minus_times(lowering, d, 7.0, weeks)
}

/// `(year, month, day)`: `civil_from_days` as [`mlg_runtime::dates::civil`].
pub fn civil(lowering: &mut Lowering, h: NodeId) -> Result<(NodeId, NodeId, NodeId), OpError> {
    let days = days(lowering, h)?;
    let shift = constant(lowering, 719_468.0)?;
    let z = binary(lowering, BinaryOp::Add, days, shift)?;
    let era = floor_div(lowering, z, 146_097.0)?;
    let doe = minus_times(lowering, z, 146_097.0, era)?;
    // yoe = floor((doe - floor(doe/1460) + floor(doe/36524) - floor(doe/146096)) / 365)
    let a = floor_div(lowering, doe, 1460.0)?;
    let b = floor_div(lowering, doe, 36_524.0)?;
    let c = floor_div(lowering, doe, 146_096.0)?;
    let t = binary(lowering, BinaryOp::Sub, doe, a)?;
    let t = binary(lowering, BinaryOp::Add, t, b)?;
    let t = binary(lowering, BinaryOp::Sub, t, c)?;
    let yoe = floor_div(lowering, t, 365.0)?;
    // doy = doe - (365 yoe + floor(yoe/4) - floor(yoe/100))
    let y365 = scale(lowering, yoe, 365.0, 0.0)?;
    let y4 = floor_div(lowering, yoe, 4.0)?;
    let y100 = floor_div(lowering, yoe, 100.0)?;
    let s = binary(lowering, BinaryOp::Add, y365, y4)?;
    let s = binary(lowering, BinaryOp::Sub, s, y100)?;
    let doy = binary(lowering, BinaryOp::Sub, doe, s)?;
    // mp = floor((5 doy + 2) / 153); day = doy - floor((153 mp + 2) / 5) + 1
    let t = scale(lowering, doy, 5.0, 2.0)?;
    let mp = floor_div(lowering, t, 153.0)?;
    let t = scale(lowering, mp, 153.0, 2.0)?;
    let t = floor_div(lowering, t, 5.0)?;
    let t = binary(lowering, BinaryOp::Sub, doy, t)?;
    let one = constant(lowering, 1.0)?;
    let day = binary(lowering, BinaryOp::Add, t, one)?;
    // later = mp >= 10; month = mp + 3 - 12 later; year = yoe + 400 era + later
    let ten = constant(lowering, 10.0)?;
    let later = push(
        lowering,
        Op::Compare {
            op: CompareOp::Ge,
            a: mp,
            b: ten,
        },
    )?;
    let t = scale(lowering, mp, 1.0, 3.0)?;
    let month = minus_times(lowering, t, 12.0, later)?;
    let t = scale(lowering, era, 400.0, 0.0)?;
    let t = binary(lowering, BinaryOp::Add, yoe, t)?;
    let year = binary(lowering, BinaryOp::Add, t, later)?;
    Ok((year, month, day))
}
