//! Checks `model NAME = select(A, B, ..., metric = "m", cv = method(...))`: the
//! candidates must be models (or other selects) of one task trained on one data
//! source, the metric must suit that task, and the method must check like an
//! `evaluate` statement's.

use super::check::{Checked, Checker};
use super::stage::{SelectStage, StageKind};
use mlg_dsl::ast::{Call, ExprKind, Ident, ModelStmt};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::Diagnostic;

/// The call name that makes a `model` statement a selection.
pub const SELECT: &str = "select";

/// The named parameters `select` takes.
const PARAMS: [&str; 2] = ["metric", "cv"];

impl Checker<'_> {
    /// Checks a `model NAME = select(...)` statement.
    pub(super) fn select(&self, s: &ModelStmt) -> Checked {
        let mut errors = Vec::new();
        let mut candidates: Vec<Ident> = Vec::new();
        let (mut metric, mut cv): (Option<Ident>, Option<&Call>) = (None, None);
        for arg in &s.call.args {
            let Some(key) = &arg.name else {
                match &arg.value.kind {
                    ExprKind::Name(n) => {
                        if let Some(first) = candidates.iter().find(|c| c.name == *n) {
                            errors.push(
                                Diagnostic::new(
                                    "mlg::duplicate",
                                    format!("`{n}` is a candidate of `{}` twice", s.name.name),
                                    arg.value.span,
                                    "listed again here",
                                )
                                .with_label(first.span, "first listed here"),
                            );
                        } else {
                            candidates.push(Ident {
                                name: n.clone(),
                                span: arg.value.span,
                            });
                        }
                    }
                    _ => errors.push(
                        Diagnostic::new(
                            "mlg::select_candidate",
                            "`select` takes its candidate models by name",
                            arg.value.span,
                            format!("found {}", super::args::describe(&arg.value)),
                        )
                        .with_help(
                            "e.g. select(lr, rf, metric = \"f1_macro\") where `lr` and `rf` are models",
                        ),
                    ),
                }
                continue;
            };
            if (metric.is_some() && key.name == "metric") || (cv.is_some() && key.name == "cv") {
                errors.push(Diagnostic::new(
                    "mlg::duplicate_param",
                    format!("parameter `{}` of `select` is given twice", key.name),
                    arg.span,
                    "given again here",
                ));
                continue;
            }
            match (key.name.as_str(), &arg.value.kind) {
                ("metric", ExprKind::Str(m) | ExprKind::Name(m)) => {
                    metric = Some(Ident {
                        name: m.clone(),
                        span: arg.value.span,
                    })
                }
                ("cv", ExprKind::Call(c)) => cv = Some(c),
                ("metric" | "cv", _) => errors.push(Diagnostic::new(
                    "mlg::param_type",
                    format!(
                        "parameter `{}` of `select` expects {}",
                        key.name,
                        if key.name == "metric" {
                            "a metric name such as \"f1_macro\""
                        } else {
                            "an evaluation method call such as kfold(5)"
                        }
                    ),
                    arg.value.span,
                    format!("found {}", super::args::describe(&arg.value)),
                )),
                (other, _) => {
                    let help = match did_you_mean(other, PARAMS) {
                        Some(best) => format!("did you mean `{best}`? `select` takes: metric, cv"),
                        None => "`select` takes: metric, cv".to_string(),
                    };
                    errors.push(
                        Diagnostic::new(
                            "mlg::unknown_param",
                            format!("`select` has no parameter `{other}`"),
                            key.span,
                            "unknown parameter",
                        )
                        .with_help(help),
                    );
                }
            }
        }
        if candidates.is_empty() {
            errors.push(
                Diagnostic::new(
                    "mlg::select_candidate",
                    format!("`{}` selects among no models", s.name.name),
                    s.call.span,
                    "no candidate given",
                )
                .with_help("list the candidate models first: select(lr, rf, metric = \"accuracy\")"),
            );
        }
        let mut tasks = Vec::new();
        for c in &candidates {
            let stage = self.stage(&c.name);
            match stage.kind.task() {
                Some(task) => tasks.push((c, task, stage)),
                None => errors.push(Diagnostic::new(
                    "mlg::wrong_input",
                    format!(
                        "`select` chooses among models, but `{}` is a `{}` stage",
                        c.name,
                        stage.kind.keyword()
                    ),
                    c.span,
                    format!("a {}", stage.kind.keyword()),
                )),
            }
        }
        if let Some((first, task, first_stage)) = tasks.first() {
            for (c, other, _) in tasks.iter().skip(1).filter(|(_, t, _)| t != task) {
                errors.push(
                    Diagnostic::new(
                        "mlg::select_tasks",
                        format!(
                            "`select` compares models of one task, but `{}` is a {task} model and `{}` a {other} model",
                            first.name, c.name
                        ),
                        c.span,
                        format!("a {other} model"),
                    )
                    .with_label(first.span, format!("a {task} model"))
                    .with_help("select among classifiers only, or among regressors only"),
                );
            }
            let root = self.root_data(first_stage).map(|(r, _)| r.name.clone());
            for (c, _, stage) in tasks.iter().skip(1) {
                let other = self.root_data(stage).map(|(r, _)| r.name.clone());
                if other != root {
                    errors.push(
                        Diagnostic::new(
                            "mlg::select_data",
                            format!(
                                "`select` scores every candidate on the same rows, but `{}` learns from `{}` and `{}` from `{}`",
                                first.name,
                                root.as_deref().unwrap_or("?"),
                                c.name,
                                other.as_deref().unwrap_or("?")
                            ),
                            c.span,
                            "trained on other data",
                        )
                        .with_label(first.span, "the first candidate"),
                    );
                }
            }
        }
        let task_list: Vec<(&Ident, _)> = tasks.iter().map(|(c, t, _)| (*c, *t)).collect();
        if let Some(m) = &metric {
            // One diagnostic per metric is enough: candidates share a task.
            errors.extend(self.metric_errors(m, &task_list[..task_list.len().min(1)]));
        }
        let method = self.method(cv, s.call.span);
        if let Err(ref e) = method {
            errors.extend(e.iter().cloned());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (method, fold_file) = method?;
        let (_, task, first_stage) = tasks[0];
        self.folds_fit(&method, first_stage).map_err(|d| vec![d])?;
        let stage = SelectStage {
            candidates: candidates.iter().map(|c| c.name.clone()).collect(),
            metric: metric.map(|m| m.name),
            method,
            fold_file,
            task,
            budget: None,
        };
        // The schema shown for a select stage is its first candidate's.
        Ok((StageKind::Select(stage), first_stage.schema.clone()))
    }
}
