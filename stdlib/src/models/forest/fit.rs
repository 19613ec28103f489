//! Fitting a forest: one shared [`TreeData`] (features as `f32` columns, the
//! quantile bins when the histogram search is used), then every tree on its
//! own bootstrap weights, in parallel; a deployed fit grows them in batches
//! and checkpoints after each (`checkpoint.rs`).

use super::*;
use crate::eval::rng::SplitMix64;
use crate::models::tree::{class_weights, ClassWeight, FeatureSampler, TreeData};
use rayon::prelude::*;

/// In-bag rows of one tree as a bit set (`bit r` set = row `r` was drawn).
pub(super) type InBag = Vec<u64>;

/// Whether row `r` is in the bag `bag`.
pub(super) fn in_bag(bag: &InBag, r: usize) -> bool {
    bag[r / 64] >> (r % 64) & 1 == 1
}

impl RandomForest {
    /// [`Estimator::fit`] with the concrete fitted type: the trees in order,
    /// fitted in parallel, plus the out-of-bag score when `oob_score`. Errors
    /// on a target of the wrong kind, a class code outside the labels, a
    /// non-finite target, or missing / non-finite features.
    pub fn fit_forest(&self, x: &Matrix, y: &Target) -> Result<FittedForest, OpError> {
        let op = self.op();
        let classifier = self.tree.criterion.is_classifier();
        let extra = self.tree.splitter == Splitter::Random;
        let other = forest_name(extra, !classifier);
        let binned = self.tree.resolved_splitter(x.rows) == Splitter::Hist;
        let data = TreeData::new(op, other, x, y, classifier, binned)?;
        let n = data.n;
        let mut base = SplitMix64::new(self.seed);
        let seeds: Vec<u64> = (0..self.trees).map(|_| base.next_u64()).collect();
        let k = self.max_features.count(data.d);
        // "balanced": class weights of the whole training set, shared by every tree.
        let shared = match (&data.labels, self.tree.class_weight) {
            (crate::models::tree::Labels::Classes { codes, width }, ClassWeight::Balanced) => {
                Some((codes, class_weights(codes, &vec![1.0; n], *width)))
            }
            _ => None,
        };
        let grow = |&s: &u64| {
            let mut rng = SplitMix64::new(s);
            let mut weight = vec![1.0; n];
            if self.bootstrap {
                weight.iter_mut().for_each(|w| *w = 0.0);
                for _ in 0..n {
                    weight[rng.below(n as u64) as usize] += 1.0;
                }
            }
            if let Some((codes, per_class)) = &shared {
                weight
                    .iter_mut()
                    .zip(codes.iter())
                    .for_each(|(w, &c)| *w *= per_class[c as usize]);
            } else if self.tree.class_weight == ClassWeight::BalancedSubsample {
                data.balance(&mut weight);
            }
            let rows: Vec<u32> = (0..n as u32).filter(|&r| weight[r as usize] > 0.0).collect();
            let bag = (self.oob_score).then(|| {
                let mut bag = vec![0u64; n.div_ceil(64)];
                for &r in &rows {
                    bag[r as usize / 64] |= 1 << (r % 64);
                }
                bag
            });
            let sampler = FeatureSampler::new(rng, k);
            let (tree, _) = self.tree.grow(&data, &weight, rows, sampler, true);
            (tree, bag)
        };
        let slot = mlg_runtime::checkpoint::slot();
        let fitted = match &slot {
            None => seeds.par_iter().map(grow).collect(),
            Some(slot) => {
                let print = super::checkpoint::fingerprint_of(&format!("{self:?}"), x, y);
                let bag_words = self.oob_score.then(|| n.div_ceil(64));
                let mut grown = super::checkpoint::restore(op, slot, print, (self.trees, data.d, bag_words))?;
                let every = self.checkpoint_trees;
                // Batches of `checkpoint_trees`, or enough trees to keep every
                // thread busy between two looks at the clock.
                let batch = every.unwrap_or(4 * rayon::current_num_threads()).max(1);
                let mut saver = mlg_runtime::checkpoint::Saver::new(slot.clone(), print, every);
                while grown.len() < self.trees {
                    let next = &seeds[grown.len()..(grown.len() + batch).min(self.trees)];
                    grown.extend(next.par_iter().map(grow).collect::<Vec<_>>());
                    saver
                        .after(grown.len(), || super::checkpoint::encode(&grown))
                        .map_err(|e| invalid(op, e.to_string()))?;
                }
                grown
            }
        };
        let fitted: Vec<(FittedTree, Option<InBag>)> = fitted;
        let (trees, bags): (Vec<FittedTree>, Vec<Option<InBag>>) = fitted.into_iter().unzip();
        let oob_score = if self.oob_score {
            let bags: Vec<InBag> = bags.into_iter().flatten().collect();
            oob::score(&data, &trees, &bags)
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
