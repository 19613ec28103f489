//! `mlg explain`: the stable text form of each compiler stage of a workflow.

use crate::error::{Error, Result};
use crate::executor::{fit_full, optimize};
use crate::session::Workflow;
use mlg_compiler::backends::cranelift;

/// A stage whose text form `explain` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageName {
    /// The parsed program.
    Ast,
    /// The checked workflow graph.
    Graph,
    /// Each model's lowered inference IR (trains first).
    Ir,
    /// Each model's IR after the pass pipeline (trains first).
    Optimized,
    /// Each model's Cranelift IR (trains first).
    Clif,
}

impl std::str::FromStr for StageName {
    type Err = Error;
    fn from_str(s: &str) -> Result<StageName> {
        Ok(match s {
            "ast" => StageName::Ast,
            "graph" => StageName::Graph,
            "ir" => StageName::Ir,
            "optimized" => StageName::Optimized,
            "clif" => StageName::Clif,
            other => {
                return Err(Error::Usage(format!(
                    "unknown stage `{other}`; stages: ast, graph, ir, optimized, clif"
                )))
            }
        })
    }
}

/// The text of `stage` for the workflow in `source`. For the IR stages, `model`
/// picks one model (default: every model in dependency order); `passes` prints
/// the IR after every pass that changed it and names the ones that did not.
pub fn explain(wf: &Workflow, stage: StageName, model: Option<&str>, passes: bool) -> Result<String> {
    explain_with(wf, stage, model, passes, &[])
}

/// [`explain`] with opt-in compiler transforms (`mlg explain --transform
/// quantize-int8`, `prune-magnitude=0.5`, ...) run after each model's own:
/// `(name, amount)` as [`mlg_compiler::passes::transform`] takes them.
pub fn explain_with(
    wf: &Workflow,
    stage: StageName,
    model: Option<&str>,
    passes: bool,
    extra: &[(String, Option<f64>)],
) -> Result<String> {
    match stage {
        StageName::Ast => return Ok(wf.program.to_string()),
        StageName::Graph => return Ok(wf.checked.to_string()),
        _ => {}
    }
    let models = match model {
        Some(m) => {
            if !wf.models().iter().any(|n| n == m) {
                return Err(Error::Usage(format!(
                    "no model named `{m}`; models: {}",
                    wf.models().join(", ")
                )));
            }
            vec![m.to_string()]
        }
        None => wf.models(),
    };
    let mut out = String::new();
    for name in models {
        let fitted = fit_full(wf, &name)?;
        let lowered = fitted.lower(&name)?;
        out.push_str(&format!("# model {name}\n"));
        let mut transforms: Vec<(&str, Option<f64>)> = fitted.transforms.clone();
        transforms.extend(extra.iter().map(|(n, a)| (n.as_str(), *a)));
        let optimized = optimize(&lowered, &name, &transforms, fitted.calibration.as_ref())?;
        if passes {
            for step in &optimized.steps {
                if step.changed {
                    out.push_str(&format!("## after {}\n{}\n", step.pass, step.after));
                } else {
                    out.push_str(&format!("## {}: unchanged\n", step.pass));
                }
            }
            continue;
        }
        match stage {
            StageName::Ir => out.push_str(&lowered.to_string()),
            StageName::Optimized => out.push_str(&optimized.graph.to_string()),
            _ => out.push_str(
                &cranelift::clif_text(&optimized.graph).map_err(|source| Error::Codegen {
                    model: name.clone(),
                    source,
                })?,
            ),
        }
        out.push('\n');
    }
    Ok(out)
}
