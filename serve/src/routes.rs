//! The HTTP endpoints, the body size and time limits, the admin token check of
//! `/reload`, and the middleware that counts every request in the metrics.

use crate::log::{self, Event};
use crate::metrics::{self, Endpoint, ModelView};
use crate::request;
use crate::response::{self, ApiError, Predicted};
use crate::state::{AppState, Loaded};
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt;
use mlg_runtime::{OnInvalid, RuntimeError};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Bodies at least this large are parsed and predicted on the blocking pool.
const BLOCKING_BYTES: usize = 16 * 1024;
/// Batches of at least this many rows are predicted on the blocking pool.
const BLOCKING_ROWS: usize = 64;
/// How much of an oversized body is read (and dropped) so the client still
/// gets its 413 on a healthy connection; past it the connection is closed.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;
/// The largest `/reload` body read (it must be empty).
const RELOAD_BODY_BYTES: usize = 4096;

/// The router of every endpoint, counting requests in `state.metrics`.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/predict", post(predict))
        .route("/health", get(health))
        .route("/model", get(model))
        .route("/metrics", get(metrics_text))
        .route("/reload", post(reload))
        .route("/feedback", post(feedback))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(Arc::clone(&state), track))
        .with_state(state)
}

/// Counts the request and its latency under its endpoint and status.
async fn track(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let endpoint = Endpoint::of_path(request.uri().path());
    let start = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .request(endpoint, response.status().as_u16(), start.elapsed());
    response
}

/// `POST /predict[?on_invalid=error|null]`.
async fn predict(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let on_invalid = match on_invalid(&parts.uri) {
        Ok(policy) => policy,
        Err(e) => return e.into_response(),
    };
    match predict_body(state, &parts.headers, body, on_invalid, Instant::now()).await {
        Ok(json) => response::json(StatusCode::OK, json),
        Err(e) => e.into_response(),
    }
}

/// The `on_invalid` query parameter of `/predict`: `error` (the default) or
/// `null`. `skip` is refused: the answer's rows must line up with the request's.
fn on_invalid(uri: &Uri) -> Result<OnInvalid, ApiError> {
    let mut policy = OnInvalid::Error;
    for pair in uri.query().unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, message);
        match pair.split_once('=') {
            Some(("on_invalid", "error")) => policy = OnInvalid::Error,
            Some(("on_invalid", "null")) => policy = OnInvalid::Null,
            Some(("on_invalid", other)) => {
                return Err(bad(format!(
                    "on_invalid must be `error` or `null`, got `{other}` \
                     (rows are never skipped over HTTP: answers line up with the request's rows)"
                )))
            }
            _ => {
                return Err(bad(format!(
                    "unknown query parameter `{pair}`: /predict takes on_invalid=error|null"
                )))
            }
        }
    }
    Ok(policy)
}

async fn predict_body(
    state: Arc<AppState>,
    headers: &HeaderMap,
    body: Body,
    on_invalid: OnInvalid,
    start: Instant,
) -> Result<Vec<u8>, ApiError> {
    let bytes = read_body(body, headers, Limit::new(state.max_body, &state)).await?;
    let loaded = state.current.load_full();
    if bytes.len() >= BLOCKING_BYTES {
        return blocking(move || {
            let batch = request::parse(&loaded.schema, &bytes, state.strict_columns)?;
            run(&state, &loaded, batch, on_invalid, start)
        })
        .await;
    }
    let batch = request::parse(&loaded.schema, &bytes, state.strict_columns)?;
    if batch.n_rows >= BLOCKING_ROWS {
        blocking(move || run(&state, &loaded, batch, on_invalid, start)).await
    } else {
        run(&state, &loaded, batch, on_invalid, start)
    }
}

/// Runs `work` on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("prediction failed: {e}"),
        ))
    })
}

