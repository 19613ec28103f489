//! `compress` statements end to end: `examples/breast_cancer_compress.mlg` on
//! scikit-learn's folds reports every model's accuracy and compiled size,
//! int8 weights keep the MLP within a point of its f32 accuracy (and within
//! half a point when it computes in int8, static or dynamic), pruning
//! shrinks what it says, quantized trees keep a forest's accuracy and
//! boosted and forest regressors' r2 at under 60 % of their size, 80 % magnitude pruning with gradual fine-tuning and a
//! rank-8 factorization keep it within half a point,
//! variants reuse their base model's fits,
//! steps that cannot apply (and wrong `distill` teachers and students) are
//! check-time errors, and `explain --transform`
//! runs a transform by name (a `low-rank` that factorizes nothing is an error).

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `examples/breast_cancer_compress.mlg` and returns its JSON report.
fn report() -> Value {
    let dir = std::env::temp_dir().join(format!("mlg-compress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args([
            "run",
            "breast_cancer_compress.mlg",
            "--quiet",
            "--no-importance",
            "--report",
        ])
        .arg(&path)
        .current_dir(root().join("examples"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mlg run failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    value
}

/// `(accuracy, size_bytes, nonzero_weights)` of every evaluated model.
fn figures(report: &Value) -> std::collections::HashMap<String, (f64, f64, f64)> {
    report["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let fit = |k: &str| e["compression"][k].as_f64().unwrap_or(f64::NAN);
            (
                e["model"].as_str().unwrap().to_string(),
                (
                    e["metrics"]["accuracy"]["mean"].as_f64().unwrap(),
                    fit("size_bytes"),
                    fit("nonzero_weights"),
                ),
            )
        })
        .collect()
}

#[test]
fn compressed_models_report_size_and_accuracy_side_by_side() {
    let report = report();
    // A variant reuses its base model's fit of every fold, whose seconds it
    // reports; `ccp_alpha` changes the fit, so the pruned tree fits again.
    let seconds = |model: &str| {
        report["evaluations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["model"] == model)
            .and_then(|e| e["fit_seconds"].as_f64())
            .unwrap()
    };
    for variant in [
        "mlp_int8",
        "mlp_i8s",
        "mlp_i8d",
        "mlp_sparse",
        "mlp_p80",
        "mlp_narrow",
        "mlp_lowrank",
    ] {
        assert_eq!(
            seconds(variant),
            seconds("mlp"),
            "{variant} shares the fits of mlp"
        );
    }
    assert_eq!(seconds("lr_sparse"), seconds("lr"));
    assert_eq!(
        seconds("rf_int8"),
        seconds("rf"),
        "quantized trees share the fits of rf"
    );
    assert_eq!(seconds("rf_f16"), seconds("rf"));
    assert_ne!(
        seconds("rf_small"),
        seconds("rf"),
        "prune(trees) selects while it fits"
    );
    assert_ne!(seconds("tree_small"), seconds("tree"), "ccp_alpha refits");
    assert_ne!(seconds("mlp_p80ft"), seconds("mlp"), "fine-tuning refits");
    assert_ne!(seconds("mlp_r1ft"), seconds("mlp"), "fine-tuning refits");
    assert_eq!(seconds("mlp_r1"), seconds("mlp"));
    // The compression table: every variant names its base and steps, and
    // every model has a measured latency; sizes are no longer fit scores.
    for e in report["evaluations"].as_array().unwrap() {
        let c = &e["compression"];
        assert!(c["latency_us"].as_f64().is_some_and(|l| l > 0.0), "{e}");
        assert!(e["fit_scores"].get("size_bytes").is_none(), "{e}");
        let model = e["model"].as_str().unwrap();
        let want_base = ["mlp", "lr", "tree", "rf"]
            .into_iter()
            .find(|b| model.starts_with(b) && model != *b);
        assert_eq!(c["base"].as_str(), want_base, "{model}");
    }
    let lowrank = report["evaluations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["model"] == "mlp_lowrank")
        .unwrap();
    assert_eq!(lowrank["compression"]["steps"][0], "low_rank(rank=8)");
    let f = figures(&report);
    let (mlp, int8, sparse, narrow) = (f["mlp"], f["mlp_int8"], f["mlp_sparse"], f["mlp_narrow"]);
    assert!(mlp.0 > 0.95, "the f32 MLP learns: {mlp:?}");
    assert!(
        (int8.0 - mlp.0).abs() <= 0.01,
        "int8 within a point: {int8:?} vs {mlp:?}"
    );
    assert!(
        int8.1 < 0.4 * mlp.1,
        "int8 weights take about a quarter: {int8:?} vs {mlp:?}"
    );
    // Computed in int8: activation scales calibrated on 500 training rows,
    // or taken from each row; within half a point, as small as int8 weights.
    for variant in ["mlp_i8s", "mlp_i8d"] {
        let v = f[variant];
        assert!((v.0 - mlp.0).abs() <= 0.005, "{variant}: {v:?} vs {mlp:?}");
        assert_eq!(v.1, int8.1, "{variant}: {v:?} vs {int8:?}");
    }
    let steps = |model: &str| {
        report["evaluations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["model"] == model)
            .unwrap()["compression"]["steps"][0]
            .clone()
    };
    assert_eq!(steps("mlp_i8s"), "quantize(calibrate=500, format=\"int8\")");
    assert_eq!(
        steps("mlp_i8d"),
        "quantize(activations=\"dynamic\", format=\"int8\")"
    );
    assert!(
        (sparse.2 - 0.5 * mlp.2).abs() <= 0.01 * mlp.2,
        "half the weights: {sparse:?} vs {mlp:?}"
    );
    assert!(
        narrow.2 < 0.75 * mlp.2 && narrow.0 > 0.9,
        "30 % of units removed: {narrow:?}"
    );
    // 80 % of the weights pruned: fine-tuning in 4 gradual steps keeps the
    // MLP within half a point; pruning alone loses more.
    let (p80, p80ft) = (f["mlp_p80"], f["mlp_p80ft"]);
    assert_eq!(p80.2, p80ft.2, "the same share pruned: {p80:?} vs {p80ft:?}");
    assert!(
        p80ft.2 < 0.21 * mlp.2,
        "80 % of the weights are zero: {p80ft:?} vs {mlp:?}"
    );
    assert!(
        mlp.0 - p80ft.0 <= 0.005 && mlp.0 - p80.0 > 0.005,
        "fine-tuning recovers: {p80ft:?} and without it {p80:?}, vs {mlp:?}"
    );
    let low = f["mlp_lowrank"];
    assert!(
        (low.0 - mlp.0).abs() <= 0.005 && low.2 < 0.5 * mlp.2,
        "rank 8 keeps the MLP within half a point with under half the weights: {low:?} vs {mlp:?}"
    );
    // Rank 1: fine-tuning at that rank wins back part of what the
    // factorization lost, with the same weights.
    let (r1, r1ft) = (f["mlp_r1"], f["mlp_r1ft"]);
    assert_eq!(r1.2, r1ft.2, "{r1:?} vs {r1ft:?}");
    assert!(
        r1ft.0 > r1.0 && r1.0 < mlp.0,
        "fine-tuning recovers: {r1ft:?} against {r1:?} and {mlp:?}"
    );
    let (lr, lr_sparse) = (f["lr"], f["lr_sparse"]);
    assert_eq!(lr_sparse.2, 15.0, "half of 30 weights kept: {lr_sparse:?}");
    assert!(
        lr_sparse.1 < lr.1 && lr_sparse.0 > 0.95,
        "{lr_sparse:?} vs {lr:?}"
    );
    let (tree, tree_small) = (f["tree"], f["tree_small"]);
    assert!(
        tree_small.1 < tree.1,
        "pruned tree is smaller: {tree_small:?} vs {tree:?}"
    );
    assert!(tree_small.0 > 0.9, "{tree_small:?}");
    // 20 of 100 trees: a fifth of the size, within a point of the forest.
    let (rf, rf_small) = (f["rf"], f["rf_small"]);
    assert!(
        rf_small.1 <= 0.21 * rf.1 && rf_small.1 >= 0.19 * rf.1,
        "{rf_small:?} vs {rf:?}"
    );
    assert!((rf.0 - rf_small.0).abs() <= 0.01, "{rf_small:?} vs {rf:?}");
    // u16 thresholds keep every split; int8 or f16 leaves move the votes by
    // at most half a step each. Node records halve and leaves shrink.
    for variant in ["rf_int8", "rf_f16"] {
        let q = f[variant];
        assert!((rf.0 - q.0).abs() <= 0.005, "{variant} {q:?} vs {rf:?}");
        assert!(q.1 <= 0.6 * rf.1, "{variant} {q:?} vs {rf:?}");
    }
    assert!(f["rf_int8"].1 < f["rf_f16"].1);
}

#[test]
fn quantized_tree_regressors_stay_within_a_hair_of_their_f32_scores() {
    let dir = root().join("examples");
    let id = std::process::id();
    let file = dir.join(format!("compress-qtrees-{id}.mlg"));
    let report = std::env::temp_dir().join(format!("mlg-compress-qtrees-{id}.json"));
    std::fs::write(
        &file,
        "data d = csv(\"data/diabetes.csv\", target = \"target\")\n\
         model gb = gradient_boosting_regressor(d, rounds = 60, seed = 0)\n\
         compress gb_int8 = gb -> quantize(\"int8\")\n\
         compress gb_f16 = gb -> quantize(\"f16\")\n\
         model rf = random_forest_regressor(d, trees = 30, seed = 0)\n\
         compress rf_int8 = rf -> quantize(\"int8\")\n\
         evaluate gb, gb_int8, gb_f16, rf, rf_int8 with kfold(5, seed = 0) metrics r2\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .args(["run", "--quiet", "--no-importance", "--report"])
        .arg(&report)
        .arg(&file)
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let value: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let _ = std::fs::remove_file(&report);
    // `pointer` into the evaluation of `model`.
    let figure = |model: &str, pointer: &str| {
        value["evaluations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["model"] == model)
            .and_then(|e| e.pointer(pointer)?.as_f64())
            .unwrap()
    };
    let r2 = |model: &str| figure(model, "/metrics/r2/mean");
    let size = |model: &str| figure(model, "/compression/size_bytes");
    assert!(
        r2("gb") > 0.3 && r2("rf") > 0.3,
        "the models learn: {} {}",
        r2("gb"),
        r2("rf")
    );
    // Every split is kept; leaves move by half a step of their format.
    for (base, variant) in [("gb", "gb_int8"), ("gb", "gb_f16"), ("rf", "rf_int8")] {
        assert!(
            (r2(base) - r2(variant)).abs() <= 0.002,
            "{variant} {} vs {base} {}",
            r2(variant),
            r2(base)
        );
        assert!(
            size(variant) <= 0.6 * size(base),
            "{variant} {} vs {base} {}",
            size(variant),
            size(base)
        );
    }
}

/// `mlg check` on `source` (written next to the examples' data) fails with a
/// message containing `want`.
fn check_fails(source: &str, want: &str) {
    let dir = root().join("examples");
    let file = dir.join(format!("compress-check-{}.mlg", std::process::id()));
    std::fs::write(&file, source).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mlg"))
        .arg("check")
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{source}\nunexpectedly checked");
    assert!(stderr.contains(want), "{source}\nwanted {want:?} in:\n{stderr}");
}

#[test]
fn steps_that_cannot_apply_are_check_errors() {
    let head = "data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                features s = bc -> standardize(numeric)\nmodel lr = logistic_regression(s)\n";
    check_fails(
        &format!("{head}compress c = lr -> prune(ccp_alpha = 0.01)\n"),
        "prune(ccp_alpha = ...) prunes decision trees, but the model is `logistic_regression`",
    );
    check_fails(
        &format!("{head}compress c = lr -> prune(neurons = 0.5)\n"),
        "removes hidden units of an MLP",
    );
    check_fails(
        &format!("{head}compress c = lr -> prune()\n"),
        "prune needs one of",
    );
    check_fails(&format!("{head}compress c = lr -> quantize(\"int4\")\n"), "int8");
    check_fails(
        &format!("{head}compress c = lr -> low_rank(rank = 2, finetune = 5)\n"),
        "retrains the factorized layers of an MLP",
    );
    check_fails(
        &format!("{head}compress c = lr -> quantize(\"int8\", activations = \"dynamic\", calibrate = 100)\n"),
        "calibrates static activation scales, but activations = \"dynamic\"",
    );
    check_fails(
        &format!("{head}compress c = lr -> quantize(\"int8\", activations = \"int4\")\n"),
        "activations",
    );
    check_fails(
        &format!("{head}compress c = s -> quantize(\"int8\")\n"),
        "takes a model",
    );
    check_fails(
        &format!("{head}compress c = lr -> shrink()\n"),
        "unknown compress step",
    );
    check_fails(
        &format!("{head}compress c = lr -> quantize(\"f16\")\n"),
        "quantize(\"f16\") stores tree leaves in half precision, but the model is `logistic_regression`",
    );
    let tree = "data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                model t = random_forest_classifier(bc)\n";
    check_fails(
        &format!("{tree}compress c = t -> quantize(\"int8\", calibrate = 100)\n"),
        "is a tree model",
    );
    check_fails(
        &format!("{tree}compress c = t -> quantize(\"f16\", activations = \"dynamic\")\n"),
        "activations and calibrate apply to int8",
    );
    check_fails(
        &format!("{tree}compress c = t -> low_rank(rank = 4)\n"),
        "`low_rank` cannot compress `random_forest_classifier`",
    );
    check_fails(
        &format!("{head}compress c = lr -> low_rank()\n"),
        "low_rank needs one of rank or energy",
    );
    check_fails(
        &format!("{head}compress c = lr -> low_rank(rank = 4, energy = 0.9)\n"),
        "low_rank takes exactly one of rank or energy",
    );
    check_fails(&format!("{head}compress c = lr -> low_rank(rank = 0)\n"), "rank");
    check_fails(
        &format!("{head}compress c = lr -> prune(magnitude = 0.8, finetune = 10)\n"),
        "prune(finetune = ...) retrains the pruned weights of an MLP, but the model is",
    );
    let mlp = format!("{head}model m = mlp_classifier(s)\n");
    check_fails(
        &format!("{mlp}compress c = m -> prune(magnitude = 0.8, steps = 4)\n"),
        "give finetune too",
    );
    check_fails(
        &format!("{head}compress c = lr -> prune(trees = 0.5)\n"),
        "prune(trees = ...) removes whole trees of a random forest or extra trees",
    );
    check_fails(
        &format!("{mlp}compress c = m -> prune(neurons = 0.3, finetune = 4)\n"),
        "finetune applies to prune(magnitude = ...)",
    );
}

#[test]
fn wrong_teachers_and_students_are_check_errors() {
    let head = "data bc = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                features s = bc -> standardize(numeric)\nmodel lr = logistic_regression(s)\n";
    let cases = [
        (
            "lr -> distill(student = lr)",
            "the student of `c` must be a model call, but it is the name `lr`",
        ),
        (
            "lr -> distill(alpha = 0.5)",
            "`distill` in `c` needs a student model",
        ),
        (
            "lr -> distill(student = mlp_regressor(s))",
            "the student `mlp_regressor` is a regression model, but the teacher `lr` is a classification",
        ),
        (
            "s -> distill(student = mlp_classifier(s))",
            "`distill` needs a teacher model, but `s` is a `features` stage",
        ),
        (
            "lr -> quantize(\"int8\") -> distill(student = mlp_classifier(s))",
            "`distill` must be the first step",
        ),
        (
            "lr -> distill(student = random_forest_classifier(bc)) -> low_rank(rank = 2)",
            "`low_rank` cannot compress `random_forest_classifier`",
        ),
        (
            "lr -> distill(student = mlp_classifier(nothere))",
            "unknown name `nothere`",
        ),
        (
            "lr -> distill(student = mlp_classifier(s), temperature = 0)",
            "temperature",
        ),
    ];
    for (statement, want) in cases {
        check_fails(&format!("{head}compress c = {statement}\n"), want);
    }
}

#[test]
fn explain_runs_a_transform_by_name() {
    let explain = |transform: &str| {
        Command::new(env!("CARGO_BIN_EXE_mlg"))
            .args([
                "explain",
                "iris.mlg",
                "--stage",
                "optimized",
                "--transform",
                transform,
            ])
            .current_dir(root().join("examples"))
            .output()
            .unwrap()
    };
    let out = explain("quantize-int8");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("qaffine"), "{text}");
    let out = explain("prune-magnitude=0.5");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("affine"), "{text}");
    let out = explain("shrink");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("known transforms: quantize-int8"),
        "{err}"
    );
    // Iris' 3 x 4 layer: rank 1 costs 1 x (3 + 4) = 7 multiply-adds of 12.
    let out = explain("low-rank=1");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let affines: Vec<&str> = text.lines().filter(|l| l.contains(" = affine ")).collect();
    assert_eq!(affines.len(), 2, "two factors:\n{text}");
    assert!(
        affines[0].ends_with(": 1") && affines[1].ends_with(": 3"),
        "{text}"
    );
    // Rank 2 costs 14: no layer gets cheaper, and the variant would be the model.
    let out = explain("low-rank=2");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("model `lr`: low_rank(rank = 2) factorizes no layer")
            && err.contains("the model's layers are 3 x 4"),
        "{err}"
    );
}
