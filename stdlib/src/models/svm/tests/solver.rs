//! The SMO solver's optimality (KKT conditions recomputed from scratch), its
//! independence from caching and shrinking, and dual coordinate descent
//! against SMO on the linear kernel.
#![allow(clippy::needless_range_loop)]

use super::super::dcd::{self, DcdOptions};
use super::super::kernel::{Kernel, KernelCache};
use super::super::smo::{self, Problem, SmoOptions, Solution};
use super::blobs;
use crate::op::Matrix;

/// Largest KKT violation `max_{I_up} -y_t G_t - min_{I_low} -y_t G_t` of
/// `sol`, with the gradient `G = Qα + p` recomputed from the kernel.
/// `dual` holds each variable's data row, sign and linear term.
fn kkt_gap(sol: &Solution, x: &Matrix, kernel: Kernel, dual: (&[usize], &[f64], &[f64]), c: f64) -> f64 {
    let (real, y, p) = dual;
    let l = y.len();
    let row = |r: usize| x.row(r);
    let g: Vec<f64> = (0..l)
        .map(|t| {
            p[t] + (0..l)
                .map(|s| sol.alpha[s] * y[s] * y[t] * kernel.eval(row(real[s]), row(real[t])))
                .sum::<f64>()
        })
        .collect();
    let (mut up, mut low) = (f64::NEG_INFINITY, f64::INFINITY);
    for t in 0..l {
        let v = -y[t] * g[t];
        let (a, pos) = (sol.alpha[t], y[t] > 0.0);
        if (pos && a < c) || (!pos && a > 0.0) {
            up = up.max(v);
        }
        if (!pos && a < c) || (pos && a > 0.0) {
            low = low.min(v);
        }
    }
    up - low
}

fn classification(
    x: &[f64],
    d: usize,
    y: &[f64],
    kernel: Kernel,
    c: f64,
    budget: usize,
    options: &SmoOptions,
) -> Solution {
    let n = y.len();
    smo::solve(
        Problem {
            cache: KernelCache::new(x, d, kernel, budget),
            real: (0..n).collect(),
            y: y.to_vec(),
            p: vec![-1.0; n],
            c: vec![c; n],
        },
        options,
    )
}

fn signs(y: &[f64]) -> Vec<f64> {
    y.iter().map(|&v| if v > 0.0 { 1.0 } else { -1.0 }).collect()
}

#[test]
fn smo_solution_satisfies_kkt_within_tol() {
    let (x, y) = blobs(30, 2, 0.8, 1);
    let y = signs(&y);
    let n = y.len();
    let kernel = Kernel::Rbf { gamma: 0.5 };
    for shrinking in [true, false] {
        let options = SmoOptions {
            tol: 1e-3,
            max_iter: None,
            shrinking,
        };
        let sol = classification(&x.data, 2, &y, kernel, 1.0, 1 << 20, &options);
        assert!(sol.converged);
        let real: Vec<usize> = (0..n).collect();
        let gap = kkt_gap(&sol, &x, kernel, (&real, &y, &vec![-1.0; n]), 1.0);
        assert!(gap <= 1e-3 + 1e-9, "KKT gap {gap} (shrinking {shrinking})");
        assert!(sol.alpha.iter().all(|&a| (0.0..=1.0).contains(&a)));
        let balance: f64 = sol.alpha.iter().zip(&y).map(|(a, y)| a * y).sum();
        assert!(balance.abs() < 1e-9, "yᵀα = {balance}");
        // Per-row conditions against rho: y f(x) - 1 = G - y rho.
        for t in 0..n {
            let m = sol.gradient[t] - y[t] * sol.rho;
            match sol.alpha[t] {
                a if a <= 0.0 => assert!(m >= -1e-3, "row {t}: α = 0 but y f - 1 = {m}"),
                a if a >= 1.0 => assert!(m <= 1e-3, "row {t}: α = C but y f - 1 = {m}"),
                _ => assert!(m.abs() <= 1e-3, "row {t}: free α but y f - 1 = {m}"),
            }
        }
        // Overlapping blobs: some bounded and some free support vectors.
        assert!(sol.alpha.iter().any(|&a| a >= 1.0) && sol.alpha.iter().any(|&a| a > 0.0 && a < 1.0));
    }
}

