//! Fuzz-style properties: no input makes the parser panic, and every error's
//! labels lie within the source on character boundaries.

use proptest::prelude::*;

fn check(src: &str) {
    if let Err(d) = mlg_dsl::parse(src) {
        assert_eq!(d.code, "mlg::syntax");
        assert!(!d.labels.is_empty(), "syntax errors carry a label: {}", d.message);
        for l in &d.labels {
            assert!(
                l.span.start <= l.span.end && l.span.end <= src.len(),
                "{:?} outside {}",
                l.span,
                src.len()
            );
            assert!(
                src.is_char_boundary(l.span.start) && src.is_char_boundary(l.span.end),
                "{:?} splits a char",
                l.span
            );
            assert!(
                src.is_empty() || l.span.end > l.span.start,
                "empty label {:?}",
                l.span
            );
        }
    }
}

const TOKENS: &[&str] = &[
    "data",
    "features",
    "model",
    "search",
    "ensemble",
    "evaluate",
    "compress",
    "deploy",
    "with",
    "metrics",
    "to",
    "=",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "->",
    ",",
    "\"x\"",
    "\"",
    "\\",
    "1.5",
    "-3",
    "1e9",
    "name",
    "f",
    "true",
    "\n",
    "#c",
    " ",
    "é",
    "99999999999999999999",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soups_never_panic(idx in proptest::collection::vec(0..TOKENS.len(), 0..60)) {
        let src: String = idx.iter().map(|&i| TOKENS[i]).collect::<Vec<_>>().join(" ");
        check(&src);
        let tight: String = idx.iter().map(|&i| TOKENS[i]).collect();
        check(&tight);
    }

    #[test]
    fn printed_values_reparse(ints in proptest::collection::vec(any::<i64>(), 1..4),
                              floats in proptest::collection::vec(-1e300f64..1e300, 1..4),
                              text in "[ -~\\n\\té]{0,12}") {
        let mut values: Vec<String> = ints.iter().map(|i| i.to_string()).collect();
        values.extend(floats.iter().map(|f| format!("{f:?}")));
        values.push(format!("{text:?}"));
        let src = format!("model m = f([{}], g({}, s = {text:?}))", values.join(", "), values.join(", "));
        let program = mlg_dsl::parse(&src).map_err(|d| TestCaseError::fail(d.message))?;
        let mlg_dsl::ast::Statement::Model(m) = &program.statements[0] else { panic!("model") };
        let reparsed = mlg_dsl::parse(&format!("model m = {}", m.call)).map_err(|d| TestCaseError::fail(d.message))?;
        let mlg_dsl::ast::Statement::Model(m2) = &reparsed.statements[0] else { panic!("model") };
        let strip = |c: &mlg_dsl::ast::Call| -> Vec<mlg_dsl::ast::ExprKind> {
            c.args.iter().map(|a| a.value.kind.clone()).collect()
        };
        prop_assert_eq!(strip(&m.call).len(), strip(&m2.call).len());
        prop_assert_eq!(m.call.to_string(), m2.call.to_string());
    }
}
