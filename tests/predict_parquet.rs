//! `mlg predict --output x.parquet`: the same labels and numbers as the CSV
//! output of the same run, probability columns that sum to one, nulls where CSV
//! is empty, no file left by a failed run; Parquet input predicts what CSV
//! input does.

mod cli_support;

use cli_support::{copy_examples, fails, fresh_dir, mlg, nothing_written, ok, write_bad_iris_rows};
use mlg_runtime::frame::Frame;
use mlg_runtime::parquet::read_parquet;
use std::path::{Path, PathBuf};

/// A fresh folder with iris and diabetes trained and deployed; returns it and
/// the two artifacts' paths.
fn deployed() -> (PathBuf, String, String) {
    let dir = fresh_dir("predict-parquet");
    copy_examples(
        &dir,
        &["iris.mlg", "diabetes.mlg", "data/iris.csv", "data/diabetes.csv"],
    );
    for file in ["iris.mlg", "diabetes.mlg"] {
        ok(&mlg(&["run", file, "--quiet", "--no-importance"], &dir));
    }
    let artifact = |stem: &str| dir.join("out").join(format!("{stem}.mlgc")).display().to_string();
    let (iris, diabetes) = (artifact("iris"), artifact("diabetes"));
    (dir, iris, diabetes)
}

/// Runs `mlg predict ARTIFACT --input INPUT --output OUTPUT EXTRA...` in `dir`,
/// which must succeed.
fn predict(dir: &Path, artifact: &str, input: &str, output: &str, extra: &[&str]) {
    let mut args = vec!["predict", artifact, "--input", input, "--output", output];
    args.extend(extra);
    ok(&mlg(&args, dir));
}

/// The CSV output's rows as fields, without the header (and the header).
fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|f| f.trim_matches('"').to_string()).collect())
        .collect();
    (header, rows)
}

/// The value of numeric column `c` at `row` as the `f32` written, `None` when null.
fn number(frame: &Frame, c: usize, row: usize) -> Option<f32> {
    let column = &frame.columns[c];
    (!column.missing[row]).then(|| column.as_numeric().unwrap()[row] as f32)
}

/// `None` for an empty CSV field, else the `f32` it reads as.
fn csv_number(field: &str) -> Option<f32> {
    (!field.is_empty()).then(|| field.parse::<f32>().unwrap())
}

#[test]
fn parquet_output_equals_csv_output_with_probabilities_summing_to_one() {
    let (dir, iris, diabetes) = deployed();
    // More rows than one row group (65,536), so the file has several.
    let text = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let mut lines = text.lines();
    let mut big = format!("{}\n", lines.next().unwrap());
    let rows: Vec<&str> = lines.collect();
    let n = 66_000;
    for i in 0..n {
        big.push_str(rows[i % rows.len()]);
        big.push('\n');
    }
    std::fs::write(dir.join("big.csv"), &big).unwrap();
    predict(&dir, &iris, "big.csv", "preds/big.csv", &["--proba"]);
    predict(&dir, &iris, "big.csv", "preds/big.parquet", &["--proba"]);
    let (header, expected) = csv_rows(&dir.join("preds/big.csv"));
    let frame = read_parquet(&dir.join("preds/big.parquet")).unwrap();
    let names: Vec<&str> = frame.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, header);
    assert_eq!(names, ["prediction", "proba_0", "proba_1", "proba_2"]);
    assert_eq!(frame.n_rows, n);
    assert_eq!(expected.len(), n);
    for (row, fields) in expected.iter().enumerate() {
        assert_eq!(frame.columns[0].display_value(row), fields[0], "row {row}");
        let mut sum = 0.0;
        for (c, field) in fields.iter().enumerate().skip(1) {
            let p = number(&frame, c, row);
            assert_eq!(p, csv_number(field), "row {row}, column {}", names[c]);
            sum += f64::from(p.unwrap());
        }
        assert!((sum - 1.0).abs() < 1e-4, "row {row}: probabilities sum to {sum}");
    }

    // A regressor, written to `.PQ` (any letter case): Float32 predictions.
    predict(&dir, &diabetes, "data/diabetes.csv", "d.csv", &[]);
    predict(&dir, &diabetes, "data/diabetes.csv", "d.PQ", &[]);
    let (_, expected) = csv_rows(&dir.join("d.csv"));
    let frame = read_parquet(&dir.join("d.PQ")).unwrap();
    assert_eq!(frame.columns.len(), 1);
    assert_eq!(frame.n_rows, 442);
    assert_eq!(expected.len(), 442);
    for (row, fields) in expected.iter().enumerate() {
        assert_eq!(number(&frame, 0, row), csv_number(&fields[0]), "row {row}");
    }
}

