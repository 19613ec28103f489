//! Parquet loading into a columnar [`Frame`], and [`read_table`], which picks the
//! loader (Parquet or CSV) from a file's extension.
//!
//! Rules: every top-level column of the file becomes a frame column, in file order;
//! names must be non-empty and unique (as for CSV). Integer (`Int8`..`Int64`,
//! `UInt8`..`UInt64`), float (`Float16`, `Float32`, `Float64`) and `Boolean` (as
//! 0/1) columns become numeric; 64-bit integers beyond 2^53 are rounded to the
//! nearest `f64`. A null, or a float NaN, is missing (NaN in the data, `true` in the
//! mask). A number that is not finite in `f32` (an infinity, or a magnitude above
//! 3.4028235e38) is a [`DataError::OutOfRangeRow`] naming the file, the 1-based
//! row and the column. An all-null column of type `Null` is numeric, like an all-missing CSV
//! column. String columns (`Utf8`, `LargeUtf8`, `Utf8View`, and dictionaries of
//! them) become categorical, with levels sorted by byte order exactly as the CSV
//! loader sorts them; a null is missing (code 0). Strings are taken as they are: they
//! are not trimmed, and neither `""` nor tokens such as `NA` count as missing, since
//! Parquet has real nulls. Any other type (timestamps, dates, decimals, binary,
//! lists, structs, ...) is a [`DataError::UnsupportedType`] naming the file, the
//! column and the type. A file that is not Parquet, is truncated or is corrupt is a
//! [`DataError::Parquet`] naming the file; a panic inside the Parquet decoder is
//! caught and reported the same way.
//!
//! Reading: the columns are decoded in parallel, one reader per column on all
//! threads (module `parquet_read`), and the frame assembled in file order;
//! the result, errors included, is the same as reading the columns one after
//! another: when several columns fail, the error is the first failing column's in
//! file order.
//!
//! Ranges: [`read_parquet_row_groups`] reads only a range of the file's row groups
//! ([`parquet_row_groups`] counts them from the footer), so consecutive ranges
//! partition the rows; this is how one file is read in shards, e.g. one range per
//! MPI rank.

use crate::error::DataError;
use crate::frame::{Column, ColumnData, Frame};
use crate::parquet_source::Source;
use ::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type,
    UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrowPrimitiveType, LargeStringArray, StringArray, StringViewArray};
use arrow_schema::{DataType, Field};
use std::collections::HashMap;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

/// Reads the Parquet file at `path` into a [`Frame`], following the module rules.
///
/// Errors name the file (as `path` displays): [`DataError::Io`] when it cannot be
/// opened, [`DataError::Parquet`] when it is not valid Parquet (never a panic),
/// [`DataError::UnsupportedType`] for a column of a type mlg cannot hold, and
/// [`DataError::EmptyColumnName`] / [`DataError::DuplicateColumn`] for bad names.
pub fn read_parquet(path: &Path) -> Result<Frame, DataError> {
    read_file(path, None)
}

/// Like [`read_parquet`], reading only the row groups whose 0-based indices lie in
/// `groups` (the file's columns, with the rows of those groups in file order).
/// Ranges that meet end to end give every row exactly once; an empty range `k..k`
/// with `k` at most the count gives the file's columns and no rows. Categorical
/// levels are those seen in the range's rows, sorted by byte order, so two ranges
/// of one file may hold different levels (and codes) for the same column: compare
/// or join them by label. Errors name rows of the whole file (a row number counts
/// the rows of the groups before the range). A range past the end of the file's
/// row groups (see [`parquet_row_groups`]), or one whose start is past its end, is
/// a [`DataError::RowGroupRange`] naming the file, the range and the count. Only
/// the footer and the bytes from the range's first column chunk to the end of
/// its last are read from the file.
pub fn read_parquet_row_groups(path: &Path, groups: Range<usize>) -> Result<Frame, DataError> {
    read_file(path, Some(groups))
}

/// The number of row groups of the Parquet file at `path`, read from its footer
/// alone (the rest of the file is not read). The ranges [`read_parquet_row_groups`]
/// accepts are those within `0..count`. Errors: [`DataError::Io`] when the file
/// cannot be opened, [`DataError::Parquet`] when its footer is not valid Parquet
/// (never a panic); both name the file.
pub fn parquet_row_groups(path: &Path) -> Result<usize, DataError> {
    let file = path.display().to_string();
    read_metadata(path, &file).map(|metadata| metadata.num_row_groups())
}

