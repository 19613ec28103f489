//! `mlg serve` hardening, end to end over raw TCP where a well-behaved client
//! would not do: slow heads and bodies cut off by their timeouts, connections
//! over `--max-connections` answered 503 (and `/health` answered 200),
//! shutdown within `--shutdown-timeout` whatever clients hold, `/reload` off by
//! default and behind the admin token, and out-of-range flags refused cleanly.
//! The overload test (2,000 connections held) is `tests/serve_overload.rs`, a
//! test binary of its own so that no other server test competes for the CPU.

use super::cli_support::{fails_cleanly, mlg_limited};
use super::exposition::Metrics;
use super::support::{fixture, token_file, Server, TOKEN};
use serde_json::{json, Value};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// A connection to `addr` whose reads give up after ten seconds.
fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("the server accepts");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream
}

/// Everything the server sends on `stream` until it closes it (a reset ends
/// the read too), and how long that took.
fn read_until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let start = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
    (String::from_utf8_lossy(&answer).into_owned(), start.elapsed())
}

/// Sends `request` on a fresh connection; returns the whole answer and the
/// time from connecting to the server's close.
fn exchange(addr: &str, request: &str) -> (String, Duration) {
    let start = Instant::now();
    let mut stream = connect(addr);
    stream.write_all(request.as_bytes()).unwrap();
    let (answer, _) = read_until_closed(&mut stream);
    (answer, start.elapsed())
}

/// The JSON body of a raw HTTP answer.
fn body(answer: &str) -> Value {
    let (_, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {answer}"))
}

fn metrics(server: &Server) -> Metrics {
    let reply = server.get("/metrics");
    assert_eq!(reply.status, 200, "{}", reply.body);
    Metrics::parse(reply.body)
}

/// A `GET /health` that asks the server to close the connection after it.
const HEALTH: &str = "GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";

#[test]
fn slow_heads_idle_connections_and_slow_bodies_are_cut_off() {
    let f = fixture();
    let server = Server::start(&f.iris_lr, &["--header-timeout", "1", "--body-timeout", "1"]);
    let start = Instant::now();
    let mut half_head = connect(server.addr());
    half_head
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\n")
        .unwrap();
    let mut idle = connect(server.addr());
    let mut kept_alive = connect(server.addr());
    kept_alive
        .write_all(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut half_body = connect(server.addr());
    half_body
        .write_all(b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n{\"rows\": [")
        .unwrap();

    for (name, stream) in [
        ("a half-sent head", &mut half_head),
        ("an idle connection", &mut idle),
    ] {
        let (answer, _) = read_until_closed(stream);
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
            "{name} was closed after {waited:?}"
        );
        assert!(!answer.contains(" 200 "), "{name}: {answer}");
    }
    // A keep-alive connection gets its answer, then is closed once idle as long.
    let (answer, _) = read_until_closed(&mut kept_alive);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(start.elapsed() >= Duration::from_millis(900));
    // A body that stops arriving gets 408 and the connection closes.
    let (answer, _) = read_until_closed(&mut half_body);
    let waited = start.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        body(&answer)["error"]
            .as_str()
            .unwrap()
            .contains("did not arrive within 1 s (--body-timeout)"),
        "{answer}"
    );
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );

    assert_eq!(server.get("/health").status, 200);
    let m = metrics(&server);
    assert!(
        m.must("mlg_connections_timed_out_total", &[]) >= 3.0,
        "{}",
        m.text
    );
    assert_eq!(
        m.must(
            "mlg_requests_total",
            &[("endpoint", "predict"), ("status", "408")]
        ),
        1.0
    );
}

