//! A generational genetic algorithm.
//!
//! The first batch is `population` distinct random points. Each later batch
//! is one generation of `population - elite` children (at least one). The
//! mating pool is the best `population` observations so far (a (μ+λ)
//! scheme: the `elite` best are always in it, and they are kept there rather
//! than proposed again). Each child comes from two parents picked by
//! tournament selection over the pool, uniform crossover with probability
//! `crossover` (else a copy of the first parent), then per-gene mutation: a
//! choice jumps to another index, an int takes a rounded Gaussian step of
//! 15% of its range (at least 1), a float a Gaussian step of 15% of its range
//! on its search scale (log for log floats), both clamped into range. A
//! child equal to an observed point or to an earlier child of its batch is
//! bred again (a bounded number of times, then replaced by a fresh random
//! draw). The search stops after `trials` proposals in all (the last
//! generation may be cut short), or after the whole of a smaller finite
//! space. `NaN` scores rank last.

use super::{
    draw_point, from_scale, full_budget, normal, random, ranked, scale_bounds, space_size, stream, to_scale,
    Coord, Coords, Dim, Observation, Proposal, Strategy,
};
use crate::eval::rng::SplitMix64;

/// A mutation step's standard deviation as a share of a numeric range.
const STEP: f64 = 0.15;
/// Breeding attempts per child before falling back to random draws.
const BREED_TRIES: usize = 32;
/// Random draws tried per child after breeding failed to find a new point.
const DRAW_TRIES: usize = 256;

/// The genetic algorithm's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Proposals in all.
    pub trials: usize,
    /// The first batch's size and the mating pool's size (at least 2 used).
    pub population: usize,
    /// The per-gene mutation probability; 0 means automatic: 1 / (number of
    /// dimensions), about one gene per child.
    pub mutation: f64,
    /// The probability that a child is a uniform crossover of its two
    /// parents rather than a copy of the first.
    pub crossover: f64,
    /// How many of the best observations survive each generation unchanged
    /// (in the pool, not re-proposed); a generation breeds
    /// `population - elite` children, at least one.
    pub elite: usize,
    /// Tournament size: each parent is the best of this many pool members
    /// drawn uniformly with replacement (at least 1 used).
    pub tournament: usize,
}

impl Settings {
    /// Defaults for `trials` proposals: population `trials` clamped to
    /// `2..=10`, automatic mutation (0), crossover 0.9, elite 1,
    /// tournament 3.
    pub fn new(trials: usize) -> Settings {
        Settings {
            trials,
            population: trials.clamp(2, 10),
            mutation: 0.0,
            crossover: 0.9,
            elite: 1,
            tournament: 3,
        }
    }
}

/// The genetic algorithm as a [`Strategy`].
pub struct Genetic {
    dims: Vec<Dim>,
    settings: Settings,
    seed: u64,
    /// `trials`, capped at a finite space's size.
    limit: usize,
    proposed: usize,
    generation: u64,
}

impl Genetic {
    /// The algorithm over `dims` with `settings`, seeded by `seed`.
    pub fn new(dims: &[Dim], settings: Settings, seed: u64) -> Genetic {
        let limit = match space_size(dims) {
            Some(n) => settings.trials.min(usize::try_from(n).unwrap_or(usize::MAX)),
            None => settings.trials,
        };
        Genetic {
            dims: dims.to_vec(),
            settings,
            seed,
            limit,
            proposed: 0,
            generation: 0,
        }
    }

    fn mutation_rate(&self) -> f64 {
        if self.settings.mutation > 0.0 {
            self.settings.mutation.min(1.0)
        } else {
            1.0 / self.dims.len().max(1) as f64
        }
    }

    /// `n` new children bred from `history`.
    fn children(&self, history: &[Observation], n: usize, rng: &mut SplitMix64) -> Vec<Coords> {
        let pool: Vec<&Coords> = ranked(history)
            .into_iter()
            .take(self.settings.population.max(2))
            .map(|o| &o.coords)
            .collect();
        let rate = self.mutation_rate();
        let mut out: Vec<Coords> = Vec::with_capacity(n);
        let is_new = |p: &Coords, out: &[Coords]| !out.contains(p) && !history.iter().any(|o| &o.coords == p);
        while out.len() < n {
            let mut child = None;
            for attempt in 0..BREED_TRIES {
                let a = self.select(&pool, rng);
                let mut c = a.clone();
                if rng.next_f64() < self.settings.crossover {
                    let b = self.select(&pool, rng);
                    for (g, bg) in c.iter_mut().zip(b) {
                        if rng.next_f64() < 0.5 {
                            *g = *bg;
                        }
                    }
                }
                // After half the attempts, mutate every gene to leave a
                // crowded neighbourhood.
                let r = if attempt < BREED_TRIES / 2 { rate } else { 1.0 };
                for (g, dim) in c.iter_mut().zip(&self.dims) {
                    if rng.next_f64() < r {
                        *g = mutate(dim, *g, rng);
                    }
                }
                if is_new(&c, &out) {
                    child = Some(c);
                    break;
                }
            }
            let child = child.unwrap_or_else(|| {
                let mut p = draw_point(&self.dims, rng);
                for _ in 1..DRAW_TRIES {
                    if is_new(&p, &out) {
                        break;
                    }
                    p = draw_point(&self.dims, rng);
                }
                p
            });
            out.push(child);
        }
        out
    }

