//! The training side of the non-finite policy: a model whose compiled
//! outputs are NaN or infinite for rows it is evaluated, combined or deployed
//! on is an error naming the model, the split or use, the share of rows and
//! the first of them, and a likely cause; it is never scored, ranked,
//! selected, fed to a meta-model or deployed. Rows whose inputs are missing
//! are fine as long as the chain gives them a finite output (an imputer, or
//! a model that routes missing values).

use super::{compile_chain, Fitted, FittedChain};
use crate::error::{Error, Result};
use mlg_compiler::backends::Executable;
use mlg_compiler::ir::InputSlot;
use mlg_runtime::frame::Frame;

/// The rows a model's outputs were computed for, in output order, and what
/// they were for.
pub struct Batch<'a> {
    /// The model's name for messages.
    pub model: &'a str,
    /// What the outputs were for, e.g. "on the held-out rows of split 2".
    pub during: &'a str,
    /// The data row (0-based, frame order) of each output row.
    pub rows: &'a [usize],
    /// The rows' encoded inputs, `inputs.len()` per row.
    pub encoded: &'a [f32],
    /// The compiled graph's input slots.
    pub inputs: &'a [InputSlot],
}

/// Checks `out` (`n_out` values per row of `batch`): `Ok` when every value
/// is finite, else [`Error::NonFinite`].
pub fn check(batch: &Batch, out: &[f32], n_out: usize) -> Result<()> {
    let bad: Vec<usize> = out
        .chunks_exact(n_out.max(1))
        .enumerate()
        .filter(|(_, row)| row.iter().any(|v| !v.is_finite()))
        .map(|(i, _)| i)
        .collect();
    let Some(&first) = bad.first() else {
        return Ok(());
    };
    let stride = batch.inputs.len();
    let missing_input = |i: usize| -> Option<&str> {
        let row = batch.encoded.get(i * stride..(i + 1) * stride)?;
        let slot = row.iter().position(|v| v.is_nan())?;
        Some(batch.inputs[slot].name.as_str())
    };
    let cause = match missing_input(first) {
        Some(column) if bad.iter().all(|&i| missing_input(i).is_some()) => format!(
            "those rows have missing inputs (data row {} has no `{column}`) that no step of the \
             chain fills in: impute them in its features",
            batch.rows[first] + 1
        ),
        _ => "its fit diverged or overflows in f32: lower the parameter that drives it \
              (a learning rate, a step size, 1 / a penalty) or scale the inputs"
            .to_string(),
    };
    Err(Error::NonFinite {
        model: batch.model.to_string(),
        during: batch.during.to_string(),
        bad: bad.len(),
        total: out.len() / n_out.max(1),
        first_row: batch.rows[first] + 1,
        cause,
    })
}

/// [`check`] for an ensemble: when its outputs are not finite, the first
/// member whose own outputs are not finite (on the rows `frame` holds) is
/// named instead, with the ensemble in the message.
pub fn check_chain(
    fitted: &FittedChain,
    frame: &Frame,
    batch: &Batch,
    out: &[f32],
    n_out: usize,
) -> Result<()> {
    let err = match check(batch, out, n_out) {
        Ok(()) => return Ok(()),
        Err(err) => err,
    };
    let Fitted::Ensemble(ensemble) = &fitted.fitted else {
        return Err(err);
    };
    for (member, fitted) in &ensemble.members {
        let (graph, exe) = compile_chain(fitted, member)?;
        let encoded = mlg_runtime::rows::encode_rows(frame, &graph.inputs)?;
        let m_out = exe.n_outputs();
        let mut values = vec![0f32; frame.n_rows * m_out];
        exe.run(&encoded, frame.n_rows, graph.n_inputs(), &mut values)?;
        let during = format!("{} (as a member of ensemble `{}`)", batch.during, batch.model);
        let member_batch = Batch {
            model: member,
            during: &during,
            rows: batch.rows,
            encoded: &encoded,
            inputs: &graph.inputs,
        };
        check_chain(fitted, frame, &member_batch, &values, m_out)?;
    }
    Err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlg_compiler::ir::SlotKind;

    fn slots() -> Vec<InputSlot> {
        ["a", "b"]
            .iter()
            .map(|n| InputSlot {
                name: n.to_string(),
                kind: SlotKind::Numeric,
            })
            .collect()
    }

    #[test]
    fn finite_outputs_pass_and_others_name_the_first_row() {
        let inputs = slots();
        let encoded = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let batch = Batch {
            model: "m",
            during: "on the held-out rows of split 2",
            rows: &[10, 11, 12],
            encoded: &encoded,
            inputs: &inputs,
        };
        assert!(check(&batch, &[0.0, 1.0, 2.0], 1).is_ok());
        let err = check(&batch, &[0.0, f32::NAN, f32::INFINITY], 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("model `m`"), "{err}");
        assert!(err.contains("on the held-out rows of split 2"), "{err}");
        assert!(
            err.contains("2 of 3 rows") && err.contains("data row 12"),
            "{err}"
        );
        assert!(err.contains("diverged"), "{err}");
    }

    #[test]
    fn rows_with_unfilled_missing_inputs_are_named_as_the_cause() {
        let inputs = slots();
        let encoded = [1.0, f32::NAN, 3.0, 4.0];
        let batch = Batch {
            model: "m",
            during: "on its training rows",
            rows: &[0, 1],
            encoded: &encoded,
            inputs: &inputs,
        };
        let err = check(&batch, &[f32::NAN, 0.5, 0.5, 0.5], 2)
            .unwrap_err()
            .to_string();
        assert!(err.contains("data row 1 has no `b`"), "{err}");
        assert!(err.contains("impute"), "{err}");
    }
}
