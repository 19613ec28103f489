//! `linear_regression`: ordinary least squares with an optional intercept,
//! solved as a minimum-norm least-squares problem on the centred data (thin SVD),
//! which matches scikit-learn's `LinearRegression` also for collinear features.

use super::{check_columns, check_feature_width, check_training_data, column_means, to_f32};
use crate::catalog::p;
use crate::design::Columns;
use crate::op::{boxed_model, Estimator, FittedModel, Matrix, OpError, Target};
use crate::operators::OperatorDef;
use crate::registry::{invalid, param_bool};
use faer::Mat;
use mlg_compiler::ir::{GraphBuilder, NodeId, Op};
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType, Params, Task};
use mlg_runtime::collective::Collective;

const OP: &str = "linear_regression";

/// The `linear_regression` model's definition.
pub(crate) const DEFS: &[OperatorDef] = &[OperatorDef::estimator(
    OpSpec {
        name: OP,
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "ordinary least squares",
        params: &[p(
            "fit_intercept",
            ParamType::Bool,
            Default::Bool(true),
            "learn an intercept",
        )],
    },
    |params| boxed_model(LinearRegression::new(params)),
)];

/// The `linear_regression` model. Parameter: `fit_intercept` (default true).
/// Fitting learns `w` minimising `‖y - Xw - b‖²` (minimum-norm `w` when `X` is
/// rank deficient) and `b = ȳ - x̄·w` (0 without intercept). Predicts `x·w + b`.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearRegression {
    /// Whether an intercept is learned (else it is 0).
    pub fit_intercept: bool,
}

impl LinearRegression {
    /// Reads the checked parameters.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        Ok(LinearRegression {
            fit_intercept: param_bool(OP, params, "fit_intercept", true)?,
        })
    }
}

impl Estimator for LinearRegression {
    fn task(&self) -> Task {
        Task::Regression
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_data(Data::Matrix(x), y)?))
    }

    fn fit_columns(&self, x: &Columns<'_>, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_data(Data::Columns(x), y)?))
    }
}

impl LinearRegression {
    /// [`Estimator::fit`] with the concrete fitted type. Errors on a class
    /// target or non-finite data.
    pub fn fit_linear(&self, x: &Matrix, y: &Target) -> Result<FittedLinear, OpError> {
        self.fit_data(Data::Matrix(x), y)
    }

    fn fit_data(&self, x: Data<'_>, y: &Target) -> Result<FittedLinear, OpError> {
        let problem = CenteredProblem::reduced(OP, x, y, self.fit_intercept)?;
        let weights = problem.solve_svd(OP, 0.0)?;
        Ok(problem.finish(weights))
    }
}

/// A least-squares problem with `X` and `y` centred (when fitting an intercept),
/// shared by `linear_regression` and `ridge`.
pub(crate) struct CenteredProblem {
    /// Centred `X`, `n × d`; or, [`CenteredProblem::reduced`], its `R` factor.
    pub a: Mat<f64>,
    /// Centred `y`, `n × 1`; or `Qᵀy`'s first `d` entries.
    pub b: Mat<f64>,
    pub x_mean: Vec<f64>,
    pub y_mean: f64,
    /// The rows of `X`.
    pub n_rows: usize,
}

/// Rows per block of the blocked QR in [`CenteredProblem::reduced`]; below
/// [`REDUCE_ROWS`] rows the problem stays as it is.
const QR_BLOCK: usize = 8192;
const REDUCE_ROWS: usize = 4 * QR_BLOCK;

/// The training data [`CenteredProblem::reduced`] reads.
#[derive(Clone, Copy)]
pub(crate) enum Data<'a> {
    /// A dense matrix.
    Matrix(&'a Matrix),
    /// Borrowed columns, read block by block.
    Columns(&'a Columns<'a>),
}

impl Data<'_> {
    /// Rows and features.
    fn shape(&self) -> (usize, usize) {
        match self {
            Data::Matrix(x) => (x.rows, x.cols),
            Data::Columns(c) => (c.n_rows(), c.n_cols()),
        }
    }
}

