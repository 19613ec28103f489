//! Checks `search NAME = tune(MODEL, strategy = ..., trials = ..., cv = ...,
//! metric = ..., seed = ...) { space }`: the tuned model, the options, and
//! every setting of the space against the model's catalog parameters; then
//! enumerates (`grid`) or draws (`random`, seeded) the trials, each the model
//! stage with the point's parameters. A search is a select whose candidates are
//! parameter points.

use super::args::{bind, describe};
use super::catalog::{Default as ParamDefault, OpSpec, ParamType, Params, Value};
use super::check::{Checked, Checker};
use super::stage::{ModelStage, OpUse, Point, SearchStage, StageKind, Trial};
use mlg_dsl::ast::{Arg, Call, Expr, ExprKind, Ident, SearchStmt, Setting};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::{Diagnostic, Span};

/// The operator of a `search` statement.
pub const TUNE: &str = "tune";

/// The named parameters `tune` takes.
const PARAMS: [&str; 5] = ["strategy", "trials", "cv", "metric", "seed"];

/// The strategies this build runs.
const STRATEGIES: [&str; 2] = ["grid", "random"];

/// Strategies the language names that are not built yet.
const PLANNED: [&str; 5] = ["tpe", "bayes", "hyperband", "asha", "successive_halving"];

/// The most trials one search may run (grid points or random draws).
pub const MAX_TRIALS: usize = 10_000;

/// Random draws when `trials` is not given.
const DEFAULT_TRIALS: usize = 10;

/// One checked setting of the space.
enum Space {
    /// `choice(...)`: the listed values; `None` is `none`.
    Choice(Vec<Option<Value>>),
    /// `int(low, high)`, both ends included; `as_float` when the parameter is
    /// a number rather than an integer.
    Int { low: i64, high: i64, as_float: bool },
    /// `float(low, high, log = ...)`.
    Float { low: f64, high: f64, log: bool },
}

impl Space {
    /// How many points a grid enumerates (`None` for `float`).
    fn grid_len(&self) -> Option<u128> {
        match self {
            Space::Choice(values) => Some(values.len() as u128),
            Space::Int { low, high, .. } => Some((i128::from(*high) - i128::from(*low) + 1) as u128),
            Space::Float { .. } => None,
        }
    }

    /// The grid's `i`-th value of an enumerable space.
    fn nth(&self, i: u128) -> Option<Value> {
        match self {
            Space::Choice(values) => values.get(i as usize).cloned().flatten(),
            Space::Int { low, as_float, .. } => {
                let v = (i128::from(*low) + i as i128) as i64;
                Some(int_value(v, *as_float))
            }
            Space::Float { .. } => None,
        }
    }

    /// One random draw.
    fn draw(&self, rng: &mut SplitMix64) -> Option<Value> {
        match self {
            Space::Choice(values) => values
                .get(rng.below(values.len() as u64) as usize)
                .cloned()
                .flatten(),
            Space::Int { low, high, as_float } => {
                let span = (i128::from(*high) - i128::from(*low) + 1) as u64;
                let v = (i128::from(*low) + i128::from(rng.below(span))) as i64;
                Some(int_value(v, *as_float))
            }
            Space::Float { low, high, log } => {
                let u = rng.unit();
                let x = if *log {
                    (low.ln() + u * (high.ln() - low.ln())).exp()
                } else {
                    low + u * (high - low)
                };
                Some(Value::Float(x.clamp(*low, *high)))
            }
        }
    }
}

fn int_value(v: i64, as_float: bool) -> Value {
    if as_float {
        Value::Float(v as f64)
    } else {
        Value::Int(v)
    }
}

/// SplitMix64: a small, seeded, portable generator for random search draws.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n >= 1`; `0` for `n == 0`).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The options of a `tune(...)` call.
struct Options<'c> {
    strategy: Option<(String, Span)>,
    trials: Option<(usize, Span)>,
    cv: Option<&'c Call>,
    metric: Option<Ident>,
    seed: u64,
}

