//! The `derive` features step at check time: `derive(ratio = "a / b", ...)`
//! appends one numeric column per named argument, computed from an expression
//! over the current columns (see `mlg_dsl::expr`). The checker calls [`check`]
//! instead of the generic parameter binding, because the parameter names are
//! the new column names and the values are expressions to type-check against
//! the schema.
//!
//! Encoding in the checked [`Step`]: `params` maps each new column name to its
//! expression text (`Value::Str`), and [`ORDER_PARAM`] holds the names in
//! argument order joined by `,` (the map itself is sorted by name). The names
//! are identifiers, so they never contain `,` and never equal `$order`.
//! [`ordered`] decodes it.

use super::args::describe;
use super::catalog::{ColumnInfo, ColumnKind, Params, Schema, Value};
use super::columns::missing_column;
use super::stage::{OpUse, Selector, Step};
use mlg_dsl::ast::{Call, ExprKind};
use mlg_dsl::expr::{parse_expr, BinOp, ExprAst, ExprNode, Func};
use mlg_dsl::{Diagnostic, Span};

/// The operator name.
pub const OP: &str = "derive";

/// The parameter that lists the derived columns in argument order, joined by `,`.
pub const ORDER_PARAM: &str = "$order";

/// The derived columns of a checked `derive` step as `(name, expression)` in
/// argument order. `Err` says what is malformed: no [`ORDER_PARAM`], a listed
/// name without a string expression, or an expression not listed.
pub fn ordered(params: &Params) -> Result<Vec<(String, String)>, String> {
    let order = params
        .get(ORDER_PARAM)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing the parameter `{ORDER_PARAM}` (the column order)"))?;
    let names: Vec<&str> = order.split(',').filter(|n| !n.is_empty()).collect();
    let mut out = Vec::new();
    for name in &names {
        match params.get(*name).and_then(Value::as_str) {
            Some(text) => out.push((name.to_string(), text.to_string())),
            None => return Err(format!("column `{name}` has no expression string")),
        }
    }
    if let Some(extra) = params
        .keys()
        .find(|k| *k != ORDER_PARAM && !names.contains(&k.as_str()))
    {
        return Err(format!("parameter `{extra}` is not listed in `{ORDER_PARAM}`"));
    }
    Ok(out)
}

