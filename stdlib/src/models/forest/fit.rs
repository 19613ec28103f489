//! Fitting a forest: one shared [`TreeData`] (features as `f32` columns, the
//! quantile bins when the histogram search is used), then every tree on its
//! own bootstrap weights, in parallel; a deployed fit grows them in batches
//! and checkpoints after each (`checkpoint.rs`). In a distributed job the
//! trees grow one after another, each over every rank's rows (`ranks.rs`).

use super::ranks::Share;
use super::*;
use crate::eval::rng::SplitMix64;
use crate::models::tree::{ClassWeight, Criterion, FeatureSampler, TreeData};
use rayon::prelude::*;

/// In-bag rows of one tree as a bit set (`bit r` set = row `r` was drawn).
pub(super) type InBag = Vec<u64>;

/// Whether row `r` is in the bag `bag`.
pub(super) fn in_bag(bag: &InBag, r: usize) -> bool {
    bag[r / 64] >> (r % 64) & 1 == 1
}

/// The in-bag bit set of the rows `rows` of `n`.
fn bag_of(rows: impl Iterator<Item = u32>, n: usize) -> InBag {
    let mut bag = vec![0u64; n.div_ceil(64)];
    for r in rows {
        bag[r as usize / 64] |= 1 << (r % 64);
    }
    bag
}

impl RandomForest {
    /// [`Estimator::fit`] with the concrete fitted type: the trees in order,
    /// fitted in parallel, plus the out-of-bag score when `oob_score`. Errors
    /// on a target of the wrong kind, a class code outside the labels, a
    /// non-finite target, or missing / non-finite features.
    ///
    /// In a distributed job (the current collective has several ranks) this
    /// rank holds `x` and `y`, a share of the rows: the trees use the
    /// histogram search (extra trees their random thresholds), grow one at a
    /// time, and equal one process's forest of `splitter = "hist"` on all
    /// the rows. The absolute error and `splitter = "exact"` are refused there.
    pub fn fit_forest(&self, x: &Matrix, y: &Target) -> Result<FittedForest, OpError> {
        let op = self.op();
        let comm = mlg_runtime::collective::current();
        let share = Share::of(Some(&*comm), x.rows);
        let extra = self.tree.splitter == Splitter::Random;
        let mut tree = self.tree.clone();
        if share.comm.is_some() {
            if tree.criterion == Criterion::AbsoluteError {
                return Err(invalid(
                    op,
                    "criterion \"absolute_error\" does not run distributed",
                ));
            }
            if tree.splitter == Splitter::Exact {
                return Err(invalid(
                    op,
                    "splitter \"exact\" does not run distributed; use \"hist\"",
                ));
            }
            if !extra {
                tree.splitter = Splitter::Hist;
            }
        }
        let classifier = tree.criterion.is_classifier();
        let other = forest_name(extra, !classifier);
        let binned = tree.resolved_splitter(share.total) == Splitter::Hist;
        let data = share.agree(
            op,
            TreeData::new(op, other, x, y, classifier, binned && share.comm.is_none()),
        )?;
        let mut data = data;
        if let (Some(comm), true) = (share.comm, binned) {
            data.bin_over(comm);
        }
        let n = data.n;
        let mut base = SplitMix64::new(self.seed);
        let seeds: Vec<u64> = (0..self.trees).map(|_| base.next_u64()).collect();
        let k = self.max_features.count(data.d);
        // "balanced": class weights of the whole training set, shared by
        // every tree. With the bootstrap they weigh the draw, not the drawn
        // rows (scikit-learn 1.8 and later); without, every row.
        let per_label = share.agree(op, tree.class_weight.per_label(op, y, share.comm))?;
        let shared = match (&data.labels, per_label) {
            (crate::models::tree::Labels::Classes { codes, .. }, Some(per_class)) => {
                let draw = self.bootstrap.then(|| share.weighted_draw(codes, &per_class));
                Some((codes, per_class, draw))
            }
            _ => None,
        };
        let grow = |&s: &u64| {
            let mut rng = SplitMix64::new(s);
            let mut weight = match (&shared, self.bootstrap) {
                (Some((_, _, Some(draw))), _) => share.weighted_bootstrap(draw, &mut rng, n),
                (_, true) => share.bootstrap(&mut rng, n),
                (_, false) => vec![1.0; n],
            };
            if let Some((codes, per_class, None)) = &shared {
                weight
                    .iter_mut()
                    .zip(codes.iter())
                    .for_each(|(w, &c)| *w *= per_class[c as usize]);
            } else if tree.class_weight == ClassWeight::BalancedSubsample {
                data.balance(&mut weight, share.comm);
            }
            let rows: Vec<u32> = (0..n as u32).filter(|&r| weight[r as usize] > 0.0).collect();
            let bag = self.oob_score.then(|| bag_of(rows.iter().copied(), n));
            let sampler = FeatureSampler::new(rng, k);
            let (tree, _) = tree.grow(&data, &weight, rows, sampler, true, share.comm);
            (tree, bag)
        };
        // Trees of a distributed job grow in turn: each one's collectives
        // must come in the same order on every rank.
        let grow_all = |seeds: &[u64]| -> Vec<(FittedTree, Option<InBag>)> {
            if share.comm.is_some() {
                seeds.iter().map(grow).collect()
            } else {
                seeds.par_iter().map(grow).collect()
            }
        };
        let slot = mlg_runtime::checkpoint::slot();
        let fitted = match &slot {
            None => grow_all(&seeds),
            Some(slot) => {
                let print = crate::models::checkpoints::fingerprint_of(&format!("{self:?}"), x, y);
                // Ranks hold different rows: their bags are not saved but
                // drawn again from the trees' seeds.
                let keep_bags = self.oob_score && share.comm.is_none();
                let bag_words = keep_bags.then(|| n.div_ceil(64));
                let mut grown =
                    super::checkpoint::restore(op, slot, print, (self.trees, data.d, bag_words), share.comm)?;
                if self.oob_score && !keep_bags {
                    for ((_, bag), &s) in grown.iter_mut().zip(&seeds) {
                        let weight = share.bootstrap(&mut SplitMix64::new(s), n);
                        *bag = Some(bag_of((0..n as u32).filter(|&r| weight[r as usize] > 0.0), n));
                    }
                }
                let every = self.checkpoint_trees;
                // Batches of `checkpoint_trees`, or enough trees to keep every
                // thread busy between two looks at the clock.
                let batch = every.unwrap_or(4 * rayon::current_num_threads()).max(1);
                let mut saver = mlg_runtime::checkpoint::Saver::new(slot.clone(), print, every);
                while grown.len() < self.trees {
                    let next = &seeds[grown.len()..(grown.len() + batch).min(self.trees)];
                    grown.extend(grow_all(next));
                    saver
                        .after(grown.len(), || {
                            if keep_bags {
                                super::checkpoint::encode(&grown)
                            } else {
                                let trees: Vec<_> = grown.iter().map(|(t, _)| (t.clone(), None)).collect();
                                super::checkpoint::encode(&trees)
                            }
                        })
                        .map_err(|e| invalid(op, e.to_string()))?;
                }
                grown
            }
        };
        let (trees, bags): (Vec<FittedTree>, Vec<Option<InBag>>) = fitted.into_iter().unzip();
        let oob_score = if self.oob_score {
            let bags: Vec<InBag> = bags.into_iter().flatten().collect();
            oob::score(&data, &trees, &bags, share.comm)
        } else {
            None
        };
        Ok(FittedForest {
            classifier,
            n_features: data.d,
            trees,
            oob_score,
            op,
        })
    }
}
