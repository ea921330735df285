//! File reads and writes every family shares.
//!
//! Writes are atomic (a crash or a kill leaves the old file or the complete
//! new one, never a mix) and never replace what is not a regular file: a
//! symlink is written through to its target, a FIFO or a character device
//! (`/dev/null`, `/dev/stdout`) is written to directly, and a folder, a
//! socket or a block device is refused. Reads stop at their cap while
//! reading and refuse what is not a regular file, so a link to `/dev/zero`
//! or a FIFO nobody writes can neither grow memory nor block.

use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

/// How many symlinks a write follows before it gives up (Linux's own limit).
const MAX_SYMLINK_HOPS: usize = 40;

/// How old a temporary file of a dead process must be before a later write
/// removes it: long past any write in flight (even one from another host
/// on a shared folder, whose process this host cannot see).
pub const STALE_TEMPORARY_AGE: Duration = Duration::from_secs(600);

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

/// What a write to a path lands on, once its symlinks are followed.
#[derive(Debug, PartialEq, Eq)]
enum WriteTarget {
    /// A regular file, or nothing yet: replaced atomically at this path.
    Replace(PathBuf),
    /// A FIFO, a character device or a descriptor link (`/dev/stdout`,
    /// `/proc/self/fd/N`): opened and written as it is, never replaced.
    Direct(PathBuf),
}

/// The name of a file type, for messages.
pub(crate) fn kind_name(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_symlink() {
        "a symlink"
    } else {
        "a regular file"
    }
}

/// A `/proc/*/fd/N` link: a descriptor the caller holds open (what
/// `/dev/stdin`, `/dev/stdout` and `/dev/fd/N` point at).
fn is_descriptor(p: &Path) -> bool {
    p.starts_with("/proc") && p.components().any(|c| c.as_os_str() == "fd")
}

/// Where the symlink at `link`, reading `to`, points: `to` relative to the
/// link's folder, or `to` itself when absolute (one hop of the walks below).
fn link_target(link: &Path, to: PathBuf) -> PathBuf {
    match link.parent() {
        Some(dir) if to.is_relative() => dir.join(to),
        _ => to,
    }
}

/// Does `path` lead, through its symlinks, to a descriptor the caller
/// handed over (`/dev/stdin`, `/dev/fd/63` of a shell's `<(…)`)?
fn leads_to_descriptor(path: &Path) -> bool {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_SYMLINK_HOPS {
        // The folder may be the link (`/dev/fd` → `/proc/self/fd`).
        let in_real_folder = match (p.parent().map(std::fs::canonicalize), p.file_name()) {
            (Some(Ok(dir)), Some(name)) => dir.join(name),
            _ => p.clone(),
        };
        if is_descriptor(&p) || is_descriptor(&in_real_folder) {
            return true;
        }
        match std::fs::read_link(&p) {
            Ok(to) => p = link_target(&p, to),
            Err(_) => return false,
        }
    }
    false
}

/// Follow `path`'s symlinks (as `open` would) to what a write lands on.
fn resolve_for_write(path: &Path) -> Result<WriteTarget> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_SYMLINK_HOPS {
        // /proc's descriptor links (what /dev/stdout points at) name an
        // open file, not a path: only opening them reaches it.
        if is_descriptor(&p) {
            return Ok(WriteTarget::Direct(p));
        }
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(WriteTarget::Replace(p));
            }
            Err(e) => return Err(Error::io(path, "write", e)),
        };
        let t = meta.file_type();
        if t.is_symlink() {
            let to = std::fs::read_link(&p).map_err(|e| Error::io(path, "write", e))?;
            p = link_target(&p, to);
            continue;
        }
        if t.is_file() {
            return Ok(WriteTarget::Replace(p));
        }
        if t.is_fifo() || t.is_char_device() {
            return Ok(WriteTarget::Direct(p));
        }
        let shown = if p == path {
            String::new()
        } else {
            format!(" (through its symlinks, {})", p.display())
        };
        let fix = if t.is_dir() {
            "give a file path inside it"
        } else {
            "give a regular file's path, or - for standard output"
        };
        return Err(Error::invalid(format!(
            "cannot write {}: it is {}{shown}, which opskit never replaces; {fix}",
            path.display(),
            kind_name(t),
        )));
    }
    Err(Error::invalid(format!(
        "cannot write {}: more than {MAX_SYMLINK_HOPS} symlinks (a loop?); give a regular file's path",
        path.display()
    )))
}

