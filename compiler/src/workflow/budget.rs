//! Check-time size limits: every features step's output width and every
//! model's parameter count are estimated from the schema before anything is
//! allocated, and a stage whose estimate passes [`Limits`] is refused with the
//! stage, the estimate and the cap. Count parameters that only the data can
//! bound (components, folds) are checked against the schema here as well, so
//! `check` refuses what `run` would.

use super::catalog::{ColumnKind, Params, Schema, SchemaRule, Shape};
use super::check::Checker;
use super::stage::{OpUse, Stage};
use mlg_dsl::{Diagnostic, Span};

/// Most columns one stage may have, whatever the memory cap.
pub const MAX_COLUMNS: u128 = 1_000_000;
/// Bytes assumed per value and per model parameter (f64).
pub const BYTES_PER_VALUE: u128 = 8;
/// The memory cap when the machine's memory cannot be read: 8 GiB.
const FALLBACK_MEMORY: u64 = 8 << 30;

/// The caps a workflow is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest estimated memory of one stage, in bytes (`--max-memory`).
    pub max_memory: u64,
}

impl Default for Limits {
    /// Half of the machine's physical memory (8 GiB where it cannot be read).
    fn default() -> Self {
        Limits {
            max_memory: physical_memory().map_or(FALLBACK_MEMORY, |m| m / 2),
        }
    }
}

