//! The stable text form of the AST, shown by `mlg explain --stage ast` and
//! used by snapshot tests: one line per node, two-space indentation, spans as
//! `@start..end`. Values print inline in a form that reparses.

use crate::ast::{Arg, Call, Expr, ExprKind, Ident, Program, Setting, Statement};
use crate::span::Span;
use std::fmt::{self, Display, Formatter, Write};

/// Writes `program (N statements)` then each statement as an indented tree.
/// Deterministic: the same AST always prints the same text.
impl Display for Program {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let n = self.statements.len();
        writeln!(f, "program ({n} statement{})", if n == 1 { "" } else { "s" })?;
        for stmt in &self.statements {
            statement(f, stmt)?;
        }
        Ok(())
    }
}

/// Writes the value inline as source text: `5`, `1.0`, `"s"`, `true`, `name`,
/// `[a, b]`, `f(x, k = v)`, `{ k = v, "a key" = w }`. Floats always carry a `.`
/// or exponent.
impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Int(v) => write!(f, "{v}"),
            ExprKind::Float(v) => write!(f, "{v:?}"),
            ExprKind::Str(s) => write!(f, "{}", quote(s)),
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::Name(n) => f.write_str(n),
            ExprKind::Call(c) => write!(f, "{c}"),
            ExprKind::List(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            ExprKind::Map(entries) if entries.is_empty() => f.write_str("{}"),
            ExprKind::Map(entries) => {
                f.write_str("{ ")?;
                for (i, entry) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} = {}", map_key(&entry.name.name), entry.value)?;
                }
                f.write_str(" }")
            }
        }
    }
}

/// A map key as written: bare when it is a name or dotted path, else quoted.
fn map_key(key: &str) -> String {
    let name = |part: &str| {
        part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && part != "true"
            && part != "false"
    };
    if key.split('.').all(name) {
        key.to_string()
    } else {
        quote(key)
    }
}

/// Writes the call inline as source text: `name(arg, k = v)`.
impl Display for Call {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name.name)?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg}")?;
        }
        f.write_char(')')
    }
}

/// Writes the argument inline as source text: `value` or `name = value`.
impl Display for Arg {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{} = {}", n.name, self.value),
            None => write!(f, "{}", self.value),
        }
    }
}

/// A string as the language writes it, using only the escapes it knows.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn line(f: &mut Formatter<'_>, depth: usize, text: &str, span: Span) -> fmt::Result {
    writeln!(f, "{:width$}{text} @{span}", "", width = depth * 2)
}

fn statement(f: &mut Formatter<'_>, stmt: &Statement) -> fmt::Result {
    let kw = stmt.keyword();
    match stmt {
        Statement::Data(s) => {
            line(f, 1, &format!("{kw} {}", s.name.name), s.span)?;
            call(f, 2, "source", &s.source)
        }
        Statement::Model(s) => {
            line(f, 1, &format!("{kw} {}", s.name.name), s.span)?;
            call(f, 2, "call", &s.call)
        }
        Statement::Ensemble(s) => {
            line(f, 1, &format!("{kw} {}", s.name.name), s.span)?;
            call(f, 2, "call", &s.call)
        }
        Statement::Search(s) => {
            line(f, 1, &format!("{kw} {}", s.name.name), s.span)?;
            call(f, 2, "call", &s.call)?;
            settings(f, "space", &s.space)
        }
        Statement::Features(s) => chain(f, kw, &s.name.name, &s.input, &s.steps, s.span),
        Statement::Compress(s) => chain(f, kw, &s.name.name, &s.input, &s.steps, s.span),
        Statement::Evaluate(s) => {
            line(f, 1, kw, s.span)?;
            for t in &s.targets {
                line(f, 2, &format!("target {}", t.name), t.span)?;
            }
            if let Some(m) = &s.method {
                call(f, 2, "with", m)?;
            }
            for m in &s.metrics {
                line(f, 2, &format!("metric {}", m.name), m.span)?;
            }
            Ok(())
        }
        Statement::Deploy(s) => {
            line(f, 1, &format!("{kw} {}", s.target.name), s.span)?;
            line(f, 2, &format!("path {}", quote(&s.path.value)), s.path.span)?;
            settings(f, "option", &s.options)
        }
    }
}

fn chain(
    f: &mut Formatter<'_>,
    kw: &str,
    name: &str,
    input: &Ident,
    steps: &[Call],
    span: Span,
) -> fmt::Result {
    line(f, 1, &format!("{kw} {name}"), span)?;
    line(f, 2, &format!("input {}", input.name), input.span)?;
    steps.iter().try_for_each(|s| call(f, 2, "step", s))
}

/// `LABEL name(...) @span`, then one line per argument beneath it.
fn call(f: &mut Formatter<'_>, depth: usize, label: &str, c: &Call) -> fmt::Result {
    line(f, depth, &format!("{label} {}(...)", c.name.name), c.span)?;
    args(f, depth + 1, &c.args)
}

fn args(f: &mut Formatter<'_>, depth: usize, list: &[Arg]) -> fmt::Result {
    for a in list {
        let head = match &a.name {
            Some(n) => format!("arg {} = ", n.name),
            None => "arg ".to_string(),
        };
        value(f, depth, &head, &a.value, a.span)?;
    }
    Ok(())
}

fn settings(f: &mut Formatter<'_>, label: &str, list: &[Setting]) -> fmt::Result {
    list.iter()
        .try_for_each(|s| value(f, 2, &format!("{label} {} = ", s.name.name), &s.value, s.span))
}

/// A value line; a call value prints as `name(...)` with its arguments nested.
fn value(f: &mut Formatter<'_>, depth: usize, head: &str, v: &Expr, span: Span) -> fmt::Result {
    match &v.kind {
        ExprKind::Call(c) => {
            line(f, depth, &format!("{head}{}(...)", c.name.name), span)?;
            args(f, depth + 1, &c.args)
        }
        _ => line(f, depth, &format!("{head}{v}"), span),
    }
}
