//! Gradient/hessian histograms of one tree node and the best split they
//! allow.
//!
//! A histogram holds one [`FeatureHist`] of [`SLOTS`] bins per feature;
//! only the tree's active features are filled (see `kernels`). Gradients and
//! hessians are summed as integer grid steps (`exact`), so sums, the
//! subtraction trick and the rank sums are exact; a [`Unit`] turns them back
//! into `f64` where gains and leaf values are computed. With a constant
//! hessian (squared and absolute error) the hessian sum is the row count.

use super::categorical::BinSet;

/// Bin slots per feature (bin codes are `u8`).
pub(crate) const SLOTS: usize = 256;
/// scikit-learn's `min_hessian_to_split`.
const MIN_HESSIAN: f64 = 1e-3;

/// Sums over the rows in one bin, in grid steps, and their count: 32
/// bytes, aligned, so that a row's three adds touch one half cache line.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[repr(C, align(32))]
pub(crate) struct Bin {
    pub g: i64,
    pub h: i64,
    pub n: i64,
    pad: i64,
}

impl Bin {
    /// The bin of these sums.
    pub fn new(g: i64, h: i64, n: i64) -> Bin {
        Bin { g, h, n, pad: 0 }
    }

    /// Adds a row's `[gradient, hessian]` steps.
    #[inline(always)]
    pub fn add(&mut self, gh: [i32; 2]) {
        self.g += i64::from(gh[0]);
        self.h += i64::from(gh[1]);
        self.n += 1;
    }
}

/// The size of one grid step of a tree's gradients and of its hessians.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Unit {
    pub g: f64,
    pub h: f64,
}

/// One feature's bins.
pub(crate) type FeatureHist = [Bin; SLOTS];

/// `parent -= child`, bin by bin: the parent's histogram of a feature
/// becomes the sibling's.
pub(crate) fn subtract(parent: &mut FeatureHist, child: &FeatureHist) {
    for (p, c) in parent.iter_mut().zip(child) {
        p.g -= c.g;
        p.h -= c.h;
        p.n -= c.n;
    }
}

/// Gradient sum and hessian sum (in grid steps) and row count of a node.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Sums {
    pub g: i64,
    pub h: i64,
    pub n: u32,
}

impl Sums {
    /// The sums of feature `f`'s bins (every feature gives the node's sums).
    pub fn of_feature(hist: &[FeatureHist], f: usize) -> Sums {
        let mut s = Sums::default();
        for b in &hist[f] {
            s.g += b.g;
            s.h += b.h;
            s.n += b.n as u32;
        }
        s
    }

    /// The gradient and hessian sums in `unit`s.
    pub fn real(self, unit: Unit) -> (f64, f64) {
        (self.g as f64 * unit.g, self.h as f64 * unit.h)
    }
}

/// The rules a split must satisfy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SplitRules {
    pub min_samples_leaf: u32,
    pub l2: f64,
    pub min_gain: f64,
    /// The grid steps of the tree being grown.
    pub unit: Unit,
}

/// The best split of a node: rows with bin `<= bin` of `feature` go left,
/// and missing ones ([`super::bins::MISSING`]) when `missing_left`; for a
/// categorical feature, the rows whose bin is in `cats` (`bin` unused).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SplitInfo {
    pub feature: usize,
    pub bin: u8,
    pub missing_left: bool,
    pub gain: f64,
    pub left: Sums,
    pub right: Sums,
    pub cats: Option<BinSet>,
}

fn score(g: f64, h: f64, l2: f64) -> f64 {
    g * g / (h + l2)
}

/// The gain `G_L²/(H_L+λ) + G_R²/(H_R+λ) − parent` of sending the rows of
/// sums `left` left in a node of sums `total` (`parent` = `G²/(H+λ)`);
/// `None` when a side keeps less than `1e-3` hessian.
#[inline(always)]
pub(crate) fn split_gain(left: Sums, total: Sums, parent: f64, rules: &SplitRules) -> Option<f64> {
    let (g_left, h_left) = left.real(rules.unit);
    let (g_right, h_right) = Sums {
        g: total.g - left.g,
        h: total.h - left.h,
        n: total.n - left.n,
    }
    .real(rules.unit);
    if h_left < MIN_HESSIAN || h_right < MIN_HESSIAN {
        return None;
    }
    let (dl, dr) = (h_left + rules.l2, h_right + rules.l2);
    Some((g_left * g_left * dr + g_right * g_right * dl) / (dl * dr) - parent)
}

