//! Optimizer passes over the inference IR and the driver that runs them in order,
//! verifying the graph before the pipeline and after every pass.
//!
//! A pass takes the graph by value and returns it wrapped in [`Transformed`],
//! saying itself whether it changed anything (DataFusion's `Transformed`
//! pattern): `changed == false` means the returned graph is the input, as it
//! was (a pass with nothing to do hands its input back without rebuilding it);
//! `changed == true` means the returned graph differs from the input (a
//! different structure, op or constant bit pattern; only NaN payloads are not
//! told apart). The pipeline takes that report as it is, with no comparison
//! of its own: it copies graphs only when its caller asks for the per-pass
//! trace ([`Pipeline::run`], whose steps `mlg explain --passes` prints, the
//! "unchanged" lines coming from the reports), while [`Pipeline::optimize`]
//! copies none. It still verifies the graph after every pass. Debug builds
//! also keep the graph before each pass and check the report against it,
//! panicking with the pass's name on a wrong one.

pub mod affine_fusion;
pub mod column_pruning;
pub mod common_subexpressions;
pub mod constant_folding;
pub mod dead_nodes;
pub mod int8_compute;
#[cfg(feature = "low-rank")]
pub mod low_rank;
pub mod prune_magnitude;
pub mod prune_neurons;
pub mod quantize_int8;
pub mod quantize_trees;
pub mod tree_inputs;
pub mod tree_layout;

use thiserror::Error;

use crate::ir::{verify, Graph, Node, NodeId, Op, VerifyError};

pub use affine_fusion::AffineFusion;
pub use column_pruning::ColumnPruning;
pub use common_subexpressions::CommonSubexpressions;
pub use constant_folding::ConstantFolding;
pub use dead_nodes::DeadNodes;
pub use int8_compute::{Calibration, Int8Compute};
#[cfg(feature = "low-rank")]
pub use low_rank::{LowRank, Rank};
pub use prune_magnitude::PruneMagnitude;
pub use prune_neurons::PruneNeurons;
pub use quantize_int8::QuantizeInt8;
pub use quantize_trees::QuantizeTrees;
pub use tree_inputs::TreeInputs;
pub use tree_layout::TreeLayout;

/// A graph-to-graph rewrite that preserves the interpreter's meaning.
///
/// Contract: `rewrite` receives a graph that verifies and returns a graph, in
/// topological order, with the same name, input slots and output names and widths,
/// whose interpreter outputs agree with the input's on every row (up to `f32`
/// rounding where a pass says so). A pass never panics on a verified graph. The one
/// exception to "same input slots" is [`ColumnPruning`], which keeps a subsequence
/// of them (rows are then encoded by slot name for the new inputs). The opt-in
/// compression transforms ([`transform`]: [`QuantizeInt8`], [`Int8Compute`],
/// [`PruneMagnitude`], [`PruneNeurons`], `LowRank`) are lossy by design and state how far outputs may move;
/// they keep every other part of the contract.
///
/// The result says whether the pass changed the graph: [`Transformed::no`]
/// only with the input graph itself, untouched; [`Transformed::yes`] only with
/// a graph that differs from it (see the module docs). `mlg explain --passes`
/// prints "unchanged" from this report.
pub trait Pass: Send + Sync {
    /// Stable name used in errors, `mlg explain` and snapshots.
    fn name(&self) -> &'static str;
    /// Rewrites `graph` into an equivalent graph and reports whether it
    /// changed anything.
    fn rewrite(&self, graph: Graph) -> Transformed<Graph>;
    /// [`Pass::rewrite`] on a copy of `graph`, keeping only the result: for
    /// callers that keep their graph (tests, one-off rewrites). The pipeline
    /// never calls it.
    fn run(&self, graph: &Graph) -> Graph {
        self.rewrite(graph.clone()).data
    }
}

/// A value a pass may have rewritten, and whether it did (DataFusion's
/// `Transformed`, without its recursion control).
#[derive(Debug, Clone, PartialEq)]
pub struct Transformed<T> {
    /// The value after the pass: the input itself when `changed` is false.
    pub data: T,
    /// Whether `data` differs from the input.
    pub changed: bool,
}

