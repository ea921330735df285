//! File writes every family shares: atomic replacement, so a crash or a
//! kill leaves the old file or the complete new one, never a mix.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// How old a temporary file of a dead process must be before a later write
/// removes it: long past any write in flight (even one from another host
/// on a shared folder, whose process this host cannot see).
pub(crate) const STALE_TEMPORARY_AGE: Duration = Duration::from_secs(600);

/// Remove what killed writers left beside `name` in `dir`: files named
/// `.NAME.tmp-PID[-N]` whose process is gone and which are older than
/// [`STALE_TEMPORARY_AGE`]. Errors are ignored: this is tidying.
fn remove_stale_temporaries(dir: &Path, name: &std::ffi::OsStr) {
    let Some(name) = name.to_str() else { return };
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let Ok(pid) = rest.split('-').next().unwrap_or("").parse::<i32>() else {
            continue;
        };
        let gone = pid as u32 != std::process::id()
            && rustix::process::Pid::from_raw(pid).is_some_and(|p| {
                rustix::process::test_kill_process(p) == Err(rustix::io::Errno::SRCH)
            });
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > STALE_TEMPORARY_AGE);
        if gone && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Write `bytes` to `path` atomically: a temporary file in the same folder
/// (with the permissions of the file it replaces), fsync, rename, fsync of
/// the folder. Used for manifests, signatures, bag tag files, link caches,
/// changelogs and version files. Temporaries that killed writers left are
/// removed first (see [`STALE_TEMPORARY_AGE`]).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} is not a file path", path.display())))?;
    remove_stale_temporaries(&dir, name);
    // The process and a per-process count: two threads writing one file
    // never share a temporary.
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = dir.join(tmp_name);
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        if let Ok(old) = std::fs::metadata(path) {
            f.set_permissions(old.permissions())?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(&dir)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, "write", e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_the_file_keeping_its_mode_and_leaves_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("run.sh");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o750)).unwrap();
        super::write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o750);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        // A folder that does not exist: an error naming the file, nothing left.
        let e = super::write_atomic(&d.path().join("no/such/file"), b"x").unwrap_err();
        assert!(e.to_string().contains("no/such/file"), "{e}");
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed_and_no_others() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m.json");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let make = |name: &str, old: bool| {
            let f = std::fs::File::create(d.path().join(name)).unwrap();
            if old {
                f.set_modified(hour_ago).unwrap();
            }
        };
        make(&format!(".m.json.tmp-{dead}"), true); // dead, old: removed
        make(&format!(".m.json.tmp-{dead}-3"), true); // dead, old: removed
        make(&format!(".m.json.tmp-{dead}-4"), false); // dead, recent: kept
        make(".m.json.tmp-1-0", true); // alive (init): kept
        make(&format!(".other.json.tmp-{dead}"), true); // another file's: kept
        make(".m.json.tmp-x", true); // not ours: kept
        super::write_atomic(&p, b"new").unwrap();
        let mut left: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        let mut want = vec![
            format!(".m.json.tmp-{dead}-4"),
            ".m.json.tmp-1-0".to_string(),
            format!(".other.json.tmp-{dead}"),
            ".m.json.tmp-x".to_string(),
            "m.json".to_string(),
        ];
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn threads_writing_one_file_never_collide() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("cache.json");
        std::thread::scope(|s| {
            for t in 0..8 {
                let p = &p;
                s.spawn(move || {
                    for i in 0..50 {
                        super::write_atomic(p, format!("{t}-{i}").as_bytes()).unwrap();
                    }
                });
            }
        });
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
