//! One definition per operator. Every operator of the standard library — data
//! source, features step, model, evaluation method, metric, ensemble combiner,
//! compression step — is one [`OperatorDef`]: its catalog entry, how to build
//! it, what the compression steps may do to it, how large a fit can grow and
//! the prose of its reference entry. Each operator module lists its own
//! definitions next to its code (a `DEFS` constant) and [`ALL`] lists those
//! lists once, in catalog order. Everything else is derived from it: the
//! checker's catalog ([`crate::catalog::StdCatalog`]), the constructors
//! ([`crate::registry::transform`], [`crate::registry::estimator`]), the
//! applicability of compression steps ([`crate::compress::step`]), parameter
//! estimates ([`crate::size::parameter_count`]) and the operator reference of
//! `docs/language.md` ([`markdown_reference`]).
//!
//! Adding an operator family means writing its module with a `DEFS` list,
//! declaring the module in its parent, and adding one entry to [`ALL`]; then
//! `MLG_BLESS=1 cargo test -p mlg-stdlib --test docs_reference` regenerates
//! the reference in `docs/language.md`.

mod reference;

pub use reference::markdown_reference;

use crate::op::{Estimator, OpError, Transform};
use mlg_compiler::workflow::catalog::{OpKind, OpSpec, Params, Shape};
use std::collections::HashMap;
use std::sync::LazyLock;

/// Builds a configured features step from its checked parameters (defaults
/// filled in by the checker); ill-typed or out-of-range parameters give
/// [`OpError::Invalid`].
pub type TransformFn = fn(&Params) -> Result<Box<dyn Transform>, OpError>;

/// Builds a configured model from its checked parameters; ill-typed or
/// out-of-range parameters give [`OpError::Invalid`].
pub type EstimatorFn = fn(&Params) -> Result<Box<dyn Estimator>, OpError>;

/// An upper estimate of the parameters a model fits with `params` on data of
/// `shape` (a tree node counts as 4), saturating; `None` when it cannot be
/// estimated (e.g. an unparsable layer list, which the constructor rejects).
pub type SizeFn = fn(&Params, Shape) -> Option<u128>;

/// How an operator is built at run time.
#[derive(Clone, Copy, Debug)]
pub enum Build {
    /// Nothing to build here: data sources, evaluation methods, metrics,
    /// ensemble combiners and compression steps are carried out by the
    /// executor from their checked parameters.
    None,
    /// A features step ([`crate::registry::transform`] builds it).
    Transform(TransformFn),
    /// A model ([`crate::registry::estimator`] builds it).
    Estimator(EstimatorFn),
}

/// What the compression steps may do to a model beyond what applies to every
/// model (`quantize`, `prune(magnitude = ...)`). [`crate::compress::step`]
/// refuses the steps a model does not declare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `prune(neurons = f)` removes hidden units: the model has hidden
    /// layers (the MLPs).
    pub prune_neurons: bool,
    /// `prune(ccp_alpha = a)` sets the model's own `ccp_alpha` parameter
    /// before fitting: minimal cost-complexity pruning (decision trees).
    pub prune_ccp: bool,
    /// `low_rank(...)` factorizes dense weight matrices: the model lowers to
    /// affine layers of more than one output (MLPs, multinomial logistic
    /// regression).
    pub low_rank: bool,
    /// The classifier learns from class probabilities as targets
    /// ([`crate::op::Estimator::fit_soft`]): a `distill` student takes the
    /// teacher's softened probabilities, not only its most likely class.
    pub soft_targets: bool,
    /// `prune(magnitude = f, finetune = e)` retrains the pruned model with
    /// its pruned weights held at zero (the MLPs).
    pub finetune: bool,
    /// `prune(trees = f)` removes whole trees of a fitted forest.
    pub prune_trees: bool,
    /// The model lowers to a tree ensemble: `quantize` turns its thresholds
    /// into `u16` bins and its leaves into `int8` or `f16`.
    pub trees: bool,
    /// The model takes missing (NaN) numeric features as they are: it
    /// learns where they go (gradient boosting), so the checker does not
    /// ask for `impute`.
    pub missing: bool,
    /// The model takes categorical columns as category codes and splits
    /// on sets of categories (gradient boosting), so the checker does not
    /// ask for an encoder ([`crate::op::Estimator::fit_categorical`]).
    pub categorical: bool,
}

impl Capabilities {
    /// No capability beyond what applies to every model.
    pub const NONE: Capabilities = Capabilities {
        prune_neurons: false,
        prune_ccp: false,
        low_rank: false,
        soft_targets: false,
        finetune: false,
        prune_trees: false,
        trees: false,
        missing: false,
        categorical: false,
    };
}

/// The single definition of one operator.
#[derive(Clone, Copy, Debug)]
pub struct OperatorDef {
    /// The catalog entry the checker resolves names against: name, kind,
    /// one-line summary and parameters in positional order.
    pub spec: OpSpec,
    /// The constructor; its variant must match `spec.kind` (a features step
    /// has [`Build::Transform`], a model [`Build::Estimator`]).
    pub build: Build,
    /// Which compression steps beyond the universal ones apply (models only).
    pub capabilities: Capabilities,
    /// The parameter estimate of a model for the checker's memory cap;
    /// `None` uses the linear default ([`crate::size::linear`]).
    pub size: Option<SizeFn>,
    /// Markdown for the operator's reference entry beyond its summary and
    /// parameter docs (semantics, output columns, scikit-learn
    /// correspondence); empty when there is nothing to add. Only the docs
    /// show it, never a diagnostic. Must not contain fenced code blocks.
    pub details: &'static str,
}

