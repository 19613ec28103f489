//! Accepted syntax: AST shapes, spans, literals, comments, optional parts.

use mlg_dsl::ast::{Call, ExprKind, Statement};
use mlg_dsl::parse;

fn model_call(src: &str) -> Call {
    let program = parse(src).unwrap_or_else(|d| panic!("{src:?} should parse: {}", d.message));
    match program.statements.into_iter().next() {
        Some(Statement::Model(m)) => m.call,
        other => panic!("expected a model statement, got {other:?}"),
    }
}

fn at(src: &str, span: mlg_dsl::Span) -> &str {
    &src[span.start..span.end]
}

#[test]
fn spans_cover_exactly_their_text() {
    let src = "model  rf = random_forest(prep, trees = 100)  # comment";
    let program = parse(src).expect("parses");
    let Statement::Model(m) = &program.statements[0] else {
        panic!("not a model")
    };
    assert_eq!(at(src, m.span), "model  rf = random_forest(prep, trees = 100)");
    assert_eq!(at(src, m.name.span), "rf");
    assert_eq!(at(src, m.call.span), "random_forest(prep, trees = 100)");
    assert_eq!(at(src, m.call.name.span), "random_forest");
    let named = &m.call.args[1];
    assert_eq!(at(src, named.span), "trees = 100");
    assert_eq!(at(src, named.value.span), "100");
    assert_eq!(at(src, named.name.as_ref().expect("named").span), "trees");
    assert_eq!(at(src, m.call.args[0].span), "prep");
    assert!(m.call.args[0].name.is_none());
}

#[test]
fn ints_floats_and_negatives() {
    let call = model_call("model m = f(5, -3, 0.2, 1e-3, -2.5E+2, 7.0)");
    let kinds: Vec<ExprKind> = call.args.into_iter().map(|a| a.value.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ExprKind::Int(5),
            ExprKind::Int(-3),
            ExprKind::Float(0.2),
            ExprKind::Float(0.001),
            ExprKind::Float(-250.0),
            ExprKind::Float(7.0),
        ]
    );
    let extremes = model_call("model m = f(9223372036854775807, -9223372036854775808)");
    assert_eq!(extremes.args[0].value.kind, ExprKind::Int(i64::MAX));
    assert_eq!(extremes.args[1].value.kind, ExprKind::Int(i64::MIN));
}

