//! The distributed fits: ranks simulated as threads
//! (`mlg_runtime::collective::Local`), each holding a contiguous share of the
//! rows, must learn what one process learns from all of them: the same
//! standardize statistics (1e-9 relative), the same linear and logistic
//! coefficients (1e-6 relative, the iterative solvers' rule).

use mlg_compiler::workflow::catalog::{Params, Value};
use mlg_runtime::frame::{Column, Frame};
use mlg_stdlib::models::boost::{FittedBoost, GradientBoosting};
use mlg_stdlib::models::linear::LinearRegression;
use mlg_stdlib::models::logistic::LogisticRegression;
use mlg_stdlib::models::mlp::{FittedMlp, Mlp};
use mlg_stdlib::op::{FittedModel, Matrix, Target, Transform};
use mlg_stdlib::preprocess::standardize::Standardize;
use ranks_support::{close, data, on_ranks, rows};
use std::sync::Arc;

mod ranks_support;

#[test]
fn standardize_learns_every_ranks_rows() {
    let n = 1001;
    let (x, _) = data(n, 3);
    let frame_of = move |r: std::ops::Range<usize>| {
        let columns = (0..3)
            .map(|j| Column::numeric(format!("f{j}"), r.clone().map(|i| x[i * 3 + j] + 10.0).collect()))
            .collect();
        Frame::new(columns, r.len())
    };
    let selected: Vec<String> = (0..3).map(|j| format!("f{j}")).collect();
    let step = Standardize::new(&Params::new()).expect("standardize");
    let whole = frame_of(0..n);
    let values = |f: &Frame| -> Vec<f64> {
        f.columns
            .iter()
            .flat_map(|c| c.as_numeric().expect("numeric").to_vec())
            .collect()
    };
    let one = step.fit(&whole, &selected, &Target::Values(vec![])).expect("fit");
    let want = values(&one.transform(&whole).expect("transform"));
    let (frame_of, whole) = (Arc::new(frame_of), Arc::new(whole));
    for size in [2, 3] {
        let (step, selected, frames, whole) =
            (step.clone(), selected.clone(), frame_of.clone(), whole.clone());
        // Each rank's fitted step applied to all the rows.
        let got = on_ranks(size, n, move |r| {
            let fitted = step
                .fit(&frames(r), &selected, &Target::Values(vec![]))
                .expect("fit");
            values(&fitted.transform(&whole).expect("transform"))
        });
        for g in &got {
            close(g, &want, 1e-9);
        }
    }
}

#[test]
fn linear_regression_on_ranks_equals_one_process() {
    let (n, d) = (5000, 4);
    let (x, y) = data(n, d);
    let model = LinearRegression::new(&Params::new()).expect("model");
    let one = model
        .fit_linear(&rows(&x, d, 0..n), &Target::Values(y.clone()))
        .expect("fit");
    let (x, y) = (Arc::new(x), Arc::new(y));
    for size in [2, 3] {
        let (x, y, model) = (x.clone(), y.clone(), model.clone());
        let fitted = on_ranks(size, n, move |r| {
            let target = Target::Values(y[r.clone()].to_vec());
            model.fit_linear(&rows(&x, d, r), &target).expect("fit")
        });
        for f in &fitted {
            assert_eq!(f.weights, fitted[0].weights, "every rank holds the same model");
            let mut got = f.weights.clone();
            got.push(f.intercept);
            let mut want = one.weights.clone();
            want.push(one.intercept);
            close(&got, &want, 1e-9);
        }
    }
}

#[test]
fn logistic_regression_on_ranks_equals_one_process() {
    let (n, d) = (3000, 4);
    let (x, score) = data(n, d);
    let codes: Vec<u32> = score.iter().map(|s| u32::from(*s > 0.1)).collect();
    let labels = vec!["no".to_string(), "yes".to_string()];
    let (x, codes) = (Arc::new(x), Arc::new(codes));
    for solver in ["lbfgs", "newton", "cg"] {
        let mut params = Params::new();
        params.insert("solver".into(), Value::Str(solver.into()));
        params.insert("tol".into(), Value::Float(1e-10));
        let model = LogisticRegression::new(&params).expect("model");
        let target = Target::Classes {
            codes: codes.to_vec(),
            labels: labels.clone(),
        };
        let one = model.fit_logistic(&rows(&x, d, 0..n), &target).expect("fit");
        let want = one.coefficients().expect("coefficients").concat();
        for size in [2, 3] {
            let (x, codes, model, labels) = (x.clone(), codes.clone(), model.clone(), labels.clone());
            let fitted = on_ranks(size, n, move |r| {
                let target = Target::Classes {
                    codes: codes[r.clone()].to_vec(),
                    labels: labels.clone(),
                };
                let f = model.fit_logistic(&rows(&x, d, r), &target).expect("fit");
                (
                    f.coefficients().expect("coefficients").concat(),
                    f.intercepts.clone(),
                )
            });
            for (w, b) in &fitted {
                assert_eq!(
                    (w, b),
                    (&fitted[0].0, &fitted[0].1),
                    "every rank holds the same model"
                );
                close(w, &want, 1e-6);
                close(b, &one.intercepts, 1e-6);
            }
        }
    }
}

