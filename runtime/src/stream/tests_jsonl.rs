//! JSON lines read in batches cut into pieces parsed in parallel, and from
//! byte ranges: the same frames, lines, byte counts and errors as reading
//! line by line.

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
            match jsonl::row(&raw, line, FILE, &slots, &mut builders, &mut Vec::new()) {
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
        "{\"x\": 1, \"c\": \"a\", \"d\": \"q\"}\r\n\r\n{\"x\": null, \"c\": \"new\", \"d\": null}\r\n"
            .to_string(),
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
    let good = (number, level.clone(), level, 0usize..4, any::<bool>()).prop_map(|(x, c, d, extra, crlf)| {
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