    /// Tournament selection: the pool is best first, so the winner is the
    /// member with the smallest drawn index.
    fn select<'a>(&self, pool: &[&'a Coords], rng: &mut SplitMix64) -> &'a Coords {
        let best = (0..self.settings.tournament.max(1))
            .map(|_| rng.below(pool.len() as u64) as usize)
            .min()
            .unwrap_or(0);
        pool[best]
    }
}

/// One gene's mutation (see the module doc).
fn mutate(dim: &Dim, c: Coord, rng: &mut SplitMix64) -> Coord {
    match (dim, c) {
        (Dim::Choice(n), Coord::Index(i)) if *n > 1 => {
            let j = rng.below(*n as u64 - 1) as usize;
            Coord::Index(if j >= i { j + 1 } else { j })
        }
        (Dim::Int { low, high }, Coord::Int(i)) if high > low => {
            let sd = (STEP * (*high as f64 - *low as f64)).max(1.0);
            let mut step = (normal(rng) * sd).round() as i64;
            if step == 0 {
                step = if rng.next_f64() < 0.5 { -1 } else { 1 };
            }
            let mut j = i.saturating_add(step).clamp(*low, *high);
            if j == i {
                j = i.saturating_sub(step.signum()).clamp(*low, *high);
            }
            Coord::Int(j)
        }
        (Dim::Float { .. }, Coord::Float(_)) => {
            let (lo, hi) = scale_bounds(dim).unwrap_or((0.0, 0.0));
            let v = to_scale(dim, c) + normal(rng) * STEP * (hi - lo);
            from_scale(dim, v.clamp(lo, hi))
        }
        _ => c,
    }
}

impl Strategy for Genetic {
    fn planned(&self) -> Option<usize> {
        Some(self.limit)
    }

    fn ask(&mut self, history: &[Observation]) -> Option<Vec<Proposal>> {
        if self.proposed >= self.limit {
            return None;
        }
        let left = self.limit - self.proposed;
        let seed = stream(self.seed, self.generation);
        let points = if self.generation == 0 || history.is_empty() {
            random::draws(&self.dims, self.settings.population.max(2).min(left), seed)
        } else {
            let n = self
                .settings
                .population
                .saturating_sub(self.settings.elite)
                .max(1)
                .min(left);
            self.children(history, n, &mut SplitMix64::new(seed))
        };
        self.generation += 1;
        if points.is_empty() {
            self.proposed = self.limit;
            return None;
        }
        self.proposed += points.len();
        Some(full_budget(points))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims() -> Vec<Dim> {
        vec![
            Dim::Choice(3),
            Dim::Int { low: -5, high: 5 },
            Dim::Float {
                low: 1e-3,
                high: 1.0,
                log: true,
            },
        ]
    }

    fn score(p: &Coords) -> f64 {
        match (p[0], p[1], p[2]) {
            (Coord::Index(c), Coord::Int(i), Coord::Float(x)) => {
                -(c as f64 - 1.0).abs() - ((i - 2) as f64).powi(2) - (x.log10() + 2.0).powi(2)
            }
            _ => f64::NAN,
        }
    }

    fn run(g: &mut Genetic, f: impl Fn(&Coords) -> f64) -> (Vec<usize>, Vec<Observation>) {
        let (batches, history) = crate::tune::drive(g, |c, _| f(c));
        (batches.into_iter().map(|(n, _)| n).collect(), history)
    }

    #[test]
    fn generations_and_trial_count() {
        let s = Settings::new(25);
        assert_eq!(s.population, 10);
        let mut g = Genetic::new(&dims(), s, 3);
        let (sizes, history) = run(&mut g, score);
        assert_eq!(sizes, vec![10, 9, 6]);
        for (i, o) in history.iter().enumerate() {
            assert!(!history[..i].iter().any(|p| p.coords == o.coords), "repeat");
            match (o.coords[0], o.coords[1], o.coords[2]) {
                (Coord::Index(c), Coord::Int(k), Coord::Float(x)) => {
                    assert!(c < 3 && (-5..=5).contains(&k) && (1e-3..=1.0).contains(&x))
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(g.ask(&history).is_none());
    }

    #[test]
    fn deterministic_and_seeded() {
        let a = run(&mut Genetic::new(&dims(), Settings::new(30), 5), score).1;
        let b = run(&mut Genetic::new(&dims(), Settings::new(30), 5), score).1;
        let c = run(&mut Genetic::new(&dims(), Settings::new(30), 6), score).1;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn small_finite_space_is_exhausted_without_repeats() {
        let d = [Dim::Choice(2), Dim::Int { low: 0, high: 2 }];
        let mut g = Genetic::new(&d, Settings::new(50), 1);
        let (_, history) = run(&mut g, |p| if p[0] == Coord::Index(0) { f64::NAN } else { 1.0 });
        assert_eq!(history.len(), 6);
        for (i, o) in history.iter().enumerate() {
            assert!(!history[..i].iter().any(|p| p.coords == o.coords));
        }
    }

    #[test]
    fn mutation_moves_and_stays_in_range() {
        let mut rng = SplitMix64::new(2);
        let int = Dim::Int { low: 0, high: 3 };
        for _ in 0..200 {
            assert_ne!(
                mutate(&Dim::Choice(2), Coord::Index(1), &mut rng),
                Coord::Index(1)
            );
            match mutate(&int, Coord::Int(3), &mut rng) {
                Coord::Int(j) => assert!((0..3).contains(&j)),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            mutate(&Dim::Choice(1), Coord::Index(0), &mut rng),
            Coord::Index(0)
        );
    }
}
