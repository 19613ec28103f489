//! LightGBM text models (`Booster.save_model("m.txt")`, format `v3`/`v4`)
//! read into an [`Ensemble`].
//!
//! The header gives `num_class`, `num_tree_per_iteration`, `max_feature_idx`,
//! `feature_names`, the `objective` line and the `average_output` flag (random
//! forest mode); each `Tree=N` block gives its internal nodes (`split_feature`,
//! `threshold`, `decision_type`, `left_child`, `right_child`, a negative child
//! `~j` naming leaf `j`) and its `leaf_value`s, with `cat_boundaries` and
//! `cat_threshold` bitsets for categorical splits. The rules are LightGBM's
//! own (`Tree::NumericalDecision` and `Tree::CategoricalDecision` in
//! `include/LightGBM/tree.h`):
//!
//! - `decision_type` bit 0: categorical; bit 1: a missing value goes left;
//!   bits 2-3: missing type 0 (none: NaN is compared as 0), 1 (zero: 0 and
//!   NaN take the default direction) or 2 (NaN: NaN takes it).
//! - A numerical split sends `x <= threshold` left ([`Test::LessOrEqual`]).
//! - A categorical split sends `x` left when `static_cast<int>(x)` is in its
//!   bitset; negative values and NaN go right ([`Test::InSet`]).
//! - Tree `t` adds to raw output `t % num_tree_per_iteration`; with
//!   `average_output` the sum is divided by the number of iterations.
//! - Objectives: `binary` (sigmoid of `sigmoid:s` times the raw score),
//!   `multiclass`/`softmax`, the regression objectives (`regression`, `l1`,
//!   `huber`, `fair`, `quantile`, `mape`, and the ranking ones, as raw
//!   scores), and `poisson`, `gamma`, `tweedie` (exp of the raw score).
//!
//! Refused, by name: linear trees (`is_linear=1`), `multiclassova`,
//! `cross_entropy`, `regression sqrt`, custom objectives, and
//! missing type "zero" where it would send 0 against its threshold (mlg's
//! split has one rule for NaN, none for zero). Every index is checked, and
//! every tree must be a tree (each node reached once from the root).

use crate::ensemble::{Ensemble, Link, Node, Test, Tree};
use crate::error::{malformed, unsupported, ImportError};
use std::collections::HashMap;

const FORMAT: &str = "LightGBM";

/// Reads a LightGBM text model.
pub fn parse(text: &str) -> Result<Ensemble, ImportError> {
    let mut lines = text.lines().enumerate().peekable();
    let mut header: HashMap<&str, &str> = HashMap::new();
    let mut flags: Vec<&str> = Vec::new();
    match lines.next() {
        Some((_, "tree")) => {}
        _ => {
            return Err(malformed(
                FORMAT,
                "line 1",
                "a LightGBM model starts with the line `tree`",
            ))
        }
    }
    while let Some(&(_, line)) = lines.peek() {
        if line.starts_with("Tree=") || line == "end of trees" {
            break;
        }
        lines.next();
        match line.split_once('=') {
            Some((k, v)) => {
                header.insert(k, v);
            }
            None if !line.is_empty() => flags.push(line),
            None => {}
        }
    }
    let get = |key: &str| {
        header
            .get(key)
            .copied()
            .ok_or_else(|| malformed(FORMAT, "header", format!("no `{key}=` line")))
    };
    let int = |key: &str| -> Result<usize, ImportError> {
        get(key)?
            .trim()
            .parse::<usize>()
            .map_err(|_| malformed(FORMAT, "header", format!("`{key}` is not a count")))
    };
    let n_features = int("max_feature_idx")? + 1;
    let per_iteration = int("num_tree_per_iteration")?;
    let num_class = int("num_class")?;
    if per_iteration == 0 || per_iteration > 100_000 || num_class == 0 || n_features > 10_000_000 {
        return Err(malformed(
            FORMAT,
            "header",
            "num_class, num_tree_per_iteration or max_feature_idx is out of range",
        ));
    }
    let features: Vec<String> = get("feature_names")?.split(' ').map(str::to_string).collect();
    if features.len() != n_features {
        return Err(malformed(
            FORMAT,
            "header",
            format!(
                "{} feature names for max_feature_idx={}",
                features.len(),
                n_features - 1
            ),
        ));
    }
    let (link, n_outputs, scale) = objective(get("objective")?, num_class, per_iteration)?;
    let mut trees = Vec::new();
    let mut ended = false;
    while let Some((number, line)) = lines.next() {
        if line == "end of trees" {
            ended = true;
            break;
        }
        let Some(name) = line.strip_prefix("Tree=") else {
            if line.is_empty() {
                continue;
            }
            return Err(malformed(
                FORMAT,
                format!("line {}", number + 1),
                "expected `Tree=N` or `end of trees`",
            ));
        };
        let mut fields: HashMap<&str, &str> = HashMap::new();
        while let Some(&(_, l)) = lines.peek() {
            if l.starts_with("Tree=") || l == "end of trees" {
                break;
            }
            lines.next();
            if let Some((k, v)) = l.split_once('=') {
                fields.insert(k, v);
            }
        }
        let t = trees.len();
        trees.push(tree(&fields, name, t % per_iteration, n_features)?);
    }
    if trees.is_empty() {
        return Err(malformed(FORMAT, "trees", "the model has no trees"));
    }
    if !ended {
        return Err(malformed(
            FORMAT,
            format!("tree {}", trees.len() - 1),
            "the file ends before `end of trees` (truncated?)",
        ));
    }
    if trees.len() % per_iteration != 0 {
        return Err(malformed(
            FORMAT,
            "trees",
            format!(
                "{} trees is not a whole number of iterations of {per_iteration}",
                trees.len()
            ),
        ));
    }
    let iterations = (trees.len() / per_iteration) as f64;
    let leaf_scale = if flags.contains(&"average_output") {
        scale / iterations
    } else {
        scale
    };
    Ok(Ensemble {
        source: FORMAT,
        features,
        n_outputs,
        base: vec![0.0; n_outputs],
        leaf_scale,
        trees,
        link,
    })
}

