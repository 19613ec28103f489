//! L-BFGS on Rosenbrock, an ill-conditioned quadratic, and its iteration limit.

use super::*;

#[test]
fn minimises_rosenbrock() {
    let rosen = |x: &[f64], g: &mut [f64]| {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    };
    let r = minimize(
        rosen,
        vec![-1.2, 1.0],
        &LbfgsOptions {
            tol: 1e-10,
            ..Default::default()
        },
    );
    assert!(r.converged, "{r:?}");
    assert!(
        (r.x[0] - 1.0).abs() < 1e-8 && (r.x[1] - 1.0).abs() < 1e-8,
        "{r:?}"
    );
    assert!(r.iterations < 100);
}

#[test]
fn minimises_ill_conditioned_quadratic() {
    // f = ½ Σ k_i (x_i - i)², condition number 1e4.
    let k: Vec<f64> = (0..20).map(|i| 10f64.powf(4.0 * f64::from(i) / 19.0)).collect();
    let k2 = k.clone();
    let quad = move |x: &[f64], g: &mut [f64]| {
        let mut v = 0.0;
        for i in 0..x.len() {
            let d = x[i] - i as f64;
            g[i] = k2[i] * d;
            v += 0.5 * k2[i] * d * d;
        }
        v
    };
    let r = minimize(quad, vec![0.0; 20], &LbfgsOptions::default());
    assert!(r.converged && r.grad_max <= 1e-8, "{r:?}");
    for (i, xi) in r.x.iter().enumerate() {
        assert!(
            (xi - i as f64).abs() < 1e-8 / k[i].min(1.0) * 10.0,
            "x[{i}] = {xi}"
        );
    }
}

#[test]
fn reports_iteration_limit() {
    let quad = |x: &[f64], g: &mut [f64]| {
        g[0] = 2.0 * (x[0] - 3.0);
        g[1] = 2000.0 * (x[1] + 1.0);
        (x[0] - 3.0).powi(2) + 1000.0 * (x[1] + 1.0).powi(2)
    };
    let r = minimize(
        quad,
        vec![0.0, 0.0],
        &LbfgsOptions {
            max_iter: 1,
            ..Default::default()
        },
    );
    assert_eq!(r.iterations, 1);
    assert!(!r.converged);
}
