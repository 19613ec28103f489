//! Schemas of frames and CSV files, as the compiler's checker sees them.

use crate::csv::read_csv_typed;
use crate::frame::{ColumnData, Frame};
use mlg_compiler::workflow::catalog::{ColumnInfo, ColumnKind, Schema, SchemaSource};
use std::path::Path;

impl Frame {
    /// The schema of this frame: every column in order with its kind, its number of
    /// missing entries and (categoricals only) its levels; `rows` is `n_rows`.
    pub fn schema(&self) -> Schema {
        let columns = self
            .columns
            .iter()
            .map(|c| {
                let (kind, levels) = match &c.data {
                    ColumnData::Numeric(_) => (ColumnKind::Numeric, Vec::new()),
                    ColumnData::Categorical { levels, .. } => (ColumnKind::Categorical, levels.clone()),
                };
                ColumnInfo {
                    name: c.name.clone(),
                    kind,
                    missing: c.missing_count(),
                    levels,
                }
            })
            .collect();
        Schema {
            columns,
            rows: self.n_rows,
        }
    }
}

/// A [`SchemaSource`] that reads the whole file (CSV, or Parquet when the source is
/// `parquet`) and reports its [`Frame::schema`]; the error string is the
/// [`crate::DataError`]'s message. CSV columns named in `types` are read as that
/// kind ([`read_csv_typed`]); Parquet files carry their own types and refuse them.
#[derive(Clone, Copy, Debug, Default)]
pub struct CsvSchemaSource;

impl SchemaSource for CsvSchemaSource {
    fn schema(&self, format: &str, path: &Path) -> Result<Schema, String> {
        self.schema_typed(format, path, &[])
    }

    fn schema_typed(
        &self,
        format: &str,
        path: &Path,
        types: &[(String, ColumnKind)],
    ) -> Result<Schema, String> {
        let frame = match format {
            "parquet" if !types.is_empty() => {
                return Err("Parquet files carry their column types; `types` applies to CSV only".into())
            }
            #[cfg(feature = "parquet")]
            "parquet" => crate::parquet::read_parquet(path),
            #[cfg(not(feature = "parquet"))]
            "parquet" => {
                return Err(format!(
                    "cannot read `{}`: this build of mlg-runtime has no `parquet` feature",
                    path.display()
                ))
            }
            _ => read_csv_typed(path, types),
        };
        frame.map(|frame| frame.schema()).map_err(|e| e.to_string())
    }
}
