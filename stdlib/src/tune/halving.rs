//! Successive halving (Jamieson & Talwalkar 2016) and Hyperband (Li et al.
//! 2017) over a training budget.
//!
//! Successive halving runs rungs, one batch each. Rung 0 proposes every
//! candidate at the minimum budget `b0`; rung `r` keeps the best
//! `floor(m / eta)` (at least 1) of the previous rung's `m` observations
//! (`NaN` last, ties by history order) and proposes them at budget
//! `b0 · eta^r`, capped at 1. A rung of a single candidate runs at budget 1,
//! and the run ends after the first rung at budget 1 (rerunning its
//! survivors at the same budget would add nothing).
//!
//! Hyperband with `brackets = B > 1` runs successive halving once per
//! bracket `s = B-1, …, 0`, one after another: bracket `s` starts with
//! `ceil(B / (s+1) · eta^s)` seeded random candidates (without replacement
//! in a finite space) at budget `eta^-s`.
//!
//! Contract: the caller appends a batch's observations to `history` in the
//! batch's order and asks again only once the whole batch is observed; the
//! last batch's results are read from the tail of `history`.

use super::{grid, random, ranked, space_size, stream, Coords, Dim, Observation, Proposal, Strategy};

/// Successive halving's (or Hyperband's) settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The reduction factor: each rung keeps one in `eta` candidates and
    /// multiplies the budget by `eta` (at least 2 used).
    pub eta: usize,
    /// Successive halving's starting budget in `(0, 1]`; `None` chooses
    /// `eta^-k` with `k = floor(log_eta(candidates))`, so that about one
    /// candidate reaches the full budget. Hyperband ignores it.
    pub min_budget: Option<f64>,
    /// 1 for successive halving; more for Hyperband with that many brackets.
    pub brackets: usize,
    /// Successive halving's candidates: `None` for the whole grid of a
    /// finite space (with a float dimension: the smallest power of `eta` at
    /// least 27 of random draws), `Some(n)` for `n` random draws (without
    /// replacement in a finite space). Hyperband ignores it.
    pub candidates: Option<usize>,
}

impl Settings {
    /// eta 3, automatic minimum budget, one bracket, the whole grid.
    pub fn new() -> Settings {
        Settings {
            eta: 3,
            min_budget: None,
            brackets: 1,
            candidates: None,
        }
    }
}

impl Default for Settings {
    fn default() -> Settings {
        Settings::new()
    }
}

/// Successive halving or Hyperband as a [`Strategy`].
pub struct Halving {
    dims: Vec<Dim>,
    settings: Settings,
    seed: u64,
    eta: usize,
    /// The next bracket to start, or the running one's index.
    bracket: usize,
    /// The running bracket's starting budget and current rung.
    b0: f64,
    rung: i32,
    /// The last batch's size and budget (0 and 0 before a bracket starts).
    pending: usize,
    budget: f64,
    done: bool,
}

impl Halving {
    /// The search over `dims` with `settings`, seeded by `seed`.
    pub fn new(dims: &[Dim], settings: Settings, seed: u64) -> Halving {
        Halving {
            dims: dims.to_vec(),
            eta: settings.eta.max(2),
            settings,
            seed,
            bracket: 0,
            b0: 1.0,
            rung: 0,
            pending: 0,
            budget: 0.0,
            done: false,
        }
    }

    /// Bracket `self.bracket`'s candidates and starting budget.
    fn start(&self) -> (Vec<Coords>, f64) {
        let brackets = self.settings.brackets.max(1);
        if brackets > 1 {
            let s = (brackets - 1 - self.bracket) as u32;
            let p = self.eta.saturating_pow(s);
            let n = (brackets.saturating_mul(p)).div_ceil(s as usize + 1);
            let points = random::draws(&self.dims, n, stream(self.seed, self.bracket as u64));
            return (points, (self.eta as f64).powi(-(s as i32)));
        }
        let points = match (self.settings.candidates, space_size(&self.dims)) {
            (Some(n), _) => random::draws(&self.dims, n, self.seed),
            (None, Some(_)) => grid::points(&self.dims),
            (None, None) => {
                let mut n = 1;
                while n < 27 {
                    n *= self.eta;
                }
                random::draws(&self.dims, n, self.seed)
            }
        };
        let b0 = match self.settings.min_budget {
            Some(b) if b > 0.0 => b.min(1.0),
            _ => auto_min_budget(points.len(), self.eta),
        };
        (points, b0)
    }
}

/// `eta^-k` for the largest `k` with `eta^k <= n` (1 when `n < eta`).
pub fn auto_min_budget(n: usize, eta: usize) -> f64 {
    let eta = eta.max(2);
    let (mut k, mut p) = (0i32, eta);
    while p <= n {
        k += 1;
        p = p.saturating_mul(eta);
        if p == usize::MAX {
            break;
        }
    }
    (eta as f64).powi(-k)
}

fn proposals(points: Vec<Coords>, budget: f64) -> Vec<Proposal> {
    points
        .into_iter()
        .map(|coords| Proposal { coords, budget })
        .collect()
}

