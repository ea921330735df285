//! Probes against real listeners on 127.0.0.1 started by the test: an open
//! port, a closed port, HTTP 200, 500 and a body check, a server that never
//! answers (the deadline holds), servers that answer garbage (an SSH banner,
//! endless bytes without a line end), an unresolvable host, this process,
//! and fresh and stale files.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use opskit::health::{Probe, ProbeKind, Status, run_probes};

/// An HTTP server on 127.0.0.1 answering every request with `status` and `body`.
fn http_server(status: &'static str, body: &'static str) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let mut s = s;
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

/// A server that accepts and never answers.
fn stalled_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// A server that answers every connection with `bytes` (not HTTP), then
/// closes; with `forever`, repeats them until the client goes away.
fn garbage_server(bytes: &'static [u8], forever: bool) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || while s.write_all(bytes).is_ok() && forever {});
        }
    });
    port
}

/// A port that refuses connections: a socket bound to it and never
/// listening, kept open so no other listener of the test run (servers
/// here, other tests' in parallel) is given the same port.
fn closed_port() -> (socket2::Socket, u16) {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    s.bind(&any.into()).unwrap();
    let port = s.local_addr().unwrap().as_socket().unwrap().port();
    (s, port)
}

fn probe(name: &str, kind: ProbeKind) -> Probe {
    Probe {
        name: name.into(),
        kind,
        timeout: Some("2s".into()),
    }
}

