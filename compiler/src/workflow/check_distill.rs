//! Checks `compress NAME = TEACHER -> distill(student = MODEL_CALL, ...) ->
//! step ...`: the teacher is a model, compressed model, search or ensemble;
//! the student call is checked like a `model` statement of its own (its
//! first argument names its input); both learn the same task from the same
//! data. The result is the student's model stage with the teacher attached
//! and the later steps as its compression steps.

use super::args::bind;
use super::catalog::{OpKind, Task, Value};
use super::check::{Checked, Checker};
use super::stage::{Distill, StageKind};
use mlg_dsl::ast::{Arg, Call, CompressStmt, ExprKind, ModelStmt};
use mlg_dsl::Diagnostic;

/// The name of the distillation step.
pub const DISTILL: &str = "distill";

/// The `student = ...` argument's name.
const STUDENT: &str = "student";

/// The student call of a `distill(...)` step, when it has one written as a
/// call (for name resolution: its first argument is a stage reference).
pub fn student_call(step: &Call) -> Option<&Call> {
    step.args.iter().find_map(|a| match (&a.name, &a.value.kind) {
        (Some(n), ExprKind::Call(c)) if n.name == STUDENT => Some(c),
        _ => None,
    })
}

impl Checker<'_> {
    /// Checks a `compress` statement whose first step is `distill(...)`.
    pub(super) fn distill(&self, s: &CompressStmt) -> Checked {
        let call = &s.steps[0];
        let teacher = self.stage(&s.input.name);
        let teacher_task = match self.teacher_task(&teacher.kind) {
            Ok(task) => task,
            Err(what) => {
                return Err(vec![Diagnostic::new(
                    "mlg::wrong_input",
                    format!(
                        "`distill` needs a teacher model, but `{}` is {what}",
                        s.input.name
                    ),
                    s.input.span,
                    "not a model, search or ensemble",
                )])
            }
        };
        let spec = self.op(&call.name, OpKind::Compress).map_err(|d| vec![d])?;
        let student: Vec<&Arg> = call
            .args
            .iter()
            .filter(|a| a.name.as_ref().is_some_and(|n| n.name == STUDENT))
            .collect();
        let student_call = match student.as_slice() {
            [arg] => match &arg.value.kind {
                ExprKind::Call(c) => c,
                _ => {
                    return Err(vec![Diagnostic::new(
                        "mlg::distill_student",
                        format!(
                            "the student of `{}` must be a model call, but it is {}",
                            s.name.name,
                            super::args::describe(&arg.value)
                        ),
                        arg.value.span,
                        "not a model call",
                    )
                    .with_help(
                        "e.g. distill(student = mlp_classifier(scaled, hidden = \"16\"))",
                    )])
                }
            },
            [] => {
                return Err(vec![Diagnostic::new(
                    "mlg::distill_student",
                    format!("`distill` in `{}` needs a student model", s.name.name),
                    call.span,
                    "no `student = ...`",
                )
                .with_help(
                    "e.g. distill(student = mlp_classifier(scaled, hidden = \"16\"))",
                )])
            }
            [_, second, ..] => {
                return Err(vec![Diagnostic::new(
                    "mlg::duplicate_param",
                    "`distill` takes one student",
                    second.span,
                    "second student",
                )])
            }
        };
        let rest: Vec<Arg> = call
            .args
            .iter()
            .filter(|a| a.name.as_ref().is_none_or(|n| n.name != STUDENT))
            .cloned()
            .collect();
        let positional = rest.iter().find(|a| a.name.is_none());
        if let Some(arg) = positional {
            return Err(vec![Diagnostic::new(
                "mlg::syntax",
                "`distill` takes named arguments only",
                arg.span,
                "name this argument",
            )
            .with_help(
                "e.g. distill(student = mlp_classifier(scaled), temperature = 2.0, alpha = 0.7)",
            )]);
        }
        let mut params = bind(self.catalog, spec, call, &rest)?;
        params.remove(STUDENT);
        let statement = ModelStmt {
            name: s.name.clone(),
            call: student_call.clone(),
            span: s.span,
        };
        let (kind, schema) = self.model(&statement)?;
        let StageKind::Model(mut model) = kind else {
            return Err(vec![Diagnostic::new(
                "mlg::distill_student",
                format!(
                    "the student of `{}` must be a model, not a selection",
                    s.name.name
                ),
                student_call.span,
                "not a model",
            )]);
        };
        if model.task != teacher_task {
            return Err(vec![Diagnostic::new(
                "mlg::distill_student",
                format!(
                    "the student `{}` is a {} model, but the teacher `{}` is a {} model",
                    model.op.op, model.task, s.input.name, teacher_task
                ),
                student_call.name.span,
                format!("needs a {teacher_task} model"),
            )]);
        }
        let root = |stage| self.root_data(stage).map(|(root, _)| root.name.clone());
        let (teacher_data, student_data) = (root(teacher), root(self.stage(&model.input)));
        if teacher_data != student_data {
            return Err(vec![Diagnostic::new(
                "mlg::distill_student",
                format!(
                    "the student of `{}` reads `{}`, but the teacher `{}` reads `{}`: both must learn from \
                     the same data",
                    s.name.name,
                    student_data.unwrap_or_default(),
                    s.input.name,
                    teacher_data.unwrap_or_default()
                ),
                student_call.span,
                "another data source",
            )]);
        }
        let number = |name: &str| match params.get(name) {
            Some(Value::Float(v)) => *v,
            Some(Value::Int(v)) => *v as f64,
            _ => 0.0,
        };
        model.distill = Some(Distill {
            teacher: s.input.name.clone(),
            temperature: number("temperature"),
            alpha: number("alpha"),
            augment: number("augment") as usize,
            seed: number("seed") as u64,
            span: call.span,
        });
        model.compressed_from = Some(s.input.name.clone());
        model.compress = self.compress_steps(&s.steps[1..])?;
        Ok((StageKind::Model(model), schema))
    }

    /// The task of a teacher stage, or what the stage is instead.
    fn teacher_task(&self, kind: &StageKind) -> Result<Task, String> {
        match kind {
            StageKind::Model(m) => Ok(m.task),
            StageKind::Ensemble(e) => Ok(e.task),
            StageKind::Search(s) => self.teacher_task(&self.stage(&s.base).kind),
            StageKind::Select(_) => Err("a selection (distill from each candidate instead)".into()),
            other => Err(format!("a `{}` stage", other.keyword())),
        }
    }
}
