//! XGBoost JSON models, as `Booster.save_model("m.json")` writes them
//! (XGBoost 2.x and 3.x; checked against files XGBoost 3.2 wrote), read into
//! an [`Ensemble`].
//!
//! What is read:
//! - `learner.gradient_booster`: only the `gbtree` booster; its `model.trees`
//!   are summed in file order, tree `i` adding to raw output `tree_info[i]`
//!   (the class, for multiclass models). `num_parallel_tree` forests need
//!   nothing more: their trees are summed like the others.
//! - Each tree's `left_children` / `right_children` (-1 on a leaf),
//!   `split_indices`, `split_conditions` and `default_left`. A split sends
//!   `x < split_condition` left ([`Test::Less`]) and NaN left when
//!   `default_left` is 1. A leaf's value is its `split_conditions` entry, which
//!   XGBoost's predictor uses, not `base_weights` (the weight before the
//!   learning rate). Thresholds and leaves are XGBoost's `f32` values, so with
//!   `f32` inputs `x < t` decides exactly as XGBoost does; only the sums are
//!   done in `f64` here where XGBoost adds in `f32`.
//! - Trees are rebuilt from the root down (breadth first; the root stays node
//!   0), which drops the unreachable nodes that pruning leaves in the arrays
//!   (`num_deleted`). A child index outside the tree, a node reached twice (a
//!   cycle, or two parents), a leaf with one child, node arrays of different
//!   lengths, a feature index at or past `num_feature`, or a non-finite
//!   threshold or leaf is `Malformed`, naming the tree and field.
//! - `learner.feature_names`, or `f0, f1, ...` (`num_feature` of them) when
//!   the model has none.
//! - `learner.learner_model_param.base_score`: `"5E-1"`, `"[5E-1]"` or, for
//!   multiclass models in XGBoost 3, one value per class `"[a,b,c]"`. It is
//!   stored in the output space (XGBoost applies its objective's
//!   `ProbToMargin` when it loads the model), so it is turned into the margin
//!   here: the logit for `binary:logistic`, the log for `count:poisson`,
//!   `reg:gamma` and `reg:tweedie`, as is for the others. Multiclass
//!   objectives convert nothing either: XGBoost 3 writes one intercept per
//!   class that is added to that class's margin as is, and a single value is
//!   added to every class.
//!
//! Objectives and their links: `reg:squarederror` (and the old `reg:linear`),
//! `reg:absoluteerror`, `reg:pseudohubererror`, `reg:squaredlogerror` and
//! `reg:quantileerror` (one quantile) predict the margin as is
//! ([`Link::Identity`]); `binary:logistic` is a binary classifier
//! ([`Link::Sigmoid`]); `multi:softprob` and `multi:softmax` give `num_class`
//! probabilities ([`Link::Softmax`]; where XGBoost's `multi:softmax` predicts
//! the arg max, mlg predicts the probabilities it is taken over);
//! `count:poisson`, `reg:gamma` and `reg:tweedie` predict `exp(margin)`
//! ([`Link::Exp`]).
//!
//! Refused as unsupported, naming what: any other objective (ranking,
//! survival, `binary:hinge`, `binary:logitraw`, and `reg:logistic`, whose one
//! predicted value the ensemble's links cannot express: [`Link::Sigmoid`] is a
//! two-class classifier), the `dart` and `gblinear` boosters, multi-target
//! models (`num_target` above 1) and vector-leaf trees (`size_leaf_vector`
//! above 1), categorical splits (XGBoost sends the listed categories right,
//! and re-codes pandas categories at prediction time: rules that
//! [`Test::InSet`] does not share), and more than 2^16 classes or 2^20
//! features.

use serde_json::Value;

use crate::ensemble::{Ensemble, Link, Node, Test, Tree};
use crate::error::{malformed, unsupported, ImportError};

const FORMAT: &str = "XGBoost";
/// The most classes accepted (a bound against hostile `num_class` values).
const MAX_CLASSES: u64 = 1 << 16;
/// The most features accepted (a bound against hostile `num_feature` values).
const MAX_FEATURES: u64 = 1 << 20;

/// How `base_score` becomes a margin.
#[derive(Clone, Copy)]
enum ToMargin {
    AsIs,
    Logit,
    Log,
}

