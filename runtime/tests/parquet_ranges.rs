//! Parquet reads of row-group ranges (they partition the rows of the whole
//! file; bad ranges and bad files are errors naming them), and the
//! column-parallel read giving the same frames and errors on one thread as
//! on many.

mod parquet_support;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, DictionaryArray, Float32Array, Float64Array, Int32Array, Int64Array, StringArray,
};
use mlg_runtime::parquet::{parquet_row_groups, read_parquet, read_parquet_row_groups};
use mlg_runtime::{ColumnData, DataError, Frame};
use parquet_support::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
