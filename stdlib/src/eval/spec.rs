//! The evaluation methods' operator definitions. The executor computes the
//! splits with this module's functions from the checked parameters.

use crate::catalog::{p, SEED};
use crate::operators::OperatorDef;
use mlg_compiler::workflow::catalog::{Default, OpKind, OpSpec, ParamType};

/// The evaluation methods, in catalog order.
pub(crate) const DEFS: &[OperatorDef] = &[
    OperatorDef::spec(OpSpec {
        name: "holdout",
        kind: OpKind::Method,
        summary: "one train/test split",
        params: &[
            p(
                "test",
                ParamType::Float {
                    min: 1e-9,
                    max: 0.999_999,
                },
                Default::Float(0.2),
                "fraction of rows held out",
            ),
            SEED,
            p(
                "stratified",
                ParamType::Bool,
                Default::Optional,
                "keep class proportions (default: true for classifiers)",
            ),
        ],
    }),
    OperatorDef::spec(OpSpec {
        name: "kfold",
        kind: OpKind::Method,
        summary: "k-fold cross-validation; every fold refits the whole upstream chain",
        params: &[
            p(
                "k",
                ParamType::Int {
                    min: 2,
                    max: 1_000_000,
                },
                Default::Int(5),
                "number of folds",
            ),
            p(
                "stratified",
                ParamType::Bool,
                Default::Optional,
                "keep class proportions (default: true for classifiers)",
            ),
            SEED,
            p(
                "shuffle",
                ParamType::Bool,
                Default::Bool(true),
                "shuffle rows before dealing folds",
            ),
        ],
    }),
    OperatorDef::spec(OpSpec {
        name: "predefined_folds",
        kind: OpKind::Method,
        summary: "folds read from a CSV with a `fold` column (and optional `row` column), one per data row",
        params: &[p(
            "path",
            ParamType::Str,
            Default::Required,
            "fold file, relative to the .mlg file",
        )],
    })
    .with_details(
        "The file has one `fold` id per data row, and optionally a `row` column naming the row; fold `f` \
         is tested on its rows and trained on all others, and a row with a negative id is always trained \
         on.",
    ),
    OperatorDef::spec(OpSpec {
        name: "repeated_kfold",
        kind: OpKind::Method,
        summary: "k-fold cross-validation repeated with a fresh shuffle per repeat (scikit-learn's RepeatedStratifiedKFold)",
        params: &[
            p(
                "k",
                ParamType::Int {
                    min: 2,
                    max: 1_000_000,
                },
                Default::Int(5),
                "number of folds per repeat",
            ),
            p(
                "repeats",
                ParamType::Int {
                    min: 1,
                    max: 10_000,
                },
                Default::Int(3),
                "number of reshuffled k-fold rounds",
            ),
            p(
                "stratified",
                ParamType::Bool,
                Default::Optional,
                "keep class proportions (default: true for classifiers)",
            ),
            SEED,
        ],
    })
    .with_details(
        "`repeats` rounds of shuffled k-fold, each reshuffled with a seed derived from `seed`; the scores \
         are summarized over all `k × repeats` folds.",
    ),
    OperatorDef::spec(OpSpec {
        name: "bootstrap",
        kind: OpKind::Method,
        summary: "bootstrap resamples scored out-of-bag, summarized by Efron's .632 estimate",
        params: &[
            p(
                "n",
                ParamType::Int {
                    min: 1,
                    max: 100_000,
                },
                Default::Int(100),
                "number of resamples",
            ),
            SEED,
            p(
                "oob",
                ParamType::Bool,
                Default::Bool(true),
                "score each resample on its out-of-bag rows and report the .632 estimate (false: score on every row)",
            ),
        ],
    })
    .with_details(
        "Each resample trains on as many rows as the data has, drawn with replacement. With `oob` it is \
         scored on the rows it did not draw and the reported estimate is Efron's .632 blend \
         `0.368 × resubstitution + 0.632 × out-of-bag` ([report.md](report.md#evaluation-methods)).",
    ),
];
