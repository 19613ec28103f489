//! The stdlib's operator catalog: every name the checker resolves, with its kind
//! and parameters. Parameter order is the order positional arguments bind in.

use mlg_compiler::workflow::catalog::{
    Catalog, Default, DefaultSelector, OpKind, OpSpec, ParamSpec, ParamType, Params, SchemaRule, Shape, Task,
};

/// A parameter spec (operator modules use it for their `SPECS`).
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

pub(crate) const SEED: ParamSpec = p(
    "seed",
    ParamType::Int {
        min: 0,
        max: i64::MAX,
    },
    Default::Int(0),
    "random seed",
);
pub(crate) const POSITIVE: ParamType = ParamType::Float {
    min: 0.0,
    max: f64::INFINITY,
};

const CLF: OpKind = OpKind::Metric {
    task: Task::Classification,
};
const REG: OpKind = OpKind::Metric {
    task: Task::Regression,
};

const fn metric(name: &'static str, kind: OpKind, summary: &'static str) -> OpSpec {
    OpSpec {
        name,
        kind,
        summary,
        params: &[],
    }
}

/// The source, the first preprocessing steps, models, methods and metrics.
static BASE: &[OpSpec] = &[
    OpSpec {
        name: "csv",
        kind: OpKind::Source,
        summary: "read a CSV file with a header row",
        params: &[
            p(
                "path",
                ParamType::Str,
                Default::Required,
                "file path, relative to the .mlg file",
            ),
            p(
                "target",
                ParamType::Str,
                Default::Optional,
                "name of the column to predict",
            ),
            p(
                "types",
                ParamType::StrMap,
                Default::Optional,
                "column kinds that replace inference, e.g. { zip = \"categorical\", age = \"numeric\" }",
            ),
        ],
    },
    OpSpec {
        name: "parquet",
        kind: OpKind::Source,
        summary: "read a Parquet file",
        params: &[
            p(
                "path",
                ParamType::Str,
                Default::Required,
                "file path, relative to the .mlg file",
            ),
            p(
                "target",
                ParamType::Str,
                Default::Optional,
                "name of the column to predict",
            ),
        ],
    },
    OpSpec {
        name: "join",
        kind: OpKind::Source,
        summary: "join two data stages on a key column: join(left, right, on = \"id\")",
        params: &[
            p(
                "on",
                ParamType::Str,
                Default::Required,
                "key column present in both inputs",
            ),
            p(
                "how",
                ParamType::Choice(&["inner", "left"]),
                Default::Str("inner"),
                "keep unmatched left rows (\"left\") or not",
            ),
            p(
                "target",
                ParamType::Str,
                Default::Optional,
                "column to predict (default: the left input's target)",
            ),
        ],
    },
    OpSpec {
        name: "concat",
        kind: OpKind::Source,
        summary: "stack data stages with the same columns: concat(a, b, ...)",
        params: &[p(
            "target",
            ParamType::Str,
            Default::Optional,
            "column to predict (default: the first input's target)",
        )],
    },
    OpSpec {
        name: "impute",
        kind: OpKind::Transform {
            default_selector: DefaultSelector::All,
            rule: SchemaRule::InPlace {
                fills_missing: true,
                numeric_only: false,
            },
        },
        summary: "replace missing values by a statistic of the training rows",
        params: &[
            p(
                "strategy",
                ParamType::Choice(&["mean", "median", "most_frequent", "constant", "knn"]),
                Default::Str("mean"),
                "statistic used as the fill value",
            ),
            p(
                "value",
                ParamType::Float {
                    min: f64::NEG_INFINITY,
                    max: f64::INFINITY,
                },
                Default::Optional,
                "fill value of numeric columns when strategy = \"constant\" (default 0)",
            ),
            p(
                "level",
                ParamType::Str,
                Default::Optional,
                "fill level of categorical columns when strategy = \"constant\"",
            ),
            p(
                "k",
                ParamType::Int { min: 1, max: 1000 },
                Default::Int(5),
                "neighbours averaged when strategy = \"knn\"",
            ),
        ],
    },
    OpSpec {
        name: "standardize",
        kind: OpKind::Transform {
            default_selector: DefaultSelector::Numeric,
            rule: SchemaRule::InPlace {
                fills_missing: false,
                numeric_only: true,
            },
        },
        summary: "centre to mean 0 and scale to unit variance (population std)",
        params: &[
            p(
                "with_mean",
                ParamType::Bool,
                Default::Bool(true),
                "subtract the mean",
            ),
            p(
                "with_std",
                ParamType::Bool,
                Default::Bool(true),
                "divide by the standard deviation",
            ),
        ],
    },
    OpSpec {
        name: "one_hot",
        kind: OpKind::Transform {
            default_selector: DefaultSelector::Categorical,
            rule: SchemaRule::OneHot,
        },
        summary: "one 0/1 column per category level; unknown levels encode as all zeros",
        params: &[p(
            "max_categories",
            ParamType::Int {
                min: 1,
                max: i64::MAX,
            },
            Default::Optional,
            "keep only the most frequent levels",
        )],
    },
    OpSpec {
        name: "linear_regression",
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "ordinary least squares",
        params: &[p(
            "fit_intercept",
            ParamType::Bool,
            Default::Bool(true),
            "learn an intercept",
        )],
    },
    OpSpec {
        name: "ridge",
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "least squares with an L2 penalty alpha * |w|^2",
        params: &[
            p("alpha", POSITIVE, Default::Float(1.0), "penalty strength"),
            p(
                "fit_intercept",
                ParamType::Bool,
                Default::Bool(true),
                "learn an intercept",
            ),
        ],
    },
    OpSpec {
        name: "lasso",
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "least squares with an L1 penalty alpha * |w|_1 (scikit-learn's Lasso), coordinate descent",
        params: &[
            p("alpha", POSITIVE, Default::Float(1.0), "penalty strength"),
            p(
                "fit_intercept",
                ParamType::Bool,
                Default::Bool(true),
                "learn an intercept",
            ),
            p(
                "max_iter",
                ParamType::Int {
                    min: 1,
                    max: 1_000_000,
                },
                Default::Int(1000),
                "coordinate-descent sweep limit",
            ),
            p(
                "tol",
                ParamType::Float {
                    min: f64::MIN_POSITIVE,
                    max: f64::INFINITY,
                },
                Default::Float(1e-4),
                "stop when the duality gap is below tol * |y - mean(y)|^2",
            ),
        ],
    },
    OpSpec {
        name: "elastic_net",
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "least squares with alpha * (l1_ratio * |w|_1 + (1 - l1_ratio) / 2 * |w|^2) \
                  (scikit-learn's ElasticNet), coordinate descent",
        params: &[
            p("alpha", POSITIVE, Default::Float(1.0), "penalty strength"),
            p(
                "l1_ratio",
                ParamType::Float { min: 0.0, max: 1.0 },
                Default::Float(0.5),
                "share of the L1 penalty (1 = lasso, 0 = ridge)",
            ),
            p(
                "fit_intercept",
                ParamType::Bool,
                Default::Bool(true),
                "learn an intercept",
            ),
            p(
                "max_iter",
                ParamType::Int {
                    min: 1,
                    max: 1_000_000,
                },
                Default::Int(1000),
                "coordinate-descent sweep limit",
            ),
            p(
                "tol",
                ParamType::Float {
                    min: f64::MIN_POSITIVE,
                    max: f64::INFINITY,
                },
                Default::Float(1e-4),
                "stop when the duality gap is below tol * |y - mean(y)|^2",
            ),
        ],
    },
    OpSpec {
        name: "logistic_regression",
        kind: OpKind::Model {
            task: Task::Classification,
        },
        summary: "binary or multinomial logistic regression (scikit-learn's objective), L2/L1/no penalty; \
                  L-BFGS, Newton, conjugate-gradient or SGD solver",
        params: &[
            p(
                "c",
                ParamType::Float {
                    min: 1e-12,
                    max: f64::INFINITY,
                },
                Default::Float(1.0),
                "inverse penalty strength (scikit-learn's C)",
            ),
            p(
                "max_iter",
                ParamType::Int {
                    min: 1,
                    max: 1_000_000,
                },
                Default::Int(1000),
                "iteration limit (line searches for lbfgs/cg, Newton steps, SGD epochs)",
            ),
            p(
                "tol",
                POSITIVE,
                Default::Optional,
                "stop when the gradient's max-norm (objective / (C n)) is below this; \
                 default 1e-4 for lbfgs and cg (scikit-learn's), 1e-8 for newton and sgd",
            ),
            p(
                "fit_intercept",
                ParamType::Bool,
                Default::Bool(true),
                "learn intercepts",
            ),
            p(
                "penalty",
                ParamType::Choice(&["l2", "l1", "none"]),
                Default::Str("l2"),
                "penalty on the weights: 1/2 |W|^2, |W|_1 (solver newton or sgd) or none",
            ),
            p(
                "solver",
                ParamType::Choice(&["lbfgs", "newton", "cg", "sgd"]),
                Default::Str("lbfgs"),
                "optimiser: L-BFGS, Newton (proximal for l1), nonlinear conjugate gradient, averaged SGD",
            ),
            SEED,
        ],
    },
    OpSpec {
        name: "gaussian_nb",
        kind: OpKind::Model {
            task: Task::Classification,
        },
        summary: "Gaussian naive Bayes (scikit-learn's GaussianNB), class-frequency priors",
        params: &[p(
            "var_smoothing",
            POSITIVE,
            Default::Float(1e-9),
            "share of the largest feature variance added to every class variance",
        )],
    },
    OpSpec {
        name: "mlp_classifier",
        kind: OpKind::Model {
            task: Task::Classification,
        },
        summary:
            "multi-layer perceptron classifier trained by mini-batch Adam or SGD (scikit-learn's MLPClassifier)",
        params: &crate::models::mlp::spec::CLASSIFIER_PARAMS,
    },
    OpSpec {
        name: "mlp_regressor",
        kind: OpKind::Model {
            task: Task::Regression,
        },
        summary: "multi-layer perceptron regressor trained by mini-batch Adam or SGD (scikit-learn's MLPRegressor)",
        params: &crate::models::mlp::spec::REGRESSOR_PARAMS,
    },
    OpSpec {
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
    },
    OpSpec {
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
    },
    OpSpec {
        name: "predefined_folds",
        kind: OpKind::Method,
        summary: "folds read from a CSV with a `fold` column (and optional `row` column), one per data row",
        params: &[p(
            "path",
            ParamType::Str,
            Default::Required,
            "fold file, relative to the .mlg file",
        )],
    },
    OpSpec {
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
    },
    OpSpec {
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
    },
    metric("accuracy", CLF, "fraction of correct predictions"),
    metric("precision_macro", CLF, "precision averaged over classes"),
    metric(
        "precision_weighted",
        CLF,
        "precision averaged over classes, weighted by support",
    ),
    metric("recall_macro", CLF, "recall averaged over classes"),
    metric(
        "recall_weighted",
        CLF,
        "recall averaged over classes, weighted by support",
    ),
    metric("f1_macro", CLF, "F1 averaged over classes"),
    metric(
        "f1_weighted",
        CLF,
        "F1 averaged over classes, weighted by support",
    ),
    metric(
        "precision_micro",
        CLF,
        "precision over all predictions (equals accuracy)",
    ),
    metric(
        "recall_micro",
        CLF,
        "recall over all predictions (equals accuracy)",
    ),
    metric("f1_micro", CLF, "F1 over all predictions (equals accuracy)"),
    metric(
        "precision",
        CLF,
        "precision of the positive (second) class of a binary target",
    ),
    metric(
        "recall",
        CLF,
        "recall of the positive (second) class of a binary target",
    ),
    metric("f1", CLF, "F1 of the positive (second) class of a binary target"),
    metric(
        "balanced_accuracy",
        CLF,
        "recall averaged over the classes present",
    ),
    metric(
        "roc_auc",
        CLF,
        "area under the ROC curve (one-vs-rest macro for more than two classes)",
    ),
    metric("log_loss", CLF, "mean negative log-probability of the true class"),
    metric("mse", REG, "mean squared error"),
    metric("rmse", REG, "root mean squared error"),
    metric("mae", REG, "mean absolute error"),
    metric("r2", REG, "coefficient of determination"),
];

