//! Optimizer passes over the inference IR and the driver that runs them in order,
//! verifying the graph before the pipeline and after every pass.

pub mod affine_fusion;
pub mod column_pruning;
pub mod common_subexpressions;
pub mod constant_folding;
pub mod dead_nodes;
pub mod tree_inputs;
pub mod tree_layout;

use thiserror::Error;

use crate::ir::{verify, Graph, Node, NodeId, Op, VerifyError};

pub use affine_fusion::AffineFusion;
pub use column_pruning::ColumnPruning;
pub use common_subexpressions::CommonSubexpressions;
pub use constant_folding::ConstantFolding;
pub use dead_nodes::DeadNodes;
pub use tree_inputs::TreeInputs;
pub use tree_layout::TreeLayout;

/// A graph-to-graph rewrite that preserves the interpreter's meaning.
///
/// Contract: `run` receives a graph that verifies and returns a fresh graph, in
/// topological order, with the same name, input slots and output names and widths,
/// whose interpreter outputs agree with the input's on every row (up to `f32`
/// rounding where a pass says so). A pass never panics on a verified graph. The one
/// exception to "same input slots" is [`ColumnPruning`], which keeps a subsequence
/// of them (rows are then encoded by slot name for the new inputs).
pub trait Pass: Send + Sync {
    /// Stable name used in errors, `mlg explain` and snapshots.
    fn name(&self) -> &'static str;
    /// Rewrites `graph` into an equivalent graph.
    fn run(&self, graph: &Graph) -> Graph;
}

/// A pass produced (or the pipeline was given) a graph that does not verify.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("pass `{pass}` produced an invalid graph: {source}")]
pub struct PassError {
    /// The pass that ran last, or `"<input>"` when the input graph itself is invalid.
    pub pass: &'static str,
    /// What the verifier found.
    #[source]
    pub source: VerifyError,
}

/// One pass of a pipeline run: its name, whether it changed the graph (by
/// [`same_graph`]), the result.
#[derive(Debug, Clone, PartialEq)]
pub struct PassStep {
    pub pass: &'static str,
    pub changed: bool,
    pub after: Graph,
}

/// The result of a pipeline: the final graph and every intermediate step.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimized {
    pub graph: Graph,
    pub steps: Vec<PassStep>,
}

/// An ordered list of passes.
pub struct Pipeline {
    passes: Vec<Box<dyn Pass>>,
}

impl Default for Pipeline {
    /// The standard pipeline: [`ConstantFolding`], [`CommonSubexpressions`],
    /// [`AffineFusion`], [`TreeInputs`], [`DeadNodes`], [`ColumnPruning`],
    /// [`TreeLayout`].
    fn default() -> Self {
        Pipeline {
            passes: vec![
                Box::new(ConstantFolding),
                Box::new(CommonSubexpressions),
                Box::new(AffineFusion),
                Box::new(TreeInputs),
                Box::new(DeadNodes),
                Box::new(ColumnPruning),
                Box::new(TreeLayout),
            ],
        }
    }
}

impl Pipeline {
    /// A pipeline running `passes` in the given order.
    pub fn new(passes: Vec<Box<dyn Pass>>) -> Self {
        Pipeline { passes }
    }

    /// The pass names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.passes.iter().map(|p| p.name()).collect()
    }

    /// Verifies `graph`, then runs every pass in order, verifying after each; the
    /// first invalid graph is reported with the name of the pass that produced it.
    pub fn run(&self, graph: &Graph) -> Result<Optimized, PassError> {
        verify(graph).map_err(|source| PassError {
            pass: "<input>",
            source,
        })?;
        let mut current = graph.clone();
        let mut steps = Vec::with_capacity(self.passes.len());
        for pass in &self.passes {
            let after = pass.run(&current);
            verify(&after).map_err(|source| PassError {
                pass: pass.name(),
                source,
            })?;
            let changed = !same_graph(&after, &current);
            steps.push(PassStep {
                pass: pass.name(),
                changed,
                after: after.clone(),
            });
            current = after;
        }
        Ok(Optimized {
            graph: current,
            steps,
        })
    }
}

/// Structural equality where NaN constants equal NaN (`Graph`'s `PartialEq`
/// follows `f32` and would call any graph holding a NaN fill value changed).
pub fn same_graph(a: &Graph, b: &Graph) -> bool {
    a == b || format!("{a:?}") == format!("{b:?}")
}

/// Appends nodes to a fresh graph while remapping ids from an old graph.
///
/// Invariant: every pushed op refers only to ids already in the new graph, so the
/// result stays in topological order; widths are given by the pass and checked by
/// the driver's verifier.
pub(crate) struct Rebuild {
    graph: Graph,
    map: Vec<Option<NodeId>>,
}

impl Rebuild {
    /// An empty graph with `old`'s name and inputs and room to remap `old`'s nodes.
    pub(crate) fn new(old: &Graph) -> Self {
        let graph = Graph {
            name: old.name.clone(),
            inputs: old.inputs.clone(),
            nodes: Vec::new(),
            outputs: Vec::new(),
        };
        Rebuild {
            graph,
            map: vec![None; old.nodes.len()],
        }
    }

    /// Replaces the new graph's input slots (only [`ColumnPruning`] does this).
    pub(crate) fn set_inputs(&mut self, inputs: Vec<crate::ir::InputSlot>) {
        self.graph.inputs = inputs;
    }

    /// Appends `op` with `width` and returns its new id.
    pub(crate) fn push(&mut self, op: Op, width: u32) -> NodeId {
        let id = NodeId(self.graph.nodes.len() as u32);
        self.graph.nodes.push(Node { op, width });
        id
    }

    /// Records that old node `old` is now `new`.
    pub(crate) fn set(&mut self, old: NodeId, new: NodeId) {
        self.map[old.index()] = Some(new);
    }

    /// The new id of old node `old`; an unmapped id maps to `u32::MAX`, which the
    /// verifier then reports (it can only happen through a pass bug).
    pub(crate) fn get(&self, old: NodeId) -> NodeId {
        self.map
            .get(old.index())
            .copied()
            .flatten()
            .unwrap_or(NodeId(u32::MAX))
    }

    /// `op` with operands renumbered into the new graph.
    pub(crate) fn remap(&self, op: &Op) -> Op {
        op.map_operands(|id| self.get(id))
    }

    /// The graph built so far.
    pub(crate) fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Finishes with `old`'s outputs remapped.
    pub(crate) fn finish(mut self, old: &Graph) -> Graph {
        let outputs = old
            .outputs
            .iter()
            .map(|o| crate::ir::Output {
                name: o.name.clone(),
                node: self.get(o.node),
            })
            .collect();
        self.graph.outputs = outputs;
        self.graph
    }
}
