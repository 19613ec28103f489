//! Numbers in CSV fields: an exact fast path for plain decimals, `str::parse`
//! for everything else, so a field parses to the same `f64` either way.

/// Powers of ten that are exact in `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
    1e19, 1e20, 1e21, 1e22,
];

/// `field` (trimmed) as a number, exactly as `str::parse::<f64>` reads it;
/// `None` when it is not one (or is not UTF-8).
pub(crate) fn parse_f64(field: &[u8]) -> Option<f64> {
    match plain_decimal(field) {
        Some(v) => Some(v),
        None => std::str::from_utf8(field).ok()?.parse::<f64>().ok(),
    }
}

/// `[+-]digits[.digits][(e|E)[+-]digits]` with at most 19 digits, a
/// significand of at most 2^53 and a decimal exponent within ±22: both the
/// significand and the power of ten are exact in `f64`, so one multiply or
/// divide rounds correctly (Clinger 1990). `None` for any other text, which
/// the caller hands to `str::parse`.
pub(crate) fn plain_decimal(s: &[u8]) -> Option<f64> {
    if let Some(v) = short_field(s) {
        return Some(v);
    }
    match general_prefix(s, 0) {
        Some((v, end)) if end == s.len() => Some(v),
        _ => None,
    }
}

/// The plain decimal (see [`plain_decimal`]) starting at `s[start]`, and
/// where it ends, for the common field `[-]int[.frac]` with fewer than
/// eight digits on each side and no exponent, from two eight-byte words;
/// `None` for anything else (or near the end of `s`), which
/// [`general_prefix`] reads; the caller checks what follows. The value is
/// the one the general path computes, by the same single division.
#[inline(always)]
pub(crate) fn short_decimal(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let block: &[u8; 18] = s.get(start..start + 18)?.try_into().ok()?;
    let negative = block[0] == b'-';
    let at = usize::from(negative || block[0] == b'+');
    let (int_len, int) = word_digits(word(block, at));
    let mut end = at + int_len;
    let (mut frac_len, mut frac) = (0, 0);
    if block[end] == b'.' {
        (frac_len, frac) = word_digits(word(block, end + 1));
        end += 1 + frac_len;
    }
    // Digits on neither side, or eight on one (there may be more), or an exponent.
    let lengths = int_len | frac_len;
    if lengths.wrapping_sub(1) >= 7 || block.get(end).is_none_or(|b| b | 0x20 == b'e') {
        return None;
    }
    Some((short_value(negative, int, frac, frac_len), start + end))
}

/// [`short_decimal`] for a field cut from its line: the whole of `s`, read
/// by [`window`] (zeros past its end), or `None`.
#[inline(always)]
fn short_field(s: &[u8]) -> Option<f64> {
    let first = *s.first()?;
    let negative = first == b'-';
    let at = usize::from(negative || first == b'+');
    let (int_len, int) = word_digits(window(s, at));
    let mut end = at + int_len;
    let (mut frac_len, mut frac) = (0, 0);
    if s.get(end) == Some(&b'.') {
        (frac_len, frac) = word_digits(window(s, end + 1));
        end += 1 + frac_len;
    }
    if (int_len | frac_len).wrapping_sub(1) >= 7 || end != s.len() {
        return None;
    }
    Some(short_value(negative, int, frac, frac_len))
}

/// `±int.frac` with `frac_len` digits after the point, both parts under
/// 10^7: the significand is below 10^14, exact in `f64` (and in `i64`,
/// whose conversion is one instruction), so one division rounds correctly.
#[inline(always)]
fn short_value(negative: bool, int: u64, frac: u64, frac_len: usize) -> f64 {
    // `& 7` drops the bounds checks: the callers have refused 8 digits.
    let m = ((int * SCALE[frac_len & 7] + frac) as i64) as f64;
    let v = if frac_len == 0 { m } else { m / POW10[frac_len & 7] };
    if negative {
        -v
    } else {
        v
    }
}

/// The eight bytes of `block` from `at` (at most 9) as a little-endian word.
#[inline(always)]
fn word(block: &[u8; 18], at: usize) -> u64 {
    let eight = block.get(at..).and_then(|rest| rest.first_chunk::<8>());
    eight.map_or(0, |eight| u64::from_le_bytes(*eight))
}

