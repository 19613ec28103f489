//! Lowers an inference graph to one Cranelift function with a loop over rows; every
//! op is emitted inline as scalar `f32` SSA values, one Cranelift value per element,
//! following the interpreter's algorithms operation for operation (a dense layer
//! of four or more outputs computes them in `f32x4` lanes, `affine.rs`).

use cranelift_codegen::ir::{
    condcodes::{FloatCC, IntCC},
    immediates::Imm64,
    types, AbiParam, BlockArg, ExternalName, Function, GlobalValue, GlobalValueData, InstBuilder,
    MemFlagsData, Signature, UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

use super::jit::DataObject;
use super::knn::emit_knn;
use super::math::{exp_f32, ln_f32, log1p_f32, pow_f32, sigmoid_f32};
use super::tiles::{self, TileAt, TilePass};
use super::trees::{
    emit_branches, emit_table_walk, encode_chain, encode_quant_table, encode_table, init_sums, load_sums,
    spill_rows, TableLayout,
};
use super::CodegenError;
use crate::ir::{BinaryOp, CompareOp, Graph, NodeId, Op, TreeWalk, UnaryFn};

/// The signature `fn(input: *const f32, n_rows: usize, row_stride: usize, out: *mut f32)`
/// in the ISA's default calling convention (the C one of the host).
pub(crate) fn row_signature(isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.extend([AbiParam::new(ptr); 4]);
    sig
}

/// Rows computed per iteration of the main loop. Their ops are interleaved node by
/// node, so the CPU overlaps the rows' independent dependency chains (the affine
/// sum and `exp` are long serial chains within one row).
pub(crate) const INTERLEAVE: usize = 4;

/// Graphs producing more element values than this are emitted one row at a time,
/// keeping the loop body small (a graph of `v` values gets the largest group `n`
/// with `v * n <= INTERLEAVE * INTERLEAVE_MAX_VALUES`; a tree node walked as
/// branches counts as [`BRANCH_NODE_VALUES`] values).
const INTERLEAVE_MAX_VALUES: usize = 2048;

/// Weights of an int8 layer that count as one value: the 16 of one
/// multiply-add instruction. The constants of interleaved rows are shared and
/// stay live across them, so a large layer spills them (and runs slower)
/// unless it computes one row at a time.
const INT8_WEIGHTS_PER_VALUE: usize = 16;

/// What one tree node walked as branches costs in values (its block, constant,
/// compare and branch, against one or two instructions per value).
const BRANCH_NODE_VALUES: usize = 4;

/// The read-only data one node reads at run time.
pub(crate) enum NodeData {
    /// The node reads no data object.
    None,
    /// The training matrix of a KnnImpute.
    Knn(GlobalValue),
    /// The weight table of a large Int8Affine ([`super::int8::weight_table`]).
    Int8(GlobalValue),
    /// The node table of a Trees walked as a table, and how to walk it.
    Table(GlobalValue, TableLayout),
}

/// Builds the row function for `graph` (which must verify), named `u0:0`, and
/// the read-only data objects it refers to as `u1:i` (in that order).
///
/// Layout: `dispatch(i, row, out)` goes to the first body whose least row count
/// fits the rows left, and to `exit` at `n_rows`: a graph that walks a tree
/// table has a tile body ([`tiles`], at least
/// [`WALK_GROUP`](super::trees::WALK_GROUP) rows) and `body_1`; others have
/// `body_n` (`n` = [`INTERLEAVE`] for small graphs) and `body_1`. `body_n`
/// computes `n` rows from `row` (a pointer to the first slot of row `i`), stores
/// the packed outputs at `out`, and returns to `dispatch`. The bodies contain
/// no calls.
pub(crate) fn build_function(
    graph: &Graph,
    isa: &dyn TargetIsa,
) -> Result<(Function, Vec<DataObject>), CodegenError> {
    let ptr = isa.pointer_type();
    let mut func = Function::with_name_signature(UserFuncName::user(0, 0), row_signature(isa));
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let (data, objects) = declare_data(&mut b, graph)?;
    let tile = tiles::plan(graph, &data);
    let groups = match tile {
        Some(_) => vec![1],
        None => vec![row_group(graph, &[INTERLEAVE]), 1],
    };

    let entry = b.create_block();
    let dispatch = b.create_block();
    let exit = b.create_block();
    b.append_block_params_for_function_params(entry);
    let params = |b: &mut FunctionBuilder<'_>, block| {
        let i = b.append_block_param(block, ptr);
        let row = b.append_block_param(block, ptr);
        let out = b.append_block_param(block, ptr);
        (i, row, out)
    };
    let (di, drow, dout) = params(&mut b, dispatch);

    b.switch_to_block(entry);
    b.seal_block(entry);
    let &[input, n_rows, stride, out0] = b.block_params(entry) else {
        unreachable!("row_signature declares exactly four parameters")
    };
    let stride_bytes = b.ins().ishl_imm_u(stride, 2);
    let zero = b.ins().iconst(ptr, 0);
    b.ins()
        .jump(dispatch, &[BlockArg::Value(zero), input.into(), out0.into()]);

    let mut bodies = Vec::new();
    if let Some(plan) = &tile {
        let body = b.create_block();
        let (i, row, out) = params(&mut b, body);
        b.switch_to_block(body);
        let at = TileAt {
            i,
            row,
            out,
            n_rows,
            stride_bytes,
        };
        let (next_i, next_row, next_out) = tiles::emit_tile(&mut b, graph, &data, plan, at);
        b.ins()
            .jump(dispatch, &[next_i.into(), next_row.into(), next_out.into()]);
        bodies.push((plan.least_rows(), body));
    }
    let mut seen = Vec::new();
    for n in groups {
        if seen.contains(&n) {
            continue;
        }
        seen.push(n);
        let body = b.create_block();
        let (i, row, out) = params(&mut b, body);
        b.switch_to_block(body);
        let rows = group_rows(&mut b, row, out, stride_bytes, n);
        let n_out = emit_rows(&mut b, graph, &rows, &data, None);
        let next_i = b.ins().iadd_imm_s(i, n as i64);
        let step = b.ins().imul_imm_u(stride_bytes, n as i64);
        let next_row = b.ins().iadd(row, step);
        let next_out = b.ins().iadd_imm_s(out, (n * n_out * 4) as i64);
        b.ins()
            .jump(dispatch, &[next_i.into(), next_row.into(), next_out.into()]);
        bodies.push((n, body));
    }

    // dispatch: the largest group that fits the rows left, none at `n_rows`.
    b.switch_to_block(dispatch);
    let left = b.ins().isub(n_rows, di);
    let args = [BlockArg::Value(di), drow.into(), dout.into()];
    for (j, &(n, body)) in bodies.iter().enumerate() {
        let (cc, min, otherwise) = if n > 1 {
            (IntCC::UnsignedGreaterThanOrEqual, n as i64, b.create_block())
        } else {
            (IntCC::NotEqual, 0, exit)
        };
        let fits = b.ins().icmp_imm_u(cc, left, min);
        b.ins().brif(fits, body, &args, otherwise, &[]);
        if otherwise != exit {
            b.switch_to_block(otherwise);
            b.seal_block(otherwise);
        } else {
            debug_assert_eq!(j + 1, bodies.len(), "the single-row body comes last");
        }
    }
    for (_, body) in bodies {
        b.seal_block(body);
    }
    b.seal_block(dispatch);

    b.switch_to_block(exit);
    b.seal_block(exit);
    b.ins().return_(&[]);
    b.finalize(isa.frontend_config());
    Ok((func, objects))
}

