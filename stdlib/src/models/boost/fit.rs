//! The boosting loop: target checks, the seeded validation split, binning,
//! per-round gradients, row and feature sampling, growing one tree per raw
//! score, absolute-error leaf refits, raw-score updates and early stopping.
//! A round whose leaf values or training scores leave the `f32` range (a
//! learning rate far too large) stops the fit with an error naming the round
//! and `learning_rate`.
//!
//! Early stopping follows scikit-learn's `_should_stop`: the held-out loss is
//! recorded before the first round and after each; fitting stops once none
//! of the last `n_iter_no_change` scores beats the one before them by more
//! than `tol`. The trees fitted so far are kept.

use super::bins::{columns, BinMapper};
use super::checkpoint::{restore, State};
use super::config::{BoostLoss, GradientBoosting, Growth};
use super::exact::quantize;
use super::fitted::{BoostNode, BoostTree, FittedBoost};
use super::grow::{BinnedData, GrowParams, Grower, GrownNode, GrownTree};
use super::hist::{SplitRules, Unit};
use super::holdout::Holdout;
use super::loss::{median, Objective};
use crate::eval::rng::SplitMix64;
use crate::models::check_training_data_missing_ok;
use crate::op::{Matrix, OpError, Target};
use crate::registry::invalid;
use mlg_runtime::checkpoint::Saver;
use mlg_runtime::collective::Collective;
use rayon::prelude::*;
use std::sync::Arc;

/// The prepared target: per-row values (class indices for classifiers), the
/// objective, and the fitted classes and label count of a classifier.
struct Prepared {
    y: Vec<f64>,
    objective: Objective,
    classes: Vec<u32>,
    n_labels: usize,
}

fn prepare(cfg: &GradientBoosting, y: &Target) -> Result<Prepared, OpError> {
    let op = cfg.op();
    match (cfg.loss, y) {
        (BoostLoss::LogLoss, Target::Classes { codes, labels }) => {
            let mut classes = codes.clone();
            classes.sort_unstable();
            classes.dedup();
            if classes.len() < 2 {
                return Err(invalid(
                    op,
                    format!(
                        "needs at least two classes in the training rows, got {}",
                        classes.len()
                    ),
                ));
            }
            let y = codes
                .iter()
                .map(|c| classes.binary_search(c).unwrap_or_default() as f64)
                .collect();
            let objective = if classes.len() == 2 {
                Objective::Binary
            } else {
                Objective::Multi(classes.len())
            };
            let n_labels = labels.len().max(classes.last().map_or(0, |&c| c as usize + 1));
            Ok(Prepared {
                y,
                objective,
                classes,
                n_labels,
            })
        }
        (BoostLoss::LogLoss, Target::Values(_)) => Err(invalid(op, "needs a categorical (class) target")),
        (_, Target::Classes { .. }) => Err(invalid(op, "needs a numeric target")),
        (loss, Target::Values(v)) => {
            if let Some(i) = v.iter().position(|t| !t.is_finite()) {
                return Err(invalid(op, format!("target of row {i} is missing or infinite")));
            }
            Ok(Prepared {
                y: v.clone(),
                objective: if loss == BoostLoss::AbsoluteError {
                    Objective::Absolute
                } else {
                    Objective::Squared
                },
                classes: Vec::new(),
                n_labels: 0,
            })
        }
    }
}

/// The raw-score contribution of a grown tree for binned row `i`.
fn predict_binned(nodes: &[GrownNode], codes: &[u8], n_rows: usize, i: usize) -> f64 {
    let mut node = &nodes[0];
    while let Some((f, _, l, r)) = node.split {
        let left = node.goes_left(codes[f * n_rows + i]);
        node = &nodes[if left { l } else { r }];
    }
    node.value
}

/// Rows per parallel chunk of [`add_tree`]'s tree walk.
const WALK_CHUNK: usize = 4096;

/// Adds `tree`'s leaf values to the raw scores `raw` of the binned rows
/// `codes`: through the tree's own row partition when `grown_rows` (every
/// row, grouped by leaf) is given, else by walking each row down the tree in
/// parallel chunks.
fn add_tree(tree: &GrownTree, grown_rows: Option<&[u32]>, codes: &[u8], raw: &mut [f64]) {
    let n = raw.len();
    if let Some(rows) = grown_rows {
        for node in tree.nodes.iter().filter(|node| node.split.is_none()) {
            for &r in &rows[node.start..node.end] {
                raw[r as usize] += node.value;
            }
        }
        return;
    }
    raw.par_chunks_mut(WALK_CHUNK).enumerate().for_each(|(c, chunk)| {
        for (i, v) in chunk.iter_mut().enumerate() {
            *v += predict_binned(&tree.nodes, codes, n, c * WALK_CHUNK + i);
        }
    });
}

