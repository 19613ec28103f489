//! Parquet reading: every supported Arrow type against the same data read as CSV,
//! row groups, unsupported types, corrupt files (errors, never panics),
//! `read_table` dispatch on the extension, reads of row-group ranges, and the
//! column-parallel read giving the same frames and errors on one thread as on many.

use arrow_array::types::{ArrowPrimitiveType, Float16Type, Int32Type};
use arrow_array::{
    ArrayRef, BooleanArray, Date32Array, DictionaryArray, Float16Array, Float32Array, Float64Array,
    Int16Array, Int32Array, Int64Array, Int8Array, LargeStringArray, ListArray, NullArray, RecordBatch,
    StringArray, TimestampMillisecondArray, UInt16Array, UInt64Array, UInt8Array,
};
use arrow_schema::{DataType, Field, Schema};
use mlg_runtime::csv::read_csv;
use mlg_runtime::parquet::{
    is_parquet_path, parquet_row_groups, read_parquet, read_parquet_row_groups, read_table,
};
use mlg_runtime::{ColumnData, DataError, Frame};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Writes `batches` to `dir/name`, one row group per batch.
fn write_parquet(dir: &Path, name: &str, batches: &[RecordBatch]) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batches[0].schema(), None).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
        writer.flush().unwrap();
    }
    writer.close().unwrap();
    path
}

fn write_csv(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A batch of nullable columns.
fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter_with_nullable(columns.into_iter().map(|(n, a)| (n, a, true))).unwrap()
}

fn row_groups(path: &Path) -> usize {
    let file = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    builder.metadata().num_row_groups()
}

/// Frames are the same: names, kinds, masks, levels, codes (exactly, missing rows
/// included) and numbers (NaN equal to NaN).
fn assert_same(parquet: &Frame, csv: &Frame) {
    assert_eq!(parquet.names(), csv.names());
    assert_eq!(parquet.n_rows, csv.n_rows);
    for (p, c) in parquet.columns.iter().zip(&csv.columns) {
        assert_eq!(p.missing, c.missing, "mask of `{}`", p.name);
        match (&p.data, &c.data) {
            (ColumnData::Numeric(a), ColumnData::Numeric(b)) => {
                let same =
                    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()));
                assert!(same, "values of `{}`: {a:?} vs {b:?}", p.name);
            }
            (a, b) => assert_eq!(a, b, "column `{}`", p.name),
        }
    }
}

fn levels_and_codes(frame: &Frame, name: &str) -> (Vec<String>, Vec<u32>) {
    match &frame.column(name).unwrap().data {
        ColumnData::Categorical { codes, levels } => (levels.clone(), codes.clone()),
        other @ ColumnData::Numeric(_) => panic!("`{name}` is not categorical: {other:?}"),
    }
}