/// The first of `candidates` rows per group that keeps `graph`'s values within
/// the budget of [`INTERLEAVE_MAX_VALUES`], or `1`.
pub(crate) fn row_group(graph: &Graph, candidates: &[usize]) -> usize {
    let mut values = 0usize;
    for node in &graph.nodes {
        values = values.saturating_add(node.width as usize);
        if let Op::Int8Affine { weights, .. } = &node.op {
            values = values.saturating_add(weights.len() / INT8_WEIGHTS_PER_VALUE);
        }
        let branch_nodes = match &node.op {
            Op::Trees {
                forest,
                walk: TreeWalk::Branches,
                ..
            } => forest.nodes.len(),
            Op::QuantTrees {
                forest,
                walk: TreeWalk::Branches,
                ..
            } => forest.nodes.len(),
            _ => 0,
        };
        values = values.saturating_add(branch_nodes.saturating_mul(BRANCH_NODE_VALUES));
    }
    candidates
        .iter()
        .copied()
        .find(|&n| values.saturating_mul(n) <= INTERLEAVE * INTERLEAVE_MAX_VALUES)
        .unwrap_or(1)
}

/// The `n` rows from `row` (`stride_bytes` apart), all storing at `out`.
pub(crate) fn group_rows(
    b: &mut FunctionBuilder<'_>,
    row: Value,
    out: Value,
    stride_bytes: Value,
    n: usize,
) -> Vec<(Value, Value)> {
    (0..n)
        .map(|k| {
            if k == 0 {
                return (row, out);
            }
            let offset = b.ins().imul_imm_u(stride_bytes, k as i64);
            (b.ins().iadd(row, offset), out)
        })
        .collect()
}

