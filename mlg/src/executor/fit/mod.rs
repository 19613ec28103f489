//! One model's whole fitted path: data → features steps → model (or, for an
//! ensemble, every member's path and the combiner). Fitting always starts from
//! raw data rows, so every fold refits every step (no leakage).

use crate::error::{Error, Result};
use mlg_compiler::ir::{self, GraphBuilder, InputSlot, Op, SlotKind};
use mlg_compiler::passes::Calibration;
use mlg_compiler::workflow::catalog::{Params, Task};
use mlg_compiler::workflow::stage::{DataStage, EnsembleStage, ModelStage, Selector, Step};
use mlg_runtime::{ColumnData, Frame};
use mlg_stdlib::compress::{Step as CompressStep, CALIBRATION_ROWS};
use mlg_stdlib::design::Columns;
use mlg_stdlib::models::FittedConstant;
use mlg_stdlib::op::{Estimator, FittedModel, FittedTransform, Lowering, Matrix, OpError, Target};
use std::sync::Arc;

use distill::Soft;
pub use ensemble::FittedEnsemble;

mod build;
mod codes;
mod distill;
pub mod distributed;
mod ensemble;
pub mod finite;
pub mod shared;

use crate::keep::Keep;

/// Lowers, optimizes and compiles `fitted`; returns the optimized graph too.
pub fn compile_chain(
    fitted: &FittedChain,
    model: &str,
) -> Result<(ir::Graph, mlg_compiler::backends::cranelift::CompiledGraph)> {
    compile_with(fitted, model, &fitted.transforms, fitted.calibration.as_ref())
}

/// [`compile_chain`] with the compiler transforms `transforms` and
/// calibration rows in place of `fitted`'s own (for a fit shared with
/// another chain, see [`shared`]).
pub fn compile_with(
    fitted: &FittedChain,
    model: &str,
    transforms: &[Transform],
    calibration: Option<&Calibration>,
) -> Result<(ir::Graph, mlg_compiler::backends::cranelift::CompiledGraph)> {
    let graph = super::compile::optimize_graph(fitted.lower(model)?, model, transforms, calibration)?;
    let exe = super::compile::compile_graph(&graph, model)?;
    Ok((graph, exe))
}

/// The unfitted path of one model or ensemble stage.
#[derive(Clone)]
pub struct Chain<'w> {
    /// The name the chain fits and lowers under (a stage, or `SEARCH#k`).
    pub model_name: String,
    /// The data source.
    pub data: &'w DataStage,
    /// The target column of the data.
    pub target: String,
    /// Every row of the data source, target included.
    pub frame: Arc<Frame>,
    /// The stage's task.
    pub task: Task,
    /// The operator reported for the stage: the model's, or the ensemble's
    /// combiner.
    pub operator: String,
    /// What is fitted: one model after its features steps, or an ensemble.
    pub kind: ChainKind<'w>,
    /// The run's shared fits, for a model or ensemble chain of a workflow
    /// that compresses (see [`Chain::fit_shared`]); `None` otherwise.
    pub shared: Option<&'w Keep>,
}

/// What a [`Chain`] fits.
#[derive(Clone)]
pub enum ChainKind<'w> {
    /// A model stage.
    Model {
        /// Steps in application order, each with the features stage it belongs to.
        steps: Vec<(String, Step)>,
        /// The model stage (a trial's patched copy for a search trial).
        model: ModelStage,
        /// For a `distill` student, the teacher's chain (see [`distill`]).
        teacher: Option<Box<Chain<'w>>>,
    },
    /// An ensemble stage: every member's own chain, and the combiner.
    Ensemble {
        /// The members' chains, in the stage's order.
        members: Vec<Chain<'w>>,
        /// The ensemble stage.
        stage: EnsembleStage,
    },
}

/// A fitted chain.
#[derive(Debug)]
pub struct FittedChain {
    /// The fitted steps and model, or the fitted ensemble.
    pub fitted: Fitted,
    /// The row ABI: raw data columns except the target.
    pub inputs: Vec<InputSlot>,
    /// Class labels in output order (empty for regression).
    pub classes: Vec<String>,
    /// Classification or regression.
    pub task: Task,
    /// The model's input columns (after every features step), in the order of
    /// its importances and coefficients; empty for an ensemble.
    pub features: Vec<String>,
    /// Compiler transforms of the model's `compress` steps, in order (for an
    /// ensemble, every member's, each once, applied to the whole graph).
    pub transforms: Vec<Transform>,
    /// Encoded training rows that calibrate a static int8 transform
    /// (`quantize(calibrate = n)`); `None` without one.
    pub calibration: Option<Calibration>,
}

