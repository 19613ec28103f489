//! Rejected syntax: each error's code, message, label text and span.

use mlg_dsl::{parse, Diagnostic};

fn err(src: &str) -> Diagnostic {
    match parse(src) {
        Ok(p) => panic!("{src:?} should not parse, got {p}"),
        Err(d) => d,
    }
}

/// The message and the source text under the primary label.
fn at(src: &str) -> (String, String) {
    let d = err(src);
    assert_eq!(d.code, "mlg::syntax");
    let span = d.span().expect("syntax errors are labelled");
    (d.message, src[span.start..span.end].to_string())
}

fn pair(message: &str, token: &str) -> (String, String) {
    (message.to_string(), token.to_string())
}

#[test]
fn data_errors() {
    assert_eq!(
        at("data iris csv(\"a\")"),
        pair("expected `=`, found `csv`", "csv")
    );
    assert_eq!(
        at("data iris = csv"),
        pair("expected `(`, found end of file", "v")
    );
    assert_eq!(at("data = csv(\"a\")"), pair("expected a name, found `=`", "="));
}

#[test]
fn features_errors() {
    assert_eq!(
        at("features prep = iris"),
        pair("expected `->`, found end of file", "s")
    );
    assert_eq!(
        at("features prep = iris\nmodel m = f(prep)"),
        pair("expected `->`, found `model`", "model")
    );
    assert_eq!(
        at("features prep = iris -> "),
        pair("expected a name, found end of file", ">")
    );
    assert_eq!(
        at("features prep = iris -> impute"),
        pair("expected `(`, found end of file", "e")
    );
}

#[test]
fn model_errors() {
    let src = "model lr = logistic_regression(prep c = 1.0)";
    assert_eq!(at(src), pair("expected `,` or `)`, found `c`", "c"));
    assert_eq!(err(src).labels[0].message, "expected `,` or `)`");
    assert_eq!(at("model m = f(a = )"), pair("expected a value, found `)`", ")"));
    assert_eq!(
        at("model m = f(,)"),
        pair("expected an argument or `)`, found `,`", ",")
    );
    assert_eq!(
        at("model m = f([1, 2)"),
        pair("expected `,` or `]`, found `)`", ")")
    );
    assert_eq!(at("model m = 5"), pair("expected a name, found `5`", "5"));
}

#[test]
fn search_errors() {
    assert_eq!(
        at("search s = tune(rf)"),
        pair("expected `{`, found end of file", ")")
    );
    let src = "search s = tune(rf) {\n  a = int(1, 2)\n  b int(3, 4)\n}";
    assert_eq!(at(src), pair("expected `=`, found `int`", "int"));
    assert_eq!(
        at("search s = tune(rf) { a = }"),
        pair("expected a value, found `}`", "}")
    );
}

#[test]
fn ensemble_errors() {
    assert_eq!(
        at("ensemble e = soft_vote(a b)"),
        pair("expected `,` or `)`, found `b`", "b")
    );
    assert_eq!(
        at("ensemble e soft_vote(a)"),
        pair("expected `=`, found `soft_vote`", "soft_vote")
    );
}

#[test]
fn evaluate_errors() {
    assert_eq!(at("evaluate"), pair("expected a name, found end of file", "e"));
    assert_eq!(
        at("evaluate lr, "),
        pair("expected a name, found end of file", ",")
    );
    assert_eq!(
        at("evaluate lr with"),
        pair("expected a name, found end of file", "h")
    );
    assert_eq!(
        at("evaluate lr metrics accuracy,"),
        pair("expected a name, found end of file", ",")
    );
    let d = err("evaluate lr wiht kfold(5)");
    assert_eq!(d.message, "unexpected `wiht`");
    assert_eq!(d.labels[0].message, "expected `with`, `metrics`, `,` or a statement (`data`, `features`, `model`, `search`, `ensemble`, `evaluate`, `compress`, `deploy`)");
    assert_eq!(d.help.as_deref(), Some("did you mean `with`?"));
}

