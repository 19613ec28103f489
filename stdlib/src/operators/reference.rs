//! The operator reference of `docs/language.md`, rendered from the operator
//! definitions: one section per operator kind, one entry per operator with
//! its summary, details and parameter table, metrics as one table. The docs
//! hold the rendered text between `<!-- operators:begin -->` and
//! `<!-- operators:end -->`; `stdlib/tests/docs_reference.rs` keeps them equal.

use super::{all, OperatorDef};
use mlg_compiler::workflow::catalog::{Default, DefaultSelector, OpKind, ParamSpec, ParamType, SchemaRule};
use std::fmt::Write;

/// Whether an operator kind belongs to a section.
type Holds = fn(&OpKind) -> bool;

/// The sections of the reference: heading and which kinds they hold.
const SECTIONS: &[(&str, Holds)] = &[
    ("Data sources", |k| matches!(k, OpKind::Source)),
    ("Features steps", |k| matches!(k, OpKind::Transform { .. })),
    ("Models", |k| matches!(k, OpKind::Model { .. })),
    ("Evaluation methods", |k| matches!(k, OpKind::Method)),
    ("Metrics", |k| matches!(k, OpKind::Metric { .. })),
    ("Search strategies", |k| matches!(k, OpKind::Search)),
    ("Ensemble combiners", |k| matches!(k, OpKind::Ensemble)),
    ("Compression steps", |k| matches!(k, OpKind::Compress)),
];

/// The operator reference as Markdown: a `###` section per operator kind (in
/// a fixed order, empty kinds left out), operators in catalog order. Each
/// operator is a `####` entry with its summary, what its kind implies
/// (default selector, task, compression capabilities), its details and a
/// table of its parameters (type, default, meaning); metrics are one table.
/// The text contains no fenced code blocks and ends with one newline.
pub fn markdown_reference() -> String {
    let mut out = String::new();
    for (title, holds) in SECTIONS {
        let defs: Vec<&OperatorDef> = all().filter(|d| holds(&d.spec.kind)).collect();
        if defs.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "### {title}");
        if defs.iter().all(|d| matches!(d.spec.kind, OpKind::Metric { .. })) {
            metric_table(&mut out, &defs);
        } else {
            for def in defs {
                entry(&mut out, def);
            }
        }
    }
    out
}

/// One `####` entry.
fn entry(out: &mut String, def: &OperatorDef) {
    let spec = &def.spec;
    let _ = write!(out, "\n#### `{}`\n\n{}", spec.name, sentence(spec.summary));
    match spec.kind {
        OpKind::Transform {
            default_selector,
            rule,
        } => {
            let selector = match default_selector {
                DefaultSelector::All => "all",
                DefaultSelector::Numeric => "numeric",
                DefaultSelector::Categorical => "categorical",
                DefaultSelector::Dates => "dates",
            };
            let _ = write!(out, ". Default selector: `{selector}`");
            if let SchemaRule::Project { prefix, .. } = rule {
                let _ = write!(out, ". Output columns: `{prefix}1`, `{prefix}2`, ...");
            }
        }
        OpKind::Model { task } => {
            let _ = write!(out, ". Task: {task}");
            let caps = def.capabilities;
            let mut extra = Vec::new();
            if caps.prune_neurons {
                extra.push("`prune(neurons = f)`");
            }
            if caps.prune_ccp {
                extra.push("`prune(ccp_alpha = a)`");
            }
            if caps.low_rank {
                extra.push("`low_rank(...)`");
            }
            if caps.prune_trees {
                extra.push("`prune(trees = f)`");
            }
            if caps.finetune {
                extra.push("`prune(magnitude = f, finetune = e)`");
            }
            if !extra.is_empty() {
                let _ = write!(out, ". Also compressible with {}", extra.join(" and "));
            }
            if caps.soft_targets {
                let _ = write!(
                    out,
                    ". As a `distill` student it learns the teacher's soft targets"
                );
            }
        }
        _ => {}
    }
    out.push_str(".\n");
    if !def.details.is_empty() {
        let _ = writeln!(out, "\n{}", def.details.trim_end());
    }
    out.push('\n');
    if spec.params.is_empty() {
        out.push_str("No parameters.\n");
        return;
    }
    out.push_str("| parameter | type | default | meaning |\n| --- | --- | --- | --- |\n");
    for param in spec.params {
        param_row(out, param);
    }
}

