//! The expression language of the `derive` features step: arithmetic over
//! columns written inside a string literal, e.g.
//! `"body_mass_g / bill_length_mm ^ 2"`. [`parse_expr`] turns the string's
//! content into an [`ExprAst`] whose spans point into the `.mlg` source.
//!
//! Precedence, loosest first: `if C then A else B`; `or`; `and`; `not`;
//! comparisons `< <= > >= == !=` (not chainable); `+ -` (left); `* /` (left);
//! unary `-`; `^` (right-associative, tighter than unary minus, so
//! `-x^2 = -(x^2)` and `2^-1 = 0.5`); atoms (numbers, columns, backticked
//! columns, `func(args)`, parentheses). `if` is an operand only inside
//! parentheses or function arguments.

use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::span::Span;
use crate::syntax_error::SYNTAX;
use serde::Serialize;
use std::fmt::{self, Display, Formatter};

/// Deepest nesting (parentheses, calls, prefix operators) an expression may have.
pub const MAX_EXPR_DEPTH: usize = 64;
/// The code of an unknown function name.
pub const UNKNOWN_FUNCTION: &str = "mlg::unknown_function";
/// The code of a function called with the wrong number of arguments.
pub const ARITY: &str = "mlg::arity";
/// Words that cannot be bare column names (write them in backticks).
pub const KEYWORDS: [&str; 6] = ["if", "then", "else", "and", "or", "not"];

/// A parsed expression node with the span of its source text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExprAst {
    pub kind: ExprNode,
    pub span: Span,
}

/// The forms an expression takes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ExprNode {
    /// A finite number literal.
    Number(f64),
    /// A column reference (backticks removed).
    Column(String),
    /// `-x`.
    Neg(Box<ExprAst>),
    /// `not x`: 1 when `x == 0`, else 0.
    Not(Box<ExprAst>),
    /// `lhs op rhs` for `+ - * / ^`.
    Binary(BinOp, Box<ExprAst>, Box<ExprAst>),
    /// `lhs op rhs` for comparisons: 1 when it holds, else 0.
    Compare(CmpOp, Box<ExprAst>, Box<ExprAst>),
    /// `lhs and rhs` / `lhs or rhs` on truth values (non-zero is true): 1 or 0.
    Logic(LogicOp, Box<ExprAst>, Box<ExprAst>),
    /// `func(args)`; the number of arguments is the function's arity.
    Call(Func, Vec<ExprAst>),
    /// `if cond then a else b` (non-zero `cond` picks `a`).
    If(Box<ExprAst>, Box<ExprAst>, Box<ExprAst>),
}

/// Arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// Logical connectives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LogicOp {
    And,
    Or,
}

/// The built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Func {
    Log,
    Exp,
    Sqrt,
    Abs,
    Min,
    Max,
}

impl Func {
    /// Every function, in the order listings show them.
    pub const ALL: [Func; 6] = [Func::Log, Func::Exp, Func::Sqrt, Func::Abs, Func::Min, Func::Max];

    /// The name as written.
    pub fn name(self) -> &'static str {
        match self {
            Func::Log => "log",
            Func::Exp => "exp",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Min => "min",
            Func::Max => "max",
        }
    }

    /// Number of arguments: 2 for `min`/`max`, else 1.
    pub fn arity(self) -> usize {
        match self {
            Func::Min | Func::Max => 2,
            _ => 1,
        }
    }

    /// The function called `name`, if any.
    pub fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl BinOp {
    /// The operator symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}

impl CmpOp {
    /// The operator symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
}

impl ExprAst {
    /// Every column reference with its span, in source order (repeats kept).
    pub fn columns(&self) -> Vec<(&str, Span)> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprNode::Column(name) = &e.kind {
                out.push((name.as_str(), e.span));
            }
        });
        out
    }

    /// Calls `f` on this node and every descendant, parents first, left to right.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a ExprAst)) {
        f(self);
        for child in self.children() {
            child.walk(f);
        }
    }

    /// The direct operands, left to right.
    pub fn children(&self) -> Vec<&ExprAst> {
        match &self.kind {
            ExprNode::Number(_) | ExprNode::Column(_) => Vec::new(),
            ExprNode::Neg(x) | ExprNode::Not(x) => vec![x],
            ExprNode::Binary(_, a, b) | ExprNode::Compare(_, a, b) | ExprNode::Logic(_, a, b) => vec![a, b],
            ExprNode::Call(_, args) => args.iter().collect(),
            ExprNode::If(c, a, b) => vec![c, a, b],
        }
    }
}

