//! Kernel expansions `f_p(x) = Σ_s coef[p][s] K(sv_s, x) + bias[p]` over a
//! shared set of support vectors: assembly from the binary solutions, `f64`
//! evaluation for `predict`, and lowering into the inference IR.

use super::kernel::{dot, Kernel};
use crate::models::to_f32;
use crate::op::{Matrix, OpError};
use mlg_compiler::ir::{BinaryOp, GraphBuilder, NodeId, Op, UnaryFn, VerifyError};

/// Several decision functions over one set of support vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct Expansion {
    /// The kernel, `gamma` resolved.
    pub kernel: Kernel,
    /// Feature count.
    pub d: usize,
    /// Support vectors, row-major `m × d`.
    pub sv: Vec<f64>,
    /// Dual coefficients `α_s y_s`, row-major `P × m` (one row per function).
    pub coef: Vec<f64>,
    /// Intercepts (`-rho`), one per function.
    pub bias: Vec<f64>,
    /// For the linear kernel, the primal weights `coef · sv` (`P × d`), which
    /// both `predict` and the lowered graph use.
    pub linear: Option<Vec<f64>>,
    /// Squared norms `|sv_s|²` of the support vectors.
    pub sv_sq: Vec<f64>,
}

impl Expansion {
    /// Collects the rows of `x` that have a nonzero coefficient in any of
    /// `functions` (each a list of `(row, coef)`), in the order they appear in
    /// `order`, as support vectors; `bias[p]` is function `p`'s intercept.
    pub(crate) fn assemble(
        kernel: Kernel,
        x: &Matrix,
        order: &[usize],
        functions: &[Vec<(usize, f64)>],
        bias: Vec<f64>,
    ) -> Self {
        let mut is_sv = vec![false; x.rows];
        for f in functions {
            f.iter()
                .filter(|(_, c)| *c != 0.0)
                .for_each(|&(r, _)| is_sv[r] = true);
        }
        let rows: Vec<usize> = order.iter().copied().filter(|&r| is_sv[r]).collect();
        let mut position = vec![usize::MAX; x.rows];
        rows.iter().enumerate().for_each(|(s, &r)| position[r] = s);
        let m = rows.len();
        let mut coef = vec![0.0; functions.len() * m];
        for (p, f) in functions.iter().enumerate() {
            for &(r, c) in f.iter().filter(|(_, c)| *c != 0.0) {
                coef[p * m + position[r]] = c;
            }
        }
        let sv = rows.iter().flat_map(|&r| x.row(r).iter().copied()).collect();
        Self::new(kernel, x.cols, sv, coef, bias)
    }

    /// An expansion from its parts (computes the linear weights when the
    /// kernel is linear).
    pub fn new(kernel: Kernel, d: usize, sv: Vec<f64>, coef: Vec<f64>, bias: Vec<f64>) -> Self {
        let mut e = Expansion {
            kernel,
            d,
            sv,
            coef,
            bias,
            linear: None,
            sv_sq: Vec::new(),
        };
        e.sv_sq = (0..e.n_sv())
            .map(|s| {
                let v = &e.sv[s * d..(s + 1) * d];
                dot(v, v)
            })
            .collect();
        if kernel == Kernel::Linear {
            let (m, p) = (e.n_sv(), e.bias.len());
            let mut w = vec![0.0; p * d];
            for q in 0..p {
                for s in 0..m {
                    let c = e.coef[q * m + s];
                    let row = &e.sv[s * d..(s + 1) * d];
                    w[q * d..(q + 1) * d]
                        .iter_mut()
                        .zip(row)
                        .for_each(|(wj, xj)| *wj += c * xj);
                }
            }
            e.linear = Some(w);
        }
        e
    }

    /// Number of support vectors.
    pub fn n_sv(&self) -> usize {
        self.sv.len().checked_div(self.d).unwrap_or(0)
    }

    /// The decision values of every function at `row` (`d` values).
    pub fn decisions(&self, row: &[f64]) -> Vec<f64> {
        let d = self.d;
        if let Some(w) = &self.linear {
            return (0..self.bias.len())
                .map(|q| dot(&w[q * d..(q + 1) * d], row) + self.bias[q])
                .collect();
        }
        let m = self.n_sv();
        let sq_row = dot(row, row);
        let k: Vec<f64> = (0..m)
            .map(|s| {
                let sv = &self.sv[s * d..(s + 1) * d];
                self.kernel.from_dot(dot(sv, row), self.sv_sq[s], sq_row)
            })
            .collect();
        (0..self.bias.len())
            .map(|q| dot(&self.coef[q * m..(q + 1) * m], &k) + self.bias[q])
            .collect()
    }