/// The features a tree may split on: `round(fraction · d)` (at least one)
/// drawn without replacement.
fn sample_features(d: usize, fraction: f64, rng: &mut SplitMix64) -> Vec<bool> {
    if fraction >= 1.0 {
        return vec![true; d];
    }
    let m = ((fraction * d as f64).round() as usize).clamp(1, d);
    let mut order: Vec<usize> = (0..d).collect();
    rng.shuffle(&mut order);
    let mut active = vec![false; d];
    order.iter().take(m).for_each(|&f| active[f] = true);
    active
}

/// Absolute error: every leaf's value becomes `learning_rate` times the
/// median residual `y − raw` of its rows (scikit-learn's leaf refit).
fn refit_medians(tree: &mut GrownTree, y: &[f64], raw: &[f64], learning_rate: f64) {
    for node in tree.nodes.iter_mut().filter(|node| node.split.is_none()) {
        let mut residuals: Vec<f64> = tree.rows[node.start..node.end]
            .iter()
            .map(|&r| y[r as usize] - raw[r as usize])
            .collect();
        node.value = learning_rate * median(&mut residuals);
    }
}

/// The fitted form of a grown tree: bin splits become `f32` threshold splits
/// (the bin's upper edge; `f32::MAX` past the last real bin, the split that
/// sends only missing values right), categorical ones keep their set of
/// codes (the missing bin's bit cleared: `missing_left` says it), leaf
/// values `f32`.
fn to_boost_tree(nodes: &[GrownNode], mapper: &BinMapper) -> BoostTree {
    BoostTree {
        nodes: nodes
            .iter()
            .map(|node| BoostNode {
                split: node.split.map(|(f, bin, l, r)| {
                    let edge = match node.cats {
                        Some(_) => Some(0.0),
                        None => mapper.thresholds[f].get(bin as usize).copied(),
                    };
                    (f, edge.unwrap_or(f32::MAX), l, r)
                }),
                missing_left: node.missing_left,
                left_codes: node.cats.map(|mut set| {
                    set[3] &= !(1 << 63);
                    set
                }),
                value: node.value as f32,
            })
            .collect(),
    }
}

/// The error of a fit whose scores left the `f32` range in round
/// `rounds + 1`.
fn diverged(op: &str, rounds: usize, learning_rate: f64) -> OpError {
    invalid(
        op,
        format!(
            "training diverged at round {}: leaf values or training scores left the f32 range \
             (learning_rate {learning_rate:?}); lower learning_rate, or scale the target",
            rounds + 1
        ),
    )
}

/// scikit-learn's `_should_stop`: none of the last `n_iter_no_change` scores
/// (higher is better) beats the one before them by more than `tol`.
fn should_stop(scores: &[f64], n_iter_no_change: usize, tol: f64) -> bool {
    let window = n_iter_no_change + 1;
    if scores.len() < window {
        return false;
    }
    let reference = scores[scores.len() - window] + tol;
    !scores[scores.len() - window + 1..].iter().any(|&s| s > reference)
}

/// Fits the ensemble (see [`GradientBoosting::fit_boost`]). Runs on a rayon
/// worker thread (moving there when called from outside the pool), so that
/// the many short parallel sections of tree growth are forked from inside the
/// pool rather than each handed over from an outside thread.
///
/// In a distributed job it stays on the calling thread, which makes the
/// job's collective calls ([`mlg_runtime::collective`]), and fits on this
/// rank's rows with the bins, classes, baseline and histograms of every
/// rank's (`ranks.rs`, `grow.rs`); early stopping, row subsampling and the
/// absolute loss are refused there.
pub(crate) fn fit(cfg: &GradientBoosting, x: &Matrix, y: &Target) -> Result<FittedBoost, OpError> {
    let comm = mlg_runtime::collective::current();
    let slot = mlg_runtime::checkpoint::slot();
    if comm.size() > 1 {
        return fit_in_pool(cfg, x, y, Some(&comm), slot.as_ref());
    }
    rayon::scope(|_| fit_in_pool(cfg, x, y, None, slot.as_ref()))
}

/// What a resumed fit must match to continue from a checkpoint: the
/// settings, the bins, the classes and the (this rank's) targets.
fn fingerprint(cfg: &GradientBoosting, mapper: &BinMapper, y: &[f64], k: usize) -> u64 {
    let mut bytes = format!("{cfg:?} k={k} n={}", y.len()).into_bytes();
    for t in &mapper.thresholds {
        bytes.extend(t.iter().flat_map(|v| v.to_bits().to_le_bytes()));
    }
    mlg_runtime::checkpoint::fingerprint_f64s(mlg_runtime::checkpoint::fingerprint(&bytes), y)
}

