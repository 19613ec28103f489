//! How the text report and the HTML pages show a parameter value and a fit score: to be read, not to be parsed (the JSON report keeps every digit).

use mlg::executor::MetricSummary;

/// `x` to four significant digits: `0.05234` for a sampled learning rate
/// (`0.052_341_234_123_412_34` as stored), a whole number as `100.0` (as the
/// JSON report writes it), scientific notation below 1e-4 and from 1e6.
pub(crate) fn short_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == x.trunc() && x.abs() < 1e6 {
        return format!("{x:.1}");
    }
    let a = x.abs();
    if !(1e-4..1e6).contains(&a) {
        let text = format!("{x:.3e}");
        return match text.split_once('e') {
            Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa)),
            None => text,
        };
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    trim_zeros(&format!("{x:.decimals$}")).to_string()
}

/// `text` without the trailing zeros of its decimals, keeping one digit
/// after the point (`0.1000` → `0.1`, `2.000` → `2.0`).
fn trim_zeros(text: &str) -> &str {
    if !text.contains('.') {
        return text;
    }
    let trimmed = text.trim_end_matches('0');
    if trimmed.ends_with('.') {
        &text[..trimmed.len() + 1]
    } else {
        trimmed
    }
}

/// A parameter's value as the reports show it: `none` for a parameter left
/// out, a float by [`short_number`], anything else as JSON (`quote`: strings
/// in quotes, as the text report writes them; bare, as the HTML does).
pub(crate) fn param_text(v: &serde_json::Value, quote: bool) -> String {
    match v {
        serde_json::Value::Null => "none".into(),
        serde_json::Value::String(s) if !quote => s.clone(),
        serde_json::Value::Number(n) if n.is_f64() => n.as_f64().map_or_else(|| n.to_string(), short_number),
        v => v.to_string(),
    }
}

/// A fit score over the folds: a count (every fold a whole number, as
/// `rounds` and `epochs` are) as `100` when every fold agrees, else as
/// `87.4 ± 5.2`; any other score as `0.9123 ± 0.0101`.
pub(crate) fn fit_score(s: &MetricSummary) -> String {
    let counts = !s.folds.is_empty() && s.folds.iter().all(|v| v.is_finite() && *v == v.trunc());
    match counts {
        true if s.std == 0.0 => format!("{:.0}", s.mean),
        true => format!("{:.1} ± {:.1}", s.mean, s.std),
        false => format!("{:.4} ± {:.4}", s.mean, s.std),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(short_number(0.052_341_234_123_412_34), "0.05234");
        assert_eq!(short_number(0.1), "0.1");
        assert_eq!(short_number(1.0), "1.0");
        assert_eq!(short_number(123.456), "123.5");
        assert_eq!(short_number(2.5e-6), "2.5e-6");
        assert_eq!(short_number(-0.33333333), "-0.3333");
    }

    #[test]
    fn counts_print_as_counts() {
        let summary = |folds: Vec<f64>| MetricSummary::of(folds);
        assert_eq!(fit_score(&summary(vec![100.0, 100.0, 100.0])), "100");
        assert_eq!(fit_score(&summary(vec![80.0, 90.0])), "85.0 ± 5.0");
        assert_eq!(fit_score(&summary(vec![0.5, 0.7])), "0.6000 ± 0.1000");
    }

    #[test]
    fn parameters_show_short_floats() {
        let v = serde_json::json!(0.052_341_234_123_412_34);
        assert_eq!(param_text(&v, true), "0.05234");
        assert_eq!(param_text(&serde_json::json!("rbf"), true), "\"rbf\"");
        assert_eq!(param_text(&serde_json::json!("rbf"), false), "rbf");
        assert_eq!(param_text(&serde_json::json!(100), false), "100");
        assert_eq!(param_text(&serde_json::Value::Null, false), "none");
    }
}
