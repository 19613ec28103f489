//! The CLI's files and memory: `mlg bench --rows` is checked against its cap
//! before anything is allocated, `mlg profile` stays fast and small on a very
//! wide file, and a file that is not an artifact (`/dev/zero`, a 2 GB file of
//! zeros, a directory) is refused at once, naming it. Each runs the binary
//! under an address-space limit and a timeout.

mod cli_support;

use cli_support::{copy_examples, fails_cleanly, fresh_dir, mlg, mlg_limited, ok};
use std::path::PathBuf;

/// A fresh folder with iris and a small deployed tree, `out/t.mlgc`.
fn deployed() -> PathBuf {
    let dir = fresh_dir("resources");
    copy_examples(&dir, &["data/iris.csv"]);
    std::fs::write(
        dir.join("t.mlg"),
        "data d = csv(\"data/iris.csv\", target = \"target\")\n\
         model t = decision_tree_classifier(d, max_depth = 3)\n\
         deploy t to \"out/t.mlgc\"\n",
    )
    .unwrap();
    ok(&mlg(&["run", "t.mlg", "--quiet"], &dir));
    dir
}

#[test]
fn bench_rows_past_the_cap_are_refused_with_the_memory_they_need() {
    let dir = deployed();
    for rows in ["18446744073709551615", "10000000000", "10000001"] {
        let run = mlg_limited(&["bench", "out/t.mlgc", "--rows", rows], &dir, 2048, 60);
        let err = fails_cleanly(&run);
        assert!(err.contains(&format!("--rows {rows} is too many")), "{err}");
        assert!(
            err.contains("of memory") && err.contains("at most 10000000 rows"),
            "{err}"
        );
    }
    let err = fails_cleanly(&mlg_limited(
        &["bench", "out/t.mlgc", "--rows", "0"],
        &dir,
        2048,
        60,
    ));
    assert!(err.contains("--rows 0: there are no rows to benchmark"), "{err}");
}

#[test]
fn bench_reads_an_input_file_in_chunks() {
    let dir = deployed();
    let run = mlg_limited(
        &["bench", "out/t.mlgc", "--input", "data/iris.csv", "--json"],
        &dir,
        2048,
        120,
    );
    assert!(
        run.output.status.success(),
        "{}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&run.output.stdout).unwrap();
    assert_eq!(report["rows"], 150);
}

#[test]
fn files_that_are_not_artifacts_are_refused_at_once() {
    let dir = deployed();
    let zeros = dir.join("zeros.mlgc");
    // Sparse: no disk space, but reading it whole would take 2 GiB.
    std::fs::File::create(&zeros).unwrap().set_len(2 << 30).unwrap();
    std::fs::create_dir(dir.join("folder.mlgc")).unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["predict", "zeros.mlgc", "--input", "data/iris.csv"],
            "zeros.mlgc",
        ),
        (&["bench", "zeros.mlgc", "--rows", "10"], "zeros.mlgc"),
        (&["predict", "/dev/zero", "--input", "data/iris.csv"], "/dev/zero"),
        (&["serve", "/dev/zero", "--addr", "127.0.0.1:0"], "/dev/zero"),
    ];
    for (args, name) in cases {
        let err = fails_cleanly(&mlg_limited(args, &dir, 1024, 30));
        assert!(
            err.contains(name) && err.contains("not an mlg artifact"),
            "{args:?}: {err}"
        );
    }
    let err = fails_cleanly(&mlg_limited(
        &["predict", "folder.mlgc", "--input", "data/iris.csv"],
        &dir,
        1024,
        30,
    ));
    assert!(err.contains("folder.mlgc") && err.contains("directory"), "{err}");
}

#[test]
fn a_twenty_thousand_column_file_profiles_in_bounded_time_and_memory() {
    let dir = fresh_dir("resources-wide");
    let (cols, rows) = (20_000, 50);
    let mut csv = (0..cols).map(|j| format!("c{j}")).collect::<Vec<_>>().join(",");
    csv.push('\n');
    for i in 0..rows {
        let row: Vec<String> = (0..cols).map(|j| ((i * 7 + j * 13) % 10).to_string()).collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    std::fs::write(dir.join("wide.csv"), csv).unwrap();
    let run = mlg_limited(&["profile", "wide.csv", "--html", "wide.html"], &dir, 1024, 60);
    assert!(!run.timed_out, "mlg profile ran past 60 s");
    assert!(
        run.output.status.success(),
        "{}",
        String::from_utf8_lossy(&run.output.stderr)
    );
    let page = std::fs::read_to_string(dir.join("wide.html")).unwrap();
    assert!(page.contains("Showing the 50 numeric columns of highest variance out of 20000."));
    assert!(page.contains("Charts for the first 100 of 20000 columns"));
    assert_eq!(page.matches("<article").count(), 100);
    assert!(
        page.contains("<td class=\"name\">c19999</td>"),
        "the overview lists every column"
    );
}
