//! Binds a call's arguments to an operator's parameters and type-checks them.

use super::catalog::{Catalog, Default, OpKind, OpSpec, ParamSpec, ParamType, Params, Task, Value};
use mlg_dsl::ast::{Arg, Call, Expr, ExprKind, Ident, Setting};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::{Diagnostic, Span};
use std::collections::HashMap;

/// Binds `args` (the call's arguments after any leading subject such as the input
/// or selector) to `spec`'s parameters: positionals in declaration order, then
/// named ones; fills defaults; reports every mistake. `catalog` resolves nested
/// model calls (parameters of type [`ParamType::Model`]).
pub fn bind(
    catalog: &dyn Catalog,
    spec: &OpSpec,
    call: &Call,
    args: &[Arg],
) -> Result<Params, Vec<Diagnostic>> {
    let mut params = Params::new();
    let mut spans: HashMap<&'static str, Span> = HashMap::new();
    // Per repeated parameter: its first and second spans and how often it is given.
    let mut repeats: Vec<(&'static str, Span, Span, usize)> = Vec::new();
    let mut errors = Vec::new();
    let mut positional = 0usize;
    for arg in args {
        let param = match &arg.name {
            None => {
                let found = spec.params.get(positional);
                positional += 1;
                match found {
                    Some(p) => p,
                    None => {
                        errors.push(too_many(spec, arg));
                        continue;
                    }
                }
            }
            Some(name) => match spec.params.iter().find(|p| p.name == name.name) {
                Some(p) => p,
                None => {
                    errors.push(unknown_param(spec, &name.name, name.span));
                    continue;
                }
            },
        };
        if let Some(&first) = spans.get(param.name) {
            match repeats.iter_mut().find(|r| r.0 == param.name) {
                Some(r) => r.3 += 1,
                None => repeats.push((param.name, first, arg.span, 2)),
            }
            continue;
        }
        spans.insert(param.name, arg.span);
        match check_value(catalog, spec, param, &arg.value) {
            Ok(v) => {
                params.insert(param.name.to_string(), v);
            }
            Err(d) => errors.extend(d),
        }
    }
    for (name, first, again, times) in repeats {
        let message = match times {
            2 => format!("parameter `{name}` of `{}` is given twice", spec.name),
            n => format!("parameter `{name}` of `{}` is given {n} times", spec.name),
        };
        errors.push(
            Diagnostic::new("mlg::duplicate_param", message, again, "given again here")
                .with_label(first, "first given here"),
        );
    }
    for param in spec.params {
        if params.contains_key(param.name) || spans.contains_key(param.name) {
            continue;
        }
        let value = match param.default {
            Default::Int(i) => Value::Int(i),
            Default::Float(f) => Value::Float(f),
            Default::Bool(b) => Value::Bool(b),
            Default::Str(s) => Value::Str(s.to_string()),
            Default::Optional => continue,
            Default::Required => {
                errors.push(
                    Diagnostic::new(
                        "mlg::missing_param",
                        format!("`{}` needs the parameter `{}`", spec.name, param.name),
                        call.span,
                        format!("`{}` is missing", param.name),
                    )
                    .with_help(format!("add `{} = <{}>` ({})", param.name, param.ty, param.doc)),
                );
                continue;
            }
        };
        params.insert(param.name.to_string(), value);
    }
    if errors.is_empty() {
        Ok(params)
    } else {
        Err(errors)
    }
}

/// The parameter a `model` statement's call and an evaluation method take
/// besides their own: how a distributed job runs them.
pub const DISTRIBUTE: &str = "distribute";

/// Splits `distribute = "data" | "tasks"` off `args` (a model statement's
/// or an evaluation method's): the other arguments, and the choice as a
/// [`Value::Str`] when given. A value other than those two strings, or the
/// argument given twice, is an error at its span.
pub fn take_distribute(args: &[Arg]) -> Result<(Vec<Arg>, Option<Value>), Vec<Diagnostic>> {
    let mut rest = Vec::with_capacity(args.len());
    let mut found: Option<(Value, Span)> = None;
    for arg in args {
        if arg.name.as_ref().map(|n| n.name.as_str()) != Some(DISTRIBUTE) {
            rest.push(arg.clone());
            continue;
        }
        if let Some((_, first)) = &found {
            return Err(vec![Diagnostic::new(
                "mlg::duplicate_param",
                format!("parameter `{DISTRIBUTE}` is given twice"),
                arg.span,
                "given again here",
            )
            .with_label(*first, "first given here")]);
        }
        match &arg.value.kind {
            ExprKind::Str(s) if s == "data" || s == "tasks" => {
                found = Some((Value::Str(s.clone()), arg.span));
            }
            _ => {
                return Err(vec![Diagnostic::new(
                    "mlg::param_type",
                    format!("parameter `{DISTRIBUTE}` expects \"data\" or \"tasks\""),
                    arg.value.span,
                    format!("found {}", describe(&arg.value)),
                )
                .with_help(
                    "on many MPI ranks, \"data\" fits on every rank's share of the rows (summing over \
                     the ranks), \"tasks\" fits whole on one rank (splits and trials dealt out)",
                )]);
            }
        }
    }
    Ok((rest, found.map(|(v, _)| v)))
}

fn too_many(spec: &OpSpec, arg: &Arg) -> Diagnostic {
    let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    Diagnostic::new(
        "mlg::too_many_args",
        format!("too many positional arguments for `{}`", spec.name),
        arg.span,
        "unexpected argument",
    )
    .with_help(if names.is_empty() {
        format!("`{}` takes no parameters", spec.name)
    } else {
        format!("`{}` takes: {}", spec.name, names.join(", "))
    })
}

fn unknown_param(spec: &OpSpec, name: &str, span: Span) -> Diagnostic {
    let names: Vec<&str> = spec.params.iter().map(|p| p.name).collect();
    let help = match did_you_mean(name, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`? `{}` takes: {}", spec.name, names.join(", ")),
        None if names.is_empty() => format!("`{}` takes no parameters", spec.name),
        None => format!("`{}` takes: {}", spec.name, names.join(", ")),
    };
    Diagnostic::new(
        "mlg::unknown_param",
        format!("`{}` has no parameter `{name}`", spec.name),
        span,
        "unknown parameter",
    )
    .with_help(help)
}

/// Describes an expression for "found ..." messages.
pub fn describe(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Int(i) => format!("the integer `{i}`"),
        ExprKind::Float(f) => format!("the number `{f}`"),
        ExprKind::Str(s) => format!("the string {s:?}"),
        ExprKind::Bool(b) => format!("`{b}`"),
        ExprKind::Name(n) => format!("the name `{n}`"),
        ExprKind::Call(c) => format!("a call to `{}`", c.name.name),
        ExprKind::List(_) => "a list".to_string(),
        ExprKind::Map(_) => "a map".to_string(),
    }
}

/// Resolves a nested model call (the value of a [`ParamType::Model`]
/// parameter): the name must be a catalog model, it takes no input, and its
/// arguments bind to the model's own parameters.
fn check_model(
    catalog: &dyn Catalog,
    spec: &OpSpec,
    param: &ParamSpec,
    call: &Call,
) -> Result<Value, Vec<Diagnostic>> {
    let kind = OpKind::Model {
        task: Task::Regression,
    };
    let known = catalog.names_of(&kind);
    let listing = format!("known models: {}", known.join(", "));
    let model = match catalog.get(&call.name.name) {
        Some(m) if m.kind.same_kind(&kind) => m,
        found => {
            let (label, help) = match found {
                Some(other) => (
                    format!("`{}` is a {}", call.name.name, other.kind.describe()),
                    listing,
                ),
                None => (
                    "not in the operator catalog".to_string(),
                    match did_you_mean(&call.name.name, known.iter().copied()) {
                        Some(best) => format!("did you mean `{best}`? {listing}"),
                        None => listing,
                    },
                ),
            };
            return Err(vec![Diagnostic::new(
                "mlg::unknown_model",
                format!(
                    "parameter `{}` of `{}` expects a model, and `{}` is not one",
                    param.name, spec.name, call.name.name
                ),
                call.name.span,
                label,
            )
            .with_help(help)]);
        }
    };
    if let Some(arg) = call
        .args
        .iter()
        .find(|a| a.name.is_none() && matches!(a.value.kind, ExprKind::Name(_)))
    {
        return Err(vec![Diagnostic::new(
            "mlg::nested_model_input",
            format!(
                "the model inside `{}` takes no input; `{}` passes it the selected columns",
                spec.name, spec.name
            ),
            arg.span,
            "remove this input",
        )
        .with_help(format!(
            "write only the model's parameters, e.g. `{} = {}(...)`",
            param.name, model.name
        ))]);
    }
    let params = bind(catalog, model, call, &call.args)?;
    Ok(Value::Model {
        op: model.name.to_string(),
        params,
    })
}

fn check_value(
    catalog: &dyn Catalog,
    spec: &OpSpec,
    param: &ParamSpec,
    expr: &Expr,
) -> Result<Value, Vec<Diagnostic>> {
    let mismatch = || {
        let mut d = Diagnostic::new(
            "mlg::param_type",
            format!(
                "parameter `{}` of `{}` expects {}",
                param.name, spec.name, param.ty
            ),
            expr.span,
            format!("found {}", describe(expr)),
        );
        if let (ExprKind::Name(n), ParamType::Choice(_) | ParamType::Weights(_) | ParamType::Str) =
            (&expr.kind, param.ty)
        {
            d = d.with_help(format!("strings are quoted: write \"{n}\""));
        } else if param.ty == ParamType::Model {
            d = d.with_help(format!(
                "`{}`: {}; write a call such as `{} = ridge(alpha = 1.0)`",
                param.name, param.doc, param.name
            ));
        } else {
            d = d.with_help(format!("`{}`: {}", param.name, param.doc));
        }
        d
    };
    let out_of_range = |shown: String| {
        Diagnostic::new(
            "mlg::param_range",
            format!(
                "parameter `{}` of `{}` expects {}",
                param.name, spec.name, param.ty
            ),
            expr.span,
            format!("{shown} is out of range"),
        )
    };
    match (param.ty, &expr.kind) {
        (ParamType::Int { min, max }, ExprKind::Int(i)) => {
            if *i < min || *i > max {
                return Err(vec![out_of_range(i.to_string())]);
            }
            Ok(Value::Int(*i))
        }
        (ParamType::Float { min, max }, ExprKind::Int(_) | ExprKind::Float(_)) => {
            let x = match expr.kind {
                ExprKind::Int(i) => i as f64,
                ExprKind::Float(f) => f,
                _ => return Err(vec![mismatch()]),
            };
            if !(x >= min && x <= max) {
                return Err(vec![out_of_range(x.to_string())]);
            }
            Ok(Value::Float(x))
        }
        (ParamType::Bool, ExprKind::Bool(b)) => Ok(Value::Bool(*b)),
        (ParamType::Str, ExprKind::Str(s)) => Ok(Value::Str(s.clone())),
        (ParamType::Choice(options) | ParamType::Weights(options), ExprKind::Str(s)) => {
            if options.contains(&s.as_str()) {
                Ok(Value::Str(s.clone()))
            } else {
                let mut d = Diagnostic::new(
                    "mlg::param_value",
                    format!(
                        "parameter `{}` of `{}` expects {}",
                        param.name, spec.name, param.ty
                    ),
                    expr.span,
                    format!("{s:?} is not one of them"),
                );
                if let Some(best) = did_you_mean(s, options.iter().copied()) {
                    d = d.with_help(format!("did you mean \"{best}\"?"));
                }
                Err(vec![d])
            }
        }
        (ParamType::Weights(_), ExprKind::Map(entries)) => check_num_map(spec, param, entries),
        (ParamType::Model, ExprKind::Call(call)) => check_model(catalog, spec, param, call),
        (ParamType::StrMap, ExprKind::Map(entries)) => check_str_map(spec, param, entries),
        _ => Err(vec![mismatch()]),
    }
}

/// The entries of a [`ParamType::StrMap`] value: every value a string
/// (`mlg::param_type`), every key once (`mlg::duplicate_key`).
fn check_str_map(spec: &OpSpec, param: &ParamSpec, entries: &[Setting]) -> Result<Value, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut out: Vec<(String, String)> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let key = &entry.name.name;
        if let Some(first) = entries[..i].iter().find(|e| e.name.name == *key) {
            errors.push(duplicate_key(spec, param, entry, first));
            continue;
        }
        match &entry.value.kind {
            ExprKind::Str(value) => out.push((key.clone(), value.clone())),
            _ => errors.push(
                Diagnostic::new(
                    "mlg::param_type",
                    format!(
                        "parameter `{}` of `{}` expects a string for `{key}`",
                        param.name, spec.name
                    ),
                    entry.value.span,
                    format!("found {}", describe(&entry.value)),
                )
                .with_help(format!("`{}`: {}", param.name, param.doc)),
            ),
        }
    }
    if errors.is_empty() {
        Ok(Value::StrMap(out))
    } else {
        Err(errors)
    }
}

/// The entries of a [`ParamType::Weights`] map: every value a number `>= 0`
/// (`mlg::param_type`, `mlg::param_range`), every key once
/// (`mlg::duplicate_key`).
fn check_num_map(spec: &OpSpec, param: &ParamSpec, entries: &[Setting]) -> Result<Value, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut out: Vec<(String, f64)> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let key = &entry.name.name;
        if let Some(first) = entries[..i].iter().find(|e| e.name.name == *key) {
            errors.push(duplicate_key(spec, param, entry, first));
            continue;
        }
        let value = match entry.value.kind {
            ExprKind::Int(v) => v as f64,
            ExprKind::Float(v) => v,
            _ => {
                errors.push(
                    Diagnostic::new(
                        "mlg::param_type",
                        format!(
                            "parameter `{}` of `{}` expects a number for `{key}`",
                            param.name, spec.name
                        ),
                        entry.value.span,
                        format!("found {}", describe(&entry.value)),
                    )
                    .with_help(format!("`{}`: {}", param.name, param.doc)),
                );
                continue;
            }
        };
        if !(value >= 0.0 && value.is_finite()) {
            errors.push(Diagnostic::new(
                "mlg::param_range",
                format!(
                    "parameter `{}` of `{}` expects a weight >= 0 for `{key}`",
                    param.name, spec.name
                ),
                entry.value.span,
                format!("{value} is out of range"),
            ));
            continue;
        }
        out.push((key.clone(), value));
    }
    if errors.is_empty() {
        Ok(Value::NumMap(out))
    } else {
        Err(errors)
    }
}

/// `mlg::duplicate_key`: `entry` repeats the key of `first` in a map parameter.
fn duplicate_key(spec: &OpSpec, param: &ParamSpec, entry: &Setting, first: &Setting) -> Diagnostic {
    let key = &entry.name.name;
    Diagnostic::new(
        "mlg::duplicate_key",
        format!(
            "key `{key}` appears twice in parameter `{}` of `{}`",
            param.name, spec.name
        ),
        entry.name.span,
        "given again here",
    )
    .with_label(first.name.span, "first given here")
}

/// The call's first argument when it is an unnamed bare name (a stage
/// reference), else that argument (`None` when there is none) for the
/// caller's diagnostic.
pub(super) fn leading_name(call: &Call) -> Result<Ident, Option<&Arg>> {
    match call.args.first() {
        Some(Arg {
            name: None,
            value: Expr {
                kind: ExprKind::Name(n),
                span,
            },
            ..
        }) => Ok(Ident {
            name: n.clone(),
            span: *span,
        }),
        other => Err(other),
    }
}
