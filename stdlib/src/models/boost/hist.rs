//! Gradient/hessian histograms of one tree node and the best split they
//! allow.
//!
//! A histogram holds one [`FeatureHist`] of [`SLOTS`] `f64` bins per
//! feature; only the tree's active features are filled (see `kernels`). With
//! a constant hessian (squared and absolute error) the hessian sum used is the
//! row count.

/// Bin slots per feature (bin codes are `u8`).
pub(crate) const SLOTS: usize = 256;
/// scikit-learn's `min_hessian_to_split`.
const MIN_HESSIAN: f64 = 1e-3;

/// Sums over the rows in one bin.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Bin {
    pub g: f64,
    pub h: f64,
    pub n: u32,
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

/// Gradient sum, hessian sum and row count of a node.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Sums {
    pub g: f64,
    pub h: f64,
    pub n: u32,
}

impl Sums {
    /// The sums of feature `f`'s bins (every feature gives the node's sums).
    pub fn of_feature(hist: &[FeatureHist], f: usize, const_hessian: bool) -> Sums {
        let mut s = Sums::default();
        for b in &hist[f] {
            s.g += b.g;
            s.h += b.h;
            s.n += b.n;
        }
        if const_hessian {
            s.h = f64::from(s.n);
        }
        s
    }
}

/// The rules a split must satisfy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SplitRules {
    pub min_samples_leaf: u32,
    pub l2: f64,
    pub min_gain: f64,
    pub const_hessian: bool,
}

/// The best split of a node: rows with bin `<= bin` of `feature` go left.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SplitInfo {
    pub feature: usize,
    pub bin: u8,
    pub gain: f64,
    pub left: Sums,
    pub right: Sums,
}

fn score(g: f64, h: f64, l2: f64) -> f64 {
    g * g / (h + l2)
}

/// The best boundary of one feature: its gain, the last bin sent left, and
/// the left side's sums.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub gain: f64,
    pub bin: usize,
    pub left: Sums,
}

/// The first boundary of largest gain `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)`
/// between a feature's `bins` (of a node with sums `total`) whose sides keep
/// `min_samples_leaf` rows and `1e-3` hessian, if any. Empty bins are skipped:
/// they repeat the previous boundary, which is never strictly worse.
pub(crate) fn scan_feature(bins: &[Bin], total: Sums, rules: &SplitRules) -> Option<Candidate> {
    let parent = score(total.g, total.h, rules.l2);
    let m = bins.len().saturating_sub(1);
    let mut best: Option<Candidate> = None;
    let mut left = Sums::default();
    for (b, bin) in bins[..m].iter().enumerate() {
        if bin.n == 0 {
            continue;
        }
        left.g += bin.g;
        left.h += bin.h;
        left.n += bin.n;
        if left.n < rules.min_samples_leaf {
            continue;
        }
        let n_right = total.n - left.n;
        if n_right < rules.min_samples_leaf {
            break;
        }
        let (h_left, h_right) = if rules.const_hessian {
            (f64::from(left.n), f64::from(n_right))
        } else {
            (left.h, total.h - left.h)
        };
        if h_left < MIN_HESSIAN || h_right < MIN_HESSIAN {
            continue;
        }
        let (dl, dr) = (h_left + rules.l2, h_right + rules.l2);
        let g_right = total.g - left.g;
        let gain = (left.g * left.g * dr + g_right * g_right * dl) / (dl * dr) - parent;
        if best.is_none_or(|c| gain > c.gain) {
            best = Some(Candidate {
                gain,
                bin: b,
                left: Sums {
                    g: left.g,
                    h: h_left,
                    n: left.n,
                },
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
                gain: c.gain,
                left: c.left,
                right: Sums {
                    g: total.g - c.left.g,
                    h: total.h - c.left.h,
                    n: total.n - c.left.n,
                },
            });
        }
    }
    best
}
