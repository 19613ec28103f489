//! Shrinking for the SMO solver (libsvm's `do_shrinking`): bounded variables
//! that cannot join a violating pair leave the active set, and their
//! gradients are rebuilt from `g_bar` before the final optimality check.

use super::{Bound, Solver};

impl Solver<'_> {
    /// Whether bounded variable `t` cannot be part of a violating pair
    /// given the current extremes `gmax1` (over `I_up`) and `gmax2` (over `I_low`).
    fn be_shrunk(&self, t: usize, gmax1: f64, gmax2: f64) -> bool {
        let pos = self.y[t] > 0.0;
        if self.is_upper(t) {
            -self.g[t] > if pos { gmax1 } else { gmax2 }
        } else if self.is_lower(t) {
            self.g[t] > if pos { gmax2 } else { gmax1 }
        } else {
            false
        }
    }

    /// Removes bounded variables that are unlikely to move from the active
    /// set; once the violation nears `tol`, restores the full set once
    /// (libsvm's `unshrink`) so that shrinking mistakes are corrected.
    pub(super) fn shrink(&mut self) {
        let (mut gmax1, mut gmax2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for &t in &self.active {
            let g = self.g[t];
            // y = +1: I_up ∋ t when not upper (-G), I_low ∋ t when not lower (G);
            // y = -1 mirrors both.
            let (up_val, low_val) = if self.y[t] > 0.0 { (-g, g) } else { (g, -g) };
            if self.y[t] > 0.0 {
                if !self.is_upper(t) {
                    gmax1 = gmax1.max(up_val);
                }
                if !self.is_lower(t) {
                    gmax2 = gmax2.max(low_val);
                }
            } else {
                if !self.is_upper(t) {
                    gmax2 = gmax2.max(low_val);
                }
                if !self.is_lower(t) {
                    gmax1 = gmax1.max(up_val);
                }
            }
        }
        if !self.unshrink && gmax1 + gmax2 <= self.tol * 10.0 {
            self.unshrink = true;
            self.reconstruct_gradient();
        }
        let keep: Vec<usize> = self
            .active
            .iter()
            .copied()
            .filter(|&t| !self.be_shrunk(t, gmax1, gmax2))
            .collect();
        self.active = keep;
    }

    /// Recomputes the gradient of the inactive variables from `g_bar` and the
    /// free variables, and makes every variable active again.
    pub(super) fn reconstruct_gradient(&mut self) {
        let l = self.alpha.len();
        if self.active.len() == l {
            return;
        }
        let mut is_active = vec![false; l];
        self.active.iter().for_each(|&t| is_active[t] = true);
        let inactive: Vec<usize> = (0..l).filter(|&t| !is_active[t]).collect();
        for &t in &inactive {
            self.g[t] = self.g_bar[t] + self.p[t];
        }
        for s in 0..l {
            if self.status[s] != Bound::Free {
                continue;
            }
            let rs = self.real[s];
            self.cache.load(rs);
            let ks = self.cache.row(rs);
            let coef = self.alpha[s] * self.y[s];
            for &t in &inactive {
                self.g[t] += coef * self.y[t] * ks[self.real[t]];
            }
        }
        self.active = (0..l).collect();
    }
}
