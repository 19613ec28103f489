//! Shared fixtures: tiny hand-built graphs and artifacts.
#![allow(dead_code)]

use mlg_compiler::ir::{BinaryOp, Graph, GraphBuilder, InputSlot, Op, SlotKind, UnaryFn};
use mlg_runtime::Artifact;
use std::collections::BTreeMap;

/// Slots `x` (numeric) and `color` (categorical: blue, red).
pub fn slots() -> Vec<InputSlot> {
    vec![
        InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        },
        InputSlot {
            name: "color".into(),
            kind: SlotKind::Categorical {
                levels: vec!["blue".into(), "red".into()],
            },
        },
    ]
}

/// A binary classifier: z = x + 2000*[red] - 1000 (missing x counts as 0),
/// proba = [1 - sigmoid(z), sigmoid(z)], class = argmax(proba).
pub fn classifier_graph() -> Graph {
    let mut b = GraphBuilder::new("clf", slots());
    let x = b.input(0).unwrap();
    let color = b.input(1).unwrap();
    let onehot = b
        .push(Op::OneHot {
            x: color,
            codes: vec![0.0, 1.0],
        })
        .unwrap();
    let features = b
        .push(Op::Concat {
            parts: vec![x, onehot],
        })
        .unwrap();
    let z = b
        .push(Op::Affine {
            x: features,
            weights: vec![1.0, 0.0, 2000.0],
            bias: vec![-1000.0],
            missing: vec![0.0, f32::NAN, f32::NAN],
        })
        .unwrap();
    let p1 = b
        .push(Op::Unary {
            func: UnaryFn::Sigmoid,
            x: z,
        })
        .unwrap();
    let one = b.push(Op::Const { values: vec![1.0] }).unwrap();
    let p0 = b.binary(BinaryOp::Sub, one, p1).unwrap();
    let proba = b.push(Op::Concat { parts: vec![p0, p1] }).unwrap();
    let class = b.push(Op::Argmax { x: proba }).unwrap();
    b.output("class", class);
    b.output("proba", proba);
    b.finish().unwrap()
}

/// A regressor: prediction = 2x + 1, missing x counts as 0.
pub fn regressor_graph() -> Graph {
    let inputs = vec![InputSlot {
        name: "x".into(),
        kind: SlotKind::Numeric,
    }];
    let mut b = GraphBuilder::new("reg", inputs);
    let x = b.input(0).unwrap();
    let y = b
        .push(Op::Affine {
            x,
            weights: vec![2.0],
            bias: vec![1.0],
            missing: vec![0.0],
        })
        .unwrap();
    b.output("prediction", y);
    b.finish().unwrap()
}

/// The classifier wrapped as an artifact with classes `no`, `yes`.
pub fn classifier() -> Artifact {
    let mut metrics = BTreeMap::new();
    metrics.insert("accuracy".to_string(), 0.875);
    Artifact {
        name: "clf".into(),
        workflow: "toy".into(),
        task: "classification".into(),
        target: "label".into(),
        classes: vec!["no".into(), "yes".into()],
        graph: classifier_graph(),
        metrics,
        mlg_version: "0.1.0".into(),
        profile: Default::default(),
        lineage: Default::default(),
        monitor: None,
        quality: None,
    }
}

/// The regressor wrapped as an artifact.
pub fn regressor() -> Artifact {
    Artifact {
        name: "reg".into(),
        workflow: "toy".into(),
        task: "regression".into(),
        target: "y".into(),
        classes: Vec::new(),
        graph: regressor_graph(),
        metrics: BTreeMap::new(),
        mlg_version: "0.1.0".into(),
        profile: Default::default(),
        lineage: Default::default(),
        monitor: None,
        quality: None,
    }
}

/// A regressor over `x` and `z`: prediction = 2x + 3z + 1, where a missing `x`
/// counts as 0 and a missing `z` has no imputation (the output is NaN).
pub fn partial_imputer() -> Artifact {
    let inputs = vec![
        InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        },
        InputSlot {
            name: "z".into(),
            kind: SlotKind::Numeric,
        },
    ];
    let mut b = GraphBuilder::new("partial", inputs);
    let x = b.input(0).unwrap();
    let z = b.input(1).unwrap();
    let both = b.push(Op::Concat { parts: vec![x, z] }).unwrap();
    let y = b
        .push(Op::Affine {
            x: both,
            weights: vec![2.0, 3.0],
            bias: vec![1.0],
            missing: vec![0.0, f32::NAN],
        })
        .unwrap();
    b.output("prediction", y);
    Artifact {
        name: "partial".into(),
        graph: b.finish().unwrap(),
        ..regressor()
    }
}

/// The classifier of [`classifier_graph`] with no imputation at all: a missing
/// `x` makes every probability NaN (and the argmax meaningless).
pub fn classifier_without_imputation() -> Artifact {
    let mut b = GraphBuilder::new("clf", slots());
    let x = b.input(0).unwrap();
    let color = b.input(1).unwrap();
    let onehot = b
        .push(Op::OneHot {
            x: color,
            codes: vec![0.0, 1.0],
        })
        .unwrap();
    let features = b
        .push(Op::Concat {
            parts: vec![x, onehot],
        })
        .unwrap();
    let z = b
        .push(Op::Affine {
            x: features,
            weights: vec![1.0, 0.0, 2000.0],
            bias: vec![-1000.0],
            missing: Vec::new(),
        })
        .unwrap();
    let p1 = b
        .push(Op::Unary {
            func: UnaryFn::Sigmoid,
            x: z,
        })
        .unwrap();
    let one = b.push(Op::Const { values: vec![1.0] }).unwrap();
    let p0 = b.binary(BinaryOp::Sub, one, p1).unwrap();
    let proba = b.push(Op::Concat { parts: vec![p0, p1] }).unwrap();
    let class = b.push(Op::Argmax { x: proba }).unwrap();
    b.output("class", class);
    b.output("proba", proba);
    Artifact {
        graph: b.finish().unwrap(),
        ..classifier()
    }
}
