//! Real MPI jobs (`cargo test --features mpi --test distributed`; needs Open
//! MPI's `mpirun`): the shipped distributed example and generated data run on
//! 2 and 3 ranks deploy the model one process deploys; only rank 0 prints and
//! writes; bad shards and stages that cannot run distributed fail with one
//! clear message; a rank killed mid-fit ends the job and `--resume` finishes
//! it from the checkpoint. Every job is bounded by a timeout, so a hang fails
//! the test instead of blocking it.
#![cfg(feature = "mpi")]

mod cli_support;

use cli_support::{copy_examples, fresh_dir, mlg, ok};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The most one job may take before the test calls it hung.
const JOB_LIMIT: Duration = Duration::from_secs(120);

/// Starts `mpirun -np N mlg ARGS...` in `dir`.
fn start(np: usize, args: &[&str], dir: &Path) -> std::process::Child {
    start_with(np, args, dir, &[])
}

/// [`start`] with the variables `env` set for every rank.
fn start_with(np: usize, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> std::process::Child {
    Command::new("mpirun")
        .args(["-np", &np.to_string(), "--oversubscribe"])
        .envs(env.iter().copied())
        .arg(env!("CARGO_BIN_EXE_mlg"))
        .args(args)
        .current_dir(dir)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun starts (apt-get install openmpi-bin)")
}

/// Waits for `child` at most [`JOB_LIMIT`]; a job still running then is
/// killed and fails the test.
fn finish(mut child: std::process::Child) -> Output {
    let deadline = Instant::now() + JOB_LIMIT;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the MPI job hung for {JOB_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn mpirun(np: usize, args: &[&str], dir: &Path) -> Output {
    finish(start(np, args, dir))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every output value of the artifact at `artifact` on the rows of `data`.
fn predictions(artifact: &Path, data: &Path) -> Vec<f32> {
    let model = mlg_runtime::Model::load(artifact).expect("artifact");
    let frame = mlg_runtime::csv::read_csv_typed(data, &[]).expect("data");
    model.predict(&frame).expect("predict").values
}

fn assert_close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-4 * w.abs().max(1.0), "{what}: {g} vs {w}");
    }
}

#[test]
fn the_build_says_it_has_mpi() {
    let out = ok(&mlg(&["--version"], Path::new(".")));
    assert!(out.contains("(mpi)"), "{out}");
}

#[test]
fn the_example_on_two_and_three_ranks_deploys_one_process_model() {
    let dir = fresh_dir("mpi-example");
    copy_examples(&dir, &["breast_cancer_distributed.mlg", "data/breast_cancer.csv"]);
    let flow = "breast_cancer_distributed.mlg";
    let artifact = dir.join("out/breast_cancer_distributed.mlgc");
    ok(&mlg(&["run", flow], &dir));
    let data = dir.join("data/breast_cancer.csv");
    let want = predictions(&artifact, &data);
    for np in [2, 3] {
        std::fs::remove_file(&artifact).expect("remove");
        let out = mpirun(np, &["run", flow], &dir);
        let stdout = text(&out.stdout);
        assert!(
            out.status.success(),
            "{np} ranks: {stdout}\n{}",
            text(&out.stderr)
        );
        assert_eq!(
            stdout.matches("wrote ").count(),
            1,
            "only rank 0 prints: {stdout}"
        );
        assert_close(&predictions(&artifact, &data), &want, &format!("{np} ranks"));
    }
}

/// A CSV of `n` rows: four features and a noisy linear value `v`.
fn write_values(path: &Path, n: usize) {
    let mut text = String::from("a,b,c,d,v\n");
    for i in 0..n {
        let x: Vec<f64> = (0..4)
            .map(|j| ((i * (7 + j) + 3 * j) % 101) as f64 / 10.0 - 5.0)
            .collect();
        let noise = ((i * 37) % 19) as f64 / 19.0 - 0.5;
        let v = 2.0 * x[0] - x[1] + 0.5 * x[2] + 0.1 * x[3] + noise;
        text.push_str(&format!("{},{},{},{},{v:.4}\n", x[0], x[1], x[2], x[3]));
    }
    std::fs::write(path, text).expect("data");
}

#[test]
fn linear_logistic_boosting_mlp_and_forest_on_generated_data() {
    let dir = fresh_dir("mpi-generated");
    let data = dir.join("values.csv");
    write_values(&data, 20_000);
    let flows = [
        (
            "linear",
            "\"v\")\nfeatures s = d -> standardize(numeric)\nmodel m = ridge(s, alpha = 0.5)",
        ),
        (
            "newton",
            "\"v\", types = { v = \"categorical\" })\nmodel m = logistic_regression(d, solver = \"newton\")",
        ),
        (
            "boosting",
            "\"v\")\nmodel m = gradient_boosting_regressor(d, rounds = 20, early_stopping = \"off\")",
        ),
        (
            "mlp",
            "\"v\")\nfeatures s = d -> standardize(numeric)\n\
             model m = mlp_regressor(s, hidden = \"8\", epochs = 3, scale_target = true)",
        ),
        (
            "forest",
            "\"v\")\nmodel m = random_forest_regressor(d, trees = 8, max_depth = 10, splitter = \"hist\")",
        ),
    ];
    for (name, body) in flows {
        // The logistic flow's target: the value's sign, as a category.
        let source = if name == "newton" {
            let classes = dir.join("classes.csv");
            let text = std::fs::read_to_string(&data).expect("data");
            let mut lines = text.lines();
            let mut out = format!("{}\n", lines.next().expect("header"));
            for line in lines {
                let (features, v) = line.rsplit_once(',').expect("row");
                let v: f64 = v.parse().expect("number");
                out.push_str(&format!("{features},{}\n", if v > 0.0 { "up" } else { "down" }));
            }
            std::fs::write(&classes, out).expect("classes");
            classes
        } else {
            data.clone()
        };
        let flow = dir.join(format!("{name}.mlg"));
        let program = format!(
            "data d = csv(\"{}\", target = {body}\ndeploy m to \"{name}.mlgc\"\n",
            source.display()
        );
        std::fs::write(&flow, program).expect("flow");
        let artifact = dir.join(format!("{name}.mlgc"));
        ok(&mlg(&["run", flow.to_str().expect("path")], &dir));
        let want = predictions(&artifact, &source);
        for np in [2, 3] {
            let out = mpirun(np, &["run", flow.to_str().expect("path")], &dir);
            assert!(
                out.status.success(),
                "{name} on {np} ranks: {}",
                text(&out.stderr)
            );
            let got = predictions(&artifact, &source);
            if name == "boosting" {
                // Integer histograms: one process's trees, bit for bit.
                assert_eq!(got, want, "{name} on {np} ranks");
            } else {
                assert_close(&got, &want, &format!("{name} on {np} ranks"));
            }
        }
    }
}

/// Runs `flow` (text) on `np` ranks in a fresh folder; it must fail. Returns
/// stderr.
fn job_fails(name: &str, np: usize, flow: &str, files: &[(&str, &str)]) -> String {
    let dir = fresh_dir(name);
    for (file, content) in files {
        std::fs::write(dir.join(file), content).expect("file");
    }
    std::fs::write(dir.join("flow.mlg"), flow).expect("flow");
    let out = mpirun(np, &["run", "flow.mlg"], &dir);
    assert!(!out.status.success(), "{name} succeeded");
    assert!(!dir.join("m.mlgc").exists(), "{name}: no artifact");
    text(&out.stderr)
}

#[test]
fn bad_shards_and_stages_fail_clearly_without_hanging() {
    let mut rows = String::from("x,y\n");
    for i in 0..40 {
        rows.push_str(&format!("{}.5,{}\n", i % 7, if i % 3 == 0 { "a" } else { "b" }));
    }
    let tree = "data d = csv(\"d.csv\", target = \"y\")\nmodel m = decision_tree_classifier(d)\ndeploy m to \"m.mlgc\"\n";
    let err = job_fails("mpi-tree", 2, tree, &[("d.csv", &rows)]);
    assert_eq!(
        err.matches("does not run distributed yet").count(),
        1,
        "rank 0 alone says it: {err}"
    );
    assert!(
        err.contains("the model `decision_tree_classifier` does not run distributed yet"),
        "{err}"
    );

    // A search runs task-parallel; rank 0 logs its trials.
    let dir = fresh_dir("mpi-resume");
    std::fs::write(dir.join("d.csv"), &rows).expect("data");
    let search = "data d = csv(\"d.csv\", target = \"y\")\nmodel m = logistic_regression(d)\n\
                  search s = tune(m, strategy = \"grid\", cv = kfold(2, seed = 0)) {\n  c = choice(0.1, 1.0)\n}\n";
    std::fs::write(dir.join("flow.mlg"), search).expect("flow");
    let out = mpirun(2, &["run", "flow.mlg"], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        dir.join("out/flow/s.trials.jsonl").exists(),
        "rank 0 logs the trials"
    );

    let plain =
        "data d = csv(\"d.csv\", target = \"y\")\nmodel m = logistic_regression(d)\ndeploy m to \"m.mlgc\"\n";
    let err = job_fails("mpi-empty", 3, plain, &[("d.csv", "x,y\n1,a\n2,b\n")]);
    assert!(err.contains("holds no rows"), "{err}");

    // Numbers in the first half of `x`, words in the second: the shards disagree.
    let mut mixed = String::from("x,y\n");
    for i in 0..40 {
        let x = if i < 20 {
            format!("{}", 100 + i)
        } else {
            format!("w{i}")
        };
        mixed.push_str(&format!("{x},{}\n", if i % 2 == 0 { "a" } else { "b" }));
    }
    let err = job_fails("mpi-mixed", 2, plain, &[("d.csv", &mixed)]);
    assert!(
        err.contains("the ranks read different columns") && err.contains("rank 1: x:categories"),
        "{err}"
    );
    assert!(err.contains("types = { x = \"categorical\" }"), "{err}");

    let err = job_fails("mpi-missing", 2, plain, &[]);
    assert!(err.contains("d.csv"), "{err}");
}

/// A rank killed mid-fit ends the job with mpirun's message and no
/// artifact; `--resume` then continues the boosting fit from the checkpoint
/// rank 0 wrote and deploys the model an uninterrupted job deploys.
#[test]
fn a_rank_killed_mid_fit_ends_the_job_and_resume_finishes_it() {
    let dir = fresh_dir("mpi-killed");
    let data = dir.join("big.csv");
    write_values(&data, 200_000);
    let flow = dir.join("killed.mlg");
    std::fs::write(
        &flow,
        "data d = csv(\"big.csv\", target = \"v\")\n\
         model m = gradient_boosting_regressor(d, rounds = 60, early_stopping = \"off\", checkpoint_rounds = 2)\n\
         deploy m to \"m.mlgc\"\n",
    )
    .expect("flow");
    let flow_arg = flow.to_str().expect("path");
    let artifact = dir.join("m.mlgc");
    let checkpoint = dir.join("out/killed/checkpoints/m.ckpt");
    let out = mpirun(2, &["run", flow_arg], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let want = predictions(&artifact, &data);
    std::fs::remove_file(&artifact).expect("artifact");
    std::fs::remove_dir_all(dir.join("out")).expect("checkpoints");

    let child = start(2, &["run", flow_arg], &dir);
    // Kill one of the job's `mlg` processes once rank 0 has saved a
    // checkpoint. The ranks' command lines start with the binary; mpirun's
    // does not.
    let pattern = format!("^{} run {}", env!("CARGO_BIN_EXE_mlg"), flow.display());
    let deadline = Instant::now() + Duration::from_secs(60);
    let killed = loop {
        let found = Command::new("pgrep")
            .args(["-f", &pattern])
            .output()
            .expect("pgrep");
        let pids: Vec<String> = text(&found.stdout).lines().map(str::to_string).collect();
        if pids.len() >= 2 && checkpoint.exists() {
            Command::new("kill")
                .args(["-9", &pids[1]])
                .status()
                .expect("kill");
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let out = finish(child);
    assert!(killed, "the job's processes or its checkpoint were not seen");
    assert!(!out.status.success(), "the job went on without a rank");
    let err = text(&out.stderr);
    // mpirun names the killed rank's signal, or, when a surviving rank's
    // failed collective is reported first, that rank's exit.
    assert!(
        err.contains("signal 9") || err.contains("Killed") || err.contains("non-zero exit"),
        "{err}"
    );
    assert!(!artifact.exists(), "no artifact from a failed job");

    let out = mpirun(2, &["run", flow_arg, "--resume"], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        predictions(&artifact, &data),
        want,
        "the resumed job deploys the same model"
    );
}

/// `report` with its timings (fit and trial seconds) left out.
fn untimed(mut report: serde_json::Value) -> serde_json::Value {
    if let Some(map) = report.as_object_mut() {
        map.remove("distributed");
    }
    for e in report["evaluations"].as_array_mut().into_iter().flatten() {
        e["fit_seconds"] = serde_json::Value::Null;
    }
    for search in report["searches"].as_array_mut().into_iter().flatten() {
        for t in search["trials"].as_array_mut().into_iter().flatten() {
            t["seconds"] = serde_json::Value::Null;
        }
    }
    report
}

/// Examples that evaluate and search run task-parallel: every rank reads
/// all the rows, the folds and trials are dealt out, and the report equals
/// one process's.
#[test]
fn an_evaluating_example_deals_its_folds_out_and_reports_the_same() {
    let dir = fresh_dir("mpi-tasks");
    copy_examples(
        &dir,
        &[
            "penguins_forest.mlg",
            "breast_cancer_search.mlg",
            "data/penguins.csv",
            "data/breast_cancer.csv",
            "data/breast_cancer.folds.csv",
        ],
    );
    let report = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join(name)).expect("report");
        untimed(serde_json::from_str(&text).expect("json"))
    };
    for example in ["penguins_forest.mlg", "breast_cancer_search.mlg"] {
        ok(&mlg(&["run", example, "--report", "one.json"], &dir));
        let want = report("one.json");
        for np in [2, 3] {
            let name = format!("ranks{np}.json");
            let out = mpirun(np, &["run", example, "--report", &name], &dir);
            assert!(
                out.status.success(),
                "{example} on {np} ranks: {}",
                text(&out.stderr)
            );
            assert_eq!(report(&name), want, "{example} on {np} ranks");
            let text = std::fs::read_to_string(dir.join(&name)).expect("report");
            let full: serde_json::Value = serde_json::from_str(&text).expect("json");
            assert_eq!(full["distributed"]["ranks"], np, "{example}");
            assert_eq!(full["distributed"]["mode"], "tasks", "{example}");
        }
    }
}

/// `distribute = "data"` under a real launcher: the folds of an evaluation
/// run in turn, each fit on the ranks' shares of its training rows, and
/// the deploy fit too; the scores and the deployed model's predictions are
/// one process's.
#[test]
fn distribute_data_evaluates_and_deploys_on_shares_of_the_rows() {
    let dir = fresh_dir("mpi-distribute");
    copy_examples(&dir, &["data/breast_cancer.csv"]);
    let flow = "data d = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                features s = d -> standardize(numeric)\n\
                model m = logistic_regression(s, tol = 1e-10, distribute = \"data\")\n\
                evaluate m with kfold(4, seed = 0, distribute = \"data\") metrics accuracy\n\
                deploy m to \"m.mlgc\"\n";
    std::fs::write(dir.join("flow.mlg"), flow).expect("flow");
    let folds = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join(name)).expect("report");
        let report: serde_json::Value = serde_json::from_str(&text).expect("json");
        report["evaluations"][0]["metrics"]["accuracy"]["folds"].clone()
    };
    let data = dir.join("data/breast_cancer.csv");
    ok(&mlg(&["run", "flow.mlg", "--report", "one.json"], &dir));
    let want = predictions(&dir.join("m.mlgc"), &data);
    for np in [2, 3] {
        let name = format!("ranks{np}.json");
        let out = mpirun(np, &["run", "flow.mlg", "--report", &name], &dir);
        assert!(out.status.success(), "{np} ranks: {}", text(&out.stderr));
        assert_eq!(folds(&name), folds("one.json"), "{np} ranks");
        assert_close(
            &predictions(&dir.join("m.mlgc"), &data),
            &want,
            &format!("deploy on {np} ranks"),
        );
    }
}

