//! Inline code for [`Op::KnnImpute`](crate::ir::Op::KnnImpute): real loops (blocks
//! with counters) over the training rows, which live in a read-only JIT data
//! object, and a top-`k` insertion into two stack slots per op instance. No calls.
//!
//! The emitted arithmetic follows [`interp::knn_impute`] step for step: the same
//! `f64` distance accumulation order, the same strict `<` admission against the
//! `k'`-th best, the same "insert after every entry `<=`" placement and the same
//! in-order `f64` sum of the kept values, so results are bit-identical.

use cranelift_codegen::ir::{
    condcodes::{FloatCC, IntCC},
    types, Block, GlobalValue, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value,
};
use cranelift_frontend::FunctionBuilder;

use crate::ir::interp;

/// Emits the imputation of one row `xs` (width `d`) against `train` (`n * d`
/// values, read at run time through the data object `data`) and returns the `d`
/// output values, defined in a fresh block that becomes the current one.
pub(crate) fn emit_knn(
    b: &mut FunctionBuilder<'_>,
    ptr: Type,
    xs: &[Value],
    train: &[f32],
    k: u32,
    data: GlobalValue,
) -> Vec<Value> {
    let d = xs.len();
    let n = train.len() / d;
    let kk = (k as usize).min(n).max(1);
    let means = interp::knn_column_means(train, d);
    let mut blocks: Vec<Block> = Vec::new();
    let mut block = |b: &mut FunctionBuilder<'_>| {
        let blk = b.create_block();
        blocks.push(blk);
        blk
    };

    // Fast path: a row with no missing value jumps straight to `merge`.
    let mut any = b.ins().fcmp(FloatCC::Unordered, xs[0], xs[0]);
    for &x in &xs[1..] {
        let nan = b.ins().fcmp(FloatCC::Unordered, x, x);
        any = b.ins().bor(any, nan);
    }
    let search = block(b);
    let merge = block(b);
    for _ in 0..d {
        b.append_block_param(merge, types::F32);
    }
    let pass: Vec<_> = xs.iter().map(|&x| x.into()).collect();
    b.ins().brif(any, search, &[], merge, &pass);
    b.switch_to_block(search);

    let base = b.ins().symbol_value(ptr, data);
    let dist_slot = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        (kk * 8) as u32,
        3,
    ));
    let val_slot = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        (kk * 4) as u32,
        2,
    ));
    let flags = MemFlagsData::trusted();
    let mut outs = Vec::with_capacity(d);
    for j in 0..d {
        let col = block(b);
        let after = block(b);
        let out_j = b.append_block_param(after, types::F32);
        let missing = b.ins().fcmp(FloatCC::Unordered, xs[j], xs[j]);
        b.ins().brif(missing, col, &[], after, &[xs[j].into()]);

        // col: i = 0, p = base, cnt = 0.
        b.switch_to_block(col);
        let head = block(b);
        let i = b.append_block_param(head, ptr);
        let p = b.append_block_param(head, ptr);
        let cnt = b.append_block_param(head, ptr);
        let zero = b.ins().iconst(ptr, 0);
        b.ins().jump(head, &[zero.into(), base.into(), zero.into()]);

        // head: while i < n.
        b.switch_to_block(head);
        let body = block(b);
        let done = block(b);
        let done_cnt = b.append_block_param(done, ptr);
        let next = block(b);
        let next_cnt = b.append_block_param(next, ptr);
        let n_v = b.ins().iconst(ptr, n as i64);
        let more = b.ins().icmp(IntCC::UnsignedLessThan, i, n_v);
        b.ins().brif(more, body, &[], done, &[cnt.into()]);

        // body: skip rows where column j is missing.
        b.switch_to_block(body);
        let tj = b.ins().load(types::F32, flags, p, (j * 4) as i32);
        let t_nan = b.ins().fcmp(FloatCC::Unordered, tj, tj);
        let dist = block(b);
        b.ins().brif(t_nan, next, &[cnt.into()], dist, &[]);

        // dist: e = nan_euclidean_sq(x, t); admit when e < worst.
        b.switch_to_block(dist);
        let e = distance(b, xs, p);
        let kk_v = b.ins().iconst(ptr, kk as i64);
        let full = b.ins().icmp(IntCC::Equal, cnt, kk_v);
        let last = b
            .ins()
            .stack_load(ptr, types::F64, dist_slot, ((kk - 1) * 8) as i32);
        let inf = b.ins().f64const(f64::INFINITY);
        let worst = b.ins().select(full, last, inf);
        let admit = b.ins().fcmp(FloatCC::LessThan, e, worst);
        let ins = block(b);
        b.ins().brif(admit, ins, &[], next, &[cnt.into()]);

        // ins: s = full ? kk - 1 : cnt; shift entries with dist > e up by one.
        b.switch_to_block(ins);
        let kk_m1 = b.ins().iconst(ptr, kk as i64 - 1);
        let s0 = b.ins().select(full, kk_m1, cnt);
        let shift = block(b);
        let s = b.append_block_param(shift, ptr);
        b.ins().jump(shift, &[s0.into()]);
        b.switch_to_block(shift);
        let check = block(b);
        let place = block(b);
        let place_s = b.append_block_param(place, ptr);
        let positive = b.ins().icmp(IntCC::NotEqual, s, zero);
        b.ins().brif(positive, check, &[], place, &[s.into()]);

        b.switch_to_block(check);
        let s_m1 = b.ins().iadd_imm_s(s, -1);
        let (dist_prev, val_prev) = slot_addrs(b, ptr, dist_slot, val_slot, s_m1);
        let prev = b.ins().load(types::F64, flags, dist_prev, 0);
        let above = b.ins().fcmp(FloatCC::GreaterThan, prev, e);
        let move_up = block(b);
        b.ins().brif(above, move_up, &[], place, &[s.into()]);

        b.switch_to_block(move_up);
        let (dist_s, val_s) = slot_addrs(b, ptr, dist_slot, val_slot, s);
        b.ins().store(flags, prev, dist_s, 0);
        let v_prev = b.ins().load(types::F32, flags, val_prev, 0);
        b.ins().store(flags, v_prev, val_s, 0);
        b.ins().jump(shift, &[s_m1.into()]);

        b.switch_to_block(place);
        let (dist_s, val_s) = slot_addrs(b, ptr, dist_slot, val_slot, place_s);
        b.ins().store(flags, e, dist_s, 0);
        b.ins().store(flags, tj, val_s, 0);
        let cnt_p1 = b.ins().iadd_imm_s(cnt, 1);
        let cnt2 = b.ins().select(full, cnt, cnt_p1);
        b.ins().jump(next, &[cnt2.into()]);

        // next: advance to the following training row.
        b.switch_to_block(next);
        let i2 = b.ins().iadd_imm_s(i, 1);
        let p2 = b.ins().iadd_imm_s(p, (d * 4) as i64);
        b.ins().jump(head, &[i2.into(), p2.into(), next_cnt.into()]);

        // done: no candidate gives the mean, else the in-order f64 average.
        b.switch_to_block(done);
        let none = b.ins().icmp(IntCC::Equal, done_cnt, zero);
        let mean = b.ins().f32const(means[j]);
        let avg = block(b);
        b.ins().brif(none, after, &[mean.into()], avg, &[]);
        b.switch_to_block(avg);
        let sum_head = block(b);
        let sk = b.append_block_param(sum_head, ptr);
        let acc = b.append_block_param(sum_head, types::F64);
        let acc0 = b.ins().f64const(0.0);
        b.ins().jump(sum_head, &[zero.into(), acc0.into()]);
        b.switch_to_block(sum_head);
        let sum_body = block(b);
        let sum_done = block(b);
        let more = b.ins().icmp(IntCC::UnsignedLessThan, sk, done_cnt);
        b.ins().brif(more, sum_body, &[], sum_done, &[]);
        b.switch_to_block(sum_body);
        let (_, val_k) = slot_addrs(b, ptr, dist_slot, val_slot, sk);
        let v = b.ins().load(types::F32, flags, val_k, 0);
        let v = b.ins().fpromote(types::F64, v);
        let acc2 = b.ins().fadd(acc, v);
        let sk2 = b.ins().iadd_imm_s(sk, 1);
        b.ins().jump(sum_head, &[sk2.into(), acc2.into()]);
        b.switch_to_block(sum_done);
        let count = b.ins().fcvt_from_uint(types::F64, done_cnt);
        let r = b.ins().fdiv(acc, count);
        let r = b.ins().fdemote(types::F32, r);
        b.ins().jump(after, &[r.into()]);

        b.switch_to_block(after);
        outs.push(out_j);
    }
    let outs: Vec<_> = outs.iter().map(|&v| v.into()).collect();
    b.ins().jump(merge, &outs);
    b.switch_to_block(merge);
    for blk in blocks {
        b.seal_block(blk);
    }
    b.block_params(merge).to_vec()
}

