//! `mlg predict` streaming: the same predictions as `Model::predict` on the whole
//! file, inputs longer than one chunk, JSON lines in and out, probability
//! columns, and errors that name the line or the column.

mod cli_support;

use cli_support::{copy_examples, fails, fresh_dir, mlg, nothing_written, ok, write_bad_iris_rows};
use mlg_runtime::Model;
use std::path::{Path, PathBuf};

/// A fresh folder with the example workflows and data.
fn workspace() -> PathBuf {
    let dir = fresh_dir("predict");
    copy_examples(
        &dir,
        &[
            "iris.mlg",
            "penguins.mlg",
            "diabetes.mlg",
            "data/iris.csv",
            "data/penguins.csv",
            "data/diabetes.csv",
        ],
    );
    dir
}

/// Trains `file` in `dir` (writing `out/STEM.mlgc`) and returns the artifact's path.
fn deploy(dir: &Path, file: &str) -> PathBuf {
    ok(&mlg(&["run", file, "--quiet", "--no-importance"], dir));
    let stem = file.trim_end_matches(".mlg");
    dir.join("out").join(format!("{stem}.mlgc"))
}

/// What `Model::predict` gives on the whole file, as the CSV `mlg predict` writes.
fn in_process(artifact: &Path, csv: &Path) -> String {
    let model = Model::load(artifact).unwrap();
    let frame = mlg_runtime::csv::read_csv_typed(csv, &model.input_kinds()).unwrap();
    model.predict(&frame).unwrap().to_csv_string().unwrap()
}

#[test]
fn streamed_predictions_equal_whole_file_predictions() {
    let dir = workspace();
    let artifact = deploy(&dir, "penguins.mlg");
    let data = dir.join("data/penguins.csv");
    // An unseen island and a missing sex: handled as Model::predict handles them.
    let mut text = std::fs::read_to_string(&data).unwrap();
    let last = text.lines().last().unwrap().to_string();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let island = header.iter().position(|h| *h == "island").unwrap();
    let mut fields: Vec<String> = last.split(',').map(String::from).collect();
    fields[island] = "Atlantis".into();
    text.push_str(&fields.join(","));
    text.push('\n');
    std::fs::write(dir.join("more.csv"), &text).unwrap();
    let streamed = ok(&mlg(
        &[
            "predict",
            artifact.to_str().unwrap(),
            "--input",
            "more.csv",
            "--proba",
        ],
        &dir,
    ));
    assert_eq!(streamed, in_process(&artifact, &dir.join("more.csv")));
    assert_eq!(streamed.lines().count(), text.lines().count());
}

#[test]
fn inputs_longer_than_one_chunk_stream_through() {
    let dir = workspace();
    let artifact = deploy(&dir, "iris.mlg");
    let iris = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let mut lines = iris.lines();
    let mut big = format!("{}\n", lines.next().unwrap());
    let rows: Vec<&str> = lines.collect();
    let n = 3 * mlg_runtime::stream::DEFAULT_CHUNK_ROWS + 17;
    for i in 0..n {
        let fields: Vec<f64> = rows[i % rows.len()]
            .split(',')
            .take(4)
            .map(|f| f.parse::<f64>().unwrap() + (i % 7) as f64 * 0.05)
            .collect();
        let text: Vec<String> = fields.iter().map(|f| format!("{f}")).collect();
        big.push_str(&text.join(","));
        big.push_str(",0\n");
    }
    std::fs::write(dir.join("big.csv"), &big).unwrap();
    ok(&mlg(
        &[
            "predict",
            artifact.to_str().unwrap(),
            "--input",
            "big.csv",
            "--output",
            "preds/big.csv",
            "--proba",
        ],
        &dir,
    ));
    let written = std::fs::read_to_string(dir.join("preds/big.csv")).unwrap();
    assert_eq!(written.lines().count(), n + 1);
    assert_eq!(written, in_process(&artifact, &dir.join("big.csv")));
}

#[test]
fn json_lines_in_and_out() {
    let dir = workspace();
    let artifact = deploy(&dir, "iris.mlg");
    let iris = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let mut lines = iris.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut jsonl = String::new();
    for line in lines {
        let object: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .zip(line.split(','))
            .take(4)
            .map(|(h, v)| (h.to_string(), serde_json::json!(v.parse::<f64>().unwrap())))
            .collect();
        jsonl.push_str(&serde_json::Value::Object(object).to_string());
        jsonl.push('\n');
    }
    std::fs::write(dir.join("rows.jsonl"), &jsonl).unwrap();
    let a = artifact.to_str().unwrap();
    ok(&mlg(
        &[
            "predict",
            a,
            "--input",
            "rows.jsonl",
            "--output",
            "preds.jsonl",
            "--proba",
        ],
        &dir,
    ));
    let expected = in_process(&artifact, &dir.join("data/iris.csv"));
    let written = std::fs::read_to_string(dir.join("preds.jsonl")).unwrap();
    assert_eq!(written.lines().count(), 150);
    for (json, csv) in written.lines().zip(expected.lines().skip(1)) {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        let fields: Vec<&str> = csv.split(',').collect();
        assert_eq!(v["prediction"], fields[0], "{json} vs {csv}");
        for (class, p) in ["0", "1", "2"].iter().zip(&fields[1..]) {
            let got = v[format!("proba_{class}")].as_f64().unwrap() as f32;
            assert_eq!(got, p.parse::<f32>().unwrap(), "{json} vs {csv}");
        }
    }
    // JSON lines in, CSV on stdout.
    let stdout = ok(&mlg(&["predict", a, "--input", "rows.jsonl", "--proba"], &dir));
    assert_eq!(stdout, expected);
}

