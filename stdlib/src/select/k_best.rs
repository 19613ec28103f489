//! `select_k_best`: keeps the `k` numeric columns with the highest univariate
//! score against the target, like scikit-learn's `SelectKBest`.

use super::scores::{chi2, discrete_mi, f_classif, f_regression, quantile_bins, MI_BINS};
use super::{complete, FittedSelect};
use crate::op::{FittedTransform, OpError, Target, Transform};
use crate::registry::{column_error, invalid, param_int, param_str};
use mlg_compiler::workflow::catalog::Params;
use mlg_runtime::frame::Frame;

const OP: &str = "select_k_best";

/// The univariate score `select_k_best` ranks columns by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KBestScore {
    /// ANOVA F across classes (classification targets).
    FClassif,
    /// F of the univariate regression, from the centred correlation
    /// (regression targets).
    FRegression,
    /// Chi-squared of non-negative features against classes (classification).
    Chi2,
    /// Mutual information from equal-frequency binning (either task).
    MutualInfo,
}

impl KBestScore {
    fn name(self) -> &'static str {
        match self {
            KBestScore::FClassif => "f_classif",
            KBestScore::FRegression => "f_regression",
            KBestScore::Chi2 => "chi2",
            KBestScore::MutualInfo => "mutual_info",
        }
    }
}

/// The `select_k_best` features step. Parameters: `k` (int ≥ 1, default 10;
/// more than the selected columns keeps them all) and `score` (`"f_classif"`,
/// `"f_regression"`, `"chi2"` or `"mutual_info"`; default `f_classif` for a
/// classification target and `f_regression` for a regression target).
/// `f_classif` and `chi2` need a classification target and `f_regression` a
/// regression target; a mismatch is an error. Fitting scores every selected
/// column on the training rows (which must have no missing values; `chi2` also
/// needs non-negative values, and the error names the column) and keeps the
/// `k` best; a NaN score (e.g. a constant column under `f_classif`) ranks
/// lowest and equal scores keep the lower column index (scikit-learn keeps the
/// higher one). `mutual_info` is not scikit-learn's k-nearest-neighbour
/// estimator: each feature is cut into 10 equal-frequency bins (see
/// [`quantile_bins`]) and the score is the discrete mutual information in nats
/// between those bins and the class (a regression target is binned the same
/// way), so its values differ from `mutual_info_classif`. Transforming drops the
/// other columns; kept columns pass through unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct SelectKBest {
    /// The number of columns kept.
    pub k: usize,
    /// `None`: chosen from the target's task at fit time.
    pub score: Option<KBestScore>,
}