/// [`interp::nan_euclidean_sq`] of `xs` against the training row at `p`: the sum
/// and count in `f64`, coordinate by coordinate, then `(sum * d) / count`.
fn distance(b: &mut FunctionBuilder<'_>, xs: &[Value], p: Value) -> Value {
    let mut sum = b.ins().f64const(0.0);
    let mut count = b.ins().f64const(0.0);
    let zero = b.ins().f64const(0.0);
    let one = b.ins().f64const(1.0);
    for (c, &x) in xs.iter().enumerate() {
        let t = b
            .ins()
            .load(types::F32, MemFlagsData::trusted(), p, (c * 4) as i32);
        let present = b.ins().fcmp(FloatCC::Ordered, x, t);
        let xd = b.ins().fpromote(types::F64, x);
        let td = b.ins().fpromote(types::F64, t);
        let diff = b.ins().fsub(xd, td);
        let sq = b.ins().fmul(diff, diff);
        let term = b.ins().select(present, sq, zero);
        sum = b.ins().fadd(sum, term);
        let step = b.ins().select(present, one, zero);
        count = b.ins().fadd(count, step);
    }
    let dd = b.ins().f64const(xs.len() as f64);
    let scaled = b.ins().fmul(sum, dd);
    b.ins().fdiv(scaled, count)
}

/// Addresses of entry `s` (a run-time index) of the distance and value slots.
fn slot_addrs(
    b: &mut FunctionBuilder<'_>,
    ptr: Type,
    dist_slot: cranelift_codegen::ir::StackSlot,
    val_slot: cranelift_codegen::ir::StackSlot,
    s: Value,
) -> (Value, Value) {
    let dist_base = b.ins().stack_addr(ptr, dist_slot, 0);
    let val_base = b.ins().stack_addr(ptr, val_slot, 0);
    let off8 = b.ins().ishl_imm_u(s, 3);
    let off4 = b.ins().ishl_imm_u(s, 2);
    (b.ins().iadd(dist_base, off8), b.ins().iadd(val_base, off4))
}