/// Predicts `batch`, records it (drift window, metrics) and returns the JSON
/// answer. Rows the model cannot predict (non-finite outputs, see
/// `mlg_runtime::invalid`) are a 422 naming them, or null answers listed under
/// `invalid` with `on_invalid=null`; never a class or a number. Rows with an
/// `id` are remembered for `/feedback`; a sampled request goes to the
/// prediction log.
fn run(
    state: &AppState,
    loaded: &Loaded,
    batch: request::Batch,
    on_invalid: OnInvalid,
    start: Instant,
) -> Result<Vec<u8>, ApiError> {
    let model = &loaded.model;
    let predictions = model
        .predict_encoded(&batch.rows, batch.n_rows, on_invalid)
        .map_err(|e| match e {
            RuntimeError::InvalidRows(rows) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "{rows} (rows count from 0); send the missing values, or POST \
                     /predict?on_invalid=null to get null for such rows"
                ),
            ),
            other => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("prediction failed: {other}"),
            ),
        })?;
    if batch.n_rows > 0 {
        loaded.monitor.observe(&batch.frame);
        loaded.anomalies.observe(&batch.frame);
    }
    state.metrics.batch(batch.n_rows);
    let width = model.n_outputs();
    let values = &predictions.values;
    let classes = model.classes();
    for row in values.chunks_exact(width.max(1)) {
        if !row[0].is_finite() {
            continue;
        }
        if classes.is_empty() {
            state.metrics.prediction_value(f64::from(row[0]));
        } else if row[0] >= 0.0 && row[0].fract() == 0.0 {
            if let Some(counter) = loaded.class_counters.get(row[0] as usize) {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    loaded.check_drift(batch.n_rows >= BLOCKING_ROWS);
    loaded.quality.remember(&batch.ids, values, width);
    let answer = Predicted {
        classes,
        values,
        width,
        invalid: &predictions.invalid,
        ignored: &batch.ignored,
        ids: &batch.ids,
    }
    .to_vec();
    if let Some(log) = state.log.as_ref().filter(|log| batch.n_rows > 0 && log.sampled()) {
        let first = values.iter().step_by(width.max(1)).copied().collect();
        let latency_ms = start.elapsed().as_secs_f64() * 1e3;
        log.record(&loaded.log_model, batch.frame, first, batch.ids, latency_ms);
    }
    Ok(answer)
}

/// How much of a body is read, and until when.
#[derive(Clone, Copy)]
struct Limit {
    bytes: usize,
    deadline: tokio::time::Instant,
    seconds: f64,
}

impl Limit {
    /// `bytes`, arriving within the body timeout from now.
    fn new(bytes: usize, state: &AppState) -> Limit {
        Limit {
            bytes,
            deadline: tokio::time::Instant::now() + state.body_timeout,
            seconds: state.body_timeout.as_secs_f64(),
        }
    }

    /// The 408 of a body that did not arrive in time; the connection closes.
    fn too_slow(&self) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s (--body-timeout)",
                self.seconds
            ),
        );
        error.close = true;
        error
    }
}

/// Reads the whole body, refusing one over `limit.bytes` with 413 and one that
/// is not all there by `limit.deadline` with 408.
async fn read_body(mut body: Body, headers: &HeaderMap, limit: Limit) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is larger than the limit of {} bytes (--max-body)",
                limit.bytes
            ),
        )
    };
    if declared.is_some_and(|n| n > limit.bytes as u64) {
        return Err(drain(body, 0, too_large(), limit).await);
    }
    let unreadable = |e: axum::Error| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("cannot read the request body: {e}"),
        )
    };
    let mut first: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut total = 0usize;
    loop {
        let frame = match tokio::time::timeout_at(limit.deadline, body.frame()).await {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(_) => return Err(limit.too_slow()),
        };
        let Ok(data) = frame.map_err(unreadable)?.into_data() else {
            continue;
        };
        total += data.len();
        if total > limit.bytes {
            return Err(drain(body, total, too_large(), limit).await);
        }
        if first.is_none() && joined.is_empty() {
            first = Some(data);
        } else {
            if let Some(f) = first.take() {
                joined.extend_from_slice(&f);
            }
            joined.extend_from_slice(&data);
        }
    }
    Ok(if joined.is_empty() {
        first.unwrap_or_default()
    } else {
        Bytes::from(joined)
    })
}

/// Reads and drops the rest of an oversized body (up to [`DRAIN_BYTES`], until
/// the body deadline) so the client is not cut off mid-upload; past that the
/// connection is closed.
async fn drain(mut body: Body, mut read: usize, mut error: ApiError, limit: Limit) -> ApiError {
    while read <= DRAIN_BYTES {
        match tokio::time::timeout_at(limit.deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => read += frame.data_ref().map_or(0, |d| d.len()),
            Ok(None) => return error,
            Ok(Some(Err(_))) | Err(_) => break,
        }
    }
    error.close = true;
    error
}

