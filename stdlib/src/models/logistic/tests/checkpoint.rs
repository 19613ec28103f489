//! Checkpoints of the solvers: a fit resumed from the state
//! saved after some iterations ends with the coefficients of the fit that
//! was never interrupted, and a state of another fit is refused.

use super::{dataset, params, text};
use crate::models::logistic::LogisticRegression;
use mlg_compiler::workflow::catalog::Value;
use mlg_runtime::checkpoint::{with_slot, Slot};
use mlg_runtime::checkpoint::{WordReader, Words};

#[test]
fn a_resumed_solver_ends_where_the_uninterrupted_one_does() {
    let (x, y) = dataset("breast_cancer");
    let dir = std::env::temp_dir().join(format!("mlg-logistic-checkpoint-{}", std::process::id()));
    let path = dir.join("lr.ckpt");
    let slot = |resume| Slot {
        path: path.clone(),
        resume,
        writer: true,
    };
    let cases = [
        ("lbfgs", "l2", Value::Float(1e-8)),
        ("newton", "l2", Value::Float(1e-10)),
        ("newton", "l1", Value::Float(1e-8)),
        ("cg", "l2", Value::Float(1e-8)),
        ("sgd", "l2", Value::Float(1e-8)),
        ("sgd", "l1", Value::Float(1e-8)),
    ];
    for (solver, penalty, tol) in cases {
        let settings = |every: usize| {
            LogisticRegression::new(&params(&[
                ("solver", text(solver)),
                ("penalty", text(penalty)),
                ("tol", tol.clone()),
                ("checkpoint_iterations", Value::Int(every as i64)),
            ]))
            .expect("params")
        };
        let plain = settings(1).fit_logistic(&x, &y).expect("fit");
        assert!(plain.iterations > 2, "{solver}: {} iterations", plain.iterations);
        // Saved once, past the middle: the resumed fit has iterations left.
        let every = plain.iterations / 2 + 1;
        let model = settings(every);
        let _ = std::fs::remove_file(&path);
        let first = with_slot(slot(false), || model.fit_logistic(&x, &y)).expect("fit");
        assert_eq!(first, plain, "{solver}: saving changes nothing");
        let (print, payload) = crate::testing::saved_checkpoint(&path);
        let done = WordReader::new(&payload).usize().expect("iterations");
        assert_eq!(done, every, "{solver}: saved after {done}");
        let resumed = with_slot(slot(true), || model.fit_logistic(&x, &y)).expect("resumed");
        assert_eq!(
            resumed, plain,
            "{solver} {penalty}: resumed after {done} iterations"
        );
        // It resumed from the file: a point moved off the path shows (the
        // point's first coordinate, after the solver's leading words).
        let mut moved = payload.clone();
        let at = 8 * match solver {
            "cg" => 5,
            "sgd" => 8,
            _ => 2,
        };
        let last = f64::from_le_bytes(moved[at..at + 8].try_into().expect("word"));
        moved[at..at + 8].copy_from_slice(&(last + 0.25).to_le_bytes());
        mlg_runtime::checkpoint::save(&path, print, &moved).expect("save");
        let other = with_slot(slot(true), || model.fit_logistic(&x, &y)).expect("resumed");
        assert_ne!(other, plain, "{solver}: the resumed fit read the state");
        // A state of another size is another fit's: an error naming the file.
        let mut short = Words::new();
        short.usize(done).f64s(&[0.0; 3]);
        mlg_runtime::checkpoint::save(&path, print, &short.into_bytes()).expect("save");
        let err = with_slot(slot(true), || model.fit_logistic(&x, &y))
            .unwrap_err()
            .to_string();
        assert!(err.contains("lr.ckpt") && err.contains("delete it"), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