#[test]
fn all_supported_types_match_csv_across_two_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    type F16 = <Float16Type as ArrowPrimitiveType>::Native;
    let dict = |keys: Vec<Option<i32>>| -> ArrayRef {
        let values = StringArray::from(vec!["red", "blue", "green"]);
        Arc::new(DictionaryArray::<Int32Type>::try_new(keys.into(), Arc::new(values)).unwrap())
    };
    // The first string of each column sorts first, so the CSV loader (which keeps
    // the remapped first-seen code on missing rows) also holds code 0 there.
    let first = batch(vec![
        ("i8", Arc::new(Int8Array::from(vec![-3, 4])) as ArrayRef),
        ("i16", Arc::new(Int16Array::from(vec![Some(7), None]))),
        ("i32", Arc::new(Int32Array::from(vec![1, -2]))),
        ("i64", Arc::new(Int64Array::from(vec![Some(1 << 40), None]))),
        ("u8", Arc::new(UInt8Array::from(vec![0, 255]))),
        ("u16", Arc::new(UInt16Array::from(vec![9, 65535]))),
        ("u64", Arc::new(UInt64Array::from(vec![Some(12), None]))),
        (
            "f16",
            Arc::new(Float16Array::from(vec![Some(F16::from_f32(1.5)), None])),
        ),
        ("f32", Arc::new(Float32Array::from(vec![Some(-0.25), None]))),
        (
            "f64",
            Arc::new(Float64Array::from(vec![Some(2.5e-3), Some(f64::NAN)])),
        ),
        ("flag", Arc::new(BooleanArray::from(vec![Some(true), None]))),
        ("s", Arc::new(StringArray::from(vec![Some("apple"), None]))),
        ("ls", Arc::new(LargeStringArray::from(vec!["a b", "c,d"]))),
        ("dict", dict(vec![Some(1), None])),
    ]);
    let second = batch(vec![
        ("i8", Arc::new(Int8Array::from(vec![127, 0, -128])) as ArrayRef),
        ("i16", Arc::new(Int16Array::from(vec![None, Some(-1), Some(0)]))),
        ("i32", Arc::new(Int32Array::from(vec![i32::MAX, 0, i32::MIN]))),
        ("i64", Arc::new(Int64Array::from(vec![Some(-5), Some(6), None]))),
        ("u8", Arc::new(UInt8Array::from(vec![1, 2, 3]))),
        ("u16", Arc::new(UInt16Array::from(vec![0, 1, 2]))),
        (
            "u64",
            Arc::new(UInt64Array::from(vec![None, Some(1 << 50), Some(0)])),
        ),
        (
            "f16",
            Arc::new(Float16Array::from(vec![Some(F16::from_f32(-2.0)), None, None])),
        ),
        (
            "f32",
            Arc::new(Float32Array::from(vec![Some(3.0), Some(1e10), None])),
        ),
        (
            "f64",
            Arc::new(Float64Array::from(vec![None, Some(-1.0), Some(1e30)])),
        ),
        (
            "flag",
            Arc::new(BooleanArray::from(vec![Some(false), Some(true), Some(false)])),
        ),
        (
            "s",
            Arc::new(StringArray::from(vec![Some("pear"), Some("fig"), None])),
        ),
        ("ls", Arc::new(LargeStringArray::from(vec!["c,d", "a b", "Z"]))),
        ("dict", dict(vec![Some(2), Some(0), None])),
    ]);
    let parquet = write_parquet(dir.path(), "all.parquet", &[first, second]);
    assert_eq!(row_groups(&parquet), 2);
    let csv = write_csv(
        dir.path(),
        "all.csv",
        "i8,i16,i32,i64,u8,u16,u64,f16,f32,f64,flag,s,ls,dict\n\
         -3,7,1,1099511627776,0,9,12,1.5,-0.25,0.0025,1,apple,a b,blue\n\
         4,,-2,,255,65535,,,,NaN,,,\"c,d\",\n\
         127,,2147483647,-5,1,0,,-2,3,,0,pear,\"c,d\",green\n\
         0,-1,0,6,2,1,1125899906842624,,1e10,-1,1,fig,a b,red\n\
         -128,0,-2147483648,,3,2,0,,,1e30,0,,Z,\n",
    );
    let from_parquet = read_parquet(&parquet).unwrap();
    let from_csv = read_csv(&csv).unwrap();
    assert_eq!(from_parquet.n_rows, 5);
    assert_same(&from_parquet, &from_csv);
    assert_eq!(from_parquet.column("flag").unwrap().as_numeric().unwrap()[0], 1.0);
    let (levels, codes) = levels_and_codes(&from_parquet, "dict");
    assert_eq!(levels, ["blue", "green", "red"]);
    assert_eq!(codes, [0, 0, 1, 2, 0]);
    assert_eq!(from_parquet.column("dict").unwrap().missing_count(), 2);
}

#[test]
fn levels_sort_by_bytes_and_missing_rows_hold_code_zero() {
    let dir = tempfile::tempdir().unwrap();
    let names = ["b", "é", "B", "a", "Z", "b", "", "10", "9"];
    let mut values: Vec<Option<&str>> = names.iter().map(|s| Some(*s)).collect();
    values.insert(1, None);
    let path = write_parquet(
        dir.path(),
        "levels.parquet",
        &[batch(vec![(
            "s",
            Arc::new(StringArray::from(values)) as ArrayRef,
        )])],
    );
    let frame = read_parquet(&path).unwrap();
    let (levels, codes) = levels_and_codes(&frame, "s");
    assert_eq!(levels, ["", "10", "9", "B", "Z", "a", "b", "é"]);
    assert_eq!(codes, [6, 0, 7, 3, 5, 4, 6, 0, 1, 2]);
    let column = frame.column("s").unwrap();
    assert_eq!(column.missing_count(), 1);
    assert!(column.missing[1]);
    // Strings are data, not inferred: numeric-looking text stays categorical.
    assert!(!column.is_numeric());
}

