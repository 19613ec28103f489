//! Load shedding: a connection accepted over `--max-connections` never reaches
//! hyper. It waits at most [`REQUEST_LINE_GRACE`] for its request line; a
//! `GET /health` (or `HEAD`) is answered 200 with the health body, anything
//! else (a silent client included) gets `503 Service Unavailable` with
//! `Retry-After`, and the connection closes. Waiting takes one of a bounded
//! number of shedding slots; when they are all taken (a flood), the answer is
//! decided at once from whatever the client has already sent, without waiting,
//! so shedding never holds more descriptors than the slots allow.

use crate::metrics::Shed;
use crate::state::AppState;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{timeout, timeout_at, Instant};

/// How long a shed connection may take to send its request line.
pub const REQUEST_LINE_GRACE: Duration = Duration::from_millis(50);
/// The `Retry-After` of a 503, in seconds.
pub const RETRY_AFTER_SECS: u64 = 1;
/// How much of a shed request is read to find its request line.
const LINE_BYTES: usize = 1024;
/// How long writing the (small) answer may take.
const WRITE_LIMIT: Duration = Duration::from_millis(200);
/// After the answer, how long (and how many bytes) the rest of the request is
/// read and dropped, so that closing does not reset the connection under a
/// client still sending.
const LINGER: Duration = Duration::from_millis(250);
const LINGER_BYTES: usize = 64 * 1024;

/// Answers connections over the limit.
pub struct Shedder {
    state: Arc<AppState>,
    /// Connections being answered.
    slots: Arc<Semaphore>,
    /// Answered connections still reading the rest of their request.
    lingering: Arc<Semaphore>,
    max_connections: usize,
}

impl Shedder {
    /// A shedder with `slots` answering slots (and as many lingering ones).
    pub fn new(state: Arc<AppState>, slots: usize, max_connections: usize) -> Shedder {
        Shedder {
            state,
            slots: Arc::new(Semaphore::new(slots)),
            lingering: Arc::new(Semaphore::new(slots)),
            max_connections,
        }
    }

    /// Answers `stream`: in a task of its own that may wait for the request
    /// line, or, when every shedding slot is taken, right now.
    pub fn shed(&self, stream: TcpStream) {
        let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
            self.answer_now(stream);
            return;
        };
        let state = Arc::clone(&self.state);
        let lingering = Arc::clone(&self.lingering);
        let max = self.max_connections;
        tokio::spawn(answer(stream, state, lingering, slot, max));
    }

    /// Answers from what has already arrived, with non-blocking reads and one
    /// non-blocking write (a fresh socket's send buffer takes the answer),
    /// then closes.
    fn answer_now(&self, stream: TcpStream) {
        let closed = || self.state.metrics.connections.shed(Shed::Closed);
        let Ok(mut stream) = stream.into_std() else {
            return closed();
        };
        let mut line = [0u8; LINE_BYTES];
        let mut filled = 0;
        while filled < line.len() && !line[..filled].contains(&b'\n') {
            match stream.read(&mut line[filled..]) {
                Ok(n) if n > 0 => filled += n,
                _ => break,
            }
        }
        let (outcome, response) = respond(&self.state, &line[..filled], self.max_connections);
        if !matches!(stream.write(&response), Ok(n) if n == response.len()) {
            return closed();
        }
        self.state.metrics.connections.shed(outcome);
        // Read what else has arrived, so that closing does not reset the
        // connection before the client reads the answer.
        let mut sink = [0u8; 4096];
        let mut read = 0;
        while read < LINGER_BYTES {
            match stream.read(&mut sink) {
                Ok(n) if n > 0 => read += n,
                _ => break,
            }
        }
        let _ = stream.shutdown(std::net::Shutdown::Write);
    }
}

/// The answer to a shed request that starts with `head`.
fn respond(state: &AppState, head: &[u8], max_connections: usize) -> (Shed, Vec<u8>) {
    match health_request(head) {
        Some(head_only) => (Shed::Health, health(state, head_only)),
        None => (Shed::Busy, busy(max_connections)),
    }
}

