//! `mlg export ARTIFACT --onnx model.onnx`: the artifact's inference graph as
//! a standard ONNX model ([`mlg_interop::onnx::export`]), written atomically.
//! Its metadata names the input columns in order (a categorical column's
//! levels, whose codes the input takes), the task and the classes.

use mlg::error::Error;
use std::path::PathBuf;

/// Arguments of `mlg export`.
#[derive(clap::Args)]
pub struct Args {
    artifact: PathBuf,
    /// Where to write the ONNX model.
    #[arg(long)]
    onnx: PathBuf,
    /// Write tree ensembles as ai.onnx.ml TreeEnsembleRegressor (faster in ONNX Runtime;
    /// not every runtime has it) instead of standard ONNX ops.
    #[arg(long)]
    tree_ensemble: bool,
}

/// Loads the artifact, exports its graph and writes the file.
pub fn run(args: &Args) -> mlg::Result<()> {
    let artifact = mlg_runtime::artifact::read(&args.artifact)?;
    let trees = if args.tree_ensemble {
        mlg_interop::onnx::TreeForm::Ml
    } else {
        mlg_interop::onnx::TreeForm::Standard
    };
    let bytes = mlg_interop::onnx::export_artifact(&artifact, trees)
        .map_err(|e| Error::Usage(format!("{}: {e}", args.artifact.display())))?;
    mlg_runtime::files::write_atomic(&args.onnx, &bytes).map_err(|source| Error::Write {
        path: args.onnx.clone(),
        source,
    })?;
    crate::outln!(
        "wrote {} ({} bytes, ONNX opset {}; input `input` of {} columns, outputs {})",
        args.onnx.display(),
        bytes.len(),
        mlg_interop::onnx::export::OPSET,
        artifact.graph.inputs.len(),
        artifact
            .graph
            .outputs
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}