impl<T> Transformed<T> {
    /// `data` with an explicit `changed` flag.
    pub fn new(data: T, changed: bool) -> Self {
        Transformed { data, changed }
    }

    /// `data`, which differs from the input.
    pub fn yes(data: T) -> Self {
        Transformed::new(data, true)
    }

    /// `data`, which is the input, unchanged.
    pub fn no(data: T) -> Self {
        Transformed::new(data, false)
    }
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

/// One pass of a traced pipeline run ([`Pipeline::run`]): its name, whether it
/// changed the graph (the pass's own [`Transformed`] report), the result.
#[derive(Debug, Clone, PartialEq)]
pub struct PassStep {
    /// The pass's [`Pass::name`].
    pub pass: &'static str,
    /// Whether the pass changed the graph; when false, `after` equals the
    /// previous step's graph (or the input).
    pub changed: bool,
    /// The graph after the pass (a copy, kept for the trace).
    pub after: Graph,
}

/// The result of a traced pipeline run: the final graph and every intermediate step.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimized {
    /// The graph after the last pass.
    pub graph: Graph,
    /// One step per pass, in order.
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

    /// `transforms` in order (see [`transform`]), then the default passes.
    ///
    /// The transforms run first, on the model's own weights: after affine
    /// fusion has folded standardisation into a layer, its weights span the
    /// inputs' raw scales (a column with a standard deviation of 0.003 gets
    /// weights 300x larger), so one int8 scale per row or one magnitude
    /// threshold would zero the columns with large raw values. Fusion then
    /// still folds what it can (a pruned weight stays zero).
    pub fn with_transforms(transforms: Vec<Box<dyn Pass>>) -> Pipeline {
        let mut passes = transforms;
        passes.extend(Pipeline::default().passes);
        Pipeline { passes }
    }

    /// The pass names, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.passes.iter().map(|p| p.name()).collect()
    }

    /// Verifies `graph`, then runs every pass in order, verifying after each; the
    /// first invalid graph is reported with the name of the pass that produced it.
    /// Records every step with a copy of its graph (what `mlg explain --passes`
    /// prints); [`Pipeline::optimize`] is the same run without the trace.
    pub fn run(&self, graph: &Graph) -> Result<Optimized, PassError> {
        let mut steps = Vec::with_capacity(self.passes.len());
        let graph = self.drive(graph.clone(), Some(&mut steps))?;
        Ok(Optimized { graph, steps })
    }

    /// [`Pipeline::run`] without the trace: the final graph only. Copies no
    /// graph (a pass with nothing to do hands its input back), except that
    /// debug builds keep the graph before each pass to check its report.
    pub fn optimize(&self, graph: Graph) -> Result<Graph, PassError> {
        self.drive(graph, None)
    }

    /// Verifies `graph`, runs every pass, verifying after each, and pushes a
    /// step per pass onto `trace` when given.
    fn drive(&self, graph: Graph, mut trace: Option<&mut Vec<PassStep>>) -> Result<Graph, PassError> {
        verify(&graph).map_err(|source| PassError {
            pass: "<input>",
            source,
        })?;
        let mut current = graph;
        for pass in &self.passes {
            #[cfg(debug_assertions)]
            let before = current.clone();
            let Transformed { data, changed } = pass.rewrite(current);
            #[cfg(debug_assertions)]
            check_report(pass.name(), &before, &data, changed);
            verify(&data).map_err(|source| PassError {
                pass: pass.name(),
                source,
            })?;
            if let Some(steps) = trace.as_deref_mut() {
                steps.push(PassStep {
                    pass: pass.name(),
                    changed,
                    after: data.clone(),
                });
            }
            current = data;
        }
        Ok(current)
    }
}

/// Debug builds: panics, naming `pass`, when its report `changed` is wrong:
/// "unchanged" with a graph that is not [`same_graph`] as `before`, or
/// "changed" with a graph [`identical`] to it (`mlg explain --passes` would
/// print an "after" section that shows no change).
#[cfg(debug_assertions)]
fn check_report(pass: &str, before: &Graph, after: &Graph, changed: bool) {
    if changed {
        assert!(
            !identical(before, after),
            "pass `{pass}` reported a change but returned an identical graph"
        );
    } else {
        assert!(
            same_graph(before, after),
            "pass `{pass}` reported no change but returned a different graph"
        );
    }
}