/// One row of a parameter table.
fn param_row(out: &mut String, param: &ParamSpec) {
    let default = match param.default {
        Default::Int(v) => format!("`{v}`"),
        Default::Float(v) => format!("`{}`", number(v)),
        Default::Bool(v) => format!("`{v}`"),
        Default::Str(s) => format!("`\"{s}\"`"),
        Default::Required => "required".to_string(),
        Default::Optional => "—".to_string(),
    };
    let _ = writeln!(
        out,
        "| `{}` | {} | {default} | {} |",
        param.name,
        type_text(&param.ty),
        cell(param.doc)
    );
}

/// The metrics as one table.
fn metric_table(out: &mut String, defs: &[&OperatorDef]) {
    out.push_str("\n| metric | task | meaning |\n| --- | --- | --- |\n");
    for def in defs {
        let task = match def.spec.kind {
            OpKind::Metric { task } => task.to_string(),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| `{}` | {task} | {} |",
            def.spec.name,
            cell(def.spec.summary)
        );
    }
}

/// A parameter type as the reference writes it.
fn type_text(ty: &ParamType) -> String {
    match *ty {
        ParamType::Int { min, max } if min == max => format!("integer {min}"),
        ParamType::Int { min, max: i64::MAX } => format!("integer >= {min}"),
        ParamType::Int { min, max } => format!("integer in {min}..={max}"),
        ParamType::Float { min, max } if min.is_infinite() && max.is_infinite() => "number".to_string(),
        ParamType::Float { min, max } if max.is_infinite() && min > 0.0 && min < 1e-6 => {
            "number > 0".to_string()
        }
        ParamType::Float { min, max } if max.is_infinite() => format!("number >= {}", bound(min)),
        ParamType::Float { min, max } => format!("number in [{}, {}]", bound(min), bound(max)),
        ParamType::Bool => "bool".to_string(),
        ParamType::Str => "string".to_string(),
        ParamType::Choice(options) => options
            .iter()
            .map(|o| format!("`\"{o}\"`"))
            .collect::<Vec<_>>()
            .join(" \\| "),
        ParamType::Model => "model call".to_string(),
        ParamType::StrMap => "map of strings".to_string(),
        ParamType::Weights(options) => {
            let names: Vec<String> = options.iter().map(|o| format!("`\"{o}\"`")).collect();
            format!("{} \\| map of weights", names.join(" \\| "))
        }
    }
}

/// A number as the reference writes it: whole numbers with one decimal,
/// small ones in exponent form (`1e-4`).
fn number(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else if v.abs() < 1e-3 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// A range bound as the reference writes it: `0`, `100`, `0.5`, `1e-9`.
fn bound(v: f64) -> String {
    if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// A catalog summary as the start of a sentence: [`inline`], first letter
/// capitalised.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => inline(&(first.to_uppercase().collect::<String>() + chars.as_str())),
        None => String::new(),
    }
}

/// Catalog prose as Markdown text: `*` and `<` are escaped so that products
/// (`a*b`) and placeholders (`<factor>`) print as written.
fn inline(text: &str) -> String {
    text.replace('*', "\\*").replace('<', "\\<")
}

/// Catalog prose as a table cell: [`inline`], with `|` escaped as well.
fn cell(text: &str) -> String {
    inline(text).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_has_an_entry() {
        let text = markdown_reference();
        for def in all() {
            let heading = format!("#### `{}`", def.spec.name);
            let row = format!("| `{}` |", def.spec.name);
            assert!(
                text.contains(&heading) || text.contains(&row),
                "{} missing",
                def.spec.name
            );
        }
        assert!(!text.contains("```"), "no code fences");
        assert!(text.ends_with('\n') && !text.ends_with("\n\n"));
    }

    #[test]
    fn numbers_and_types_print_plainly() {
        assert_eq!(number(1.0), "1.0");
        assert_eq!(number(1e-4), "1e-4");
        assert_eq!(number(0.95), "0.95");
        assert_eq!(bound(100.0), "100");
        assert_eq!(bound(1e-9), "1e-9");
        assert_eq!(sentence("k-fold *"), "K-fold \\*");
        assert_eq!(type_text(&ParamType::Choice(&["a", "b"])), "`\"a\"` \\| `\"b\"`");
        assert_eq!(cell("|w|_1 * a"), "\\|w\\|_1 \\* a");
    }
}