#[test]
fn cache_size_and_shrinking_do_not_change_the_solution() {
    let (x, y) = blobs(40, 3, 0.7, 2);
    let y = signs(&y);
    let kernel = Kernel::Poly {
        gamma: 0.3,
        degree: 2,
        coef0: 1.0,
    };
    let tight = SmoOptions {
        tol: 1e-8,
        max_iter: None,
        shrinking: true,
    };
    let full = classification(&x.data, 3, &y, kernel, 2.0, 1 << 20, &tight);
    // A budget of 0 bytes keeps only two rows: every other row is recomputed.
    let small = classification(&x.data, 3, &y, kernel, 2.0, 0, &tight);
    let unshrunk = classification(
        &x.data,
        3,
        &y,
        kernel,
        2.0,
        1 << 20,
        &SmoOptions {
            shrinking: false,
            ..tight
        },
    );
    for other in [&small, &unshrunk] {
        assert!((other.objective - full.objective).abs() < 1e-6 * full.objective.abs().max(1.0));
        assert!(
            (other.rho - full.rho).abs() < 1e-4,
            "rho {} vs {}",
            other.rho,
            full.rho
        );
    }
}

#[test]
fn svr_dual_satisfies_kkt_within_tol() {
    let (x, _) = blobs(20, 2, 0.0, 3);
    let n = x.rows;
    let z: Vec<f64> = (0..n)
        .map(|i| x.row(i)[0] - 0.5 * x.row(i)[1] * x.row(i)[1])
        .collect();
    let (eps, c) = (0.1, 1.0);
    let kernel = Kernel::Rbf { gamma: 0.5 };
    let real: Vec<usize> = (0..2 * n).map(|t| t % n).collect();
    let y: Vec<f64> = (0..2 * n).map(|t| if t < n { 1.0 } else { -1.0 }).collect();
    let p: Vec<f64> = (0..2 * n)
        .map(|t| if t < n { eps - z[t] } else { eps + z[t - n] })
        .collect();
    let sol = smo::solve(
        Problem {
            cache: KernelCache::new(&x.data, 2, kernel, 1 << 20),
            real: real.clone(),
            y: y.clone(),
            p: p.clone(),
            c: vec![c; 2 * n],
        },
        &SmoOptions {
            tol: 1e-3,
            max_iter: None,
            shrinking: true,
        },
    );
    assert!(sol.converged);
    let gap = kkt_gap(&sol, &x, kernel, (&real, &y, &p), c);
    assert!(gap <= 1e-3 + 1e-9, "KKT gap {gap}");
    // Residuals inside the tube have zero coefficients.
    for i in 0..n {
        let f: f64 = (0..n)
            .map(|j| (sol.alpha[j] - sol.alpha[j + n]) * kernel.eval(x.row(j), x.row(i)))
            .sum::<f64>()
            - sol.rho;
        if (f - z[i]).abs() < eps - 1e-2 {
            assert!(
                sol.alpha[i] + sol.alpha[i + n] < 1e-9,
                "row {i} inside the tube has α"
            );
        }
    }
}

#[test]
fn dual_cd_matches_smo_on_the_linear_kernel() {
    let (x, y) = blobs(50, 3, 0.6, 4);
    let y = signs(&y);
    let d = 3;
    let smo_sol = classification(
        &x.data,
        d,
        &y,
        Kernel::Linear,
        1.0,
        1 << 20,
        &SmoOptions {
            tol: 1e-6,
            max_iter: None,
            shrinking: true,
        },
    );
    let mut w_smo = vec![0.0; d];
    for t in 0..y.len() {
        (0..d).for_each(|j| w_smo[j] += smo_sol.alpha[t] * y[t] * x.row(t)[j]);
    }
    let b_smo = -smo_sol.rho;
    let norm = w_smo.iter().map(|v| v * v).sum::<f64>().sqrt();
    for bias_scale in [1.0, 10.0] {
        let s = dcd::solve(
            &x.data,
            d,
            &y,
            &[],
            &DcdOptions {
                c: 1.0,
                tol: 1e-6,
                max_iter: 100_000,
                bias_scale,
                seed: 0,
            },
        );
        assert!(s.converged);
        let diff =
            s.w.iter()
                .zip(&w_smo)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt();
        println!(
            "bias scale {bias_scale}: |Δw|/|w| = {} b {} vs {b_smo}, {} passes",
            diff / norm,
            s.bias,
            s.iterations
        );
        let limit = if bias_scale > 1.0 { 0.01 } else { 0.05 };
        assert!(
            diff / norm < limit,
            "bias scale {bias_scale}: |Δw|/|w| = {}",
            diff / norm
        );
        assert!(
            (s.bias - b_smo).abs() < limit.max(0.02) * 5.0,
            "bias {} vs {b_smo}",
            s.bias
        );
        let agree = (0..y.len())
            .filter(|&t| {
                let f_cd: f64 = s.w.iter().zip(x.row(t)).map(|(a, b)| a * b).sum::<f64>() + s.bias;
                let f_smo: f64 = w_smo.iter().zip(x.row(t)).map(|(a, b)| a * b).sum::<f64>() + b_smo;
                (f_cd > 0.0) == (f_smo > 0.0)
            })
            .count();
        assert!(agree >= y.len() - 1, "{agree} of {} predictions agree", y.len());
    }
}
