//! The `derive` expression parser: precedence and associativity (through the
//! fully parenthesized display form), spans shifted by the offset, error codes
//! and spans, the nesting limit, and fuzzed inputs that must never panic.

use mlg_dsl::expr::{
    parse_expr, BinOp, ExprAst, ExprNode, Func, ARITY, MAX_EXPR_DEPTH, MAX_EXPR_OPERATORS, UNKNOWN_FUNCTION,
};
use mlg_dsl::{Diagnostic, Span};
use proptest::prelude::*;

fn shown(text: &str) -> String {
    match parse_expr(text, 0) {
        Ok(e) => e.to_string(),
        Err(d) => panic!("`{text}` failed: {} ({:?})", d.message, d.labels),
    }
}

fn error(text: &str) -> Diagnostic {
    match parse_expr(text, 0) {
        Ok(e) => panic!("`{text}` parsed as {e}"),
        Err(d) => d,
    }
}

/// The source text under the primary label.
fn labelled<'a>(text: &'a str, d: &Diagnostic) -> &'a str {
    let span = d.span().expect("a label");
    &text[span.start..span.end]
}

#[test]
fn arithmetic_precedence_and_associativity() {
    assert_eq!(shown("a + b * c"), "(a + (b * c))");
    assert_eq!(shown("a - b - c"), "((a - b) - c)");
    assert_eq!(shown("a / b / c"), "((a / b) / c)");
    assert_eq!(shown("a * b + c / d"), "((a * b) + (c / d))");
    assert_eq!(shown("(a + b) * c"), "((a + b) * c)");
    assert_eq!(
        shown("body_mass_g / bill_length_mm ^ 2"),
        "(body_mass_g / (bill_length_mm ^ 2.0))"
    );
}

#[test]
fn power_is_right_associative_and_binds_tighter_than_minus() {
    assert_eq!(shown("a ^ b ^ c"), "(a ^ (b ^ c))");
    assert_eq!(shown("-x^2"), "(-(x ^ 2.0))");
    assert_eq!(shown("2 ^ -1"), "(2.0 ^ (-1.0))");
    assert_eq!(shown("-a * b"), "((-a) * b)");
    assert_eq!(shown("--a"), "(-(-a))");
    assert_eq!(shown("a - -b"), "(a - (-b))");
}

#[test]
fn comparisons_logic_and_if() {
    assert_eq!(shown("a + 1 > b * 2"), "((a + 1.0) > (b * 2.0))");
    assert_eq!(
        shown("a < 1 or b >= 2 and not c == 3"),
        "((a < 1.0) or ((b >= 2.0) and (not (c == 3.0))))"
    );
    assert_eq!(shown("a != b"), "(a != b)");
    assert_eq!(shown("a <= b"), "(a <= b)");
    assert_eq!(
        shown("if flipper_length_mm > 200 then 1 else 0"),
        "(if (flipper_length_mm > 200.0) then 1.0 else 0.0)"
    );
    // `else` extends as far as possible; nested ifs in the else branch chain.
    assert_eq!(
        shown("if a then b else if c then d else e + 1"),
        "(if a then b else (if c then d else (e + 1.0)))"
    );
    assert_eq!(
        shown("1 + (if a > 0 then a else 0)"),
        "(1.0 + (if (a > 0.0) then a else 0.0))"
    );
    assert_eq!(
        shown("max(if a then 1 else 2, 3)"),
        "max((if a then 1.0 else 2.0), 3.0)"
    );
}

#[test]
fn functions_numbers_and_backticked_columns() {
    assert_eq!(
        shown("log(bill_depth_mm) + sqrt(abs(year - 2008))"),
        "(log(bill_depth_mm) + sqrt(abs((year - 2008.0))))"
    );
    assert_eq!(
        shown("min(a, 1.5e2) * max(b, .5)"),
        "(min(a, 150.0) * max(b, 0.5))"
    );
    assert_eq!(shown("`island=Dream` * 2"), "(`island=Dream` * 2.0)");
    assert_eq!(shown("`if` + log"), "(`if` + log)");
    let e = parse_expr("`a b` + exp(x)", 0).expect("parses");
    let ExprNode::Binary(BinOp::Add, lhs, rhs) = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(lhs.kind, ExprNode::Column("a b".into()));
    assert!(matches!(&rhs.kind, ExprNode::Call(Func::Exp, args) if args.len() == 1));
}