impl CenteredProblem {
    /// Checks the data and centres it (means are zero without intercept).
    pub fn new(op: &str, x: &Matrix, y: &Target, fit_intercept: bool) -> Result<Self, OpError> {
        check_training_data(op, x, y)?;
        let Target::Values(values) = y else {
            return Err(invalid(
                op,
                "needs a numeric target; use a classifier for class labels",
            ));
        };
        if let Some(row) = values.iter().position(|v| !v.is_finite()) {
            return Err(invalid(op, format!("target of row {row} is missing or infinite")));
        }
        let (x_mean, y_mean) = if fit_intercept {
            (column_means(x), values.iter().sum::<f64>() / values.len() as f64)
        } else {
            (vec![0.0; x.cols], 0.0)
        };
        let a = Mat::from_fn(x.rows, x.cols, |i, j| x.data[i * x.cols + j] - x_mean[j]);
        let b = Mat::from_fn(x.rows, 1, |i, _| values[i] - y_mean);
        Ok(CenteredProblem {
            a,
            b,
            x_mean,
            y_mean,
            n_rows: x.rows,
        })
    }

    /// Like [`CenteredProblem::new`], but for tall data (at least
    /// [`REDUCE_ROWS`] rows and four per column) `a` and `b` are the
    /// `d × d` factor `R` and `Qᵀy` of the QR factorization of the centred
    /// `[X | y]`, computed block by block (TSQR: each block of rows is stacked
    /// under the running `R` and factorized again). Least squares and ridge
    /// have the same solution on `(R, Qᵀy)` as on `(X, y)`: `RᵀR = XᵀX`,
    /// `RᵀQᵀy = Xᵀy`, and `R` has `X`'s singular values. Memory stays at one
    /// block, where the centred copy of `X` costs as much as `X`; given
    /// [`Data::Columns`], the matrix is never built at all.
    pub fn reduced(op: &str, x: Data<'_>, y: &Target, fit_intercept: bool) -> Result<Self, OpError> {
        let (n, d) = x.shape();
        // A distributed job always reduces: each rank factorizes its rows and
        // the ranks' `R` factors are stacked and factorized once more.
        let comm = mlg_runtime::collective::current();
        let distributed = comm.size() > 1;
        let tall = distributed || (n >= REDUCE_ROWS && n >= 4 * (d + 1));
        let x = match x {
            Data::Matrix(x) if !tall => return CenteredProblem::new(op, x, y, fit_intercept),
            Data::Columns(c) if !tall => return CenteredProblem::new(op, &c.to_matrix(), y, fit_intercept),
            x => x,
        };
        // The checks of `new` on the whole data, without its copy.
        match x {
            Data::Matrix(x) => check_training_data(op, x, y)?,
            Data::Columns(c) => check_columns(op, c, y)?,
        }
        let Target::Values(values) = y else {
            return Err(invalid(
                op,
                "needs a numeric target; use a classifier for class labels",
            ));
        };
        if let Some(row) = values.iter().position(|v| !v.is_finite()) {
            return Err(invalid(op, format!("target of row {row} is missing or infinite")));
        }
        let (x_mean, y_mean) = if fit_intercept {
            let means = match x {
                Data::Matrix(x) => column_means(x),
                Data::Columns(c) => c.means(),
            };
            if distributed {
                global_means(comm.as_ref(), &means, values, n)
            } else {
                (means, values.iter().sum::<f64>() / n as f64)
            }
        } else {
            (vec![0.0; d], 0.0)
        };
        let mut r = Mat::<f64>::zeros(0, d + 1);
        let mut block = Vec::new();
        for start in (0..n).step_by(QR_BLOCK) {
            let m = QR_BLOCK.min(n - start);
            let rows: &[f64] = match x {
                Data::Matrix(x) => &x.data[start * d..(start + m) * d],
                Data::Columns(c) => {
                    c.block(start, m, &mut block);
                    &block
                }
            };
            let above = r.nrows();
            let stacked = Mat::from_fn(above + m, d + 1, |i, j| {
                if i < above {
                    r[(i, j)]
                } else if j < d {
                    rows[(i - above) * d + j] - x_mean[j]
                } else {
                    values[start + i - above] - y_mean
                }
            });
            r = stacked.qr().thin_R().to_owned();
        }
        let mut n_rows = n;
        if distributed {
            r = stack_ranks(comm.as_ref(), &r);
            let mut rows = [n as u64];
            comm.all_reduce_u64(&mut rows);
            n_rows = usize::try_from(rows[0]).unwrap_or(usize::MAX);
        }
        // Fewer rows than columns in all: pad `R` with zero rows.
        let r = Mat::from_fn(d + 1, d + 1, |i, j| if i < r.nrows() { r[(i, j)] } else { 0.0 });
        let a = Mat::from_fn(d, d, |i, j| r[(i, j)]);
        let b = Mat::from_fn(d, 1, |i, _| r[(i, d)]);
        Ok(CenteredProblem {
            a,
            b,
            x_mean,
            y_mean,
            n_rows,
        })
    }