impl SelectKBest {
    /// Reads the checked parameters; `k < 1` or an unknown `score` is an error.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let k = match param_int(OP, params, "k")?.unwrap_or(10) {
            k if k >= 1 => usize::try_from(k).unwrap_or(usize::MAX),
            k => return Err(invalid(OP, format!("parameter `k` must be at least 1, got {k}"))),
        };
        let score = match param_str(OP, params, "score")? {
            None => None,
            Some("f_classif") => Some(KBestScore::FClassif),
            Some("f_regression") => Some(KBestScore::FRegression),
            Some("chi2") => Some(KBestScore::Chi2),
            Some("mutual_info") => Some(KBestScore::MutualInfo),
            Some(other) => {
                return Err(invalid(
                    OP,
                    format!("parameter `score` must be one of \"f_classif\", \"f_regression\", \"chi2\", \"mutual_info\", got {other:?}"),
                ))
            }
        };
        Ok(SelectKBest { k, score })
    }

    /// Fits which `selected` columns of `frame` survive against `target` (one
    /// entry per frame row); the scores are the univariate scores.
    pub fn select(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<FittedSelect, OpError> {
        if target.len() != frame.n_rows {
            return Err(invalid(
                OP,
                format!(
                    "the target has {} rows but the frame has {}",
                    target.len(),
                    frame.n_rows
                ),
            ));
        }
        let score = match (self.score, target) {
            (Some(s), _) => s,
            (None, Target::Classes { .. }) => KBestScore::FClassif,
            (None, Target::Values(_)) => KBestScore::FRegression,
        };
        let mismatch = |task: &str| {
            invalid(
                OP,
                format!("parameter `score` = \"{}\" needs a {task} target", score.name()),
            )
        };
        let y = match (score, target) {
            (KBestScore::FRegression, Target::Classes { .. }) => return Err(mismatch("regression")),
            (KBestScore::FClassif | KBestScore::Chi2, Target::Values(_)) => {
                return Err(mismatch("classification"))
            }
            (_, Target::Classes { codes, .. }) => Labels::Classes(dense_classes(codes)),
            (_, Target::Values(v)) => {
                if v.iter().any(|y| !y.is_finite()) {
                    return Err(invalid(
                        OP,
                        "the regression target has missing or infinite values",
                    ));
                }
                Labels::Values(v.clone())
            }
        };
        if let Labels::Classes((_, k)) = &y {
            let needs = matches!(score, KBestScore::FClassif | KBestScore::Chi2);
            if needs && (*k < 2 || (score == KBestScore::FClassif && frame.n_rows <= *k)) {
                return Err(invalid(
                    OP,
                    format!(
                        "`{}` needs at least two classes and more rows than classes ({} rows, {k} classes)",
                        score.name(),
                        frame.n_rows
                    ),
                ));
            }
        }
        let binned_target = match (&y, score) {
            (Labels::Values(v), KBestScore::MutualInfo) => Some(quantile_bins(v, MI_BINS)),
            _ => None,
        };
        let mut scores = Vec::with_capacity(selected.len());
        for name in selected {
            let x = complete(OP, frame, name)?;
            let s = match (&y, score) {
                (Labels::Classes((c, k)), KBestScore::FClassif) => f_classif(x, c, *k),
                (Labels::Values(v), KBestScore::FRegression) => f_regression(x, v),
                (Labels::Classes((c, k)), KBestScore::Chi2) => {
                    if x.iter().any(|&v| v < 0.0) {
                        return Err(column_error(
                            OP,
                            name,
                            "has negative values; chi2 needs non-negative features",
                        ));
                    }
                    chi2(x, c, *k)
                }
                (Labels::Classes((c, k)), KBestScore::MutualInfo) => {
                    discrete_mi(&quantile_bins(x, MI_BINS), MI_BINS, c, *k)
                }
                (Labels::Values(_), _) => {
                    let t = binned_target.as_deref().unwrap_or(&[]);
                    discrete_mi(&quantile_bins(x, MI_BINS), MI_BINS, t, MI_BINS)
                }
                // Excluded by the task check above.
                (Labels::Classes(_), KBestScore::FRegression) => f64::NAN,
            };
            scores.push(s);
        }
        let mut order: Vec<usize> = (0..scores.len()).collect();
        let key = |s: f64| if s.is_nan() { f64::NEG_INFINITY } else { s };
        order.sort_by(|&a, &b| key(scores[b]).total_cmp(&key(scores[a])).then(a.cmp(&b)));
        let mut keep = vec![false; scores.len()];
        for &j in order.iter().take(self.k) {
            keep[j] = true;
        }
        Ok(FittedSelect::new(OP, selected, scores, &keep))
    }
}

/// The target as `select_k_best` scores against it.
enum Labels {
    /// Dense class codes `0..k` of the classes present, and `k`.
    Classes((Vec<usize>, usize)),
    Values(Vec<f64>),
}

/// Renumbers class codes to `0..k` over the classes present, in code order.
fn dense_classes(codes: &[u32]) -> (Vec<usize>, usize) {
    let mut present: Vec<u32> = codes.to_vec();
    present.sort_unstable();
    present.dedup();
    let dense = codes
        .iter()
        .map(|c| present.binary_search(c).unwrap_or(0))
        .collect();
    (dense, present.len())
}

impl Transform for SelectKBest {
    fn fit(
        &self,
        frame: &Frame,
        selected: &[String],
        target: &Target,
    ) -> Result<Box<dyn FittedTransform>, OpError> {
        Ok(Box::new(self.select(frame, selected, target)?))
    }
}
