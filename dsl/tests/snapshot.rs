//! Snapshot of the AST text form for a program using every statement kind.

#[test]
fn every_statement_kind_ast_text() {
    let src = include_str!("data/every_statement.mlg");
    let program = mlg_dsl::parse(src).expect("the example program parses");
    assert_eq!(program.statements.len(), 11);
    insta::assert_snapshot!("every_statement_kind", program.to_string());
}

#[test]
fn ast_text_is_deterministic_and_counts_statements() {
    let one = mlg_dsl::parse("model m = f(x)").expect("parses");
    assert_eq!(
        one.to_string(),
        "program (1 statement)\n  model m @0..14\n    call f(...) @10..14\n      arg x @12..13\n"
    );
    let empty = mlg_dsl::parse("# nothing\n").expect("parses");
    assert_eq!(empty.to_string(), "program (0 statements)\n");
}