/// Writes the expression fully parenthesized, in a form [`parse_expr`] reads
/// back to the same tree: `((a + (b * 2.0)) > 1.0)`, `` `island=Dream` ``.
impl Display for ExprAst {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprNode::Number(v) => write!(f, "{v:?}"),
            ExprNode::Column(n) if is_plain_name(n) => f.write_str(n),
            ExprNode::Column(n) => write!(f, "`{n}`"),
            ExprNode::Neg(x) => write!(f, "(-{x})"),
            ExprNode::Not(x) => write!(f, "(not {x})"),
            ExprNode::Binary(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            ExprNode::Compare(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            ExprNode::Logic(LogicOp::And, a, b) => write!(f, "({a} and {b})"),
            ExprNode::Logic(LogicOp::Or, a, b) => write!(f, "({a} or {b})"),
            ExprNode::Call(func, args) => {
                let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
                write!(f, "{}({})", func.name(), args.join(", "))
            }
            ExprNode::If(c, a, b) => write!(f, "(if {c} then {a} else {b})"),
        }
    }
}

/// True when `name` can be written as a bare column name (an identifier that
/// is not a keyword).
pub fn is_plain_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
}

/// Parses the expression `text`, which starts at byte `offset` of the `.mlg`
/// source (the content of the string literal, after its opening quote, with
/// no escapes), so every span in the tree and in errors is `offset`-based and
/// lies within `offset ..= offset + text.len()`.
///
/// Errors: `mlg::syntax` for malformed text (including nesting deeper than
/// [`MAX_EXPR_DEPTH`]), [`UNKNOWN_FUNCTION`] and [`ARITY`] for bad calls.
/// Never panics, whatever the input.
pub fn parse_expr(text: &str, offset: usize) -> Result<ExprAst, Diagnostic> {
    let tokens = lex(text, offset)?;
    // Errors at the end of input point at the last token (or the whole text).
    let whole = Span::new(offset, offset + text.len());
    let end = tokens.last().map_or(whole, |t| t.span);
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
        end,
    };
    let expr = p.expr()?;
    match p.peek() {
        None => Ok(expr),
        Some(t) => Err(unexpected(t, "expected an operator or the end of the expression")),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Word(String),
    Quoted(String),
    Sym(&'static str),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    span: Span,
    text: String,
}

const SYMBOLS: [&str; 14] = [
    "<=", ">=", "==", "!=", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">",
];
const LEX_HELP: &str = "expressions use numbers, column names, + - * / ^, comparisons, and, or, not, \
                        if/then/else and log exp sqrt abs min max";

fn syntax(span: Span, message: impl Into<String>, label: &str) -> Diagnostic {
    Diagnostic::new(SYNTAX, message, span, label)
}

/// Splits `text` into tokens whose spans are shifted by `offset`.
fn lex(text: &str, offset: usize) -> Result<Vec<Token>, Diagnostic> {
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

/// The error for an unexpected token.
fn unexpected(found: &Token, expected: &str) -> Diagnostic {
    syntax(
        found.span,
        format!("{expected}, found `{}`", found.text),
        "unexpected here",
    )
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    end: Span,
}

type Res = Result<ExprAst, Diagnostic>;
type Join = fn(Box<ExprAst>, Box<ExprAst>) -> ExprNode;

/// The node `make(lhs, rhs)` spanning both operands.
fn pair(lhs: ExprAst, rhs: ExprAst, make: impl FnOnce(Box<ExprAst>, Box<ExprAst>) -> ExprNode) -> ExprAst {
    let span = lhs.span.join(rhs.span);
    ExprAst {
        kind: make(Box::new(lhs), Box::new(rhs)),
        span,
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn is_sym(&self, sym: &str) -> bool {
        self.peek()
            .is_some_and(|t| matches!(&t.tok, Tok::Sym(s) if *s == sym))
    }

    fn is_word(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|t| matches!(&t.tok, Tok::Word(w) if w == word))
    }

    /// Consumes the next token; the end-of-input span when there is none.
    fn bump(&mut self) -> Span {
        let span = self.peek().map_or(self.end, |t| t.span);
        self.pos += 1;
        span
    }

    fn expect(&mut self, what: &str, ok: impl Fn(&Tok) -> bool) -> Result<Token, Diagnostic> {
        let found = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        match found {
            Some(t) if ok(&t.tok) => Ok(t),
            Some(t) => Err(unexpected(&t, &format!("expected {what}"))),
            None => {
                let at = self.end;
                let message = format!("expected {what}, found the end of the expression");
                Err(syntax(at, message, &format!("expected {what} after this")))
            }
        }
    }

    /// Counts one level of nesting, failing beyond [`MAX_EXPR_DEPTH`].
    fn enter(&mut self) -> Result<(), Diagnostic> {
        self.depth += 1;
        if self.depth > MAX_EXPR_DEPTH {
            let at = self.peek().map_or(self.end, |t| t.span);
            let message = format!("expression nested more than {MAX_EXPR_DEPTH} deep");
            return Err(syntax(at, message, "nesting limit exceeded here")
                .with_help("split it into several derived columns"));
        }
        Ok(())
    }

    fn expr(&mut self) -> Res {
        self.enter()?;
        let result = if self.is_word("if") {
            let start = self.bump();
            let cond = self.expr()?;
            self.expect("`then`", |t| matches!(t, Tok::Word(w) if w == "then"))?;
            let then = self.expr()?;
            self.expect("`else`", |t| matches!(t, Tok::Word(w) if w == "else"))?;
            let otherwise = self.expr()?;
            let span = start.join(otherwise.span);
            let kind = ExprNode::If(Box::new(cond), Box::new(then), Box::new(otherwise));
            Ok(ExprAst { kind, span })
        } else {
            self.chain(&[("or", |a, b| ExprNode::Logic(LogicOp::Or, a, b))], Parser::and)
        };
        self.depth -= 1;
        result
    }

    fn and(&mut self) -> Res {
        self.chain(
            &[("and", |a, b| ExprNode::Logic(LogicOp::And, a, b))],
            Parser::not,
        )
    }

    /// A left-associative chain of `operand`s joined by the operators in `ops`
    /// (symbols or words).
    fn chain(&mut self, ops: &[(&str, Join)], operand: fn(&mut Parser) -> Res) -> Res {
        let mut lhs = operand(self)?;
        while let Some(&(_, make)) = ops.iter().find(|(s, _)| self.is_sym(s) || self.is_word(s)) {
            self.bump();
            let rhs = operand(self)?;
            lhs = pair(lhs, rhs, make);
        }
        Ok(lhs)
    }

    /// `op x` for a prefix operator (`not`, `-`) whose operand is parsed by `operand`.
    fn prefix(&mut self, make: fn(Box<ExprAst>) -> ExprNode, operand: fn(&mut Parser) -> Res) -> Res {
        self.enter()?;
        let start = self.bump();
        let x = operand(self)?;
        self.depth -= 1;
        let span = start.join(x.span);
        Ok(ExprAst {
            kind: make(Box::new(x)),
            span,
        })
    }

    fn not(&mut self) -> Res {
        if self.is_word("not") {
            return self.prefix(ExprNode::Not, Parser::not);
        }
        let lhs = self.sum()?;
        let ops = [
            ("<", CmpOp::Lt),
            ("<=", CmpOp::Le),
            (">", CmpOp::Gt),
            (">=", CmpOp::Ge),
            ("==", CmpOp::Eq),
            ("!=", CmpOp::Ne),
        ];
        let compare = |p: &Parser| ops.into_iter().find(|(s, _)| p.is_sym(s)).map(|(_, op)| op);
        let Some(op) = compare(self) else { return Ok(lhs) };
        self.bump();
        let rhs = self.sum()?;
        if let Some(t) = self.peek().filter(|_| compare(self).is_some()) {
            return Err(
                syntax(t.span, "comparisons cannot be chained", "second comparison")
                    .with_help("write `a < b and b < c`"),
            );
        }
        Ok(pair(lhs, rhs, |a, b| ExprNode::Compare(op, a, b)))
    }

    fn sum(&mut self) -> Res {
        let add: Join = |a, b| ExprNode::Binary(BinOp::Add, a, b);
        let sub: Join = |a, b| ExprNode::Binary(BinOp::Sub, a, b);
        self.chain(&[("+", add), ("-", sub)], Parser::product)
    }

    fn product(&mut self) -> Res {
        let mul: Join = |a, b| ExprNode::Binary(BinOp::Mul, a, b);
        let div: Join = |a, b| ExprNode::Binary(BinOp::Div, a, b);
        self.chain(&[("*", mul), ("/", div)], Parser::unary)
    }

    fn unary(&mut self) -> Res {
        if self.is_sym("-") {
            return self.prefix(ExprNode::Neg, Parser::unary);
        }
        let base = self.atom()?;
        if !self.is_sym("^") {
            return Ok(base);
        }
        self.bump();
        let exponent = self.unary()?;
        Ok(pair(base, exponent, |a, b| ExprNode::Binary(BinOp::Pow, a, b)))
    }

    fn atom(&mut self) -> Res {
        let what = "a number, a column or `(`";
        let t = self.expect(what, |t| !matches!(t, Tok::Sym(s) if *s != "("))?;
        let kind = match &t.tok {
            Tok::Num(v) => ExprNode::Number(*v),
            Tok::Quoted(name) => ExprNode::Column(name.clone()),
            Tok::Sym(_) => {
                let inner = self.expr()?;
                let close = self.expect("`)`", |t| *t == Tok::Sym(")"))?;
                return Ok(ExprAst {
                    kind: inner.kind,
                    span: t.span.join(close.span),
                });
            }
            Tok::Word(w) if w == "if" => {
                return Err(syntax(
                    t.span,
                    "`if` must be parenthesized when used as an operand",
                    "here",
                )
                .with_help("write `(if ... then ... else ...)`"));
            }
            Tok::Word(w) if KEYWORDS.contains(&w.as_str()) => {
                let help = format!("a column named {w} is written in backticks: `{w}`");
                return Err(unexpected(&t, &format!("expected {what}")).with_help(help));
            }
            Tok::Word(w) if self.is_sym("(") => return self.call(w, t.span),
            Tok::Word(w) => ExprNode::Column(w.clone()),
        };
        Ok(ExprAst { kind, span: t.span })
    }

    fn call(&mut self, name: &str, name_span: Span) -> Res {
        self.bump();
        let mut args = Vec::new();
        if !self.is_sym(")") {
            args.push(self.expr()?);
            while self.is_sym(",") {
                self.bump();
                args.push(self.expr()?);
            }
        }
        let close = self.expect("`,` or `)`", |t| *t == Tok::Sym(")"))?;
        let span = name_span.join(close.span);
        let names = Func::ALL.map(Func::name);
        let Some(func) = Func::from_name(name) else {
            let listing = format!("functions: {}", names.join(", "));
            let help = match did_you_mean(name, names) {
                Some(best) => format!("did you mean `{best}`? {listing}"),
                None => listing,
            };
            let message = format!("unknown function `{name}`");
            return Err(
                Diagnostic::new(UNKNOWN_FUNCTION, message, name_span, "not a function").with_help(help),
            );
        };
        let n = func.arity();
        if args.len() != n {
            let plural = if n == 1 { "" } else { "s" };
            let message = format!("`{name}` takes {n} argument{plural}, got {}", args.len());
            return Err(Diagnostic::new(
                ARITY,
                message,
                span,
                format!("expected {n} argument{plural}"),
            ));
        }
        Ok(ExprAst {
            kind: ExprNode::Call(func, args),
            span,
        })
    }
}
