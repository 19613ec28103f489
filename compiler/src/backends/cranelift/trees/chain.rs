//! The chained walk ([`TreeWalk::Chain`](crate::ir::TreeWalk::Chain)) of a
//! one-output forest: every leaf's record links to the next tree's root, so
//! a row walks the whole ensemble as one path and takes only its own
//! splits, where the table walk takes every tree's depth.
//!
//! The data object is one array of 16-byte records `[slot, threshold, left,
//! value]` (the table walk's, see the parent module, with the value in the
//! fourth word):
//!
//! - a split: `slot` and `threshold` as in the table walk, `left` the byte
//!   offset of its left child (the right child is the next record), `value`
//!   `-0.0`;
//! - a leaf: slot 0 (the constant `0.0`), threshold `+inf` (so it always
//!   goes "left"), `left` the offset of the next tree's root and `value` its
//!   value;
//! - after the last tree's nodes, the terminal record: a leaf of value
//!   `-0.0` whose `left` is itself.
//!
//! The tree-by-tree table of the parent module follows, for single rows.
//!
//! Each step adds the record's `value` to the row's sum. `x + (-0.0)` is `x`
//! for every `f32` (`+0.0` included), so the sum is [`Forest::eval`]'s:
//! `base`, then each tree's leaf in tree order. The rows of a group step
//! together, [`STEPS`] steps between checks, until every row rests on the
//! terminal record; a row that is done early keeps stepping on it, adding
//! `-0.0`.

use cranelift_codegen::ir::{
    condcodes::{FloatCC, IntCC},
    types, BlockArg, GlobalValue, InstBuilder, MemFlagsData, Type, Value,
};
use cranelift_frontend::FunctionBuilder;

use super::{each_record, load_u32, table_words, Record, Slots, TableLayout, NODE_BYTES};
use crate::backends::cranelift::jit::DataObject;
use crate::backends::cranelift::CodegenError;
use crate::ir::Forest;

/// Steps between the checks of whether every row of the group is done: the
/// check costs about two instructions per row, a step about ten. 8 ran the
/// 500-tree LightGBM benchmark model 3-5% faster than 4 (0.72-0.74 M
/// against 0.68-0.70 M rows/s on one thread); a group overshoots its last
/// row by at most 7 steps of its some 2,200.
const STEPS: usize = 8;

/// Encodes the one-output `forest` as the chained records above; `None`
/// when it has more than one output or exceeds 4 GiB.
pub(crate) fn encode_chain(forest: &Forest) -> Result<(TableLayout, DataObject), CodegenError> {
    let too_large = || {
        CodegenError::TooLarge(format!(
            "a chained tree table of {} nodes exceeds 4 GiB",
            forest.nodes.len()
        ))
    };
    if forest.width() != 1 {
        return Err(CodegenError::TooLarge(format!(
            "a chained walk of a forest of {} outputs (one only)",
            forest.width()
        )));
    }
    let n_nodes = u32::try_from(forest.nodes.len()).map_err(|_| too_large())?;
    let terminal = n_nodes.checked_mul(NODE_BYTES).ok_or_else(too_large)?;
    terminal.checked_add(NODE_BYTES).ok_or_else(too_large)?;
    let mut slots = Slots::default();
    let mut words = vec![0u32; forest.nodes.len() * 4 + 4];
    let n_trees = forest.roots.len();
    for t in 0..n_trees {
        let next = if t + 1 < n_trees {
            forest.roots[t + 1] * NODE_BYTES
        } else {
            terminal
        };
        each_record(forest, t, &mut slots, |at, record| {
            let words_at = &mut words[at * 4..at * 4 + 4];
            match record {
                Record::Split(split) => {
                    words_at.copy_from_slice(&[split[0], split[1], split[2], (-0.0f32).to_bits()]);
                }
                Record::Leaf(value) => {
                    let v = forest.leaves[value as usize];
                    words_at.copy_from_slice(&[0, f32::INFINITY.to_bits(), next, v.to_bits()]);
                }
            }
        });
    }
    let end = forest.nodes.len() * 4;
    words[end..].copy_from_slice(&[0, f32::INFINITY.to_bits(), terminal, (-0.0f32).to_bits()]);
    let (mut alt, table) = table_words(forest)?;
    alt.origin = terminal + NODE_BYTES;
    u32::try_from(words.len() + table.len())
        .ok()
        .and_then(|n| n.checked_mul(4))
        .ok_or_else(too_large)?;
    words.extend(table);
    let layout = TableLayout {
        spills: slots.spills,
        trees_at: terminal,
        n_trees: n_trees as u32,
        base: forest.base.clone(),
        compact: false,
        chain: true,
        origin: 0,
        alt: Some(Box::new(alt)),
    };
    Ok((layout, DataObject::from_u32s(&words)))
}