/// Declares the read-only data of every node of `graph`: for node `k`, the
/// global value holding the address of its data object (`u1:i`, numbered in
/// node order) and, for a tree table, its layout. Returns them with the objects.
fn declare_data(
    b: &mut FunctionBuilder<'_>,
    graph: &Graph,
) -> Result<(Vec<NodeData>, Vec<DataObject>), CodegenError> {
    let mut objects = Vec::new();
    let mut data = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let (object, table) = match &node.op {
            Op::KnnImpute { train, .. } => (DataObject::from_f32s(train), None),
            Op::Int8Affine { weights, bias, .. } if weights.len() > super::int8::LOOP_WEIGHTS => {
                let inw = weights.len() / bias.len().max(1);
                let bytes = super::int8::weight_table(weights, inw, bias.len());
                (DataObject::from_bytes(bytes), Some(Err(())))
            }
            Op::Trees {
                forest,
                walk: TreeWalk::Table,
                ..
            } => {
                let (layout, object) = encode_table(forest)?;
                (object, Some(Ok(layout)))
            }
            Op::Trees {
                forest,
                walk: TreeWalk::Chain,
                ..
            } => {
                let (layout, object) = encode_chain(forest)?;
                (object, Some(Ok(layout)))
            }
            Op::QuantTrees {
                forest,
                walk: TreeWalk::Table | TreeWalk::Chain,
                ..
            } => {
                let (layout, object) = match encode_quant_table(forest) {
                    Some(table) => table,
                    // Offsets beyond the 8-byte records' fields: the f32
                    // table of the same decisions and values.
                    None => encode_table(&forest.dequantize())?,
                };
                (object, Some(Ok(layout)))
            }
            _ => {
                data.push(NodeData::None);
                continue;
            }
        };
        let name = b.func.declare_imported_user_function(UserExternalName {
            namespace: 1,
            index: objects.len() as u32,
        });
        objects.push(object);
        let gv = b.create_global_value(GlobalValueData::Symbol {
            name: ExternalName::user(name),
            offset: Imm64::new(0),
            colocated: false,
            tls: false,
        });
        data.push(match table {
            Some(Ok(layout)) => NodeData::Table(gv, layout),
            Some(Err(())) => NodeData::Int8(gv),
            None => NodeData::Knn(gv),
        });
    }
    Ok((data, objects))
}

