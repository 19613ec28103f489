//! Checks `ensemble NAME = combiner(A, B, ..., k = v)`: the members must be
//! model (or compress, search, or ensemble) stages of one task trained on one
//! data source, the combiner must suit that task, `weighted` needs one weight
//! per member, a stacking or blending meta-model must be a model of the
//! members' task, and a blending `holdout` must lie strictly between 0 and 1.

use super::args::{bind, describe};
use super::catalog::{ColumnKind, OpKind, Params, Task, Value};
use super::check::{Checked, Checker};
use super::stage::{EnsembleStage, OpUse, Stage, StageKind};
use mlg_dsl::ast::{Arg, EnsembleStmt, ExprKind, Ident};
use mlg_dsl::{Diagnostic, Span};

/// Combiners that vote on classes, so need classifiers.
const CLASSIFIER_ONLY: [&str; 2] = ["hard_vote", "soft_vote"];

/// Combiners that train a meta-model on the members' outputs.
const META_COMBINERS: [&str; 2] = ["stacking", "blending"];

/// The stacking or blending meta-model when none is given: per task.
fn default_meta(task: Task) -> &'static str {
    match task {
        Task::Classification => "logistic_regression",
        Task::Regression => "linear_regression",
    }
}

impl Checker<'_> {
    /// Checks an `ensemble` statement.
    pub(super) fn ensemble(&self, s: &EnsembleStmt) -> Checked {
        let spec = self.op(&s.call.name, OpKind::Ensemble).map_err(|d| vec![d])?;
        let combiner = spec.name;
        let mut errors = Vec::new();
        let mut members: Vec<Ident> = Vec::new();
        let mut named: Vec<Arg> = Vec::new();
        for arg in &s.call.args {
            if arg.name.is_some() {
                named.push(arg.clone());
                continue;
            }
            match &arg.value.kind {
                ExprKind::Name(n) => {
                    if let Some(first) = members.iter().find(|m| m.name == *n) {
                        errors.push(
                            Diagnostic::new(
                                "mlg::duplicate",
                                format!("`{n}` is a member of `{}` twice", s.name.name),
                                arg.value.span,
                                "listed again here",
                            )
                            .with_label(first.span, "first listed here"),
                        );
                    } else {
                        members.push(Ident {
                            name: n.clone(),
                            span: arg.value.span,
                        });
                    }
                }
                _ => errors.push(
                    Diagnostic::new(
                        "mlg::ensemble_member",
                        "an ensemble takes its member models by name",
                        arg.value.span,
                        format!("found {}", describe(&arg.value)),
                    )
                    .with_help(format!("e.g. {combiner}(lr, rf) where `lr` and `rf` are models")),
                ),
            }
        }
        let holdout = if combiner == "blending" {
            take_holdout(&mut named, &mut errors)
        } else {
            None
        };
        let mut params = match bind(self.catalog, spec, &s.call, &named) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        if members.len() < 2 {
            errors.push(
                Diagnostic::new(
                    "mlg::ensemble_member",
                    format!(
                        "`{}` fuses {} model{}, but an ensemble needs at least two",
                        s.name.name,
                        members.len(),
                        if members.len() == 1 { "" } else { "s" }
                    ),
                    s.call.span,
                    "too few members",
                )
                .with_help(format!("list the member models first: {combiner}(lr, rf)")),
            );
        }
        let tasks = self.member_tasks(&members, &mut errors);
        let task = tasks.first().map(|(_, t, _)| *t);
        if let (Some(task), Some(first_stage)) = (task, tasks.first().map(|(_, _, s)| *s)) {
            if task == Task::Regression && CLASSIFIER_ONLY.contains(&combiner) {
                errors.push(
                    Diagnostic::new(
                        "mlg::ensemble_task",
                        format!("`{combiner}` votes on classes, but the members are regression models"),
                        s.call.name.span,
                        "needs classifiers",
                    )
                    .with_help("combine regressors with mean(...), weighted(...) or stacking(...)"),
                );
            }
            let mut weights = Vec::new();
            if let Some(p) = &params {
                if combiner == "weighted" {
                    match parse_weights(p, members.len()) {
                        Ok(w) => weights = w,
                        Err(message) => {
                            errors.push(
                                Diagnostic::new(
                                    "mlg::ensemble_weights",
                                    message,
                                    arg_span(&named, "weights").unwrap_or(s.call.span),
                                    "wrong weights",
                                )
                                .with_help(format!(
                                "give {} comma-separated non-negative numbers, one per member in order ({})",
                                members.len(),
                                members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(", ")
                            )),
                            )
                        }
                    }
                }
            }
            if META_COMBINERS.contains(&combiner) {
                if let Some(p) = params.as_mut() {
                    errors.extend(self.stacking_errors(s, &named, p, task, first_stage));
                    if let Some(h) = holdout {
                        p.insert("holdout".to_string(), Value::Float(h));
                    }
                }
            }
            if errors.is_empty() {
                if let Some(params) = params {
                    let stage = EnsembleStage {
                        members: members.iter().map(|m| m.name.clone()).collect(),
                        combiner: OpUse {
                            op: combiner.to_string(),
                            params,
                            span: s.call.span,
                        },
                        weights,
                        task,
                    };
                    // The schema shown for an ensemble is its first member's.
                    return Ok((StageKind::Ensemble(stage), first_stage.schema.clone()));
                }
            }
        }
        if errors.is_empty() {
            errors.push(Diagnostic::bare(
                "mlg::internal",
                "ensemble checked without a task",
            ));
        }
        Err(errors)
    }

    /// Each member's stage and task, in order; reports members that are not
    /// models and members whose task or data source differs from the first's.
    fn member_tasks<'m>(
        &'m self,
        members: &'m [Ident],
        errors: &mut Vec<Diagnostic>,
    ) -> Vec<(&'m Ident, Task, &'m Stage)> {
        let mut tasks = Vec::new();
        for m in members {
            let stage = self.stage(&m.name);
            match (&stage.kind, stage.kind.task()) {
                // A search stands for its best trial's model (a search
                // over an ensemble for that ensemble): its task is the
                // searched stage's, and so is its data source.
                (StageKind::Model(_) | StageKind::Search(_) | StageKind::Ensemble(_), Some(task)) => {
                    tasks.push((m, task, stage))
                }
                (StageKind::Select(_), _) => errors.push(
                    Diagnostic::new(
                        "mlg::wrong_input",
                        format!("`{}` is a selection, which cannot be an ensemble member", m.name),
                        m.span,
                        "a select",
                    )
                    .with_help("list the candidate models themselves as members"),
                ),
                (other, _) => errors.push(Diagnostic::new(
                    "mlg::wrong_input",
                    format!(
                        "an ensemble fuses models, but `{}` is a `{}` stage",
                        m.name,
                        other.keyword()
                    ),
                    m.span,
                    format!("a {}", other.keyword()),
                )),
            }
        }
        let Some((first, task, first_stage)) = tasks.first().copied() else {
            return tasks;
        };
        for (m, other, _) in tasks.iter().skip(1).filter(|(_, t, _)| *t != task) {
            errors.push(
                Diagnostic::new(
                    "mlg::ensemble_tasks",
                    format!(
                        "an ensemble fuses models of one task, but `{}` is a {task} model and `{}` a {other} model",
                        first.name, m.name
                    ),
                    m.span,
                    format!("a {other} model"),
                )
                .with_label(first.span, format!("a {task} model"))
                .with_help("fuse classifiers only, or regressors only"),
            );
        }
        let root = self.root_data(first_stage).map(|(r, _)| r.name.clone());
        for (m, _, stage) in tasks.iter().skip(1) {
            let other = self.root_data(stage).map(|(r, _)| r.name.clone());
            if other != root {
                errors.push(
                    Diagnostic::new(
                        "mlg::ensemble_data",
                        format!(
                            "an ensemble's members predict the same rows, but `{}` learns from `{}` and `{}` from `{}`",
                            first.name,
                            root.as_deref().unwrap_or("?"),
                            m.name,
                            other.as_deref().unwrap_or("?")
                        ),
                        m.span,
                        "trained on other data",
                    )
                    .with_label(first.span, "the first member")
                    .with_help("members must all read the same data source (their features may differ)"),
                );
            }
        }
        tasks
    }

    /// Checks (and completes) a stacking or blending combiner's parameters:
    /// the meta-model must be a model of the members' task (default:
    /// [`default_meta`]), and `passthrough = true` needs numeric, complete raw
    /// inputs. Every catalog model takes numeric, complete columns of any sign
    /// (none needs categorical or non-negative inputs), so the members'
    /// probabilities or predictions suit any meta-model of their task.
    fn stacking_errors(
        &self,
        s: &EnsembleStmt,
        named: &[Arg],
        params: &mut Params,
        task: Task,
        first_stage: &Stage,
    ) -> Vec<Diagnostic> {
        let mut errors = Vec::new();
        match params.get("meta").and_then(Value::as_model) {
            Some((op, _)) => {
                let meta_task = self.catalog.get(op).and_then(|spec| match spec.kind {
                    OpKind::Model { task } => Some(task),
                    _ => None,
                });
                if meta_task.is_some_and(|t| t != task) {
                    errors.push(
                        Diagnostic::new(
                            "mlg::ensemble_meta",
                            format!(
                                "the members are {task} models, but the meta-model `{op}` is a {} model",
                                meta_task.map_or_else(String::new, |t| t.to_string())
                            ),
                            arg_span(named, "meta").unwrap_or(s.call.span),
                            format!("needs a {task} model"),
                        )
                        .with_help(format!("e.g. meta = {}()", default_meta(task))),
                    );
                }
            }
            None => {
                let name = default_meta(task);
                match self.catalog.get(name) {
                    Some(spec) => match bind(self.catalog, spec, &s.call, &[]) {
                        Ok(defaults) => {
                            params.insert(
                                "meta".to_string(),
                                Value::Model {
                                    op: name.to_string(),
                                    params: defaults,
                                },
                            );
                        }
                        Err(e) => errors.extend(e),
                    },
                    None => errors.push(
                        Diagnostic::new(
                            "mlg::ensemble_meta",
                            format!("this build has no `{name}` for the default meta-model"),
                            s.call.span,
                            "no default meta-model",
                        )
                        .with_help("name one: meta = <model>(...)"),
                    ),
                }
            }
        }
        if params.get("passthrough").and_then(Value::as_bool) == Some(true) {
            // A meta-model that learns where missing values go takes them raw.
            let missing_ok = params
                .get("meta")
                .and_then(Value::as_model)
                .is_some_and(|(op, _)| self.catalog.takes_missing(op));
            if let Some((root, data)) = self.root_data(first_stage) {
                let bad: Vec<String> = data
                    .schema
                    .columns
                    .iter()
                    .filter(|c| Some(&c.name) != data.target.as_ref())
                    .filter(|c| c.kind == ColumnKind::Categorical || (c.missing > 0 && !missing_ok))
                    .map(|c| {
                        if c.kind == ColumnKind::Categorical {
                            format!("`{}` (categorical)", c.name)
                        } else {
                            format!("`{}` ({} missing)", c.name, c.missing)
                        }
                    })
                    .collect();
                if !bad.is_empty() {
                    errors.push(
                        Diagnostic::new(
                            "mlg::ensemble_passthrough",
                            format!(
                                "`passthrough = true` gives the meta-model the raw inputs of `{}`, which must be numeric{}, but these are not: {}",
                                root.name,
                                if missing_ok { "" } else { " and complete" },
                                bad.join(", ")
                            ),
                            arg_span(named, "passthrough").unwrap_or(s.call.span),
                            "raw inputs the meta-model cannot take",
                        )
                        .with_help(if missing_ok {
                            "leave passthrough = false"
                        } else {
                            "leave passthrough = false, or use a meta-model that takes missing values \
                             (gradient_boosting_classifier)"
                        }),
                    );
                }
            }
        }
        errors
    }
}

