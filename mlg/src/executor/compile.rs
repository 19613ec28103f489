//! The compile layer: an IR graph to an executable. Optimizes with the pass
//! pipeline and compiles with Cranelift; it knows graphs only, not chains.

use crate::error::{Error, Result};
use mlg_compiler::backends::cranelift::{self, CompiledGraph};
use mlg_compiler::ir;
use mlg_compiler::passes::{Calibration, Int8Compute, LowRank, Optimized, Pass, Pipeline, Rank};

/// The transform of `quantize(calibrate = n)`, whose amount is `n`: it
/// needs the fitted chain's calibration rows.
pub const STATIC_INT8: &str = "quantize-int8-static";

/// The default pass pipeline followed by the opt-in compiler transforms
/// `transforms` (`(name, amount)`, see [`mlg_compiler::passes::transform`])
/// of a compressed model; an unknown transform is an error naming `model`.
/// The static int8 transform calibrates on `calibration`.
fn pipeline(
    model: &str,
    transforms: &[(&str, Option<f64>)],
    calibration: Option<&Calibration>,
) -> Result<Pipeline> {
    let passes = transforms
        .iter()
        .map(|&(name, amount)| {
            if name == STATIC_INT8 {
                let calibration = calibration.cloned().ok_or_else(|| {
                    Error::Usage(format!(
                        "model `{model}`: quantize(calibrate = ...) has no training rows to calibrate on"
                    ))
                })?;
                return Ok(Box::new(Int8Compute {
                    calibration: Some(calibration),
                }) as Box<dyn Pass>);
            }
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

/// A `low-rank` transform that would factorize none of `graph`'s layers, as
/// an error naming `model` and its layers: the variant would be the model
/// itself.
fn check_low_rank(graph: &ir::Graph, model: &str, transforms: &[(&str, Option<f64>)]) -> Result<()> {
    for &(name, amount) in transforms {
        let rank = match amount {
            Some(a) if name == "low-rank" && a < 1.0 => Rank::Energy(a),
            Some(a) if name == "low-rank" => Rank::Fixed(a as usize),
            _ => continue,
        };
        if (LowRank { rank }).factorized_layers(graph) > 0 {
            continue;
        }
        let layers: Vec<String> = graph
            .nodes
            .iter()
            .filter_map(|n| match &n.op {
                ir::Op::Affine { x, bias, .. } => Some(format!("{} x {}", bias.len(), graph.node(*x).width)),
                _ => None,
            })
            .collect();
        let step = match rank {
            Rank::Fixed(k) => format!("rank = {k}"),
            Rank::Energy(e) => format!("energy = {e}"),
        };
        return Err(Error::Usage(format!(
            "model `{model}`: low_rank({step}) factorizes no layer: an `out x in` layer gets cheaper \
             only at a rank below out * in / (out + in), and the model's layers are {}",
            if layers.is_empty() {
                "none".to_string()
            } else {
                layers.join(", ")
            }
        )));
    }
    Ok(())
}

/// Runs the pipeline of `transforms` over `graph`, recording every pass
/// with a copy of its graph (for `mlg explain --passes`).
pub fn optimize(
    graph: &ir::Graph,
    model: &str,
    transforms: &[(&str, Option<f64>)],
    calibration: Option<&Calibration>,
) -> Result<Optimized> {
    check_low_rank(graph, model, transforms)?;
    pipeline(model, transforms, calibration)?
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
    calibration: Option<&Calibration>,
) -> Result<ir::Graph> {
    check_low_rank(&graph, model, transforms)?;
    pipeline(model, transforms, calibration)?
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