/// Every weight and bias of `f`, layer after layer.
fn mlp_weights(f: &FittedMlp) -> Vec<f64> {
    f.layers
        .iter()
        .flat_map(|l| l.weights.iter().chain(&l.bias).copied())
        .collect()
}

#[test]
fn mlp_on_ranks_trains_one_process_network() {
    // Mini-batches of 64 over 1,000 rows (the last one short), 15 epochs of
    // Adam and of Nesterov SGD: the global batches are one process's, so the
    // weights agree up to the order of the additions.
    let (n, d) = (1000, 4);
    let (x, score) = data(n, d);
    let codes: Vec<u32> = score
        .iter()
        .map(|s| u32::from(*s > -0.5) + u32::from(*s > 0.8))
        .collect();
    let labels: Vec<String> = ["low", "mid", "high"].map(String::from).to_vec();
    let (x, codes, score) = (Arc::new(x), Arc::new(codes), Arc::new(score));
    let runs = [
        ("classifier", "adam", false),
        ("regressor", "adam", false),
        ("classifier", "sgd", false),
        ("classifier", "adam", true),
        ("regressor", "adam", true),
    ];
    for (task, solver, early) in runs {
        let mut params = Params::new();
        params.insert("hidden".into(), Value::Str("8,5".into()));
        params.insert("batch_size".into(), Value::Int(64));
        params.insert("epochs".into(), Value::Int(15));
        params.insert("solver".into(), Value::Str(solver.into()));
        params.insert("learning_rate".into(), Value::Float(0.01));
        // Early stopping: one process's held-out rows, scored over the ranks.
        params.insert("early_stopping".into(), Value::Bool(early));
        let model = if task == "classifier" {
            Mlp::classifier(&params)
        } else {
            params.insert("scale_target".into(), Value::Bool(true));
            Mlp::regressor(&params)
        }
        .expect("model");
        let target_of = {
            let (codes, score, labels) = (codes.clone(), score.clone(), labels.clone());
            move |r: std::ops::Range<usize>| match task {
                "classifier" => Target::Classes {
                    codes: codes[r].to_vec(),
                    labels: labels.clone(),
                },
                _ => Target::Values(score[r].to_vec()),
            }
        };
        let one = model.fit_mlp(&rows(&x, d, 0..n), &target_of(0..n)).expect("fit");
        if !early {
            assert_eq!(one.epochs_run, 15, "{task} {solver}");
        }
        let want = mlp_weights(&one);
        for size in [2, 3] {
            let (x, model, target_of) = (x.clone(), model.clone(), target_of.clone());
            let fitted = on_ranks(size, n, move |r| {
                let f = model
                    .fit_mlp(&rows(&x, d, r.clone()), &target_of(r))
                    .expect("fit");
                (mlp_weights(&f), f.loss, f.target_mean, f.target_scale)
            });
            for f in &fitted {
                assert_eq!(f, &fitted[0], "every rank holds the same network");
            }
            close(&fitted[0].0, &want, 1e-6);
            close(&[fitted[0].1], &[one.loss], 1e-9);
            close(
                &[fitted[0].2, fitted[0].3],
                &[one.target_mean, one.target_scale],
                1e-12,
            );
        }
    }
}

/// Training accuracy (classes) or mean squared error (values) of `f`.
fn boost_quality(f: &FittedBoost, x: &Matrix, y: &Target) -> f64 {
    let predicted = f.predict(x);
    match y {
        Target::Classes { codes, .. } => {
            predicted
                .iter()
                .zip(codes)
                .filter(|(p, c)| **p == f64::from(**c))
                .count() as f64
                / codes.len() as f64
        }
        Target::Values(v) => {
            predicted
                .iter()
                .zip(v)
                .map(|(p, t)| (p - t) * (p - t))
                .sum::<f64>()
                / v.len() as f64
        }
    }
}

