//! `class_weight` of the classifiers (scikit-learn's parameter of the same
//! name): `"none"`, `"balanced"`, or a map from class labels to weights. A
//! row of class `c` weighs `w_c` in the training loss: logistic regression
//! and gradient boosting multiply the row's loss (its gradient and hessian),
//! the SVM multiplies the row's bound `C`, trees and forests the row's count
//! in every impurity.

use crate::catalog::p;
use crate::models::tree::class_weights_over;
use crate::op::{OpError, Target};
use crate::registry::invalid;
use mlg_compiler::workflow::catalog::{Default, ParamSpec, ParamType, Params, Value};
use mlg_runtime::collective::Collective;

/// The `class_weight` parameter of a classifier without bootstrap samples.
pub(crate) const CLASS_WEIGHT: ParamSpec = p(
    "class_weight",
    ParamType::Weights(&["none", "balanced"]),
    Default::Str("none"),
    "per-class row weights: \"none\", \"balanced\" (n / (k n_c), scikit-learn's) or a map \
     { label = weight } (labels left out weigh 1)",
);

/// A classifier's `class_weight` as written.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum ClassWeights {
    /// Every row weighs 1.
    #[default]
    None,
    /// A row of class `c` weighs `n / (k · n_c)` over the training rows of
    /// every rank (`k` classes present).
    Balanced,
    /// These labels weigh these weights; the others 1.
    Given(Vec<(String, f64)>),
}

impl ClassWeights {
    /// Reads `class_weight` of `op` (absent: `None`); strings other than
    /// `"none"` and `"balanced"` are errors (the checker refuses them first).
    pub fn parse(op: &str, params: &Params) -> Result<Self, OpError> {
        match params.get("class_weight") {
            None => Ok(ClassWeights::None),
            Some(Value::Str(s)) if s == "none" => Ok(ClassWeights::None),
            Some(Value::Str(s)) if s == "balanced" => Ok(ClassWeights::Balanced),
            Some(Value::NumMap(entries)) => {
                if let Some((label, w)) = entries.iter().find(|(_, w)| !(*w >= 0.0 && w.is_finite())) {
                    return Err(invalid(
                        op,
                        format!("class_weight of {label:?} must be a number >= 0, got {w}"),
                    ));
                }
                Ok(ClassWeights::Given(entries.clone()))
            }
            Some(other) => Err(invalid(
                op,
                format!(
                    "class_weight must be \"none\", \"balanced\" or a map {{ label = weight }}, got {other}"
                ),
            )),
        }
    }

    /// The weight of every label of `y` (indexed by class code), or `None`
    /// when every row weighs 1. `comm` sums the class counts of
    /// `"balanced"` over the ranks of a distributed fit. Errors on a
    /// numeric target, a map naming a label the target does not have, or
    /// weights that leave fewer than two classes with a positive weight.
    pub fn per_label(
        &self,
        op: &str,
        y: &Target,
        comm: Option<&dyn Collective>,
    ) -> Result<Option<Vec<f64>>, OpError> {
        let Target::Classes { codes, labels } = y else {
            return match self {
                ClassWeights::None => Ok(None),
                _ => Err(invalid(op, "class_weight needs class labels")),
            };
        };
        let weights = match self {
            ClassWeights::None => return Ok(None),
            ClassWeights::Balanced => class_weights_over(comm, codes, &vec![1.0; codes.len()], labels.len()),
            ClassWeights::Given(entries) => {
                let mut weights = vec![1.0; labels.len()];
                for (label, w) in entries {
                    let Some(code) = labels.iter().position(|l| l == label) else {
                        return Err(invalid(
                            op,
                            format!(
                                "class_weight names {label:?}, which is not a label of the target; its labels are {}",
                                quoted(labels)
                            ),
                        ));
                    };
                    weights[code] = *w;
                }
                weights
            }
        };
        let mut present = vec![0u64; labels.len()];
        codes.iter().for_each(|&c| present[c as usize] = 1);
        if let Some(comm) = comm {
            comm.all_reduce_u64(&mut present);
        }
        let weighted = (0..labels.len())
            .filter(|&c| present[c] > 0 && weights[c] > 0.0)
            .count();
        if weighted < 2 {
            return Err(invalid(
                op,
                "class_weight leaves fewer than two classes of the training rows with a weight > 0",
            ));
        }
        Ok(Some(weights))
    }
}

