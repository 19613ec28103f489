//! Inline code for [`Op::Trees`](crate::ir::Op::Trees) in both walks: a loop
//! over a node table in a read-only data object
//! ([`TreeWalk::Table`](crate::ir::TreeWalk::Table)), or every split as a
//! native compare-and-branch ([`TreeWalk::Branches`](crate::ir::TreeWalk::Branches)).
//! No calls.
//!
//! # The table walk
//!
//! [`encode_table`] renumbers every tree breadth-first so that the two children
//! of a split are adjacent records, and writes one data object of `u32` words:
//!
//! - node records, 16 bytes each: `[slot, threshold, left, leaf]`. `slot` is the
//!   byte offset of the split's value in the row's spill area (below), `threshold`
//!   the `f32` bits, `left` the byte offset of the left child (the right child
//!   is the next record) and `leaf` unused. A leaf points at itself
//!   (`left` = its own offset) with the always-`0.0` spill slot and threshold
//!   `+inf`, so that it always "goes left" to itself, and `leaf` holds the byte
//!   offset of its `k` values;
//! - tree records, 8 bytes each: `[root, depth]` (root as a byte offset);
//! - the leaf values (`f32`).
//!
//! Walking a tree is then exactly `depth` steps of `n = x[slot] <= threshold ?
//! left : left + 16` for every row of the group, with `select` (no data-dependent
//! branches), the rows of the group in step so that their independent load
//! chains overlap. The missing-value rule becomes part of the spill area: a
//! split that sends NaN left reads the feature with NaN replaced by `-inf` (which
//! is `<=` every threshold that is not NaN), and one with a NaN threshold that
//! sends NaN left reads `0.0` for NaN and `1.0` otherwise against threshold
//! `0.0`; every other split reads the raw value, where IEEE `<=` already sends
//! NaN right. The sums follow [`Forest::eval`] exactly: `base`, then every
//! tree's leaf values added in tree order in `f32`.

mod branches;
mod chain;
mod quant;

use std::collections::HashMap;

use cranelift_codegen::ir::{
    condcodes::{FloatCC, IntCC},
    types, BlockArg, GlobalValue, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value,
};
use cranelift_frontend::FunctionBuilder;

pub(crate) use branches::emit_branches;
pub(crate) use chain::encode_chain;
pub(crate) use quant::encode_quant_table;

use super::jit::DataObject;
use super::CodegenError;
use crate::ir::{Forest, TreeNode};

/// Bytes per node record.
const NODE_BYTES: u32 = 16;

/// Bytes per tree record.
const TREE_BYTES: u32 = 8;

/// What a spill slot of the row holds, for one feature `x[f]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Spill {
    /// `x[f]` itself (NaN goes right by IEEE `<=`).
    Raw,
    /// `x[f]`, NaN replaced by `-inf` (NaN goes left at any non-NaN threshold).
    NanLow,
    /// `0.0` when `x[f]` is NaN, else `1.0` (against threshold `0.0`: only NaN goes left).
    NanOnly,
}

/// How the walk of one [`Forest`] reads its data object and spills its rows.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TableLayout {
    /// The spill slots after the leading constant `0.0`: slot `j` (at byte
    /// `4 * (1 + j)` of a row's spill area) holds feature `f` in form `s`,
    /// where `spills[j] = (f, s)`.
    spills: Vec<(u32, Spill)>,
    /// Byte offset of the first tree record.
    trees_at: u32,
    /// Number of trees (at least one).
    n_trees: u32,
    /// The starting sums (width `k`).
    base: Vec<f32>,
    /// Whether node records are the 8-byte ones of a quantized table
    /// ([`quant`]; the walk holds indices within a tree) or the 16-byte `f32`
    /// ones (the walk holds byte offsets from the table).
    compact: bool,
    /// Whether the records are chained ([`chain`]; `trees_at` is then the
    /// terminal record's offset) rather than walked tree by tree.
    chain: bool,
    /// Byte offset of this table in its data object (offsets in the records
    /// count from there).
    origin: u32,
    /// For a chained table, the same forest walked tree by tree, further in
    /// the same data object: a single row has no other rows to overlap its
    /// loads with, and takes its walk (see [`emit_table_walk`]).
    alt: Option<Box<TableLayout>>,
}

/// Encodes `forest` (which must satisfy [`Forest::check`]) as the data object
/// described in the module documentation, with the layout its walk needs.
pub(crate) fn encode_table(forest: &Forest) -> Result<(TableLayout, DataObject), CodegenError> {
    let (layout, words) = table_words(forest)?;
    Ok((layout, DataObject::from_u32s(&words)))
}

