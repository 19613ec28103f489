//! Checks the `monitor` option of a deploy statement: `drift(psi, ks,
//! window)`, `quality(window, accuracy_drop, rmse_rise)`, or a list holding
//! each at most once.

use super::stage::{DriftSettings, QualitySettings};
use mlg_dsl::ast::{Arg, Call, Expr, ExprKind};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::Diagnostic;

/// The parameters of `drift(...)`.
const DRIFT_PARAMS: &[&str] = &["psi", "ks", "window"];
/// The parameters of `quality(...)`.
const QUALITY_PARAMS: &[&str] = &["window", "accuracy_drop", "rmse_rise"];
/// The monitors, in help lines.
const MONITORS: &[&str] = &["drift", "quality"];
/// The forms `monitor` takes, for help lines.
const MONITOR_FORM: &str = "write `monitor = drift(psi = 0.2, ks = 0.1, window = 1000)`, \
     `monitor = quality(accuracy_drop = 0.05, window = 500)`, or a list of both \
     (every argument optional)";

/// The checked `monitor` option: drift settings, quality settings, or both.
pub(super) type Monitors = (Option<DriftSettings>, Option<QualitySettings>);

/// Checks `monitor = ...`.
pub(super) fn monitors(value: &Expr) -> Result<Monitors, Vec<Diagnostic>> {
    let calls: Vec<&Expr> = match &value.kind {
        ExprKind::List(items) => items.iter().collect(),
        _ => vec![value],
    };
    let mut errors = Vec::new();
    let (mut drift, mut quality) = (None, None);
    let mut seen: Vec<&str> = Vec::new();
    for expr in calls {
        let ExprKind::Call(call) = &expr.kind else {
            errors.push(
                Diagnostic::new(
                    "mlg::monitor",
                    "`monitor` takes drift(...), quality(...) or a list of them",
                    expr.span,
                    "expected drift(...) or quality(...)",
                )
                .with_help(MONITOR_FORM),
            );
            continue;
        };
        let name = call.name.name.as_str();
        if MONITORS.contains(&name) && seen.contains(&name) {
            errors.push(Diagnostic::new(
                "mlg::monitor",
                format!("monitor `{name}` is given twice"),
                call.name.span,
                "given again here",
            ));
            continue;
        }
        seen.push(name);
        match name {
            "drift" => match drift_settings(call) {
                Ok(s) => drift = Some(s),
                Err(e) => errors.extend(e),
            },
            "quality" => match quality_settings(call) {
                Ok(s) => quality = Some(s),
                Err(e) => errors.extend(e),
            },
            other => {
                let help = match did_you_mean(other, MONITORS.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`? {MONITOR_FORM}"),
                    None => MONITOR_FORM.to_string(),
                };
                errors.push(
                    Diagnostic::new(
                        "mlg::monitor",
                        format!("unknown monitor `{other}`"),
                        call.name.span,
                        "expected drift(...) or quality(...)",
                    )
                    .with_help(help),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok((drift, quality))
    } else {
        Err(errors)
    }
}

/// `drift(psi = P, ks = K, window = W)`: `psi` a number above 0, `ks` a
/// number in (0, 1], `window` an integer of at least 10; the rest take their
/// defaults (0.2, 0.1, 1000).
fn drift_settings(call: &Call) -> Result<DriftSettings, Vec<Diagnostic>> {
    let mut settings = DriftSettings {
        psi: 0.2,
        ks: 0.1,
        window: 1000,
    };
    let mut errors = Vec::new();
    for (name, arg) in named(call, DRIFT_PARAMS, &mut errors) {
        let bad = |expected: &str| bad_value("drift", name, arg, expected);
        match (name, number(arg)) {
            ("psi", Some(v)) if v > 0.0 && v.is_finite() => settings.psi = v,
            ("psi", _) => errors.push(bad("a number above 0")),
            ("ks", Some(v)) if v > 0.0 && v <= 1.0 => settings.ks = v,
            ("ks", _) => errors.push(bad("a number in (0, 1]")),
            _ => match window(arg) {
                Some(w) => settings.window = w,
                None => errors.push(bad("an integer of at least 10 (rows)")),
            },
        }
    }
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// `quality(window = W, accuracy_drop = D, rmse_rise = R)`: `window` an
/// integer of at least 10, `accuracy_drop` a number in (0, 1], `rmse_rise` a
/// number above 0; the rest take their defaults (500, 0.05, 0.2).
fn quality_settings(call: &Call) -> Result<QualitySettings, Vec<Diagnostic>> {
    let mut settings = QualitySettings {
        window: 500,
        accuracy_drop: 0.05,
        rmse_rise: 0.2,
    };
    let mut errors = Vec::new();
    for (name, arg) in named(call, QUALITY_PARAMS, &mut errors) {
        let bad = |expected: &str| bad_value("quality", name, arg, expected);
        match (name, number(arg)) {
            ("accuracy_drop", Some(v)) if v > 0.0 && v <= 1.0 => settings.accuracy_drop = v,
            ("accuracy_drop", _) => errors.push(bad("a number in (0, 1]")),
            ("rmse_rise", Some(v)) if v > 0.0 && v.is_finite() => settings.rmse_rise = v,
            ("rmse_rise", _) => errors.push(bad("a number above 0 (0.2: 20 % above the evaluated RMSE)")),
            _ => match window(arg) {
                Some(w) => settings.window = w,
                None => errors.push(bad("an integer of at least 10 (labelled rows)")),
            },
        }
    }
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(errors)
    }
}

/// The call's arguments as (known parameter, argument), each once; unnamed,
/// repeated and unknown arguments are errors.
fn named<'a>(
    call: &'a Call,
    params: &[&'static str],
    errors: &mut Vec<Diagnostic>,
) -> Vec<(&'static str, &'a Arg)> {
    let monitor = call.name.name.as_str();
    let mut out: Vec<(&'static str, &Arg)> = Vec::new();
    for arg in &call.args {
        let Some(name) = &arg.name else {
            errors.push(
                Diagnostic::new(
                    "mlg::monitor",
                    format!("{monitor} arguments must be named"),
                    arg.span,
                    "unnamed argument",
                )
                .with_help(MONITOR_FORM),
            );
            continue;
        };
        let Some(&param) = params.iter().find(|p| **p == name.name) else {
            let help = match did_you_mean(&name.name, params.iter().copied()) {
                Some(best) => format!("did you mean `{best}`? {monitor} takes: {}", params.join(", ")),
                None => format!("{monitor} takes: {}", params.join(", ")),
            };
            errors.push(
                Diagnostic::new(
                    "mlg::unknown_param",
                    format!("{monitor} has no parameter `{}`", name.name),
                    name.span,
                    "unknown parameter",
                )
                .with_help(help),
            );
            continue;
        };
        if out.iter().any(|(p, _)| *p == param) {
            errors.push(Diagnostic::new(
                "mlg::duplicate_param",
                format!("{monitor} parameter `{param}` is given twice"),
                name.span,
                "given again here",
            ));
            continue;
        }
        out.push((param, arg));
    }
    out
}

fn number(arg: &Arg) -> Option<f64> {
    match arg.value.kind {
        ExprKind::Int(i) => Some(i as f64),
        ExprKind::Float(f) => Some(f),
        _ => None,
    }
}

/// A window size: an integer of at least 10.
fn window(arg: &Arg) -> Option<usize> {
    match arg.value.kind {
        ExprKind::Int(w) if w >= 10 => Some(usize::try_from(w).unwrap_or(usize::MAX)),
        _ => None,
    }
}

fn bad_value(monitor: &str, name: &str, arg: &Arg, expected: &str) -> Diagnostic {
    Diagnostic::new(
        "mlg::bad_value",
        format!("{monitor} `{name}` must be {expected}"),
        arg.value.span,
        format!("expected {expected}"),
    )
}
