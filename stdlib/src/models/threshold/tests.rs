//! The threshold wrappers: the best cut of pooled probabilities, a fixed
//! threshold moving predictions the way it must, the lowered graph agreeing
//! with `predict`, and the errors a user can hit.

use super::*;
use crate::testing::{params, two_classes};
use mlg_compiler::workflow::catalog::Value;

fn logistic() -> Value {
    Value::Model {
        op: "logistic_regression".into(),
        params: Params::new(),
    }
}

#[test]
fn the_best_cut_maximises_the_metric() {
    let proba = [0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1];
    let positive = [true, false, true, true, false, false, true, false];
    // F1 is best predicting the top four (tp 3, fp 1, fn 1: 0.75), so the
    // cut is halfway between 0.6 and 0.4.
    let t = best_cut(&proba, &positive, ThresholdMetric::F1);
    assert!((t - 0.5).abs() < 1e-6, "{t}");
    // Accuracy is best at the same cut: 6 of 8 rows right.
    let t = best_cut(&proba, &positive, ThresholdMetric::Accuracy);
    assert!((t - 0.5).abs() < 1e-6, "{t}");
    // Every row negative: predicting none positive is best for accuracy.
    let t = best_cut(&proba, &[false; 8], ThresholdMetric::Accuracy);
    assert!(t > 0.9, "{t}");
    // Tied probabilities are never split.
    let t = best_cut(&[0.5, 0.5, 0.2], &[true, false, false], ThresholdMetric::F1);
    assert!((t - 0.35).abs() < 1e-6, "{t}");
}

#[test]
fn a_lower_threshold_predicts_the_positive_class_more_often_and_compiles() {
    let (x, y) = two_classes(200);
    let proba = crate::models::logistic::LogisticRegression::new(&Params::new())
        .unwrap()
        .fit_logistic(&x, &y)
        .unwrap()
        .predict_proba(&x);
    let count = |t: f64| {
        let model = Threshold::new(
            &params(&[("model", logistic()), ("threshold", Value::Float(t))]),
            false,
        )
        .unwrap();
        let predicted = model.fit(&x, &y).unwrap().predict(&x);
        for (i, p) in predicted.iter().enumerate() {
            let p1 = proba[i * 2 + 1];
            // The compiled graph compares in f32: rows at the threshold may round either way.
            if (p1 - t).abs() > 1e-5 {
                assert_eq!(
                    *p,
                    f64::from(u8::from(p1 >= t)),
                    "row {i}: p1 {p1} at threshold {t}"
                );
            }
        }
        predicted.iter().filter(|&&p| p == 1.0).count()
    };
    let (low, middle, high) = (count(0.1), count(0.5), count(0.9));
    assert!(low > middle && middle > high, "{low} {middle} {high}");
    assert_eq!(count(0.0), 200);
}

#[test]
fn a_tuned_threshold_is_reported_and_beats_one_half_on_imbalanced_rows() {
    let (x, y) = two_classes(300);
    let Target::Classes { codes, labels } = y else {
        unreachable!("classes")
    };
    // Keep one row in six of class b: an imbalanced target.
    let rows: Vec<usize> = (0..x.rows).filter(|&r| codes[r] == 0 || r % 6 == 0).collect();
    let (x, y) = (
        x.take(&rows),
        Target::Classes {
            codes: rows.iter().map(|&r| codes[r]).collect(),
            labels,
        },
    );
    let tuned = Threshold::new(&params(&[("model", logistic())]), true).unwrap();
    let fitted = tuned.fit(&x, &y).unwrap();
    let scores = fitted.fit_scores();
    let (_, t) = scores
        .iter()
        .find(|(n, _)| n == "threshold")
        .expect("threshold fit score");
    assert!(
        *t > 0.0 && *t < 0.5,
        "the rare class wants a threshold below 0.5: {t}"
    );
}

#[test]
fn wrong_models_and_targets_are_refused_with_the_reason() {
    let ridge = Value::Model {
        op: "ridge".into(),
        params: Params::new(),
    };
    let err = Threshold::new(&params(&[("model", ridge)]), false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ridge is a regressor; a threshold needs a classifier"),
        "{err}"
    );
    let (x, _) = two_classes(30);
    let three = Target::Classes {
        codes: (0..30).map(|i| i % 3).collect(),
        labels: vec!["a".into(), "b".into(), "c".into()],
    };
    let model = Threshold::new(&params(&[("model", logistic())]), true).unwrap();
    let err = model.fit(&x, &three).unwrap_err().to_string();
    assert!(
        err.contains("needs a target of two classes; the training rows hold 3"),
        "{err}"
    );
}