/// The best boundary of one feature: its gain, the last bin sent left,
/// where missing values go, and the left side's sums.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub gain: f64,
    pub bin: usize,
    pub missing_left: bool,
    pub left: Sums,
    /// A categorical feature's left set of bins.
    pub cats: Option<BinSet>,
}

/// The best split of one feature's histogram: [`super::categorical::scan`]
/// for a categorical feature, else [`scan_feature`].
#[inline]
pub(crate) fn scan_any(
    bins: &[Bin],
    missing: &Bin,
    total: Sums,
    rules: &SplitRules,
    categorical: bool,
) -> Option<Candidate> {
    if categorical {
        super::categorical::scan(bins, missing, total, rules)
    } else {
        scan_feature(bins, missing, total, rules)
    }
}

/// The first boundary of largest gain `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)`
/// between a feature's real `bins` (of a node with sums `total`, which
/// include the `missing` bin) whose sides keep `min_samples_leaf` rows and
/// `1e-3` hessian, if any. As scikit-learn's splitter: missing values first
/// go right (and then the boundary after the last real bin, which splits
/// them off, counts too), then, when the node has some, left; a later scan
/// wins only when strictly better. A node without missing values sends
/// them (at prediction) to the side with more rows. Empty bins are skipped:
/// they repeat the previous boundary, which is never strictly worse.
pub(crate) fn scan_feature(
    bins: &[Bin],
    missing: &Bin,
    total: Sums,
    rules: &SplitRules,
) -> Option<Candidate> {
    let has_missing = missing.n > 0;
    let last = bins.len().saturating_sub(1);
    let mut best = scan_side(
        bins,
        Sums::default(),
        if has_missing { bins.len() } else { last },
        total,
        rules,
    );
    if has_missing {
        let start = Sums {
            g: missing.g,
            h: missing.h,
            n: missing.n as u32,
        };
        if let Some(c) = scan_side(bins, start, last, total, rules) {
            if best.is_none_or(|b| c.gain > b.gain) {
                best = Some(Candidate {
                    missing_left: true,
                    ..c
                });
            }
        }
    } else if let Some(c) = &mut best {
        c.missing_left = 2 * c.left.n >= total.n;
    }
    best
}

/// [`scan_feature`]'s scan of the boundaries after bins `0..end`, the left
/// side starting from the sums `start` (the missing bin's, or none).
fn scan_side(bins: &[Bin], start: Sums, end: usize, total: Sums, rules: &SplitRules) -> Option<Candidate> {
    let (g_total, h_total) = total.real(rules.unit);
    let parent = score(g_total, h_total, rules.l2);
    let mut best: Option<Candidate> = None;
    let mut left = start;
    for (b, bin) in bins[..end].iter().enumerate() {
        if bin.n == 0 {
            continue;
        }
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
        if best.is_none_or(|c| gain > c.gain) {
            best = Some(Candidate {
                gain,
                bin: b,
                missing_left: false,
                left,
                cats: None,
            });
        }
    }
    best
}

/// The split of a node with sums `total` from its features' candidates (in
/// feature order): the largest gain above `min_gain`, the lower feature on
/// ties.
pub(crate) fn choose(
    candidates: impl IntoIterator<Item = (usize, Option<Candidate>)>,
    total: Sums,
    rules: &SplitRules,
) -> Option<SplitInfo> {
    let mut best: Option<SplitInfo> = None;
    for (feature, candidate) in candidates {
        let Some(c) = candidate else { continue };
        if c.gain > rules.min_gain && best.is_none_or(|s| c.gain > s.gain) {
            best = Some(SplitInfo {
                feature,
                bin: c.bin as u8,
                missing_left: c.missing_left,
                gain: c.gain,
                left: c.left,
                right: Sums {
                    g: total.g - c.left.g,
                    h: total.h - c.left.h,
                    n: total.n - c.left.n,
                },
                cats: c.cats,
            });
        }
    }
    best
}
