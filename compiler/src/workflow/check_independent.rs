//! The checks of a statement that read none of its inputs, run when an input failed to check, so that one broken stage does not hide every other mistake.
//!
//! A statement whose input failed is not checked as a whole: what it says
//! about columns, tasks and folds depends on the input, and its errors would
//! repeat the input's. But the names it calls and their parameters do not: an
//! unknown parameter of a model, an unknown evaluation method or metric, are
//! reported in the same pass as the data file that cannot be read.

use super::args::{bind, take_distribute};
use super::catalog::{DefaultSelector, OpKind, SchemaRule, Task};
use super::check::Checker;
use super::check_budget::BUDGET;
use super::check_distill::DISTILL;
use super::checkpoint_arg::take_checkpoint;
use super::columns::looks_like_selector;
use mlg_dsl::ast::Statement;
use mlg_dsl::Diagnostic;

impl Checker<'_> {
    /// The diagnostics of `stmt` that do not depend on its inputs: a model's
    /// operator and parameters (not a `select`), each features step's
    /// operator and parameters (not its columns; every step, not only the
    /// first that fails), an ensemble's combiner, the steps of a `compress`
    /// without `distill` or `budget(...)`, an evaluation's method and the
    /// names of its metrics. Empty for other statements.
    pub(super) fn independent(&self, stmt: &Statement) -> Vec<Diagnostic> {
        match stmt {
            Statement::Model(s)
                if s.call.name.name != super::check_select::SELECT
                    && super::args::leading_name(&s.call).is_ok() =>
            {
                let model = OpKind::Model {
                    task: Task::Regression,
                };
                let spec = match self.op(&s.call.name, model) {
                    Ok(spec) => spec,
                    Err(d) => return vec![d],
                };
                let rest = s.call.args.get(1..).unwrap_or_default();
                take_distribute(rest)
                    .and_then(|(args, _)| take_checkpoint(spec, &args))
                    .and_then(|args| bind(self.catalog, spec, &s.call, &args))
                    .err()
                    .unwrap_or_default()
            }
            Statement::Features(s) => {
                let transform = OpKind::Transform {
                    default_selector: DefaultSelector::All,
                    rule: SchemaRule::OneHot,
                };
                let mut errors = Vec::new();
                for call in &s.steps {
                    let spec = match self.op(&call.name, transform) {
                        Ok(spec) => spec,
                        Err(d) => {
                            errors.push(d);
                            continue;
                        }
                    };
                    // `derive`'s expressions name columns of the input.
                    if spec.name == super::derive::OP {
                        continue;
                    }
                    let rest = match call.args.first() {
                        Some(a) if a.name.is_none() && looks_like_selector(&a.value) => &call.args[1..],
                        _ => &call.args[..],
                    };
                    errors.extend(bind(self.catalog, spec, call, rest).err().unwrap_or_default());
                }
                errors
            }
            Statement::Ensemble(s) => self
                .op(&s.call.name, OpKind::Ensemble)
                .err()
                .into_iter()
                .collect(),
            // A `distill` or `budget(...)` step reads the compressed model's task.
            Statement::Compress(s) => {
                let plain = s
                    .steps
                    .iter()
                    .all(|c| c.name.name != DISTILL && c.name.name != BUDGET);
                if plain {
                    self.compress_steps(&s.steps).err().unwrap_or_default()
                } else {
                    Vec::new()
                }
            }
            Statement::Evaluate(s) => {
                let mut errors = self.method(s.method.as_ref(), s.span).err().unwrap_or_default();
                for m in &s.metrics {
                    errors.extend(self.metric_errors(m, &[]));
                }
                errors
            }
            _ => Vec::new(),
        }
    }
}
