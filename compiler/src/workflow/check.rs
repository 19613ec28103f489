//! The checker: turns a parsed program into a workflow graph of checked stages,
//! resolving operators in the catalog, type-checking parameters and inferring
//! column schemas from the data files' headers and values.

use super::args::{bind, describe};
use super::budget::{output_width, Limits};
use super::catalog::{Catalog, ColumnKind, OpKind, OpSpec, Schema, SchemaRule, SchemaSource, Task};
use super::check_budget::is_budget;
use super::columns::{apply_rule, looks_like_selector, parse_selector, select};
use super::graph::Graph;
use super::resolve::{references, resolve};
use super::stage::*;
use mlg_dsl::ast::*;
use mlg_dsl::diagnostic::did_you_mean;
use mlg_dsl::Diagnostic;
use std::collections::HashMap;
use std::path::Path;

/// A checked workflow: its graph of stages, in dependency order.
#[derive(Clone, Debug)]
pub struct Workflow {
    /// The checked stages and the dependencies between them.
    pub graph: Graph,
}

/// Checks `program`, reading data schemas through `schemas`; relative paths are
/// resolved against `base_dir` (the `.mlg` file's folder). Returns every error
/// found. Sizes are checked against the default [`Limits`].
pub fn check(
    program: &Program,
    catalog: &dyn Catalog,
    schemas: &dyn SchemaSource,
    base_dir: &Path,
) -> Result<Workflow, Vec<Diagnostic>> {
    check_with(program, catalog, schemas, base_dir, Limits::default())
}

/// [`check`] with explicit size `limits` (`--max-memory`). Once every
/// statement checks, the catalog's analyzer rules ([`Catalog::analyze`]) run
/// on the workflow; their diagnostics, if any, are the errors returned.
pub fn check_with(
    program: &Program,
    catalog: &dyn Catalog,
    schemas: &dyn SchemaSource,
    base_dir: &Path,
    limits: Limits,
) -> Result<Workflow, Vec<Diagnostic>> {
    let order = resolve(program)?;
    let mut checker = Checker {
        catalog,
        schemas,
        base_dir,
        limits,
        stages: HashMap::new(),
        errors: Vec::new(),
    };
    // Each checked stage with the stages it reads.
    let mut checked: Vec<(Stage, Vec<String>)> = Vec::new();
    let (mut evaluations, mut deploys) = (0, 0);
    for i in order {
        let stmt = &program.statements[i];
        if references(stmt)
            .iter()
            .any(|r| !checker.stages.contains_key(&r.name))
        {
            // An input failed to check (its error is reported); only what
            // does not read it is checked.
            let mut errs = checker.independent(stmt);
            checker.errors.append(&mut errs);
            continue;
        }
        let name = match (stmt.binding(), stmt) {
            (Some(b), _) => b.name.clone(),
            (None, Statement::Evaluate(_)) => {
                evaluations += 1;
                format!("evaluate#{evaluations}")
            }
            (None, _) => {
                deploys += 1;
                format!("deploy#{deploys}")
            }
        };
        let result = match stmt {
            Statement::Compress(s) if is_budget(s) => checker.compress_budget(s),
            _ => checker
                .statement(stmt)
                .map(|(kind, schema)| (Vec::new(), kind, schema)),
        };
        match result {
            Ok((added, kind, schema)) => {
                let mut reads: Vec<String> = references(stmt).into_iter().map(|r| r.name.clone()).collect();
                for stage in added {
                    reads.push(stage.name.clone());
                    checker.stages.insert(stage.name.clone(), stage.clone());
                    checked.push((
                        stage,
                        references(stmt).into_iter().map(|r| r.name.clone()).collect(),
                    ));
                }
                let stage = Stage {
                    name: name.clone(),
                    kind,
                    span: stmt.span(),
                    schema,
                };
                checker.stages.insert(name, stage.clone());
                checked.push((stage, reads));
            }
            Err(mut errs) => checker.errors.append(&mut errs),
        }
    }
    if !checker.errors.is_empty() {
        checker.errors.sort_by_key(|d| d.span().map(|s| s.start));
        return Err(checker.errors);
    }
    let mut graph = Graph::new();
    let mut ids = HashMap::new();
    for (stage, reads) in checked {
        let name = stage.name.clone();
        let id = graph.add_stage(stage);
        for r in reads {
            if let Some(&from) = ids.get(&r) {
                graph.add_edge(from, id);
            }
        }
        ids.insert(name, id);
    }
    graph
        .sort()
        .map_err(|_| vec![Diagnostic::bare("mlg::internal", "checked graph has a cycle")])?;
    let workflow = Workflow { graph };
    let rejected = catalog.analyze(&workflow);
    if !rejected.is_empty() {
        return Err(rejected);
    }
    Ok(workflow)
}