/// A workflow that evaluates data that do not fit on each rank
/// (`MLG_RANK_MEMORY=1`) runs data-parallel under a real launcher: each
/// rank reads its share of the rows, the folds are one process's, and the
/// report holds one process's scores and says why it ran so.
#[test]
fn an_evaluation_of_data_too_large_for_a_rank_runs_on_shards() {
    let dir = fresh_dir("mpi-shards");
    copy_examples(&dir, &["data/breast_cancer.csv"]);
    let flow = "data d = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                features s = d -> standardize(numeric)\n\
                model m = logistic_regression(s, tol = 1e-10)\n\
                evaluate m with kfold(4, seed = 0) metrics accuracy\n";
    std::fs::write(dir.join("flow.mlg"), flow).expect("flow");
    let report = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join(name)).expect("report");
        serde_json::from_str(&text).expect("json")
    };
    ok(&mlg(&["run", "flow.mlg", "--report", "one.json"], &dir));
    let want = report("one.json")["evaluations"][0]["metrics"]["accuracy"]["folds"].clone();
    for np in [2, 3] {
        let name = format!("shards{np}.json");
        let args = ["run", "flow.mlg", "--report", &name];
        let out = finish(start_with(np, &args, &dir, &[("MLG_RANK_MEMORY", "1")]));
        assert!(out.status.success(), "{np} ranks: {}", text(&out.stderr));
        let got = report(&name);
        assert_eq!(
            got["evaluations"][0]["metrics"]["accuracy"]["folds"], want,
            "{np} ranks"
        );
        assert_eq!(got["distributed"]["mode"], "data", "{np} ranks");
        let reason = got["distributed"]["reason"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(reason.contains("do not fit on each rank (> 1 B)"), "{reason}");
    }
}

