//! No leakage: every fold refits the whole features chain on its training rows
//! only, so a statistic that test rows would change (here an extreme outlier in one
//! fold) keeps its fold-local value.

use mlg::executor::Chain;
use mlg_compiler::ir::Op;

/// A workflow over 10 rows whose last row holds an outlier (x = 1000).
fn workflow(dir: &std::path::Path) -> mlg::Workflow {
    std::fs::create_dir_all(dir).unwrap();
    let mut csv = String::from("x,target\n");
    for i in 0..9 {
        csv.push_str(&format!("{},{}\n", i + 1, 2 * (i + 1)));
    }
    csv.push_str("1000,2000\n");
    std::fs::write(dir.join("d.csv"), csv).unwrap();
    let mlg = "data d = csv(\"d.csv\", target = \"target\")\n\
               features prep = d -> standardize(numeric)\n\
               model m = linear_regression(prep)\n";
    std::fs::write(dir.join("w.mlg"), mlg).unwrap();
    mlg::Workflow::from_file(dir.join("w.mlg")).unwrap()
}

/// The `scale` constants the lowered chain applies to `x`.
fn scale_of(graph: &mlg_compiler::ir::Graph) -> (f32, f32) {
    graph
        .nodes
        .iter()
        .find_map(|n| match &n.op {
            Op::Scale { mul, add, .. } => Some((mul[0], add[0])),
            _ => None,
        })
        .expect("standardize lowers to a scale")
}

#[test]
fn standardize_is_fitted_on_the_training_rows_of_each_fold() {
    let dir = std::env::temp_dir().join(format!("mlg-leakage-{}", std::process::id()));
    let wf = workflow(&dir);
    let chain = Chain::of(&wf, "m").unwrap();
    let target = chain.target().unwrap();

    // Fold whose test part is the outlier row: training rows are x = 1..9.
    let train: Vec<usize> = (0..9).collect();
    let (mul, add) = scale_of(&chain.fit(&target, &train).unwrap().lower("m").unwrap());
    let (mean, std) = (5.0f64, (60.0f64 / 9.0).sqrt()); // population std of 1..9
    assert!((f64::from(mul) - 1.0 / std).abs() < 1e-6, "mul {mul}");
    assert!((f64::from(add) + mean / std).abs() < 1e-5, "add {add}");

    // Fitting on every row (what a leaky pipeline would do) gives other numbers.
    let all: Vec<usize> = (0..10).collect();
    let (leaky_mul, _) = scale_of(&chain.fit(&target, &all).unwrap().lower("m").unwrap());
    assert!(
        (leaky_mul - mul).abs() > 0.1,
        "outlier must change the all-rows scale"
    );

    // A fold that trains on the outlier sees it: its scale differs from the first fold's.
    let with_outlier: Vec<usize> = (1..10).collect();
    let (fold_mul, _) = scale_of(&chain.fit(&target, &with_outlier).unwrap().lower("m").unwrap());
    assert!((fold_mul - mul).abs() > 0.1);
    let _ = std::fs::remove_dir_all(&dir);
}
