//! The Cranelift CPU backend: one native function per inference graph,
//! `extern "C" fn(input: *const f32, n_rows: usize, row_stride: usize, out: *mut f32)`,
//! with the row loop inside and every op inline, called on row chunks with rayon.

mod affine;
mod avx;
mod codegen;
mod int8;
mod jit;
mod knn;
mod math;
mod tiles;
mod trees;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use thiserror::Error;

use super::{check_buffers, ExecError, Executable};
use crate::ir::{verify, Graph, Op, TreeWalk, VerifyError};
use jit::{IsaChoice, JitFunction};

/// Why a graph could not be compiled.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CodegenError {
    /// The graph failed verification, so it was not compiled.
    #[error("invalid graph: {0}")]
    Verify(#[from] VerifyError),
    /// Cranelift cannot generate code for this machine.
    #[error("the host machine is not supported by Cranelift: {0}")]
    Host(String),
    /// A code generator setting was refused.
    #[error("bad Cranelift setting {0}")]
    Settings(String),
    /// Cranelift failed to compile, define or finalize the row function.
    #[error("Cranelift could not compile the row function: {0}")]
    Module(String),
    /// The graph exceeds a size the generated code can address.
    #[error("the graph is too large to compile: {0}")]
    TooLarge(String),
}

/// The compiled row function's type.
type RowFn = unsafe extern "C" fn(*const f32, usize, usize, *mut f32);

/// Rows below which [`CompiledGraph::run_parallel`] stays on the calling thread,
/// and the smallest chunk it hands to a rayon task.
const MIN_CHUNK_ROWS: usize = 4096;

/// A graph compiled to native code; callable from many threads at once.
pub struct CompiledGraph {
    /// Owns the code memory `func` points into.
    _jit: JitFunction,
    func: RowFn,
    n_inputs: usize,
    n_outputs: usize,
    clif: String,
    compile_time: Duration,
}

// SAFETY: the JIT module is never touched after finalization except to free it in
// `Drop` (which has `&mut self`); the code is immutable and the function is pure
// over the buffers it is given, so concurrent calls on disjoint outputs are sound.
unsafe impl Send for CompiledGraph {}
// SAFETY: see `Send`: shared access only ever calls the immutable code.
unsafe impl Sync for CompiledGraph {}

/// Verifies `graph` and compiles it for the host CPU.
pub fn compile(graph: &Graph) -> Result<CompiledGraph, CodegenError> {
    let start = Instant::now();
    verify(graph)?;
    let mut isa = jit::host_isa()?;
    let (func, data) = codegen::build_function(graph, &*isa)?;
    let choice = IsaChoice {
        single_pass: func.dfg.num_insts() > jit::SINGLE_PASS_REGALLOC_INSTS,
        optimize: !has_table_walk(graph),
    };
    if choice != IsaChoice::default() {
        isa = jit::host_isa_with(choice)?;
    }
    let clif = func.display().to_string();
    let jit = JitFunction::compile(isa, func, data)?;
    // SAFETY: the code was built from `codegen::row_signature`, which is the C ABI
    // signature of `RowFn` on the host.
    let func = unsafe { std::mem::transmute::<*const u8, RowFn>(jit.code()) };
    Ok(CompiledGraph {
        _jit: jit,
        func,
        n_inputs: graph.n_inputs(),
        n_outputs: graph.n_outputs(),
        clif,
        compile_time: start.elapsed(),
    })
}

/// Whether some op of `graph` walks a tree table (see [`IsaChoice::optimize`]).
fn has_table_walk(graph: &Graph) -> bool {
    graph.nodes.iter().any(|n| {
        matches!(
            n.op,
            Op::Trees {
                walk: TreeWalk::Table | TreeWalk::Chain,
                ..
            } | Op::QuantTrees {
                walk: TreeWalk::Table | TreeWalk::Chain,
                ..
            }
        )
    })
}

