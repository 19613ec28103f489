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
//!
//! `ln` is also evaluated in `f64` and rounded once: the exponent `e` and mantissa
//! `m` are taken from the bits (every `f32`, subnormals included, is a normal
//! `f64`), `m` is moved into `[sqrt(2)/2, sqrt(2)]`, and `ln m = 2 atanh(s)` with
//! `s = (m - 1) / (m + 1)` is summed to `s^21` (relative error below 1e-16).
//! `log1p` adds the rounding correction `(x - (u - 1)) / u` of `u = 1 + x`, and
//! `pow` feeds `b * ln a` (all in `f64`) to the same `exp` core as `exp`.

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

/// `sqrt(2)`: mantissas above it are halved so `|s| <= 0.1716` in the `atanh` series.
const SQRT_2: f64 = std::f64::consts::SQRT_2;
/// Odd terms of `atanh` after `s` kept by [`ln_f64`]: `s^3 / 3 .. s^21 / 21`.
const ATANH_TERMS: usize = 10;

/// Emits `exp(x)` for an `f32` value `x` and returns the `f32` result.
pub(crate) fn exp_f32(b: &mut FunctionBuilder<'_>, x: Value) -> Value {
    let xd = b.ins().fpromote(types::F64, x);
    exp_f64_to_f32(b, xd)
}

/// Emits `exp(xd)` for an `f64` value `xd`, rounded once to `f32`.
fn exp_f64_to_f32(b: &mut FunctionBuilder<'_>, xd: Value) -> Value {
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

/// Emits `ln(u)` in `f64` for a finite positive normal `f64` `u`; any other input
/// gives an unspecified finite or NaN value that callers replace with selects.
fn ln_core(b: &mut FunctionBuilder<'_>, u: Value) -> Value {
    let bits = b.ins().bitcast(types::I64, MemFlagsData::new(), u);
    let exp_bits = b.ins().ushr_imm_u(bits, 52);
    let e = b.ins().iadd_imm_s(exp_bits, -1023);
    let frac = b.ins().band_imm_u(bits, 0x000F_FFFF_FFFF_FFFFi64);
    let m_bits = b.ins().bor_imm_u(frac, 0x3FF0_0000_0000_0000i64);
    let m = b.ins().bitcast(types::F64, MemFlagsData::new(), m_bits);
    let sqrt2 = b.ins().f64const(SQRT_2);
    let big = b.ins().fcmp(FloatCC::GreaterThan, m, sqrt2);
    let half = b.ins().f64const(0.5);
    let m_half = b.ins().fmul(m, half);
    let m = b.ins().select(big, m_half, m);
    let e_up = b.ins().iadd_imm_s(e, 1);
    let e = b.ins().select(big, e_up, e);
    let e = b.ins().fcvt_from_sint(types::F64, e);

    let one = b.ins().f64const(1.0);
    let num = b.ins().fsub(m, one);
    let den = b.ins().fadd(m, one);
    let s = b.ins().fdiv(num, den);
    let z = b.ins().fmul(s, s);
    // Horner over z: sum_{k=0..ATANH_TERMS} z^k / (2k + 1).
    let mut p = b.ins().f64const(1.0 / (2 * ATANH_TERMS + 1) as f64);
    for k in (0..ATANH_TERMS).rev() {
        let t = b.ins().fmul(p, z);
        let c = b.ins().f64const(1.0 / (2 * k + 1) as f64);
        p = b.ins().fadd(t, c);
    }
    let two_s = b.ins().fadd(s, s);
    let ln_m = b.ins().fmul(two_s, p);
    let ln2 = b.ins().f64const(std::f64::consts::LN_2);
    let e_ln2 = b.ins().fmul(e, ln2);
    b.ins().fadd(e_ln2, ln_m)
}

/// Replaces `r` (an `f64` `ln` of `u` valid for finite `u > 0`) by the IEEE
/// special values: `+inf` for `u = +inf`, `-inf` for `u = ±0`, NaN for `u < 0` or NaN.
fn ln_specials(b: &mut FunctionBuilder<'_>, u: Value, r: Value) -> Value {
    let inf = b.ins().f64const(f64::INFINITY);
    let is_inf = b.ins().fcmp(FloatCC::Equal, u, inf);
    let r = b.ins().select(is_inf, inf, r);
    let zero = b.ins().f64const(0.0);
    let is_zero = b.ins().fcmp(FloatCC::Equal, u, zero);
    let neg_inf = b.ins().f64const(f64::NEG_INFINITY);
    let r = b.ins().select(is_zero, neg_inf, r);
    let bad = b.ins().fcmp(FloatCC::UnorderedOrLessThan, u, zero);
    let nan = b.ins().f64const(f64::NAN);
    b.ins().select(bad, nan, r)
}

/// Emits `ln(x)` for an `f32` `x` (as `f32::ln`: `-inf` at `±0`, NaN below `0`).
pub(crate) fn ln_f32(b: &mut FunctionBuilder<'_>, x: Value) -> Value {
    let xd = b.ins().fpromote(types::F64, x);
    let r = ln_core(b, xd);
    let r = ln_specials(b, xd, r);
    b.ins().fdemote(types::F32, r)
}

/// Emits `ln(1 + x)` for an `f32` `x` (as `f32::ln_1p`): `u = 1 + x` in `f64`,
/// `ln u + (x - (u - 1)) / u`, which stays accurate where `1 + x` rounds.
pub(crate) fn log1p_f32(b: &mut FunctionBuilder<'_>, x: Value) -> Value {
    let xd = b.ins().fpromote(types::F64, x);
    let one = b.ins().f64const(1.0);
    let u = b.ins().fadd(one, xd);
    let r = ln_core(b, u);
    let u1 = b.ins().fsub(u, one);
    let lost = b.ins().fsub(xd, u1);
    let corr = b.ins().fdiv(lost, u);
    let r = b.ins().fadd(r, corr);
    let r = ln_specials(b, u, r);
    b.ins().fdemote(types::F32, r)
}

/// Emits [`crate::ir::interp::pow`]: `exp(b ln a)` in `f64` for `a > 0`; for
/// `a == 0` `0` / `1` / `+inf` / NaN as `e` is positive / zero / negative / NaN;
/// NaN for `a < 0` or NaN.
pub(crate) fn pow_f32(b: &mut FunctionBuilder<'_>, a: Value, e: Value) -> Value {
    let ad = b.ins().fpromote(types::F64, a);
    let ed = b.ins().fpromote(types::F64, e);
    let l = ln_core(b, ad);
    let l = ln_specials(b, ad, l);
    let t = b.ins().fmul(ed, l);
    let r = exp_f64_to_f32(b, t);

    let zero = b.ins().f32const(0.0f32);
    let one = b.ins().f32const(1.0f32);
    let inf = b.ins().f32const(f32::INFINITY);
    let nan = b.ins().f32const(f32::NAN);
    let e_neg = b.ins().fcmp(FloatCC::LessThan, e, zero);
    let at_zero = b.ins().select(e_neg, inf, nan);
    let e_zero = b.ins().fcmp(FloatCC::Equal, e, zero);
    let at_zero = b.ins().select(e_zero, one, at_zero);
    let e_pos = b.ins().fcmp(FloatCC::GreaterThan, e, zero);
    let at_zero = b.ins().select(e_pos, zero, at_zero);
    let a_zero = b.ins().fcmp(FloatCC::Equal, a, zero);
    let r = b.ins().select(a_zero, at_zero, r);
    let bad = b.ins().fcmp(FloatCC::UnorderedOrLessThan, a, zero);
    b.ins().select(bad, nan, r)
}
