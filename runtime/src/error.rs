//! Errors raised while reading data and encoding it into the row ABI.
//!
//! Every variant that comes from a file names the file (as given by the caller) and,
//! where a row is at fault, its 1-based line number in that file and the column.

use thiserror::Error;

/// Why data could not be read or encoded.
#[derive(Debug, Error)]
pub enum DataError {
    /// The file (or reader) could not be read.
    #[error("cannot read `{file}`: {source}")]
    Io {
        /// The file, as the caller named it.
        file: String,
        #[source]
        /// The I/O error.
        source: std::io::Error,
    },
    /// The input has columns the model does not read, and the caller asked
    /// for none (`--strict-columns`).
    #[error(
        "{file}: column{} the model does not read: {}; drop {}, or leave out --strict-columns to ignore {}",
        if columns.len() == 1 { "" } else { "s" },
        columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
        if columns.len() == 1 { "it" } else { "them" },
        if columns.len() == 1 { "it" } else { "them" }
    )]
    ExtraColumns {
        /// The file, as the caller named it.
        file: String,
        /// The columns (at most 20).
        columns: Vec<String>,
    },
    /// The file has no header row.
    #[error("{file}: the file is empty (a header row is required)")]
    Empty {
        /// The file, as the caller named it.
        file: String,
    },
    /// A row is structurally wrong (e.g. wrong number of fields); `line` is 1-based.
    #[error("{file}:{line}: {message}")]
    Malformed {
        /// The file, as the caller named it.
        file: String,
        /// The 1-based line of the row.
        line: u64,
        /// What is wrong with the row.
        message: String,
    },
    /// A field of a column with a required kind does not parse as that kind.
    #[error("{file}:{line}: column `{column}`: cannot parse `{value}` as {expected}")]
    Unparseable {
        /// The file, as the caller named it.
        file: String,
        /// The 1-based line of the row.
        line: u64,
        /// The column.
        column: String,
        /// The field as written.
        value: String,
        /// The kind it should be, in words.
        expected: String,
    },
    /// A number that is not finite in 32-bit floats, which models compute in:
    /// `inf`, `-inf`, `infinity`, or a magnitude above `f32::MAX`
    /// (3.4028235e38); `line` is 1-based. See [`crate::rows::fits_f32`].
    #[error(
        "{file}:{line}: column `{column}`: `{value}` is not a finite number in 32-bit floats \
         (models compute in f32: |x| must be at most 3.4028235e38)"
    )]
    OutOfRange {
        /// The file, as the caller named it.
        file: String,
        /// The 1-based line of the row.
        line: u64,
        /// The column.
        column: String,
        /// The field as written.
        value: String,
    },
    /// Like [`DataError::OutOfRange`], in a source without lines (a Parquet file,
    /// or a frame built in memory when `file` is `None`); `row` is the 1-based data
    /// row.
    #[error(
        "{}column `{column}`: row {row} holds {value}, which is not a finite number in 32-bit floats \
         (models compute in f32: |x| must be at most 3.4028235e38)",
        file.as_ref().map(|f| format!("{f}: ")).unwrap_or_default()
    )]
    OutOfRangeRow {
        /// The file, as the caller named it; `None` for an in-memory frame.
        file: Option<String>,
        /// The 1-based data row.
        row: usize,
        /// The column.
        column: String,
        /// The value read.
        value: f64,
    },
    /// A column whose non-missing values are mostly numbers holds text: the
    /// reader refuses to turn a numeric column into a categorical one silently.
    /// `line` is the 1-based line of the first text value; `texts` of the
    /// column's `values` non-missing values are not numbers.
    #[error(
        "{file}:{line}: column `{column}` holds numbers, but `{value}` is not a number \
         (text in {texts} of its {values} values); correct the value, or declare the column's \
         type, e.g. csv(\"...\", types = {{ {} = \"categorical\" }})",
        map_key(column)
    )]
    MixedColumn {
        /// The file, as the caller named it.
        file: String,
        /// The 1-based line of the first text value.
        line: u64,
        /// The column.
        column: String,
        /// The first text value, as written.
        value: String,
        /// How many of the column's non-missing values are not numbers.
        texts: usize,
        /// How many non-missing values the column has.
        values: usize,
    },
    /// A JSON object names the same key twice; `line` is 1-based.
    #[error("{file}:{line}: key `{key}` appears more than once in the object")]
    DuplicateKey {
        /// The file, as the caller named it.
        file: String,
        /// The 1-based line of the object.
        line: u64,
        /// The repeated key.
        key: String,
    },
    /// A row holds bytes that are not valid UTF-8.
    #[error("{file}:{line}: the row is not valid UTF-8")]
    Utf8 {
        /// The file, as the caller named it.
        file: String,
        /// The 1-based line of the row.
        line: u64,
    },
    /// Two header fields have the same name.
    #[error("{file}: column `{column}` appears more than once in the header")]
    DuplicateColumn {
        /// The file, as the caller named it.
        file: String,
        /// The repeated name.
        column: String,
    },
    /// A header field is empty; `index` is 1-based.
    #[error("{file}: header field {index} is empty (every column needs a name)")]
    EmptyColumnName {
        /// The file, as the caller named it.
        file: String,
        /// The 1-based position of the empty field.
        index: usize,
    },
    /// Input columns the model needs are absent from the frame.
    #[error("missing input column{}: {}", if columns.len() == 1 { "" } else { "s" }, columns.join(", "))]
    MissingColumns {
        /// The absent columns, in the model's input order.
        columns: Vec<String>,
    },
    /// A categorical column feeds a numeric input slot; `row` is the 1-based data row
    /// (header not counted) of the first non-missing value.
    #[error("column `{column}` must be numeric, but row {row} holds `{value}`")]
    NotNumeric {
        /// The column.
        column: String,
        /// The 1-based data row of its first non-missing value.
        row: usize,
        /// That value.
        value: String,
    },
    /// A text column feeds a date input slot and a value is no ISO-8601
    /// date; `row` is its 1-based data row (header not counted).
    #[error(
        "column `{column}` must hold ISO-8601 dates (YYYY-MM-DD, optionally THH:MM[:SS] and Z or ±HH:MM), \
         but row {row} holds `{value}`"
    )]
    NotDate {
        /// The column.
        column: String,
        /// The 1-based data row of the value.
        row: usize,
        /// That value.
        value: String,
    },
    /// A frame is internally inconsistent (lengths or dictionary codes).
    #[error("invalid frame: {message}")]
    InvalidFrame {
        /// What is inconsistent.
        message: String,
    },
    /// The file is not valid Parquet (not Parquet at all, truncated or corrupt).
    #[error("cannot read `{file}` as Parquet: {source}")]
    Parquet {
        /// The file, as the caller named it.
        file: String,
        #[source]
        /// The Parquet or Arrow reader's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A column's type has no frame representation (e.g. timestamps, lists);
    /// `data_type` is the Arrow type as text.
    #[error("{file}: column `{column}` has type {data_type}, which mlg cannot read yet")]
    UnsupportedType {
        /// The file, as the caller named it.
        file: String,
        /// The column.
        column: String,
        /// The Arrow type as text.
        data_type: String,
    },
    /// A range of Parquet row groups the file does not have: one that ends past
    /// the file's `count` row groups, or whose start is past its end.
    #[error(
        "{file}: cannot read row groups {start}..{end}: the file has {count} row group{}, \
         and a range must lie within 0..{count} with its start at most its end",
        if *count == 1 { "" } else { "s" }
    )]
    RowGroupRange {
        /// The file, as the caller named it.
        file: String,
        /// The first row group asked for (0-based).
        start: usize,
        /// One past the last row group asked for.
        end: usize,
        /// How many row groups the file has.
        count: usize,
    },
}

/// `name` as a key of a `.mlg` map literal: bare when it is an identifier (or a
/// dotted path of them), else a quoted string.
fn map_key(name: &str) -> String {
    let ident = |part: &str| {
        part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if name.split('.').all(ident) && name != "true" && name != "false" {
        name.to_string()
    } else {
        serde_json::to_string(name).unwrap_or_else(|_| format!("\"{name}\""))
    }
}
