//! From a fitted chain to an executable: lower, optimize with the pass pipeline,
//! compile with Cranelift.

use super::chain::FittedChain;
use crate::error::{Error, Result};
use mlg_compiler::backends::cranelift::{self, CompiledGraph};
use mlg_compiler::ir;
use mlg_compiler::passes::{Optimized, Pipeline};

/// Runs the default pass pipeline over `graph`.
pub fn optimize(graph: &ir::Graph, model: &str) -> Result<Optimized> {
    Pipeline::default().run(graph).map_err(|source| Error::Pass {
        model: model.to_string(),
        source,
    })
}

/// Compiles an optimized graph to native code.
pub fn compile_graph(graph: &ir::Graph, model: &str) -> Result<CompiledGraph> {
    cranelift::compile(graph).map_err(|source| Error::Codegen {
        model: model.to_string(),
        source,
    })
}

/// Lowers, optimizes and compiles `fitted`; returns the optimized graph too.
pub fn compile_chain(fitted: &FittedChain, model: &str) -> Result<(ir::Graph, CompiledGraph)> {
    let graph = optimize(&fitted.lower(model)?, model)?.graph;
    let exe = compile_graph(&graph, model)?;
    Ok((graph, exe))
}
