//! Source text to [`Program`]: runs the pest grammar, then builds the AST with
//! byte spans. Literal errors the grammar cannot see (integer overflow, unknown
//! string escapes) are reported here; grammar errors by `syntax_error`.

use crate::ast::{
    Arg, Call, CompressStmt, DataStmt, DeployStmt, EnsembleStmt, EvaluateStmt, Expr, ExprKind, FeaturesStmt,
    Ident, ModelStmt, Program, SearchStmt, Setting, Statement, StrLit,
};
use crate::diagnostic::Diagnostic;
use crate::grammar::{MlgParser, Rule};
use crate::span::Span;
use crate::syntax_error::{check_nesting, from_pest, SYNTAX};
use pest::iterators::Pair;
use pest::Parser;

/// Parses a whole `.mlg` file.
///
/// Returns the program (empty for an empty or comment-only file) or the first
/// syntax error as a [`Diagnostic`] with code `mlg::syntax`, whose primary
/// label lies within `source` on character boundaries. Spans in the AST are
/// byte offsets into `source`. Never panics, whatever the input.
pub fn parse(source: &str) -> Result<Program, Diagnostic> {
    check_nesting(source)?;
    let mut pairs = MlgParser::parse(Rule::program, source).map_err(|e| from_pest(&e, source))?;
    let program = pairs
        .next()
        .expect("grammar: `program` is the single top-level pair");
    let mut statements = Vec::new();
    for stmt in program.into_inner() {
        if stmt.as_rule() == Rule::stmt {
            let inner = stmt
                .into_inner()
                .next()
                .expect("grammar: `stmt` wraps one statement rule");
            statements.push(statement(inner)?);
        }
    }
    Ok(Program { statements })
}

type Res<T> = Result<T, Diagnostic>;

/// The span of a pair, ending at its last child so that whitespace or comments
/// swallowed by an optional tail (`evaluate a  # c`) are not included.
fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    let end = pair
        .clone()
        .into_inner()
        .last()
        .map_or(s.end(), |c| c.as_span().end());
    Span::new(s.start(), end)
}

fn statement(pair: Pair<'_, Rule>) -> Res<Statement> {
    let span = span_of(&pair);
    let rule = pair.as_rule();
    let mut it = pair.into_inner().filter(|p| !is_punct(p.as_rule()));
    let mut next = || {
        it.next()
            .expect("grammar: statement rules have their fixed children")
    };
    Ok(match rule {
        Rule::data_stmt => {
            next();
            Statement::Data(DataStmt {
                name: ident(&next()),
                source: call(next())?,
                span,
            })
        }
        Rule::model_stmt => {
            next();
            Statement::Model(ModelStmt {
                name: ident(&next()),
                call: call(next())?,
                span,
            })
        }
        Rule::ensemble_stmt => {
            next();
            Statement::Ensemble(EnsembleStmt {
                name: ident(&next()),
                call: call(next())?,
                span,
            })
        }
        Rule::search_stmt => {
            next();
            let name = ident(&next());
            let call = call(next())?;
            let space = block(next())?;
            Statement::Search(SearchStmt {
                name,
                call,
                space,
                span,
            })
        }
        Rule::features_stmt | Rule::compress_stmt => {
            next();
            let name = ident(&next());
            let input = ident(&next());
            let mut steps = Vec::new();
            for p in it {
                steps.push(call(p)?);
            }
            if rule == Rule::features_stmt {
                Statement::Features(FeaturesStmt {
                    name,
                    input,
                    steps,
                    span,
                })
            } else {
                Statement::Compress(CompressStmt {
                    name,
                    input,
                    steps,
                    span,
                })
            }
        }
        Rule::evaluate_stmt => evaluate(it, span)?,
        Rule::deploy_stmt => {
            next();
            let target = ident(&next());
            next();
            let path = string_lit(&next())?;
            let options = match it.next() {
                Some(b) => block(b)?,
                None => Vec::new(),
            };
            Statement::Deploy(DeployStmt {
                target,
                path,
                options,
                span,
            })
        }
        other => unreachable!("grammar: `stmt` has no alternative {other:?}"),
    })
}

/// `evaluate` children after punctuation is filtered: keyword, targets, then
/// optionally `with` + call, then optionally `metrics` + names.
fn evaluate<'a>(it: impl Iterator<Item = Pair<'a, Rule>>, span: Span) -> Res<Statement> {
    #[derive(PartialEq)]
    enum Part {
        Targets,
        Metrics,
    }
    let (mut targets, mut method, mut metrics) = (Vec::new(), None, Vec::new());
    let mut part = Part::Targets;
    for p in it {
        match p.as_rule() {
            Rule::kw_evaluate | Rule::kw_with => {}
            Rule::kw_metrics => part = Part::Metrics,
            Rule::call => method = Some(call(p)?),
            Rule::ident if part == Part::Targets => targets.push(ident(&p)),
            Rule::ident => metrics.push(ident(&p)),
            other => unreachable!("grammar: `evaluate_stmt` has no child {other:?}"),
        }
    }
    Ok(Statement::Evaluate(EvaluateStmt {
        targets,
        method,
        metrics,
        span,
    }))
}

