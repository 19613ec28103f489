//! Rendered diagnostics for common mistakes: file, line, column, the span
//! underlined and a help line. Each case is one small workflow with one mistake.

mod cli_support;

use cli_support::check_errors;

const IRIS: &str = "data iris = csv(\"data/iris.csv\", target = \"target\")\n";
const PENGUINS: &str = "data penguins = csv(\"data/penguins.csv\", target = \"species\")\n";

macro_rules! mistake {
    ($name:ident, $source:expr) => {
        #[test]
        fn $name() {
            let text = check_errors(&$source);
            insta::assert_snapshot!(stringify!($name), text);
        }
    };
}

mistake!(
    syntax_missing_comma,
    format!("{IRIS}model lr = logistic_regression(iris c = 1.0)\n")
);
mistake!(
    class_weight_map_of_non_numbers,
    format!("{PENGUINS}model lr = logistic_regression(penguins, class_weight = {{ Adelie = \"five\", Gentoo = -1, Adelie = 2 }})\n")
);
mistake!(
    class_weight_unknown_preset,
    format!("{PENGUINS}model gb = gradient_boosting_classifier(penguins, class_weight = \"balance\")\n")
);
mistake!(
    misspelled_keyword,
    format!("{IRIS}modle lr = logistic_regression(iris)\n")
);
mistake!(
    unknown_name,
    format!("{IRIS}features prep = irs -> standardize(numeric)\n")
);
mistake!(
    unknown_operator,
    format!("{IRIS}model lr = logistic_regresion(iris)\n")
);
mistake!(
    operator_of_wrong_kind,
    format!("{IRIS}model lr = standardize(iris)\n")
);
mistake!(
    bad_parameter_type,
    format!("{IRIS}model lr = logistic_regression(iris, c = \"high\")\n")
);
mistake!(
    checkpoint_in_a_unit_the_model_does_not_count,
    format!("{IRIS}model gb = gradient_boosting_classifier(iris, checkpoint = every(epochs = 5))\n")
);
mistake!(
    checkpoint_on_a_model_without_checkpoints,
    format!("{IRIS}model nb = gaussian_nb(iris, checkpoint = every(rounds = 5))\n")
);
mistake!(
    checkpoint_count_out_of_range,
    format!("{IRIS}model f = random_forest_classifier(iris, checkpoint = every(trees = 0))\n")
);
mistake!(
    unquoted_string,
    format!("{IRIS}features p = iris -> impute(numeric, strategy = median)\n")
);
mistake!(
    choice_typo,
    format!("{IRIS}features p = iris -> impute(numeric, strategy = \"meen\")\n")
);
mistake!(
    parameter_out_of_range,
    format!("{IRIS}model lr = logistic_regression(iris)\nevaluate lr with kfold(1)\n")
);
mistake!(
    unknown_parameter,
    format!("{IRIS}model lr = logistic_regression(iris, cc = 2.0)\n")
);
mistake!(
    missing_column,
    format!("{IRIS}features p = iris -> standardize(cols(\"petal_lenght_cm\"))\n")
);
mistake!(
    missing_target_column,
    "data iris = csv(\"data/iris.csv\", target = \"species\")\n"
);
mistake!(
    cycle,
    format!("{IRIS}features a = b -> standardize(numeric)\nfeatures b = a -> standardize(numeric)\n")
);
mistake!(
    duplicate_binding,
    format!("{IRIS}model lr = logistic_regression(iris)\nmodel lr = logistic_regression(iris, c = 2.0)\n")
);
mistake!(
    missing_data_file,
    "data iris = csv(\"data/no_such.csv\", target = \"target\")\n"
);
mistake!(
    missing_fold_file,
    format!("{IRIS}model lr = logistic_regression(iris)\nevaluate lr with predefined_folds(\"nope.csv\")\n")
);
mistake!(
    metric_for_wrong_task,
    format!("{IRIS}model lr = logistic_regression(iris)\nevaluate lr metrics accuracy, r2\n")
);
mistake!(categorical_into_model, format!("{PENGUINS}features p = penguins -> impute(all, strategy = \"most_frequent\")\nmodel lr = logistic_regression(p)\n"));
mistake!(
    categories_beyond_the_bins,
    format!("{PENGUINS}model gb = gradient_boosting_classifier(penguins, max_bins = 2)\n")
);
mistake!(
    missing_values_into_model,
    format!("{PENGUINS}features p = penguins -> one_hot(categorical)\nmodel lr = logistic_regression(p)\n")
);
mistake!(
    numeric_step_on_categorical,
    format!("{PENGUINS}features p = penguins -> standardize(cols(\"island\"))\n")
);
mistake!(regression_on_categorical_target, format!("{PENGUINS}features p = penguins -> impute(all, strategy = \"most_frequent\") -> one_hot(categorical)\nmodel m = linear_regression(p)\n"));
mistake!(
    unknown_selector,
    format!("{IRIS}features p = iris -> standardize(numerc)\n")
);
mistake!(search_objective_direction, format!("{IRIS}model lr = logistic_regression(iris)\nsearch s = tune(lr, strategy = \"tpe\", trials = 5, objectives = [maximize(\"log_loss\"), minimize(\"latency_us\")]) {{ c = float(0.1, 10.0) }}\n"));
mistake!(deploy_option_not_available, format!("{IRIS}model lr = logistic_regression(iris)\ndeploy lr to \"out/x.mlgc\" {{ serve = \"127.0.0.1:8080\" }}\n"));
mistake!(
    evaluate_a_features_stage,
    format!("{IRIS}features p = iris -> standardize(numeric)\nevaluate p\n")
);
mistake!(
    selector_matches_nothing,
    format!("{IRIS}features p = iris -> one_hot(categorical)\n")
);
mistake!(
    default_selector_matches_nothing,
    format!("{IRIS}features p = iris -> one_hot()\n")
);
mistake!(join_key_missing_on_one_side, format!("{IRIS}data other = csv(\"data/diabetes.csv\", target = \"target\")\ndata both = join(iris, other, on = \"age\")\n"));
mistake!(concat_with_different_columns, format!("{IRIS}data other = csv(\"data/diabetes.csv\", target = \"target\")\ndata both = concat(iris, other)\n"));
mistake!(
    model_without_target,
    "data iris = csv(\"data/iris.csv\")\nmodel lr = logistic_regression(iris)\n"
);
mistake!(empty_file, "# nothing here\n");

