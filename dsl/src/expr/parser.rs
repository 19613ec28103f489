//! The precedence-climbing parser of the `derive` expression language.

use super::lex::{syntax, Tok, Token};
use super::*;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::span::Span;

/// The error for an unexpected token.
pub(super) fn unexpected(found: &Token, expected: &str) -> Diagnostic {
    syntax(
        found.span,
        format!("{expected}, found `{}`", found.text),
        "unexpected here",
    )
}

pub(super) struct Parser {
    pub(super) tokens: Vec<Token>,
    pub(super) pos: usize,
    pub(super) depth: usize,
    pub(super) operators: usize,
    pub(super) end: Span,
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
    /// The next token, if any.
    pub(super) fn peek(&self) -> Option<&Token> {
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

    /// Consumes a binary operator, failing beyond [`MAX_EXPR_OPERATORS`].
    fn operator(&mut self) -> Result<(), Diagnostic> {
        self.operators += 1;
        if self.operators > MAX_EXPR_OPERATORS {
            let at = self.peek().map_or(self.end, |t| t.span);
            let message = format!("expression has more than {MAX_EXPR_OPERATORS} operators");
            return Err(syntax(at, message, "operator limit exceeded here")
                .with_help("split it into several derived columns, each summing a part"));
        }
        self.bump();
        Ok(())
    }

    /// One whole expression (the loosest level: `if`).
    pub(super) fn expr(&mut self) -> Res {
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
            self.operator()?;
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
        self.operator()?;
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
        self.operator()?;
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
