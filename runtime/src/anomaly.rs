//! Input anomalies: values of new rows that the training rows never showed,
//! per input feature, against the artifact's [`DataProfile`]:
//! - `out_of_range`: a number below the training minimum or above the
//!   training maximum (infinities included);
//! - `unseen_category`: a categorical value that is none of the training
//!   levels (the model reads it as its unseen code);
//! - `unexpected_missing`: a missing value where no training row had one.
//!
//! Unlike drift, which compares distributions over a window, each anomaly is
//! one row's one value, so it is counted as it arrives.

use crate::frame::{ColumnData, Frame};
use crate::profile::{DataProfile, FeatureStats};
use std::collections::HashSet;

/// The kinds of anomaly, in [`Counts`] order.
pub const KINDS: [&str; 3] = ["out_of_range", "unseen_category", "unexpected_missing"];

/// Per kind, the number of values (in [`KINDS`] order).
pub type Counts = [u64; 3];

/// What each profiled feature accepts.
#[derive(Clone, Debug)]
pub struct AnomalyCheck {
    features: Vec<Feature>,
}

#[derive(Clone, Debug)]
struct Feature {
    name: String,
    expected: Expected,
    /// Whether training rows had missing values.
    missing_seen: bool,
}

#[derive(Clone, Debug)]
enum Expected {
    Range {
        min: f64,
        max: f64,
    },
    Levels(HashSet<String>),
    /// No finite training value to compare with.
    Nothing,
}

impl AnomalyCheck {
    /// The checks of `profile`'s features (none for an empty profile).
    pub fn new(profile: &DataProfile) -> AnomalyCheck {
        let features = profile
            .features
            .iter()
            .map(|f| Feature {
                name: f.name.clone(),
                expected: match &f.stats {
                    FeatureStats::Numeric(n) if n.min.is_finite() && n.max.is_finite() => Expected::Range {
                        min: n.min,
                        max: n.max,
                    },
                    FeatureStats::Numeric(_) => Expected::Nothing,
                    FeatureStats::Categorical(c) => Expected::Levels(c.levels.iter().cloned().collect()),
                },
                missing_seen: f.missing > 0,
            })
            .collect();
        AnomalyCheck { features }
    }

    /// The features checked, in profile order.
    pub fn features(&self) -> impl Iterator<Item = &str> {
        self.features.iter().map(|f| f.name.as_str())
    }

    /// Per feature (profile order), the anomalies among `frame`'s rows; a
    /// feature the frame lacks counts nothing.
    pub fn count(&self, frame: &Frame) -> Vec<Counts> {
        self.features
            .iter()
            .enumerate()
            .map(|(i, feature)| {
                let mut counts = [0u64; 3];
                // A served batch holds the columns in profile (slot) order;
                // look up by name only when it does not.
                let column = frame
                    .columns
                    .get(i)
                    .filter(|c| c.name == feature.name)
                    .or_else(|| frame.column(&feature.name));
                let Some(column) = column else {
                    return counts;
                };
                if !feature.missing_seen {
                    counts[2] = column.missing.iter().filter(|&&m| m).count() as u64;
                }
                match (&column.data, &feature.expected) {
                    (ColumnData::Numeric(values), Expected::Range { min, max }) => {
                        counts[0] = values
                            .iter()
                            .zip(&column.missing)
                            .filter(|(v, m)| !**m && !v.is_nan() && (**v < *min || **v > *max))
                            .count() as u64;
                    }
                    (ColumnData::Categorical { codes, levels }, Expected::Levels(known)) => {
                        let unseen: Vec<bool> = levels.iter().map(|l| !known.contains(l)).collect();
                        counts[1] = codes
                            .iter()
                            .zip(&column.missing)
                            .filter(|(c, m)| !**m && unseen.get(**c as usize).copied().unwrap_or(false))
                            .count() as u64;
                    }
                    _ => {}
                }
                counts
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Column;
    use mlg_compiler::ir::{InputSlot, SlotKind};

    #[test]
    fn counts_values_outside_what_training_showed() {
        let training = Frame::new(
            vec![
                Column::numeric("x", vec![1.0, 2.0, 3.0]),
                Column::categorical("c", vec![0, 1, 0], vec!["a".into(), "b".into()], vec![false; 3]),
                Column::numeric("y", vec![1.0, f64::NAN, 2.0]),
            ],
            3,
        );
        let slot = |name: &str, kind| InputSlot {
            name: name.into(),
            kind,
        };
        let slots = [
            slot("x", SlotKind::Numeric),
            slot(
                "c",
                SlotKind::Categorical {
                    levels: vec!["a".into(), "b".into()],
                },
            ),
            slot("y", SlotKind::Numeric),
        ];
        let check = AnomalyCheck::new(&DataProfile::of(&training, &slots));
        let new = Frame::new(
            vec![
                Column::numeric("x", vec![0.5, 2.0, f64::INFINITY, f64::NAN]),
                Column::categorical(
                    "c",
                    vec![0, 1, 2, 0],
                    vec!["b".into(), "zzz".into(), "a".into()],
                    vec![false, false, false, true],
                ),
                Column::numeric("y", vec![f64::NAN, 9.0, 1.5, 1.0]),
            ],
            4,
        );
        assert_eq!(check.count(&new), vec![[2, 0, 1], [0, 1, 1], [1, 0, 0]]);
        // Columns in another order are found by name; an absent one counts nothing.
        let mut reordered = new.clone();
        reordered.columns.reverse();
        reordered.columns.pop();
        assert_eq!(check.count(&reordered), vec![[0, 0, 0], [0, 1, 1], [1, 0, 0]]);
    }
}
