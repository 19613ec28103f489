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

/// JSON lines read in batches cut into pieces parsed in parallel, and from
/// byte ranges: the same frames, lines, byte counts and errors as reading
/// line by line.
mod jsonl_parallel {
    use crate::error::DataError;
    use crate::frame::{ColumnData, Frame};
    use crate::stream::column::Builder;
    use crate::stream::{jsonl, RowChunks};
    use mlg_compiler::ir::{InputSlot, SlotKind};
    use proptest::prelude::*;
    use std::io::{BufRead, Read, Write};

    const FILE: &str = "in.jsonl";

    /// A numeric input, a categorical one with levels, one without.
    fn slots() -> Vec<InputSlot> {
        let categorical = |name: &str, levels: &[&str]| InputSlot {
            name: name.into(),
            kind: SlotKind::Categorical {
                levels: levels.iter().map(|l| l.to_string()).collect(),
            },
        };
        vec![
            InputSlot {
                name: "x".into(),
                kind: SlotKind::Numeric,
            },
            categorical("c", &["a", "b", "2"]),
            categorical("d", &[]),
        ]
    }

    /// What a reading gave: per chunk the frame (as `Debug` shows it, NaN
    /// included), its lines, and the bytes and rows read after it; a last
    /// entry for the end; or the error that stopped it.
    type Run = (Vec<(String, Vec<u64>, u64, u64)>, Option<String>);

    fn run<R: Read>(mut chunks: RowChunks<R>) -> Run {
        let mut out = Vec::new();
        loop {
            match chunks.next_chunk() {
                Ok(Some(frame)) => out.push((
                    format!("{frame:?}"),
                    chunks.chunk_lines().to_vec(),
                    chunks.bytes_read(),
                    chunks.rows_read(),
                )),
                Ok(None) => {
                    out.push(("end".into(), Vec::new(), chunks.bytes_read(), chunks.rows_read()));
                    // Nothing after the end.
                    assert!(matches!(chunks.next_chunk(), Ok(None)));
                    return (out, None);
                }
                Err(e) => {
                    // Nothing after an error.
                    assert!(matches!(chunks.next_chunk(), Ok(None)));
                    return (out, Some(e.to_string()));
                }
            }
        }
    }

    /// The reference: one line at a time into one builder per column, a
    /// chunk every `chunk_rows` rows (the reading before batches).
    fn serial(text: &[u8], chunk_rows: usize) -> Run {
        let slots = slots();
        let mut builders: Vec<Builder> = slots.iter().map(Builder::new).collect();
        let mut reader = text;
        let (mut line, mut bytes, mut rows) = (0u64, 0u64, 0u64);
        let mut out = Vec::new();
        loop {
            let mut lines = Vec::new();
            while lines.len() < chunk_rows {
                let mut raw = Vec::new();
                let n = reader.read_until(b'\n', &mut raw).unwrap();
                if n == 0 {
                    break;
                }
                line += 1;
                bytes += n as u64;
                match jsonl::row(&raw, line, FILE, &slots, &mut builders) {
                    Ok(true) => lines.push(line),
                    Ok(false) => {}
                    Err(e) => return (out, Some(e.to_string())),
                }
            }
            if lines.is_empty() {
                out.push(("end".into(), Vec::new(), bytes, rows));
                return (out, None);
            }
            rows += lines.len() as u64;
            let columns = builders
                .iter_mut()
                .zip(&slots)
                .map(|(b, s)| b.take(&s.name))
                .collect();
            let frame = Frame::new(columns, lines.len());
            out.push((format!("{frame:?}"), lines, bytes, rows));
        }
    }

    fn parallel(text: &[u8], chunk_rows: usize, split: Option<(usize, Option<usize>)>) -> Run {
        let chunks = RowChunks::json_lines(text, FILE, &slots(), chunk_rows);
        run(match split {
            Some((batch, piece)) => chunks.with_split(batch, piece),
            None => chunks,
        })
    }

    /// Every way of reading `text` equals the line-by-line one.
    fn assert_same(text: &[u8], chunk_rows: usize, split: (usize, Option<usize>)) -> Run {
        let expected = serial(text, chunk_rows);
        for split in [None, Some((1, Some(1))), Some((7, Some(3))), Some(split)] {
            assert_eq!(
                parallel(text, chunk_rows, split),
                expected,
                "chunk_rows {chunk_rows}, split {split:?}, text {:?}",
                String::from_utf8_lossy(text)
            );
        }
        expected
    }