    /// `argmin ‖b - A w‖² + alpha ‖w‖²` through the thin SVD `A = U S Vᵀ`:
    /// `w = Σ_i v_i s_i / (s_i² + alpha) (u_iᵀ b)`, dropping singular values below
    /// `eps · max(n, d) · s_max` (the minimum-norm solution when `alpha = 0`).
    pub fn solve_svd(&self, op: &str, alpha: f64) -> Result<Vec<f64>, OpError> {
        let d = self.a.ncols();
        if d == 0 {
            return Ok(Vec::new());
        }
        let svd = self
            .a
            .thin_svd()
            .map_err(|e| invalid(op, format!("singular value decomposition failed: {e:?}")))?;
        let (u, s, v) = (svd.U(), svd.S().column_vector(), svd.V());
        let s_max = s.iter().fold(0.0f64, |m, &v| m.max(v));
        let cutoff = f64::EPSILON * self.n_rows.max(d) as f64 * s_max;
        let mut w = vec![0.0; d];
        for (k, &sk) in s.iter().enumerate() {
            if sk <= cutoff || sk == 0.0 {
                continue;
            }
            let ub: f64 = (0..self.a.nrows()).map(|i| u[(i, k)] * self.b[(i, 0)]).sum();
            let factor = sk / (sk * sk + alpha) * ub;
            w.iter_mut()
                .enumerate()
                .for_each(|(j, wj)| *wj += v[(j, k)] * factor);
        }
        Ok(w)
    }

    /// The fitted model for `weights`: intercept `ȳ - x̄·w`.
    pub fn finish(&self, weights: Vec<f64>) -> FittedLinear {
        let intercept = self.y_mean - self.x_mean.iter().zip(&weights).map(|(m, w)| m * w).sum::<f64>();
        FittedLinear { weights, intercept }
    }
}

/// The means of every rank's rows from this rank's column means `means`
/// and targets `values` (`n` rows): sums and counts added across ranks.
fn global_means(comm: &dyn Collective, means: &[f64], values: &[f64], n: usize) -> (Vec<f64>, f64) {
    let mut sums: Vec<f64> = means.iter().map(|m| m * n as f64).collect();
    sums.push(values.iter().sum::<f64>());
    sums.push(n as f64);
    comm.all_reduce_f64(&mut sums);
    let total = sums.pop().unwrap_or(0.0).max(1.0);
    let y_sum = sums.pop().unwrap_or(0.0);
    (sums.iter().map(|s| s / total).collect(), y_sum / total)
}

/// The `R` factor of every rank's `r` stacked in rank order: the same
/// matrix on every rank, with `RᵀR` the sum of the ranks' `rᵀr`.
fn stack_ranks(comm: &dyn Collective, r: &Mat<f64>) -> Mat<f64> {
    let cols = r.ncols();
    let mine: Vec<u8> = (0..r.nrows())
        .flat_map(|i| (0..cols).map(move |j| (i, j)))
        .flat_map(|(i, j)| r[(i, j)].to_le_bytes())
        .collect();
    let values: Vec<f64> = comm
        .all_gather(&mine)
        .iter()
        .flat_map(|b| {
            b.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap_or_default()))
                .collect::<Vec<_>>()
        })
        .collect();
    let rows = values.len() / cols.max(1);
    let stacked = Mat::from_fn(rows, cols, |i, j| values[i * cols + j]);
    stacked.qr().thin_R().to_owned()
}

/// A fitted linear regressor: `prediction = x·weights + intercept`.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedLinear {
    /// One weight per input column.
    pub weights: Vec<f64>,
    /// The constant term.
    pub intercept: f64,
}

