//! `opskit health …` as a user runs it: JSON, policies, exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn opskit(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_opskit"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run opskit")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn snapshot_check_prometheus_and_policies() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let o = opskit(p, &["health", "snapshot", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["cpu"]["usage_percent"].is_number(),
        "two samples give a rate"
    );
    assert!(v["memory"]["total_bytes"].as_u64().unwrap() > 0);
    assert!(
        v["filesystems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["mountpoint"] == "/")
    );

    // A policy whose rule always fails (no `for`): exit 1, health+json says fail.
    std::fs::write(
        p.join("fail.toml"),
        "defaults = false\n[[rule]]\nname = \"always\"\nmetric = \"memory.used_percent\"\nwarn = -2\ncritical = -1\n",
    )
    .unwrap();
    let o = opskit(p, &["health", "check", "--policy", "fail.toml", "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "fail");
    assert_eq!(v["checks"]["always:utilization"][0]["status"], "fail");
    // Draining: the drain file makes the node fail with "draining".
    std::fs::write(
        p.join("drain.toml"),
        format!(
            "defaults = false\n[maintenance]\ndrain_file = \"{}\"\n",
            p.join("drain").display()
        ),
    )
    .unwrap();
    assert_eq!(
        opskit(p, &["health", "check", "--policy", "drain.toml"])
            .status
            .code(),
        Some(0)
    );
    std::fs::write(p.join("drain"), "").unwrap();
    let o = opskit(p, &["health", "check", "--policy", "drain.toml", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("draining"));
    // Bad policies: exit 2 with the reason.
    for (body, why) in [
        (
            "[[rule]]\nname = \"x\"\nmetric = \"cpu.bogus\"\nwarn = 1\n",
            "unknown metric",
        ),
        (
            "[[rule]]\nname = \"x\"\nmetric = \"cpu.usage_percent\"\nwarn = \"high\"\n",
            "invalid",
        ),
        (
            "[[rule]]\nname = \"x\"\nmetric = \"cpu.usage_percent\"\nwarn = 90\ncritical = 80\n",
            "beyond critical",
        ),
        ("colour = \"red\"\n", "unknown field"),
        (
            "[maintenance]\ndrain_file = \"/nonexistent/dir/drain\"\n",
            "does not exist",
        ),
    ] {
        std::fs::write(p.join("bad.toml"), body).unwrap();
        let o = opskit(p, &["health", "check", "--policy", "bad.toml"]);
        assert_eq!(o.status.code(), Some(2), "{body}: {}", text(&o));
        assert!(text(&o).contains(why), "{why}: {}", text(&o));
    }
    // The exposition, both flavours.
    let o = opskit(p, &["health", "prometheus"]);
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(
        t.contains("# TYPE opskit_cpu_seconds_total counter")
            && t.contains("opskit_check_up{check=\"disk_full:/\"}")
    );
    let o = opskit(p, &["health", "prometheus", "--openmetrics"]);
    assert!(String::from_utf8(o.stdout).unwrap().ends_with("# EOF\n"));
}

fn get(addr: &str, path: &str, accept: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let code = out.split_whitespace().nth(1).unwrap().parse().unwrap();
    (code, out)
}

#[test]
fn serve_answers_concurrent_scrapes_drains_and_stops_on_sigterm() {
    let d = tempfile::tempdir().unwrap();
    let drain = d.path().join("drain");
    std::fs::write(
        d.path().join("p.toml"),
        format!("[maintenance]\ndrain_file = \"{}\"\n", drain.display()),
    )
    .unwrap();
    let policy = d.path().join("p.toml");
    let mut server = Server::start(&["--policy".as_ref(), policy.as_os_str()]);
    let addr = server.addr.clone();
    let (code, body) = get(&addr, "/health", "*/*");
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("Content-Type: application/health+json"));
    // Eight scrapes at once, both flavours.
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let accept = if i % 2 == 0 {
                    "text/plain"
                } else {
                    "application/openmetrics-text; version=1.0.0"
                };
                get(&addr, "/metrics", accept)
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let (code, body) = h.join().unwrap();
        assert_eq!(code, 200);
        assert!(body.contains("opskit_load1 "));
        assert_eq!(body.ends_with("# EOF\n"), i % 2 == 1);
    }
    assert_eq!(get(&addr, "/nope", "*/*").0, 404);
    // Draining: /health fails with 503 so the balancer takes the node out.
    std::fs::write(&drain, "").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (code, body) = get(&addr, "/health", "*/*");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("draining"));
    // SIGTERM: a clean exit.
    let ok = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let last = server.lines.recv_timeout(std::time::Duration::from_secs(5));
    assert_eq!(last.as_deref(), Ok("stopped"));
}