#[test]
fn over_the_limit_connections_get_503_with_retry_after_but_health_answers() {
    let f = fixture();
    let server = Server::start(&f.iris_lr, &["--max-connections", "2"]);
    let held: Vec<TcpStream> = (0..2).map(|_| connect(server.addr())).collect();
    std::thread::sleep(Duration::from_millis(200));

    let (busy, took) = exchange(server.addr(), "GET /model HTTP/1.1\r\nHost: test\r\n\r\n");
    assert!(busy.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{busy}");
    let head = busy.to_ascii_lowercase();
    assert!(head.contains("\r\nretry-after: 1\r\n"), "{busy}");
    assert!(head.contains("\r\nconnection: close\r\n"), "{busy}");
    assert!(
        body(&busy)["error"]
            .as_str()
            .unwrap()
            .contains("at its limit of 2 connections"),
        "{busy}"
    );
    assert!(took < Duration::from_secs(1), "shedding took {took:?}");

    let (health, took) = exchange(server.addr(), HEALTH);
    assert!(health.starts_with("HTTP/1.1 200 OK\r\n"), "{health}");
    assert_eq!(body(&health), json!({"status": "ok", "model": "lr"}));
    assert!(took < Duration::from_secs(1), "{took:?}");

    // A client that sends nothing is shed too, without waiting on it.
    let mut silent = connect(server.addr());
    let (answer, took) = read_until_closed(&mut silent);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(took < Duration::from_secs(1), "{took:?}");

    drop(held);
    // The server may see the held connections close after a first poll, which
    // it then sheds too: those 503s (and any poll cut off mid-answer) count.
    let (mut shed_polls, mut cut_polls) = (0.0, 0.0);
    assert!(
        server.eventually(|| match server.try_get("/model") {
            Ok(r) if r.status == 200 => true,
            Ok(r) => {
                shed_polls += f64::from(u8::from(r.status == 503));
                false
            }
            Err(_) => {
                cut_polls += 1.0;
                false
            }
        }),
        "the slots did not come back"
    );
    let m = metrics(&server);
    let shed = m.must("mlg_connections_shed_total", &[("answer", "503")]);
    assert!(
        shed >= 2.0 + shed_polls && shed <= 2.0 + shed_polls + cut_polls,
        "{shed} shed: 2 + {shed_polls} polls answered 503 + at most {cut_polls} cut off"
    );
    assert_eq!(m.must("mlg_connections_shed_total", &[("answer", "health")]), 1.0);
    assert_eq!(m.must("mlg_connections_shed_total", &[("answer", "none")]), 0.0);
}

#[test]
fn sigterm_ends_within_the_shutdown_timeout_whatever_clients_hold() {
    let f = fixture();
    let mut server = Server::start(&f.iris_lr, &["--shutdown-timeout", "2"]);
    let mut half_head = connect(server.addr());
    half_head
        .write_all(b"POST /predict HTTP/1.1\r\nHost: test\r\n")
        .unwrap();
    let mut half_body = connect(server.addr());
    half_body
        .write_all(b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n{\"rows\"")
        .unwrap();
    let mut idle = connect(server.addr());
    std::thread::sleep(Duration::from_millis(300));

    let start = Instant::now();
    server.signal("TERM");
    // An idle connection is closed at once.
    let (_, _) = read_until_closed(&mut idle);
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("the server exits");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(1800) && took < Duration::from_millis(3500),
        "shutdown took {took:?}"
    );
    assert_eq!(status.code(), Some(0), "{:?}", server.stderr_lines());
    let stopped = server.events("stopped");
    assert_eq!(stopped.len(), 1, "{:?}", server.stderr_lines());
    assert_eq!(stopped[0]["reason"], "the shutdown timeout passed");
    assert_eq!(stopped[0]["connections"], 2);
    // The half-sent requests were dropped unanswered.
    for stream in [&mut half_head, &mut half_body] {
        let (answer, _) = read_until_closed(stream);
        assert_eq!(answer, "");
    }
}

#[test]
fn reload_is_off_by_default_and_needs_the_admin_token() {
    let f = fixture();
    let off = Server::start(&f.iris_lr, &[]);
    for token in [None, Some(TOKEN)] {
        let reply = off.reload(token, "");
        assert_eq!(reply.status, 404, "{}", reply.body);
        assert!(
            reply.json()["error"]
                .as_str()
                .unwrap()
                .contains("start mlg serve with --admin-token-file"),
            "{}",
            reply.body
        );
    }

    let token_file = token_file().to_str().unwrap().to_string();
    let on = Server::start(&f.iris_lr, &["--admin-token-file", &token_file]);
    let elsewhere = json!({ "path": f.iris_weak }).to_string();
    for (token, body) in [
        (None, ""),
        (Some("not-the-admin-token-at-all"), ""),
        (Some("not-the-admin-token-at-all"), elsewhere.as_str()),
        (Some(&TOKEN[..TOKEN.len() - 1]), ""),
    ] {
        let reply = on.reload(token, body);
        assert_eq!(reply.status, 401, "{token:?}: {}", reply.body);
        assert!(
            reply.json()["error"]
                .as_str()
                .unwrap()
                .contains("Authorization: Bearer"),
            "{}",
            reply.body
        );
    }
    let refused = on.reload(Some(TOKEN), &elsewhere);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("POST /reload takes no body"),
        "{}",
        refused.body
    );
    assert_eq!(on.get("/health").json()["model"], "lr");
    let reloaded = on.reload(Some(TOKEN), "");
    assert_eq!(reloaded.status, 200, "{}", reloaded.body);
    assert_eq!(reloaded.json()["model"], "lr");
    assert_eq!(reloaded.json()["reloads"], 1);

    let m = metrics(&on);
    let reloads = |status| {
        m.value(
            "mlg_requests_total",
            &[("endpoint", "reload"), ("status", status)],
        )
    };
    assert_eq!(reloads("401"), Some(4.0));
    assert_eq!(reloads("400"), Some(1.0));
    assert_eq!(reloads("200"), Some(1.0));
    let refusals = on.events("reload_refused");
    assert_eq!(refusals.len(), 4, "{refusals:?}");
    assert_eq!(refusals[0]["reason"], "no token");
    assert_eq!(refusals[1]["reason"], "wrong token");
    assert!(refusals[1]["peer"].as_str().unwrap().starts_with("127.0.0.1:"));
}

