//! Reads the named options of `tune(MODEL, ...)`: `strategy` (a name, or a
//! call with the strategy's own settings such as `tpe(startup = 5)`),
//! `trials`, `cv`, `metric` or `objectives = [maximize(..), minimize(..)]`,
//! `seed`, `budget`, `timeout`, `early_stop` and `prune`.

use super::args::describe;
use super::catalog::{Params, Value};
use super::stage::{ObjectiveSpec, LATENCY_US, SIZE_BYTES};
use mlg_dsl::ast::{Arg, Call, Expr, ExprKind, Ident};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::{Diagnostic, Span};

/// The named parameters `tune` takes.
pub(super) const PARAMS: [&str; 10] = [
    "strategy",
    "trials",
    "cv",
    "metric",
    "objectives",
    "seed",
    "budget",
    "timeout",
    "early_stop",
    "prune",
];

/// The strategies, each with its own settings: (name, integer or number,
/// lowest, highest).
pub(super) const STRATEGIES: [(&str, &[(&str, Kind)]); 6] = [
    ("grid", &[]),
    ("random", &[]),
    (
        "genetic",
        &[
            ("population", Kind::Int(2, 10_000)),
            ("mutation", Kind::Float(0.0, 1.0)),
            ("crossover", Kind::Float(0.0, 1.0)),
            ("elite", Kind::Int(0, 10_000)),
            ("tournament", Kind::Int(1, 10_000)),
        ],
    ),
    (
        "tpe",
        &[
            ("startup", Kind::Int(1, 10_000)),
            ("candidates", Kind::Int(1, 10_000)),
            ("gamma", Kind::Float(0.01, 0.99)),
            ("batch", Kind::Int(1, 1_000)),
        ],
    ),
    (
        "halving",
        &[("eta", Kind::Int(2, 100)), ("min_budget", Kind::Float(1e-6, 1.0))],
    ),
    (
        "hyperband",
        &[("eta", Kind::Int(2, 100)), ("brackets", Kind::Int(1, 10))],
    ),
];

/// A strategy setting's type and inclusive range.
#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
    Int(i64, i64),
    Float(f64, f64),
}

/// The most trials one search may run (grid points or draws).
pub const MAX_TRIALS: usize = 10_000;

/// The options of a `tune(...)` call, as read (defaults not yet applied).
#[derive(Default)]
pub(super) struct Options<'c> {
    pub strategy: Option<(String, Span)>,
    pub strategy_params: Params,
    pub trials: Option<(usize, Span)>,
    pub cv: Option<&'c Call>,
    pub metric: Option<Ident>,
    pub objectives: Option<(Vec<ObjectiveSpec>, Span)>,
    pub seed: u64,
    pub budget: Option<(String, Span)>,
    pub timeout: Option<f64>,
    pub early_stop: Option<usize>,
    pub prune: bool,
}

