//! Exact CUDA literals for `f32` values, operand broadcasting and comment
//! text, for the generated source.

/// Element `i` of an operand that broadcasts when it has width 1.
pub(super) fn at(v: &[String], i: usize) -> &str {
    if v.len() == 1 {
        &v[0]
    } else {
        &v[i]
    }
}

/// An exact CUDA `float` literal for `v`: the shortest decimal when it is the
/// exact value (`0.5f`, `-3.0f`), else a hexadecimal float (`0x1.99999ap-4f`);
/// infinities and NaN (bits kept) through `__uint_as_float`. Negative values are
/// parenthesized so that they can follow any operator.
pub fn lit(v: f32) -> String {
    if !v.is_finite() {
        return format!("__uint_as_float(0x{:08x}u)", v.to_bits());
    }
    let dec = format!("{v:?}");
    let exact = dec
        .parse::<f64>()
        .is_ok_and(|d| d.to_bits() == f64::from(v).to_bits());
    let body = if exact {
        format!("{}f", dec.trim_start_matches('-'))
    } else {
        hex_float(v.abs())
    };
    if v.is_sign_negative() {
        format!("(-{body})")
    } else {
        body
    }
}

/// `|v|` (finite, non-negative) as a C hexadecimal float literal with an `f` suffix.
fn hex_float(v: f32) -> String {
    let bits = v.to_bits();
    let exp = (bits >> 23) & 0xff;
    let mant = bits & 0x7f_ffff;
    if exp == 0 && mant == 0 {
        return "0x0p+0f".into();
    }
    // Normal: 1.m * 2^(exp - 127); subnormal: 0.m * 2^-126. `m` as 24 bits = 6 hex digits.
    let (lead, e) = if exp == 0 {
        (0, -126)
    } else {
        (1, exp as i32 - 127)
    };
    let digits = format!("{:06x}", mant << 1);
    let digits = digits.trim_end_matches('0');
    let frac = if digits.is_empty() {
        String::new()
    } else {
        format!(".{digits}")
    };
    format!("0x{lead}{frac}p{e:+}f")
}

/// `s` with `*/` broken so that it cannot end a C comment, and without NUL
/// (NVRTC takes the source as a C string).
pub(super) fn comment_safe(s: &str) -> String {
    s.replace("*/", "* /").replace('\0', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses what [`lit`] prints for a finite value back to `f32`.
    fn parse(s: &str) -> f32 {
        let s = s.trim_start_matches('(').trim_end_matches(')');
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let s = s.trim_end_matches('f');
        let v = if let Some(hex) = s.strip_prefix("0x") {
            let (mant, exp) = hex.split_once('p').expect("exponent");
            let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
            let mut m = u64::from_str_radix(int, 16).expect("int") as f64;
            for (i, c) in frac.chars().enumerate() {
                m += f64::from(c.to_digit(16).expect("hex digit")) / 16f64.powi(i as i32 + 1);
            }
            (m * 2f64.powi(exp.parse::<i32>().expect("exp"))) as f32
        } else {
            s.parse::<f32>().expect("decimal")
        };
        if neg {
            -v
        } else {
            v
        }
    }

    #[test]
    fn literals_are_exact() {
        let cases = [
            0.0f32,
            -0.0,
            1.0,
            -1.5,
            0.1,
            -0.3,
            1e-3,
            3.4028235e38,
            -3.4028235e38,
            f32::MIN_POSITIVE,
            1e-45,
            -7e-39,
            16777217.0,
            0.333_333_34,
        ];
        for v in cases {
            let s = lit(v);
            assert_eq!(parse(&s).to_bits(), v.to_bits(), "{v:?} printed as {s}");
        }
        assert_eq!(lit(0.5), "0.5f");
        assert_eq!(lit(-2.0), "(-2.0f)");
        assert_eq!(lit(0.1), "0x1.99999ap-4f");
        assert_eq!(lit(f32::INFINITY), "__uint_as_float(0x7f800000u)");
        assert_eq!(lit(f32::NEG_INFINITY), "__uint_as_float(0xff800000u)");
    }
}
