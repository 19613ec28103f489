//! A profile's alerts: columns to look at before modelling, each with the
//! fix, in the manner of ydata-profiling's alerts. `mlg profile` prints them
//! and the profile page lists them first.

use super::{ColumnProfile, ColumnStats, Profile};

/// Fewest rows before "every value distinct" reads as an ID column.
const ID_MIN_ROWS: usize = 20;
/// A categorical column with more levels than this is high-cardinality.
const HIGH_CARDINALITY: usize = 50;
/// A column missing in more than this share of rows is mostly missing.
const MOSTLY_MISSING: f64 = 0.5;
/// A numeric column whose skewness exceeds this in absolute value is skewed.
const SKEWED: f64 = 2.0;

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertKind {
    /// One value (or none) in every row.
    Constant,
    /// Every present value distinct, and not a measurement: an ID.
    Unique,
    /// A categorical column with many levels.
    HighCardinality,
    /// Missing in most rows.
    MostlyMissing,
    /// A numeric column with a long tail.
    Skewed,
}

impl AlertKind {
    /// The alert's name as the page and the terminal show it.
    pub fn name(self) -> &'static str {
        match self {
            AlertKind::Constant => "constant",
            AlertKind::Unique => "unique",
            AlertKind::HighCardinality => "high cardinality",
            AlertKind::MostlyMissing => "mostly missing",
            AlertKind::Skewed => "skewed",
        }
    }
}

/// One alert on one column.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// The column.
    pub column: String,
    /// What is wrong.
    pub kind: AlertKind,
    /// What was found and what to do, one sentence.
    pub message: String,
}

/// Every alert of `profile`, column by column in file order.
pub fn alerts(profile: &Profile) -> Vec<Alert> {
    profile
        .columns
        .iter()
        .flat_map(|c| column_alerts(c, profile.n_rows))
        .collect()
}

/// Whether `column` looks like an ID: every present value distinct over at
/// least [`ID_MIN_ROWS`] rows, and text or whole numbers (distinct real
/// measurements are common and harmless).
pub fn is_id_like(column: &ColumnProfile, n_rows: usize) -> bool {
    let present = n_rows - column.missing;
    let whole = match &column.stats {
        ColumnStats::Categorical(_) => true,
        ColumnStats::Numeric(Some(s)) => s.whole,
        ColumnStats::Numeric(None) => false,
    };
    present >= ID_MIN_ROWS && column.distinct == present && whole
}

fn column_alerts(column: &ColumnProfile, n_rows: usize) -> Vec<Alert> {
    let mut out = Vec::new();
    let mut alert = |kind: AlertKind, message: String| {
        out.push(Alert {
            column: column.name.clone(),
            kind,
            message,
        })
    };
    let name = &column.name;
    // One value and no gaps (a value present in some rows only still
    // says which rows have it).
    if n_rows > 1 && (column.distinct == 0 || (column.distinct == 1 && column.missing == 0)) {
        alert(
            AlertKind::Constant,
            format!("`{name}` holds a single value: it cannot tell rows apart; -> drop(cols(\"{name}\"))"),
        );
    }
    if is_id_like(column, n_rows) {
        let harm = match column.stats {
            ColumnStats::Categorical(_) => format!("one_hot would make {} columns of it", column.distinct),
            ColumnStats::Numeric(_) => {
                "a model would split on it as if its order meant something".to_string()
            }
        };
        alert(
            AlertKind::Unique,
            format!(
                "every value of `{name}` is distinct (an ID?): {harm}; -> drop(cols(\"{name}\")) (keep it \
                 for joining predictions back)"
            ),
        );
    } else if let ColumnStats::Categorical(_) = column.stats {
        if column.distinct > HIGH_CARDINALITY {
            alert(
                AlertKind::HighCardinality,
                format!(
                    "`{name}` has {} levels: one_hot makes a column per level; target_encode or ordinal \
                     keep one",
                    column.distinct
                ),
            );
        }
    }
    if n_rows > 0 && column.missing as f64 > MOSTLY_MISSING * n_rows as f64 {
        alert(
            AlertKind::MostlyMissing,
            format!(
                "`{name}` is missing in {:.0} % of rows: impute it with an indicator, or drop it",
                100.0 * column.missing as f64 / n_rows as f64
            ),
        );
    }
    if let ColumnStats::Numeric(Some(s)) = &column.stats {
        if s.skewness.abs() > SKEWED && column.distinct > 2 {
            alert(
                AlertKind::Skewed,
                format!(
                    "`{name}` is skewed (skewness {:.1}): log1p or power may help linear models and \
                     networks; trees do not mind",
                    s.skewness
                ),
            );
        }
    }
    out
}
