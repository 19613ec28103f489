//! Checked stages: what each statement of a `.mlg` file means once names,
//! operators, parameters and columns are resolved.

use super::catalog::{ColumnKind, Params, Schema, Task, Value};
use mlg_dsl::Span;
use std::path::PathBuf;

/// Which columns a features step acts on; resolved against the frame at fit time.
#[derive(Clone, Debug, PartialEq)]
pub enum Selector {
    /// `all`: every input column.
    All,
    /// `numeric`: the numeric columns.
    Numeric,
    /// `categorical`: the categorical columns.
    Categorical,
    /// `dates`: the date columns.
    Dates,
    /// `cols("a", ...)`: the named columns, in the order written.
    Cols(Vec<String>),
    /// `except("a", ...)`: every input column but the named ones.
    Except(Vec<String>),
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let quoted = |names: &[String]| {
            names
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Selector::All => f.write_str("all"),
            Selector::Numeric => f.write_str("numeric"),
            Selector::Categorical => f.write_str("categorical"),
            Selector::Dates => f.write_str("dates"),
            Selector::Cols(c) => write!(f, "cols({})", quoted(c)),
            Selector::Except(c) => write!(f, "except({})", quoted(c)),
        }
    }
}

/// One checked operator use: name, bound parameters, where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct OpUse {
    /// The catalog name of the operator.
    pub op: String,
    /// Its checked parameters, defaults filled in.
    pub params: Params,
    /// The call as written.
    pub span: Span,
}

impl std::fmt::Display for OpUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: Vec<String> = self.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        write!(f, "{}({})", self.op, params.join(", "))
    }
}

/// A features step: operator, selector, parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The step's operator and parameters.
    pub op: OpUse,
    /// The columns it acts on (its catalog default when none was written).
    pub selector: Selector,
}

/// Where a data stage's rows come from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSource {
    /// A file read by the reader named `format` (`csv` or `parquet`); `types`
    /// are the column kinds declared by `csv(..., types = {...})` (empty: every
    /// column's kind is inferred).
    File {
        /// The reader: `csv` or `parquet`.
        format: String,
        /// The file, resolved against the `.mlg` file's folder.
        path: PathBuf,
        /// The path as written.
        path_text: String,
        /// Declared column kinds, in the order written.
        types: Vec<(String, ColumnKind)>,
    },
    /// `join(left, right, on = "key", how = "inner" | "left")`.
    Join {
        /// The left data stage (every one of its rows is kept when `how` is `left`).
        left: String,
        /// The right data stage.
        right: String,
        /// The key column both stages have.
        on: String,
        /// `inner` or `left`.
        how: String,
    },
    /// `concat(a, b, ...)`: the inputs' rows one after another.
    Concat {
        /// The data stages, in the order their rows appear.
        parts: Vec<String>,
    },
}

/// `data NAME = source(...)`.
#[derive(Clone, Debug, PartialEq)]
pub struct DataStage {
    /// Where the rows come from.
    pub source: DataSource,
    /// The column to predict, when the stage declares (or inherits) one.
    pub target: Option<String>,
    /// Every column, target included.
    pub schema: Schema,
}

/// `features NAME = INPUT -> steps`.
#[derive(Clone, Debug, PartialEq)]
pub struct FeaturesStage {
    /// The data or features stage the steps start from.
    pub input: String,
    /// The steps in the order they apply; never empty.
    pub steps: Vec<Step>,
}

/// `model NAME = op(INPUT, ...)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelStage {
    /// The data or features stage the model is fitted on.
    pub input: String,
    /// The model operator and its parameters.
    pub op: OpUse,
    /// The task the operator learns.
    pub task: Task,
    /// Compression steps (`compress NAME = MODEL -> step ...`) in order;
    /// empty for a plain `model` statement.
    pub compress: Vec<OpUse>,
    /// For a `compress` stage, the `model` stage it compresses (through any
    /// `compress` stages between them); `None` for a plain `model` statement.
    pub compressed_from: Option<String>,
    /// For a student of `distill(...)`, what it learns from; the model's own
    /// fields (`input`, `op`, `task`) are the student's, and `compress` holds
    /// the steps after `distill`.
    pub distill: Option<Distill>,
}

