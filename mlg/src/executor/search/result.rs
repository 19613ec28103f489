//! What a search reports: every trial's outcome, the objectives and the best
//! trial (serialized into the JSON report's `searches`).

use serde::Serialize;
use std::collections::BTreeMap;

/// One trial's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrialResult {
    /// 1-based, in proposal order (grid: enumeration order).
    pub trial: usize,
    /// The searched parameters by path (`trees`, `prep.select_k_best.k`,
    /// `rf.max_depth`); `null` is `none` (left out / default).
    pub params: BTreeMap<String, serde_json::Value>,
    /// The share of the full training budget the trial ran at (below 1 only
    /// in `halving`/`hyperband` rungs).
    pub budget: f64,
    /// Mean score of the first objective's metric over the splits (the
    /// method's estimate); `NaN` (JSON `null`) when pruned or failed.
    pub mean: f64,
    /// Population standard deviation over the splits.
    pub std: f64,
    /// One value per objective, in the order of [`Search::objectives`]
    /// (the metric's estimate, `latency_us`, `size_bytes`).
    pub objectives: Vec<f64>,
    /// `complete`, `pruned` (stopped early by median pruning) or `failed`
    /// (its fit was rejected; the message is in `error`).
    pub status: String,
    /// Why a failed trial failed.
    pub error: Option<String>,
    /// Training cost in row-fits: training rows × fits, scaled by the budget.
    pub cost: f64,
    /// Wall-clock seconds the trial took.
    pub seconds: f64,
    /// Read back from the trial log by `--resume` rather than run.
    pub resumed: bool,
    /// On the Pareto front of the objectives (every complete full-budget
    /// trial is, with one objective, only when it is the best).
    pub pareto: bool,
    /// 1 for the best complete full-budget trial, then 2, 3, ...; 0 for
    /// trials that are not ranked (pruned, failed, lower budget).
    pub rank: usize,
}

/// One objective of a search: a metric, or `latency_us` / `size_bytes`
/// measured on the compiled inference function.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Objective {
    /// A metric's name, `latency_us` or `size_bytes`.
    pub name: String,
    /// `maximize` or `minimize`.
    pub direction: String,
}

/// The outcome of a `search` stage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Search {
    /// The search stage's name.
    pub name: String,
    /// The model or ensemble stage tuned.
    pub base: String,
    /// Its operator.
    pub operator: String,
    /// `grid`, `random`, `genetic`, `tpe`, `halving` or `hyperband`.
    pub strategy: String,
    /// The first objective's metric: trials are ranked by it.
    pub metric: String,
    /// The method they were evaluated with, as text.
    pub method: String,
    /// The objectives, the first one ranks.
    pub objectives: Vec<Objective>,
    /// Every trial, in proposal order.
    pub trials: Vec<TrialResult>,
    /// The best trial's number (1-based).
    pub best_trial: usize,
    /// The best trial's parameters.
    pub best_params: BTreeMap<String, serde_json::Value>,
    /// The best trial's score.
    pub best_score: f64,
    /// The stage name the best trial trains under (`NAME#k`).
    pub model: String,
    /// Trial numbers on the Pareto front, ascending.
    pub pareto: Vec<usize>,
    /// Total training cost in row-fits.
    pub cost: f64,
    /// Why the search ended before its strategy did (early stopping or the
    /// timeout), if it did.
    pub stopped: Option<String>,
    /// Trials read back from the log by `--resume`.
    pub resumed: usize,
    /// The JSON-lines trial log.
    pub log: Option<std::path::PathBuf>,
}