    /// One row as read: `x` (bits), `c` and `d` (level text), `None` missing.
    type Row = (u64, Option<u64>, Option<String>, Option<String>);

    fn rows_of(frame: &Frame, lines: &[u64]) -> Vec<Row> {
        let level = |j: usize, i: usize| match &frame.columns[j].data {
            ColumnData::Categorical { codes, levels } if !frame.columns[j].missing[i] => {
                Some(levels[codes[i] as usize].clone())
            }
            _ => None,
        };
        (0..frame.n_rows)
            .map(|i| {
                let x = match &frame.columns[0].data {
                    ColumnData::Numeric(v) if !frame.columns[0].missing[i] => Some(v[i].to_bits()),
                    _ => None,
                };
                (lines[i], x, level(1, i), level(2, i))
            })
            .collect()
    }

    /// All rows of a reader, or its error.
    fn all_rows<R: Read>(mut chunks: RowChunks<R>) -> Result<Vec<Row>, DataError> {
        let mut rows = Vec::new();
        while let Some(frame) = chunks.next_chunk()? {
            rows.extend(rows_of(&frame, chunks.chunk_lines()));
        }
        Ok(rows)
    }

    #[test]
    fn table_of_texts_reads_as_line_by_line() {
        let long = format!(
            "{{\"x\": 1, \"c\": \"{}\", \"d\": \"z\", \"pad\": \"{}\"}}",
            "l".repeat(90),
            "p".repeat(400)
        );
        let texts = [
            String::new(),
            "\n\n  \n".to_string(),
            "{\"x\": 1, \"c\": \"a\", \"d\": \"q\"}".to_string(),
            "{\"x\": 1, \"c\": \"a\", \"d\": \"q\"}\r\n\r\n{\"x\": null, \"c\": \"new\", \"d\": null}\r\n".to_string(),
            format!("{long}\n{{\"x\": 2, \"c\": 2, \"d\": 2.0}}\n{long}\n"),
            "{\"x\": \"2.5\", \"c\": true, \"d\": \"q\", \"extra\": [1, {\"a\": 2}]}\n{\"x\": 3, \"c\": \"b\"}\n"
                .to_string(),
            "{\"x\": 1, \"x\": 2, \"c\": \"a\", \"d\": \"q\"}\n".to_string(),
            "{\"x\": 1e39, \"c\": \"a\", \"d\": \"q\"}\n{\"x\": 1\n".to_string(),
        ];
        for text in &texts {
            for chunk_rows in [1, 2, 3, 100] {
                assert_same(text.as_bytes(), chunk_rows, (64, Some(16)));
            }
        }
        // Invalid UTF-8 is an error of its line.
        let bad = b"{\"x\": 1, \"c\": \"a\", \"d\": \"q\"}\n{\"x\": 1, \"c\": \"\xff\", \"d\": 1}\n";
        let (_, error) = assert_same(bad, 1, (8, Some(2)));
        assert!(error.unwrap().starts_with("in.jsonl:2:"));
    }

    #[test]
    fn unseen_values_get_codes_in_order_of_first_appearance_across_pieces() {
        let text = "{\"x\": 1, \"c\": \"p\", \"d\": \"q\"}\n\n{\"x\": 2, \"c\": \"r\", \"d\": \"q\"}\n\
                    {\"x\": 3, \"c\": \"p\", \"d\": null}\n{\"x\": 4, \"c\": \"b\", \"d\": \"s\"}\n";
        // One line per batch and piece: every row from another piece.
        let mut chunks = RowChunks::json_lines(text.as_bytes(), FILE, &slots(), 4).with_split(1, Some(1));
        let frame = chunks.next_chunk().unwrap().unwrap();
        assert_eq!(chunks.chunk_lines(), &[1, 3, 4, 5]);
        assert_eq!(chunks.bytes_read(), text.len() as u64);
        let ColumnData::Categorical { codes, levels } = &frame.columns[1].data else {
            panic!("categorical expected");
        };
        assert_eq!(
            (codes.as_slice(), levels.as_slice()),
            (
                &[3, 4, 3, 1][..],
                &["a", "b", "2", "p", "r"].map(String::from)[..]
            )
        );
        let ColumnData::Categorical { codes, levels } = &frame.columns[2].data else {
            panic!("categorical expected");
        };
        assert_eq!(
            (codes.as_slice(), levels.as_slice()),
            (&[0, 0, 0, 1][..], &["q", "s"].map(String::from)[..])
        );
        assert_eq!(frame.columns[2].missing, vec![false, false, true, false]);
        assert!(chunks.next_chunk().unwrap().is_none());
    }