/// The catalog of every operator this build of the stdlib implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StdCatalog;

/// Every catalog section in catalog order: the base entries, then each operator
/// module's own `SPECS`.
static SECTIONS: &[&[OpSpec]] = &[
    BASE,
    crate::models::tree::spec::SPECS,
    crate::scale::SPECS,
    crate::clean::SPECS,
    crate::construct::SPECS,
    crate::encode::SPECS,
    crate::select::SPECS,
    crate::extract::SPECS,
    crate::nonlinear::SPECS,
    crate::derive::SPECS,
    crate::models::boost::SPECS,
    crate::models::svm::SPECS,
    crate::compress::SPECS,
    crate::ensemble::SPECS,
];

static ENTRIES: std::sync::LazyLock<Vec<OpSpec>> = std::sync::LazyLock::new(|| {
    SECTIONS
        .iter()
        .flat_map(|section| section.iter().copied())
        .collect()
});

impl Catalog for StdCatalog {
    fn entries(&self) -> &[OpSpec] {
        &ENTRIES
    }

    fn parameter_count(&self, op: &str, params: &Params, shape: Shape) -> Option<u128> {
        crate::size::parameter_count(op, params, shape)
    }
}

/// Metrics reported when an `evaluate` statement names none.
pub fn default_metrics(task: Task) -> &'static [&'static str] {
    match task {
        Task::Classification => &["accuracy", "f1_macro"],
        Task::Regression => &["r2", "mse"],
    }
}
