//! Dense layers computed in integers (`i8affine`, see
//! [`crate::ir::int8`]): the layer input is quantized to unsigned bytes four
//! at a time in `f32x4` lanes, then each group of four outputs adds, per four
//! inputs, one `i8x16` weight constant dotted with the four input bytes
//! broadcast to every lane. That dot-and-add is written as the tree of
//! widening multiplies and pairwise adds that Cranelift folds into one
//! `vpdpbusd` on CPUs with AVX-VNNI or AVX512-VNNI (16 multiply-adds per
//! instruction); elsewhere it lowers to a generic sequence with the same,
//! exact, result. Integer sums are exact in any order, so each group keeps
//! several partial sums to shorten its dependency chain; the `f32` steps
//! (scale, zero point, dequantization) are one instruction per operation of
//! the interpreter, in its order, so the results are bit-identical.

use crate::ir::int8::RowQuant;
use crate::ir::ActQuant;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{
    types, BlockArg, ConstantData, GlobalValue, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind,
    Type, Value,
};
use cranelift_frontend::FunctionBuilder;

/// Outputs per group, and inputs per dot product.
const LANES: usize = 4;
/// Partial sums per group of outputs.
const PARTIALS: usize = 4;

/// The quantization of a row as values: `(scale, inv, zero as f32, zero as
/// i32)`.
struct Quant {
    scale: Value,
    inv: Value,
    zero_f: Value,
    zero_i: Value,
}

/// Layers of more weights than this sum in a loop over a weight table (a
/// read-only data object, see [`weight_table`]); smaller ones are unrolled
/// with their weights as constants. Unrolled, a large layer's code outgrows
/// the instruction caches and its weight constants are hoisted out of the
/// row loop and spilled.
pub(crate) const LOOP_WEIGHTS: usize = 4096;

/// Chunks of four inputs the loop adds per iteration, one partial sum each.
const UNROLL: usize = 4;

/// `i8affine` of the substituted inputs `xs` (`used[j]`: input `j` has a
/// nonzero weight), as [`crate::ir::int8::int8_affine`] computes it; with
/// `table` (the data object of [`weight_table`] and the pointer type), the
/// sums run in a loop over it and the result is defined in a fresh block
/// that becomes the current one.
#[allow(clippy::too_many_arguments)]
pub(super) fn int8_affine(
    b: &mut FunctionBuilder<'_>,
    xs: &[Value],
    used: &[bool],
    weights: &[i8],
    scales: &[f32],
    bias: &[f32],
    activations: Option<ActQuant>,
    table: Option<(GlobalValue, Type)>,
) -> Vec<Value> {
    let inw = xs.len();
    let chunks = gather(b, xs, used);
    let zero4 = f32_vector(b, &[0.0; LANES]);
    let mut flag = zero4;
    for v in chunks.iter().flatten() {
        let t = b.ins().fmul(*v, zero4);
        flag = b.ins().fadd(flag, t);
    }
    let flag = fold_lanes(b, flag, |b, acc, lane| b.ins().fadd(acc, lane));
    let quant = match activations {
        Some(act) => {
            let q = RowQuant::fixed(act);
            Quant {
                scale: b.ins().f32const(q.scale),
                inv: b.ins().f32const(q.inv),
                zero_f: b.ins().f32const(q.zero as f32),
                zero_i: b.ins().iconst(types::I32, i64::from(q.zero)),
            }
        }
        None => dynamic(b, &chunks, zero4),
    };
    let bytes: Vec<Option<Value>> = chunks.iter().map(|v| v.map(|v| quantize(b, v, &quant))).collect();
    let static_zero = activations.map(|a| i64::from(a.zero));
    let flag4 = b.ins().splat(types::F32X4, flag);
    let scale4 = b.ins().splat(types::F32X4, quant.scale);
    let zero_i4 = b.ins().splat(types::I32X4, quant.zero_i);
    let groups: Vec<Vec<usize>> = (0..bias.len())
        .step_by(LANES)
        .map(|first| (first..(first + LANES).min(bias.len())).collect())
        .collect();
    let sums: Vec<Value> = match table {
        Some((gv, ptr)) => looped_sums(b, ptr, gv, &bytes, groups.len()),
        None => groups
            .iter()
            .map(|rows| group_sum(b, weights, inw, rows, &bytes))
            .collect(),
    };
    let mut outs = Vec::with_capacity(bias.len());
    for (rows, acc) in groups.iter().zip(sums) {
        let row_sums: Vec<i64> = rows
            .iter()
            .map(|&r| {
                weights[r * inw..(r + 1) * inw]
                    .iter()
                    .map(|&q| i64::from(q))
                    .sum()
            })
            .collect();
        // sum_j w (u - z) = sum_j w u - z sum_j w; both sides wrap alike in i32.
        let acc = match static_zero {
            Some(z) => {
                let c: Vec<i32> = row_sums.iter().map(|&s| (-z * s) as i32).collect();
                let c = i32_vector(b, &c);
                b.ins().iadd(acc, c)
            }
            None => {
                let sums: Vec<i32> = row_sums.iter().map(|&s| s as i32).collect();
                let sums = i32_vector(b, &sums);
                let correction = b.ins().imul(zero_i4, sums);
                b.ins().isub(acc, correction)
            }
        };
        let f = b.ins().fcvt_from_sint(types::F32X4, acc);
        let f = b.ins().fmul(scale4, f);
        let s = f32_vector(b, &rows.iter().map(|&r| scales[r]).collect::<Vec<_>>());
        let f = b.ins().fmul(s, f);
        let bv = f32_vector(b, &rows.iter().map(|&r| bias[r]).collect::<Vec<_>>());
        let f = b.ins().fadd(bv, f);
        let f = b.ins().fadd(f, flag4);
        for lane in 0..rows.len() {
            outs.push(b.ins().extractlane(f, lane as u8));
        }
    }
    outs
}