/// The layout and words of [`encode_table`].
fn table_words(forest: &Forest) -> Result<(TableLayout, Vec<u32>), CodegenError> {
    let too_large = || {
        CodegenError::TooLarge(format!(
            "a tree table of {} nodes and {} leaf values exceeds 4 GiB",
            forest.nodes.len(),
            forest.leaves.len()
        ))
    };
    let n_nodes = u32::try_from(forest.nodes.len()).map_err(|_| too_large())?;
    let n_trees = u32::try_from(forest.roots.len()).map_err(|_| too_large())?;
    let trees_at = n_nodes.checked_mul(NODE_BYTES).ok_or_else(too_large)?;
    let leaves_at = n_trees
        .checked_mul(TREE_BYTES)
        .and_then(|t| t.checked_add(trees_at))
        .ok_or_else(too_large)?;
    u32::try_from(forest.leaves.len())
        .ok()
        .and_then(|n| n.checked_mul(4))
        .and_then(|n| n.checked_add(leaves_at))
        .ok_or_else(too_large)?;

    let mut slots = Slots::default();
    let mut words = vec![0u32; (trees_at / 4) as usize];
    let mut trees = Vec::with_capacity(forest.roots.len());
    for t in 0..forest.roots.len() {
        let depth = each_record(forest, t, &mut slots, |at, record| {
            let words_at = &mut words[at * 4..at * 4 + 4];
            match record {
                Record::Split(split) => words_at.copy_from_slice(&[split[0], split[1], split[2], 0]),
                Record::Leaf(value) => words_at.copy_from_slice(&[
                    0,
                    f32::INFINITY.to_bits(),
                    at as u32 * NODE_BYTES,
                    leaves_at + 4 * value,
                ]),
            }
        });
        trees.push([forest.roots[t] * NODE_BYTES, depth]);
    }
    words.extend(trees.iter().flatten());
    words.extend(forest.leaves.iter().map(|v| v.to_bits()));
    let layout = TableLayout {
        spills: slots.spills,
        trees_at,
        n_trees,
        base: forest.base.clone(),
        compact: false,
        chain: false,
        origin: 0,
        alt: None,
    };
    Ok((layout, words))
}

/// One node of a tree, as [`each_record`] hands it over.
enum Record {
    /// A split's first three record words: its spill slot's byte offset,
    /// its threshold's bits and its left child's byte offset.
    Split([u32; 3]),
    /// A leaf: the index of its first value in the forest's `leaves`.
    Leaf(u32),
}

/// Calls `f(at, record)` for every node of tree `t` of `forest` in
/// breadth-first order, `at` being the node's index in the table (the
/// tree's range, renumbered so that a split's children are adjacent), with
/// the splits' spill slots assigned in `slots`; returns the tree's depth.
fn each_record(forest: &Forest, t: usize, slots: &mut Slots, mut f: impl FnMut(usize, Record)) -> u32 {
    let range = forest.tree(t);
    let bfs = breadth_first(range.start, |i| match forest.nodes[i] {
        TreeNode::Split { left, right, .. } => Some((left as usize, right as usize)),
        TreeNode::Leaf { .. } => None,
    });
    for (p, &node) in bfs.order.iter().enumerate() {
        let at = range.start + p;
        match forest.nodes[node] {
            TreeNode::Split {
                feature,
                threshold,
                missing_left,
                ..
            } => {
                let (spill, threshold) = match (missing_left, threshold.is_nan()) {
                    (false, _) => (Spill::Raw, threshold),
                    (true, false) => (Spill::NanLow, threshold),
                    (true, true) => (Spill::NanOnly, 0.0),
                };
                let slot = slots.slot(feature, spill);
                let child = (range.start + bfs.first[p]) as u32;
                f(
                    at,
                    Record::Split([4 * (1 + slot), threshold.to_bits(), child * NODE_BYTES]),
                );
            }
            TreeNode::Leaf { value } => f(at, Record::Leaf(value)),
        }
    }
    bfs.depth
}

/// The spill slots of a table, numbered in order of first use.
#[derive(Default)]
struct Slots {
    /// `(feature, form)` of every slot, as [`TableLayout`]'s `spills`.
    spills: Vec<(u32, Spill)>,
    /// The slot of each `(feature, form)` assigned so far.
    slot_of: HashMap<(u32, Spill), u32>,
}

impl Slots {
    /// The slot of `feature` in form `spill`, assigned now if new.
    fn slot(&mut self, feature: u32, spill: Spill) -> u32 {
        let next = self.spills.len() as u32;
        let slot = *self.slot_of.entry((feature, spill)).or_insert(next);
        if slot == next {
            self.spills.push((feature, spill));
        }
        slot
    }
}

