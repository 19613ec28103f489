//! CSV reading: type inference, missing tokens, errors naming file/line/column.

use mlg_compiler::workflow::catalog::{ColumnKind, SchemaSource};
use mlg_runtime::csv::{read_csv, read_csv_from, read_csv_typed};
use mlg_runtime::schema::CsvSchemaSource;
use mlg_runtime::{ColumnData, DataError};
use std::io::Write;

fn parse(text: &str) -> Result<mlg_runtime::Frame, DataError> {
    read_csv_from(text.as_bytes(), "test.csv")
}

fn temp_csv(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    file.write_all(bytes).unwrap();
    file
}

#[test]
fn infers_numeric_and_sorted_categorical_columns() {
    let frame = parse("x,species,n\n1.5,gentoo,3\n-2,adelie,NA\n3e2,gentoo,\n").unwrap();
    assert_eq!(frame.n_rows, 3);
    assert_eq!(frame.names(), vec!["x", "species", "n"]);
    assert_eq!(frame.columns[0].as_numeric().unwrap(), &[1.5, -2.0, 300.0]);
    match &frame.columns[1].data {
        ColumnData::Categorical { codes, levels } => {
            assert_eq!(levels, &["adelie", "gentoo"]);
            assert_eq!(codes, &[1, 0, 1]);
        }
        other @ ColumnData::Numeric(_) => panic!("expected categorical, got {other:?}"),
    }
    let n = frame.columns[2].as_numeric().unwrap();
    assert_eq!(n[0], 3.0);
    assert!(n[1].is_nan() && n[2].is_nan());
    assert_eq!(frame.columns[2].missing, vec![false, true, true]);
}

#[test]
fn missing_tokens_are_masked_in_both_kinds() {
    let text = "a,b\n na ,x\nNaN,NA\nN/A,null\nNULL, \n nan ,y\n";
    let frame = parse(text).unwrap();
    let a = &frame.columns[0];
    assert!(a.is_numeric(), "an all-missing column is numeric");
    assert_eq!(a.missing, vec![true; 5]);
    let b = &frame.columns[1];
    assert_eq!(b.missing, vec![false, true, true, true, false]);
    match &b.data {
        ColumnData::Categorical { codes, levels } => {
            assert_eq!(levels, &["x", "y"]);
            assert_eq!(codes, &[0, 0, 0, 0, 1], "missing entries hold code 0");
        }
        other @ ColumnData::Numeric(_) => panic!("expected categorical, got {other:?}"),
    }
}

#[test]
fn levels_sort_by_bytes_and_fields_are_trimmed() {
    let frame = parse("c\n b\nB \na\nb\n").unwrap();
    match &frame.columns[0].data {
        ColumnData::Categorical { codes, levels } => {
            assert_eq!(levels, &["B", "a", "b"]);
            assert_eq!(codes, &[2, 0, 1, 2]);
        }
        other @ ColumnData::Numeric(_) => panic!("expected categorical, got {other:?}"),
    }
}

#[test]
fn quoted_fields_keep_commas_and_quotes() {
    let frame = parse("name,v\n\"Smith, John\",1\n\"say \"\"hi\"\"\",2\n").unwrap();
    assert_eq!(frame.columns[0].display_value(0), "Smith, John");
    assert_eq!(frame.columns[0].display_value(1), "say \"hi\"");
    assert_eq!(frame.columns[1].as_numeric().unwrap(), &[1.0, 2.0]);
}

#[test]
fn header_only_gives_zero_rows_and_bom_is_ignored() {
    let frame = read_csv_from(&b"\xEF\xBB\xBFa,b\n"[..], "bom.csv").unwrap();
    assert_eq!(frame.n_rows, 0);
    assert_eq!(frame.names(), vec!["a", "b"]);
}