/// The inputs four at a time as `f32x4` (an unused input or a lane past the
/// end is `0.0`), `None` for four inputs none of which is used.
fn gather(b: &mut FunctionBuilder<'_>, xs: &[Value], used: &[bool]) -> Vec<Option<Value>> {
    (0..xs.len())
        .step_by(LANES)
        .map(|first| {
            let lanes: Vec<Option<Value>> = (first..first + LANES)
                .map(|j| (j < xs.len() && used[j]).then(|| xs[j]))
                .collect();
            if lanes.iter().all(Option::is_none) {
                return None;
            }
            let mut v = f32_vector(b, &[0.0; LANES]);
            for (lane, x) in lanes.iter().enumerate() {
                if let Some(x) = *x {
                    v = b.ins().insertlane(v, x, lane as u8);
                }
            }
            Some(v)
        })
        .collect()
}

/// The row's own quantization ([`RowQuant::of_range`] of the used inputs'
/// range widened to include 0).
fn dynamic(b: &mut FunctionBuilder<'_>, chunks: &[Option<Value>], zero4: Value) -> Quant {
    let (mut lo, mut hi) = (zero4, zero4);
    for v in chunks.iter().flatten() {
        lo = keep_if(b, FloatCC::LessThan, *v, lo);
        hi = keep_if(b, FloatCC::GreaterThan, *v, hi);
    }
    let lo = fold_lanes(b, lo, |b, acc, lane| {
        let smaller = b.ins().fcmp(FloatCC::LessThan, lane, acc);
        b.ins().select(smaller, lane, acc)
    });
    let hi = fold_lanes(b, hi, |b, acc, lane| {
        let larger = b.ins().fcmp(FloatCC::GreaterThan, lane, acc);
        b.ins().select(larger, lane, acc)
    });
    let range = b.ins().fsub(hi, lo);
    let zero = b.ins().f32const(0.0f32);
    let positive = b.ins().fcmp(FloatCC::GreaterThan, range, zero);
    let steps = b.ins().f32const(255.0f32);
    let inv = b.ins().fdiv(steps, range);
    let inv = b.ins().select(positive, inv, zero);
    let scale = b.ins().fdiv(range, steps);
    let scale = b.ins().select(positive, scale, zero);
    let neg = b.ins().fneg(lo);
    let z = b.ins().fmul(neg, inv);
    let z = b.ins().nearest(z);
    let z = b.ins().fcvt_to_sint_sat(types::I32, z);
    let z = clamp_byte(b, types::I32, z);
    let izero = b.ins().iconst(types::I32, 0);
    let zero_i = b.ins().select(positive, z, izero);
    let zero_f = b.ins().fcvt_from_sint(types::F32, zero_i);
    Quant {
        scale,
        inv,
        zero_f,
        zero_i,
    }
}