/// Reads an XGBoost JSON model (see the module doc for what is read and what
/// is refused).
pub fn parse(text: &str) -> Result<Ensemble, ImportError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| {
        malformed(
            FORMAT,
            format!("line {}, column {}", e.line(), e.column()),
            format!("not JSON: {e}"),
        )
    })?;
    let learner = field(&doc, "learner", "the file")?;
    let params = field(learner, "learner_model_param", "learner")?;
    let at_params = "learner.learner_model_param";

    let objective = field(
        field(learner, "objective", "learner")?,
        "name",
        "learner.objective",
    )?;
    let objective = objective
        .as_str()
        .ok_or_else(|| malformed(FORMAT, "learner.objective.name", "not a string"))?;
    let (link, to_margin) = match objective {
        "reg:squarederror"
        | "reg:linear"
        | "reg:absoluteerror"
        | "reg:pseudohubererror"
        | "reg:squaredlogerror"
        | "reg:quantileerror" => (Link::Identity, ToMargin::AsIs),
        "binary:logistic" => (Link::Sigmoid, ToMargin::Logit),
        "multi:softprob" | "multi:softmax" => (Link::Softmax, ToMargin::AsIs),
        "count:poisson" | "reg:gamma" | "reg:tweedie" => (Link::Exp, ToMargin::Log),
        other => return Err(unsupported(FORMAT, format!("objective `{other}`"))),
    };

    let num_target = match params.get("num_target") {
        Some(v) => count(v, &format!("{at_params}.num_target"))?,
        None => 1,
    };
    if num_target > 1 {
        return Err(unsupported(
            FORMAT,
            format!("multi-target models (num_target {num_target})"),
        ));
    }
    let num_class = count(
        field(params, "num_class", at_params)?,
        &format!("{at_params}.num_class"),
    )?;
    let n_outputs = if link == Link::Softmax {
        if num_class < 2 {
            return Err(unsupported(
                FORMAT,
                format!("{objective} with num_class {num_class}"),
            ));
        }
        if num_class > MAX_CLASSES {
            return Err(unsupported(
                FORMAT,
                format!("{num_class} classes (more than {MAX_CLASSES})"),
            ));
        }
        num_class as usize
    } else {
        if num_class > 1 {
            let message = format!("num_class {num_class} with the one-output objective {objective}");
            return Err(malformed(FORMAT, format!("{at_params}.num_class"), message));
        }
        1
    };
    let base = base_score(
        field(params, "base_score", at_params)?,
        to_margin,
        n_outputs,
        objective,
    )?;
    let features = feature_names(learner, params)?;

    let booster = field(learner, "gradient_booster", "learner")?;
    match field(booster, "name", "learner.gradient_booster")?.as_str() {
        Some("gbtree") => {}
        Some(name) => return Err(unsupported(FORMAT, format!("the `{name}` booster"))),
        None => return Err(malformed(FORMAT, "learner.gradient_booster.name", "not a string")),
    }
    let at_model = "learner.gradient_booster.model";
    let model = field(booster, "model", "learner.gradient_booster")?;
    let trees = array(field(model, "trees", at_model)?, &format!("{at_model}.trees"))?;
    let info = array(
        field(model, "tree_info", at_model)?,
        &format!("{at_model}.tree_info"),
    )?;
    if info.len() != trees.len() {
        let message = format!("{} entries for {} trees", info.len(), trees.len());
        return Err(malformed(FORMAT, format!("{at_model}.tree_info"), message));
    }
    if let Some(n) = model.get("gbtree_model_param").and_then(|p| p.get("num_trees")) {
        let n = count(n, &format!("{at_model}.gbtree_model_param.num_trees"))?;
        if n != trees.len() as u64 {
            let message = format!("num_trees is {n} but there are {} trees", trees.len());
            return Err(malformed(
                FORMAT,
                format!("{at_model}.gbtree_model_param"),
                message,
            ));
        }
    }
    let mut out = Vec::with_capacity(trees.len());
    for (t, (tree, group)) in trees.iter().zip(info).enumerate() {
        let output = count(group, &format!("{at_model}.tree_info[{t}]"))?;
        if output >= n_outputs as u64 {
            let message = format!("tree {t} adds to output {output} of {n_outputs}");
            return Err(malformed(FORMAT, format!("{at_model}.tree_info[{t}]"), message));
        }
        out.push(Tree {
            output: output as usize,
            nodes: parse_tree(tree, t, features.len())?,
        });
    }
    Ok(Ensemble {
        source: FORMAT,
        features,
        n_outputs,
        base,
        leaf_scale: 1.0,
        trees: out,
        link,
    })
}

