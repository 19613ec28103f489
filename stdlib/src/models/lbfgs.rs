//! Limited-memory BFGS for smooth unconstrained minimisation: two-loop recursion
//! over the last `memory` curvature pairs and a strong-Wolfe line search
//! (Nocedal & Wright, *Numerical Optimization*, algorithms 7.4, 3.5 and 3.6).

use super::checkpoints::{decode, SolverCheckpoint};
use mlg_runtime::checkpoint::Words;

/// Stopping and memory settings of [`minimize`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LbfgsOptions {
    /// Number of curvature pairs `(s, y)` kept (10 is customary).
    pub memory: usize,
    /// Maximum number of iterations (line searches).
    pub max_iter: usize,
    /// Converged when the gradient's max-norm is at most this.
    pub tol: f64,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions {
            memory: 10,
            max_iter: 1000,
            tol: 1e-8,
        }
    }
}

/// Outcome of [`minimize`]: the last accepted point and its state.
#[derive(Clone, Debug, PartialEq)]
pub struct LbfgsResult {
    /// The last accepted point.
    pub x: Vec<f64>,
    /// The objective at `x`.
    pub value: f64,
    /// Max-norm of the gradient at `x`.
    pub grad_max: f64,
    /// Iterations run (accepted line searches).
    pub iterations: usize,
    /// True when `grad_max <= tol`; false when the iteration limit was hit or no
    /// step along a descent direction decreased the objective any more.
    pub converged: bool,
}

/// Sufficient-decrease (Armijo) constant of the line search.
const C1: f64 = 1e-4;
/// Curvature constant of the strong Wolfe condition.
const C2: f64 = 0.9;
/// Function evaluations allowed per line search.
const MAX_EVALS: usize = 60;

/// One evaluated trial point of a line search.
#[derive(Clone)]
pub(crate) struct Trial {
    pub step: f64,
    pub value: f64,
    /// Directional derivative `g(x + step d) · d`.
    pub slope: f64,
    pub x: Vec<f64>,
    pub grad: Vec<f64>,
}

/// Minimises `f` from `x0`. `f(x, grad)` returns the objective at `x` and writes
/// its gradient into `grad` (same length as `x`). Never panics on non-finite
/// objective values: a step that produces them is shortened.
pub fn minimize<F>(f: F, x0: Vec<f64>, options: &LbfgsOptions) -> LbfgsResult
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    run(f, State::start(x0), options, &mut SolverCheckpoint::none())
}

/// What an iteration of [`minimize`] starts from: the point, the curvature
/// pairs and the iterations done (the value and gradient follow from `x`).
struct State {
    x: Vec<f64>,
    s_hist: Vec<Vec<f64>>,
    y_hist: Vec<Vec<f64>>,
    rho_hist: Vec<f64>,
    iterations: usize,
}

impl State {
    fn words(&self) -> Words {
        let mut w = Words::new();
        w.usize(self.iterations).f64s(&self.x).f64s(&self.rho_hist);
        for (s, y) in self.s_hist.iter().zip(&self.y_hist) {
            w.f64s(s).f64s(y);
        }
        w
    }

    /// The state in `bytes`, for a problem of `n` parameters.
    fn read(bytes: &[u8], n: usize, memory: usize) -> Option<State> {
        decode(bytes, |r| {
            let iterations = r.usize()?;
            let x = r.f64s()?;
            let rho_hist = r.f64s()?;
            let (mut s_hist, mut y_hist) = (Vec::new(), Vec::new());
            for _ in 0..rho_hist.len() {
                s_hist.push(r.f64s()?);
                y_hist.push(r.f64s()?);
            }
            let fits = x.len() == n
                && rho_hist.len() <= memory
                && s_hist.iter().chain(&y_hist).all(|v| v.len() == n);
            fits.then_some(State {
                x,
                s_hist,
                y_hist,
                rho_hist,
                iterations,
            })
        })
    }
}

/// [`minimize`] that saves its state into `checkpoint` after the iterations
/// due and starts from the state it restored, if any; an unreadable restored
/// state is `Err(())`.
pub(crate) fn minimize_saved<F>(
    f: F,
    x0: Vec<f64>,
    options: &LbfgsOptions,
    checkpoint: &mut SolverCheckpoint,
) -> Result<LbfgsResult, ()>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let st = match checkpoint.take() {
        Some(bytes) => State::read(&bytes, x0.len(), options.memory.max(1)).ok_or(())?,
        None => State::start(x0),
    };
    Ok(run(f, st, options, checkpoint))
}