#[test]
fn report_has_a_health_section_that_fails_the_run_on_a_failing_check() {
    let d = tempfile::tempdir().unwrap();
    let o = opskit(d.path(), &["report", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let status = v["health"]["status"].as_str().unwrap().to_string();
    assert!(["pass", "warn", "fail"].contains(&status.as_str()), "{v}");
    assert_eq!(o.status.code(), Some(if status == "fail" { 1 } else { 0 }));
    assert!(v["health"]["checks"].as_object().unwrap().len() >= 5, "{v}");
    // A rule no host can pass: memory used above -1 % is critical at once.
    std::fs::write(
        d.path().join("p.toml"),
        "defaults = false\n[[rule]]\nname = \"always\"\nmetric = \"memory.used_percent\"\ncritical = -1\n",
    )
    .unwrap();
    let o = opskit(d.path(), &["report", "--policy", "p.toml"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("== health: ") && out.contains("(fail)"),
        "{out}"
    );
    assert!(out.contains("always"), "{out}");
    assert!(out.contains("== versioning: skipped"), "{out}");
}

#[test]
fn maintenance_from_the_policy_reboot_required_and_pending_upgrades() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let flag = p.join("reboot-required");
    std::fs::write(&flag, "*** System restart required ***\n").unwrap();
    std::fs::write(p.join("reboot-required.pkgs"), "libc6\n").unwrap();
    let apt = Command::new("apt-get")
        .args(["--just-print", "dist-upgrade"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    std::fs::write(
        p.join("policy.toml"),
        format!(
            "[maintenance]\nreboot_required_file = {:?}\napt_upgrades = {}\n",
            flag.to_str().unwrap(),
            apt.is_some()
        ),
    )
    .unwrap();
    let o = opskit(p, &["health", "snapshot", "--policy", "policy.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("\nreboot required by libc6\n"),
        "{}",
        text(&o)
    );
    // A one-shot run waits for apt-get: its count is the Inst lines here.
    if let Some(apt) = &apt {
        let n = String::from_utf8_lossy(&apt.stdout)
            .lines()
            .filter(|l| l.starts_with("Inst "))
            .count();
        assert!(
            text(&o).contains(&format!("\nupgrades: {n} pending\n")),
            "{}",
            text(&o)
        );
    }
    // A warning, not a failure: the run passes and says why.
    std::fs::write(
        p.join("reboot.toml"),
        format!(
            "[maintenance]\nreboot_required_file = {:?}\n",
            flag.to_str().unwrap()
        ),
    )
    .unwrap();
    let o = opskit(p, &["health", "check", "--policy", "reboot.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).lines().any(|l| l.starts_with("warn ")
            && l.contains(" reboot_required ")
            && l.ends_with("maintenance.reboot_required is true, above the warn level 0")),
        "{}",
        text(&o)
    );
    let o = opskit(p, &["health", "prometheus", "--policy", "policy.toml"]);
    let t = text(&o);
    assert!(t.contains("\nopskit_reboot_required 1\n"), "{t}");
    assert_eq!(
        t.contains("\n# TYPE opskit_apt_upgrades_pending gauge\n"),
        apt.is_some(),
        "{t}"
    );
}

/// A stand-in for PagerDuty's endpoint: records each body, answers the
/// first with 500 (to be retried) and the rest with 202.
fn fake_pagerduty() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v2/enqueue", listener.local_addr().unwrap());
    let bodies = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = std::sync::Arc::clone(&bodies);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let mut all = seen.lock().unwrap();
            all.push(serde_json::from_slice(&body).unwrap());
            let (code, text) = if all.len() == 1 {
                ("500 Internal Server Error", "{}")
            } else {
                (
                    "202 Accepted",
                    r#"{"status":"success","message":"Event processed"}"#,
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {code}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (url, bodies)
}

#[test]
fn serve_pages_pagerduty_when_a_check_fails_and_resolves_when_it_recovers() {
    use std::io::BufRead;
    let d = tempfile::tempdir().unwrap();
    let (url, bodies) = fake_pagerduty();
    let key = "0123456789abcdef0123456789abcdef";
    std::fs::write(d.path().join("pd.key"), format!("{key}\n")).unwrap();
    let manifest = d.path().join("latest.manifest.json");
    std::fs::write(
        d.path().join("p.toml"),
        format!(
            "defaults = false\nprobe_interval = \"0.2s\"\n\n[[probe]]\nname = \"nightly_backup\"\ntype = \"file\"\npath = {:?}\nmax_age = \"26h\"\n\n[pagerduty]\nrouting_key_file = {:?}\nurl = {url:?}\ninterval = \"0.3s\"\nsource = \"web-01\"\ngroup = \"web\"\n",
            manifest.to_str().unwrap(),
            d.path().join("pd.key").to_str().unwrap()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_opskit"))
        .args([
            "health",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--refresh",
            "0.2s",
            "--policy",
        ])
        .arg(d.path().join("p.toml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(
        lines
            .next()
            .unwrap()
            .unwrap()
            .starts_with("listening on http://")
    );
    assert_eq!(
        lines.next().unwrap().unwrap(),
        format!("sending PagerDuty events to {url} every 0.3 s")
    );
    let wait_for = |n: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while bodies.lock().unwrap().len() < n {
            assert!(
                std::time::Instant::now() < deadline,
                "{:?}",
                bodies.lock().unwrap()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    // The backup manifest is missing: a trigger, retried once after the 500.
    wait_for(2);
    std::fs::write(&manifest, "{}").unwrap();
    wait_for(3);
    std::thread::sleep(std::time::Duration::from_millis(800));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();

    let sent = bodies.lock().unwrap().clone();
    assert_eq!(
        sent.len(),
        3,
        "one trigger (sent twice), one resolve, nothing while unchanged: {sent:?}"
    );
    assert_eq!(sent[0], sent[1], "the retry sends the same event");
    let trigger = &sent[0];
    assert_eq!(trigger["routing_key"], key);
    assert_eq!(trigger["event_action"], "trigger");
    assert_eq!(trigger["dedup_key"], "web-01/nightly_backup");
    assert_eq!(trigger["payload"]["severity"], "critical");
    assert_eq!(trigger["payload"]["source"], "web-01");
    assert_eq!(trigger["payload"]["group"], "web");
    opskit::health::validate_event(trigger).unwrap();
    assert_eq!(
        sent[2],
        serde_json::json!({"routing_key": key, "event_action": "resolve", "dedup_key": "web-01/nightly_backup"})
    );
    assert!(
        stderr.contains(
            "pagerduty: trigger web-01/nightly_backup: accepted (HTTP 202, 2 attempt(s))"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "pagerduty: resolve web-01/nightly_backup: accepted (HTTP 202, 1 attempt(s))"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(key), "the key never appears in logs");
}

#[test]
fn a_pagerduty_policy_without_a_readable_key_stops_serve_at_start() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("p.toml"),
        "[pagerduty]\nrouting_key_env = \"OPSKIT_TEST_NO_SUCH_KEY\"\n",
    )
    .unwrap();
    let o = opskit(
        d.path(),
        &[
            "health",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--policy",
            "p.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("OPSKIT_TEST_NO_SUCH_KEY"), "{}", text(&o));
    std::fs::write(
        d.path().join("both.toml"),
        "[pagerduty]\nrouting_key_env = \"A\"\nrouting_key_file = \"b\"\n",
    )
    .unwrap();
    let o = opskit(d.path(), &["health", "check", "--policy", "both.toml"]);
    assert!(
        text(&o).contains("exactly one of routing_key_file and routing_key_env"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_closed_stdout_ends_the_run_quietly_as_unix_tools_do() {
    use std::os::unix::process::ExitStatusExt;
    let d = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_opskit"))
        .args(["health", "snapshot"])
        .current_dir(d.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before opskit writes (it samples for 250 ms first).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        out.status.signal(),
        Some(13),
        "killed by SIGPIPE: {:?}",
        out.status
    );
}

/// A `health serve` child, killed when dropped (a failed assertion must not
/// leave it running with the test's pipes open).
struct Server {
    child: std::process::Child,
    addr: String,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    /// Start `opskit health serve --listen 127.0.0.1:0 ARGS…` and wait for
    /// its address; its later stdout lines arrive on `lines`.
    fn start(args: &[&std::ffi::OsStr]) -> Server {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_opskit"))
            .args(["health", "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = out.next().unwrap().unwrap();
        let addr = first
            .split("http://")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        // Keep reading stdout so the server never writes to a closed pipe.
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in out.map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Server {
            child,
            addr: addr.to_string(),
            lines,
        }
    }

    /// Send `request` raw and read the answer until the server closes (or 5 s).
    fn raw(&self, request: &[u8]) -> String {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let _ = s.write_all(request);
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_keeps_answering_slow_clients_oversized_and_malformed_requests() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let server = Server::start(&[]);
    // Slow clients: 64 connections each sending a request one byte a second.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trickles: Vec<_> = (0..64)
        .map(|_| {
            let (addr, stop) = (server.addr.clone(), std::sync::Arc::clone(&stop));
            std::thread::spawn(move || {
                let Ok(mut s) = std::net::TcpStream::connect(addr) else {
                    return;
                };
                let _ = s.write_all(b"GET /metr");
                for b in b"ics HTTP/1.1\r\nHost: x\r\n" {
                    if stop.load(std::sync::atomic::Ordering::Relaxed)
                        || s.write_all(&[*b]).is_err()
                    {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
        })
        .collect();
    // Meanwhile every scrape and health check answers 200 within a second,
    // for 10 s (the head deadline closes each trickle after 5 s).
    let until = Instant::now() + Duration::from_secs(10);
    let mut answered = 0;
    while Instant::now() < until {
        for path in ["/metrics", "/health"] {
            let t = Instant::now();
            let (code, body) = get(&server.addr, path, "*/*");
            assert_eq!(code, 200, "{path} during the trickle: {body}");
            assert!(
                t.elapsed() < Duration::from_secs(1),
                "{path} took {:?}",
                t.elapsed()
            );
            answered += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(answered >= 40, "{answered} answers");
    // An oversized request line is refused, in bounded memory.
    let rss_before = server.rss_kib();
    let mut big = b"GET /".to_vec();
    big.extend(std::iter::repeat_n(b'a', 8 << 20));
    let answer = server.raw(&big);
    assert!(
        answer.is_empty()
            || answer.starts_with("HTTP/1.1 414")
            || answer.starts_with("HTTP/1.1 431"),
        "{answer:.80}"
    );
    let grew = server.rss_kib().saturating_sub(rss_before);
    assert!(
        grew < 16 * 1024,
        "RSS grew by {grew} KiB for an 8 MiB request line"
    );
    // HEAD: the headers without the body.
    let head = server.raw(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.ends_with("\r\n\r\n"), "a body after HEAD: {head:.300}");
    // Another method: 405 naming the allowed ones.
    let post = server
        .raw(b"POST /health HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    assert!(post.contains("Allow: GET, HEAD\r\n"), "{post}");
    // Garbage: 400, and the next scrape is fine.
    let garbage = server.raw(b"HELLO THERE\r\n\r\n");
    assert!(
        garbage.is_empty() || garbage.starts_with("HTTP/1.1 400"),
        "{garbage}"
    );
    assert_eq!(get(&server.addr, "/health", "*/*").0, 200);
    // SIGTERM while the slow clients are still connected: out within the
    // shutdown deadline (5 s) and a margin.
    let t = Instant::now();
    let ok = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    let mut server = server;
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        t.elapsed() < Duration::from_secs(7),
        "stopping took {:?}",
        t.elapsed()
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in trickles {
        let _ = t.join();
    }
}

/// Read `/proc/<pid>/status`'s VmHWM (peak RSS), in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap()
}

#[test]
fn serve_stays_within_its_memory_bound_and_answers_malformed_requests_cleanly() {
    use std::io::{Read, Write};
    use std::time::Duration;
    let server = Server::start(&[]);
    // Four connections each sending a 64 MB request line: each is cut off at
    // the 16 KiB head limit, so the server's peak RSS stays under 64 MiB.
    let floods: Vec<_> = (0..4)
        .map(|_| {
            let addr = server.addr.clone();
            std::thread::spawn(move || {
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                let _ = s.write_all(b"GET /");
                let chunk = vec![b'a'; 1 << 20];
                let mut sent = 0usize;
                for _ in 0..64 {
                    if s.write_all(&chunk).is_err() {
                        break;
                    }
                    sent += chunk.len();
                }
                let mut answer = Vec::new();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let _ = s.read_to_end(&mut answer);
                (sent, String::from_utf8_lossy(&answer).into_owned())
            })
        })
        .collect();
    for f in floods {
        let (sent, answer) = f.join().unwrap();
        assert!(
            sent < 64 << 20,
            "the server read all {sent} bytes of a request line"
        );
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
            "{answer:.80}"
        );
    }
    assert_eq!(get(&server.addr, "/metrics", "*/*").0, 200);
    let peak = peak_rss_kib(server.child.id());
    assert!(
        peak < 64 * 1024,
        "peak RSS {peak} KiB with four 64 MB request lines"
    );

    // HTTP/0.9 (no version): refused at once, not left to a read timeout.
    let t = std::time::Instant::now();
    let old = server.raw(b"GET /metrics\r\n\r\n");
    assert!(
        old.is_empty() || old.starts_with("HTTP/1.1 400"),
        "{old:.80}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "HTTP/0.9 took {:?}",
        t.elapsed()
    );
    // A 100 KB URL and a 1 MB header: 431 (the head is over 16 KiB) or closed.
    let mut long_url = b"GET /".to_vec();
    long_url.extend(std::iter::repeat_n(b'u', 100_000));
    long_url.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
    let a = server.raw(&long_url);
    assert!(
        a.is_empty() || a.starts_with("HTTP/1.1 431") || a.starts_with("HTTP/1.1 414"),
        "{a:.80}"
    );
    let mut big_header = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ".to_vec();
    big_header.extend(std::iter::repeat_n(b'h', 1 << 20));
    big_header.extend_from_slice(b"\r\n\r\n");
    let a = server.raw(&big_header);
    assert!(a.is_empty() || a.starts_with("HTTP/1.1 431"), "{a:.80}");
    // An unknown method: 405 with Allow.
    let a = server.raw(b"BREW /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(
        a.starts_with("HTTP/1.1 405") && a.contains("Allow: GET, HEAD"),
        "{a}"
    );
    // Pipelining: three requests in one write, three answers in order.
    let a = server.raw(
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nHEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let codes: Vec<&str> = a
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &a[i + 9..i + 12])
        .collect();
    assert_eq!(codes, ["200", "200", "404"], "{a}");
    // A client that resets mid-response: the next scrape is fine.
    for _ in 0..20 {
        let s = std::net::TcpStream::connect(&server.addr).unwrap();
        (&s).write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut first = [0u8; 16];
        let _ = (&s).read(&mut first);
        // SO_LINGER 0: close sends RST with most of the answer unread.
        let sock = socket2::SockRef::from(&s);
        sock.set_linger(Some(Duration::ZERO)).unwrap();
        drop(s);
    }
    assert_eq!(get(&server.addr, "/metrics", "*/*").0, 200);
    assert_eq!(get(&server.addr, "/health", "*/*").0, 200);
}

#[test]
fn serve_answers_health_to_200_clients_and_sheds_metrics_beyond_its_limit() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let server = Server::start(&[
        std::ffi::OsStr::new("--max-connections"),
        std::ffi::OsStr::new("100"),
    ]);
    // 200 clients at once, 20 requests each on a keep-alive connection: no
    // 503 on /health, whatever the load.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(200));
    let clients: Vec<_> = (0..200)
        .map(|_| {
            let (addr, barrier) = (server.addr.clone(), std::sync::Arc::clone(&barrier));
            std::thread::spawn(move || {
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                barrier.wait();
                let mut times = Vec::new();
                let mut buf = vec![0u8; 64 * 1024];
                for _ in 0..20 {
                    let t = Instant::now();
                    s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                        .unwrap();
                    // Read one answer: its head, then Content-Length bytes.
                    let mut got = Vec::new();
                    let (code, len, head) = loop {
                        let n = s.read(&mut buf).unwrap();
                        assert!(n > 0, "closed mid-answer");
                        got.extend_from_slice(&buf[..n]);
                        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&got[..end]).into_owned();
                            let code: u16 = head[9..12].parse().unwrap();
                            let len: usize = head
                                .lines()
                                .find_map(|l| l.strip_prefix("Content-Length: "))
                                .unwrap()
                                .parse()
                                .unwrap();
                            break (code, len, end + 4);
                        }
                    };
                    while got.len() < head + len {
                        let n = s.read(&mut buf).unwrap();
                        assert!(n > 0, "closed mid-body");
                        got.extend_from_slice(&buf[..n]);
                    }
                    times.push((code, t.elapsed()));
                }
                times
            })
        })
        .collect();
    let mut times: Vec<(u16, Duration)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert_eq!(times.len(), 4000);
    let refused = times.iter().filter(|(c, _)| *c != 200).count();
    assert_eq!(refused, 0, "{refused} of 4000 /health answers were not 200");
    times.sort_by_key(|t| t.1);
    let p = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].1;
    println!(
        "# /health, 200 clients x 20: p50 {:?}, p99 {:?}, max {:?}",
        p(0.5),
        p(0.99),
        times.last().unwrap().1
    );
    // Beyond --max-connections, /metrics sheds load with 503 and
    // Retry-After; /health still answers.
    let idle: Vec<_> = (0..110)
        .map(|_| std::net::TcpStream::connect(&server.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let (code, answer) = get(&server.addr, "/metrics", "*/*");
    assert_eq!(code, 503, "{answer:.200}");
    assert!(answer.contains("Retry-After: 1\r\n"), "{answer:.300}");
    assert_eq!(get(&server.addr, "/health", "*/*").0, 200);
    drop(idle);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(&server.addr, "/metrics", "*/*").0, 200);
}

#[test]
fn a_hung_probe_delays_nothing_but_itself() {
    use std::time::{Duration, Instant};
    // A dependency that accepts connections and never answers.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_addr = hung.local_addr().unwrap();
    let d = tempfile::tempdir().unwrap();
    let policy = d.path().join("p.toml");
    std::fs::write(
        &policy,
        format!(
            "probe_interval = \"1s\"\nprobe_deadline = \"2s\"\n\n[[probe]]\nname = \"hung_api\"\ntype = \"http\"\nurl = \"http://{hung_addr}/\"\ntimeout = \"2s\"\n\n[[probe]]\nname = \"self\"\ntype = \"file\"\npath = {:?}\nmax_age = \"1h\"\n",
            policy.to_str().unwrap()
        ),
    )
    .unwrap();
    let server = Server::start(&[std::ffi::OsStr::new("--policy"), policy.as_os_str()]);
    // Scrapes during the hung rounds: each well under 50 ms.
    let mut worst = Duration::ZERO;
    let until = Instant::now() + Duration::from_secs(5);
    let mut last = String::new();
    while Instant::now() < until {
        let t = Instant::now();
        let (code, body) = get(&server.addr, "/metrics", "*/*");
        worst = worst.max(t.elapsed());
        assert_eq!(code, 200);
        last = body;
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(worst < Duration::from_millis(50), "a scrape took {worst:?}");
    // The rounds ended by their deadline: the hung probe failed with
    // "timed out", the file probe passed, and each says when.
    assert!(
        last.contains("opskit_check_level{check=\"hung_api\"} 2"),
        "{last}"
    );
    assert!(
        last.contains("opskit_check_level{check=\"self\"} 0"),
        "{last}"
    );
    let stamp: f64 = last
        .lines()
        .find_map(|l| l.strip_prefix("opskit_probe_timestamp_seconds{check=\"hung_api\"} "))
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        now - stamp < 4.0,
        "the hung probe's result is {} s old",
        now - stamp
    );
    let (code, health) = get(&server.addr, "/health", "*/*");
    assert_eq!(code, 503, "{health}");
    assert!(health.contains("timed out"), "{health}");
    assert!(health.contains("Age: "), "{health}");
    drop(hung);
}

#[test]
fn node_names_from_the_flag_or_the_policy_in_prometheus_and_serve() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let o = opskit(p, &["health", "prometheus", "--names", "node"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(t.contains("\nnode_memory_MemTotal_bytes "), "{t}");
    assert!(t.contains("\nnode_cpu_seconds_total{"), "{t}");
    assert!(!t.contains("\nopskit_memory_"), "{t}");
    let o = opskit(p, &["health", "prometheus", "--names", "nodes"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains(r#"names "nodes""#), "{}", text(&o));
    // The policy's key, in serve.
    std::fs::write(p.join("p.toml"), "names = \"node\"\n").unwrap();
    let server = Server::start(&[
        std::ffi::OsStr::new("--policy"),
        p.join("p.toml").as_os_str(),
    ]);
    let (code, body) = get(&server.addr, "/metrics", "text/plain");
    assert_eq!(code, 200);
    assert!(body.contains("\nnode_load1 "), "{body}");
    assert!(body.contains("\nopskit_check_up{"), "{body}");
}