/// The margin(s) `base_score` stands for, one per output.
fn base_score(v: &Value, to_margin: ToMargin, n: usize, objective: &str) -> Result<Vec<f64>, ImportError> {
    let at = "learner.learner_model_param.base_score";
    let bad = |what: &str| malformed(FORMAT, at, format!("`{what}` is not a number"));
    let values: Vec<f32> = match v {
        Value::String(s) => {
            let inner = s.trim();
            let inner = inner
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or(inner);
            let mut values = Vec::new();
            for part in inner.split(',') {
                values.push(part.trim().parse::<f32>().map_err(|_| bad(part))?);
            }
            values
        }
        Value::Number(x) => vec![x.as_f64().ok_or_else(|| bad(&x.to_string()))? as f32],
        Value::Array(items) => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                values.push(item.as_f64().ok_or_else(|| bad(&item.to_string()))? as f32);
            }
            values
        }
        other => return Err(bad(&other.to_string())),
    };
    if values.len() != 1 && values.len() != n {
        let message = format!("{} values for {n} outputs", values.len());
        return Err(malformed(FORMAT, at, message));
    }
    let mut margins = Vec::with_capacity(n);
    for &b in values.iter().cycle().take(n) {
        let b = f64::from(b);
        let margin = match to_margin {
            ToMargin::AsIs => b,
            ToMargin::Logit if b > 0.0 && b < 1.0 => (b / (1.0 - b)).ln(),
            ToMargin::Log if b > 0.0 => b.ln(),
            ToMargin::Logit => {
                return Err(malformed(
                    FORMAT,
                    at,
                    format!("{b} is not in (0, 1) for {objective}"),
                ))
            }
            ToMargin::Log => {
                return Err(malformed(
                    FORMAT,
                    at,
                    format!("{b} is not positive for {objective}"),
                ))
            }
        };
        if !margin.is_finite() {
            return Err(malformed(FORMAT, at, format!("{b} is not finite")));
        }
        margins.push(margin);
    }
    Ok(margins)
}

