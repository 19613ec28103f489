//! Shared test helpers: graph fixtures, a seeded RNG, random rows and output comparison.
#![allow(dead_code)]

use mlg_compiler::ir::{
    BinaryOp, CompareOp, Forest, Graph, GraphBuilder, InputSlot, NodeId, Op, SlotKind, TreeNode, TreeWalk,
    UnaryFn,
};

/// A small seeded xorshift generator (tests must be reproducible).
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value, zero included).
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Next raw 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.unit()
    }

    /// Uniform integer in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f32) -> bool {
        self.unit() < p
    }
}

/// `n` numeric input slots named `x0..`.
pub fn numeric_inputs(n: usize) -> Vec<InputSlot> {
    (0..n)
        .map(|i| InputSlot {
            name: format!("x{i}"),
            kind: SlotKind::Numeric,
        })
        .collect()
}

/// A categorical input slot with levels `a`, `b`, `c`.
pub fn categorical(name: &str) -> InputSlot {
    InputSlot {
        name: name.into(),
        kind: SlotKind::Categorical {
            levels: vec!["a".into(), "b".into(), "c".into()],
        },
    }
}

/// Random rows for `graph`: numeric slots uniform in `[-3, 3]`, categorical slots
/// codes `-1..=2`, and each value NaN with probability `nan`; `stride >= n_inputs`
/// (padding slots hold 1e30 so that reading them would show).
pub fn random_rows(graph: &Graph, rng: &mut Rng, n_rows: usize, stride: usize, nan: f32) -> Vec<f32> {
    let mut rows = vec![1e30f32; n_rows * stride];
    for r in 0..n_rows {
        for (s, slot) in graph.inputs.iter().enumerate() {
            rows[r * stride + s] = if rng.chance(nan) {
                f32::NAN
            } else {
                match slot.kind {
                    SlotKind::Numeric => rng.range(-3.0, 3.0),
                    SlotKind::Categorical { .. } => rng.below(4) as f32 - 1.0,
                    SlotKind::Date => rng.below(1 << 20) as f32,
                }
            };
        }
    }
    rows
}

/// `|a - b| <= 1e-5 * max(|a|, |b|) + 1e-6`, with NaN equal to NaN and equal infinities equal.
pub fn close(a: f32, b: f32) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    a == b || (a - b).abs() <= 1e-5 * a.abs().max(b.abs()) + 1e-6
}

/// Index and values of the first pair that is not [`close`], if any.
pub fn first_mismatch(a: &[f32], b: &[f32]) -> Option<(usize, f32, f32)> {
    assert_eq!(a.len(), b.len(), "output lengths differ");
    a.iter()
        .zip(b)
        .enumerate()
        .find(|(_, (x, y))| !close(**x, **y))
        .map(|(i, (x, y))| (i, *x, *y))
}

/// Bitwise-or-NaN equality of two output buffers.
pub fn identical(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()))
}

/// The benchmark-style graph: standardize 20 columns, affine 1x20, sigmoid,
/// `[1 - p, p]`, argmax; outputs `class` (1) and `proba` (2).
pub fn logistic_graph(n: usize, seed: u64) -> Graph {
    let mut rng = Rng::new(seed);
    let mut b = GraphBuilder::new("logistic", numeric_inputs(n));
    let xs: Vec<NodeId> = (0..n as u32).map(|s| b.input(s).expect("slot exists")).collect();
    let x = b.push(Op::Concat { parts: xs }).expect("concat");
    let mul = (0..n).map(|_| rng.range(0.2, 2.0)).collect();
    let add = (0..n).map(|_| rng.range(-1.0, 1.0)).collect();
    let z = b.push(Op::Scale { x, mul, add }).expect("scale");
    let weights = (0..n).map(|_| rng.range(-1.0, 1.0)).collect();
    let lin = b
        .push(Op::Affine {
            x: z,
            weights,
            bias: vec![0.25],
            missing: vec![],
        })
        .expect("affine");
    let p = b
        .push(Op::Unary {
            func: UnaryFn::Sigmoid,
            x: lin,
        })
        .expect("sigmoid");
    let one = b.push(Op::Const { values: vec![1.0] }).expect("const");
    let q = b.binary(BinaryOp::Sub, one, p).expect("sub");
    let proba = b.push(Op::Concat { parts: vec![q, p] }).expect("concat");
    let class = b.push(Op::Argmax { x: proba }).expect("argmax");
    b.output("class", class);
    b.output("proba", proba);
    b.finish().expect("valid graph")
}

