//! The operator catalog seen by the checker: every operator's name, kind,
//! parameters and schema rule. The stdlib provides the entries; the checker only
//! reads them, so the compiler does not depend on operator implementations.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A checked parameter value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A number; an int given for a float parameter is stored widened.
    Float(f64),
    /// `true` or `false`.
    Bool(bool),
    /// A string, quotes removed.
    Str(String),
    /// A nested model call such as `ridge(alpha = 1.0)`: the model operator's
    /// name and its checked parameters (defaults filled in). Features steps that
    /// fit a model internally (`rfe`, `select_from_model`) take one.
    Model {
        /// The model operator's name.
        op: String,
        /// Its checked parameters.
        params: Params,
    },
    /// A map of strings such as `{ x = "categorical" }` ([`ParamType::StrMap`]):
    /// each key with its value, in source order, keys unique.
    StrMap(Vec<(String, String)>),
    /// A map of numbers such as `{ yes = 5.0 }` ([`ParamType::Weights`]):
    /// each key with its value, in source order, keys unique.
    NumMap(Vec<(String, f64)>),
}

impl Value {
    /// The value as `f64` (ints widen), if numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
    /// The value as `i64`, if an int.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    /// The value as `bool`, if a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The value as `&str`, if a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// The entries of a map of strings, if one.
    pub fn as_str_map(&self) -> Option<&[(String, String)]> {
        match self {
            Value::StrMap(entries) => Some(entries),
            _ => None,
        }
    }
    /// The entries of a map of numbers, if one.
    pub fn as_num_map(&self) -> Option<&[(String, f64)]> {
        match self {
            Value::NumMap(entries) => Some(entries),
            _ => None,
        }
    }
    /// The model operator's name and parameters, if a nested model call.
    pub fn as_model(&self) -> Option<(&str, &Params)> {
        match self {
            Value::Model { op, params } => Some((op, params)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => {
                if x.fract() == 0.0 && x.abs() < 1e15 {
                    write!(f, "{x:.1}")
                } else {
                    write!(f, "{x}")
                }
            }
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Model { op, params } => {
                let args: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "{op}({})", args.join(", "))
            }
            Value::StrMap(entries) => {
                let items: Vec<String> = entries.iter().map(|(k, v)| format!("{k:?} = {v:?}")).collect();
                write!(f, "{{{}}}", items.join(", "))
            }
            Value::NumMap(entries) => {
                let items: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| format!("{k:?} = {}", Value::Float(*v)))
                    .collect();
                write!(f, "{{{}}}", items.join(", "))
            }
        }
    }
}

/// Checked parameters of one operator use, defaults filled in.
pub type Params = BTreeMap<String, Value>;

/// The type a parameter accepts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamType {
    /// An integer in `[min, max]`.
    Int {
        /// The smallest value accepted.
        min: i64,
        /// The largest value accepted (`i64::MAX`: no bound).
        max: i64,
    },
    /// A number (ints accepted) in `[min, max]`.
    Float {
        /// The smallest value accepted.
        min: f64,
        /// The largest value accepted (infinite: no bound).
        max: f64,
    },
    /// `true` or `false`.
    Bool,
    /// Any string.
    Str,
    /// One of the listed strings.
    Choice(&'static [&'static str]),
    /// A nested call of a catalog model (`OpKind::Model`) with its own named
    /// parameters and no input, e.g. `logistic_regression(c = 1.0)`.
    Model,
    /// A map from names to strings, `{ name = "value", "a name" = "value" }`,
    /// each key at most once.
    StrMap,
    /// One of the listed strings, or a map from names to numbers `>= 0`,
    /// `{ name = 2.0, "a name" = 0.5 }`, each key at most once (per-class
    /// weights: `class_weight = "balanced"` or `{ yes = 5.0 }`).
    Weights(&'static [&'static str]),
}

impl std::fmt::Display for ParamType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamType::Int { min, max } if *max == i64::MAX => write!(f, "an integer >= {min}"),
            ParamType::Int { min, max } => write!(f, "an integer in {min}..={max}"),
            ParamType::Float { min, max } if max.is_infinite() && *min > 0.0 && *min < 1e-6 => {
                write!(f, "a positive number")
            }
            ParamType::Float { min, max } if max.is_infinite() => write!(f, "a number >= {min}"),
            ParamType::Float { min, max } => write!(f, "a number in [{min}, {max}]"),
            ParamType::Bool => write!(f, "`true` or `false`"),
            ParamType::Str => write!(f, "a string"),
            ParamType::Choice(options) => {
                let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
                write!(f, "one of {}", quoted.join(", "))
            }
            ParamType::Model => write!(f, "a model call such as logistic_regression(c = 1.0)"),
            ParamType::StrMap => write!(f, "a map of strings such as {{ name = \"value\" }}"),
            ParamType::Weights(options) => {
                let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
                write!(
                    f,
                    "{} or a map of weights such as {{ name = 2.0 }}",
                    quoted.join(", ")
                )
            }
        }
    }
}

