//! The combiners of `ensemble NAME = combiner(MEMBER, ..., k = v)`: their
//! operator definitions. The executor fits the members and the combiner, and
//! lowers the whole ensemble into one inference graph.

use crate::catalog::p;
use crate::operators::OperatorDef;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType};

/// The ensemble combiners, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::spec(OpSpec {
        name: "mean",
        kind: OpKind::Ensemble,
        summary: "the mean of the members' class probabilities (classifiers) or predictions (regressors)",
        params: &[],
    }),
    OperatorDef::spec(OpSpec {
        name: "weighted",
        kind: OpKind::Ensemble,
        summary: "a weighted mean of the members' class probabilities or predictions",
        params: &[p(
            "weights",
            ParamType::Str,
            Default::Required,
            "one non-negative weight per member, comma separated, e.g. \"0.3,0.7\"",
        )],
    }),
    OperatorDef::spec(OpSpec {
        name: "hard_vote",
        kind: OpKind::Ensemble,
        summary: "classifiers: the class most members predict (ties: the lowest class index)",
        params: &[],
    }),
    OperatorDef::spec(OpSpec {
        name: "soft_vote",
        kind: OpKind::Ensemble,
        summary: "classifiers: the class of highest mean probability",
        params: &[],
    }),
    OperatorDef::spec(OpSpec {
        name: "stacking",
        kind: OpKind::Ensemble,
        summary: "a meta-model trained on the members' out-of-fold probabilities or predictions",
        params: &[
            p(
                "meta",
                ParamType::Model,
                Default::Optional,
                "the meta-model (default logistic_regression() for classifiers, linear_regression() for regressors)",
            ),
            p(
                "passthrough",
                ParamType::Bool,
                Default::Bool(false),
                "also give the meta-model the raw inputs (all must be numeric and complete)",
            ),
            p(
                "cv",
                ParamType::Int { min: 2, max: 100 },
                Default::Int(5),
                "folds of the inner stratified k-fold that produces the out-of-fold predictions",
            ),
            p(
                "seed",
                ParamType::Int {
                    min: 0,
                    max: i64::MAX,
                },
                Default::Int(0),
                "seed of the inner k-fold's shuffle",
            ),
        ],
    }),
    OperatorDef::spec(BLENDING),
];

/// `blending(a, b, ..., meta = MODEL, holdout = 0.2, seed = 0,
/// passthrough = false)`: classic blending. One seeded shuffle (stratified
/// by class for classifiers, like stacking's inner folds) holds out the
/// share `holdout` of the ensemble's training rows; every member is fitted
/// once, on the other rows, and the meta-model is trained on the members'
/// predictions for the held-out rows (plus the raw inputs with
/// `passthrough`). The members are *not* refitted on all rows: the final
/// model is made of exactly the member fits whose held-out predictions the
/// meta-model learned from (use `stacking` to refit them on every row).
/// It lowers like stacking: the members, then the meta-model over a
/// `concat` of their outputs, in one graph.
pub(crate) const BLENDING: OpSpec = OpSpec {
    name: "blending",
    kind: OpKind::Ensemble,
    summary: "a meta-model trained on the members' predictions for a held-out share of the rows; the members fit the rest",
    params: &[
        p(
            "meta",
            ParamType::Model,
            Default::Optional,
            "the meta-model (default logistic_regression() for classifiers, linear_regression() for regressors)",
        ),
        p(
            "holdout",
            ParamType::Float { min: 0.0, max: 1.0 },
            Default::Float(0.2),
            "share of the training rows held out to train the meta-model, strictly between 0 and 1 (the members fit the rest and are not refitted)",
        ),
        p(
            "seed",
            ParamType::Int {
                min: 0,
                max: i64::MAX,
            },
            Default::Int(0),
            "seed of the holdout shuffle (stratified by class for classifiers)",
        ),
        p(
            "passthrough",
            ParamType::Bool,
            Default::Bool(false),
            "also give the meta-model the raw inputs (all must be numeric and complete)",
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::{BLENDING, DEFS};
    use crate::catalog::StdCatalog;
    use mlg_compiler::workflow::catalog::{Catalog, Default, OpKind, ParamType};

    #[test]
    fn every_combiner_is_in_the_catalog() {
        for spec in DEFS.iter().map(|d| &d.spec) {
            let found = StdCatalog.get(spec.name).expect("in the catalog");
            assert_eq!(found.kind, OpKind::Ensemble, "{}", spec.name);
        }
        assert!(StdCatalog.names_of(&OpKind::Ensemble).contains(&"blending"));
    }

    /// The checker and the executor treat a blending's `meta` and
    /// `passthrough` exactly as a stacking's.
    #[test]
    fn blending_takes_stackings_meta_and_passthrough() {
        let stacking = DEFS
            .iter()
            .map(|d| &d.spec)
            .find(|s| s.name == "stacking")
            .expect("stacking");
        for name in ["meta", "passthrough", "seed"] {
            let a = stacking
                .params
                .iter()
                .find(|p| p.name == name)
                .expect("stacking param");
            let b = BLENDING
                .params
                .iter()
                .find(|p| p.name == name)
                .expect("blending param");
            assert_eq!((a.ty, a.default), (b.ty, b.default), "{name}");
        }
        let holdout = BLENDING
            .params
            .iter()
            .find(|p| p.name == "holdout")
            .expect("holdout");
        assert_eq!(holdout.ty, ParamType::Float { min: 0.0, max: 1.0 });
        assert_eq!(holdout.default, Default::Float(0.2));
    }
}