    #[test]
    fn the_earliest_bad_line_is_the_error_whatever_piece_holds_it() {
        let good = |i: usize| format!("{{\"x\": {i}, \"c\": \"v{}\", \"d\": null}}\n", i % 7);
        let mut lines: Vec<String> = (0..2000).map(good).collect();
        lines[1899] = "{\"x\": 1\n".to_string();
        lines[1799] = "{\"x\": 1, \"d\": 1, \"c\": \"a\", \"d\": 2}\n".to_string();
        lines[1999] = "[1]\n".to_string();
        let text = lines.concat();
        for (chunk_rows, split) in [
            (100, (4096, Some(512))),
            (7, (100_000, Some(1000))),
            (1000, (1 << 20, None)),
        ] {
            let (chunks, error) = assert_same(text.as_bytes(), chunk_rows, split);
            assert_eq!(
                error.as_deref(),
                Some("in.jsonl:1800: key `d` appears more than once in the object")
            );
            // The chunks wholly before line 1800 come first.
            assert_eq!(chunks.len(), 1799 / chunk_rows);
        }
    }

    /// One line of a test file, and whether it is good (a row or blank).
    fn line() -> impl Strategy<Value = (String, bool)> {
        let number = prop_oneof![
            Just("1".to_string()),
            Just("-2.5e3".to_string()),
            Just("\"7\"".to_string()),
            Just("null".to_string()),
            (0u32..1000).prop_map(|v| format!("{v}.25")),
        ];
        let level = prop_oneof![
            Just("\"a\"".to_string()),
            Just("\"b\"".to_string()),
            Just("2".to_string()),
            Just("2.0".to_string()),
            Just("null".to_string()),
            Just("true".to_string()),
            (0u32..5).prop_map(|v| format!("\"u{v}\"")),
            (0u32..3).prop_map(|v| format!("{v}")),
        ];
        let good =
            (number, level.clone(), level, 0usize..4, any::<bool>()).prop_map(|(x, c, d, extra, crlf)| {
                let extra = match extra {
                    0 => String::new(),
                    1 => ", \"more\": [1, {\"a\": null}]".to_string(),
                    2 => format!(", \"pad\": \"{}\"", "p".repeat(300)),
                    _ => ", \"z\": {}".to_string(),
                };
                let end = if crlf { "\r" } else { " " };
                (
                    format!("{{\"d\": {d}, \"x\": {x}, \"c\": {c}{extra}}}{end}"),
                    true,
                )
            });
        let blank =
            prop_oneof![Just(""), Just("   "), Just("\r"), Just("\t")].prop_map(|s| (s.to_string(), true));
        let bad = prop_oneof![
            Just("{\"x\": 1, \"c\": \"a\""),
            Just("[1, 2]"),
            Just("{\"c\": \"a\", \"d\": null}"),
            Just("{\"x\": 1, \"x\": 1, \"c\": \"a\", \"d\": null}"),
            Just("{\"x\": 1e39, \"c\": \"a\", \"d\": null}"),
            Just("{\"x\": true, \"c\": \"a\", \"d\": null}"),
            Just("{\"x\": 1, \"c\": [1], \"d\": null}"),
        ]
        .prop_map(|s| (s.to_string(), false));
        prop_oneof![12 => good, 3 => blank, 1 => bad]
    }

