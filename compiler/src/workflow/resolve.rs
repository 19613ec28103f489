//! Name resolution: every statement's binding, every reference to another
//! statement, duplicate bindings, unknown names and cycles. Gives the order in
//! which statements can be checked.

use super::graph::topo_order;
use mlg_dsl::ast::{Call, ExprKind, Program, Statement};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::{Diagnostic, Span};
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

/// A name used by a statement, with where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Reference {
    /// The statement name referred to.
    pub name: String,
    /// Where the name was written.
    pub span: Span,
}

fn positional_names(call: &Call, first_only: bool) -> Vec<Reference> {
    let names = call
        .args
        .iter()
        .filter(|a| a.name.is_none())
        .filter_map(|a| match &a.value.kind {
            ExprKind::Name(n) => Some(Reference {
                name: n.clone(),
                span: a.value.span,
            }),
            _ => None,
        });
    if first_only {
        names.take(1).collect()
    } else {
        names.collect()
    }
}

/// The names a statement refers to, in source order.
pub fn references(stmt: &Statement) -> Vec<Reference> {
    let ident = |i: &mlg_dsl::ast::Ident| Reference {
        name: i.name.clone(),
        span: i.span,
    };
    match stmt {
        Statement::Data(s) => positional_names(&s.source, false),
        Statement::Features(s) => vec![ident(&s.input)],
        // A distill step's student reads its own input stage.
        Statement::Compress(s) => std::iter::once(ident(&s.input))
            .chain(
                s.steps
                    .iter()
                    .filter(|c| c.name.name == super::check_distill::DISTILL)
                    .filter_map(super::check_distill::student_call)
                    .flat_map(|c| positional_names(c, true)),
            )
            .collect(),
        // `model best = select(a, b, ...)` refers to every candidate.
        Statement::Model(s) => positional_names(&s.call, s.call.name.name != super::check_select::SELECT),
        Statement::Search(s) => positional_names(&s.call, true),
        Statement::Ensemble(s) => positional_names(&s.call, false),
        Statement::Evaluate(s) => s.targets.iter().map(ident).collect(),
        Statement::Deploy(s) => vec![ident(&s.target)],
    }
}

/// The statement indices in an order where every statement comes after those it
/// refers to (statement order among independent ones), or every resolution error.
pub fn resolve(program: &Program) -> Result<Vec<usize>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    if program.statements.is_empty() {
        return Err(vec![Diagnostic::bare(
            "mlg::empty",
            "the workflow declares no statements",
        )
        .with_help(
            "start with `data NAME = csv(\"file.csv\", target = \"column\")`",
        )]);
    }
    let mut bound: HashMap<&str, (usize, Span)> = HashMap::new();
    for (i, stmt) in program.statements.iter().enumerate() {
        if let Some(name) = stmt.binding() {
            if let Some((_, first)) = bound.get(name.name.as_str()) {
                errors.push(
                    Diagnostic::new(
                        "mlg::duplicate",
                        format!("the name `{}` is bound twice", name.name),
                        name.span,
                        "bound again here",
                    )
                    .with_label(*first, "first bound here")
                    .with_help("every statement needs its own name; rename one of them"),
                );
            } else {
                bound.insert(&name.name, (i, name.span));
            }
        }
    }
    let mut graph: DiGraph<usize, ()> = DiGraph::new();
    let nodes: Vec<NodeIndex> = (0..program.statements.len()).map(|i| graph.add_node(i)).collect();
    let mut first_ref: HashMap<(usize, usize), Span> = HashMap::new();
    for (i, stmt) in program.statements.iter().enumerate() {
        for r in references(stmt) {
            match bound.get(r.name.as_str()) {
                Some((j, _)) => {
                    graph.update_edge(nodes[*j], nodes[i], ());
                    first_ref.entry((*j, i)).or_insert(r.span);
                }
                None => errors.push(unknown_name(&r, bound.keys().copied())),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match topo_order(&graph) {
        Ok(order) => Ok(order.into_iter().map(|n| graph[n]).collect()),
        Err(cycle) => {
            let members: Vec<usize> = cycle.iter().map(|n| graph[*n]).collect();
            let names: Vec<String> = members
                .iter()
                .filter_map(|&i| program.statements[i].binding().map(|b| format!("`{}`", b.name)))
                .collect();
            let mut spans: Vec<Span> = first_ref
                .iter()
                .filter(|((a, b), _)| members.contains(a) && members.contains(b))
                .map(|(_, s)| *s)
                .collect();
            spans.sort();
            let primary = spans
                .first()
                .copied()
                .unwrap_or_else(|| program.statements[members[0]].span());
            let mut d = Diagnostic::new(
                "mlg::cycle",
                format!(
                    "these stages depend on each other in a cycle: {}",
                    names.join(", ")
                ),
                primary,
                "this reference closes the cycle",
            )
            .with_help("a stage can only use stages that do not depend on it; break the cycle");
            for s in spans.into_iter().skip(1) {
                d = d.with_label(s, "part of the cycle");
            }
            Err(vec![d])
        }
    }
}

fn unknown_name<'a>(r: &Reference, names: impl Iterator<Item = &'a str>) -> Diagnostic {
    let mut names: Vec<&str> = names.collect();
    names.sort();
    let help = match did_you_mean(&r.name, names.iter().copied()) {
        Some(best) => format!("did you mean `{best}`?"),
        None if names.is_empty() => "no stage is declared yet".to_string(),
        None => format!("declared stages: {}", names.join(", ")),
    };
    Diagnostic::new(
        "mlg::unknown_name",
        format!("unknown name `{}`", r.name),
        r.span,
        "not declared anywhere",
    )
    .with_help(help)
}