/// `--resume` of a search under `mpirun`: rank 0 reads the trial log and
/// sends its trials to every rank; a log cut to its first two trials is
/// finished on two ranks into the report of the uninterrupted run.
#[test]
fn a_search_resumes_its_trial_log_on_many_ranks() {
    let dir = fresh_dir("mpi-resume-search");
    copy_examples(
        &dir,
        &[
            "breast_cancer_search.mlg",
            "data/breast_cancer.csv",
            "data/breast_cancer.folds.csv",
        ],
    );
    let example = "breast_cancer_search.mlg";
    ok(&mlg(&["run", example, "--report", "one.json"], &dir));
    let log = dir.join("out/breast_cancer_search/best.trials.jsonl");
    let logged = std::fs::read_to_string(&log).expect("trial log");
    let lines: Vec<&str> = logged.lines().collect();
    assert!(lines.len() > 3, "a header and the trials: {}", lines.len());
    std::fs::write(&log, format!("{}\n", lines[..3].join("\n"))).expect("cut the log");
    let out = mpirun(2, &["run", example, "--resume", "--report", "two.json"], &dir);
    assert!(out.status.success(), "{}", text(&out.stderr));
    same_resumed_report(&dir, &log, lines.len(), None);
}

/// A search over data too large for each rank runs its trials in turn on
/// the shards; cut short and run again with `--resume` on as many ranks, it
/// reuses the logged trials and reports what the uninterrupted run reports.
#[test]
fn a_search_on_shards_resumes_its_trial_log() {
    let dir = fresh_dir("mpi-resume-shards");
    copy_examples(&dir, &["data/breast_cancer.csv"]);
    let flow = "data d = csv(\"data/breast_cancer.csv\", target = \"target\")\n\
                features s = d -> standardize(numeric)\n\
                model m = logistic_regression(s, tol = 1e-10)\n\
                search best = tune(m, strategy = \"grid\", cv = kfold(3, seed = 0), metric = \"accuracy\") {\n\
                  c = choice(0.01, 0.1, 1.0, 10.0)\n\
                }\n";
    std::fs::write(dir.join("flow.mlg"), flow).expect("flow");
    let small = [("MLG_RANK_MEMORY", "1")];
    let run = |args: &[&str]| {
        let out = finish(start_with(2, args, &dir, &small));
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    run(&["run", "flow.mlg", "--report", "one.json"]);
    let log = dir.join("out/flow/best.trials.jsonl");
    let logged = std::fs::read_to_string(&log).expect("trial log");
    let lines: Vec<&str> = logged.lines().collect();
    assert_eq!(lines.len(), 5, "a header and four trials: {logged}");
    std::fs::write(&log, format!("{}\n", lines[..3].join("\n"))).expect("cut the log");
    run(&["run", "flow.mlg", "--resume", "--report", "two.json"]);
    same_resumed_report(&dir, &log, lines.len(), Some("data"));
}

/// Checks a search cut to its first two logged trials and resumed: its
/// report `two.json` reuses them (`resumed` = 2) and otherwise equals the
/// uninterrupted run's `one.json` (timings aside), both ran in `mode` when
/// given, and the trial log at `log` is back to `lines` lines (rank 0 logged
/// each trial it ran once).
fn same_resumed_report(dir: &Path, log: &Path, lines: usize, mode: Option<&str>) {
    let report = |name: &str| -> (serde_json::Value, serde_json::Value) {
        let text = std::fs::read_to_string(dir.join(name)).expect("report");
        let full: serde_json::Value = serde_json::from_str(&text).expect("json");
        if let Some(mode) = mode {
            assert_eq!(full["distributed"]["mode"], mode, "{name}");
        }
        let mut full = untimed(full);
        let resumed = full["searches"][0]["resumed"].take();
        for t in full["searches"][0]["trials"].as_array_mut().into_iter().flatten() {
            t["resumed"] = serde_json::Value::Null;
        }
        (full, resumed)
    };
    let ((one, _), (two, resumed)) = (report("one.json"), report("two.json"));
    assert_eq!(resumed, 2, "the two logged trials are reused");
    assert_eq!(two, one);
    assert_eq!(
        std::fs::read_to_string(log).expect("log").lines().count(),
        lines,
        "rank 0 logged the trials it ran once"
    );
}
