//! The lowered graphs of `svm` and `svr` on the IR interpreter agree with
//! `predict` (class labels exactly) and `predict_proba`, for every kernel,
//! both multiclass modes, with and without Platt scaling, and with labels
//! absent from training.

use super::super::{Svm, Svr};
use super::*;
use mlg_compiler::ir::{interp, GraphBuilder, InputSlot, Op, SlotKind};

/// Lowers `fitted` over `x.cols` numeric inputs and runs the interpreter on
/// the rows of `x`: the output names and one output row per input row.
fn run_graph(fitted: &dyn FittedModel, x: &Matrix) -> (Vec<String>, Vec<Vec<f32>>) {
    let inputs = (0..x.cols)
        .map(|j| InputSlot {
            name: format!("x{j}"),
            kind: SlotKind::Numeric,
        })
        .collect();
    let mut b = GraphBuilder::new("svm", inputs);
    let parts = (0..x.cols).map(|j| b.input(j as u32).expect("input")).collect();
    let features = b.push(Op::Concat { parts }).expect("concat");
    let outputs = fitted.lower(&mut b, features).expect("lower");
    let names = outputs.iter().map(|(n, _)| n.clone()).collect();
    let width: usize = outputs.iter().map(|(_, id)| b.width(*id) as usize).sum();
    outputs.into_iter().for_each(|(n, id)| b.output(n, id));
    let graph = b.finish().expect("verified graph");
    let input: Vec<f32> = x.data.iter().map(|&v| v as f32).collect();
    let mut out = vec![0f32; x.rows * width];
    interp::eval_rows(&graph, &input, x.rows, x.cols, &mut out);
    (names, out.chunks(width).map(<[f32]>::to_vec).collect())
}

fn check_classifier(fitted: &super::super::FittedSvm, x: &Matrix, what: &str) {
    let (names, rows) = run_graph(fitted, x);
    assert_eq!(names, ["class", "proba"], "{what}");
    let pred = fitted.predict(x);
    let proba = fitted.predict_proba(x);
    let n_labels = fitted.n_labels;
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(f64::from(row[0]), pred[i], "{what}: row {i} class");
        for (c, &p) in row[1..].iter().enumerate() {
            let want = proba[i * n_labels + c];
            assert!(
                (f64::from(p) - want).abs() < 2e-4,
                "{what}: row {i} proba {c}: {p} vs {want}"
            );
        }
    }
}

#[test]
fn classifier_graphs_agree_with_predict() {
    let (x, y) = dataset("iris");
    let (xs, _) = standardise(&x, &x);
    let target = classes(&y);
    let kernels: [&[(&str, Value)]; 4] = [
        &[],
        &[("kernel", Value::Str("linear".into()))],
        &[
            ("kernel", Value::Str("poly".into())),
            ("coef0", Value::Float(-0.5)),
        ],
        &[
            ("kernel", Value::Str("sigmoid".into())),
            ("gamma", Value::Float(0.05)),
            ("c", Value::Float(10.0)),
        ],
    ];
    for kernel in kernels {
        for multiclass in ["ovo", "ovr"] {
            for probability in [false, true] {
                let mut items = kernel.to_vec();
                items.push(("multiclass", Value::Str(multiclass.into())));
                items.push(("probability", Value::Bool(probability)));
                let fitted = Svm::new(&params(&items))
                    .expect("params")
                    .fit_svm(&xs, &target)
                    .expect("fit");
                check_classifier(&fitted, &xs, &format!("{items:?}"));
            }
        }
    }
}

#[test]
fn binary_graphs_with_absent_labels_agree_with_predict() {
    let (x, y) = blobs(40, 3, 0.5, 6);
    // Labels "0".."3"; training rows use codes 1 and 3 only.
    let target = Target::Classes {
        codes: y.iter().map(|&v| if v > 0.0 { 3 } else { 1 }).collect(),
        labels: (0..4).map(|c| c.to_string()).collect(),
    };
    for probability in [false, true] {
        for kernel in ["rbf", "poly"] {
            let items = [
                ("kernel", Value::Str(kernel.into())),
                ("probability", Value::Bool(probability)),
            ];
            let fitted = Svm::new(&params(&items))
                .expect("params")
                .fit_svm(&x, &target)
                .expect("fit");
            check_classifier(&fitted, &x, &format!("{items:?}"));
            assert!(fitted.predict(&x).iter().all(|&c| c == 1.0 || c == 3.0));
        }
    }
    // Three of five labels present, one-vs-one and one-vs-rest.
    let (xi, yi) = dataset("iris");
    let (xs, _) = standardise(&xi, &xi);
    let target = Target::Classes {
        codes: yi.iter().map(|&v| [0, 2, 4][v as usize]).collect(),
        labels: (0..5).map(|c| c.to_string()).collect(),
    };
    for multiclass in ["ovo", "ovr"] {
        for probability in [false, true] {
            let items = [
                ("multiclass", Value::Str(multiclass.into())),
                ("probability", Value::Bool(probability)),
            ];
            let fitted = Svm::new(&params(&items))
                .expect("params")
                .fit_svm(&xs, &target)
                .expect("fit");
            check_classifier(&fitted, &xs, &format!("{items:?}"));
        }
    }
}

#[test]
fn regressor_graphs_agree_with_predict() {
    let (x, y) = dataset("diabetes");
    let (xs, _) = standardise(&x, &x);
    let target = Target::Values(y.clone());
    let spread = y.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    for kernel in ["rbf", "linear", "poly", "sigmoid"] {
        let items = [
            ("kernel", Value::Str(kernel.into())),
            ("scale_target", Value::Bool(true)),
            ("gamma", Value::Float(0.05)),
        ];
        let fitted = Svr::new(&params(&items))
            .expect("params")
            .fit_svr(&xs, &target)
            .expect("fit");
        let (names, rows) = run_graph(&fitted, &xs);
        assert_eq!(names, ["prediction"]);
        let pred = fitted.predict(&xs);
        for (i, row) in rows.iter().enumerate() {
            assert!(
                (f64::from(row[0]) - pred[i]).abs() < 1e-4 * spread,
                "{kernel}: row {i}: {} vs {}",
                row[0],
                pred[i]
            );
        }
    }
}
