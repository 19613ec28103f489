//! Checks of `data` statements: file sources (`csv`, `parquet`) read their schema
//! through the [`SchemaSource`](super::catalog::SchemaSource); `join` and `concat`
//! derive theirs from their input stages and check keys and column agreement.
//!
//! `csv(..., types = { col = "categorical" | "numeric" })` declares column kinds
//! that replace the reader's inference: an unknown type name
//! (`mlg::type_name`), a value that is not a string (`mlg::param_type`), a key
//! given twice (`mlg::duplicate_key`) and a column the file lacks
//! (`mlg::missing_column`, with "did you mean") are errors at the key or value.

use super::args::bind;
use super::catalog::{ColumnInfo, ColumnKind, OpKind, Params, Schema};
use super::check::{Checked, Checker};
use super::columns::missing_column;
use super::stage::{DataSource, DataStage, Stage, StageKind};
use mlg_dsl::ast::{Arg, Call, DataStmt, ExprKind, Setting};
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::{Diagnostic, Span};

/// The span of the value of parameter `param` in `call` (named, or the
/// `position`-th positional argument), else the call's span.
fn arg_span(call: &Call, param: &str, position: usize) -> Span {
    call.args
        .iter()
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == param))
        .or_else(|| call.args.iter().filter(|a| a.name.is_none()).nth(position))
        .map_or(call.span, |a| a.value.span)
}

fn text(params: &Params, name: &str) -> Option<String> {
    params.get(name).and_then(|v| v.as_str()).map(str::to_string)
}

/// The stage's features view: every column but the target.
fn features_of(full: &Schema, target: Option<&str>) -> Schema {
    Schema {
        columns: full
            .columns
            .iter()
            .filter(|c| Some(c.name.as_str()) != target)
            .cloned()
            .collect(),
        rows: full.rows,
    }
}