/// A tree numbered breadth-first from its root: `order[p]` is the node at
/// position `p`, and a split's children take the next two free positions,
/// so they are adjacent and follow their parent.
struct BreadthFirst {
    /// The node at each position.
    order: Vec<usize>,
    /// For a split at position `p`, its left child's position (the right
    /// child's is the next); 0 for a leaf.
    first: Vec<usize>,
    /// The greatest number of splits from the root to a leaf.
    depth: u32,
}

/// Numbers the tree at `root` breadth-first; `children(i)` is node `i`'s
/// `(left, right)`, or `None` for a leaf.
fn breadth_first(root: usize, children: impl Fn(usize) -> Option<(usize, usize)>) -> BreadthFirst {
    let mut order = vec![root];
    let mut first = Vec::new();
    let mut level = vec![0u32];
    let mut p = 0;
    while p < order.len() {
        match children(order[p]) {
            Some((left, right)) => {
                first.push(order.len());
                order.extend([left, right]);
                level.extend([level[p] + 1; 2]);
            }
            None => first.push(0),
        }
        p += 1;
    }
    let depth = level.into_iter().max().unwrap_or(0);
    BreadthFirst { order, first, depth }
}

/// Rows walked in step through a tree: their walks are independent chains of
/// dependent loads that the CPU overlaps. The chain of one step (node load,
/// value load, compare, select) bounds the walk more than its instructions:
/// without Cranelift's e-graph (see `IsaChoice::optimize`) 16 rows ran the
/// benchmark forest about 20% and the boosting model about 10% faster than 8,
/// although some rows' positions spill; 32 rows ran slower than 16.
pub(crate) const WALK_GROUP: usize = 16;

impl TableLayout {
    /// Bytes of one row's spill area.
    pub(crate) fn row_bytes(&self) -> usize {
        4 * (1 + self.spills.len())
    }

    /// Number of sums `k` per row.
    pub(crate) fn width(&self) -> usize {
        self.base.len()
    }
}

/// Emits the table walk of `layout`'s forest (data object address `data`) for
/// the rows whose operand values are `xs` (one slice per row), in stack slots of
/// this group; returns every row's `k` sums, defined in a fresh block that
/// becomes the current one. The rows are walked in groups of [`WALK_GROUP`]
/// (all together when fewer or not a multiple of it).
pub(crate) fn emit_table_walk(
    b: &mut FunctionBuilder<'_>,
    ptr: Type,
    layout: &TableLayout,
    data: GlobalValue,
    xs: &[&[Value]],
) -> Vec<Vec<Value>> {
    let rows = xs.len();
    let layout = match &layout.alt {
        Some(alt) if rows == 1 => alt,
        _ => layout,
    };
    let group = if rows > WALK_GROUP && rows.is_multiple_of(WALK_GROUP) {
        WALK_GROUP
    } else {
        rows
    };
    let slot = |b: &mut FunctionBuilder<'_>, bytes: usize| {
        b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, bytes as u32, 4))
    };
    let x_slot = slot(b, rows * layout.row_bytes());
    let acc_slot = slot(b, rows * layout.width() * 4);
    let x = b.ins().stack_addr(ptr, x_slot, 0);
    let acc = b.ins().stack_addr(ptr, acc_slot, 0);
    spill_rows(b, layout, x, xs);
    init_sums(b, layout, acc, rows);
    let x_end = b.ins().iconst(ptr, (rows * layout.row_bytes()) as i64);
    emit_walk_loop(b, ptr, layout, data, x, acc, group, x_end);
    load_sums(b, layout, acc, rows)
}