/// Total physical memory in bytes, from `/proc/meminfo` (Linux only).
pub fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// `bytes` for people: `512 B`, `3.2 GiB`, `14.4 TiB`.
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `n` with thousands separators, or `> 10^38` at the top of the range.
fn count(n: u128) -> String {
    if n == u128::MAX {
        return "more than 10^38".to_string();
    }
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `C(n, k)`, saturating at `u128::MAX`.
fn choose(n: u128, k: u128) -> u128 {
    let mut c: u128 = 1;
    for i in 0..k {
        // C(n, i + 1) = C(n, i) * (n - i) / (i + 1) is exact at every step.
        c = match c.checked_mul(n - i) {
            Some(v) => v / (i + 1),
            None => return u128::MAX,
        };
    }
    c
}

/// The number of products of degree 2 ..= `degree` over `n` columns (only
/// products of distinct columns with `interaction_only`), as
/// [`super::columns::monomials`] would list them.
pub fn monomial_count(n: usize, degree: usize, interaction_only: bool) -> u128 {
    let n = n as u128;
    (2..=degree as u128).fold(0u128, |sum, d| {
        let k = if interaction_only {
            if d > n {
                0
            } else {
                choose(n, d)
            }
        } else {
            choose(n + d - 1, d)
        };
        sum.saturating_add(k)
    })
}

/// The width of the schema after a step with `rule` acts on `selected`,
/// computed without building it.
pub fn output_width(rule: SchemaRule, schema: &Schema, selected: &[String], params: &Params) -> u128 {
    let width = schema.columns.len() as u128;
    let int = |name: &str| {
        params
            .get(name)
            .and_then(|v| v.as_i64())
            .map(|v| v.max(0) as u128)
    };
    match rule {
        SchemaRule::Polynomial => {
            let degree = int("degree").unwrap_or(2).min(usize::MAX as u128) as usize;
            let only = params
                .get("interaction_only")
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            width.saturating_add(monomial_count(selected.len(), degree, only))
        }
        SchemaRule::Project { n_param, .. } => {
            let n = int(n_param).unwrap_or(selected.len() as u128);
            (width - selected.len() as u128).saturating_add(n)
        }
        SchemaRule::OneHot => schema.columns.iter().fold(0u128, |sum, c| {
            let levels = match c.kind {
                ColumnKind::Categorical if selected.contains(&c.name) => c.levels.len() as u128,
                _ => 1,
            };
            sum.saturating_add(levels)
        }),
        _ => width,
    }
}

impl Checker<'_> {
    /// Refuses `step` of features stage `stage` when its output (`width`
    /// columns by the rows of `input`, the schema it reads) passes
    /// [`MAX_COLUMNS`] or the memory cap.
    pub(super) fn width_budget(
        &self,
        stage: &str,
        step: &OpUse,
        input: &Schema,
        width: u128,
    ) -> Result<(), Diagnostic> {
        let bytes = width
            .saturating_mul(input.rows as u128)
            .saturating_mul(BYTES_PER_VALUE);
        let over_columns = width > MAX_COLUMNS;
        if !over_columns && bytes <= u128::from(self.limits.max_memory) {
            return Ok(());
        }
        let what = format!(
            "`{}` in features `{stage}` gives an estimated {} columns × {} rows ({} as f64)",
            step.op,
            count(width),
            count(input.rows as u128),
            human_bytes(bytes)
        );
        let (message, help) = if over_columns {
            (
                format!(
                    "{what}, over the limit of {} columns per stage",
                    count(MAX_COLUMNS)
                ),
                "select fewer columns or lower the step's parameters".to_string(),
            )
        } else {
            (
                format!(
                    "{what}, over the memory cap of {}",
                    human_bytes(u128::from(self.limits.max_memory))
                ),
                memory_help(),
            )
        };
        Err(Diagnostic::new("mlg::too_large", message, step.span, "too large").with_help(help))
    }

    /// Refuses model `model` (operator `op`) when its estimated parameters
    /// plus its training matrix pass the memory cap. Operators the catalog
    /// cannot size count only the matrix.
    pub(super) fn model_budget(
        &self,
        model: &str,
        op: &OpUse,
        span: Span,
        input: &Stage,
    ) -> Result<(), Diagnostic> {
        let classes = self.classes_of(input).unwrap_or(2);
        let shape = Shape {
            rows: input.schema.rows,
            inputs: input.schema.columns.len().saturating_sub(1),
            classes,
        };
        let parameters = self
            .catalog
            .parameter_count(&op.op, &op.params, shape)
            .unwrap_or(0);
        let matrix = (shape.rows as u128).saturating_mul(shape.inputs as u128);
        let bytes = parameters.saturating_add(matrix).saturating_mul(BYTES_PER_VALUE);
        if bytes <= u128::from(self.limits.max_memory) {
            return Ok(());
        }
        let message = format!(
            "model `{model}`: `{}` has an estimated {} parameters for {} rows × {} columns \
             ({} as f64 with its training data), over the memory cap of {}",
            op.op,
            count(parameters),
            count(shape.rows as u128),
            count(shape.inputs as u128),
            human_bytes(bytes),
            human_bytes(u128::from(self.limits.max_memory))
        );
        Err(Diagnostic::new("mlg::too_large", message, span, "too large").with_help(memory_help()))
    }

    /// Refuses a projection asking for more components than it can have:
    /// more than the selected columns, or (for `classes`) the target's
    /// classes minus one.
    pub(super) fn components_fit(
        &self,
        rule: SchemaRule,
        step: &OpUse,
        selected: usize,
        input: &Stage,
    ) -> Result<(), Diagnostic> {
        let SchemaRule::Project { n_param, classes, .. } = rule else {
            return Ok(());
        };
        let Some(n) = step.params.get(n_param).and_then(|v| v.as_i64()) else {
            return Ok(());
        };
        let mut most = (selected as i64, "the number of selected columns".to_string());
        if classes {
            if let Some(k) = self.classes_of(input) {
                let by_class = k as i64 - 1;
                if by_class < most.0 {
                    most = (by_class, format!("the target's {k} classes minus one"));
                }
            }
        }
        if n <= most.0 {
            return Ok(());
        }
        Err(Diagnostic::new(
            "mlg::too_large",
            format!(
                "`{}` asks for {n_param} = {n} components, but at most {} are possible here ({})",
                step.op, most.0, most.1
            ),
            step.span,
            format!("at most {}", most.0),
        ))
    }

    /// Refuses an evaluation method with more folds (`k`) than the data of
    /// `input` has rows.
    pub(super) fn folds_fit(&self, method: &OpUse, input: &Stage) -> Result<(), Diagnostic> {
        let (Some(k), Some((root, data))) = (
            method.params.get("k").and_then(|v| v.as_i64()),
            self.root_data(input),
        ) else {
            return Ok(());
        };
        let rows = data.schema.rows as i64;
        if k <= rows {
            return Ok(());
        }
        Err(Diagnostic::new(
            "mlg::too_large",
            format!(
                "`{}` with k = {k} folds needs at least {k} rows, but `{}` has {rows}",
                method.op, root.name
            ),
            method.span,
            format!("at most {rows}"),
        ))
    }

    /// The number of classes of the categorical target at the root of `stage`.
    fn classes_of(&self, stage: &Stage) -> Option<usize> {
        let (_, data) = self.root_data(stage)?;
        let target = data.schema.get(data.target.as_deref()?)?;
        (target.kind == ColumnKind::Categorical).then_some(target.levels.len())
    }
}

fn memory_help() -> String {
    "raise the cap with `--max-memory SIZE` (e.g. 32G) if the machine has the memory, \
     or select fewer columns or lower the parameters"
        .to_string()
}