#[test]
fn wrong_field_count_names_file_and_line() {
    let err = parse("a,b,c\n1,2,3\n4,5\n").unwrap_err();
    match &err {
        DataError::Malformed { file, line, message } => {
            assert_eq!(file, "test.csv");
            assert_eq!(*line, 3);
            assert_eq!(message, "row 3 has 2 fields but the header has 3");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "test.csv:3: row 3 has 2 fields but the header has 3"
    );
}

#[test]
fn malformed_line_counts_multiline_quoted_fields() {
    let err = parse("a,b\n\"two\nlines\",1\n1,2,3\n").unwrap_err();
    assert!(matches!(err, DataError::Malformed { line: 4, .. }), "{err:?}");
}

#[test]
fn empty_duplicate_and_unnamed_headers_are_errors() {
    assert!(matches!(parse(""), Err(DataError::Empty { .. })));
    assert!(matches!(parse("\n\n"), Err(DataError::Empty { .. })));
    let dup = parse("a,b,a\n1,2,3\n").unwrap_err();
    assert!(
        matches!(&dup, DataError::DuplicateColumn { column, .. } if column == "a"),
        "{dup:?}"
    );
    let unnamed = parse("a,,c\n1,2,3\n").unwrap_err();
    assert!(matches!(unnamed, DataError::EmptyColumnName { index: 2, .. }));
}

#[test]
fn typed_read_of_bad_number_names_file_line_column_value() {
    let file = temp_csv(b"id,x,y\n1,2.5,a\n2,abc,b\n");
    let kinds = vec![
        ("x".to_string(), ColumnKind::Numeric),
        ("y".to_string(), ColumnKind::Categorical),
    ];
    let err = read_csv_typed(file.path(), &kinds).unwrap_err();
    let shown = file.path().display().to_string();
    match &err {
        DataError::Unparseable {
            file,
            line,
            column,
            value,
            ..
        } => {
            assert_eq!(file, &shown);
            assert_eq!(*line, 3);
            assert_eq!(column, "x");
            assert_eq!(value, "abc");
        }
        other => panic!("expected Unparseable, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains(&shown) && text.contains(":3:"), "{text}");
    assert!(
        text.contains("column `x`") && text.contains("cannot parse `abc` as a number"),
        "{text}"
    );
}

#[test]
fn typed_categorical_keeps_numeric_text_as_levels() {
    let file = temp_csv(b"code,v\n10,1\n9,2\nNA,3\n");
    let kinds = vec![("code".to_string(), ColumnKind::Categorical)];
    let frame = read_csv_typed(file.path(), &kinds).unwrap();
    match &frame.columns[0].data {
        ColumnData::Categorical { codes, levels } => {
            assert_eq!(levels, &["10", "9"]);
            assert_eq!(codes, &[0, 1, 0]);
        }
        other @ ColumnData::Numeric(_) => panic!("expected categorical, got {other:?}"),
    }
    assert_eq!(frame.columns[0].missing, vec![false, false, true]);
    assert!(frame.columns[1].is_numeric());
}

#[test]
fn non_utf8_bytes_are_an_error_naming_the_line() {
    let err = read_csv_from(&b"a,b\n1,x\n2,\xff\xfe\n"[..], "bad.csv").unwrap_err();
    assert!(
        matches!(&err, DataError::Utf8 { file, line: 3 } if file == "bad.csv"),
        "{err:?}"
    );
    let header = read_csv_from(&b"\xc3(\n1\n"[..], "h.csv").unwrap_err();
    assert!(matches!(header, DataError::Utf8 { line: 1, .. }), "{header:?}");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let err = read_csv(std::path::Path::new("/nonexistent/dir/data.csv")).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/dir/data.csv"));
}

#[test]
fn schema_source_reports_kinds_missing_and_levels() {
    let file = temp_csv(b"x,s\n1,b\n,a\n3,b\n");
    let schema = CsvSchemaSource.schema("csv", file.path()).unwrap();
    assert_eq!(schema.rows, 3);
    let x = schema.get("x").unwrap();
    assert_eq!((x.kind, x.missing), (ColumnKind::Numeric, 1));
    let s = schema.get("s").unwrap();
    assert_eq!(
        (s.kind, s.missing, s.levels.clone()),
        (ColumnKind::Categorical, 0, vec!["a".into(), "b".into()])
    );
    let bad = temp_csv(b"x,y\n1\n");
    let message = CsvSchemaSource.schema("csv", bad.path()).unwrap_err();
    assert!(
        message.contains("row 2 has 1 fields but the header has 2"),
        "{message}"
    );
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
        let _ = read_csv_from(bytes.as_slice(), "fuzz.csv");
    }

    #[test]
    fn csv_like_bytes_never_panic(text in "[a-c0-9,\"\n\r .-]{0,120}") {
        if let Ok(frame) = read_csv_from(text.as_bytes(), "fuzz.csv") {
            for column in &frame.columns {
                proptest::prop_assert_eq!(column.len(), frame.n_rows);
            }
        }
    }
}

#[test]
fn missing_categorical_entries_hold_code_zero() {
    let frame = mlg_runtime::csv::read_csv_from("s,x\nb,1\n,2\na,3\n".as_bytes(), "t.csv").unwrap();
    let col = frame.column("s").unwrap();
    match &col.data {
        mlg_runtime::ColumnData::Categorical { codes, levels } => {
            assert_eq!(levels, &["a", "b"]);
            assert_eq!(codes, &[1, 0, 0]);
        }
        other @ ColumnData::Numeric(_) => panic!("expected categorical, got {other:?}"),
    }
    assert_eq!(col.missing, [false, true, false]);
}