/// Reads the named options of `tune` (after the model), reporting mistakes.
pub(super) fn options<'c>(args: &'c [Arg], errors: &mut Vec<Diagnostic>) -> Options<'c> {
    let mut out = Options::default();
    let mut seen: Vec<&str> = Vec::new();
    for arg in args {
        let Some(key) = &arg.name else {
            errors.push(
                Diagnostic::new(
                    "mlg::too_many_args",
                    "`tune` takes one model, then named parameters",
                    arg.span,
                    "unexpected argument",
                )
                .with_help(format!("`tune` takes: {}", PARAMS.join(", "))),
            );
            continue;
        };
        if seen.contains(&key.name.as_str()) {
            errors.push(Diagnostic::new(
                "mlg::duplicate_param",
                format!("parameter `{}` of `tune` is given twice", key.name),
                arg.span,
                "given again here",
            ));
            continue;
        }
        let value = &arg.value;
        let expects: Option<String> = match (key.name.as_str(), &value.kind) {
            ("strategy", ExprKind::Str(v)) => {
                out.strategy = Some((v.clone(), value.span));
                None
            }
            ("strategy", ExprKind::Call(c)) => {
                out.strategy = Some((c.name.name.clone(), c.name.span));
                out.strategy_params = strategy_params(c, errors);
                None
            }
            ("trials", ExprKind::Int(n)) if *n >= 1 && *n as u128 <= MAX_TRIALS as u128 => {
                out.trials = Some((*n as usize, value.span));
                None
            }
            ("cv", ExprKind::Call(c)) => {
                out.cv = Some(c);
                None
            }
            ("metric", ExprKind::Str(m) | ExprKind::Name(m)) => {
                out.metric = Some(Ident {
                    name: m.clone(),
                    span: value.span,
                });
                None
            }
            ("objectives", ExprKind::List(items)) => {
                out.objectives = objectives(items, value.span, errors);
                None
            }
            ("seed", ExprKind::Int(n)) if *n >= 0 => {
                out.seed = *n as u64;
                None
            }
            ("budget", ExprKind::Str(b) | ExprKind::Name(b)) => {
                out.budget = Some((b.clone(), value.span));
                None
            }
            ("timeout", ExprKind::Int(n)) if *n > 0 => {
                out.timeout = Some(*n as f64);
                None
            }
            ("timeout", ExprKind::Float(x)) if *x > 0.0 => {
                out.timeout = Some(*x);
                None
            }
            ("early_stop", ExprKind::Int(n)) if *n >= 1 => {
                out.early_stop = Some(*n as usize);
                None
            }
            ("prune", ExprKind::Bool(b)) => {
                out.prune = *b;
                None
            }
            ("strategy", _) => Some(format!(
                "a strategy: {}",
                STRATEGIES.map(|(s, _)| format!("\"{s}\"")).join(", ")
            )),
            ("trials", _) => Some(format!("an integer in 1..={MAX_TRIALS}")),
            ("cv", _) => Some("an evaluation method call such as kfold(5)".to_string()),
            ("metric", _) => Some("a metric name such as \"accuracy\"".to_string()),
            ("objectives", _) => {
                Some("a list such as [maximize(\"f1_macro\"), minimize(\"latency_us\")]".to_string())
            }
            ("seed", _) => Some("an integer >= 0".to_string()),
            ("budget", _) => {
                Some("\"rows\" or an integer parameter of the model such as \"rounds\"".to_string())
            }
            ("timeout", _) => Some("a number of seconds above 0".to_string()),
            ("early_stop", _) => Some("a number of trials >= 1".to_string()),
            ("prune", _) => Some("`true` or `false`".to_string()),
            (other, _) => {
                let help = match did_you_mean(other, PARAMS) {
                    Some(best) => format!("did you mean `{best}`? `tune` takes: {}", PARAMS.join(", ")),
                    None => format!("`tune` takes: {}", PARAMS.join(", ")),
                };
                errors.push(
                    Diagnostic::new(
                        "mlg::unknown_param",
                        format!("`tune` has no parameter `{other}`"),
                        key.span,
                        "unknown parameter",
                    )
                    .with_help(help),
                );
                continue;
            }
        };
        seen.push(key.name.as_str());
        if let Some(expects) = expects {
            errors.push(Diagnostic::new(
                "mlg::param_type",
                format!("parameter `{}` of `tune` expects {expects}", key.name),
                value.span,
                format!("found {}", describe(value)),
            ));
        }
    }
    out
}

