//! Native categorical splits, as scikit-learn's `HistGradientBoosting*`
//! (`categorical_features`) and LightGBM (Fisher's grouping) make them.
//!
//! A categorical feature's bin is its category code (at most `max_bins`
//! levels), its missing values the [`MISSING`] bin. A split sends a set of
//! bins left ([`BinSet`]). To find it ([`scan`], scikit-learn's
//! `_find_best_bin_to_split_category`): the bins with enough support
//! (hessian × rows / total hessian ≥ 10, the missing bin included) are
//! sorted by `G / (H + 10)`; prefixes of that order, scanned from both ends
//! and up to the middle (and at most 32 categories), are the candidate left
//! sets, scored with the numeric splits' gain. Bins with little support,
//! and categories the node never saw, go right. Missing values go left only
//! when their bin is in the left set.
//!
//! Lowering ([`lower_sets`]): a tree table compares numbers, so each
//! distinct `(feature, set)` becomes one `Lookup` of the feature's code
//! giving `0` (left) or `1` (right), with NaN and unseen codes (`-1`)
//! taking the missing values' side; the split compares that indicator with
//! `0.5`. The indicators are appended to the trees' input.

use super::bins::MISSING;
use super::hist::{split_gain, Bin, Candidate, SplitRules, Sums};
use crate::op::OpError;
use mlg_compiler::ir::{GraphBuilder, NodeId, Op};
use std::collections::HashMap;

/// A set of bin codes: bit `b % 64` of word `b / 64` for bin `b`; bit 255
/// is the missing bin.
pub type BinSet = [u64; 4];

/// Whether `set` holds bin `b`.
#[inline(always)]
pub fn contains(set: &BinSet, b: u8) -> bool {
    (set[usize::from(b >> 6)] >> (b & 63)) & 1 == 1
}

/// Adds bin `b` to `set`.
pub fn insert(set: &mut BinSet, b: u8) {
    set[usize::from(b >> 6)] |= 1 << (b & 63);
}

/// scikit-learn's `MIN_CAT_SUPPORT` (LightGBM's `cat_smooth`): the least
/// support a category needs to be placed, and the smoothing of its value.
const MIN_CAT_SUPPORT: f64 = 10.0;
/// scikit-learn's `MAX_CAT_THRESHOLD`: the most categories sent left.
const MAX_CAT_THRESHOLD: usize = 32;

/// The best left set of one categorical feature's real `bins` and its
/// `missing` bin, for a node with sums `total` (see the module doc); `None`
/// when fewer than two categories have support or no set keeps both sides
/// valid. The candidate's `cats` is the left set, `missing_left` whether
/// it holds the missing bin.
pub(crate) fn scan(bins: &[Bin], missing: &Bin, total: Sums, rules: &SplitRules) -> Option<Candidate> {
    let (g_total, h_total) = total.real(rules.unit);
    if h_total <= 0.0 {
        return None;
    }
    let support = f64::from(total.n) / h_total;
    let real = |b: &Bin| {
        Sums {
            g: b.g,
            h: b.h,
            n: b.n as u32,
        }
        .real(rules.unit)
    };
    let mut placed: Vec<(f64, u8, &Bin)> = bins
        .iter()
        .enumerate()
        .map(|(b, bin)| (b as u8, bin))
        .chain(std::iter::once((MISSING, missing)))
        .filter_map(|(b, bin)| {
            let (g, h) = real(bin);
            (bin.n > 0 && h * support >= MIN_CAT_SUPPORT).then(|| (g / (h + MIN_CAT_SUPPORT), b, bin))
        })
        .collect();
    if placed.len() <= 1 {
        return None;
    }
    placed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let parent = g_total * g_total / (h_total + rules.l2);
    let used = placed.len();
    let max_left = MAX_CAT_THRESHOLD.min(used.div_ceil(2));
    let mut best: Option<(Candidate, usize, bool)> = None;
    for forward in [true, false] {
        let middle = if forward {
            used.div_ceil(2)
        } else {
            used.div_ceil(2) - 1
        };
        let mut left = Sums::default();
        for i in 0..middle.min(max_left) {
            let at = if forward { i } else { used - 1 - i };
            let bin = placed[at].2;
            left.g += bin.g;
            left.h += bin.h;
            left.n += bin.n as u32;
            if left.n < rules.min_samples_leaf {
                continue;
            }
            if total.n - left.n < rules.min_samples_leaf {
                break;
            }
            let Some(gain) = split_gain(left, total, parent, rules) else {
                continue;
            };
            if best.as_ref().is_none_or(|(c, ..)| gain > c.gain) {
                let candidate = Candidate {
                    gain,
                    bin: 0,
                    missing_left: false,
                    left,
                    cats: None,
                };
                best = Some((candidate, at, forward));
            }
        }
    }
    let (mut candidate, at, forward) = best?;
    let chosen = if forward { &placed[..=at] } else { &placed[at..] };
    let mut set = BinSet::default();
    for &(_, b, _) in chosen {
        insert(&mut set, b);
    }
    candidate.missing_left = contains(&set, MISSING);
    candidate.cats = Some(set);
    Some(candidate)
}

