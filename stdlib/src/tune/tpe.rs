//! Tree-structured Parzen estimator (Bergstra et al. 2011), independent per
//! dimension as Optuna's default `TPESampler`.
//!
//! The first batch is `startup` random draws. After that each batch holds
//! `batch` proposals. For each, the observations so far are split into a
//! good set, the best `ceil(gamma · n)` (at least 1, at most 25, as Optuna
//! caps it; never a `NaN` score), and a bad set, the rest. Per dimension the
//! two sets give densities l(x) and g(x):
//!
//! - a numeric dimension is a mixture, with equal weights, of Gaussians
//!   truncated to the range on its search scale (log for log floats; an int
//!   as a real over `[low - 0.5, high + 0.5]`, rounded when drawn): one
//!   centred on each observed value plus a prior centred on the range's
//!   middle with the whole range as its bandwidth. An observation's
//!   bandwidth is the larger gap to its sorted neighbours (the range's ends
//!   bound the outermost), clipped to `[range / min(100, n + 1), range]` for
//!   `n` observations in the set (Optuna's "magic clip");
//! - a choice is a smoothed frequency: `(count + 1) / (n + choices)`.
//!
//! `candidates` points are drawn from l, dimension by dimension, and the one
//! maximizing the sum over dimensions of `ln l(x) − ln g(x)` is proposed,
//! skipping points already observed or proposed earlier in the batch.
//! Within a batch, each proposal counts the batch's earlier proposals as bad
//! observations (Optuna's "constant liar"), which spreads the batch out. Each
//! proposal draws from its own random stream keyed by its index, so a batch
//! is the same whatever the thread count. The search stops after `trials`
//! proposals, or after the whole of a smaller finite space.

use super::{
    draw, draw_point, from_scale, full_budget, normal, random, ranked, scale_bounds, space_size, stream,
    to_scale, Coord, Coords, Dim, Observation, Proposal, Strategy,
};
use crate::eval::rng::SplitMix64;

/// The most observations in the good set.
const GOOD_MAX: usize = 25;
/// Rounds of `candidates` draws tried before a proposal falls back to a
/// random new point.
const ROUNDS: usize = 8;
/// Random draws tried when no candidate is new.
const DRAW_TRIES: usize = 256;

/// TPE's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Proposals in all, startup draws included.
    pub trials: usize,
    /// Random draws first, in one batch.
    pub startup: usize,
    /// Candidates drawn from l(x) per proposal (at least 1 used).
    pub candidates: usize,
    /// The good set's share of the observations, in `(0, 1]`.
    pub gamma: f64,
    /// Proposals per batch after the startup draws (at least 1 used).
    pub batch: usize,
}

impl Settings {
    /// Defaults for `trials` proposals: `min(10, trials)` startup draws,
    /// 24 candidates, gamma 0.25, batches of 4.
    pub fn new(trials: usize) -> Settings {
        Settings {
            trials,
            startup: trials.min(10),
            candidates: 24,
            gamma: 0.25,
            batch: 4,
        }
    }
}

/// TPE as a [`Strategy`].
pub struct Tpe {
    dims: Vec<Dim>,
    settings: Settings,
    seed: u64,
    /// `trials`, capped at a finite space's size.
    limit: usize,
    proposed: usize,
}

impl Tpe {
    /// TPE over `dims` with `settings`, seeded by `seed`.
    pub fn new(dims: &[Dim], settings: Settings, seed: u64) -> Tpe {
        let limit = match space_size(dims) {
            Some(n) => settings.trials.min(usize::try_from(n).unwrap_or(usize::MAX)),
            None => settings.trials,
        };
        Tpe {
            dims: dims.to_vec(),
            settings,
            seed,
            limit,
            proposed: 0,
        }
    }

