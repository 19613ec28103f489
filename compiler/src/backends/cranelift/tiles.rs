//! Row tiles for graphs that walk a tree table: the main loop takes up to
//! [`TilePlan::rows`] rows at a time and passes the whole tile through each tree
//! before the next, so that a tree's nodes are read from memory once per tile
//! instead of once per group of rows (the tables of a large forest exceed the
//! caches; one tree's nodes do not).
//!
//! A tile is a sequence of passes over its rows, in groups of
//! [`TilePlan::group`] rows: for every table node in graph order, a pass that
//! computes the node's operand and spills it into the tile's buffer (earlier
//! table nodes read from their tile sums), then the walk of all the tile's rows
//! ([`emit_walk_loop`]); last, a pass that computes the outputs. A pass emits
//! only the nodes it needs; the ops between walks are recomputed, with the same
//! results.

use cranelift_codegen::ir::{condcodes::IntCC, InstBuilder, StackSlotData, StackSlotKind, Value};
use cranelift_frontend::FunctionBuilder;

use super::codegen::{emit_rows, group_rows, row_group, NodeData, INTERLEAVE};
use super::trees::{emit_walk_loop, WALK_GROUP};
use crate::ir::{Graph, NodeId, Op, TreeWalk};

/// Most rows per tile.
const TILE_MAX_ROWS: usize = 1024;

/// Bytes of spilled operands per tile and table node that set the tile's rows
/// below [`TILE_MAX_ROWS`] for wide operands (the buffer should stay in L2).
const TILE_SPILL_BYTES: usize = 128 * 1024;

/// How the tiles of a graph with tree tables are cut.
pub(crate) struct TilePlan {
    /// Rows of a full tile (a multiple of [`WALK_GROUP`]).
    rows: usize,
    /// Rows per iteration of a pass (divides [`WALK_GROUP`]).
    group: usize,
    /// The table nodes, in graph order.
    tables: Vec<usize>,
}

impl TilePlan {
    /// The fewest rows a tile takes: a tile holds a multiple of [`WALK_GROUP`] rows.
    pub(crate) fn least_rows(&self) -> usize {
        WALK_GROUP
    }
}

/// One pass of a tile over one group of rows, for [`emit_rows`].
pub(crate) struct TilePass {
    /// For every table node, the group's first spill area and first sums in
    /// the tile's buffers; `None` for other nodes.
    pub(crate) bufs: Vec<Option<(Value, Value)>>,
    /// The table node whose operand this pass spills, ending the pass; `None`
    /// for the pass that stores the outputs.
    pub(crate) stop: Option<usize>,
    /// The nodes the pass emits.
    pub(crate) needed: Vec<bool>,
}

/// Where a tile starts: row index `i`, the pointers to its first row and first
/// output, the batch's row count and the row stride in bytes.
#[derive(Clone, Copy)]
pub(crate) struct TileAt {
    pub(crate) i: Value,
    pub(crate) row: Value,
    pub(crate) out: Value,
    pub(crate) n_rows: Value,
    pub(crate) stride_bytes: Value,
}

/// The tiles of `graph` (whose read-only data is `data`), or `None` when it
/// walks no tree table.
pub(crate) fn plan(graph: &Graph, data: &[NodeData]) -> Option<TilePlan> {
    let mut tables = Vec::new();
    let mut row_bytes = 0;
    for (k, d) in data.iter().enumerate() {
        if let NodeData::Table(_, layout) = d {
            tables.push(k);
            row_bytes = row_bytes.max(layout.row_bytes());
        }
    }
    if tables.is_empty() {
        return None;
    }
    let rows = (TILE_SPILL_BYTES / row_bytes.max(1)).clamp(WALK_GROUP, TILE_MAX_ROWS);
    Some(TilePlan {
        rows: rows / WALK_GROUP * WALK_GROUP,
        group: row_group(graph, &[WALK_GROUP, INTERLEAVE]),
        tables,
    })
}

