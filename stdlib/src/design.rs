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
        fill(out, cols, self.columns, &self.rows[start..start + len]);
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
        let cols = self.columns.len();
        let mut data = vec![0.0; self.rows.len() * cols];
        // Zeroed pages not yet touched: filled on huge pages.
        mlg_runtime::memory::advise_huge_pages(&data);
        if cols > 0 {
            data.par_chunks_mut(COPY_BLOCK * cols)
                .zip(self.rows.par_chunks(COPY_BLOCK))
                .for_each(|(block, rows)| fill(block, cols, self.columns, rows));
        }
        Matrix {
            rows: self.rows.len(),
            cols,
            data,
        }
    }
}

/// `rows` of `columns` into `block`, row-major, column by column (each column
/// read in order).
fn fill(block: &mut [f64], cols: usize, columns: &[&[f64]], rows: &[usize]) {
    for (j, column) in columns.iter().enumerate() {
        for (i, &r) in rows.iter().enumerate() {
            block[i * cols + j] = column[r];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Columns;

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
}
