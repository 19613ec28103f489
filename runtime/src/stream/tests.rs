//! Tests of chunked reading and prediction writing.

use super::*;
use crate::frame::ColumnData;
use crate::predictions::Predictions;
use mlg_compiler::ir::SlotKind;

fn slots() -> Vec<InputSlot> {
    vec![
        InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        },
        InputSlot {
            name: "c".into(),
            kind: SlotKind::Categorical {
                levels: vec!["a".into(), "b".into(), "2".into()],
            },
        },
    ]
}

fn all_chunks<R: Read>(mut chunks: RowChunks<R>) -> Result<Vec<Frame>, DataError> {
    let mut out = Vec::new();
    while let Some(frame) = chunks.next_chunk()? {
        out.push(frame);
    }
    Ok(out)
}

fn codes(frame: &Frame) -> (&[u32], &[String]) {
    match &frame.columns[1].data {
        ColumnData::Categorical { codes, levels } => (codes, levels),
        ColumnData::Numeric(_) => panic!("categorical expected"),
    }
}

#[test]
fn csv_rows_come_in_chunks_typed_by_the_schema() {
    let text = "c,extra,x\na,zz,1.5\nb,,NA\nnew,1,3\n2,1,4\na,1,5\n";
    let chunks = RowChunks::csv(text.as_bytes(), "in.csv", &slots(), 2).unwrap();
    let frames = all_chunks(chunks).unwrap();
    assert_eq!(frames.iter().map(|f| f.n_rows).collect::<Vec<_>>(), vec![2, 2, 1]);
    assert_eq!(frames[0].names(), vec!["x", "c"]);
    assert_eq!(frames[0].columns[0].missing, vec![false, true]);
    let (c, levels) = codes(&frames[1]);
    assert_eq!(c, &[3, 2]);
    assert_eq!(levels.last().map(String::as_str), Some("new"));
    let (_, levels) = codes(&frames[2]);
    assert_eq!(levels.len(), 3, "unseen levels do not pile up across chunks");
}

#[test]
fn csv_errors_name_the_file_line_and_column() {
    let err = RowChunks::csv("x,y\n1,2\n".as_bytes(), "in.csv", &slots(), 8)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("in.csv:1") && err.contains("`c`"), "{err}");
    let chunks = RowChunks::csv("x,c\n1,a\nabc,b\n".as_bytes(), "in.csv", &slots(), 8).unwrap();
    let err = all_chunks(chunks).unwrap_err().to_string();
    assert!(
        err.contains("in.csv:3") && err.contains("`x`") && err.contains("abc"),
        "{err}"
    );
    let chunks = RowChunks::csv("x,c\n1,a\n2\n".as_bytes(), "in.csv", &slots(), 8).unwrap();
    let err = all_chunks(chunks).unwrap_err().to_string();
    assert!(err.contains("in.csv:3"), "{err}");
}

#[test]
fn json_lines_take_numbers_strings_and_nulls() {
    let text = "{\"x\": 1, \"c\": \"b\"}\n\n{\"x\": null, \"c\": 2, \"other\": [1]}\n{\"x\": \"2.5\", \"c\": null}\n";
    let frames = all_chunks(RowChunks::json_lines(text.as_bytes(), "in.jsonl", &slots(), 10)).unwrap();
    assert_eq!(frames.len(), 1);
    let frame = &frames[0];
    assert_eq!(frame.n_rows, 3);
    assert_eq!(frame.columns[0].missing, vec![false, true, false]);
    assert_eq!(frame.columns[0].as_numeric().unwrap()[2], 2.5);
    let (c, _) = codes(frame);
    assert_eq!(&c[..2], &[1, 2]);
    assert_eq!(frame.columns[1].missing, vec![false, false, true]);
}

