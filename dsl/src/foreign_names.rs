//! The names users bring from scikit-learn, LightGBM and XGBoost, and mlg's names for the same things, for "did you mean".
//!
//! A user who writes `n_estimators`, `random_state`, `roc_auc_score` or
//! `RandomForestClassifier` is not misspelling mlg's name, so edit distance
//! finds nothing. [`crate::diagnostic::did_you_mean`] looks here first: a
//! foreign name maps to the mlg names that may stand for it, in order, and
//! the first of them that is a candidate where the name was written wins
//! (`n_estimators` is `trees` on a forest and `rounds` on boosting). A
//! CamelCase class name is read in snake case first, so
//! `RandomForestClassifier` finds `random_forest_classifier`.

/// Foreign name (snake case) → mlg's names, tried in order.
const TABLE: &[(&str, &[&str])] = &[
    // Parameters.
    ("n_estimators", &["trees", "rounds"]),
    ("num_boost_round", &["rounds"]),
    ("num_iterations", &["rounds"]),
    ("num_round", &["rounds"]),
    ("nrounds", &["rounds"]),
    ("max_iter", &["epochs", "rounds"]),
    ("n_epochs", &["epochs"]),
    ("num_epochs", &["epochs"]),
    ("random_state", &["seed"]),
    ("random_seed", &["seed"]),
    ("n_splits", &["k"]),
    ("n_folds", &["k"]),
    ("nfold", &["k"]),
    ("cv", &["k"]),
    ("n_repeats", &["repeats"]),
    ("test_size", &["test"]),
    ("eta", &["learning_rate"]),
    ("learning_rate_init", &["learning_rate"]),
    ("shrinkage_rate", &["learning_rate"]),
    ("num_leaves", &["max_leaf_nodes"]),
    ("max_leaves", &["max_leaf_nodes"]),
    ("min_child_samples", &["min_samples_leaf"]),
    ("min_data_in_leaf", &["min_samples_leaf"]),
    ("reg_lambda", &["l2_regularization"]),
    ("lambda_l2", &["l2_regularization"]),
    ("lambda", &["l2_regularization"]),
    ("l2_leaf_reg", &["l2_regularization"]),
    ("min_split_gain", &["min_gain"]),
    ("min_gain_to_split", &["min_gain"]),
    ("gamma", &["min_gain"]),
    ("max_bin", &["max_bins"]),
    ("colsample_bytree", &["colsample"]),
    ("colsample_bylevel", &["colsample"]),
    ("feature_fraction", &["colsample"]),
    ("max_features", &["colsample"]),
    ("bagging_fraction", &["subsample"]),
    ("early_stopping_rounds", &["n_iter_no_change"]),
    ("hidden_layer_sizes", &["hidden"]),
    ("n_components", &["n"]),
    ("n_features_to_select", &["n_features"]),
    ("score_func", &["score"]),
    ("n_bins", &["bins"]),
    ("fill_value", &["value"]),
    ("n_neighbors", &["k"]),
    ("final_estimator", &["meta"]),
    // Operators.
    (
        "random_forest",
        &["random_forest_classifier", "random_forest_regressor"],
    ),
    (
        "extra_trees",
        &["extra_trees_classifier", "extra_trees_regressor"],
    ),
    (
        "decision_tree",
        &["decision_tree_classifier", "decision_tree_regressor"],
    ),
    (
        "gradient_boosting",
        &["gradient_boosting_classifier", "gradient_boosting_regressor"],
    ),
    (
        "hist_gradient_boosting_classifier",
        &["gradient_boosting_classifier"],
    ),
    (
        "hist_gradient_boosting_regressor",
        &["gradient_boosting_regressor"],
    ),
    ("lgbm_classifier", &["gradient_boosting_classifier"]),
    ("lgbm_regressor", &["gradient_boosting_regressor"]),
    ("xgb_classifier", &["gradient_boosting_classifier"]),
    ("xgb_regressor", &["gradient_boosting_regressor"]),
    (
        "lightgbm",
        &["gradient_boosting_classifier", "gradient_boosting_regressor"],
    ),
    (
        "xgboost",
        &["gradient_boosting_classifier", "gradient_boosting_regressor"],
    ),
    ("mlp", &["mlp_classifier", "mlp_regressor"]),
    ("logistic", &["logistic_regression"]),
    ("svc", &["svm"]),
    ("linear_svc", &["svm"]),
    ("naive_bayes", &["gaussian_nb"]),
    ("standard_scaler", &["standardize"]),
    ("min_max_scaler", &["min_max"]),
    ("robust_scaler", &["robust_scale"]),
    ("max_abs_scaler", &["max_abs"]),
    ("normalizer", &["normalize"]),
    ("one_hot_encoder", &["one_hot"]),
    ("get_dummies", &["one_hot"]),
    ("ordinal_encoder", &["ordinal"]),
    ("label_encoder", &["ordinal"]),
    ("label_encode", &["ordinal"]),
    ("target_encoder", &["target_encode"]),
    ("simple_imputer", &["impute"]),
    ("knn_imputer", &["impute"]),
    ("fillna", &["impute"]),
    ("polynomial_features", &["polynomial"]),
    ("k_bins_discretizer", &["discretize"]),
    ("linear_discriminant_analysis", &["lda"]),
    ("k_fold", &["kfold"]),
    ("stratified_k_fold", &["kfold"]),
    ("stratified_kfold", &["kfold"]),
    ("repeated_stratified_k_fold", &["repeated_kfold"]),
    ("train_test_split", &["holdout"]),
    ("voting_classifier", &["soft_vote", "hard_vote"]),
    ("voting_regressor", &["mean"]),
    ("stacking_classifier", &["stacking"]),
    ("stacking_regressor", &["stacking"]),
    // Metrics.
    ("accuracy_score", &["accuracy"]),
    ("balanced_accuracy_score", &["balanced_accuracy"]),
    ("roc_auc_score", &["roc_auc"]),
    ("auc", &["roc_auc"]),
    ("f1_score", &["f1"]),
    ("precision_score", &["precision"]),
    ("recall_score", &["recall"]),
    ("mean_squared_error", &["mse"]),
    ("neg_mean_squared_error", &["mse"]),
    ("root_mean_squared_error", &["rmse"]),
    ("neg_root_mean_squared_error", &["rmse"]),
    ("mean_absolute_error", &["mae"]),
    ("neg_mean_absolute_error", &["mae"]),
    ("r2_score", &["r2"]),
    ("neg_log_loss", &["log_loss"]),
];