/// Whether `a` and `b` are the same graph down to the bits of every constant
/// (`-0.0` differs from `0.0`), NaN payloads aside: their debug forms agree.
#[cfg(debug_assertions)]
fn identical(a: &Graph, b: &Graph) -> bool {
    a.name == b.name
        && a.nodes.len() == b.nodes.len()
        && a.inputs == b.inputs
        && a.outputs == b.outputs
        && format!("{a:?}") == format!("{b:?}")
}

/// The names [`transform`] accepts, in the order its error lists them.
pub const TRANSFORM_NAMES: [&str; 7] = [
    "quantize-int8",
    "quantize-f16",
    "quantize-int8-dynamic",
    "quantize-int8-static",
    "prune-magnitude",
    "prune-neurons",
    "low-rank",
];

/// The opt-in compression transform called `name`: `"quantize-int8"`
/// ([`QuantizeInt8`], takes no amount), `"quantize-f16"` ([`QuantizeTrees`]
/// with `f16` leaves, takes no amount), `"quantize-int8-dynamic"`
/// ([`Int8Compute`] without calibration, takes no amount; the static form
/// needs training rows, so callers build [`Int8Compute`] themselves and this
/// refuses `"quantize-int8-static"`), `"prune-magnitude"` ([`PruneMagnitude`])
/// or `"prune-neurons"` ([`PruneNeurons`]), whose `amount` (the fraction to
/// prune) is required and must satisfy `0 < amount < 1`, or `"low-rank"`
/// (`LowRank`, with the `low-rank` feature), whose `amount` is a whole rank
/// `>= 1` or an energy share in `(0, 1)`. Any other name, a missing or
/// out-of-range amount, or an amount given to `quantize-int8` is an error
/// message naming the problem (and, for an unknown name, the known ones).
pub fn transform(name: &str, amount: Option<f64>) -> Result<Box<dyn Pass>, String> {
    let fraction = || match amount {
        Some(a) if a > 0.0 && a < 1.0 => Ok(a),
        Some(a) => Err(format!(
            "transform `{name}` takes a fraction strictly between 0 and 1, got {a}"
        )),
        None => Err(format!(
            "transform `{name}` needs an amount: the fraction to prune, between 0 and 1"
        )),
    };
    match name {
        "quantize-int8" => match amount {
            None => Ok(Box::new(QuantizeInt8)),
            Some(a) => Err(format!("transform `{name}` takes no amount, got {a}")),
        },
        "quantize-f16" => match amount {
            None => Ok(Box::new(QuantizeTrees {
                format: crate::ir::qtrees::LeafFormat::F16,
            })),
            Some(a) => Err(format!("transform `{name}` takes no amount, got {a}")),
        },
        "quantize-int8-dynamic" => match amount {
            None => Ok(Box::new(Int8Compute::default())),
            Some(a) => Err(format!("transform `{name}` takes no amount, got {a}")),
        },
        "quantize-int8-static" => Err(format!(
            "transform `{name}` calibrates on training rows, which only a fitted model has: \
             use `quantize(\"int8\", calibrate = n)` in a `compress` statement"
        )),
        "prune-magnitude" => Ok(Box::new(PruneMagnitude {
            fraction: fraction()?,
        })),
        "prune-neurons" => Ok(Box::new(PruneNeurons {
            fraction: fraction()?,
        })),
        "low-rank" => low_rank_transform(amount),
        _ => Err(format!(
            "unknown transform `{name}`; known transforms: {}",
            TRANSFORM_NAMES.join(", ")
        )),
    }
}

