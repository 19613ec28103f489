//! Name → operator constructors: the runtime calls [`transform`] and [`estimator`]
//! with checked parameters (defaults filled in by the checker) to get configured
//! operators, plus typed accessors for reading those parameters.

use crate::models::{DecisionTree, Lasso, LinearRegression, LogisticRegression, Ridge};
use crate::op::{Estimator, OpError, Transform};
use crate::preprocess::{Impute, OneHot, Standardize};
use mlg_compiler::workflow::catalog::{Params, Value};

/// Builds the features step called `name` (`impute`, `standardize`, `one_hot`)
/// from its checked parameters. Unknown names and ill-typed parameters give
/// [`OpError::Invalid`].
pub fn transform(name: &str, params: &Params) -> Result<Box<dyn Transform>, OpError> {
    match name {
        "impute" => Ok(Box::new(Impute::new(params)?)),
        "standardize" => Ok(Box::new(Standardize::new(params)?)),
        "one_hot" => Ok(Box::new(OneHot::new(params)?)),
        _ => TRANSFORM_MODULES
            .iter()
            .find_map(|construct| construct(name, params))
            .unwrap_or_else(|| Err(invalid(name, "unknown features step"))),
    }
}

/// Builds a features step of one operator module: `None` when the module has no
/// step called `name`.
pub type Constructor = fn(&str, &Params) -> Option<Result<Box<dyn Transform>, OpError>>;

/// The `construct` function of every operator module beyond the base steps.
static TRANSFORM_MODULES: &[Constructor] = &[
    crate::scale::construct,
    crate::clean::construct,
    crate::construct::construct,
    crate::encode::construct,
    crate::select::construct,
    crate::extract::construct,
    crate::nonlinear::construct,
    crate::derive::construct,
];

/// Builds the model called `name` (`linear_regression`, `ridge`, `lasso`,
/// `elastic_net`, `logistic_regression`, `decision_tree_classifier`, `decision_tree_regressor`) from its checked parameters. Unknown names and
/// ill-typed or out-of-range parameters give [`OpError::Invalid`].
pub fn estimator(name: &str, params: &Params) -> Result<Box<dyn Estimator>, OpError> {
    match name {
        "linear_regression" => Ok(Box::new(LinearRegression::new(params)?)),
        "ridge" => Ok(Box::new(Ridge::new(params)?)),
        "lasso" => Ok(Box::new(Lasso::new(params)?)),
        "elastic_net" => Ok(Box::new(crate::models::ElasticNet::new(params)?)),
        "logistic_regression" => Ok(Box::new(LogisticRegression::new(params)?)),
        "decision_tree_classifier" => Ok(Box::new(DecisionTree::classifier(params)?)),
        "decision_tree_regressor" => Ok(Box::new(DecisionTree::regressor(params)?)),
        "random_forest_classifier" => Ok(Box::new(crate::models::RandomForest::classifier(params)?)),
        "random_forest_regressor" => Ok(Box::new(crate::models::RandomForest::regressor(params)?)),
        "extra_trees_classifier" => Ok(Box::new(crate::models::RandomForest::extra_classifier(params)?)),
        "extra_trees_regressor" => Ok(Box::new(crate::models::RandomForest::extra_regressor(params)?)),
        "gaussian_nb" => Ok(Box::new(crate::models::GaussianNb::new(params)?)),
        "mlp_classifier" => Ok(Box::new(crate::models::Mlp::classifier(params)?)),
        "mlp_regressor" => Ok(Box::new(crate::models::Mlp::regressor(params)?)),
        _ => MODEL_MODULES
            .iter()
            .find_map(|construct| construct(name, params))
            .unwrap_or_else(|| Err(invalid(name, "unknown model"))),
    }
}

/// Builds a model of one model-family module: `None` when the family has no
/// model called `name`.
pub type ModelConstructor = fn(&str, &Params) -> Option<Result<Box<dyn Estimator>, OpError>>;

/// The `construct` function of every model-family module beyond the base models.
static MODEL_MODULES: &[ModelConstructor] = &[crate::models::boost::construct, crate::models::svm::construct];

/// An [`OpError::Invalid`] for operator `op`.
pub(crate) fn invalid(op: &str, message: impl Into<String>) -> OpError {
    OpError::Invalid {
        op: op.to_string(),
        message: message.into(),
    }
}

/// An [`OpError::Column`] for operator `op` and column `column`.
pub(crate) fn column_error(op: &str, column: &str, message: impl Into<String>) -> OpError {
    OpError::Column {
        op: op.to_string(),
        column: column.to_string(),
        message: message.into(),
    }
}

fn wrong_type(op: &str, name: &str, expected: &str, got: &Value) -> OpError {
    invalid(op, format!("parameter `{name}` must be {expected}, got {got}"))
}

/// Boolean parameter `name`, or `default` when absent.
pub(crate) fn param_bool(op: &str, params: &Params, name: &str, default: bool) -> Result<bool, OpError> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v.as_bool().ok_or_else(|| wrong_type(op, name, "a bool", v)),
    }
}

/// Numeric parameter `name` (ints widen), or `default` when absent.
pub(crate) fn param_f64(op: &str, params: &Params, name: &str, default: f64) -> Result<f64, OpError> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v.as_f64().ok_or_else(|| wrong_type(op, name, "a number", v)),
    }
}

/// Integer parameter `name`, `None` when absent.
pub(crate) fn param_int(op: &str, params: &Params, name: &str) -> Result<Option<i64>, OpError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong_type(op, name, "an int", v)),
    }
}

/// String parameter `name`, `None` when absent.
pub(crate) fn param_str<'a>(op: &str, params: &'a Params, name: &str) -> Result<Option<&'a str>, OpError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(Some)
            .ok_or_else(|| wrong_type(op, name, "a string", v)),
    }
}

/// Nested model parameter `name` (`model = ridge(alpha = 1.0)`): the model's
/// operator name and checked parameters, `None` when absent.
pub(crate) fn param_model<'a>(
    op: &str,
    params: &'a Params,
    name: &str,
) -> Result<Option<(&'a str, &'a Params)>, OpError> {
    match params.get(name) {
        None => Ok(None),
        Some(v) => v
            .as_model()
            .map(Some)
            .ok_or_else(|| wrong_type(op, name, "a model call", v)),
    }
}
