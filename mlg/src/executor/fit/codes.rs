//! Categorical columns for a model that splits on categories natively
//! (gradient boosting, [`mlg_stdlib::operators::Capabilities::categorical`]):
//! each becomes its category codes as numbers, the values its input slot
//! carries at inference.

use mlg_runtime::{Column, ColumnData, Frame};

/// Per model column, its name and, when it holds category codes, its
/// number of levels ([`mlg_stdlib::op::Estimator::fit_categorical`]).
pub type Levels = Vec<(String, Option<usize>)>;

/// `frame` without column `skip`, every categorical column turned into its
/// codes as `f64` (NaN where missing), with the [`Levels`] of the columns
/// kept; `None` when no column but `skip` is categorical.
pub fn coded(frame: &Frame, skip: &str) -> Option<(Frame, Levels)> {
    let kept = || frame.columns.iter().filter(|c| c.name != skip);
    if !kept().any(|c| !c.is_numeric()) {
        return None;
    }
    let mut levels = Vec::with_capacity(frame.columns.len());
    let columns = kept()
        .map(|c| match &c.data {
            ColumnData::Numeric(_) => {
                levels.push((c.name.clone(), None));
                c.clone()
            }
            ColumnData::Categorical { codes, levels: names } => {
                levels.push((c.name.clone(), Some(names.len())));
                let values = codes
                    .iter()
                    .zip(&c.missing)
                    .map(|(&code, &missing)| if missing { f64::NAN } else { f64::from(code) })
                    .collect();
                Column::numeric(c.name.clone(), values)
            }
        })
        .collect();
    Some((Frame::new(columns, frame.n_rows), levels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categorical_columns_become_codes_with_nan_for_missing() {
        let levels = vec!["a".into(), "b".into()];
        let island = Column::categorical("island", vec![1, 0, 0], levels, vec![false, false, true]);
        let frame = Frame::new(
            vec![
                Column::numeric("mass", vec![1.0, 2.0, 3.0]),
                island,
                Column::numeric("y", vec![0.0, 1.0, 0.0]),
            ],
            3,
        );
        let (numbers, levels) = coded(&frame, "y").expect("a categorical column");
        assert_eq!(
            levels,
            vec![("mass".to_string(), None), ("island".to_string(), Some(2))]
        );
        let codes = numbers.columns[1].as_numeric().expect("numeric");
        assert_eq!(&codes[..2], &[1.0, 0.0]);
        assert!(codes[2].is_nan());
        assert!(coded(&Frame::new(vec![Column::numeric("y", vec![0.0])], 1), "y").is_none());
    }
}