    /// Lines joined by line breaks, the last one with or without.
    fn text() -> impl Strategy<Value = (String, Vec<bool>)> {
        (prop::collection::vec(line(), 0..40), any::<bool>()).prop_map(|(lines, last_break)| {
            let mut text = lines
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            if last_break && !lines.is_empty() {
                text.push('\n');
            }
            (text, lines.into_iter().map(|(_, good)| good).collect())
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_batches_and_pieces_read_as_line_by_line(
            (text, good) in text(),
            chunk_rows in 1usize..6,
            batch in 1usize..400,
            piece in 1usize..120,
        ) {
            let (_, error) = assert_same(text.as_bytes(), chunk_rows, (batch, Some(piece)));
            // The error names the first bad line.
            let first_bad = good.iter().position(|g| !g).map(|i| format!("in.jsonl:{}:", i + 1));
            prop_assert_eq!(error.map(|e| e.split(' ').next().unwrap_or("").to_string()), first_bad);
        }

        #[test]
        fn ranges_meeting_end_to_end_read_every_row_once(
            (text, good) in text(),
            cuts in (0usize..1000, 0usize..1000),
            chunk_rows in 1usize..6,
            batch in 1usize..400,
            piece in 1usize..120,
        ) {
            let mut file = tempfile::NamedTempFile::new().unwrap();
            file.write_all(text.as_bytes()).unwrap();
            let len = text.len() as u64;
            let (a, b) = ((cuts.0 as u64).min(len + 2), (cuts.1 as u64).min(len + 2));
            let (a, b) = (a.min(b), a.max(b));
            let whole = all_rows(RowChunks::json_lines(text.as_bytes(), FILE, &slots(), chunk_rows));
            let mut rows = Vec::new();
            let mut errors = Vec::new();
            for range in [0..a, a..b, b..len + 3] {
                let chunks = RowChunks::jsonl_range(file.path(), FILE, &slots(), chunk_rows, range)
                    .unwrap()
                    .with_split(batch, Some(piece));
                match all_rows(chunks) {
                    Ok(r) => rows.extend(r),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            match whole {
                Ok(whole) => {
                    prop_assert!(errors.is_empty(), "{:?}", errors);
                    prop_assert_eq!(rows, whole);
                }
                // With one bad line, the range holding it gives the whole file's error.
                Err(e) if good.iter().filter(|g| !**g).count() == 1 => {
                    prop_assert_eq!(errors, vec![e.to_string()]);
                }
                Err(e) => prop_assert!(errors.first() == Some(&e.to_string()), "{:?} {}", errors, e),
            }
        }
    }

    #[test]
    fn a_range_reads_the_lines_that_start_in_it_numbered_from_the_file_start() {
        let text = "{\"x\": 1, \"c\": \"a\", \"d\": null}\n\n{\"x\": 2, \"c\": \"b\", \"d\": null}\n{\"x\": 3, \"c\": \"a\", \"d\": null}\n{\"x\": 1\n";
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let second = text.find("{\"x\": 2").unwrap() as u64;
        let bad = text.find("{\"x\": 1\n").unwrap() as u64;
        let read = |range: std::ops::Range<u64>| {
            let chunks = RowChunks::jsonl_range(file.path(), FILE, &slots(), 8, range).unwrap();
            all_rows(chunks).map(|rows| rows.into_iter().map(|r| r.0).collect::<Vec<_>>())
        };
        // From inside line 1 to the first byte of line 3: line 3 only.
        assert_eq!(read(1..second + 1).unwrap(), vec![3]);
        // Starting exactly at line 3: lines 3 and 4.
        assert_eq!(read(second..bad).unwrap(), vec![3, 4]);
        assert_eq!(read(0..second).unwrap(), vec![1]);
        assert_eq!(read(second + 1..bad).unwrap(), vec![4]);
        assert_eq!(read(bad..bad).unwrap(), Vec::<u64>::new());
        assert_eq!(read(bad + 1..1000).unwrap(), Vec::<u64>::new());
        let err = read(bad..bad + 1).unwrap_err().to_string();
        assert!(err.starts_with("in.jsonl:5: invalid JSON"), "{err}");
        // Bytes read count from the range's start, through the last line read.
        let mut chunks = RowChunks::jsonl_range(file.path(), FILE, &slots(), 8, 1..second + 1).unwrap();
        assert!(chunks.next_chunk().unwrap().is_some());
        let third = text.find("{\"x\": 3").unwrap() as u64;
        assert_eq!(chunks.bytes_read(), third - 1);
        let missing = RowChunks::jsonl_range(
            std::path::Path::new("/nonexistent/x.jsonl"),
            FILE,
            &slots(),
            8,
            0..10,
        );
        assert!(matches!(missing, Err(DataError::Io { .. })));
    }
}
