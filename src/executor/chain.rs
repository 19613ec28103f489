//! One model's whole fitted path: data → features steps → model. Fitting always
//! starts from raw data rows, so every fold refits every step (no leakage).

use crate::error::{Error, Result};
use crate::workflow::Workflow;
use mlg_compiler::ir::{self, GraphBuilder, InputSlot, Op, SlotKind};
use mlg_compiler::workflow::catalog::{Params, Task, Value};
use mlg_compiler::workflow::stage::{DataStage, ModelStage, Selector, Step};
use mlg_compiler::workflow::StageKind;
use mlg_runtime::{ColumnData, Frame};
use mlg_stdlib::compress::Step as CompressStep;
use mlg_stdlib::op::{FittedModel, FittedTransform, Lowering, Matrix, OpError, Target};
use std::sync::Arc;

/// The unfitted path of one model stage.
#[derive(Clone)]
pub struct Chain<'w> {
    pub model_name: String,
    pub data: &'w DataStage,
    /// The target column of the data.
    pub target: String,
    pub frame: Arc<Frame>,
    /// Steps in application order, each with the features stage it belongs to.
    pub steps: Vec<(&'w str, &'w Step)>,
    pub model: &'w ModelStage,
}

/// What lies upstream of a stage: its data source and every features step
/// between them, in application order, each with its features stage's name.
pub struct Upstream<'w> {
    pub data_name: &'w str,
    pub data: &'w DataStage,
    pub steps: Vec<(&'w str, &'w Step)>,
}

/// Walks from the data or features stage `start` back to its data source.
pub fn upstream<'w>(wf: &'w Workflow, start: &str) -> Result<Upstream<'w>> {
    let mut groups: Vec<(&str, &[Step])> = Vec::new();
    let mut cursor = start;
    let (data_name, data) = loop {
        let stage = wf
            .stage(cursor)
            .ok_or_else(|| Error::Usage(format!("no stage named `{cursor}`")))?;
        match &stage.kind {
            StageKind::Data(d) => break (stage.name.as_str(), d),
            StageKind::Features(f) => {
                groups.push((stage.name.as_str(), &f.steps));
                cursor = f.input.as_str();
            }
            other => return Err(Error::Usage(format!("`{cursor}` is a {}", other.keyword()))),
        }
    };
    let steps = groups
        .into_iter()
        .rev()
        .flat_map(|(n, s)| s.iter().map(move |step| (n, step)))
        .collect();
    Ok(Upstream {
        data_name,
        data,
        steps,
    })
}

/// A fitted chain.
#[derive(Debug)]
pub struct FittedChain {
    pub steps: Vec<Box<dyn FittedTransform>>,
    pub model: Box<dyn FittedModel>,
    /// The row ABI: raw data columns except the target.
    pub inputs: Vec<InputSlot>,
    /// Class labels in output order (empty for regression).
    pub classes: Vec<String>,
    pub task: Task,
    /// The model's input columns (after every features step), in the order of
    /// its importances and coefficients.
    pub features: Vec<String>,
    /// Compiler transforms of the model's `compress` steps, in order.
    pub transforms: Vec<Transform>,
}