/// The indicator columns of categorical splits: for each distinct
/// `(feature, left set, missing_left)` of `splits`, its index among the
/// indicators, and the nodes computing them.
pub(crate) struct Indicators {
    keys: HashMap<(usize, BinSet, bool), usize>,
    /// The indicator nodes, in index order.
    pub nodes: Vec<NodeId>,
}

impl Indicators {
    /// The index of the indicator of `key`. Invariant: [`lower_sets`] saw
    /// `key` (callers pass the keys of the same splits).
    pub fn index(&self, key: &(usize, BinSet, bool)) -> usize {
        *self.keys.get(key).expect("every split's key has an indicator")
    }
}

/// Pushes one `Lookup` per distinct categorical split of `splits` onto
/// `builder`: the code of feature `f` of `features` (`levels[f]` codes)
/// maps to `0.0` when its bit is in the left set, `1.0` otherwise, and NaN
/// or an unseen code to `0.0` exactly when `missing_left`.
pub(crate) fn lower_sets(
    op: &str,
    builder: &mut GraphBuilder,
    features: NodeId,
    levels: &[Option<usize>],
    splits: impl IntoIterator<Item = (usize, BinSet, bool)>,
) -> Result<Indicators, OpError> {
    let err = |source| OpError::Lowering {
        op: op.to_string(),
        source,
    };
    let mut keys: HashMap<(usize, BinSet, bool), usize> = HashMap::new();
    let mut order = Vec::new();
    for key in splits {
        keys.entry(key).or_insert_with(|| {
            order.push(key);
            order.len() - 1
        });
    }
    let mut nodes = Vec::with_capacity(order.len());
    for &(f, set, missing_left) in &order {
        let column = column_of(builder, features, f).map_err(err)?;
        let n = levels
            .get(f)
            .copied()
            .flatten()
            .unwrap_or(0)
            .min(usize::from(MISSING));
        let table = (0..n)
            .map(|c| if contains(&set, c as u8) { 0.0 } else { 1.0 })
            .collect();
        let default = if missing_left { 0.0 } else { 1.0 };
        nodes.push(
            builder
                .push(Op::Lookup {
                    x: column,
                    table,
                    default,
                })
                .map_err(err)?,
        );
    }
    Ok(Indicators { keys, nodes })
}

/// The width-1 node of element `f` of `features`: the part itself when
/// `features` is a `Concat` of width-1 parts, else an exact one-hot
/// `Affine` (`1·x_f + 0`, other terms skipped).
fn column_of(
    builder: &mut GraphBuilder,
    features: NodeId,
    f: usize,
) -> Result<NodeId, mlg_compiler::ir::VerifyError> {
    let graph = builder.graph();
    if let Some(Op::Concat { parts }) = graph.nodes.get(features.0 as usize).map(|n| &n.op) {
        if parts.iter().all(|p| builder.width(*p) == 1) {
            if let Some(&part) = parts.get(f) {
                return Ok(part);
            }
        }
    }
    let d = builder.width(features) as usize;
    let mut weights = vec![0.0; d];
    weights[f] = 1.0;
    builder.push(Op::Affine {
        x: features,
        weights,
        bias: vec![0.0],
        missing: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::boost::hist::Unit;

    fn rules() -> SplitRules {
        SplitRules {
            min_samples_leaf: 1,
            l2: 0.0,
            min_gain: 0.0,
            unit: Unit { g: 1.0, h: 1.0 },
        }
    }

    #[test]
    fn groups_categories_by_gradient_ratio_whatever_their_codes() {
        // Codes 0 and 2 pull one way, 1 and 3 the other: no threshold on
        // the codes separates them, a set does.
        let bins = [
            Bin::new(-40, 20, 20),
            Bin::new(40, 20, 20),
            Bin::new(-38, 20, 20),
            Bin::new(42, 20, 20),
        ];
        let total = Sums { g: 4, h: 80, n: 80 };
        let c = scan(&bins, &Bin::default(), total, &rules()).expect("a split");
        let set = c.cats.expect("a set");
        let left: Vec<u8> = (0..4).filter(|&b| contains(&set, b)).collect();
        assert!(left == [0, 2] || left == [1, 3], "{left:?}");
        assert!(!c.missing_left);
        assert_eq!(c.left.n, 40);
    }

    #[test]
    fn rare_categories_and_a_lone_category_do_not_split() {
        let rare = [Bin::new(-5, 5, 5), Bin::new(90, 90, 90)];
        assert!(scan(&rare, &Bin::default(), Sums { g: 85, h: 95, n: 95 }, &rules()).is_none());
        // Missing values count as a category of their own.
        let c = scan(
            &rare[1..],
            &Bin::new(-30, 30, 30),
            Sums {
                g: 60,
                h: 120,
                n: 120,
            },
            &rules(),
        )
        .expect("missing against the rest");
        assert!(c.missing_left);
        assert_eq!(c.left.n, 30);
    }
}
