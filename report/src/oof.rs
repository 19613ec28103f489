//! `mlg run --oof FILE`: every evaluated model's out-of-fold predictions as
//! one CSV (scikit-learn's `cross_val_predict`, for every model at once),
//! to join back to the data by row or to stack by hand.
//!
//! One line per held-out row per split per model: `statement`, `model`,
//! `split` (1-based), `row` (0-based data row: line `row + 2` of a CSV with
//! a header), `truth`, `prediction`, then `proba_<label>` for every class
//! label any evaluated classifier has (empty where a model lacks it, and for
//! regressors). Resampling methods hold a row out of several splits, so it
//! appears once per split.

use mlg::executor::{Evaluation, HeldOut};

/// The out-of-fold CSV of `evaluations` (with their pooled held-out rows).
pub fn oof_csv(evaluations: &[Evaluation]) -> Vec<u8> {
    let mut labels: Vec<&str> = Vec::new();
    for e in evaluations {
        if let HeldOut::Classes { labels: mine, .. } = &e.held_out {
            for l in mine {
                if !labels.contains(&l.as_str()) {
                    labels.push(l);
                }
            }
        }
    }
    let mut header: Vec<String> = ["statement", "model", "split", "row", "truth", "prediction"]
        .map(String::from)
        .to_vec();
    header.extend(labels.iter().map(|l| format!("proba_{l}")));
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = |fields: &[String]| {
        // Writing into memory cannot fail.
        let _ = out.write_record(fields);
    };
    write(&header);
    for e in evaluations {
        for (i, &(split, row)) in e.held_out_rows.iter().enumerate() {
            let mut fields = vec![
                e.statement.clone(),
                e.model.clone(),
                (split + 1).to_string(),
                row.to_string(),
            ];
            match &e.held_out {
                HeldOut::Classes {
                    labels: mine,
                    truth,
                    predicted,
                    proba,
                } => {
                    let name = |c: u32| mine.get(c as usize).cloned().unwrap_or_default();
                    fields.push(name(truth[i]));
                    fields.push(name(predicted[i]));
                    for l in &labels {
                        fields.push(match mine.iter().position(|m| m == l) {
                            Some(k) => number(proba[i * mine.len() + k]),
                            None => String::new(),
                        });
                    }
                }
                HeldOut::Values { truth, predicted } => {
                    fields.push(truth[i].to_string());
                    fields.push(number(predicted[i]));
                    fields.extend(labels.iter().map(|_| String::new()));
                }
                HeldOut::None => continue,
            }
            write(&fields);
        }
    }
    out.into_inner().unwrap_or_default()
}

/// A value the compiled function computed (an `f32`) as the shortest text
/// that reads back to it; empty for NaN.
fn number(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        (v as f32).to_string()
    }
}
