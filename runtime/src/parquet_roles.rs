//! How `parquet` 60 reads the Thrift structs of a page header and of a footer, for the walk of [`crate::parquet_headers`].
//!
//! The crate's readers take a known field by its id, whatever type the
//! field's header declares (an `i32` field declared a list is still read as
//! one varint), and skip the others as declared. A walk that read a known
//! field by its declared type lost step with the crate, and the crate then
//! skipped bytes the walk never saw: a list of 2^31 booleans, for one (found
//! by fuzzing, several times: a footer's field 1, a page header's fields, a
//! `SizeStatistics` list declared a UUID). So every struct the crate reads
//! has a role here, with its known fields, taken from the crate's
//! `file/metadata/thrift/mod.rs`, `basic.rs` and `parquet_macros.rs`.

/// A boolean struct field: no bytes (the crate refuses another type).
const BOOL: u8 = 1;
/// An `i8`: one byte.
const BYTE: u8 = 3;
/// Any varint integer (`i16`, `i32`, `i64`, and the enums read as `i32`).
const INT: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const STRUCT: u8 = 12;
/// Not a compact type: an empty struct as a union's variant, which the crate
/// reads as one byte that must be 0 (`skip_empty_struct`).
pub(crate) const EMPTY: u8 = 16;

/// Which struct a walk reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The top-level `PageHeader`: 1 to 4 integers, 5 a `DataPageHeader`,
    /// 6 an `IndexPageHeader` (no fields), 7 a `DictionaryPageHeader`, 8 a
    /// `DataPageHeaderV2`.
    Page,
    /// `DictionaryPageHeader`: 1 and 2 integers, 3 a boolean.
    Dictionary,
    /// `DataPageHeader`: 1 to 4 integers; statistics (5) skipped as declared.
    DataPage,
    /// `DataPageHeaderV2`: 1 to 6 integers, 7 a boolean; statistics (8)
    /// skipped as declared.
    DataPageV2,
    /// The footer's `FileMetaData`: 1 and 3 integers, 2, 4, 5 and 7 lists
    /// of structs, 6 a string; 8 and 9 (encryption, not built) skipped as
    /// declared.
    FileMeta,
    /// `RowGroup`: 1 and 4 lists of structs, 2, 3, 5 and 7 integers.
    RowGroup,
    /// `ColumnChunk`: 1 a string, 3 a `ColumnMetaData`, 2 and 4 to 7
    /// integers; 8 and 9 (encryption, not built) skipped as declared.
    ColumnChunk,
    /// `ColumnMetaData`: 2 a list of integers, 13 a list of
    /// `PageEncodingStats`, 12 a `Statistics`, 16 a `SizeStatistics`, 17 a
    /// `GeospatialStatistics`, the rest but 3 and 8 integers.
    ColumnMeta,
    /// `SchemaElement`: 4 a string, 10 a `LogicalType`, the others integers.
    Schema,
    /// `KeyValue`: 1 and 2 strings.
    KeyValue,
    /// `Statistics`: 1, 2, 5 and 6 strings, 3, 4 and 9 integers, 7 and 8
    /// booleans.
    Statistics,
    /// `PageEncodingStats`: 1 to 3 integers.
    EncodingStats,
    /// `SortingColumn`: 1 an integer, 2 and 3 booleans.
    Sorting,
    /// `SizeStatistics`: 1 an integer, 2 and 3 lists of integers.
    SizeStats,
    /// `GeospatialStatistics`: 1 a `BoundingBox`, 2 a list of integers.
    GeoStats,
    /// `BoundingBox`: 1 to 8 doubles.
    BoundingBox,
    /// The `LogicalType` union: its variants' structs, empty or not.
    LogicalType,
    /// `DecimalType`: 1 and 2 integers.
    Decimal,
    /// `TimeType` and `TimestampType`: 1 a boolean, 2 a `TimeUnit`.
    Time,
    /// The `TimeUnit` and `ColumnOrder` unions: 1 to 3 empty structs.
    EmptyUnion,
    /// `IntType`: 1 a byte, 2 a boolean.
    Int,
    /// `VariantType`: 1 a byte.
    Variant,
    /// `GeometryType` (1) and `GeographyType` (1 a string, 2 an integer).
    Geo,
    /// Any other struct: every field skipped as declared.
    Nested,
}