/// What a [`FittedChain`] holds.
#[derive(Debug)]
pub enum Fitted {
    /// One model after its fitted features steps.
    Model {
        /// The fitted features steps, in application order.
        steps: Vec<Box<dyn FittedTransform>>,
        /// The fitted model.
        model: Box<dyn FittedModel>,
    },
    /// A fitted ensemble.
    Ensemble(FittedEnsemble),
}

/// An opt-in compiler transform as `(name, amount)` for
/// `mlg_compiler::passes::transform`.
pub type Transform = (&'static str, Option<f64>);

pub use super::compile::STATIC_INT8;

impl<'w> Chain<'w> {
    /// The target of every data row, encoded for the model's task.
    pub fn target(&self) -> Result<Target> {
        target_of(&self.frame, &self.target, self.task).map_err(|e| Error::op(&self.model_name, e))
    }

    /// Whether the data stage's schema calls column `name` a date (held in
    /// the frame as hours since the epoch).
    fn is_date(&self, name: &str) -> bool {
        self.data
            .schema
            .get(name)
            .is_some_and(|c| c.kind == mlg_compiler::workflow::catalog::ColumnKind::Date)
    }

    /// The row ABI of the raw data (target excluded); a column the data
    /// stage's schema calls a date (held as hours) takes date text.
    pub fn input_slots(&self) -> Vec<InputSlot> {
        self.frame
            .columns
            .iter()
            .filter(|c| c.name != self.target)
            .map(|c| InputSlot {
                name: c.name.clone(),
                kind: match &c.data {
                    ColumnData::Numeric(_) if self.is_date(&c.name) => SlotKind::Date,
                    ColumnData::Numeric(_) => SlotKind::Numeric,
                    ColumnData::Categorical { levels, .. } => SlotKind::Categorical {
                        levels: levels.clone(),
                    },
                },
            })
            .collect()
    }

    /// Fits every step and the model (or every member and the combiner) on
    /// the data rows `rows`.
    pub fn fit(&self, target: &Target, rows: &[usize]) -> Result<FittedChain> {
        match &self.kind {
            ChainKind::Model {
                teacher: Some(teacher),
                model,
                ..
            } => distill::fit(self, teacher, model, target, rows),
            ChainKind::Model { steps, model, .. } => self.fit_model(steps, model, target, rows, None),
            ChainKind::Ensemble { members, stage } => ensemble::fit(self, members, stage, target, rows),
        }
    }

    /// Fits the features `steps` and `model` on `rows`; with `soft` targets
    /// (one probability per data row and label, see [`distill`]) the model
    /// learns them through [`Estimator::fit_soft`]. A static int8 transform
    /// gets its calibration rows from `rows`.
    fn fit_model(
        &self,
        steps: &[(String, Step)],
        model: &ModelStage,
        target: &Target,
        rows: &[usize],
        soft: Option<&Soft>,
    ) -> Result<FittedChain> {
        let mut fitted = self.fit_model_rows(steps, model, target, rows, soft)?;
        fitted.calibration = self.calibration(&fitted.transforms, rows)?;
        Ok(fitted)
    }

    /// The calibration rows of a static int8 transform among `transforms`
    /// (`quantize(calibrate = n)`): at most `n` of the training `rows`,
    /// evenly spaced and in order, encoded for the chain's row ABI; `None`
    /// without one.
    pub fn calibration(&self, transforms: &[Transform], rows: &[usize]) -> Result<Option<Calibration>> {
        let Some(n) = transforms.iter().find_map(|&(name, amount)| {
            (name == STATIC_INT8).then(|| amount.map_or(CALIBRATION_ROWS, |n| n as usize))
        }) else {
            return Ok(None);
        };
        let n = n.min(rows.len());
        let picked: Vec<usize> = (0..n).map(|i| rows[i * rows.len() / n.max(1)]).collect();
        let frame = self.frame.take_without(&picked, &self.target);
        let encoded = mlg_runtime::rows::encode_rows(&frame, &self.input_slots())?;
        Ok(Some(Calibration {
            rows: encoded,
            n_rows: n,
        }))
    }

    /// [`Chain::fit_model`] without the calibration rows.
    fn fit_model_rows(
        &self,
        steps: &[(String, Step)],
        model: &ModelStage,
        target: &Target,
        rows: &[usize],
        soft: Option<&Soft>,
    ) -> Result<FittedChain> {
        let mut y = target.take(rows);
        // A model that learns where missing values go gets them as NaN; one
        // that splits on categories gets categorical columns as codes.
        let caps = mlg_stdlib::operators::find(&model.op.op).map(|def| def.capabilities);
        let missing_ok = caps.is_some_and(|c| c.missing);
        let categorical_ok = caps.is_some_and(|c| c.categorical);
        if let Some(soft) = soft {
            let mut fitted = Vec::with_capacity(steps.len());
            let mut kept = soft.take(rows);
            let (x, features, _) = self.transform_rows(
                steps,
                rows,
                (&mut y, missing_ok, false),
                &mut fitted,
                Some(&mut kept),
            )?;
            return self.fit_model_on(
                model,
                x.cols,
                |e| e.fit_soft(&x, &y, &kept.values),
                &y,
                fitted,
                features,
            );
        }
        if steps.is_empty() {
            // The model reads the session's frame as columns: the data is
            // then held once more as a matrix (columns and matrix) at most,
            // and not at all by a model that reads it block by block.
            let coded = categorical_ok
                .then(|| codes::coded(&self.frame, &self.target))
                .flatten();
            let (frame, levels) = match &coded {
                Some((frame, levels)) => (frame, Some(levels)),
                None => (&*self.frame, None),
            };
            let columns = feature_columns(frame, rows, &self.target, missing_ok)
                .map_err(|e| Error::op(&self.model_name, e))?;
            let view = Columns {
                columns: &columns,
                rows,
            };
            let features = self.frame.columns.iter().filter(|c| c.name != self.target);
            let features = features.map(|c| c.name.clone()).collect();
            return self.fit_model_on(
                model,
                view.n_cols(),
                |e| match levels {
                    Some(levels) => e.fit_categorical(&view.to_matrix(), &y, levels),
                    None => e.fit_columns(&view, &y),
                },
                &y,
                Vec::new(),
                features,
            );
        }
        let mut fitted = Vec::with_capacity(steps.len());
        let (x, features, levels) = self.transform_rows(
            steps,
            rows,
            (&mut y, missing_ok, categorical_ok),
            &mut fitted,
            None,
        )?;
        let fit = |e: &dyn Estimator| match &levels {
            Some(levels) => e.fit_categorical(&x, &y, levels),
            None => e.fit(&x, &y),
        };
        self.fit_model_on(model, x.cols, fit, &y, fitted, features)
    }

    /// Fits the features steps on `rows` in order, each on the previous one's
    /// output (dropping the rows a step leaves out of training from `y`), and
    /// returns the last output as the model's matrix with its column names
    /// (missing values as NaN when `missing_ok`, else refused; categorical
    /// columns as codes with their [`codes::Levels`] when `categorical_ok`
    /// and there are some, else refused).
    fn transform_rows(
        &self,
        steps: &[(String, Step)],
        rows: &[usize],
        (y, missing_ok, categorical_ok): (&mut Target, bool, bool),
        fitted: &mut Vec<Box<dyn FittedTransform>>,
        mut soft: Option<&mut Soft>,
    ) -> Result<(Matrix, Vec<String>, Option<codes::Levels>)> {
        // On every row, the first step reads the session's frame where it lies
        // (its selection and its output without the target) instead of a copy.
        let every_row = rows.len() == self.frame.n_rows && rows.iter().enumerate().all(|(i, &r)| i == r);
        let mut frame = match every_row {
            true => None,
            false => Some(self.frame.take_without(rows, &self.target)),
        };
        for (i, (stage, step)) in steps.iter().enumerate() {
            let op = mlg_stdlib::transform(&step.op.op, &step.op.params).map_err(|e| Error::op(stage, e))?;
            let input = frame.as_ref().unwrap_or(&self.frame);
            let mut selected = select(&step.selector, input);
            selected.retain(|c| *c != self.target);
            // Date columns are numbers (hours) in the frame, but no
            // `numeric` column to the checker.
            match step.selector {
                Selector::Numeric => selected.retain(|c| !self.is_date(c)),
                Selector::Dates => selected.retain(|c| self.is_date(c)),
                _ => {}
            }
            let f = op.fit(input, &selected, y).map_err(|e| Error::op(stage, e))?;
            // The last step of a column-by-column kind maps its input straight
            // into the model's matrix, without its output frame.
            let last = i + 1 == steps.len();
            let codes_needed = categorical_ok && input.columns.iter().any(|c| !c.is_numeric());
            let maps = (last && f.training_rows().is_none() && !codes_needed)
                .then(|| f.column_maps(input, &self.target))
                .flatten();
            if let Some(maps) = maps {
                let all: Vec<usize> = (0..input.n_rows).collect();
                let columns = feature_columns(input, &all, &self.target, missing_ok)
                    .map_err(|e| Error::op(&self.model_name, e))?;
                let x = Columns {
                    columns: &columns,
                    rows: &all,
                }
                .to_matrix_mapped(&maps);
                let features = input.columns.iter().filter(|c| c.name != self.target);
                let features = features.map(|c| c.name.clone()).collect();
                fitted.push(f);
                return Ok((x, features, None));
            }
            let mut out = match f.training_rows() {
                Some(keep) => {
                    *y = y.take(keep);
                    if let Some(soft) = soft.as_deref_mut() {
                        *soft = soft.take(keep);
                    }
                    f.transform(&input.take(keep))
                }
                None => f.transform(input),
            }
            .map_err(|e| Error::op(stage, e))?;
            if frame.is_none() {
                out.columns.retain(|c| c.name != self.target);
            }
            frame = Some(out);
            fitted.push(f);
        }
        let frame = frame.unwrap_or_else(|| self.frame.take_without(rows, &self.target));
        let features = frame.columns.iter().map(|c| c.name.clone()).collect();
        let (frame, levels) = match categorical_ok.then(|| codes::coded(&frame, "")).flatten() {
            Some((coded, levels)) => (coded, Some(levels)),
            None => (frame, None),
        };
        let all: Vec<usize> = (0..frame.n_rows).collect();
        let columns =
            feature_columns(&frame, &all, "", missing_ok).map_err(|e| Error::op(&self.model_name, e))?;
        let x = Columns {
            columns: &columns,
            rows: &all,
        }
        .to_matrix();
        Ok((x, features, levels))
    }

    /// Fits the model with `fit` (on data of `cols` features and the
    /// targets `y`) behind the fitted `steps`.
    fn fit_model_on(
        &self,
        model: &ModelStage,
        cols: usize,
        fit: impl FnOnce(&dyn Estimator) -> std::result::Result<Box<dyn FittedModel>, OpError>,
        y: &Target,
        steps: Vec<Box<dyn FittedTransform>>,
        features: Vec<String>,
    ) -> Result<FittedChain> {
        let fitted = steps;
        let (params, transforms) = self.compressed_params(model)?;
        let estimator =
            mlg_stdlib::estimator(&model.op.op, &params).map_err(|e| Error::op(&self.model_name, e))?;
        // With no column left there is nothing to learn from: the model is
        // the constant it would converge to (see `FittedConstant`).
        let fitted_model: Box<dyn FittedModel> = if cols == 0 {
            Box::new(FittedConstant::fit(&model.op.op, y).map_err(|e| Error::op(&self.model_name, e))?)
        } else {
            fit(estimator.as_ref()).map_err(|e| Error::op(&self.model_name, e))?
        };
        let classes = match y {
            Target::Classes { labels, .. } => labels.clone(),
            Target::Values(_) => Vec::new(),
        };
        Ok(FittedChain {
            fitted: Fitted::Model {
                steps: fitted,
                model: fitted_model,
            },
            inputs: self.input_slots(),
            classes,
            task: model.task,
            features,
            transforms,
            calibration: None,
        })
    }

    /// The model's parameters with its fit-parameter compression steps
    /// applied (`prune(ccp_alpha = a)` sets `ccp_alpha`, `prune(magnitude =
    /// f, finetune = e)` an MLP's pruning with recovery, `low_rank(rank = k,
    /// finetune = e)` its factorization with recovery), and the compiler
    /// transforms of the steps in order.
    fn compressed_params(&self, model: &ModelStage) -> Result<(Params, Vec<Transform>)> {
        let mut params = model.op.params.clone();
        let mut transforms = Vec::new();
        for step in &model.compress {
            match mlg_stdlib::compress::step(&step.op, &step.params, &model.op.op) {
                Ok(CompressStep::FitParams(set)) => {
                    for (name, value) in set {
                        params.insert(name.to_string(), value);
                    }
                }
                Ok(CompressStep::Transform(name, amount)) => transforms.push((name, amount)),
                Ok(CompressStep::FitThenTransform(set, name, amount)) => {
                    for (param, value) in set {
                        params.insert(param.to_string(), value);
                    }
                    transforms.push((name, amount));
                }
                Err(message) => return Err(Error::Usage(format!("model `{}`: {message}", self.model_name))),
            }
        }
        Ok((params, transforms))
    }
}

impl FittedChain {
    /// The inference graph of this chain (not yet optimized).
    pub fn lower(&self, name: &str) -> Result<ir::Graph> {
        let err = |e: ir::VerifyError| Error::op(name, lowering(name, e));
        let mut builder = GraphBuilder::new(name, self.inputs.clone());
        let mut columns = Vec::with_capacity(self.inputs.len());
        for (slot, input) in self.inputs.iter().enumerate() {
            let id = builder.input(slot as u32).map_err(err)?;
            columns.push((input.name.clone(), id));
        }
        for (out_name, node) in self.lower_into(&mut builder, &columns, name)? {
            builder.output(out_name, node);
        }
        builder.finish().map_err(err)
    }

    /// Appends this chain to `builder` given the nodes of its raw input
    /// columns by name; returns its named outputs (see
    /// [`FittedModel::lower`]). Errors name `name`.
    pub fn lower_into(
        &self,
        builder: &mut GraphBuilder,
        inputs: &[(String, ir::NodeId)],
        name: &str,
    ) -> Result<Vec<(String, ir::NodeId)>> {
        let (steps, model) = match &self.fitted {
            Fitted::Model { steps, model } => (steps, model),
            Fitted::Ensemble(ensemble) => return ensemble.lower_into(builder, inputs, self.task, name),
        };
        let err = |e: OpError| Error::op(name, e);
        let mut columns = Vec::with_capacity(self.inputs.len());
        for slot in &self.inputs {
            let id = inputs
                .iter()
                .find(|(n, _)| *n == slot.name)
                .map(|(_, id)| *id)
                .ok_or_else(|| Error::Usage(format!("`{name}`: no input column `{}`", slot.name)))?;
            columns.push((slot.name.clone(), id));
        }
        let taken = std::mem::replace(builder, GraphBuilder::new(name, Vec::new()));
        let mut state = Lowering {
            builder: taken,
            columns,
        };
        let lowered = steps.iter().try_for_each(|step| step.lower(&mut state));
        let Lowering {
            builder: returned,
            columns,
        } = state;
        *builder = returned;
        lowered.map_err(err)?;
        let parts: Vec<_> = columns.iter().map(|(_, id)| *id).collect();
        // No column left: the model is a `FittedConstant`, which ignores its
        // input; it reads a one-value constant because the IR has no
        // zero-width nodes.
        let features_op = if parts.is_empty() {
            Op::Const { values: vec![0.0] }
        } else {
            Op::Concat { parts }
        };
        let features = builder.push(features_op).map_err(|e| err(lowering(name, e)))?;
        model.lower(builder, features).map_err(err)
    }

    /// The data rows among `rows` (the rows it was fitted on, in order) that
    /// its model trained on: those every row-dropping step kept (see
    /// [`FittedTransform::training_rows`]); all of `rows` for an ensemble.
    pub fn trained_rows(&self, rows: &[usize]) -> Vec<usize> {
        let mut kept = rows.to_vec();
        if let Fitted::Model { steps, .. } = &self.fitted {
            for keep in steps.iter().filter_map(|s| s.training_rows()) {
                kept = keep.iter().filter_map(|&i| kept.get(i).copied()).collect();
            }
        }
        kept
    }

    /// [`FittedModel::importances`] of the model; `None` for an ensemble.
    pub fn importances(&self) -> Option<Vec<f64>> {
        match &self.fitted {
            Fitted::Model { model, .. } => model.importances(),
            Fitted::Ensemble(_) => None,
        }
    }

    /// [`FittedModel::coefficients`] of the model; `None` for an ensemble.
    pub fn coefficients(&self) -> Option<Vec<Vec<f64>>> {
        match &self.fitted {
            Fitted::Model { model, .. } => model.coefficients(),
            Fitted::Ensemble(_) => None,
        }
    }

    /// [`FittedModel::fit_scores`] of the model; empty for an ensemble.
    pub fn fit_scores(&self) -> Vec<(String, f64)> {
        match &self.fitted {
            Fitted::Model { model, .. } => model.fit_scores(),
            Fitted::Ensemble(_) => Vec::new(),
        }
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
            // Date columns are numbers (hours) in a frame; `Chain` tells
            // them apart by the data stage's schema.
            Selector::Dates => c.is_numeric(),
            Selector::Cols(names) => names.contains(&c.name),
            Selector::Except(names) => !names.contains(&c.name),
        })
        .map(|c| c.name.clone())
        .collect()
}

