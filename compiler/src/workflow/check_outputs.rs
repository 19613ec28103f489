//! Checks of the statements that consume models: `evaluate` (method, fold file,
//! metrics against each model's task) and `deploy` (target, path, options:
//! `monitor`, see `check_monitor.rs`), and the method and metric checks that
//! `select` shares with `evaluate`.

use super::args::bind;
use super::catalog::{OpKind, Schema, Task};
use super::check::{Checked, Checker};
use super::stage::{DeployStage, EvaluateStage, OpUse, StageKind};
use mlg_dsl::ast::{Call, DeployStmt, EvaluateStmt, Ident, Setting};
use mlg_dsl::diagnostic::did_you_mean;
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
        for (t, _) in &tasks {
            self.folds_fit(&method, self.stage(&t.name))
                .map_err(|d| vec![d])?;
        }
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
        let (args, distribute) = super::args::take_distribute(&call.args)?;
        let mut params = bind(self.catalog, spec, call, &args)?;
        if let Some(choice) = distribute {
            params.insert(super::args::DISTRIBUTE.to_string(), choice);
        }
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
        let mut monitor = (None, None);
        let mut seen: Vec<&Setting> = Vec::new();
        for option in &s.options {
            if let Some(first) = seen.iter().find(|o| o.name.name == option.name.name) {
                errors.push(
                    Diagnostic::new(
                        "mlg::duplicate_option",
                        format!("deploy option `{}` is given twice", option.name.name),
                        option.name.span,
                        "given again here",
                    )
                    .with_label(first.name.span, "first given here"),
                );
                continue;
            }
            seen.push(option);
            match option.name.name.as_str() {
                "monitor" => match super::check_monitor::monitors(&option.value) {
                    Ok(settings) => monitor = settings,
                    Err(e) => errors.extend(e),
                },
                "serve" => errors.push(
                    Diagnostic::new(
                        "mlg::deploy_option",
                        "`serve` is not a deploy option: a deployed artifact is served by `mlg serve`",
                        option.name.span,
                        "not a deploy option",
                    )
                    .with_help(format!(
                        "remove the option, then run `mlg serve {} --addr 127.0.0.1:8080`",
                        s.path.value
                    )),
                ),
                other => {
                    let help = match did_you_mean(other, DEPLOY_OPTIONS.iter().copied()) {
                        Some(best) => format!(
                            "did you mean `{best}`? deploy takes: {}",
                            DEPLOY_OPTIONS.join(", ")
                        ),
                        None => format!("deploy takes: {}", DEPLOY_OPTIONS.join(", ")),
                    };
                    errors.push(
                        Diagnostic::new(
                            "mlg::unknown_option",
                            format!("unknown deploy option `{other}`"),
                            option.name.span,
                            "unknown option",
                        )
                        .with_help(help),
                    );
                }
            }
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
            monitor: monitor.0,
            quality: monitor.1,
        };
        Ok((StageKind::Deploy(deploy), Schema::default()))
    }
}

/// The options a deploy statement takes.
const DEPLOY_OPTIONS: &[&str] = &["monitor"];