impl FittedModel for FittedLinear {
    fn predict(&self, x: &Matrix) -> Vec<f64> {
        (0..x.rows)
            .map(|i| {
                self.intercept
                    + x.row(i)
                        .iter()
                        .zip(&self.weights)
                        .map(|(a, w)| a * w)
                        .sum::<f64>()
            })
            .collect()
    }

    /// `Affine { x: features, weights: 1×d, bias: [intercept] }` as `("prediction", node)`.
    fn lower(&self, builder: &mut GraphBuilder, features: NodeId) -> Result<Vec<(String, NodeId)>, OpError> {
        check_feature_width(builder, "regression model", features, self.weights.len())?;
        let op = Op::Affine {
            x: features,
            weights: to_f32(&self.weights),
            bias: vec![self.intercept as f32],
            missing: Vec::new(),
        };
        let node = builder.push(op).map_err(|source| crate::op::OpError::Lowering {
            op: "regression model".into(),
            source,
        })?;
        Ok(vec![("prediction".to_string(), node)])
    }

    /// One row: `weights`.
    fn coefficients(&self) -> Option<Vec<Vec<f64>>> {
        Some(vec![self.weights.clone()])
    }

    /// `|weights|`.
    fn importances(&self) -> Option<Vec<f64>> {
        Some(self.weights.iter().map(|w| w.abs()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::{CenteredProblem, Data, REDUCE_ROWS};
    use crate::design::Columns;
    use crate::op::{Matrix, Target};

    /// Tall data: the blocked QR gives the weights of the full SVD.
    #[test]
    fn the_reduced_problem_has_the_same_solution() {
        let (n, d) = (REDUCE_ROWS + 1234, 6);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let data: Vec<f64> = (0..n * d).map(|_| next()).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| 3.0 + (0..d).map(|j| data[i * d + j] * (j as f64 - 2.0)).sum::<f64>() + 0.1 * next())
            .collect();
        let x = Matrix {
            rows: n,
            cols: d,
            data,
        };
        let y = Target::Values(y);
        for alpha in [0.0, 10.0] {
            let full = CenteredProblem::new("t", &x, &y, true).expect("full");
            let reduced = CenteredProblem::reduced("t", Data::Matrix(&x), &y, true).expect("reduced");
            assert_eq!(reduced.a.nrows(), d);
            let (a, b) = (
                full.solve_svd("t", alpha).expect("svd"),
                reduced.solve_svd("t", alpha).expect("svd"),
            );
            for (u, v) in a.iter().zip(&b) {
                assert!((u - v).abs() <= 1e-9 * u.abs().max(1.0), "{a:?} vs {b:?}");
            }
            assert!((a[0] + 2.0).abs() < 0.01, "learns the slopes: {a:?}");
        }
        // Read as columns (block by block, no matrix) it is the same problem.
        let columns: Vec<Vec<f64>> = (0..d)
            .map(|j| (0..n).map(|i| x.data[i * d + j]).collect())
            .collect();
        let slices: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
        let rows: Vec<usize> = (0..n).collect();
        let view = Columns {
            columns: &slices,
            rows: &rows,
        };
        let from_matrix = CenteredProblem::reduced("t", Data::Matrix(&x), &y, true).expect("matrix");
        let from_columns = CenteredProblem::reduced("t", Data::Columns(&view), &y, true).expect("columns");
        assert_eq!(from_matrix.a, from_columns.a);
        assert_eq!(from_matrix.b, from_columns.b);
        assert_eq!(from_matrix.x_mean, from_columns.x_mean);
    }

    /// Columns with a missing value are refused as the matrix is.
    #[test]
    fn columns_are_checked_like_the_matrix() {
        let n = REDUCE_ROWS;
        let mut a: Vec<f64> = (0..n).map(|i| i as f64).collect();
        a[40_000 % n] = f64::NAN;
        let b: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
        let slices: [&[f64]; 2] = [&a, &b];
        let rows: Vec<usize> = (0..n).collect();
        let view = Columns {
            columns: &slices,
            rows: &rows,
        };
        let y = Target::Values(vec![1.0; n]);
        let Err(error) = CenteredProblem::reduced("t", Data::Columns(&view), &y, true) else {
            panic!("a NaN feature is refused");
        };
        let row = 40_000 % n;
        assert!(
            error
                .to_string()
                .contains(&format!("feature 0 of row {row} is missing")),
            "{error}"
        );
    }
}