/// The model matrix of the rows `rows` of every column of `frame` but `skip`
/// (an empty name skips none): every column must be numeric and complete (a
/// missing value names its position in `rows`), but for missing values,
/// which pass as NaN when `missing_ok`.
pub fn matrix_rows(frame: &Frame, rows: &[usize], skip: &str, missing_ok: bool) -> Result<Matrix, OpError> {
    let columns = feature_columns(frame, rows, skip, missing_ok)?;
    Ok(Columns {
        columns: &columns,
        rows,
    }
    .to_matrix())
}

/// The values of every column of `frame` but `skip`, each checked numeric and
/// complete over `rows` (the checks and messages of [`matrix_rows`]); with
/// `missing_ok`, missing values pass as the NaN they are stored as.
pub fn feature_columns<'f>(
    frame: &'f Frame,
    rows: &[usize],
    skip: &str,
    missing_ok: bool,
) -> Result<Vec<&'f [f64]>, OpError> {
    let columns = frame.columns.iter().filter(|c| c.name != skip);
    let mut values: Vec<&[f64]> = Vec::with_capacity(frame.columns.len());
    for col in columns {
        let numbers = col.as_numeric().ok_or_else(|| OpError::Column {
            op: "model".into(),
            column: col.name.clone(),
            message: "is categorical; add one_hot(...) before the model".into(),
        })?;
        // A missing entry reaches the model only as NaN.
        if let Some(row) = rows
            .iter()
            .position(|&r| col.missing[r] && !(missing_ok && numbers[r].is_nan()))
        {
            return Err(OpError::Column {
                op: "model".into(),
                column: col.name.clone(),
                message: format!(
                    "has missing values (first at data row {row}); add impute(...) before the model"
                ),
            });
        }
        values.push(numbers);
    }
    Ok(values)
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
            // A distributed job's labels are the values of every rank's rows.
            let comm = mlg_runtime::collective::current();
            let mut rows = [v.len() as u64];
            if comm.size() > 1 {
                let bytes: Vec<u8> = distinct.iter().flat_map(|d| d.to_le_bytes()).collect();
                distinct = comm
                    .all_gather(&bytes)
                    .iter()
                    .flat_map(|b| {
                        b.chunks_exact(8)
                            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or_default()))
                    })
                    .collect();
                distinct.sort_by(f64::total_cmp);
                distinct.dedup();
                comm.all_reduce_u64(&mut rows);
            }
            if distinct.len() > MAX_NUMERIC_CLASSES && distinct.len() as u64 * 4 > rows[0] {
                return Err(err(format!(
                    "holds {} distinct numbers in {} rows, which looks continuous; a classifier \
                     needs class labels: use a regression model, or bin the target first",
                    distinct.len(),
                    rows[0]
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
            let mut used = vec![0u64; levels.len()];
            codes.iter().for_each(|&c| used[c as usize] = 1);
            // Levels are shared by the ranks of a distributed job; the labels
            // are those some rank's rows use.
            mlg_runtime::collective::current().all_reduce_u64(&mut used);
            let mut remap = vec![0u32; levels.len()];
            let mut labels = Vec::new();
            for (i, level) in levels.iter().enumerate() {
                if used[i] > 0 {
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
