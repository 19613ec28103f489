//! Sums that do not depend on the order of the rows, so that a boosted model
//! is the same bits whatever the thread count or the number of ranks its
//! rows are spread over (issue 16's rule for boosting): gradients and
//! hessians are put on an integer grid before the histograms add them, and
//! integer addition is associative; the two `f64` sums a fit reads (the
//! squared loss's baseline mean and the held-out loss) are taken on a
//! fixed-point grid too.

use super::hist::Unit;
use mlg_runtime::collective::Collective;
use rayon::prelude::*;

/// Grid steps in the largest |gradient| and in the largest hessian of a
/// round: a step count fits in an `i32`, and `2^32` rows of them add up in
/// an `i64` without overflow.
const STEPS: f64 = (1u64 << 30) as f64;

/// Rows per parallel chunk.
const CHUNK: usize = 16_384;

/// `x` (at most `2^31` in magnitude) rounded to the nearest integer, ties
/// to even, by adding and subtracting `1.5 · 2^52` (the sum's last bit is
/// the unit): plain arithmetic, where `f64::round` is a library call on
/// x86-64 without SSE4.1.
#[inline(always)]
fn nearest(x: f64) -> i32 {
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    ((x + SHIFT) - SHIFT) as i32
}

/// Writes each row's `(gradient, hessian)` pair of `gh[c]` into `out[c]` as
/// grid steps, rounded to nearest, and returns each output's step sizes:
/// the largest |gradient| and the largest hessian over the rows of every
/// rank (`comm`) are [`STEPS`] steps. With `const_hessian` the hessian (1)
/// is one step of size 1, so hessian sums are row counts. A step size is
/// not finite only when some gradient is not.
pub(crate) fn quantize(
    comm: Option<&dyn Collective>,
    gh: &[Vec<[f32; 2]>],
    const_hessian: bool,
    out: &mut [Vec<[i32; 2]>],
) -> Vec<Unit> {
    let mut maxima: Vec<f64> = gh
        .iter()
        .flat_map(|rows| {
            // A NaN gradient must not vanish in `max`: it counts as infinite.
            let size = |g: f32| if g.is_nan() { f32::INFINITY } else { g.abs() };
            let (g, h) = rows
                .par_chunks(CHUNK)
                .map(|c| {
                    c.iter()
                        .fold((0f32, 0f32), |(g, h), p| (g.max(size(p[0])), h.max(p[1])))
                })
                .reduce(|| (0.0, 0.0), |a, b| (a.0.max(b.0), a.1.max(b.1)));
            [f64::from(g), f64::from(h)]
        })
        .collect();
    if let Some(comm) = comm {
        comm.all_reduce_extreme(&mut maxima, true);
    }
    let step = |max: f64| if max > 0.0 { max / STEPS } else { 1.0 };
    let units: Vec<Unit> = maxima
        .chunks_exact(2)
        .map(|m| Unit {
            g: step(m[0]),
            h: if const_hessian { 1.0 } else { step(m[1]) },
        })
        .collect();
    for ((rows, out), unit) in gh.iter().zip(out.iter_mut()).zip(&units) {
        let (ig, ih) = (1.0 / unit.g, 1.0 / unit.h);
        out.resize(rows.len(), [0, 0]);
        out.par_chunks_mut(CHUNK)
            .zip(rows.par_chunks(CHUNK))
            .for_each(|(o, r)| {
                for (o, p) in o.iter_mut().zip(r) {
                    let h = if const_hessian {
                        1
                    } else {
                        nearest(f64::from(p[1]) * ih)
                    };
                    *o = [nearest(f64::from(p[0]) * ig), h];
                }
            });
    }
    units
}

/// `2^e` for `|e| <= 2046`, as the product of two representable powers.
fn pow2(e: i32) -> [f64; 2] {
    [2f64.powi(e / 2), 2f64.powi(e - e / 2)]
}