/// A default parameter value (static so catalogs can be `const`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Default {
    /// This integer.
    Int(i64),
    /// This number.
    Float(f64),
    /// This bool.
    Bool(bool),
    /// This string.
    Str(&'static str),
    /// The parameter must be given.
    Required,
    /// The parameter may be left out and then has no value.
    Optional,
}

/// One parameter of an operator.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// The name written in `name = value`.
    pub name: &'static str,
    /// The values it accepts.
    pub ty: ParamType,
    /// Its value when left out, or whether it may be left out.
    pub default: Default,
    /// One line for help messages and the operator reference.
    pub doc: &'static str,
}

/// Supervised task of a model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// Predicting one of a set of classes.
    Classification,
    /// Predicting a number.
    Regression,
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        })
    }
}

/// Which columns a features step acts on when no selector is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultSelector {
    /// Every input column.
    All,
    /// The numeric columns.
    Numeric,
    /// The categorical columns.
    Categorical,
    /// The date columns.
    Dates,
}

/// How a features step changes the column schema (used at check time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaRule {
    /// Selected columns stay, same kind; `fills_missing` clears their missing flag.
    InPlace {
        /// Whether the step leaves no missing values in the columns it acts on.
        fills_missing: bool,
        /// Whether selecting a categorical column is an error.
        numeric_only: bool,
    },
    /// Each selected categorical column becomes one numeric column per level.
    OneHot,
    /// Each selected date column becomes, in its place, the numeric columns
    /// [`crate::workflow::columns::DATE_PARTS`] names.
    DateParts,
    /// Each selected categorical column becomes one numeric column of the same name.
    Encode {
        /// Whether the encoded columns have no missing values.
        fills_missing: bool,
    },
    /// A subset of the selected numeric columns survives, chosen at fit time; the
    /// checker keeps all of them (any may survive).
    Subset,
    /// The selected columns (any kind) are removed.
    Drop,
    /// Some of the selected columns (any kind) may be removed at fit time; the
    /// checker keeps all of them.
    MaybeDrop,
    /// The selected numeric columns are replaced, at the first one's position, by
    /// `prefix1 ..= prefixN`: `N` is the int parameter `n_param` when given, else
    /// the number of selected columns. `N` may not exceed the selected columns;
    /// with `classes`, nor the target's classes minus one (the default then
    /// being the smaller of the two).
    Project {
        /// The new columns' name before their number.
        prefix: &'static str,
        /// The int parameter that sets `N`.
        n_param: &'static str,
        /// Whether `N` is also bounded by the target's classes minus one.
        classes: bool,
    },
    /// The selected numeric columns stay and are followed by their products of
    /// degree 2 ..= the int parameter `degree` (default 2), named by
    /// [`crate::workflow::columns::monomials`]; the bool parameter
    /// `interaction_only` keeps only products of distinct columns.
    Polynomial,
}

/// What an operator is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OpKind {
    /// A `data` source such as `csv`.
    Source,
    /// A `features` step.
    Transform {
        /// The columns it acts on when no selector is given.
        default_selector: DefaultSelector,
        /// How it changes the schema.
        rule: SchemaRule,
    },
    /// A `model` operator.
    Model {
        /// The task it learns.
        task: Task,
    },
    /// An evaluation method (`kfold`, ...).
    Method,
    /// A metric; `task` says which models it applies to.
    Metric {
        /// The task of the models it scores.
        task: Task,
    },
    /// A `search` strategy.
    Search,
    /// An `ensemble` combiner.
    Ensemble,
    /// A `compress` step.
    Compress,
}

impl OpKind {
    /// The word used for this kind in messages ("features step", "model", ...).
    pub fn describe(&self) -> &'static str {
        match self {
            OpKind::Source => "data source",
            OpKind::Transform { .. } => "features step",
            OpKind::Model { .. } => "model",
            OpKind::Method => "evaluation method",
            OpKind::Metric { .. } => "metric",
            OpKind::Search => "search strategy",
            OpKind::Ensemble => "ensemble",
            OpKind::Compress => "compress step",
        }
    }

    /// True when `self` and `other` are the same kind (payloads ignored).
    pub fn same_kind(&self, other: &OpKind) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// One catalog entry.
#[derive(Clone, Copy, Debug)]
pub struct OpSpec {
    /// The name used in `.mlg` files.
    pub name: &'static str,
    /// Where in a workflow it may appear.
    pub kind: OpKind,
    /// One line for listings and the operator reference.
    pub summary: &'static str,
    /// Its named parameters, in the order listings show them.
    pub params: &'static [ParamSpec],
}

