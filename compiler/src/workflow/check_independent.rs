//! The checks of a statement that read none of its inputs, run when an input failed to check, so that one broken stage does not hide every other mistake.
//!
//! A statement whose input failed is not checked as a whole: what it says
//! about columns, tasks and folds depends on the input, and its errors would
//! repeat the input's. But the names it calls and their parameters do not: an
//! unknown parameter of a model, an unknown evaluation method or metric, are
//! reported in the same pass as the data file that cannot be read.

use super::args::{bind, take_distribute};
use super::catalog::{OpKind, Task};
use super::check::Checker;
use super::checkpoint_arg::take_checkpoint;
use mlg_dsl::ast::Statement;
use mlg_dsl::Diagnostic;

impl Checker<'_> {
    /// The diagnostics of `stmt` that do not depend on its inputs: a model's
    /// operator and parameters (not a `select`), an evaluation's method and
    /// the names of its metrics. Empty for other statements.
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
