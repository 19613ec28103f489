//! `polynomial`: appends the products of the selected numeric columns up to a
//! degree, like scikit-learn's `PolynomialFeatures(include_bias=False)`, with
//! the names and order of the checker's shared `monomials`.

use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::preprocess::{frame_column, lowered_column, lowering_error};
use crate::registry::{column_error, invalid, param_bool, param_int};
use crate::scale::numeric_values;
use mlg_compiler::ir::{BinaryOp, NodeId};
use mlg_compiler::workflow::catalog::Params;
use mlg_compiler::workflow::columns::monomials;
use mlg_runtime::frame::{Column, Frame};
use std::collections::HashMap;

const OP: &str = "polynomial";

/// The largest `degree` accepted (the catalog's range says the same).
pub const MAX_DEGREE: usize = 8;

/// The most product columns one step may append; more is an error at fit time
/// rather than an out-of-memory failure.
pub const MAX_PRODUCTS: usize = 100_000;

/// The `polynomial` features step. Parameters: `degree` (default 2, in
/// `1..=MAX_DEGREE`) and `interaction_only` (default false: also powers such as
/// `a^2`). Fitting records the selected numeric columns and the products of
/// total degree 2 ..= `degree` over them, named and ordered by
/// [`monomials`] (`a^2`, `a*b`, `b^2`, then degree 3, ...); nothing is learned
/// from the values. Transforming keeps every column and appends the products
/// after all existing columns; a product with a missing factor is missing
/// (NaN). `degree = 1` appends nothing. A categorical selected column, or a
/// product name that already names a column, is an error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Polynomial {
    /// The highest total degree of a product, in `1..=MAX_DEGREE`.
    pub degree: usize,
    /// Whether only products of distinct columns are made (no powers such as `a^2`).
    pub interaction_only: bool,
    /// The operator name used in errors (`"polynomial"` or `"interactions"`).
    pub op: &'static str,
}

impl Polynomial {
    /// Reads the checked parameters; `degree` outside `1..=MAX_DEGREE` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let degree = param_int(OP, params, "degree")?.unwrap_or(2);
        if !(1..=MAX_DEGREE as i64).contains(&degree) {
            return Err(invalid(
                OP,
                format!("parameter `degree` must be in 1..={MAX_DEGREE}, got {degree}"),
            ));
        }
        Ok(Polynomial {
            degree: degree as usize,
            interaction_only: param_bool(OP, params, "interaction_only", false)?,
            op: OP,
        })
    }

    /// Number of products `monomials` yields for `n` columns, saturating.
    fn product_count(&self, n: usize) -> usize {
        (2..=self.degree)
            .map(|d| {
                // C(n, d) for distinct factors, C(n + d - 1, d) with repetition.
                let top = if self.interaction_only { n } else { n + d - 1 };
                binomial(top, d)
            })
            .fold(0usize, usize::saturating_add)
    }
}

fn binomial(n: usize, k: usize) -> usize {
    if k > n {
        return 0;
    }
    let mut acc: u128 = 1;
    for i in 0..k as u128 {
        acc = acc * (n as u128 - i) / (i + 1);
        if acc > usize::MAX as u128 {
            return usize::MAX;
        }
    }
    acc as usize
}

/// One appended column: its name and the indices (into `inputs`) of its
/// factors, non-decreasing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// The new column's name, e.g. `a*b` or `a^2`.
    pub name: String,
    /// Indices into the fitted step's `inputs`, non-decreasing.
    pub factors: Vec<usize>,
}

/// A fitted `polynomial` (or `interactions`): the factor columns and the
/// products appended, in output order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FittedPolynomial {
    /// The operator name used in errors.
    pub op: &'static str,
    /// The selected numeric columns the products are made of.
    pub inputs: Vec<String>,
    /// The appended columns, in output order.
    pub products: Vec<Product>,
}

impl Transform for Polynomial {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        for name in selected {
            numeric_values(self.op, frame_column(self.op, frame, name)?)?;
        }
        let count = self.product_count(selected.len());
        if count > MAX_PRODUCTS {
            return Err(invalid(
                self.op,
                format!(
                    "degree {} over {} columns gives {count} products (at most {MAX_PRODUCTS}); select fewer columns or lower `degree`",
                    self.degree,
                    selected.len()
                ),
            ));
        }
        let products = monomials(selected, self.degree, self.interaction_only)
            .into_iter()
            .map(|(name, factors)| Product { name, factors })
            .collect();
        let fitted = FittedPolynomial {
            op: self.op,
            inputs: selected.to_vec(),
            products,
        };
        fitted.check_names(frame.names().into_iter())?;
        Ok(Box::new(fitted))
    }
}

impl FittedPolynomial {
    /// Errors when a product's name already names one of `existing`.
    fn check_names<'a>(&self, existing: impl Iterator<Item = &'a str>) -> Result<(), OpError> {
        let existing: Vec<&str> = existing.collect();
        match self.products.iter().find(|p| existing.contains(&p.name.as_str())) {
            Some(p) => Err(column_error(
                self.op,
                &p.name,
                "already exists, so the product column would duplicate it; rename it or select other columns",
            )),
            None => Ok(()),
        }
    }
}

impl FittedTransform for FittedPolynomial {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        self.check_names(frame.names().into_iter())?;
        // Factor values with missing entries as NaN, so products propagate them.
        let mut factors: Vec<Vec<f64>> = Vec::with_capacity(self.inputs.len());
        for name in &self.inputs {
            let column = frame_column(self.op, frame, name)?;
            let values = numeric_values(self.op, column)?;
            let values = values
                .iter()
                .zip(&column.missing)
                .map(|(&v, &m)| if m { f64::NAN } else { v })
                .collect();
            factors.push(values);
        }
        let mut out = frame.clone();
        for product in &self.products {
            let values = (0..frame.n_rows)
                .map(|row| {
                    product
                        .factors
                        .iter()
                        .map(|&f| factors[f][row])
                        .reduce(|a, b| a * b)
                        .unwrap_or(1.0)
                })
                .collect();
            out.columns.push(Column::numeric(product.name.clone(), values));
        }
        Ok(out)
    }

    /// Each product is a left-to-right chain of `Binary Mul` nodes (the order
    /// `transform` multiplies in); chains share their common prefixes.
    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        let inputs = self
            .inputs
            .iter()
            .map(|name| lowered_column(self.op, lowering, name))
            .collect::<Result<Vec<NodeId>, _>>()?;
        let mut prefixes: HashMap<&[usize], NodeId> = HashMap::new();
        for product in &self.products {
            let Some((&first, _)) = product.factors.split_first() else {
                continue;
            };
            let mut node = inputs[first];
            for len in 2..=product.factors.len() {
                let prefix = &product.factors[..len];
                node = match prefixes.get(prefix) {
                    Some(&cached) => cached,
                    None => {
                        let factor = inputs[prefix[len - 1]];
                        let mul = lowering
                            .builder
                            .binary(BinaryOp::Mul, node, factor)
                            .map_err(lowering_error(self.op))?;
                        prefixes.insert(prefix, mul);
                        mul
                    }
                };
            }
            lowering.columns.push((product.name.clone(), node));
        }
        Ok(())
    }
}