#[test]
fn compress_errors() {
    assert_eq!(
        at("compress c = s"),
        pair("expected `->`, found end of file", "s")
    );
    let d = err("compress c = s -> prune(0.5) quantize(\"int8\")");
    assert_eq!(d.message, "unexpected `quantize`");
    assert!(
        d.labels[0].message.starts_with("expected `->` or a statement"),
        "{}",
        d.labels[0].message
    );
}

#[test]
fn deploy_errors() {
    assert_eq!(
        at("deploy small \"out\""),
        pair("expected `to`, found `\"out\"`", "\"out\"")
    );
    assert_eq!(
        at("deploy small to out"),
        pair("expected a string, found `out`", "out")
    );
    assert_eq!(
        at("deploy s to \"o\" { serve \"x\" }"),
        pair("expected `=`, found `\"x\"`", "\"x\"")
    );
    assert_eq!(
        at("deploy s to \"o\" { a = 1"),
        pair(
            "expected a setting (`name = value`), `,` or `}`, found end of file",
            "1"
        )
    );
}

#[test]
fn statement_keyword_typo_gets_help() {
    let src = "data d = csv(\"x\")\nmodle lr = f(d)";
    let d = err(src);
    assert_eq!(d.message, "unexpected `modle`");
    assert_eq!(&src[d.labels[0].span.start..d.labels[0].span.end], "modle");
    assert_eq!(
        d.labels[0].message,
        "expected a statement (`data`, `features`, `model`, `search`, `ensemble`, `evaluate`, `compress`, `deploy`)"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `model`?"));
    assert_eq!(
        err("featurs p = d -> a()").help.as_deref(),
        Some("did you mean `features`?")
    );
    assert_eq!(err("banana x = f()").help, None);
}

#[test]
fn literal_errors() {
    let (msg, tok) = at("model m = f(99999999999999999999)");
    assert_eq!(msg, "integer `99999999999999999999` does not fit in 64 bits");
    assert_eq!(tok, "99999999999999999999");
    assert_eq!(
        at("model m = f(1e999)"),
        pair("number `1e999` is out of range", "1e999")
    );
    assert_eq!(
        at(r#"model m = f("a\qb")"#),
        pair("unknown escape `\\q` in string", "\\q")
    );
    assert_eq!(
        at("deploy x to \"abc\nmodel m = f(x)"),
        pair("unterminated string", "\"abc")
    );
}

#[test]
fn stray_tokens_and_end_of_file() {
    assert_eq!(at("}"), pair("unexpected `}`", "}"));
    assert_eq!(at("model m = f(x) é"), pair("unexpected `é`", "é"));
    assert_eq!(
        at("model m = f(true = 1)"),
        pair("expected `,` or `)`, found `=`", "=")
    );
    let d = err("model m = f(x");
    assert_eq!(d.message, "expected `,` or `)`, found end of file");
    assert_eq!(d.span(), Some(mlg_dsl::Span::new(12, 13)));
    let d = err("model m = f(é");
    assert_eq!(
        d.span(),
        Some(mlg_dsl::Span::new(12, 14)),
        "the last character, not its last byte"
    );
}

#[test]
fn deep_nesting_is_rejected_not_overflowed() {
    let ok = format!("model m = f({}1{})", "g(".repeat(60), ")".repeat(60));
    assert!(parse(&ok).is_ok());
    let deep = "(".repeat(10_000);
    let d = err(&deep);
    assert_eq!(d.message, "brackets nested more than 64 deep");
    assert_eq!(d.span(), Some(mlg_dsl::Span::new(64, 65)));
    let in_string = format!("model m = f(\"{}\")", "(".repeat(10_000));
    assert!(parse(&in_string).is_ok(), "brackets inside strings do not count");
    let in_comment = format!("# {}\nevaluate a", "[".repeat(10_000));
    assert!(
        parse(&in_comment).is_ok(),
        "brackets inside comments do not count"
    );
}