/// Takes a blending's numeric `holdout = x` argument out of `named` and
/// checks it: the share of training rows held out for the meta-model must lie
/// strictly between 0 and 1 (an error underlining the value otherwise).
/// Returns the valid share; `None` leaves the catalog default. A non-numeric
/// or repeated `holdout` stays in `named` for [`bind`] to report.
fn take_holdout(named: &mut Vec<Arg>, errors: &mut Vec<Diagnostic>) -> Option<f64> {
    let is_holdout = |a: &Arg| a.name.as_ref().is_some_and(|n| n.name == "holdout");
    if named.iter().filter(|a| is_holdout(a)).count() != 1 {
        return None;
    }
    let at = named.iter().position(is_holdout)?;
    let value = match named[at].value.kind {
        ExprKind::Int(i) => i as f64,
        ExprKind::Float(f) => f,
        _ => return None,
    };
    let arg = named.remove(at);
    if value > 0.0 && value < 1.0 {
        return Some(value);
    }
    let label = if value == 0.0 {
        "holds out no rows for the meta-model"
    } else if value == 1.0 {
        "leaves no rows to fit the members"
    } else {
        "not a share of the rows"
    };
    errors.push(
        Diagnostic::new(
            "mlg::ensemble_holdout",
            format!("`holdout` must lie strictly between 0 and 1, but it is {value}"),
            arg.value.span,
            label,
        )
        .with_help(
            "`holdout` is the share of the training rows held out to train the meta-model: \
             e.g. holdout = 0.2 fits the members on 80% of them",
        ),
    );
    None
}

/// The span of the named argument `name`, if given.
fn arg_span(named: &[Arg], name: &str) -> Option<Span> {
    named
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == name))
        .map(|a| a.value.span)
}

/// The `weights` of a `weighted` combiner: `n` comma-separated non-negative
/// numbers with a positive sum, scaled to sum to 1.
fn parse_weights(params: &Params, n: usize) -> Result<Vec<f64>, String> {
    let text = params.get("weights").and_then(Value::as_str).unwrap_or_default();
    let mut weights = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        match part.parse::<f64>() {
            Ok(w) if w.is_finite() && w >= 0.0 => weights.push(w),
            _ => return Err(format!("weight `{part}` is not a non-negative number")),
        }
    }
    if weights.len() != n {
        return Err(format!(
            "`weighted` has {n} members but {} weight{}",
            weights.len(),
            if weights.len() == 1 { "" } else { "s" }
        ));
    }
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return Err("the weights sum to 0; at least one must be positive".to_string());
    }
    Ok(weights.iter().map(|w| w / sum).collect())
}