/// The iterations of [`minimize`] from `st`, saving into `checkpoint`.
fn run<F>(mut f: F, mut st: State, options: &LbfgsOptions, checkpoint: &mut SolverCheckpoint) -> LbfgsResult
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let memory = options.memory.max(1);
    let mut grad = vec![0.0; st.x.len()];
    let mut value = f(&st.x, &mut grad);
    loop {
        let grad_max = max_abs(&grad);
        let done = |st: State, converged| LbfgsResult {
            x: st.x,
            value,
            grad_max,
            iterations: st.iterations,
            converged,
        };
        if grad_max <= options.tol || !value.is_finite() {
            return done(st, grad_max <= options.tol);
        }
        if st.iterations >= options.max_iter {
            return done(st, false);
        }
        let mut dir = two_loop(&grad, &st.s_hist, &st.y_hist, &st.rho_hist);
        let mut slope = dot(&grad, &dir);
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction (lost curvature information): restart from
            // steepest descent.
            st.forget();
            dir = grad.iter().map(|g| -g).collect();
            slope = dot(&grad, &dir);
        }
        let first_step = if st.s_hist.is_empty() {
            1.0 / norm(&grad).max(1.0)
        } else {
            1.0
        };
        let trial = match line_search(&mut f, &st.x, value, slope, &dir, first_step, C2) {
            Some(t) => t,
            None if !st.s_hist.is_empty() => {
                st.forget();
                continue;
            }
            None => return done(st, false),
        };
        st.iterations += 1;
        let s: Vec<f64> = trial.x.iter().zip(&st.x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = trial.grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        // Keep the pair only when it carries positive curvature, so the implicit
        // inverse Hessian stays positive definite.
        if sy > f64::EPSILON * dot(&y, &y) {
            if st.s_hist.len() == memory {
                st.s_hist.remove(0);
                st.y_hist.remove(0);
                st.rho_hist.remove(0);
            }
            st.s_hist.push(s);
            st.y_hist.push(y);
            st.rho_hist.push(1.0 / sy);
        }
        st.x = trial.x;
        grad = trial.grad;
        value = trial.value;
        checkpoint.after(st.iterations, || st.words());
    }
}

impl State {
    /// The state before the first iteration, at `x0`.
    fn start(x0: Vec<f64>) -> State {
        State {
            x: x0,
            s_hist: Vec::new(),
            y_hist: Vec::new(),
            rho_hist: Vec::new(),
            iterations: 0,
        }
    }

    /// Drops the curvature pairs (a restart from steepest descent).
    fn forget(&mut self) {
        self.s_hist.clear();
        self.y_hist.clear();
        self.rho_hist.clear();
    }
}

/// `-H g` for the L-BFGS inverse-Hessian approximation `H` (two-loop recursion),
/// with the initial scaling `γ = sᵀy / yᵀy` of the newest pair.
fn two_loop(grad: &[f64], s_hist: &[Vec<f64>], y_hist: &[Vec<f64>], rho_hist: &[f64]) -> Vec<f64> {
    let mut q: Vec<f64> = grad.to_vec();
    let mut alpha = vec![0.0; s_hist.len()];
    for i in (0..s_hist.len()).rev() {
        alpha[i] = rho_hist[i] * dot(&s_hist[i], &q);
        axpy(-alpha[i], &y_hist[i], &mut q);
    }
    if let (Some(s), Some(y)) = (s_hist.last(), y_hist.last()) {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|v| *v *= gamma);
    }
    for i in 0..s_hist.len() {
        let beta = rho_hist[i] * dot(&y_hist[i], &q);
        axpy(alpha[i] - beta, &s_hist[i], &mut q);
    }
    q.iter_mut().for_each(|v| *v = -*v);
    q
}

/// Finds a step satisfying the strong Wolfe conditions (sufficient decrease
/// with constant 1e-4, curvature `|slope| <= c2 |slope0|`) along the descent
/// direction `dir` from `x` (value `value0`, slope `slope0 < 0`), trying
/// `first` first (algorithm 3.5: expand until the minimum is bracketed, then
/// [`zoom`]). Returns `None` when no step decreases the objective.
pub(crate) fn line_search<F>(
    f: &mut F,
    x: &[f64],
    value0: f64,
    slope0: f64,
    dir: &[f64],
    first: f64,
    c2: f64,
) -> Option<Trial>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let mut evals = 0;
    let mut prev = Trial {
        step: 0.0,
        value: value0,
        slope: slope0,
        x: x.to_vec(),
        grad: Vec::new(),
    };
    let mut step = first;
    loop {
        let t = evaluate(f, x, dir, step);
        evals += 1;
        if flat_wolfe(&t, value0, slope0, c2) {
            return Some(t);
        }
        if t.value > value0 + C1 * step * slope0 || (prev.step > 0.0 && t.value >= prev.value) {
            return zoom(f, x, (value0, slope0, c2), dir, prev, t, evals);
        }
        if t.slope.abs() <= -c2 * slope0 {
            return Some(t);
        }
        if t.slope >= 0.0 {
            return zoom(f, x, (value0, slope0, c2), dir, t.clone(), prev, evals);
        }
        if evals >= MAX_EVALS {
            return Some(t);
        }
        prev = t;
        step *= 2.0;
    }
}

