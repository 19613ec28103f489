//! Deploying: a model fitted on every data row, checked finite on the rows
//! it trained on, packed with its schema, metrics, profile and lineage into
//! an artifact and compiled, then written as an mlg artifact or, to a
//! `.onnx` path, as an ONNX model.

use crate::error::Result;
use crate::executor::compile;
use crate::executor::eval::Evaluation;
use crate::executor::fit::{self, finite, Chain};
use crate::executor::plan::{BestTrials, ModelRef};
use crate::session::Workflow;
use mlg_compiler::passes::Calibration;
use mlg_runtime::Artifact;
use std::collections::BTreeMap;

/// Writes the deployed `artifact` of stage `target` to `path`: as an ONNX
/// model (standard ops, [`mlg_interop::onnx::export_artifact`]) when the
/// path ends in `.onnx`, else as an mlg artifact.
pub(super) fn write(target: &str, path: &std::path::Path, artifact: &Artifact) -> Result<()> {
    if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("onnx")) {
        return Ok(mlg_runtime::artifact::write(path, artifact)?);
    }
    let bytes = mlg_interop::onnx::export_artifact(artifact, mlg_interop::onnx::TreeForm::Standard).map_err(
        |source| crate::error::Error::OnnxExport {
            target: target.to_string(),
            path: path.to_path_buf(),
            source,
        },
    )?;
    mlg_runtime::files::write_atomic(path, &bytes).map_err(|source| crate::error::Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Rows per batch of the training-rows check of [`deployable`].
const CHECK_ROWS: usize = 16_384;

/// `model` (searches resolved by `best`) fitted on every data row, packed
/// under `name` with the drift and quality settings ([`artifact_of`]) and
/// compiled; refused when its outputs on the rows it trained on are not all
/// finite, or when quality is monitored and `evaluations` hold no accuracy
/// (classifier) or RMSE (regressor) of it to compare with.
pub(super) fn deployable(
    wf: &Workflow,
    best: &BestTrials,
    name: &str,
    model: &ModelRef,
    evaluations: &[Evaluation],
    (monitor, quality): (
        Option<mlg_runtime::drift::DriftConfig>,
        Option<mlg_runtime::quality::QualityConfig>,
    ),
) -> Result<mlg_runtime::Model> {
    let chain = Chain::of_ref(wf, best, model)?;
    let target = chain.target()?;
    let rows: Vec<usize> = (0..chain.frame.n_rows).collect();
    let (shared, transforms, calibration) = chain.fit_shared(&target, &rows)?;
    let fitted = &*shared.fitted;
    let compression = (transforms.as_slice(), calibration.as_ref());
    let artifact = Artifact {
        monitor,
        quality,
        ..artifact_of(wf, name, &chain, fitted, compression, evaluations)?
    };
    let classifier = !artifact.classes.is_empty();
    if artifact.quality.is_some() && mlg_runtime::quality::baseline(&artifact.metrics, classifier).is_none() {
        return Err(crate::error::Error::QualityBaseline {
            target: name.to_string(),
            metric: if classifier { "accuracy" } else { "rmse" },
        });
    }
    let compiled = mlg_runtime::Model::from_artifact(artifact)?;
    let checked = check_training_rows(name, &chain, fitted, &rows, &compiled);
    // Each rank checks its own rows; all of them stop if one fails.
    let comm = mlg_runtime::collective::current();
    if comm.size() > 1 {
        let outcome = match &checked {
            Ok(()) => Ok(()),
            Err(e) => Err(e.to_string()),
        };
        let failures = comm.failures(outcome);
        if let Some((rank, message)) = failures.first() {
            return Err(crate::error::Error::Distributed(format!(
                "rank {rank}: {message}"
            )));
        }
    }
    checked?;
    Ok(compiled)
}

/// Checks that the compiled `fitted` gives finite outputs on its training
/// rows `rows` of `chain`'s frame: at once when its graph's outputs are
/// finite for every row, or for every row within the frame's input bounds
/// ([`mlg_compiler::ir::bounds`]), else by running it on them.
fn check_training_rows(
    name: &str,
    chain: &Chain,
    fitted: &fit::FittedChain,
    rows: &[usize],
    compiled: &mlg_runtime::Model,
) -> Result<()> {
    // Outputs finite for every possible row (a tree ensemble's, say), or for
    // every row within the frame's largest input values (a linear model's,
    // on data without missing values), need no rows run.
    let graph = &compiled.artifact().graph;
    if mlg_compiler::ir::bounds::always_finite(graph)
        || mlg_compiler::ir::bounds::finite_given(
            graph,
            &mlg_runtime::rows::input_bounds(&chain.frame, compiled.inputs()),
        )
    {
        return Ok(());
    }
    let during = "on its training rows (fitted on every row to be deployed)";
    let inputs = compiled.inputs();
    let mut encoded = Vec::new();
    for part in fitted.trained_rows(rows).chunks(CHECK_ROWS) {
        // Consecutive rows are encoded where they lie; others are taken first.
        let consecutive = part.windows(2).all(|w| w[1] == w[0] + 1);
        let taken;
        let (frame, range) = match part.first() {
            Some(&first) if consecutive => (&*chain.frame, first..first + part.len()),
            _ => {
                taken = chain.frame.take(part);
                (&taken, 0..part.len())
            }
        };
        encoded.resize(part.len() * inputs.len(), 0.0);
        mlg_runtime::rows::encode_range_into(frame, inputs, range, &mut encoded)?;
        let out = compiled.predict_rows(&encoded, part.len())?;
        let batch = finite::Batch {
            model: name,
            during,
            rows: part,
            encoded: &encoded,
            inputs,
        };
        if finite::check(&batch, &out, compiled.n_outputs()).is_err() {
            // Naming the ensemble member at fault takes the rows as a frame.
            let frame = chain.frame.take(part);
            finite::check_chain(fitted, &frame, &batch, &out, compiled.n_outputs())?;
        }
    }
    Ok(())
}

/// The artifact of `fitted`, the chain `chain` fitted on every data row, with
/// the compiler transforms `transforms` (and a static int8 transform's
/// `calibration` rows), named `name`: the graph, the metrics, the profile of the training rows'
/// input columns and the lineage (hashes of the source and of the data
/// frame, the model's `seed`); no monitor settings.
fn artifact_of(
    wf: &Workflow,
    name: &str,
    chain: &Chain,
    fitted: &fit::FittedChain,
    (transforms, calibration): (&[fit::Transform], Option<&Calibration>),
    evaluations: &[Evaluation],
) -> Result<Artifact> {
    let graph = compile::optimize_graph(fitted.lower(name)?, name, transforms, calibration)?;
    let mut metrics = BTreeMap::new();
    for e in evaluations.iter().filter(|e| e.model == name) {
        for (metric, summary) in &e.metrics {
            metrics.insert(metric.clone(), summary.estimate);
        }
    }
    let params = match &chain.kind {
        fit::ChainKind::Model { model, .. } => &model.op.params,
        fit::ChainKind::Ensemble { stage, .. } => &stage.combiner.params,
    };
    let seed = match params.get("seed") {
        Some(mlg_compiler::workflow::catalog::Value::Int(s)) => u64::try_from(*s).ok(),
        _ => None,
    };
    // The frame's hash beside its profile (each spreads over the threads);
    // only the graph's input columns are profiled, so the target never is.
    let comm = mlg_runtime::collective::current();
    let (data_hash, profile) = if comm.size() > 1 {
        // The rows are spread over the ranks: the hash names the shards' hashes
        // in rank order, and the profile merges every rank's rows.
        let shard = mlg_runtime::artifact::Lineage::hash_frame(&chain.frame);
        let hashes: Vec<String> = comm
            .all_gather(shard.as_bytes())
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let hash = mlg_runtime::artifact::Lineage::hash_text(&format!("shards:{}", hashes.join(",")));
        (
            hash,
            mlg_runtime::profile::DataProfile::of_ranks(comm.as_ref(), &chain.frame, &graph.inputs),
        )
    } else {
        rayon::join(
            || mlg_runtime::artifact::Lineage::hash_frame(&chain.frame),
            || mlg_runtime::profile::DataProfile::of(&chain.frame, &graph.inputs),
        )
    };
    let lineage = mlg_runtime::artifact::Lineage {
        source_hash: mlg_runtime::artifact::Lineage::hash_text(&wf.source),
        data_hash,
        seed,
        mlg_version: env!("CARGO_PKG_VERSION").to_string(),
        created_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    };
    Ok(Artifact {
        name: name.to_string(),
        workflow: wf.file.clone(),
        task: chain.task.to_string(),
        target: chain.target.clone(),
        classes: fitted.classes.clone(),
        graph,
        metrics,
        mlg_version: env!("CARGO_PKG_VERSION").to_string(),
        profile,
        lineage,
        monitor: None,
        quality: None,
    })
}
