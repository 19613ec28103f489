//! The abstract syntax tree of a `.mlg` file. Every node carries the byte span it
//! was parsed from, so later stages can point diagnostics at it.

use crate::span::Span;
use serde::Serialize;

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A literal or call in argument position.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The forms an expression takes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ExprKind {
    /// An integer literal such as `5` or `-3`.
    Int(i64),
    /// A number with a fraction or exponent such as `0.2`, `1e-3`.
    Float(f64),
    /// A double-quoted string, escapes resolved.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// A bare name: a stage, a column selector (`numeric`, `all`), a metric.
    Name(String),
    /// `name(args)`: an operator, a selector (`cols("a")`), a search space (`int(1, 9)`).
    Call(Call),
    /// `[a, b, c]`.
    List(Vec<Expr>),
    /// `{ key = value, ... }`: entries in source order (a key may repeat; the
    /// checker decides). A key written as a string has its quotes removed, and
    /// its [`Setting::name`] span covers the quotes.
    Map(Vec<Setting>),
}

/// One argument: positional (`name` is `None`) or named (`k = v`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
    pub span: Span,
}

/// `name(arg, k = v, ...)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Call {
    pub name: Ident,
    pub args: Vec<Arg>,
    pub span: Span,
}

/// `key = value` inside a `{ ... }` block (search spaces, deploy options) or a
/// map value ([`ExprKind::Map`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting {
    /// The setting's name; a dotted path (`prep.select_k_best.k`) is one
    /// name with the dots in it.
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// A string literal with its span (paths).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// `data NAME = source(args)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataStmt {
    pub name: Ident,
    pub source: Call,
    pub span: Span,
}

/// `features NAME = INPUT -> step(args) -> ...` (at least one step).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeaturesStmt {
    pub name: Ident,
    pub input: Ident,
    pub steps: Vec<Call>,
    pub span: Span,
}

/// `model NAME = op(INPUT, k = v, ...)`; the input is the call's first positional argument.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelStmt {
    pub name: Ident,
    pub call: Call,
    pub span: Span,
}

/// `search NAME = strategy(MODEL, k = v, ...) { param = space ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchStmt {
    pub name: Ident,
    pub call: Call,
    pub space: Vec<Setting>,
    pub span: Span,
}

/// `ensemble NAME = combiner(MEMBER, ..., k = v)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnsembleStmt {
    pub name: Ident,
    pub call: Call,
    pub span: Span,
}

/// `evaluate A, B [with method(args)] [metrics m1, m2]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvaluateStmt {
    pub targets: Vec<Ident>,
    pub method: Option<Call>,
    pub metrics: Vec<Ident>,
    pub span: Span,
}

/// `compress NAME = INPUT -> step(args) -> ...` (at least one step).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompressStmt {
    pub name: Ident,
    pub input: Ident,
    pub steps: Vec<Call>,
    pub span: Span,
}

/// `deploy NAME to "path" [{ key = value ... }]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeployStmt {
    pub target: Ident,
    pub path: StrLit,
    pub options: Vec<Setting>,
    pub span: Span,
}

/// One top-level statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Statement {
    Data(DataStmt),
    Features(FeaturesStmt),
    Model(ModelStmt),
    Search(SearchStmt),
    Ensemble(EnsembleStmt),
    Evaluate(EvaluateStmt),
    Compress(CompressStmt),
    Deploy(DeployStmt),
}

impl Statement {
    /// The span of the whole statement.
    pub fn span(&self) -> Span {
        match self {
            Statement::Data(s) => s.span,
            Statement::Features(s) => s.span,
            Statement::Model(s) => s.span,
            Statement::Search(s) => s.span,
            Statement::Ensemble(s) => s.span,
            Statement::Evaluate(s) => s.span,
            Statement::Compress(s) => s.span,
            Statement::Deploy(s) => s.span,
        }
    }

    /// The keyword that starts the statement.
    pub fn keyword(&self) -> &'static str {
        match self {
            Statement::Data(_) => "data",
            Statement::Features(_) => "features",
            Statement::Model(_) => "model",
            Statement::Search(_) => "search",
            Statement::Ensemble(_) => "ensemble",
            Statement::Evaluate(_) => "evaluate",
            Statement::Compress(_) => "compress",
            Statement::Deploy(_) => "deploy",
        }
    }

    /// The name the statement binds (`evaluate` and `deploy` bind none).
    pub fn binding(&self) -> Option<&Ident> {
        match self {
            Statement::Data(s) => Some(&s.name),
            Statement::Features(s) => Some(&s.name),
            Statement::Model(s) => Some(&s.name),
            Statement::Search(s) => Some(&s.name),
            Statement::Ensemble(s) => Some(&s.name),
            Statement::Compress(s) => Some(&s.name),
            Statement::Evaluate(_) | Statement::Deploy(_) => None,
        }
    }
}

/// A whole `.mlg` file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Program {
    pub statements: Vec<Statement>,
}