#[test]
fn dictionary_values_no_row_uses_are_not_levels() {
    let dir = tempfile::tempdir().unwrap();
    let values = StringArray::from(vec![Some("zeta"), Some("unused"), None, Some("alpha")]);
    let keys = Int32Array::from(vec![Some(0), Some(3), Some(2), None, Some(0)]);
    let dict = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).unwrap();
    let path = write_parquet(
        dir.path(),
        "dict.parquet",
        &[batch(vec![("d", Arc::new(dict) as ArrayRef)])],
    );
    let frame = read_parquet(&path).unwrap();
    let (levels, codes) = levels_and_codes(&frame, "d");
    assert_eq!(levels, ["alpha", "zeta"]);
    assert_eq!(codes, [1, 0, 0, 0, 1]);
    assert_eq!(
        frame.column("d").unwrap().missing,
        [false, false, true, true, false]
    );
}

#[test]
fn null_and_empty_columns_read_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let nulls = batch(vec![
        ("x", Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef),
        ("none", Arc::new(NullArray::new(2))),
    ]);
    let parquet = write_parquet(dir.path(), "nulls.parquet", &[nulls]);
    let csv = write_csv(dir.path(), "nulls.csv", "x,none\n1,\n2,\n");
    assert_same(&read_parquet(&parquet).unwrap(), &read_csv(&csv).unwrap());

    let empty = batch(vec![
        ("n", Arc::new(Float64Array::from(Vec::<f64>::new())) as ArrayRef),
        ("s", Arc::new(StringArray::from(Vec::<&str>::new()))),
    ]);
    let path = write_parquet(dir.path(), "empty.parquet", &[empty]);
    let frame = read_parquet(&path).unwrap();
    assert_eq!(frame.n_rows, 0);
    assert_eq!(frame.names(), ["n", "s"]);
    assert!(frame.columns[0].is_numeric() && !frame.columns[1].is_numeric());
}

#[test]
fn numbers_outside_f32_are_refused_naming_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, ArrayRef, f64); 3] = [
        (
            "big",
            Arc::new(Float64Array::from(vec![Some(1.0), None, Some(1e39)])),
            1e39,
        ),
        (
            "neg",
            Arc::new(Float64Array::from(vec![Some(1.0), Some(-1e300), None])),
            -1e300,
        ),
        (
            "inf",
            Arc::new(Float32Array::from(vec![Some(f32::INFINITY), Some(1.0), None])),
            f64::INFINITY,
        ),
    ];
    for (name, array, value) in cases {
        let path = write_parquet(
            dir.path(),
            &format!("{name}.parquet"),
            &[batch(vec![(name, array)])],
        );
        let err = read_parquet(&path).unwrap_err();
        let row = match &err {
            DataError::OutOfRangeRow {
                file: Some(file),
                row,
                column,
                value: found,
            } if *file == path.display().to_string() && column == name && *found == value => *row,
            other => panic!("{name}: expected OutOfRangeRow, got {other:?}"),
        };
        assert_eq!(
            row,
            if name == "inf" {
                1
            } else if name == "neg" {
                2
            } else {
                3
            }
        );
        assert!(
            err.to_string()
                .contains(&format!("column `{name}`: row {row} holds")),
            "{err}"
        );
    }
    // NaN is missing, and the largest f32 is fine.
    let edge = batch(vec![(
        "x",
        Arc::new(Float64Array::from(vec![f64::NAN, f64::from(f32::MAX)])) as ArrayRef,
    )]);
    let path = write_parquet(dir.path(), "edge.parquet", &[edge]);
    assert_eq!(read_parquet(&path).unwrap().columns[0].missing, [true, false]);
}