impl Checker<'_> {
    /// Checks a `search NAME = tune(MODEL, ...) { space }` statement.
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
        let base_ident = match s.call.args.first() {
            Some(Arg {
                name: None,
                value:
                    Expr {
                        kind: ExprKind::Name(n),
                        span,
                    },
                ..
            }) => Ident {
                name: n.clone(),
                span: *span,
            },
            other => {
                return Err(vec![Diagnostic::new(
                    "mlg::search_model",
                    format!(
                        "search `{}` needs the model to tune as the first argument",
                        s.name.name
                    ),
                    other.map_or(s.call.span, |a| a.span),
                    match other {
                        Some(a) => format!("found {}", describe(&a.value)),
                        None => "no model given".to_string(),
                    },
                )
                .with_help("e.g. tune(rf, strategy = \"grid\") { trees = choice(50, 100) }")]);
            }
        };
        let base_stage = self.stage(&base_ident.name);
        let base = match &base_stage.kind {
            StageKind::Model(m) if m.compress.is_empty() => m,
            other => {
                let what = match other {
                    StageKind::Model(_) => "a compressed model".to_string(),
                    other => format!("a `{}` stage", other.keyword()),
                };
                return Err(vec![Diagnostic::new(
                    "mlg::wrong_input",
                    format!("`tune` takes a model, but `{}` is {what}", base_ident.name),
                    base_ident.span,
                    what,
                )
                .with_help("tune a `model NAME = operator(features, ...)` stage")]);
            }
        };
        let spec = self.catalog.get(&base.op.op).ok_or_else(|| {
            vec![Diagnostic::bare(
                "mlg::internal",
                format!("model operator `{}` left the catalog", base.op.op),
            )]
        })?;
        let mut errors = Vec::new();
        let options = options(&s.call.args[1..], &mut errors);
        // `None` for a strategy this build cannot run (reported): the checks
        // that depend on the strategy are then skipped.
        let strategy = match &options.strategy {
            None => Some("grid".to_string()),
            Some((name, _)) if STRATEGIES.contains(&name.as_str()) => Some(name.clone()),
            Some((name, span)) if PLANNED.contains(&name.as_str()) => {
                errors.push(
                    Diagnostic::new(
                        "mlg::unsupported",
                        format!("search strategy \"{name}\" is not built yet"),
                        *span,
                        "not available in this build",
                    )
                    .with_help("this build searches with strategy = \"grid\" or \"random\""),
                );
                None
            }
            Some((name, span)) => {
                let mut d = Diagnostic::new(
                    "mlg::param_value",
                    "parameter `strategy` of `tune` expects one of \"grid\", \"random\"",
                    *span,
                    format!("{name:?} is not one of them"),
                );
                if let Some(best) = did_you_mean(name, STRATEGIES) {
                    d = d.with_help(format!("did you mean \"{best}\"?"));
                }
                errors.push(d);
                None
            }
        };
        let grid = strategy.as_deref() == Some("grid");
        if let (true, Some((_, span))) = (grid, options.trials) {
            errors.push(
                Diagnostic::new(
                    "mlg::search_trials",
                    "a grid search tries every point of its space; `trials` sets how many points `random` draws",
                    span,
                    "not used by a grid",
                )
                .with_help("remove `trials`, or add strategy = \"random\""),
            );
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
                    "name parameters of `{}` in the block, e.g. {{ {} = choice(...) }}",
                    spec.name,
                    spec.params.first().map_or("param", |p| p.name)
                )),
            );
        }
        let mut spaces: Vec<(&Setting, Space)> = Vec::new();
        for setting in &s.space {
            if let Some((first, _)) = spaces.iter().find(|(f, _)| f.name.name == setting.name.name) {
                errors.push(
                    Diagnostic::new(
                        "mlg::duplicate_param",
                        format!("parameter `{}` is searched twice", setting.name.name),
                        setting.name.span,
                        "given again here",
                    )
                    .with_label(first.name.span, "first given here"),
                );
                continue;
            }
            match self.space(spec, setting, grid) {
                Ok(space) => spaces.push((setting, space)),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if let Some(m) = &options.metric {
            errors.extend(self.metric_errors(m, &[(&base_ident, base.task)]));
        }
        let method = self.method(options.cv, s.call.span);
        if let Err(ref e) = method {
            errors.extend(e.iter().cloned());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (method, fold_file) = method?;
        let strategy = strategy.unwrap_or_default();
        let points = if grid {
            grid_points(&spaces, s.span)?
        } else {
            let n = options.trials.map_or(DEFAULT_TRIALS, |(n, _)| n);
            let mut rng = SplitMix64(options.seed);
            (0..n)
                .map(|_| {
                    spaces
                        .iter()
                        .map(|(setting, space)| (setting.name.name.clone(), space.draw(&mut rng)))
                        .collect()
                })
                .collect()
        };
        let trials = points
            .into_iter()
            .map(|point| Trial {
                model: trial_model(base, spec, &point),
                point,
            })
            .collect();
        let stage = SearchStage {
            base: base_ident.name.clone(),
            strategy,
            trials,
            metric: options.metric.map(|m| m.name),
            method,
            fold_file,
            task: base.task,
            seed: options.seed,
        };
        Ok((StageKind::Search(stage), base_stage.schema.clone()))
    }

    /// Checks one setting of the space against `spec`'s parameters.
    fn space(&self, spec: &OpSpec, setting: &Setting, grid: bool) -> Result<Space, Vec<Diagnostic>> {
        let key = &setting.name;
        let Some(param) = spec.params.iter().find(|p| p.name == key.name) else {
            let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
            let listing = format!("`{}` takes: {}", spec.name, names.join(", "));
            let help = match did_you_mean(&key.name, names.iter().copied()) {
                Some(best) => format!("did you mean `{best}`? {listing}"),
                None => listing,
            };
            return Err(vec![Diagnostic::new(
                "mlg::unknown_param",
                format!("`{}` has no parameter `{}` to search", spec.name, key.name),
                key.span,
                "unknown parameter",
            )
            .with_help(help)]);
        };
        let value = &setting.value;
        let call = match &value.kind {
            ExprKind::Call(c) if ["choice", "int", "float"].contains(&c.name.name.as_str()) => c,
            _ => {
                return Err(vec![Diagnostic::new(
                    "mlg::search_space",
                    format!(
                        "`{}` needs a space: choice(...), int(a, b) or float(a, b)",
                        key.name
                    ),
                    value.span,
                    format!("found {}", describe(value)),
                )
                .with_help(format!("e.g. {} = choice(...) to try listed values", key.name))]);
            }
        };
        match call.name.name.as_str() {
            "choice" => {
                let mut values = Vec::new();
                let mut errors = Vec::new();
                for arg in &call.args {
                    if let Some(name) = &arg.name {
                        errors.push(Diagnostic::new(
                            "mlg::search_space",
                            "`choice` takes its values by position",
                            name.span,
                            "named argument",
                        ));
                        continue;
                    }
                    if matches!(&arg.value.kind, ExprKind::Name(n) if n == "none") {
                        if param.default == ParamDefault::Required {
                            errors.push(Diagnostic::new(
                                "mlg::search_space",
                                format!(
                                    "`{}` of `{}` must be given, so it cannot be `none`",
                                    key.name, spec.name
                                ),
                                arg.value.span,
                                "a required parameter",
                            ));
                        } else {
                            values.push(None);
                        }
                        continue;
                    }
                    match self.space_value(spec, key, &arg.value) {
                        Ok(v) => values.push(Some(v)),
                        Err(mut e) => errors.append(&mut e),
                    }
                }
                if values.is_empty() && errors.is_empty() {
                    errors.push(
                        Diagnostic::new(
                            "mlg::search_space",
                            format!("`choice` for `{}` lists no value", key.name),
                            call.span,
                            "empty choice",
                        )
                        .with_help("list at least one value, e.g. choice(50, 100)"),
                    );
                }
                if errors.is_empty() {
                    Ok(Space::Choice(values))
                } else {
                    Err(errors)
                }
            }
            "int" => {
                let as_float = match param.ty {
                    ParamType::Int { .. } => false,
                    ParamType::Float { .. } => true,
                    other => return Err(vec![space_type(spec, key, call, other)]),
                };
                let (low, high) = ends(
                    call,
                    |e| match e.kind {
                        ExprKind::Int(i) => Some(i),
                        _ => None,
                    },
                    "integers",
                )?;
                self.space_value(spec, key, low.1)?;
                self.space_value(spec, key, high.1)?;
                if low.0 > high.0 {
                    return Err(vec![reversed(call, &low.0.to_string(), &high.0.to_string())]);
                }
                Ok(Space::Int {
                    low: low.0,
                    high: high.0,
                    as_float,
                })
            }
            _ => {
                if !matches!(param.ty, ParamType::Float { .. }) {
                    let mut d = space_type(spec, key, call, param.ty);
                    if matches!(param.ty, ParamType::Int { .. }) {
                        d = d.with_help(format!("`{}` takes integers: use int(a, b)", key.name));
                    }
                    return Err(vec![d]);
                }
                if grid {
                    return Err(vec![Diagnostic::new(
                        "mlg::search_grid",
                        format!("a grid cannot enumerate `float(...)` (parameter `{}`)", key.name),
                        call.span,
                        "a continuous range",
                    )
                    .with_help("list the values with choice(...), or use strategy = \"random\" to draw from the range")]);
                }
                let (low, high) = ends(
                    call,
                    |e| match e.kind {
                        ExprKind::Int(i) => Some(i as f64),
                        ExprKind::Float(f) => Some(f),
                        _ => None,
                    },
                    "numbers",
                )?;
                let mut log = false;
                for arg in call.args.iter().skip(2) {
                    match (&arg.name, &arg.value.kind) {
                        (Some(n), ExprKind::Bool(b)) if n.name == "log" => log = *b,
                        _ => {
                            return Err(vec![Diagnostic::new(
                                "mlg::search_space",
                                "`float` takes two ends and `log = true|false`",
                                arg.span,
                                "unexpected argument",
                            )])
                        }
                    }
                }
                self.space_value(spec, key, low.1)?;
                self.space_value(spec, key, high.1)?;
                if low.0 > high.0 {
                    return Err(vec![reversed(call, &low.0.to_string(), &high.0.to_string())]);
                }
                if log && low.0 <= 0.0 {
                    return Err(vec![Diagnostic::new(
                        "mlg::search_space",
                        "a log-scale `float` needs a low end above 0",
                        low.1.span,
                        format!("{} is not positive", low.0),
                    )]);
                }
                Ok(Space::Float {
                    low: low.0,
                    high: high.0,
                    log,
                })
            }
        }
    }

    /// Type-checks one value of a space as parameter `key` of `spec`.
    fn space_value(&self, spec: &OpSpec, key: &Ident, expr: &Expr) -> Result<Value, Vec<Diagnostic>> {
        let arg = Arg {
            name: Some(key.clone()),
            value: expr.clone(),
            span: expr.span,
        };
        let call = Call {
            name: Ident {
                name: spec.name.to_string(),
                span: expr.span,
            },
            args: Vec::new(),
            span: expr.span,
        };
        let lost = || {
            vec![Diagnostic::bare(
                "mlg::internal",
                format!("cannot check a value of `{}` alone", key.name),
            )]
        };
        match bind(self.catalog, spec, &call, std::slice::from_ref(&arg)) {
            Ok(mut params) => params.remove(&key.name).ok_or_else(lost),
            Err(errors) => {
                let errors: Vec<Diagnostic> = errors
                    .into_iter()
                    .filter(|d| d.code != "mlg::missing_param")
                    .collect();
                Err(if errors.is_empty() { lost() } else { errors })
            }
        }
    }
}

/// Reads the named options of `tune` (after the model), reporting mistakes.
fn options<'c>(args: &'c [Arg], errors: &mut Vec<Diagnostic>) -> Options<'c> {
    let mut out = Options {
        strategy: None,
        trials: None,
        cv: None,
        metric: None,
        seed: 0,
    };
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
                .with_help("`tune` takes: strategy, trials, cv, metric, seed"),
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
        let expects = match (key.name.as_str(), &arg.value.kind) {
            ("strategy", ExprKind::Str(v)) => {
                out.strategy = Some((v.clone(), arg.value.span));
                None
            }
            ("trials", ExprKind::Int(n)) if *n >= 1 && *n as u128 <= MAX_TRIALS as u128 => {
                out.trials = Some((*n as usize, arg.value.span));
                None
            }
            ("cv", ExprKind::Call(c)) => {
                out.cv = Some(c);
                None
            }
            ("metric", ExprKind::Str(m) | ExprKind::Name(m)) => {
                out.metric = Some(Ident {
                    name: m.clone(),
                    span: arg.value.span,
                });
                None
            }
            ("seed", ExprKind::Int(n)) if *n >= 0 => {
                out.seed = *n as u64;
                None
            }
            ("strategy", _) => Some("a string: \"grid\" or \"random\"".to_string()),
            ("trials", _) => Some(format!("an integer in 1..={MAX_TRIALS}")),
            ("cv", _) => Some("an evaluation method call such as kfold(5)".to_string()),
            ("metric", _) => Some("a metric name such as \"accuracy\"".to_string()),
            ("seed", _) => Some("an integer >= 0".to_string()),
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
                arg.value.span,
                format!("found {}", describe(&arg.value)),
            ));
        }
    }
    out
}

