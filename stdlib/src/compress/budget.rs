//! The candidates of `compress NAME = MODEL -> budget(...)`: which step
//! sequences, at which strengths, the automatic choice tries on a model of
//! a given operator. What applies follows the model's [`Capabilities`]:
//! trees get quantized thresholds and leaves (and forests lose trees), dense
//! models get int8 weights (stored, or computed with calibrated
//! activations), magnitude pruning, and where they have hidden layers or
//! several outputs, neuron pruning and low-rank factorization. Every
//! pruning or factorization is also tried followed by `quantize("int8")`.
//! The strengths are a coarse grid (scikit-learn users tune the rest with
//! `search`): 50 % and 80 % of the weights, 30 % of the units, 50 % of the
//! trees, 90 % and 95 % of the singular values' energy.

use crate::operators::Capabilities;
use mlg_compiler::workflow::catalog::{Params, Value};

/// One candidate: a short label (e.g. `prune(magnitude=0.8)+int8`) and its
/// steps, each a compression step's catalog name with the parameters it is
/// given (the catalog's defaults fill the rest).
pub type Candidate = (String, Vec<(&'static str, Params)>);

/// The step sequences `budget(...)` tries on a model of catalog name
/// `model`, in the order they are reported; empty for a name outside the
/// catalog.
pub fn candidates(model: &str) -> Vec<Candidate> {
    let Some(def) = crate::operators::find(model) else {
        return Vec::new();
    };
    let caps: Capabilities = def.capabilities;
    let int8 = || ("quantize", params(&[("format", Value::Str("int8".into()))]));
    let mut out: Vec<Candidate> = vec![("int8".into(), vec![int8()])];
    // Reductions that int8 may follow: (label, step).
    let mut reductions: Vec<(String, (&'static str, Params))> = Vec::new();
    if caps.trees {
        out.push((
            "f16".into(),
            vec![("quantize", params(&[("format", Value::Str("f16".into()))]))],
        ));
        if caps.prune_trees {
            reductions.push((
                "trees=0.5".into(),
                ("prune", params(&[("trees", Value::Float(0.5))])),
            ));
        }
    } else {
        out.push((
            "int8-static".into(),
            vec![(
                "quantize",
                params(&[
                    ("format", Value::Str("int8".into())),
                    ("activations", Value::Str("static".into())),
                ]),
            )],
        ));
        for f in [0.5, 0.8] {
            reductions.push((
                format!("magnitude={f}"),
                ("prune", params(&[("magnitude", Value::Float(f))])),
            ));
        }
        if caps.prune_neurons {
            reductions.push((
                "neurons=0.3".into(),
                ("prune", params(&[("neurons", Value::Float(0.3))])),
            ));
        }
        if caps.low_rank {
            for e in [0.9, 0.95] {
                reductions.push((
                    format!("energy={e}"),
                    ("low_rank", params(&[("energy", Value::Float(e))])),
                ));
            }
        }
    }
    for (label, step) in &reductions {
        out.push((label.clone(), vec![step.clone()]));
    }
    for (label, step) in reductions {
        out.push((format!("{label}+int8"), vec![step, int8()]));
    }
    out
}

/// `pairs` as parameters.
fn params(pairs: &[(&str, Value)]) -> Params {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every candidate of every model is a step sequence the model accepts.
    #[test]
    fn every_candidate_applies_to_its_model() {
        for def in crate::operators::all() {
            for (label, steps) in candidates(def.spec.name) {
                for (op, params) in steps {
                    let step = crate::compress::step(op, &params, def.spec.name);
                    assert!(step.is_ok(), "{} {label}: {step:?}", def.spec.name);
                }
            }
        }
    }

    #[test]
    fn trees_get_quantized_leaves_and_forests_lose_trees() {
        let labels = |m: &str| candidates(m).into_iter().map(|c| c.0).collect::<Vec<_>>();
        assert_eq!(labels("gradient_boosting_classifier"), ["int8", "f16"]);
        assert_eq!(
            labels("random_forest_classifier"),
            ["int8", "f16", "trees=0.5", "trees=0.5+int8"]
        );
        let mlp = labels("mlp_classifier");
        assert!(mlp.contains(&"energy=0.9+int8".to_string()), "{mlp:?}");
        assert!(mlp.contains(&"neurons=0.3".to_string()), "{mlp:?}");
        assert!(!labels("ridge").iter().any(|l| l.starts_with("energy")));
        assert!(candidates("no_such_model").is_empty());
    }
}