/// Gradients are summed as integers, and the baseline and the held-out
/// loss on a fixed-point grid, so every tree, the stopping round and the
/// held-out loss are one process's bits; also with missing values (their
/// bin summed over the ranks), class weights and a categorical feature
/// (its sets agreed on by the ranks).
#[test]
fn gradient_boosting_on_ranks_grows_one_process_trees() {
    let (n, d) = (4000, 4);
    let (mut x, score) = data(n, d);
    for i in (0..n).step_by(9) {
        x[i * d + 1] = f64::NAN;
    }
    // Feature 3 becomes a category code: the score's third, two codes each,
    // in an order no threshold follows; missing on every 11th row.
    for (i, s) in score.iter().enumerate() {
        let third = usize::from(*s > -0.5) + usize::from(*s > 0.5);
        x[i * d + 3] = [3.0, 0.0, 5.0, 1.0, 4.0, 2.0][2 * third + i % 2];
        if i % 11 == 0 {
            x[i * d + 3] = f64::NAN;
        }
    }
    // Three classes from the score, and a regression target.
    let codes: Vec<u32> = score
        .iter()
        .map(|s| u32::from(*s > -0.5) + u32::from(*s > 0.5))
        .collect();
    let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
    let targets = [Target::Classes { codes, labels }, Target::Values(score)];
    let x = Arc::new(x);
    let all = rows(&x, d, 0..n);
    // Plain, then with early stopping on a held-out split and row
    // subsampling (one process's held-out rows and samples, rank by rank).
    let settings = [("off", 1.0, 15), ("on", 0.7, 40)];
    let models = settings.iter().flat_map(|&(early, subsample, rounds)| {
        let mut params = Params::new();
        params.insert("early_stopping".into(), Value::Str(early.into()));
        params.insert("subsample".into(), Value::Float(subsample));
        params.insert("n_iter_no_change".into(), Value::Int(3));
        params.insert("tol".into(), Value::Float(1e-3));
        params.insert("learning_rate".into(), Value::Float(0.3));
        params.insert("rounds".into(), Value::Int(rounds));
        params.insert("max_bins".into(), Value::Int(64));
        let regressor = GradientBoosting::regressor(&params).expect("regressor");
        if early == "on" {
            params.insert("class_weight".into(), Value::Str("balanced".into()));
        }
        let classifier = GradientBoosting::classifier(&params).expect("classifier");
        let native = |m: &GradientBoosting| GradientBoosting {
            categories: vec![None, None, None, Some(6)],
            ..m.clone()
        };
        [
            (native(&classifier), targets[0].clone()),
            (native(&regressor), targets[1].clone()),
            (classifier, targets[0].clone()),
            (regressor, targets[1].clone()),
        ]
    });
    for (model, y) in models {
        let one = model.fit_boost(&all, &y).expect("fit");
        let want = boost_quality(&one, &all, &y);
        let sets = one
            .trees
            .iter()
            .flatten()
            .any(|t| t.nodes.iter().any(|n| n.left_codes.is_some()));
        assert_eq!(
            sets,
            !model.categories.is_empty(),
            "categorical splits only where asked"
        );
        let early = model.early_stopping == mlg_stdlib::models::boost::EarlyStopping::On;
        if early {
            assert!(
                one.n_trees() < 40 * one.trees.len(),
                "early stopping stopped early"
            );
        }
        for size in [2, 3] {
            let (model, x, shared) = (model.clone(), x.clone(), Arc::new(y.clone()));
            let fitted = on_ranks(size, n, move |r| {
                let part = match shared.as_ref() {
                    Target::Classes { codes, labels } => Target::Classes {
                        codes: codes[r.clone()].to_vec(),
                        labels: labels.clone(),
                    },
                    Target::Values(v) => Target::Values(v[r.clone()].to_vec()),
                };
                model.fit_boost(&rows(&x, d, r), &part).expect("fit")
            });
            for f in &fitted {
                assert_eq!(f.trees, one.trees, "{size} ranks grow one process's trees");
                assert_eq!(f.rounds, one.rounds, "{size} ranks");
                assert_eq!(
                    f.validation_loss.map(f64::to_bits),
                    one.validation_loss.map(f64::to_bits),
                    "{size} ranks"
                );
                assert_eq!(boost_quality(f, &all, &y), want);
            }
        }
    }
}
