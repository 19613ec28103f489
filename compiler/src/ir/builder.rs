//! Appends nodes to an inference graph in topological order, computing widths.

use super::verify::{op_width, VerifyError};
use super::{BinaryOp, Graph, InputSlot, Node, NodeId, Op, Output};

/// Builds a [`Graph`]; every pushed op's operands must already exist, so the
/// topological-order invariant holds by construction.
#[derive(Clone, Debug)]
pub struct GraphBuilder {
    graph: Graph,
}

impl GraphBuilder {
    /// A graph named `name` over the given input slots, with no nodes yet.
    pub fn new(name: impl Into<String>, inputs: Vec<InputSlot>) -> Self {
        GraphBuilder {
            graph: Graph {
                name: name.into(),
                inputs,
                nodes: Vec::new(),
                outputs: Vec::new(),
            },
        }
    }

    /// Appends `op` and returns its id; fails when operands are missing or widths disagree.
    pub fn push(&mut self, op: Op) -> Result<NodeId, VerifyError> {
        let id = NodeId(self.graph.nodes.len() as u32);
        let width = op_width(&self.graph, id, &op)?;
        self.graph.nodes.push(Node { op, width });
        Ok(id)
    }

    /// `Input { slot }`.
    pub fn input(&mut self, slot: u32) -> Result<NodeId, VerifyError> {
        self.push(Op::Input { slot })
    }

    /// `Binary { op, a, b }`.
    pub fn binary(&mut self, op: BinaryOp, a: NodeId, b: NodeId) -> Result<NodeId, VerifyError> {
        self.push(Op::Binary { op, a, b })
    }

    /// Width of an existing node.
    pub fn width(&self, id: NodeId) -> u32 {
        self.graph.node(id).width
    }

    /// The graph built so far.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Appends a named output.
    pub fn output(&mut self, name: impl Into<String>, node: NodeId) {
        self.graph.outputs.push(Output {
            name: name.into(),
            node,
        });
    }

    /// Finishes the graph and verifies it.
    pub fn finish(self) -> Result<Graph, VerifyError> {
        super::verify(&self.graph)?;
        Ok(self.graph)
    }
}
