//! libsvm's SMO solver (Fan, Chen & Lin 2005): minimises
//! `½ αᵀQα + pᵀα` subject to `yᵀα = 0` and `0 ≤ α_t ≤ C_t`, where
//! `Q_st = y_s y_t K(x_real(s), x_real(t))`, choosing each working pair by
//! second-order information (WSS3), with optional shrinking of bounded
//! variables and gradient reconstruction before the final optimality check.
//!
//! Variables map to data rows through `real` so that epsilon-SVR's `2n`
//! variables (`α`, `α*`) share one kernel cache of `n` rows.

mod shrink;

use super::kernel::KernelCache;

/// libsvm's `TAU`: the curvature used when a pair's is not positive.
const TAU: f64 = 1e-12;

/// A dual problem for [`solve`]. All vectors have one entry per variable.
pub(crate) struct Problem<'a> {
    /// Kernel rows of the data rows the variables refer to.
    pub cache: KernelCache<'a>,
    /// Data row of each variable.
    pub real: Vec<usize>,
    /// Sign `±1.0` of each variable.
    pub y: Vec<f64>,
    /// Linear term `p`.
    pub p: Vec<f64>,
    /// Upper bound `C_t > 0` of each variable.
    pub c: Vec<f64>,
}

/// Stopping rules of [`solve`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct SmoOptions {
    /// Stop when the maximal violating pair's gap `m(α) - M(α)` is below this.
    pub tol: f64,
    /// Iteration limit; `None` is libsvm's `max(10⁷, 100 n)`.
    pub max_iter: Option<usize>,
    /// Shrink bounded variables that are unlikely to move.
    pub shrinking: bool,
}

/// The solver's result.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Solution {
    /// The dual variables.
    pub alpha: Vec<f64>,
    /// Gradient `Qα + p` at `alpha`.
    pub gradient: Vec<f64>,
    /// The threshold: the decision function is `Σ α_t y_t K(x_t, x) - rho`.
    pub rho: f64,
    /// `½ αᵀQα + pᵀα`.
    pub objective: f64,
    /// SMO iterations taken.
    pub iterations: usize,
    /// False when the iteration limit stopped the solver first.
    pub converged: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bound {
    Lower,
    Upper,
    Free,
}

struct Solver<'a> {
    cache: KernelCache<'a>,
    real: Vec<usize>,
    y: Vec<f64>,
    p: Vec<f64>,
    c: Vec<f64>,
    qd: Vec<f64>,
    alpha: Vec<f64>,
    status: Vec<Bound>,
    g: Vec<f64>,
    /// `Σ_{s at upper bound} C_s Q_st`, to rebuild shrunk gradients.
    g_bar: Vec<f64>,
    active: Vec<usize>,
    unshrink: bool,
    tol: f64,
}

/// Solves `problem` from `α = 0` (which satisfies `yᵀα = 0`).
pub(crate) fn solve(problem: Problem<'_>, options: &SmoOptions) -> Solution {
    let l = problem.y.len();
    let qd = problem.real.iter().map(|&r| problem.cache.diag(r)).collect();
    let mut s = Solver {
        g: problem.p.clone(),
        cache: problem.cache,
        real: problem.real,
        y: problem.y,
        p: problem.p,
        c: problem.c,
        qd,
        alpha: vec![0.0; l],
        status: vec![Bound::Lower; l],
        g_bar: vec![0.0; l],
        active: (0..l).collect(),
        unshrink: false,
        tol: options.tol,
    };
    let max_iter = options.max_iter.unwrap_or_else(|| (100 * l).max(10_000_000));
    let (mut iterations, mut converged) = (0, false);
    let mut counter = l.min(1000) + 1;
    while iterations < max_iter {
        counter -= 1;
        if counter == 0 {
            counter = l.min(1000);
            if options.shrinking {
                s.shrink();
            }
        }
        let pair = match s.select() {
            Some(pair) => pair,
            None => {
                s.reconstruct_gradient();
                match s.select() {
                    Some(pair) => {
                        counter = 1;
                        pair
                    }
                    None => {
                        converged = true;
                        break;
                    }
                }
            }
        };
        iterations += 1;
        s.update(pair.0, pair.1);
    }
    if !converged {
        s.reconstruct_gradient();
    }
    let rho = s.rho();
    let objective = (0..l).map(|t| s.alpha[t] * (s.g[t] + s.p[t])).sum::<f64>() / 2.0;
    Solution {
        alpha: s.alpha,
        gradient: s.g,
        rho,
        objective,
        iterations,
        converged,
    }
}

