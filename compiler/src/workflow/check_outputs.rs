//! Checks of the statements that consume models: `evaluate` (method, fold file,
//! metrics against each model's task) and `deploy` (target, path, options).

use super::args::bind;
use super::catalog::{OpKind, Schema, Task};
use super::check::{Checked, Checker};
use super::stage::{DeployStage, EvaluateStage, OpUse, StageKind};
use mlg_dsl::ast::{Call, DeployStmt, EvaluateStmt, Ident};
use mlg_dsl::Diagnostic;

impl Checker<'_> {
    pub(super) fn evaluate(&self, s: &EvaluateStmt) -> Checked {
        let mut errors = Vec::new();
        let mut tasks = Vec::new();
        for t in &s.targets {
            match &self.stage(&t.name).kind {
                StageKind::Model(m) => tasks.push((t, m.task)),
                other => errors.push(Diagnostic::new(
                    "mlg::wrong_input",
                    format!(
                        "`evaluate` takes models, but `{}` is a `{}` stage",
                        t.name,
                        other.keyword()
                    ),
                    t.span,
                    format!("a {}", other.keyword()),
                )),
            }
        }
        let default_call;
        let call = match &s.method {
            Some(c) => c,
            None => {
                default_call = Call {
                    name: Ident {
                        name: "kfold".into(),
                        span: s.span,
                    },
                    args: Vec::new(),
                    span: s.span,
                };
                &default_call
            }
        };
        let method = self.op(&call.name, OpKind::Method).and_then(|spec| {
            bind(self.catalog, spec, call, &call.args)
                .map(|params| OpUse {
                    op: spec.name.to_string(),
                    params,
                    span: call.span,
                })
                .map_err(|mut e| e.remove(0))
        });
        let mut fold_file = None;
        match method {
            Ok(ref m) if m.op == "predefined_folds" => {
                let text = m.params.get("path").and_then(|v| v.as_str()).unwrap_or_default();
                let path = self.base_dir.join(text);
                if !path.is_file() {
                    errors.push(
                        Diagnostic::new(
                            "mlg::data_file",
                            format!("cannot read fold file `{text}`"),
                            call.args.first().map_or(call.span, |a| a.value.span),
                            "no such file",
                        )
                        .with_help(self.path_help()),
                    );
                }
                fold_file = Some(path);
            }
            Ok(_) => {}
            Err(ref d) => errors.push(d.clone()),
        }
        for m in &s.metrics {
            match self.op(
                m,
                OpKind::Metric {
                    task: Task::Regression,
                },
            ) {
                Ok(spec) => {
                    let OpKind::Metric { task } = spec.kind else {
                        continue;
                    };
                    for (t, model_task) in &tasks {
                        if *model_task != task {
                            errors.push(
                                Diagnostic::new(
                                    "mlg::metric_task",
                                    format!(
                                        "`{}` is a {task} metric, but `{}` is a {model_task} model",
                                        m.name, t.name
                                    ),
                                    m.span,
                                    format!("a {task} metric"),
                                )
                                .with_label(t.span, format!("a {model_task} model")),
                            );
                        }
                    }
                }
                Err(d) => errors.push(d),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let method = method.map_err(|d| vec![d])?;
        let stage = EvaluateStage {
            targets: s.targets.iter().map(|t| t.name.clone()).collect(),
            method,
            fold_file,
            metrics: s.metrics.iter().map(|m| m.name.clone()).collect(),
        };
        Ok((StageKind::Evaluate(stage), Schema::default()))
    }

    pub(super) fn deploy(&self, s: &DeployStmt) -> Checked {
        let mut errors = Vec::new();
        let stage = self.stage(&s.target.name);
        if !matches!(stage.kind, StageKind::Model(_)) {
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
