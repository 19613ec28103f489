//! What the server holds: the model being served with its drift monitor (one
//! [`Loaded`] per artifact load, swapped atomically on reload) and the metrics,
//! which outlive reloads.

use crate::admin::AdminToken;
use crate::config::Config;
use crate::log::{self, DriftEvent, Event};
use crate::metrics::Metrics;
use crate::quality::Quality;
use crate::request::Schema;
use arc_swap::ArcSwap;
use axum::body::Bytes;
use mlg_compiler::ir::SlotKind;
use mlg_runtime::drift::{DriftConfig, DriftMonitor, DriftReport};
use mlg_runtime::{Model, RuntimeError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often (at most) single-row traffic re-checks drift for alerts; large
/// batches and `/metrics` scrapes check every time.
const DRIFT_CHECK_MS: u64 = 200;

/// A loaded artifact: the compiled model and everything derived from it.
pub struct Loaded {
    /// The compiled model.
    pub model: Model,
    /// The file it was loaded from.
    pub path: PathBuf,
    /// Its input schema with lookups.
    pub schema: Schema,
    /// Drift of the rows it predicted, against its training profile.
    pub monitor: DriftMonitor,
    /// Whether the drift settings came from the artifact (else the defaults).
    pub monitor_from_artifact: bool,
    /// Per class (output order), the `mlg_predictions_total` counter.
    pub class_counters: Vec<Arc<AtomicU64>>,
    /// The `/health` response body.
    pub health: Bytes,
    /// The `/model` response body.
    pub description: Bytes,
    /// Live quality: predictions with an id, joined to `/feedback` labels.
    pub quality: Quality,
    /// Input values outside what the training rows showed, counted.
    pub anomalies: crate::anomaly::Anomalies,
    /// What the prediction log says of this model.
    pub log_model: Arc<crate::predlog::LogModel>,
    watch: DriftWatch,
}

impl Loaded {
    /// Loads and compiles the artifact at `path`.
    pub fn load(path: &Path, metrics: &Metrics) -> Result<Loaded, RuntimeError> {
        Ok(Loaded::new(Model::load(path)?, path.to_path_buf(), metrics))
    }

    /// Wraps a compiled model loaded from `path`.
    pub fn new(model: Model, path: PathBuf, metrics: &Metrics) -> Loaded {
        let artifact = model.artifact();
        let config = artifact.drift_config();
        let monitor = DriftMonitor::new(&artifact.profile, config);
        let health = serde_json::json!({"status": "ok", "model": model.name()});
        let quality = Quality::new(&model);
        let log_model = Arc::new(crate::predlog::LogModel {
            name: model.name().to_string(),
            version: mlg_runtime::artifact::to_bytes(artifact)
                .map(|bytes| mlg_runtime::artifact::Lineage::hash_bytes(&bytes))
                .unwrap_or_default(),
            classes: model.classes().to_vec(),
            dates: model
                .inputs()
                .iter()
                .map(|s| matches!(s.kind, SlotKind::Date))
                .collect(),
        });
        let description = describe(&model, &path, monitor.config(), &quality);
        Loaded {
            anomalies: crate::anomaly::Anomalies::new(mlg_runtime::anomaly::AnomalyCheck::new(
                &artifact.profile,
            )),
            quality,
            log_model,
            schema: Schema::new(model.inputs()),
            monitor_from_artifact: artifact.monitor.is_some(),
            monitor,
            class_counters: metrics.class_counters(model.classes()),
            health: Bytes::from(health.to_string()),
            description: Bytes::from(description.to_string()),
            watch: DriftWatch::new(artifact.profile.features.len()),
            model,
            path,
        }
    }

    /// Drift over the current window; logs the features whose alert state
    /// changed since the last check.
    pub fn drift_report(&self) -> DriftReport {
        let report = self.monitor.report();
        self.watch
            .update(&report, self.monitor.config(), self.model.name());
        report
    }

    /// Checks drift for alerts now when `force`, otherwise at most every
    /// [`DRIFT_CHECK_MS`].
    pub fn check_drift(&self, force: bool) {
        if force || self.watch.due() {
            self.drift_report();
        }
    }
}

/// The `/model` description.
fn describe(model: &Model, path: &Path, monitor: &DriftConfig, quality: &Quality) -> serde_json::Value {
    let artifact = model.artifact();
    // Whether a row may leave each input missing (probed on the compiled
    // function): "imputed", "refused" (the row is a 422), or "unknown".
    let takes_missing = model.takes_missing();
    let inputs: Vec<serde_json::Value> = model
        .inputs()
        .iter()
        .zip(takes_missing)
        .map(|(slot, takes)| {
            let missing = match takes {
                Some(true) => "imputed",
                Some(false) => "refused",
                None => "unknown",
            };
            match &slot.kind {
                SlotKind::Numeric => {
                    serde_json::json!({"name": slot.name, "kind": "numeric", "missing": missing})
                }
                SlotKind::Categorical { levels } => serde_json::json!({
                    "name": slot.name, "kind": "categorical", "levels": levels, "missing": missing
                }),
                SlotKind::Date => {
                    serde_json::json!({"name": slot.name, "kind": "date", "missing": missing})
                }
            }
        })
        .collect();
    serde_json::json!({
        "name": artifact.name,
        "workflow": artifact.workflow,
        "task": artifact.task,
        "target": artifact.target,
        "classes": artifact.classes,
        "inputs": inputs,
        "metrics": artifact.metrics,
        "mlg_version": artifact.mlg_version,
        "lineage": artifact.lineage,
        "monitor": {
            "psi": monitor.psi,
            "ks": monitor.ks,
            "window": monitor.window,
            "source": if artifact.monitor.is_some() { "artifact" } else { "default" },
        },
        "quality": {
            "window": quality.config().window,
            "accuracy_drop": quality.config().accuracy_drop,
            "rmse_rise": quality.config().rmse_rise,
            "baseline": quality.report().baseline,
            "source": if quality.from_artifact() { "artifact" } else { "default" },
        },
        "profiled_features": artifact.profile.features.len(),
        "artifact": path.display().to_string(),
    })
}

/// Which features alert, to log each off→on (and on→off) change once.
struct DriftWatch {
    alerting: Mutex<Vec<bool>>,
    /// Milliseconds since `start` of the last check.
    last_check: AtomicU64,
    start: Instant,
}

impl DriftWatch {
    fn new(features: usize) -> DriftWatch {
        DriftWatch {
            alerting: Mutex::new(vec![false; features]),
            last_check: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    /// True (for one caller) when the last check is [`DRIFT_CHECK_MS`] old.
    fn due(&self) -> bool {
        let now = self.start.elapsed().as_millis() as u64;
        let last = self.last_check.load(Ordering::Relaxed);
        now.saturating_sub(last) >= DRIFT_CHECK_MS
            && self
                .last_check
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Logs every feature whose alert state differs from the last check's.
    fn update(&self, report: &DriftReport, config: &DriftConfig, model: &str) {
        self.last_check
            .store(self.start.elapsed().as_millis() as u64, Ordering::Relaxed);
        let mut alerting = self.alerting.lock().unwrap_or_else(|e| e.into_inner());
        alerting.resize(report.features.len(), false);
        for (was, feature) in alerting.iter_mut().zip(&report.features) {
            if *was == feature.alert {
                continue;
            }
            *was = feature.alert;
            let (level, event) = if feature.alert {
                ("warn", "drift_alert")
            } else {
                ("info", "drift_cleared")
            };
            log::emit(&DriftEvent {
                level,
                event,
                feature: &feature.feature,
                psi: feature.psi,
                ks: feature.ks,
                window: config.window,
                rows: report.rows,
                psi_threshold: config.psi,
                ks_threshold: config.ks,
                model,
            });
        }
    }
}

/// Why a reload failed.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The artifact could not be loaded or compiled.
    #[error(transparent)]
    Load(#[from] RuntimeError),
    /// Loading crashed or was cancelled.
    #[error("loading the artifact failed: {0}")]
    Task(String),
}

/// The state every request handler shares.
pub struct AppState {
    /// The model being served.
    pub current: ArcSwap<Loaded>,
    /// The metrics.
    pub metrics: Metrics,
    /// The largest `/predict` body accepted, in bytes.
    pub max_body: usize,
    /// Time allowed for a request body to arrive.
    pub body_timeout: Duration,
    /// The token `POST /reload` must carry; `None` turns `/reload` off.
    pub admin: Option<AdminToken>,
    /// The artifact file every reload loads.
    pub artifact: PathBuf,
    /// Refuse columns the model does not read (`--strict-columns`).
    pub strict_columns: bool,
    /// The prediction log (`--log`).
    pub log: Option<crate::predlog::PredictionLog>,
    /// Serializes reloads.
    reload_lock: tokio::sync::Mutex<()>,
}

impl AppState {
    /// State serving `loaded` under `config`, `/reload` guarded by `admin`.
    pub fn new(
        loaded: Loaded,
        metrics: Metrics,
        config: &Config,
        admin: Option<AdminToken>,
        log: Option<crate::predlog::PredictionLog>,
    ) -> AppState {
        AppState {
            current: ArcSwap::from_pointee(loaded),
            metrics,
            max_body: config.max_body,
            body_timeout: config.body_timeout,
            admin,
            artifact: config.artifact.clone(),
            strict_columns: config.strict_columns,
            log,
            reload_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Loads the configured artifact file again off the executor and swaps it
    /// in; requests already running finish on the old model. A failed load
    /// leaves the current model in place.
    pub async fn reload(self: &Arc<Self>) -> Result<Arc<Loaded>, ReloadError> {
        let _one_at_a_time = self.reload_lock.lock().await;
        let path = self.artifact.clone();
        let state = Arc::clone(self);
        let shown = path.display().to_string();
        let loaded = tokio::task::spawn_blocking(move || Loaded::load(&path, &state.metrics))
            .await
            .map_err(|e| ReloadError::Task(e.to_string()))
            .and_then(|r| r.map_err(ReloadError::from));
        match loaded {
            Ok(loaded) => {
                let loaded = Arc::new(loaded);
                self.current.store(Arc::clone(&loaded));
                self.metrics.reloaded();
                log::emit(&Event {
                    level: "info",
                    event: "reload",
                    model: Some(loaded.model.name()),
                    path: Some(&shown),
                    ..Event::default()
                });
                Ok(loaded)
            }
            Err(e) => {
                let error = e.to_string();
                log::emit(&Event {
                    level: "error",
                    event: "reload_failed",
                    path: Some(&shown),
                    error: Some(&error),
                    ..Event::default()
                });
                Err(e)
            }
        }
    }
}
