//! The abstract syntax tree of a `.mlg` file. Every node carries the byte span it
//! was parsed from, so later stages can point diagnostics at it.

use crate::span::Span;
use serde::Serialize;

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ident {
    /// The name without surrounding backticks.
    pub name: String,
    /// Where the name was written.
    pub span: Span,
}

/// A literal or call in argument position.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// The source text of the whole expression (a call's or list's brackets included).
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
    /// The `k` of `k = v`; `None` for a positional argument.
    pub name: Option<Ident>,
    /// The argument's value.
    pub value: Expr,
    /// The whole argument, name included.
    pub span: Span,
}

/// `name(arg, k = v, ...)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Call {
    /// The callee: an operator, selector, source or strategy name.
    pub name: Ident,
    /// The arguments in source order, positional and named mixed as written.
    pub args: Vec<Arg>,
    /// From the name through the closing parenthesis.
    pub span: Span,
}

/// `key = value` inside a `{ ... }` block (search spaces, deploy options) or a
/// map value ([`ExprKind::Map`]).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Setting {
    /// The setting's name; a dotted path (`prep.select_k_best.k`) is one
    /// name with the dots in it.
    pub name: Ident,
    /// The value on the right of `=`.
    pub value: Expr,
    /// The whole `key = value`.
    pub span: Span,
}

/// A string literal with its span (paths).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StrLit {
    /// The string with its quotes removed and escapes resolved.
    pub value: String,
    /// The literal, quotes included.
    pub span: Span,
}

/// `data NAME = source(args)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataStmt {
    /// The name the data set is bound to.
    pub name: Ident,
    /// The source call, e.g. `csv("iris.csv", target = "species")`.
    pub source: Call,
    /// The whole statement.
    pub span: Span,
}

/// `features NAME = INPUT -> step(args) -> ...` (at least one step).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeaturesStmt {
    /// The name the feature pipeline is bound to.
    pub name: Ident,
    /// The data set or feature pipeline the steps start from.
    pub input: Ident,
    /// The steps in the order they apply; never empty.
    pub steps: Vec<Call>,
    /// The whole statement.
    pub span: Span,
}

/// `model NAME = op(INPUT, k = v, ...)`; the input is the call's first positional argument.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelStmt {
    /// The name the model is bound to.
    pub name: Ident,
    /// The model operator call; its first positional argument names the input.
    pub call: Call,
    /// The whole statement.
    pub span: Span,
}

/// `search NAME = strategy(MODEL, k = v, ...) { param = space ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchStmt {
    /// The name the search result (its best model) is bound to.
    pub name: Ident,
    /// The strategy call; its first positional argument names the model searched.
    pub call: Call,
    /// The `{ ... }` block: one search space per parameter, in source order.
    pub space: Vec<Setting>,
    /// The whole statement, block included.
    pub span: Span,
}

/// `ensemble NAME = combiner(MEMBER, ..., k = v)`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnsembleStmt {
    /// The name the ensemble is bound to.
    pub name: Ident,
    /// The combiner call; its positional arguments are the members.
    pub call: Call,
    /// The whole statement.
    pub span: Span,
}

/// `evaluate A, B [with method(args)] [metrics m1, m2]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvaluateStmt {
    /// The models evaluated, at least one, in source order.
    pub targets: Vec<Ident>,
    /// The `with` clause; `None` leaves the method to the checker's default.
    pub method: Option<Call>,
    /// The `metrics` clause; empty when it was left out.
    pub metrics: Vec<Ident>,
    /// The whole statement.
    pub span: Span,
}

/// `compress NAME = INPUT -> step(args) -> ...` (at least one step).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompressStmt {
    /// The name the compressed model is bound to.
    pub name: Ident,
    /// The model compressed.
    pub input: Ident,
    /// The compression passes in the order they apply; never empty.
    pub steps: Vec<Call>,
    /// The whole statement.
    pub span: Span,
}

/// `deploy NAME to "path" [{ key = value ... }]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeployStmt {
    /// The model deployed.
    pub target: Ident,
    /// Where the artifact is written.
    pub path: StrLit,
    /// The `{ ... }` options in source order; empty when there is no block.
    pub options: Vec<Setting>,
    /// The whole statement.
    pub span: Span,
}

/// One top-level statement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Statement {
    /// `data NAME = ...`.
    Data(DataStmt),
    /// `features NAME = ...`.
    Features(FeaturesStmt),
    /// `model NAME = ...`.
    Model(ModelStmt),
    /// `search NAME = ...`.
    Search(SearchStmt),
    /// `ensemble NAME = ...`.
    Ensemble(EnsembleStmt),
    /// `evaluate ...`.
    Evaluate(EvaluateStmt),
    /// `compress NAME = ...`.
    Compress(CompressStmt),
    /// `deploy NAME to ...`.
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
    /// The statements in source order.
    pub statements: Vec<Statement>,
}