/// Emits the rows `rows` (pointer to the row's first slot, pointer to the
/// group's first output) node by node: every row's values of node `k` before any
/// row's node `k + 1`. Row `r` stores its outputs at `out + r * n_out`.
/// A tree table is walked by all rows together instead, or, in a pass of a
/// tile (`tile`), read from the tile's sums or spilled for its walk (which ends
/// the pass without storing outputs). Returns `n_out`, the number of `f32`
/// values stored per row. `data[k]` is the read-only data of node `k`.
pub(crate) fn emit_rows(
    b: &mut FunctionBuilder<'_>,
    graph: &Graph,
    rows: &[(Value, Value)],
    data: &[NodeData],
    tile: Option<&TilePass>,
) -> usize {
    let n_out = graph.n_outputs();
    let mut vals: Vec<Vec<Vec<Value>>> = vec![Vec::with_capacity(graph.nodes.len()); rows.len()];
    for (k, node) in graph.nodes.iter().enumerate() {
        if tile.is_some_and(|t| !t.needed[k]) {
            for v in &mut vals {
                v.push(Vec::new());
            }
            continue;
        }
        if let (Op::Trees { x, .. } | Op::QuantTrees { x, .. }, NodeData::Table(gv, layout)) =
            (&node.op, &data[k])
        {
            let ptr = b.func.dfg.value_type(rows[0].0);
            let xs: Vec<&[Value]> = vals.iter().map(|v| v[x.index()].as_slice()).collect();
            let sums = match tile.and_then(|t| t.bufs[k].map(|buf| (t.stop == Some(k), buf))) {
                Some((true, (xb, acc))) => {
                    spill_rows(b, layout, xb, &xs);
                    init_sums(b, layout, acc, rows.len());
                    return n_out;
                }
                Some((false, (_, acc))) => load_sums(b, layout, acc, rows.len()),
                None => emit_table_walk(b, ptr, layout, *gv, &xs),
            };
            for (v, s) in vals.iter_mut().zip(sums) {
                v.push(s);
            }
            continue;
        }
        for (r, &(row, _)) in rows.iter().enumerate() {
            let v = emit_op(b, &node.op, &vals[r], row, &data[k]);
            vals[r].push(v);
        }
    }
    for (r, &(_, out)) in rows.iter().enumerate() {
        let mut at = r * n_out;
        for o in &graph.outputs {
            for &v in &vals[r][o.node.index()] {
                let (base, offset) = address(b, out, at);
                b.ins().store(MemFlagsData::trusted(), v, base, offset);
                at += 1;
            }
        }
    }
    n_out
}

