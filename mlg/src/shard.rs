//! Reading one rank's shard of a data file in a distributed job, and making
//! the shards agree: every rank reads a contiguous part of the rows (a byte
//! range cut at line starts for CSV, a range of row groups for Parquet),
//! then the ranks compare their columns and merge their category levels, so
//! that codes mean the same level on every rank, as in one process.

use crate::error::{Error, Result};
use mlg_compiler::workflow::catalog::ColumnKind;
use mlg_runtime::collective::{share, Collective};
use mlg_runtime::{Column, ColumnData, DataError, Frame};
use std::path::Path;

/// Rank `comm.rank()`'s shard of the file at `path`, read by the reader named
/// `format`, with its categorical columns re-coded into levels shared by all
/// ranks. Every rank must call it for the same file. A rank whose read fails,
/// a shard with no rows, or shards that disagree on the columns are an
/// [`Error::Distributed`] on every rank.
pub fn read_shard(
    comm: &dyn Collective,
    format: &str,
    path: &Path,
    types: &[(String, ColumnKind)],
) -> Result<Frame> {
    let file = path.display().to_string();
    let read = if crate::pattern::is_pattern(path) {
        read_files(comm, format, path, types)
    } else {
        read_part(comm, format, path, types).map_err(|e| e.to_string())
    };
    let read = read.and_then(|frame| {
        if frame.n_rows == 0 {
            Err(format!(
                "`{file}`: this rank's shard (rank {} of {}) holds no rows; run with fewer ranks \
                 or give the file more rows",
                comm.rank(),
                comm.size()
            ))
        } else {
            Ok(frame)
        }
    });
    let failures = comm.failures(read.as_ref().map(|_| ()).map_err(Clone::clone));
    if let Some((rank, message)) = failures.first() {
        return Err(Error::Distributed(format!("rank {rank}: {message}")));
    }
    let frame = read.map_err(Error::Distributed)?;
    harmonize(comm, &file, frame)
}

/// The rows of rank `comm.rank()` of the files the glob `pattern` matches:
/// whole files (its share of them, in name order) when there are at least
/// as many files as ranks, else its share of every file; one frame.
fn read_files(
    comm: &dyn Collective,
    format: &str,
    pattern: &Path,
    types: &[(String, ColumnKind)],
) -> std::result::Result<Frame, String> {
    let files = crate::pattern::expand(pattern)?;
    let frames: Vec<Frame> = if files.len() >= comm.size() {
        files[share(files.len(), comm.size(), comm.rank())]
            .iter()
            .map(|f| crate::pattern::read_file(format, f, types).map_err(|e| e.to_string()))
            .collect::<std::result::Result<_, _>>()?
    } else {
        files
            .iter()
            .map(|f| read_part(comm, format, f, types).map_err(|e| e.to_string()))
            .collect::<std::result::Result<_, _>>()?
    };
    crate::pattern::concat(&files, &frames)
}

/// The rows of rank `comm.rank()`: its share of the file's bytes (CSV) or
/// row groups (Parquet).
fn read_part(
    comm: &dyn Collective,
    format: &str,
    path: &Path,
    types: &[(String, ColumnKind)],
) -> std::result::Result<Frame, DataError> {
    let (rank, size) = (comm.rank(), comm.size());
    if format == "parquet" {
        let groups = mlg_runtime::parquet::parquet_row_groups(path)?;
        return mlg_runtime::parquet::read_parquet_row_groups(path, share(groups, size, rank));
    }
    let len = std::fs::metadata(path)
        .map_err(|source| DataError::Io {
            file: path.display().to_string(),
            source,
        })?
        .len();
    let bytes = share(usize::try_from(len).unwrap_or(usize::MAX), size, rank);
    mlg_runtime::csv::read_csv_range(path, types, bytes.start as u64..bytes.end as u64)
}

/// One column's name and kind as the ranks compare them.
fn column_signature(column: &Column) -> String {
    let kind = match column.data {
        ColumnData::Numeric(_) => "numbers",
        ColumnData::Categorical { .. } => "categories",
    };
    format!("{}:{kind}", column.name)
}

