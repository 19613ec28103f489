//! The workflow graph: checked stages as nodes, "is consumed by" as edges, on petgraph.

use super::stage::Stage;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

/// A stage's id in its workflow [`Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(NodeIndex);

impl NodeId {
    /// Position of the stage in statement order.
    pub fn index(self) -> usize {
        self.0.index()
    }
}

/// Stages of one workflow and the data dependencies between them. Invariant:
/// acyclic (the checker rejects cycles before building it) and `order` is a
/// topological order that keeps statement order among independent stages.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    inner: DiGraph<Stage, ()>,
    order: Vec<NodeId>,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds a stage; ids are handed out in insertion order.
    pub fn add_stage(&mut self, stage: Stage) -> NodeId {
        NodeId(self.inner.add_node(stage))
    }

    /// Records that `to` consumes what `from` produces.
    pub fn add_edge(&mut self, from: NodeId, to: NodeId) {
        if self.inner.find_edge(from.0, to.0).is_none() {
            self.inner.add_edge(from.0, to.0, ());
        }
    }

    /// The stage with id `id`.
    pub fn stage(&self, id: NodeId) -> &Stage {
        &self.inner[id.0]
    }

    /// The stage named `name`.
    pub fn find(&self, name: &str) -> Option<NodeId> {
        self.inner
            .node_indices()
            .find(|&i| self.inner[i].name == name)
            .map(NodeId)
    }

    /// Stages `id` consumes, in insertion order.
    pub fn inputs(&self, id: NodeId) -> Vec<NodeId> {
        let mut ids: Vec<NodeId> = self
            .inner
            .neighbors_directed(id.0, Direction::Incoming)
            .map(NodeId)
            .collect();
        ids.sort();
        ids
    }

    /// Every edge `(from, to)`, sorted.
    pub fn edges(&self) -> Vec<(NodeId, NodeId)> {
        let mut edges: Vec<(NodeId, NodeId)> = self
            .inner
            .edge_indices()
            .filter_map(|e| self.inner.edge_endpoints(e))
            .map(|(a, b)| (NodeId(a), NodeId(b)))
            .collect();
        edges.sort();
        edges
    }

    /// Number of stages.
    pub fn len(&self) -> usize {
        self.inner.node_count()
    }

    /// True when there are no stages.
    pub fn is_empty(&self) -> bool {
        self.inner.node_count() == 0
    }

    /// Stages in topological order (statement order among independent stages).
    pub fn order(&self) -> &[NodeId] {
        &self.order
    }

    /// Computes the topological order; returns the stages on a cycle if there is one.
    pub fn sort(&mut self) -> Result<(), Vec<NodeId>> {
        match topo_order(&self.inner) {
            Ok(order) => {
                self.order = order.into_iter().map(NodeId).collect();
                Ok(())
            }
            Err(cycle) => Err(cycle.into_iter().map(NodeId).collect()),
        }
    }
}

/// Kahn's algorithm taking the lowest ready index first, so independent nodes keep
/// insertion order. On a cycle, returns the nodes of one strongly connected
/// component that forms it, sorted.
pub(crate) fn topo_order<N>(graph: &DiGraph<N, ()>) -> Result<Vec<NodeIndex>, Vec<NodeIndex>> {
    let n = graph.node_count();
    let mut indegree: Vec<usize> = graph
        .node_indices()
        .map(|i| graph.neighbors_directed(i, Direction::Incoming).count())
        .collect();
    let mut ready: std::collections::BTreeSet<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(NodeIndex::new(i));
        for next in graph.neighbors_directed(NodeIndex::new(i), Direction::Outgoing) {
            indegree[next.index()] -= 1;
            if indegree[next.index()] == 0 {
                ready.insert(next.index());
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    let mut cycle = petgraph::algo::tarjan_scc(graph)
        .into_iter()
        .find(|scc| scc.len() > 1 || graph.find_edge(scc[0], scc[0]).is_some())
        .unwrap_or_default();
    cycle.sort();
    Err(cycle)
}
