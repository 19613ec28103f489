//! Hyperparameter search strategies: each proposes batches of points of a
//! search space (with a training budget) from the observations so far. The
//! caller evaluates a batch (in parallel, in any order) and asks again; a
//! strategy's proposals depend only on its seed and the observations in
//! proposal order, never on timing or thread count.

pub mod genetic;
pub mod grid;
pub mod halving;
pub mod pareto;
pub mod prune;
pub mod random;
pub mod tpe;

#[cfg(test)]
mod bench_tests;

use crate::eval::rng::SplitMix64;

/// One dimension of a search space.
#[derive(Clone, Debug, PartialEq)]
pub enum Dim {
    /// One of `n` listed values (`n >= 1`), by index.
    Choice(usize),
    /// An integer in `low..=high`.
    Int {
        /// The smallest value.
        low: i64,
        /// The largest value.
        high: i64,
    },
    /// A real number in `[low, high]`, drawn on a log scale when `log`
    /// (then `low > 0`).
    Float {
        /// The lower end.
        low: f64,
        /// The upper end.
        high: f64,
        /// Whether draws are uniform in `ln x`.
        log: bool,
    },
}

/// A point's value along one [`Dim`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Coord {
    /// An index into a [`Dim::Choice`].
    Index(usize),
    /// A value of a [`Dim::Int`].
    Int(i64),
    /// A value of a [`Dim::Float`].
    Float(f64),
}

/// One point of a space: a coordinate per dimension, in dimension order.
pub type Coords = Vec<Coord>;

/// A point to evaluate at a training budget.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    /// The point.
    pub coords: Coords,
    /// The share of the full training budget, in `(0, 1]` (rows, boosting
    /// rounds or epochs, as the caller applies it); 1 outside `halving`.
    pub budget: f64,
}

/// An evaluated proposal.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// The point evaluated.
    pub coords: Coords,
    /// The budget it was evaluated at, as proposed.
    pub budget: f64,
    /// Higher is better (the caller negates losses); `NaN` for a trial that
    /// failed or was pruned, which ranks below every score.
    pub score: f64,
}

/// A search strategy.
pub trait Strategy: Send {
    /// The next batch to evaluate, given every observation so far in
    /// proposal order (the caller observes each batch whole before asking
    /// again); `None` when the search is over.
    fn ask(&mut self, history: &[Observation]) -> Option<Vec<Proposal>>;

    /// How many proposals the search makes in all when that is known before
    /// it starts (progress bars show it); it may stop sooner. `None` by
    /// default.
    fn planned(&self) -> Option<usize> {
        None
    }
}

/// Which strategy to run and its settings.
#[derive(Clone, Debug, PartialEq)]
pub enum Spec {
    /// Every point of a finite space, the last dimension varying fastest.
    Grid,
    /// `trials` independent uniform draws (log-uniform for log floats),
    /// without replacement when the space is finite.
    Random {
        /// The number of draws.
        trials: usize,
    },
    /// A generational genetic algorithm.
    Genetic(genetic::Settings),
    /// Tree-structured Parzen estimator.
    Tpe(tpe::Settings),
    /// Successive halving, or Hyperband when `brackets > 1`.
    Halving(halving::Settings),
}

/// Builds the strategy `spec` over `dims` (every dimension valid: choices
/// non-empty, ranges ordered, log floats positive), seeded by `seed`.
pub fn strategy(spec: &Spec, dims: &[Dim], seed: u64) -> Box<dyn Strategy> {
    match spec {
        Spec::Grid => Box::new(grid::Grid::new(dims)),
        Spec::Random { trials } => Box::new(random::Random::new(dims, *trials, seed)),
        Spec::Genetic(s) => Box::new(genetic::Genetic::new(dims, s.clone(), seed)),
        Spec::Tpe(s) => Box::new(tpe::Tpe::new(dims, s.clone(), seed)),
        Spec::Halving(s) => Box::new(halving::Halving::new(dims, s.clone(), seed)),
    }
}

/// How many points a finite space has (`None` with a float dimension or
/// past `u64`).
pub fn space_size(dims: &[Dim]) -> Option<u64> {
    dims.iter().try_fold(1u64, |acc, d| match d {
        Dim::Choice(n) => acc.checked_mul(*n as u64),
        Dim::Int { low, high } => {
            acc.checked_mul((i128::from(*high) - i128::from(*low) + 1).try_into().ok()?)
        }
        Dim::Float { .. } => None,
    })
}

