//! A hung mount must not stall a snapshot: a real FUSE mount whose server
//! never answers (its `statfs` blocks, as on a dead NFS server) is reported
//! with an error after the mount timeout, and skipped while it stays hung.
//! Alone in its binary so no other test stats the hung mount.

use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use opskit::health::{
    Collector, CollectorOptions, Evaluator, Exposition, Status, default_rules, exposition,
};

/// A FUSE mount nobody serves; dropping it aborts the connection and
/// detaches the mount.
struct HungMount {
    fuse: Option<OwnedFd>,
    path: CString,
}

impl HungMount {
    fn abort(&mut self) {
        self.fuse = None;
    }
}

impl Drop for HungMount {
    fn drop(&mut self) {
        self.fuse = None;
        unsafe { libc::umount2(self.path.as_ptr(), libc::MNT_DETACH) };
    }
}

fn mount_hung(at: &std::path::Path) -> Result<HungMount, String> {
    let fuse = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/fuse")
        .map_err(|e| format!("/dev/fuse: {e}"))?;
    let fuse: OwnedFd = fuse.into();
    let path = CString::new(at.as_os_str().as_encoded_bytes()).unwrap();
    let opts = CString::new(format!(
        "fd={},rootmode=40000,user_id=0,group_id=0",
        fuse.as_raw_fd()
    ))
    .unwrap();
    let rc = unsafe {
        libc::mount(
            c"opskit-hang".as_ptr(),
            path.as_ptr(),
            c"fuse.opskit-hang".as_ptr(),
            0,
            opts.as_ptr().cast(),
        )
    };
    if rc != 0 {
        return Err(format!("mount: {}", std::io::Error::last_os_error()));
    }
    Ok(HungMount {
        fuse: Some(fuse),
        path,
    })
}

#[test]
fn a_hung_mount_costs_one_timeout_then_is_skipped() {
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: mounting FUSE needs root (CI runs as root)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let at = dir.path().join("m");
    std::fs::create_dir(&at).unwrap();
    let options = CollectorOptions {
        mount_timeout_seconds: 0.3,
        ..CollectorOptions::default()
    };
    let mut c = Collector::new(options).unwrap();
    let before = c.snapshot().unwrap().filesystems;

    let mut hung = match mount_hung(&at) {
        Ok(m) => m,
        Err(e) if e.contains("Operation not permitted") => {
            eprintln!("skipped: this container may not mount ({e})");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let mountpoint = at.to_str().unwrap();

    let t = Instant::now();
    let s = c.snapshot().unwrap();
    let first = t.elapsed();
    assert!(
        first >= Duration::from_millis(300) && first < Duration::from_millis(1500),
        "one mount timeout, not a stall: {first:?}"
    );
    let fs = s
        .filesystems
        .iter()
        .find(|f| f.mountpoint == mountpoint)
        .expect("the hung mount is listed");
    assert_eq!(fs.fstype, "fuse.opskit-hang");
    assert!(
        fs.error
            .as_deref()
            .unwrap()
            .contains("did not answer within 0.3 s"),
        "{fs:?}"
    );
    assert_eq!(fs.size_bytes, 0);
    // Every other filesystem still measured.
    let others: Vec<_> = s
        .filesystems
        .iter()
        .filter(|f| f.mountpoint != mountpoint)
        .map(|f| (&f.mountpoint, f.error.is_none()))
        .collect();
    let expected: Vec<_> = before
        .iter()
        .map(|f| (&f.mountpoint, f.error.is_none()))
        .collect();
    assert_eq!(others, expected);

    // The next snapshot does not ask it again.
    let t = Instant::now();
    let s = c.snapshot().unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
    let fs = s
        .filesystems
        .iter()
        .find(|f| f.mountpoint == mountpoint)
        .unwrap();
    assert!(
        fs.error
            .as_deref()
            .unwrap()
            .contains("has not answered since"),
        "{fs:?}"
    );

    // Reported as node_exporter does, and its rules have no value.
    let text = exposition(&s, &[], Exposition::Text);
    let labels = format!(
        "{{device=\"opskit-hang\",fstype=\"fuse.opskit-hang\",mountpoint=\"{mountpoint}\"}}"
    );
    assert!(
        text.contains(&format!("opskit_filesystem_device_error{labels} 1")),
        "{text}"
    );
    assert!(!text.contains(&format!("opskit_filesystem_size_bytes{labels}")));
    let checks = Evaluator::new(default_rules())
        .unwrap()
        .evaluate(&s, s.time_seconds);
    let disk = checks
        .iter()
        .find(|c| c.name == format!("disk_full:{mountpoint}"))
        .unwrap();
    assert_eq!(disk.status, Status::Unknown);

    // Once the server goes away the call returns (ENOTCONN) and the mount
    // is asked again: an error, no longer a hang.
    hung.abort();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = c.snapshot().unwrap();
        let why = s
            .filesystems
            .iter()
            .find(|f| f.mountpoint == mountpoint)
            .and_then(|f| f.error.clone())
            .unwrap();
        if why.starts_with("statvfs failed") {
            break;
        }
        assert!(Instant::now() < deadline, "still hung: {why}");
        std::thread::sleep(Duration::from_millis(50));
    }
}
