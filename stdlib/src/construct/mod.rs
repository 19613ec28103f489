//! Feature-construction steps (`polynomial`, `interactions`): append products
//! of the selected numeric columns, named by the checker's shared
//! [`mlg_compiler::workflow::columns::monomials`] so check-time schemas and
//! fitted frames agree.

pub mod interactions;
pub mod polynomial;

pub use interactions::Interactions;
pub use polynomial::{FittedPolynomial, Polynomial, MAX_DEGREE};

use crate::catalog::p;
use crate::op::boxed;
use crate::operators::{specs, OperatorDef};
use mlg_compiler::workflow::catalog::{Default, DefaultSelector, OpKind, OpSpec, ParamType, SchemaRule};

const PRODUCTS: OpKind = OpKind::Transform {
    default_selector: DefaultSelector::Numeric,
    rule: SchemaRule::Polynomial,
};

/// The feature-construction steps, in catalog order. `interactions` states
/// `degree` and `interaction_only` explicitly (fixed to 2 and true) because the
/// checker's `SchemaRule::Polynomial` reads them, with defaults 2 and false.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
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
        |params| boxed(Polynomial::new(params)),
    )
    .with_details("The products are named `a^2`, `a*b`, ... and follow the selected columns."),
    OperatorDef::transform(
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
        |params| boxed(Interactions::new(params)),
    )
    .with_details("The products are named `a*b` and follow the selected columns."),
];

/// Catalog entries of the feature-construction steps (derived from `DEFS`).
pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);