/// Emits one op given the values of earlier nodes; returns its element values.
/// `data` is the op's read-only data ([`declare_data`]).
fn emit_op(
    b: &mut FunctionBuilder<'_>,
    op: &Op,
    vals: &[Vec<Value>],
    row: Value,
    data: &NodeData,
) -> Vec<Value> {
    let v = |id: NodeId| &vals[id.index()];
    match op {
        Op::Input { slot } => {
            let (base, offset) = address(b, row, *slot as usize);
            // The input rows are never written during a call (the outputs are
            // another buffer), so their loads are pure to the e-graph, which
            // places each just before its first use instead of holding every
            // input of the rows in flight (the benchmark's standardize +
            // logistic model: 65 -> 90 M rows/s on 2 threads).
            let flags = MemFlagsData::trusted().with_readonly().with_can_move();
            vec![b.ins().load(types::F32, flags, base, offset)]
        }
        Op::Const { values } => values.iter().map(|&c| b.ins().f32const(c)).collect(),
        Op::Concat { parts } => parts.iter().flat_map(|p| v(*p).iter().copied()).collect(),
        Op::FillNan { x, values } => v(*x)
            .iter()
            .zip(values)
            .map(|(&a, &f)| fill_nan(b, a, f))
            .collect(),
        Op::Scale { x, mul, add } => v(*x)
            .iter()
            .zip(mul.iter().zip(add))
            .map(|(&a, (&m, &c))| {
                let m = b.ins().f32const(m);
                let c = b.ins().f32const(c);
                let p = b.ins().fmul(a, m);
                b.ins().fadd(p, c)
            })
            .collect(),
        Op::OneHot { x, codes } => {
            let code = v(*x)[0];
            let one = b.ins().f32const(1.0f32);
            let zero = b.ins().f32const(0.0f32);
            codes
                .iter()
                .map(|&c| {
                    let c = b.ins().f32const(c);
                    let eq = b.ins().fcmp(FloatCC::Equal, code, c);
                    b.ins().select(eq, one, zero)
                })
                .collect()
        }
        Op::Affine {
            x,
            weights,
            bias,
            missing,
        } => {
            let inw = v(*x).len().max(1);
            let xs = affine_inputs(b, v(*x), missing, |j| {
                weights.iter().skip(j).step_by(inw).any(|&w| w != 0.0)
            });
            affine(b, &xs, weights, bias)
        }
        Op::QuantAffine {
            x,
            weights,
            scales,
            bias,
            missing,
        } => {
            let inw = v(*x).len().max(1);
            let xs = affine_inputs(b, v(*x), missing, |j| {
                weights.iter().skip(j).step_by(inw).any(|&q| q != 0)
            });
            quant_affine(b, &xs, weights, scales, bias)
        }
        Op::Int8Affine {
            x,
            weights,
            scales,
            bias,
            missing,
            activations,
        } => {
            let used = crate::ir::int8::used_inputs(weights, v(*x).len());
            let xs = affine_inputs(b, v(*x), missing, |j| used[j]);
            let table = match data {
                NodeData::Int8(gv) => Some((*gv, b.func.dfg.value_type(row))),
                _ => None,
            };
            super::int8::int8_affine(b, &xs, &used, weights, scales, bias, *activations, table)
        }
        Op::Unary { func, x } => v(*x)
            .iter()
            .map(|&a| match func {
                UnaryFn::Sigmoid => sigmoid_f32(b, a),
                UnaryFn::Exp => exp_f32(b, a),
                UnaryFn::Neg => b.ins().fneg(a),
                UnaryFn::Abs => b.ins().fabs(a),
                UnaryFn::Log => ln_f32(b, a),
                UnaryFn::Log1p => log1p_f32(b, a),
                UnaryFn::Sqrt => b.ins().sqrt(a),
                UnaryFn::Floor => b.ins().floor(a),
            })
            .collect(),
        Op::Binary { op, a, b: rhs } => {
            let (xa, xb) = (v(*a), v(*rhs));
            let width = xa.len().max(xb.len());
            (0..width)
                .map(|i| {
                    let (l, r) = (at(xa, i), at(xb, i));
                    match op {
                        BinaryOp::Add => b.ins().fadd(l, r),
                        BinaryOp::Sub => b.ins().fsub(l, r),
                        BinaryOp::Mul => b.ins().fmul(l, r),
                        BinaryOp::Div => b.ins().fdiv(l, r),
                        // Not fmin/fmax: their NaN rules differ from the interpreter's.
                        BinaryOp::Min => {
                            let lt = b.ins().fcmp(FloatCC::LessThan, r, l);
                            b.ins().select(lt, r, l)
                        }
                        BinaryOp::Max => {
                            let gt = b.ins().fcmp(FloatCC::GreaterThan, r, l);
                            b.ins().select(gt, r, l)
                        }
                        BinaryOp::Pow => pow_f32(b, l, r),
                    }
                })
                .collect()
        }
        Op::Softmax { x } => softmax(b, v(*x)),
        Op::Argmax { x } => vec![argmax(b, v(*x))],
        Op::Compare { op, a, b: rhs } => {
            let (xa, xb) = (v(*a), v(*rhs));
            let cc = match op {
                CompareOp::Lt => FloatCC::LessThan,
                CompareOp::Le => FloatCC::LessThanOrEqual,
                CompareOp::Gt => FloatCC::GreaterThan,
                CompareOp::Ge => FloatCC::GreaterThanOrEqual,
                CompareOp::Eq => FloatCC::Equal,
                // Cranelift's NotEqual is unordered-or-not-equal: true with NaN.
                CompareOp::Ne => FloatCC::NotEqual,
            };
            let one = b.ins().f32const(1.0f32);
            let zero = b.ins().f32const(0.0f32);
            (0..xa.len().max(xb.len()))
                .map(|i| {
                    let c = b.ins().fcmp(cc, at(xa, i), at(xb, i));
                    b.ins().select(c, one, zero)
                })
                .collect()
        }
        Op::Select { cond, a, b: rhs } => {
            let (xc, xa, xb) = (v(*cond), v(*a), v(*rhs));
            let zero = b.ins().f32const(0.0f32);
            (0..xc.len().max(xa.len()).max(xb.len()))
                .map(|i| {
                    let c = b.ins().fcmp(FloatCC::NotEqual, at(xc, i), zero);
                    b.ins().select(c, at(xa, i), at(xb, i))
                })
                .collect()
        }
        Op::Bucketize { x, edges } => v(*x).iter().map(|&a| bucketize(b, a, edges)).collect(),
        Op::Lookup { x, table, default } => {
            let code = v(*x)[0];
            let mut r = b.ins().f32const(*default);
            for (i, &t) in table.iter().enumerate() {
                let here = b.ins().f32const(i as f32);
                let eq = b.ins().fcmp(FloatCC::Equal, code, here);
                let t = b.ins().f32const(t);
                r = b.ins().select(eq, t, r);
            }
            vec![r]
        }
        Op::KnnImpute { x, train, k } => match data {
            NodeData::Knn(gv) => {
                let ptr = b.func.dfg.value_type(row);
                emit_knn(b, ptr, v(*x), train, *k, *gv)
            }
            _ => unreachable!("declare_data declares a data object for every KnnImpute"),
        },
        Op::Trees { x, forest, walk } => match (walk, data) {
            (TreeWalk::Branches, _) => emit_branches(b, forest, v(*x)),
            (TreeWalk::Table | TreeWalk::Chain, NodeData::Table(gv, layout)) => {
                let ptr = b.func.dfg.value_type(row);
                let mut sums = emit_table_walk(b, ptr, layout, *gv, &[v(*x)]);
                sums.pop().unwrap_or_default()
            }
            (TreeWalk::Table | TreeWalk::Chain, _) => {
                unreachable!("declare_data encodes a table for every table walk")
            }
        },
        Op::QuantTrees { x, forest, walk } => match (walk, data) {
            (TreeWalk::Branches, _) => emit_branches(b, &forest.dequantize(), v(*x)),
            (TreeWalk::Table | TreeWalk::Chain, NodeData::Table(gv, layout)) => {
                let ptr = b.func.dfg.value_type(row);
                let mut sums = emit_table_walk(b, ptr, layout, *gv, &[v(*x)]);
                sums.pop().unwrap_or_default()
            }
            (TreeWalk::Table | TreeWalk::Chain, _) => {
                unreachable!("declare_data encodes a table for every table walk")
            }
        },
    }
}