/// Punctuation rules exist only for error messages; the builder skips them.
fn is_punct(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::eq
            | Rule::arg_eq
            | Rule::arrow
            | Rule::comma
            | Rule::lparen
            | Rule::rparen
            | Rule::lbracket
            | Rule::rbracket
            | Rule::lbrace
            | Rule::rbrace
    )
}

fn ident(pair: &Pair<'_, Rule>) -> Ident {
    Ident {
        name: pair.as_str().to_string(),
        span: span_of(pair),
    }
}

fn block(pair: Pair<'_, Rule>) -> Res<Vec<Setting>> {
    let mut settings = Vec::new();
    for p in pair.into_inner().filter(|p| p.as_rule() == Rule::setting) {
        let span = span_of(&p);
        let mut it = p.into_inner().filter(|c| !is_punct(c.as_rule()));
        let name = ident(&it.next().expect("grammar: `setting` starts with a path"));
        let value = expr(it.next().expect("grammar: `setting` ends with an expr"))?;
        settings.push(Setting { name, value, span });
    }
    Ok(settings)
}

/// The entries of a map value; a string key becomes a name without its quotes.
fn map(pair: Pair<'_, Rule>) -> Res<Vec<Setting>> {
    let mut entries = Vec::new();
    for p in pair.into_inner().filter(|p| p.as_rule() == Rule::map_entry) {
        let span = span_of(&p);
        let mut it = p.into_inner().filter(|c| !is_punct(c.as_rule()));
        let key = it.next().expect("grammar: `map_entry` starts with a key");
        let name = if key.as_rule() == Rule::string {
            let lit = string_lit(&key)?;
            Ident {
                name: lit.value,
                span: lit.span,
            }
        } else {
            ident(&key)
        };
        let value = expr(it.next().expect("grammar: `map_entry` ends with an expr"))?;
        entries.push(Setting { name, value, span });
    }
    Ok(entries)
}

fn call(pair: Pair<'_, Rule>) -> Res<Call> {
    let span = span_of(&pair);
    let mut it = pair.into_inner().filter(|p| !is_punct(p.as_rule()));
    let name = ident(&it.next().expect("grammar: `call` starts with an ident"));
    let mut args = Vec::new();
    for a in it {
        let span = span_of(&a);
        let mut name = None;
        let mut value = None;
        for c in a.into_inner() {
            match c.as_rule() {
                Rule::ident => name = Some(ident(&c)),
                Rule::expr => value = Some(expr(c)?),
                _ => {}
            }
        }
        let value = value.expect("grammar: `arg` ends with an expr");
        args.push(Arg { name, value, span });
    }
    Ok(Call { name, args, span })
}

fn expr(pair: Pair<'_, Rule>) -> Res<Expr> {
    let inner = pair
        .into_inner()
        .next()
        .expect("grammar: `expr` has one alternative child");
    let span = span_of(&inner);
    let kind = match inner.as_rule() {
        Rule::call => ExprKind::Call(call(inner)?),
        Rule::ident => ExprKind::Name(inner.as_str().to_string()),
        Rule::boolean => ExprKind::Bool(inner.as_str() == "true"),
        Rule::number => number(inner.as_str(), span)?,
        Rule::string => ExprKind::Str(string_lit(&inner)?.value),
        Rule::list => {
            let mut items = Vec::new();
            for p in inner.into_inner().filter(|p| p.as_rule() == Rule::expr) {
                items.push(expr(p)?);
            }
            ExprKind::List(items)
        }
        Rule::map => ExprKind::Map(map(inner)?),
        other => unreachable!("grammar: `expr` has no alternative {other:?}"),
    };
    Ok(Expr { kind, span })
}

fn number(text: &str, span: Span) -> Res<ExprKind> {
    if text.contains(['.', 'e', 'E']) {
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(ExprKind::Float(v)),
            _ => Err(Diagnostic::new(
                SYNTAX,
                format!("number `{text}` is out of range"),
                span,
                "too large for a 64-bit float",
            )),
        }
    } else {
        text.parse::<i64>().map(ExprKind::Int).map_err(|_| {
            Diagnostic::new(
                SYNTAX,
                format!("integer `{text}` does not fit in 64 bits"),
                span,
                "out of range for a 64-bit integer",
            )
            .with_help(format!(
                "integers must lie in {}..={}; write a float (e.g. `1e19`) for larger values",
                i64::MIN,
                i64::MAX
            ))
        })
    }
}

/// A string literal with its quotes removed and escapes resolved.
fn string_lit(pair: &Pair<'_, Rule>) -> Res<StrLit> {
    let span = span_of(pair);
    let raw = pair.as_str();
    let body = &raw[1..raw.len() - 1];
    let mut value = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        let (_, e) = chars
            .next()
            .expect("grammar: `string` has a character after every `\\`");
        match e {
            '"' => value.push('"'),
            '\\' => value.push('\\'),
            'n' => value.push('\n'),
            't' => value.push('\t'),
            _ => {
                let start = span.start + 1 + i;
                let esc = Span::new(start, start + 1 + e.len_utf8());
                return Err(Diagnostic::new(
                    SYNTAX,
                    format!("unknown escape `\\{}` in string", e.escape_debug()),
                    esc,
                    "unknown escape",
                )
                .with_help("the escapes are `\\\"`, `\\\\`, `\\n` and `\\t`"));
            }
        }
    }
    Ok(StrLit { value, span })
}
