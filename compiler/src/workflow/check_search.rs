//! Checks `search NAME = tune(STAGE, strategy = ..., trials = ..., cv = ...,
//! metric = ... | objectives = [...], seed = ..., budget = ..., timeout =
//! ..., early_stop = ..., prune = ...) { space }`: the tuned model or
//! ensemble, the options against the strategy, and every setting of the
//! space (`search_space.rs`). Trials are proposed at run time, so the stage
//! holds the space, not the points.

use super::catalog::{ParamType, Task};
use super::check::{Checked, Checker};
use super::search_options::{options, Options, MAX_TRIALS, STRATEGIES};
use super::stage::{Budget, Dimension, ObjectiveSpec, SearchStage, Space, StageKind, LATENCY_US, SIZE_BYTES};
use mlg_dsl::ast::{Ident, SearchStmt};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::{Diagnostic, Span};

/// The operator of a `search` statement.
pub const TUNE: &str = "tune";

/// Draws of `random`, `genetic` and `tpe` when `trials` is not given.
const DEFAULT_TRIALS: usize = 10;

impl Checker<'_> {
    /// Checks a `search NAME = tune(STAGE, ...) { space }` statement.
    pub(super) fn search(&self, s: &SearchStmt) -> Checked {
        if s.call.name.name != TUNE {
            let help = match did_you_mean(&s.call.name.name, [TUNE]) {
                Some(best) => format!(
                    "did you mean `{best}`? a search is written `tune(model, strategy = \"grid\") {{ ... }}`"
                ),
                None => "a search is written `tune(model, strategy = \"grid\") { ... }`".to_string(),
            };
            return Err(vec![Diagnostic::new(
                "mlg::unknown_operator",
                format!("unknown search operator `{}`", s.call.name.name),
                s.call.name.span,
                "not a search operator",
            )
            .with_help(help)]);
        }
        let base = self.tuned(s)?;
        let base_stage = self.stage(&base.name);
        let task = base_stage.kind.task().ok_or_else(|| {
            vec![Diagnostic::bare(
                "mlg::internal",
                format!("tuned stage `{}` has no task", base.name),
            )]
        })?;
        let mut errors = Vec::new();
        let opts = options(&s.call.args[1..], &mut errors);
        let strategy = self.strategy(&opts, &mut errors);
        // Strategies that enumerate the space need every dimension finite.
        let enumerates = match strategy.as_deref() {
            Some("grid") => true,
            Some("halving") => opts.trials.is_none(),
            _ => false,
        };
        if let (Some(st), Some((_, span))) = (strategy.as_deref(), opts.trials) {
            if st == "grid" || st == "hyperband" {
                errors.push(
                    Diagnostic::new(
                        "mlg::search_trials",
                        match st {
                            "grid" => "a grid search tries every point of its space; `trials` sets how many points other strategies draw".to_string(),
                            _ => "hyperband sizes its brackets itself; `trials` is not used".to_string(),
                        },
                        span,
                        "not used here",
                    )
                    .with_help("remove `trials`, or choose strategy = \"random\", \"genetic\", \"tpe\" or \"halving\""),
                );
            }
        }
        if s.space.is_empty() {
            errors.push(
                Diagnostic::new(
                    "mlg::search_space",
                    format!(
                        "search `{}` has an empty space: there is nothing to tune",
                        s.name.name
                    ),
                    s.span,
                    "no setting in the block",
                )
                .with_help(format!(
                    "name parameters of `{}` in the block, e.g. {{ trees = choice(50, 100) }}",
                    base.name
                )),
            );
        }
        let mut space: Vec<(Span, Dimension)> = Vec::new();
        for setting in &s.space {
            if let Some((first, _)) = space.iter().find(|(_, d)| d.path == setting.name.name) {
                errors.push(
                    Diagnostic::new(
                        "mlg::duplicate_param",
                        format!("parameter `{}` is searched twice", setting.name.name),
                        setting.name.span,
                        "given again here",
                    )
                    .with_label(*first, "first given here"),
                );
                continue;
            }
            match self.dimension(&base.name, setting, enumerates) {
                Ok(d) => space.push((setting.name.span, d)),
                Err(mut e) => errors.append(&mut e),
            }
        }
        let objectives = self.objectives(&opts, &base, task, &mut errors);
        let budget = self.budget(&opts, strategy.as_deref(), &base.name, &mut errors);
        if opts.prune && matches!(strategy.as_deref(), Some("halving" | "hyperband")) {
            errors.push(Diagnostic::new(
                "mlg::search_prune",
                "halving and hyperband already stop weak trials early; `prune` is for the other strategies",
                s.call.span,
                "prune with halving",
            ));
        }
        let method = self.method(opts.cv, s.call.span);
        if let Err(ref e) = method {
            errors.extend(e.iter().cloned());
        }
        if let Ok((m, _)) = &method {
            errors.extend(self.folds_fit(m, base_stage).err());
        }
        let space: Vec<Dimension> = space.into_iter().map(|(_, d)| d).collect();
        if enumerates && errors.is_empty() {
            let size = space.iter().try_fold(1u128, |acc, d| {
                let n = match &d.space {
                    Space::Choice(v) => v.len() as u128,
                    Space::Int { low, high, .. } => (i128::from(*high) - i128::from(*low) + 1) as u128,
                    Space::Float { .. } => 1,
                };
                acc.checked_mul(n)
            });
            if size.is_none_or(|n| n > MAX_TRIALS as u128) {
                errors.push(
                    Diagnostic::new(
                        "mlg::search_space",
                        format!("the grid has more than {MAX_TRIALS} points"),
                        s.span,
                        "too many points",
                    )
                    .with_help(
                        "narrow the ranges, or draw `trials` points with strategy = \"random\" or \"tpe\"",
                    ),
                );
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (method, fold_file) = method?;
        let strategy = strategy.unwrap_or_default();
        let trials = match strategy.as_str() {
            "grid" | "hyperband" => None,
            "halving" => opts.trials.map(|(n, _)| n),
            _ => Some(opts.trials.map_or(DEFAULT_TRIALS, |(n, _)| n)),
        };
        let stage = SearchStage {
            base: base.name.clone(),
            strategy,
            strategy_params: opts.strategy_params.clone(),
            trials,
            space,
            budget,
            metric: objectives.first().map(|o| o.name.clone()),
            objectives,
            early_stop: opts.early_stop,
            prune: opts.prune,
            timeout: opts.timeout,
            method,
            fold_file,
            task,
            seed: opts.seed,
        };
        Ok((StageKind::Search(stage), base_stage.schema.clone()))
    }

    /// The tuned stage: the first argument, a plain model or an ensemble.
    fn tuned(&self, s: &SearchStmt) -> Result<Ident, Vec<Diagnostic>> {
        let base = match super::args::leading_name(&s.call) {
            Ok(ident) => ident,
            Err(other) => {
                return Err(vec![Diagnostic::new(
                    "mlg::search_model",
                    format!(
                        "search `{}` needs the model to tune as the first argument",
                        s.name.name
                    ),
                    other.map_or(s.call.span, |a| a.span),
                    match other {
                        Some(a) => format!("found {}", super::args::describe(&a.value)),
                        None => "no model given".to_string(),
                    },
                )
                .with_help("e.g. tune(rf, strategy = \"grid\") { trees = choice(50, 100) }")]);
            }
        };
        match &self.stage(&base.name).kind {
            StageKind::Model(m) if m.is_plain() => Ok(base),
            StageKind::Ensemble(_) => Ok(base),
            other => {
                let what = match other {
                    StageKind::Model(_) => "a compressed model".to_string(),
                    other => format!("a `{}` stage", other.keyword()),
                };
                Err(vec![Diagnostic::new(
                    "mlg::wrong_input",
                    format!(
                        "`tune` takes a model or an ensemble, but `{}` is {what}",
                        base.name
                    ),
                    base.span,
                    what,
                )
                .with_help(
                    "tune a `model NAME = operator(features, ...)` or `ensemble` stage",
                )])
            }
        }
    }

    /// The strategy's name (default `grid`); `None` (reported) when unknown.
    fn strategy(&self, opts: &Options, errors: &mut Vec<Diagnostic>) -> Option<String> {
        let names = STRATEGIES.map(|(n, _)| n);
        match &opts.strategy {
            None => Some("grid".to_string()),
            Some((name, _)) if names.contains(&name.as_str()) => Some(name.clone()),
            Some((name, span)) => {
                let listing = names.map(|n| format!("\"{n}\"")).join(", ");
                let mut d = Diagnostic::new(
                    "mlg::param_value",
                    format!("parameter `strategy` of `tune` expects one of {listing}"),
                    *span,
                    format!("{name:?} is not one of them"),
                );
                if let Some(best) = did_you_mean(name, names) {
                    d = d.with_help(format!("did you mean \"{best}\"?"));
                }
                errors.push(d);
                None
            }
        }
    }

    /// The objectives: `objectives = [...]` (first a metric), or `metric`
    /// (ranked as the metric is better); empty for the task's default metric.
    fn objectives(
        &self,
        opts: &Options,
        base: &Ident,
        task: Task,
        errors: &mut Vec<Diagnostic>,
    ) -> Vec<ObjectiveSpec> {
        let tasks = [(base, task)];
        match (&opts.metric, &opts.objectives) {
            (Some(m), Some((_, span))) => {
                errors.push(
                    Diagnostic::new(
                        "mlg::search_objectives",
                        "give `metric` or `objectives`, not both",
                        *span,
                        "objectives given too",
                    )
                    .with_label(m.span, "metric given here")
                    .with_help("the first objective ranks the trials, as `metric` would"),
                );
                Vec::new()
            }
            (Some(m), None) => {
                errors.extend(self.metric_errors(m, &tasks));
                vec![ObjectiveSpec {
                    name: m.name.clone(),
                    maximize: None,
                    span: m.span,
                }]
            }
            (None, Some((objectives, _))) => {
                for (i, o) in objectives.iter().enumerate() {
                    let cost = o.name == LATENCY_US || o.name == SIZE_BYTES;
                    if cost && i == 0 {
                        errors.push(
                            Diagnostic::new(
                                "mlg::search_objectives",
                                format!(
                                    "the first objective ranks the trials, so it must be a metric, not `{}`",
                                    o.name
                                ),
                                o.span,
                                "a cost first",
                            )
                            .with_help("list a metric first, e.g. [maximize(\"accuracy\"), minimize(\"latency_us\")]"),
                        );
                    } else if !cost {
                        let ident = Ident {
                            name: o.name.clone(),
                            span: o.span,
                        };
                        errors.extend(self.metric_errors(&ident, &tasks));
                    }
                }
                objectives.clone()
            }
            (None, None) => Vec::new(),
        }
    }

    /// What the budget of `halving`/`hyperband` scales: `rows` (default) or an
    /// integer parameter of the tuned model.
    fn budget(
        &self,
        opts: &Options,
        strategy: Option<&str>,
        base: &str,
        errors: &mut Vec<Diagnostic>,
    ) -> Budget {
        let Some((name, span)) = &opts.budget else {
            return Budget::Rows;
        };
        if !matches!(strategy, Some("halving" | "hyperband")) {
            errors.push(
                Diagnostic::new(
                    "mlg::search_budget",
                    "`budget` sets what halving and hyperband scale; other strategies train at the full budget",
                    *span,
                    "not used by this strategy",
                )
                .with_help("remove `budget`, or use strategy = \"halving\""),
            );
            return Budget::Rows;
        }
        if name == "rows" {
            return Budget::Rows;
        }
        let StageKind::Model(m) = &self.stage(base).kind else {
            errors.push(Diagnostic::new(
                "mlg::search_budget",
                "an ensemble's budget can only be \"rows\"",
                *span,
                "not a model parameter",
            ));
            return Budget::Rows;
        };
        let spec = self.catalog.get(&m.op.op);
        let param = spec.and_then(|s| s.params.iter().find(|p| p.name == name));
        match param.map(|p| p.ty) {
            Some(ParamType::Int { .. }) => Budget::Param(name.clone()),
            _ => {
                let ints: Vec<&str> = spec
                    .map(|s| {
                        s.params
                            .iter()
                            .filter(|p| matches!(p.ty, ParamType::Int { .. }))
                            .map(|p| p.name)
                            .collect()
                    })
                    .unwrap_or_default();
                errors.push(
                    Diagnostic::new(
                        "mlg::search_budget",
                        format!(
                            "`budget` is \"rows\" or an integer parameter of `{}`, not \"{name}\"",
                            m.op.op
                        ),
                        *span,
                        "not an integer parameter",
                    )
                    .with_help(format!(
                        "integer parameters of `{}`: {}",
                        m.op.op,
                        ints.join(", ")
                    )),
                );
                Budget::Rows
            }
        }
    }
}
