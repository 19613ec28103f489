//! Map values `{ key = value, ... }` in argument position: keys as names,
//! dotted paths or strings, spans, nesting, and a display form that reparses.

use mlg_dsl::ast::{ExprKind, Setting, Statement};
use mlg_dsl::parse;

/// The entries of the map given as the last argument of `data d = csv(...)`.
fn entries(src: &str) -> Vec<Setting> {
    let program = parse(src).unwrap_or_else(|d| panic!("{src:?} should parse: {}", d.message));
    let Some(Statement::Data(d)) = program.statements.into_iter().next() else {
        panic!("expected a data statement")
    };
    match d.source.args.into_iter().last().map(|a| a.value.kind) {
        Some(ExprKind::Map(entries)) => entries,
        other => panic!("expected a map, got {other:?}"),
    }
}

#[test]
fn keys_are_names_paths_or_strings_and_spans_cover_them() {
    let src =
        r#"data d = csv("f.csv", types = { code = "categorical", "unit price" = "numeric", a.b = 1, })"#;
    let map = entries(src);
    let keys: Vec<&str> = map.iter().map(|e| e.name.name.as_str()).collect();
    assert_eq!(keys, ["code", "unit price", "a.b"]);
    let at = |span: mlg_dsl::Span| &src[span.start..span.end];
    assert_eq!(at(map[0].span), r#"code = "categorical""#);
    assert_eq!(at(map[1].name.span), r#""unit price""#);
    assert_eq!(at(map[1].value.span), r#""numeric""#);
    assert_eq!(map[2].value.kind, ExprKind::Int(1));
}

#[test]
fn maps_may_be_empty_nested_and_span_lines() {
    assert!(entries(r#"data d = csv("f.csv", types = {})"#).is_empty());
    let nested = entries("data d = csv(\"f.csv\", m = {\n  a = { b = [1, 2] }\n  c = f(x)\n})");
    assert!(matches!(&nested[0].value.kind, ExprKind::Map(inner) if inner.len() == 1));
    assert!(matches!(&nested[1].value.kind, ExprKind::Call(_)));
}

#[test]
fn the_display_form_reparses_to_the_same_map() {
    let src = r#"data d = csv("f.csv", types = { code = "categorical", "a \"q\"" = "numeric", true_x = 2 })"#;
    let program = parse(src).unwrap();
    let Statement::Data(d) = &program.statements[0] else {
        panic!("data")
    };
    let shown = d.source.to_string();
    assert_eq!(
        shown,
        r#"csv("f.csv", types = { code = "categorical", "a \"q\"" = "numeric", true_x = 2 })"#
    );
    let again = parse(&format!("data d = {shown}")).unwrap();
    let Statement::Data(d2) = &again.statements[0] else {
        panic!("data")
    };
    assert_eq!(d2.source.to_string(), shown);
}

#[test]
fn malformed_maps_are_syntax_errors_at_the_token() {
    for (src, token) in [
        (r#"data d = csv("f", types = { code "x" })"#, "\"x\""),
        (r#"data d = csv("f", types = { code = })"#, "}"),
        (r#"data d = csv("f", types = { 5 = "x" })"#, "5"),
        (r#"data d = csv("f", types = { code = "x""#, "\""),
    ] {
        let d = parse(src).expect_err(src);
        assert_eq!(d.code, "mlg::syntax");
        let span = d.span().unwrap();
        assert_eq!(&src[span.start..span.end], token, "{src}: {}", d.message);
    }
}