#[test]
fn unsupported_types_are_errors_naming_file_column_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let list = ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1)])]);
    let cases: Vec<(&str, ArrayRef, &str)> = vec![
        (
            "ts",
            Arc::new(TimestampMillisecondArray::from(vec![0])),
            "Timestamp",
        ),
        ("day", Arc::new(Date32Array::from(vec![0])), "Date32"),
        ("items", Arc::new(list), "List"),
    ];
    for (name, array, type_name) in cases {
        let batch = batch(vec![
            ("ok", Arc::new(Int32Array::from(vec![1])) as ArrayRef),
            (name, array),
        ]);
        let path = write_parquet(dir.path(), &format!("{name}.parquet"), &[batch]);
        let err = read_parquet(&path).unwrap_err();
        match &err {
            DataError::UnsupportedType {
                column, data_type, ..
            } => {
                assert_eq!(column, name);
                assert!(data_type.contains(type_name), "{data_type}");
            }
            other => panic!("expected UnsupportedType, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(
            message.contains(&format!("column `{name}` has type {type_name}")),
            "{message}"
        );
        assert!(message.ends_with("which mlg cannot read yet"), "{message}");
    }
}

#[test]
fn duplicate_and_empty_names_are_rejected_like_csv() {
    let dir = tempfile::tempdir().unwrap();
    let column = || Arc::new(Int32Array::from(vec![1])) as ArrayRef;
    let dup = Schema::new(vec![
        Field::new("a", DataType::Int32, false),
        Field::new("a", DataType::Int32, false),
    ]);
    let dup = RecordBatch::try_new(Arc::new(dup), vec![column(), column()]).unwrap();
    let path = write_parquet(dir.path(), "dup.parquet", &[dup]);
    assert!(matches!(
        read_parquet(&path),
        Err(DataError::DuplicateColumn { column, .. }) if column == "a"
    ));
    let path = write_parquet(dir.path(), "blank.parquet", &[batch(vec![("", column())])]);
    assert!(matches!(
        read_parquet(&path),
        Err(DataError::EmptyColumnName { index: 1, .. })
    ));
}

/// A small valid file's bytes.
fn good_file_bytes(dir: &Path) -> Vec<u8> {
    let rows: Vec<i64> = (0..500).collect();
    let labels: Vec<String> = rows.iter().map(|i| format!("level{}", i % 7)).collect();
    let batch = batch(vec![
        ("n", Arc::new(Int64Array::from(rows)) as ArrayRef),
        ("s", Arc::new(StringArray::from(labels))),
    ]);
    std::fs::read(write_parquet(dir, "good.parquet", &[batch])).unwrap()
}

fn assert_parquet_error(result: Result<Frame, DataError>, path: &Path) {
    match result {
        Err(err @ DataError::Parquet { .. }) => {
            let message = err.to_string();
            assert!(message.contains(&path.display().to_string()), "{message}");
        }
        other => panic!("expected a Parquet error, got {other:?}"),
    }
}

#[test]
fn non_parquet_empty_and_truncated_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_file_bytes(dir.path());
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("random.parquet", random.clone()),
        ("empty.parquet", Vec::new()),
        ("text.parquet", b"a,b\n1,2\n".to_vec()),
        ("half.parquet", good[..good.len() / 2].to_vec()),
        ("no_magic.parquet", good[..good.len() - 4].to_vec()),
        ("footer.parquet", good[..good.len() - 1].to_vec()),
    ];
    let mut magic = random;
    magic[..4].copy_from_slice(b"PAR1");
    let tail = magic.len() - 4;
    magic[tail..].copy_from_slice(b"PAR1");
    cases.push(("magic.parquet", magic));
    for (name, bytes) in cases {
        let path = write_csv(dir.path(), name, "");
        std::fs::write(&path, bytes).unwrap();
        assert_parquet_error(read_parquet(&path), &path);
    }
    let missing = dir.path().join("absent.parquet");
    assert!(matches!(read_parquet(&missing), Err(DataError::Io { .. })));
}

#[test]
fn corrupted_data_pages_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let good = good_file_bytes(dir.path());
    let path = dir.path().join("flipped.parquet");
    // Overwrite a window of bytes at many offsets inside the data (not the footer):
    // each read must return, Ok or Err, without a panic escaping.
    for start in (4..good.len().saturating_sub(64)).step_by(37) {
        let mut bytes = good.clone();
        for (k, b) in bytes[start..start + 8].iter_mut().enumerate() {
            *b ^= 0xA5 ^ k as u8;
        }
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(frame) = read_parquet(&path) {
            assert!(frame.columns.iter().all(|c| c.len() == frame.n_rows));
        }
    }
}

