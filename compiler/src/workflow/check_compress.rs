//! Checks `compress NAME = MODEL -> step(...) -> ...`: the input must be a
//! model stage and every step a catalog compression step with valid
//! arguments; the result is a model stage that fits like `MODEL` and then
//! applies the steps in order. A first step `distill(...)` is checked by
//! `check_distill.rs`.

use super::args::bind;
use super::catalog::OpKind;
use super::check::{Checked, Checker};
use super::check_budget::BUDGET;
use super::check_distill::DISTILL;
use super::stage::{ModelStage, OpUse, StageKind};
use mlg_dsl::ast::{Call, CompressStmt};
use mlg_dsl::Diagnostic;

impl Checker<'_> {
    /// Checks a `compress` statement.
    pub(super) fn compress(&self, s: &CompressStmt) -> Checked {
        if s.steps.first().is_some_and(|c| c.name.name == DISTILL) {
            return self.distill(s);
        }
        let input = self.stage(&s.input.name);
        let base = self.compressed_model(s)?;
        if s.steps.is_empty() {
            return Err(vec![Diagnostic::new(
                "mlg::syntax",
                "compress needs at least one `-> step`",
                s.span,
                "e.g. compress small = model -> quantize(\"int8\")",
            )]);
        }
        let steps = self.compress_steps(&s.steps)?;
        let mut model = base.clone();
        model.compress.extend(steps);
        model.compressed_from.get_or_insert_with(|| s.input.name.clone());
        Ok((StageKind::Model(model), input.schema.clone()))
    }

    /// The model stage a `compress` statement (other than `distill`)
    /// compresses: its input must be a model stage.
    pub(super) fn compressed_model(&self, s: &CompressStmt) -> Result<&ModelStage, Vec<Diagnostic>> {
        match &self.stage(&s.input.name).kind {
            StageKind::Model(m) => Ok(m),
            other => Err(vec![Diagnostic::new(
                "mlg::wrong_input",
                format!(
                    "`compress` takes a model, but `{}` is a `{}` stage",
                    s.input.name,
                    other.keyword()
                ),
                s.input.span,
                match other {
                    StageKind::Select(_) => "a selection: compress each candidate instead".to_string(),
                    StageKind::Ensemble(_) | StageKind::Search(_) => {
                        "only `distill(student = ...)` compresses it".to_string()
                    }
                    _ => format!("a {}", other.keyword()),
                },
            )]),
        }
    }

    /// Checks compression steps other than a leading `distill` (which
    /// `check_distill.rs` takes): each a catalog step with valid arguments.
    pub(super) fn compress_steps(&self, calls: &[Call]) -> Result<Vec<OpUse>, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut steps = Vec::new();
        for call in calls {
            if call.name.name == DISTILL {
                errors.push(Diagnostic::new(
                    "mlg::compress_step",
                    "`distill` must be the first step of a `compress` statement",
                    call.span,
                    "after another step",
                ));
                continue;
            }
            if call.name.name == BUDGET {
                errors.push(
                    Diagnostic::new(
                        "mlg::compress_step",
                        "`budget(...)` chooses the steps itself: it must be the only step of a `compress` statement",
                        call.span,
                        "after another step",
                    )
                    .with_help("e.g. compress auto = model -> budget(accuracy_drop = 0.005)"),
                );
                continue;
            }
            let spec = match self.op(&call.name, OpKind::Compress) {
                Ok(spec) => spec,
                Err(d) => {
                    errors.push(d);
                    continue;
                }
            };
            match bind(self.catalog, spec, call, &call.args) {
                Ok(params) => steps.push(OpUse {
                    op: spec.name.to_string(),
                    params,
                    span: call.span,
                }),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(steps)
        } else {
            Err(errors)
        }
    }
}