#[test]
fn string_escapes_resolve() {
    let call = model_call(r#"model m = f("a\"b\\c\nd\te", "", "naïve #not a comment")"#);
    assert_eq!(call.args[0].value.kind, ExprKind::Str("a\"b\\c\nd\te".into()));
    assert_eq!(call.args[1].value.kind, ExprKind::Str(String::new()));
    assert_eq!(
        call.args[2].value.kind,
        ExprKind::Str("naïve #not a comment".into())
    );
}

#[test]
fn bools_names_lists_and_nested_calls() {
    let call = model_call("model m = f(true, false, truthy, [1, \"a\", [x]], g(h(), k = []))");
    let v: Vec<&ExprKind> = call.args.iter().map(|a| &a.value.kind).collect();
    assert_eq!(v[0], &ExprKind::Bool(true));
    assert_eq!(v[1], &ExprKind::Bool(false));
    assert_eq!(v[2], &ExprKind::Name("truthy".into()));
    let ExprKind::List(items) = v[3] else {
        panic!("not a list")
    };
    assert_eq!(items.len(), 3);
    assert!(matches!(&items[2].kind, ExprKind::List(inner) if inner.len() == 1));
    let ExprKind::Call(g) = v[4] else {
        panic!("not a call")
    };
    assert_eq!(g.name.name, "g");
    assert!(matches!(&g.args[0].value.kind, ExprKind::Call(h) if h.args.is_empty()));
    assert_eq!(g.args[1].value.kind, ExprKind::List(vec![]));
}

#[test]
fn trailing_commas_and_empty_args() {
    assert_eq!(model_call("model m = f(a, b = 1,)").args.len(), 2);
    assert_eq!(model_call("model m = f([1, 2,])").args.len(), 1);
    assert!(model_call("model m = logistic_regression()").args.is_empty());
}

#[test]
fn comments_and_whitespace_are_insignificant() {
    let src = "# header\n\n  model   # after keyword\n m =\n f( # inside\n x ) # end\n# trailer";
    let call = model_call(src);
    assert_eq!(call.name.name, "f");
    assert_eq!(call.args.len(), 1);
    assert!(parse("").expect("empty parses").statements.is_empty());
    assert!(parse("# only\n# comments").expect("parses").statements.is_empty());
    assert!(parse(" \n\t\r\n").expect("parses").statements.is_empty());
}

#[test]
fn keywords_are_names_outside_statement_starts() {
    let call = model_call("model model = rfe(model = lr, data = d, with = metrics)");
    assert_eq!(call.args[0].name.as_ref().map(|n| n.name.as_str()), Some("model"));
    assert_eq!(call.args[2].value.kind, ExprKind::Name("metrics".into()));
    let program = parse("data data_x = csv(\"a\") model modeler = f(data_x)").expect("parses");
    assert_eq!(program.statements.len(), 2);
}

#[test]
fn statements_need_no_separator() {
    let program = parse("model a = f(x) model b = g(a) evaluate a, b").expect("parses");
    let kws: Vec<&str> = program.statements.iter().map(|s| s.keyword()).collect();
    assert_eq!(kws, ["model", "model", "evaluate"]);
}

#[test]
fn evaluate_optional_parts() {
    let program =
        parse("evaluate a\nevaluate a, b with kfold(3)\nevaluate c metrics acc, f1\n").expect("parses");
    let evals: Vec<_> = program
        .statements
        .iter()
        .map(|s| match s {
            Statement::Evaluate(e) => e,
            other => panic!("not evaluate: {other:?}"),
        })
        .collect();
    assert_eq!(evals[0].targets.len(), 1);
    assert!(evals[0].method.is_none() && evals[0].metrics.is_empty());
    assert_eq!(evals[1].targets.len(), 2);
    assert_eq!(
        evals[1].method.as_ref().map(|m| m.name.name.as_str()),
        Some("kfold")
    );
    assert!(evals[1].metrics.is_empty());
    assert!(evals[2].method.is_none());
    let names: Vec<&str> = evals[2].metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["acc", "f1"]);
}

#[test]
fn chains_blocks_and_deploy() {
    let src = "features p = d -> a() -> b(x)\ncompress c = m -> prune(0.5)\n\
               search s = tune(m) { x = int(1, 2), y = choice(1)\n z = 3, prep.select_k_best.k = int(5, 20) }\n\
               deploy c to \"out.mlgc\"\ndeploy c to \"o2\" {}";
    let program = parse(src).expect("parses");
    let s = &program.statements;
    let Statement::Features(f) = &s[0] else {
        panic!("features")
    };
    assert_eq!((f.input.name.as_str(), f.steps.len()), ("d", 2));
    let Statement::Compress(c) = &s[1] else {
        panic!("compress")
    };
    assert_eq!((c.input.name.as_str(), c.steps.len()), ("m", 1));
    let Statement::Search(se) = &s[2] else {
        panic!("search")
    };
    let params: Vec<&str> = se.space.iter().map(|p| p.name.name.as_str()).collect();
    assert_eq!(params, ["x", "y", "z", "prep.select_k_best.k"]);
    assert_eq!(at(src, se.space[0].span), "x = int(1, 2)");
    assert_eq!(at(src, se.space[3].name.span), "prep.select_k_best.k");
    let Statement::Deploy(d) = &s[3] else {
        panic!("deploy")
    };
    assert_eq!(d.path.value, "out.mlgc");
    assert_eq!(at(src, d.path.span), "\"out.mlgc\"");
    assert!(d.options.is_empty());
    let Statement::Deploy(d2) = &s[4] else {
        panic!("deploy")
    };
    assert_eq!(at(src, d2.span), "deploy c to \"o2\" {}");
}

#[test]
fn inline_display_reparses() {
    let src = "model m = f(1, -2.5, 1e-7, \"q\\\"\\n\", true, [a, g(k = 1.0)], h())";
    let call = model_call(src);
    let shown: Vec<String> = call.args.iter().map(|a| a.to_string()).collect();
    assert_eq!(
        shown,
        [
            "1",
            "-2.5",
            "1e-7",
            "\"q\\\"\\n\"",
            "true",
            "[a, g(k = 1.0)]",
            "h()"
        ]
    );
    let again = model_call(&format!("model m = {call}"));
    assert_eq!(again.to_string(), call.to_string());
}