/// The two positional ends of `int(a, b)` / `float(a, b)`, read by `read`.
#[allow(clippy::type_complexity)]
fn ends<'c, T>(
    call: &'c Call,
    read: impl Fn(&Expr) -> Option<T>,
    what: &str,
) -> Result<((T, &'c Expr), (T, &'c Expr)), Vec<Diagnostic>> {
    let positional: Vec<&Arg> = call.args.iter().filter(|a| a.name.is_none()).collect();
    let usage = || {
        Diagnostic::new(
            "mlg::search_space",
            format!("`{}` takes two {what}: its low and high ends", call.name.name),
            call.span,
            format!("e.g. {}(1, 10)", call.name.name),
        )
    };
    if positional.len() != 2 || call.args.iter().take(2).any(|a| a.name.is_some()) {
        return Err(vec![usage()]);
    }
    let one = |a: &'c Arg| {
        read(&a.value).map(|v| (v, &a.value)).ok_or_else(|| {
            vec![Diagnostic::new(
                "mlg::search_space",
                format!("the ends of `{}` are {what}", call.name.name),
                a.value.span,
                format!("found {}", describe(&a.value)),
            )]
        })
    };
    Ok((one(positional[0])?, one(positional[1])?))
}

/// `int(5, 2)`: the low end above the high end.
fn reversed(call: &Call, low: &str, high: &str) -> Diagnostic {
    Diagnostic::new(
        "mlg::search_space",
        format!(
            "`{}({low}, {high})` is empty: its low end is above its high end",
            call.name.name
        ),
        call.span,
        format!("{low} > {high}"),
    )
    .with_help(format!("write {}({high}, {low})", call.name.name))
}