async fn answer(
    mut stream: TcpStream,
    state: Arc<AppState>,
    lingering: Arc<Semaphore>,
    slot: OwnedSemaphorePermit,
    max_connections: usize,
) {
    let mut line = [0u8; LINE_BYTES];
    let read = read_request_line(&mut stream, &mut line).await;
    let (outcome, response) = respond(&state, &line[..read], max_connections);
    let written = timeout(WRITE_LIMIT, stream.write_all(&response)).await;
    drop(slot);
    if matches!(written, Ok(Ok(()))) {
        state.metrics.connections.shed(outcome);
        linger(stream, lingering).await;
    } else {
        state.metrics.connections.shed(Shed::Closed);
    }
}

/// Reads until the end of the request line, [`LINE_BYTES`], end of stream or
/// [`REQUEST_LINE_GRACE`]; returns the bytes read.
async fn read_request_line(stream: &mut TcpStream, buf: &mut [u8]) -> usize {
    let deadline = Instant::now() + REQUEST_LINE_GRACE;
    let mut filled = 0;
    while filled < buf.len() && !buf[..filled].contains(&b'\n') {
        match timeout_at(deadline, stream.read(&mut buf[filled..])).await {
            Ok(Ok(n)) if n > 0 => filled += n,
            _ => break,
        }
    }
    filled
}

/// For a complete `GET /health` or `HEAD /health` request line, whether it is
/// `HEAD`; `None` for anything else.
fn health_request(head: &[u8]) -> Option<bool> {
    let end = head.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&head[..end]).ok()?.trim_end_matches('\r');
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let path = target.split('?').next().unwrap_or_default();
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return None,
    };
    (path == "/health" && version.starts_with("HTTP/1.") && parts.next().is_none()).then_some(head_only)
}

/// The 200 answer to a health check.
fn health(state: &AppState, head_only: bool) -> Vec<u8> {
    let body = state.current.load().health.clone();
    response("200 OK", &[], &body, head_only)
}

/// The 503 answer.
fn busy(max_connections: usize) -> Vec<u8> {
    let body = format!(
        "{{\"error\":\"the server is at its limit of {max_connections} connections; \
         retry after {RETRY_AFTER_SECS} s\"}}"
    );
    let retry = RETRY_AFTER_SECS.to_string();
    response(
        "503 Service Unavailable",
        &[("retry-after", &retry)],
        body.as_bytes(),
        false,
    )
}

/// An HTTP/1.1 response that closes the connection.
fn response(status: &str, headers: &[(&str, &str)], body: &[u8], head_only: bool) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

/// Ends the answer and reads (and drops) what the client still sends for a
/// moment, while a lingering slot is free; then closes.
async fn linger(mut stream: TcpStream, lingering: Arc<Semaphore>) {
    let Ok(_slot) = lingering.try_acquire_owned() else {
        return;
    };
    if stream.shutdown().await.is_err() {
        return;
    }
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 4096];
    let mut read = 0;
    while read < LINGER_BYTES {
        match timeout_at(deadline, stream.read(&mut sink)).await {
            Ok(Ok(n)) if n > 0 => read += n,
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_health_request_lines_are_health_checks() {
        assert_eq!(
            health_request(b"GET /health HTTP/1.1\r\nHost: x\r\n"),
            Some(false)
        );
        assert_eq!(health_request(b"HEAD /health?probe=1 HTTP/1.0\r\n"), Some(true));
        assert_eq!(health_request(b"GET /health HTTP/1.1\n"), Some(false));
        for other in [
            &b"GET /health HTTP/1.1"[..],
            b"POST /health HTTP/1.1\r\n",
            b"GET /healthz HTTP/1.1\r\n",
            b"GET /predict HTTP/1.1\r\n",
            b"GET /health HTTP/1.1 extra\r\n",
            b"GET /health SPDY\r\n",
            b"\xff\xfe\r\n",
            b"",
        ] {
            assert_eq!(health_request(other), None, "{}", String::from_utf8_lossy(other));
        }
    }

    #[test]
    fn answers_close_the_connection() {
        let text = String::from_utf8(busy(512)).unwrap();
        assert!(text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{text}");
        assert!(text.contains("\r\nretry-after: 1\r\n"), "{text}");
        assert!(text.contains("\r\nconnection: close\r\n"), "{text}");
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let error: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(error["error"]
            .as_str()
            .unwrap()
            .contains("limit of 512 connections"));
        let head_only = response("200 OK", &[], b"{}", true);
        assert!(String::from_utf8(head_only)
            .unwrap()
            .ends_with("content-length: 2\r\nconnection: close\r\n\r\n"));
    }
}
