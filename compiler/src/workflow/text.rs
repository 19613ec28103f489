//! The stable text form of a checked workflow graph (`mlg explain --stage graph`).

use super::catalog::Schema;
use super::check::Workflow;
use super::stage::{DataSource, StageKind};
use std::fmt::{self, Display, Write};

fn columns(schema: &Schema) -> String {
    let cols: Vec<String> = schema
        .columns
        .iter()
        .map(|c| {
            if c.missing > 0 {
                format!("{}:{}?{}", c.name, c.kind, c.missing)
            } else {
                format!("{}:{}", c.name, c.kind)
            }
        })
        .collect();
    cols.join(", ")
}

impl Display for Workflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let g = &self.graph;
        writeln!(f, "workflow ({} stages)", g.len())?;
        for &id in g.order() {
            let stage = g.stage(id);
            let mut line = String::new();
            match &stage.kind {
                StageKind::Data(d) => {
                    let target = d
                        .target
                        .as_ref()
                        .map(|t| format!(", target={t:?}"))
                        .unwrap_or_default();
                    match &d.source {
                        DataSource::File {
                            format, path_text, ..
                        } => write!(
                            line,
                            "data {} = {format}({path_text:?}{target}) [{} rows]",
                            stage.name, d.schema.rows
                        )?,
                        DataSource::Join { left, right, on, how } => write!(
                            line,
                            "data {} = join({left}, {right}, on={on:?}, how={how:?}{target})",
                            stage.name
                        )?,
                        DataSource::Concat { parts } => {
                            write!(line, "data {} = concat({}{target})", stage.name, parts.join(", "))?
                        }
                    }
                }
                StageKind::Features(fs) => {
                    write!(line, "features {} <- {}", stage.name, fs.input)?;
                    for step in &fs.steps {
                        write!(line, "\n    -> {} on {}", step.op, step.selector)?;
                    }
                }
                StageKind::Model(m) => {
                    write!(line, "model {} <- {} = {}", stage.name, m.input, m.op)?;
                    if let Some(d) = &m.distill {
                        write!(line, " <- {d}")?;
                    }
                    for step in &m.compress {
                        write!(line, " -> {step}")?;
                    }
                    write!(line, " [{}]", m.task)?
                }
                StageKind::Select(sel) => {
                    write!(
                        line,
                        "model {} <- select({}) by {} with {} [{}]",
                        stage.name,
                        sel.candidates.join(", "),
                        sel.metric.as_deref().unwrap_or("default metric"),
                        sel.method,
                        sel.task
                    )?;
                    if let Some(b) = &sel.budget {
                        write!(line, " within {b}")?;
                    }
                }
                StageKind::Search(se) => {
                    let trials = se.trials.map(|n| format!(", trials={n}")).unwrap_or_default();
                    let paths: Vec<&str> = se.space.iter().map(|d| d.path.as_str()).collect();
                    write!(
                        line,
                        "search {} <- tune({}, strategy={:?}{trials}) over {} by {} with {} [{}]",
                        stage.name,
                        se.base,
                        se.strategy,
                        paths.join(", "),
                        se.metric.as_deref().unwrap_or("default metric"),
                        se.method,
                        se.task
                    )?;
                }
                StageKind::Ensemble(en) => {
                    let params: Vec<String> = en
                        .combiner
                        .params
                        .iter()
                        .map(|(k, v)| format!(", {k}={v}"))
                        .collect();
                    write!(
                        line,
                        "ensemble {} <- {}({}{}) [{}]",
                        stage.name,
                        en.combiner.op,
                        en.members.join(", "),
                        params.concat(),
                        en.task
                    )?;
                }
                StageKind::Evaluate(e) => {
                    write!(
                        line,
                        "{} <- {} with {}",
                        stage.name,
                        e.targets.join(", "),
                        e.method
                    )?;
                    if !e.metrics.is_empty() {
                        write!(line, " metrics {}", e.metrics.join(", "))?;
                    }
                }
                StageKind::Deploy(d) => write!(line, "{} <- {} to {:?}", stage.name, d.target, d.path_text)?,
            }
            writeln!(f, "  {line}")?;
            if !stage.schema.columns.is_empty() {
                writeln!(f, "    columns: {}", columns(&stage.schema))?;
            }
        }
        let edges: Vec<String> = g
            .edges()
            .iter()
            .map(|(a, b)| format!("{} -> {}", g.stage(*a).name, g.stage(*b).name))
            .collect();
        writeln!(f, "edges: {}", edges.join(", "))
    }
}