/// The link, raw output width and leaf scale of the `objective=` line.
fn objective(line: &str, num_class: usize, per_iteration: usize) -> Result<(Link, usize, f64), ImportError> {
    let mut words = line.split(' ');
    let name = words.next().unwrap_or_default();
    let params: HashMap<&str, &str> = words.filter_map(|w| w.split_once(':')).collect();
    let single = |link: Link| {
        if per_iteration == 1 {
            Ok((link, 1, 1.0))
        } else {
            Err(malformed(
                FORMAT,
                "header",
                format!("objective `{name}` with {per_iteration} trees per iteration"),
            ))
        }
    };
    match name {
        "binary" => {
            let sigmoid = params.get("sigmoid").map_or(Ok(1.0), |s| {
                s.parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| {
                        malformed(
                            FORMAT,
                            "objective",
                            format!("sigmoid:{s} is not a positive number"),
                        )
                    })
            })?;
            single(Link::Sigmoid).map(|(l, w, _)| (l, w, sigmoid))
        }
        "multiclass" | "softmax" if num_class >= 2 && per_iteration == num_class => {
            Ok((Link::Softmax, num_class, 1.0))
        }
        "multiclass" | "softmax" => Err(malformed(
            FORMAT,
            "header",
            format!("a multiclass model of {num_class} classes with {per_iteration} trees per iteration"),
        )),
        "regression"
        | "regression_l2"
        | "l2"
        | "mean_squared_error"
        | "mse"
        | "l2_root"
        | "root_mean_squared_error"
        | "rmse"
        | "regression_l1"
        | "l1"
        | "mean_absolute_error"
        | "mae"
        | "huber"
        | "fair"
        | "quantile"
        | "mape"
        | "mean_absolute_percentage_error"
        | "lambdarank"
        | "rank_xendcg" => {
            if line.split(' ').any(|w| w == "sqrt") {
                return Err(unsupported(FORMAT, "objective `regression sqrt` (reg_sqrt)"));
            }
            single(Link::Identity)
        }
        "poisson" | "gamma" | "tweedie" => single(Link::Exp),
        other => Err(unsupported(FORMAT, format!("objective `{other}`"))),
    }
}

/// A whitespace-separated field of tree `name` parsed as `T`; `n` values
/// expected (`None`: any number).
fn field<T: std::str::FromStr>(
    fields: &HashMap<&str, &str>,
    name: &str,
    key: &str,
    n: Option<usize>,
) -> Result<Vec<T>, ImportError> {
    let at = || format!("tree {name}, field `{key}`");
    let text = fields
        .get(key)
        .ok_or_else(|| malformed(FORMAT, at(), "missing"))?;
    let values: Vec<T> = text
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.parse::<T>()
                .map_err(|_| malformed(FORMAT, at(), format!("`{w}` is not a number")))
        })
        .collect::<Result<_, _>>()?;
    match n {
        Some(n) if values.len() != n => Err(malformed(
            FORMAT,
            at(),
            format!("{} values where {n} are needed", values.len()),
        )),
        _ => Ok(values),
    }
}