/// How the crate reads field `id` of a struct of `role`, whatever type its
/// header declares: the compact type (or [`EMPTY`]), a list's element type
/// (`None`: as declared), and the role of the structs within. `None` for a
/// field skipped as its header declares.
pub(crate) fn by_id(role: Role, id: i64) -> Option<(u8, Option<u8>, Role)> {
    use Role::*;
    let plain = |kind| Some((kind, None, Nested));
    let list = |element, inner| Some((LIST, Some(element), inner));
    let structure = |inner| Some((STRUCT, None, inner));
    match (role, id) {
        (Page, 1..=4) | (Dictionary, 1 | 2) | (DataPage, 1..=4) | (DataPageV2, 1..=6) => plain(INT),
        (Dictionary, 3) | (DataPageV2, 7) | (Statistics, 7 | 8) | (Sorting, 2 | 3) | (Time, 1) | (Int, 2) => {
            plain(BOOL)
        }
        (Page, 5) => structure(DataPage),
        (Page, 6) => structure(Nested),
        (Page, 7) => structure(Dictionary),
        (Page, 8) => structure(DataPageV2),
        (FileMeta, 1 | 3) | (RowGroup, 2 | 3 | 5 | 7) | (ColumnChunk, 2 | 4..=7) => plain(INT),
        (ColumnMeta, 1 | 4..=7 | 9..=11 | 14 | 15) | (Schema, 1..=3 | 5..=9) => plain(INT),
        (Statistics, 3 | 4 | 9) | (EncodingStats, 1..=3) | (Sorting, 1) | (SizeStats, 1) => plain(INT),
        (Decimal, 1 | 2) | (Geo, 2) => plain(INT),
        (Int, 1) | (Variant, 1) => plain(BYTE),
        (BoundingBox, 1..=8) => plain(DOUBLE),
        (FileMeta, 6) | (ColumnChunk, 1) | (Schema, 4) | (KeyValue, 1 | 2) => plain(BINARY),
        (Statistics, 1 | 2 | 5 | 6) | (Geo, 1) => plain(BINARY),
        (FileMeta, 2) => list(STRUCT, Schema),
        (FileMeta, 4) => list(STRUCT, RowGroup),
        (FileMeta, 5) => list(STRUCT, KeyValue),
        (FileMeta, 7) => list(STRUCT, EmptyUnion),
        (RowGroup, 1) => list(STRUCT, ColumnChunk),
        (RowGroup, 4) => list(STRUCT, Sorting),
        (ColumnChunk, 3) => structure(ColumnMeta),
        (ColumnMeta, 2) | (SizeStats, 2 | 3) | (GeoStats, 2) => list(INT, Nested),
        (ColumnMeta, 13) => list(STRUCT, EncodingStats),
        (ColumnMeta, 12) => structure(Statistics),
        (ColumnMeta, 16) => structure(SizeStats),
        (ColumnMeta, 17) => structure(GeoStats),
        (GeoStats, 1) => structure(BoundingBox),
        (Schema, 10) => structure(LogicalType),
        (LogicalType, 1..=4 | 6 | 11..=15 | 19) | (EmptyUnion, 1..=3) => plain(EMPTY),
        (LogicalType, 5) => structure(Decimal),
        (LogicalType, 7 | 8) => structure(Time),
        (LogicalType, 10) => structure(Int),
        (LogicalType, 16) => structure(Variant),
        (LogicalType, 17 | 18) => structure(Geo),
        (Time, 2) => structure(EmptyUnion),
        _ => None,
    }
}