/// The CLIF text of `graph`'s row function as built (before Cranelift optimizes
/// it), for `mlg explain --stage clif`; deterministic for a given host ISA.
pub fn clif_text(graph: &Graph) -> Result<String, CodegenError> {
    verify(graph)?;
    let isa = jit::host_isa()?;
    Ok(codegen::build_function(graph, &*isa)?.0.display().to_string())
}

impl CompiledGraph {
    /// Time spent in [`compile`], verification and code generation included.
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }

    /// The CLIF text of the row function as built (see [`clif_text`]).
    pub fn clif_text(&self) -> &str {
        &self.clif
    }

    /// Like [`Executable::run`], but splits the rows into chunks of at least
    /// 4096 rows run as rayon tasks: `threads = None` uses the global pool,
    /// `Some(1)` (or a small batch) runs on the caller, `Some(n)` a cached pool of
    /// `n` threads. Results are identical to [`Executable::run`].
    pub fn run_parallel(
        &self,
        input: &[f32],
        n_rows: usize,
        row_stride: usize,
        out: &mut [f32],
        threads: Option<usize>,
    ) -> Result<(), ExecError> {
        check_buffers(self, input, n_rows, row_stride, out)?;
        let n_threads = threads.unwrap_or_else(rayon::current_num_threads).max(1);
        let pool = match threads {
            Some(n) if n > 1 => cached_pool(n),
            _ => None,
        };
        if n_threads == 1 || n_rows <= MIN_CHUNK_ROWS || (threads.is_some() && pool.is_none()) {
            self.call(input, 0, n_rows, row_stride, out);
            return Ok(());
        }
        let chunk = n_rows.div_ceil(n_threads * 4).max(MIN_CHUNK_ROWS);
        let n_out = self.n_outputs;
        let mut work = || {
            out[..n_rows * n_out]
                .par_chunks_mut(chunk * n_out)
                .enumerate()
                .for_each(|(k, o)| {
                    self.call(input, k * chunk, o.len() / n_out, row_stride, o);
                });
        };
        match pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
        Ok(())
    }

    /// Runs rows `first..first + n_rows` of a checked batch into `out` (which holds
    /// exactly or at least `n_rows` output rows).
    fn call(&self, input: &[f32], first: usize, n_rows: usize, row_stride: usize, out: &mut [f32]) {
        if n_rows == 0 {
            return;
        }
        debug_assert!(out.len() >= n_rows * self.n_outputs);
        debug_assert!(input.len() >= (first + n_rows - 1) * row_stride + self.n_inputs);
        avx::clear_upper_state();
        // SAFETY: `check_buffers` proved the batch fits `input` and `out`, so every
        // row read (`row_stride`-spaced, `n_inputs` wide) and every output write is in
        // bounds; `first * row_stride` is within `input`.
        unsafe {
            (self.func)(
                input.as_ptr().add(first * row_stride),
                n_rows,
                row_stride,
                out.as_mut_ptr(),
            )
        }
    }
}

/// A process-wide pool of `n` threads, built on first use; `None` when it cannot be built.
fn cached_pool(n: usize) -> Option<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS.get_or_init(Default::default).lock().ok()?;
    if let Some(pool) = pools.get(&n) {
        return Some(pool.clone());
    }
    let pool = Arc::new(ThreadPoolBuilder::new().num_threads(n).build().ok()?);
    pools.insert(n, pool.clone());
    Some(pool)
}

impl Executable for CompiledGraph {
    fn n_inputs(&self) -> usize {
        self.n_inputs
    }

    fn n_outputs(&self) -> usize {
        self.n_outputs
    }

    fn run(&self, input: &[f32], n_rows: usize, row_stride: usize, out: &mut [f32]) -> Result<(), ExecError> {
        check_buffers(self, input, n_rows, row_stride, out)?;
        self.call(input, 0, n_rows, row_stride, out);
        Ok(())
    }
}

impl std::fmt::Debug for CompiledGraph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledGraph")
            .field("n_inputs", &self.n_inputs)
            .field("n_outputs", &self.n_outputs)
            .field("compile_time", &self.compile_time)
            .finish_non_exhaustive()
    }
}