/// Tree `name` (adding to output `output`) from its fields.
fn tree(
    fields: &HashMap<&str, &str>,
    name: &str,
    output: usize,
    n_features: usize,
) -> Result<Tree, ImportError> {
    let at = |what: &str| format!("tree {name}, {what}");
    if fields.get("is_linear").is_some_and(|v| v.trim() != "0") {
        return Err(unsupported(
            FORMAT,
            format!("linear trees (`is_linear=1` in tree {name})"),
        ));
    }
    let leaves: usize = field::<usize>(fields, name, "num_leaves", Some(1))?[0];
    if leaves == 0 || leaves > 1 << 24 {
        return Err(malformed(FORMAT, at("num_leaves"), "out of range"));
    }
    let values: Vec<f64> = field(fields, name, "leaf_value", Some(leaves))?;
    if leaves == 1 {
        return Ok(Tree {
            output,
            nodes: vec![Node::Leaf(values[0])],
        });
    }
    let inner = leaves - 1;
    let feature: Vec<usize> = field(fields, name, "split_feature", Some(inner))?;
    let threshold: Vec<f64> = field(fields, name, "threshold", Some(inner))?;
    let decision: Vec<u8> = field(fields, name, "decision_type", Some(inner))?;
    let left: Vec<i64> = field(fields, name, "left_child", Some(inner))?;
    let right: Vec<i64> = field(fields, name, "right_child", Some(inner))?;
    let categorical = decision.iter().any(|d| d & 1 == 1);
    let (bounds, bits): (Vec<usize>, Vec<u32>) = if categorical {
        (
            field(fields, name, "cat_boundaries", None)?,
            field(fields, name, "cat_threshold", None)?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    // Internal node i is node i; leaf j is node inner + j.
    let child = |c: i64, i: usize| -> Result<usize, ImportError> {
        let index = if c >= 0 { c as usize } else { inner + (!c) as usize };
        if (c >= 0 && index >= inner) || index >= inner + leaves {
            return Err(malformed(
                FORMAT,
                at(&format!("node {i}")),
                format!("child {c} is out of range"),
            ));
        }
        Ok(index)
    };
    let mut nodes = Vec::with_capacity(inner + leaves);
    for i in 0..inner {
        if feature[i] >= n_features {
            return Err(malformed(
                FORMAT,
                at(&format!("node {i}")),
                format!("feature {} is out of range", feature[i]),
            ));
        }
        let default_left = decision[i] & 2 != 0;
        let missing = (decision[i] >> 2) & 3;
        let test = if decision[i] & 1 == 1 {
            let c = threshold[i];
            let k = c as usize;
            let (Some(&lo), Some(&hi)) = (bounds.get(k), bounds.get(k + 1)) else {
                return Err(malformed(
                    FORMAT,
                    at(&format!("node {i}")),
                    "categorical split beyond cat_boundaries",
                ));
            };
            if c.fract() != 0.0 || c < 0.0 || lo > hi || hi > bits.len() || hi - lo > 1 << 20 {
                return Err(malformed(
                    FORMAT,
                    at(&format!("node {i}")),
                    "categorical split beyond cat_threshold",
                ));
            }
            let words = &bits[lo..hi];
            let set: Vec<u32> = (0..words.len() as u32 * 32)
                .filter(|&c| words[(c / 32) as usize] >> (c % 32) & 1 == 1)
                .collect();
            Test::InSet(set)
        } else {
            let t = threshold[i];
            if t.is_nan() {
                return Err(malformed(
                    FORMAT,
                    at(&format!("node {i}")),
                    "the threshold is NaN",
                ));
            }
            if missing == 1 && (default_left != (0.0 <= t) || t.abs() <= 1e-35) {
                return Err(unsupported(
                    FORMAT,
                    format!("zero_as_missing sending 0 against its threshold (tree {name}, node {i})"),
                ));
            }
            Test::LessOrEqual(t)
        };
        let missing_left = match missing {
            0 => 0.0 <= threshold[i],
            1 | 2 => default_left,
            _ => {
                return Err(malformed(
                    FORMAT,
                    at(&format!("node {i}")),
                    "unknown missing type 3",
                ))
            }
        };
        nodes.push(Node::Split {
            feature: feature[i],
            test,
            missing_left,
            left: child(left[i], i)?,
            right: child(right[i], i)?,
        });
    }
    nodes.extend(values.into_iter().map(Node::Leaf));
    crate::lower::check_tree(&nodes).map_err(|m| malformed(FORMAT, format!("tree {name}"), m))?;
    Ok(Tree { output, nodes })
}
