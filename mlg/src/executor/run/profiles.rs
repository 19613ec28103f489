//! `profile("page.html")` features steps: when the workflow runs, each has the
//! observer write the profile page of the frame it sees — all data rows, after the steps before it
//! fitted on those rows — with the data's target column alongside.

use crate::error::{Error, Result};
use crate::executor::fit::{select, target_of};
use crate::executor::plan::upstream;
use crate::observer::Observer;
use crate::session::Workflow;
use mlg_compiler::workflow::catalog::Task;
use mlg_compiler::workflow::StageKind;
use mlg_runtime::{ColumnData, Frame};
use mlg_stdlib::op::Target;
use std::path::PathBuf;

/// The task supervised steps see: that of the first model downstream of the
/// stage `name`, else classification for a categorical target, else regression.
fn task_for(wf: &Workflow, name: &str, frame: &Frame, target: &str) -> Task {
    for stage in wf.stages() {
        if let StageKind::Model(m) = &stage.kind {
            let feeds = upstream(wf, &m.input).is_ok_and(|up| up.steps.iter().any(|(s, _)| *s == name));
            if feeds || m.input == name {
                return m.task;
            }
        }
    }
    match frame.column(target).map(|c| &c.data) {
        Some(ColumnData::Categorical { .. }) => Task::Classification,
        _ => Task::Regression,
    }
}

/// Profiles the frame of every `profile` step and hands it to `observer`
/// to write; returns the pages' paths.
pub fn write_profiles(wf: &Workflow, observer: &dyn Observer) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for stage in wf.stages() {
        let StageKind::Features(features) = &stage.kind else {
            continue;
        };
        if !features.steps.iter().any(|s| s.op.op == "profile") {
            continue;
        }
        let up = upstream(wf, &stage.name)?;
        let data = wf
            .data_frame(up.data_name)
            .ok_or_else(|| Error::Usage(format!("data `{}` was not loaded", up.data_name)))?;
        let target_name = up.data.target.clone();
        let mut y = match &target_name {
            Some(t) => target_of(&data, t, task_for(wf, &stage.name, &data, t))
                .map_err(|e| Error::op(&stage.name, e))?,
            None => Target::Values(vec![0.0; data.n_rows]),
        };
        let mut frame = match &target_name {
            Some(t) => data.without(t),
            None => (*data).clone(),
        };
        let mut rows: Vec<usize> = (0..data.n_rows).collect();
        let own = up.steps.len() - features.steps.len();
        for (i, (owner, step)) in up.steps.iter().enumerate() {
            if step.op.op == "profile" {
                if i >= own {
                    written.push(write_page(
                        wf,
                        observer,
                        &frame,
                        &rows,
                        &data,
                        target_name.as_deref(),
                        step,
                    )?);
                }
                continue;
            }
            let op = mlg_stdlib::transform(&step.op.op, &step.op.params).map_err(|e| Error::op(owner, e))?;
            let fitted = op
                .fit(&frame, &select(&step.selector, &frame), &y)
                .map_err(|e| Error::op(owner, e))?;
            if let Some(keep) = fitted.training_rows() {
                frame = frame.take(keep);
                y = y.take(keep);
                rows = keep.iter().map(|&k| rows[k]).collect();
            }
            frame = fitted.transform(&frame).map_err(|e| Error::op(owner, e))?;
        }
    }
    Ok(written)
}

/// Profiles the selected columns of `frame` plus the target (rows `rows` of `data`).
fn write_page(
    wf: &Workflow,
    observer: &dyn Observer,
    frame: &Frame,
    rows: &[usize],
    data: &Frame,
    target: Option<&str>,
    step: &mlg_compiler::workflow::stage::Step,
) -> Result<PathBuf> {
    let path_text = step
        .op
        .params
        .get("path")
        .and_then(|v| v.as_str())
        .unwrap_or("profile.html");
    let path = wf.base_dir.join(path_text);
    let selected = select(&step.selector, frame);
    let mut columns: Vec<_> = frame
        .columns
        .iter()
        .filter(|c| selected.contains(&c.name))
        .cloned()
        .collect();
    if let Some(col) = target.and_then(|t| data.column(t)) {
        columns.push(col.take(rows));
    }
    let page_frame = Frame::new(columns, frame.n_rows);
    let profile = crate::profile::profile(&page_frame, &format!("{} at `{}`", wf.file, path_text), target)?;
    observer.profile_page(&path, &profile)?;
    Ok(path)
}
