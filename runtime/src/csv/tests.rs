//! The parallel reader against the serial one on the same text, split into
//! pieces as small as one line, and byte ranges against the whole file.

use super::part::OpenQuote;
use super::source::Source;
use super::{parallel, plans, serial, Header};
use crate::error::DataError;
use crate::frame::Frame;
use mlg_compiler::workflow::catalog::ColumnKind;
use proptest::prelude::*;
use std::io::Write;

/// The parallel reader over `bytes` with pieces of at least `min_piece` bytes.
fn parallel_read(
    bytes: &[u8],
    kinds: &[(String, ColumnKind)],
    min_piece: usize,
) -> Result<Result<Frame, OpenQuote>, DataError> {
    let header = Header::of_bytes(bytes, "t.csv", true)?.expect("complete");
    let source = Source::Buffer {
        bytes,
        data: header.data as usize,
    };
    let plans = plans(&header.names, kinds);
    parallel::read(
        &source,
        "t.csv",
        header.names,
        &plans,
        &|| Ok(header.lines),
        min_piece,
    )
}

/// Both readers agree: the same frame, or the same error message. With a
/// carriage return or a blank line in the text, line numbers are left out of
/// the comparison: the `csv` crate counts one line too few after a CRLF line
/// break and skips blank lines without counting them; the parallel reader
/// counts every line break.
fn agree(bytes: &[u8], kinds: &[(String, ColumnKind)], min_piece: usize) -> Result<(), TestCaseError> {
    let lines = |message: String| {
        if bytes.contains(&b'\r') || bytes.windows(2).any(|w| w == b"\n\n") {
            let mut out = String::new();
            for c in message.chars() {
                if !(c.is_ascii_digit() && out.ends_with('#')) {
                    out.push(if c.is_ascii_digit() { '#' } else { c });
                }
            }
            out
        } else {
            message
        }
    };
    // Debug text, so that NaN equals NaN.
    let serial = serial::parse(bytes, "t.csv", kinds)
        .map(|f| format!("{f:?}"))
        .map_err(|e| lines(e.to_string()));
    match parallel_read(bytes, kinds, min_piece) {
        Ok(Err(OpenQuote)) => {}
        Ok(Ok(frame)) => prop_assert_eq!(
            Ok(format!("{frame:?}")),
            serial,
            "{:?}",
            String::from_utf8_lossy(bytes)
        ),
        Err(e) => prop_assert_eq!(
            Err(lines(e.to_string())),
            serial,
            "{:?}",
            String::from_utf8_lossy(bytes)
        ),
    }
    Ok(())
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-1000i32..1000, 0u32..4).prop_map(|(v, d)| format!("{:.*}", d as usize, f64::from(v) / 7.0)),
        1 => Just("".to_string()),
        1 => prop::sample::select(vec!["NA", "nan", "N/A", " null ", "inf", "1e39", "-0", ".5", "5.", "1e-3"]).prop_map(String::from),
        2 => "[a-d]{1,3}",
        1 => " [a-c0-9]{0,2} ",
        1 => "\"[a-c,]{0,3}\"",
        1 => Just("é".to_string()),
    ]
}

fn table() -> impl Strategy<Value = Vec<u8>> {
    (1usize..5)
        .prop_flat_map(|width| {
            let row = prop::collection::vec(field(), width..=width);
            let odd = prop::collection::vec(field(), 1..7);
            let line = prop_oneof![8 => row, 1 => odd, 1 => Just(Vec::new())];
            (Just(width), prop::collection::vec(line, 0..40), any::<bool>())
        })
        .prop_map(|(width, rows, crlf)| {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text: String = (0..width).map(|j| format!("c{j}")).collect::<Vec<_>>().join(",");
            for row in rows {
                text.push_str(end);
                text.push_str(&row.join(","));
            }
            text.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn parallel_equals_serial(bytes in table(), min_piece in 1usize..64) {
        agree(&bytes, &[], min_piece)?;
        let kinds = [("c0".to_string(), ColumnKind::Categorical), ("c1".to_string(), ColumnKind::Numeric)];
        agree(&bytes, &kinds, min_piece)?;
    }

    #[test]
    fn arbitrary_text_agrees_or_falls_back(text in "[a-c0-9,\"\n\r .é-]{0,160}", min_piece in 1usize..32) {
        agree(text.as_bytes(), &[], min_piece)?;
    }

    #[test]
    fn ranges_partition_the_rows(cuts in prop::collection::vec(0u64..4000, 0..6), batch in 1usize..300) {
        let mut text = String::from("a,b,c\n");
        for i in 0..150 {
            text.push_str(&format!("{i},{}.25,{}\n", i * 3, i % 7));
        }
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(text.as_bytes()).expect("write");
        let path = file.path();
        let whole = super::read_csv(path).expect("whole file");
        let mut bounds = cuts;
        bounds.push(0);
        bounds.push(text.len() as u64 + 10);
        bounds.sort_unstable();
        let mut values: Vec<f64> = Vec::new();
        for pair in bounds.windows(2) {
            let header = Header::of_file(path, "t").expect("header");
            let source = Source::File { path, name: "t", start: pair[0].max(header.data), end: pair[1].min(header.len), batch };
            let plans = plans(&header.names, &[]);
            let part = parallel::read(&source, "t", header.names, &plans, &|| Ok(0), 7).expect("read").expect("no quotes");
            values.extend_from_slice(part.columns[1].as_numeric().expect("numeric"));
        }
        prop_assert_eq!(values.as_slice(), whole.columns[1].as_numeric().expect("numeric"));
    }
}

#[test]
fn range_errors_name_lines_of_the_whole_file() {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(b"a,b\n1,2\n3,4\n5,6,7\n8,9\n").expect("write");
    let error = super::read_csv_range(file.path(), &[], 10..100).expect_err("wrong width");
    assert_eq!(
        super::read_csv_range(file.path(), &[], 9..12)
            .expect("no line starts")
            .n_rows,
        0
    );
    assert!(
        error
            .to_string()
            .ends_with(":4: row 4 has 3 fields but the header has 2"),
        "{error}"
    );
    let rows = super::read_csv_range(file.path(), &[], 5..12).expect("one row");
    assert_eq!(rows.n_rows, 1);
    assert_eq!(rows.columns[0].as_numeric(), Some(&[3.0][..]));
}

#[test]
fn a_line_break_inside_quotes_cannot_be_sharded_but_reads_whole() {
    let text = b"a,b\n1,\"x\ny\"\n2,z\n";
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text).expect("write");
    let whole = super::read_csv(file.path()).expect("whole file reads serially");
    assert_eq!(whole.n_rows, 2);
    let frame = parallel_read(text, &[], 1).expect("no error");
    assert!(frame.is_err(), "pieces cut inside the quotes must be refused");
}

/// Found by fuzzing: a row stopped halfway by an error (here bytes that are
/// not UTF-8, after a missing field and a text one) left more noted fields
/// than finished rows, and counting the numbers underflowed. The piece is
/// refused as the serial reader refuses it.
#[test]
fn a_row_stopped_halfway_by_an_error_is_refused_without_a_panic() {
    let found = b"\xef\xbb\xbf\"x\",\"c%\",\"y\"\n\"1.5\",\" a \",\xff\xff\xff\xff\xff\xff\xff\x8fb\"4\n";
    let small = b"a,b,c\n\"NA\",\"t\",\"\xff\"\n";
    for bytes in [&found[..], &small[..]] {
        agree(bytes, &[], 1).expect("parallel and serial agree");
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(bytes).expect("write");
        assert!(super::read_csv(file.path()).is_err());
    }
}
