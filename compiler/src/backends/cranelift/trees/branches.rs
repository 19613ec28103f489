//! [`TreeWalk::Branches`](crate::ir::TreeWalk::Branches): every split of a
//! forest as a native compare-and-branch, for one row.

use cranelift_codegen::ir::{condcodes::FloatCC, types, Block, InstBuilder, Value};
use cranelift_frontend::FunctionBuilder;

use crate::ir::{Forest, TreeNode};

/// Emits `forest` for one row as native code: per tree, one block per node, a
/// split as `brif` on its comparison (NaN handled per `missing_left`) and a leaf
/// as a jump passing its constants to the tree's merge block, which adds them to
/// the sums. Returns the `k` sums, defined in a fresh block that becomes current.
pub(crate) fn emit_branches(b: &mut FunctionBuilder<'_>, forest: &Forest, xs: &[Value]) -> Vec<Value> {
    let k = forest.width();
    let mut acc: Vec<Value> = forest.base.iter().map(|&v| b.ins().f32const(v)).collect();
    for t in 0..forest.roots.len() {
        let range = forest.tree(t);
        let merge = b.create_block();
        let leaf_values: Vec<Value> = (0..k).map(|_| b.append_block_param(merge, types::F32)).collect();
        let blocks: Vec<Block> = range.clone().map(|_| b.create_block()).collect();
        let block = |i: u32| blocks[i as usize - range.start];
        b.ins().jump(blocks[0], &[]);
        for (i, &blk) in range.clone().zip(&blocks) {
            b.switch_to_block(blk);
            match forest.nodes[i] {
                TreeNode::Split {
                    feature,
                    threshold,
                    missing_left,
                    left,
                    right,
                } => {
                    let v = xs[feature as usize];
                    let go_left = match (missing_left, threshold.is_nan()) {
                        // `v <= NaN` is false: only a NaN `v` goes left.
                        (true, true) => b.ins().fcmp(FloatCC::Unordered, v, v),
                        (true, false) => {
                            let th = b.ins().f32const(threshold);
                            b.ins().fcmp(FloatCC::UnorderedOrLessThanOrEqual, v, th)
                        }
                        (false, _) => {
                            let th = b.ins().f32const(threshold);
                            b.ins().fcmp(FloatCC::LessThanOrEqual, v, th)
                        }
                    };
                    b.ins().brif(go_left, block(left), &[], block(right), &[]);
                }
                TreeNode::Leaf { value } => {
                    let args: Vec<_> = forest.leaves[value as usize..value as usize + k]
                        .iter()
                        .map(|&v| b.ins().f32const(v).into())
                        .collect();
                    b.ins().jump(merge, &args);
                }
            }
        }
        b.switch_to_block(merge);
        for blk in blocks {
            b.seal_block(blk);
        }
        b.seal_block(merge);
        acc = acc
            .iter()
            .zip(&leaf_values)
            .map(|(&a, &v)| b.ins().fadd(a, v))
            .collect();
    }
    acc
}
