//! Aggregates per-split model internals into the report: the model's own
//! importances and coefficients (matched by feature name, since a features
//! step may keep different columns in different splits) and the permutation
//! importance of the raw input columns.

use super::fold::FoldOutcome;
use super::summary::{feature_scores, mean_std, Coefficients, ModelImportances, PermutationImportance};
use mlg_compiler::workflow::catalog::Task;

/// Values per name, names in first-seen order.
#[derive(Default)]
struct ByName {
    names: Vec<String>,
    values: Vec<Vec<f64>>,
}

impl ByName {
    fn push(&mut self, name: &str, value: f64) {
        let i = match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.values.push(Vec::new());
                self.names.len() - 1
            }
        };
        self.values[i].push(value);
    }

    fn into_pairs(self) -> Vec<(String, Vec<f64>)> {
        self.names.into_iter().zip(self.values).collect()
    }
}

/// The model's own importances over the splits whose fit reported them; `None`
/// when none did. The kind is `coefficients` when the model has coefficients
/// (its importances are then `|coef|`), `impurity` otherwise.
pub fn model_importances(folds: &[FoldOutcome]) -> Option<ModelImportances> {
    let mut by_name = ByName::default();
    let mut any = false;
    for fold in folds {
        let Some(imp) = &fold.importances else { continue };
        if imp.len() != fold.features.len() {
            continue; // a model reporting a different width: nothing to name
        }
        any = true;
        for (name, v) in fold.features.iter().zip(imp) {
            by_name.push(name, *v);
        }
    }
    if !any {
        return None;
    }
    let kind = if folds.iter().any(|f| f.coefficients.is_some()) {
        "coefficients"
    } else {
        "impurity"
    };
    Some(ModelImportances {
        kind: kind.to_string(),
        features: feature_scores(by_name.into_pairs()),
    })
}

/// What coefficient row `row` of `rows` scores.
fn output_label(row: usize, rows: usize, classes: &[String], task: Task) -> String {
    match task {
        Task::Regression if rows == 1 => "prediction".to_string(),
        Task::Classification if rows == classes.len() => classes[row].clone(),
        Task::Classification if rows == 1 && classes.len() == 2 => classes[1].clone(),
        _ => format!("output {row}"),
    }
}

/// The mean and std of each coefficient over the splits; `None` for models
/// without coefficients.
pub fn coefficients(folds: &[FoldOutcome], classes: &[String], task: Task) -> Option<Coefficients> {
    let (mut outputs, mut features): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let mut cells: Vec<((String, String), f64)> = Vec::new();
    for fold in folds {
        let Some(rows) = &fold.coefficients else { continue };
        for (r, row) in rows.iter().enumerate() {
            if row.len() != fold.features.len() {
                continue;
            }
            let out = output_label(r, rows.len(), classes, task);
            if !outputs.contains(&out) {
                outputs.push(out.clone());
            }
            for (name, v) in fold.features.iter().zip(row) {
                if !features.contains(name) {
                    features.push(name.clone());
                }
                cells.push(((out.clone(), name.clone()), *v));
            }
        }
    }
    if outputs.is_empty() {
        return None;
    }
    let stat = |o: &str, f: &str| {
        let values: Vec<f64> = cells
            .iter()
            .filter(|((co, cf), _)| co == o && cf == f)
            .map(|(_, v)| *v)
            .collect();
        mean_std(&values)
    };
    let table: Vec<Vec<(f64, f64)>> = outputs
        .iter()
        .map(|o| features.iter().map(|f| stat(o, f)).collect())
        .collect();
    Some(Coefficients {
        mean: table.iter().map(|r| r.iter().map(|c| c.0).collect()).collect(),
        std: table.iter().map(|r| r.iter().map(|c| c.1).collect()).collect(),
        outputs,
        features,
    })
}

/// Permutation importance of the raw columns `columns` (the chain's input
/// order) from the drops of the splits that measured them; `None` when none did.
pub fn permutation(
    folds: &[FoldOutcome],
    columns: &[String],
    metric: &str,
    repeats: usize,
) -> Option<PermutationImportance> {
    let folds: Vec<&FoldOutcome> = folds.iter().filter(|f| f.drops.len() == columns.len()).collect();
    if folds.is_empty() || columns.is_empty() {
        return None;
    }
    let per_column = columns
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let values: Vec<f64> = folds.iter().flat_map(|f| f.drops[c].iter().copied()).collect();
            (name.clone(), values)
        })
        .collect();
    let baseline = folds.iter().map(|f| f.scores[0]).sum::<f64>() / folds.len() as f64;
    Some(PermutationImportance {
        metric: metric.to_string(),
        repeats,
        splits: folds.len(),
        baseline,
        features: feature_scores(per_column),
    })
}
