//! Optimizer passes over the inference IR.
