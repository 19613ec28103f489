//! Atomic file writes, shared by every output mlg writes (artifacts, reports,
//! HTML pages, trial logs, prediction files).
//!
//! The bytes go to a temporary file beside the target, named
//! `.NAME.mlg-tmp-PID-N` (hidden, recognisable, unique per process and
//! write), which is synced (`fsync`) and then renamed over the target, after
//! which the folder is synced too (on Unix) so that the rename survives a
//! power loss: readers never see a half-written file and a failure never
//! destroys the previous one. A failed or abandoned write removes its
//! temporary file (on error and on drop). A temporary file that a killed
//! process left behind is removed by the next write to the same target: one
//! whose process is gone (Linux: `/proc/PID` does not exist) or, where that
//! cannot be told, one older than [`STALE_AFTER`]. Leftovers of earlier mlg
//! versions (`NAME.PID.tmp`, `.NAME.PID.N.tmp`) are removed the same way.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The marker between the target's name and the writer's process id in a
/// temporary file's name.
pub const TEMP_MARKER: &str = ".mlg-tmp-";

/// Where a process's liveness cannot be checked, a temporary file older than
/// this is taken for a leftover.
pub const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// Distinguishes the temporary files of concurrent writes in one process.
static SERIAL: AtomicU64 = AtomicU64::new(0);