/// Algorithm 3.6: shrinks the bracket `[lo, hi]` (`lo` satisfies sufficient
/// decrease and has the lower value) by safeguarded cubic interpolation until a
/// strong-Wolfe step is found; falls back to `lo` when evaluations run out.
/// `start` is `(value0, slope0, c2)` of [`line_search`].
fn zoom<F>(
    f: &mut F,
    x: &[f64],
    start: (f64, f64, f64),
    dir: &[f64],
    mut lo: Trial,
    mut hi: Trial,
    mut evals: usize,
) -> Option<Trial>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let (value0, slope0, c2) = start;
    loop {
        if evals >= MAX_EVALS || (hi.step - lo.step).abs() <= f64::EPSILON * lo.step.abs().max(1e-300) {
            return (lo.step > 0.0).then_some(lo);
        }
        let step = interpolate(&lo, &hi);
        let t = evaluate(f, x, dir, step);
        evals += 1;
        if flat_wolfe(&t, value0, slope0, c2) {
            return Some(t);
        }
        if t.value > value0 + C1 * step * slope0 || t.value >= lo.value {
            hi = t;
        } else {
            if t.slope.abs() <= -c2 * slope0 {
                return Some(t);
            }
            if t.slope * (hi.step - lo.step) >= 0.0 {
                hi = lo;
            }
            lo = t;
        }
    }
}

/// Relative change of the objective below which values are rounding noise.
const FLAT: f64 = 1e-13;

/// The approximate strong Wolfe conditions (after Hager & Zhang) for the
/// rounding floor: the value did not rise beyond [`FLAT`] relative and the
/// curvature condition holds. Near the optimum, decreases fall below the
/// precision of the value and the exact sufficient-decrease test fails by
/// chance, while the curvature condition still guarantees progress.
fn flat_wolfe(t: &Trial, value0: f64, slope0: f64, c2: f64) -> bool {
    t.value - value0 <= FLAT * value0.abs() && t.value.is_finite() && t.slope.abs() <= -c2 * slope0
}

/// Minimiser of the cubic through the two trial points, kept inside the middle
/// 80 % of the bracket; bisection when the cubic is unusable.
fn interpolate(a: &Trial, b: &Trial) -> f64 {
    let (lo, hi) = (a.step.min(b.step), a.step.max(b.step));
    let margin = 0.1 * (hi - lo);
    let d1 = a.slope + b.slope - 3.0 * (a.value - b.value) / (a.step - b.step);
    let disc = d1 * d1 - a.slope * b.slope;
    let candidate = if disc >= 0.0 {
        let d2 = (b.step - a.step).signum() * disc.sqrt();
        b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2)
    } else {
        f64::NAN
    };
    if candidate.is_finite() && candidate >= lo + margin && candidate <= hi - margin {
        candidate
    } else {
        0.5 * (lo + hi)
    }
}

fn evaluate<F>(f: &mut F, x: &[f64], dir: &[f64], step: f64) -> Trial
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let point: Vec<f64> = x.iter().zip(dir).map(|(xi, di)| xi + step * di).collect();
    let mut grad = vec![0.0; x.len()];
    let mut value = f(&point, &mut grad);
    if !value.is_finite() {
        value = f64::INFINITY;
    }
    let slope = dot(&grad, dir);
    Trial {
        step,
        value,
        slope: if slope.is_finite() { slope } else { f64::INFINITY },
        x: point,
        grad,
    }
}

/// `a · b`.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

/// Max-norm of `a`; infinite when `a` holds a NaN.
pub(crate) fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(
        0.0,
        |m: f64, v| if v.is_nan() { f64::INFINITY } else { m.max(v.abs()) },
    )
}

fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += alpha * xi);
}

#[cfg(test)]
mod tests;
