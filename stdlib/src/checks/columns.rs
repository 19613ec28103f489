//! Check-time warnings about data columns that reach a model as they are
//! but are unlikely to help it: ID-like columns and categoricals of very
//! many levels. They are warnings, not errors: the workflow still runs.

use mlg_compiler::workflow::{self, StageKind};
use mlg_dsl::Diagnostic;
use mlg_runtime::frame::{Column, ColumnData, Frame};
use std::collections::HashMap;
use std::sync::Arc;

/// A categorical column with more levels than this gets `mlg::many_levels`.
pub const MANY_LEVELS: usize = 50;
/// Fewer rows than this never make a column look like an ID.
const ID_MIN_ROWS: usize = 20;

/// What is wrong with one column.
#[derive(Clone, Copy)]
enum Finding {
    /// Text with every present value distinct.
    DistinctText(usize),
    /// Whole numbers, none missing, strictly increasing or decreasing.
    Sequence,
    /// Text of this many levels (not all distinct).
    ManyLevels(usize),
}

/// Whether the text `level` reads as an ISO-8601 date (`YYYY-MM-DD...`).
fn looks_like_date(level: &str) -> bool {
    let b = level.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

fn finding(column: &Column, n_rows: usize) -> Option<Finding> {
    let present = column.missing.iter().filter(|&&m| !m).count();
    match &column.data {
        ColumnData::Categorical { codes, levels } => {
            let mut seen = vec![false; levels.len()];
            for (&code, &missing) in codes.iter().zip(&column.missing) {
                if !missing {
                    seen[code as usize] = true;
                }
            }
            let distinct = seen.iter().filter(|&&s| s).count();
            if present >= ID_MIN_ROWS && distinct == present {
                Some(Finding::DistinctText(distinct))
            } else if distinct > MANY_LEVELS {
                Some(Finding::ManyLevels(distinct))
            } else {
                None
            }
        }
        ColumnData::Numeric(values) => {
            let whole = values.iter().all(|v| v.is_finite() && v.fract() == 0.0);
            let up = values.windows(2).all(|w| w[0] < w[1]);
            let down = values.windows(2).all(|w| w[0] > w[1]);
            (n_rows >= ID_MIN_ROWS && present == n_rows && whole && (up || down)).then_some(Finding::Sequence)
        }
    }
}

/// Whether a stage whose output columns are `names` still carries `column`
/// (itself, or a column made from it such as `column=level`).
fn carries(names: &[&str], column: &str) -> bool {
    names.iter().any(|n| {
        n.strip_prefix(column)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['=', '#', '[', '.', ':', '(']))
    })
}

/// `mlg::id_column` and `mlg::many_levels` warnings for the columns of each
/// data stage in `frames` that a model or a features stage reading the
/// stage directly keeps (a features stage that drops the column silences
/// it), underlining the data statement.
pub fn column_warnings(
    checked: &workflow::Workflow,
    frames: &HashMap<String, Arc<Frame>>,
) -> Vec<Diagnostic> {
    let graph = &checked.graph;
    let mut out = Vec::new();
    for &id in graph.order() {
        let stage = graph.stage(id);
        let StageKind::Data(data) = &stage.kind else {
            continue;
        };
        let Some(frame) = frames.get(&stage.name) else {
            continue;
        };
        // The output columns of every stage reading this one directly; a model
        // on the data keeps every column.
        let readers: Vec<Vec<&str>> = graph
            .order()
            .iter()
            .map(|&r| graph.stage(r))
            .filter_map(|r| match &r.kind {
                StageKind::Features(f) if f.input == stage.name => {
                    Some(r.schema.columns.iter().map(|c| c.name.as_str()).collect())
                }
                StageKind::Model(m) if m.input == stage.name => {
                    Some(frame.columns.iter().map(|c| c.name.as_str()).collect())
                }
                _ => None,
            })
            .collect();
        for column in &frame.columns {
            if data.target.as_deref() == Some(column.name.as_str())
                || !readers.iter().any(|names| carries(names, &column.name))
            {
                continue;
            }
            if let Some(found) = finding(column, frame.n_rows) {
                out.push(warning(&stage.name, column, found, stage.span));
            }
        }
    }
    out
}