/// Emits the loop over the trees of `layout`'s forest (data object address
/// `data`) and, inside, over groups of `group` rows, whose spill areas lie from
/// `x` up to `x + x_end` (a multiple of `group` rows) and whose sums at `acc`
/// (`k` per row, already holding the base); the rows of a group walk the tree in
/// step. Leaves a fresh block current. A tile of many rows thus passes through
/// one tree while its nodes stay in cache.
#[allow(clippy::too_many_arguments)]
pub(crate) fn emit_walk_loop(
    b: &mut FunctionBuilder<'_>,
    ptr: Type,
    layout: &TableLayout,
    data: GlobalValue,
    x: Value,
    acc: Value,
    group: usize,
    x_end: Value,
) {
    if layout.chain {
        return chain::emit_chain_loop(b, ptr, layout, data, x, acc, group, x_end);
    }
    let k = layout.width();
    let row_bytes = layout.row_bytes();
    let table_flags = MemFlagsData::trusted().with_readonly();
    let flags = MemFlagsData::trusted();
    let table = b.ins().symbol_value(ptr, data);
    let table = b.ins().iadd_imm_u(table, i64::from(layout.origin));
    let tree = b.create_block();
    let t = b.append_block_param(tree, ptr);
    let sub = b.create_block();
    let gx = b.append_block_param(sub, ptr);
    let ga = b.append_block_param(sub, ptr);
    let step = b.create_block();
    let s = b.append_block_param(step, ptr);
    let leaf = b.create_block();
    let next_tree = b.create_block();
    let done = b.create_block();
    let here: Vec<Value> = (0..group).map(|_| b.append_block_param(step, ptr)).collect();
    let at_leaf: Vec<Value> = (0..group).map(|_| b.append_block_param(leaf, ptr)).collect();
    let t0 = b.ins().iconst(ptr, i64::from(layout.trees_at));
    b.ins().jump(tree, &[t0.into()]);

    // tree(t): the tree's root and depth, then its first group of rows.
    b.switch_to_block(tree);
    let tp = b.ins().iadd(table, t);
    let root = load_u32(b, ptr, table_flags, tp, 0);
    let depth = load_u32(b, ptr, table_flags, tp, 4);
    // A quantized walk holds node indices within the tree, from its root.
    let (tree_base, start) = if layout.compact {
        (b.ins().iadd(table, root), b.ins().iconst(ptr, 0))
    } else {
        (table, root)
    };
    let z = b.ins().iconst(ptr, 0);
    b.ins().jump(sub, &[z.into(), z.into()]);

    // sub(gx, ga): the group whose spill areas are at `x + gx` and sums at
    // `acc + ga`; every row starts at the root, a single leaf takes no step.
    b.switch_to_block(sub);
    let xg = b.ins().iadd(x, gx);
    let mut args: Vec<BlockArg> = vec![depth.into()];
    args.extend((0..group).map(|_| BlockArg::Value(start)));
    b.ins().brif(depth, step, &args, leaf, &args[1..]);

    // step(s, n..): one select step per row, `s` steps left.
    b.switch_to_block(step);
    let mut next = Vec::with_capacity(group + 1);
    let s1 = b.ins().iadd_imm_s(s, -1);
    next.push(s1.into());
    for (r, &n) in here.iter().enumerate() {
        let p = node_address(b, layout, tree_base, n);
        let (go_left, left) = match layout.compact {
            false => {
                let feature = load_u32(b, ptr, table_flags, p, 0);
                let threshold = b.ins().load(types::F32, table_flags, p, 4);
                let left = load_u32(b, ptr, table_flags, p, 8);
                let xp = b.ins().iadd(xg, feature);
                let v = b.ins().load(types::F32, flags, xp, (r * row_bytes) as i32);
                (b.ins().fcmp(FloatCC::LessThanOrEqual, v, threshold), left)
            }
            true => {
                let threshold = b.ins().load(types::F32, table_flags, p, 0);
                let slot = b.ins().uload16(types::I32, table_flags, p, 4);
                let slot = widen(b, ptr, slot);
                let left = b.ins().uload16(types::I32, table_flags, p, 6);
                let left = widen(b, ptr, left);
                let xp = b.ins().iadd(xg, slot);
                let v = b.ins().load(types::F32, flags, xp, (r * row_bytes) as i32);
                (b.ins().fcmp(FloatCC::LessThanOrEqual, v, threshold), left)
            }
        };
        let right = b
            .ins()
            .iadd_imm_u(left, if layout.compact { 1 } else { i64::from(NODE_BYTES) });
        next.push(b.ins().select(go_left, left, right).into());
    }
    b.ins().brif(s1, step, &next, leaf, &next[1..]);

    // leaf(n..): add every row's leaf values, then the next group or tree.
    b.switch_to_block(leaf);
    let sums = b.ins().iadd(acc, ga);
    for (r, &n) in at_leaf.iter().enumerate() {
        let p = node_address(b, layout, tree_base, n);
        let offset = load_u32(b, ptr, table_flags, p, if layout.compact { 0 } else { 12 });
        let values = b.ins().iadd(table, offset);
        for c in 0..k {
            let v = b.ins().load(types::F32, table_flags, values, (4 * c) as i32);
            let at = ((r * k + c) * 4) as i32;
            let sum = b.ins().load(types::F32, flags, sums, at);
            let sum = b.ins().fadd(sum, v);
            b.ins().store(flags, sum, sums, at);
        }
    }
    let gx1 = b.ins().iadd_imm_u(gx, (group * row_bytes) as i64);
    let ga1 = b.ins().iadd_imm_u(ga, (group * k * 4) as i64);
    let more_rows = b.ins().icmp(IntCC::NotEqual, gx1, x_end);
    b.ins()
        .brif(more_rows, sub, &[gx1.into(), ga1.into()], next_tree, &[]);

    b.switch_to_block(next_tree);
    let t1 = b.ins().iadd_imm_u(t, i64::from(TREE_BYTES));
    let end = i64::from(layout.trees_at) + i64::from(layout.n_trees) * i64::from(TREE_BYTES);
    let more = b.ins().icmp_imm_s(IntCC::NotEqual, t1, end);
    b.ins().brif(more, tree, &[t1.into()], done, &[]);

    b.switch_to_block(done);
    for blk in [tree, sub, step, leaf, next_tree, done] {
        b.seal_block(blk);
    }
}

