//! Checks the space of a `search` block: each setting's path names a
//! parameter of the tuned model, of an ensemble's combiner or member
//! (`rf.trees`), or of a step of an upstream features stage
//! (`prep.select_k_best.k`), and its `choice(...)`, `int(a, b)` or
//! `float(a, b, log = ...)` must suit that parameter's type.

use super::args::{bind, describe};
use super::catalog::{Default as ParamDefault, OpSpec, ParamType, Value};
use super::check::Checker;
use super::stage::{Dimension, Slot, Space, StageKind};
use mlg_dsl::ast::{Arg, Call, Expr, ExprKind, Ident, Setting};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::Diagnostic;

impl Checker<'_> {
    /// Checks one setting of the space of a search over stage `base`.
    pub(super) fn dimension(
        &self,
        base: &str,
        setting: &Setting,
        grid: bool,
    ) -> Result<Dimension, Vec<Diagnostic>> {
        let (stage, slot, spec) = self.path_target(base, &setting.name)?;
        let param = setting
            .name
            .name
            .rsplit('.')
            .next()
            .unwrap_or_default()
            .to_string();
        let key = Ident {
            name: param.clone(),
            span: setting.name.span,
        };
        let space = self.space(spec, &key, setting, grid)?;
        let default = spec
            .params
            .iter()
            .find(|p| p.name == param)
            .and_then(|p| default_value(p.default));
        Ok(Dimension {
            path: setting.name.name.clone(),
            stage,
            slot,
            param,
            default,
            space,
        })
    }

    /// The stage, operator slot and operator spec a setting's path names.
    fn path_target(&self, base: &str, path: &Ident) -> Result<(String, Slot, &OpSpec), Vec<Diagnostic>> {
        let parts: Vec<&str> = path.name.split('.').collect();
        let base_stage = self.stage(base);
        let bad = |message: String, label: &str, help: String| {
            vec![Diagnostic::new("mlg::search_path", message, path.span, label).with_help(help)]
        };
        match parts.as_slice() {
            [_] => match &base_stage.kind {
                StageKind::Model(m) => Ok((base.to_string(), Slot::Model, self.spec(&m.op.op)?)),
                StageKind::Ensemble(e) => Ok((base.to_string(), Slot::Combiner, self.spec(&e.combiner.op)?)),
                _ => Err(bad(
                    format!("`{base}` has no parameters to search"),
                    "not a model parameter",
                    "tune a model or an ensemble".to_string(),
                )),
            },
            [member, _] => {
                let StageKind::Ensemble(e) = &base_stage.kind else {
                    return Err(bad(
                        format!("`{}` names a member `{member}`, but `{base}` is not an ensemble", path.name),
                        "not a parameter of the tuned model",
                        "name the model's own parameters (`trees`), or a features step as `features.operator.param`"
                            .to_string(),
                    ));
                };
                if !e.members.iter().any(|m| m == member) {
                    return Err(bad(
                        format!("`{member}` is not a member of ensemble `{base}`"),
                        "unknown member",
                        format!("`{base}` fuses: {}", e.members.join(", ")),
                    ));
                }
                match &self.stage(member).kind {
                    StageKind::Model(m) if m.is_plain() => {
                        Ok((member.to_string(), Slot::Model, self.spec(&m.op.op)?))
                    }
                    StageKind::Ensemble(inner) => {
                        Ok((member.to_string(), Slot::Combiner, self.spec(&inner.combiner.op)?))
                    }
                    other => Err(bad(
                        format!(
                            "member `{member}` is a {} stage, whose parameters cannot be searched",
                            other.keyword()
                        ),
                        "not a plain model",
                        "search the parameters of plain model members".to_string(),
                    )),
                }
            }
            [features, op, _] => {
                let upstream = self.upstream_features(base);
                if !upstream.iter().any(|f| f == features) {
                    let help = if upstream.is_empty() {
                        format!("`{base}` reads its data without features steps")
                    } else {
                        format!("features stages upstream of `{base}`: {}", upstream.join(", "))
                    };
                    return Err(bad(
                        format!("`{features}` is not a features stage upstream of `{base}`"),
                        "unknown features stage",
                        help,
                    ));
                }
                let StageKind::Features(f) = &self.stage(features).kind else {
                    return Err(bad(
                        format!("`{features}` is not a features stage"),
                        "",
                        String::new(),
                    ));
                };
                let matches: Vec<usize> = (0..f.steps.len()).filter(|&i| f.steps[i].op.op == *op).collect();
                match matches.as_slice() {
                    [i] => Ok((features.to_string(), Slot::Step(*i), self.spec(op)?)),
                    [] => {
                        let ops: Vec<&str> = f.steps.iter().map(|s| s.op.op.as_str()).collect();
                        let help = match did_you_mean(op, ops.iter().copied()) {
                            Some(best) => {
                                format!("did you mean `{best}`? `{features}` applies: {}", ops.join(", "))
                            }
                            None => format!("`{features}` applies: {}", ops.join(", ")),
                        };
                        Err(bad(
                            format!("features `{features}` has no `{op}` step"),
                            "unknown step",
                            help,
                        ))
                    }
                    _ => Err(bad(
                        format!(
                            "features `{features}` applies `{op}` {} times, so the path is ambiguous",
                            matches.len()
                        ),
                        "ambiguous step",
                        "split the features stage so the step occurs once in each".to_string(),
                    )),
                }
            }
            _ => Err(bad(
                format!("`{}` is not a parameter path", path.name),
                "too many parts",
                "write `param`, `member.param` (ensembles) or `features.operator.param`".to_string(),
            )),
        }
    }

    /// Features stages between stage `name` (a model, ensemble or search)
    /// and its data, every member's for an ensemble, nearest first.
    fn upstream_features(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut pending = vec![name.to_string()];
        while let Some(n) = pending.pop() {
            match &self.stage(&n).kind {
                StageKind::Model(m) => pending.push(m.input.clone()),
                StageKind::Ensemble(e) => pending.extend(e.members.iter().rev().cloned()),
                StageKind::Search(s) => pending.push(s.base.clone()),
                StageKind::Features(f) => {
                    if !out.contains(&n) {
                        out.push(n.clone());
                    }
                    pending.push(f.input.clone());
                }
                _ => {}
            }
        }
        out
    }

    /// The catalog entry of operator `op` (checked earlier, so present).
    fn spec(&self, op: &str) -> Result<&OpSpec, Vec<Diagnostic>> {
        self.catalog.get(op).ok_or_else(|| {
            vec![Diagnostic::bare(
                "mlg::internal",
                format!("operator `{op}` left the catalog"),
            )]
        })
    }

    /// Checks one setting of the space as parameter `key` (the path's last
    /// name, spanning the whole path) of `spec`.
    fn space(
        &self,
        spec: &OpSpec,
        key: &Ident,
        setting: &Setting,
        grid: bool,
    ) -> Result<Space, Vec<Diagnostic>> {
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
                    .with_help("list the values with choice(...), or draw from the range: strategy = \"random\", \"tpe\" or \"genetic\" (or `trials = N` candidates for \"halving\")")]);
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
    pub(super) fn space_value(
        &self,
        spec: &OpSpec,
        key: &Ident,
        expr: &Expr,
    ) -> Result<Value, Vec<Diagnostic>> {
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
