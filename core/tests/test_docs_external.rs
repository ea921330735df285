//! External links checked against a real HTTP server on 127.0.0.1 started
//! by the test: 200, 404, a server that refuses HEAD, a stall past the
//! timeout, a dead port; then the cache answers without a request.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use opskit::docs::{AuditOptions, ExternalOptions, audit};

/// A server answering by path; counts the requests it gets.
fn server() -> (String, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut s = s;
                let mut line = String::new();
                let mut r = BufReader::new(s.try_clone().unwrap());
                r.read_line(&mut line).unwrap();
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                let mut parts = line.split_whitespace();
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let status = match (method, path) {
                    (_, "/ok") => "200 OK",
                    ("HEAD", "/no-head") => "405 Method Not Allowed",
                    ("GET", "/no-head") => "200 OK",
                    (_, "/stall") => {
                        std::thread::sleep(Duration::from_secs(5));
                        "200 OK"
                    }
                    _ => "404 Not Found",
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            });
        }
    });
    (base, count)
}

#[test]
fn external_links_with_a_timeout_per_host_order_and_a_cache() {
    let (base, count) = server();
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("README.md"),
        format!(
            "# KB\n\n[ok]({base}/ok) [ok again]({base}/ok#frag) [gone]({base}/gone)\n[no head]({base}/no-head) [stall]({base}/stall)\n[dead]({dead}/x) [mail](mailto:ops@example.com)\n"
        ),
    )
    .unwrap();
    let cache = d.path().join("links.json");
    let options = AuditOptions {
        required_metadata: vec![],
        entry_points: vec![],
        check_external: true,
        external: ExternalOptions {
            timeout_seconds: 1.0,
            per_host_delay_seconds: 0.0,
            cache_file: Some(cache.to_str().unwrap().into()),
            ..ExternalOptions::default()
        },
        ..AuditOptions::default()
    };
    let started = Instant::now();
    let a = audit(d.path(), &options).unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let got: Vec<(u32, String)> = a
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.rule, "broken-external-link");
            (f.line, f.message.replace(&base, "B").replace(&dead, "D"))
        })
        .collect();
    assert_eq!(got[0], (3, "B/gone answered HTTP 404".to_string()));
    assert_eq!(got[1], (4, "B/stall did not answer in time".to_string()));
    assert_eq!(got[2].0, 5);
    assert!(got[2].1.starts_with("D/x "), "{}", got[2].1);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(a.external_checked, 5, "ok, gone, no-head, stall, dead");
    assert!(
        opskit::docs::to_text(&a).contains("(0 checked, 7 external, 5 URL(s) checked)"),
        "{}",
        opskit::docs::to_text(&a)
    );
    // Each URL once (the fragment does not make a new one); HEAD then GET for no-head.
    let asked = count.load(Ordering::SeqCst);
    assert_eq!(
        asked,
        1 + 2 + 2 + 1,
        "ok, gone (HEAD+GET), no-head (HEAD+GET), stall"
    );
    // The second run answers from the cache: no request at all.
    let again = audit(d.path(), &options).unwrap();
    assert_eq!(again.findings.len(), 3);
    assert_eq!(count.load(Ordering::SeqCst), asked);
    // Offline by default.
    let offline = audit(
        d.path(),
        &AuditOptions {
            check_external: false,
            ..options
        },
    )
    .unwrap();
    assert!(offline.findings.is_empty());
    assert_eq!(offline.external_checked, 0);
    assert!(opskit::docs::to_text(&offline).contains("7 external not checked"));
}