/// `points` as proposals at the full budget.
pub fn full_budget(points: Vec<Coords>) -> Vec<Proposal> {
    points
        .into_iter()
        .map(|coords| Proposal { coords, budget: 1.0 })
        .collect()
}

/// One uniform draw along `dim`.
pub fn draw(dim: &Dim, rng: &mut SplitMix64) -> Coord {
    match dim {
        Dim::Choice(n) => Coord::Index(rng.below(*n as u64) as usize),
        Dim::Int { low, high } => {
            let span = (i128::from(*high) - i128::from(*low) + 1) as u64;
            Coord::Int((i128::from(*low) + i128::from(rng.below(span))) as i64)
        }
        Dim::Float { low, high, log } => {
            let u = rng.next_f64();
            let x = if *log {
                (low.ln() + u * (high.ln() - low.ln())).exp()
            } else {
                low + u * (high - low)
            };
            Coord::Float(x.clamp(*low, *high))
        }
    }
}

/// A uniform draw of a whole point.
pub fn draw_point(dims: &[Dim], rng: &mut SplitMix64) -> Coords {
    dims.iter().map(|d| draw(d, rng)).collect()
}

/// Observations ordered best first (`NaN` last; ties keep history order).
pub fn ranked(history: &[Observation]) -> Vec<&Observation> {
    let mut out: Vec<&Observation> = history.iter().collect();
    out.sort_by(|a, b| key(b.score).total_cmp(&key(a.score)));
    out
}

/// A score as a sort key, `NaN` below everything.
pub(crate) fn key(score: f64) -> f64 {
    if score.is_nan() {
        f64::NEG_INFINITY
    } else {
        score
    }
}

/// A standard normal draw (Box–Muller, cosine branch).
pub(crate) fn normal(rng: &mut SplitMix64) -> f64 {
    let u1 = 1.0 - rng.next_f64(); // in (0, 1], so the log is finite
    let u2 = rng.next_f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The seed of sub-stream `k` of a strategy seeded `seed`: streams keyed by
/// a proposal's or generation's index keep proposals independent of how
/// many draws earlier steps took.
pub(crate) fn stream(seed: u64, k: u64) -> u64 {
    SplitMix64::new(seed ^ k.wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

/// A numeric dimension's bounds on its search scale (natural log for log
/// floats); `None` for a choice.
pub(crate) fn scale_bounds(dim: &Dim) -> Option<(f64, f64)> {
    match dim {
        Dim::Choice(_) => None,
        Dim::Int { low, high } => Some((*low as f64, *high as f64)),
        Dim::Float { low, high, log: true } => Some((low.ln(), high.ln())),
        Dim::Float { low, high, .. } => Some((*low, *high)),
    }
}

/// A numeric coordinate on its dimension's search scale (an index for a
/// choice, as a number).
pub(crate) fn to_scale(dim: &Dim, c: Coord) -> f64 {
    match (dim, c) {
        (Dim::Float { log: true, .. }, Coord::Float(x)) => x.ln(),
        (_, Coord::Float(x)) => x,
        (_, Coord::Int(i)) => i as f64,
        (_, Coord::Index(i)) => i as f64,
    }
}

/// The coordinate at `v` on a numeric dimension's search scale: clamped into
/// the range, rounded for an int (`v` must not be `NaN`).
pub(crate) fn from_scale(dim: &Dim, v: f64) -> Coord {
    match dim {
        Dim::Choice(n) => Coord::Index((v.round().max(0.0) as usize).min(n.saturating_sub(1))),
        Dim::Int { low, high } => Coord::Int((v.round() as i64).clamp(*low, *high)),
        Dim::Float { low, high, log } => {
            let x = if *log { v.exp() } else { v };
            Coord::Float(x.clamp(*low, *high))
        }
    }
}

/// Test driver: asks `s` until it is done, scoring each proposal with
/// `f(coords, budget)` and observing each batch whole, in proposal order.
/// Returns each batch's (size, first budget) and the history.
#[cfg(test)]
pub(crate) fn drive(
    s: &mut dyn Strategy,
    f: impl Fn(&Coords, f64) -> f64,
) -> (Vec<(usize, f64)>, Vec<Observation>) {
    let mut history: Vec<Observation> = Vec::new();
    let mut batches = Vec::new();
    while let Some(batch) = s.ask(&history) {
        batches.push((batch.len(), batch.first().map_or(1.0, |p| p.budget)));
        for p in batch {
            let score = f(&p.coords, p.budget);
            history.push(Observation {
                coords: p.coords,
                budget: p.budget,
                score,
            });
        }
    }
    (batches, history)
}
