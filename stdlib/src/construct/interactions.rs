//! `interactions`: appends the pairwise products of distinct selected numeric
//! columns — `polynomial(degree = 2, interaction_only = true)` under its own name.

use super::polynomial::Polynomial;
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{invalid, param_bool, param_int};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "interactions";

/// The `interactions` features step. Its catalog parameters `degree` (2) and
/// `interaction_only` (true) exist only so the checker's polynomial schema rule
/// sees the right values; any other value is an error. Fitting records the
/// selected numeric columns; transforming appends `a*b` for every pair of
/// distinct selected columns, in `monomials` order, after all existing columns.
/// A product with a missing factor is missing (NaN). Errors as for
/// [`Polynomial`], named `interactions`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interactions {
    /// The equivalent `polynomial(degree = 2, interaction_only = true)`, named `interactions` in errors.
    pub inner: Polynomial,
}

impl Interactions {
    /// Reads the checked parameters; `degree` other than 2 or
    /// `interaction_only = false` is an error pointing at `polynomial`.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let degree = param_int(OP, params, "degree")?.unwrap_or(2);
        if degree != 2 {
            return Err(invalid(
                OP,
                format!("parameter `degree` must be 2, got {degree}; use polynomial(degree = {degree}, interaction_only = true)"),
            ));
        }
        if !param_bool(OP, params, "interaction_only", true)? {
            return Err(invalid(
                OP,
                "parameter `interaction_only` must be true; for powers such as a^2 use polynomial(degree = 2)",
            ));
        }
        Ok(Interactions {
            inner: Polynomial {
                degree: 2,
                interaction_only: true,
                op: OP,
            },
        })
    }
}

impl Transform for Interactions {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        self.inner.fit(frame, selected, target)
    }
}
