//! Turning a checked search stage into what the strategies and the trial log
//! work with: objectives with directions, tuning dimensions, parameter values
//! of a point, the strategy's settings, and the log's fingerprint.

use super::result::Objective;
use crate::session::Workflow;
use mlg_compiler::workflow::catalog::Value;
use mlg_compiler::workflow::stage::{SearchStage, Space};
use mlg_stdlib::tune::{self, Coord, Coords, Dim};
use std::collections::BTreeMap;

/// A parameter value as JSON (`None`: `null`).
pub(super) fn json(value: &Option<Value>) -> serde_json::Value {
    match value {
        None => serde_json::Value::Null,
        Some(Value::Int(i)) => (*i).into(),
        Some(Value::Float(f)) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into),
        Some(Value::Bool(b)) => (*b).into(),
        Some(Value::Str(s)) => s.clone().into(),
        Some(other) => other.to_string().into(),
    }
}

/// The objectives of `stage` (its task's default metric when none is given).
pub(super) fn objectives(stage: &SearchStage) -> Vec<Objective> {
    let named: Vec<(String, Option<bool>)> = if stage.objectives.is_empty() {
        vec![(
            mlg_stdlib::catalog::default_metrics(stage.task)[0].to_string(),
            None,
        )]
    } else {
        stage
            .objectives
            .iter()
            .map(|o| (o.name.clone(), o.maximize))
            .collect()
    };
    named
        .into_iter()
        .map(|(name, maximize)| {
            let up = maximize.unwrap_or_else(|| mlg_stdlib::metrics::higher_is_better(&name));
            Objective {
                direction: if up { "maximize" } else { "minimize" }.to_string(),
                name,
            }
        })
        .collect()
}

/// The tuning dimension of each searched parameter.
pub(super) fn dims(stage: &SearchStage) -> Vec<Dim> {
    stage
        .space
        .iter()
        .map(|d| match &d.space {
            Space::Choice(v) => Dim::Choice(v.len()),
            Space::Int { low, high, .. } => Dim::Int {
                low: *low,
                high: *high,
            },
            Space::Float { low, high, log } => Dim::Float {
                low: *low,
                high: *high,
                log: *log,
            },
        })
        .collect()
}

/// The parameter values of a point.
pub(super) fn values(stage: &SearchStage, coords: &Coords) -> Vec<Option<Value>> {
    stage
        .space
        .iter()
        .zip(coords)
        .map(|(d, c)| match (&d.space, c) {
            (Space::Choice(v), Coord::Index(i)) => v.get(*i).cloned().flatten(),
            (Space::Int { as_float: true, .. }, Coord::Int(x)) => Some(Value::Float(*x as f64)),
            (_, Coord::Int(x)) => Some(Value::Int(*x)),
            (_, Coord::Float(x)) => Some(Value::Float(*x)),
            (_, Coord::Index(_)) => None,
        })
        .collect()
}

/// The strategy of `stage` with its settings.
pub(super) fn spec(stage: &SearchStage) -> tune::Spec {
    let p = &stage.strategy_params;
    let int = |k: &str| p.get(k).and_then(Value::as_i64).map(|v| v as usize);
    let float = |k: &str| p.get(k).and_then(Value::as_f64);
    let trials = stage.trials.unwrap_or(0);
    match stage.strategy.as_str() {
        "random" => tune::Spec::Random { trials },
        "genetic" => {
            let mut s = tune::genetic::Settings::new(trials);
            s.population = int("population").unwrap_or(s.population);
            s.mutation = float("mutation").unwrap_or(s.mutation);
            s.crossover = float("crossover").unwrap_or(s.crossover);
            s.elite = int("elite").unwrap_or(s.elite);
            s.tournament = int("tournament").unwrap_or(s.tournament);
            tune::Spec::Genetic(s)
        }
        "tpe" => {
            let mut s = tune::tpe::Settings::new(trials);
            s.startup = int("startup").unwrap_or(s.startup);
            s.candidates = int("candidates").unwrap_or(s.candidates);
            s.gamma = float("gamma").unwrap_or(s.gamma);
            s.batch = int("batch").unwrap_or(s.batch);
            tune::Spec::Tpe(s)
        }
        "halving" | "hyperband" => {
            let mut s = tune::halving::Settings::new();
            s.eta = int("eta").unwrap_or(s.eta);
            s.min_budget = float("min_budget").or(s.min_budget);
            s.candidates = stage.trials;
            if stage.strategy == "hyperband" {
                s.brackets = int("brackets").unwrap_or(3);
            }
            tune::Spec::Halving(s)
        }
        _ => tune::Spec::Grid,
    }
}

/// A fingerprint of what the trials of `stage` depend on: the statement
/// (source positions left out), the stages it tunes and the data's size.
pub(super) fn fingerprint(wf: &Workflow, stage: &SearchStage, n_rows: usize) -> String {
    let mut text = format!("{stage:?}|{n_rows}|");
    let mut names: Vec<&str> = stage.space.iter().map(|d| d.stage.as_str()).collect();
    names.push(&stage.base);
    names.sort_unstable();
    names.dedup();
    for n in names {
        if let Some(s) = wf.stage(n) {
            text.push_str(&format!("{:?}|", s.kind));
        }
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in without_spans(&text).bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// `text` without its `span: Span { .. }` parts (edits elsewhere in the
/// file move them).
fn without_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("span: Span {") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        rest = rest.find('}').map_or("", |j| &rest[j + 1..]);
    }
    out.push_str(rest);
    out
}

/// A point's parameters by path, as JSON.
pub(super) fn params(stage: &SearchStage, coords: &Coords) -> BTreeMap<String, serde_json::Value> {
    stage
        .space
        .iter()
        .zip(values(stage, coords))
        .map(|(d, v)| (d.path.clone(), json(&v)))
        .collect()
}