/// The footer of the Parquet file at `path` (named `file` in errors), walked
/// by [`crate::parquet_headers::check_footer`] before the crate parses it.
fn read_metadata(path: &Path, file: &str) -> Result<ParquetMetaData, DataError> {
    let io = |source| DataError::Io {
        file: file.to_string(),
        source,
    };
    let handle = std::fs::File::open(path).map_err(io)?;
    if let Some(footer) = crate::parquet_source::read_footer(&handle).map_err(io)? {
        check_footer(file, &footer)?;
    }
    catching(file, || {
        ParquetMetaDataReader::new()
            .parse_and_finish(&handle)
            .map_err(|e| parquet_error(file, e))
    })
}

/// Refuses a footer declaring collections larger than its bytes (see
/// [`crate::parquet_headers`]) as a corrupt `file`.
pub(crate) fn check_footer(file: &str, footer: &[u8]) -> Result<(), DataError> {
    crate::parquet_headers::check_footer(footer)
        .map_err(|big| parquet_error(file, format!("corrupt file ({big})")))
}

/// Reads `path` into memory and decodes the row groups in `groups` (all of them
/// when `None`); a panic in the decoder becomes a [`DataError::Parquet`].
fn read_file(path: &Path, groups: Option<Range<usize>>) -> Result<Frame, DataError> {
    let file = path.display().to_string();
    let io = |source| DataError::Io {
        file: file.clone(),
        source,
    };
    // A range reads only its row groups' column chunks and the footer.
    let (source, metadata) = match &groups {
        None => (Source::read(path).map_err(io)?, None),
        Some(range) => {
            let metadata = read_metadata(path, &file)?;
            let source = Source::read_groups(path, &metadata, range.clone()).map_err(io)?;
            (source, Some(metadata))
        }
    };
    catching(&file, || {
        crate::parquet_read::decode(&source, metadata, &file, groups)
    })
}

/// Runs `read`, turning a panic inside it (the Parquet decoder's, on a corrupt
/// file) into a [`DataError::Parquet`] for `file`.
pub(crate) fn catching<T>(file: &str, read: impl FnOnce() -> Result<T, DataError>) -> Result<T, DataError> {
    match catch_unwind(AssertUnwindSafe(read)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "the decoder failed".to_string());
            Err(parquet_error(file, format!("corrupt file ({what})")))
        }
    }
}

/// Reads the table at `path`: files ending in `.parquet` or `.pq` (any letter case)
/// with [`read_parquet`], every other file as CSV with [`crate::csv::read_csv`].
pub fn read_table(path: &Path) -> Result<Frame, DataError> {
    if is_parquet_path(path) {
        read_parquet(path)
    } else {
        crate::csv::read_csv(path)
    }
}

/// True when `path` ends in `.parquet` or `.pq` (ASCII case-insensitive), i.e. when
/// [`read_table`] reads it as Parquet.
pub fn is_parquet_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