#[allow(clippy::too_many_lines)]
fn fit_in_pool(
    cfg: &GradientBoosting,
    x: &Matrix,
    y: &Target,
    comm: Option<&Arc<dyn Collective>>,
    slot: Option<&mlg_runtime::checkpoint::Slot>,
) -> Result<FittedBoost, OpError> {
    let op = cfg.op();
    if comm.is_some() && cfg.loss == BoostLoss::AbsoluteError {
        return Err(invalid(
            op,
            "on rows spread over ranks, use a loss other than \"absolute_error\" (its medians need \
             rows the other ranks hold)",
        ));
    }
    check_training_data_missing_ok(op, x, y)?;
    let mut prep = prepare(cfg, y)?;
    if let (Some(comm), Target::Classes { codes, labels }) = (&comm, y) {
        // The classes of every rank's rows, re-indexed as one process would.
        let classes = super::ranks::classes(comm.as_ref(), codes, labels.len());
        prep.y = codes
            .iter()
            .map(|c| classes.binary_search(c).unwrap_or_default() as f64)
            .collect();
        prep.objective = if classes.len() == 2 {
            Objective::Binary
        } else {
            Objective::Multi(classes.len())
        };
        prep.n_labels = labels.len().max(classes.last().map_or(0, |&c| c as usize + 1));
        prep.classes = classes;
    }
    let objective = prep.objective;
    let ranks = comm.map(AsRef::as_ref);
    // `class_weight` per class index (the order of `prep.classes`).
    let class_weights: Option<Vec<f64>> = cfg
        .class_weight
        .per_label(op, y, ranks)?
        .map(|per_label| prep.classes.iter().map(|&c| per_label[c as usize]).collect());
    let total_rows = match ranks {
        Some(c) => mlg_runtime::collective::counts(c, x.rows).iter().sum(),
        None => x.rows,
    };
    let early = cfg.stops_early(total_rows);
    let holdout = if early {
        let h = Holdout::split(
            ranks,
            &prep.y,
            prep.classes.len(),
            cfg.validation_fraction,
            cfg.seed,
        );
        if h.total_train == 0 || h.total_val == 0 {
            return Err(invalid(
                op,
                format!(
                    "validation_fraction {} of {total_rows} rows leaves no validation or no training rows; \
                     set early_stopping = \"off\"",
                    cfg.validation_fraction
                ),
            ));
        }
        h
    } else {
        Holdout::none(ranks, x.rows)
    };
    let (train, val) = (&holdout.train, &holdout.val);
    let train_cols = columns(x, train);
    let mapper = match &comm {
        Some(comm) => super::ranks::mapper(
            comm.as_ref(),
            &train_cols,
            train.len(),
            x.cols,
            cfg.max_bins,
            cfg.seed,
        ),
        None => BinMapper::fit(&train_cols, train.len(), cfg.max_bins, cfg.seed),
    };
    let mut mapper = mapper;
    mapper.categories = cfg.categories.clone();
    let n_bins: Vec<usize> = (0..x.cols).map(|f| mapper.n_bins(f)).collect();
    let categorical: Vec<bool> = (0..x.cols).map(|f| mapper.levels(f).is_some()).collect();
    let codes = mapper.bin_columns(&train_cols, train.len());
    drop(train_cols);
    let val_codes = mapper.bin_columns(&columns(x, val), val.len());
    let y_train: Vec<f64> = train.iter().map(|&r| prep.y[r]).collect();
    let y_val: Vec<f64> = val.iter().map(|&r| prep.y[r]).collect();
    // The held-out score: minus the mean loss over every rank's held-out rows.
    let val_score = |raw_val: &[Vec<f64>]| -objective.loss(ranks, &y_val, raw_val, class_weights.as_deref());
    let (n, n_val, k) = (train.len(), val.len(), objective.outputs());
    let baseline = match (&class_weights, &comm) {
        (Some(weights), _) => objective.weighted_baseline(ranks, &y_train, weights),
        (None, Some(comm)) => super::ranks::baseline(comm.as_ref(), objective, &y_train),
        (None, None) => objective.baseline(&y_train),
    };
    let mut raw: Vec<Vec<f64>> = baseline.iter().map(|&b| vec![b; n]).collect();
    let mut raw_val: Vec<Vec<f64>> = baseline.iter().map(|&b| vec![b; n_val]).collect();
    let mut gh = vec![vec![[0f32; 2]; n]; k];
    let mut steps: Vec<Vec<[i32; 2]>> = vec![Vec::new(); k];
    let params = GrowParams {
        max_leaf_nodes: cfg.max_leaf_nodes,
        max_depth: cfg.max_depth,
        depthwise: cfg.growth == Growth::Depth,
        learning_rate: cfg.learning_rate,
        rules: SplitRules {
            min_samples_leaf: u32::try_from(cfg.min_samples_leaf).unwrap_or(u32::MAX),
            l2: cfg.l2_regularization,
            min_gain: cfg.min_gain,
            unit: Unit { g: 1.0, h: 1.0 },
        },
    };
    let data = BinnedData {
        codes: &codes,
        n_rows: n,
        n_bins: &n_bins,
        categorical: &categorical,
    };
    let mut grower = Grower::new(data, params, comm.cloned());
    let mut rng = SplitMix64::new(cfg.seed ^ 0x5DEE_CE66_D1CE_B00C);
    let mut trees: Vec<Vec<BoostTree>> = vec![Vec::new(); k];
    let mut gains = vec![0.0; x.cols];
    let mut scores = Vec::new();
    if early {
        scores.push(val_score(&raw_val));
    }
    let mut rounds = 0;
    // Every grown tree, for checkpoints; a resumed fit starts from the last.
    let mut grown: Vec<Vec<Vec<GrownNode>>> = vec![Vec::new(); k];
    let print = fingerprint(cfg, &mapper, &y_train, k);
    let mut saver = slot.map(|s| Saver::new(s.clone(), print, cfg.checkpoint_rounds));
    let restored = match slot {
        Some(s) => restore(op, s, print, comm.map(AsRef::as_ref))?,
        None => None,
    };
    if let Some(state) = restored {
        (rounds, rng, scores, gains) = (
            state.rounds,
            SplitMix64::new(state.rng),
            state.scores,
            state.gains,
        );
        for (c, class_trees) in state.grown.iter().enumerate() {
            for nodes in class_trees {
                let tree = GrownTree {
                    nodes: nodes.clone(),
                    rows: Vec::new(),
                };
                add_tree(&tree, None, &codes, &mut raw[c]);
                add_tree(&tree, None, &val_codes, &mut raw_val[c]);
                trees[c].push(to_boost_tree(nodes, &mapper));
            }
        }
        grown = state.grown;
    }
    while rounds < cfg.rounds {
        objective.gradients(&y_train, &raw, &mut gh);
        if let Some(weights) = &class_weights {
            Objective::weigh(&mut gh, &y_train, weights);
        }
        let units = quantize(ranks, &gh, objective.const_hessian(), &mut steps);
        if !units.iter().all(|u| u.g.is_finite()) {
            return Err(diverged(op, rounds, cfg.learning_rate));
        }
        let sample = holdout.sample(cfg.subsample, &mut rng);
        for c in 0..k {
            let active = sample_features(x.cols, cfg.colsample, &mut rng);
            let (rows, all) = match &sample {
                Some(s) => (s.clone(), false),
                None => ((0..n as u32).collect(), true),
            };
            let mut tree = grower.grow(rows, all, (&steps[c], units[c]), &active);
            if objective == Objective::Absolute {
                refit_medians(&mut tree, &y_train, &raw[c], cfg.learning_rate);
            }
            // Training and validation scores are updated side by side; each
            // row's update is one addition, so the order does not matter.
            rayon::join(
                || add_tree(&tree, all.then_some(&tree.rows[..]), &codes, &mut raw[c]),
                || add_tree(&tree, None, &val_codes, &mut raw_val[c]),
            );
            for node in &tree.nodes {
                if let Some((f, ..)) = node.split {
                    gains[f] += node.gain;
                }
            }
            let nodes = tree.nodes;
            let tree = to_boost_tree(&nodes, &mapper);
            grown[c].push(nodes);
            let in_range = |v: &f64| v.abs() <= f64::from(f32::MAX);
            if !raw[c].iter().all(in_range) || !tree.nodes.iter().all(|n| n.value.is_finite()) {
                return Err(diverged(op, rounds, cfg.learning_rate));
            }
            trees[c].push(tree);
        }
        rounds += 1;
        if early {
            scores.push(val_score(&raw_val));
            if should_stop(&scores, cfg.n_iter_no_change, cfg.tol) {
                break;
            }
        }
        if let Some(saver) = saver.as_mut() {
            saver
                .after(rounds, || {
                    State {
                        rounds,
                        rng: rng.state(),
                        scores: scores.clone(),
                        gains: gains.clone(),
                        grown: grown.clone(),
                    }
                    .encode()
                })
                .map_err(|e| invalid(op, e.to_string()))?;
        }
    }
    Ok(FittedBoost {
        op,
        classifier: cfg.loss == BoostLoss::LogLoss,
        n_features: x.cols,
        classes: prep.classes,
        n_labels: prep.n_labels,
        baseline: baseline.iter().map(|&b| b as f32).collect(),
        trees,
        gains,
        rounds,
        validation_loss: scores.last().map(|s| -s),
        categories: cfg.categories.clone(),
    })
}
