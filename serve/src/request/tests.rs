//! Unit tests of the `/predict` body decoder: both forms, ids, kinds,
//! missing and unknown columns, and the error messages.

use super::*;
use mlg_runtime::ColumnData;

fn schema() -> Schema {
    Schema::new(&[
        InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        },
        InputSlot {
            name: "c".into(),
            kind: SlotKind::Categorical {
                levels: vec!["a".into(), "b".into()],
            },
        },
    ])
}

fn error(body: &str) -> RequestError {
    match parse(&schema(), body.as_bytes(), true) {
        Ok(batch) => panic!("accepted {body}: {batch:?}"),
        Err(e) => e,
    }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn rows_and_columns_build_the_same_batch() {
    let rows = parse(
        &schema(),
        br#"{"rows": [{"x": 1.5, "c": "b"}, {"c": "zzz", "x": null}, {"x": -2, "c": null}]}"#,
        true,
    )
    .unwrap();
    let columns = parse(
        &schema(),
        br#"{"columns": {"c": ["b", "zzz", null], "x": [1.5, null, -2]}}"#,
        true,
    )
    .unwrap();
    assert_eq!(rows.n_rows, 3);
    let expected = [1.5, 1.0, f32::NAN, UNSEEN, -2.0, f32::NAN];
    assert_eq!(bits(&rows.rows), bits(&expected));
    assert_eq!(bits(&columns.rows), bits(&expected));
    // NaN makes `Frame: PartialEq` unequal to itself; compare the text.
    assert_eq!(format!("{:?}", rows.frame), format!("{:?}", columns.frame));
    assert_eq!(rows.frame.names(), ["x", "c"]);
    let c = rows.frame.column("c").unwrap();
    assert_eq!(c.missing, [false, false, true]);
    let ColumnData::Categorical { codes, levels } = &c.data else {
        panic!("c is categorical")
    };
    assert_eq!(levels, &["b", "zzz"]);
    assert_eq!(&codes[..2], &[0, 1]);
}

#[test]
fn unknown_columns_are_ignored_and_listed_unless_strict() {
    let rows = parse(
        &schema(),
        br#"{"rows": [{"x": 1.5, "c": "b"}, {"x": 2, "c": "a", "note": "hi"}]}"#,
        false,
    )
    .unwrap();
    assert_eq!(rows.ignored, ["note"]);
    assert_eq!(bits(&rows.rows), bits(&[1.5, 1.0, 2.0, 0.0]));
    assert!(rows.ids.is_empty());
    let columns = parse(
        &schema(),
        br#"{"columns": {"x": [1.5], "tag": "not even an array", "c": ["b"]}}"#,
        false,
    )
    .unwrap();
    assert_eq!(columns.ignored, ["tag"]);
    assert_eq!(bits(&columns.rows), bits(&[1.5, 1.0]));
    let e = parse(&schema(), br#"{"rows": [{"tag": 7, "x": 1.5, "c": "b"}]}"#, true).unwrap_err();
    assert_eq!((e.status, e.column.as_deref()), (422, Some("tag")));
    assert!(e.message.contains("--strict-columns"), "{}", e.message);
}

#[test]
fn ids_name_rows_in_both_forms_and_are_never_unknown_columns() {
    let rows = parse(
        &schema(),
        br#"{"rows": [{"id": 7, "x": 1.5, "c": "b"}, {"x": 2, "c": "a"}, {"id": "r3", "x": 0, "c": "a"}]}"#,
        true,
    )
    .unwrap();
    assert_eq!(rows.ids, [Some("7".to_string()), None, Some("r3".to_string())]);
    assert!(rows.ignored.is_empty());
    let columns = parse(
        &schema(),
        br#"{"columns": {"id": [0.5, null], "x": [1.5, 2], "c": ["b", "a"]}}"#,
        true,
    )
    .unwrap();
    assert_eq!(columns.ids, [Some("0.5".to_string()), None]);
    let e = parse(
        &schema(),
        br#"{"rows": [{"id": [1], "x": 1.5, "c": "b"}]}"#,
        false,
    )
    .unwrap_err();
    assert_eq!(
        e.message,
        "rows[0]: `id` must be a string or a number, got an array"
    );
    let e = parse(
        &schema(),
        br#"{"columns": {"id": [1], "x": [1, 2], "c": ["a", "b"]}}"#,
        false,
    )
    .unwrap_err();
    assert!(
        e.message.contains("has 2 values but column `id` has 1"),
        "{}",
        e.message
    );
}

#[test]
fn empty_batches_are_fine() {
    assert_eq!(parse(&schema(), br#"{"rows": []}"#, true).unwrap().n_rows, 0);
    assert_eq!(
        parse(&schema(), br#"{"columns": {"x": [], "c": []}}"#, true)
            .unwrap()
            .n_rows,
        0
    );
}

#[test]
fn malformed_bodies_are_400() {
    for body in [
        "",
        "{",
        "{\"rows\": [}",
        "[1, 2]",
        "{\"rows\": 5}",
        "{\"row\": []}",
        "{}",
        "{\"rows\": [], \"columns\": {}}",
        "{\"rows\": [5]}",
        "{\"rows\": [{\"x\": 1, \"c\": \"a\"}]} trailing",
    ] {
        let e = error(body);
        assert_eq!(e.status, 400, "{body}: {e:?}");
        assert_eq!(e.column, None);
    }
    assert!(error("{").message.starts_with("malformed JSON"));
}

#[test]
fn column_problems_are_422_naming_the_column() {
    let cases = [
        (
            r#"{"rows": [{"x": 1, "c": "a", "y": 2}]}"#,
            "y",
            "unknown column `y`",
        ),
        (
            r#"{"rows": [{"x": 1, "c": "a"}, {"x": 1}]}"#,
            "c",
            "rows[1]: missing column `c`",
        ),
        (r#"{"rows": [{"x": "1", "c": "a"}]}"#, "x", "is numeric"),
        (r#"{"rows": [{"x": 1, "c": 2}]}"#, "c", "is categorical"),
        (r#"{"rows": [{"x": true, "c": "a"}]}"#, "x", "got a boolean"),
        (r#"{"rows": [{"x": [1], "c": "a"}]}"#, "x", "got an array"),
        (r#"{"rows": [{"x": 1, "x": 2, "c": "a"}]}"#, "x", "appears twice"),
        (
            r#"{"columns": {"x": [1, 2], "c": ["a"]}}"#,
            "c",
            "has 1 values but column `x` has 2",
        ),
        (r#"{"columns": {"x": [1]}}"#, "c", "missing column `c`"),
        (r#"{"columns": {"x": 1, "c": ["a"]}}"#, "x", "must be an array"),
        (
            r#"{"columns": {"x": [1], "c": ["a"], "q": []}}"#,
            "q",
            "unknown column `q`",
        ),
        (r#"{"columns": {"x": ["no"], "c": ["a"]}}"#, "x", "columns.x[0]"),
    ];
    for (body, column, text) in cases {
        let e = error(body);
        assert_eq!(e.status, 422, "{body}: {e:?}");
        assert_eq!(e.column.as_deref(), Some(column), "{body}: {e:?}");
        assert!(e.message.contains(text), "{body}: {}", e.message);
        assert!(
            e.message.contains(&format!("`{column}`")),
            "{body}: {}",
            e.message
        );
    }
}

#[test]
fn many_distinct_levels_keep_their_codes() {
    let values: Vec<String> = (0..100).map(|i| format!("\"v{}\"", i % 40)).collect();
    let xs = vec!["1"; 100].join(",");
    let body = format!(r#"{{"columns": {{"x": [{xs}], "c": [{}]}}}}"#, values.join(","));
    let batch = parse(&schema(), body.as_bytes(), true).unwrap();
    let ColumnData::Categorical { codes, levels } = &batch.frame.column("c").unwrap().data else {
        panic!("c is categorical")
    };
    assert_eq!(levels.len(), 40);
    for (row, code) in codes.iter().enumerate() {
        assert_eq!(levels[*code as usize], format!("v{}", row % 40));
    }
}

#[test]
fn escaped_keys_and_long_strings_are_handled() {
    let batch = parse(&schema(), br#"{"rows": [{"\u0078": 3, "c": "\u0061"}]}"#, true).unwrap();
    assert_eq!(bits(&batch.rows), bits(&[3.0, 0.0]));
    let long = "q".repeat(100);
    let e = error(&format!(r#"{{"rows": [{{"x": "{long}", "c": "a"}}]}}"#));
    assert!(e.message.len() < 200, "{}", e.message);
}