impl ModelStage {
    /// Whether the stage is a plain `model` statement: no compression step
    /// and no teacher.
    pub fn is_plain(&self) -> bool {
        self.compress.is_empty() && self.distill.is_none()
    }
}

/// `distill(student = MODEL_CALL, temperature = T, alpha = A, augment = n,
/// seed = s)`: the student learns from the teacher's predictions.
#[derive(Clone, Debug, PartialEq)]
pub struct Distill {
    /// The teacher: a model, compress, search or ensemble stage.
    pub teacher: String,
    /// The softening temperature of the teacher's probabilities (≥ 1 softens).
    pub temperature: f64,
    /// The weight of the teacher's targets against the true labels, in `[0, 1]`.
    pub alpha: f64,
    /// Synthetic training rows added to the student's training rows.
    pub augment: usize,
    /// The seed of the synthetic rows.
    pub seed: u64,
    /// The `distill(...)` call as written.
    pub span: Span,
}

impl std::fmt::Display for Distill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "distill(teacher={}, temperature={}, alpha={}, augment={}, seed={})",
            self.teacher, self.temperature, self.alpha, self.augment, self.seed
        )
    }
}

/// `evaluate A, B with method metrics m`.
#[derive(Clone, Debug, PartialEq)]
pub struct EvaluateStage {
    /// The stages evaluated, in the order written.
    pub targets: Vec<String>,
    /// The evaluation method, defaults filled in.
    pub method: OpUse,
    /// For `predefined_folds`, the fold file resolved against the `.mlg` folder.
    pub fold_file: Option<PathBuf>,
    /// The metrics named, in the order written; empty when none were.
    pub metrics: Vec<String>,
}

/// `model NAME = select(A, B, ..., metric = "m", cv = method(...))`: at run
/// time, the candidate with the best cross-validated `metric` under `method`;
/// later stages use it like a model.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectStage {
    /// The candidate model (or select) stages, in the order written; ties go to
    /// the earlier one.
    pub candidates: Vec<String>,
    /// The metric to rank by; `None` means the task's first default metric.
    pub metric: Option<String>,
    /// The evaluation method (default `kfold()` with its defaults).
    pub method: OpUse,
    /// For `predefined_folds`, the fold file resolved against the `.mlg` folder.
    pub fold_file: Option<PathBuf>,
    /// The candidates' common task.
    pub task: Task,
    /// For `compress NAME = MODEL -> budget(...)`: the budget the choice must
    /// meet. The candidates are then `MODEL` and its variants, stages named
    /// `NAME[label]` that the checker adds; `None` for `select(...)`.
    pub budget: Option<CompressBudget>,
}

/// `budget(accuracy_drop = d, latency_us = l, objective = "size" | "latency")`:
/// the smallest (or fastest) candidate whose score is within `d` of the
/// uncompressed model's and whose single-row latency is at most `l`.
#[derive(Clone, Debug, PartialEq)]
pub struct CompressBudget {
    /// The uncompressed model stage (the first candidate).
    pub base: String,
    /// Most the metric may fall below the base's (rise, for an error metric).
    pub accuracy_drop: f64,
    /// Most microseconds per single-row call, when given.
    pub latency_us: Option<f64>,
    /// What the choice minimizes: `size` or `latency`.
    pub objective: String,
}

impl std::fmt::Display for CompressBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "budget(accuracy_drop={}", self.accuracy_drop)?;
        if let Some(l) = self.latency_us {
            write!(f, ", latency_us={l}")?;
        }
        write!(f, ", objective={:?})", self.objective)
    }
}

/// One point of a search space: each tuned parameter (by its path) with its
/// value, in the order the space names them; `None` is `none` (the parameter
/// left out, or its catalog default).
pub type Point = Vec<(String, Option<Value>)>;

/// The values one searched parameter may take.
#[derive(Clone, Debug, PartialEq)]
pub enum Space {
    /// `choice(...)`: the listed values; `None` is `none`.
    Choice(Vec<Option<Value>>),
    /// `int(low, high)`, both ends included; `as_float` when the parameter is
    /// a number rather than an integer.
    Int {
        /// The smallest value.
        low: i64,
        /// The largest value.
        high: i64,
        /// Whether values are passed to the parameter as numbers.
        as_float: bool,
    },
    /// `float(low, high, log = ...)`.
    Float {
        /// The lower end.
        low: f64,
        /// The upper end.
        high: f64,
        /// Whether values are drawn uniformly in log space.
        log: bool,
    },
}

