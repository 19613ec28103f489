//! Syntax errors: the bracket-nesting guard run before pest, and the
//! translation of pest errors into [`Diagnostic`]s worded for people.

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::grammar::Rule;
use crate::span::Span;
use pest::error::{Error, ErrorVariant, InputLocation};

/// The diagnostic code of every error this crate reports.
pub const SYNTAX: &str = "mlg::syntax";

/// Deepest bracket nesting (`(`, `[`, `{` together) the parser accepts; keeps
/// pest's recursion far from the stack limit.
pub const MAX_NESTING: usize = 64;

const STATEMENT_KEYWORDS: [&str; 8] = [
    "data", "features", "model", "search", "ensemble", "evaluate", "compress", "deploy",
];

/// Rejects sources whose brackets, outside strings and comments, nest deeper
/// than [`MAX_NESTING`]; the label points at the first bracket too deep.
pub(crate) fn check_nesting(source: &str) -> Result<(), Diagnostic> {
    let (mut depth, mut in_str, mut in_comment, mut escaped) = (0usize, false, false, false);
    for (i, c) in source.char_indices() {
        if in_comment {
            in_comment = c != '\n';
        } else if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' || c == '\n' {
                in_str = false;
            }
        } else {
            match c {
                '#' => in_comment = true,
                '"' => in_str = true,
                '(' | '[' | '{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(Diagnostic::new(
                            SYNTAX,
                            format!("brackets nested more than {MAX_NESTING} deep"),
                            Span::new(i, i + 1),
                            "nesting limit exceeded here",
                        )
                        .with_help("flatten the expression"));
                    }
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Translates a pest error into `mlg::syntax`: message `unexpected TOKEN` at a
/// statement start, `expected A, B or C, found TOKEN` elsewhere, with the
/// label on the offending token.
pub(crate) fn from_pest(err: &Error<Rule>, source: &str) -> Diagnostic {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let tok = token_at(source, pos);
    if tok.unterminated {
        return Diagnostic::new(
            SYNTAX,
            "unterminated string",
            tok.span,
            "this string is never closed",
        )
        .with_help("add a closing `\"` before the end of the line");
    }
    let positives = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let expected = expected_words(&positives);
    let (message, label) = if expected.is_empty() {
        (
            format!("unexpected {}", tok.shown),
            "not expected here".to_string(),
        )
    } else if at_statement(&positives) {
        (
            format!("unexpected {}", tok.shown),
            format!("expected {}", join_or(&expected)),
        )
    } else {
        (
            format!("expected {}, found {}", join_or(&expected), tok.shown),
            format!("expected {}", join_or(&expected)),
        )
    };
    let mut diag = Diagnostic::new(SYNTAX, message, tok.span, label);
    if let Some(kw) = keyword_typo(&positives, &tok.text) {
        diag = diag.with_help(format!("did you mean `{kw}`?"));
    }
    diag
}

/// The offending token: its span (at least one byte unless `source` is
/// empty; the last character at end of input), its text and how to show it.
struct Token {
    span: Span,
    text: String,
    shown: String,
    unterminated: bool,
}

fn token_at(source: &str, pos: usize) -> Token {
    let mut pos = pos.min(source.len());
    while !source.is_char_boundary(pos) {
        pos -= 1;
    }
    let rest = &source[pos..];
    let Some(first) = rest.chars().next() else {
        // End of input: point at the last visible character (or the last one).
        let last = source.char_indices().rev();
        let start = last
            .clone()
            .find(|(_, c)| !c.is_whitespace())
            .or_else(|| last.clone().next())
            .map_or(0, |(i, _)| i);
        let end = source[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
        let span = Span::new(start, end);
        return Token {
            span,
            text: String::new(),
            shown: "end of file".into(),
            unterminated: false,
        };
    };
    let word = |s: &str| {
        s.len()
            - s.trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                .len()
    };
    let (len, unterminated) = if first.is_ascii_alphanumeric() || first == '_' {
        (word(rest), false)
    } else if first == '-' && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
        (1 + word(&rest[1..]), false)
    } else if rest.starts_with("->") {
        (2, false)
    } else if first == '"' {
        string_len(rest)
    } else {
        (first.len_utf8(), false)
    };
    let text = &rest[..len];
    let mut shown: String = text.chars().take(24).flat_map(printable).collect();
    if text.chars().count() > 24 {
        shown.push('…');
    }
    let shown = format!("`{shown}`");
    Token {
        span: Span::new(pos, pos + len),
        text: text.to_string(),
        shown,
        unterminated,
    }
}

