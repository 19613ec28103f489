//! Absolute error (`criterion = "absolute_error"`), ported from scikit-learn's
//! `MAE` criterion: weighted medians and absolute errors of every prefix and
//! suffix of a node's rows in O(n log n), with a Fenwick tree over the ranks
//! of the node's targets (sums of weights and of `w·y`). The weighted median
//! is the value where the cumulative weight crosses half the total, or the
//! midpoint of the two values around an exact half; the absolute error of a
//! set is `(Σ_{right} w·y − m·W_right) + (m·W_left − Σ_{left} w·y)`.

/// A Fenwick tree over ranks `0..size` holding prefix sums of `w` and `w·y`.
#[derive(Debug, Default)]
struct Fenwick {
    w: Vec<f64>,
    wy: Vec<f64>,
    size: usize,
    max_pow2: usize,
    total_w: f64,
    total_wy: f64,
}

impl Fenwick {
    fn reset(&mut self, size: usize) {
        self.w.clear();
        self.w.resize(size + 1, 0.0);
        self.wy.clear();
        self.wy.resize(size + 1, 0.0);
        self.size = size;
        self.total_w = 0.0;
        self.total_wy = 0.0;
        let mut p = 1;
        while p <= size {
            p <<= 1;
        }
        self.max_pow2 = p >> 1;
    }

    fn add(&mut self, rank: usize, y: f64, weight: f64) {
        let wy = weight * y;
        let mut i = rank + 1;
        while i <= self.size {
            self.w[i] += weight;
            self.wy[i] += wy;
            i += i & i.wrapping_neg();
        }
        self.total_w += weight;
        self.total_wy += wy;
    }

    /// scikit-learn's `WeightedFenwickTree.search`: `(rank, prev_rank, W, WY)`
    /// with the cumulative weight crossing `target` at `rank` (`prev_rank <
    /// rank` when it equals `target` exactly after `prev_rank`), and the sums
    /// of weight and `w·y` before `rank`.
    fn search(&self, target: f64) -> (usize, usize, f64, f64) {
        let (mut current, mut cw, mut cwy) = (0usize, 0.0, 0.0);
        let mut t = target;
        let mut bit = self.max_pow2;
        let mut equal = None;
        while bit != 0 {
            let next = current + bit;
            if next <= self.size {
                let nw = self.w[next];
                if t == nw {
                    equal = Some((t, bit));
                    break;
                } else if t > nw {
                    t -= nw;
                    current = next;
                    cw += nw;
                    cwy += self.wy[next];
                }
            }
            bit >>= 1;
        }
        let Some((equal_t, equal_bit)) = equal else {
            return (current, current, cw, cwy);
        };
        let mut prev = current;
        let mut bit = equal_bit;
        while bit != 0 {
            let next = prev + bit;
            if next <= self.size && t > self.w[next] {
                t -= self.w[next];
                prev = next;
            }
            bit >>= 1;
        }
        let (mut bit, mut t) = (equal_bit, equal_t);
        while bit != 0 {
            let next = current + bit;
            if next <= self.size && t >= self.w[next] {
                t -= self.w[next];
                current = next;
                cw += self.w[next];
                cwy += self.wy[next];
            }
            bit >>= 1;
        }
        (current, prev, cw, cwy)
    }
}

/// Scratch space for absolute-error computations (reused across nodes).
#[derive(Debug, Default)]
pub(crate) struct Mae {
    tree: Fenwick,
    /// The node's targets sorted ascending (index = rank).
    sorted_y: Vec<f64>,
    /// Rank of each row of the node (indexed by row; grown on demand).
    rank_of: Vec<u32>,
    order: Vec<u32>,
    ranks: Vec<usize>,
    weights: Vec<f64>,
    medians: Vec<f64>,
    /// Absolute error of `rows[..=p]` (after [`Mae::split_errors`]).
    pub left: Vec<f64>,
    /// Absolute error of `rows[p..]` (after [`Mae::split_errors`]).
    pub right: Vec<f64>,
}

impl Mae {
    /// Ranks the targets of `rows` (ties by row) for later [`Mae::split_errors`].
    pub(crate) fn prepare(&mut self, y: &[f64], rows: &[u32]) {
        self.order.clear();
        self.order.extend_from_slice(rows);
        self.order
            .sort_unstable_by(|&a, &b| y[a as usize].total_cmp(&y[b as usize]).then(a.cmp(&b)));
        if self.rank_of.len() < y.len() {
            self.rank_of.resize(y.len(), 0);
        }
        self.sorted_y.clear();
        for (rank, &r) in self.order.iter().enumerate() {
            self.rank_of[r as usize] = rank as u32;
            self.sorted_y.push(y[r as usize]);
        }
    }

    /// Fills [`Mae::left`] and [`Mae::right`] for `rows` in this order (the
    /// node's rows sorted by a feature, as last passed to [`Mae::prepare`]).
    pub(crate) fn split_errors(&mut self, weight: &[f64], rows: &[u32]) {
        self.ranks.clear();
        self.ranks
            .extend(rows.iter().map(|&r| self.rank_of[r as usize] as usize));
        self.weights.clear();
        self.weights.extend(rows.iter().map(|&r| weight[r as usize]));
        let n = rows.len();
        for (errors, forward) in [(&mut self.left, true), (&mut self.right, false)] {
            errors.clear();
            errors.resize(n, 0.0);
            self.medians.resize(n, 0.0);
            pass(
                &mut self.tree,
                &self.sorted_y,
                &self.ranks,
                &self.weights,
                forward,
                errors,
                &mut self.medians,
            );
        }
    }

    /// Weighted median and absolute error `Σ w·|y − median|` of `rows`.
    pub(crate) fn node(&mut self, y: &[f64], weight: &[f64], rows: &[u32]) -> (f64, f64) {
        if rows.is_empty() {
            return (0.0, 0.0);
        }
        self.prepare(y, rows);
        self.split_errors(weight, rows);
        (self.medians[0], self.right[0])
    }
}

/// One pass of scikit-learn's `precompute_absolute_errors`: activates the
/// positions in order (forward: `0..n`, backward: `n-1..=0`) and records the
/// absolute error and median of the activated set at each position.
fn pass(
    tree: &mut Fenwick,
    sorted_y: &[f64],
    ranks: &[usize],
    weights: &[f64],
    forward: bool,
    errors: &mut [f64],
    medians: &mut [f64],
) {
    let n = ranks.len();
    tree.reset(n);
    for step in 0..n {
        let p = if forward { step } else { n - 1 - step };
        let rank = ranks[p];
        tree.add(rank, sorted_y[rank], weights[p]);
        let half = 0.5 * tree.total_w;
        let (m_rank, prev_rank, w_left, wy_left) = tree.search(half);
        let median = if m_rank != prev_rank {
            (sorted_y[prev_rank] + sorted_y[m_rank]) / 2.0
        } else {
            sorted_y[m_rank]
        };
        let w_right = tree.total_w - w_left;
        let wy_right = tree.total_wy - wy_left;
        medians[p] = median;
        errors[p] += (wy_right - median * w_right) + (median * w_left - wy_left);
    }
}
