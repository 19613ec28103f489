//! Checks of the statements that consume models: `evaluate` (method, fold file,
//! metrics against each model's task) and `deploy` (target, path, options), and
//! the method and metric checks that `select` shares with `evaluate`.

use super::args::bind;
use super::catalog::{OpKind, Schema, Task};
use super::check::{Checked, Checker};
use super::stage::{DeployStage, EvaluateStage, OpUse, StageKind};
use mlg_dsl::ast::{Call, DeployStmt, EvaluateStmt, Ident};
use mlg_dsl::{Diagnostic, Span};
use std::path::PathBuf;

impl Checker<'_> {
    pub(super) fn evaluate(&self, s: &EvaluateStmt) -> Checked {
        let mut errors = Vec::new();
        let mut tasks = Vec::new();
        for t in &s.targets {
            let kind = &self.stage(&t.name).kind;
            match kind.task() {
                Some(task) => tasks.push((t, task)),
                None => errors.push(Diagnostic::new(
                    "mlg::wrong_input",
                    format!(
                        "`evaluate` takes models, but `{}` is a `{}` stage",
                        t.name,
                        kind.keyword()
                    ),
                    t.span,
                    format!("a {}", kind.keyword()),
                )),
            }
        }
        let method = self.method(s.method.as_ref(), s.span);
        if let Err(ref e) = method {
            errors.extend(e.iter().cloned());
        }
        for m in &s.metrics {
            errors.extend(self.metric_errors(m, &tasks));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (method, fold_file) = method?;
        let stage = EvaluateStage {
            targets: s.targets.iter().map(|t| t.name.clone()).collect(),
            method,
            fold_file,
            metrics: s.metrics.iter().map(|m| m.name.clone()).collect(),
        };
        Ok((StageKind::Evaluate(stage), Schema::default()))
    }

    /// Checks an evaluation method call (`None`: the default `kfold()`, placed
    /// at `default_span`); for `predefined_folds`, also that its fold file
    /// exists, and returns the file resolved against the `.mlg` folder.
    pub(super) fn method(
        &self,
        call: Option<&Call>,
        default_span: Span,
    ) -> Result<(OpUse, Option<PathBuf>), Vec<Diagnostic>> {
        let default_call;
        let call = match call {
            Some(c) => c,
            None => {
                default_call = Call {
                    name: Ident {
                        name: "kfold".into(),
                        span: default_span,
                    },
                    args: Vec::new(),
                    span: default_span,
                };
                &default_call
            }
        };
        let spec = self.op(&call.name, OpKind::Method).map_err(|d| vec![d])?;
        let params = bind(self.catalog, spec, call, &call.args).map_err(|mut e| vec![e.remove(0)])?;
        let method = OpUse {
            op: spec.name.to_string(),
            params,
            span: call.span,
        };
        if method.op != "predefined_folds" {
            return Ok((method, None));
        }
        let text = method
            .params
            .get("path")
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let path = self.base_dir.join(text);
        if !path.is_file() {
            return Err(vec![Diagnostic::new(
                "mlg::data_file",
                format!("cannot read fold file `{text}`"),
                call.args.first().map_or(call.span, |a| a.value.span),
                "no such file",
            )
            .with_help(self.path_help())]);
        }
        Ok((method, Some(path)))
    }

    /// Errors for metric `m`: unknown, or of another task than one of the
    /// models in `tasks` (each with where it was named).
    pub(super) fn metric_errors(&self, m: &Ident, tasks: &[(&Ident, Task)]) -> Vec<Diagnostic> {
        let spec = match self.op(
            m,
            OpKind::Metric {
                task: Task::Regression,
            },
        ) {
            Ok(spec) => spec,
            Err(d) => return vec![d],
        };
        let OpKind::Metric { task } = spec.kind else {
            return Vec::new();
        };
        tasks
            .iter()
            .filter(|(_, model_task)| *model_task != task)
            .map(|(t, model_task)| {
                Diagnostic::new(
                    "mlg::metric_task",
                    format!(
                        "`{}` is a {task} metric, but `{}` is a {model_task} model",
                        m.name, t.name
                    ),
                    m.span,
                    format!("a {task} metric"),
                )
                .with_label(t.span, format!("a {model_task} model"))
            })
            .collect()
    }

    pub(super) fn deploy(&self, s: &DeployStmt) -> Checked {
        let mut errors = Vec::new();
        let stage = self.stage(&s.target.name);
        if stage.kind.task().is_none() {
            errors.push(Diagnostic::new(
                "mlg::wrong_input",
                format!(
                    "`deploy` takes a model, but `{}` is a `{}` stage",
                    s.target.name,
                    stage.kind.keyword()
                ),
                s.target.span,
                format!("a {}", stage.kind.keyword()),
            ));
        }
        for option in &s.options {
            errors.push(
                Diagnostic::new(
                    "mlg::unsupported",
                    format!(
                        "deploy option `{}` is not available in this build",
                        option.name.name
                    ),
                    option.name.span,
                    "not supported yet",
                )
                .with_help("remove the option; `mlg predict` serves the written artifact"),
            );
        }
        if s.path.value.is_empty() {
            errors.push(Diagnostic::new(
                "mlg::deploy_path",
                "the artifact path is empty",
                s.path.span,
                "empty path",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let deploy = DeployStage {
            target: s.target.name.clone(),
            path: self.base_dir.join(&s.path.value),
            path_text: s.path.value.clone(),
        };
        Ok((StageKind::Deploy(deploy), Schema::default()))
    }
}
