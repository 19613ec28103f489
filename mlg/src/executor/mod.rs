//! The executor: trains, evaluates, selects and deploys what a checked
//! workflow declares. Its layers each import only the ones listed before
//! them (a test parses the `use` lines to keep it so):
//!
//! | layer | does |
//! | --- | --- |
//! | [`plan`] | what a name stands for ([`ModelRef`]), the searches' [`BestTrials`], stages under a trial's patch |
//! | [`compile`] | an IR graph to an executable (pass pipeline, Cranelift) |
//! | [`fit`] | chains: features steps and model, ensembles, lowering, the finite-output check |
//! | [`eval`] | splits, folds, scores, importance, summaries, ranking |
//! | [`search`] | hyperparameter searches and their trial logs |
//! | [`run`] | resolving selects and searches, and the driver |
//!
//! The session ([`crate::session`]) comes before all of them.

pub(crate) mod compile;
pub(crate) mod eval;
pub(crate) mod fit;
pub(crate) mod plan;
pub(crate) mod run;
pub(crate) mod search;

pub use compile::{compile_graph, optimize};
pub use eval::rank::by_rank;
pub use eval::summary::{
    BudgetOutcome, Coefficients, ConfusionMatrix, FeatureScore, HeldOut, ModelImportances,
    PermutationImportance, Selection,
};
pub use eval::{Compression, Evaluation, MetricSummary};
pub use fit::{Chain, ChainKind, Fitted, FittedChain, FittedEnsemble};
pub use plan::{BestTrial, BestTrials, ModelRef};
pub use run::{
    build_artifact, build_model, fit_full, run, run_with, Distribution, RunOptions, RunOutput,
    PERMUTATION_REPEATS,
};
pub use search::{Objective, Search, TrialResult, CHUNK as SEARCH_CHUNK};
