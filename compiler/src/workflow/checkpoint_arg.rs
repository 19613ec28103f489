//! `checkpoint = every(rounds = 10)` on a model call: how often a long fit
//! saves its state for `mlg run --resume`. The unit is what the model counts
//! (`rounds` for boosting, `epochs` for the perceptrons, `trees` for
//! forests, `iterations` for logistic regression's solvers and the lasso's
//! and elastic net's coordinate descent); the argument becomes that model's `checkpoint_<unit>`
//! parameter, bound and checked like any other.

use super::args::describe;
use super::catalog::OpSpec;
use mlg_dsl::ast::{Arg, ExprKind, Ident};
use mlg_dsl::Diagnostic;

/// The argument's name.
pub const CHECKPOINT: &str = "checkpoint";

/// The units a model may checkpoint by, each its parameter's suffix.
const UNITS: &[&str] = &["rounds", "epochs", "trees", "iterations"];

/// Rewrites `checkpoint = every(UNIT = N)` in `args` (the arguments of a
/// call of `spec`) into `checkpoint_UNIT = N`. Errors, at the argument: a
/// value other than `every(...)` with one named count, a unit `spec` does
/// not count by, or a model that writes no checkpoints.
pub fn take_checkpoint(spec: &OpSpec, args: &[Arg]) -> Result<Vec<Arg>, Vec<Diagnostic>> {
    let units: Vec<&str> = UNITS
        .iter()
        .copied()
        .filter(|u| {
            spec.params
                .iter()
                .any(|p| p.name.strip_prefix("checkpoint_") == Some(u))
        })
        .collect();
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        if arg.name.as_ref().map(|n| n.name.as_str()) != Some(CHECKPOINT) {
            out.push(arg.clone());
            continue;
        }
        let Some(unit) = units.first() else {
            return Err(vec![Diagnostic::new(
                "mlg::unknown_param",
                format!("`{}` writes no checkpoints", spec.name),
                arg.span,
                "not a parameter of this model",
            )
            .with_help(
                "gradient boosting (`every(rounds = N)`), the perceptrons (`every(epochs = N)`), \
                 forests (`every(trees = N)`), logistic regression, the lasso and the elastic net \
                 (`every(iterations = N)`) save checkpoints; other fits are short",
            )]);
        };
        let wanted = format!("every({unit} = N)");
        let bad = |found: String| {
            vec![Diagnostic::new(
                "mlg::param_type",
                format!("parameter `{CHECKPOINT}` of `{}` expects {wanted}", spec.name),
                arg.value.span,
                found,
            )]
        };
        let ExprKind::Call(call) = &arg.value.kind else {
            return Err(bad(format!("found {}", describe(&arg.value))));
        };
        let [count] = call.args.as_slice() else {
            return Err(bad("`every` takes one named count".into()));
        };
        let given = match (&call.name.name[..], &count.name) {
            ("every", Some(name)) => name,
            _ => return Err(bad(format!("found {}", describe(&arg.value)))),
        };
        if !units.contains(&given.name.as_str()) {
            return Err(bad(format!("`{}` counts {unit}, not {}", spec.name, given.name)));
        }
        out.push(Arg {
            name: Some(Ident {
                name: format!("checkpoint_{}", given.name),
                span: given.span,
            }),
            value: count.value.clone(),
            span: arg.span,
        });
    }
    Ok(out)
}