/// The settings of `strategy = name(k = v, ...)`, checked against the
/// strategy's own (unknown strategies are reported by the caller).
fn strategy_params(call: &Call, errors: &mut Vec<Diagnostic>) -> Params {
    let mut params = Params::new();
    let Some((_, allowed)) = STRATEGIES.iter().find(|(s, _)| *s == call.name.name) else {
        return params;
    };
    let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
    for arg in &call.args {
        let Some(key) = &arg.name else {
            errors.push(Diagnostic::new(
                "mlg::search_strategy",
                format!("the settings of `{}` are named", call.name.name),
                arg.span,
                "unnamed setting",
            ));
            continue;
        };
        let Some((_, kind)) = allowed.iter().find(|(n, _)| *n == key.name) else {
            let listing = if names.is_empty() {
                format!("`{}` has no settings", call.name.name)
            } else {
                format!("`{}` takes: {}", call.name.name, names.join(", "))
            };
            errors.push(
                Diagnostic::new(
                    "mlg::unknown_param",
                    format!("strategy `{}` has no setting `{}`", call.name.name, key.name),
                    key.span,
                    "unknown setting",
                )
                .with_help(match did_you_mean(&key.name, names.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`? {listing}"),
                    None => listing,
                }),
            );
            continue;
        };
        match read(kind, &arg.value) {
            Some(v) => {
                params.insert(key.name.clone(), v);
            }
            None => {
                let range = match kind {
                    Kind::Int(lo, hi) => format!("an integer in {lo}..={hi}"),
                    Kind::Float(lo, hi) => format!("a number in [{lo}, {hi}]"),
                };
                errors.push(Diagnostic::new(
                    "mlg::param_value",
                    format!("setting `{}` of `{}` expects {range}", key.name, call.name.name),
                    arg.value.span,
                    format!("found {}", describe(&arg.value)),
                ));
            }
        }
    }
    params
}

/// `value` as a setting of type `kind`, if it is one and in range.
fn read(kind: &Kind, value: &Expr) -> Option<Value> {
    match (kind, &value.kind) {
        (Kind::Int(lo, hi), ExprKind::Int(n)) if (lo..=hi).contains(&n) => Some(Value::Int(*n)),
        (Kind::Float(lo, hi), ExprKind::Int(n)) if (*lo..=*hi).contains(&(*n as f64)) => {
            Some(Value::Float(*n as f64))
        }
        (Kind::Float(lo, hi), ExprKind::Float(x)) if (*lo..=*hi).contains(x) => Some(Value::Float(*x)),
        _ => None,
    }
}

/// `[maximize("m"), minimize("latency_us"), ...]`: the objectives and the
/// list's span.
fn objectives(
    items: &[Expr],
    span: Span,
    errors: &mut Vec<Diagnostic>,
) -> Option<(Vec<ObjectiveSpec>, Span)> {
    let mut out = Vec::new();
    for item in items {
        let parsed = match &item.kind {
            ExprKind::Call(c) if c.name.name == "maximize" || c.name.name == "minimize" => {
                match c.args.as_slice() {
                    [Arg {
                        name: None,
                        value:
                            Expr {
                                kind: ExprKind::Str(n) | ExprKind::Name(n),
                                ..
                            },
                        ..
                    }] => Some(ObjectiveSpec {
                        name: n.clone(),
                        maximize: Some(c.name.name == "maximize"),
                        span: item.span,
                    }),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(o) => {
                if out.iter().any(|p: &ObjectiveSpec| p.name == o.name) {
                    errors.push(Diagnostic::new(
                        "mlg::search_objectives",
                        format!("objective `{}` is listed twice", o.name),
                        item.span,
                        "listed again",
                    ));
                }
                if (o.name == LATENCY_US || o.name == SIZE_BYTES) && o.maximize == Some(true) {
                    errors.push(
                        Diagnostic::new(
                            "mlg::search_objectives",
                            format!("`{}` is a cost: it can only be minimized", o.name),
                            item.span,
                            "maximize of a cost",
                        )
                        .with_help(format!("write minimize(\"{}\")", o.name)),
                    );
                }
                out.push(o);
            }
            None => errors.push(
                Diagnostic::new(
                    "mlg::search_objectives",
                    "an objective is written maximize(\"metric\") or minimize(\"metric\")",
                    item.span,
                    format!("found {}", describe(item)),
                )
                .with_help(format!(
                    "metrics of the task, or minimize(\"{LATENCY_US}\") / minimize(\"{SIZE_BYTES}\") measured on the compiled function"
                )),
            ),
        }
    }
    if out.is_empty() && items.is_empty() {
        errors.push(Diagnostic::new(
            "mlg::search_objectives",
            "`objectives` lists no objective",
            span,
            "empty list",
        ));
    }
    Some((out, span))
}