/// `learner.feature_names`, or `f0, f1, ...` for `num_feature` features.
fn feature_names(learner: &Value, params: &Value) -> Result<Vec<String>, ImportError> {
    let at = "learner.learner_model_param.num_feature";
    let n = count(field(params, "num_feature", "learner.learner_model_param")?, at)?;
    if n > MAX_FEATURES {
        return Err(unsupported(
            FORMAT,
            format!("{n} features (more than {MAX_FEATURES})"),
        ));
    }
    let names = match learner.get("feature_names") {
        Some(v) => array(v, "learner.feature_names")?,
        None => &[][..],
    };
    if names.is_empty() {
        return Ok((0..n).map(|i| format!("f{i}")).collect());
    }
    if names.len() as u64 != n {
        let message = format!("{} names for num_feature {n}", names.len());
        return Err(malformed(FORMAT, "learner.feature_names", message));
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    let mut seen = std::collections::HashSet::new();
    for (i, name) in names.iter().enumerate() {
        let name = name
            .as_str()
            .ok_or_else(|| malformed(FORMAT, format!("learner.feature_names[{i}]"), "not a string"))?;
        if !seen.insert(name) {
            return Err(malformed(
                FORMAT,
                "learner.feature_names",
                format!("`{name}` appears twice"),
            ));
        }
        out.push(name.to_string());
    }
    Ok(out)
}

/// Tree `t`, rebuilt breadth first from its root.
fn parse_tree(tree: &Value, t: usize, n_features: usize) -> Result<Vec<Node>, ImportError> {
    let at = format!("tree {t}");
    if let Some(n) = tree.get("tree_param").and_then(|p| p.get("size_leaf_vector")) {
        let n = count(n, &format!("{at}: tree_param.size_leaf_vector"))?;
        if n > 1 {
            return Err(unsupported(
                FORMAT,
                format!("vector leaves (size_leaf_vector {n}, tree {t})"),
            ));
        }
    }
    let ints = |key: &str| -> Result<Vec<i64>, ImportError> {
        let items = array(field(tree, key, &at)?, &format!("{at}: {key}"))?;
        let as_int = |(i, v): (usize, &Value)| match v {
            Value::Bool(b) => Ok(i64::from(*b)),
            _ => v
                .as_i64()
                .ok_or_else(|| malformed(FORMAT, &at, format!("{key}[{i}] is not an integer"))),
        };
        items.iter().enumerate().map(as_int).collect()
    };
    let left = ints("left_children")?;
    let right = ints("right_children")?;
    let feature = ints("split_indices")?;
    let default_left = ints("default_left")?;
    let split_type = match tree.get("split_type") {
        Some(_) => ints("split_type")?,
        None => vec![0; left.len()],
    };
    let conditions = array(
        field(tree, "split_conditions", &at)?,
        &format!("{at}: split_conditions"),
    )?;
    let n = left.len();
    let lengths = [
        ("right_children", right.len()),
        ("split_indices", feature.len()),
        ("split_conditions", conditions.len()),
        ("default_left", default_left.len()),
        ("split_type", split_type.len()),
    ];
    for (key, len) in lengths {
        if len != n {
            return Err(malformed(
                FORMAT,
                &at,
                format!("left_children has {n} entries but {key} has {len}"),
            ));
        }
    }
    if let Some(declared) = tree.get("tree_param").and_then(|p| p.get("num_nodes")) {
        let declared = count(declared, &format!("{at}: tree_param.num_nodes"))?;
        if declared != n as u64 {
            return Err(malformed(
                FORMAT,
                &at,
                format!("num_nodes is {declared} but the arrays hold {n}"),
            ));
        }
    }
    if n == 0 {
        return Err(malformed(FORMAT, &at, "the tree has no nodes"));
    }
    let value = |i: usize| -> Result<f64, ImportError> {
        // XGBoost's thresholds and leaves are f32, written with enough digits.
        let v = conditions[i].as_f64().map(|v| f64::from(v as f32));
        v.filter(|v| v.is_finite()).ok_or_else(|| {
            malformed(
                FORMAT,
                &at,
                format!("split_conditions[{i}] is not a finite number"),
            )
        })
    };

    // `order` lists the old indices in the new order; `new_id` marks those seen.
    let mut new_id: Vec<Option<usize>> = vec![None; n];
    let mut order = vec![0usize];
    new_id[0] = Some(0);
    let mut nodes = Vec::new();
    let mut next = 0;
    while let Some(&old) = order.get(next) {
        next += 1;
        if left[old] == -1 {
            if right[old] != -1 {
                let message = format!("node {old} has right child {} but no left child", right[old]);
                return Err(malformed(FORMAT, &at, message));
            }
            nodes.push(Node::Leaf(value(old)?));
            continue;
        }
        if split_type[old] != 0 {
            return Err(unsupported(
                FORMAT,
                format!("categorical splits (node {old} of tree {t})"),
            ));
        }
        let mut child = |c: i64, side: &str| -> Result<usize, ImportError> {
            let c = usize::try_from(c).ok().filter(|&c| c < n).ok_or_else(|| {
                malformed(
                    FORMAT,
                    &at,
                    format!("node {old}: {side} child {c} is out of range ({n} nodes)"),
                )
            })?;
            if new_id[c].is_some() {
                let message = format!("node {c} is reached twice (from node {old}): not a tree");
                return Err(malformed(FORMAT, &at, message));
            }
            new_id[c] = Some(order.len());
            order.push(c);
            Ok(order.len() - 1)
        };
        let l = child(left[old], "left")?;
        let r = child(right[old], "right")?;
        let f = usize::try_from(feature[old])
            .ok()
            .filter(|&f| f < n_features)
            .ok_or_else(|| {
                let message = format!(
                    "node {old}: split_indices {} is not a feature ({n_features})",
                    feature[old]
                );
                malformed(FORMAT, &at, message)
            })?;
        let missing_left = match default_left[old] {
            0 => false,
            1 => true,
            d => {
                return Err(malformed(
                    FORMAT,
                    &at,
                    format!("default_left[{old}] is {d}, not 0 or 1"),
                ))
            }
        };
        nodes.push(Node::Split {
            feature: f,
            test: Test::Less(value(old)?),
            missing_left,
            left: l,
            right: r,
        });
    }
    Ok(nodes)
}

/// Field `key` of the object `v`, found at `at`.
fn field<'a>(v: &'a Value, key: &str, at: &str) -> Result<&'a Value, ImportError> {
    v.get(key)
        .ok_or_else(|| malformed(FORMAT, at, format!("no `{key}` field")))
}

/// `v` as an array.
fn array<'a>(v: &'a Value, at: &str) -> Result<&'a [Value], ImportError> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| malformed(FORMAT, at, "not an array"))
}

/// A non-negative integer, written as a number or (XGBoost's parameters) a string.
fn count(v: &Value, at: &str) -> Result<u64, ImportError> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        _ => v.as_u64(),
    }
    .ok_or_else(|| malformed(FORMAT, at, format!("{v} is not a non-negative integer")))
}
