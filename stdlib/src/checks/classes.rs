//! The analyzer rule that needs the loaded data: `lda(n = N)` asking for more
//! discriminants than the target's classes allow.

use mlg_compiler::workflow::{self, graph::Graph, StageKind};
use mlg_dsl::Diagnostic;

/// `lda(n = N)` with `N` above the classes of its data's target minus one,
/// counted in `frames` (the loaded data stages by name; a numeric target's
/// distinct values), as `mlg::too_large` diagnostics underlining the step,
/// so that `check` refuses what fitting would. Stages whose data is not in
/// `frames` are skipped.
pub fn class_count_errors(
    checked: &workflow::Workflow,
    frames: &std::collections::HashMap<String, std::sync::Arc<mlg_runtime::Frame>>,
) -> Vec<Diagnostic> {
    let graph = &checked.graph;
    let mut out = Vec::new();
    for &id in graph.order() {
        let StageKind::Features(f) = &graph.stage(id).kind else {
            continue;
        };
        for step in f.steps.iter().filter(|s| s.op.op == "lda") {
            let Some(n) = step.op.params.get("n").and_then(|v| v.as_i64()) else {
                continue;
            };
            let Some(classes) = root_classes(graph, &f.input, frames) else {
                continue;
            };
            if n >= classes as i64 {
                let most = classes.saturating_sub(1);
                out.push(Diagnostic::new(
                    "mlg::too_large",
                    format!(
                        "`lda` asks for n = {n} components, but at most {most} are possible here \
                         (the target's {classes} classes minus one)"
                    ),
                    step.op.span,
                    format!("at most {most}"),
                ));
            }
        }
    }
    out
}

/// Distinct values of the target of the data stage under stage `name`.
fn root_classes(
    graph: &Graph,
    name: &str,
    frames: &std::collections::HashMap<String, std::sync::Arc<mlg_runtime::Frame>>,
) -> Option<usize> {
    let mut stage = graph.stage(graph.find(name)?);
    let (data_name, target) = loop {
        match &stage.kind {
            StageKind::Data(d) => break (&stage.name, d.target.as_deref()?),
            StageKind::Features(f) => stage = graph.stage(graph.find(&f.input)?),
            _ => return None,
        }
    };
    let column = frames.get(data_name)?.column(target)?;
    Some(match &column.data {
        mlg_runtime::frame::ColumnData::Numeric(values) => {
            let mut bits: Vec<u64> = values
                .iter()
                .filter(|v| !v.is_nan())
                .map(|v| v.to_bits())
                .collect();
            bits.sort_unstable();
            bits.dedup();
            bits.len()
        }
        mlg_runtime::frame::ColumnData::Categorical { levels, .. } => levels.len(),
    })
}