/// The data a model is fitted on, as the checker knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Training rows.
    pub rows: usize,
    /// Input columns (the target not counted).
    pub inputs: usize,
    /// Classes of the target (2 when unknown or for regression).
    pub classes: usize,
}

/// Every operator the checker may resolve a name against.
pub trait Catalog: Sync {
    /// All entries.
    fn entries(&self) -> &[OpSpec];

    /// An upper estimate of the parameters model `op` with `params` fits on
    /// data of `shape` (a tree node counts as 4), saturating; `None` when the
    /// catalog cannot size it. The checker refuses a model whose estimate
    /// passes its memory cap.
    fn parameter_count(&self, op: &str, params: &Params, shape: Shape) -> Option<u128> {
        let _ = (op, params, shape);
        None
    }

    /// Whether model `op` takes missing (NaN) numeric features as they are,
    /// so the checker lets columns with missing values reach it. False by
    /// default.
    fn takes_missing(&self, op: &str) -> bool {
        let _ = op;
        false
    }

    /// The most levels a categorical column may have when model `op` with
    /// `params` takes categorical columns as they are (it splits on sets of
    /// categories), so the checker asks for no encoder; `None` (the
    /// default) when it takes none.
    fn category_limit(&self, op: &str, params: &Params) -> Option<usize> {
        let _ = (op, params);
        None
    }

    /// The step sequences `compress NAME = MODEL -> budget(...)` tries on a
    /// model of operator `model`: each a short label and its steps, every
    /// step a compression step's name with the parameters it is given (the
    /// checker fills in the step's defaults). None by default.
    fn compress_candidates(&self, model: &str) -> Vec<(String, Vec<(&'static str, Params)>)> {
        let _ = model;
        Vec::new()
    }

    /// Analyzer rules of the catalog, run by [`crate::workflow::check_with`]
    /// on a workflow that passed all of the checker's own checks (like
    /// DataFusion's analyzer rules): what the entries' parameter types cannot
    /// express, such as parameter combinations an operator refuses. A
    /// non-empty result fails the check with exactly these diagnostics, in
    /// this order. None by default.
    #[cfg(feature = "workflow")]
    fn analyze(&self, checked: &crate::workflow::Workflow) -> Vec<mlg_dsl::Diagnostic> {
        let _ = checked;
        Vec::new()
    }

    /// The entry named `name`.
    fn get(&self, name: &str) -> Option<&OpSpec> {
        self.entries().iter().find(|e| e.name == name)
    }

    /// Names of every entry of the same kind as `kind`, in catalog order.
    fn names_of(&self, kind: &OpKind) -> Vec<&'static str> {
        self.entries()
            .iter()
            .filter(|e| e.kind.same_kind(kind))
            .map(|e| e.name)
            .collect()
    }
}

/// Kind of a column in a schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnKind {
    /// Numbers (`f64`), missing as NaN.
    Numeric,
    /// Strings from a set of levels.
    Categorical,
    /// Dates and times (ISO-8601 text), held as the number of whole hours
    /// since 1970-01-01T00:00 UTC ([`crate::ir::SlotKind::Date`]).
    Date,
}

impl std::fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ColumnKind::Numeric => "num",
            ColumnKind::Categorical => "cat",
            ColumnKind::Date => "date",
        })
    }
}

/// One column as known at check time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// The column's name.
    pub name: String,
    /// Whether it holds numbers or categories.
    pub kind: ColumnKind,
    /// Number of missing entries in the source (0 once imputed).
    pub missing: usize,
    /// Category levels (categorical columns only).
    pub levels: Vec<String>,
}

/// The columns of a data source or features stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The columns in order.
    pub columns: Vec<ColumnInfo>,
    /// The number of data rows.
    pub rows: usize,
}

impl Schema {
    /// The column named `name`.
    pub fn get(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Reads the schema of a data file at check time (the runtime implements it by
/// scanning the CSV).
pub trait SchemaSource {
    /// The schema of the file at `path` read by the reader named `format` (`csv`,
    /// `parquet`), or a message saying why it cannot be read.
    fn schema(&self, format: &str, path: &std::path::Path) -> Result<Schema, String>;

    /// Like [`SchemaSource::schema`], with the columns named in `types` read as
    /// that kind instead of inferred (`csv(..., types = {...})`; names the file
    /// lacks are ignored). A source that cannot apply kinds refuses non-empty
    /// `types` rather than ignore them.
    fn schema_typed(
        &self,
        format: &str,
        path: &std::path::Path,
        types: &[(String, ColumnKind)],
    ) -> Result<Schema, String> {
        if types.is_empty() {
            self.schema(format, path)
        } else {
            Err(format!("the `{format}` reader here cannot apply column types"))
        }
    }
}