/// Element `i` of an operand that broadcasts when it has width 1.
fn at(xs: &[Value], i: usize) -> Value {
    if xs.len() == 1 {
        xs[0]
    } else {
        xs[i]
    }
}

/// The number of `edges` `e` with `e <= x`, summed in `f32` (exact for any
/// realistic edge count), NaN for a NaN `x`.
fn bucketize(b: &mut FunctionBuilder<'_>, x: Value, edges: &[f32]) -> Value {
    let one = b.ins().f32const(1.0f32);
    let zero = b.ins().f32const(0.0f32);
    let mut count = zero;
    for &e in edges {
        let e = b.ins().f32const(e);
        let le = b.ins().fcmp(FloatCC::LessThanOrEqual, e, x);
        let step = b.ins().select(le, one, zero);
        count = b.ins().fadd(count, step);
    }
    let is_nan = b.ins().fcmp(FloatCC::Unordered, x, x);
    let nan = b.ins().f32const(f32::NAN);
    b.ins().select(is_nan, nan, count)
}

/// Base and immediate offset of element `index` of the `f32` array at `ptr`; the
/// offset is an immediate unless it exceeds the `i32` range.
fn address(b: &mut FunctionBuilder<'_>, ptr: Value, index: usize) -> (Value, i32) {
    let bytes = (index as u64).saturating_mul(4);
    match i32::try_from(bytes) {
        Ok(offset) => (ptr, offset),
        Err(_) => (b.ins().iadd_imm_s(ptr, bytes as i64), 0),
    }
}

/// `isnan(a) ? fill : a`; a NaN `fill` is the identity and emits nothing.
fn fill_nan(b: &mut FunctionBuilder<'_>, a: Value, fill: f32) -> Value {
    if fill.is_nan() {
        return a;
    }
    let is_nan = b.ins().fcmp(FloatCC::Unordered, a, a);
    let f = b.ins().f32const(fill);
    b.ins().select(is_nan, f, a)
}

/// The inputs `x'` of an affine: `missing[j]` substituted for NaN (a NaN or
/// absent default substitutes nothing), only for the columns `used(j)` says some
/// nonzero weight reads; the others pass through (and emit nothing).
fn affine_inputs(
    b: &mut FunctionBuilder<'_>,
    xs: &[Value],
    missing: &[f32],
    used: impl Fn(usize) -> bool,
) -> Vec<Value> {
    xs.iter()
        .enumerate()
        .map(|(j, &a)| match missing.get(j) {
            Some(&d) if used(j) => fill_nan(b, a, d),
            _ => a,
        })
        .collect()
}