/// Emits the chained walk of `layout`'s forest (data object address `data`)
/// for groups of `group` rows whose spill areas lie from `x` up to `x +
/// x_end` (a multiple of `group` rows, at least one group) and whose sums at
/// `acc` already hold the base. Leaves a fresh block current.
#[allow(clippy::too_many_arguments)]
pub(crate) fn emit_chain_loop(
    b: &mut FunctionBuilder<'_>,
    ptr: Type,
    layout: &TableLayout,
    data: GlobalValue,
    x: Value,
    acc: Value,
    group: usize,
    x_end: Value,
) {
    let row_bytes = layout.row_bytes();
    let table_flags = MemFlagsData::trusted().with_readonly();
    let flags = MemFlagsData::trusted();
    let table = b.ins().symbol_value(ptr, data);
    let sub = b.create_block();
    let gx = b.append_block_param(sub, ptr);
    let ga = b.append_block_param(sub, ptr);
    let step = b.create_block();
    let here: Vec<Value> = (0..group).map(|_| b.append_block_param(step, ptr)).collect();
    let sums: Vec<Value> = (0..group)
        .map(|_| b.append_block_param(step, types::F32))
        .collect();
    let finish = b.create_block();
    let done_sums: Vec<Value> = (0..group)
        .map(|_| b.append_block_param(finish, types::F32))
        .collect();
    let done = b.create_block();
    let z = b.ins().iconst(ptr, 0);
    b.ins().jump(sub, &[z.into(), z.into()]);

    // sub(gx, ga): every row of the group starts at the first root.
    b.switch_to_block(sub);
    let sp = b.ins().iadd(acc, ga);
    let mut args: Vec<BlockArg> = (0..group).map(|_| BlockArg::Value(z)).collect();
    for r in 0..group {
        args.push(b.ins().load(types::F32, flags, sp, (4 * r) as i32).into());
    }
    b.ins().jump(step, &args);

    // step(n.., s..): STEPS steps of every row, then the check.
    b.switch_to_block(step);
    let xg = b.ins().iadd(x, gx);
    let mut n = here.clone();
    let mut s = sums.clone();
    for _ in 0..STEPS {
        for r in 0..group {
            let p = b.ins().iadd(table, n[r]);
            let feature = load_u32(b, ptr, table_flags, p, 0);
            let threshold = b.ins().load(types::F32, table_flags, p, 4);
            let left = load_u32(b, ptr, table_flags, p, 8);
            let value = b.ins().load(types::F32, table_flags, p, 12);
            let xp = b.ins().iadd(xg, feature);
            let v = b.ins().load(types::F32, flags, xp, (r * row_bytes) as i32);
            let go_left = b.ins().fcmp(FloatCC::LessThanOrEqual, v, threshold);
            let right = b.ins().iadd_imm_u(left, i64::from(NODE_BYTES));
            n[r] = b.ins().select(go_left, left, right);
            s[r] = b.ins().fadd(s[r], value);
        }
    }
    // Some row is not on the terminal record yet: any bit of `n ^ terminal`.
    let mut pending = b.ins().bxor_imm_u(n[0], i64::from(layout.trees_at));
    for &nr in &n[1..] {
        let d = b.ins().bxor_imm_u(nr, i64::from(layout.trees_at));
        pending = b.ins().bor(pending, d);
    }
    let mut again: Vec<BlockArg> = n.iter().map(|&v| BlockArg::Value(v)).collect();
    again.extend(s.iter().map(|&v| BlockArg::Value(v)));
    let out: Vec<BlockArg> = s.iter().map(|&v| BlockArg::Value(v)).collect();
    b.ins().brif(pending, step, &again, finish, &out);

    // finish(s..): store the sums, then the next group.
    b.switch_to_block(finish);
    let sp = b.ins().iadd(acc, ga);
    for (r, &sum) in done_sums.iter().enumerate() {
        b.ins().store(flags, sum, sp, (4 * r) as i32);
    }
    let gx1 = b.ins().iadd_imm_u(gx, (group * row_bytes) as i64);
    let ga1 = b.ins().iadd_imm_u(ga, (group * 4) as i64);
    let more_rows = b.ins().icmp(IntCC::NotEqual, gx1, x_end);
    b.ins().brif(more_rows, sub, &[gx1.into(), ga1.into()], done, &[]);

    b.switch_to_block(done);
    for blk in [sub, step, finish, done] {
        b.seal_block(blk);
    }
}