#[test]
fn spans_point_into_the_source_with_the_offset() {
    let source = r#"derive(r = "mass / `bill len` ^ 2")"#;
    let start = source.find("mass").expect("text");
    let end = source.rfind('"').expect("closing quote");
    let e = parse_expr(&source[start..end], start).expect("parses");
    assert_eq!(e.span, Span::new(start, end));
    let cols: Vec<(&str, &str)> = e
        .columns()
        .into_iter()
        .map(|(n, s)| (n, &source[s.start..s.end]))
        .collect();
    assert_eq!(cols, [("mass", "mass"), ("bill len", "`bill len`")]);
    let ExprNode::Binary(BinOp::Div, _, pow) = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(&source[pow.span.start..pow.span.end], "`bill len` ^ 2");
    // Parentheses belong to the span of what they enclose.
    let e = parse_expr(" (a + b) ", 10).expect("parses");
    assert_eq!(e.span, Span::new(11, 18));
}

#[test]
fn syntax_errors_have_precise_spans() {
    let text = "a + * b";
    let d = error(text);
    assert_eq!(d.code, "mlg::syntax");
    assert_eq!(labelled(text, &d), "*");
    assert!(
        d.message.contains("expected a number, a column or `(`"),
        "{}",
        d.message
    );

    let text = "(a + b";
    let d = error(text);
    assert!(d.message.contains("expected `)`, found the end"), "{}", d.message);
    assert_eq!(labelled(text, &d), "b");

    for (text, bad, help) in [
        ("a = b", "=", "=="),
        ("a && b", "&", "and"),
        ("!a", "!", "not"),
        ("a + 'x'", "'", "backticks"),
        ("a € b", "€", "expressions use"),
    ] {
        let d = error(text);
        assert_eq!(labelled(text, &d), bad, "{text}");
        assert!(
            d.help.as_deref().is_some_and(|h| h.contains(help)),
            "{text}: {:?}",
            d.help
        );
    }
    let d = error("a < b < c");
    assert!(d.message.contains("cannot be chained"));
    assert_eq!(labelled("a < b < c", &d), "<");
    assert_eq!(d.span(), Some(Span::new(6, 7)));
    let d = error("1 + if a then b else c");
    assert!(d.message.contains("parenthesized"));
    let d = error("a then b");
    assert_eq!(labelled("a then b", &d), "then");
    let d = error("x + `unclosed");
    assert_eq!(d.message, "unterminated column name");
    assert_eq!(labelled("x + `unclosed", &d), "`unclosed");
    assert_eq!(error("``").message, "empty column name");
    assert!(error("1e999").message.contains("out of range"));
    let d = error("if a then b");
    assert!(d.message.contains("expected `else`"), "{}", d.message);
    let d = error("   ");
    assert_eq!(d.span(), Some(Span::new(0, 3)));
}

#[test]
fn unknown_functions_and_arity() {
    let text = "lg(x) + 1";
    let d = error(text);
    assert_eq!(d.code, UNKNOWN_FUNCTION);
    assert_eq!(labelled(text, &d), "lg");
    let help = d.help.expect("help");
    assert!(help.starts_with("did you mean `log`?"), "{help}");
    assert!(help.contains("log, exp, sqrt, abs, min, max"), "{help}");

    let text = "2 * min(a)";
    let d = error(text);
    assert_eq!(d.code, ARITY);
    assert_eq!(d.message, "`min` takes 2 arguments, got 1");
    assert_eq!(labelled(text, &d), "min(a)");
    assert_eq!(error("log(a, b)").message, "`log` takes 1 argument, got 2");
    assert_eq!(error("abs()").code, ARITY);
}

