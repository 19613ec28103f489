//! No user input panics the checker: random bytes and random token soups built
//! from the language's own vocabulary go through parse + resolve + check and
//! come back as `Ok` or as diagnostics whose spans lie inside the source.

use mlg::{Error, Workflow};
use proptest::prelude::*;
use std::path::Path;

const TOKENS: &[&str] = &[
    "data",
    "features",
    "model",
    "search",
    "ensemble",
    "evaluate",
    "compress",
    "deploy",
    "with",
    "metrics",
    "to",
    "iris",
    "prep",
    "lr",
    "=",
    "->",
    "(",
    ")",
    "{",
    "}",
    ",",
    "\n",
    "csv(\"data/iris.csv\", target = \"target\")",
    "csv",
    "\"data/iris.csv\"",
    "target",
    "\"target\"",
    "standardize",
    "impute",
    "one_hot",
    "numeric",
    "categorical",
    "cols(\"sepal_width_cm\")",
    "except(\"x\")",
    "logistic_regression",
    "ridge",
    "linear_regression",
    "kfold",
    "holdout",
    "predefined_folds",
    "accuracy",
    "r2",
    "c",
    "1.0",
    "-3",
    "0",
    "true",
    "\"x\"",
    "strategy",
    "\"median\"",
    "#c\n",
    "tune",
    "int(1, 5)",
    "[1, 2]",
];

fn check(source: &str) {
    match Workflow::from_source("fuzz.mlg", source, Path::new("examples")) {
        Ok(_) => {}
        Err(Error::Diagnostics { diagnostics, .. }) => {
            assert!(!diagnostics.is_empty());
            for d in &diagnostics {
                for label in &d.labels {
                    assert!(
                        label.span.start <= label.span.end && label.span.end <= source.len(),
                        "{d:?}"
                    );
                    assert!(
                        source.is_char_boundary(label.span.start) && source.is_char_boundary(label.span.end)
                    );
                }
                let _ = mlg_cli::diagnostics::render(std::slice::from_ref(d), "fuzz.mlg", source, false);
            }
        }
        Err(other) => panic!("check returned a non-diagnostic error: {other}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soups_never_panic(picks in proptest::collection::vec(0..TOKENS.len(), 0..40)) {
        let source: Vec<&str> = picks.iter().map(|&i| TOKENS[i]).collect();
        check(&source.join(" "));
    }

    #[test]
    fn valid_prefix_then_soup_never_panics(picks in proptest::collection::vec(0..TOKENS.len(), 0..25)) {
        let soup: Vec<&str> = picks.iter().map(|&i| TOKENS[i]).collect();
        check(&format!("data iris = csv(\"data/iris.csv\", target = \"target\")\nfeatures prep = iris -> standardize(numeric)\n{}", soup.join(" ")));
    }
}

#[test]
fn the_examples_check() {
    for example in ["iris", "diabetes", "penguins"] {
        Workflow::from_file(format!("examples/{example}.mlg")).unwrap_or_else(|e| panic!("{example}: {e}"));
    }
}
