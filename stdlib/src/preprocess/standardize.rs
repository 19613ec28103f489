//! `standardize`: centres numeric columns to mean 0 and scales them to unit
//! population standard deviation, like scikit-learn's `StandardScaler`.

use super::{frame_column, lowered_column, lowering_error, replace_column, set_lowered_column};
use crate::design::ColumnMap;
use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::registry::{column_error, param_bool};
use mlg_compiler::ir::Op;
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::{Column, ColumnData, Frame};
use mlg_runtime::memory::collect_huge;
use rayon::prelude::*;

const OP: &str = "standardize";

/// The `standardize` features step. Parameters: `with_mean` (subtract the
/// training mean, default true), `with_std` (divide by the training population
/// standard deviation, ddof 0, default true). Fitting learns a mean and a scale
/// per selected numeric column from its non-missing training values; a zero
/// (or numerically zero) standard deviation gives scale 1, and a column with no
/// observed values is left unchanged (mean 0, scale 1). Transforming maps `x` to
/// `(x - mean) / scale`; missing values stay missing (NaN). Selecting a
/// categorical column is an error. Distributed: the counts, sums and squared
/// deviations are summed over the ranks ([`mlg_runtime::collective`]), so each
/// rank learns the statistics of all the rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardize {
    /// Whether the training mean is subtracted.
    pub with_mean: bool,
    /// Whether values are divided by the training standard deviation.
    pub with_std: bool,
}

impl Standardize {
    /// Reads the checked parameters.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        Ok(Standardize {
            with_mean: param_bool(OP, params, "with_mean", true)?,
            with_std: param_bool(OP, params, "with_std", true)?,
        })
    }
}

/// The values of a column that are neither marked missing in `missing` nor NaN, in row order.
fn kept<'a>(values: &'a [f64], missing: &'a [bool]) -> impl Iterator<Item = f64> + 'a {
    values
        .iter()
        .zip(missing)
        .filter(|(v, m)| !**m && !v.is_nan())
        .map(|(v, _)| *v)
}

/// The statistics learned for one column: `x' = (x - mean) / scale`.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnScale {
    /// The column.
    pub column: String,
    /// 0 when `with_mean` is false.
    pub mean: f64,
    /// 1 when `with_std` is false or the standard deviation is zero.
    pub scale: f64,
}

impl ColumnScale {
    /// The map of the column's values, `(x - mean) / scale`.
    fn map(&self) -> ColumnMap {
        ColumnMap::Standardize {
            mean: self.mean,
            scale: self.scale,
        }
    }
}

/// A fitted `standardize`: one [`ColumnScale`] per selected column.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedStandardize {
    /// One per selected column, in selection order.
    pub scales: Vec<ColumnScale>,
}

impl Transform for Standardize {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let mut observed = Vec::with_capacity(selected.len());
        for name in selected {
            let column = frame_column(OP, frame, name)?;
            let values = column.as_numeric().ok_or_else(|| {
                column_error(OP, name, "is categorical; standardize applies to numeric columns")
            })?;
            observed.push((values, column.missing.as_slice()));
        }
        // Counts and sums, then squared deviations from the mean, summed over
        // every rank of a distributed job (each holds some of the rows). One
        // column per task, each summed in row order.
        let comm = mlg_runtime::collective::current();
        let mut sums: Vec<f64> = observed
            .par_iter()
            .flat_map_iter(|&(v, m)| {
                let (n, sum) = kept(v, m).fold((0usize, -0.0), |(n, s), x| (n + 1, s + x));
                [n as f64, sum]
            })
            .collect();
        comm.all_reduce_f64(&mut sums);
        let means: Vec<f64> = sums
            .chunks_exact(2)
            .map(|c| if c[0] > 0.0 { c[1] / c[0] } else { 0.0 })
            .collect();
        let mut squares: Vec<f64> = observed
            .par_iter()
            .zip(&means)
            .map(|(&(v, m), mean)| kept(v, m).map(|x| (x - mean) * (x - mean)).sum::<f64>())
            .collect();
        comm.all_reduce_f64(&mut squares);
        let mut scales = Vec::with_capacity(selected.len());
        for (i, name) in selected.iter().enumerate() {
            let (n, m) = (sums[2 * i], means[i]);
            let (mut mean, mut scale) = (0.0, 1.0);
            if n > 0.0 {
                let std = (squares[i] / n).sqrt();
                if self.with_mean {
                    mean = m;
                }
                // scikit-learn treats a variance lost in rounding as zero.
                let tiny = 10.0 * f64::EPSILON * m.abs().max(f64::MIN_POSITIVE);
                if self.with_std && std > tiny {
                    scale = std;
                }
            }
            scales.push(ColumnScale {
                column: name.clone(),
                mean,
                scale,
            });
        }
        Ok(Box::new(FittedStandardize { scales }))
    }
}

impl FittedTransform for FittedStandardize {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let mut inputs = Vec::with_capacity(self.scales.len());
        for s in &self.scales {
            let column = frame_column(OP, frame, &s.column)?;
            let values = column.as_numeric().ok_or_else(|| {
                column_error(
                    OP,
                    &s.column,
                    "is categorical; standardize applies to numeric columns",
                )
            })?;
            inputs.push((s, column, values));
        }
        let scaled: Vec<Column> = inputs
            .into_par_iter()
            .map(|(s, column, values)| Column {
                name: s.column.clone(),
                data: ColumnData::Numeric(collect_huge(values.iter().map(|x| s.map().apply(*x)))),
                missing: column.missing.clone(),
            })
            .collect();
        // The other columns are copied; the scaled ones are not copied first.
        let mut out = Frame {
            columns: (frame.columns.iter())
                .map(|c| match self.scales.iter().any(|s| s.column == c.name) {
                    true => Column {
                        name: c.name.clone(),
                        data: ColumnData::Numeric(Vec::new()),
                        missing: Vec::new(),
                    },
                    false => c.clone(),
                })
                .collect(),
            n_rows: frame.n_rows,
        };
        for new in scaled {
            let name = new.name.clone();
            replace_column(&mut out, &name, new);
        }
        Ok(out)
    }

    fn column_maps(&self, frame: &Frame, skip: &str) -> Option<Vec<ColumnMap>> {
        // Every scaled column must be a numeric column of `frame`, as
        // `transform` requires; a scaled `skip` would be left out.
        let numeric = |name: &str| frame.column(name).is_some_and(|c| c.as_numeric().is_some());
        if !self.scales.iter().all(|s| s.column != skip && numeric(&s.column)) {
            return None;
        }
        let maps = frame.columns.iter().filter(|c| c.name != skip).map(|c| {
            self.scales
                .iter()
                .find(|s| s.column == c.name)
                .map_or(ColumnMap::Copy, ColumnScale::map)
        });
        Some(maps.collect())
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for s in &self.scales {
            let x = lowered_column(OP, lowering, &s.column)?;
            let op = Op::Scale {
                x,
                mul: vec![(1.0 / s.scale) as f32],
                add: vec![(-s.mean / s.scale) as f32],
            };
            let node = lowering.builder.push(op).map_err(lowering_error(OP))?;
            set_lowered_column(lowering, &s.column, node);
        }
        Ok(())
    }
}