#[test]
fn probability_columns_are_opt_in_and_sum_to_one() {
    let dir = workspace();
    let artifact = deploy(&dir, "iris.mlg");
    let a = artifact.to_str().unwrap();
    let out = ok(&mlg(&["predict", a, "--input", "data/iris.csv", "--proba"], &dir));
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("prediction,proba_0,proba_1,proba_2"));
    for line in lines {
        let sum: f64 = line.split(',').skip(1).map(|p| p.parse::<f64>().unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-4, "{line}: {sum}");
    }
    let bare = ok(&mlg(&["predict", a, "--input", "data/iris.csv"], &dir));
    assert_eq!(bare.lines().next(), Some("prediction"));
    assert!(bare.lines().skip(1).all(|l| ["0", "1", "2"].contains(&l)));

    let diabetes = deploy(&dir, "diabetes.mlg");
    let d = diabetes.to_str().unwrap();
    let err = fails(&mlg(
        &["predict", d, "--input", "data/diabetes.csv", "--proba"],
        &dir,
    ));
    assert!(err.contains("regressor"), "{err}");
    let out = ok(&mlg(&["predict", d, "--input", "data/diabetes.csv"], &dir));
    assert_eq!(out.lines().next(), Some("prediction"));
    assert_eq!(out.lines().count(), 443);
}

#[test]
fn a_bad_row_names_its_line_and_leaves_no_output() {
    let dir = workspace();
    let artifact = deploy(&dir, "iris.mlg");
    let a = artifact.to_str().unwrap();
    write_bad_iris_rows(&dir);
    let err = fails(&mlg(
        &["predict", a, "--input", "bad.csv", "--output", "out.csv"],
        &dir,
    ));
    assert!(
        err.contains("bad.csv:9002") && err.contains("petal_length_cm") && err.contains("oops"),
        "{err}"
    );
    assert!(
        nothing_written(&dir, "out.csv"),
        "a failed run leaves no output file and no temporary file"
    );

    std::fs::write(dir.join("bad.jsonl"), "{\"sepal_length_cm\": 1}\n").unwrap();
    let err = fails(&mlg(&["predict", a, "--input", "bad.jsonl"], &dir));
    assert!(
        err.contains("bad.jsonl:1") && err.contains("sepal_width_cm"),
        "{err}"
    );
    std::fs::write(dir.join("broken.jsonl"), "{\"sepal_length_cm\": 1, \n").unwrap();
    let err = fails(&mlg(&["predict", a, "--input", "broken.jsonl"], &dir));
    assert!(
        err.contains("broken.jsonl:1") && err.contains("invalid JSON"),
        "{err}"
    );
}

#[test]
fn a_missing_column_is_named() {
    let dir = workspace();
    let artifact = deploy(&dir, "iris.mlg");
    std::fs::write(
        dir.join("short.csv"),
        "sepal_length_cm,sepal_width_cm,petal_length_cm\n5.1,3.5,1.4\n",
    )
    .unwrap();
    let err = fails(&mlg(
        &["predict", artifact.to_str().unwrap(), "--input", "short.csv"],
        &dir,
    ));
    assert!(
        err.contains("short.csv") && err.contains("petal_width_cm") && !err.contains("`sepal_width_cm`"),
        "{err}"
    );
    let err = fails(&mlg(
        &["predict", artifact.to_str().unwrap(), "--input", "short.txt"],
        &dir,
    ));
    assert!(err.contains(".csv, .jsonl or .parquet"), "{err}");
}