/// A numeric space for a parameter of another type.
fn space_type(spec: &OpSpec, key: &Ident, call: &Call, ty: ParamType) -> Diagnostic {
    Diagnostic::new(
        "mlg::search_space",
        format!(
            "`{}(...)` draws numbers, but parameter `{}` of `{}` expects {ty}",
            call.name.name, key.name, spec.name
        ),
        call.span,
        "a numeric range",
    )
    .with_help(format!("list the values with {} = choice(...)", key.name))
}

/// Every point of a grid, the last setting varying fastest; errors past
/// [`MAX_TRIALS`] points.
fn grid_points(spaces: &[(&Setting, Space)], span: Span) -> Result<Vec<Point>, Vec<Diagnostic>> {
    let sizes: Vec<u128> = spaces.iter().map(|(_, s)| s.grid_len().unwrap_or(0)).collect();
    let total = sizes.iter().try_fold(1u128, |acc, &n| acc.checked_mul(n));
    let total = match total {
        Some(t) if t <= MAX_TRIALS as u128 => t as usize,
        _ => {
            return Err(vec![Diagnostic::new(
                "mlg::search_space",
                format!("the grid has more than {MAX_TRIALS} points"),
                span,
                "too many points",
            )
            .with_help("narrow the ranges, or use strategy = \"random\" with `trials`")]);
        }
    };
    let mut points = Vec::with_capacity(total);
    for mut k in 0..total as u128 {
        let mut point: Point = vec![(String::new(), None); spaces.len()];
        for (i, (setting, space)) in spaces.iter().enumerate().rev() {
            let n = sizes[i].max(1);
            point[i] = (setting.name.name.clone(), space.nth(k % n));
            k /= n;
        }
        points.push(point);
    }
    Ok(points)
}

