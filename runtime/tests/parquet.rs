//! Parquet reading: every supported Arrow type against the same data read as CSV,
//! row groups, unsupported types, corrupt files (errors, never panics), and
//! `read_table` dispatch on the extension (row-group ranges and threads:
//! `parquet_ranges.rs`).

mod parquet_support;

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
use mlg_runtime::DataError;
use parquet_support::*;
use std::path::Path;
use std::sync::Arc;

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
/// [`fixture_error`], which must come within 5 s: these fixtures made the
/// decoder spin for seconds to minutes before they were refused up front.
fn fixture_error_at_once(name: &str) -> String {
    let started = std::time::Instant::now();
    let message = fixture_error(name);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{name}: {:?}",
        started.elapsed()
    );
    message
}

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
    // twice, and its header's list is larger than the bytes after it: either
    // refuses it.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/header_list_past_eof.parquet");
    match read_parquet(&path) {
        Err(DataError::DuplicateColumn { file, column }) => {
            assert_eq!((file, column.as_str()), (path.display().to_string(), "x"));
        }
        Err(err @ DataError::Parquet { .. }) => {
            let message = err.to_string();
            assert!(
                message.contains("past the end of the file")
                    || message.contains("declares 20971519 elements"),
                "{message}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_header_list_of_billions_of_booleans_is_refused_before_the_decoder_walks_it() {
    // Found by fuzzing: a page header declaring a list of 224 million
    // booleans, which the decoder skips one by one without reading a byte
    // (0.6 s in release, over 10 s under the fuzzer). Refused at once, the
    // header walked as the decoder reads it, up to the end of the file.
    let message = fixture_error("header_bool_list.parquet");
    assert!(
        message.contains("a page header of column `\"\"` declares 224048490 elements"),
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
fn a_footer_walk_reads_known_fields_as_the_decoder_does() {
    // Found by fuzzing: a 722-byte file whose footer declares its field 1 (the
    // version, which the decoder reads as an i32 whatever the header says) a
    // list; walked by that type the check lost step with the decoder, which
    // then skipped a map of 618 booleans and a list of 2^31 - 1 of them one by
    // one without reading a byte (3.5 s in release, over 10 s under the
    // fuzzer). Walked as the decoder reads it, the map is refused at once.
    let message = fixture_error("footer_typed_fields.parquet");
    assert!(
        message.contains("the footer declares 618 elements with 336 bytes left"),
        "{message}"
    );
}

#[test]
fn a_page_larger_than_snappy_can_inflate_is_refused_before_the_decoder_allocates_it() {
    // Found by fuzzing: a page header claiming about 2 GB uncompressed from a
    // few bytes; the decoder reserved that much before decompressing.
    let message = fixture_error("page_size_oom.parquet");
    assert!(message.contains("bytes uncompressed from"), "{message}");
}

#[test]
fn a_footer_walk_reads_row_groups_and_column_chunks_as_the_decoder_does() {
    // Found by fuzzing (fuzz/seeds/parquet/found-footer-nested-fields): a
    // 478-byte file whose column chunk, read field by field as the decoder
    // reads a `ColumnChunk`, ends in an unknown field the decoder skips as a
    // list of 2^31 booleans one by one (over 30 s under the fuzzer). The walk
    // read row groups and column chunks by their declared types and lost step
    // with it; read by field id, it refuses the list at once.
    let message = fixture_error_at_once("footer_nested_fields.parquet");
    assert!(message.contains("elements with"), "{message}");
}

#[test]
fn a_page_header_running_past_its_column_chunk_is_walked_as_the_decoder_reads_it() {
    // Found by fuzzing (fuzz/seeds/parquet/found-header-past-chunk): a 931-byte
    // file whose second column's page header runs past the end of its chunk
    // into a list of 2^31 booleans. The decoder reads a header to the end of
    // the file and checks its length against the chunk only afterwards, so it
    // skipped the list one boolean at a time (over 2 minutes under the
    // fuzzer); the walk stopped at the chunk's end and let it through.
    let message = fixture_error_at_once("header_past_chunk.parquet");
    assert!(
        message.contains("column `\"y\"` declares 2147483647 elements"),
        "{message}"
    );
}

#[test]
fn a_footer_walk_reads_size_statistics_by_field_id_as_the_decoder_does() {
    // Found by fuzzing (fuzz/seeds/parquet/found-footer-size-stats): a 2.7 KB
    // file whose `SizeStatistics` declares its field 2 a UUID; the decoder
    // reads field 2 as a list of integers whatever its declared type, and the
    // walk, which skipped it as a UUID, lost step and let a list of booleans
    // through that the decoder skipped one by one (10 s under the fuzzer).
    let message = fixture_error_at_once("footer_size_stats.parquet");
    assert!(message.contains("the footer declares"), "{message}");
}

#[test]
fn a_footer_walk_skips_the_encryption_fields_as_the_decoder_built_without_them_does() {
    // Found by fuzzing (fuzz/seeds/parquet/found-footer-encryption-fields): a
    // 940-byte file whose `FileMetaData` field 9 (the footer signing key, read
    // only with the crate's `encryption` feature, which mlg does not build)
    // was walked as a string while the decoder skipped it as its declared
    // UUID, then skipped a list of 2^31 booleans one by one.
    let message = fixture_error_at_once("footer_encryption_fields.parquet");
    assert!(
        message.contains("the footer declares 2147483647 elements"),
        "{message}"
    );
}
