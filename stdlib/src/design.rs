//! Training data as an estimator reads it: one dense [`Matrix`], or
//! [`Columns`], borrowed columns of a frame with the rows to train on, which an
//! estimator that works block by block reads without ever holding the matrix.

use crate::op::Matrix;
use rayon::prelude::*;

/// Rows per block when [`Columns::to_matrix`] copies in parallel.
const COPY_BLOCK: usize = 4096;

/// The model matrix as borrowed columns: row `i` is `columns[j][rows[i]]` for
/// every `j`. Holds no copy of the data; [`Columns::to_matrix`] makes one.
#[derive(Clone, Copy, Debug)]
pub struct Columns<'a> {
    /// One slice per feature, each indexed by frame row.
    pub columns: &'a [&'a [f64]],
    /// The frame rows to train on, in order.
    pub rows: &'a [usize],
}

impl Columns<'_> {
    /// The number of training rows.
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    /// The number of features.
    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    /// Rows `start..start + len` into `out`, row-major (`out` is cleared first).
    pub fn block(&self, start: usize, len: usize, out: &mut Vec<f64>) {
        let cols = self.columns.len();
        out.clear();
        out.resize(len * cols, 0.0);
        fill(out, cols, self.columns, &self.rows[start..start + len], &[]);
    }

    /// The first `(row, feature)` (positions in the view) whose value is not
    /// finite, scanning rows in order.
    pub fn first_non_finite(&self) -> Option<(usize, usize)> {
        self.rows.iter().enumerate().find_map(|(i, &r)| {
            self.columns
                .iter()
                .position(|c| !c[r].is_finite())
                .map(|j| (i, j))
        })
    }

    /// The mean of every feature over the rows.
    pub fn means(&self) -> Vec<f64> {
        let n = self.rows.len() as f64;
        self.columns
            .par_iter()
            .map(|c| self.rows.iter().map(|&r| c[r]).sum::<f64>() / n)
            .collect()
    }

    /// The dense row-major copy, built in blocks of rows on every thread.
    pub fn to_matrix(&self) -> Matrix {
        self.matrix_with(&[])
    }

    /// [`Columns::to_matrix`] with column `j` mapped by `maps[j]` on the way
    /// (`maps` holds one map per column), so a step that maps columns one by
    /// one and the matrix after it cost one copy of the data instead of two.
    pub fn to_matrix_mapped(&self, maps: &[ColumnMap]) -> Matrix {
        assert_eq!(maps.len(), self.columns.len(), "one map per column");
        self.matrix_with(maps)
    }

    /// The matrix with `maps` applied (none: every column as it is).
    fn matrix_with(&self, maps: &[ColumnMap]) -> Matrix {
        let cols = self.columns.len();
        let mut data = vec![0.0; self.rows.len() * cols];
        // Zeroed pages not yet touched: filled on huge pages.
        mlg_runtime::memory::advise_huge_pages(&data);
        if cols > 0 {
            data.par_chunks_mut(COPY_BLOCK * cols)
                .zip(self.rows.par_chunks(COPY_BLOCK))
                .for_each(|(block, rows)| fill(block, cols, self.columns, rows, maps));
        }
        Matrix {
            rows: self.rows.len(),
            cols,
            data,
        }
    }
}

/// `rows` of `columns` into `block`, row-major, column by column (each column
/// read in order), column `j` mapped by `maps[j]` (every column as it is
/// when `maps` is empty).
fn fill(block: &mut [f64], cols: usize, columns: &[&[f64]], rows: &[usize], maps: &[ColumnMap]) {
    for (j, column) in columns.iter().enumerate() {
        let cells = rows.iter().enumerate().map(|(i, &r)| (i * cols + j, column[r]));
        match maps.get(j).copied().unwrap_or(ColumnMap::Copy) {
            ColumnMap::Copy => cells.for_each(|(at, x)| block[at] = x),
            map @ ColumnMap::Standardize { .. } => cells.for_each(|(at, x)| block[at] = map.apply(x)),
        }
    }
}

/// How one column's values become a matrix column
/// ([`Columns::to_matrix_mapped`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColumnMap {
    /// As they are.
    Copy,
    /// `(x - mean) / scale`, in `f64`, as `standardize` transforms them.
    Standardize {
        /// Subtracted first.
        mean: f64,
        /// Divided by after.
        scale: f64,
    },
}

impl ColumnMap {
    /// The mapped `x`.
    #[inline]
    pub fn apply(self, x: f64) -> f64 {
        match self {
            ColumnMap::Copy => x,
            ColumnMap::Standardize { mean, scale } => (x - mean) / scale,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ColumnMap, Columns};

    #[test]
    fn blocks_and_the_matrix_hold_the_chosen_rows_in_order() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [10.0, 20.0, 30.0, f64::NAN];
        let columns: [&[f64]; 2] = [&a, &b];
        let rows = [2, 0, 1];
        let view = Columns {
            columns: &columns,
            rows: &rows,
        };
        assert_eq!(view.to_matrix().data, vec![3.0, 30.0, 1.0, 10.0, 2.0, 20.0]);
        let mut out = Vec::new();
        view.block(1, 2, &mut out);
        assert_eq!(out, vec![1.0, 10.0, 2.0, 20.0]);
        assert_eq!(view.means(), vec![2.0, 20.0]);
        assert_eq!(view.first_non_finite(), None);
        let all = [0, 3];
        let with_nan = Columns {
            columns: &columns,
            rows: &all,
        };
        assert_eq!(with_nan.first_non_finite(), Some((1, 1)));
    }

    #[test]
    fn a_mapped_matrix_maps_each_column_as_told() {
        let a: Vec<f64> = (0..9000).map(|i| f64::from(i) * 0.1).collect();
        let b: Vec<f64> = (0..9000).map(|i| f64::from(i % 7) - 3.0).collect();
        let columns: [&[f64]; 2] = [&a, &b];
        let rows: Vec<usize> = (0..9000).rev().collect();
        let view = Columns {
            columns: &columns,
            rows: &rows,
        };
        let (mean, scale) = (449.95, 259.8);
        let maps = [ColumnMap::Copy, ColumnMap::Standardize { mean, scale }];
        let mapped = view.to_matrix_mapped(&[maps[1], maps[0]]);
        let plain = view.to_matrix();
        for (m, p) in mapped.data.chunks(2).zip(plain.data.chunks(2)) {
            assert_eq!(m[0].to_bits(), ((p[0] - mean) / scale).to_bits());
            assert_eq!(m[1].to_bits(), p[1].to_bits());
        }
        assert_eq!(view.to_matrix_mapped(&[ColumnMap::Copy; 2]).data, plain.data);
    }
}