#[test]
fn extra_columns_are_ignored_and_named_or_refused_with_strict_columns() {
    let dir = workspace();
    let artifact = deploy(&dir, "iris.mlg");
    let artifact = artifact.to_str().unwrap();
    // iris.csv carries `target`, which the model does not read; add an ID.
    let text = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let with_id: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("id,{l}")
            } else {
                format!("{i},{l}")
            }
        })
        .collect();
    std::fs::write(dir.join("ids.csv"), with_id.join("\n") + "\n").unwrap();
    let out = mlg(&["predict", artifact, "--input", "ids.csv"], &dir);
    let predictions = ok(&out);
    assert_eq!(
        predictions,
        ok(&mlg(&["predict", artifact, "--input", "data/iris.csv"], &dir))
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ids.csv: ignored 2 columns the model does not read: `id`, `target`"),
        "{stderr}"
    );

    let err = fails(&mlg(
        &[
            "predict",
            artifact,
            "--input",
            "ids.csv",
            "--output",
            "p.csv",
            "--strict-columns",
        ],
        &dir,
    ));
    assert!(
        err.contains("ids.csv: columns the model does not read: `id`, `target`; drop them, or leave out --strict-columns"),
        "{err}"
    );
    assert!(nothing_written(&dir, "p.csv"));

    // JSON lines: keys beyond the inputs, from whichever row has them.
    let jsonl = "{\"sepal_length_cm\": 5.1, \"sepal_width_cm\": 3.5, \"petal_length_cm\": 1.4, \"petal_width_cm\": 0.2}\n\
                 {\"sepal_length_cm\": 6.7, \"sepal_width_cm\": 3.0, \"petal_length_cm\": 5.2, \"petal_width_cm\": 2.3, \"customer\": \"c9\"}\n";
    std::fs::write(dir.join("rows.jsonl"), jsonl).unwrap();
    let out = mlg(&["predict", artifact, "--input", "rows.jsonl"], &dir);
    assert_eq!(ok(&out), "prediction\n0\n2\n");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("ignored 1 column the model does not read: `customer`")
    );
    let err = fails(&mlg(
        &["predict", artifact, "--input", "rows.jsonl", "--strict-columns"],
        &dir,
    ));
    assert!(
        err.contains("rows.jsonl: column the model does not read: `customer`; drop it"),
        "{err}"
    );
}

#[test]
fn an_id_passes_through_json_lines_as_read() {
    let dir = workspace();
    let artifact = deploy(&dir, "iris.mlg");
    let rows = "{\"n\": 7, \"sepal_length_cm\": 5.1, \"sepal_width_cm\": 3.5, \"petal_length_cm\": 1.4, \"petal_width_cm\": 0.2}\n\
                {\"n\": \"x-2\", \"sepal_length_cm\": 6.7, \"sepal_width_cm\": 3.0, \"petal_length_cm\": 5.2, \"petal_width_cm\": 2.3}\n\
                {\"n\": null, \"sepal_length_cm\": 6.7, \"sepal_width_cm\": 3.0, \"petal_length_cm\": 5.2, \"petal_width_cm\": 2.3}\n";
    std::fs::write(dir.join("rows.jsonl"), rows).unwrap();
    let args = [
        "predict",
        artifact.to_str().unwrap(),
        "--input",
        "rows.jsonl",
        "--id",
        "n",
        "--output",
        "p.jsonl",
    ];
    ok(&mlg(&args, &dir));
    let written = std::fs::read_to_string(dir.join("p.jsonl")).unwrap();
    assert_eq!(
        written,
        "{\"n\":\"7\",\"prediction\":\"0\"}\n{\"n\":\"x-2\",\"prediction\":\"2\"}\n{\"n\":\"\",\"prediction\":\"2\"}\n"
    );
}

/// Gradient boosting deployed on penguins' raw columns (categories split as
/// sets, missing values native): the artifact's graph holds the sets as
/// `lookup`s, and `mlg predict` takes rows with an island it never saw and
/// with missing values, giving what `Model::predict` gives and the right
/// species for the rows it trained on.
#[test]
fn native_categories_deploy_and_predict_unseen_and_missing_values() {
    let dir = workspace();
    std::fs::write(
        dir.join("native.mlg"),
        "data penguins = csv(\"data/penguins.csv\", target = \"species\")\n\
         model gb = gradient_boosting_classifier(penguins, rounds = 30)\n\
         deploy gb to \"out/native.mlgc\"\n",
    )
    .unwrap();
    let explained = ok(&mlg(&["explain", "native.mlg", "--stage", "optimized"], &dir));
    assert!(explained.contains("= lookup %0 table=["), "{explained}");
    let artifact = deploy(&dir, "native.mlg");
    let rows = "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n\
                Torgersen,39.1,18.7,181.0,3750.0,male,2007\n\
                Atlantis,39.1,18.7,181.0,3750.0,male,2007\n\
                Biscoe,46.1,13.2,211.0,4500.0,,2007\n\
                Dream,49.7,18.6,195.0,3600.0,male,2008\n\
                Dream,,,,,,2008\n";
    let csv = dir.join("new.csv");
    std::fs::write(&csv, rows).unwrap();
    let out = ok(&mlg(
        &[
            "predict",
            artifact.to_str().unwrap(),
            "--input",
            csv.to_str().unwrap(),
            "--proba",
        ],
        &dir,
    ));
    assert_eq!(out, in_process(&artifact, &csv));
    let species: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(species.len(), 5, "{out}");
    assert_eq!(
        &species[..4],
        ["Adelie", "Adelie", "Gentoo", "Chinstrap"],
        "{out}"
    );
}