/// Impute → standardize → logistic over two numeric columns plus a one-hot
/// categorical, the classic preprocessing chain that affine fusion collapses.
pub fn impute_scale_linear() -> Graph {
    let mut inputs = numeric_inputs(2);
    inputs.push(categorical("island"));
    let mut b = GraphBuilder::new("impute_scale_linear", inputs);
    let x0 = b.input(0).expect("slot");
    let x1 = b.input(1).expect("slot");
    let c = b.input(2).expect("slot");
    let f0 = b
        .push(Op::FillNan {
            x: x0,
            values: vec![1.5],
        })
        .expect("fill");
    let s0 = b
        .push(Op::Scale {
            x: f0,
            mul: vec![0.5],
            add: vec![-0.75],
        })
        .expect("scale");
    let nums = b.push(Op::Concat { parts: vec![s0, x1] }).expect("concat");
    let s1 = b
        .push(Op::Scale {
            x: nums,
            mul: vec![1.0, 2.0],
            add: vec![0.0, -1.0],
        })
        .expect("scale");
    let f1 = b
        .push(Op::FillNan {
            x: s1,
            values: vec![f32::NAN, 0.0],
        })
        .expect("fill");
    let oh = b
        .push(Op::OneHot {
            x: c,
            codes: vec![0.0, 1.0, 2.0],
        })
        .expect("one_hot");
    let x = b.push(Op::Concat { parts: vec![f1, oh] }).expect("concat");
    let weights = vec![0.5, -1.25, 0.3, 0.2, -0.1, 1.0, -0.5, 0.25, 0.75, 0.1];
    let lin = b
        .push(Op::Affine {
            x,
            weights,
            bias: vec![0.1, -0.2],
            missing: vec![],
        })
        .expect("affine");
    let proba = b.push(Op::Softmax { x: lin }).expect("softmax");
    let class = b.push(Op::Argmax { x: proba }).expect("argmax");
    b.output("class", class);
    b.output("proba", proba);
    b.finish().expect("valid graph")
}

/// Runs `graph` through the reference interpreter on `n_rows` rows.
pub fn interpret(graph: &Graph, rows: &[f32], n_rows: usize, stride: usize) -> Vec<f32> {
    let mut out = vec![0.0; n_rows * graph.n_outputs()];
    mlg_compiler::ir::interp::eval_rows(graph, rows, n_rows, stride, &mut out);
    out
}