/// Which operator of which stage a searched parameter belongs to.
#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    /// A model stage's operator.
    Model,
    /// An ensemble stage's combiner.
    Combiner,
    /// Step `index` (0-based) of a features stage.
    Step(usize),
}

/// One searched parameter: `path = space` in a search block.
#[derive(Clone, Debug, PartialEq)]
pub struct Dimension {
    /// As written: `trees`, `rf.max_depth`, `prep.select_k_best.k`.
    pub path: String,
    /// The stage whose operator takes the parameter.
    pub stage: String,
    /// Which of the stage's operators takes it.
    pub slot: Slot,
    /// The operator's parameter name.
    pub param: String,
    /// Its catalog default (what `none` restores); `None` when it has none.
    pub default: Option<Value>,
    /// The values it may take.
    pub space: Space,
}

/// One objective of a search (`maximize("f1_macro")`, `minimize("latency_us")`).
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveSpec {
    /// A metric of the task, or [`LATENCY_US`] / [`SIZE_BYTES`].
    pub name: String,
    /// `Some(true)` for `maximize`, `Some(false)` for `minimize`; `None`
    /// (from `metric = ...`) ranks as the metric is better.
    pub maximize: Option<bool>,
    /// Where it is written.
    pub span: Span,
}

/// The objective measured as the compiled function's single-row latency.
pub const LATENCY_US: &str = "latency_us";
/// The objective measured as the compiled graph's parameter bytes.
pub const SIZE_BYTES: &str = "size_bytes";

/// What `halving` and `hyperband` budgets scale.
#[derive(Clone, Debug, PartialEq)]
pub enum Budget {
    /// The training rows of every split (a stratified share of them).
    Rows,
    /// An integer parameter of the tuned model (boosting rounds, trees,
    /// epochs), scaled from its trial value.
    Param(String),
}

/// `search NAME = tune(MODEL, strategy = ..., ...) { space }`: at run time the
/// strategy proposes points, each trial (the tuned stage with the point's
/// parameters, upstream features steps included) is cross-validated under
/// `method`, and `NAME` stands for the best complete full-budget trial by the
/// first objective (ties go to the earlier trial).
#[derive(Clone, Debug, PartialEq)]
pub struct SearchStage {
    /// The model or ensemble stage tuned.
    pub base: String,
    /// `grid`, `random`, `genetic`, `tpe`, `halving` or `hyperband`.
    pub strategy: String,
    /// The strategy's own settings (`strategy = tpe(startup = 5)`), checked.
    pub strategy_params: Params,
    /// Proposals to make (`None` for `grid` and `halving` over a grid).
    pub trials: Option<usize>,
    /// The searched parameters, in the order written.
    pub space: Vec<Dimension>,
    /// What `halving`/`hyperband` budgets scale.
    pub budget: Budget,
    /// The objectives, the first one a metric; by default the task's first
    /// default metric, maximized or minimized as that metric is better.
    pub objectives: Vec<ObjectiveSpec>,
    /// `early_stop = N`: stop once N trials have finished without improving
    /// the best.
    pub early_stop: Option<usize>,
    /// `prune = true`: stop a trial after a split when its running mean is
    /// below the median of earlier trials' after the same split.
    pub prune: bool,
    /// `timeout = seconds`: start no new trials after this long.
    pub timeout: Option<f64>,
    /// The metric to rank by (the first objective); `None` means the task's
    /// first default metric.
    pub metric: Option<String>,
    /// The evaluation method (default `kfold()` with its defaults).
    pub method: OpUse,
    /// For `predefined_folds`, the fold file resolved against the `.mlg` folder.
    pub fold_file: Option<PathBuf>,
    /// The tuned stage's task.
    pub task: Task,
    /// The seed of the strategy's draws.
    pub seed: u64,
}

/// The stage name under which trial `index` (0-based) of search `search` is
/// trained and reported: `search#1`, `search#2`, ...
pub fn trial_name(search: &str, index: usize) -> String {
    format!("{search}#{}", index + 1)
}