/// A character as shown in a message: control characters and unusual
/// whitespace are escaped, everything else (quotes included) is kept.
fn printable(c: char) -> Vec<char> {
    if c.is_control() || (c.is_whitespace() && c != ' ') {
        c.escape_debug().collect()
    } else {
        vec![c]
    }
}

/// Byte length of the string literal at the start of `rest` (which begins
/// with `"`), and whether it is unterminated (then: up to the line's end).
fn string_len(rest: &str) -> (usize, bool) {
    let mut escaped = false;
    for (i, c) in rest.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return (i + 1, false),
            '\n' => return (i.max(1), true),
            _ => {}
        }
    }
    (rest.len(), true)
}

/// Human words for the rules pest expected, deduplicated, in pest's order.
/// `end of file` is dropped when anything else was expected, and so are the
/// continuations `(` and `=` after a complete name (they are rarely the fix).
fn expected_words(positives: &[Rule]) -> Vec<String> {
    let meaningful: Vec<Rule> = positives.iter().copied().filter(|r| *r != Rule::EOI).collect();
    let main: Vec<Rule> = meaningful
        .iter()
        .copied()
        .filter(|r| !matches!(r, Rule::lparen | Rule::arg_eq))
        .collect();
    let chosen = if !main.is_empty() {
        main
    } else if !meaningful.is_empty() {
        meaningful
    } else {
        positives.to_vec()
    };
    // Local continuations first, "a statement" last.
    let (stmts, mut chosen): (Vec<Rule>, Vec<Rule>) = chosen
        .into_iter()
        .partition(|r| matches!(r, Rule::stmt | Rule::program));
    chosen.extend(stmts);
    // Inside `{ }` (the only place `}` is expected) a name starts a setting.
    let in_block = chosen.contains(&Rule::rbrace);
    let mut words: Vec<String> = Vec::new();
    for r in chosen {
        let w = rule_word(if in_block && matches!(r, Rule::ident | Rule::path) {
            Rule::setting
        } else {
            r
        });
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words
}

fn rule_word(rule: Rule) -> String {
    let s = match rule {
        Rule::stmt | Rule::program => {
            "a statement (`data`, `features`, `model`, `search`, `ensemble`, `evaluate`, `compress`, `deploy`)"
        }
        Rule::data_stmt | Rule::kw_data => "`data`",
        Rule::features_stmt | Rule::kw_features => "`features`",
        Rule::model_stmt | Rule::kw_model => "`model`",
        Rule::search_stmt | Rule::kw_search => "`search`",
        Rule::ensemble_stmt | Rule::kw_ensemble => "`ensemble`",
        Rule::evaluate_stmt | Rule::kw_evaluate => "`evaluate`",
        Rule::compress_stmt | Rule::kw_compress => "`compress`",
        Rule::deploy_stmt | Rule::kw_deploy => "`deploy`",
        Rule::kw_with => "`with`",
        Rule::kw_metrics => "`metrics`",
        Rule::kw_to => "`to`",
        Rule::block | Rule::lbrace => "`{`",
        Rule::setting => "a setting (`name = value`)",
        Rule::call => "a call (`name(...)`)",
        Rule::arg => "an argument",
        Rule::expr => "a value",
        Rule::list => "a list",
        Rule::map => "a map (`{ key = value }`)",
        Rule::map_entry => "an entry (`key = value`)",
        Rule::ident => "a name",
        Rule::boolean => "`true` or `false`",
        Rule::number => "a number",
        Rule::string => "a string",
        Rule::eq | Rule::arg_eq => "`=`",
        Rule::arrow => "`->`",
        Rule::comma => "`,`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::rbrace => "`}`",
        Rule::EOI => "end of file",
        _ => "valid syntax",
    };
    s.to_string()
}

/// Whether a new statement was among the things pest expected.
fn at_statement(positives: &[Rule]) -> bool {
    positives.iter().any(|r| matches!(r, Rule::stmt | Rule::program))
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// A keyword close to `text` among those pest expected here, if `text` is a
/// name that is not itself that keyword.
fn keyword_typo(positives: &[Rule], text: &str) -> Option<&'static str> {
    if !text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let mut candidates: Vec<&'static str> = Vec::new();
    if at_statement(positives) {
        candidates.extend(STATEMENT_KEYWORDS);
    }
    for (rule, kw) in [
        (Rule::kw_with, "with"),
        (Rule::kw_metrics, "metrics"),
        (Rule::kw_to, "to"),
    ] {
        if positives.contains(&rule) {
            candidates.push(kw);
        }
    }
    did_you_mean(text, candidates.iter().copied()).filter(|kw| *kw != text)
}