    /// The `n` model-guided proposals after `history`.
    fn guided(&self, history: &[Observation], n: usize) -> Vec<Coords> {
        let order = ranked(history);
        let valid = order.iter().filter(|o| !o.score.is_nan()).count();
        let want = (self.settings.gamma * history.len() as f64).ceil() as usize;
        let n_good = want.clamp(1, GOOD_MAX).min(valid);
        let (good, bad) = order.split_at(n_good);
        let mut out: Vec<Coords> = Vec::with_capacity(n);
        let is_new = |p: &Coords, out: &[Coords]| !out.contains(p) && !history.iter().any(|o| &o.coords == p);
        for j in 0..n {
            // Constant liar: the batch's earlier proposals count as bad.
            let models: Vec<(Parzen, Parzen)> = self
                .dims
                .iter()
                .enumerate()
                .map(|(d, dim)| {
                    let l = Parzen::new(dim, good.iter().map(|o| o.coords[d]));
                    let lies = out.iter().map(|p| p[d]);
                    let g = Parzen::new(dim, bad.iter().map(|o| o.coords[d]).chain(lies));
                    (l, g)
                })
                .collect();
            let mut rng = SplitMix64::new(stream(self.seed, (self.proposed + j) as u64));
            let mut best: Option<(f64, Coords)> = None;
            for _ in 0..ROUNDS {
                for _ in 0..self.settings.candidates.max(1) {
                    let p: Coords = models.iter().map(|(l, _)| l.sample(&mut rng)).collect();
                    if !is_new(&p, &out) {
                        continue;
                    }
                    let s: f64 = models
                        .iter()
                        .zip(&p)
                        .map(|((l, g), c)| l.ln_pdf(*c) - g.ln_pdf(*c))
                        .sum();
                    if best.as_ref().is_none_or(|(b, _)| s > *b) {
                        best = Some((s, p));
                    }
                }
                if best.is_some() {
                    break;
                }
            }
            let p = match best {
                Some((_, p)) => p,
                None => {
                    let mut p = draw_point(&self.dims, &mut rng);
                    for _ in 1..DRAW_TRIES {
                        if is_new(&p, &out) {
                            break;
                        }
                        p = draw_point(&self.dims, &mut rng);
                    }
                    p
                }
            };
            out.push(p);
        }
        out
    }
}

impl Strategy for Tpe {
    fn planned(&self) -> Option<usize> {
        Some(self.limit)
    }

    fn ask(&mut self, history: &[Observation]) -> Option<Vec<Proposal>> {
        if self.proposed >= self.limit {
            return None;
        }
        let left = self.limit - self.proposed;
        let points = if self.proposed == 0 && self.settings.startup > 0 {
            random::draws(&self.dims, self.settings.startup.min(left), self.seed)
        } else {
            self.guided(history, self.settings.batch.max(1).min(left))
        };
        if points.is_empty() {
            self.proposed = self.limit;
            return None;
        }
        self.proposed += points.len();
        Some(full_budget(points))
    }
}

/// One dimension's density estimate (see the module doc).
#[derive(Debug)]
enum Parzen {
    Numeric {
        dim: Dim,
        lo: f64,
        hi: f64,
        /// Components: centre, bandwidth, ln of the truncation mass.
        parts: Vec<(f64, f64, f64)>,
    },
    Choice {
        probs: Vec<f64>,
    },
}

impl Parzen {
    fn new(dim: &Dim, values: impl Iterator<Item = Coord>) -> Parzen {
        let Some((mut lo, mut hi)) = scale_bounds(dim) else {
            let n = match dim {
                Dim::Choice(n) => (*n).max(1),
                _ => 1,
            };
            let mut counts = vec![1.0; n];
            for v in values {
                if let Coord::Index(i) = v {
                    counts[i.min(n - 1)] += 1.0;
                }
            }
            let total: f64 = counts.iter().sum();
            return Parzen::Choice {
                probs: counts.into_iter().map(|c| c / total).collect(),
            };
        };
        if matches!(dim, Dim::Int { .. }) {
            lo -= 0.5;
            hi += 0.5;
        }
        let range = (hi - lo).max(f64::MIN_POSITIVE);
        let mut mus: Vec<f64> = values
            .map(|c| to_scale(dim, c))
            .filter(|v| v.is_finite())
            .collect();
        mus.sort_by(f64::total_cmp);
        let k = mus.len() + 1;
        let min_sigma = range / (k as f64).min(100.0);
        let mut parts: Vec<(f64, f64)> = (0..mus.len())
            .map(|i| {
                let left = mus[i] - if i == 0 { lo } else { mus[i - 1] };
                let right = if i + 1 == mus.len() { hi } else { mus[i + 1] } - mus[i];
                (mus[i], left.max(right).clamp(min_sigma, range))
            })
            .collect();
        parts.push(((lo + hi) / 2.0, range));
        let parts = parts
            .into_iter()
            .map(|(mu, s)| (mu, s, (phi((hi - mu) / s) - phi((lo - mu) / s)).max(1e-300).ln()))
            .collect();
        Parzen::Numeric {
            dim: dim.clone(),
            lo,
            hi,
            parts,
        }
    }

    fn sample(&self, rng: &mut SplitMix64) -> Coord {
        match self {
            Parzen::Choice { probs } => {
                let u = rng.next_f64();
                let mut acc = 0.0;
                for (i, p) in probs.iter().enumerate() {
                    acc += p;
                    if u < acc {
                        return Coord::Index(i);
                    }
                }
                Coord::Index(probs.len() - 1)
            }
            Parzen::Numeric { dim, lo, hi, parts } => {
                let (mu, s, _) = parts[rng.below(parts.len() as u64) as usize];
                let mut v = mu;
                for _ in 0..32 {
                    let x = mu + s * normal(rng);
                    if (*lo..=*hi).contains(&x) {
                        v = x;
                        break;
                    }
                }
                if !v.is_finite() {
                    return draw(dim, rng);
                }
                from_scale(dim, v)
            }
        }
    }