/// Write `bytes` where `path` leads without replacing what is there:
/// atomically over a regular file (through any symlinks, which stay),
/// directly into a FIFO or a character device (`/dev/null`, `/dev/stdout`),
/// and never into a folder, a socket or a block device (an error says so).
/// Used for manifests, signatures, bag tag files, link caches, changelogs
/// and version files. Temporaries that killed writers left are removed
/// first (see [`STALE_TEMPORARY_AGE`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    match resolve_for_write(path)? {
        WriteTarget::Replace(target) => replace_atomic(path, &target, bytes),
        WriteTarget::Direct(target) => std::fs::OpenOptions::new()
            .append(true)
            .open(&target)
            .and_then(|mut f| f.write_all(bytes).and_then(|()| f.flush()))
            .map_err(|e| Error::io(path, "write", e)),
    }
}

/// Replace the regular file (or nothing) at `target` atomically: a
/// temporary file in the same folder (with the permissions of the file it
/// replaces), fsync, rename, fsync of the folder. `shown` names it in errors.
fn replace_atomic(shown: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
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
        return Err(Error::io(shown, "write", e));
    }
    Ok(())
}

/// Read the regular file at `path` (symlinks followed) whole, stopping
/// while reading at `cap` bytes: a file over the cap, a device such as
/// `/dev/zero`, a FIFO or a folder is an error that names `what`, the path
/// and the fix, and never blocks or grows past the cap.
pub fn read_capped(path: &Path, cap: u64, what: &str) -> Result<Vec<u8>> {
    let file = open_regular(path, what)?;
    let over = |len: String| {
        Error::invalid(format!(
            "{what} {} is {len}over the {cap}-byte limit: is it the right file?",
            path.display()
        ))
    };
    // A file that says it is too big is refused before any read; one that
    // grows while read is stopped by `take`.
    if let Ok(m) = file.metadata()
        && m.len() > cap
    {
        return Err(over(format!("{} bytes, ", m.len())));
    }
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, &format!("read {what}"), e))?;
    if bytes.len() as u64 > cap {
        return Err(over(String::new()));
    }
    Ok(bytes)
}