/// `GET /health`.
async fn health(State(state): State<Arc<AppState>>) -> Response {
    response::json(StatusCode::OK, state.current.load().health.clone())
}

/// `GET /model`.
async fn model(State(state): State<Arc<AppState>>) -> Response {
    response::json(StatusCode::OK, state.current.load().description.clone())
}

/// `GET /metrics`.
async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    let loaded = state.current.load_full();
    let drift = loaded.drift_report();
    let text = state.metrics.render(&ModelView {
        name: loaded.model.name(),
        version: &loaded.model.artifact().mlg_version,
        classifier: !loaded.model.classes().is_empty(),
        drift: &drift,
    });
    let mut text = text;
    loaded.quality.render(&mut text, &loaded.quality.report());
    loaded.anomalies.render(&mut text);
    if let Some(log) = &state.log {
        log.render(&mut text);
    }
    let mut response = Response::new(Body::from(text));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(metrics::CONTENT_TYPE),
    );
    response
}

/// `POST /feedback`: true labels for predictions served with an `id`
/// ([`crate::feedback`]); answers `{"joined": n, "unknown_ids": m}`. A label
/// whose id is unknown is counted, not an error.
async fn feedback(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match read_body(body, &parts.headers, Limit::new(state.max_body, &state)).await {
        Ok(bytes) => bytes,
        Err(e) => return e.into_response(),
    };
    let loaded = state.current.load_full();
    let joined = blocking(move || {
        let labels = crate::feedback::parse(&bytes, loaded.quality.classifier())?;
        Ok(loaded.quality.feedback(&labels))
    })
    .await;
    match joined {
        Ok(joined) => response::json(StatusCode::OK, serde_json::to_vec(&joined).unwrap_or_default()),
        Err(e) => e.into_response(),
    }
}

/// `POST /reload`: 404 unless an admin token is configured, 401 without the
/// right `Authorization: Bearer` token, 400 with a body (a `path` in
/// particular: only the configured artifact is ever loaded), else the reload.
async fn reload(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let Some(token) = &state.admin else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "POST /reload is disabled; start mlg serve with --admin-token-file to enable it \
             (SIGHUP reloads the artifact file either way)",
        )
        .into_response();
    };
    let (parts, body) = request.into_parts();
    if !token.authorizes(parts.headers.get(header::AUTHORIZATION)) {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.to_string());
        let reason = if parts.headers.contains_key(header::AUTHORIZATION) {
            "wrong token"
        } else {
            "no token"
        };
        log::emit(&Event {
            level: "warn",
            event: "reload_refused",
            reason: Some(reason),
            peer: peer.as_deref(),
            ..Event::default()
        });
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            "POST /reload needs the header `Authorization: Bearer <token>` with the admin token",
        )
        .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"mlg\""),
        );
        return response;
    }
    let no_body = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "POST /reload takes no body: it loads the artifact the server was started with ({}) \
                 again; another path cannot be given",
                state.artifact.display()
            ),
        )
    };
    let limit = Limit::new(RELOAD_BODY_BYTES, &state);
    match read_body(body, &parts.headers, limit).await {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {}
        Ok(_) => return no_body().into_response(),
        Err(e) if e.status == StatusCode::PAYLOAD_TOO_LARGE => {
            let mut refused = no_body();
            refused.close = e.close;
            return refused.into_response();
        }
        Err(e) => return e.into_response(),
    }
    match state.reload().await {
        Ok(loaded) => {
            let body = serde_json::json!({
                "status": "reloaded",
                "model": loaded.model.name(),
                "artifact": loaded.path.display().to_string(),
                "reloads": state.metrics.reloads(),
            });
            response::json(StatusCode::OK, body.to_string())
        }
        Err(e) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("reload failed, still serving the previous model: {e}"),
        )
        .into_response(),
    }
}

/// The endpoints, for 404 messages.
const ENDPOINTS: &str =
    "POST /predict, POST /feedback, GET /health, GET /model, GET /metrics, POST /reload (with --admin-token-file)";

/// Any unknown path.
async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "no endpoint {method} {}; the endpoints are {ENDPOINTS}",
            uri.path()
        ),
    )
}

/// A known path with the wrong method.
async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let allowed = match uri.path() {
        "/predict" | "/feedback" | "/reload" => "POST",
        _ => "GET, HEAD",
    };
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{} does not accept {method}; use {allowed}", uri.path()),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}
