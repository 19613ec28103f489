//! The stdlib's operator catalog: every name the checker resolves, with its kind
//! and parameters, derived from the operator definitions
//! ([`crate::operators`]). Parameter order is the order positional arguments
//! bind in. Also the helpers the definitions write parameters with.

use mlg_compiler::workflow::catalog::{Catalog, Default, OpSpec, ParamSpec, ParamType, Params, Shape, Task};
use mlg_compiler::workflow::Workflow;
use mlg_dsl::Diagnostic;
use std::sync::LazyLock;

/// A parameter spec (operator modules write their definitions with it).
pub(crate) const fn p(name: &'static str, ty: ParamType, default: Default, doc: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        ty,
        default,
        doc,
    }
}

/// `base` followed by `extra` (`M` must be `N + 1`): one model family's
/// parameter list extended for its other task without writing it twice.
pub(crate) const fn append<const N: usize, const M: usize>(
    base: [ParamSpec; N],
    extra: ParamSpec,
) -> [ParamSpec; M] {
    assert!(M == N + 1, "append: M must be N + 1");
    let mut out = [extra; M];
    let mut i = 0;
    while i < N {
        out[i] = base[i];
        i += 1;
    }
    out
}

/// The `seed` parameter of the seeded operators: an integer >= 0, default 0.
pub(crate) const SEED: ParamSpec = p(
    "seed",
    ParamType::Int {
        min: 0,
        max: i64::MAX,
    },
    Default::Int(0),
    "random seed",
);
/// A number >= 0.
pub(crate) const POSITIVE: ParamType = ParamType::Float {
    min: 0.0,
    max: f64::INFINITY,
};

/// The catalog of every operator this build of the stdlib implements: the
/// catalog entries of [`crate::operators::ALL`], in that order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StdCatalog;

static ENTRIES: LazyLock<Vec<OpSpec>> =
    LazyLock::new(|| crate::operators::all().map(|def| def.spec).collect());

impl Catalog for StdCatalog {
    fn entries(&self) -> &[OpSpec] {
        &ENTRIES
    }

    fn get(&self, name: &str) -> Option<&OpSpec> {
        crate::operators::find(name).map(|def| &def.spec)
    }

    fn parameter_count(&self, op: &str, params: &Params, shape: Shape) -> Option<u128> {
        crate::size::parameter_count(op, params, shape)
    }

    /// The operators whose [`crate::operators::Capabilities::missing`] is set.
    fn takes_missing(&self, op: &str) -> bool {
        crate::operators::find(op).is_some_and(|def| def.capabilities.missing)
    }

    /// For the operators whose [`crate::operators::Capabilities::categorical`]
    /// is set, their `max_bins` (a category is a bin; 255 by default).
    fn category_limit(&self, op: &str, params: &Params) -> Option<usize> {
        crate::operators::find(op)
            .filter(|def| def.capabilities.categorical)
            .map(|_| {
                params
                    .get("max_bins")
                    .and_then(|v| v.as_i64())
                    .map_or(255, |n| n.max(0) as usize)
            })
    }

    /// [`crate::compress::budget::candidates`].
    fn compress_candidates(&self, model: &str) -> Vec<(String, Vec<(&'static str, Params)>)> {
        crate::compress::budget::candidates(model)
    }

    /// The stdlib's analyzer rules ([`crate::checks::errors`]).
    fn analyze(&self, checked: &Workflow) -> Vec<Diagnostic> {
        crate::checks::errors(checked)
    }
}

/// Metrics reported when an `evaluate` statement names none.
pub fn default_metrics(task: Task) -> &'static [&'static str] {
    match task {
        Task::Classification => &["accuracy", "f1_macro"],
        Task::Regression => &["r2", "mse"],
    }
}