#[test]
fn read_table_dispatches_on_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let data = batch(vec![("x", Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef)]);
    for name in ["t.parquet", "t.pq", "T.PARQUET", "t.Pq"] {
        let path = write_parquet(dir.path(), name, std::slice::from_ref(&data));
        assert!(is_parquet_path(&path));
        let frame = read_table(&path).unwrap();
        assert_eq!(frame.column("x").unwrap().as_numeric().unwrap(), &[1.0, 2.0]);
    }
    for name in ["t.csv", "t.txt", "t", "parquet"] {
        let path = write_csv(dir.path(), name, "x,y\n1,a\n");
        assert!(!is_parquet_path(&path));
        let frame = read_table(&path).unwrap();
        assert_eq!(frame.names(), ["x", "y"]);
    }
    // The extension decides, not the content.
    let csv_named_parquet = write_csv(dir.path(), "wrong.parquet", "x\n1\n");
    assert_parquet_error(read_table(&csv_named_parquet), &csv_named_parquet);
}

/// The message of reading the corrupt fixture `name`, which must be a Parquet error naming it.
fn fixture_error(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let result = read_parquet(&path);
    let message = match &result {
        Err(err) => err.to_string(),
        Ok(frame) => panic!("expected a Parquet error, got {} rows", frame.n_rows),
    };
    assert_parquet_error(result, &path);
    message
}

#[test]
fn a_dictionary_page_claiming_more_values_than_its_bytes_is_refused() {
    // Found by fuzzing (fuzz/seeds/parquet/found-dictionary-count): a 2 KB file
    // whose dictionary page claims 939,524,095 doubles; the decoder sized the
    // dictionary from that count and allocated 7.5 GB before reading it.
    let message = fixture_error("dictionary_count.parquet");
    assert!(message.contains("dictionary page"), "{message}");
}

