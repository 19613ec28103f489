//! The reference interpreter's element semantics and the IR text form.

mod common;

use mlg_compiler::ir::interp::{affine, argmax, eval_row, softmax};
use mlg_compiler::ir::text::fmt_f32;
use mlg_compiler::ir::{BinaryOp, GraphBuilder, InputSlot, Op, SlotKind};

#[test]
fn argmax_skips_nan_and_keeps_first_tie() {
    assert_eq!(argmax(&[1.0, 3.0, 3.0, 2.0]), 1.0);
    assert_eq!(argmax(&[f32::NAN, -5.0, f32::NAN, -1.0]), 3.0);
    assert_eq!(argmax(&[f32::NAN, f32::NAN]), 0.0);
    assert_eq!(argmax(&[f32::NEG_INFINITY, f32::NEG_INFINITY]), 0.0);
}

#[test]
fn softmax_is_shifted_and_normalized() {
    let mut out = [0.0; 3];
    softmax(&[1000.0, 1000.0, 999.0], &mut out);
    let e = (-1.0f32).exp();
    let sum = 1.0 + 1.0 + e;
    assert_eq!(out, [1.0 / sum, 1.0 / sum, e / sum]);
    softmax(&[f32::NAN, 1.0], &mut out[..2]);
    assert!(
        out[0].is_nan() && out[1].is_nan(),
        "a NaN max poisons every element"
    );
}

#[test]
fn affine_substitutes_missing_defaults_only_for_nan() {
    let mut out = [0.0; 1];
    affine(&[f32::NAN, 2.0], &[1.0, 3.0], &[0.5], &[f32::NAN, 20.0], &mut out);
    assert!(out[0].is_nan(), "a NaN default substitutes nothing");
    affine(
        &[f32::NAN, 2.0],
        &[1.0, 3.0],
        &[0.5],
        &[10.0, 20.0],
        &mut out[..1],
    );
    assert_eq!(out[0], 0.5 + 10.0 + 6.0);
}

#[test]
fn eval_row_one_hot_scale_and_broadcast() {
    let inputs = vec![
        InputSlot {
            name: "x".into(),
            kind: SlotKind::Numeric,
        },
        common::categorical("c"),
    ];
    let mut b = GraphBuilder::new("ops", inputs);
    let x = b.input(0).expect("slot");
    let c = b.input(1).expect("slot");
    let oh = b
        .push(Op::OneHot {
            x: c,
            codes: vec![0.0, 1.0, 2.0],
        })
        .expect("one_hot");
    let s = b
        .push(Op::Scale {
            x,
            mul: vec![3.0],
            add: vec![0.5],
        })
        .expect("scale");
    let m = b.binary(BinaryOp::Mul, oh, s).expect("broadcast mul");
    let f = b
        .push(Op::FillNan {
            x,
            values: vec![-1.0],
        })
        .expect("fill");
    b.output("m", m);
    b.output("f", f);
    let g = b.finish().expect("valid");
    let mut scratch = Vec::new();
    let mut out = [0.0; 4];
    eval_row(&g, &[2.0, 1.0], &mut scratch, &mut out);
    assert_eq!(out, [0.0, 6.5, 0.0, 2.0]);
    eval_row(&g, &[f32::NAN, f32::NAN], &mut scratch, &mut out);
    assert!(
        out[..3].iter().all(|v| v.is_nan()),
        "NaN code gives zeros, times NaN scale gives NaN"
    );
    assert_eq!(out[3], -1.0);
    eval_row(&g, &[1.0, -1.0], &mut scratch, &mut out);
    assert_eq!(out, [0.0, 0.0, 0.0, 1.0], "unseen code -1 gives all zeros");
}

#[test]
fn fmt_f32_keeps_six_significant_digits() {
    assert_eq!(fmt_f32(0.123_456_79), "0.123457");
    assert_eq!(fmt_f32(-5.6), "-5.6");
    assert_eq!(fmt_f32(3.0), "3");
    assert_eq!(fmt_f32(1e-7), "1e-7");
    assert_eq!(fmt_f32(123_456_789.0), "1.23457e8");
    assert_eq!(fmt_f32(f32::NAN), "NaN");
    assert_eq!(fmt_f32(f32::NEG_INFINITY), "-inf");
    assert_eq!(fmt_f32(-0.0), "-0");
    assert_eq!(fmt_f32(0.1 + 0.2), fmt_f32(0.3), "last-bit noise is hidden");
}

#[test]
fn text_form_snapshot() {
    let inputs = vec![
        InputSlot {
            name: "bill_length_mm".into(),
            kind: SlotKind::Numeric,
        },
        InputSlot {
            name: "island".into(),
            kind: SlotKind::Categorical {
                levels: vec!["Biscoe".into(), "Dream".into(), "Torgersen".into()],
            },
        },
    ];
    let mut b = GraphBuilder::new("lr", inputs);
    let x = b.input(0).expect("slot");
    let c = b.input(1).expect("slot");
    let f = b
        .push(Op::FillNan {
            x,
            values: vec![43.921_93],
        })
        .expect("fill");
    let s = b
        .push(Op::Scale {
            x: f,
            mul: vec![0.182_574_19],
            add: vec![-8.018_99],
        })
        .expect("scale");
    let oh = b
        .push(Op::OneHot {
            x: c,
            codes: vec![0.0, 1.0, 2.0],
        })
        .expect("one_hot");
    let cat = b.push(Op::Concat { parts: vec![s, oh] }).expect("concat");
    let w = vec![1.0, 0.5, -0.5, 0.0, -1.0, 0.25, 0.25, 1e-7];
    let a = b
        .push(Op::Affine {
            x: cat,
            weights: w,
            bias: vec![0.1, -0.1],
            missing: vec![],
        })
        .expect("affine");
    let p = b.push(Op::Softmax { x: a }).expect("softmax");
    let k = b.push(Op::Argmax { x: p }).expect("argmax");
    b.output("class", k);
    b.output("proba", p);
    insta::assert_snapshot!(b.finish().expect("valid").to_string());
}