/// A random verified graph over 1–4 input slots (the last may be categorical)
/// with 3–14 random ops drawn from every op kind, random constants (sometimes NaN
/// fill values, `missing` defaults and lookup entries; sometimes integral bucket
/// edges) and one or two outputs.
pub fn random_graph(seed: u64) -> Graph {
    let mut rng = Rng::new(seed);
    let n_in = 1 + rng.below(4);
    let mut inputs = numeric_inputs(n_in);
    if n_in > 1 && rng.chance(0.5) {
        inputs[n_in - 1] = categorical("cat");
    }
    let mut b = GraphBuilder::new("random", inputs);
    let mut nodes: Vec<NodeId> = (0..n_in as u32)
        .map(|s| b.input(s).expect("slot exists"))
        .collect();
    let n_ops = 3 + rng.below(12);
    for _ in 0..n_ops {
        let x = nodes[rng.below(nodes.len())];
        let w = b.width(x) as usize;
        let consts = |rng: &mut Rng, n: usize, nan: f32| -> Vec<f32> {
            (0..n)
                .map(|_| {
                    if rng.chance(nan) {
                        f32::NAN
                    } else {
                        rng.range(-2.0, 2.0)
                    }
                })
                .collect()
        };
        // Nodes that can pair elementwise with `x`: same width, width 1, or any when `x` is 1.
        let fits: Vec<NodeId> = nodes
            .iter()
            .copied()
            .filter(|n| b.width(*n) == w as u32 || b.width(*n) == 1 || w == 1)
            .collect();
        // Nodes that can join `x` in a select of width `w`: width `w` or 1.
        let joins: Vec<NodeId> = nodes
            .iter()
            .copied()
            .filter(|n| b.width(*n) == w as u32 || b.width(*n) == 1)
            .collect();
        let width_one: Vec<NodeId> = nodes.iter().copied().filter(|n| b.width(*n) == 1).collect();
        let op = match rng.below(18) {
            0 => Op::FillNan {
                x,
                values: consts(&mut rng, w, 0.2),
            },
            1 => Op::Scale {
                x,
                mul: consts(&mut rng, w, 0.0),
                add: consts(&mut rng, w, 0.0),
            },
            2 => {
                let w1 = nodes
                    .iter()
                    .copied()
                    .filter(|n| b.width(*n) == 1)
                    .collect::<Vec<_>>();
                let x = w1[rng.below(w1.len())];
                Op::OneHot {
                    x,
                    codes: (0..1 + rng.below(3)).map(|c| c as f32).collect(),
                }
            }
            3 => {
                let k = 1 + rng.below(3);
                Op::Concat {
                    parts: (0..k).map(|_| nodes[rng.below(nodes.len())]).collect(),
                }
            }
            4 | 5 => {
                let rows = 1 + rng.below(3);
                let missing = if rng.chance(0.5) {
                    consts(&mut rng, w, 0.3)
                } else {
                    Vec::new()
                };
                Op::Affine {
                    x,
                    weights: consts(&mut rng, rows * w, 0.0),
                    bias: consts(&mut rng, rows, 0.0),
                    missing,
                }
            }
            6 => {
                let func = [UnaryFn::Sigmoid, UnaryFn::Exp, UnaryFn::Neg, UnaryFn::Abs][rng.below(4)];
                Op::Unary { func, x }
            }
            7 | 12 => {
                let other = fits[rng.below(fits.len())];
                let op = if rng.chance(0.5) {
                    [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div][rng.below(4)]
                } else {
                    [BinaryOp::Min, BinaryOp::Max, BinaryOp::Pow][rng.below(3)]
                };
                if rng.chance(0.5) {
                    Op::Binary { op, a: x, b: other }
                } else {
                    Op::Binary { op, a: other, b: x }
                }
            }
            8 => Op::Softmax { x },
            9 => Op::Argmax { x },
            11 => {
                let func = [UnaryFn::Log, UnaryFn::Log1p, UnaryFn::Sqrt][rng.below(3)];
                Op::Unary { func, x }
            }
            13 => {
                let other = fits[rng.below(fits.len())];
                let op = [
                    CompareOp::Lt,
                    CompareOp::Le,
                    CompareOp::Gt,
                    CompareOp::Ge,
                    CompareOp::Eq,
                    CompareOp::Ne,
                ][rng.below(6)];
                if rng.chance(0.5) {
                    Op::Compare { op, a: x, b: other }
                } else {
                    Op::Compare { op, a: other, b: x }
                }
            }
            14 => {
                let cond = joins[rng.below(joins.len())];
                let other = joins[rng.below(joins.len())];
                Op::Select { cond, a: x, b: other }
            }
            15 => {
                // Integral edges sometimes, so that codes and compare results hit them exactly.
                let mut edges: Vec<f32> = (0..rng.below(5))
                    .map(|_| {
                        if rng.chance(0.4) {
                            rng.below(4) as f32 - 1.0
                        } else {
                            rng.range(-3.0, 3.0)
                        }
                    })
                    .collect();
                edges.sort_by(f32::total_cmp);
                Op::Bucketize { x, edges }
            }
            16 => {
                let x = width_one[rng.below(width_one.len())];
                let n = rng.below(5);
                Op::Lookup {
                    x,
                    table: consts(&mut rng, n, 0.1),
                    default: if rng.chance(0.2) {
                        f32::NAN
                    } else {
                        rng.range(-2.0, 2.0)
                    },
                }
            }
            _ => {
                let n = 1 + rng.below(3);
                Op::Const {
                    values: consts(&mut rng, n, 0.0),
                }
            }
        };
        nodes.push(b.push(op).expect("generator builds valid ops"));
    }
    let last = *nodes.last().expect("at least the inputs");
    b.output("y", last);
    if rng.chance(0.5) {
        let other = nodes[rng.below(nodes.len())];
        b.output("z", other);
    }
    b.finish().expect("generator builds valid graphs")
}

