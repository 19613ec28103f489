//! CSV kinds never change silently: a mostly numeric column with text is refused
//! naming the line, column and value; declared kinds override inference; numbers
//! outside `f32` are refused at read time.

use mlg_compiler::workflow::catalog::{ColumnKind, SchemaSource};
use mlg_runtime::csv::{read_csv_from, read_csv_typed_from};
use mlg_runtime::schema::CsvSchemaSource;
use mlg_runtime::{ColumnData, DataError};
use std::io::Write;

fn parse(text: &str) -> Result<mlg_runtime::Frame, DataError> {
    read_csv_from(text.as_bytes(), "t.csv")
}

/// `x,y` with `rows` data rows where `x` is the row number and `y` a label;
/// row `text_row` (1-based) holds `text` in `x`.
fn numbers_with_text_at(rows: usize, text_row: usize, text: &str) -> String {
    let mut csv = String::from("x,y\n");
    for i in 1..=rows {
        if i == text_row {
            csv.push_str(&format!("{text},b\n"));
        } else {
            csv.push_str(&format!("{i},a\n"));
        }
    }
    csv
}

#[test]
fn text_at_the_last_row_of_a_numeric_column_is_refused_naming_line_column_value() {
    let csv = numbers_with_text_at(10_000, 10_000, "abc");
    let err = parse(&csv).unwrap_err();
    match &err {
        DataError::MixedColumn {
            file,
            line,
            column,
            value,
            texts,
            values,
        } => {
            assert_eq!(
                (file.as_str(), *line, column.as_str(), value.as_str()),
                ("t.csv", 10_001, "x", "abc")
            );
            assert_eq!((*texts, *values), (1, 10_000));
        }
        other => panic!("expected MixedColumn, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.starts_with("t.csv:10001: column `x` holds numbers, but `abc` is not a number"),
        "{text}"
    );
    assert!(text.contains("types = { x = \"categorical\" }"), "{text}");
}

#[test]
fn declaring_the_column_categorical_reads_every_value_as_a_level() {
    let csv = numbers_with_text_at(50, 50, "abc");
    let kinds = [("x".to_string(), ColumnKind::Categorical)];
    let frame = read_csv_typed_from(csv.as_bytes(), "t.csv", &kinds).unwrap();
    match &frame.columns[0].data {
        ColumnData::Categorical { levels, .. } => {
            assert_eq!(levels.len(), 50);
            assert!(levels.contains(&"abc".to_string()) && levels.contains(&"7".to_string()));
        }
        other @ ColumnData::Numeric(_) => panic!("expected categorical, got {other:?}"),
    }
    // Declared numeric, the text is the usual parse error at its line.
    let kinds = [("x".to_string(), ColumnKind::Numeric)];
    let err = read_csv_typed_from(csv.as_bytes(), "t.csv", &kinds).unwrap_err();
    assert!(
        matches!(&err, DataError::Unparseable { line: 51, column, value, .. } if column == "x" && value == "abc"),
        "{err:?}"
    );
}

#[test]
fn mostly_text_columns_stay_categorical_with_numeric_looking_levels() {
    // Half or fewer of the values are numbers: categorical, as before.
    let frame = parse("c\nsmall\n2\nlarge\n10\nNA\n").unwrap();
    match &frame.columns[0].data {
        ColumnData::Categorical { levels, .. } => assert_eq!(levels, &["10", "2", "large", "small"]),
        other @ ColumnData::Numeric(_) => panic!("expected categorical, got {other:?}"),
    }
    // All numbers (missing tokens aside): numeric.
    assert!(parse("n\n1\nNA\n\n2.5\n").unwrap().columns[0].is_numeric());
    // Two numbers and one text: refused at the text.
    let err = parse("n\n1\noops\n2\n").unwrap_err();
    assert!(
        matches!(&err, DataError::MixedColumn { line: 3, value, texts: 1, values: 3, .. } if value == "oops"),
        "{err:?}"
    );
}

#[test]
fn the_earliest_refusal_is_reported_when_several_columns_fail() {
    let err = parse("a,b\n1,1\n2,2\n3,x\nq,4\n5,5\n").unwrap_err();
    assert!(
        matches!(&err, DataError::MixedColumn { line: 4, column, .. } if column == "b"),
        "{err:?}"
    );
}

#[test]
fn numbers_outside_f32_are_refused_with_line_column_and_value() {
    for bad in ["inf", "-inf", "infinity", "-Infinity", "1e39", "-3.5e38", "1e400"] {
        let text = format!("x,y\n1,a\n{bad},b\n2,c\n");
        let err = parse(&text).unwrap_err();
        match &err {
            DataError::OutOfRange {
                file,
                line,
                column,
                value,
            } => assert_eq!(
                (file.as_str(), *line, column.as_str(), value.as_str()),
                ("t.csv", 3, "x", bad)
            ),
            other => panic!("{bad}: expected OutOfRange, got {other:?}"),
        }
        assert!(
            err.to_string().starts_with(&format!(
                "t.csv:3: column `x`: `{bad}` is not a finite number in 32-bit floats"
            )),
            "{err}"
        );
        // The same when the column is declared numeric.
        let kinds = [("x".to_string(), ColumnKind::Numeric)];
        let typed = read_csv_typed_from(text.as_bytes(), "t.csv", &kinds).unwrap_err();
        assert!(
            matches!(typed, DataError::OutOfRange { line: 3, .. }),
            "{typed:?}"
        );
    }
    // The largest f32, written as Rust prints it, and NaN (missing) are fine.
    let frame = parse("x\n3.4028235e38\n-340282350000000000000000000000000000000\nNaN\n").unwrap();
    let x = frame.columns[0].as_numeric().unwrap();
    assert_eq!(x[0] as f32, f32::MAX);
    assert_eq!(x[1] as f32, -f32::MAX);
    assert!(frame.columns[0].missing[2]);
    // In a text column, `inf` is a level like any other.
    let frame = parse("c\nred\ninf\nblue\n").unwrap();
    assert!(!frame.columns[0].is_numeric());
}

#[test]
fn schema_source_applies_declared_kinds_and_refuses_them_for_parquet() {
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    file.write_all(numbers_with_text_at(10, 10, "abc").as_bytes())
        .unwrap();
    let refused = CsvSchemaSource.schema("csv", file.path()).unwrap_err();
    assert!(refused.contains("column `x` holds numbers"), "{refused}");
    let kinds = [("x".to_string(), ColumnKind::Categorical)];
    let schema = CsvSchemaSource.schema_typed("csv", file.path(), &kinds).unwrap();
    assert_eq!(schema.get("x").unwrap().kind, ColumnKind::Categorical);
    assert_eq!(schema.get("x").unwrap().levels.len(), 10);
    let parquet = CsvSchemaSource
        .schema_typed("parquet", file.path(), &kinds)
        .unwrap_err();
    assert!(parquet.contains("CSV only"), "{parquet}");
}
