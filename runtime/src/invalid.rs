//! Rows a model cannot predict, and what to do with them.
//!
//! A row is invalid when any of its outputs (the class index, a probability or
//! the regression value) is not finite: never a class `0` or an empty label.
//! Its reason names the input columns that were missing in that row (or, in raw
//! row-ABI input, not finite) and, of these, the ones the model has no
//! imputation for; when no input was missing it says the model's output is not
//! finite. [`OnInvalid`] chooses between failing the batch
//! ([`InvalidRows`], the default), dropping the rows, or keeping them with NaN
//! outputs.
//!
//! Whether the model takes a missing value in an input is learned by probing
//! the compiled function ([`MissingProbe`]): a base row of typical values (the
//! training medians and most frequent levels of the artifact's profile, or
//! zeros and the first level without one) is run with that one input set to
//! missing; a finite output means the model imputes (or ignores) it.

use crate::profile::{DataProfile, FeatureStats};
use crate::rows::UNSEEN;
use mlg_compiler::backends::cranelift::CompiledGraph;
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::{InputSlot, SlotKind};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// Invalid rows described in an [`InvalidRows`] error; the rest are counted.
pub const REPORTED_ROWS: usize = 5;

/// What [`crate::Model::predict_with`] does with invalid rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OnInvalid {
    /// Fail the batch with [`InvalidRows`] naming the first rows and their
    /// columns; nothing is predicted. [`crate::Model::predict`] does this.
    #[default]
    Error,
    /// Drop the invalid rows: the predictions hold the valid rows in input
    /// order, and [`crate::Predictions::invalid`] lists the dropped ones.
    Skip,
    /// Keep every row; an invalid row's outputs are all NaN (written as empty
    /// CSV fields or JSON `null`) and [`crate::Predictions::invalid`] lists it.
    Null,
}

impl OnInvalid {
    /// The policy's name: `error`, `skip` or `null`.
    pub fn name(self) -> &'static str {
        match self {
            OnInvalid::Error => "error",
            OnInvalid::Skip => "skip",
            OnInvalid::Null => "null",
        }
    }
}

impl fmt::Display for OnInvalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses `error`, `skip` or `null`; the error message lists them.
impl FromStr for OnInvalid {
    type Err = String;

    fn from_str(s: &str) -> Result<OnInvalid, String> {
        match s {
            "error" => Ok(OnInvalid::Error),
            "skip" => Ok(OnInvalid::Skip),
            "null" => Ok(OnInvalid::Null),
            other => Err(format!("unknown policy `{other}`: expected error, skip or null")),
        }
    }
}

/// A row the model cannot predict: its 0-based index in the batch and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidRow {
    /// 0-based index of the row in the batch given to the model.
    pub row: usize,
    /// The input columns missing in this row (not finite, for raw rows), in
    /// input order.
    pub missing: Vec<String>,
    /// Those of `missing` the model has no imputation for (it gives a
    /// non-finite output when only that input is missing).
    pub unimputed: Vec<String>,
}

impl InvalidRow {
    /// Why the row cannot be predicted, without its index: e.g. "column `x` is
    /// missing and the model has no imputation for it".
    pub fn reason(&self) -> String {
        let quoted = |names: &[String]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (self.unimputed.len(), self.missing.len()) {
            (1, _) => format!(
                "column {} is missing and the model has no imputation for it",
                quoted(&self.unimputed)
            ),
            (0, 0) => "the model's output is not finite (no input is missing)".to_string(),
            (0, _) => format!(
                "the model's output is not finite; missing in this row: {}",
                quoted(&self.missing)
            ),
            _ => format!(
                "columns {} are missing and the model has no imputation for them",
                quoted(&self.unimputed)
            ),
        }
    }
}

impl fmt::Display for InvalidRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: {}", self.row, self.reason())
    }
}

/// A batch refused because some rows cannot be predicted: how many, out of how
/// many, and the first [`REPORTED_ROWS`] of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidRows {
    /// Invalid rows in the batch.
    pub count: usize,
    /// Rows in the batch.
    pub n_rows: usize,
    /// The first invalid rows, in row order (at most [`REPORTED_ROWS`]).
    pub first: Vec<InvalidRow>,
}