/// A [`DataError::Parquet`] for `file` carrying `source` (an error or a message).
pub(crate) fn parquet_error(
    file: &str,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> DataError {
    DataError::Parquet {
        file: file.to_string(),
        source: source.into(),
    }
}

/// Empty values for a column of `data_type`, or `None` when mlg cannot read it.
fn values_for(data_type: &DataType) -> Option<Values> {
    let strings = |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    match data_type {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64 => Some(Values::Numeric(Vec::new())),
        DataType::Dictionary(_, values) if strings(values) => {
            Some(Values::Categorical(Dictionary::default()))
        }
        t if strings(t) => Some(Values::Categorical(Dictionary::default())),
        _ => None,
    }
}

/// One frame column under construction.
pub(crate) struct Builder {
    data: Values,
    missing: Vec<bool>,
}

/// The values of a [`Builder`].
enum Values {
    Numeric(Vec<f64>),
    Categorical(Dictionary),
}

impl Builder {
    /// An empty builder for `field`, or [`DataError::UnsupportedType`].
    pub(crate) fn for_field(field: &Field, file: &str) -> Result<Builder, DataError> {
        let Some(data) = values_for(field.data_type()) else {
            return Err(DataError::UnsupportedType {
                file: file.to_string(),
                column: field.name().clone(),
                data_type: field.data_type().to_string(),
            });
        };
        Ok(Builder {
            data,
            missing: Vec::new(),
        })
    }

    /// Room for `rows` more rows, allocated at once (and advised onto huge
    /// pages) instead of grown batch by batch. `rows` comes from the footer:
    /// the caller bounds it.
    pub(crate) fn reserve(&mut self, rows: usize) {
        match &mut self.data {
            Values::Numeric(values) => {
                values.reserve(rows);
                crate::memory::advise_huge_pages(values);
            }
            Values::Categorical(dict) => dict.codes.reserve(rows),
        }
        self.missing.reserve(rows);
    }

    /// Appends the rows of one batch's `array` for column `name`.
    pub(crate) fn append(&mut self, array: &dyn Array, file: &str, name: &str) -> Result<(), DataError> {
        let appended = match &mut self.data {
            Values::Numeric(values) => append_numeric(values, &mut self.missing, array),
            Values::Categorical(dict) => append_strings(dict, &mut self.missing, array),
        };
        if appended {
            Ok(())
        } else {
            Err(parquet_error(
                file,
                format!(
                    "column `{name}` changed type to {} between row groups",
                    array.data_type()
                ),
            ))
        }
    }

    /// The finished column named `name`.
    pub(crate) fn finish(self, name: String) -> Column {
        let data = match self.data {
            Values::Numeric(values) => ColumnData::Numeric(values),
            Values::Categorical(dict) => {
                let (codes, levels) = dict.finish();
                ColumnData::Categorical { codes, levels }
            }
        };
        Column {
            name,
            data,
            missing: self.missing,
        }
    }
}

/// Appends `values` (`None` for null) as numbers; a null or NaN is missing.
fn push_numbers(out: &mut Vec<f64>, missing: &mut Vec<bool>, values: impl Iterator<Item = Option<f64>>) {
    let start = out.len();
    out.extend(values.map(|v| v.unwrap_or(f64::NAN)));
    missing.extend(out[start..].iter().map(|v| v.is_nan()));
}

/// Appends a numeric `array`; false when its type is not numeric.
fn append_numeric(out: &mut Vec<f64>, missing: &mut Vec<bool>, array: &dyn Array) -> bool {
    fn prim<T: ArrowPrimitiveType>(
        out: &mut Vec<f64>,
        missing: &mut Vec<bool>,
        array: &dyn Array,
        to_f64: fn(T::Native) -> f64,
    ) -> bool {
        match array.as_primitive_opt::<T>() {
            Some(a) if a.null_count() == 0 => {
                push_numbers(out, missing, a.values().iter().map(|&v| Some(to_f64(v))));
                true
            }
            Some(a) => {
                push_numbers(out, missing, a.iter().map(|v| v.map(to_f64)));
                true
            }
            None => false,
        }
    }
    match array.data_type() {
        DataType::Null => {
            push_numbers(out, missing, (0..array.len()).map(|_| None));
            true
        }
        DataType::Boolean => match array.as_boolean_opt() {
            Some(a) => {
                let bits = a.iter().map(|v| v.map(|b| if b { 1.0 } else { 0.0 }));
                push_numbers(out, missing, bits);
                true
            }
            None => false,
        },
        DataType::Int8 => prim::<Int8Type>(out, missing, array, f64::from),
        DataType::Int16 => prim::<Int16Type>(out, missing, array, f64::from),
        DataType::Int32 => prim::<Int32Type>(out, missing, array, f64::from),
        DataType::Int64 => prim::<Int64Type>(out, missing, array, |v| v as f64),
        DataType::UInt8 => prim::<UInt8Type>(out, missing, array, f64::from),
        DataType::UInt16 => prim::<UInt16Type>(out, missing, array, f64::from),
        DataType::UInt32 => prim::<UInt32Type>(out, missing, array, f64::from),
        DataType::UInt64 => prim::<UInt64Type>(out, missing, array, |v| v as f64),
        DataType::Float16 => prim::<Float16Type>(out, missing, array, |v| v.to_f64()),
        DataType::Float32 => prim::<Float32Type>(out, missing, array, f64::from),
        DataType::Float64 => prim::<Float64Type>(out, missing, array, |v| v),
        _ => false,
    }
}

/// A string array of any of the supported layouts.
enum Strings<'a> {
    Small(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    /// `array` as strings, or `None` when it is not a string array.
    fn of(array: &'a dyn Array) -> Option<Strings<'a>> {
        match array.data_type() {
            DataType::Utf8 => array.as_string_opt::<i32>().map(Strings::Small),
            DataType::LargeUtf8 => array.as_string_opt::<i64>().map(Strings::Large),
            DataType::Utf8View => array.as_string_view_opt().map(Strings::View),
            _ => None,
        }
    }

    /// Number of entries.
    fn len(&self) -> usize {
        match self {
            Strings::Small(a) => a.len(),
            Strings::Large(a) => a.len(),
            Strings::View(a) => a.len(),
        }
    }

    /// The string at `i`, or `None` when it is null or out of range.
    fn get(&self, i: usize) -> Option<&'a str> {
        if i >= self.len() {
            return None;
        }
        match self {
            Strings::Small(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// Appends a string or string-dictionary `array`; false for any other type.
fn append_strings(dict: &mut Dictionary, missing: &mut Vec<bool>, array: &dyn Array) -> bool {
    if let Some(strings) = Strings::of(array) {
        for i in 0..array.len() {
            let code = strings.get(i).map(|s| dict.intern(s));
            dict.push(code, missing);
        }
        return true;
    }
    let Some(dictionary) = array.as_any_dictionary_opt() else {
        return false;
    };
    let Some(values) = Strings::of(dictionary.values().as_ref()) else {
        return false;
    };
    let keys = dictionary.normalized_keys();
    // Our code for each dictionary value, interned on first use so that values no
    // row refers to do not become levels.
    let mut local: Vec<Option<Option<u32>>> = vec![None; values.len()];
    for i in 0..array.len() {
        let key = if dictionary.keys().is_valid(i) {
            keys.get(i).copied()
        } else {
            None
        };
        let code = key.and_then(|k| match local.get(k).copied().flatten() {
            Some(code) => code,
            None => {
                let code = values.get(k).map(|s| dict.intern(s));
                if let Some(slot) = local.get_mut(k) {
                    *slot = Some(code);
                }
                code
            }
        });
        dict.push(code, missing);
    }
    true
}

/// The code a [`Dictionary`] holds for a missing row until [`Dictionary::finish`]
/// turns it into 0 (no level ever gets this code: a file cannot hold 2^32 strings in
/// one column that mlg could load).
const MISSING: u32 = u32::MAX;

/// A dictionary under construction: codes in first-seen order (as in the CSV loader).
#[derive(Default)]
struct Dictionary {
    index: HashMap<String, u32>,
    codes: Vec<u32>,
}

impl Dictionary {
    /// The first-seen code of `value`, adding it when new.
    fn intern(&mut self, value: &str) -> u32 {
        if let Some(&code) = self.index.get(value) {
            return code;
        }
        let code = self.index.len() as u32;
        self.index.insert(value.to_string(), code);
        code
    }

    /// Appends a row: `Some(code)` from [`Dictionary::intern`], or `None` for missing.
    fn push(&mut self, code: Option<u32>, missing: &mut Vec<bool>) {
        self.codes.push(code.unwrap_or(MISSING));
        missing.push(code.is_none());
    }

    /// Sorts the levels by byte order and renumbers the codes to match; missing rows
    /// get code 0.
    fn finish(self) -> (Vec<u32>, Vec<String>) {
        let mut levels: Vec<(String, u32)> = self.index.into_iter().collect();
        levels.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let mut remap = vec![0u32; levels.len()];
        for (new, (_, old)) in levels.iter().enumerate() {
            if let Some(slot) = remap.get_mut(*old as usize) {
                *slot = new as u32;
            }
        }
        let codes = self
            .codes
            .into_iter()
            .map(|c| remap.get(c as usize).copied().unwrap_or(0))
            .collect();
        (codes, levels.into_iter().map(|(level, _)| level).collect())
    }
}
