//! The lexer of the `derive` expression language: tokens with spans into the
//! `.mlg` source.

use crate::diagnostic::Diagnostic;
use crate::span::Span;
use crate::syntax_error::SYNTAX;

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Tok {
    Num(f64),
    Word(String),
    Quoted(String),
    Sym(&'static str),
}

#[derive(Clone, Debug)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) span: Span,
    pub(super) text: String,
}

const SYMBOLS: [&str; 14] = [
    "<=", ">=", "==", "!=", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">",
];
const LEX_HELP: &str = "expressions use numbers, column names, + - * / ^, comparisons, and, or, not, \
                        if/then/else and log exp sqrt abs min max";

pub(super) fn syntax(span: Span, message: impl Into<String>, label: &str) -> Diagnostic {
    Diagnostic::new(SYNTAX, message, span, label)
}

/// Splits `text` into tokens whose spans are shifted by `offset`.
pub(super) fn lex(text: &str, offset: usize) -> Result<Vec<Token>, Diagnostic> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let (rest, start) = (&text[i..], i);
        let at = |end: usize| Span::new(offset + start, offset + end);
        let tok = if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        } else if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|d: char| d.is_ascii_digit())) {
            i += number_len(rest);
            match text[start..i].parse::<f64>() {
                Ok(v) if v.is_finite() => Tok::Num(v),
                _ => {
                    return Err(syntax(
                        at(i),
                        format!("number `{}` is out of range", &text[start..i]),
                        "too large",
                    ))
                }
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            i += rest.len()
                - rest
                    .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    .len();
            Tok::Word(text[start..i].to_string())
        } else if c == '`' {
            let close = rest[1..]
                .find(['`', '\n'])
                .filter(|&k| rest[1 + k..].starts_with('`'));
            let Some(close) = close else {
                return Err(
                    syntax(at(text.len()), "unterminated column name", "no closing backtick").with_help(
                        "write a column name with any characters between backticks: `island=Dream`",
                    ),
                );
            };
            i += close + 2;
            if close == 0 {
                return Err(syntax(
                    at(i),
                    "empty column name",
                    "nothing between the backticks",
                ));
            }
            Tok::Quoted(rest[1..1 + close].to_string())
        } else if let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            i += sym.len();
            Tok::Sym(sym)
        } else {
            let help = match c {
                '=' => "compare with `==`",
                '!' => "negate a condition with `not`",
                '&' | '|' => "combine conditions with `and` / `or`",
                '"' | '\'' => "column names with special characters are written in backticks: `island=Dream`",
                _ => LEX_HELP,
            };
            let message = format!("unexpected character `{}` in expression", c.escape_debug());
            return Err(syntax(at(start + c.len_utf8()), message, "not allowed here").with_help(help));
        };
        out.push(Token {
            tok,
            span: at(i),
            text: text[start..i].to_string(),
        });
    }
    Ok(out)
}

/// Byte length of the number at the start of `s`: `digits(.digits)?([eE][+-]?digits)?`
/// (also `.digits`); an exponent marker without digits is not consumed.
fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |from: usize| {
        b.get(from..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let mut n = digits(0);
    if b.get(n) == Some(&b'.') && b.get(n + 1).is_some_and(u8::is_ascii_digit) {
        n += 1 + digits(n + 1);
    }
    if matches!(b.get(n), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(n + 1), Some(b'+' | b'-')));
        let exp = digits(n + 1 + sign);
        if exp > 0 {
            n += 1 + sign + exp;
        }
    }
    n
}