/// A random forest over `d` features with `k` outputs: `n_trees` trees of
/// depth up to `max_depth`, thresholds sometimes NaN, infinite or integral so
/// rows hit them exactly, leaf values of mixed magnitudes.
pub fn random_forest(rng: &mut Rng, d: usize, k: usize, n_trees: usize, max_depth: usize) -> Forest {
    fn grow(f: &mut Forest, rng: &mut Rng, d: usize, depth: usize) -> u32 {
        let at = f.nodes.len();
        let k = f.width();
        if depth == 0 || rng.chance(0.3) {
            f.nodes.push(TreeNode::Leaf {
                value: f.leaves.len() as u32,
            });
            for _ in 0..k {
                let v = match rng.below(3) {
                    0 => rng.range(-1e6, 1e6),
                    1 => rng.range(-1e-3, 1e-3),
                    _ => rng.range(-1.0, 1.0),
                };
                f.leaves.push(v);
            }
            return at as u32;
        }
        f.nodes.push(TreeNode::Leaf { value: 0 });
        let left = grow(f, rng, d, depth - 1);
        let right = grow(f, rng, d, depth - 1);
        let threshold = match rng.below(10) {
            0 => f32::NAN,
            1 => f32::INFINITY,
            2 => f32::NEG_INFINITY,
            3..=5 => rng.below(5) as f32 - 2.0,
            _ => rng.range(-3.0, 3.0),
        };
        f.nodes[at] = TreeNode::Split {
            feature: rng.below(d) as u32,
            threshold,
            missing_left: rng.chance(0.5),
            left,
            right,
        };
        at as u32
    }
    let mut forest = Forest {
        nodes: Vec::new(),
        roots: Vec::new(),
        leaves: Vec::new(),
        base: (0..k).map(|_| rng.range(-1.0, 1.0)).collect(),
    };
    for _ in 0..n_trees {
        forest.roots.push(forest.nodes.len() as u32);
        let depth = rng.below(max_depth + 1);
        grow(&mut forest, rng, d, depth);
    }
    assert_eq!(forest.check(d), Ok(()));
    forest
}

/// A depth-2 tree with 3 leaves: x0 <= 0.5 ? (x1 <= -1, NaN left ? 1 : 2) : 3.
pub fn tiny_forest() -> Forest {
    Forest {
        nodes: vec![
            TreeNode::Split {
                feature: 0,
                threshold: 0.5,
                missing_left: false,
                left: 1,
                right: 4,
            },
            TreeNode::Split {
                feature: 1,
                threshold: -1.0,
                missing_left: true,
                left: 2,
                right: 3,
            },
            TreeNode::Leaf { value: 0 },
            TreeNode::Leaf { value: 1 },
            TreeNode::Leaf { value: 2 },
        ],
        roots: vec![0],
        leaves: vec![1.0, 2.0, 3.0],
        base: vec![0.0],
    }
}

/// Graph `name`: `x = concat(d numeric inputs)`, `y = trees(x)` walked as
/// `walk`; output `y`.
pub fn trees_graph(name: &str, d: usize, forest: Forest, walk: TreeWalk) -> Graph {
    let mut b = GraphBuilder::new(name, numeric_inputs(d));
    let parts = (0..d as u32).map(|s| b.input(s).expect("input")).collect();
    let x = b.push(Op::Concat { parts }).expect("concat");
    let y = b
        .push(Op::Trees {
            x,
            forest: Box::new(forest),
            walk,
        })
        .expect("trees");
    b.output("y", y);
    b.finish().expect("valid graph")
}