#[test]
fn nesting_is_limited() {
    let ok = format!(
        "{}x{}",
        "(".repeat(MAX_EXPR_DEPTH - 1),
        ")".repeat(MAX_EXPR_DEPTH - 1)
    );
    assert_eq!(shown(&ok), "x");
    let deep = format!(
        "{}x{}",
        "(".repeat(MAX_EXPR_DEPTH + 1),
        ")".repeat(MAX_EXPR_DEPTH + 1)
    );
    assert!(error(&deep).message.contains("nested more than"));
    let minus = format!("{}x", "-".repeat(10_000));
    assert!(error(&minus).message.contains("nested more than"));
    let calls = format!("{}x{}", "abs(".repeat(5_000), ")".repeat(5_000));
    assert!(error(&calls).message.contains("nested more than"));
}

/// Long flat chains (`a + a + ...`, `a ^ a ^ ...`) build trees as tall as
/// they are long: past the operator limit they are refused with the span of
/// the first operator over it, at any length, without overflowing the stack.
#[test]
fn operator_count_is_limited() {
    let chain = |op: &str, terms: usize| vec!["a"; terms].join(op);
    let ok = chain(" + ", MAX_EXPR_OPERATORS + 1);
    assert_eq!(shown(&ok).matches('+').count(), MAX_EXPR_OPERATORS);
    for op in [" + ", " ^ ", " * ", " or "] {
        for terms in [MAX_EXPR_OPERATORS + 2, 100_000] {
            let text = chain(op, terms);
            let d = error(&text);
            assert!(
                d.message
                    .contains(&format!("more than {MAX_EXPR_OPERATORS} operators")),
                "{}",
                d.message
            );
            assert_eq!(labelled(&text, &d), op.trim());
        }
    }
}

/// Labels of an error lie in `offset ..= offset + len`, on character boundaries.
fn assert_well_placed(text: &str, offset: usize, result: &Result<ExprAst, Diagnostic>) {
    let inside = |s: Span| {
        s.start <= s.end
            && s.start >= offset
            && s.end <= offset + text.len()
            && text.is_char_boundary(s.start - offset)
            && text.is_char_boundary(s.end - offset)
    };
    match result {
        Ok(e) => e.walk(&mut |n| assert!(inside(n.span), "{:?} outside `{text}`", n.span)),
        Err(d) => {
            assert!(!d.labels.is_empty());
            for l in &d.labels {
                assert!(inside(l.span), "{:?} outside `{text}`: {}", l.span, d.message);
                assert!(
                    text.is_empty() || l.span.end > l.span.start,
                    "empty label in `{text}`"
                );
            }
        }
    }
}

const PIECES: &[&str] = &[
    "a", "b_2", "`x y`", "`", "1", "2.5", "1e3", ".5", "1e", "+", "-", "*", "/", "^", "(", ")", ",", "<",
    "<=", ">", ">=", "==", "!=", "=", "!", "if", "then", "else", "and", "or", "not", "log", "min", "max",
    "foo", " ", "é", "\"",
];

proptest! {
    #[test]
    fn random_text_never_panics(text in "\\PC{0,40}", offset in 0usize..1000) {
        assert_well_placed(&text, offset, &parse_expr(&text, offset));
    }

    #[test]
    fn token_soup_never_panics_and_display_reparses(
        picks in proptest::collection::vec(0..PIECES.len(), 0..30),
        offset in 0usize..100,
    ) {
        let text: String = picks.iter().map(|&i| PIECES[i]).collect::<Vec<_>>().join(" ");
        let result = parse_expr(&text, offset);
        assert_well_placed(&text, offset, &result);
        if let Ok(e) = result {
            let again = parse_expr(&e.to_string(), 0).expect("display form reparses");
            prop_assert_eq!(again.to_string(), e.to_string());
        }
    }
}