/// Emits one tile of `plan` at `at` (at least [`WALK_GROUP`] rows left): the
/// rows `m` = the rows left, at most [`TilePlan::rows`], rounded down to a
/// multiple of [`WALK_GROUP`]. Returns the next row index, row pointer and
/// output pointer.
pub(crate) fn emit_tile(
    b: &mut FunctionBuilder<'_>,
    graph: &Graph,
    data: &[NodeData],
    plan: &TilePlan,
    at: TileAt,
) -> (Value, Value, Value) {
    let ptr = b.func.dfg.value_type(at.row);
    let left = b.ins().isub(at.n_rows, at.i);
    let full = b.ins().iconst(ptr, plan.rows as i64);
    let short = b
        .ins()
        .icmp_imm_u(IntCC::UnsignedLessThan, left, plan.rows as i64);
    let whole = b.ins().band_imm_s(left, -(WALK_GROUP as i64));
    let m = b.ins().select(short, whole, full);

    let mut bufs = vec![None; graph.nodes.len()];
    for &k in &plan.tables {
        if let NodeData::Table(_, layout) = &data[k] {
            let mut slot = |bytes: usize| {
                let ss = b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    bytes as u32,
                    4,
                ));
                b.ins().stack_addr(ptr, ss, 0)
            };
            let x = slot(plan.rows * layout.row_bytes());
            let acc = slot(plan.rows * layout.width() * 4);
            bufs[k] = Some((x, acc));
        }
    }
    for &k in &plan.tables {
        rows_pass(b, graph, data, plan, &bufs, Some(k), &at, m);
        if let (NodeData::Table(gv, layout), Some((x, acc))) = (&data[k], bufs[k]) {
            let x_end = b.ins().imul_imm_u(m, layout.row_bytes() as i64);
            emit_walk_loop(b, ptr, layout, *gv, x, acc, WALK_GROUP, x_end);
        }
    }
    let n_out = rows_pass(b, graph, data, plan, &bufs, None, &at, m);
    let next_i = b.ins().iadd(at.i, m);
    let step = b.ins().imul(m, at.stride_bytes);
    let next_row = b.ins().iadd(at.row, step);
    let out_step = b.ins().imul_imm_u(m, (n_out * 4) as i64);
    let next_out = b.ins().iadd(at.out, out_step);
    (next_i, next_row, next_out)
}

/// Emits a loop over the `m` rows of the tile at `at`, [`TilePlan::group`] at a
/// time, that computes the nodes up to `stop` and spills its operand (or, for
/// `None`, computes and stores the outputs). Returns the outputs per row.
#[allow(clippy::too_many_arguments)]
fn rows_pass(
    b: &mut FunctionBuilder<'_>,
    graph: &Graph,
    data: &[NodeData],
    plan: &TilePlan,
    bufs: &[Option<(Value, Value)>],
    stop: Option<usize>,
    at: &TileAt,
    m: Value,
) -> usize {
    let ptr = b.func.dfg.value_type(at.row);
    let needed = needed(graph, stop);
    let body = b.create_block();
    let j = b.append_block_param(body, ptr);
    let row = b.append_block_param(body, ptr);
    let out = b.append_block_param(body, ptr);
    let after = b.create_block();
    let zero = b.ins().iconst(ptr, 0);
    b.ins().jump(body, &[zero.into(), at.row.into(), at.out.into()]);

    b.switch_to_block(body);
    let mut here = vec![None; bufs.len()];
    for (k, buf) in bufs.iter().enumerate() {
        if let (Some((x, acc)), NodeData::Table(_, layout)) = (buf, &data[k]) {
            let xo = b.ins().imul_imm_u(j, layout.row_bytes() as i64);
            let ao = b.ins().imul_imm_u(j, (layout.width() * 4) as i64);
            here[k] = Some((b.ins().iadd(*x, xo), b.ins().iadd(*acc, ao)));
        }
    }
    let pass = TilePass {
        bufs: here,
        stop,
        needed,
    };
    let rows = group_rows(b, row, out, at.stride_bytes, plan.group);
    let n_out = emit_rows(b, graph, &rows, data, Some(&pass));
    let g = plan.group as i64;
    let j1 = b.ins().iadd_imm_u(j, g);
    let step = b.ins().imul_imm_u(at.stride_bytes, g);
    let row1 = b.ins().iadd(row, step);
    let out1 = b.ins().iadd_imm_u(out, g * (n_out * 4) as i64);
    let more = b.ins().icmp(IntCC::NotEqual, j1, m);
    b.ins()
        .brif(more, body, &[j1.into(), row1.into(), out1.into()], after, &[]);
    b.switch_to_block(after);
    b.seal_block(body);
    b.seal_block(after);
    n_out
}

/// The nodes a pass emits: those `stop` depends on (itself included), or, for
/// the output pass, those the outputs depend on.
fn needed(graph: &Graph, stop: Option<usize>) -> Vec<bool> {
    let mut needed = vec![false; graph.nodes.len()];
    let mut work: Vec<NodeId> = match stop {
        Some(k) => vec![NodeId(k as u32)],
        None => graph.outputs.iter().map(|o| o.node).collect(),
    };
    while let Some(id) = work.pop() {
        if std::mem::replace(&mut needed[id.index()], true) {
            continue;
        }
        let node = &graph.nodes[id.index()];
        // A table node read from its sums needs nothing.
        let table = matches!(
            node.op,
            Op::Trees {
                walk: TreeWalk::Table | TreeWalk::Chain,
                ..
            } | Op::QuantTrees {
                walk: TreeWalk::Table | TreeWalk::Chain,
                ..
            }
        );
        if table && stop != Some(id.index()) {
            continue;
        }
        work.extend(node.op.operands());
    }
    needed
}
