//! Fitting a 6-step features chain plus logistic regression on 1,000,000 rows ×
//! 20 columns, then transforming every row through the compiled function. Not a
//! criterion benchmark: one fit is seconds long, so it is timed once and
//! reported (seconds and rows/s), next to the CSV load it needs.
//!
//! `cargo bench --bench chain` (`MLG_BENCH_ROWS` overrides the row count).

use mlg_stdlib::eval::rng::SplitMix64;
use std::fmt::Write as _;
use std::time::Instant;

const COLS: usize = 20;

fn generate(dir: &std::path::Path, rows: usize) -> std::path::PathBuf {
    let mut rng = SplitMix64::new(11);
    let mut gauss = move || {
        let (u, v) = (rng.next_f64().max(1e-12), rng.next_f64());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let mut csv = String::with_capacity(rows * COLS * 9);
    let header: Vec<String> = (0..COLS).map(|j| format!("f{j}")).collect();
    let _ = writeln!(csv, "{},target", header.join(","));
    for i in 0..rows {
        let mut margin = 0.0;
        for j in 0..COLS {
            let z = gauss();
            if j < 8 {
                margin += z * (j as f64 - 3.5);
            }
            if (i + j) % 97 == 0 {
                csv.push(',');
            } else {
                let _ = write!(csv, "{:.4},", 5.0 * j as f64 + (1.0 + j as f64 / 4.0) * z);
            }
        }
        let _ = writeln!(csv, "{}", u8::from(margin + gauss() > 0.0));
    }
    std::fs::create_dir_all(dir).expect("bench folder");
    std::fs::write(dir.join("wide.csv"), csv).expect("write data");
    let mlg = "data wide = csv(\"wide.csv\", target = \"target\")\n\
               features prep = wide\n\
                 -> impute(numeric, strategy = \"median\")\n\
                 -> clip_outliers(numeric, method = \"iqr\", k = 3)\n\
                 -> robust_scale(numeric)\n\
                 -> select_k_best(numeric, k = 12, score = \"f_classif\")\n\
                 -> standardize(numeric)\n\
                 -> pca(numeric, n = 8)\n\
               model lr = logistic_regression(prep)\n";
    std::fs::write(dir.join("wide.mlg"), mlg).expect("write workflow");
    dir.join("wide.mlg")
}

fn main() {
    let rows: usize = std::env::var("MLG_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("mlg-chain-bench-{}", std::process::id()));
    let t = Instant::now();
    let path = generate(&dir, rows);
    println!(
        "generate {rows} rows x {COLS} columns: {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let wf = mlg::Workflow::from_file(&path).expect("workflow checks");
    let load = t.elapsed().as_secs_f64();
    println!(
        "load + check (CSV parse, schema): {load:.2} s ({:.2} M rows/s)",
        rows as f64 / load / 1e6
    );

    let t = Instant::now();
    let model = wf.compile("lr").expect("chain fits and compiles");
    let fit = t.elapsed().as_secs_f64();
    println!(
        "fit 6-step chain + logistic regression, optimize, compile: {fit:.2} s ({:.2} M rows/s)",
        rows as f64 / fit / 1e6
    );

    let frame = wf.data_frame("wide").expect("data frame");
    let t = Instant::now();
    let encoded = mlg_runtime::rows::encode_rows(&frame, model.inputs()).expect("rows encode");
    let encode = t.elapsed().as_secs_f64();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let out = model.predict_rows(&encoded, rows).expect("predicts");
        best = best.min(t.elapsed().as_secs_f64());
        std::hint::black_box(out);
    }
    println!(
        "transform + predict through the compiled function ({} inputs after pruning): {:.3} s ({:.1} M rows/s; row encoding {:.2} s)",
        model.inputs().len(),
        best,
        rows as f64 / best / 1e6,
        encode
    );
    let _ = std::fs::remove_dir_all(&dir);
}
