//! The text tables of `mlg runs list`, `mlg runs show` and `mlg models list`.

use crate::compare::table;
use crate::record::fmt;
use crate::registry::Version;
use crate::{clock, RunRow, Store, TrackingError};

/// Seconds as `12.3s`, or `-` while unknown.
fn duration(seconds: Option<f64>) -> String {
    seconds.map_or_else(|| "-".to_string(), |s| format!("{s:.2}s"))
}

/// `mlg runs list`: one line per run, newest first.
pub fn list(runs: &[RunRow]) -> String {
    if runs.is_empty() {
        return "no runs recorded yet\n".to_string();
    }
    let rows: Vec<[String; 6]> = runs
        .iter()
        .map(|r| {
            [
                r.short_id().to_string(),
                clock::utc(r.started_at),
                r.status.to_string(),
                duration(r.duration_s),
                r.workflow.clone(),
                r.headline.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        ["run", "started (UTC)", "status", "took", "workflow", "best"],
        &rows,
    )
}

/// `mlg runs show RUN`: the run's header, parameters, metrics and files.
pub fn show(store: &Store, prefix: &str) -> Result<String, TrackingError> {
    let run = store.run(prefix)?;
    let mut out = format!(
        "run {}\nworkflow {}\nstatus {}\nstarted {} UTC, took {}\nsource sha256 {}\ndata sha256 {}\ncommand {}\n",
        run.id,
        run.workflow,
        run.status,
        clock::utc(run.started_at),
        duration(run.duration_s),
        run.source_hash,
        run.data_hash,
        run.command
    );
    if let Some(error) = &run.error {
        out.push_str(&format!("error {error}\n"));
    }
    let params: Vec<[String; 2]> = store
        .params(&run.id)?
        .into_iter()
        .map(|p| [p.key, p.value])
        .collect();
    if !params.is_empty() {
        out.push_str("\nparameters\n");
        out.push_str(&table(["key", "value"], &params));
    }
    let metrics = store.metrics(&run.id)?;
    let estimates: Vec<[String; 3]> = metrics
        .iter()
        .filter(|m| m.fold.is_none())
        .map(|m| {
            let folds: Vec<String> = metrics
                .iter()
                .filter(|f| {
                    f.fold.is_some()
                        && (&f.statement, &f.model, &f.metric) == (&m.statement, &m.model, &m.metric)
                })
                .map(|f| fmt(f.value))
                .collect();
            [
                format!("{} {} {}", m.statement, m.model, m.metric),
                fmt(m.value),
                folds.join(" "),
            ]
        })
        .collect();
    if !estimates.is_empty() {
        out.push_str("\nmetrics\n");
        out.push_str(&table(["metric", "estimate", "per split"], &estimates));
    }
    let files: Vec<[String; 4]> = store
        .artifacts(&run.id)?
        .into_iter()
        .map(|a| {
            [
                a.path,
                a.role,
                a.bytes.to_string(),
                a.sha256[..16.min(a.sha256.len())].to_string(),
            ]
        })
        .collect();
    if !files.is_empty() {
        out.push_str("\nfiles\n");
        out.push_str(&table(["path", "role", "bytes", "sha256"], &files));
    }
    Ok(out)
}

/// `mlg models list`: every registered version with its aliases.
pub fn models(store: &Store, versions: &[Version]) -> String {
    if versions.is_empty() {
        return "no models registered yet: a finished `mlg run` registers each artifact it deploys\n"
            .to_string();
    }
    let rows: Vec<[String; 6]> = versions
        .iter()
        .map(|v| {
            [
                v.name.clone(),
                v.version.to_string(),
                v.aliases.join(", "),
                v.run_id[..8.min(v.run_id.len())].to_string(),
                clock::utc(v.created_at),
                store.stored(v).display().to_string(),
            ]
        })
        .collect();
    table(
        [
            "model",
            "version",
            "aliases",
            "run",
            "registered (UTC)",
            "stored at",
        ],
        &rows,
    )
}