/// `acc = bias[r]; acc = acc + w[r * in + j] * x[j]` for `j` in order, with a
/// separate `fmul` and `fadd` (never `fma`) to round exactly like the interpreter;
/// a zero weight emits nothing (the interpreter skips its term).
/// Layers of at least [`super::affine::LANES`] outputs compute four at a time
/// with the same rounding ([`super::affine`]).
fn affine(b: &mut FunctionBuilder<'_>, xs: &[Value], weights: &[f32], bias: &[f32]) -> Vec<Value> {
    if bias.len() >= super::affine::LANES {
        return super::affine::affine_lanes(b, xs, weights, bias);
    }
    let inw = xs.len();
    bias.iter()
        .enumerate()
        .map(|(r, &bias_r)| {
            let mut acc = b.ins().f32const(bias_r);
            for (&w, &x) in weights[r * inw..(r + 1) * inw].iter().zip(xs) {
                if w == 0.0 {
                    continue;
                }
                let w = b.ins().f32const(w);
                let p = b.ins().fmul(w, x);
                acc = b.ins().fadd(acc, p);
            }
            acc
        })
        .collect()
}

/// The interpreter's quantized affine: `acc = 0; acc = acc + (q as f32) * x[j]`
/// for every nonzero `q` of row `r` in order (the `i8` as an exact `f32`
/// constant; separate `fmul` and `fadd`), then `bias[r] + scales[r] * acc`;
/// four outputs at a time for layers of at least four ([`super::affine`]).
fn quant_affine(
    b: &mut FunctionBuilder<'_>,
    xs: &[Value],
    weights: &[i8],
    scales: &[f32],
    bias: &[f32],
) -> Vec<Value> {
    if bias.len() >= super::affine::LANES {
        return super::affine::quant_affine_lanes(b, xs, weights, scales, bias);
    }
    let inw = xs.len();
    bias.iter()
        .zip(scales)
        .enumerate()
        .map(|(r, (&bias_r, &scale_r))| {
            let mut acc = b.ins().f32const(0.0f32);
            for (&q, &x) in weights[r * inw..(r + 1) * inw].iter().zip(xs) {
                if q == 0 {
                    continue;
                }
                let q = b.ins().f32const(f32::from(q));
                let p = b.ins().fmul(q, x);
                acc = b.ins().fadd(acc, p);
            }
            let scale = b.ins().f32const(scale_r);
            let scaled = b.ins().fmul(scale, acc);
            let bias = b.ins().f32const(bias_r);
            b.ins().fadd(bias, scaled)
        })
        .collect()
}

/// The interpreter's softmax: running max by `x[i] > m` from `x[0]`,
/// `e[i] = exp(x[i] - m)`, sum from `e[0]` in order, then `e[i] / sum`.
fn softmax(b: &mut FunctionBuilder<'_>, xs: &[Value]) -> Vec<Value> {
    let mut m = xs[0];
    for &x in &xs[1..] {
        let gt = b.ins().fcmp(FloatCC::GreaterThan, x, m);
        m = b.ins().select(gt, x, m);
    }
    let es: Vec<Value> = xs
        .iter()
        .map(|&x| {
            let d = b.ins().fsub(x, m);
            exp_f32(b, d)
        })
        .collect();
    let mut sum = es[0];
    for &e in &es[1..] {
        sum = b.ins().fadd(sum, e);
    }
    es.iter().map(|&e| b.ins().fdiv(e, sum)).collect()
}

/// The interpreter's argmax: `best = -inf`, `idx = 0`, and `x[i] > best` replaces
/// both, so NaN is skipped, ties keep the first and all-NaN gives `0`.
fn argmax(b: &mut FunctionBuilder<'_>, xs: &[Value]) -> Value {
    let mut best = b.ins().f32const(f32::NEG_INFINITY);
    let mut idx = b.ins().f32const(0.0f32);
    for (i, &x) in xs.iter().enumerate() {
        let gt = b.ins().fcmp(FloatCC::GreaterThan, x, best);
        best = b.ins().select(gt, x, best);
        let here = b.ins().f32const(i as f32);
        idx = b.ins().select(gt, here, idx);
    }
    idx
}
