//! Random search: `trials` uniform draws in one batch. When the space is
//! finite the draws are without replacement (no point is tried twice), and a
//! space smaller than `trials` is tried whole, as scikit-learn's
//! `ParameterSampler` does.

use super::{draw_point, full_budget, grid, space_size, Coords, Dim, Observation, Proposal, Strategy};
use crate::eval::rng::SplitMix64;

/// Finite spaces up to this many points are enumerated to draw without
/// replacement; larger ones redraw duplicates.
const ENUMERATE_MAX: u64 = 100_000;

/// Proposes its draws once.
pub struct Random {
    points: Option<Vec<Coords>>,
}

impl Random {
    /// `trials` draws over `dims`, seeded.
    pub fn new(dims: &[Dim], trials: usize, seed: u64) -> Random {
        Random {
            points: Some(draws(dims, trials, seed)),
        }
    }
}

/// `trials` distinct draws where the space allows (see the module doc).
pub fn draws(dims: &[Dim], trials: usize, seed: u64) -> Vec<Coords> {
    let mut rng = SplitMix64::new(seed);
    match space_size(dims) {
        Some(n) if n <= ENUMERATE_MAX => {
            let mut all = grid::points(dims);
            if all.len() <= trials {
                rng.shuffle(&mut all);
                return all;
            }
            // Partial Fisher-Yates: the first `trials` of a seeded shuffle.
            for i in 0..trials {
                let j = i + rng.below((all.len() - i) as u64) as usize;
                all.swap(i, j);
            }
            all.truncate(trials);
            all
        }
        Some(_) => {
            let mut out: Vec<Coords> = Vec::with_capacity(trials);
            let mut tries = 0usize;
            while out.len() < trials {
                let p = draw_point(dims, &mut rng);
                tries += 1;
                if !out.contains(&p) || tries > trials * 100 {
                    out.push(p);
                }
            }
            out
        }
        None => (0..trials).map(|_| draw_point(dims, &mut rng)).collect(),
    }
}

impl Strategy for Random {
    fn ask(&mut self, _history: &[Observation]) -> Option<Vec<Proposal>> {
        let points = self.points.take()?;
        Some(full_budget(points))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::Coord;

    #[test]
    fn finite_spaces_are_drawn_without_replacement() {
        let dims = [Dim::Choice(3), Dim::Int { low: 1, high: 4 }];
        let d = draws(&dims, 10, 7);
        assert_eq!(d.len(), 10);
        for (i, p) in d.iter().enumerate() {
            assert!(!d[..i].contains(p), "point {p:?} drawn twice");
        }
        assert_eq!(d, draws(&dims, 10, 7));
        assert_ne!(d, draws(&dims, 10, 8));
        // Fewer points than trials: each once.
        assert_eq!(draws(&dims, 50, 1).len(), 12);
    }

    #[test]
    fn floats_stay_in_range() {
        let dims = [Dim::Float {
            low: 1e-4,
            high: 10.0,
            log: true,
        }];
        let d = draws(&dims, 200, 3);
        let below_one = d
            .iter()
            .filter(|p| matches!(p[0], Coord::Float(x) if (1e-4..=10.0).contains(&x) && x < 1.0))
            .count();
        // Log-uniform: 4 of 5 decades lie below 1.
        assert!((130..=190).contains(&below_one), "{below_one}");
    }
}
