//! Column selectors and the schema each features step produces, at check time.

use super::catalog::{ColumnInfo, ColumnKind, Params, Schema, SchemaRule};
use super::stage::Selector;
use mlg_dsl::ast::{Expr, ExprKind};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::{Diagnostic, Span};

const SELECTOR_HELP: &str = "selectors: numeric, categorical, dates, all, cols(\"a\", \"b\"), except(\"a\")";

/// True when `expr` is written like a selector (so a leading positional argument
/// of a features step is taken as one).
pub fn looks_like_selector(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Name(_) => true,
        ExprKind::Call(c) => matches!(c.name.name.as_str(), "cols" | "except"),
        _ => false,
    }
}

/// Parses a selector expression and checks that named columns exist in `schema`.
pub fn parse_selector(expr: &Expr, schema: &Schema) -> Result<Selector, Diagnostic> {
    match &expr.kind {
        ExprKind::Name(n) => match n.as_str() {
            "all" => Ok(Selector::All),
            "numeric" => Ok(Selector::Numeric),
            "categorical" => Ok(Selector::Categorical),
            "dates" => Ok(Selector::Dates),
            other => {
                let help = if schema.get(other).is_some() {
                    format!("to select the column `{other}`, write cols(\"{other}\")")
                } else {
                    match did_you_mean(other, ["all", "numeric", "categorical", "dates"]) {
                        Some(best) => format!("did you mean `{best}`? {SELECTOR_HELP}"),
                        None => SELECTOR_HELP.to_string(),
                    }
                };
                Err(Diagnostic::new(
                    "mlg::selector",
                    format!("unknown column selector `{other}`"),
                    expr.span,
                    "not a selector",
                )
                .with_help(help))
            }
        },
        ExprKind::Call(call) if matches!(call.name.name.as_str(), "cols" | "except") => {
            let mut names = Vec::new();
            for arg in &call.args {
                let name = match (&arg.name, &arg.value.kind) {
                    (None, ExprKind::Str(s)) => s,
                    _ => {
                        return Err(Diagnostic::new(
                            "mlg::selector",
                            format!("`{}` takes quoted column names", call.name.name),
                            arg.span,
                            "expected a string such as \"age\"",
                        ))
                    }
                };
                if schema.get(name).is_none() {
                    return Err(missing_column(name, arg.value.span, schema));
                }
                names.push(name.clone());
            }
            if names.is_empty() {
                return Err(Diagnostic::new(
                    "mlg::selector",
                    format!("`{}` needs at least one column name", call.name.name),
                    call.span,
                    "no columns given",
                ));
            }
            Ok(if call.name.name == "cols" {
                Selector::Cols(names)
            } else {
                Selector::Except(names)
            })
        }
        _ => Err(Diagnostic::new(
            "mlg::selector",
            "expected a column selector",
            expr.span,
            "not a selector",
        )
        .with_help(SELECTOR_HELP)),
    }
}

/// The error for a column that does not exist, listing those that do.
pub fn missing_column(name: &str, span: Span, schema: &Schema) -> Diagnostic {
    let names: Vec<&str> = schema.columns.iter().map(|c| c.name.as_str()).collect();
    let mut help = format!("columns: {}", names.join(", "));
    if let Some(best) = did_you_mean(name, names.iter().copied()) {
        help = format!("did you mean `{best}`? {help}");
    }
    Diagnostic::new(
        "mlg::missing_column",
        format!("no column named `{name}`"),
        span,
        "not in the schema",
    )
    .with_help(help)
}

/// The columns `date_parts` makes of a date column `d`, in order: `d_year`,
/// `d_month`, `d_day`, `d_weekday`, `d_hour` (the `derive` functions of
/// the same names).
pub const DATE_PARTS: [&str; 5] = ["year", "month", "day", "weekday", "hour"];

/// Names of the columns of `schema` that `selector` picks, in schema order.
pub fn select<'a>(selector: &Selector, schema: &'a Schema) -> Vec<&'a ColumnInfo> {
    schema
        .columns
        .iter()
        .filter(|c| match selector {
            Selector::All => true,
            Selector::Numeric => c.kind == ColumnKind::Numeric,
            Selector::Categorical => c.kind == ColumnKind::Categorical,
            Selector::Dates => c.kind == ColumnKind::Date,
            Selector::Cols(names) => names.contains(&c.name),
            Selector::Except(names) => !names.contains(&c.name),
        })
        .collect()
}

/// The monomials of degree 2 ..= `degree` over `names` (in order, each a list of
/// column indices, non-decreasing) with their column names: factors joined by
/// `*`, repeated factors as powers (`a^2`, `a*b`, `a^2*b`). `interaction_only`
/// keeps products of distinct columns only. Shared by the checker and the
/// `polynomial` step so both name columns alike.
pub fn monomials(names: &[String], degree: usize, interaction_only: bool) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    for d in 2..=degree {
        let mut combo = vec![0usize; d];
        loop {
            let distinct = combo.windows(2).all(|w| w[0] < w[1]);
            if !interaction_only || distinct {
                out.push((monomial_name(names, &combo), combo.clone()));
            }
            // Next non-decreasing combination of `d` indices below `names.len()`.
            let Some(pos) = (0..d).rev().find(|&i| combo[i] + 1 < names.len()) else {
                break;
            };
            let next = combo[pos] + 1;
            combo[pos..].iter_mut().for_each(|c| *c = next);
        }
        if names.is_empty() {
            break;
        }
    }
    out
}

