//! The reference interpreter as an [`Executable`] backend: the oracle for tests.

use super::{check_buffers, ExecError, Executable};
use crate::ir::{interp, verify, Graph, VerifyError};

/// Runs a graph row by row with [`interp::eval_row`].
#[derive(Clone, Debug)]
pub struct Interpreter {
    graph: Graph,
}

impl Interpreter {
    /// An interpreter for `graph`, refused when the graph does not verify.
    pub fn new(graph: Graph) -> Result<Self, VerifyError> {
        verify(&graph)?;
        Ok(Interpreter { graph })
    }

    /// The graph being interpreted.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }
}

impl Executable for Interpreter {
    fn n_inputs(&self) -> usize {
        self.graph.n_inputs()
    }

    fn n_outputs(&self) -> usize {
        self.graph.n_outputs()
    }

    fn run(&self, input: &[f32], n_rows: usize, row_stride: usize, out: &mut [f32]) -> Result<(), ExecError> {
        check_buffers(self, input, n_rows, row_stride, out)?;
        interp::eval_rows(&self.graph, input, n_rows, row_stride, out);
        Ok(())
    }
}