fn warning(data: &str, column: &Column, found: Finding, span: mlg_dsl::Span) -> Diagnostic {
    let name = &column.name;
    let drop = format!("drop it before the model: `features f = {data} -> drop(cols(\"{name}\")) -> ...`");
    let date = match &column.data {
        ColumnData::Categorical { levels, .. } => levels.first().is_some_and(|l| looks_like_date(l)),
        ColumnData::Numeric(_) => false,
    };
    let (code, message, help) = match found {
        Finding::DistinctText(n) if date => (
            "mlg::id_column",
            format!("column `{name}` of `{data}` holds dates read as text: its {n} distinct values become {n} categories"),
            format!(
                "some value is no ISO-8601 date, so the column is text; declare \
                 `types = {{ {name} = \"date\" }}` to be told which line, or {drop}"
            ),
        ),
        Finding::DistinctText(n) => (
            "mlg::id_column",
            format!("column `{name}` of `{data}` looks like an ID: all {n} values are distinct"),
            format!("an ID tells rows apart but says nothing about new rows, and one_hot would make {n} columns of it; {drop}"),
        ),
        Finding::Sequence => (
            "mlg::id_column",
            format!("column `{name}` of `{data}` looks like a row number: whole numbers that only go one way"),
            format!("a model would learn the row order, which new rows do not share; {drop}"),
        ),
        Finding::ManyLevels(n) => (
            "mlg::many_levels",
            format!("column `{name}` of `{data}` has {n} levels (more than {MANY_LEVELS})"),
            if date {
                format!(
                    "they look like dates, but some value is no ISO-8601 date; declare \
                     `types = {{ {name} = \"date\" }}` to be told which line, or {drop}"
                )
            } else {
                format!(
                    "one_hot would make {n} sparse columns: encode it with \
                     `target_encode(cols(\"{name}\"))`, or {drop}"
                )
            },
        ),
    };
    Diagnostic::new(code, message, span, format!("`{name}` is read here")).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, values: &[String]) -> Column {
        let mut levels: Vec<String> = values.to_vec();
        levels.sort();
        levels.dedup();
        let codes = values
            .iter()
            .map(|v| levels.binary_search(v).unwrap() as u32)
            .collect();
        Column::categorical(name, codes, levels, vec![false; values.len()])
    }

    #[test]
    fn ids_sequences_and_many_levels_are_found_and_measurements_are_not() {
        let ids: Vec<String> = (0..30).map(|i| format!("C{i:04}")).collect();
        assert!(matches!(
            finding(&text("id", &ids), 30),
            Some(Finding::DistinctText(30))
        ));
        let rows = Column::numeric("row", (1..=30).map(f64::from).collect());
        assert!(matches!(finding(&rows, 30), Some(Finding::Sequence)));
        let cities: Vec<String> = (0..120).map(|i| format!("city{}", i % 60)).collect();
        assert!(matches!(
            finding(&text("city", &cities), 120),
            Some(Finding::ManyLevels(60))
        ));
        let few: Vec<String> = (0..120).map(|i| format!("c{}", i % 3)).collect();
        assert!(finding(&text("c", &few), 120).is_none());
        // Distinct real measurements, and whole numbers out of order, are fine.
        let heights = Column::numeric("h", (0..30).map(|i| 150.0 + f64::from(i) * 0.37).collect());
        assert!(finding(&heights, 30).is_none());
        let counts = Column::numeric("n", (0..30).map(|i| f64::from((i * 7) % 30)).collect());
        assert!(finding(&counts, 30).is_none());
        assert!(looks_like_date("2021-03-04") && !looks_like_date("20210304"));
    }

    #[test]
    fn a_dropped_or_encoded_column_is_told_apart() {
        assert!(carries(&["id", "x"], "id"));
        assert!(carries(&["city=Paris", "x"], "city"));
        assert!(!carries(&["id_type", "x"], "id"));
    }
}
