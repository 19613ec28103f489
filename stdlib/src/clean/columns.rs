//! Column removal: `drop` removes the selected columns; `drop_missing` removes
//! the selected columns whose share of missing training values exceeds a
//! threshold. Both remove the columns from the frame and from the inference
//! graph, whose column-pruning pass then drops the unused inputs.

use crate::op::{FittedTransform, Lowering, OpError, Target, Transform};
use crate::registry::{invalid, param_f64};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

/// `drop(cols(...))`: removes the selected columns. Nothing is fitted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Drop;

/// `drop_missing(threshold = 0.5)`: fitting keeps the selected columns whose
/// fraction of missing training values is at most `threshold` (in `[0, 1]`)
/// and removes the others; columns outside the selection are kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropMissing {
    /// The largest share of missing training values a kept column may have, in `[0, 1]`.
    pub threshold: f64,
}

impl DropMissing {
    /// Reads `threshold`; outside `[0, 1]` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let threshold = param_f64("drop_missing", params, "threshold", 0.5)?;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(invalid(
                "drop_missing",
                format!("threshold must be in [0, 1], got {threshold}"),
            ));
        }
        Ok(DropMissing { threshold })
    }
}

/// A fitted column removal: the names it removes.
#[derive(Clone, Debug, PartialEq)]
pub struct FittedDrop {
    /// The columns removed, in selection order.
    pub removed: Vec<String>,
}

impl Transform for Drop {
    fn fit(
        &self,
        _frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(FittedDrop {
            removed: selected.to_vec(),
        }))
    }
}

impl Transform for DropMissing {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        let rows = frame.n_rows.max(1) as f64;
        let removed = selected
            .iter()
            .filter(|name| {
                frame
                    .column(name)
                    .is_some_and(|c| c.missing_count() as f64 / rows > self.threshold)
            })
            .cloned()
            .collect();
        Ok(Box::new(FittedDrop { removed }))
    }
}

impl FittedTransform for FittedDrop {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        let columns = frame
            .columns
            .iter()
            .filter(|c| !self.removed.contains(&c.name))
            .cloned()
            .collect();
        Ok(Frame::new(columns, frame.n_rows))
    }

    fn lower(&self, lowering: &mut Lowering) -> Result<(), OpError> {
        lowering.columns.retain(|(name, _)| !self.removed.contains(name));
        Ok(())
    }
}

/// `profile("page.html")`: the identity at fit, transform and predict time; the
/// executor writes the profile page of the frame this step sees (all data rows,
/// after the earlier steps) when the workflow runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile;

/// A fitted `profile`: changes nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FittedProfile;

impl Transform for Profile {
    fn fit(
        &self,
        _frame: &Frame,
        _selected: &[String],
        _target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(FittedProfile))
    }
}

impl FittedTransform for FittedProfile {
    fn transform(&self, frame: &Frame) -> Result<Frame, OpError> {
        Ok(frame.clone())
    }

    fn lower(&self, _lowering: &mut Lowering) -> Result<(), OpError> {
        Ok(())
    }
}
