//! Exported ONNX models run in tract (a runtime nobody here wrote) and give
//! mlg's own outputs, to 1e-5, on every row of the examples' data: logistic
//! regression with standardization (iris), one-hot and imputed inputs
//! (penguins), trees, forests and boosting (in standard ONNX ops, since
//! tract has no `TreeEnsembleRegressor`), soft voting, stacking and
//! blending, linear and ridge regression, a kernel SVM, an MLP and its
//! int8-stored, pruned, factorized and tree-quantized variants, a distilled
//! student, and an imported LightGBM model with categorical splits; an
//! int8-computed layer is refused naming the node.

use mlg::Workflow;
use std::path::Path;
use tract_onnx::prelude::*;

/// Exports model `name` of example `file`, runs it in tract on every row of
/// `data` and compares each output value with the compiled function's.
fn agrees(file: &str, data: &str, name: &str) {
    let wf = Workflow::from_file(format!("examples/{file}")).unwrap();
    let model = wf.compile(name).unwrap();
    let graph = &model.artifact().graph;
    let frame = wf.data_frame(data).unwrap();
    let rows = mlg_runtime::rows::encode_rows(&frame, &graph.inputs).unwrap();
    let n = frame.n_rows;
    let want = model.predict_rows(&rows, n).unwrap();
    let got = run_onnx(graph, &format!("{file} {name}"), rows, n);
    // The compiled output row is the outputs' values side by side.
    let widths: Vec<usize> = got.iter().map(|g| g.len() / n).collect();
    let width: usize = widths.iter().sum();
    assert_eq!(want.len(), n * width, "{file} {name}: output widths {widths:?}");
    for r in 0..n {
        let mut at = 0;
        for (g, &w) in got.iter().zip(&widths) {
            for k in 0..w {
                let (a, b) = (g[r * w + k], want[r * width + at + k]);
                let same = (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-5 * b.abs().max(1.0);
                assert!(
                    same,
                    "{file} {name} row {r} value {}: onnx {a} vs mlg {b}",
                    at + k
                );
            }
            at += w;
        }
    }
}

/// `graph` exported (trees in standard ops) and run in tract on the `n`
/// encoded `rows`: every output's values, row-major.
fn run_onnx(graph: &mlg_compiler::ir::Graph, what: &str, rows: Vec<f32>, n: usize) -> Vec<Vec<f32>> {
    let bytes = mlg_interop::onnx::export(graph, "model", &[], mlg_interop::onnx::TreeForm::Standard)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let onnx = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .unwrap_or_else(|e| panic!("{what}: tract cannot read the export: {e:?}"))
        .into_optimized()
        .unwrap_or_else(|e| panic!("{what}: {e:?}"))
        .into_runnable()
        .unwrap();
    let input = tract_ndarray::Array2::from_shape_vec((n, graph.inputs.len()), rows).unwrap();
    let outputs = onnx
        .run(tvec!(Tensor::from(input).into()))
        .unwrap_or_else(|e| panic!("{what}: tract run: {e:?}"));
    outputs
        .iter()
        .map(|o| {
            let view = o.to_array_view::<f32>().unwrap();
            assert_eq!(view.shape()[0], n, "{what}");
            view.iter().copied().collect()
        })
        .collect()
}

#[test]
fn linear_models_with_their_preprocessing_export_exactly() {
    agrees("iris.mlg", "iris", "lr");
    agrees("penguins.mlg", "penguins", "lr");
    agrees("diabetes.mlg", "diabetes", "linear");
    agrees("diabetes.mlg", "diabetes", "ridge");
}

#[test]
fn ensembles_export_exactly() {
    agrees("penguins_ensemble.mlg", "penguins", "vote");
    agrees("penguins_ensemble.mlg", "penguins", "stack");
}

#[test]
fn trees_forests_and_boosting_export_exactly() {
    agrees("penguins_forest.mlg", "penguins", "forest");
    agrees("penguins_forest.mlg", "penguins", "boosted");
    agrees("penguins_forest.mlg", "penguins", "stump");
}

#[test]
fn an_mlp_and_compressed_variants_export_exactly() {
    for name in ["mlp", "mlp_int8", "mlp_sparse", "mlp_lowrank", "rf_int8", "tree"] {
        agrees("breast_cancer_compress.mlg", "bc", name);
    }
}

#[test]
fn a_kernel_svm_blending_and_a_distilled_student_export_exactly() {
    agrees("breast_cancer_blending.mlg", "bc", "svm");
    agrees("breast_cancer_blending.mlg", "bc", "blend");
    agrees("compress_distill.mlg", "bc", "student");
}

#[test]
fn an_imported_lightgbm_model_with_categorical_splits_exports_exactly() {
    let artifact = mlg_interop::import(
        Path::new("tests/fixtures/interop/lightgbm_regression_cat.txt"),
        &mlg_interop::ImportOptions::default(),
    )
    .unwrap();
    let graph = artifact.graph.clone();
    let model = mlg_runtime::Model::from_artifact(artifact).unwrap();
    // Rows from the fixture: NaN, negative and fractional category codes.
    let text = std::fs::read_to_string("tests/fixtures/interop/lightgbm_regression_cat.csv").unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let slots: Vec<usize> = graph
        .inputs
        .iter()
        .map(|s| header.iter().position(|h| *h == s.name).unwrap())
        .collect();
    let rows: Vec<f32> = text
        .lines()
        .skip(1)
        .flat_map(|l| {
            let cells: Vec<f32> = l.split(',').map(|c| c.parse().unwrap_or(f32::NAN)).collect();
            slots.iter().map(move |&s| cells[s]).collect::<Vec<_>>()
        })
        .collect();
    let n = rows.len() / slots.len();
    let want = model.predict_rows(&rows, n).unwrap();
    let got = run_onnx(&graph, "lgb", rows, n);
    for (r, (a, b)) in got[0].iter().zip(&want).enumerate() {
        assert!(
            (a - b).abs() <= 1e-5 * b.abs().max(1.0),
            "row {r}: onnx {a} vs mlg {b}"
        );
    }
}

#[test]
fn an_int8_computed_layer_is_refused_naming_the_node() {
    let wf = Workflow::from_file("examples/breast_cancer_compress.mlg").unwrap();
    let model = wf.compile("mlp_i8s").unwrap();
    let error =
        mlg_interop::onnx::export(&model.artifact().graph, "mlp_i8s", &[], Default::default()).unwrap_err();
    assert!(
        error.to_string().contains("(`i8affine`) has no ONNX form"),
        "{error}"
    );
}

#[test]
fn mlg_export_writes_a_model_tract_runs_and_names_its_columns() {
    let dir = std::env::temp_dir().join(format!("mlg-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mlg = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mlg"))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    let model = std::fs::canonicalize("tests/fixtures/interop/lightgbm_multiclass.txt").unwrap();
    let out = mlg(&["import", model.to_str().unwrap(), "--to", "m.mlgc"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = mlg(&["export", "m.mlgc", "--onnx", "m.onnx"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("outputs class, proba"));
    let bytes = std::fs::read(dir.join("m.onnx")).unwrap();
    let proto = tract_onnx::onnx().proto_model_for_read(&mut &bytes[..]).unwrap();
    let meta: Vec<(String, String)> = proto
        .metadata_props
        .iter()
        .map(|p| (p.key.clone(), p.value.clone()))
        .collect();
    assert!(
        meta.contains(&("mlg.classes".to_string(), "0,1,2".to_string())),
        "{meta:?}"
    );
    assert!(
        meta.iter()
            .any(|(k, v)| k == "mlg.columns" && v.starts_with("m0,m1")),
        "{meta:?}"
    );
    tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .unwrap()
        .into_optimized()
        .unwrap();
    let out = mlg(&["export", "missing.mlgc", "--onnx", "x.onnx"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("missing.mlgc"));
    assert!(!dir.join("x.onnx").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deploy_to_an_onnx_path_writes_a_model_tract_runs() {
    let dir = std::env::temp_dir().join(format!("mlg-deploy-onnx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = std::fs::canonicalize("examples/data/iris.csv").unwrap();
    let file = dir.join("iris.mlg");
    std::fs::write(
        &file,
        format!(
            "data iris = csv(\"{}\", target = \"target\")\n\
             features prep = iris -> standardize(numeric)\n\
             model lr = logistic_regression(prep, c = 1.0)\n\
             deploy lr to \"lr.mlgc\"\n\
             deploy lr to \"lr.onnx\"\n",
            data.display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args(["run", file.to_str().unwrap()])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let model = mlg_runtime::Model::load(dir.join("lr.mlgc")).unwrap();
    let graph = model.artifact().graph.clone();
    let wf = Workflow::from_file(&file).unwrap();
    let frame = wf.data_frame("iris").unwrap();
    let rows = mlg_runtime::rows::encode_rows(&frame, &graph.inputs).unwrap();
    let n = frame.n_rows;
    let want = model.predict_rows(&rows, n).unwrap();
    let bytes = std::fs::read(dir.join("lr.onnx")).unwrap();
    let onnx = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .unwrap()
        .into_optimized()
        .unwrap()
        .into_runnable()
        .unwrap();
    let input = tract_ndarray::Array2::from_shape_vec((n, graph.inputs.len()), rows).unwrap();
    let outputs = onnx.run(tvec!(Tensor::from(input).into())).unwrap();
    let proba = outputs[1].to_array_view::<f32>().unwrap();
    let width = 1 + proba.shape()[1];
    for r in 0..n {
        for k in 0..proba.shape()[1] {
            let (a, b) = (proba[[r, k]], want[r * width + 1 + k]);
            assert!((a - b).abs() <= 1e-5, "row {r} class {k}: onnx {a} vs mlg {b}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