/// Lane by lane, `v` where `v cc acc` holds, else `acc` (a NaN never holds).
fn keep_if(b: &mut FunctionBuilder<'_>, cc: FloatCC, v: Value, acc: Value) -> Value {
    let mask = b.ins().fcmp(cc, v, acc);
    let mask = b.ins().bitcast(types::F32X4, MemFlagsData::new(), mask);
    b.ins().bitselect(mask, v, acc)
}

/// `f(f(f(f(+0 or lane 0 ...))))`: folds the four lanes of `v` in order,
/// starting from lane 0 (`+0.0` first for a sum, see the callers).
fn fold_lanes(
    b: &mut FunctionBuilder<'_>,
    v: Value,
    f: impl Fn(&mut FunctionBuilder<'_>, Value, Value) -> Value,
) -> Value {
    let mut acc = b.ins().f32const(0.0f32);
    for lane in 0..LANES {
        let x = b.ins().extractlane(v, lane as u8);
        acc = f(b, acc, x);
    }
    acc
}

/// `clamp(x, 0, 255)` lane by lane in the integer type `ty`.
fn clamp_byte(b: &mut FunctionBuilder<'_>, ty: Type, x: Value) -> Value {
    let (lo, hi) = if ty.is_vector() {
        (i32_vector(b, &[0; LANES]), i32_vector(b, &[255; LANES]))
    } else {
        (b.ins().iconst(ty, 0), b.ins().iconst(ty, 255))
    };
    let x = b.ins().smax(x, lo);
    b.ins().smin(x, hi)
}

/// The four input bytes of `v` (`clamp(round(x * inv) + zero, 0, 255)`),
/// repeated in every 32-bit lane of an `i8x16`.
fn quantize(b: &mut FunctionBuilder<'_>, v: Value, q: &Quant) -> Value {
    let inv = b.ins().splat(types::F32X4, q.inv);
    let zero = b.ins().splat(types::F32X4, q.zero_f);
    let t = b.ins().fmul(v, inv);
    let t = b.ins().nearest(t);
    let t = b.ins().fadd(t, zero);
    let i = b.ins().fcvt_to_sint_sat(types::I32X4, t);
    let i = clamp_byte(b, types::I32X4, i);
    let h = b.ins().snarrow(i, i);
    let u = b.ins().unarrow(h, h);
    let mask: Vec<u8> = (0..16).map(|k| (k % 4) as u8).collect();
    let mask = b.func.dfg.immediates.push(ConstantData::from(mask));
    b.ins().shuffle(u, u, mask)
}

/// `sum_j w[r, j] * u[j]` for the output `rows` (at most four) as an `i32x4`,
/// in [`PARTIALS`] partial sums added at the end.
fn group_sum(
    b: &mut FunctionBuilder<'_>,
    weights: &[i8],
    inw: usize,
    rows: &[usize],
    bytes: &[Option<Value>],
) -> Value {
    let mut partials: Vec<Value> = Vec::with_capacity(PARTIALS);
    let mut k = 0;
    for (c, u) in bytes.iter().enumerate() {
        let Some(u) = *u else { continue };
        let w = block(weights, inw, rows, c);
        if w.iter().all(|&q| q == 0) {
            continue;
        }
        let c = constant(b, w.iter().map(|&q| q as u8));
        let w = b.ins().vconst(types::I8X16, c);
        if partials.len() < PARTIALS {
            let zero = i32_vector(b, &[0; LANES]);
            partials.push(dot_add(b, w, u, zero));
        } else {
            partials[k] = dot_add(b, w, u, partials[k]);
        }
        k = (k + 1) % PARTIALS;
    }
    let mut sums = partials.into_iter();
    let Some(first) = sums.next() else {
        return i32_vector(b, &[0; LANES]);
    };
    sums.fold(first, |acc, p| b.ins().iadd(acc, p))
}

/// The weight table of an `i8affine` of `inw` inputs and `rows` outputs for
/// [`looped_sums`]: for each group of four rows and each chunk of four inputs
/// (chunks padded with zeros to a multiple of [`UNROLL`]), 16 bytes, row
/// `first + l`'s four weights at `4 l`, as [`group_sum`] builds its constants.
pub(crate) fn weight_table(weights: &[i8], inw: usize, rows: usize) -> Vec<u8> {
    let chunks = padded_chunks(inw);
    let mut table = Vec::with_capacity(rows.div_ceil(LANES) * chunks * 16);
    for first in (0..rows).step_by(LANES) {
        let group: Vec<usize> = (first..(first + LANES).min(rows)).collect();
        for c in 0..chunks {
            table.extend(block(weights, inw, &group, c).iter().map(|&q| q as u8));
        }
    }
    table
}

/// The 16 weights one dot product takes: row `rows[l]`'s weights of inputs
/// `4c..4c + 4` at `4 l`, zero past the last input or row.
fn block(weights: &[i8], inw: usize, rows: &[usize], c: usize) -> [i8; 16] {
    let mut w = [0i8; 16];
    for (lane, &r) in rows.iter().enumerate() {
        for i in 0..LANES {
            let j = c * LANES + i;
            if j < inw {
                w[lane * LANES + i] = weights[r * inw + j];
            }
        }
    }
    w
}

/// Chunks of four of `inw` inputs, rounded up to a multiple of [`UNROLL`].
fn padded_chunks(inw: usize) -> usize {
    inw.div_ceil(LANES).div_ceil(UNROLL) * UNROLL
}

/// The sums of [`group_sum`] for `groups` groups, computed by a loop: the
/// input bytes go to a stack buffer (an unused chunk as zeros, which its zero
/// weights ignore), then for every group, [`UNROLL`] chunks per iteration of
/// table weights times buffer bytes, into one partial sum each, added and
/// stored per group; the sums are loaded back in the block after the loop.
fn looped_sums(
    b: &mut FunctionBuilder<'_>,
    ptr: Type,
    gv: GlobalValue,
    bytes: &[Option<Value>],
    groups: usize,
) -> Vec<Value> {
    let chunks = padded_chunks(bytes.len() * LANES);
    let slot = |b: &mut FunctionBuilder<'_>, size: usize| {
        b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, size as u32, 4))
    };
    let (inputs, sums) = (slot(b, chunks * 16), slot(b, groups * 16));
    let zero_bytes = {
        let c = constant(b, std::iter::repeat_n(0u8, 16));
        b.ins().vconst(types::I8X16, c)
    };
    for c in 0..chunks {
        let v = bytes.get(c).copied().flatten().unwrap_or(zero_bytes);
        b.ins().stack_store(ptr, v, inputs, (c * 16) as i32);
    }
    let table = b.ins().symbol_value(ptr, gv);
    let first_input = b.ins().stack_addr(ptr, inputs, 0);
    let first_sum = b.ins().stack_addr(ptr, sums, 0);
    let [outer, inner, done, after] = [(); 4].map(|()| b.create_block());
    let zero = b.ins().iconst(ptr, 0);
    b.ins()
        .jump(outer, &[zero.into(), table.into(), first_sum.into()]);

    // outer(g, w, s): a group's partial sums start at zero.
    b.switch_to_block(outer);
    let [g, w, s] = [(); 3].map(|()| b.append_block_param(outer, ptr));
    let z = i32_vector(b, &[0; LANES]);
    let mut args: Vec<BlockArg> = vec![zero.into(), w.into(), first_input.into()];
    args.extend(std::iter::repeat_n(BlockArg::from(z), UNROLL));
    b.ins().jump(inner, &args);

    // inner(c, w, u, p..): UNROLL chunks, one into each partial sum.
    b.switch_to_block(inner);
    let [c, w, u] = [(); 3].map(|()| b.append_block_param(inner, ptr));
    let partials: Vec<Value> = (0..UNROLL)
        .map(|_| b.append_block_param(inner, types::I32X4))
        .collect();
    let mut next = Vec::with_capacity(UNROLL);
    for (k, &p) in partials.iter().enumerate() {
        let offset = (k * 16) as i32;
        let wk = b
            .ins()
            .load(types::I8X16, MemFlagsData::trusted().with_readonly(), w, offset);
        let uk = b.ins().load(types::I8X16, MemFlagsData::trusted(), u, offset);
        next.push(dot_add(b, wk, uk, p));
    }
    let step = (UNROLL * 16) as i64;
    let c_next = b.ins().iadd_imm_s(c, UNROLL as i64);
    let w_next = b.ins().iadd_imm_s(w, step);
    let u_next = b.ins().iadd_imm_s(u, step);
    let more = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, c_next, chunks as i64);
    let mut again: Vec<BlockArg> = vec![c_next.into(), w_next.into(), u_next.into()];
    again.extend(next.iter().map(|&p| BlockArg::from(p)));
    let mut finish: Vec<BlockArg> = vec![w_next.into()];
    finish.extend(next.iter().map(|&p| BlockArg::from(p)));
    b.ins().brif(more, inner, &again, done, &finish);

    // done(w, p..): the group's sum to its slot, on to the next group.
    b.switch_to_block(done);
    let w = b.append_block_param(done, ptr);
    let partials: Vec<Value> = (0..UNROLL)
        .map(|_| b.append_block_param(done, types::I32X4))
        .collect();
    let sum = partials[1..]
        .iter()
        .fold(partials[0], |acc, &p| b.ins().iadd(acc, p));
    b.ins().store(MemFlagsData::trusted(), sum, s, 0);
    let g_next = b.ins().iadd_imm_s(g, 1);
    let s_next = b.ins().iadd_imm_s(s, 16);
    let more = b.ins().icmp_imm_u(IntCC::UnsignedLessThan, g_next, groups as i64);
    b.ins()
        .brif(more, outer, &[g_next.into(), w.into(), s_next.into()], after, &[]);

    for block in [outer, inner, done, after] {
        b.seal_block(block);
    }
    b.switch_to_block(after);
    (0..groups)
        .map(|g| b.ins().stack_load(ptr, types::I32X4, sums, (g * 16) as i32))
        .collect()
}

