//! The reference arithmetic of [`Op::Int8Affine`](super::Op::Int8Affine):
//! 8-bit activations (asymmetric, zero point in `0..=255`) times int8 weights,
//! summed exactly in integers and dequantized once per output. Backends
//! reproduce it bit for bit: every step is an integer operation or one `f32`
//! operation in the order written here.

use super::ActQuant;

/// How one row's layer input is quantized: `u = clamp(round(x * inv) + zero,
/// 0, 255)` stands for `(u - zero) * scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowQuant {
    /// The value of one step (`0` when the row's range is empty).
    pub scale: f32,
    /// `1 / scale`, or `0` when the range is empty.
    pub inv: f32,
    /// The step that stands for `0`, as an `i32` in `0..=255`.
    pub zero: i32,
}

impl RowQuant {
    /// The calibrated quantization `act`: `inv = 1 / scale` in `f32`.
    pub fn fixed(act: ActQuant) -> RowQuant {
        RowQuant {
            scale: act.scale,
            inv: 1.0 / act.scale,
            zero: i32::from(act.zero),
        }
    }

    /// The quantization of values within `[lo, hi]` (`lo <= 0 <= hi`):
    /// `scale = (hi - lo) / 255`, `inv = 255 / (hi - lo)`, `zero =
    /// clamp(round(-lo * inv), 0, 255)`; all `0` when `hi - lo` is not
    /// positive (NaN included).
    pub fn of_range(lo: f32, hi: f32) -> RowQuant {
        let range = hi - lo;
        if range > 0.0 {
            let inv = 255.0 / range;
            RowQuant {
                scale: range / 255.0,
                inv,
                zero: to_step((-lo * inv).round_ties_even(), 0.0),
            }
        } else {
            RowQuant {
                scale: 0.0,
                inv: 0.0,
                zero: 0,
            }
        }
    }

    /// The step of `x`: `clamp(round(x * inv) + zero, 0, 255)`.
    pub fn step(&self, x: f32) -> i32 {
        to_step((x * self.inv).round_ties_even(), self.zero as f32)
    }
}

/// `clamp(t + zero, 0, 255)` through a saturating conversion to `i32` (NaN
/// becomes 0), as Cranelift's `fcvt_to_sint_sat` computes it.
fn to_step(t: f32, zero: f32) -> i32 {
    ((t + zero) as i32).clamp(0, 255)
}

/// `min(0, min v)` and `max(0, max v)` over `values`, a NaN never comparing:
/// `lo` replaced only by a smaller value, `hi` only by a larger one.
pub fn range(values: impl Iterator<Item = f32>) -> (f32, f32) {
    values.fold((0.0f32, 0.0f32), |(lo, hi), v| {
        (if v < lo { v } else { lo }, if v > hi { v } else { hi })
    })
}

/// Whether input `j` of a layer of `inw` inputs has a nonzero weight in some
/// row of `weights`.
pub fn used_inputs(weights: &[i8], inw: usize) -> Vec<bool> {
    let mut used = vec![false; inw];
    for row in weights.chunks(inw.max(1)) {
        for (u, &q) in used.iter_mut().zip(row) {
            *u |= q != 0;
        }
    }
    used
}

/// [`Op::Int8Affine`](super::Op::Int8Affine) on the layer input `x` into
/// `out` (one value per row of `weights`); `x'[j]` is `missing[j]` where
/// `x[j]` is NaN and `missing[j]` is not.
pub fn int8_affine(
    x: &[f32],
    weights: &[i8],
    scales: &[f32],
    bias: &[f32],
    missing: &[f32],
    activations: Option<ActQuant>,
    out: &mut [f32],
) {
    let inw = x.len();
    let used = used_inputs(weights, inw);
    let xs: Vec<f32> = x
        .iter()
        .enumerate()
        .map(|(j, &v)| match missing.get(j) {
            Some(&d) if v.is_nan() && !d.is_nan() => d,
            _ => v,
        })
        .collect();
    let live = || xs.iter().zip(&used).filter(|(_, &u)| u).map(|(&v, _)| v);
    let quant = match activations {
        Some(act) => RowQuant::fixed(act),
        None => {
            let (lo, hi) = range(live());
            RowQuant::of_range(lo, hi)
        }
    };
    let flag = live().fold(0.0f32, |s, v| s + v * 0.0);
    let steps: Vec<i64> = xs
        .iter()
        .zip(&used)
        .map(|(&v, &u)| {
            if u {
                i64::from(quant.step(v) - quant.zero)
            } else {
                0
            }
        })
        .collect();
    for (r, o) in out.iter_mut().enumerate() {
        let row = &weights[r * inw..(r + 1) * inw];
        let acc: i64 = row.iter().zip(&steps).map(|(&q, &s)| i64::from(q) * s).sum();
        // In range by INT8_MAX_INPUTS, so the backends' wrapping `i32` agrees.
        let acc = acc as i32;
        *o = (bias[r] + scales[r] * (quant.scale * acc as f32)) + flag;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_quantized_over_its_range_with_zero_exact() {
        let q = RowQuant::of_range(-1.0, 3.0);
        assert_eq!(q.zero, 64);
        assert_eq!(q.step(0.0), 64);
        assert_eq!(q.step(3.0), 255);
        assert_eq!(q.step(-1.0), 0);
        assert_eq!(q.step(f32::NAN), 0);
        assert_eq!(q.step(1e30), 255);
        assert_eq!(RowQuant::of_range(0.0, 0.0).step(5.0), 0);
    }

    #[test]
    fn the_layer_matches_the_float_one_within_a_step_and_propagates_nan() {
        // y = 2 + 0.5 * (127 x0 - 64 x1)
        let weights = [127i8, -64];
        let x = [0.75f32, -0.5];
        let mut out = [0.0f32];
        int8_affine(&x, &weights, &[0.5], &[2.0], &[], None, &mut out);
        let exact = 2.0 + 0.5 * (127.0 * 0.75 + 64.0 * 0.5);
        let step = (0.75f32 + 0.5) / 255.0;
        assert!(
            (out[0] - exact).abs() <= 0.5 * step * 0.5 * (127.0 + 64.0),
            "{}",
            out[0]
        );
        int8_affine(&[f32::NAN, 1.0], &weights, &[0.5], &[2.0], &[], None, &mut out);
        assert!(out[0].is_nan());
        int8_affine(
            &[f32::NAN, 1.0],
            &weights,
            &[0.5],
            &[2.0],
            &[0.0, 0.0],
            None,
            &mut out,
        );
        assert!(out[0].is_finite());
    }
}
