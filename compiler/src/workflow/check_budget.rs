//! Checks `compress NAME = MODEL -> budget(accuracy_drop = d, latency_us = l,
//! objective = "size", metric = "m", cv = method(...))`: the automatic
//! choice among `MODEL` and its compressed variants. The catalog names the
//! step sequences that apply to the model ([`Catalog::compress_candidates`]);
//! each becomes a model stage `NAME[label]` of its own, and `NAME` a
//! selection among `MODEL` and them that chooses within the budget instead of
//! by best score. The variants are ordinary compress stages, so `explain`
//! lists them and the executor fits, scores and sizes them as any other.
//!
//! [`Catalog::compress_candidates`]: super::catalog::Catalog::compress_candidates

use super::args::bind;
use super::catalog::{Default, OpKind, Params, Schema, Value};
use super::check::Checker;
use super::stage::{CompressBudget, OpUse, SelectStage, Stage, StageKind};
use mlg_dsl::ast::{Arg, Call, CompressStmt, ExprKind, Ident};
use mlg_dsl::{Diagnostic, Span};

/// The name of the automatic-choice step.
pub const BUDGET: &str = "budget";

/// The `cv = method(...)` argument's name.
const CV: &str = "cv";

/// A checked `budget` statement: the variant stages it adds, then its own
/// selection stage and schema.
pub(super) type Budgeted = Result<(Vec<Stage>, StageKind, Schema), Vec<Diagnostic>>;

/// Whether `s` is a `compress ... -> budget(...)` statement (its first step).
pub fn is_budget(s: &CompressStmt) -> bool {
    s.steps.first().is_some_and(|c| c.name.name == BUDGET)
}

impl Checker<'_> {
    /// Checks a `compress` statement whose first step is `budget(...)`.
    pub(super) fn compress_budget(&self, s: &CompressStmt) -> Budgeted {
        let call = &s.steps[0];
        if let Some(extra) = s.steps.get(1) {
            return Err(vec![Diagnostic::new(
                "mlg::compress_step",
                "`budget(...)` chooses the steps itself: it must be the only step of a `compress` statement",
                extra.span,
                "another step",
            )
            .with_label(call.span, "the budget")]);
        }
        let base = self.compressed_model(s)?;
        let spec = self.op(&call.name, OpKind::Compress).map_err(|d| vec![d])?;
        let mut errors = Vec::new();
        let mut cv: Option<&Call> = None;
        let mut rest: Vec<Arg> = Vec::new();
        for arg in &call.args {
            match (&arg.name, &arg.value.kind) {
                (None, _) => errors.push(
                    Diagnostic::new(
                        "mlg::syntax",
                        "`budget` takes named arguments only",
                        arg.span,
                        "name this argument",
                    )
                    .with_help("e.g. budget(accuracy_drop = 0.005, latency_us = 2)"),
                ),
                (Some(n), ExprKind::Call(c)) if n.name == CV && cv.is_none() => cv = Some(c),
                (Some(n), _) if n.name == CV => errors.push(Diagnostic::new(
                    "mlg::param_type",
                    if cv.is_some() {
                        "parameter `cv` of `budget` is given twice".to_string()
                    } else {
                        "parameter `cv` of `budget` expects an evaluation method call such as kfold(5)"
                            .to_string()
                    },
                    arg.value.span,
                    format!("found {}", super::args::describe(&arg.value)),
                )),
                _ => rest.push(arg.clone()),
            }
        }
        let params = match bind(self.catalog, spec, call, &rest) {
            Ok(p) => p,
            Err(mut e) => {
                errors.append(&mut e);
                Params::new()
            }
        };
        let metric = match params.get("metric") {
            Some(Value::Str(m)) => {
                let span = rest
                    .iter()
                    .find(|a| a.name.as_ref().is_some_and(|n| n.name == "metric"))
                    .map_or(call.span, |a| a.value.span);
                let m = Ident {
                    name: m.clone(),
                    span,
                };
                errors.extend(self.metric_errors(&m, &[(&s.input, base.task)]));
                Some(m.name)
            }
            _ => None,
        };
        let method = self.method(cv, call.span);
        if let Err(e) = &method {
            errors.extend(e.iter().cloned());
        }
        let candidates = self.catalog.compress_candidates(&base.op.op);
        if candidates.is_empty() {
            errors.push(Diagnostic::new(
                "mlg::compress_step",
                format!(
                    "no compression step applies to `{}` (a `{}`), so `budget` has nothing to choose from",
                    s.input.name, base.op.op
                ),
                call.span,
                "no candidates",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (method, fold_file) = method?;
        let input = self.stage(&s.input.name);
        self.folds_fit(&method, input).map_err(|d| vec![d])?;
        let mut variants = Vec::with_capacity(candidates.len());
        for (label, steps) in candidates {
            let mut model = base.clone();
            for (op, given) in steps {
                model.compress.push(self.step_use(op, given, call.span)?);
            }
            model.compressed_from.get_or_insert_with(|| s.input.name.clone());
            variants.push(Stage {
                name: format!("{}[{label}]", s.name.name),
                kind: StageKind::Model(model),
                span: call.span,
                schema: input.schema.clone(),
            });
        }
        let number = |k: &str| params.get(k).and_then(|v| v.as_f64());
        let budget = CompressBudget {
            base: s.input.name.clone(),
            accuracy_drop: number("accuracy_drop").unwrap_or(0.005),
            latency_us: number("latency_us"),
            objective: params
                .get("objective")
                .and_then(|v| v.as_str())
                .unwrap_or("size")
                .to_string(),
        };
        let select = SelectStage {
            candidates: std::iter::once(s.input.name.clone())
                .chain(variants.iter().map(|v| v.name.clone()))
                .collect(),
            metric,
            method,
            fold_file,
            task: base.task,
            budget: Some(budget),
        };
        Ok((variants, StageKind::Select(select), input.schema.clone()))
    }

    /// The checked use of compression step `op` with `given` parameters and
    /// the step's catalog defaults for the rest, placed at `span`.
    fn step_use(&self, op: &str, given: Params, span: Span) -> Result<OpUse, Vec<Diagnostic>> {
        let spec = self.catalog.get(op).ok_or_else(|| {
            vec![Diagnostic::bare(
                "mlg::internal",
                format!("budget candidate step `{op}` is not in the catalog"),
            )]
        })?;
        let mut params = given;
        for p in spec.params {
            let default = match p.default {
                Default::Int(i) => Value::Int(i),
                Default::Float(f) => Value::Float(f),
                Default::Bool(b) => Value::Bool(b),
                Default::Str(v) => Value::Str(v.to_string()),
                Default::Optional | Default::Required => continue,
            };
            params.entry(p.name.to_string()).or_insert(default);
        }
        Ok(OpUse {
            op: op.to_string(),
            params,
            span,
        })
    }
}
