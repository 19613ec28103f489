//! Data sources that name many files with a glob pattern, such as
//! `csv("parts/*.csv")`: the matching files in name order, read as one frame
//! (their rows one after another). In a data-parallel distributed job the
//! files are split across the ranks (`shard.rs`).

use mlg_compiler::workflow::catalog::ColumnKind;
use mlg_runtime::{DataError, Frame};
use std::path::{Path, PathBuf};

/// True when `path` is a glob pattern (holds `*`, `?` or `[`).
pub fn is_pattern(path: &Path) -> bool {
    path.to_string_lossy().contains(['*', '?', '['])
}

/// The files `pattern` matches, in name order; an error naming the pattern
/// when it is malformed or matches no file.
pub fn expand(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let text = pattern.to_string_lossy();
    let paths = glob::glob(&text).map_err(|e| format!("`{text}` is not a valid file pattern: {e}"))?;
    let mut files = Vec::new();
    for entry in paths {
        let path = entry.map_err(|e| format!("cannot read `{}`: {}", e.path().display(), e.error()))?;
        if path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(format!("the pattern `{text}` matches no file"));
    }
    files.sort();
    Ok(files)
}

/// Reads one file with the reader named `format` (CSV with the declared
/// column kinds).
pub fn read_file(format: &str, path: &Path, types: &[(String, ColumnKind)]) -> Result<Frame, DataError> {
    match format {
        "parquet" => {
            // Date columns (ISO-8601 strings) become hours, as CSV's do.
            let dates: Vec<String> = types
                .iter()
                .filter(|(_, kind)| *kind == ColumnKind::Date)
                .map(|(name, _)| name.clone())
                .collect();
            let frame = mlg_runtime::parquet::read_parquet(path)?;
            let file = path.display().to_string();
            mlg_runtime::dates::text_to_hours(frame, &dates, |column, value, row| DataError::NotDate {
                column: format!("{column}` of `{file}"),
                row: row + 1,
                value: value.to_string(),
            })
        }
        _ => mlg_runtime::csv::read_csv_typed(path, types),
    }
}

/// The rows of every file matching `pattern`, in name order, as one frame.
pub fn read_all(format: &str, pattern: &Path, types: &[(String, ColumnKind)]) -> Result<Frame, String> {
    let files = expand(pattern)?;
    let frames = files
        .iter()
        .map(|f| read_file(format, f, types).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    concat(&files, &frames)
}

/// `frames` (read from `files`, one each) one after another; columns that
/// differ between files are an error naming the file.
pub fn concat(files: &[PathBuf], frames: &[Frame]) -> Result<Frame, String> {
    if let [one] = frames {
        return Ok(one.clone());
    }
    let first = frames.first().ok_or("no file to read")?;
    let names = |f: &Frame| f.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    for (file, frame) in files.iter().zip(frames) {
        if names(frame) != names(first) {
            return Err(format!(
                "`{}` has the columns {:?}, but `{}` has {:?}; every file of a pattern needs the same columns",
                file.display(),
                names(frame),
                files[0].display(),
                names(first)
            ));
        }
    }
    let refs: Vec<&Frame> = frames.iter().collect();
    mlg_runtime::combine::concat(&refs).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mlg-pattern-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn a_pattern_reads_its_files_in_name_order() {
        let dir = folder("order");
        std::fs::write(dir.join("b.csv"), "x,y\n3,c\n").expect("b");
        std::fs::write(dir.join("a.csv"), "x,y\n1,a\n2,b\n").expect("a");
        std::fs::write(dir.join("notes.txt"), "not data").expect("txt");
        let frame = read_all("csv", &dir.join("*.csv"), &[]).expect("read");
        assert_eq!(frame.n_rows, 3);
        assert_eq!(
            frame.column("x").and_then(|c| c.as_numeric()),
            Some(&[1.0, 2.0, 3.0][..])
        );
    }

    #[test]
    fn no_match_and_different_columns_are_errors() {
        let dir = folder("errors");
        let err = read_all("csv", &dir.join("*.csv"), &[]).unwrap_err();
        assert!(err.contains("matches no file"), "{err}");
        std::fs::write(dir.join("a.csv"), "x,y\n1,a\n").expect("a");
        std::fs::write(dir.join("b.csv"), "x,z\n1,a\n").expect("b");
        let err = read_all("csv", &dir.join("*.csv"), &[]).unwrap_err();
        assert!(err.contains("b.csv") && err.contains("same columns"), "{err}");
        assert!(!is_pattern(Path::new("data/plain.csv")));
    }
}