impl OperatorDef {
    /// An operator the executor carries out itself ([`Build::None`]).
    pub const fn spec(spec: OpSpec) -> OperatorDef {
        OperatorDef {
            spec,
            build: Build::None,
            capabilities: Capabilities::NONE,
            size: None,
            details: "",
        }
    }

    /// A features step built by `build`.
    pub const fn transform(spec: OpSpec, build: TransformFn) -> OperatorDef {
        OperatorDef {
            build: Build::Transform(build),
            ..OperatorDef::spec(spec)
        }
    }

    /// A model built by `build`.
    pub const fn estimator(spec: OpSpec, build: EstimatorFn) -> OperatorDef {
        OperatorDef {
            build: Build::Estimator(build),
            ..OperatorDef::spec(spec)
        }
    }

    /// `self` with the compression capabilities `capabilities`.
    pub const fn with_capabilities(self, capabilities: Capabilities) -> OperatorDef {
        OperatorDef { capabilities, ..self }
    }

    /// `self` with the parameter estimate `size`.
    pub const fn with_size(self, size: SizeFn) -> OperatorDef {
        OperatorDef {
            size: Some(size),
            ..self
        }
    }

    /// `self` with the reference prose `details` (Markdown, no code fences).
    pub const fn with_details(self, details: &'static str) -> OperatorDef {
        OperatorDef { details, ..self }
    }
}

/// Every operator module's definitions, in catalog order. The order is
/// observable: the checker lists candidate names in it, so moving a section
/// changes diagnostics.
pub static ALL: &[&[OperatorDef]] = &[
    crate::sources::DEFS,
    crate::preprocess::DEFS,
    crate::models::linear::DEFS,
    crate::models::ridge::DEFS,
    crate::models::lasso::DEFS,
    crate::models::elastic_net::DEFS,
    crate::models::logistic::DEFS,
    crate::models::naive_bayes::DEFS,
    crate::models::mlp::DEFS,
    crate::eval::DEFS,
    crate::metrics::DEFS,
    crate::models::tree::DEFS,
    crate::models::forest::DEFS,
    crate::scale::DEFS,
    crate::clean::DEFS,
    crate::construct::DEFS,
    crate::encode::DEFS,
    crate::select::DEFS,
    crate::extract::DEFS,
    crate::nonlinear::DEFS,
    crate::derive::DEFS,
    crate::models::boost::DEFS,
    crate::models::svm::DEFS,
    crate::models::threshold::DEFS,
    crate::compress::DEFS,
    crate::ensemble::DEFS,
];

/// Every operator definition, in catalog order.
pub fn all() -> impl Iterator<Item = &'static OperatorDef> {
    ALL.iter().flat_map(|section| section.iter())
}

/// The definitions by name; the first of a name wins, as in the catalog.
static BY_NAME: LazyLock<HashMap<&'static str, &'static OperatorDef>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for def in all() {
        map.entry(def.spec.name).or_insert(def);
    }
    map
});

/// The definition of the operator called `name`, if any.
pub fn find(name: &str) -> Option<&'static OperatorDef> {
    BY_NAME.get(name).copied()
}

/// The catalog entries of `defs` as an array (`N` must be `defs.len()`), so
/// that a module can still export its `SPECS` as a constant derived from its
/// `DEFS`: `pub const SPECS: &[OpSpec] = &specs::<{ DEFS.len() }>(DEFS);`.
pub(crate) const fn specs<const N: usize>(defs: &[OperatorDef]) -> [OpSpec; N] {
    assert!(defs.len() == N, "specs: N must be defs.len()");
    let mut out = [PLACEHOLDER; N];
    let mut i = 0;
    while i < N {
        out[i] = defs[i].spec;
        i += 1;
    }
    out
}

/// Fills [`specs`]'s array before it is overwritten.
const PLACEHOLDER: OpSpec = OpSpec {
    name: "",
    kind: OpKind::Method,
    summary: "",
    params: &[],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for def in all() {
            assert!(seen.insert(def.spec.name), "{} defined twice", def.spec.name);
        }
    }

    #[test]
    fn builds_match_kinds() {
        for def in all() {
            let ok = match (&def.spec.kind, &def.build) {
                (OpKind::Transform { .. }, Build::Transform(_)) => true,
                (OpKind::Model { .. }, Build::Estimator(_)) => true,
                (OpKind::Transform { .. } | OpKind::Model { .. }, _) => false,
                (_, Build::None) => true,
                _ => false,
            };
            assert!(ok, "{}: build does not match its kind", def.spec.name);
            let model = matches!(def.spec.kind, OpKind::Model { .. });
            assert!(
                model || (def.capabilities == Capabilities::NONE && def.size.is_none()),
                "{}: capabilities and sizes are for models",
                def.spec.name
            );
        }
    }

    #[test]
    fn find_returns_the_definition() {
        assert_eq!(find("ridge").map(|d| d.spec.name), Some("ridge"));
        assert!(find("no_such_operator").is_none());
        assert_eq!(all().count(), BY_NAME.len());
    }
}
