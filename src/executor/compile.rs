//! From a fitted chain to an executable: lower, optimize with the pass pipeline,
//! compile with Cranelift.

use super::chain::FittedChain;
use crate::error::{Error, Result};
use mlg_compiler::backends::cranelift::{self, CompiledGraph};
use mlg_compiler::ir;
use mlg_compiler::passes::{Optimized, Pipeline};

/// Runs the default pass pipeline over `graph`, then the opt-in compiler
/// transforms `transforms` (`(name, amount)`, see
/// [`mlg_compiler::passes::transform`]) of a compressed model.
pub fn optimize(graph: &ir::Graph, model: &str, transforms: &[(&str, Option<f64>)]) -> Result<Optimized> {
    let passes = transforms
        .iter()
        .map(|&(name, amount)| {
            mlg_compiler::passes::transform(name, amount)
                .map_err(|message| Error::Usage(format!("model `{model}`: {message}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let pipeline = if passes.is_empty() {
        Pipeline::default()
    } else {
        Pipeline::with_transforms(passes)
    };
    pipeline.run(graph).map_err(|source| Error::Pass {
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
    let graph = optimize(&fitted.lower(model)?, model, &fitted.transforms)?.graph;
    let exe = compile_graph(&graph, model)?;
    Ok((graph, exe))
}