/// [`transform`]'s `low-rank`: a whole `amount >= 1` is a fixed rank, one in
/// `(0, 1)` an energy share.
#[cfg(feature = "low-rank")]
fn low_rank_transform(amount: Option<f64>) -> Result<Box<dyn Pass>, String> {
    let rank = match amount {
        Some(a) if a > 0.0 && a < 1.0 => Rank::Energy(a),
        Some(a) if a >= 1.0 && a.fract() == 0.0 && a <= f64::from(u32::MAX) => Rank::Fixed(a as usize),
        Some(a) => {
            return Err(format!(
                "transform `low-rank` takes a whole rank of at least 1 or an energy share strictly \
                 between 0 and 1, got {a}"
            ))
        }
        None => {
            return Err(
                "transform `low-rank` needs a rank (e.g. low-rank=16) or an energy share \
                        (e.g. low-rank=0.95)"
                    .into(),
            )
        }
    };
    Ok(Box::new(LowRank { rank }))
}

/// Without the `low-rank` feature there is no SVD.
#[cfg(not(feature = "low-rank"))]
fn low_rank_transform(_amount: Option<f64>) -> Result<Box<dyn Pass>, String> {
    Err("transform `low-rank` needs mlg-compiler's `low-rank` feature".into())
}

/// The "model size" reports show: `(bytes, nonzero_weights)`.
///
/// `bytes` counts the fitted constants the compiled code stores: 4 per `f32`
/// (affine bias and `missing`, `const`, `fill_nan`, `scale` `mul` and `add`,
/// one-hot codes, bucket edges, lookup table and default, kNN training values,
/// tree leaves, base and roots, 16 per tree node), 4 per nonzero `affine`
/// weight, and for `qaffine` and `i8affine` 1 per nonzero `i8` weight plus 4
/// per scale, bias and `missing` value. Zero weights are not counted: the backends emit no code
/// or data for them. `nonzero_weights` counts the nonzero weights of every
/// `affine`, `qaffine` and `i8affine`.
pub fn parameter_bytes(graph: &Graph) -> (usize, usize) {
    let (mut bytes, mut nonzero) = (0usize, 0usize);
    for node in &graph.nodes {
        let floats = match &node.op {
            Op::Input { .. } | Op::Concat { .. } => 0,
            Op::Unary { .. } | Op::Binary { .. } | Op::Compare { .. } | Op::Select { .. } => 0,
            Op::Softmax { .. } | Op::Argmax { .. } => 0,
            Op::Const { values } | Op::FillNan { values, .. } => values.len(),
            Op::Scale { mul, add, .. } => mul.len() + add.len(),
            Op::OneHot { codes, .. } => codes.len(),
            Op::Affine {
                weights,
                bias,
                missing,
                ..
            } => {
                let n = weights.iter().filter(|&&w| w != 0.0).count();
                nonzero += n;
                n + bias.len() + missing.len()
            }
            Op::QuantAffine {
                weights,
                scales,
                bias,
                missing,
                ..
            }
            | Op::Int8Affine {
                weights,
                scales,
                bias,
                missing,
                ..
            } => {
                let n = weights.iter().filter(|&&q| q != 0).count();
                nonzero += n;
                bytes += n;
                scales.len() + bias.len() + missing.len()
            }
            Op::Bucketize { edges, .. } => edges.len(),
            Op::Lookup { table, .. } => table.len() + 1,
            Op::KnnImpute { train, .. } => train.len(),
            Op::Trees { forest, .. } => {
                bytes += 16 * forest.nodes.len();
                forest.leaves.len() + forest.base.len() + forest.roots.len()
            }
            Op::QuantTrees { forest, .. } => {
                // 8-byte node records, as the compiled table walk stores them.
                bytes += 8 * forest.nodes.len() + forest.leaves.bytes_per_value() * forest.leaves.len();
                let scales = match &forest.leaves {
                    crate::ir::QuantLeaves::Int8 { scales, .. } => scales.len(),
                    crate::ir::QuantLeaves::F16(_) => 0,
                };
                forest.edges.iter().map(Vec::len).sum::<usize>()
                    + scales
                    + forest.base.len()
                    + forest.roots.len()
            }
        };
        bytes += 4 * floats;
    }
    (bytes, nonzero)
}

/// Structural equality where NaN constants equal NaN (`Graph`'s `PartialEq`
/// follows `f32` and would call any graph holding a NaN fill value changed).
/// The pipeline no longer uses it to tell changes (passes report them,
/// [`Transformed`]); it remains for tests and the debug-build check.
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