/// Checks a `derive` call against the `schema` at its step and returns the
/// step (selector `all`, params encoded as described in the module docs) and
/// the schema with the new numeric columns appended in argument order. Each
/// expression sees the columns before it, earlier derived ones included. A
/// derived column's missing count is the sum of the missing counts of the
/// columns it uses, at most the row count. Reports every argument's first error.
pub fn check(call: &Call, schema: &Schema) -> Result<(Step, Schema), Vec<Diagnostic>> {
    let mut out = schema.clone();
    let mut params = Params::new();
    let mut order: Vec<(String, Span)> = Vec::new();
    let mut errors = Vec::new();
    if call.args.is_empty() {
        errors.push(
            Diagnostic::new(
                "mlg::missing_param",
                "`derive` needs at least one new column",
                call.span,
                "no columns given",
            )
            .with_help("e.g. derive(ratio = \"a / b\")"),
        );
    }
    for arg in &call.args {
        let Some(name) = &arg.name else {
            errors.push(
                Diagnostic::new(
                    "mlg::derive_arg",
                    "`derive` takes only named arguments",
                    arg.span,
                    "no column name",
                )
                .with_help("name the new column: derive(ratio = \"a / b\")"),
            );
            continue;
        };
        if let Some((_, first)) = order.iter().find(|(n, _)| *n == name.name) {
            errors.push(
                Diagnostic::new(
                    "mlg::duplicate_param",
                    format!("`derive` defines the column `{}` twice", name.name),
                    name.span,
                    "defined again here",
                )
                .with_label(*first, "first defined here"),
            );
            continue;
        }
        match column(&name.name, &arg.value, &out) {
            Ok(info) => {
                params.insert(name.name.clone(), arg_text(&arg.value));
                out.columns.push(info);
            }
            Err(d) => {
                errors.push(d);
                // Later expressions may use the column; do not report it as missing.
                if out.get(&name.name).is_none() {
                    out.columns.push(numeric(&name.name, 0));
                }
            }
        }
        order.push((name.name.clone(), arg.span));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    params.insert(
        ORDER_PARAM.to_string(),
        Value::Str(
            order
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
    );
    let op = OpUse {
        op: OP.to_string(),
        params,
        span: call.span,
    };
    Ok((
        Step {
            op,
            selector: Selector::All,
        },
        out,
    ))
}

fn arg_text(value: &mlg_dsl::ast::Expr) -> Value {
    match &value.kind {
        ExprKind::Str(s) => Value::Str(s.clone()),
        _ => Value::Str(String::new()),
    }
}

fn numeric(name: &str, missing: usize) -> ColumnInfo {
    ColumnInfo {
        name: name.to_string(),
        kind: ColumnKind::Numeric,
        missing,
        levels: Vec::new(),
    }
}

/// The new column `name = value` against the columns in `schema`.
fn column(name: &str, value: &mlg_dsl::ast::Expr, schema: &Schema) -> Result<ColumnInfo, Diagnostic> {
    let ExprKind::Str(text) = &value.kind else {
        return Err(Diagnostic::new(
            "mlg::param_type",
            format!("the expression for `{name}` must be a string"),
            value.span,
            format!("found {}", describe(value)),
        )
        .with_help(format!("quote it: {name} = \"...\"")));
    };
    // The literal's source is `"` + text + `"` exactly when it has no escapes;
    // only then do offsets inside `text` match the source.
    if value.span.end.saturating_sub(value.span.start) != text.len() + 2 {
        return Err(Diagnostic::new(
            "mlg::syntax",
            "`derive` expressions cannot contain backslash escapes",
            value.span,
            "contains an escape",
        )
        .with_help("write column names with special characters in backticks: `island=Dream`"));
    }
    if let Some(existing) = schema.get(name) {
        let names: Vec<&str> = schema.columns.iter().map(|c| c.name.as_str()).collect();
        return Err(Diagnostic::new(
            "mlg::duplicate_column",
            format!("column `{name}` already exists"),
            value.span,
            format!(
                "`{}` is already a {} column",
                existing.name,
                kind_word(existing.kind)
            ),
        )
        .with_help(format!("pick a new name; columns: {}", names.join(", "))));
    }
    let expr = parse_expr(text, value.span.start + 1).map_err(|d| {
        if text.trim().is_empty() {
            Diagnostic::new(
                "mlg::syntax",
                "empty expression",
                value.span,
                "nothing to compute",
            )
            .with_help("e.g. \"body_mass_g / bill_length_mm ^ 2\"")
        } else {
            d
        }
    })?;
    check_types(&expr, "derived columns are numeric, but", schema)?;
    let mut used: Vec<&str> = expr.columns().into_iter().map(|(n, _)| n).collect();
    used.sort_unstable();
    used.dedup();
    let missing: usize = used.iter().filter_map(|n| schema.get(n)).map(|c| c.missing).sum();
    let missing = if schema.rows > 0 {
        missing.min(schema.rows)
    } else {
        missing
    };
    Ok(numeric(name, missing))
}

/// Checks that every column `e` uses exists in `schema` and is numeric;
/// `context` is how the parent uses `e` (for the categorical error).
fn check_types(e: &ExprAst, context: &str, schema: &Schema) -> Result<(), Diagnostic> {
    if let ExprNode::Column(name) = &e.kind {
        let info = schema
            .get(name)
            .ok_or_else(|| missing_column(name, e.span, schema))?;
        if info.kind == ColumnKind::Categorical {
            return Err(categorical(info, e.span, context));
        }
        if info.kind == ColumnKind::Date {
            return Err(date_as_number(info, e.span));
        }
        return Ok(());
    }
    if let ExprNode::Call(func, args) = &e.kind {
        if func.takes_dates() {
            return args.iter().try_for_each(|arg| date_argument(*func, arg, schema));
        }
    }
    let op_context = match &e.kind {
        ExprNode::Binary(op, ..) => match op {
            BinOp::Add => "cannot add strings:".to_string(),
            BinOp::Sub => "cannot subtract strings:".to_string(),
            BinOp::Mul => "cannot multiply strings:".to_string(),
            BinOp::Div => "cannot divide strings:".to_string(),
            BinOp::Pow => "cannot raise strings to a power:".to_string(),
        },
        ExprNode::Neg(_) => "cannot negate strings:".to_string(),
        ExprNode::Compare(..) => "cannot compare strings:".to_string(),
        ExprNode::Not(_) | ExprNode::Logic(..) => "cannot use strings as conditions:".to_string(),
        ExprNode::Call(func, _) => format!("cannot take `{}` of strings:", func.name()),
        ExprNode::If(cond, then, otherwise) => {
            check_types(cond, "cannot use strings as conditions:", schema)?;
            check_types(then, context, schema)?;
            return check_types(otherwise, context, schema);
        }
        ExprNode::Number(_) | ExprNode::Column(_) => return Ok(()),
    };
    for child in e.children() {
        check_types(child, &op_context, schema)?;
    }
    Ok(())
}

/// The error of a date column used as a number.
fn date_as_number(info: &ColumnInfo, span: Span) -> Diagnostic {
    let name = &info.name;
    Diagnostic::new(
        "mlg::column_type",
        format!("`{name}` is a date, not a number"),
        span,
        "date column",
    )
    .with_help(format!(
        "take a number from it: year({name}), month({name}), day({name}), weekday({name}), \
         hour({name}), epoch({name}) (days since 1970-01-01), or days_between(a, {name})"
    ))
}

/// Checks that `arg`, an argument of date function `func`, names a date
/// column.
fn date_argument(func: Func, arg: &ExprAst, schema: &Schema) -> Result<(), Diagnostic> {
    let found = match &arg.kind {
        ExprNode::Column(name) => {
            let info = schema
                .get(name)
                .ok_or_else(|| missing_column(name, arg.span, schema))?;
            if info.kind == ColumnKind::Date {
                return Ok(());
            }
            format!("`{name}` is {}", kind_word(info.kind))
        }
        _ => "this is an expression".to_string(),
    };
    Err(Diagnostic::new(
        "mlg::column_type",
        format!("`{}` takes a date column, but {found}", func.name()),
        arg.span,
        "not a date column",
    )
    .with_help(
        "name a column read as dates: ISO-8601 text (2024-03-01, 2024-03-01T13:45) is read as dates, \
         or declare one with csv(..., types = { signup = \"date\" })",
    ))
}

/// "cannot divide strings: `island` is categorical", with how to encode it.
fn categorical(info: &ColumnInfo, span: Span, context: &str) -> Diagnostic {
    let name = &info.name;
    let example = match info.levels.first() {
        Some(level) => format!(", then use columns such as `{name}={level}`"),
        None => String::new(),
    };
    Diagnostic::new(
        "mlg::column_type",
        format!("{context} `{name}` is categorical"),
        span,
        "categorical column",
    )
    .with_help(format!(
        "encode it before `derive` with one_hot, ordinal or target_encode, e.g. \
         `-> one_hot(cols(\"{name}\"))`{example}"
    ))
}

fn kind_word(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Numeric => "numeric",
        ColumnKind::Categorical => "categorical",
        ColumnKind::Date => "date",
    }
}