pub(super) type Checked = Result<(StageKind, Schema), Vec<Diagnostic>>;

pub(super) struct Checker<'a> {
    pub(super) catalog: &'a dyn Catalog,
    pub(super) schemas: &'a dyn SchemaSource,
    pub(super) base_dir: &'a Path,
    pub(super) limits: Limits,
    pub(super) stages: HashMap<String, Stage>,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn statement(&self, stmt: &Statement) -> Checked {
        match stmt {
            Statement::Data(s) => self.data(s),
            Statement::Features(s) => self.features(s),
            Statement::Model(s) => self.model(s),
            Statement::Evaluate(s) => self.evaluate(s),
            Statement::Deploy(s) => self.deploy(s),
            Statement::Search(s) => self.search(s),
            Statement::Ensemble(s) => self.ensemble(s),
            Statement::Compress(s) => self.compress(s),
        }
    }

    /// Looks `name` up as an operator of `expected` kind.
    pub(super) fn op(&self, name: &Ident, expected: OpKind) -> Result<&OpSpec, Diagnostic> {
        let what = expected.describe();
        let known = self.catalog.names_of(&expected);
        let listing = if known.is_empty() {
            format!("this build of mlg has no {what} operators yet")
        } else {
            format!("known {what}s: {}", known.join(", "))
        };
        match self.catalog.get(&name.name) {
            Some(spec) if spec.kind.same_kind(&expected) => Ok(spec),
            Some(spec) => Err(Diagnostic::new(
                "mlg::wrong_kind",
                format!("`{}` is a {}, not a {what}", name.name, spec.kind.describe()),
                name.span,
                format!("expected a {what}"),
            )
            .with_help(listing)),
            None => {
                let help = match did_you_mean(&name.name, known.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`? {listing}"),
                    None => listing,
                };
                Err(Diagnostic::new(
                    "mlg::unknown_operator",
                    format!("unknown {what} `{}`", name.name),
                    name.span,
                    "not in the operator catalog",
                )
                .with_help(help))
            }
        }
    }

    /// The help line for a path that cannot be read.
    pub(super) fn path_help(&self) -> String {
        let dir = self.base_dir.display().to_string();
        let dir = if dir.is_empty() {
            "the current folder".to_string()
        } else {
            dir
        };
        format!("paths are relative to the folder of the .mlg file ({dir})")
    }

    pub(super) fn stage(&self, name: &str) -> &Stage {
        &self.stages[name]
    }

    /// The stage `r` names, which must be data or features.
    fn table_input(&self, r: &Ident, user: &str) -> Result<&Stage, Diagnostic> {
        let stage = self.stage(&r.name);
        match stage.kind {
            StageKind::Data(_) | StageKind::Features(_) => Ok(stage),
            _ => Err(Diagnostic::new(
                "mlg::wrong_input",
                format!(
                    "{user} takes `data` or `features`, but `{}` is a `{}` stage",
                    r.name,
                    stage.kind.keyword()
                ),
                r.span,
                format!("a {}", stage.kind.keyword()),
            )),
        }
    }

    /// The data stage at the root of `stage`'s features chain.
    pub(super) fn root_data<'s>(&'s self, mut stage: &'s Stage) -> Option<(&'s Stage, &'s DataStage)> {
        loop {
            match &stage.kind {
                StageKind::Data(d) => return Some((stage, d)),
                StageKind::Features(f) => stage = self.stages.get(&f.input)?,
                StageKind::Model(m) => stage = self.stages.get(&m.input)?,
                StageKind::Select(s) => stage = self.stages.get(s.candidates.first()?)?,
                StageKind::Search(s) => stage = self.stages.get(&s.base)?,
                StageKind::Ensemble(e) => stage = self.stages.get(e.members.first()?)?,
                _ => return None,
            }
        }
    }

    fn features(&self, s: &FeaturesStmt) -> Checked {
        let input = self
            .table_input(&s.input, &format!("features `{}`", s.name.name))
            .map_err(|d| vec![d])?;
        let mut schema = input.schema.clone();
        let mut steps = Vec::new();
        for call in &s.steps {
            let spec = self
                .op(
                    &call.name,
                    OpKind::Transform {
                        default_selector: super::catalog::DefaultSelector::All,
                        rule: super::catalog::SchemaRule::OneHot,
                    },
                )
                .map_err(|d| vec![d])?;
            if spec.name == super::derive::OP {
                let (step, next) = super::derive::check(call, &schema)?;
                steps.push(step);
                schema = next;
                continue;
            }
            let OpKind::Transform {
                default_selector,
                rule,
            } = spec.kind
            else {
                return Err(vec![Diagnostic::bare(
                    "mlg::internal",
                    "transform without a schema rule",
                )]);
            };
            let (selector, rest, selector_span) = match call.args.first() {
                Some(a) if a.name.is_none() && looks_like_selector(&a.value) => (
                    parse_selector(&a.value, &schema).map_err(|d| vec![d])?,
                    &call.args[1..],
                    a.span,
                ),
                _ => (
                    match default_selector {
                        super::catalog::DefaultSelector::All => Selector::All,
                        super::catalog::DefaultSelector::Numeric => Selector::Numeric,
                        super::catalog::DefaultSelector::Categorical => Selector::Categorical,
                        super::catalog::DefaultSelector::Dates => Selector::Dates,
                    },
                    &call.args[..],
                    call.span,
                ),
            };
            let params = bind(self.catalog, spec, call, rest)?;
            let selected: Vec<String> = select(&selector, &schema)
                .into_iter()
                .map(|c| c.name.clone())
                .collect();
            if selected.is_empty() {
                let columns: Vec<String> = schema
                    .columns
                    .iter()
                    .map(|c| format!("{}:{}", c.name, c.kind))
                    .collect();
                return Err(vec![Diagnostic::new(
                    "mlg::empty_selection",
                    format!(
                        "`{}` selects no column: `{selector}` matches nothing here",
                        spec.name
                    ),
                    selector_span,
                    "matches no column",
                )
                .with_help(format!("columns at this step: {}", columns.join(", ")))]);
            }
            let step = OpUse {
                op: spec.name.to_string(),
                params,
                span: call.span,
            };
            self.components_fit(rule, &step, selected.len(), input)
                .and_then(|()| {
                    let width = output_width(rule, &schema, &selected, &step.params);
                    self.width_budget(&s.name.name, &step, &schema, width)
                })
                .map_err(|d| vec![d])?;
            schema = apply_rule(rule, &schema, &selected, &step.params).map_err(|(column, kind)| {
                let (wanted, selector) = match (rule, kind) {
                    (SchemaRule::DateParts, _) => ("date", "dates"),
                    (_, ColumnKind::Numeric) => ("categorical", "categorical"),
                    _ => ("numeric", "numeric"),
                };
                vec![Diagnostic::new(
                    "mlg::column_type",
                    format!(
                        "`{}` needs {wanted} columns, but `{column}` is {}",
                        spec.name,
                        kind_word(kind)
                    ),
                    selector_span,
                    format!("selects `{column}`"),
                )
                .with_help(format!(
                    "select only {wanted} columns, e.g. {}({selector})",
                    spec.name
                ))]
            })?;
            steps.push(Step { op: step, selector });
        }
        Ok((
            StageKind::Features(FeaturesStage {
                input: s.input.name.clone(),
                steps,
            }),
            schema,
        ))
    }

    /// Checks a `model` statement (or the student call of a `distill` step).
    pub(super) fn model(&self, s: &ModelStmt) -> Checked {
        if s.call.name.name == super::check_select::SELECT {
            return self.select(s);
        }
        let spec = self
            .op(
                &s.call.name,
                OpKind::Model {
                    task: Task::Regression,
                },
            )
            .map_err(|d| vec![d])?;
        let OpKind::Model { task } = spec.kind else {
            return Err(vec![Diagnostic::bare("mlg::internal", "model without a task")]);
        };
        let input_ident = match super::args::leading_name(&s.call) {
            Ok(ident) => ident,
            Err(other) => {
                let span = other.map_or(s.call.span, |a| a.span);
                return Err(vec![Diagnostic::new(
                    "mlg::model_input",
                    format!(
                        "model `{}` needs its input features as the first argument",
                        s.name.name
                    ),
                    span,
                    match other {
                        Some(a) => format!("found {}", describe(&a.value)),
                        None => "no input given".to_string(),
                    },
                )
                .with_help(format!(
                    "e.g. {}(prep, ...) where `prep` is a data or features stage",
                    spec.name
                ))]);
            }
        };
        let input = self
            .table_input(&input_ident, &format!("model `{}`", s.name.name))
            .map_err(|d| vec![d])?;
        let (args, distribute) = super::args::take_distribute(&s.call.args[1..])?;
        let args = super::checkpoint_arg::take_checkpoint(spec, &args)?;
        let mut params = bind(self.catalog, spec, &s.call, &args)?;
        if let Some(choice) = distribute {
            params.insert(super::args::DISTRIBUTE.to_string(), choice);
        }
        let mut errors = Vec::new();
        let quoted = |cols: &[&super::catalog::ColumnInfo], counts: bool| -> String {
            let names: Vec<String> = cols
                .iter()
                .map(|c| {
                    if counts {
                        format!("`{}` ({})", c.name, c.missing)
                    } else {
                        format!("`{}`", c.name)
                    }
                })
                .collect();
            names.join(", ")
        };
        let categorical: Vec<_> = input
            .schema
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Categorical)
            .collect();
        let dates: Vec<_> = input
            .schema
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Date)
            .collect();
        if let Some(first) = dates.first() {
            errors.push(
                Diagnostic::new(
                    "mlg::column_type",
                    format!(
                        "model `{}` needs numeric features, but {} {}",
                        s.name.name,
                        are(&quoted(&dates, false), dates.len()),
                        if dates.len() == 1 { "a date" } else { "dates" }
                    ),
                    input_ident.span,
                    "date columns reach the model as they are",
                )
                .with_help(format!(
                    "turn each into numbers first, e.g. `-> derive({0}_year = \"year({0})\", \
                     {0}_weekday = \"weekday({0})\") -> drop(cols(\"{0}\"))`, or drop it",
                    first.name
                )),
            );
        }
        let limit = self.catalog.category_limit(spec.name, &params);
        if let Some(limit) = limit {
            for column in categorical.iter().filter(|c| c.levels.len() > limit) {
                errors.push(
                    Diagnostic::new(
                        "mlg::too_many_levels",
                        format!(
                            "model `{}` splits categorical columns on their levels, at most {limit}, but `{}` has {}",
                            s.name.name,
                            column.name,
                            column.levels.len()
                        ),
                        input_ident.span,
                        "too many categories for the model's bins",
                    )
                    .with_help(format!(
                        "encode it before the model with `-> target_encode(cols(\"{}\"))`, or drop it",
                        column.name
                    )),
                );
            }
        }
        if !categorical.is_empty() && limit.is_none() {
            errors.push(
                Diagnostic::new(
                    "mlg::column_type",
                    format!(
                        "model `{}` needs numeric features, but {} categorical",
                        s.name.name,
                        are(&quoted(&categorical, false), categorical.len())
                    ),
                    input_ident.span,
                    "categorical columns reach the model unencoded",
                )
                .with_help(format!(
                    "add `-> one_hot(categorical)` to the features of `{}`, or use gradient boosting, \
                     which splits on categories natively",
                    input_ident.name
                )),
            );
        }
        let missing: Vec<_> = input
            .schema
            .columns
            .iter()
            .filter(|c| c.kind == ColumnKind::Numeric && c.missing > 0)
            .collect();
        if !missing.is_empty() && !self.catalog.takes_missing(spec.name) {
            errors.push(
                Diagnostic::new(
                    "mlg::missing_values",
                    format!(
                        "model `{}` cannot take missing values, but these columns have some: {}",
                        s.name.name,
                        quoted(&missing, true)
                    ),
                    input_ident.span,
                    "columns with missing values reach the model",
                )
                .with_help(format!(
                    "add `-> impute(numeric)` to the features of `{}`, or use gradient boosting, which \
                     learns where missing values go",
                    input_ident.name
                )),
            );
        }
        if let Some((root, data)) = self.root_data(input) {
            match &data.target {
                None => errors.push(
                    Diagnostic::new(
                        "mlg::no_target",
                        format!(
                            "model `{}` needs a target, but `{}` declares none",
                            s.name.name, root.name
                        ),
                        input_ident.span,
                        "nothing to learn",
                    )
                    .with_help(format!("add `target = \"column\"` to `data {}`", root.name)),
                ),
                Some(target) => {
                    let target_kind = data.schema.get(target).map(|c| c.kind);
                    if task == Task::Regression && target_kind == Some(ColumnKind::Categorical) {
                        errors.push(
                            Diagnostic::new(
                                "mlg::target_type",
                                format!(
                                    "`{}` is a regression model, but the target `{target}` is categorical",
                                    spec.name
                                ),
                                s.call.name.span,
                                "needs a numeric target",
                            )
                            .with_help("use a classifier such as logistic_regression"),
                        );
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let op = OpUse {
            op: spec.name.to_string(),
            params,
            span: s.call.span,
        };
        self.model_budget(&s.name.name, &op, s.call.span, input)
            .map_err(|d| vec![d])?;
        let schema = input.schema.clone();
        Ok((
            StageKind::Model(ModelStage {
                input: input_ident.name,
                op,
                task,
                compress: Vec::new(),
                compressed_from: None,
                distill: None,
            }),
            schema,
        ))
    }
}

/// "`a` is" or "`a`, `b` are".
fn are(names: &str, n: usize) -> String {
    if n == 1 {
        format!("{names} is")
    } else {
        format!("{names} are")
    }
}

fn kind_word(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Numeric => "numeric",
        ColumnKind::Categorical => "categorical",
        ColumnKind::Date => "date",
    }
}