/// The sum of every rank's `values` (`comm`), the same bits whatever the
/// order of the values or how they are spread over ranks: each value is
/// rounded to a grid on which the largest |value| has 62 bits, the grid
/// integers are added exactly (as a high and a low 32-bit part), and the
/// total is rounded once. Non-finite values give the plain sum.
pub(crate) fn fixed_sum(comm: Option<&dyn Collective>, values: &[f64]) -> f64 {
    let mut max = [values.iter().fold(0f64, |m, v| {
        if v.is_finite() {
            m.max(v.abs())
        } else {
            f64::INFINITY
        }
    })];
    if let Some(comm) = comm {
        comm.all_reduce_extreme(&mut max, true);
    }
    if max[0] == 0.0 || !max[0].is_finite() {
        let mut sum = [values.iter().sum::<f64>()];
        if let Some(comm) = comm {
            comm.all_reduce_f64(&mut sum);
        }
        return sum[0];
    }
    // max < 2^e, so |value| · 2^(62 − e) < 2^62.
    let e = max[0].log2().floor() as i32 + 1;
    let [up_a, up_b] = pow2(62 - e);
    let (hi, lo) = values
        .par_chunks(CHUNK)
        .map(|c| {
            c.iter().fold((0i64, 0u64), |(hi, lo), v| {
                let q = (v * up_a * up_b).round() as i64;
                (hi.wrapping_add(q >> 32), lo + (q & 0xFFFF_FFFF) as u64)
            })
        })
        .reduce(|| (0, 0), |a, b| (a.0.wrapping_add(b.0), a.1 + b.1));
    let mut words = [hi as u64, lo];
    if let Some(comm) = comm {
        comm.all_reduce_u64(&mut words);
    }
    let total = (i128::from(words[0] as i64) << 32) + i128::from(words[1]);
    let [down_a, down_b] = pow2(e - 62);
    total as f64 * down_a * down_b
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlg_runtime::collective::Local;

    #[test]
    fn fixed_sums_do_not_depend_on_order_or_ranks() {
        let values: Vec<f64> = (0..10_000)
            .map(|i: i32| f64::from((i * 7919) % 1000) * 1.37e-3 - 0.4 + 1e-9 * f64::from(i))
            .collect();
        let one = fixed_sum(None, &values);
        let plain: f64 = values.iter().sum();
        assert!((one - plain).abs() <= 1e-9 * plain.abs(), "{one} vs {plain}");
        let mut reversed = values.clone();
        reversed.reverse();
        assert_eq!(fixed_sum(None, &reversed).to_bits(), one.to_bits());
        let shared = std::sync::Arc::new(values);
        for size in [2, 3] {
            let v = shared.clone();
            let sums = Local::run(size, move |r| {
                let part = mlg_runtime::collective::share(v.len(), size, r);
                let comm = mlg_runtime::collective::current();
                fixed_sum(Some(comm.as_ref()), &v[part])
            });
            assert!(
                sums.iter().all(|s| s.to_bits() == one.to_bits()),
                "{size} ranks: {sums:?}"
            );
        }
        assert_eq!(fixed_sum(None, &[1e300, 1e300]), 2e300);
        assert_eq!(fixed_sum(None, &[3e-310, 3e-310]), 6e-310);
        assert!(fixed_sum(None, &[1.0, f64::NAN]).is_nan());
    }

    #[test]
    fn quantized_gradients_keep_thirty_bits() {
        let gh = vec![vec![[0.5f32, 0.25], [-1.0, 0.125], [1e-6, 0.0]]];
        let mut out = vec![Vec::new()];
        let units = quantize(None, &gh, false, &mut out);
        assert_eq!(units[0].g, 1.0 / STEPS);
        assert_eq!(units[0].h, 0.25 / STEPS);
        assert_eq!(out[0][1], [-(1 << 30), 1 << 29]);
        let back = f64::from(out[0][2][0]) * units[0].g;
        assert_eq!(
            [nearest(2.5), nearest(-2.5), nearest(2.6), nearest(-1e9 - 0.7)],
            [2, -2, 3, -1_000_000_001]
        );
        assert!((back - 1e-6).abs() <= units[0].g / 2.0);
        let units = quantize(None, &gh, true, &mut out);
        assert_eq!(units[0].h, 1.0);
        assert!(out[0].iter().all(|p| p[1] == 1));
    }
}