#[test]
fn a_row_the_model_cannot_predict_is_a_parquet_null_with_on_invalid_null() {
    let (dir, iris, diabetes) = deployed();
    // Diabetes has no imputation: a missing `bmi` makes the prediction NaN.
    let text = std::fs::read_to_string(dir.join("data/diabetes.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().take(4).map(String::from).collect();
    let bmi = lines[0].split(',').position(|h| h == "bmi").unwrap();
    let mut fields: Vec<&str> = lines[2].split(',').collect();
    fields[bmi] = "NA";
    lines[2] = fields.join(",");
    std::fs::write(dir.join("rows.csv"), lines.join("\n") + "\n").unwrap();
    let null = ["--on-invalid", "null"];
    predict(&dir, &diabetes, "rows.csv", "d.csv", &null);
    predict(&dir, &diabetes, "rows.csv", "d.parquet", &null);
    let (_, expected) = csv_rows(&dir.join("d.csv"));
    let frame = read_parquet(&dir.join("d.parquet")).unwrap();
    assert_eq!(frame.n_rows, 3);
    assert_eq!(frame.columns[0].missing, [false, true, false]);
    for (row, fields) in expected.iter().enumerate() {
        assert_eq!(number(&frame, 0, row), csv_number(&fields[0]), "row {row}");
    }

    // A classifier's invalid row: a null label and null probabilities, never class "0".
    let header = "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n";
    let rows = format!("{header}5.1,3.5,1.4,0.2\nNA,3.0,1.4,0.2\n6.3,3.3,6.0,2.5\n");
    std::fs::write(dir.join("iris_rows.csv"), rows).unwrap();
    predict(
        &dir,
        &iris,
        "iris_rows.csv",
        "i.parquet",
        &["--on-invalid", "null", "--proba"],
    );
    let frame = read_parquet(&dir.join("i.parquet")).unwrap();
    let labels: Vec<String> = (0..3).map(|r| frame.columns[0].display_value(r)).collect();
    assert_eq!(labels, ["0", "", "2"]);
    for column in &frame.columns {
        assert_eq!(column.missing, [false, true, false], "{}", column.name);
    }
}

#[test]
fn a_failed_run_leaves_no_parquet_file() {
    let (dir, iris, _) = deployed();
    // Line 9002, in the second chunk: the first is already written.
    write_bad_iris_rows(&dir);
    let text = std::fs::read_to_string(dir.join("bad.csv")).unwrap();
    let args = ["predict", &iris, "--input", "bad.csv", "--output", "out.parquet"];
    let err = fails(&mlg(&args, &dir));
    assert!(err.contains("bad.csv:9002") && err.contains("oops"), "{err}");
    assert!(
        nothing_written(&dir, "out.parquet"),
        "a failed run leaves no output"
    );
    // A row the model cannot predict, under the default `--on-invalid error`.
    let invalid = text.replace("oops", "1.4") + "NA,3.5,1.4,0.2\n";
    std::fs::write(dir.join("invalid.csv"), invalid).unwrap();
    let args = [
        "predict",
        &iris,
        "--input",
        "invalid.csv",
        "--output",
        "out.parquet",
    ];
    let err = fails(&mlg(&args, &dir));
    assert!(err.contains("cannot predict"), "{err}");
    assert!(
        nothing_written(&dir, "out.parquet"),
        "a failed run leaves no output"
    );
}

/// Writes the rows of iris.csv (four measures, the species as a string)
/// to a Parquet file of row groups of 40 rows, without `drop` among its columns.
fn iris_parquet(dir: &Path, name: &str, drop: &str) -> PathBuf {
    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    let text = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let columns: Vec<(&str, ArrayRef)> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| **h != drop)
        .map(|(c, h)| {
            let values = rows.iter().map(|r| r[c]);
            let array: ArrayRef = match values
                .clone()
                .map(str::parse::<f64>)
                .collect::<Result<Vec<_>, _>>()
            {
                Ok(numbers) => std::sync::Arc::new(Float64Array::from(numbers)),
                Err(_) => std::sync::Arc::new(StringArray::from(values.collect::<Vec<_>>())),
            };
            (*h, array)
        })
        .collect();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(40))
        .build();
    let path = dir.join(name);
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        Some(properties),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    path
}