#[test]
fn a_page_header_reading_past_the_end_of_the_file_is_refused_at_once() {
    // Found by fuzzing (fuzz/seeds/parquet/found-header-list-past-eof): a 1 KB
    // file whose page header declares a list of two billion fields; the
    // decoder skipped each at the end of the file, taking 30 s. Reads past the
    // end are now errors, so it fails on the first. Its schema also names `x`
    // twice, and since no page is read before the schema is checked, that is
    // what refuses it now.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/header_list_past_eof.parquet");
    match read_parquet(&path) {
        Err(DataError::DuplicateColumn { file, column }) => {
            assert_eq!((file, column.as_str()), (path.display().to_string(), "x"));
        }
        Err(err @ DataError::Parquet { .. }) => {
            let message = err.to_string();
            assert!(message.contains("past the end of the file"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_header_list_of_billions_of_booleans_is_refused_before_the_decoder_walks_it() {
    // Found by fuzzing: a page header declaring a list of 224 million
    // booleans, which the decoder skips one by one without reading a byte
    // (0.6 s in release, over 10 s under the fuzzer). Refused at once: its
    // earlier lists of booleans already hold more elements than the chunk has
    // bytes, before the walk reaches the 224 million.
    let message = fixture_error("header_bool_list.parquet");
    assert!(
        message.contains("a page header of column `\"\"` declares 14 elements with 73 bytes left"),
        "{message}"
    );
}

#[test]
fn a_footer_list_of_billions_of_booleans_is_refused_before_the_decoder_walks_it() {
    // Found by fuzzing: a footer whose unknown field is a list of booleans the
    // decoder skips one by one without reading a byte (12 s under the fuzzer).
    // Here: a `FileMetaData` whose field 15 is a list of 2^31 - 1 booleans.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("footer.parquet");
    let footer = [0xF9, 0xF1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00];
    let mut bytes = b"PAR1".to_vec();
    bytes.extend(footer);
    bytes.extend((footer.len() as u32).to_le_bytes());
    bytes.extend(b"PAR1");
    std::fs::write(&path, &bytes).unwrap();
    let expected = "the footer declares 2147483647 elements with 1 bytes left";
    for result in [
        read_parquet(&path).map(|_| ()),
        parquet_row_groups(&path).map(|_| ()),
        read_parquet_row_groups(&path, 0..0).map(|_| ()),
    ] {
        match result {
            Err(err @ DataError::Parquet { .. }) => {
                let message = err.to_string();
                assert!(message.contains(expected), "{message}");
                assert!(message.contains(&path.display().to_string()), "{message}");
            }
            other => panic!("expected a Parquet error, got {other:?}"),
        }
    }
}

#[test]
fn a_page_larger_than_snappy_can_inflate_is_refused_before_the_decoder_allocates_it() {
    // Found by fuzzing: a page header claiming about 2 GB uncompressed from a
    // few bytes; the decoder reserved that much before decompressing.
    let message = fixture_error("page_size_oom.parquet");
    assert!(message.contains("bytes uncompressed from"), "{message}");
}

/// A file of five row groups (sizes 3, 1, 4, 2, 5) with a plain numeric column,
/// nullable float, boolean, string and dictionary columns; the levels of each
/// group differ.
fn five_groups(dir: &Path) -> PathBuf {
    let sizes = [3usize, 1, 4, 2, 5];
    let mut start = 0usize;
    let mut batches = Vec::new();
    for (g, &n) in sizes.iter().enumerate() {
        let rows: Vec<usize> = (start..start + n).collect();
        start += n;
        let id: Vec<i64> = rows.iter().map(|&r| r as i64 * 10 - 7).collect();
        let x: Vec<Option<f64>> = rows
            .iter()
            .map(|&r| (r % 3 != 1).then(|| r as f64 / 4.0 - 1.0))
            .collect();
        let flag: Vec<Option<bool>> = rows.iter().map(|&r| (r % 4 != 2).then_some(r % 2 == 0)).collect();
        let label: Vec<Option<String>> = rows
            .iter()
            .map(|&r| (r % 5 != 3).then(|| format!("g{g}-{}", r % 2)))
            .collect();
        let keys: Vec<Option<i32>> = rows
            .iter()
            .map(|&r| (r % 6 != 4).then_some((r % 3) as i32))
            .collect();
        let values = StringArray::from(vec!["zeta", "alpha", "mu"]);
        let dict = DictionaryArray::<Int32Type>::try_new(keys.into(), Arc::new(values)).unwrap();
        batches.push(batch(vec![
            ("id", Arc::new(Int64Array::from(id)) as ArrayRef),
            ("x", Arc::new(Float64Array::from(x))),
            ("flag", Arc::new(BooleanArray::from(flag))),
            ("label", Arc::new(StringArray::from(label))),
            ("dict", Arc::new(dict)),
        ]));
    }
    let path = write_parquet(dir, "five.parquet", &batches);
    assert_eq!(row_groups(&path), 5);
    path
}

/// A column's rows as text, `None` where missing: numbers by their bits (NaN
/// included), categorical values by label, so frames with different levels compare.
fn cells(column: &mlg_runtime::Column) -> Vec<Option<String>> {
    (0..column.len())
        .map(|row| {
            if column.missing[row] {
                return None;
            }
            Some(match &column.data {
                ColumnData::Numeric(values) => format!("{:?}", values[row]),
                ColumnData::Categorical { codes, levels } => format!("'{}'", levels[codes[row] as usize]),
            })
        })
        .collect()
}

/// `parts` stacked in order hold the same rows as `whole`: names, kinds, masks and
/// values (categorical compared by label, since each part has its own levels).
fn assert_concatenation(whole: &Frame, parts: &[Frame]) {
    assert_eq!(parts.iter().map(|p| p.n_rows).sum::<usize>(), whole.n_rows);
    for (i, column) in whole.columns.iter().enumerate() {
        let mut stacked = Vec::new();
        for part in parts {
            assert_eq!(part.names(), whole.names());
            let piece = &part.columns[i];
            assert_eq!(
                piece.is_numeric(),
                column.is_numeric(),
                "kind of `{}`",
                column.name
            );
            assert_eq!(piece.len(), part.n_rows);
            stacked.extend(cells(piece));
        }
        assert_eq!(stacked, cells(column), "column `{}`", column.name);
    }
}

#[test]
fn row_group_ranges_partition_the_rows_of_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = five_groups(dir.path());
    assert_eq!(parquet_row_groups(&path).unwrap(), 5);
    let whole = read_parquet(&path).unwrap();
    assert_eq!(whole.n_rows, 15);
    assert_eq!(whole.names(), ["id", "x", "flag", "label", "dict"]);
    assert!(whole
        .columns
        .iter()
        .all(|c| c.missing_count() > 0 || c.name == "id"));

    let groups: Vec<Frame> = (0..5)
        .map(|g| read_parquet_row_groups(&path, g..g + 1).unwrap())
        .collect();
    assert_eq!(
        groups.iter().map(|f| f.n_rows).collect::<Vec<_>>(),
        [3, 1, 4, 2, 5]
    );
    assert_concatenation(&whole, &groups);
    for split in [vec![0..2, 2..5], vec![0..1, 1..4, 4..5], vec![0..0, 0..5, 5..5]] {
        let parts: Vec<Frame> = split
            .into_iter()
            .map(|r| read_parquet_row_groups(&path, r).unwrap())
            .collect();
        assert_concatenation(&whole, &parts);
    }
    // The range of every group is the whole file, levels included.
    assert_same(&read_parquet_row_groups(&path, 0..5).unwrap(), &whole);

    // A range's levels are those its rows hold, sorted by byte order.
    let (levels, codes) = levels_and_codes(&groups[2], "label");
    assert_eq!(levels, ["g2-0", "g2-1"]);
    assert_eq!(codes, [0, 1, 0, 1]);
    let (levels, _) = levels_and_codes(&whole, "label");
    assert_eq!(levels, ["g0-0", "g0-1", "g2-0", "g2-1", "g3-1", "g4-0", "g4-1"]);
    // Group 1's one row has no label: a categorical column without levels.
    let (levels, codes) = levels_and_codes(&groups[1], "label");
    assert!(levels.is_empty() && codes == [0]);
    let (levels, _) = levels_and_codes(&groups[1], "dict");
    assert_eq!(levels, ["zeta"]);
}

#[test]
fn an_empty_range_gives_the_columns_and_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = five_groups(dir.path());
    for k in [0, 3, 5] {
        let frame = read_parquet_row_groups(&path, k..k).unwrap();
        assert_eq!(frame.n_rows, 0);
        assert_eq!(frame.names(), ["id", "x", "flag", "label", "dict"]);
        let kinds: Vec<bool> = frame.columns.iter().map(|c| c.is_numeric()).collect();
        assert_eq!(kinds, [true, true, true, false, false]);
        assert!(frame.columns.iter().all(|c| c.is_empty()));
    }
}

#[test]
fn ranges_past_the_end_or_reversed_are_errors_naming_file_range_and_count() {
    let dir = tempfile::tempdir().unwrap();
    let path = five_groups(dir.path());
    let reversed = std::ops::Range { start: 3, end: 2 };
    for (range, text) in [
        (4..6, "4..6"),
        (6..6, "6..6"),
        (0..99, "0..99"),
        (reversed, "3..2"),
    ] {
        let (start, end) = (range.start, range.end);
        let err = read_parquet_row_groups(&path, range).unwrap_err();
        match &err {
            DataError::RowGroupRange {
                file,
                start: s,
                end: e,
                count: 5,
            } if *file == path.display().to_string() && *s == start && *e == end => {}
            other => panic!("{text}: expected RowGroupRange, got {other:?}"),
        }
        let message = err.to_string();
        assert!(message.starts_with(&path.display().to_string()), "{message}");
        assert!(
            message.contains(&format!(
                "cannot read row groups {text}: the file has 5 row groups"
            )),
            "{message}"
        );
    }
    // One group: the count is singular.
    let one = write_parquet(
        dir.path(),
        "one.parquet",
        &[batch(vec![(
            "x",
            Arc::new(Int32Array::from(vec![1])) as ArrayRef,
        )])],
    );
    assert_eq!(parquet_row_groups(&one).unwrap(), 1);
    let message = read_parquet_row_groups(&one, 1..2).unwrap_err().to_string();
    assert!(message.contains("the file has 1 row group,"), "{message}");
    assert_eq!(read_parquet_row_groups(&one, 0..1).unwrap().n_rows, 1);
}

#[test]
fn counting_row_groups_reports_bad_files_like_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let text = write_csv(dir.path(), "text.parquet", "a,b\n1,2\n");
    match parquet_row_groups(&text) {
        Err(err @ DataError::Parquet { .. }) => {
            assert!(err.to_string().contains(&text.display().to_string()), "{err}");
        }
        other => panic!("expected a Parquet error, got {other:?}"),
    }
    assert_parquet_error(read_parquet_row_groups(&text, 0..0), &text);
    let missing = dir.path().join("absent.parquet");
    assert!(matches!(parquet_row_groups(&missing), Err(DataError::Io { .. })));
    assert!(matches!(
        read_parquet_row_groups(&missing, 0..1),
        Err(DataError::Io { .. })
    ));
}

#[test]
fn numbers_outside_f32_in_a_range_name_the_row_of_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let group = |values: Vec<f64>| batch(vec![("v", Arc::new(Float64Array::from(values)) as ArrayRef)]);
    let path = write_parquet(
        dir.path(),
        "far.parquet",
        &[
            group(vec![1.0, 2.0]),
            group(vec![3.0, 4.0, 5.0]),
            group(vec![6.0, 1e39]),
        ],
    );
    assert_eq!(read_parquet_row_groups(&path, 0..2).unwrap().n_rows, 5);
    for range in [2..3, 1..3] {
        match read_parquet_row_groups(&path, range).unwrap_err() {
            DataError::OutOfRangeRow { row, column, .. } => assert_eq!((row, column.as_str()), (7, "v")),
            other => panic!("expected OutOfRangeRow, got {other:?}"),
        }
    }
}

/// `read` on a rayon pool of `threads` threads.
fn on_threads<T: Send>(threads: usize, read: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(read)
}

/// The results of reading `path` on one thread and on four are the same: equal
/// frames, or errors with the same message.
fn assert_same_on_one_and_many_threads(path: &Path) {
    let one = on_threads(1, || read_parquet(path));
    let many = on_threads(4, || read_parquet(path));
    match (&one, &many) {
        (Ok(a), Ok(b)) => assert_same(a, b),
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("one thread gave {one:?}, four gave {many:?}"),
    }
}

#[test]
fn one_thread_and_many_read_the_same_frames_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    assert_same_on_one_and_many_threads(&five_groups(dir.path()));
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for entry in std::fs::read_dir(fixtures).unwrap() {
        assert_same_on_one_and_many_threads(&entry.unwrap().path());
    }
    // Corrupt data pages: whatever each read gives, it gives on any thread count.
    let good = good_file_bytes(dir.path());
    let path = dir.path().join("flipped.parquet");
    for start in (4..good.len().saturating_sub(64)).step_by(53) {
        let mut bytes = good.clone();
        for b in &mut bytes[start..start + 8] {
            *b ^= 0x5A;
        }
        std::fs::write(&path, &bytes).unwrap();
        assert_same_on_one_and_many_threads(&path);
    }
}

#[test]
fn when_several_columns_fail_the_first_in_file_order_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    // Column `b` holds a bad value at an earlier row than column `a`, and `d` too.
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("ok", Arc::new(Int32Array::from(vec![1, 2, 3])) as ArrayRef),
        ("a", Arc::new(Float64Array::from(vec![1.0, 2.0, 1e300]))),
        ("b", Arc::new(Float64Array::from(vec![-1e300, 2.0, 3.0]))),
        ("d", Arc::new(Float32Array::from(vec![f32::INFINITY, 2.0, 3.0]))),
    ];
    let path = write_parquet(dir.path(), "several.parquet", &[batch(columns)]);
    for threads in [1, 2, 4] {
        match on_threads(threads, || read_parquet(&path)).unwrap_err() {
            DataError::OutOfRangeRow { row, column, .. } => assert_eq!((row, column.as_str()), (3, "a")),
            other => panic!("expected OutOfRangeRow, got {other:?}"),
        }
    }
}