/// An opt-in compiler transform as `(name, amount)` for
/// `mlg_compiler::passes::transform`.
pub type Transform = (&'static str, Option<f64>);

impl<'w> Chain<'w> {
    /// Walks from model stage `name` back to its data source.
    pub fn of(wf: &'w Workflow, name: &str) -> Result<Chain<'w>> {
        let stage = wf
            .stage(name)
            .ok_or_else(|| Error::Usage(format!("no stage named `{name}`")))?;
        let StageKind::Model(model) = &stage.kind else {
            return Err(Error::Usage(format!(
                "`{name}` is a {}, not a model",
                stage.kind.keyword()
            )));
        };
        let Upstream {
            data_name,
            data,
            steps,
        } = upstream(wf, &model.input)?;
        let frame = wf
            .data_frame(data_name)
            .ok_or_else(|| Error::Usage(format!("data `{data_name}` was not loaded")))?;
        let target = data.target.clone().ok_or_else(|| {
            Error::Usage(format!(
                "model `{name}` needs a target, but `{data_name}` declares none"
            ))
        })?;
        Ok(Chain {
            model_name: name.to_string(),
            data,
            target,
            frame,
            steps,
            model,
        })
    }

    /// The target of every data row, encoded for the model's task.
    pub fn target(&self) -> Result<Target> {
        target_of(&self.frame, &self.target, self.model.task).map_err(|e| Error::op(&self.model_name, e))
    }

    /// The row ABI of the raw data (target excluded).
    pub fn input_slots(&self) -> Vec<InputSlot> {
        self.frame
            .columns
            .iter()
            .filter(|c| c.name != self.target)
            .map(|c| InputSlot {
                name: c.name.clone(),
                kind: match &c.data {
                    ColumnData::Numeric(_) => SlotKind::Numeric,
                    ColumnData::Categorical { levels, .. } => SlotKind::Categorical {
                        levels: levels.clone(),
                    },
                },
            })
            .collect()
    }

    /// Fits every step and the model on the data rows `rows`.
    pub fn fit(&self, target: &Target, rows: &[usize]) -> Result<FittedChain> {
        let mut frame = self.frame.take(rows).without(&self.target);
        let mut y = target.take(rows);
        let mut fitted = Vec::with_capacity(self.steps.len());
        for (stage, step) in &self.steps {
            let op = mlg_stdlib::transform(&step.op.op, &step.op.params).map_err(|e| Error::op(*stage, e))?;
            let selected = select(&step.selector, &frame);
            let f = op.fit(&frame, &selected, &y).map_err(|e| Error::op(*stage, e))?;
            if let Some(keep) = f.training_rows() {
                frame = frame.take(keep);
                y = y.take(keep);
            }
            frame = f.transform(&frame).map_err(|e| Error::op(*stage, e))?;
            fitted.push(f);
        }
        let features = frame.columns.iter().map(|c| c.name.clone()).collect();
        let x = matrix(&frame).map_err(|e| Error::op(&self.model_name, e))?;
        let (params, transforms) = self.compressed_params()?;
        let estimator =
            mlg_stdlib::estimator(&self.model.op.op, &params).map_err(|e| Error::op(&self.model_name, e))?;
        let model = estimator
            .fit(&x, &y)
            .map_err(|e| Error::op(&self.model_name, e))?;
        let classes = match &y {
            Target::Classes { labels, .. } => labels.clone(),
            Target::Values(_) => Vec::new(),
        };
        Ok(FittedChain {
            steps: fitted,
            model,
            inputs: self.input_slots(),
            classes,
            task: self.model.task,
            features,
            transforms,
        })
    }

    /// The model's parameters with its tree-parameter compression steps
    /// applied (`prune(ccp_alpha = a)` sets `ccp_alpha`), and the compiler
    /// transforms of the other steps in order.
    pub fn compressed_params(&self) -> Result<(Params, Vec<Transform>)> {
        let mut params = self.model.op.params.clone();
        let mut transforms = Vec::new();
        for step in &self.model.compress {
            match mlg_stdlib::compress::step(&step.op, &step.params, &self.model.op.op) {
                Ok(CompressStep::TreeParam(name, value)) => {
                    params.insert(name.to_string(), Value::Float(value));
                }
                Ok(CompressStep::Transform(name, amount)) => transforms.push((name, amount)),
                Err(message) => return Err(Error::Usage(format!("model `{}`: {message}", self.model_name))),
            }
        }
        Ok((params, transforms))
    }
}

impl FittedChain {
    /// The inference graph of this chain (not yet optimized).
    pub fn lower(&self, name: &str) -> Result<ir::Graph> {
        let err = |e: OpError| Error::op(name, e);
        let mut builder = GraphBuilder::new(name, self.inputs.clone());
        let mut columns = Vec::with_capacity(self.inputs.len());
        for (slot, input) in self.inputs.iter().enumerate() {
            let id = builder.input(slot as u32).map_err(|e| err(lowering(name, e)))?;
            columns.push((input.name.clone(), id));
        }
        let mut lowering_state = Lowering { builder, columns };
        for step in &self.steps {
            step.lower(&mut lowering_state).map_err(err)?;
        }
        let Lowering { mut builder, columns } = lowering_state;
        let parts: Vec<_> = columns.iter().map(|(_, id)| *id).collect();
        let features = builder
            .push(Op::Concat { parts })
            .map_err(|e| err(lowering(name, e)))?;
        for (out_name, node) in self.model.lower(&mut builder, features).map_err(err)? {
            builder.output(out_name, node);
        }
        builder.finish().map_err(|e| err(lowering(name, e)))
    }
}

fn lowering(op: &str, source: ir::VerifyError) -> OpError {
    OpError::Lowering {
        op: op.to_string(),
        source,
    }
}

/// Names of `frame`'s columns that `selector` picks, in frame order.
pub fn select(selector: &Selector, frame: &Frame) -> Vec<String> {
    frame
        .columns
        .iter()
        .filter(|c| match selector {
            Selector::All => true,
            Selector::Numeric => c.is_numeric(),
            Selector::Categorical => !c.is_numeric(),
            Selector::Cols(names) => names.contains(&c.name),
            Selector::Except(names) => !names.contains(&c.name),
        })
        .map(|c| c.name.clone())
        .collect()
}

/// The model matrix: every column must be numeric and complete.
pub fn matrix(frame: &Frame) -> Result<Matrix, OpError> {
    let cols = frame.columns.len();
    let mut data = vec![0.0; frame.n_rows * cols];
    for (j, col) in frame.columns.iter().enumerate() {
        let values = col.as_numeric().ok_or_else(|| OpError::Column {
            op: "model".into(),
            column: col.name.clone(),
            message: "is categorical; add one_hot(...) before the model".into(),
        })?;
        if let Some(row) = col.missing.iter().position(|m| *m) {
            return Err(OpError::Column {
                op: "model".into(),
                column: col.name.clone(),
                message: format!(
                    "has missing values (first at data row {row}); add impute(...) before the model"
                ),
            });
        }
        for (i, v) in values.iter().enumerate() {
            data[i * cols + j] = *v;
        }
    }
    Ok(Matrix {
        rows: frame.n_rows,
        cols,
        data,
    })
}

/// A numeric classification target with more distinct values than this, and
/// fewer than four rows per value on average, is taken for a continuous one.
const MAX_NUMERIC_CLASSES: usize = 50;

/// Encodes the target column: sorted class labels for classification (numbers
/// sorted numerically), values for regression. Missing targets, and numeric
/// classification targets that look continuous (a fractional value, or more
/// than 50 distinct values with fewer than four rows each on average), are errors.
pub fn target_of(frame: &Frame, name: &str, task: Task) -> Result<Target, OpError> {
    let err = |message: String| OpError::Column {
        op: "target".into(),
        column: name.to_string(),
        message,
    };
    let col = frame.column(name).ok_or_else(|| err("does not exist".into()))?;
    if let Some(row) = col.missing.iter().position(|m| *m) {
        return Err(err(format!(
            "has {} missing values (first at data row {row})",
            col.missing_count()
        )));
    }
    match (task, &col.data) {
        (Task::Regression, ColumnData::Numeric(v)) => Ok(Target::Values(v.clone())),
        (Task::Regression, ColumnData::Categorical { .. }) => {
            Err(err("is categorical; regression needs numbers".into()))
        }
        (Task::Classification, ColumnData::Numeric(v)) => {
            if let Some(row) = v.iter().position(|x| x.fract() != 0.0) {
                return Err(err(format!(
                    "holds continuous values (e.g. {} at data row {row}); a classifier needs \
                     class labels: use a regression model, or bin the target first",
                    v[row]
                )));
            }
            let mut distinct: Vec<f64> = v.clone();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            if distinct.len() > MAX_NUMERIC_CLASSES && distinct.len() * 4 > v.len() {
                return Err(err(format!(
                    "holds {} distinct numbers in {} rows, which looks continuous; a classifier \
                     needs class labels: use a regression model, or bin the target first",
                    distinct.len(),
                    v.len()
                )));
            }
            let codes = v
                .iter()
                .map(|x| distinct.partition_point(|d| d < x) as u32)
                .collect();
            Ok(Target::Classes {
                codes,
                labels: distinct.iter().map(|d| format!("{d}")).collect(),
            })
        }
        (Task::Classification, ColumnData::Categorical { codes, levels }) => {
            let mut used = vec![false; levels.len()];
            codes.iter().for_each(|&c| used[c as usize] = true);
            let mut remap = vec![0u32; levels.len()];
            let mut labels = Vec::new();
            for (i, level) in levels.iter().enumerate() {
                if used[i] {
                    remap[i] = labels.len() as u32;
                    labels.push(level.clone());
                }
            }
            Ok(Target::Classes {
                codes: codes.iter().map(|&c| remap[c as usize]).collect(),
                labels,
            })
        }
    }
}