#[test]
fn every_error_is_reported_not_just_the_first() {
    let source =
        format!("{IRIS}model a = logistic_regression(iris, cc = 1)\nmodel b = ridge(iris, alpah = 1)\n");
    let text = check_errors(&source);
    assert!(text.contains("no parameter `cc`"), "{text}");
    assert!(text.contains("no parameter `alpah`"), "{text}");
}
#[test]
fn a_broken_data_file_hides_no_features_step_mistake() {
    // The data file is missing, so the features stage is not checked as a
    // whole; its steps' operators and parameters still are, every one.
    let source = "data d = csv(\"data/no_such.csv\", target = \"y\")\n\
                  features f = d -> standardize(numeric, with_men = true) -> one_hott(categorical) \
                  -> impute(numeric, strategy = \"median\", k = 0.5)\n\
                  model m = logistic_regression(f, cc = 1)\n\
                  model m2 = logistic_regression(f)\n\
                  ensemble e = stacknig(m, m2)\n\
                  compress q = m -> quantize(bitz = 8)\n";
    let text = check_errors(source);
    assert!(text.contains("stacknig"), "{text}");
    assert!(text.contains("no parameter `bitz`"), "{text}");
    assert!(text.contains("no_such.csv"), "{text}");
    assert!(text.contains("no parameter `with_men`"), "{text}");
    assert!(text.contains("one_hott"), "{text}");
    assert!(text.contains("no parameter `cc`"), "{text}");
}
mistake!(
    derive_unknown_column,
    format!("{PENGUINS}features p = penguins -> derive(ratio = \"body_mass_g / bill_lenght_mm\")\n")
);
mistake!(
    derive_divides_categorical,
    format!("{PENGUINS}features p = penguins -> derive(ratio = \"body_mass_g / island\")\n")
);
mistake!(
    derive_unknown_function,
    format!("{PENGUINS}features p = penguins -> derive(l = \"lg(bill_depth_mm) + 1\")\n")
);
mistake!(
    derive_syntax_error,
    format!("{PENGUINS}features p = penguins -> derive(r = \"(body_mass_g + * 2\")\n")
);
mistake!(
    nested_model_unknown,
    format!(
        "{IRIS}features sel = iris -> rfe(numeric, model = logistic_regresion(c = 1.0), n_features = 2)\n"
    )
);
mistake!(
    nested_model_not_a_call,
    format!("{IRIS}features sel = iris -> select_from_model(numeric, model = \"ridge\")\n")
);
mistake!(
    nested_model_with_input,
    format!("{IRIS}features sel = iris -> rfe(numeric, model = logistic_regression(iris, c = 1.0))\n")
);
mistake!(
    nested_model_bad_param,
    format!("{IRIS}features sel = iris -> select_from_model(numeric, model = ridge(alpah = 1.0))\n")
);
mistake!(
    scikit_learn_parameter_name,
    format!("{IRIS}model rf = random_forest_classifier(iris, n_estimators = 100)\n")
);
mistake!(
    lightgbm_parameter_name,
    format!("{IRIS}model gb = gradient_boosting_classifier(iris, n_estimators = 100)\n")
);
mistake!(
    scikit_learn_class_name,
    format!("{IRIS}model rf = RandomForestClassifier(iris)\n")
);
mistake!(
    scikit_learn_metric_name,
    format!("{IRIS}model lr = logistic_regression(iris)\nevaluate lr with kfold(5) metrics accuracy, roc_auc_score\n")
);
mistake!(
    scikit_learn_fold_parameter,
    format!("{IRIS}model lr = logistic_regression(iris)\nevaluate lr with kfold(n_splits = 5)\n")
);
mistake!(
    scikit_learn_step_name,
    format!("{PENGUINS}features p = penguins -> label_encode(categorical)\n")
);
mistake!(
    mistakes_behind_a_data_file_that_cannot_be_read,
    concat!(
        "data iris = csv(\"missing.csv\", target = \"target\")\n",
        "model rf = random_forest_classifier(iris, n_estimators = 100, random_state = 1)\n",
        "evaluate rf with kfold(n_splits = 5, shufle = true) metrics accuracy, roc_auc_score\n"
    )
);