/// Runs `mlg serve ARTIFACT ARGS` under limits; it must fail cleanly.
fn serve_refuses(args: &[&str]) -> String {
    let f = fixture();
    let artifact = f.iris_lr.to_str().unwrap();
    let mut all = vec!["serve", artifact, "--addr", "127.0.0.1:0"];
    all.extend_from_slice(args);
    fails_cleanly(&mlg_limited(&all, Path::new("."), 4096, 30))
}

#[test]
fn bad_admin_token_files_refuse_to_start() {
    let dir = &fixture().dir;
    #[cfg(unix)]
    let open = {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("open.token");
        std::fs::write(&path, TOKEN).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        path
    };
    #[cfg(unix)]
    assert!(serve_refuses(&["--admin-token-file", open.to_str().unwrap()]).contains("every user may read"));
    let missing = dir.join("no-such.token");
    let stderr = serve_refuses(&["--admin-token-file", missing.to_str().unwrap()]);
    assert!(
        stderr.contains("no-such.token") && stderr.contains("cannot open it"),
        "{stderr}"
    );
}

#[test]
fn out_of_range_flags_fail_cleanly() {
    for (args, expected) in [
        (
            &["--workers", "50000"][..],
            "--workers must be between 1 and 1024, got 50000",
        ),
        (&["--workers", "0"], "--workers must be between 1 and 1024, got 0"),
        (
            &["--max-connections", "0"],
            "--max-connections must be between 1 and 1000000",
        ),
        (&["--max-body", "0"], "--max-body must be between 1 and"),
        (&["--max-body", "99999999999999999999999"], "--max-body"),
        (
            &["--header-timeout", "0"],
            "--header-timeout must be more than 0 seconds",
        ),
        (&["--body-timeout", "NaN"], "expected a number of seconds"),
        (&["--shutdown-timeout", "1e9"], "at most 86400 seconds"),
    ] {
        let stderr = serve_refuses(args);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[cfg(unix)]
#[test]
fn the_connection_limit_is_lowered_to_fit_the_open_file_limit() {
    let f = fixture();
    let server = Server::start_with_open_files(&f.iris_lr, &["--max-connections", "1024"], 512);
    assert_eq!(server.get("/health").status, 200);
    let limits = server.events("limits");
    assert_eq!(limits.len(), 1, "{:?}", server.stderr_lines());
    assert_eq!(limits[0]["level"], "warn");
    assert_eq!(limits[0]["requested_max_connections"], 1024);
    assert_eq!(limits[0]["open_file_limit"], 512);
    let lowered = limits[0]["max_connections"].as_u64().unwrap();
    assert!((100..512).contains(&lowered), "{lowered}");
}

#[test]
fn a_duplicate_key_in_a_row_is_refused_naming_the_key_and_the_row() {
    let f = fixture();
    let server = Server::start(&f.iris_lr, &[]);
    let row =
        r#"{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}"#;
    let twice = r#"{"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2, "sepal_width_cm": 9}"#;
    let reply = server.post("/predict", &format!(r#"{{"rows": [{row}, {twice}]}}"#));
    assert_eq!(reply.status, 422, "{}", reply.body);
    let error = reply.json();
    assert_eq!(error["column"], "sepal_width_cm");
    let message = error["error"].as_str().unwrap();
    assert!(message.contains("rows[1]"), "{message}");
    assert!(message.contains("`sepal_width_cm` appears twice"), "{message}");
}
