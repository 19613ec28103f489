//! A search trial as a patch of the workflow: the stages whose operators take
//! a searched parameter, copied with the trial's values. The executor looks
//! stages up in the patch before the workflow, so one trial may retune a
//! model, an ensemble's combiner or member, and an upstream features step.

use super::catalog::Value;
use super::graph::Graph;
use super::stage::{Dimension, OpUse, SearchStage, Slot, StageKind};
use std::collections::BTreeMap;

/// Patched copies of stages, by stage name.
pub type Patch = BTreeMap<String, StageKind>;

/// The patch of `search`'s trial whose values (one per dimension, in order;
/// `None` restores the catalog default or leaves the parameter out) are
/// `values`. Errors name a dimension whose stage or step is gone (a checker
/// bug) and are otherwise impossible.
pub fn patch(graph: &Graph, search: &SearchStage, values: &[Option<Value>]) -> Result<Patch, String> {
    let mut out = Patch::new();
    for (dim, value) in search.space.iter().zip(values) {
        if !out.contains_key(&dim.stage) {
            let id = graph
                .find(&dim.stage)
                .ok_or_else(|| format!("searched stage `{}` is not in the workflow", dim.stage))?;
            out.insert(dim.stage.clone(), graph.stage(id).kind.clone());
        }
        let kind = out.get_mut(&dim.stage).expect("inserted above");
        let op = op_of(kind, &dim.slot).ok_or_else(|| {
            format!(
                "`{}` of search path `{}` has no such operator",
                dim.stage, dim.path
            )
        })?;
        set(op, dim, value.clone());
    }
    Ok(out)
}

/// The operator `slot` names in `kind`.
fn op_of<'k>(kind: &'k mut StageKind, slot: &Slot) -> Option<&'k mut OpUse> {
    match (kind, slot) {
        (StageKind::Model(m), Slot::Model) => Some(&mut m.op),
        (StageKind::Ensemble(e), Slot::Combiner) => Some(&mut e.combiner),
        (StageKind::Features(f), Slot::Step(i)) => f.steps.get_mut(*i).map(|s| &mut s.op),
        _ => None,
    }
}

/// Sets `dim`'s parameter of `op` to `value` (`None`: its default, or unset).
fn set(op: &mut OpUse, dim: &Dimension, value: Option<Value>) {
    match value.or_else(|| dim.default.clone()) {
        Some(v) => {
            op.params.insert(dim.param.clone(), v);
        }
        None => {
            op.params.remove(&dim.param);
        }
    }
}
