//! The compile layer: an IR graph to an executable. Optimizes with the pass
//! pipeline and compiles with Cranelift; it knows graphs only, not chains.

use crate::error::{Error, Result};
use mlg_compiler::backends::cranelift::{self, CompiledGraph};
use mlg_compiler::ir;
use mlg_compiler::passes::{Optimized, Pipeline};

/// The default pass pipeline followed by the opt-in compiler transforms
/// `transforms` (`(name, amount)`, see [`mlg_compiler::passes::transform`])
/// of a compressed model; an unknown transform is an error naming `model`.
fn pipeline(model: &str, transforms: &[(&str, Option<f64>)]) -> Result<Pipeline> {
    let passes = transforms
        .iter()
        .map(|&(name, amount)| {
            mlg_compiler::passes::transform(name, amount)
                .map_err(|message| Error::Usage(format!("model `{model}`: {message}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(if passes.is_empty() {
        Pipeline::default()
    } else {
        Pipeline::with_transforms(passes)
    })
}

/// Runs the pipeline of `transforms` over `graph`, recording every pass
/// with a copy of its graph (for `mlg explain --passes`).
pub fn optimize(graph: &ir::Graph, model: &str, transforms: &[(&str, Option<f64>)]) -> Result<Optimized> {
    pipeline(model, transforms)?
        .run(graph)
        .map_err(|source| Error::Pass {
            model: model.to_string(),
            source,
        })
}

/// [`optimize`] without the trace: the optimized graph only.
pub fn optimize_graph(
    graph: ir::Graph,
    model: &str,
    transforms: &[(&str, Option<f64>)],
) -> Result<ir::Graph> {
    pipeline(model, transforms)?
        .optimize(graph)
        .map_err(|source| Error::Pass {
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