/// [`read_capped`] for text: the bytes must be UTF-8 (an error names the
/// offset of the first invalid byte).
pub fn read_text_capped(path: &Path, cap: u64, what: &str) -> Result<String> {
    String::from_utf8(read_capped(path, cap, what)?).map_err(|e| {
        Error::invalid(format!(
            "{what} {} is not UTF-8 (invalid byte at offset {}): convert it to UTF-8",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Is this the null device (`/dev/null`, or a node like it)? Reading it is
/// reading an empty file, the Unix idiom for "no policy", so it is the one
/// device a read accepts.
fn is_null_device(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.file_type().is_char_device()
        && rustix::fs::major(meta.rdev()) == 1
        && rustix::fs::minor(meta.rdev()) == 3
}

/// Open `path` for reading only if it is a regular file, the null device
/// (which reads as an empty file), or a descriptor the caller handed over
/// (`--policy /dev/stdin`, a shell's `<(…)`), which is read as it comes,
/// still within the caller's cap. A named FIFO or a device on disk is
/// refused: the file is opened non-blocking, so a FIFO with no writer is
/// refused at once instead of waiting for one.
pub fn open_regular(path: &Path, what: &str) -> Result<std::fs::File> {
    // A regular file that is not a symlink cannot lead to a descriptor:
    // the walk of a docs tree opens thousands, and the symlink check below
    // costs a readlink per folder of the path.
    let plain = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    if !plain && leads_to_descriptor(path) {
        let file =
            std::fs::File::open(path).map_err(|e| Error::io(path, &format!("read {what}"), e))?;
        let is_dir = file.metadata().is_ok_and(|m| m.is_dir());
        if !is_dir {
            return Ok(file);
        }
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| Error::io(path, &format!("read {what}"), e))?;
    let meta = file
        .metadata()
        .map_err(|e| Error::io(path, &format!("read {what}"), e))?;
    if is_null_device(&meta) {
        return Ok(file);
    }
    let t = meta.file_type();
    if t.is_dir() {
        return Err(Error::io(
            path,
            &format!("read {what}"),
            std::io::ErrorKind::IsADirectory.into(),
        ));
    }
    if !t.is_file() {
        return Err(Error::invalid(format!(
            "{what} {} is {}, not a regular file: give the path of a file",
            path.display(),
            kind_name(t)
        )));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    use std::os::unix::fs::FileTypeExt;

    fn mkfifo(p: &Path) {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            p,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
    }

    fn is_root() -> bool {
        rustix::process::geteuid().is_root()
    }

    #[test]
    fn a_symlink_is_written_through_and_stays_a_symlink() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("real")).unwrap();
        let target = d.path().join("real/m.json");
        std::fs::write(&target, "old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = d.path().join("m.json");
        std::os::unix::fs::symlink("real/m.json", &link).unwrap();
        // A chain of two links.
        let link2 = d.path().join("latest");
        std::os::unix::fs::symlink(&link, &link2).unwrap();
        super::write_atomic(&link2, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::symlink_metadata(&link2)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        // The temporary was made (and removed) in the target's folder.
        assert_eq!(std::fs::read_dir(d.path().join("real")).unwrap().count(), 1);
        // A dangling link: its target is created, the link stays.
        let dangling = d.path().join("next.json");
        std::os::unix::fs::symlink("real/next.json", &dangling).unwrap();
        super::write_atomic(&dangling, b"made").unwrap();
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(d.path().join("real/next.json")).unwrap(),
            "made"
        );
        // A loop is an error, not a hang.
        let a = d.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", d.path().join("b")).unwrap();
        let e = super::write_atomic(&a, b"x").unwrap_err();
        assert!(e.to_string().contains("symlinks"), "{e}");
    }

    #[test]
    fn a_fifo_is_written_to_and_never_replaced() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("pipe");
        mkfifo(&fifo);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(&fifo).unwrap())
        };
        super::write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_character_device_is_written_to_and_never_replaced() {
        let d = tempfile::tempdir().unwrap();
        // As root, a null device of our own (mknod needs root); otherwise a
        // link to the system's, which a non-root rename could not replace
        // anyway but a write through the link must still reach.
        let dev = d.path().join("null");
        if is_root() {
            rustix::fs::mknodat(
                rustix::fs::CWD,
                &dev,
                rustix::fs::FileType::CharacterDevice,
                rustix::fs::Mode::from_raw_mode(0o666),
                rustix::fs::makedev(1, 3),
            )
            .unwrap();
        } else {
            std::os::unix::fs::symlink("/dev/null", &dev).unwrap();
        }
        super::write_atomic(&dev, b"discarded").unwrap();
        assert!(
            std::fs::metadata(&dev)
                .unwrap()
                .file_type()
                .is_char_device()
        );
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        // /dev/stdout leads to a /proc descriptor link: written, not replaced.
        let before = std::fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type();
        super::write_atomic(Path::new("/dev/stdout"), b"").unwrap();
        let after = std::fs::symlink_metadata("/dev/stdout")
            .unwrap()
            .file_type();
        assert_eq!(before, after);
    }

    #[test]
    fn a_folder_or_a_socket_is_refused_and_left_as_it_is() {
        let d = tempfile::tempdir().unwrap();
        let e = super::write_atomic(d.path(), b"x").unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("a folder"), "{e}");
        assert!(std::fs::metadata(d.path()).unwrap().is_dir());
        let sock = d.path().join("s.sock");
        let _l = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let link = d.path().join("to-sock");
        std::os::unix::fs::symlink(&sock, &link).unwrap();
        for p in [&sock, &link] {
            let e = super::write_atomic(p, b"x").unwrap_err();
            assert!(e.to_string().contains("a socket"), "{e}");
        }
        assert!(
            std::fs::symlink_metadata(&sock)
                .unwrap()
                .file_type()
                .is_socket()
        );
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn reads_stop_at_the_cap_and_refuse_what_is_not_a_file() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, vec![b'a'; 11]).unwrap();
        assert_eq!(super::read_capped(&f, 11, "page").unwrap().len(), 11);
        let e = super::read_capped(&f, 10, "page").unwrap_err();
        assert!(e.to_string().contains("over the 10-byte limit"), "{e}");
        // A link to /dev/zero: refused at once, nothing read.
        let zero = d.path().join("zero.md");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = super::read_capped(&zero, u64::MAX, "page").unwrap_err();
        assert!(e.to_string().contains("a character device"), "{e}");
        // A FIFO nobody writes: refused at once, not waited on.
        let fifo = d.path().join("pipe.md");
        mkfifo(&fifo);
        let e = super::read_capped(&fifo, 10, "page").unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
        // The null device reads as an empty file (`--policy /dev/null`).
        assert!(
            super::read_capped(Path::new("/dev/null"), 10, "policy")
                .unwrap()
                .is_empty()
        );
        let e = super::read_capped(d.path(), 10, "page").unwrap_err();
        assert!(
            e.to_string().contains("folder") || e.to_string().contains("directory"),
            "{e}"
        );
    }

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
