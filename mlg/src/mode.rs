//! Which way a distributed job runs, decided before any data is read: task
//! parallelism (every rank holds every row; splits and trials dealt out) or
//! data parallelism (each rank reads its share of the rows; fits and
//! evaluations sum over the ranks). A model that says `distribute =
//! "tasks"` needs every row on every rank; a workflow that evaluates,
//! selects or searches runs task-parallel when its data fit on each rank and
//! data-parallel when they do not (an evaluation method that says
//! `distribute = "tasks"` keeps every row on every rank regardless); one
//! that only trains and deploys is data-parallel. Rank 0 decides and tells
//! the others, so every rank takes the same way.

use mlg_dsl::ast::{Arg, ExprKind, Program, Statement};
use std::path::Path;

/// Memory a rank may use for data, in bytes, when `MLG_RANK_MEMORY` does
/// not say: the machine's available memory shared by the ranks on it.
const ENV_BUDGET: &str = "MLG_RANK_MEMORY";

thread_local! {
    static BUDGET: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with `bytes` as the memory a rank may hold for data, on this
/// thread (as `MLG_RANK_MEMORY` does for a process): how tests of ranks as
/// threads pick the mode.
pub fn with_budget<T>(bytes: u64, f: impl FnOnce() -> T) -> T {
    let before = BUDGET.with(|b| b.replace(Some(bytes)));
    struct Restore(Option<u64>);
    impl Drop for Restore {
        fn drop(&mut self) {
            BUDGET.with(|b| b.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

/// How many times their file size the data take in memory while a chain
/// fits (the parsed columns, the features matrix, the model's copy).
pub const EXPANSION: u64 = 4;

/// How a job runs, and what decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mode {
    /// Every rank reads every row (task parallelism).
    pub whole_data: bool,
    /// The bytes of the files the data statements read.
    pub data_bytes: u64,
    /// The bytes a rank may hold ([`ENV_BUDGET`], or the available memory
    /// over the ranks on this machine); `None` when unknown.
    pub budget: Option<u64>,
    /// Whether the workflow evaluates (and would run task-parallel if its
    /// data fit).
    pub evaluates: bool,
}

impl Mode {
    /// The mode of `program` (files relative to `base_dir`) for a job of
    /// this process's ranks: rank 0's decision on every rank.
    pub fn of(program: &Program, base_dir: &Path) -> Mode {
        let comm = mlg_runtime::collective::current();
        let mine = Mode::decide(program, base_dir);
        if comm.size() == 1 {
            return mine;
        }
        let mut words = vec![
            u64::from(mine.whole_data),
            mine.data_bytes,
            mine.budget.unwrap_or(u64::MAX),
        ];
        words.push(u64::from(mine.evaluates));
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let got = comm.broadcast(0, &bytes);
        let word = |i: usize| {
            got.get(i * 8..i * 8 + 8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_le_bytes)
        };
        Mode {
            whole_data: word(0) == 1,
            data_bytes: word(1),
            budget: (word(2) != u64::MAX).then_some(word(2)),
            evaluates: word(3) == 1,
        }
    }

    /// This process's view ([`Mode::of`] without the ranks' agreement).
    fn decide(program: &Program, base_dir: &Path) -> Mode {
        let says = |args: &[Arg], choice: &str| {
            args.iter().any(|a| {
                a.name.as_ref().is_some_and(|n| n.name == "distribute")
                    && matches!(&a.value.kind, ExprKind::Str(s) if s == choice)
            })
        };
        let cv_says_tasks = |args: &[Arg]| {
            args.iter().any(|a| {
                a.name.as_ref().is_some_and(|n| n.name == "cv")
                    && matches!(&a.value.kind, ExprKind::Call(c) if says(&c.args, "tasks"))
            })
        };
        let mut needs_all = false;
        let mut evaluates = false;
        for s in &program.statements {
            match s {
                Statement::Search(search) => {
                    evaluates = true;
                    needs_all |= cv_says_tasks(&search.call.args);
                }
                Statement::Model(m) if m.call.name.name == "select" => {
                    evaluates = true;
                    needs_all |= cv_says_tasks(&m.call.args);
                }
                Statement::Model(m) => needs_all |= says(&m.call.args, "tasks"),
                Statement::Evaluate(e) => {
                    evaluates = true;
                    needs_all |= e.method.as_ref().is_some_and(|m| says(&m.args, "tasks"));
                }
                _ => {}
            }
        }
        let data_bytes = data_bytes(program, base_dir);
        let mut mode = Mode {
            whole_data: needs_all,
            data_bytes,
            budget: budget(),
            evaluates,
        };
        mode.whole_data |= evaluates && mode.fits();
        mode
    }

    /// Whether the data fit on each rank (`true` when the budget is unknown).
    pub fn fits(&self) -> bool {
        self.budget
            .is_none_or(|b| self.data_bytes.saturating_mul(EXPANSION) <= b)
    }

    /// How the data compare with what a rank may hold, for the report
    /// (`None` when the budget is unknown).
    pub fn size_reason(&self) -> Option<String> {
        let budget = self.budget?;
        Some({
            let (verb, cmp) = if self.fits() {
                ("fit", "<=")
            } else {
                ("do not fit", ">")
            };
            format!(
                "its data ({} of files, about {} in memory) {verb} on each rank ({cmp} {})",
                human(self.data_bytes),
                human(self.data_bytes.saturating_mul(EXPANSION)),
                human(budget)
            )
        })
    }
}

/// `bytes` for people: kB, MB or GB with one decimal, or bytes.
fn human(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", b / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.1} GB", b / 1e9),
    }
}

/// The bytes of the files the data statements of `program` read (the first
/// argument of each source call, a path or a glob, relative to `base_dir`;
/// files that cannot be read count 0: reading them fails later, with its
/// message).
fn data_bytes(program: &Program, base_dir: &Path) -> u64 {
    let mut total = 0u64;
    for s in &program.statements {
        let Statement::Data(d) = s else { continue };
        let Some(ExprKind::Str(path)) = d.source.args.first().map(|a| &a.value.kind) else {
            continue;
        };
        let path = base_dir.join(path);
        let files = if crate::pattern::is_pattern(&path) {
            crate::pattern::expand(&path).unwrap_or_default()
        } else {
            vec![path]
        };
        total += files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum::<u64>();
    }
    total
}

/// The bytes a rank may hold: `MLG_RANK_MEMORY` when set, or the machine's
/// available memory (`MemAvailable` of `/proc/meminfo`) over the ranks the
/// launcher started on it; `None` when neither is known.
fn budget() -> Option<u64> {
    if let Some(v) = BUDGET.with(std::cell::Cell::get) {
        return Some(v);
    }
    if let Some(v) = std::env::var(ENV_BUDGET)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(v);
    }
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let local = [
        "OMPI_COMM_WORLD_LOCAL_SIZE",
        "MPI_LOCALNRANKS",
        "SLURM_NTASKS_PER_NODE",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok()?.parse::<u64>().ok())
    .unwrap_or(1)
    .max(1);
    Some(kb * 1024 / local)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mode of `body` (after a data statement reading a 1,000-byte
    /// file) with `budget` bytes a rank.
    fn mode(body: &str, budget: u64) -> Mode {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mlg-mode-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("d.csv"), vec![b'1'; 1000]).expect("file");
        let source = format!("data d = csv(\"d.csv\", target = \"y\")\n{body}");
        let program = mlg_dsl::parse(&source).expect("parses");
        let mode = with_budget(budget, || Mode::of(&program, &dir));
        let _ = std::fs::remove_dir_all(&dir);
        mode
    }

    #[test]
    fn evaluating_data_that_fit_keeps_every_row_on_every_rank() {
        let evaluate = "model m = logistic_regression(d)\nevaluate m with kfold(3)\n";
        let fits = mode(evaluate, 4000);
        assert!(fits.whole_data && fits.evaluates);
        assert_eq!(fits.data_bytes, 1000);
        assert_eq!(
            fits.size_reason().as_deref(),
            Some("its data (1.0 kB of files, about 4.0 kB in memory) fit on each rank (<= 4.0 kB)")
        );
        let large = mode(evaluate, 3999);
        assert!(!large.whole_data);
        assert!(large
            .size_reason()
            .is_some_and(|r| r.contains("do not fit on each rank (> 4.0 kB)")));
        // Asking for tasks needs every row regardless; selecting and
        // searching follow the data's size.
        let tasks = "model m = logistic_regression(d)\nevaluate m with kfold(3, distribute = \"tasks\")\n";
        assert!(mode(tasks, 1).whole_data);
        let select = "model a = logistic_regression(d)\nmodel b = ridge(d)\nmodel m = select(a, b)\n";
        assert!(!mode(select, 1).whole_data && mode(select, 4000).whole_data);
        let search =
            "model a = ridge(d)\nsearch s = tune(a, strategy = \"grid\") {\n  alpha = choice(1.0, 2.0)\n}\n";
        assert!(!mode(search, 1).whole_data && mode(search, 4000).whole_data);
        // Training and deploying alone shares the rows out.
        let train = "model m = logistic_regression(d)\ndeploy m to \"m.mlgc\"\n";
        let mode = mode(train, u64::MAX);
        assert!(!mode.whole_data && !mode.evaluates);
    }

    #[test]
    fn sizes_read_for_people() {
        assert_eq!(human(999), "999 B");
        assert_eq!(human(1_500), "1.5 kB");
        assert_eq!(human(12_000_000), "12.0 MB");
        assert_eq!(human(15_600_000_000), "15.6 GB");
    }
}
