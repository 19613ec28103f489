//! Inline transcendental functions emitted as straight-line Cranelift IR (no calls,
//! no tables), so the row loop stays call-free.
//!
//! `exp` is evaluated in `f64` and rounded once to `f32`: range reduction
//! `x = n ln2 + r` with `|r| <= ln2 / 2`, a degree-9 Taylor polynomial for `e^r`
//! (Estrin's scheme)
//! (relative error below 1e-11) and `2^n` built from its exponent bits. The final
//! `fdemote` rounds correctly, so the result matches a correctly rounded `expf`
//! (and therefore `f32::exp`) except within ~1e-4 ulp of a rounding boundary,
//! overflow gives `inf`, deep underflow gives `0`, and NaN stays NaN.

use cranelift_codegen::ir::{condcodes::FloatCC, types, InstBuilder, MemFlagsData, Value};
use cranelift_frontend::FunctionBuilder;

/// Above this (in `f64`) `exp` overflows `f32` anyway: clamp here to keep `n` small.
const CLAMP_HI: f64 = 89.0;
/// Below this `exp` rounds to `0` in `f32` (`e^-104 < 2^-150`).
const CLAMP_LO: f64 = -104.0;
/// `1.5 * 2^52`: adding and subtracting it rounds an `f64` of magnitude < 2^51 to
/// the nearest integer, and the sum's low mantissa bits hold that integer.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;
/// High part of `ln 2` with trailing zero bits, so `n * LN2_HI` is exact for `|n| < 2^11`.
#[allow(clippy::excessive_precision)]
const LN2_HI: f64 = 6.931_471_803_691_238_2e-1;
/// `ln 2 - LN2_HI`.
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;

/// Emits `exp(x)` for an `f32` value `x` and returns the `f32` result.
pub(crate) fn exp_f32(b: &mut FunctionBuilder<'_>, x: Value) -> Value {
    let xd = b.ins().fpromote(types::F64, x);
    // Clamp with compare+select: a NaN compares false both times and passes through.
    let hi = b.ins().f64const(CLAMP_HI);
    let too_big = b.ins().fcmp(FloatCC::GreaterThan, xd, hi);
    let xd = b.ins().select(too_big, hi, xd);
    let lo = b.ins().f64const(CLAMP_LO);
    let too_small = b.ins().fcmp(FloatCC::LessThan, xd, lo);
    let xd = b.ins().select(too_small, lo, xd);

    let log2e = b.ins().f64const(std::f64::consts::LOG2_E);
    let v = b.ins().fmul(xd, log2e);
    let magic = b.ins().f64const(ROUND_MAGIC);
    let shifted = b.ins().fadd(v, magic);
    let n_f = b.ins().fsub(shifted, magic);
    let shifted_bits = b.ins().bitcast(types::I64, MemFlagsData::new(), shifted);
    let n = b.ins().iadd_imm_s(shifted_bits, -(ROUND_MAGIC.to_bits() as i64));

    let ln2_hi = b.ins().f64const(LN2_HI);
    let ln2_lo = b.ins().f64const(LN2_LO);
    let t = b.ins().fmul(n_f, ln2_hi);
    let r = b.ins().fsub(xd, t);
    let t = b.ins().fmul(n_f, ln2_lo);
    let r = b.ins().fsub(r, t);

    let p = taylor9(b, r);

    // n is in [-151, 129]: 2^n is a normal f64 built from its biased exponent.
    let biased = b.ins().iadd_imm_s(n, 1023);
    let bits = b.ins().ishl_imm_u(biased, 52);
    let scale = b.ins().bitcast(types::F64, MemFlagsData::new(), bits);
    let y = b.ins().fmul(p, scale);
    b.ins().fdemote(types::F32, y)
}

/// Emits `sum_{k=0..9} r^k / k!` in `f64` by Estrin's scheme (pairs `c[2i] + c[2i+1] r`
/// combined with `r^2`, `r^4`, `r^8`), which keeps the dependency chain four
/// multiply-add levels deep instead of nine.
fn taylor9(b: &mut FunctionBuilder<'_>, r: Value) -> Value {
    let mut fact = 1.0f64;
    let c: Vec<f64> = (0..10)
        .map(|k| {
            fact *= f64::from(k.max(1));
            1.0 / fact
        })
        .collect();
    let r2 = b.ins().fmul(r, r);
    let r4 = b.ins().fmul(r2, r2);
    let r8 = b.ins().fmul(r4, r4);
    let pairs: Vec<Value> = c
        .chunks_exact(2)
        .map(|pair| {
            let lo = b.ins().f64const(pair[0]);
            let hi = b.ins().f64const(pair[1]);
            let t = b.ins().fmul(hi, r);
            b.ins().fadd(lo, t)
        })
        .collect();
    let mul_add = |b: &mut FunctionBuilder<'_>, lo: Value, hi: Value, x: Value| {
        let t = b.ins().fmul(hi, x);
        b.ins().fadd(lo, t)
    };
    let q01 = mul_add(b, pairs[0], pairs[1], r2);
    let q23 = mul_add(b, pairs[2], pairs[3], r2);
    let q03 = mul_add(b, q01, q23, r4);
    mul_add(b, q03, pairs[4], r8)
}

/// Emits `1 / (1 + exp(-x))` in `f32`, in that order (as the interpreter does).
pub(crate) fn sigmoid_f32(b: &mut FunctionBuilder<'_>, x: Value) -> Value {
    let neg = b.ins().fneg(x);
    let e = exp_f32(b, neg);
    let one = b.ins().f32const(1.0f32);
    let d = b.ins().fadd(one, e);
    b.ins().fdiv(one, d)
}
