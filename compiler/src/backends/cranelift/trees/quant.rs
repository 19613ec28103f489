//! The table walk of [`Op::QuantTrees`](crate::ir::Op::QuantTrees): 8-byte
//! node records, half the `f32` table's, and leaf values decoded to `f32`
//! when compiled. Decoding `i8` leaves (with the mantissa trick) or `f16`
//! leaves (in integer steps) as they were added ran the boosted model of
//! `benches/qtrees.mlg` at about half the speed; the leaves are read once per
//! tree and row, the records once per step, so the records are what shrinks.
//!
//! A split compares the row's value with its bin's edge, `edges[f][bin]`,
//! which sends every row where comparing bins does (see
//! [`crate::ir::qtrees`]) without binning the row: a binary search per feature
//! and row cost more than the smaller records saved (measured twice as slow on
//! `benches/qtrees.mlg`). The data object holds, in order:
//! - node records, 8 bytes each: `[threshold: f32, slot: u16, left: u16]`,
//!   `slot` the byte offset of the value in the row's spill area (as the `f32`
//!   table's) and `left` the left child's index within its tree (the right
//!   child is the next record). The walk holds a node's index within its tree
//!   (`root + 8 * index` folds into the load's address). A leaf points at
//!   itself and reads the always-`0.0` slot; its threshold field holds the
//!   byte offset of its values, below `0x7f80_0000`, so as an `f32` it is a
//!   finite number `>= 0.0` and the leaf always "goes left" to itself;
//! - tree records, 8 bytes each: `[root, depth]` (root as a byte offset);
//! - the decoded leaf values (`f32`).
//!
//! A tree of more than 65,536 nodes does not fit the records; such a forest
//! is walked as the `f32` table of its dequantized form.

use super::{breadth_first, Slots, Spill, TableLayout, TREE_BYTES};
use crate::backends::cranelift::jit::DataObject;
use crate::ir::{QuantForest, QuantNode};

/// Bytes per quantized node record.
pub(super) const QUANT_NODE_BYTES: u32 = 8;

/// Bytes per decoded leaf value.
const VALUE_BYTES: u32 = 4;

/// The largest leaf offset a leaf record holds (its bits as an `f32` are then
/// finite and `>= 0.0`).
const MAX_LEAF_OFFSET: u32 = 0x7f7f_ffff;

/// Encodes `forest` as the module documentation says, or `None` when a spill
/// offset, a tree or a table offset does not fit its field (the caller then
/// walks the dequantized forest, with the same results).
pub(crate) fn encode_quant_table(forest: &QuantForest) -> Option<(TableLayout, DataObject)> {
    let n_nodes = u32::try_from(forest.nodes.len()).ok()?;
    let n_trees = u32::try_from(forest.roots.len()).ok()?;
    let trees_at = n_nodes.checked_mul(QUANT_NODE_BYTES)?;
    let leaves_at = trees_at.checked_add(n_trees.checked_mul(TREE_BYTES)?)?;
    let mut bytes = vec![0u8; leaves_at as usize];
    let mut slots = Slots::default();
    let k = forest.width();
    let mut decoded = vec![0.0f32; forest.leaves.len()];
    for t in 0..forest.roots.len() {
        let range = forest.tree(t);
        let bfs = breadth_first(range.start, |i| match forest.nodes[i] {
            QuantNode::Split { left, right, .. } => Some((left as usize, right as usize)),
            QuantNode::Leaf { .. } => None,
        });
        for (p, &node) in bfs.order.iter().enumerate() {
            let at = range.start + p;
            let record: [u8; 8] = match forest.nodes[node] {
                QuantNode::Split {
                    feature,
                    bin,
                    missing_left,
                    ..
                } => {
                    let spill = if missing_left { Spill::NanLow } else { Spill::Raw };
                    let slot = u16::try_from(4 * (1 + slots.slot(feature, spill))).ok()?;
                    let child = u16::try_from(bfs.first[p]).ok()?;
                    record_bytes(forest.edges[feature as usize][bin as usize], slot, child)
                }
                QuantNode::Leaf { value } => {
                    let at = value as usize;
                    for (i, v) in decoded.iter_mut().enumerate().skip(at).take(k) {
                        *v = forest.leaves.value(t, i);
                    }
                    let offset = leaves_at.checked_add(value.checked_mul(VALUE_BYTES)?)?;
                    if offset > MAX_LEAF_OFFSET {
                        return None;
                    }
                    record_bytes(f32::from_bits(offset), 0, u16::try_from(p).ok()?)
                }
            };
            bytes[at * 8..at * 8 + 8].copy_from_slice(&record);
        }
        let tree = trees_at as usize + t * TREE_BYTES as usize;
        for (i, w) in [range.start as u32 * QUANT_NODE_BYTES, bfs.depth]
            .iter()
            .enumerate()
        {
            bytes[tree + 4 * i..tree + 4 * i + 4].copy_from_slice(&w.to_ne_bytes());
        }
    }
    u32::try_from(forest.leaves.len() * VALUE_BYTES as usize)
        .ok()?
        .checked_add(leaves_at)?;
    bytes.extend(decoded.iter().flat_map(|v| v.to_bits().to_ne_bytes()));
    let layout = TableLayout {
        spills: slots.spills,
        trees_at,
        n_trees,
        base: forest.base.clone(),
        compact: true,
        chain: false,
        origin: 0,
        alt: None,
    };
    Some((layout, DataObject::from_bytes(bytes)))
}

/// One node record's bytes.
fn record_bytes(threshold: f32, slot: u16, left: u16) -> [u8; 8] {
    let mut r = [0u8; 8];
    r[..4].copy_from_slice(&threshold.to_bits().to_ne_bytes());
    r[4..6].copy_from_slice(&slot.to_ne_bytes());
    r[6..].copy_from_slice(&left.to_ne_bytes());
    r
}