    /// Appends the decision values (width `P`) computed from `features`
    /// (width `d`). Linear: one `Affine` with the primal weights. RBF: on
    /// features centred at the support vectors' mean (to limit `f32`
    /// cancellation), `exp(2γ x·sv - γ|sv|² - γ|x|²)` from one `Affine`, a
    /// width-1 `|x|²` (`Mul` + `Affine`) broadcast by `Add`, and `Exp`.
    /// Polynomial: `Affine` then repeated `Mul` (defined for negative bases,
    /// unlike `Pow`). Sigmoid: `tanh z = 2 sigmoid(2z) - 1`, the affine parts
    /// folded into the neighbouring `Affine`s. Then one `Affine` with the dual
    /// coefficients and intercepts.
    pub fn lower(&self, op: &str, builder: &mut GraphBuilder, features: NodeId) -> Result<NodeId, OpError> {
        let err = |source: VerifyError| OpError::Lowering {
            op: op.to_string(),
            source,
        };
        crate::models::check_feature_width(builder, op, features, self.d)?;
        let (d, m) = (self.d, self.n_sv());
        let affine = |builder: &mut GraphBuilder, x, weights: &[f64], bias: &[f64]| {
            builder
                .push(Op::Affine {
                    x,
                    weights: to_f32(weights),
                    bias: to_f32(bias),
                    missing: Vec::new(),
                })
                .map_err(err)
        };
        if let Some(w) = &self.linear {
            return affine(builder, features, w, &self.bias);
        }
        if m == 0 {
            return builder
                .push(Op::Const {
                    values: to_f32(&self.bias),
                })
                .map_err(err);
        }
        let mut coef = self.coef.clone();
        let mut bias = self.bias.clone();
        let kvals = match self.kernel {
            Kernel::Rbf { gamma } => {
                let mut mu = vec![0.0; d];
                for s in 0..m {
                    mu.iter_mut()
                        .zip(&self.sv[s * d..])
                        .for_each(|(a, v)| *a += v / m as f64);
                }
                let centred = builder
                    .push(Op::Scale {
                        x: features,
                        mul: vec![1.0; d],
                        add: to_f32(&mu.iter().map(|v| -v).collect::<Vec<_>>()),
                    })
                    .map_err(err)?;
                let mut w = vec![0.0; m * d];
                let mut b = vec![0.0; m];
                for s in 0..m {
                    for j in 0..d {
                        let v = self.sv[s * d + j] - mu[j];
                        w[s * d + j] = 2.0 * gamma * v;
                        b[s] -= gamma * v * v;
                    }
                }
                let cross = affine(builder, centred, &w, &b)?;
                let sq = builder.binary(BinaryOp::Mul, centred, centred).map_err(err)?;
                let norm = affine(builder, sq, &vec![-gamma; d], &[0.0])?;
                let exponent = builder.binary(BinaryOp::Add, cross, norm).map_err(err)?;
                builder
                    .push(Op::Unary {
                        func: UnaryFn::Exp,
                        x: exponent,
                    })
                    .map_err(err)?
            }
            Kernel::Poly { gamma, degree, coef0 } => {
                let w: Vec<f64> = self.sv.iter().map(|v| gamma * v).collect();
                let base = affine(builder, features, &w, &vec![coef0; m])?;
                power(builder, base, degree, m).map_err(err)?
            }
            Kernel::Sigmoid { gamma, coef0 } => {
                let w: Vec<f64> = self.sv.iter().map(|v| 2.0 * gamma * v).collect();
                let z = affine(builder, features, &w, &vec![2.0 * coef0; m])?;
                for (q, b) in bias.iter_mut().enumerate() {
                    *b -= self.coef[q * m..(q + 1) * m].iter().sum::<f64>();
                }
                coef.iter_mut().for_each(|c| *c *= 2.0);
                builder
                    .push(Op::Unary {
                        func: UnaryFn::Sigmoid,
                        x: z,
                    })
                    .map_err(err)?
            }
            Kernel::Linear => unreachable!("linear expansions carry primal weights"),
        };
        affine(builder, kvals, &coef, &bias)
    }
}

/// `base^degree` elementwise by square-and-multiply `Mul`s (`degree = 0`
/// gives a constant of `width` ones).
fn power(builder: &mut GraphBuilder, base: NodeId, degree: u32, width: usize) -> Result<NodeId, VerifyError> {
    if degree == 0 {
        return builder.push(Op::Const {
            values: vec![1.0; width],
        });
    }
    let (mut result, mut square, mut e) = (None, base, degree);
    loop {
        if e & 1 == 1 {
            result = Some(match result {
                None => square,
                Some(r) => builder.binary(BinaryOp::Mul, r, square)?,
            });
        }
        e >>= 1;
        if e == 0 {
            break;
        }
        square = builder.binary(BinaryOp::Mul, square, square)?;
    }
    Ok(result.unwrap_or(base))
}