/// Checks that every rank holds the same columns of the same kinds, then
/// re-codes each categorical column into the union of every rank's levels,
/// sorted by bytes as one process's reader sorts them.
fn harmonize(comm: &dyn Collective, file: &str, mut frame: Frame) -> Result<Frame> {
    let mine: Vec<String> = frame.columns.iter().map(column_signature).collect();
    let mine = mine.join("\n");
    let all = comm.all_gather(mine.as_bytes());
    if all.iter().any(|theirs| theirs != mine.as_bytes()) {
        return Err(Error::Distributed(schema_mismatch(file, &all)));
    }
    for column in &mut frame.columns {
        let ColumnData::Categorical { codes, levels } = &mut column.data else {
            continue;
        };
        let all = comm.all_gather(levels.join("\n").as_bytes());
        let mut union: Vec<String> = all
            .iter()
            .filter(|b| !b.is_empty())
            .flat_map(|b| {
                String::from_utf8_lossy(b)
                    .split('\n')
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        union.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        union.dedup();
        let remap: Vec<u32> = levels
            .iter()
            .map(|l| union.binary_search(l).map_or(0, |i| i as u32))
            .collect();
        for (code, missing) in codes.iter_mut().zip(&column.missing) {
            *code = if *missing { 0 } else { remap[*code as usize] };
        }
        *levels = union;
    }
    Ok(frame)
}

/// The message for shards whose columns differ: each rank's columns, and
/// the declaration that fixes a column whose kind the shards inferred
/// differently.
fn schema_mismatch(file: &str, all: &[Vec<u8>]) -> String {
    let ranks: Vec<String> = all
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let mut message = format!("the ranks read different columns from `{file}`:");
    for (rank, columns) in ranks.iter().enumerate() {
        message.push_str(&format!("\n  rank {rank}: {}", columns.replace('\n', ", ")));
    }
    // A column some rank read as categories while another read numbers.
    let categorical = ranks
        .iter()
        .flat_map(|c| c.split('\n'))
        .filter_map(|c| c.strip_suffix(":categories"))
        .find(|name| {
            ranks
                .iter()
                .any(|c| c.split('\n').any(|d| d == format!("{name}:numbers")))
        });
    match categorical {
        Some(name) => message.push_str(&format!(
            "\nthe shards inferred `{name}` differently; declare its kind: csv(\"...\", types = {{ {name} = \"categorical\" }})"
        )),
        None => message.push_str("\nevery rank must read the same file (the same columns in the same order)"),
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlg_runtime::collective::Local;

    /// The error `read_shard` gives each of `size` ranks on the file at `path`.
    fn shard_errors(size: usize, path: std::path::PathBuf) -> Vec<String> {
        Local::run(size, move |_| {
            let comm = mlg_runtime::collective::current();
            read_shard(comm.as_ref(), "csv", &path, &[])
                .map(|_| ())
                .unwrap_err()
                .to_string()
        })
    }

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("mlg-shard-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("data.csv");
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn shards_cover_the_rows_once_with_shared_levels() {
        let mut text = String::from("x,colour,y\n");
        let colours = ["red", "blue", "green", "amber"];
        for i in 0..40 {
            // The first shard sees only red and blue, the last only green and amber.
            text.push_str(&format!("{i},{},{}\n", colours[i / 10], i % 2));
        }
        let path = write("levels", &text);
        let whole = mlg_runtime::csv::read_csv_typed(&path, &[]).expect("whole");
        let shards = Local::run(3, move |_| {
            let comm = mlg_runtime::collective::current();
            read_shard(comm.as_ref(), "csv", &path, &[]).expect("shard")
        });
        assert_eq!(shards.iter().map(|f| f.n_rows).sum::<usize>(), 40);
        let levels = |f: &Frame| match &f.column("colour").expect("colour").data {
            ColumnData::Categorical { levels, .. } => levels.clone(),
            ColumnData::Numeric(_) => panic!("numeric"),
        };
        for shard in &shards {
            assert_eq!(levels(shard), levels(&whole));
        }
        let codes = |f: &Frame| match &f.column("colour").expect("colour").data {
            ColumnData::Categorical { codes, .. } => codes.clone(),
            ColumnData::Numeric(_) => panic!("numeric"),
        };
        let joined: Vec<u32> = shards.iter().flat_map(codes).collect();
        assert_eq!(joined, codes(&whole));
    }

    #[test]
    fn an_empty_shard_and_a_type_mismatch_are_errors_on_every_rank() {
        let errors = shard_errors(2, write("tiny", "x,y\n1,0\n"));
        for e in &errors {
            assert!(
                e.starts_with("rank 0: ") && e.contains("(rank 0 of 2) holds no rows"),
                "{e}"
            );
        }
        // Numbers in the first half, words in the second: each shard infers its own kind.
        let mut text = String::from("x,y\n");
        for i in 0..20 {
            // Every row is 6 bytes, so the byte halves are the row halves.
            let x = if i < 10 {
                format!("{}", 100 + i)
            } else {
                format!("w{i}")
            };
            text.push_str(&format!("{x},{}\n", i % 2));
        }
        let errors = shard_errors(2, write("mixed", &text));
        for e in &errors {
            assert!(
                e.contains("rank 0: x:numbers, y:numbers") && e.contains("rank 1: x:categories"),
                "{e}"
            );
        }
    }
}
