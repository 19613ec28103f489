//! Bad model input gets a clear error, at check time where the file alone
//! shows it and otherwise before any training: a classifier on a continuous
//! target, a regressor on a string target, an unknown solver, a hidden layer
//! of size zero, and an L1 penalty with a solver that cannot handle it.

use std::path::Path;
use std::process::{Command, Output};

fn mlg(args: &[&str], source: &str) -> Output {
    // One folder per call (the calls of a run share no folder, so removing
    // it races with nothing).
    let dir = std::env::temp_dir().join(format!(
        "mlg-bad-models-{}-{}-{:x}",
        std::process::id(),
        args[0],
        source.len() * 31 + source.bytes().map(usize::from).sum::<usize>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let file = dir.join("bad.mlg");
    std::fs::write(&file, source.replace("DATA", &data.display().to_string())).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args(args)
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// Exit status 1 (not a panic) and the stderr text.
fn fails(args: &[&str], source: &str) -> String {
    let out = mlg(args, source);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    stderr
}

#[test]
fn classifier_on_a_continuous_target() {
    let source = "data d = csv(\"DATA/diabetes.csv\", target = \"target\")\n\
                  model m = logistic_regression(d)\n\
                  evaluate m with kfold(3)\n";
    let err = fails(&["run", "--quiet"], source);
    assert!(
        err.contains("holds 214 distinct numbers in 442 rows, which looks continuous"),
        "{err}"
    );
    assert!(err.contains("use a regression model"), "{err}");
    let fractional = "data d = csv(\"DATA/iris.csv\", target = \"petal_width_cm\")\n\
                      model m = gaussian_nb(d)\n\
                      evaluate m with kfold(3)\n";
    let err = fails(&["run", "--quiet"], fractional);
    assert!(
        err.contains("holds continuous values (e.g. 0.2 at data row 0)"),
        "{err}"
    );
}

#[test]
fn regressor_on_a_string_target() {
    let source = "data p = csv(\"DATA/penguins.csv\", target = \"species\")\n\
                  features f = p -> impute(numeric) -> one_hot(categorical)\n\
                  model m = ridge(f)\n";
    let err = fails(&["check"], source);
    assert!(
        err.contains("`ridge` is a regression model, but the target `species` is categorical"),
        "{err}"
    );
}

#[test]
fn unknown_solver() {
    let source = "data i = csv(\"DATA/iris.csv\", target = \"target\")\n\
                  model m = logistic_regression(i, solver = \"adagrad\")\n";
    let err = fails(&["check"], source);
    assert!(
        err.contains("expects one of \"lbfgs\", \"newton\", \"cg\", \"sgd\""),
        "{err}"
    );
    assert!(err.contains("\"adagrad\" is not one of them"), "{err}");
}

#[test]
fn hidden_layer_of_size_zero() {
    let source = "data i = csv(\"DATA/iris.csv\", target = \"target\")\n\
                  model m = mlp_classifier(i, hidden = \"16,0\")\n";
    let err = fails(&["check"], source);
    assert!(err.contains("mlg::model_parameters"), "{err}");
    assert!(
        err.contains("hidden sizes must be positive integers, got \"16,0\""),
        "{err}"
    );
    assert!(
        err.contains("bad.mlg:2:11"),
        "the model call is underlined: {err}"
    );
}

#[test]
fn l1_penalty_with_a_smooth_solver() {
    let source = "data i = csv(\"DATA/iris.csv\", target = \"target\")\n\
                  model m = logistic_regression(i, penalty = \"l1\", solver = \"cg\")\n";
    let err = fails(&["check"], source);
    assert!(err.contains("solver \"cg\""), "{err}");
    assert!(err.contains("\"newton\" or \"sgd\""), "{err}");
}
