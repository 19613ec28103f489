//! Feature-construction steps (`polynomial`, `interactions`): append products
//! of the selected numeric columns, named by the checker's shared
//! [`mlg_compiler::workflow::columns::monomials`] so check-time schemas and
//! fitted frames agree.

pub mod interactions;
pub mod polynomial;

pub use interactions::Interactions;
pub use polynomial::{FittedPolynomial, Polynomial, MAX_DEGREE};

use crate::catalog::p;
use crate::op::{boxed, OpError, Transform};
use mlg_compiler::workflow::catalog::{
    Default, DefaultSelector, OpKind, OpSpec, ParamType, Params, SchemaRule,
};

const PRODUCTS: OpKind = OpKind::Transform {
    default_selector: DefaultSelector::Numeric,
    rule: SchemaRule::Polynomial,
};

/// Catalog entries of the feature-construction steps. `interactions` states
/// `degree` and `interaction_only` explicitly (fixed to 2 and true) because the
/// checker's `SchemaRule::Polynomial` reads them, with defaults 2 and false.
pub const SPECS: &[OpSpec] = &[
    OpSpec {
        name: "polynomial",
        kind: PRODUCTS,
        summary: "append the products of the selected columns up to a degree (a^2, a*b, ...)",
        params: &[
            p(
                "degree",
                ParamType::Int {
                    min: 1,
                    max: MAX_DEGREE as i64,
                },
                Default::Int(2),
                "highest total degree of the appended products",
            ),
            p(
                "interaction_only",
                ParamType::Bool,
                Default::Bool(false),
                "only products of distinct columns (no powers)",
            ),
        ],
    },
    OpSpec {
        name: "interactions",
        kind: PRODUCTS,
        summary: "append the pairwise products a*b of distinct selected columns",
        params: &[
            p(
                "degree",
                ParamType::Int { min: 2, max: 2 },
                Default::Int(2),
                "always 2 (pairs); stated so the checker's schema matches",
            ),
            p(
                "interaction_only",
                ParamType::Bool,
                Default::Bool(true),
                "always true (distinct columns); stated so the checker's schema matches",
            ),
        ],
    },
];

/// Builds the feature-construction step called `name`; `None` when this module
/// has no such step.
pub fn construct(name: &str, params: &Params) -> Option<Result<Box<dyn Transform>, OpError>> {
    Some(match name {
        "polynomial" => boxed(Polynomial::new(params)),
        "interactions" => boxed(Interactions::new(params)),
        _ => return None,
    })
}
