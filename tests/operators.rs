//! The operator corpus: every `tests/programs/ops/*.mlg` workflow checks, trains,
//! cross-validates through the compiled function, and its lowered and optimized
//! inference IR match the snapshot (`mlg explain --stage ir|optimized`).

use mlg::explain::{explain, StageName};

#[test]
fn every_operator_program_runs_and_matches_its_snapshot() {
    let mut programs: Vec<_> = std::fs::read_dir("tests/programs/ops")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mlg"))
        .collect();
    programs.sort();
    assert!(!programs.is_empty());
    for path in &programs {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let wf = mlg::Workflow::from_file(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let out = wf
            .run(&mlg::RunOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for e in &out.evaluations {
            for (metric, s) in &e.metrics {
                assert!(s.mean.is_finite(), "{name}: {metric} = {}", s.mean);
            }
        }
        let ir = explain(&wf, StageName::Ir, None, false).unwrap();
        let optimized = explain(&wf, StageName::Optimized, None, false).unwrap();
        insta::assert_snapshot!(
            format!("op_{name}"),
            format!("{ir}\n== optimized ==\n{optimized}")
        );
    }
}