/// A source call's input stages (each with its argument's span) and the
/// arguments left for parameter binding.
type Inputs<'s, 'c> = (Vec<(&'s Stage, Span)>, &'c [Arg]);

impl Checker<'_> {
    pub(super) fn data(&self, s: &DataStmt) -> Checked {
        let spec = self.op(&s.source.name, OpKind::Source).map_err(|d| vec![d])?;
        let (inputs, rest) = self.data_inputs(&s.source)?;
        let params = bind(self.catalog, spec, &s.source, rest)?;
        let (source, full, inherited) = match spec.name {
            "join" => self.join(s, &inputs, &params)?,
            "concat" => self.concat(s, &inputs)?,
            format => {
                if let Some(extra) = inputs.first() {
                    return Err(vec![Diagnostic::new(
                        "mlg::wrong_input",
                        format!("`{format}` reads a file; it takes no data stages"),
                        extra.1,
                        "unexpected stage",
                    )]);
                }
                let path_text = text(&params, "path").unwrap_or_default();
                let path = self.base_dir.join(&path_text);
                let declared = declared_types(&s.source, &params)?;
                let mut types: Vec<(String, ColumnKind)> = declared
                    .iter()
                    .map(|(name, kind, _)| (name.clone(), *kind))
                    .collect();
                let read = |types: &[(String, ColumnKind)]| {
                    self.schemas
                        .schema_typed(format, &path, types)
                        .map_err(|message| {
                            let d = Diagnostic::new(
                                "mlg::data_file",
                                format!("cannot read data file `{path_text}`"),
                                arg_span(&s.source, "path", 0),
                                message,
                            );
                            // A file that is there has a content problem; the message says which.
                            vec![if path.is_file() {
                                d
                            } else {
                                d.with_help(self.path_help())
                            }]
                        })
                };
                let mut full = read(&types)?;
                // Text columns whose every value is an ISO-8601 date are
                // read as dates (the file is read once more, with them).
                let inferred: Vec<(String, ColumnKind)> = full
                    .columns
                    .iter()
                    .filter(|c| c.kind == ColumnKind::Categorical && !types.iter().any(|(n, _)| *n == c.name))
                    .filter(|c| crate::dates::all_dates(&c.levels))
                    .map(|c| (c.name.clone(), ColumnKind::Date))
                    .collect();
                if !inferred.is_empty() {
                    types.extend(inferred);
                    full = read(&types)?;
                }
                for column in &mut full.columns {
                    if types
                        .iter()
                        .any(|(n, k)| *n == column.name && *k == ColumnKind::Date)
                    {
                        column.kind = ColumnKind::Date;
                        column.levels.clear();
                    }
                }
                let unknown: Vec<Diagnostic> = declared
                    .iter()
                    .filter(|(name, _, _)| full.get(name).is_none())
                    .map(|(name, _, span)| missing_column(name, *span, &full))
                    .collect();
                if !unknown.is_empty() {
                    return Err(unknown);
                }
                (
                    DataSource::File {
                        format: format.to_string(),
                        path,
                        path_text,
                        types,
                    },
                    full,
                    None,
                )
            }
        };
        let target = text(&params, "target").or(inherited);
        if let Some(t) = &target {
            if full.get(t).is_none() {
                return Err(vec![missing_column(
                    t,
                    arg_span(&s.source, "target", usize::MAX),
                    &full,
                )]);
            }
        }
        let features = features_of(&full, target.as_deref());
        Ok((
            StageKind::Data(DataStage {
                source,
                target,
                schema: full,
            }),
            features,
        ))
    }

    /// The leading positional stage names of a source call (`join(a, b, ...)`),
    /// each with its data stage, and the remaining arguments.
    fn data_inputs<'c>(&self, call: &'c Call) -> Result<Inputs<'_, 'c>, Vec<Diagnostic>> {
        let n = call
            .args
            .iter()
            .take_while(|a| a.name.is_none() && matches!(a.value.kind, ExprKind::Name(_)))
            .count();
        let mut inputs = Vec::with_capacity(n);
        for arg in &call.args[..n] {
            let ExprKind::Name(name) = &arg.value.kind else {
                continue;
            };
            let stage = self.stage(name);
            if !matches!(stage.kind, StageKind::Data(_)) {
                return Err(vec![Diagnostic::new(
                    "mlg::wrong_input",
                    format!(
                        "`{}` combines data stages, but `{name}` is a `{}` stage",
                        call.name.name,
                        stage.kind.keyword()
                    ),
                    arg.value.span,
                    "not a data stage",
                )]);
            }
            inputs.push((stage, arg.value.span));
        }
        Ok((inputs, &call.args[n..]))
    }

    fn full_schema(stage: &Stage) -> (&Schema, Option<String>) {
        match &stage.kind {
            StageKind::Data(d) => (&d.schema, d.target.clone()),
            _ => (&stage.schema, None),
        }
    }

    fn join(
        &self,
        s: &DataStmt,
        inputs: &[(&Stage, Span)],
        params: &Params,
    ) -> Result<(DataSource, Schema, Option<String>), Vec<Diagnostic>> {
        let [(left, _), (right, _)] = inputs else {
            return Err(vec![Diagnostic::new(
                "mlg::join_inputs",
                format!("`join` takes exactly two data stages, found {}", inputs.len()),
                s.source.span,
                "e.g. join(left, right, on = \"id\")",
            )]);
        };
        let on = text(params, "on").unwrap_or_default();
        let how = text(params, "how").unwrap_or_else(|| "inner".into());
        let (ls, lt) = Self::full_schema(left);
        let (rs, rt) = Self::full_schema(right);
        let on_span = arg_span(&s.source, "on", usize::MAX);
        let mut errors = Vec::new();
        for (side, schema) in [(left, ls), (right, rs)] {
            if schema.get(&on).is_none() {
                let names: Vec<&str> = schema.columns.iter().map(|c| c.name.as_str()).collect();
                errors.push(
                    Diagnostic::new(
                        "mlg::join_key",
                        format!("join key `{on}` is missing from `{}`", side.name),
                        on_span,
                        format!("not a column of `{}`", side.name),
                    )
                    .with_help(format!(
                        "columns of `{}`: {}",
                        side.name,
                        names.join(", ")
                    )),
                );
            }
        }
        if let (Some(a), Some(b)) = (ls.get(&on), rs.get(&on)) {
            if a.kind != b.kind {
                errors.push(Diagnostic::new(
                    "mlg::join_key",
                    format!(
                        "join key `{on}` is {} in `{}` but {} in `{}`",
                        a.kind, left.name, b.kind, right.name
                    ),
                    on_span,
                    "key kinds differ",
                ));
            }
        }
        let keys_ok = errors.is_empty();
        for col in rs.columns.iter().filter(|c| c.name != on && keys_ok) {
            if ls.get(&col.name).is_some() {
                errors.push(Diagnostic::new(
                    "mlg::join_columns",
                    format!(
                        "column `{}` is in both `{}` and `{}`",
                        col.name, left.name, right.name
                    ),
                    s.source.span,
                    "ambiguous column",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut full = ls.clone();
        // Inner joins keep at most the left rows; left joins at least them. Right
        // columns of unmatched left rows are missing, which only the fit can see.
        full.columns
            .extend(rs.columns.iter().filter(|c| c.name != on).cloned());
        let source = DataSource::Join {
            left: left.name.clone(),
            right: right.name.clone(),
            on,
            how,
        };
        Ok((source, full, lt.or(rt)))
    }

    fn concat(
        &self,
        s: &DataStmt,
        inputs: &[(&Stage, Span)],
    ) -> Result<(DataSource, Schema, Option<String>), Vec<Diagnostic>> {
        if inputs.len() < 2 {
            return Err(vec![Diagnostic::new(
                "mlg::concat_inputs",
                format!("`concat` takes at least two data stages, found {}", inputs.len()),
                s.source.span,
                "e.g. concat(a, b)",
            )]);
        }
        let (first, target) = Self::full_schema(inputs[0].0);
        let mut full = first.clone();
        let mut errors = Vec::new();
        for (stage, span) in &inputs[1..] {
            let (schema, _) = Self::full_schema(stage);
            let quote = |names: Vec<&str>| {
                names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let lacks: Vec<&str> = first
                .columns
                .iter()
                .filter(|c| schema.get(&c.name).is_none())
                .map(|c| c.name.as_str())
                .collect();
            let extra: Vec<&str> = schema
                .columns
                .iter()
                .filter(|c| first.get(&c.name).is_none())
                .map(|c| c.name.as_str())
                .collect();
            let kinds: Vec<&str> = first
                .columns
                .iter()
                .filter(|c| schema.get(&c.name).is_some_and(|o| o.kind != c.kind))
                .map(|c| c.name.as_str())
                .collect();
            let mut problems = Vec::new();
            if !lacks.is_empty() {
                problems.push(format!("lacks {}", quote(lacks)));
            }
            if !extra.is_empty() {
                problems.push(format!("has extra {}", quote(extra)));
            }
            if !kinds.is_empty() {
                problems.push(format!("has other kinds for {}", quote(kinds)));
            }
            if !problems.is_empty() {
                errors.push(
                    Diagnostic::new(
                        "mlg::concat_columns",
                        format!(
                            "`concat` needs the same columns in every input, but `{}` differs from `{}`",
                            stage.name, inputs[0].0.name
                        ),
                        *span,
                        "columns differ",
                    )
                    .with_help(format!("`{}` {}", stage.name, problems.join("; "))),
                );
            }
            full.rows += schema.rows;
            for col in &mut full.columns {
                if let Some(other) = schema.get(&col.name) {
                    merge_column(col, other);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let parts = inputs.iter().map(|(stage, _)| stage.name.clone()).collect();
        Ok((DataSource::Concat { parts }, full, target))
    }
}

/// The column type names `types = {...}` accepts.
const TYPE_NAMES: [(&str, ColumnKind); 3] = [
    ("numeric", ColumnKind::Numeric),
    ("categorical", ColumnKind::Categorical),
    ("date", ColumnKind::Date),
];

/// The column kinds a source's `types = {...}` argument declares, each with its
/// key's span, or `mlg::type_name` errors for values that name no type.
fn declared_types(call: &Call, params: &Params) -> Result<Vec<(String, ColumnKind, Span)>, Vec<Diagnostic>> {
    let Some(entries) = params.get("types").and_then(|v| v.as_str_map()) else {
        return Ok(Vec::new());
    };
    let written: &[Setting] = call
        .args
        .iter()
        .map(|a| &a.value.kind)
        .find_map(|kind| match kind {
            ExprKind::Map(entries) => Some(entries.as_slice()),
            _ => None,
        })
        .unwrap_or(&[]);
    let spans = |key: &str| {
        written
            .iter()
            .find(|e| e.name.name == key)
            .map_or((call.span, call.span), |e| (e.name.span, e.value.span))
    };
    let mut declared = Vec::with_capacity(entries.len());
    let mut errors = Vec::new();
    for (column, type_name) in entries {
        let (key_span, value_span) = spans(column);
        match TYPE_NAMES.iter().find(|(name, _)| name == type_name) {
            Some((_, kind)) => declared.push((column.clone(), *kind, key_span)),
            None => {
                let names = TYPE_NAMES.map(|(name, _)| name);
                let mut help = "the column types are \"numeric\", \"categorical\" and \"date\"".to_string();
                if let Some(best) = did_you_mean(type_name, names) {
                    help = format!("did you mean \"{best}\"? {help}");
                }
                errors.push(
                    Diagnostic::new(
                        "mlg::type_name",
                        format!("unknown column type {type_name:?} for column `{column}`"),
                        value_span,
                        "not a column type",
                    )
                    .with_help(help),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(declared)
    } else {
        Err(errors)
    }
}

/// Adds `other`'s missing count and levels to `col` (same name and kind).
fn merge_column(col: &mut ColumnInfo, other: &ColumnInfo) {
    col.missing += other.missing;
    for level in &other.levels {
        if !col.levels.contains(level) {
            col.levels.push(level.clone());
        }
    }
    col.levels.sort();
}