/// Stores the spill area of every row of `xs` (the constant `0.0`, then the
/// slots the splits read, see [`TableLayout`]), row `r` at `x + r * row_bytes`.
pub(crate) fn spill_rows(b: &mut FunctionBuilder<'_>, layout: &TableLayout, x: Value, xs: &[&[Value]]) {
    let flags = MemFlagsData::trusted();
    let row_bytes = layout.row_bytes();
    let zero = b.ins().f32const(0.0f32);
    let one = b.ins().f32const(1.0f32);
    let low = b.ins().f32const(f32::NEG_INFINITY);
    for (r, xr) in xs.iter().enumerate() {
        let at = r * row_bytes;
        b.ins().store(flags, zero, x, at as i32);
        for (j, &(feature, spill)) in layout.spills.iter().enumerate() {
            let v = xr[feature as usize];
            let v = match spill {
                Spill::Raw => v,
                Spill::NanLow => {
                    let nan = b.ins().fcmp(FloatCC::Unordered, v, v);
                    b.ins().select(nan, low, v)
                }
                Spill::NanOnly => {
                    let nan = b.ins().fcmp(FloatCC::Unordered, v, v);
                    b.ins().select(nan, zero, one)
                }
            };
            b.ins().store(flags, v, x, (at + 4 * (1 + j)) as i32);
        }
    }
}

/// Stores the base sums of `rows` rows at `acc` (`k` per row).
pub(crate) fn init_sums(b: &mut FunctionBuilder<'_>, layout: &TableLayout, acc: Value, rows: usize) {
    let k = layout.width();
    for (c, &base) in layout.base.iter().enumerate() {
        let base = b.ins().f32const(base);
        for r in 0..rows {
            b.ins()
                .store(MemFlagsData::trusted(), base, acc, ((r * k + c) * 4) as i32);
        }
    }
}

/// Loads the `k` sums of each of `rows` rows from `acc`.
pub(crate) fn load_sums(
    b: &mut FunctionBuilder<'_>,
    layout: &TableLayout,
    acc: Value,
    rows: usize,
) -> Vec<Vec<Value>> {
    let k = layout.width();
    (0..rows)
        .map(|r| {
            (0..k)
                .map(|c| {
                    b.ins()
                        .load(types::F32, MemFlagsData::trusted(), acc, ((r * k + c) * 4) as i32)
                })
                .collect()
        })
        .collect()
}

/// The address of the record of node `n` of the tree at `tree_base`: a byte
/// offset from the table for `f32` records, an index within the tree for
/// quantized ones.
fn node_address(b: &mut FunctionBuilder<'_>, layout: &TableLayout, tree_base: Value, n: Value) -> Value {
    if layout.compact {
        let bytes = b.ins().ishl_imm_u(n, 3);
        b.ins().iadd(tree_base, bytes)
    } else {
        b.ins().iadd(tree_base, n)
    }
}

/// `v` (an `i32`) zero-extended to the pointer type.
fn widen(b: &mut FunctionBuilder<'_>, ptr: Type, v: Value) -> Value {
    if ptr == types::I32 {
        v
    } else {
        b.ins().uextend(ptr, v)
    }
}

/// A `u32` table word at `p + offset`, zero-extended to the pointer type.
fn load_u32(b: &mut FunctionBuilder<'_>, ptr: Type, flags: MemFlagsData, p: Value, offset: i32) -> Value {
    if ptr == types::I64 {
        b.ins().uload32(flags, p, offset)
    } else {
        let w = b.ins().load(types::I32, flags, p, offset);
        if ptr == types::I32 {
            w
        } else {
            b.ins().uextend(ptr, w)
        }
    }
}
