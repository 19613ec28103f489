//! `svm`: C-support vector classification (scikit-learn's `SVC`), one binary
//! problem per class pair (one-vs-one, default) or per class (one-vs-rest),
//! trained in parallel, with optional Platt-scaled probabilities.

use super::binary::{self, Setup};
use super::expansion::Expansion;
use super::fitted::{FittedSvm, Multiclass};
use super::params::{KernelKind, KernelSpec, SolverSpec};
use super::platt::pairs;
use crate::eval::rng::SplitMix64;
use crate::models::check_training_data;
use crate::models::class_weight::ClassWeights;
use crate::op::{Estimator, FittedModel, Matrix, OpError, Target};
use crate::registry::{invalid, param_bool, param_f64, param_int, param_str};
use mlg_compiler::workflow::catalog::{Params, Task};
use rayon::prelude::*;

/// Catalog name of the classifier.
pub const OP: &str = "svm";

/// The `svm` model. Parameters: the kernel ([`KernelSpec`]), the solver
/// ([`SolverSpec`]), `multiclass` (`"ovo"` default, or `"ovr"`),
/// `probability` (Platt scaling, default false), `solver` (`"smo"` default, or
/// `"dual_cd"` for the linear kernel), `intercept_scaling` (dual CD's
/// intercept feature value, `> 0`, default 1), `seed` (Platt's folds,
/// dual CD's order; default 0) and `class_weight` (`"none"`, default,
/// `"balanced"` or `{ label = weight }`: a row's bound is `c` times its
/// class's weight, libsvm's `-wi`).
#[derive(Clone, Debug, PartialEq)]
pub struct Svm {
    /// The kernel and its parameters.
    pub kernel: KernelSpec,
    /// Bound `c`, tolerance, iteration limit, shrinking.
    pub solver: SolverSpec,
    /// How more than two classes are split.
    pub multiclass: Multiclass,
    /// Fit Platt sigmoids for the `proba` output.
    pub probability: bool,
    /// Train with dual coordinate descent instead of SMO (linear kernel only).
    pub dual_cd: bool,
    /// Value of dual CD's constant intercept feature: the intercept `b` costs
    /// `b² / (2 intercept_scaling²)` (liblinear's `-B`).
    pub intercept_scaling: f64,
    /// Seed of Platt's folds and dual CD's visiting order.
    pub seed: u64,
    /// Per-class weights: a row's bound is `c` times its class's weight.
    pub class_weight: ClassWeights,
}

impl Svm {
    /// Reads and checks the parameters; unknown choices, out-of-range values
    /// and `solver = "dual_cd"` with a non-linear kernel are errors.
    pub fn new(params: &Params) -> Result<Self, OpError> {
        let kernel = KernelSpec::parse(OP, params)?;
        let solver = SolverSpec::parse(OP, params)?;
        let multiclass = match param_str(OP, params, "multiclass")?.unwrap_or("ovo") {
            "ovo" => Multiclass::Ovo,
            "ovr" => Multiclass::Ovr,
            other => {
                return Err(invalid(
                    OP,
                    format!("multiclass must be \"ovo\" or \"ovr\", got \"{other}\""),
                ))
            }
        };
        let dual_cd = match param_str(OP, params, "solver")?.unwrap_or("smo") {
            "smo" => false,
            "dual_cd" if kernel.kind == KernelKind::Linear => true,
            "dual_cd" => return Err(invalid(OP, "solver \"dual_cd\" needs kernel = \"linear\"")),
            other => {
                return Err(invalid(
                    OP,
                    format!("solver must be \"smo\" or \"dual_cd\", got \"{other}\""),
                ))
            }
        };
        let intercept_scaling = param_f64(OP, params, "intercept_scaling", 1.0)?;
        if !(intercept_scaling > 0.0 && intercept_scaling.is_finite()) {
            return Err(invalid(
                OP,
                format!("intercept_scaling must be a finite number > 0, got {intercept_scaling}"),
            ));
        }
        let seed = param_int(OP, params, "seed")?.unwrap_or(0);
        let seed = u64::try_from(seed).map_err(|_| invalid(OP, format!("seed must be >= 0, got {seed}")))?;
        Ok(Svm {
            kernel,
            solver,
            multiclass,
            probability: param_bool(OP, params, "probability", false)?,
            dual_cd,
            intercept_scaling,
            seed,
            class_weight: ClassWeights::parse(OP, params)?,
        })
    }