/// How many ASCII digits `word` starts with (0 to 8) and their value.
#[inline(always)]
fn word_digits(word: u64) -> (usize, u64) {
    let a = word ^ 0x3030_3030_3030_3030;
    let not_digit = (a | a.wrapping_add(0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0;
    let k = (not_digit.trailing_zeros() / 8) as usize;
    if k == 0 {
        return (0, 0);
    }
    (k, eight_digits(a << (64 - 8 * k as u32)))
}

/// The value of the eight digits (bytes 0 to 9, most significant first in
/// memory order) of `v`, in three multiplies (Lemire's fast_float).
#[inline(always)]
fn eight_digits(v: u64) -> u64 {
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let mask = 0x0000_00FF_0000_00FF;
    ((v & mask).wrapping_mul(0x000F_4240_0000_0064))
        .wrapping_add(((v >> 16) & mask).wrapping_mul(0x0000_2710_0000_0001))
        >> 32
}

/// The plain decimal (see [`plain_decimal`]) starting at `s[start]`, and
/// where it ends; the caller checks what follows. `None` when the text
/// there does not start with one that the fast path takes.
#[inline(always)]
pub(crate) fn general_prefix(s: &[u8], start: usize) -> Option<(f64, usize)> {
    let (negative, mut i) = match s.get(start)? {
        b'-' => (true, start + 1),
        b'+' => (false, start + 1),
        _ => (false, start),
    };
    let mut mantissa: u64 = 0;
    let int_start = i;
    i = digits(s, i, &mut mantissa);
    let mut digits_seen = i - int_start;
    let mut exponent: i32 = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        i = digits(s, i, &mut mantissa);
        digits_seen += i - frac_start;
        exponent = -((i - frac_start) as i32);
    }
    // More than 19 digits may have wrapped (leading zeros included: rare).
    if digits_seen == 0 || digits_seen > 19 {
        return None;
    }
    if let Some(&b) = s.get(i) {
        if b | 0x20 == b'e' {
            i += 1;
            let negative_exp = match s.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let exp_start = i;
            let mut e: i32 = 0;
            while let Some(d) = s.get(i).map(|b| b.wrapping_sub(b'0')).filter(|d| *d <= 9) {
                if e > 10_000 {
                    return None;
                }
                e = e * 10 + i32::from(d);
                i += 1;
            }
            if i == exp_start {
                return None;
            }
            exponent += if negative_exp { -e } else { e };
        }
    }
    if mantissa > 1 << 53 {
        return None;
    }
    // At most 2^53: the signed conversion is exact and one instruction.
    let m = (mantissa as i64) as f64;
    let v = if mantissa == 0 || exponent == 0 {
        m
    } else if (1..=22).contains(&exponent) {
        m * POW10[exponent as usize]
    } else if (-22..0).contains(&exponent) {
        m / POW10[(-exponent) as usize]
    } else {
        return None;
    };
    Some((if negative { -v } else { v }, i))
}

/// The eight bytes of `s` from `i` as a little-endian word, zero bytes
/// past its end; without a variable-length copy, which costs a call.
#[inline(always)]
fn window(s: &[u8], i: usize) -> u64 {
    let load = |b: &[u8]| b.try_into().map_or(0, u64::from_le_bytes);
    let rest = s.get(i..).unwrap_or_default();
    if let Some(eight) = rest.get(..8) {
        return load(eight);
    }
    if rest.is_empty() {
        return 0;
    }
    if s.len() >= 8 {
        // The last eight bytes, shifted so that `rest` comes first.
        return load(&s[s.len() - 8..]) >> (8 * (8 - rest.len()));
    }
    rest.iter().rev().fold(0, |v, &b| (v << 8) | u64::from(b))
}

/// `10^k` for `k` in `0..=8`.
const SCALE: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// Consumes the ASCII digits of `s` from `i` into `mantissa` (wrapping past
/// 19 digits, which the caller refuses); returns where they stop. Eight
/// bytes at a time without a branch per digit: the first non-digit is found
/// by SWAR tests and the digits before it are summed by three multiplies
/// (as in Lemire's fast_float).
#[inline(always)]
fn digits(s: &[u8], mut i: usize, mantissa: &mut u64) -> usize {
    loop {
        // Digits become 0..=9; any other byte gets a bit in its high nibble.
        let a = window(s, i) ^ 0x3030_3030_3030_3030;
        let not_digit = (a | a.wrapping_add(0x0606_0606_0606_0606)) & 0xF0F0_F0F0_F0F0_F0F0;
        let k = (not_digit.trailing_zeros() / 8) as usize;
        if k == 0 {
            return i;
        }
        // The k digits into the top bytes, zeros (as digits) below them.
        let v = eight_digits(a << (64 - 8 * k as u32));
        *mantissa = mantissa.wrapping_mul(SCALE[k]).wrapping_add(v);
        i += k;
        if k < 8 {
            return i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_f64;

    fn std_parse(s: &str) -> Option<f64> {
        s.parse::<f64>().ok()
    }

    /// `case` read where it lies in a line, followed by more fields: the
    /// short path (which needs bytes beyond the field) or the general one,
    /// and `str::parse`'s value whenever a field is taken whole.
    fn in_line_agrees(case: &str) {
        let line = format!("{case},-1234567.1234567,0\n");
        let bytes = line.as_bytes();
        let whole = |found: &(f64, usize)| found.1 == case.len();
        // As the field loops read it: the short path when it takes the text.
        let found = super::short_decimal(bytes, 0);
        let got = found.or_else(|| super::general_prefix(bytes, 0)).filter(whole);
        let short = found.filter(whole);
        let want = super::plain_decimal(case.as_bytes());
        assert_eq!(
            got.map(|g| g.0.to_bits()),
            want.map(f64::to_bits),
            "`{case}` in a line"
        );
        if let Some((v, _)) = short {
            assert_eq!(
                Some(v.to_bits()),
                std_parse(case).map(f64::to_bits),
                "`{case}` short"
            );
        }
    }

    #[test]
    fn agrees_with_str_parse_bit_for_bit() {
        let cases = [
            "0",
            "-0",
            "+0",
            "1",
            "-1",
            "0.5",
            ".5",
            "5.",
            "-.5",
            "+.5",
            "-0.0",
            "1234567.1234567",
            "-9999999.9999999",
            "12345678.5",
            "0.12345678",
            "0000000.0000001",
            "1.5e3",
            "1.5E-3",
            "7.e2",
            "1e5",
            "1E-5",
            "1e+22",
            "1e23",
            "1e-22",
            "1e-23",
            "123456789012345678",
            "1234567890123456789",
            "12345678901234567890",
            "9007199254740993",
            "9007199254740992",
            "0.1",
            "0.3",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
            "1e400",
            "-1e400",
            "0.8586346",
            "-0.03463214",
            "7.696294",
            "000123.4500",
            "0.000000000000000000001234",
            "inf",
            "-inf",
            "NaN",
            "nan",
            "infinity",
            "1e",
            "e5",
            ".",
            "-",
            "+",
            "1.2.3",
            "1e5.0",
            "12a",
            "",
            "0x10",
            "1_000",
            " 1",
            "1 ",
            "1e-0",
            "3.4028235e38",
            "3.4028236e38",
            "1e99999999999",
        ];
        for case in cases {
            let (got, want) = (parse_f64(case.as_bytes()), std_parse(case));
            assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "`{case}`");
            in_line_agrees(case);
        }
    }

    #[test]
    fn random_decimals_agree_with_str_parse() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = state % 10_000_000_000_000_000;
            let scale = (state >> 56) % 30;
            let text = format!("{}{}e-{scale}", if state & 1 == 1 { "-" } else { "" }, digits);
            let dotted = format!("{}.{}", digits / 1000, digits % 1000);
            let short = format!("{}.{}", (digits / 1000) % 10_000_000, digits % 10_000_000);
            for case in [text, dotted, short] {
                let (got, want) = (parse_f64(case.as_bytes()), std_parse(&case));
                assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "`{case}`");
                in_line_agrees(&case);
            }
        }
    }
}