/// `acc + dot` where lane `k` of `dot` is `sum_i w[4k + i] * u[4k + i]`
/// (`w` signed, `u` unsigned bytes): the form Cranelift lowers to
/// `vpdpbusd acc, u, w` on VNNI hosts.
fn dot_add(b: &mut FunctionBuilder<'_>, w: Value, u: Value, acc: Value) -> Value {
    let wl = b.ins().swiden_low(w);
    let ul = b.ins().uwiden_low(u);
    let lo = b.ins().imul(wl, ul);
    let wh = b.ins().swiden_high(w);
    let uh = b.ins().uwiden_high(u);
    let hi = b.ins().imul(wh, uh);
    let lo_l = b.ins().swiden_low(lo);
    let lo_h = b.ins().swiden_high(lo);
    let lo = b.ins().iadd_pairwise(lo_l, lo_h);
    let hi_l = b.ins().swiden_low(hi);
    let hi_h = b.ins().swiden_high(hi);
    let hi = b.ins().iadd_pairwise(hi_l, hi_h);
    let dot = b.ins().iadd_pairwise(lo, hi);
    b.ins().iadd(dot, acc)
}

/// A constant-pool entry of `bytes`.
fn constant(b: &mut FunctionBuilder<'_>, bytes: impl Iterator<Item = u8>) -> cranelift_codegen::ir::Constant {
    b.func
        .dfg
        .constants
        .insert(ConstantData::from(bytes.collect::<Vec<u8>>()))
}

/// An `f32x4` constant (missing lanes are 0).
fn f32_vector(b: &mut FunctionBuilder<'_>, values: &[f32]) -> Value {
    let bytes = (0..LANES).flat_map(|l| values.get(l).copied().unwrap_or(0.0).to_le_bytes());
    let c = constant(b, bytes);
    b.ins().vconst(types::F32X4, c)
}

/// An `i32x4` constant (missing lanes are 0).
fn i32_vector(b: &mut FunctionBuilder<'_>, values: &[i32]) -> Value {
    let bytes = (0..LANES).flat_map(|l| values.get(l).copied().unwrap_or(0).to_le_bytes());
    let c = constant(b, bytes);
    b.ins().vconst(types::I32X4, c)
}