/// The labels as `"a", "b", "c"` (the first 10, then a count).
fn quoted(labels: &[String]) -> String {
    let shown: Vec<String> = labels.iter().take(10).map(|l| format!("{l:?}")).collect();
    match labels.len() {
        n if n > 10 => format!("{} and {} more", shown.join(", "), n - 10),
        _ => shown.join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target::Classes {
            codes: vec![0, 0, 0, 1],
            labels: vec!["no".into(), "yes".into()],
        }
    }

    fn params(v: Value) -> Params {
        [("class_weight".to_string(), v)].into_iter().collect()
    }

    #[test]
    fn balanced_weighs_classes_inversely_to_their_counts() {
        let w = ClassWeights::parse("m", &params(Value::Str("balanced".into()))).unwrap();
        let per = w.per_label("m", &target(), None).unwrap().unwrap();
        assert_eq!(per, vec![4.0 / 6.0, 2.0]);
        let none = ClassWeights::parse("m", &Params::new()).unwrap();
        assert_eq!(none.per_label("m", &target(), None).unwrap(), None);
    }

    #[test]
    fn a_map_weighs_the_labels_it_names() {
        let w = ClassWeights::parse("m", &params(Value::NumMap(vec![("yes".into(), 5.0)]))).unwrap();
        assert_eq!(w.per_label("m", &target(), None).unwrap(), Some(vec![1.0, 5.0]));
        let bad = ClassWeights::parse("m", &params(Value::NumMap(vec![("maybe".into(), 5.0)]))).unwrap();
        let err = bad.per_label("m", &target(), None).unwrap_err().to_string();
        assert!(
            err.contains("\"maybe\", which is not a label of the target; its labels are \"no\", \"yes\""),
            "{err}"
        );
        let zero = ClassWeights::parse("m", &params(Value::NumMap(vec![("yes".into(), 0.0)]))).unwrap();
        assert!(zero.per_label("m", &target(), None).is_err());
    }
}

/// A weight `w` on a class is the same fit as every row of that class
/// repeated `w` times, for the models whose objective is a sum over rows.
#[cfg(test)]
mod equivalence {
    use crate::models::boost::GradientBoosting;
    use crate::models::logistic::LogisticRegression;
    use crate::models::svm::Svm;
    use crate::op::{Estimator, Matrix, Target};
    use crate::testing::{params, take, two_classes};
    use mlg_compiler::workflow::catalog::Value;

    /// 200 rows of [`two_classes`] with every 7th label flipped (so no line
    /// separates them), and the same rows with class `b` repeated 3 times.
    fn data() -> ((Matrix, Target), (Matrix, Target)) {
        let (x, y) = two_classes(200);
        let Target::Classes { mut codes, labels } = y else {
            unreachable!("classes")
        };
        codes.iter_mut().step_by(7).for_each(|c| *c = 1 - *c);
        let mut rows: Vec<usize> = (0..x.rows).collect();
        rows.extend((0..x.rows).filter(|&r| codes[r] == 1).flat_map(|r| [r, r]));
        let repeated = Target::Classes {
            codes: rows.iter().map(|&r| codes[r]).collect(),
            labels: labels.clone(),
        };
        (
            (x.clone(), Target::Classes { codes, labels }),
            (take(&x, &rows), repeated),
        )
    }

    fn weight_b() -> (&'static str, Value) {
        ("class_weight", Value::NumMap(vec![("b".into(), 3.0)]))
    }

    fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
        let worst = a.iter().zip(b).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
        assert!(worst <= tol, "{what}: differ by {worst:e}\n{a:?}\n{b:?}");
    }

    #[test]
    fn logistic_weights_equal_repeated_rows() {
        let ((x, y), (xr, yr)) = data();
        for solver in ["lbfgs", "newton", "cg"] {
            let base = [
                ("solver", Value::Str(solver.into())),
                ("tol", Value::Float(1e-10)),
            ];
            let weighted = LogisticRegression::new(&params(&[base[0].clone(), base[1].clone(), weight_b()]))
                .unwrap()
                .fit_logistic(&x, &y)
                .unwrap();
            let repeated = LogisticRegression::new(&params(&base))
                .unwrap()
                .fit_logistic(&xr, &yr)
                .unwrap();
            assert_close(&weighted.weights, &repeated.weights, 1e-5, solver);
            assert_close(&weighted.intercepts, &repeated.intercepts, 1e-5, solver);
            let plain = LogisticRegression::new(&params(&base))
                .unwrap()
                .fit_logistic(&x, &y)
                .unwrap();
            assert!(
                (plain.intercepts[0] - weighted.intercepts[0]).abs() > 0.5,
                "{solver}: the weight moved nothing"
            );
        }
    }

    #[test]
    fn svm_weights_equal_repeated_rows() {
        let ((x, y), (xr, yr)) = data();
        for solver in ["smo", "dual_cd"] {
            let base = [
                ("kernel", Value::Str("linear".into())),
                ("solver", Value::Str(solver.into())),
                ("tol", Value::Float(1e-6)),
                ("max_iter", Value::Int(100_000)),
            ];
            let mut with = base.to_vec();
            with.push(weight_b());
            let weighted = Svm::new(&params(&with)).unwrap().fit_svm(&x, &y).unwrap();
            let repeated = Svm::new(&params(&base)).unwrap().fit_svm(&xr, &yr).unwrap();
            assert_close(
                &weighted.decision_function(&x),
                &repeated.decision_function(&x),
                2e-3,
                solver,
            );
        }
    }

    #[test]
    fn boosting_weights_equal_repeated_rows() {
        let ((x, y), (xr, yr)) = data();
        let base = [("rounds", Value::Int(20)), ("min_samples_leaf", Value::Int(1))];
        let mut with = base.to_vec();
        with.push(weight_b());
        let weighted = GradientBoosting::classifier(&params(&with))
            .unwrap()
            .fit(&x, &y)
            .unwrap();
        let repeated = GradientBoosting::classifier(&params(&base))
            .unwrap()
            .fit(&xr, &yr)
            .unwrap();
        let plain = GradientBoosting::classifier(&params(&base))
            .unwrap()
            .fit(&x, &y)
            .unwrap();
        let (a, b, c) = (weighted.predict(&x), repeated.predict(&x), plain.predict(&x));
        let agree = a.iter().zip(&b).filter(|(p, q)| p == q).count();
        assert_eq!(agree, x.rows, "weighted and repeated predictions differ");
        let b_count = |p: &[f64]| p.iter().filter(|&&v| v == 1.0).count();
        assert!(
            b_count(&a) > b_count(&c),
            "weights did not move predictions to b: {} vs {}",
            b_count(&a),
            b_count(&c)
        );
    }

    #[test]
    fn tree_weights_equal_repeated_rows() {
        let ((x, y), (xr, yr)) = data();
        let base = [("max_depth", Value::Int(4))];
        let with = [base[0].clone(), weight_b()];
        let tree = |items: &[(&str, Value)], train: &Matrix, y: &Target| {
            let model = crate::models::tree::DecisionTree::classifier(&params(items)).unwrap();
            model.fit(train, y).unwrap().predict(&x)
        };
        assert_eq!(tree(&with, &x, &y), tree(&base, &xr, &yr));
        assert_ne!(
            tree(&with, &x, &y),
            tree(&base, &x, &y),
            "the weight moved nothing"
        );
    }
}