#[test]
fn bad_json_lines_name_their_line() {
    for (text, needle) in [
        (
            "{\"x\": 1, \"c\": \"a\"}\n{\"x\": 1\n",
            "in.jsonl:2: invalid JSON",
        ),
        (
            "{\"x\": 1, \"c\": \"a\"}\n\n[1, 2]\n",
            "in.jsonl:3: expected a JSON object",
        ),
        ("{\"c\": \"a\"}\n", "in.jsonl:1: no value for input column `x`"),
        ("{\"x\": true, \"c\": \"a\"}\n", "in.jsonl:1: column `x`"),
    ] {
        let err = all_chunks(RowChunks::json_lines(text.as_bytes(), "in.jsonl", &slots(), 10))
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn predictions_are_written_as_csv_and_json_lines() {
    let classes = vec!["no".to_string(), "yes".to_string()];
    let p = Predictions::new(classes.clone(), 2, vec![1.0, 0.25, 0.75, 0.0, 0.5, 0.5]);
    let mut csv = PredictionWriter::new(Vec::new(), Format::Csv, &classes, true).unwrap();
    csv.write(&p).unwrap();
    let text = String::from_utf8(csv.finish().unwrap()).unwrap();
    assert_eq!(text, "prediction,proba_no,proba_yes\nyes,0.25,0.75\nno,0.5,0.5\n");
    let mut json = PredictionWriter::new(Vec::new(), Format::JsonLines, &classes, false).unwrap();
    json.write(&p).unwrap();
    let text = String::from_utf8(json.finish().unwrap()).unwrap();
    assert_eq!(text, "{\"prediction\":\"yes\"}\n{\"prediction\":\"no\"}\n");
    let r = Predictions::new(Vec::new(), 2, vec![1.5, f32::NAN]);
    let mut json = PredictionWriter::new(Vec::new(), Format::JsonLines, &[], true).unwrap();
    json.write(&r).unwrap();
    let text = String::from_utf8(json.finish().unwrap()).unwrap();
    assert_eq!(text, "{\"prediction\":1.5}\n{\"prediction\":null}\n");
}

#[test]
fn labels_alone_are_written_as_the_csv_crate_writes_them() {
    // Labels that need quotes, an empty one, and rows with no valid class.
    let classes: Vec<String> = ["a,b", "say \"hi\"", "", "plain", "two\nlines"]
        .map(String::from)
        .into();
    let width = classes.len() + 1;
    let classes_of = [0.0, 1.0, 2.0, 3.0, 4.0, f32::NAN, 7.0, 1.5, -1.0];
    let mut values = Vec::new();
    for c in classes_of {
        values.push(c);
        values.extend(std::iter::repeat_n(0.2, width - 1));
    }
    let p = Predictions::new(classes.clone(), classes_of.len(), values);
    let mut csv = PredictionWriter::new(Vec::new(), Format::Csv, &classes, false).unwrap();
    csv.write(&p).unwrap();
    csv.write(&p).unwrap();
    let text = String::from_utf8(csv.finish().unwrap()).unwrap();
    let rows = "\"a,b\"\n\"say \"\"hi\"\"\"\n\"\"\nplain\n\"two\nlines\"\n\"\"\n\"\"\n\"\"\n\"\"\n";
    assert_eq!(text, format!("prediction\n{rows}{rows}"));
}

#[test]
fn json_keys_given_twice_are_refused_naming_line_and_key() {
    let text = "{\"x\": 1, \"c\": \"a\"}\n{\"x\": 1, \"c\": \"a\", \"x\": 2}\n";
    let err = all_chunks(RowChunks::json_lines(text.as_bytes(), "in.jsonl", &slots(), 10)).unwrap_err();
    assert!(
        matches!(&err, DataError::DuplicateKey { line: 2, key, .. } if key == "x"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "in.jsonl:2: key `x` appears more than once in the object"
    );
    // Even a key the model does not read.
    let text = "{\"x\": 1, \"c\": \"a\", \"id\": 1, \"id\": 2}\n";
    let err = all_chunks(RowChunks::json_lines(text.as_bytes(), "in.jsonl", &slots(), 10)).unwrap_err();
    assert!(
        matches!(&err, DataError::DuplicateKey { key, .. } if key == "id"),
        "{err:?}"
    );
}

#[test]
fn numbers_outside_f32_are_refused_with_their_text() {
    for (text, value) in [
        ("{\"x\": 1e39, \"c\": \"a\"}\n", "1e39"),
        ("{\"x\": -1e400, \"c\": \"a\"}\n", "-1e400"),
        ("{\"x\": \"inf\", \"c\": \"a\"}\n", "inf"),
    ] {
        let err = all_chunks(RowChunks::json_lines(text.as_bytes(), "in.jsonl", &slots(), 10)).unwrap_err();
        assert!(
            matches!(&err, DataError::OutOfRange { line: 1, column, value: v, .. } if column == "x" && v == value),
            "{err:?}"
        );
    }
    let chunks = RowChunks::csv("x,c\n1,a\n-Infinity,b\n".as_bytes(), "in.csv", &slots(), 8).unwrap();
    let err = all_chunks(chunks).unwrap_err();
    assert_eq!(
        err.to_string(),
        "in.csv:3: column `x`: `-Infinity` is not a finite number in 32-bit floats \
         (models compute in f32: |x| must be at most 3.4028235e38)"
    );
    // A categorical input takes any number: an unseen level.
    let frames = all_chunks(RowChunks::json_lines(
        "{\"x\": 1, \"c\": 1e39}\n".as_bytes(),
        "in.jsonl",
        &slots(),
        10,
    ))
    .unwrap();
    assert_eq!(codes(&frames[0]).0, &[3]);
}

#[test]
fn chunk_lines_give_each_rows_line_in_the_input() {
    let text = "x,c\n1,a\n\"2\",\"multi\nline\"\n3,b\n4,a\n";
    let mut chunks = RowChunks::csv(text.as_bytes(), "in.csv", &slots(), 2).unwrap();
    chunks.next_chunk().unwrap();
    assert_eq!(chunks.chunk_lines(), &[2, 3]);
    chunks.next_chunk().unwrap();
    assert_eq!(chunks.chunk_lines(), &[5, 6]);
    let json = "{\"x\": 1, \"c\": \"a\"}\n\n{\"x\": 2, \"c\": \"b\"}\n";
    let mut chunks = RowChunks::json_lines(json.as_bytes(), "in.jsonl", &slots(), 8);
    chunks.next_chunk().unwrap();
    assert_eq!(chunks.chunk_lines(), &[1, 3]);
}

#[test]
fn json_values_of_every_shape_never_panic() {
    for line in [
        "{\"x\": [1, {\"a\": 2}], \"c\": \"a\"}",
        "{\"x\": {\"deep\": [[]]}, \"c\": \"a\"}",
        "{\"x\": 1, \"c\": [\"a\"]}",
        "{\"x\": \"\\u00e9\", \"c\": \"a\"}",
        "{\"x\": 1, \"c\": \"\\ud800\"}",
        "\"just a string\"",
        "[1, 2, {\"x\": 1}]",
        "12",
        "null",
        "{\"x\": 1, \"c\": \"a\"} trailing",
    ] {
        let text = format!("{line}\n");
        let result = all_chunks(RowChunks::json_lines(text.as_bytes(), "in.jsonl", &slots(), 10));
        assert!(result.is_err(), "{line}: {result:?}");
    }
}

#[test]
fn parquet_is_an_output_format_only_in_any_letter_case() {
    for name in ["p.parquet", "p.PQ", "dir/p.Parquet", "p.pq"] {
        assert_eq!(
            OutputFormat::from_path(Path::new(name)),
            Some(OutputFormat::Parquet),
            "{name}"
        );
        assert_eq!(Format::from_path(Path::new(name)), None, "{name}");
    }
    assert_eq!(
        OutputFormat::from_path(Path::new("p.CSV")),
        Some(OutputFormat::Csv)
    );
    assert_eq!(
        OutputFormat::from_path(Path::new("p.ndjson")),
        Some(OutputFormat::JsonLines)
    );
    assert_eq!(OutputFormat::from_path(Path::new("p.txt")), None);
    assert_eq!(OutputFormat::from(Format::JsonLines), OutputFormat::JsonLines);
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_output_without_the_feature_is_refused() {
    let Err(err) = PredictionWriter::new(Vec::new(), OutputFormat::Parquet, &[], false) else {
        panic!("Parquet output without the `parquet` feature must fail");
    };
    assert_eq!(err.kind(), std::io::ErrorKind::Unsupported);
    assert!(err.to_string().contains("parquet"), "{err}");
}

/// The predictions `writer` wrote, read back with [`crate::parquet::read_parquet`],
/// and the file's row group sizes.
#[cfg(feature = "parquet")]
fn read_back(writer: PredictionWriter<Vec<u8>>) -> (Frame, Vec<i64>) {
    use ::parquet::file::reader::{FileReader, SerializedFileReader};
    let bytes = writer.finish().unwrap();
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes.clone())).unwrap();
    let metadata = reader.metadata();
    let groups = metadata.row_groups().iter().map(|g| g.num_rows()).collect();
    for group in metadata.row_groups() {
        for column in group.columns() {
            assert_eq!(column.compression(), ::parquet::basic::Compression::SNAPPY);
        }
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &bytes).unwrap();
    (crate::parquet::read_parquet(file.path()).unwrap(), groups)
}

#[cfg(feature = "parquet")]
#[test]
fn predictions_are_written_as_parquet_with_nulls_for_what_csv_leaves_empty() {
    let classes = vec!["no".to_string(), "yes".to_string()];
    let mut p = Predictions::new(
        classes.clone(),
        3,
        vec![1.0, 0.25, 0.75, f32::NAN, f32::NAN, f32::NAN, 0.0, 0.5, 0.5],
    );
    let mut writer = PredictionWriter::new(Vec::new(), OutputFormat::Parquet, &classes, true).unwrap();
    assert_eq!(writer.columns(), ["prediction", "proba_no", "proba_yes"]);
    writer.write(&p).unwrap();
    // A second chunk appends to the same file.
    p.values.truncate(3);
    p.n_rows = 1;
    writer.write(&p).unwrap();
    let (frame, groups) = read_back(writer);
    assert_eq!(groups, [4]);
    let names: Vec<&str> = frame.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["prediction", "proba_no", "proba_yes"]);
    let labels: Vec<String> = (0..4).map(|r| frame.columns[0].display_value(r)).collect();
    assert_eq!(labels, ["yes", "", "no", "yes"]);
    assert_eq!(frame.columns[0].missing, [false, true, false, false]);
    assert!(matches!(&frame.columns[0].data, ColumnData::Categorical { .. }));
    let yes = frame.columns[2].as_numeric().unwrap();
    assert_eq!((yes[0], yes[2], yes[3]), (0.75, 0.5, 0.75));
    assert_eq!(frame.columns[2].missing, [false, true, false, false]);

    // A regressor: Float32 predictions, NaN and infinities null; no proba columns.
    let r = Predictions::new(Vec::new(), 4, vec![1.5, f32::NAN, f32::INFINITY, -2.25]);
    let mut writer = PredictionWriter::new(Vec::new(), OutputFormat::Parquet, &[], true).unwrap();
    writer.write(&r).unwrap();
    let (frame, _) = read_back(writer);
    assert_eq!(frame.columns.len(), 1);
    assert_eq!(frame.columns[0].missing, [false, true, true, false]);
    let values = frame.columns[0].as_numeric().unwrap();
    assert_eq!((values[0], values[3]), (1.5, -2.25));
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_row_groups_stay_bounded_across_chunks() {
    let n = 40_000;
    let values: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let chunk = Predictions::new(Vec::new(), n, values);
    let mut writer = PredictionWriter::new(Vec::new(), OutputFormat::Parquet, &[], false).unwrap();
    for _ in 0..4 {
        writer.write(&chunk).unwrap();
    }
    let (frame, groups) = read_back(writer);
    assert_eq!(frame.n_rows, 4 * n);
    assert_eq!(groups.iter().sum::<i64>(), 4 * n as i64);
    assert!(groups.iter().all(|&g| g <= 65_536), "{groups:?}");
    assert_eq!(groups.len(), 3, "{groups:?}");
    let column = frame.columns[0].as_numeric().unwrap();
    assert_eq!(
        (column[0], column[n + 7], column[4 * n - 1]),
        (0.0, 7.0, (n - 1) as f64)
    );
}