/// mlg's names for `name` (in snake case first when written in CamelCase),
/// most likely first: its snake-case spelling when that differs, then the
/// table's. Empty for a name no other tool uses.
pub fn mlg_names_for(name: &str) -> Vec<&'static str> {
    let snake = snake_case(name);
    TABLE
        .iter()
        .filter(|(foreign, _)| *foreign == snake)
        .flat_map(|(_, names)| names.iter().copied())
        .collect()
}

/// `name` in snake case: an underscore before each capital that follows a
/// lower-case letter or a digit, or that starts a word after an acronym
/// (`XGBRegressor` → `xgb_regressor`), then lower case.
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_read_in_snake_case() {
        assert_eq!(snake_case("RandomForestClassifier"), "random_forest_classifier");
        assert_eq!(snake_case("XGBRegressor"), "xgb_regressor");
        assert_eq!(snake_case("LGBMClassifier"), "lgbm_classifier");
        assert_eq!(snake_case("KFold"), "k_fold");
        assert_eq!(snake_case("n_estimators"), "n_estimators");
    }

    #[test]
    fn foreign_names_map_to_mlg_names_in_order() {
        assert_eq!(mlg_names_for("n_estimators"), ["trees", "rounds"]);
        assert_eq!(mlg_names_for("StandardScaler"), ["standardize"]);
        assert_eq!(mlg_names_for("XGBClassifier"), ["gradient_boosting_classifier"]);
        assert!(mlg_names_for("trees").is_empty());
    }
}