#[test]
fn parquet_input_predicts_what_csv_input_predicts() {
    let (dir, iris, _) = deployed();
    iris_parquet(&dir, "iris.parquet", "");
    predict(&dir, &iris, "data/iris.csv", "from_csv.csv", &["--proba"]);
    predict(&dir, &iris, "iris.parquet", "from_parquet.csv", &["--proba"]);
    let (header, rows) = csv_rows(&dir.join("from_parquet.csv"));
    assert_eq!(header, ["prediction", "proba_0", "proba_1", "proba_2"]);
    assert_eq!(rows.len(), 150, "four row groups, every row");
    assert_eq!(csv_rows(&dir.join("from_csv.csv")), (header, rows));
    // A file without an input the model needs, or not Parquet, fails naming
    // it, and writes nothing.
    let first_input = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let first_input = first_input.split(',').next().unwrap().to_string();
    iris_parquet(&dir, "short.parquet", &first_input);
    let args = [
        "predict",
        &iris,
        "--input",
        "short.parquet",
        "--output",
        "short.csv",
    ];
    let err = fails(&mlg(&args, &dir));
    assert!(err.contains(&first_input), "{err}");
    assert!(!dir.join("short.csv").exists());
    std::fs::write(dir.join("bad.parquet"), b"PAR1 not really PAR1").unwrap();
    let err = fails(&mlg(&["predict", &iris, "--input", "bad.parquet"], &dir));
    assert!(err.contains("bad.parquet"), "{err}");
}

#[test]
fn unknown_input_and_output_names_are_usage_errors() {
    let (dir, iris, _) = deployed();
    std::fs::write(dir.join("rows.txt"), "x\n1\n").unwrap();
    let err = fails(&mlg(&["predict", &iris, "--input", "rows.txt"], &dir));
    assert!(
        err.contains("rows.txt") && err.contains(".csv, .jsonl or .parquet"),
        "{err}"
    );
    let args = ["predict", &iris, "--input", "data/iris.csv", "--output", "p.txt"];
    let err = fails(&mlg(&args, &dir));
    assert!(err.contains("p.txt") && err.contains(".parquet"), "{err}");
    assert!(!dir.join("p.txt").exists());
}

#[test]
fn an_id_column_passes_through_to_every_format_aligned_with_skipped_rows() {
    let (dir, iris, _) = deployed();
    // Rows named r1.., the second missing a value the model needs.
    let text = std::fs::read_to_string(dir.join("data/iris.csv")).unwrap();
    let mut lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("row_id,{l}")
            } else {
                format!("r{i},{l}")
            }
        })
        .collect();
    let mut fields: Vec<String> = lines[2].split(',').map(String::from).collect();
    fields[2].clear();
    lines[2] = fields.join(",");
    std::fs::write(dir.join("named.csv"), lines.join("\n") + "\n").unwrap();

    predict(
        &dir,
        &iris,
        "named.csv",
        "skip.csv",
        &["--id", "row_id", "--on-invalid", "skip"],
    );
    let (header, rows) = csv_rows(&dir.join("skip.csv"));
    assert_eq!(header, ["row_id", "prediction"]);
    assert_eq!(rows.len(), 149);
    assert_eq!(
        (rows[0][0].as_str(), rows[1][0].as_str()),
        ("r1", "r3"),
        "r2 was skipped, with its ID"
    );
    // The IDs say which prediction is which: the same as without --id.
    predict(&dir, &iris, "data/iris.csv", "plain.csv", &[]);
    let (_, plain) = csv_rows(&dir.join("plain.csv"));
    for row in &rows {
        let i: usize = row[0][1..].parse().unwrap();
        assert_eq!(row[1], plain[i - 1][0], "{row:?}");
    }

    predict(
        &dir,
        &iris,
        "named.csv",
        "null.parquet",
        &["--id", "row_id", "--on-invalid", "null", "--proba"],
    );
    let frame = read_parquet(&dir.join("null.parquet")).unwrap();
    assert_eq!(
        frame.names(),
        ["row_id", "prediction", "proba_0", "proba_1", "proba_2"]
    );
    assert_eq!(frame.n_rows, 150);
    let ids = frame.column("row_id").unwrap();
    let mlg_runtime::ColumnData::Categorical { codes, levels } = &ids.data else {
        panic!("IDs are text")
    };
    assert_eq!(levels[codes[1] as usize], "r2");
    assert!(
        frame.column("prediction").unwrap().missing[1],
        "r2 has no prediction"
    );
    assert_eq!(number(&frame, 2, 1), None);

    let err = fails(&mlg(
        &["predict", &iris, "--input", "named.csv", "--id", "customer"],
        &dir,
    ));
    assert!(err.contains("the header lacks the column `customer`"), "{err}");
}