#[test]
fn probes_against_real_listeners_within_one_deadline() {
    let open = TcpListener::bind("127.0.0.1:0").unwrap();
    let open_port = open.local_addr().unwrap().port();
    let (_reserved, closed) = closed_port();
    let ok = http_server("200 OK", "status: ready");
    let broken = http_server("500 Internal Server Error", "boom");
    let stall = stalled_server();
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.json");
    std::fs::write(&fresh, "{}").unwrap();
    let stale = dir.path().join("stale.json");
    std::fs::write(&stale, "{}").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(30 * 3600))
        .unwrap();
    let me = std::fs::read_to_string("/proc/self/comm")
        .unwrap()
        .trim()
        .to_string();
    let probes = vec![
        probe(
            "tcp_open",
            ProbeKind::Tcp {
                host: "127.0.0.1".into(),
                port: open_port,
            },
        ),
        probe(
            "tcp_closed",
            ProbeKind::Tcp {
                host: "127.0.0.1".into(),
                port: closed,
            },
        ),
        probe(
            "http_ok",
            ProbeKind::Http {
                url: format!("http://127.0.0.1:{ok}/health"),
                status: None,
                body_contains: Some("ready".into()),
            },
        ),
        probe(
            "http_body",
            ProbeKind::Http {
                url: format!("http://127.0.0.1:{ok}/"),
                status: Some(200),
                body_contains: Some("absent".into()),
            },
        ),
        probe(
            "http_500",
            ProbeKind::Http {
                url: format!("http://127.0.0.1:{broken}/"),
                status: None,
                body_contains: None,
            },
        ),
        probe(
            "http_stall",
            ProbeKind::Http {
                url: format!("http://127.0.0.1:{stall}/"),
                status: None,
                body_contains: None,
            },
        ),
        probe(
            "http_banner",
            ProbeKind::Http {
                url: format!(
                    "http://127.0.0.1:{}/",
                    garbage_server(b"SSH-2.0-OpenSSH_9.2\r\n", false)
                ),
                status: None,
                body_contains: None,
            },
        ),
        probe(
            "http_flood",
            ProbeKind::Http {
                url: format!("http://127.0.0.1:{}/", garbage_server(&[b'x'; 65536], true)),
                status: None,
                body_contains: None,
            },
        ),
        probe(
            "nowhere",
            ProbeKind::Tcp {
                host: "no-such-host.invalid".into(),
                port: 80,
            },
        ),
        probe(
            "me",
            ProbeKind::Process {
                process: Some(me),
                cmdline_contains: None,
                min_count: 1,
            },
        ),
        probe(
            "ghost",
            ProbeKind::Process {
                process: Some("no-such-proc".into()),
                cmdline_contains: None,
                min_count: 1,
            },
        ),
        probe(
            "manifest_fresh",
            ProbeKind::File {
                path: fresh.display().to_string(),
                max_age: "26h".into(),
            },
        ),
        probe(
            "manifest_stale",
            ProbeKind::File {
                path: stale.display().to_string(),
                max_age: "26h".into(),
            },
        ),
    ];
    let started = Instant::now();
    let r = run_probes(&probes, Duration::from_secs(3)).unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(3500),
        "the deadline holds: {took:?}"
    );
    let status: Vec<(&str, Status)> = r.iter().map(|c| (c.name.as_str(), c.status)).collect();
    assert_eq!(
        status,
        [
            ("tcp_open", Status::Pass),
            ("tcp_closed", Status::Fail),
            ("http_ok", Status::Pass),
            ("http_body", Status::Fail),
            ("http_500", Status::Fail),
            ("http_stall", Status::Fail),
            ("http_banner", Status::Fail),
            ("http_flood", Status::Fail),
            ("nowhere", Status::Fail),
            ("me", Status::Pass),
            ("ghost", Status::Fail),
            ("manifest_fresh", Status::Pass),
            ("manifest_stale", Status::Fail),
        ]
    );
    assert!(r[4].output.contains("HTTP 500"), "{}", r[4].output);
    // The address once, and why.
    assert!(
        r[1].output.ends_with(&format!(
            "127.0.0.1:{}: Connection refused (os error 111)",
            closed
        )),
        "{}",
        r[1].output
    );
    assert_eq!(
        r[1].output.matches("127.0.0.1").count(),
        1,
        "{}",
        r[1].output
    );
    assert!(r[3].output.contains("lacks"), "{}", r[3].output);
    assert!(
        r[8].output.contains("no-such-host.invalid"),
        "{}",
        r[8].output
    );
    assert!(r[12].output.contains("at most 93600s"), "{}", r[12].output);
    // Garbage is a failed check with a reason, not a hang or a panic.
    for c in &r[6..8] {
        assert!(
            c.output.starts_with("GET http://127.0.0.1:"),
            "{}",
            c.output
        );
        eprintln!("{}: {}", c.name, c.output);
    }

    // A deadline shorter than a probe's own timeout wins.
    let started = Instant::now();
    let r = run_probes(
        &[probe(
            "slow",
            ProbeKind::Http {
                url: format!("http://127.0.0.1:{stall}/"),
                status: None,
                body_contains: None,
            },
        )],
        Duration::from_millis(300),
    )
    .unwrap();
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(r[0].status, Status::Fail);
    drop(open);
}

#[test]
fn bad_probes_are_refused() {
    let cases = [
        probe(
            "x",
            ProbeKind::Tcp {
                host: "".into(),
                port: 80,
            },
        ),
        probe(
            "x",
            ProbeKind::Http {
                url: "ftp://x".into(),
                status: None,
                body_contains: None,
            },
        ),
        probe(
            "x",
            ProbeKind::Process {
                process: None,
                cmdline_contains: None,
                min_count: 1,
            },
        ),
        probe(
            "x",
            ProbeKind::File {
                path: "/x".into(),
                max_age: "fresh".into(),
            },
        ),
        probe(
            "Bad Name",
            ProbeKind::Tcp {
                host: "h".into(),
                port: 1,
            },
        ),
    ];
    for p in cases {
        assert!(
            run_probes(std::slice::from_ref(&p), Duration::from_secs(1)).is_err(),
            "{p:?}"
        );
    }
    let many: Vec<Probe> = (0..300)
        .map(|i| {
            probe(
                &format!("p{i}"),
                ProbeKind::Tcp {
                    host: "127.0.0.1".into(),
                    port: 1,
                },
            )
        })
        .collect();
    assert!(run_probes(&many, Duration::from_secs(1)).is_err());
}