fn monomial_name(names: &[String], combo: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < combo.len() {
        let run = combo[i..].iter().take_while(|&&c| c == combo[i]).count();
        let name = &names[combo[i]];
        parts.push(if run == 1 {
            name.clone()
        } else {
            format!("{name}^{run}")
        });
        i += run;
    }
    parts.join("*")
}

/// The schema after a step with `rule` and checked `params` acts on `selected`;
/// `Err` names a column of the wrong kind.
pub fn apply_rule(
    rule: SchemaRule,
    schema: &Schema,
    selected: &[String],
    params: &Params,
) -> Result<Schema, (String, ColumnKind)> {
    let numeric = |c: &ColumnInfo| ColumnInfo {
        name: c.name.clone(),
        kind: ColumnKind::Numeric,
        missing: 0,
        levels: Vec::new(),
    };
    let needs = |kind: ColumnKind| -> Result<(), (String, ColumnKind)> {
        for c in schema.columns.iter().filter(|c| selected.contains(&c.name)) {
            if c.kind != kind {
                return Err((c.name.clone(), c.kind));
            }
        }
        Ok(())
    };
    let int = |name: &str| {
        params
            .get(name)
            .and_then(|v| v.as_i64())
            .map(|v| v.max(0) as usize)
    };
    match rule {
        SchemaRule::Subset => {
            needs(ColumnKind::Numeric)?;
            return Ok(schema.clone());
        }
        SchemaRule::MaybeDrop => return Ok(schema.clone()),
        SchemaRule::Drop => {
            let columns = schema
                .columns
                .iter()
                .filter(|c| !selected.contains(&c.name))
                .cloned()
                .collect();
            return Ok(Schema {
                columns,
                rows: schema.rows,
            });
        }
        SchemaRule::Project { prefix, n_param, .. } => {
            needs(ColumnKind::Numeric)?;
            let n = int(n_param).unwrap_or(selected.len());
            let mut out = Schema {
                columns: Vec::new(),
                rows: schema.rows,
            };
            let mut placed = false;
            for col in &schema.columns {
                if !selected.contains(&col.name) {
                    out.columns.push(col.clone());
                } else if !placed {
                    placed = true;
                    for k in 1..=n {
                        out.columns.push(numeric(&ColumnInfo {
                            name: format!("{prefix}{k}"),
                            ..col.clone()
                        }));
                    }
                }
            }
            return Ok(out);
        }
        SchemaRule::Polynomial => {
            needs(ColumnKind::Numeric)?;
            let degree = int("degree").unwrap_or(2);
            let only = params
                .get("interaction_only")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            let mut out = schema.clone();
            let missing: Vec<usize> = selected
                .iter()
                .map(|n| schema.get(n).map_or(0, |c| c.missing))
                .collect();
            for (name, factors) in monomials(selected, degree, only) {
                out.columns.push(ColumnInfo {
                    name,
                    kind: ColumnKind::Numeric,
                    // A product is missing wherever a factor is; the sum bounds the count.
                    missing: factors.iter().map(|&f| missing[f]).sum(),
                    levels: Vec::new(),
                });
            }
            return Ok(out);
        }
        _ => {}
    }
    let mut out = Schema {
        columns: Vec::new(),
        rows: schema.rows,
    };
    for col in &schema.columns {
        if !selected.contains(&col.name) {
            out.columns.push(col.clone());
            continue;
        }
        match rule {
            SchemaRule::InPlace {
                fills_missing,
                numeric_only,
            } => {
                if numeric_only && col.kind != ColumnKind::Numeric {
                    return Err((col.name.clone(), col.kind));
                }
                let mut c = col.clone();
                if fills_missing {
                    c.missing = 0;
                }
                out.columns.push(c);
            }
            SchemaRule::Encode { fills_missing } => {
                if col.kind != ColumnKind::Categorical {
                    return Err((col.name.clone(), col.kind));
                }
                let mut c = numeric(col);
                c.missing = if fills_missing { 0 } else { col.missing };
                out.columns.push(c);
            }
            SchemaRule::DateParts => {
                if col.kind != ColumnKind::Date {
                    return Err((col.name.clone(), col.kind));
                }
                for part in DATE_PARTS {
                    out.columns.push(ColumnInfo {
                        name: format!("{}_{part}", col.name),
                        kind: ColumnKind::Numeric,
                        missing: col.missing,
                        levels: Vec::new(),
                    });
                }
            }
            SchemaRule::OneHot => {
                if col.kind != ColumnKind::Categorical {
                    return Err((col.name.clone(), col.kind));
                }
                for level in &col.levels {
                    out.columns.push(ColumnInfo {
                        name: format!("{}={}", col.name, level),
                        kind: ColumnKind::Numeric,
                        missing: 0,
                        levels: Vec::new(),
                    });
                }
            }
            SchemaRule::Subset
            | SchemaRule::Drop
            | SchemaRule::MaybeDrop
            | SchemaRule::Project { .. }
            | SchemaRule::Polynomial => {}
        }
    }
    Ok(out)
}