    /// The log density at `c` (for a choice, the log probability).
    fn ln_pdf(&self, c: Coord) -> f64 {
        match (self, c) {
            (Parzen::Choice { probs }, Coord::Index(i)) => probs.get(i).map_or(f64::NEG_INFINITY, |p| p.ln()),
            (Parzen::Numeric { dim, parts, .. }, _) => {
                let x = to_scale(dim, c);
                let terms: Vec<f64> = parts
                    .iter()
                    .map(|(mu, s, ln_z)| {
                        let z = (x - mu) / s;
                        -0.5 * z * z - s.ln() - ln_z
                    })
                    .collect();
                let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                m + terms.iter().map(|t| (t - m).exp()).sum::<f64>().ln()
                    - (parts.len() as f64).ln()
                    - 0.5 * std::f64::consts::TAU.ln()
            }
            _ => f64::NEG_INFINITY,
        }
    }
}

/// The standard normal CDF, through `erfc` (Numerical Recipes' Chebyshev
/// fit, relative error below 1.2e-7).
fn phi(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims() -> Vec<Dim> {
        vec![
            Dim::Float {
                low: 1e-4,
                high: 1.0,
                log: true,
            },
            Dim::Int { low: 1, high: 20 },
            Dim::Choice(3),
        ]
    }

    fn score(p: &Coords) -> f64 {
        match (p[0], p[1], p[2]) {
            (Coord::Float(x), Coord::Int(i), Coord::Index(c)) => {
                -(x.log10() + 2.0).powi(2) - ((i - 7) as f64 / 5.0).powi(2) - c as f64 * 0.5
            }
            _ => f64::NAN,
        }
    }

    fn run(t: &mut Tpe) -> (Vec<usize>, Vec<Observation>) {
        let (batches, history) = crate::tune::drive(t, |c, _| score(c));
        (batches.into_iter().map(|(n, _)| n).collect(), history)
    }

    /// The progress bar's total is known up front and is what the search
    /// proposes.
    #[test]
    fn planned_is_the_number_of_proposals() {
        let mut t = Tpe::new(&dims(), Settings::new(21), 4);
        assert_eq!(t.planned(), Some(21));
        assert_eq!(run(&mut t).0.iter().sum::<usize>(), 21);
    }

    #[test]
    fn batches_and_determinism() {
        let (sizes, a) = run(&mut Tpe::new(&dims(), Settings::new(21), 4));
        assert_eq!(sizes, vec![10, 4, 4, 3]);
        assert_eq!(a, run(&mut Tpe::new(&dims(), Settings::new(21), 4)).1);
        assert_ne!(a, run(&mut Tpe::new(&dims(), Settings::new(21), 5)).1);
        for (i, o) in a.iter().enumerate() {
            assert!(!a[..i].iter().any(|p| p.coords == o.coords));
        }
    }

    #[test]
    fn concentrates_near_the_optimum() {
        let (_, h) = run(&mut Tpe::new(&dims(), Settings::new(60), 1));
        let late = &h[40..];
        let near = late
            .iter()
            .filter(|o| matches!(o.coords[0], Coord::Float(x) if (1e-3..1e-1).contains(&x)))
            .count();
        assert!(near >= 14, "{near} of 20 late proposals near lr 1e-2");
    }

    #[test]
    fn densities_integrate_to_one() {
        let dim = Dim::Float {
            low: -1.0,
            high: 2.0,
            log: false,
        };
        let p = Parzen::new(&dim, [0.0, 0.1, 1.9].into_iter().map(Coord::Float));
        let n = 3000;
        let h = 3.0 / f64::from(n);
        let total: f64 = (0..n)
            .map(|i| p.ln_pdf(Coord::Float(-1.0 + (f64::from(i) + 0.5) * h)).exp() * h)
            .sum();
        assert!((total - 1.0).abs() < 1e-3, "{total}");
        assert!((phi(0.0) - 0.5).abs() < 1e-7 && (phi(1.96) - 0.975).abs() < 1e-4);
        let c = Parzen::new(&Dim::Choice(2), [Coord::Index(1)].into_iter());
        assert!((c.ln_pdf(Coord::Index(1)).exp() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn small_finite_space_and_nan_scores() {
        let d = [Dim::Choice(2), Dim::Int { low: 0, high: 3 }];
        let mut t = Tpe::new(&d, Settings::new(100), 2);
        let (_, history) = crate::tune::drive(&mut t, |_, _| f64::NAN);
        assert_eq!(history.len(), 8);
        for (i, o) in history.iter().enumerate() {
            assert!(!history[..i].iter().any(|p| p.coords == o.coords));
        }
    }
}