impl Strategy for Halving {
    fn ask(&mut self, history: &[Observation]) -> Option<Vec<Proposal>> {
        loop {
            if self.done {
                return None;
            }
            if self.pending == 0 {
                let (points, b0) = self.start();
                if points.is_empty() {
                    self.done = true;
                    return None;
                }
                self.b0 = b0;
                self.rung = 0;
                self.budget = if points.len() == 1 || b0 >= 1.0 - 1e-9 {
                    1.0
                } else {
                    b0
                };
                self.pending = points.len();
                return Some(proposals(points, self.budget));
            }
            let last = &history[history.len().saturating_sub(self.pending)..];
            if self.budget >= 1.0 || last.is_empty() {
                self.pending = 0;
                self.bracket += 1;
                self.done = self.bracket >= self.settings.brackets.max(1);
                continue;
            }
            let keep = (last.len() / self.eta).max(1);
            let survivors: Vec<Coords> = ranked(last)
                .into_iter()
                .take(keep)
                .map(|o| o.coords.clone())
                .collect();
            self.rung += 1;
            let b = self.b0 * (self.eta as f64).powi(self.rung);
            self.budget = if keep == 1 || b >= 1.0 - 1e-9 { 1.0 } else { b };
            self.pending = survivors.len();
            return Some(proposals(survivors, self.budget));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::Coord;

    /// Runs `h` with `f(point, budget)`, returning each batch's (size, budget).
    fn run(h: &mut Halving, f: impl Fn(&Coords, f64) -> f64) -> (Vec<(usize, f64)>, Vec<Observation>) {
        crate::tune::drive(h, |c, b| {
            assert!(b > 0.0 && b <= 1.0);
            f(c, b)
        })
    }

    fn value(p: &Coords) -> f64 {
        p.iter()
            .map(|c| match c {
                Coord::Int(i) => *i as f64,
                Coord::Index(i) => *i as f64,
                Coord::Float(x) => *x,
            })
            .sum()
    }

    fn total(history: &[Observation]) -> f64 {
        history.iter().map(|o| o.budget).sum()
    }

    #[test]
    fn grid_of_27_costs_at_most_a_third() {
        let dims = [Dim::Int { low: 0, high: 26 }];
        let (rungs, history) = run(&mut Halving::new(&dims, Settings::new(), 0), |p, _| value(p));
        let sizes: Vec<usize> = rungs.iter().map(|r| r.0).collect();
        assert_eq!(sizes, vec![27, 9, 3, 1]);
        assert!((rungs[0].1 - 1.0 / 27.0).abs() < 1e-12 && rungs[3].1 == 1.0);
        assert!(total(&history) <= 27.0 / 3.0 + 1e-9, "{}", total(&history));
        assert_eq!(
            history.last().map(|o| o.coords.clone()),
            Some(vec![Coord::Int(26)])
        );
    }

    #[test]
    fn grid_of_8() {
        let dims = [Dim::Choice(2), Dim::Int { low: 0, high: 3 }];
        let (rungs, history) = run(&mut Halving::new(&dims, Settings::new(), 0), |p, _| -value(p));
        assert_eq!(rungs, vec![(8, 1.0 / 3.0), (2, 1.0)]);
        assert!(total(&history) <= 0.6 * 8.0, "{}", total(&history));
        let last: Vec<Coords> = history[8..].iter().map(|o| o.coords.clone()).collect();
        assert_eq!(
            last,
            vec![
                vec![Coord::Index(0), Coord::Int(0)],
                vec![Coord::Index(0), Coord::Int(1)]
            ]
        );
    }

    #[test]
    fn nan_ranks_last_and_ties_keep_order() {
        let dims = [Dim::Int { low: 0, high: 8 }];
        let f = |p: &Coords, _| if value(p) < 3.0 { 1.0 } else { f64::NAN };
        let (rungs, history) = run(&mut Halving::new(&dims, Settings::new(), 0), f);
        assert_eq!(rungs, vec![(9, 1.0 / 9.0), (3, 1.0 / 3.0), (1, 1.0)]);
        assert_eq!(history[9].coords, vec![Coord::Int(0)]);
        assert_eq!(history[12].coords, vec![Coord::Int(0)]);
    }

    #[test]
    fn custom_budget_and_candidates() {
        let dims = [Dim::Float {
            low: 0.0,
            high: 1.0,
            log: false,
        }];
        let s = Settings {
            min_budget: Some(0.25),
            candidates: Some(20),
            ..Settings::new()
        };
        let (rungs, _) = run(&mut Halving::new(&dims, s.clone(), 1), |p, _| value(p));
        assert_eq!(rungs, vec![(20, 0.25), (6, 0.75), (2, 1.0)]);
        let a = run(&mut Halving::new(&dims, s.clone(), 1), |p, _| value(p)).1;
        assert_eq!(a, run(&mut Halving::new(&dims, s, 1), |p, _| value(p)).1);
        assert_eq!(auto_min_budget(1, 3), 1.0);
        assert_eq!(auto_min_budget(3, 3), 1.0 / 3.0);
        assert_eq!(auto_min_budget(80, 3), 1.0 / 27.0);
    }

    #[test]
    fn hyperband_brackets() {
        let dims = [Dim::Float {
            low: 0.0,
            high: 1.0,
            log: false,
        }];
        let s = Settings {
            brackets: 3,
            ..Settings::new()
        };
        let (rungs, _) = run(&mut Halving::new(&dims, s, 2), |p, _| value(p));
        let third = 1.0 / 3.0;
        let want = vec![
            (9, 1.0 / 9.0),
            (3, third),
            (1, 1.0),
            (5, third),
            (1, 1.0),
            (3, 1.0),
        ];
        assert_eq!(rungs.len(), want.len());
        for (got, want) in rungs.iter().zip(&want) {
            assert_eq!(got.0, want.0);
            assert!((got.1 - want.1).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    }
}