/// A file being written atomically: write to it (it is buffered), then
/// [`AtomicFile::commit`] renames it over the target. Dropped without a
/// commit, it removes its temporary file and leaves the target as it was.
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target`: creates its parent folders, removes stale
    /// temporary files of earlier writes to it, and creates a fresh
    /// temporary file beside it.
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        let dir = parent(target);
        std::fs::create_dir_all(&dir)?;
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
        remove_stale(&dir, name);
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        let mut temp_name = temp_prefix(name);
        temp_name.push(format!("{}-{serial}", std::process::id()));
        let temp = dir.join(temp_name);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temp,
            file: Some(BufWriter::new(file)),
        })
    }

    /// The temporary file's path (for messages and tests).
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Flushes and syncs the temporary file, renames it over the target and
    /// syncs the folder (Unix). On an error before the rename the temporary
    /// file is removed and the target is untouched; when only the folder sync
    /// fails, the target already holds the new bytes and the error says that
    /// their rename may not be durable yet.
    pub fn commit(mut self) -> io::Result<()> {
        let result = (|| {
            let file = self
                .file
                .take()
                .ok_or_else(|| io::Error::other("the file was already committed"))?;
            let file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&self.temp, &self.target)?;
            sync_dir(&parent(&self.target))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temp);
        }
        // Committed or removed: nothing left for `drop` to clean.
        self.temp = PathBuf::new();
        result
    }

    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("the file was already committed"))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer()?.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer()?.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `path` atomically (see the module docs).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Syncs folder `dir` so that a rename in it is durable: `fsync` on the
/// folder (Unix). A file system that cannot sync folders (`EINVAL`, or the
/// call unsupported) is not an error; elsewhere this does nothing.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        match File::open(dir).and_then(|d| d.sync_all()) {
            Err(e) if matches!(e.kind(), io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported) => Ok(()),
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The folder `path` is in (`.` for a bare file name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `.NAME.mlg-tmp-`: every temporary file of target `NAME` starts so.
fn temp_prefix(name: &std::ffi::OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(name);
    prefix.push(TEMP_MARKER);
    prefix
}

/// Removes the temporary files of target `name` in `dir` that no live
/// process is writing (see the module docs). Best effort: errors are ignored.
fn remove_stale(dir: &Path, name: &std::ffi::OsStr) {
    let Some(name) = name.to_str() else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|f| temp_owner(f, name)) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let stale = match process_alive(pid) {
            Some(alive) => !alive,
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_AFTER),
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The process id that wrote `file`, when `file` is a temporary file of
/// target `name`: `.NAME.mlg-tmp-PID-N`, or an earlier version's
/// `NAME.PID.tmp` or `.NAME.PID.N.tmp`.
fn temp_owner(file: &str, name: &str) -> Option<u32> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = file
        .strip_prefix('.')
        .and_then(|f| f.strip_prefix(name))
        .and_then(|f| f.strip_prefix(TEMP_MARKER))
    {
        let (pid, serial) = rest.split_once('-')?;
        return (digits(pid) && digits(serial)).then(|| pid.parse().ok())?;
    }
    if let Some(rest) = file
        .strip_prefix('.')
        .and_then(|f| f.strip_prefix(name))
        .and_then(|f| f.strip_prefix('.'))
        .and_then(|f| f.strip_suffix(".tmp"))
    {
        if let Some((pid, serial)) = rest.split_once('.') {
            if digits(pid) && digits(serial) {
                return pid.parse().ok();
            }
        }
    }
    let pid = file.strip_prefix(name)?.strip_prefix('.')?.strip_suffix(".tmp")?;
    digits(pid).then(|| pid.parse().ok())?
}

/// Whether process `pid` is running, where that can be told.
fn process_alive(pid: u32) -> Option<bool> {
    if cfg!(target_os = "linux") {
        Some(Path::new("/proc").join(pid.to_string()).exists())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mlg-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// A process id that is not running (the largest Linux allows is 2^22).
    const DEAD_PID: u32 = 4_194_304 + 7;

    #[test]
    fn temporary_names_are_recognised() {
        assert_eq!(temp_owner(".m.mlgc.mlg-tmp-12-0", "m.mlgc"), Some(12));
        assert_eq!(temp_owner(".m.mlgc.12.3.tmp", "m.mlgc"), Some(12));
        assert_eq!(temp_owner("m.mlgc.12.tmp", "m.mlgc"), Some(12));
        assert_eq!(temp_owner("m.mlgc", "m.mlgc"), None);
        assert_eq!(temp_owner(".m.mlgc.mlg-tmp-x-0", "m.mlgc"), None);
        assert_eq!(temp_owner(".other.mlg-tmp-12-0", "m.mlgc"), None);
        assert_eq!(temp_owner("m.mlgc.notes.tmp", "m.mlgc"), None);
    }

    #[test]
    fn a_commit_replaces_the_target_and_leaves_no_temporary_file() {
        let dir = dir("commit");
        let target = dir.join("out.txt");
        std::fs::write(&target, "old").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(listing(&dir), ["out.txt"]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_write_into_a_new_folder_creates_it() {
        let dir = dir("new-folder");
        let target = dir.join("deeper").join("out.txt");
        write_atomic(&target, b"bytes").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"bytes");
        assert_eq!(listing(&dir.join("deeper")), ["out.txt"]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn syncing_a_folder_works_and_a_missing_one_is_an_error() {
        let dir = dir("sync");
        assert!(sync_dir(&dir).is_ok());
        assert!(sync_dir(Path::new(".")).is_ok());
        if cfg!(unix) {
            assert!(sync_dir(&dir.join("missing")).is_err());
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_abandoned_write_removes_its_file_and_keeps_the_target() {
        let dir = dir("abandon");
        let target = dir.join("out.txt");
        std::fs::write(&target, "old").unwrap();
        let mut file = AtomicFile::create(&target).unwrap();
        file.write_all(b"half").unwrap();
        assert!(file.temp_path().exists());
        drop(file);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(listing(&dir), ["out.txt"]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = dir("rename");
        // A non-empty folder cannot be replaced by a file.
        let target = dir.join("taken");
        std::fs::create_dir_all(target.join("inside")).unwrap();
        assert!(write_atomic(&target, b"x").is_err());
        assert_eq!(listing(&dir), ["taken"]);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_next_write_removes_leftovers_of_dead_writers_only() {
        let dir = dir("stale");
        let target = dir.join("m.mlgc");
        let dead = [
            format!(".m.mlgc.mlg-tmp-{DEAD_PID}-0"),
            format!(".m.mlgc.{DEAD_PID}.0.tmp"),
            format!("m.mlgc.{DEAD_PID}.tmp"),
        ];
        // The parent process is alive: its file is a write in progress.
        let live = format!(".m.mlgc.mlg-tmp-{}-0", std::os::unix::process::parent_id());
        let other = format!(".other.mlgc.mlg-tmp-{DEAD_PID}-0");
        for name in dead.iter().chain([&live, &other]) {
            std::fs::write(dir.join(name), "partial").unwrap();
        }
        write_atomic(&target, b"bytes").unwrap();
        let mut expected = vec![live.clone(), other.clone(), "m.mlgc".to_string()];
        expected.sort();
        assert_eq!(listing(&dir), expected);
        let _ = std::fs::remove_dir_all(dir);
    }
}