    /// [`Estimator::fit`] with the concrete fitted type. Errors on a
    /// non-class target, fewer than two classes, no feature columns, or
    /// non-finite features.
    pub fn fit_svm(&self, x: &Matrix, y: &Target) -> Result<FittedSvm, OpError> {
        check_training_data(OP, x, y)?;
        let Target::Classes { codes, labels } = y else {
            return Err(invalid(OP, "needs class labels; use svr for a numeric target"));
        };
        if let Some(&bad) = codes.iter().find(|&&c| c as usize >= labels.len()) {
            return Err(invalid(
                OP,
                format!("class code {bad} out of range for {} labels", labels.len()),
            ));
        }
        if x.cols == 0 {
            return Err(invalid(OP, "needs at least one feature column"));
        }
        let mut classes = codes.clone();
        classes.sort_unstable();
        classes.dedup();
        let k = classes.len();
        if k < 2 {
            return Err(invalid(
                OP,
                format!("the training rows hold {k} class(es); at least 2 are needed"),
            ));
        }
        let index: Vec<usize> = codes
            .iter()
            .map(|c| classes.binary_search(c).unwrap_or_default())
            .collect();
        // Rows grouped by class, then by position: libsvm's support-vector order.
        let mut order: Vec<usize> = (0..x.rows).collect();
        order.sort_by_key(|&r| (index[r], r));
        let multiclass = if k == 2 { Multiclass::Ovo } else { self.multiclass };
        // Each binary problem: its rows (in training order) and their ±1 labels.
        let problems: Vec<(Vec<usize>, Vec<f64>)> = match multiclass {
            Multiclass::Ovo => pairs(k)
                .into_iter()
                .map(|(a, b)| {
                    let rows: Vec<usize> = order
                        .iter()
                        .copied()
                        .filter(|&r| index[r] == a || index[r] == b)
                        .collect();
                    let labels = rows
                        .iter()
                        .map(|&r| if index[r] == a { 1.0 } else { -1.0 })
                        .collect();
                    (rows, labels)
                })
                .collect(),
            Multiclass::Ovr => (0..k)
                .map(|c| {
                    let labels = order
                        .iter()
                        .map(|&r| if index[r] == c { 1.0 } else { -1.0 })
                        .collect();
                    (order.clone(), labels)
                })
                .collect(),
        };
        // Each row's bound scale: its class's weight (a weight of 0 keeps a
        // tiny bound, so the row cannot move the decision function).
        let row_weights: Option<Vec<f64>> = self
            .class_weight
            .per_label(OP, y, None)?
            .map(|per_label| codes.iter().map(|&c| per_label[c as usize].max(1e-12)).collect());
        let kernel = self.kernel.resolve(x);
        let setup = Setup {
            kernel,
            solver: &self.solver,
            dual_cd: self.dual_cd,
            intercept_scaling: self.intercept_scaling,
        };
        let mut seeds = SplitMix64::new(self.seed);
        let seeds: Vec<(u64, u64)> = problems
            .iter()
            .map(|_| (seeds.next_u64(), seeds.next_u64()))
            .collect();
        let fits: Vec<_> = problems
            .par_iter()
            .zip(&seeds)
            .map(|((rows, labels), &(fit_seed, platt_seed))| {
                let sub: Vec<f64> = rows.iter().flat_map(|&r| x.row(r).iter().copied()).collect();
                let scale: Vec<f64> = match &row_weights {
                    Some(w) => rows.iter().map(|&r| w[r]).collect(),
                    None => Vec::new(),
                };
                let fit = binary::train(&sub, x.cols, labels, &scale, &setup, fit_seed);
                let ab = self
                    .probability
                    .then(|| binary::platt_ab(&sub, x.cols, labels, &scale, &setup, platt_seed));
                (fit, ab)
            })
            .collect();
        let functions: Vec<Vec<(usize, f64)>> = problems
            .iter()
            .zip(&fits)
            .map(|((rows, _), (fit, _))| rows.iter().copied().zip(fit.coef.iter().copied()).collect())
            .collect();
        let bias = fits.iter().map(|(fit, _)| -fit.rho).collect();
        let expansion = Expansion::assemble(kernel, x, &order, &functions, bias);
        let mut n_support = vec![0; k];
        let mut is_sv = vec![false; x.rows];
        functions
            .iter()
            .flatten()
            .filter(|(_, c)| *c != 0.0)
            .for_each(|&(r, _)| is_sv[r] = true);
        (0..x.rows)
            .filter(|&r| is_sv[r])
            .for_each(|r| n_support[index[r]] += 1);
        Ok(FittedSvm {
            expansion,
            classes,
            n_labels: labels.len(),
            multiclass,
            platt: if self.probability {
                Some(fits.iter().filter_map(|(_, ab)| *ab).collect())
            } else {
                None
            },
            n_support,
            iterations: fits.iter().map(|(f, _)| f.iterations).sum(),
            converged: fits.iter().all(|(f, _)| f.converged),
        })
    }
}

impl Estimator for Svm {
    fn task(&self) -> Task {
        Task::Classification
    }

    fn fit(&self, x: &Matrix, y: &Target) -> Result<Box<dyn FittedModel>, OpError> {
        Ok(Box::new(self.fit_svm(x, y)?))
    }
}
