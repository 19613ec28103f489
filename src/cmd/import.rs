//! `mlg import MODEL --to ARTIFACT`: a LightGBM text model, an XGBoost
//! JSON model or an ONNX model read into the inference IR ([`mlg_interop`]), optimized and
//! written as an ordinary artifact for `predict`, `bench`, `serve` and
//! `monitor` (`--profile` gives `monitor` its training profile).

use mlg::error::Error;
use mlg_compiler::workflow::catalog::ColumnKind;
use mlg_interop::{import, ImportOptions};
use std::path::PathBuf;

/// Arguments of `mlg import`.
#[derive(clap::Args)]
pub struct Args {
    /// The model: a LightGBM text model (`model.txt`), an XGBoost JSON model (`model.json`)
    /// or an ONNX model (`model.onnx`).
    model: PathBuf,
    /// Where to write the artifact.
    #[arg(long)]
    to: PathBuf,
    /// Input column names, one per model feature in order, instead of the model's own.
    #[arg(long, value_delimiter = ',')]
    columns: Option<Vec<String>>,
    /// Training rows (CSV) to profile, so that `mlg monitor` and `serve` can measure drift.
    #[arg(long)]
    profile: Option<PathBuf>,
}

/// Imports, profiles when asked, and writes the artifact.
pub fn run(args: &Args) -> mlg::Result<()> {
    let options = ImportOptions {
        columns: args.columns.clone(),
    };
    let mut artifact = import(&args.model, &options).map_err(|e| Error::Usage(e.to_string()))?;
    if let Some(path) = &args.profile {
        let kinds: Vec<(String, ColumnKind)> = artifact
            .graph
            .inputs
            .iter()
            .map(|s| (s.name.clone(), ColumnKind::Numeric))
            .collect();
        let frame = mlg_runtime::csv::read_csv_typed(path, &kinds)?;
        if let Some(missing) = artifact
            .graph
            .inputs
            .iter()
            .find(|s| frame.column(&s.name).is_none())
        {
            return Err(Error::Usage(format!(
                "{}: no column `{}`, which the model reads",
                path.display(),
                missing.name
            )));
        }
        artifact.profile = mlg_runtime::profile::DataProfile::of(&frame, &artifact.graph.inputs);
    }
    mlg_runtime::artifact::write(&args.to, &artifact)?;
    let trees = artifact
        .graph
        .nodes
        .iter()
        .map(|n| match &n.op {
            mlg_compiler::ir::Op::Trees { forest, .. } => forest.roots.len(),
            _ => 0,
        })
        .sum::<usize>();
    crate::outln!(
        "imported {} ({}, {trees} trees, {} of its inputs read) to {}",
        args.model.display(),
        artifact.workflow,
        artifact.graph.inputs.len(),
        args.to.display()
    );
    Ok(())
}