/// `ensemble NAME = combiner(A, B, ..., k = v)`: the members (model, compress,
/// ensemble or search stages of one task on one data source; a search member
/// is its best trial) fused into one model.
#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleStage {
    /// The member stages, in the order written.
    pub members: Vec<String>,
    /// The combiner (`mean`, `weighted`, `hard_vote`, `soft_vote`,
    /// `stacking`, `blending`) with its checked parameters, defaults filled in (a
    /// stacking `meta` defaults to `logistic_regression()` for classifiers,
    /// `linear_regression()` for regressors).
    pub combiner: OpUse,
    /// `weighted`: one weight per member, scaled to sum to 1; else empty.
    pub weights: Vec<f64>,
    /// The members' common task.
    pub task: Task,
}

/// `deploy NAME to "path" [{ monitor = drift(...) }]`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeployStage {
    /// The model, select, search or ensemble stage deployed.
    pub target: String,
    /// Path resolved against the `.mlg` file's folder.
    pub path: PathBuf,
    /// The path as written.
    pub path_text: String,
    /// `monitor = drift(psi = ..., ks = ..., window = ...)`, defaults filled in.
    pub monitor: Option<DriftSettings>,
    /// `monitor = quality(...)`, defaults filled in.
    pub quality: Option<QualitySettings>,
}

/// The checked `quality(...)` of a deploy statement's `monitor` option.
#[derive(Clone, Debug, PartialEq)]
pub struct QualitySettings {
    /// Labelled rows in the sliding window, at least 10 (default 500).
    pub window: usize,
    /// A classifier alerts when live accuracy is this far below the evaluated
    /// accuracy, in (0, 1] (default 0.05).
    pub accuracy_drop: f64,
    /// A regressor alerts when live RMSE exceeds the evaluated RMSE by this
    /// fraction, above 0 (default 0.2).
    pub rmse_rise: f64,
}

/// The checked `drift(...)` of a deploy statement's `monitor` option.
#[derive(Clone, Debug, PartialEq)]
pub struct DriftSettings {
    /// PSI alert threshold, above 0 (default 0.2).
    pub psi: f64,
    /// KS alert threshold, in (0, 1] (default 0.1).
    pub ks: f64,
    /// Sliding window in rows, at least 10 (default 1000).
    pub window: usize,
}

/// What a stage is.
#[derive(Clone, Debug, PartialEq)]
pub enum StageKind {
    /// A `data` statement.
    Data(DataStage),
    /// A `features` statement.
    Features(FeaturesStage),
    /// A `model` statement, or a `compress` statement (a model with compression steps).
    Model(ModelStage),
    /// A `model NAME = select(...)` statement.
    Select(SelectStage),
    /// A `search` statement.
    Search(SearchStage),
    /// An `ensemble` statement.
    Ensemble(EnsembleStage),
    /// An `evaluate` statement.
    Evaluate(EvaluateStage),
    /// A `deploy` statement.
    Deploy(DeployStage),
}

impl StageKind {
    /// The statement keyword of this stage.
    pub fn keyword(&self) -> &'static str {
        match self {
            StageKind::Data(_) => "data",
            StageKind::Features(_) => "features",
            StageKind::Model(_) | StageKind::Select(_) => "model",
            StageKind::Search(_) => "search",
            StageKind::Ensemble(_) => "ensemble",
            StageKind::Evaluate(_) => "evaluate",
            StageKind::Deploy(_) => "deploy",
        }
    }

    /// The task of a model, select, search or ensemble stage; `None` for other stages.
    pub fn task(&self) -> Option<Task> {
        match self {
            StageKind::Model(m) => Some(m.task),
            StageKind::Select(s) => Some(s.task),
            StageKind::Search(s) => Some(s.task),
            StageKind::Ensemble(e) => Some(e.task),
            _ => None,
        }
    }
}

/// One node of the workflow graph.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// The bound name, or `evaluate#N` / `deploy#N` for statements that bind none.
    pub name: String,
    /// What the stage is, with its checked settings.
    pub kind: StageKind,
    /// The statement's span.
    pub span: Span,
    /// Columns this stage produces (data: the features, target excluded).
    pub schema: Schema,
}