impl fmt::Display for InvalidRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = if self.n_rows == 1 { "row" } else { "rows" };
        write!(
            f,
            "{} of {} {rows} cannot be predicted: ",
            self.count, self.n_rows
        )?;
        for (i, row) in self.first.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{row}")?;
        }
        if self.count > self.first.len() {
            write!(f, "; and {} more", self.count - self.first.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for InvalidRows {}

/// The 0-based indices of the rows of `outputs` (`width` values per row) with
/// any value that is not finite.
pub(crate) fn invalid_indices(outputs: &[f32], width: usize) -> Vec<usize> {
    if width == 0 {
        return Vec::new();
    }
    outputs
        .chunks_exact(width)
        .enumerate()
        .filter(|(_, row)| !row.iter().all(|v| v.is_finite()))
        .map(|(i, _)| i)
        .collect()
}

/// Per input slot, whether the model takes a missing value there; probed on
/// first need and cached. `Send + Sync`.
pub(crate) struct MissingProbe {
    /// The base row, once built: `None` when the model's output on it is not
    /// finite (nothing can then be learned).
    base: OnceLock<Option<Vec<f32>>>,
    /// Per slot: [`UNKNOWN`], [`TAKES`] or [`REFUSES`].
    slots: Vec<AtomicU8>,
}

const UNKNOWN: u8 = 0;
const TAKES: u8 = 1;
const REFUSES: u8 = 2;
/// Probe rows run at once.
const PROBE_ROWS: usize = 256;

impl MissingProbe {
    /// A probe for `slots`; nothing runs until asked.
    pub(crate) fn new(n_slots: usize) -> MissingProbe {
        MissingProbe {
            base: OnceLock::new(),
            slots: (0..n_slots).map(|_| AtomicU8::new(UNKNOWN)).collect(),
        }
    }

    /// For each slot in `wanted`, whether the model takes a missing value
    /// there (`None`: the probe cannot tell, as the model's output on the base
    /// row is itself not finite).
    pub(crate) fn takes_missing(
        &self,
        wanted: &[usize],
        compiled: &CompiledGraph,
        inputs: &[InputSlot],
        profile: &DataProfile,
    ) -> Vec<Option<bool>> {
        let base = self.base.get_or_init(|| base_row(compiled, inputs, profile));
        let Some(base) = base else {
            return vec![None; wanted.len()];
        };
        let todo: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|&s| {
                self.slots
                    .get(s)
                    .is_some_and(|a| a.load(Ordering::Relaxed) == UNKNOWN)
            })
            .collect();
        let width = base.len();
        let n_out = compiled.n_outputs();
        for block in todo.chunks(PROBE_ROWS) {
            let mut rows: Vec<f32> = Vec::with_capacity(block.len() * width);
            for &slot in block {
                let start = rows.len();
                rows.extend_from_slice(base);
                rows[start + slot] = f32::NAN;
            }
            let mut out = vec![0.0f32; block.len() * n_out];
            if compiled.run(&rows, block.len(), width, &mut out).is_err() {
                continue;
            }
            for (&slot, values) in block.iter().zip(out.chunks_exact(n_out.max(1))) {
                let state = if values.iter().all(|v| v.is_finite()) {
                    TAKES
                } else {
                    REFUSES
                };
                self.slots[slot].store(state, Ordering::Relaxed);
            }
        }
        wanted
            .iter()
            .map(|&s| match self.slots.get(s).map(|a| a.load(Ordering::Relaxed)) {
                Some(TAKES) => Some(true),
                Some(REFUSES) => Some(false),
                _ => None,
            })
            .collect()
    }
}

/// Typical values of every input, or `None` when the model's output on them is
/// not finite (or the function fails).
fn base_row(compiled: &CompiledGraph, inputs: &[InputSlot], profile: &DataProfile) -> Option<Vec<f32>> {
    let row: Vec<f32> = inputs
        .iter()
        .enumerate()
        .map(|(i, slot)| typical(slot, profile.features.get(i).map(|f| &f.stats)))
        .collect();
    let mut out = vec![0.0f32; compiled.n_outputs()];
    compiled.run(&row, 1, row.len(), &mut out).ok()?;
    out.iter().all(|v| v.is_finite()).then_some(row)
}

/// A typical value of `slot`: the training median, the most frequent level, or
/// (without a profile) zero and the first level.
fn typical(slot: &InputSlot, stats: Option<&FeatureStats>) -> f32 {
    match (&slot.kind, stats) {
        (SlotKind::Numeric | SlotKind::Date, Some(FeatureStats::Numeric(n))) => {
            let median = n.quantiles.get(n.quantiles.len() / 2).copied().unwrap_or(n.mean);
            if median.is_finite() && (median as f32).is_finite() {
                median as f32
            } else {
                0.0
            }
        }
        (SlotKind::Numeric | SlotKind::Date, _) => 0.0,
        (SlotKind::Categorical { levels }, stats) => {
            let most = match stats {
                Some(FeatureStats::Categorical(c)) => c
                    .counts
                    .iter()
                    .enumerate()
                    .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
                    .map(|(i, _)| i),
                _ => None,
            };
            match most.or(if levels.is_empty() { None } else { Some(0) }) {
                Some(code) => code as f32,
                None => UNSEEN,
            }
        }
    }
}
