//! `mlg import` end to end: a LightGBM model imported to an artifact that
//! `mlg predict` runs on the fixture's rows gives LightGBM's probabilities
//! (to 1e-5) and classes, and a skl2onnx MLP pipeline scikit-learn's;
//! `--columns` renames the inputs, `--profile` gives `mlg monitor` a
//! training profile, and a file of no known format, a truncated model
//! (LightGBM or ONNX) or a wrong `--columns` count fails with a message
//! naming the problem and writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/interop").join(name)
}

fn mlg(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mlg-import-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn an_imported_lightgbm_model_predicts_as_lightgbm_does() {
    let dir = scratch("predict");
    // The fixture's feature columns (x0..x7) as the rows to predict.
    let text = std::fs::read_to_string(fixture("lightgbm_binary.csv")).unwrap();
    let rows: String = text
        .lines()
        .map(|l| l.split(',').take(8).collect::<Vec<_>>().join(",") + "\n")
        .collect();
    std::fs::write(dir.join("rows.csv"), &rows).unwrap();
    let model = fixture("lightgbm_binary.txt");
    let out = mlg(
        &[
            "import",
            model.to_str().unwrap(),
            "--to",
            "m.mlgc",
            "--profile",
            "rows.csv",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("imported from a LightGBM model, 30 trees"),
        "{said}"
    );
    let out = mlg(&["predict", "m.mlgc", "--input", "rows.csv", "--proba"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let predicted = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut lines = predicted.lines();
    assert_eq!(lines.next(), Some("prediction,proba_0,proba_1"));
    for (i, (got, want)) in lines.zip(text.lines().skip(1)).enumerate() {
        let got: Vec<f64> = got.split(',').map(|c| c.parse().unwrap()).collect();
        let want: Vec<f64> = want.split(',').skip(8).map(|c| c.parse().unwrap()).collect();
        assert!(
            (got[2] - want[1]).abs() <= 1e-5,
            "row {i}: {} vs LightGBM's {}",
            got[2],
            want[1]
        );
        assert_eq!(got[0], f64::from(u8::from(want[1] > 0.5)), "row {i}: class");
    }
    let out = mlg(&["monitor", "m.mlgc", "--input", "rows.csv"], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("training profile of m.mlgc (60 rows)"));
    // --columns names the inputs.
    let names = "a,b,c,d,e,f,g,h";
    let out = mlg(
        &[
            "import",
            model.to_str().unwrap(),
            "--to",
            "r.mlgc",
            "--columns",
            names,
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let renamed = mlg_runtime::artifact::read(&dir.join("r.mlgc")).unwrap();
    let inputs: Vec<&str> = renamed.graph.inputs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(inputs, names.split(',').collect::<Vec<_>>());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_model_files_fail_naming_the_problem_and_write_nothing() {
    let dir = scratch("bad");
    std::fs::write(dir.join("junk.txt"), "hello\n").unwrap();
    let model = std::fs::read_to_string(fixture("lightgbm_binary.txt")).unwrap();
    std::fs::write(dir.join("cut.txt"), &model[..model.len() / 3]).unwrap();
    let cases = [
        (
            vec!["import", "junk.txt", "--to", "a.mlgc"],
            "cannot tell the format of `junk.txt`",
        ),
        (
            vec!["import", "cut.txt", "--to", "a.mlgc"],
            "LightGBM model: tree",
        ),
        (
            vec!["import", "missing.txt", "--to", "a.mlgc"],
            "cannot read `missing.txt`",
        ),
    ];
    for (args, want) in cases {
        let out = mlg(&args, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(want),
            "{args:?}: wanted {want:?} in {stderr}"
        );
    }
    let path = fixture("xgboost_binary.json");
    let out = mlg(
        &[
            "import",
            path.to_str().unwrap(),
            "--to",
            "a.mlgc",
            "--columns",
            "a,b",
        ],
        &dir,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--columns names 2 columns, but the XGBoost model has 8 features"),
        "{stderr}"
    );
    assert!(!dir.join("a.mlgc").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_imported_skl2onnx_pipeline_predicts_as_scikit_learn_does() {
    let dir = scratch("onnx");
    let model = fixture("sklearn_mlp_classifier.onnx");
    let rows = fixture("sklearn_mlp_classifier.csv");
    let columns = "x0,x1,x2,x3,x4,x5";
    let out = mlg(
        &[
            "import",
            model.to_str().unwrap(),
            "--to",
            "m.mlgc",
            "--columns",
            columns,
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("imported from an ONNX model (skl2onnx"), "{said}");
    let out = mlg(
        &["predict", "m.mlgc", "--input", rows.to_str().unwrap(), "--proba"],
        &dir,
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let predicted = String::from_utf8_lossy(&out.stdout).into_owned();
    let text = std::fs::read_to_string(&rows).unwrap();
    let mut lines = predicted.lines();
    assert_eq!(lines.next(), Some("prediction,proba_0,proba_1,proba_2"));
    for (i, (got, want)) in lines.zip(text.lines().skip(1)).enumerate() {
        let got: Vec<f64> = got.split(',').map(|c| c.parse().unwrap()).collect();
        let want: Vec<f64> = want.split(',').skip(6).map(|c| c.parse().unwrap()).collect();
        assert_eq!(got[0], want[0], "row {i}: class");
        for k in 0..3 {
            assert!((got[1 + k] - want[1 + k]).abs() <= 1e-5, "row {i} class {k}");
        }
    }
    // A truncated file is refused, and nothing is written.
    let bytes = std::fs::read(&model).unwrap();
    std::fs::write(dir.join("cut.onnx"), &bytes[..bytes.len() / 2]).unwrap();
    let out = mlg(&["import", "cut.onnx", "--to", "c.mlgc"], &dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("ONNX model: the file: not an ONNX protobuf"),
        "{stderr}"
    );
    assert!(!dir.join("c.mlgc").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
