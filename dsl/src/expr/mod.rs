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

use crate::diagnostic::Diagnostic;
use crate::span::Span;
mod lex;
mod parser;

use lex::lex;
use parser::{unexpected, Parser};
use serde::Serialize;
use std::fmt::{self, Display, Formatter};

/// Deepest nesting (parentheses, calls, prefix operators) an expression may have.
pub const MAX_EXPR_DEPTH: usize = 64;
/// Most binary operators (`+ - * / ^`, comparisons, `and`, `or`) an expression
/// may have. With [`MAX_EXPR_DEPTH`] it bounds the tree's height, so every
/// recursive walk over it (checking, lowering, code generation, dropping)
/// stays within a thread's stack.
pub const MAX_EXPR_OPERATORS: usize = 256;
/// The code of an unknown function name.
pub const UNKNOWN_FUNCTION: &str = "mlg::unknown_function";
/// The code of a function called with the wrong number of arguments.
pub const ARITY: &str = "mlg::arity";
/// Words that cannot be bare column names (write them in backticks).
pub const KEYWORDS: [&str; 6] = ["if", "then", "else", "and", "or", "not"];

/// A parsed expression node with the span of its source text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExprAst {
    /// What the node is.
    pub kind: ExprNode,
    /// The node's source text, operands included.
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
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a * b`.
    Mul,
    /// `a / b` (IEEE: dividing by zero gives an infinity or NaN).
    Div,
    /// `a ^ b`, `a` raised to the power `b`.
    Pow,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    /// `a < b`.
    Lt,
    /// `a <= b`.
    Le,
    /// `a > b`.
    Gt,
    /// `a >= b`.
    Ge,
    /// `a == b` (exact comparison).
    Eq,
    /// `a != b`.
    Ne,
}

/// Logical connectives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LogicOp {
    /// `a and b`: 1 when both are non-zero.
    And,
    /// `a or b`: 1 when either is non-zero.
    Or,
}

/// The built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Func {
    /// `log(x)`: the natural logarithm.
    Log,
    /// `exp(x)`: e to the power `x`.
    Exp,
    /// `sqrt(x)`: the square root.
    Sqrt,
    /// `abs(x)`: the absolute value.
    Abs,
    /// `min(a, b)`: the smaller argument (NaN when either is NaN).
    Min,
    /// `max(a, b)`: the larger argument (NaN when either is NaN).
    Max,
    /// `year(d)`: the year of a date column.
    Year,
    /// `month(d)`: the month of a date column, 1 to 12.
    Month,
    /// `day(d)`: the day of the month of a date column, 1 to 31.
    Day,
    /// `weekday(d)`: the day of the week of a date column, Monday 0 to Sunday 6.
    Weekday,
    /// `hour(d)`: the hour of a date column (UTC), 0 to 23.
    Hour,
    /// `epoch(d)`: days since 1970-01-01T00:00 UTC, with the hour as a fraction.
    Epoch,
    /// `days_between(a, b)`: whole days from date `a` to date `b` (negative
    /// when `b` is earlier), counted between calendar days.
    DaysBetween,
}

impl Func {
    /// Every function, in the order listings show them.
    pub const ALL: [Func; 13] = [
        Func::Log,
        Func::Exp,
        Func::Sqrt,
        Func::Abs,
        Func::Min,
        Func::Max,
        Func::Year,
        Func::Month,
        Func::Day,
        Func::Weekday,
        Func::Hour,
        Func::Epoch,
        Func::DaysBetween,
    ];

    /// The name as written.
    pub fn name(self) -> &'static str {
        match self {
            Func::Log => "log",
            Func::Exp => "exp",
            Func::Sqrt => "sqrt",
            Func::Abs => "abs",
            Func::Min => "min",
            Func::Max => "max",
            Func::Year => "year",
            Func::Month => "month",
            Func::Day => "day",
            Func::Weekday => "weekday",
            Func::Hour => "hour",
            Func::Epoch => "epoch",
            Func::DaysBetween => "days_between",
        }
    }

    /// Number of arguments: 2 for `min`, `max` and `days_between`, else 1.
    pub fn arity(self) -> usize {
        match self {
            Func::Min | Func::Max | Func::DaysBetween => 2,
            _ => 1,
        }
    }

    /// Whether the function takes date columns (its arguments must be date
    /// columns, named directly).
    pub fn takes_dates(self) -> bool {
        matches!(
            self,
            Func::Year
                | Func::Month
                | Func::Day
                | Func::Weekday
                | Func::Hour
                | Func::Epoch
                | Func::DaysBetween
        )
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
/// [`MAX_EXPR_DEPTH`] or more than [`MAX_EXPR_OPERATORS`] operators), [`UNKNOWN_FUNCTION`] and [`ARITY`] for bad calls.
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
        operators: 0,
        end,
    };
    let expr = p.expr()?;
    match p.peek() {
        None => Ok(expr),
        Some(t) => Err(unexpected(t, "expected an operator or the end of the expression")),
    }
}