impl Solver<'_> {
    fn is_upper(&self, t: usize) -> bool {
        self.status[t] == Bound::Upper
    }

    fn is_lower(&self, t: usize) -> bool {
        self.status[t] == Bound::Lower
    }

    fn bound_of(&self, t: usize) -> Bound {
        if self.alpha[t] >= self.c[t] {
            Bound::Upper
        } else if self.alpha[t] <= 0.0 {
            Bound::Lower
        } else {
            Bound::Free
        }
    }

    /// WSS3: `i` maximises `-y_i G_i` over `I_up`; `j` minimises the
    /// second-order decrease estimate over `I_low` among violating partners.
    /// `None` when the maximal violation is below `tol` (optimal on the
    /// active set).
    fn select(&mut self) -> Option<(usize, usize)> {
        let (mut gmax, mut gmax2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut best_i = None;
        for &t in &self.active {
            if self.y[t] > 0.0 {
                if !self.is_upper(t) && -self.g[t] >= gmax {
                    gmax = -self.g[t];
                    best_i = Some(t);
                }
            } else if !self.is_lower(t) && self.g[t] >= gmax {
                gmax = self.g[t];
                best_i = Some(t);
            }
        }
        let i = best_i?;
        self.cache.load(self.real[i]);
        let ki = self.cache.row(self.real[i]);
        let (mut best_j, mut obj_min) = (None, f64::INFINITY);
        for &t in &self.active {
            let grad_diff = if self.y[t] > 0.0 {
                if self.is_lower(t) {
                    continue;
                }
                gmax2 = gmax2.max(self.g[t]);
                gmax + self.g[t]
            } else {
                if self.is_upper(t) {
                    continue;
                }
                gmax2 = gmax2.max(-self.g[t]);
                gmax - self.g[t]
            };
            if grad_diff > 0.0 {
                let quad = self.qd[i] + self.qd[t] - 2.0 * ki[self.real[t]];
                let obj = -grad_diff * grad_diff / if quad > 0.0 { quad } else { TAU };
                if obj <= obj_min {
                    obj_min = obj;
                    best_j = Some(t);
                }
            }
        }
        if gmax + gmax2 < self.tol {
            return None;
        }
        best_j.map(|j| (i, j))
    }

    /// Optimises the pair `(i, j)` analytically, clips to the box, and updates
    /// the gradient (active variables) and `g_bar` (all variables).
    fn update(&mut self, i: usize, j: usize) {
        let (ri, rj) = (self.real[i], self.real[j]);
        self.cache.load(ri);
        self.cache.load(rj);
        let (ci, cj) = (self.c[i], self.c[j]);
        let (old_i, old_j) = (self.alpha[i], self.alpha[j]);
        let kij = self.cache.row(ri)[rj];
        let quad = self.qd[i] + self.qd[j] - 2.0 * kij;
        let quad = if quad > 0.0 { quad } else { TAU };
        let (mut ai, mut aj) = (old_i, old_j);
        if self.y[i] != self.y[j] {
            let delta = (-self.g[i] - self.g[j]) / quad;
            let diff = ai - aj;
            ai += delta;
            aj += delta;
            if diff > 0.0 {
                if aj < 0.0 {
                    aj = 0.0;
                    ai = diff;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = -diff;
            }
            if diff > ci - cj {
                if ai > ci {
                    ai = ci;
                    aj = ci - diff;
                }
            } else if aj > cj {
                aj = cj;
                ai = cj + diff;
            }
        } else {
            let delta = (self.g[i] - self.g[j]) / quad;
            let sum = ai + aj;
            ai -= delta;
            aj += delta;
            if sum > ci {
                if ai > ci {
                    ai = ci;
                    aj = sum - ci;
                }
            } else if aj < 0.0 {
                aj = 0.0;
                ai = sum;
            }
            if sum > cj {
                if aj > cj {
                    aj = cj;
                    ai = sum - cj;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = sum;
            }
        }
        self.alpha[i] = ai;
        self.alpha[j] = aj;
        let (di, dj) = (self.y[i] * (ai - old_i), self.y[j] * (aj - old_j));
        let (ki, kj) = (self.cache.row(ri), self.cache.row(rj));
        for &t in &self.active {
            let r = self.real[t];
            self.g[t] += self.y[t] * (ki[r] * di + kj[r] * dj);
        }
        for (t, ct) in [(i, ci), (j, cj)] {
            let was_upper = self.is_upper(t);
            self.status[t] = self.bound_of(t);
            if was_upper != self.is_upper(t) {
                let sign = if was_upper { -ct } else { ct } * self.y[t];
                let kt = self.cache.row(self.real[t]);
                for (s, gb) in self.g_bar.iter_mut().enumerate() {
                    *gb += sign * self.y[s] * kt[self.real[s]];
                }
            }
        }
    }

    /// The threshold: the mean of `y_t G_t` over free variables, or the
    /// midpoint of the feasible interval when none is free (its finite end
    /// when it is unbounded on one side).
    fn rho(&self) -> f64 {
        let (mut ub, mut lb) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut n_free, mut sum_free) = (0usize, 0.0);
        for t in 0..self.alpha.len() {
            let yg = self.y[t] * self.g[t];
            let pos = self.y[t] > 0.0;
            match self.status[t] {
                Bound::Upper if pos => lb = lb.max(yg),
                Bound::Upper => ub = ub.min(yg),
                Bound::Lower if pos => ub = ub.min(yg),
                Bound::Lower => lb = lb.max(yg),
                Bound::Free => {
                    n_free += 1;
                    sum_free += yg;
                }
            }
        }
        if n_free > 0 {
            sum_free / n_free as f64
        } else if ub.is_finite() && lb.is_finite() {
            (ub + lb) / 2.0
        } else if ub.is_finite() {
            ub
        } else if lb.is_finite() {
            lb
        } else {
            0.0
        }
    }
}
