//! The overload check of `mlg serve`: 2,000 idle and half-sent
//! connections held against `--max-connections 512` while `/health` is probed
//! on fresh connections; every probe must answer 200 within 100 ms, and SIGTERM
//! must still end the server within `--shutdown-timeout`. A test binary of its
//! own: cargo runs test binaries one at a time, so no other server test
//! competes with it for the CPU. Unix only (it sets `RLIMIT_NOFILE`).
#![cfg(unix)]

#[allow(dead_code)]
#[path = "serve/support.rs"]
mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{fixture, Server};

/// A `GET /health` that asks the server to close the connection after it.
const HEALTH: &str = "GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";

/// Raises this process's open-file soft limit to `wanted` (within the hard
/// limit); the limit now in force.
// `rlim_t` is `u64` on Linux but not on every Unix. The test raises its own
// open-file limit through libc: the workspace denies unsafe code elsewhere.
#[allow(clippy::unnecessary_cast, unsafe_code)]
fn raise_open_files(wanted: u64) -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit read or write the struct they are given.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        let target = (wanted as libc::rlim_t).min(limit.rlim_max);
        if limit.rlim_cur < target {
            limit.rlim_cur = target;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
        }
    }
    limit.rlim_cur as u64
}

/// One `GET /health` on a fresh connection: the status (0 when the exchange
/// failed) and the time from connecting to the end of the answer.
fn probe(addr: SocketAddr) -> (u16, Duration, String) {
    let start = Instant::now();
    let outcome = (|| -> std::io::Result<String> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(HEALTH.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    })();
    let took = start.elapsed();
    match outcome {
        Ok(answer) => {
            let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
            (status, took, answer)
        }
        Err(e) => (0, took, e.to_string()),
    }
}

/// The overload check: 2,000 idle and half-sent connections against
/// `--max-connections 512`; `/health` probes on fresh connections answer 200
/// within 100 ms throughout, and SIGTERM still ends the server within
/// `--shutdown-timeout`.
#[test]
fn health_answers_within_100_ms_while_2000_connections_are_held() {
    const HELD: usize = 2000;
    const LIMIT: usize = 512;
    let open_files = raise_open_files(8192);
    if open_files < HELD as u64 + 500 {
        eprintln!("skipped: the open-file hard limit ({open_files}) is too low to hold {HELD} connections");
        return;
    }
    let f = fixture();
    let mut server = Server::start(
        &f.iris_lr,
        &["--max-connections", &LIMIT.to_string(), "--shutdown-timeout", "3"],
    );
    let addr: SocketAddr = server.addr().parse().unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let prober = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut probes = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                probes.push(probe(addr));
                std::thread::sleep(Duration::from_millis(20));
            }
            probes
        })
    };
    // Opened in batches of 100 with a 5 ms pause between them (a few thousand
    // a second): the test holds connections, it does not race the server for
    // the CPU it shares with it.
    let mut held = Vec::with_capacity(HELD);
    for i in 0..HELD {
        let mut stream = TcpStream::connect(addr).expect("connect");
        // Writes to a connection already shed may fail; that is fine.
        let _ = match i % 3 {
            0 => Ok(()),
            1 => stream.write_all(b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: applic"),
            _ => stream.write_all(
                b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n{\"rows\": [",
            ),
        };
        held.push(stream);
        if i % 100 == 99 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    std::thread::sleep(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    let probes = prober.join().unwrap();

    assert!(probes.len() >= 20, "only {} probes", probes.len());
    let slow: Vec<_> = probes
        .iter()
        .filter(|(status, took, _)| *status != 200 || *took >= Duration::from_millis(100))
        .collect();
    let worst = probes.iter().map(|p| p.1).max().unwrap();
    assert!(
        slow.is_empty(),
        "{} of {} probes failed or took 100 ms or more (worst {worst:?}): {:?}",
        slow.len(),
        probes.len(),
        &slow[..slow.len().min(5)]
    );

    // Exactly the limit is being served; every other connection was answered
    // 503 (or, if shedding itself was saturated, closed).
    let (mut open, mut busy, mut closed) = (0, 0, 0);
    for stream in &mut held {
        stream.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 64];
        match stream.read(&mut buf) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => open += 1,
            Ok(n) if buf[..n].starts_with(b"HTTP/1.1 503 ") => busy += 1,
            _ => closed += 1,
        }
    }
    eprintln!(
        "{} probes, worst {worst:?}; held: {open} served, {busy} answered 503, {closed} closed",
        probes.len()
    );
    assert_eq!(open, LIMIT, "{busy} answered 503, {closed} closed");
    assert_eq!(busy + closed, HELD - LIMIT);
    assert!(busy > closed, "{busy} answered 503, {closed} closed unanswered");

    let start = Instant::now();
    server.signal("TERM");
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("the server exits");
    let took = start.elapsed();
    assert!(took < Duration::from_millis(4500), "shutdown took {took:?}");
    assert_eq!(status.code(), Some(0), "{:?}", server.stderr_lines());
    drop(held);
}
