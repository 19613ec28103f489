//! `derive`: appends numeric columns computed from arithmetic expressions over
//! the current columns, e.g. `derive(bmi = "mass / height ^ 2")`. The checker
//! (`mlg_compiler::workflow::derive`) type-checks the expressions and encodes
//! them in the step's parameters; this module re-parses them, evaluates them
//! in `f64` over a frame ([`eval`]) and lowers them to the inference IR
//! ([`lower`]) with the same semantics. `date_parts` ([`date_parts`]) is the
//! date functions as one step.

mod date_parts;
mod dates;
pub mod eval;
pub mod lower;

use crate::op::{boxed, FittedTransform, Lowering, OpError, Target, Transform};
use crate::operators::{specs, OperatorDef};
use crate::preprocess::frame_column;
use crate::registry::{column_error, invalid};
use crate::scale::numeric_values;
use mlg_compiler::workflow::catalog::{DefaultSelector, OpKind, OpSpec, Params, SchemaRule};
use mlg_compiler::workflow::derive::{ordered, OP};
use mlg_dsl::expr::{parse_expr, ExprAst};
use mlg_runtime::frame::{Column, Frame};

/// The definition of `derive`. The checker special-cases the step (its
/// arguments are new column names, not parameters), so the entry only makes
/// the name known; the schema rule here is never applied.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::transform(
        OpSpec {
            name: OP,
            kind: OpKind::Transform {
                default_selector: DefaultSelector::All,
                rule: SchemaRule::InPlace {
                    fills_missing: false,
                    numeric_only: false,
                },
            },
            summary: "append numeric columns computed from expressions: derive(ratio = \"a / b\")",
            params: &[],
        },
        |params| boxed(Derive::new(params)),
    )
    .with_details(
        "Its arguments name the new columns; see [Computed columns](#computed-columns-derive) for the \
     expressions.",
    ),
    date_parts::DEF,
];

/// Catalog entries of `derive` and `date_parts` (derived from `DEFS`).
pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);

/// The `derive` features step: new columns in order, each `(name, expression)`.
/// Fitting learns nothing from the values; it checks that every column an
/// expression uses exists (or is derived earlier in the step) and is numeric,
/// and that no new name is already a column. Transforming appends the columns
/// after all existing ones, in order, evaluated per row by [`eval::evaluate`]
/// (missing inputs are NaN; a NaN result is marked missing). Lowering appends
/// the same computation with [`lower::lower_expr`].
#[derive(Clone, Debug, PartialEq)]
pub struct Derive {
    /// The new columns, in order: each name with its parsed expression.
    pub columns: Vec<(String, ExprAst)>,
}

impl Derive {
    /// Reads the checker's encoding (`mlg_compiler::workflow::derive::ordered`)
    /// and parses each expression. Malformed parameters, an expression that
    /// does not parse, or a name given twice give [`OpError::Invalid`].
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let texts = ordered(params).map_err(|m| invalid(OP, m))?;
        Derive::from_texts(&texts)
    }

    /// The step for `(name, expression text)` pairs, in order.
    pub fn from_texts(texts: &[(String, String)]) -> Result<Self, OpError> {
        let mut columns: Vec<(String, ExprAst)> = Vec::new();
        for (name, text) in texts {
            if columns.iter().any(|(n, _)| n == name) {
                return Err(invalid(OP, format!("column `{name}` is defined twice")));
            }
            let expr = parse_expr(text, 0)
                .map_err(|d| invalid(OP, format!("expression for `{name}` ({text:?}): {}", d.message)))?;
            columns.push((name.clone(), expr));
        }
        if columns.is_empty() {
            return Err(invalid(OP, "needs at least one new column"));
        }
        Ok(Derive { columns })
    }

    /// Checks the columns against `frame`'s column names (see the type's docs).
    fn check_frame(&self, frame: &Frame) -> Result<(), OpError> {
        let mut known: Vec<&str> = frame.names();
        for (name, expr) in &self.columns {
            for (used, _) in expr.columns() {
                if !known.contains(&used) {
                    frame_column(OP, frame, used)?;
                }
                if let Some(column) = frame.column(used) {
                    numeric_values(OP, column)?;
                }
            }
            if known.contains(&name.as_str()) {
                return Err(column_error(
                    OP,
                    name,
                    "already exists; pick another name for the derived column",
                ));
            }
            known.push(name);
        }
        Ok(())
    }
}

/// A fitted `derive` (the same expressions, checked against the fit frame).
#[derive(Clone, Debug, PartialEq)]
pub struct FittedDerive {
    /// The expressions, unchanged by fitting.
    pub step: Derive,
}

impl Transform for Derive {
    fn fit(
        &self,
        frame: &Frame,
        _selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        self.check_frame(frame)?;
        Ok(Box::new(FittedDerive { step: self.clone() }))
    }
}

impl FittedTransform for FittedDerive {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        self.step.check_frame(frame)?;
        let mut out = frame.clone();
        for (name, expr) in &self.step.columns {
            let values = eval::evaluate(expr, &out)?;
            out.columns.push(Column::numeric(name.clone(), values));
        }
        Ok(out)
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        for (name, expr) in &self.step.columns {
            let node = lower::lower_expr(expr, lowering)?;
            lowering.columns.push((name.clone(), node));
        }
        Ok(())
    }
}