/// The model stage of one trial: `base` with the point's parameters (`none`
/// leaves a parameter out, or restores its catalog default).
fn trial_model(base: &ModelStage, spec: &OpSpec, point: &Point) -> ModelStage {
    let mut params: Params = base.op.params.clone();
    for (key, value) in point {
        let value = value.clone().or_else(|| {
            spec.params
                .iter()
                .find(|p| p.name == key)
                .and_then(|p| default_value(p.default))
        });
        match value {
            Some(v) => {
                params.insert(key.clone(), v);
            }
            None => {
                params.remove(key);
            }
        }
    }
    ModelStage {
        input: base.input.clone(),
        op: OpUse {
            op: base.op.op.clone(),
            params,
            span: base.op.span,
        },
        task: base.task,
        compress: Vec::new(),
    }
}

/// A catalog default as a value (`None` for optional and required parameters).
fn default_value(default: ParamDefault) -> Option<Value> {
    match default {
        ParamDefault::Int(i) => Some(Value::Int(i)),
        ParamDefault::Float(f) => Some(Value::Float(f)),
        ParamDefault::Bool(b) => Some(Value::Bool(b)),
        ParamDefault::Str(s) => Some(Value::Str(s.to_string())),
        ParamDefault::Optional | ParamDefault::Required => None,
    }
}

#[cfg(test)]
mod tests {
    use super::SplitMix64;

    #[test]
    fn draws_are_seeded_and_in_range() {
        let (mut a, mut b) = (SplitMix64(7), SplitMix64(7));
        for _ in 0..1000 {
            let (x, y) = (a.below(5), b.below(5));
            assert_eq!(x, y);
            assert!(x < 5);
            let u = a.unit();
            b.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
